//! `authverify rescan-invalid DIR`: files a security product quarantined by renaming them
//! `<name>_Invalid` are verified again; those that pass now can be renamed back.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use authverify::FileStatus;
use serde::Serialize;

use crate::args::{Format, RescanArgs};
use crate::files::FileResult;

/// The quarantine suffix, compared case-insensitively at the very end of the file name.
const SUFFIX: &str = "_invalid";

/// `X_Invalid` → `X`; `None` for every other name (including `invalid.gif` and
/// `config_invalid_syntax.php`).
pub(crate) fn original_name(file_name: &str) -> Option<&str> {
    let cut = file_name.len().checked_sub(SUFFIX.len())?;
    let (stem, suffix) = (file_name.get(..cut)?, file_name.get(cut..)?);
    (suffix.eq_ignore_ascii_case(SUFFIX) && !stem.is_empty()).then_some(stem)
}

/// Renames `from` to `to` without ever replacing an existing `to`: a hard link (which fails
/// if `to` exists) then unlinking `from`; where hard links are unsupported, a checked rename.
fn restore(from: &Path, to: &Path) -> std::io::Result<()> {
    match std::fs::hard_link(from, to) {
        Ok(()) => std::fs::remove_file(from),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
        Err(_) if to.exists() => Err(std::io::ErrorKind::AlreadyExists.into()),
        Err(_) => std::fs::rename(from, to),
    }
}

#[derive(Serialize)]
pub(crate) struct Entry {
    pub(crate) path: String,
    /// The verdict now.
    pub(crate) status: FileStatus,
    /// Where it would go back to.
    pub(crate) restore_to: String,
    pub(crate) action: Action,
    pub(crate) detail: Option<String>,
}

/// What rescan did with a quarantined file (serialized snake_case, as reports name it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Action {
    /// Valid now; a dry run would rename it back.
    WouldRestore,
    /// Valid now and renamed back.
    Restored,
    /// Still not valid: left where it is.
    Kept,
    /// Valid now, but a file already has the original name: not overwritten.
    Blocked,
    /// Valid now; the rename failed.
    Failed,
}

fn quarantined(dir: &Path) -> (Vec<PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for entry in walkdir::WalkDir::new(dir).follow_links(false).sort_by_file_name() {
        match entry {
            Ok(e) if e.file_type().is_file() => {
                if e.file_name().to_str().and_then(original_name).is_some() {
                    files.push(e.into_path());
                }
            }
            Ok(_) => {}
            Err(err) => errors.push(format!("cannot read: {err}")),
        }
    }
    (files, errors)
}

pub(crate) fn run(args: &RescanArgs) -> Result<ExitCode, crate::error::CliError> {
    use crate::error::CliError;
    if !args.dir.is_dir() {
        return Err(CliError::Input(format!("{}: not a directory", args.dir.display())));
    }
    let (verifier, at) = crate::config::build_verifier(&args.options)?;
    let (files, walk_errors) = quarantined(&args.dir);
    for e in &walk_errors {
        eprintln!("authverify: {}", crate::escape::terminal(e));
    }
    if files.is_empty() {
        return Err(CliError::Input(format!(
            "no file ending in _Invalid under {}",
            args.dir.display()
        )));
    }
    let results: Vec<FileResult> = crate::commands::verify::verify_files(&verifier, &files, at, args.options.quiet);
    let mut entries = Vec::new();
    for r in &results {
        let path = PathBuf::from(&r.path);
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(original_name)
            .unwrap_or_default();
        let target = path.with_file_name(name);
        let (action, detail) = if r.status() != FileStatus::Valid {
            // A file that could not be verified says why (a valid-format verdict is in
            // the text output's report).
            (Action::Kept, r.error_message().map(str::to_string))
        } else if target.exists() {
            (
                Action::Blocked,
                Some(format!("{} exists; not overwritten", target.display())),
            )
        } else if !args.restore {
            (Action::WouldRestore, None)
        } else {
            // `rename` replaces an existing target on Unix: `restore` never does, even if the
            // target appears after the check above.
            match restore(&path, &target) {
                Ok(()) => (Action::Restored, None),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => (
                    Action::Blocked,
                    Some(format!("{} exists; not overwritten", target.display())),
                ),
                Err(e) => (Action::Failed, Some(e.to_string())),
            }
        };
        entries.push(Entry {
            path: r.path.clone(),
            status: r.status(),
            restore_to: target.display().to_string(),
            action,
            detail,
        });
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match args.format {
        Format::Text => crate::output::rescan::print_text(&mut out, &entries, &results, args.restore),
        Format::Json => crate::output::json::document(&mut out, "files", &entries),
        Format::Jsonl => crate::output::json::lines(&mut out, &entries),
    };
    written.map_err(crate::output::write_failed)?;
    Ok(crate::commands::verify::exit_code(&results))
}

#[cfg(test)]
mod tests {
    use super::original_name;

    #[test]
    fn only_the_quarantine_suffix_counts() {
        assert_eq!(original_name("agent.dll_Invalid"), Some("agent.dll"));
        assert_eq!(original_name("AGENT.DLL_INVALID"), Some("AGENT.DLL"));
        assert_eq!(original_name("invalid.gif"), None);
        assert_eq!(original_name("config_invalid_syntax.php"), None);
        assert_eq!(original_name("_Invalid"), None);
        assert_eq!(original_name("Invalid"), None);
    }
}
