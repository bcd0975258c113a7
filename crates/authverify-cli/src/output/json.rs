use std::io::{self, Write};

use crate::files::FileResult;
use crate::summary::Summary;

/// One document: `{"files": [...]}`, plus `"summary"` with --summary.
pub(crate) fn print(out: &mut impl Write, results: &[FileResult], summary: Option<&Summary>) -> io::Result<()> {
    let doc = match summary {
        Some(s) => serde_json::json!({ "files": results, "summary": s }),
        None => serde_json::json!({ "files": results }),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// One object per file, then `{"summary": ...}` as the last line with --summary.
pub(crate) fn print_lines(out: &mut impl Write, results: &[FileResult], summary: Option<&Summary>) -> io::Result<()> {
    for r in results {
        serde_json::to_writer(&mut *out, r)?;
        writeln!(out)?;
    }
    if let Some(s) = summary {
        serde_json::to_writer(&mut *out, &serde_json::json!({ "summary": s }))?;
        writeln!(out)?;
    }
    Ok(())
}
