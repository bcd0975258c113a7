//! `rescan-invalid` as text.

use std::io::Write;

use authverify::FileStatus;

use crate::escape::terminal;
use crate::files::FileResult;
use crate::rescan::{Action, Entry};

/// Writes the text form to `out`.
pub fn print_text(
    out: &mut impl Write,
    entries: &[Entry],
    results: &[FileResult],
    restore: bool,
) -> std::io::Result<()> {
    for (e, r) in entries.iter().zip(results) {
        let verdict = format!("{:?}", e.status).to_uppercase();
        let what = match e.action {
            Action::WouldRestore => format!("passes now; would restore to {}", e.restore_to),
            Action::Restored => format!("passes now; restored to {}", e.restore_to),
            Action::Blocked => format!("passes now; NOT restored: {}", e.detail.as_deref().unwrap_or_default()),
            Action::Failed => format!("passes now; rename failed: {}", e.detail.as_deref().unwrap_or_default()),
            Action::Changed => format!(
                "passed when verified; NOT restored: {}",
                e.detail.as_deref().unwrap_or_default()
            ),
            Action::Kept => {
                let why = match &r.outcome {
                    crate::files::Outcome::Report(rep) => rep
                        .missing
                        .first()
                        .map(|m| format!("missing {}", m.name.as_deref().unwrap_or(&m.subject)))
                        .or_else(|| rep.notes.first().map(|n| n.detail.clone()))
                        .unwrap_or_default(),
                    crate::files::Outcome::Error { error, .. } => error.clone(),
                };
                format!("still fails: {why}")
            }
        };
        // Paths, the reason and the rename's error are the file system's and the file's.
        writeln!(out, "{}: {verdict}: {}", terminal(&e.path), terminal(&what))?;
    }
    let passing = entries.iter().filter(|e| e.status == FileStatus::Valid).count();
    writeln!(
        out,
        "{} quarantined file(s): {passing} pass now{}",
        entries.len(),
        if restore {
            ""
        } else {
            " (dry run: add --restore to rename them back)"
        }
    )
}
