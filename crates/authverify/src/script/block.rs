//! The signature block: comment lines at the end of the text (before the last `</job>` in
//! a `.wsf` file) carrying the PKCS#7 as base64, between a begin and an end line.

use base64::Engine;

use super::text::{self, Line, TextEncoding};
use super::ScriptLanguage;
use crate::error::ScriptError;

/// The most base64 text a block may hold (16 MiB, the bound on an MSI package's signature
/// stream; a signature with every nested signature and timestamp is far smaller).
pub const MAX_BLOCK: usize = 16 << 20;

/// A language's block syntax: its begin and end lines, and what surrounds the base64 of
/// each line between them.
struct Syntax {
    begin: &'static str,
    end: &'static str,
    open: &'static str,
    close: &'static str,
}

fn syntax(language: ScriptLanguage) -> Syntax {
    match language {
        ScriptLanguage::PowerShell => Syntax {
            begin: "# SIG # Begin signature block",
            end: "# SIG # End signature block",
            open: "# ",
            close: "",
        },
        ScriptLanguage::PowerShellXml => Syntax {
            begin: "<!-- SIG # Begin signature block -->",
            end: "<!-- SIG # End signature block -->",
            open: "<!-- ",
            close: " -->",
        },
        ScriptLanguage::Mof => Syntax {
            begin: "/* SIG # Begin signature block */",
            end: "/* SIG # End signature block */",
            open: "/* ",
            close: " */",
        },
        ScriptLanguage::JScript => Syntax {
            begin: "// SIG // Begin signature block",
            end: "// SIG // End signature block",
            open: "// SIG // ",
            close: "",
        },
        ScriptLanguage::VbScript => Syntax {
            begin: "'' SIG '' Begin signature block",
            end: "'' SIG '' End signature block",
            open: "'' SIG '' ",
            close: "",
        },
        ScriptLanguage::WindowsScriptFile => Syntax {
            begin: "<signature>",
            end: "</signature>",
            open: "** SIG ** ",
            close: "",
        },
    }
}

/// A signature block found and decoded.
pub(crate) struct Found {
    /// Offset of the begin line.
    pub(crate) begin: usize,
    /// Where the hashed text before the block ends: before the line terminator that
    /// precedes the begin line.
    pub(crate) body_end: usize,
    /// Where the text after the end line (and its terminator) starts.
    pub(crate) after: usize,
    /// The PKCS#7, decoded.
    pub(crate) der: Vec<u8>,
}

/// Begin lines of `language`'s block in `bytes`: whole lines after the first (a block
/// starts with the line terminator that ends the text before it).
fn begin_lines<'b>(
    bytes: &'b [u8],
    encoding: TextEncoding,
    language: ScriptLanguage,
) -> impl Iterator<Item = Line> + 'b {
    let begin = syntax(language).begin;
    let unit = encoding.unit();
    // The begin text's occurrences are found by memmem and each is checked to be a whole
    // line; splitting the whole text into lines was 5% of verifying a large module (issue
    // 32). A line is the begin text when it starts at a unit boundary after an LF unit and
    // its end (before CR LF, LF or the text's end) is right after the text.
    let needle: Vec<u8> = begin.bytes().flat_map(|b| [b, 0].into_iter().take(unit)).collect();
    let finder = memchr::memmem::Finder::new(&needle).into_owned();
    let is = move |at: usize, c: &str| {
        bytes
            .get(at..at.saturating_add(unit))
            .is_some_and(|u| text::is_ascii_text(u, encoding, c))
    };
    let mut from: usize = 0;
    std::iter::from_fn(move || loop {
        let at = from.checked_add(finder.find(bytes.get(from..)?)?)?;
        from = at.saturating_add(1);
        let end = at.saturating_add(needle.len());
        let after_lf = at.checked_sub(unit).is_some_and(|lf| is(lf, "\n"));
        // Checked in constant time: no scan to the line's end, however long.
        let next = if end == bytes.len() {
            Some(end)
        } else if is(end, "\n") {
            Some(end.saturating_add(unit))
        } else if is(end, "\r") && is(end.saturating_add(unit), "\n") {
            Some(end.saturating_add(unit.saturating_mul(2)))
        } else {
            None
        };
        if let (Some(next), true, Some(0)) = (next, after_lf, at.checked_rem(unit)) {
            return Some(Line { start: at, end, next });
        }
    })
}

/// `bytes` holds a begin line of `language`'s block (content detection).
pub(crate) fn has_begin_line(bytes: &[u8], language: ScriptLanguage) -> bool {
    TextEncoding::detect(bytes, language.default_encoding())
        .is_ok_and(|encoding| begin_lines(bytes, encoding, language).next().is_some())
}

