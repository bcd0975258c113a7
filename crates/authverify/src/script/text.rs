//! A script's text as the script SIPs read it: the encoding its byte order mark names (or
//! the language's default), its lines as byte ranges, and its conversion to the UTF-16LE
//! the SIPs hash, streamed through a fixed buffer.

use crate::digest::MultiDigest;
use crate::error::ScriptError;

/// How a script's bytes encode its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum TextEncoding {
    /// UTF-8 without a byte order mark (the PowerShell family's default).
    Utf8,
    /// UTF-8 after the byte order mark EF BB BF.
    Utf8Bom,
    /// UTF-16LE after the byte order mark FF FE.
    Utf16Le,
    /// No byte order mark in a Windows Script Host language: the ANSI code page, taken as
    /// Windows-1252 (docs/ARCHITECTURE.md, "Scripts").
    Windows1252,
}

impl TextEncoding {
    /// The name reports use (`utf-8`, `utf-8-bom`, `utf-16le`, `windows-1252`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "utf-8",
            Self::Utf8Bom => "utf-8-bom",
            Self::Utf16Le => "utf-16le",
            Self::Windows1252 => "windows-1252",
        }
    }

    /// Bytes per code unit.
    pub(crate) fn unit(self) -> usize {
        if self == Self::Utf16Le {
            2
        } else {
            1
        }
    }

    /// Length of the byte order mark.
    pub(crate) fn bom_len(self) -> usize {
        match self {
            Self::Utf8Bom => 3,
            Self::Utf16Le => 2,
            Self::Utf8 | Self::Windows1252 => 0,
        }
    }

    /// The encoding of `bytes`: its byte order mark, else `default`.
    pub(crate) fn detect(bytes: &[u8], default: Self) -> Result<Self, ScriptError> {
        if bytes.starts_with(&[0xff, 0xfe]) {
            if !bytes.len().is_multiple_of(2) {
                return Err(ScriptError::OddLength {
                    len: crate::num::usize_u64(bytes.len()),
                });
            }
            return Ok(Self::Utf16Le);
        }
        if bytes.starts_with(&[0xfe, 0xff]) {
            return Err(ScriptError::UnsupportedEncoding { encoding: "UTF-16BE" });
        }
        if bytes.starts_with(&[0xef, 0xbb, 0xbf]) {
            return Ok(Self::Utf8Bom);
        }
        Ok(default)
    }
}

/// One line: `start..end` is its text without the line terminator (LF, or CR LF), `next`
/// where the following line starts (the file's length after the last line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Line {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) next: usize,
}

/// The lines of `bytes` in `encoding`, from `from` (a line start) on.
pub(crate) fn lines(bytes: &[u8], encoding: TextEncoding, from: usize) -> impl Iterator<Item = Line> + '_ {
    let unit = encoding.unit();
    let mut at = Some(from);
    std::iter::from_fn(move || {
        let start = at?;
        if start >= bytes.len() {
            return None;
        }
        let rest = bytes.get(start..).unwrap_or_default();
        let lf = find_lf(rest, unit);
        let Some(lf) = lf.and_then(|o| start.checked_add(o)) else {
            at = None;
            return Some(Line {
                start,
                end: bytes.len(),
                next: bytes.len(),
            });
        };
        let next = lf.saturating_add(unit);
        at = Some(next);
        let end = match lf.checked_sub(unit) {
            Some(cr) if cr >= start && bytes.get(cr..lf).is_some_and(|u| is_unit(u, b'\r')) => cr,
            _ => lf,
        };
        Some(Line { start, end, next })
    })
}

/// Offset in `text` of its first LF code unit (`unit` bytes wide, aligned to `text`'s
/// start). memchr finds candidate bytes at memory speed: searching line by line a unit at
/// a time was 11% of verifying a large module (issue 32).
fn find_lf(text: &[u8], unit: usize) -> Option<usize> {
    if unit == 1 {
        return memchr::memchr(b'\n', text);
    }
    memchr::memchr_iter(b'\n', text).find(|&at| {
        at.checked_rem(unit) == Some(0) && text.get(at..at.saturating_add(unit)).is_some_and(|u| is_unit(u, b'\n'))
    })
}

/// The code unit `u` is the ASCII character `c`.
fn is_unit(u: &[u8], c: u8) -> bool {
    match u {
        [b] => *b == c,
        [lo, hi] => *lo == c && *hi == 0,
        _ => false,
    }
}

