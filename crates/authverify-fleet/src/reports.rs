//! Reports of many hosts merged into the fleet view (`authverify summary REPORT.jsonl...`,
//! issue 18). Each report's summary line (verify --summary --format jsonl, optionally
//! --label HOST) is read and merged: certificate counts add up per host, so a merged
//! summary merges again.

use std::io::Read;
use std::path::{Path, PathBuf};

use authverify::{TrustStore, UnixTime};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::summary::{Summary, SCHEMA};

/// The longest line read from a report. Reports are parsed as they are read, nothing of a
/// line is held but the summary it carries, so this does not bound memory for a real
/// report; it ends reading a file that is not one (an endless string, `/dev/zero` without
/// its NULs) instead of buffering it. A merged summary line is large: about 20 bytes per
/// host for each certificate (`hosts`), so the 400 roots of Microsoft's program each needed
/// on 25,000 hosts come to 200 MB; 256 MiB admits that.
const MAX_LINE: u64 = 256 << 20;

/// A report's bytes, refused once a JSON value passes `max` bytes. Counted per value, not
/// per line: one value split over many short lines is one value (the red-team review sent a
/// summary object with a `by_status` key per line, which a per-line count never stopped).
/// The count restarts only at a line break outside every string, object and array.
struct Bounded<R> {
    inner: R,
    max: u64,
    /// The line being read (1-based) and the bytes of the value being read so far.
    line: u64,
    in_line: u64,
    /// Where the lexer is: nesting depth, inside a string, after a backslash in one.
    depth: u64,
    in_string: bool,
    escaped: bool,
}

impl<R> Bounded<R> {
    fn new(inner: R, max: u64) -> Self {
        Self {
            inner,
            max,
            line: 1,
            in_line: 0,
            depth: 0,
            in_string: false,
            escaped: false,
        }
    }

    fn step(&mut self, b: u8) {
        if b == b'\n' {
            self.line = self.line.saturating_add(1);
        }
        if self.in_string {
            match b {
                _ if self.escaped => self.escaped = false,
                b'\\' => self.escaped = true,
                b'"' => self.in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth = self.depth.saturating_add(1),
                b'}' | b']' => self.depth = self.depth.saturating_sub(1),
                b'\n' if self.depth == 0 => {
                    self.in_line = 0;
                    return;
                }
                _ => {}
            }
        }
        self.in_line = self.in_line.saturating_add(1);
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in buf.get(..n).unwrap_or_default() {
            self.step(b);
            // Checked at every byte: a chunk may end after the value has closed.
            if self.in_line > self.max {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "line {}: a value longer than {} MiB: not a report line (none is that long)",
                        self.line,
                        self.max >> 20
                    ),
                ));
            }
        }
        Ok(n)
    }
}

/// What `summary` reads of a report line: the summary of a summary line, with its label.
/// Every other field, and every other line (a file's signatures and certificates are most
/// of a report), is parsed and skipped, never built into a value.
#[derive(Default)]
struct Line {
    label: Option<String>,
    summary: Option<Summary>,
}