/// The signature block of `bytes`, if it has one. Two begin lines, a begin line without an
/// end line, a line between them that is not a signature line, and text that is not
/// base64 are errors.
pub(crate) fn find(
    bytes: &[u8],
    encoding: TextEncoding,
    language: ScriptLanguage,
) -> Result<Option<Found>, ScriptError> {
    let mut begins = begin_lines(bytes, encoding, language);
    let Some(first) = begins.next() else {
        return Ok(None);
    };
    if let Some(second) = begins.next() {
        return Err(ScriptError::DuplicateBlock {
            first: crate::num::usize_u64(first.start),
            second: crate::num::usize_u64(second.start),
        });
    }
    let s = syntax(language);
    let offset = crate::num::usize_u64(first.start);
    let mut base64 = Vec::new();
    for line in text::lines(bytes, encoding, first.next) {
        let content = bytes.get(line.start..line.end).unwrap_or_default();
        if text::is_ascii_text(content, encoding, s.end) {
            if base64.is_empty() {
                return Err(ScriptError::EmptyBlock { offset });
            }
            let der =
                base64::engine::general_purpose::STANDARD
                    .decode(&base64)
                    .map_err(|e| ScriptError::NotBase64 {
                        offset,
                        detail: e.to_string(),
                    })?;
            return Ok(Some(Found {
                begin: first.start,
                body_end: terminator_start(bytes, encoding, first.start),
                after: line.next,
                der,
            }));
        }
        let malformed = || ScriptError::MalformedLine {
            offset: crate::num::usize_u64(line.start),
        };
        let ascii = text::ascii(content, encoding).ok_or_else(malformed)?;
        let payload = ascii
            .strip_prefix(s.open.as_bytes())
            .and_then(|p| p.strip_suffix(s.close.as_bytes()))
            .ok_or_else(malformed)?;
        let len = base64.len().saturating_add(payload.len());
        if len > MAX_BLOCK {
            return Err(ScriptError::BlockTooLarge {
                len: crate::num::usize_u64(len),
                max: crate::num::usize_u64(MAX_BLOCK),
            });
        }
        base64.extend_from_slice(payload);
    }
    Err(ScriptError::UnterminatedBlock { offset })
}

/// Where the line terminator (LF or CR LF) ending just before `line_start` starts.
fn terminator_start(bytes: &[u8], encoding: TextEncoding, line_start: usize) -> usize {
    let unit = encoding.unit();
    let Some(lf) = line_start.checked_sub(unit) else {
        return line_start;
    };
    match lf.checked_sub(unit) {
        Some(cr)
            if bytes
                .get(cr..lf)
                .is_some_and(|u| text::is_ascii_text(u, encoding, "\r")) =>
        {
            cr
        }
        _ => lf,
    }
}

/// Offset of the last occurrence of the ASCII text `needle` in `bytes`, on a code unit
/// boundary.
pub(crate) fn rfind_ascii(bytes: &[u8], encoding: TextEncoding, needle: &str) -> Option<usize> {
    let unit = encoding.unit();
    let len = needle.len().checked_mul(unit)?;
    if len == 0 {
        return None;
    }
    bytes
        .windows(len)
        .enumerate()
        .rev()
        .find(|(at, w)| at.checked_rem(unit) == Some(0) && text::is_ascii_text(w, encoding, needle))
        .map(|(at, _)| at)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The begin lines found by searching for the begin text are the lines, split one by
    /// one, whose whole text is the begin text (the definition), in both unit widths, with
    /// the cases at the edges: first line, lone CR before the end, CR LF, text glued on
    /// either side, the text's end.
    #[test]
    fn begin_lines_are_the_whole_lines_of_the_begin_text() {
        let b = "# SIG # Begin signature block";
        let texts = [
            format!("{b}\nx"),
            format!("x\n{b}"),
            format!("x\n{b}\r"),
            format!("x\r\n{b}\r\ny\n{b}\n"),
            format!("x\n {b}\nx{b}\n{b}x\n{b}{b}\n"),
            format!("x\n\r{b}\n"),
            b.repeat(3),
        ];
        for text in &texts {
            for encoding in [TextEncoding::Utf8, TextEncoding::Utf16Le] {
                let bytes: Vec<u8> = match encoding {
                    TextEncoding::Utf16Le => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
                    _ => text.as_bytes().to_vec(),
                };
                let found: Vec<Line> = begin_lines(&bytes, encoding, ScriptLanguage::PowerShell).collect();
                let defined: Vec<Line> = text::lines(&bytes, encoding, 0)
                    .filter(|l| {
                        l.start > 0 && text::is_ascii_text(bytes.get(l.start..l.end).unwrap_or_default(), encoding, b)
                    })
                    .collect();
                assert_eq!(found, defined, "{text:?} {encoding:?}");
            }
        }
    }
}