/// The text of `range` is the ASCII text `text`, unit for unit.
pub(crate) fn is_ascii_text(bytes: &[u8], encoding: TextEncoding, text: &str) -> bool {
    let unit = encoding.unit();
    bytes.len() == text.len().saturating_mul(unit)
        && bytes.chunks_exact(unit).zip(text.bytes()).all(|(u, c)| is_unit(u, c))
}

/// The text of `bytes` as ASCII, if every unit is ASCII.
pub(crate) fn ascii(bytes: &[u8], encoding: TextEncoding) -> Option<Vec<u8>> {
    let unit = encoding.unit();
    if bytes.len().checked_rem(unit) != Some(0) {
        return None;
    }
    bytes
        .chunks_exact(unit)
        .map(|u| match u {
            [b] if b.is_ascii() => Some(*b),
            [lo, 0] if lo.is_ascii() => Some(*lo),
            _ => None,
        })
        .collect()
}

/// Size of the buffer a conversion to UTF-16LE goes through: the memory bound of hashing a
/// script whatever its size.
const BUFFER: usize = 32 * 1024;

/// Feeds the UTF-16LE form of text to a hasher through a fixed buffer, counting its code
/// units (the WSH SIPs hash a position in them) and the bytes of a UTF-8 text that are not
/// UTF-8. A part of text may come in pieces split anywhere ([`Utf16Sink::piece`]): the one
/// conversion serves a script held in memory and one read from a file in chunks, so the
/// two digests cannot drift apart.
pub(crate) struct Utf16Sink<'h> {
    hasher: &'h mut MultiDigest,
    buffer: Vec<u8>,
    units: u64,
    /// The start of a UTF-8 sequence (at most three bytes) or half a UTF-16 unit that the
    /// last piece ended inside of, held until the next piece or the part's end decides it.
    pending: Vec<u8>,
    not_utf8: usize,
}

impl<'h> Utf16Sink<'h> {
    pub(crate) fn new(hasher: &'h mut MultiDigest) -> Self {
        Self {
            hasher,
            buffer: Vec::with_capacity(BUFFER),
            units: 0,
            pending: Vec::new(),
            not_utf8: 0,
        }
    }

    /// Code units fed so far.
    pub(crate) fn units(&self) -> u64 {
        self.units
    }

    /// Bytes fed as UTF-8 that are not UTF-8 (each hashed as U+FFFD).
    pub(crate) fn not_utf8(&self) -> usize {
        self.not_utf8
    }

    fn push(&mut self, unit: u16) {
        if self.buffer.len() >= BUFFER {
            self.flush();
        }
        self.buffer.extend_from_slice(&unit.to_le_bytes());
        self.units = self.units.saturating_add(1);
    }

    /// Feeds `bytes` already in UTF-16LE.
    pub(crate) fn raw(&mut self, bytes: &[u8]) {
        self.flush();
        self.hasher.update(bytes);
        self.units = self.units.saturating_add(crate::num::usize_u64(bytes.len() / 2));
    }

    /// Feeds the ASCII run at the start of `bytes` (each byte one UTF-16 unit, its high
    /// byte zero) a buffer at a time, and returns how many bytes it took: scripts are
    /// mostly ASCII, and a unit at a time was 37% of verifying a large module (issue 32).
    /// Eight bytes at a time are checked for ASCII and widened with shifts and masks.
    fn ascii_prefix(&mut self, bytes: &[u8]) -> usize {
        let mut taken: usize = 0;
        for part in bytes.chunks(BUFFER / 2) {
            if self.buffer.len().saturating_add(part.len().saturating_mul(2)) > BUFFER {
                self.flush();
            }
            // Widened in place: the buffer grows by the part's UTF-16 size, eight input
            // bytes fill sixteen output bytes, and what was not ASCII is cut off again.
            let start = self.buffer.len();
            self.buffer
                .resize(start.saturating_add(part.len().saturating_mul(2)), 0);
            let mut run: usize = 0;
            if let Some(out) = self.buffer.get_mut(start..) {
                for (wide, word) in out.chunks_exact_mut(16).zip(part.chunks_exact(8)) {
                    let x = u64::from_le_bytes(<[u8; 8]>::try_from(word).unwrap_or([0x80; 8]));
                    if x & 0x8080_8080_8080_8080 != 0 {
                        break;
                    }
                    let units = u128::from(widen(x & 0xffff_ffff)) | (u128::from(widen(x >> 32)) << 64);
                    wide.copy_from_slice(&units.to_le_bytes());
                    run = run.saturating_add(8);
                }
            }
            self.buffer.truncate(start.saturating_add(run.saturating_mul(2)));
            let tail = part.get(run..).unwrap_or_default();
            let ascii = tail.iter().take_while(|b| b.is_ascii()).count();
            for &b in tail.get(..ascii).unwrap_or_default() {
                self.buffer.extend_from_slice(&[b, 0]);
            }
            run = run.saturating_add(ascii);
            self.units = self.units.saturating_add(crate::num::usize_u64(run));
            taken = taken.saturating_add(run);
            if run < part.len() {
                break;
            }
        }
        taken
    }

