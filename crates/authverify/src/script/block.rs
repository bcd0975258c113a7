//! The signature block: comment lines at the end of the text (before the last `</job>` in
//! a `.wsf` file) carrying the PKCS#7 as base64, between a begin and an end line.

use base64::Engine;

use super::text::{self, Line, TextEncoding};
use super::ScriptLanguage;
use crate::digest::Feed;
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
    /// Where the block's bytes start: the line break before its begin line (`body_end`).
    /// Neither that line break nor the begin line is in any digest, yet they decide where
    /// the hashed text ends and that there is a block at all, so they are checked with the
    /// block's lines (red team 4).
    pub(crate) lines: usize,
    /// The SHA-256 of the block's bytes as read from `lines` to `after`, so that a reader
    /// can tell they are still there when it is done.
    pub(crate) read_hash: Vec<u8>,
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

/// The most bytes a block may span, begin line to end line (64 MiB): [`MAX_BLOCK`] of base64
/// in lines of UTF-16 text takes a little over twice that, and the block is read into memory
/// to be decoded.
pub const MAX_BLOCK_SPAN: usize = 4 * MAX_BLOCK;

/// Bytes of the text searched for begin lines at a time.
const WINDOW: usize = 1 << 20;

/// The first bytes of a block read to decode it; doubled while the end line is not in
/// them (a block is usually 10-60 KB), up to [`MAX_BLOCK_SPAN`].
const FIRST_SPAN: usize = 64 << 10;

/// The signature block of a text of `len` bytes read through `feed`, if it has one. Two
/// begin lines, a begin line without an end line, a line between them that is not a
/// signature line, text that is not base64 and a block spanning more than
/// [`MAX_BLOCK_SPAN`] are errors. Memory: a window of the text while searching for begin
/// lines, then the block, whatever the text's size (a script in memory and one read from
/// a file go through the same steps).
pub(crate) fn find(
    len: usize,
    encoding: TextEncoding,
    language: ScriptLanguage,
    feed: &mut Feed<'_>,
) -> Result<Option<Found>, ScriptError> {
    let mut begins = begin_lines_fed(len, encoding, language, feed).into_iter();
    let Some((first, body_end)) = begins.next() else {
        return Ok(None);
    };
    if let Some((second, _)) = begins.next() {
        return Err(ScriptError::DuplicateBlock {
            first: crate::num::usize_u64(first.start),
            second: crate::num::usize_u64(second.start),
        });
    }
    let offset = crate::num::usize_u64(first.start);
    let mut span = FIRST_SPAN;
    let mut region = Vec::new();
    // The region read starts at the line break before the begin line (a few bytes before
    // the lines decoded), so that the hash of what was read covers it and the begin line.
    let lead = first.next.saturating_sub(body_end);
    loop {
        let end = first.next.saturating_add(span).min(len);
        if !read(feed, body_end..end, &mut region) {
            // The feed could not give the bytes (a file read that failed, which its reader
            // reports): no block is decoded from part of one.
            return Err(ScriptError::UnterminatedBlock { offset });
        }
        let at_end = end == len;
        let lines = region.get(lead..).unwrap_or_default();
        if let Some(found) = decode(lines, first.next, at_end, encoding, language, offset)? {
            let read = region.get(..found.after.saturating_sub(body_end)).unwrap_or_default();
            return Ok(Some(Found {
                begin: first.start,
                body_end,
                lines: body_end,
                read_hash: crate::DigestAlgorithm::Sha256.hash(read),
                ..found
            }));
        }
        if at_end || span >= MAX_BLOCK_SPAN {
            return Err(if at_end {
                ScriptError::UnterminatedBlock { offset }
            } else {
                ScriptError::BlockSpanTooLarge {
                    offset,
                    max: crate::num::usize_u64(MAX_BLOCK_SPAN),
                }
            });
        }
        span = span.saturating_mul(2).min(MAX_BLOCK_SPAN);
    }
}

/// Reads `range` through `feed` into `into`; `false` when the feed gave fewer bytes.
fn read(feed: &mut Feed<'_>, range: std::ops::Range<usize>, into: &mut Vec<u8>) -> bool {
    into.clear();
    let want = range.end.saturating_sub(range.start);
    let range = crate::num::usize_u64(range.start)..crate::num::usize_u64(range.end);
    feed(range, &mut |piece| into.extend_from_slice(piece));
    into.len() == want
}

/// The block's lines after its begin line, in `region` (which starts at file offset `base`
/// and ends at the text's end when `at_end`): the block decoded (its `begin` and `body_end`
/// left for the caller), `None` when the region ends before the end line does (a line is
/// judged only once its terminator is in the region, or the text ends with it), or the
/// error the first line that decides one gives.
fn decode(
    region: &[u8],
    base: usize,
    at_end: bool,
    encoding: TextEncoding,
    language: ScriptLanguage,
    offset: u64,
) -> Result<Option<Found>, ScriptError> {
    let s = syntax(language);
    let mut base64 = Vec::new();
    for line in text::lines(region, encoding, 0) {
        if !at_end && line.next <= line.end {
            return Ok(None);
        }
        let content = region.get(line.start..line.end).unwrap_or_default();
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
                begin: 0,
                body_end: 0,
                after: base.saturating_add(line.next),
                der,
                lines: 0,
                read_hash: Vec::new(),
            }));
        }
        let malformed = || ScriptError::MalformedLine {
            offset: crate::num::usize_u64(base.saturating_add(line.start)),
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
    Ok(None)
}

