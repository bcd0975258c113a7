//! The JSON and JSON-lines printers: the report objects of `--format json` and
//! `--format jsonl`, byte for byte.

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

/// The `{"files": [...]}` document of `--format json`, written file by file as results arrive (issue 18):
/// memory holds one report, not the whole array. Objects go through `serde_json::Value`,
/// as `json!` does, so keys come out in the same (sorted) order, byte for byte.
#[derive(Default)]
pub struct Document {
    files: usize,
}

impl Document {
    /// A document with no file written yet.
    pub fn new() -> Self {
        Self { files: 0 }
    }

    /// Writes one file's object, after the ones before it.
    pub fn file(&mut self, out: &mut impl Write, r: &FileResult) -> io::Result<()> {
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

    /// Closes the files array, adds `summary` when given, and ends the document.
    pub fn finish(self, out: &mut impl Write, summary: Option<&Summary>) -> io::Result<()> {
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
pub fn line(out: &mut impl Write, r: &FileResult) -> io::Result<()> {
    serde_json::to_writer(&mut *out, r)?;
    writeln!(out)
}

/// `{"summary": ...}`, the last line with --summary; `schema` versions the line format so
/// that `authverify summary` recognises reports of other versions.
pub fn summary_line(out: &mut impl Write, s: &Summary, label: Option<&str>) -> io::Result<()> {
    let line = match label {
        Some(l) => serde_json::json!({ "schema": crate::summary::SCHEMA, "label": l, "summary": s }),
        None => serde_json::json!({ "schema": crate::summary::SCHEMA, "summary": s }),
    };
    serde_json::to_writer(&mut *out, &line)?;
    writeln!(out)
}

/// A command's results as one pretty-printed document: `{"<key>": value}`.
pub fn document(out: &mut impl Write, key: &str, value: &impl serde::Serialize) -> io::Result<()> {
    let mut doc = serde_json::Map::new();
    doc.insert(key.to_string(), serde_json::to_value(value)?);
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// A command's results one JSON object per line.
pub fn lines<T: serde::Serialize>(out: &mut impl Write, items: &[T]) -> io::Result<()> {
    items.iter().try_for_each(|item| {
        serde_json::to_writer(&mut *out, item)?;
        writeln!(out)
    })
}

/// A file's line of `verify --format jsonl`, without the newline (for front ends that hand
/// lines on rather than write them).
pub fn line_text(r: &FileResult) -> io::Result<String> {
    let mut out = Vec::new();
    line(&mut out, r)?;
    into_text(out)
}

/// The summary line `verify --summary --format jsonl` ends with, without the newline.
pub fn summary_line_text(s: &Summary) -> io::Result<String> {
    let mut out = Vec::new();
    summary_line(&mut out, s, None)?;
    into_text(out)
}

fn into_text(mut bytes: Vec<u8>) -> io::Result<String> {
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}