    /// Feeds `bytes`, ASCII runs in bulk and every other byte through `unit`.
    fn mapped(&mut self, bytes: &[u8], unit: impl Fn(u8) -> u16) {
        let mut rest = bytes;
        while !rest.is_empty() {
            let n = self.ascii_prefix(rest);
            let Some((&b, tail)) = rest.get(n..).unwrap_or_default().split_first() else {
                break;
            };
            self.push(unit(b));
            rest = tail;
        }
    }

    /// Feeds valid UTF-8, ASCII runs in bulk.
    fn utf8(&mut self, text: &str) {
        let mut rest = text;
        let mut units = [0u16; 2];
        while !rest.is_empty() {
            let n = self.ascii_prefix(rest.as_bytes());
            let mut chars = rest.get(n..).unwrap_or_default().chars();
            if let Some(c) = chars.next() {
                c.encode_utf16(&mut units).iter().for_each(|&u| self.push(u));
            }
            rest = chars.as_str();
        }
    }

    /// Feeds the text of `bytes` in `encoding` (the BOM, if `bytes` holds it, as U+FEFF):
    /// one whole part, [`Utf16Sink::piece`] then [`Utf16Sink::end_part`].
    #[cfg(test)]
    pub(crate) fn text(&mut self, bytes: &[u8], encoding: TextEncoding) {
        self.piece(bytes, encoding);
        self.end_part(encoding);
    }

    /// Feeds the next piece of a part of text in `encoding`. Pieces may split a UTF-8
    /// sequence or a UTF-16 unit anywhere: what a piece ends inside of is held (at most
    /// three bytes) until the next piece, so the units fed are those of the part fed
    /// whole. A line terminator split across pieces needs nothing: the conversion does not
    /// look at lines.
    pub(crate) fn piece(&mut self, bytes: &[u8], encoding: TextEncoding) {
        match encoding {
            TextEncoding::Utf16Le => {
                let mut rest = bytes;
                if let Some(&low) = self.pending.first() {
                    let Some((&high, tail)) = rest.split_first() else {
                        return;
                    };
                    self.pending.clear();
                    self.raw(&[low, high]);
                    rest = tail;
                }
                let (units, odd) = rest.split_at(rest.len().saturating_sub(rest.len() % 2));
                self.raw(units);
                self.pending.extend_from_slice(odd);
            }
            TextEncoding::Windows1252 => self.mapped(bytes, windows_1252),
            TextEncoding::Utf8 | TextEncoding::Utf8Bom => self.utf8_piece(bytes),
        }
    }

    /// Ends a part of text: what the last piece ended inside of is fed as the part's end
    /// (an unfinished UTF-8 sequence, each byte as U+FFFD; half a UTF-16 unit as it is, as
    /// the whole part's bytes would be hashed).
    pub(crate) fn end_part(&mut self, encoding: TextEncoding) {
        let left = std::mem::take(&mut self.pending);
        match encoding {
            TextEncoding::Utf16Le => {
                self.flush();
                self.hasher.update(&left);
            }
            TextEncoding::Utf8 | TextEncoding::Utf8Bom => self.invalid(left.len()),
            TextEncoding::Windows1252 => {}
        }
    }