/// The first two begin lines of a text of `len` bytes read through `feed` a window at a
/// time, each with where the hashed text before it ends. Windows overlap by the bytes a
/// begin line is judged on (the unit before it, the text, the CR LF after it), and each
/// judges the matches starting in its own part only, so a line across two windows is
/// found once, as in the whole text (the rule is [`begin_lines`]'s; the begin text earlier
/// in the file is why the whole text is searched, not only its end).
fn begin_lines_fed(
    len: usize,
    encoding: TextEncoding,
    language: ScriptLanguage,
    feed: &mut Feed<'_>,
) -> Vec<(Line, usize)> {
    begin_lines_windowed(len, encoding, language, feed, WINDOW)
}

/// [`begin_lines_fed`] with windows of `window` bytes (more than a begin line and four units).
fn begin_lines_windowed(
    len: usize,
    encoding: TextEncoding,
    language: ScriptLanguage,
    feed: &mut Feed<'_>,
    window: usize,
) -> Vec<(Line, usize)> {
    let unit = encoding.unit();
    let margin = syntax(language).begin.len().saturating_add(2).saturating_mul(unit);
    let mut found: Vec<(Line, usize)> = Vec::new();
    // Matches at `lo` or after are the next window's; windows start on a unit boundary,
    // two units early (a CR LF before the first match they judge).
    let mut lo: usize = 0;
    let mut scratch = Vec::new();
    loop {
        let start = lo.saturating_sub(unit.saturating_mul(2));
        let end = start.saturating_add(window).min(len);
        let last = end == len;
        let hi = if last {
            len
        } else {
            let hi = end.saturating_sub(margin);
            hi.saturating_sub(hi.checked_rem(unit).unwrap_or(0))
        };
        let judge = |bytes: &[u8], found: &mut Vec<(Line, usize)>| {
            for line in begin_lines(bytes, encoding, language) {
                let at = start.saturating_add(line.start);
                if at >= hi || found.len() >= 2 {
                    break;
                }
                if at >= lo {
                    let shift = |o: usize| start.saturating_add(o);
                    found.push((
                        Line {
                            start: at,
                            end: shift(line.end),
                            next: shift(line.next),
                        },
                        shift(terminator_start(bytes, encoding, line.start)),
                    ));
                }
            }
        };
        // Searched in place when the feed gives the window in one piece (a script in
        // memory, a file read in pieces as large), else gathered first.
        let want = end.saturating_sub(start);
        let mut judged = false;
        scratch.clear();
        feed(crate::num::usize_u64(start)..crate::num::usize_u64(end), &mut |piece| {
            if !judged && scratch.is_empty() && piece.len() == want {
                judge(piece, &mut found);
                judged = true;
            } else {
                scratch.extend_from_slice(piece);
            }
        });
        if !judged {
            if scratch.len() != want {
                // The feed failed (its reader reports why).
                break;
            }
            judge(&scratch, &mut found);
        }
        if last || found.len() >= 2 || hi <= lo {
            break;
        }
        lo = hi;
    }
    found
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
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects, clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The first two begin lines found window by window are those of the whole text, with
    /// windows of every size from the smallest up (so that a begin line, its LF before and its
    /// CR LF after fall across a window's edge at every place), fed in one piece or in
    /// pieces gathered, in both unit widths.
    #[test]
    fn begin_lines_found_by_window_are_those_of_the_whole_text() {
        let b = "# SIG # Begin signature block";
        let texts = [
            format!("x\r\n{b}\r\n# QUJD\r\ny\n{b}\n"),
            format!("{b}\nab\n {b}\nx{b}\n{b}x\r\n{b}\r"),
            format!("abc\n{b}"),
            format!("{b}{b}\n\n{b}\r\n"),
        ];
        for text in &texts {
            for encoding in [TextEncoding::Utf8, TextEncoding::Utf16Le] {
                let bytes: Vec<u8> = match encoding {
                    TextEncoding::Utf16Le => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
                    _ => text.as_bytes().to_vec(),
                };
                let whole: Vec<(Line, usize)> = begin_lines(&bytes, encoding, ScriptLanguage::PowerShell)
                    .take(2)
                    .map(|l| (l, terminator_start(&bytes, encoding, l.start)))
                    .collect();
                let smallest = (b.len() + 5) * encoding.unit();
                for window in smallest..bytes.len() + 2 {
                    for halves in [false, true] {
                        let mut feed = |r: std::ops::Range<u64>, sink: &mut dyn FnMut(&[u8])| {
                            let piece = &bytes[usize::try_from(r.start).unwrap()..usize::try_from(r.end).unwrap()];
                            if halves {
                                let (a, c) = piece.split_at(piece.len() / 2);
                                sink(a);
                                sink(c);
                            } else {
                                sink(piece);
                            }
                        };
                        let found =
                            begin_lines_windowed(bytes.len(), encoding, ScriptLanguage::PowerShell, &mut feed, window);
                        assert_eq!(found, whole, "{text:?} {encoding:?} window {window} halves {halves}");
                    }
                }
            }
        }
    }

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