/// The fields of a line `summary` reads; any other is skipped.
enum Key {
    Schema,
    Label,
    Summary,
    Other,
}

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Names;
        impl Visitor<'_> for Names {
            type Value = Key;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<Key, E> {
                Ok(match name {
                    "schema" => Key::Schema,
                    "label" => Key::Label,
                    "summary" => Key::Summary,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_identifier(Names)
    }
}

/// The schemas this version reads; the error names another. No `schema`: a line written
/// before the field existed (version 1, same shape).
fn check_schema(schema: Option<&serde_json::Value>) -> Result<(), String> {
    match schema.map_or(Some(1), serde_json::Value::as_u64) {
        Some(s) if (1..=SCHEMA).contains(&s) => Ok(()),
        other => Err(format!(
            "summary line of schema {} — this authverify reads schemas 1 to {SCHEMA}; merge with the version that wrote it, or newer",
            other.map_or_else(|| "?".to_string(), |s| s.to_string())
        )),
    }
}

/// The message a schema refusal starts with (told from other data errors by it).
const SCHEMA_REFUSED: &str = "summary line of schema ";

impl<'de> de::Deserialize<'de> for Line {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = Line;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a report line")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Line, A::Error> {
                let mut line = Line::default();
                let mut schema = None;
                while let Some(key) = map.next_key::<Key>()? {
                    match key {
                        Key::Schema => schema = Some(map.next_value::<serde_json::Value>()?),
                        Key::Label => {
                            // Not a string (never written so): the file name says the host.
                            line.label = match map.next_value::<serde_json::Value>()? {
                                serde_json::Value::String(label) => Some(label),
                                _ => None,
                            };
                        }
                        Key::Summary => {
                            // Checked before the summary is read: a newer schema's summary
                            // may not read as this version's, and the schema is the reason.
                            check_schema(schema.as_ref()).map_err(de::Error::custom)?;
                            line.summary = Some(map.next_value()?);
                        }
                        Key::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                if line.summary.is_some() {
                    check_schema(schema.as_ref()).map_err(de::Error::custom)?;
                }
                Ok(line)
            }
            // A line that is JSON but not an object carries no summary.
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Line, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Line::default())
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Line, E> {
                Ok(Line::default())
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Line, E> {
                Ok(Line::default())
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Line, E> {
                Ok(Line::default())
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Line, E> {
                Ok(Line::default())
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Line, E> {
                Ok(Line::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<Line, E> {
                Ok(Line::default())
            }
        }
        d.deserialize_any(Fields)
    }
}

/// `name:line: what`, from a parse error (serde_json's own text ends with the position).
fn located(name: &str, e: &serde_json::Error) -> String {
    let text = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    let what = text.strip_suffix(&position).unwrap_or(&text);
    match e.classify() {
        serde_json::error::Category::Io => format!("{name}: {what}"),
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            format!("{name}:{}: not a JSON line: {what}", e.line())
        }
        serde_json::error::Category::Data if what.starts_with(SCHEMA_REFUSED) => {
            format!("{name}:{}: {what}", e.line())
        }
        serde_json::error::Category::Data => {
            format!("{name}:{}: summary line does not read: {what}", e.line())
        }
    }
}

/// Why a report cannot be merged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The report cannot be opened.
    #[error("{}: {source}", path.display())]
    Open {
        /// The report's path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A line does not read: not JSON, a summary of another schema or shape, a value past
    /// the bound, or a read error; the message names the line (`path:line: what`).
    #[error("{}", located(&path.display().to_string(), source))]
    Line {
        /// The report's path.
        path: PathBuf,
        /// serde_json's error, which knows the line.
        source: serde_json::Error,
    },
    /// The report holds no summary line.
    #[error("{}: no summary line (write reports with `authverify verify --summary --format jsonl --label HOST`)", path.display())]
    NoSummary {
        /// The report's path.
        path: PathBuf,
    },
}

/// The summaries of `reports` (paths; `-` is standard input) merged into one, each judged
/// by `trust` at `at` (which CTLs vouch for what).
pub fn merge(reports: &[PathBuf], trust: &TrustStore, at: UnixTime) -> Result<Summary, ReportError> {
    let mut merged = Summary::default();
    for path in reports {
        let (summary, host) = read_report(path)?;
        merged.merge(summary, &host, trust, at);
    }
    Ok(merged)
}

/// The summary line of one report, and the host it speaks for. The report is parsed as it
/// is read: memory is the summary it carries, whatever the size of its lines.
pub fn read_report(path: &Path) -> Result<(Summary, String), ReportError> {
    let source: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path).map_err(|source| ReportError::Open {
            path: path.to_path_buf(),
            source,
        })?)
    };
    let found = last_summary(source, MAX_LINE).map_err(|source| ReportError::Line {
        path: path.to_path_buf(),
        source,
    })?;
    let (summary, label) = found.ok_or_else(|| ReportError::NoSummary {
        path: path.to_path_buf(),
    })?;
    Ok((summary, label.unwrap_or_else(|| host_from_file_name(path))))
}

/// The last summary line of a JSONL report, with its label; a value longer than `max`
/// bytes is an error.
fn last_summary(source: impl Read, max: u64) -> Result<Option<(Summary, Option<String>)>, serde_json::Error> {
    // Buffered outside the bound, which then counts whole chunks, not single bytes.
    let bounded = std::io::BufReader::new(Bounded::new(source, max));
    let mut found = None;
    for line in serde_json::Deserializer::from_reader(bounded).into_iter::<Line>() {
        if let Line {
            summary: Some(summary),
            label,
        } = line?
        {
            found = Some((summary, label));
        }
    }
    Ok(found)
}

/// A report without `--label` speaks for the host its file is named after.
fn host_from_file_name(path: &Path) -> String {
    path.file_stem()
        .map_or_else(|| path.display().to_string(), |s| s.to_string_lossy().into_owned())
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::{last_summary, located, SCHEMA};

    const SUMMARY: &str = r#"{"files":1,"by_status":{"valid":1},"install":[],"other_failures":[]}"#;

    fn read(report: &str, max: u64) -> Result<Option<(usize, Option<String>)>, String> {
        last_summary(report.as_bytes(), max)
            .map(|found| found.map(|(s, label)| (s.files, label)))
            .map_err(|e| located("r.jsonl", &e))
    }

    #[test]
    fn file_lines_are_skipped_and_the_summary_line_read() {
        let report = format!(
            "{{\"path\":\"a.exe\",\"label\":\"h\",\"status\":\"valid\",\"signatures\":[{{\"x\":[1,2]}}]}}\n\n[1]\n{{\"schema\":2,\"label\":\"h\",\"summary\":{SUMMARY}}}\n"
        );
        assert_eq!(read(&report, 1 << 20), Ok(Some((1, Some("h".into())))));
        assert_eq!(read("{\"path\":\"a.exe\"}\n", 1 << 20), Ok(None));
    }

    /// The bound is per JSON value, not per line: a value spread over short lines is
    /// stopped all the same (red-team review of issue 27), while lines of separate values
    /// each start afresh, and a newline inside a string or an escaped quote does not end one.
    #[test]
    fn the_bound_holds_across_lines_of_one_value() {
        let spread = format!("{{\"a\":[\n{}1]}}\n", "1,\n".repeat(100));
        let e = read(&spread, 64).unwrap_err();
        assert!(e.contains("longer than"), "{e}");
        let separate = "{\"a\":1}\n".repeat(100);
        assert_eq!(read(&separate, 64), Ok(None));
        let tricky = "{\"a\":\"x\\\"}\\n{\"}\n".repeat(10);
        assert_eq!(read(&tricky, 64), Ok(None));
    }

    #[test]
    fn errors_name_the_line_and_the_schema() {
        let future = "{}\n{\"schema\":99,\"summary\":{\"new\":true}}\n";
        let e = read(future, 1 << 20).unwrap_err();
        assert!(
            e.starts_with(&format!(
                "r.jsonl:2: summary line of schema 99 — this authverify reads schemas 1 to {SCHEMA}"
            )),
            "{e}"
        );
        let e = read("{}\n{\"summary\":{\"files\":\"x\"}}\n", 1 << 20).unwrap_err();
        assert!(
            e.starts_with("r.jsonl:2: summary line does not read: invalid type"),
            "{e}"
        );
        let e = read("{}\n{]\n", 1 << 20).unwrap_err();
        assert!(e.starts_with("r.jsonl:2: not a JSON line: "), "{e}");
    }

    #[test]
    fn a_line_longer_than_the_bound_is_an_error_naming_it() {
        let report = format!("{{}}\n{{\"label\":\"{}\"}}\n", "x".repeat(3 << 20));
        let e = read(&report, 2 << 20).unwrap_err();
        assert_eq!(
            e,
            "r.jsonl: line 2: a value longer than 2 MiB: not a report line (none is that long)"
        );
        assert!(read(&report, 4 << 20).is_ok());
    }
}
