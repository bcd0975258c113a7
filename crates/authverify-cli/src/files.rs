//! Finding input files and verifying each one; errors become results, never aborts.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use authverify::{FileReport, FileStatus, UnixTime, Verifier};
use serde::Serialize;

/// What one file produced.
#[derive(Debug, Serialize)]
pub(crate) struct FileResult {
    pub(crate) path: String,
    #[serde(flatten)]
    pub(crate) outcome: Outcome,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum Outcome {
    Report(FileReport),
    Error { status: FileStatus, error: String },
}

impl FileResult {
    pub(crate) fn status(&self) -> FileStatus {
        match &self.outcome {
            Outcome::Report(r) => r.status,
            Outcome::Error { status, .. } => *status,
        }
    }

    fn error(path: &Path, error: String) -> Self {
        Self {
            path: path.display().to_string(),
            outcome: Outcome::Error {
                status: FileStatus::Error,
                error,
            },
        }
    }
}

pub(crate) struct Inputs {
    pub(crate) files: Vec<PathBuf>,
    pub(crate) errors: Vec<FileResult>,
    pub(crate) skipped_non_pe: usize,
}

/// Files named directly are always verified (a non-PE one is reported as an error);
/// files found in directories are taken when they start with `MZ`.
pub(crate) fn collect_inputs(paths: &[PathBuf]) -> Inputs {
    let mut inputs = Inputs {
        files: Vec::new(),
        errors: Vec::new(),
        skipped_non_pe: 0,
    };
    for path in paths {
        if path.is_dir() {
            for entry in walkdir::WalkDir::new(path).follow_links(false).sort_by_file_name() {
                match entry {
                    Ok(e) if e.file_type().is_file() => {
                        if looks_like_pe(e.path()) {
                            inputs.files.push(e.into_path());
                        } else {
                            inputs.skipped_non_pe = inputs.skipped_non_pe.saturating_add(1);
                        }
                    }
                    Ok(_) => {}
                    Err(err) => {
                        let p = err.path().map(Path::to_path_buf).unwrap_or_else(|| path.clone());
                        inputs.errors.push(FileResult::error(&p, format!("cannot read: {err}")));
                    }
                }
            }
        } else if path.exists() {
            inputs.files.push(path.clone());
        } else {
            inputs
                .errors
                .push(FileResult::error(path, "no such file or directory".into()));
        }
    }
    inputs
}

fn looks_like_pe(path: &Path) -> bool {
    let mut magic = [0u8; 2];
    File::open(path).and_then(|mut f| f.read_exact(&mut magic)).is_ok() && &magic == b"MZ"
}

pub(crate) fn verify_one(verifier: &Verifier, path: &Path, at: UnixTime) -> FileResult {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return FileResult::error(path, format!("cannot open: {e}")),
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    // Memory-map: the library works on a slice and reads each byte once; no whole-file
    // buffer. Empty files cannot be mapped and are not PE images anyway.
    let outcome = if len == 0 {
        verifier.verify_bytes(&[], at)
    } else {
        // SAFETY: the map is read-only and lives only for this call. If another process
        // truncates the file meanwhile, reads may fault (SIGBUS); that is the accepted cost
        // of mapping, as in ripgrep.
        #[allow(unsafe_code)]
        let map = match unsafe { memmap2::Mmap::map(&file) } {
            Ok(m) => m,
            Err(e) => return FileResult::error(path, format!("cannot map: {e}")),
        };
        // Give back the pages the digest has read: without this, a mapped 2 GB file stays
        // resident (and counted in RSS) until the map is dropped.
        let release = |range: std::ops::Range<usize>| {
            // SAFETY: DONTNEED on a private read-only file mapping only drops cached pages;
            // the next access reads them from the file again. Nothing else reads them.
            #[allow(unsafe_code)]
            let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, range.start, range.len()) };
        };
        verifier.verify_bytes_with(&map, at, &mut { release })
    };
    match outcome {
        Ok(report) => FileResult {
            path: path.display().to_string(),
            outcome: Outcome::Report(report),
        },
        Err(e) => FileResult::error(path, e.to_string()),
    }
}