    /// One piece of UTF-8 text: first the sequence the last piece ended inside of, a byte
    /// at a time (at most three), then the rest in bulk.
    fn utf8_piece(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        let mut seq = std::mem::take(&mut self.pending);
        while !seq.is_empty() {
            let Some((&b, tail)) = rest.split_first() else {
                break;
            };
            rest = tail;
            seq.push(b);
            match std::str::from_utf8(&seq) {
                Ok(c) => {
                    self.utf8(c);
                    seq.clear();
                }
                // Still the start of a sequence.
                Err(e) if e.error_len().is_none() => {}
                Err(e) => {
                    // The held start is not continued by this byte: its first `bad` bytes
                    // are not UTF-8 (`seq` started a sequence, so nothing before them is
                    // valid), and what follows starts afresh.
                    let bad = e.error_len().unwrap_or(seq.len()).min(seq.len());
                    self.invalid(bad);
                    let again = seq.split_off(bad);
                    self.utf8_fresh(&again);
                    seq = std::mem::take(&mut self.pending);
                }
            }
        }
        if seq.is_empty() {
            self.utf8_fresh(rest);
        } else {
            // The piece ended inside the sequence.
            self.pending = seq;
        }
    }

    /// UTF-8 bytes with nothing held before them: all but an unfinished sequence at the end,
    /// which is held.
    fn utf8_fresh(&mut self, bytes: &[u8]) {
        let (now, later) = bytes.split_at(bytes.len().saturating_sub(unfinished_tail(bytes)));
        for (valid, invalid) in utf8_parts(now) {
            self.utf8(valid);
            self.invalid(invalid.len());
        }
        self.pending.extend_from_slice(later);
    }

    /// `n` bytes that are not UTF-8: one U+FFFD each, as osslsigncode's decoder resumes at
    /// the next byte (the invalid-utf8.ps1 vector).
    fn invalid(&mut self, n: usize) {
        for _ in 0..n {
            self.push(0xfffd);
        }
        self.not_utf8 = self.not_utf8.saturating_add(n);
    }

    /// Hashes what the buffer holds.
    pub(crate) fn flush(&mut self) {
        self.hasher.update(&self.buffer);
        self.buffer.clear();
    }
}

/// `bytes` as runs of valid UTF-8, each followed by the bytes that are not (empty after
/// the last run), as `<[u8]>::utf8_chunks` splits them (one invalid part per
/// `Utf8Error::error_len`). `str::from_utf8` validates ASCII a word at a time where
/// `utf8_chunks` goes byte by byte: it was 37% of verifying a large module (issue 32).
pub(crate) fn utf8_parts(bytes: &[u8]) -> impl Iterator<Item = (&str, &[u8])> + '_ {
    let mut rest = Some(bytes);
    std::iter::from_fn(move || {
        let now = rest.take()?;
        match std::str::from_utf8(now) {
            Ok(text) => (!text.is_empty()).then_some((text, &[][..])),
            Err(e) => {
                let (valid, tail) = now.split_at(e.valid_up_to());
                let bad = e.error_len().unwrap_or(tail.len());
                let (invalid, after) = tail.split_at(bad.min(tail.len()));
                rest = Some(after);
                // Validated again, without `unsafe`: only texts with bytes that are not
                // UTF-8 pay it, and each byte at most twice.
                Some((std::str::from_utf8(valid).unwrap_or_default(), invalid))
            }
        }
    })
}

/// Length of the unfinished UTF-8 sequence `bytes` ends with (the start of a sequence that
/// more bytes could complete), 0 when none. A decoder reaches such a start afresh: it begins
/// with a lead byte, which no sequence before it can take as a continuation, so the bytes
/// before it convert the same whatever follows.
fn unfinished_tail(bytes: &[u8]) -> usize {
    let len = bytes.len();
    for back in 1..=len.min(3) {
        let at = len.saturating_sub(back);
        match bytes.get(at) {
            Some(&b) if b < 0x80 => return 0,
            Some(&b) if b >= 0xc0 => {
                return match std::str::from_utf8(bytes.get(at..).unwrap_or_default()) {
                    Err(e) if e.valid_up_to() == 0 && e.error_len().is_none() => back,
                    _ => 0,
                };
            }
            _ => {}
        }
    }
    0
}

/// The four low bytes of `x`, each widened to a little-endian UTF-16 unit (high byte 0).
fn widen(x: u64) -> u64 {
    let x = (x | (x << 16)) & 0x0000_ffff_0000_ffff;
    (x | (x << 8)) & 0x00ff_00ff_00ff_00ff
}

