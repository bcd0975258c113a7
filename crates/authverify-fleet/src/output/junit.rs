//! `verify --format junit` (issue 31): one test case per file or package member, for the CI
//! systems that display JUnit XML reports (Jenkins, GitLab, Azure Pipelines, GitHub
//! actions that read it). A file fails when the gate fails it ([`crate::gate`]; with no gate
//! option: when it is not valid), is an error when it could not be verified, and is
//! skipped when an `--exclude-from` pattern excludes it, with the pattern and its reason.
//!
//! Names, reasons and certificate subjects are hostile input: every text is XML-escaped,
//! and characters XML 1.0 forbids (controls but tab, newline and carriage return; U+FFFE,
//! U+FFFF) are removed, as are the C1 controls XML 1.0 discourages (a CI log that prints
//! them to a terminal would act on them). Tab, newline and carriage return are written as
//! character references, so that attribute values keep them.
//!
//! The counts go on the `<testsuite>` element, before the test cases: the test cases are
//! written to a temporary file as results arrive and copied after it, so that memory stays
//! constant however many files there are (issue 18).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Seek, Write};

use crate::files::{FileResult, Outcome};
use crate::gate::{gate_path, GateResult};

/// The text `s` as XML character data or an attribute value (either: quotes are escaped).
pub fn xml(s: &str) -> Cow<'_, str> {
    let plain = |c: char| allowed(c) && !matches!(c, '&' | '<' | '>' | '"' | '\'' | '\t' | '\n' | '\r');
    if s.chars().all(plain) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len().saturating_add(16));
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => {
                let _ = write!(out, "&#{};", u32::from(c));
            }
            c if allowed(c) => out.push(c),
            _ => {}
        }
    }
    Cow::Owned(out)
}

/// XML 1.0's `Char` production, less the C1 controls (and DEL) it discourages.
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
        || c >= '\u{10000}'
}

/// A JUnit report being written: test cases spooled, counted.
pub struct Junit {
    spool: std::fs::File,
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

impl Junit {
    /// A report with no test case yet (its spool a temporary file, removed when dropped).
    pub fn new() -> io::Result<Self> {
        Ok(Self {
            spool: tempfile::tempfile()?,
            tests: 0,
            failures: 0,
            errors: 0,
            skipped: 0,
        })
    }

    /// One file's test case, from its result and the gate's answer.
    pub fn file(&mut self, r: &FileResult, g: &GateResult) -> io::Result<()> {
        let mut case = String::new();
        let name = gate_path(r);
        let _ = write!(case, "    <testcase classname=\"authverify\" name=\"{}\"", xml(&name));
        self.tests = self.tests.saturating_add(1);
        let status = r.status();
        if let Some(e) = &g.excluded {
            self.skipped = self.skipped.saturating_add(1);
            let reason = e.reason.as_deref().unwrap_or("no reason given");
            let message = format!("excluded by {} (line {}): {reason}", e.pattern, e.line);
            let _ = write!(case, ">\n      <skipped message=\"{}\"/>\n", xml(&message));
        } else if let (Outcome::Error { error, error_rule, .. }, false) = (&r.outcome, g.passed) {
            self.errors = self.errors.saturating_add(1);
            let _ = write!(
                case,
                ">\n      <error type=\"{}\" message=\"{}\"/>\n",
                xml(error_rule),
                xml(error)
            );
        } else if !g.passed {
            self.failures = self.failures.saturating_add(1);
            let rules: Vec<&str> = g.failed.iter().map(|f| f.rule().as_str()).collect();
            let lines: Vec<String> = g
                .failed
                .iter()
                .map(|f| format!("{}: {}", f.rule().as_str(), f.detail()))
                .collect();
            let message = lines.first().map_or("", String::as_str);
            let _ = write!(
                case,
                ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                xml(&rules.join(" ")),
                xml(message),
                xml(&lines.join("\n"))
            );
        } else {
            let _ = writeln!(case, ">");
        }
        // The verdict as output, where every JUnit reader (surefire's schema) takes text.
        let _ = writeln!(
            case,
            "      <system-out>status: {}</system-out>\n    </testcase>",
            status.as_str()
        );
        self.spool.write_all(case.as_bytes())
    }

    /// The document: the counts, then every test case in the order given.
    pub fn finish(mut self, out: &mut impl Write) -> io::Result<()> {
        let counts = format!(
            "tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\"",
            self.tests, self.failures, self.errors, self.skipped
        );
        writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
        writeln!(out, "<testsuites name=\"authverify verify\" {counts}>")?;
        writeln!(out, "  <testsuite name=\"authverify verify\" {counts}>")?;
        self.spool.rewind()?;
        io::copy(&mut self.spool, out)?;
        writeln!(out, "  </testsuite>\n</testsuites>")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::xml;

    #[test]
    fn markup_is_escaped_and_forbidden_characters_removed() {
        assert_eq!(xml("a.exe"), "a.exe");
        assert_eq!(
            xml("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"
        );
        assert_eq!(xml("a\u{0}b\u{1b}[31mc\u{7f}\u{9b}d\u{fffe}\u{ffff}e"), "ab[31mcde");
        assert_eq!(xml("x\ty\nz\r"), "x&#9;y&#10;z&#13;");
        assert_eq!(xml("café 日本 \u{1f600}"), "café 日本 \u{1f600}");
    }
}
