use std::io::{self, Write};

use crate::files::FileResult;
use crate::summary::Summary;

/// One document: `{"files": [...]}`, plus `"summary"` with --summary.
#[cfg(test)]
pub(crate) fn print(out: &mut impl Write, results: &[FileResult], summary: Option<&Summary>) -> io::Result<()> {
    let doc = match summary {
        Some(s) => serde_json::json!({ "files": results, "summary": s }),
        None => serde_json::json!({ "files": results }),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// `value` pretty-printed as serde_json does inside a document, at `indent` spaces.
fn nested(value: &serde_json::Value, indent: &str) -> io::Result<String> {
    let text = serde_json::to_string_pretty(value)?;
    Ok(text.replace('\n', &format!("\n{indent}")))
}

/// The same document as [`print`], written file by file as results arrive (issue 18):
/// memory holds one report, not the whole array. Objects go through `serde_json::Value`,
/// as `json!` does, so keys come out in the same (sorted) order, byte for byte.
pub(crate) struct Document {
    files: usize,
}

impl Document {
    pub(crate) fn new() -> Self {
        Self { files: 0 }
    }

    pub(crate) fn file(&mut self, out: &mut impl Write, r: &FileResult) -> io::Result<()> {
        let value = serde_json::to_value(r)?;
        let sep = if self.files == 0 {
            "{\n  \"files\": [\n    "
        } else {
            ",\n    "
        };
        write!(out, "{sep}{}", nested(&value, "    ")?)?;
        self.files = self.files.saturating_add(1);
        Ok(())
    }

    pub(crate) fn finish(self, out: &mut impl Write, summary: Option<&Summary>) -> io::Result<()> {
        if self.files == 0 {
            write!(out, "{{\n  \"files\": []")?;
        } else {
            write!(out, "\n  ]")?;
        }
        if let Some(s) = summary {
            write!(out, ",\n  \"summary\": {}", nested(&serde_json::to_value(s)?, "  ")?)?;
        }
        writeln!(out, "\n}}")
    }
}

/// One object per file.
pub(crate) fn line(out: &mut impl Write, r: &FileResult) -> io::Result<()> {
    serde_json::to_writer(&mut *out, r)?;
    writeln!(out)
}

/// `{"summary": ...}`, the last line with --summary; `schema` versions the line format so
/// that `authverify summary` recognises reports of other versions.
pub(crate) fn summary_line(out: &mut impl Write, s: &Summary, label: Option<&str>) -> io::Result<()> {
    let line = match label {
        Some(l) => serde_json::json!({ "schema": crate::summary::SCHEMA, "label": l, "summary": s }),
        None => serde_json::json!({ "schema": crate::summary::SCHEMA, "summary": s }),
    };
    serde_json::to_writer(&mut *out, &line)?;
    writeln!(out)
}

/// A command's results as one pretty-printed document: `{"<key>": value}`.
pub(crate) fn document(out: &mut impl Write, key: &str, value: &impl serde::Serialize) -> io::Result<()> {
    let mut doc = serde_json::Map::new();
    doc.insert(key.to_string(), serde_json::to_value(value)?);
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// A command's results one JSON object per line.
pub(crate) fn lines<T: serde::Serialize>(out: &mut impl Write, items: &[T]) -> io::Result<()> {
    items.iter().try_for_each(|item| {
        serde_json::to_writer(&mut *out, item)?;
        writeln!(out)
    })
}
