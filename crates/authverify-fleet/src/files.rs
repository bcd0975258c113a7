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
    /// The file's path as found or given.
    pub path: String,
    /// `--label`: the host (or run) this report comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// `verify --payload`, for a file a container carries: the containers around it,
    /// outermost first (the path of the file found, then each nested container's path
    /// inside the one before). Empty (and absent from JSON) for a file on disk.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub container: Vec<String>,
    /// `verify --payload`: the file's path inside the innermost container, `/`-separated;
    /// absent for a file on disk and for a container whose payload could not be walked
    /// (its error says why).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// The report, or why there is none.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What verifying one file produced (its fields, flattened into the file's JSON object).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Outcome {
    /// The library's report.
    Report(FileReport),
    /// The file was not verified: `error` is the message, `error_rule` a stable id for
    /// grouping (the library's [`authverify::Error::rule`], or `file.not_found`,
    /// `file.unreadable`, `file.changed`, `file.not_regular`).
    Error {
        /// Always [`FileStatus::Error`].
        status: FileStatus,
        /// The message.
        error: String,
        /// The stable id of the failure.
        error_rule: &'static str,
    },
}

impl FileResult {
    /// The file's verdict.
    pub fn status(&self) -> FileStatus {
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
            container: Vec::new(),
            member: None,
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
                    Ok(e) if is_special(e.file_type()) => inputs.errors.push(not_regular(e.path(), e.file_type())),
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
/// `.mst`, `.msm`: Office documents are compound files too, and not packages), a ZIP archive
/// named like an APPX/MSIX package or bundle (a `.zip`, `.docx` or `.jar` is not one), DER
/// named `.cat` (a catalog), or a script named by its extension (`.ps1`, `.psm1`, `.psd1`,
/// `.ps1xml`, `.psc1`, `.cdxml`, `.mof`, `.js`, `.vbs`, `.wsf`). Other files in a directory
/// are counted as skipped.
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
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    authverify::payload::signable(name, head)
}

/// The path's extension is one of `names` (compared without case).
pub(crate) fn named(path: &Path, names: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| names.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// What a named path that does not exist reports.
pub(crate) const NO_SUCH_FILE: &str = "no such file or directory";

/// Neither a regular file, a directory nor a symbolic link: a FIFO, a socket or a device.
pub(crate) fn is_special(t: std::fs::FileType) -> bool {
    !t.is_file() && !t.is_dir() && !t.is_symlink()
}

/// The result for a path that is not a regular file. Only regular files are ever opened: a
/// FIFO blocks its reader until a writer comes (forever, in a scan), a device such as
/// `/dev/zero` never ends, and neither is a file anyone signed.
pub(crate) fn not_regular(path: &Path, t: std::fs::FileType) -> FileResult {
    #[cfg(unix)]
    let kind = {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            "a FIFO (named pipe)"
        } else if t.is_socket() {
            "a socket"
        } else if t.is_block_device() || t.is_char_device() {
            "a device"
        } else if t.is_dir() {
            "a directory"
        } else {
            "not a regular file"
        }
    };
    #[cfg(not(unix))]
    let kind = if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    };
    FileResult::error(path, "file.not_regular", format!("{kind}: only regular files are read"))
}

/// A file named by the caller (a PATH argument, a `--files-from` line, a path given to the
/// Python binding): missing is reported as such, so is anything but a regular file (never
/// opened); a regular file is verified.
pub fn verify_named(verifier: &Verifier, path: &Path, at: UnixTime) -> FileResult {
    if path.exists() {
        verify_one(verifier, path, at)
    } else {
        FileResult::error(path, "file.not_found", NO_SUCH_FILE.into())
    }
}

pub(crate) fn verify_one(verifier: &Verifier, path: &Path, at: UnixTime) -> FileResult {
    // Looked at before opening: opening a FIFO blocks until a writer comes. (A FIFO put in
    // the path's place between this look and the open would still block: only a
    // non-blocking open closes that window, and it needs the platform's flag values.)
    if let Ok(meta) = std::fs::metadata(path) {
        if !meta.is_file() {
            return not_regular(path, meta.file_type());
        }
    }
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return FileResult::error(path, "file.unreadable", format!("cannot open: {e}")),
    };
    // What was opened, in case the path changed since the look above (a device, say).
    if let Ok(meta) = file.metadata() {
        if !meta.is_file() {
            return not_regular(path, meta.file_type());
        }
    }
    let name = path.file_name().and_then(|n| n.to_str());
    verify_open(verifier, path, name, &file, &mut &file, at)
}

/// Verifies the file open as `file` (named `path` in the result), reading it through
/// `reader`: the file itself, or a reader over it that records what is read
/// (`rescan-invalid --restore` restores exactly the bytes verified).
/// `name` is the file's name as its format knows it (a quarantined `x.ps1_Invalid` is a
/// `.ps1`): its extension tells a script's language where its text cannot (unsigned).
pub(crate) fn verify_open(
    verifier: &Verifier,
    path: &Path,
    name: Option<&str>,
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
    let outcome = match name {
        Some(name) => verifier.verify_reader_named(reader, name, at),
        None => verifier.verify_reader(reader, at),
    };
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
            container: Vec::new(),
            member: None,
            outcome: Outcome::Report(report),
        },
        Err(e) => FileResult::error(path, e.rule(), e.to_string()),
    }
}
