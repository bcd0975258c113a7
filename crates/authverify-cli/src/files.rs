//! Finding input files and verifying each one; errors become results, never aborts.

use std::fs::File;
use std::io::Read;
use std::path::Path;
#[cfg(test)]
use std::path::PathBuf;

use authverify::{FileReport, FileStatus, UnixTime, Verifier};
use serde::Serialize;

/// What one file produced.
#[derive(Debug, Serialize)]
pub struct FileResult {
    pub(crate) path: String,
    /// `--label`: the host (or run) this report comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) label: Option<String>,
    #[serde(flatten)]
    pub(crate) outcome: Outcome,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum Outcome {
    Report(FileReport),
    /// The file was not verified: `error` is the message, `error_rule` a stable id for
    /// grouping (the library's [`authverify::Error::rule`], or `file.not_found`,
    /// `file.unreadable`, `file.changed`).
    Error {
        status: FileStatus,
        error: String,
        error_rule: &'static str,
    },
}

impl FileResult {
    pub(crate) fn status(&self) -> FileStatus {
        match &self.outcome {
            Outcome::Report(r) => r.status,
            Outcome::Error { status, .. } => *status,
        }
    }

    /// The message of a file that could not be verified.
    pub(crate) fn error_message(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Report(_) => None,
            Outcome::Error { error, .. } => Some(error),
        }
    }

    pub(crate) fn error(path: &Path, error_rule: &'static str, error: String) -> Self {
        Self {
            path: path.display().to_string(),
            label: None,
            outcome: Outcome::Error {
                status: FileStatus::Error,
                error,
                error_rule,
            },
        }
    }
}

/// The inputs of a run, collected whole (the reference the streamed order is tested against).
#[cfg(test)]
pub(crate) struct Inputs {
    pub(crate) files: Vec<PathBuf>,
    pub(crate) errors: Vec<FileResult>,
    pub(crate) skipped_other: usize,
}

/// Files named directly are always verified (a non-PE one is reported as an error);
/// files found in directories are taken when they start with `MZ`.
#[cfg(test)]
pub(crate) fn collect_inputs(paths: &[PathBuf]) -> Inputs {
    let mut inputs = Inputs {
        files: Vec::new(),
        errors: Vec::new(),
        skipped_other: 0,
    };
    for path in paths {
        if path.is_dir() {
            for entry in walkdir::WalkDir::new(path).follow_links(false).sort_by_file_name() {
                match entry {
                    Ok(e) if e.file_type().is_file() => {
                        if looks_signable(e.path()) {
                            inputs.files.push(e.into_path());
                        } else {
                            inputs.skipped_other = inputs.skipped_other.saturating_add(1);
                        }
                    }
                    Ok(_) => {}
                    Err(err) => {
                        let p = err.path().map(Path::to_path_buf).unwrap_or_else(|| path.clone());
                        inputs
                            .errors
                            .push(FileResult::error(&p, "file.unreadable", format!("cannot read: {err}")));
                    }
                }
            }
        } else if path.exists() {
            inputs.files.push(path.clone());
        } else {
            inputs
                .errors
                .push(FileResult::error(path, "file.not_found", NO_SUCH_FILE.into()));
        }
    }
    inputs
}

/// The file starts like a format authverify verifies: a PE image (`MZ`), a cabinet
/// (`MSCF`), or an OLE compound file named like a Windows Installer package (`.msi`, `.msp`,
/// `.mst`, `.msm`: Office documents are compound files too, and not packages), or DER named
/// `.cat` (a catalog). Other files in a directory are counted as skipped.
pub(crate) fn looks_signable(path: &Path) -> bool {
    let mut magic = [0u8; 8];
    let Ok(mut f) = File::open(path) else { return false };
    let mut n = 0;
    while n < magic.len() {
        match f.read(magic.get_mut(n..).unwrap_or_default()) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    let head = magic.get(..n).unwrap_or_default();
    let named = |names: &[&str]| {
        path.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| names.iter().any(|x| e.eq_ignore_ascii_case(x)))
    };
    head.starts_with(b"MZ")
        || head.starts_with(b"MSCF")
        || (head == [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1] && named(&["msi", "msp", "mst", "msm"]))
        || (head.first() == Some(&0x30) && named(&["cat"]))
}

/// What a named path that does not exist reports.
pub(crate) const NO_SUCH_FILE: &str = "no such file or directory";

/// A file named by the caller (a PATH argument, a `--files-from` line, a path given to the
/// Python binding): missing is reported as such, anything else is verified.
pub fn verify_named(verifier: &Verifier, path: &Path, at: UnixTime) -> FileResult {
    if path.exists() {
        verify_one(verifier, path, at)
    } else {
        FileResult::error(path, "file.not_found", NO_SUCH_FILE.into())
    }
}

pub(crate) fn verify_one(verifier: &Verifier, path: &Path, at: UnixTime) -> FileResult {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return FileResult::error(path, "file.unreadable", format!("cannot open: {e}")),
    };
    verify_open(verifier, path, &file, &mut &file, at)
}

/// Verifies the file open as `file` (named `path` in the result), reading it through
/// `reader`: the file itself, or a reader over it that records what is read
/// (`rescan-invalid --restore` restores exactly the bytes verified).
pub(crate) fn verify_open(
    verifier: &Verifier,
    path: &Path,
    file: &File,
    reader: &mut (impl Read + std::io::Seek),
    at: UnixTime,
) -> FileResult {
    // Ordinary reads, not a memory map: a file truncated by another process while mapped
    // faults (SIGBUS) and would end the whole run. The library reads one consistent
    // snapshot and says when the file changed underneath (issue 14); the modification time
    // is compared too, for a rewrite that keeps the length and the headers.
    let stamp = |f: &File| f.metadata().ok().map(|m| (m.len(), m.modified().ok()));
    let before = stamp(file);
    let outcome = verifier.verify_reader(reader, at);
    let changed = before != stamp(file);
    match outcome {
        Ok(_) if changed => FileResult::error(
            path,
            "file.changed",
            "the file changed while it was being verified (its size or modification time differs)".into(),
        ),
        Ok(report) => FileResult {
            path: path.display().to_string(),
            label: None,
            outcome: Outcome::Report(report),
        },
        Err(e) => FileResult::error(path, e.rule(), e.to_string()),
    }
}
