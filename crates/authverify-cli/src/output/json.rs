use std::io::{self, Write};

use crate::files::FileResult;

pub(crate) fn print(out: &mut impl Write, results: &[FileResult]) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &serde_json::json!({ "files": results }))?;
    writeln!(out)
}

pub(crate) fn print_lines(out: &mut impl Write, results: &[FileResult]) -> io::Result<()> {
    for r in results {
        serde_json::to_writer(&mut *out, r)?;
        writeln!(out)?;
    }
    Ok(())
}