/// Code units of the text of `bytes` in `encoding`, as [`Utf16Sink::text`] would feed.
pub(crate) fn utf16_units(bytes: &[u8], encoding: TextEncoding) -> u64 {
    match encoding {
        TextEncoding::Utf16Le => crate::num::usize_u64(bytes.len() / 2),
        TextEncoding::Windows1252 => crate::num::usize_u64(bytes.len()),
        TextEncoding::Utf8 | TextEncoding::Utf8Bom => utf8_parts(bytes)
            .map(|(valid, invalid)| {
                let valid: usize = valid.chars().map(char::len_utf16).sum();
                let invalid = invalid.len();
                crate::num::usize_u64(valid.saturating_add(invalid))
            })
            .fold(0u64, u64::saturating_add),
    }
}

/// Windows-1252 as MultiByteToWideChar decodes it: the five bytes the code page leaves
/// undefined (81, 8D, 8F, 90, 9D) map to the C1 controls of the same value.
fn windows_1252(b: u8) -> u16 {
    const HIGH: [u16; 32] = [
        0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d,
        0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
        0x0153, 0x009d, 0x017e, 0x0178,
    ];
    b.checked_sub(0x80)
        .and_then(|i| HIGH.get(usize::from(i)))
        .copied()
        .unwrap_or(u16::from(b))
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_on_lf_and_drop_cr() {
        let t = b"a\r\nbc\nd";
        let l: Vec<Line> = lines(t, TextEncoding::Utf8, 0).collect();
        assert_eq!(
            l,
            [
                Line {
                    start: 0,
                    end: 1,
                    next: 3
                },
                Line {
                    start: 3,
                    end: 5,
                    next: 6
                },
                Line {
                    start: 6,
                    end: 7,
                    next: 7
                }
            ]
        );
        let wide: Vec<u8> = "a\r\nb".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let l: Vec<Line> = lines(&wide, TextEncoding::Utf16Le, 0).collect();
        assert_eq!(
            l,
            [
                Line {
                    start: 0,
                    end: 2,
                    next: 6
                },
                Line {
                    start: 6,
                    end: 8,
                    next: 8
                }
            ]
        );
    }

    /// In UTF-16LE a 0x0A byte is an LF only as a whole unit at a unit boundary: U+0A41
    /// stores 41 0A (an 0x0A at an odd offset), U+0A0A stores 0A 0A (low byte 0x0A, high
    /// byte not zero).
    #[test]
    fn utf16_lines_split_only_on_whole_lf_units() {
        let wide: Vec<u8> = "a\u{0a41}\u{0a0a}\nb"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let l: Vec<Line> = lines(&wide, TextEncoding::Utf16Le, 0).collect();
        assert_eq!(
            l,
            [
                Line {
                    start: 0,
                    end: 6,
                    next: 8
                },
                Line {
                    start: 8,
                    end: 10,
                    next: 10
                }
            ]
        );
    }

    #[test]
    fn windows_1252_maps_the_high_half() {
        assert_eq!(windows_1252(0x80), 0x20ac);
        assert_eq!(windows_1252(0x81), 0x0081);
        assert_eq!(windows_1252(0x9f), 0x0178);
        assert_eq!(windows_1252(0xe9), 0x00e9);
        assert_eq!(windows_1252(b'A'), 0x41);
    }

    /// The bulk ASCII path feeds exactly the units a unit-at-a-time conversion gives
    /// (std's `encode_utf16`, U+FFFD per byte that is not UTF-8, the 1252 table), across
    /// buffer boundaries and mixed with non-ASCII text.
    #[test]
    fn bulk_ascii_feeds_the_same_units_as_one_at_a_time() {
        let mut long = Vec::new();
        for i in 0..40_000u32 {
            long.extend_from_slice(b"Write-Output 'x' # ");
            if i % 997 == 0 {
                long.extend_from_slice("caf\u{e9} \u{1f600}".as_bytes());
            }
            if i % 1_511 == 0 {
                long.extend_from_slice(b"\xff\x80\xc3");
            }
            if i % 2_003 == 0 {
                long.push(0x80);
            }
        }
        let sha = |units: &[u16]| {
            let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
            let mut h = MultiDigest::new(&[crate::DigestAlgorithm::Sha256]);
            h.update(&bytes);
            h.finalize()
        };
        for enc in [TextEncoding::Utf8, TextEncoding::Windows1252] {
            let expected: Vec<u16> = match enc {
                TextEncoding::Windows1252 => long.iter().map(|&b| windows_1252(b)).collect(),
                _ => long
                    .utf8_chunks()
                    .flat_map(|c| {
                        let valid: Vec<u16> = c.valid().encode_utf16().collect();
                        valid.into_iter().chain(c.invalid().iter().map(|_| 0xfffd))
                    })
                    .collect(),
            };
            let mut h = MultiDigest::new(&[crate::DigestAlgorithm::Sha256]);
            let mut sink = Utf16Sink::new(&mut h);
            sink.text(&long, enc);
            assert_eq!(sink.units(), crate::num::usize_u64(expected.len()));
            sink.flush();
            assert_eq!(h.finalize(), sha(&expected));
        }
    }

    /// utf8_parts splits exactly as std's utf8_chunks (the reference), on every kind of
    /// invalid sequence: lone continuation, overlong, surrogate, truncated at the end.
    #[test]
    fn utf8_parts_split_as_utf8_chunks() {
        let cases: [&[u8]; 8] = [
            b"",
            b"plain",
            b"\x80",
            b"a\xc0\xafb",
            b"x\xed\xa0\x80y\xf0\x9f\x98",
            "caf\u{e9}\u{1f600}".as_bytes(),
            b"\xff\xfe\xfd",
            b"ok\xe2\x82",
        ];
        for bytes in cases {
            let ours: Vec<(&str, &[u8])> = utf8_parts(bytes).collect();
            let std: Vec<(&str, &[u8])> = bytes.utf8_chunks().map(|c| (c.valid(), c.invalid())).collect();
            assert_eq!(ours, std, "{bytes:?}");
        }
    }

    /// Fed in two or three pieces split at every place, a small text mixing ASCII,
    /// multi-byte characters, bytes that are not UTF-8 (a sequence broken off, a
    /// surrogate, an unfinished sequence at the end) and CR LF gives the digest, code units
    /// and count of bytes not UTF-8 of the text fed whole, which is the reference (std's
    /// `utf8_chunks`, one U+FFFD per byte not UTF-8).
    #[test]
    fn pieces_split_anywhere_feed_what_the_whole_text_feeds() {
        let text: &[u8] =
            b"a\r\n\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xff\xe2\x82x\xed\xa0\x80\xf0\x9f\r\n\xe0\x80z\xc3";
        let run = |pieces: &[&[u8]], enc: TextEncoding| {
            let mut h = MultiDigest::new(&[crate::DigestAlgorithm::Sha256]);
            let mut sink = Utf16Sink::new(&mut h);
            for p in pieces {
                sink.piece(p, enc);
            }
            sink.end_part(enc);
            let (units, not_utf8) = (sink.units(), sink.not_utf8());
            sink.flush();
            (h.finalize(), units, not_utf8)
        };
        let reference: Vec<u8> = text
            .utf8_chunks()
            .flat_map(|c| {
                let valid: Vec<u16> = c.valid().encode_utf16().collect();
                valid.into_iter().chain(c.invalid().iter().map(|_| 0xfffd))
            })
            .flat_map(u16::to_le_bytes)
            .collect();
        let whole = run(&[text], TextEncoding::Utf8);
        assert_eq!(
            whole.0,
            [(
                crate::DigestAlgorithm::Sha256,
                crate::DigestAlgorithm::Sha256.hash(&reference)
            )]
        );
        assert_eq!(whole.2, text.utf8_chunks().map(|c| c.invalid().len()).sum::<usize>());
        for enc in [TextEncoding::Utf8, TextEncoding::Utf16Le, TextEncoding::Windows1252] {
            let whole = run(&[text], enc);
            for i in 0..=text.len() {
                for j in i..=text.len() {
                    let split = run(&[&text[..i], &text[i..j], &text[j..]], enc);
                    assert_eq!(split, whole, "{enc:?} split at {i} and {j}");
                }
            }
        }
    }

    #[test]
    fn unit_counts_match_the_fed_text() {
        for (bytes, enc) in [
            (&b"caf\xc3\xa9 \xf0\x9f\x98\x80 \xff\xc3"[..], TextEncoding::Utf8),
            (b"\x80abc", TextEncoding::Windows1252),
        ] {
            let mut h = MultiDigest::new(&[crate::DigestAlgorithm::Sha256]);
            let mut sink = Utf16Sink::new(&mut h);
            sink.text(bytes, enc);
            assert_eq!(sink.units(), utf16_units(bytes, enc));
        }
    }
}
