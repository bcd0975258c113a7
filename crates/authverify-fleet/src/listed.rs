//! `--files-from`: the paths a list names, read as they are needed — a list of any length
//! (or one that never ends, such as `/dev/zero`) in constant memory — each entry bounded.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;

use crate::files::FileResult;

/// The longest entry taken, in bytes. No path on any system is longer: Linux's PATH_MAX is
/// 4,096 bytes, macOS's 1,024, and Windows' longest (`\\?\` form) is 32,767 UTF-16 units,
/// at most 98,301 bytes of UTF-8. A longer entry is reported and skipped without being held.
pub(crate) const MAX_ENTRY: usize = 128 << 10;

/// One entry of a list.
#[derive(Debug)]
// The result variant is rare (an input that failed before it was read) and moved once: not
// worth a box since FileResult gained `container` and `member` (issue 31).
#[allow(clippy::large_enum_variant)]
pub(crate) enum Entry {
    /// A path to verify (a file or a directory).
    Path(PathBuf),
    /// The result reporting an entry that cannot be a path, or a list that cannot be read.
    Failed(FileResult),
}

/// The entries of a `--files-from` list, in the order listed. Empty entries are ignored.
pub(crate) struct Listed {
    reader: Box<dyn BufRead + Send>,
    /// The list as named on the command line (`-` for standard input), for messages.
    name: String,
    separator: u8,
    /// Entries read so far, empty ones included (in a list of lines: the line number).
    number: usize,
    /// The entry just reported too long is still to be read past.
    skipping: bool,
    done: bool,
}

impl Listed {
    /// Reads the head of `source` to choose the separator: NUL when one comes within the
    /// first entry's bound (what `find -print0` writes; no path holds a NUL), else newline.
    /// An error here (the list cannot be read at all) is the caller's to report.
    pub(crate) fn new(mut source: impl Read + Send + 'static, name: String) -> std::io::Result<Self> {
        let mut head = Vec::new();
        let mut chunk = vec![0u8; 64 << 10];
        let mut nul = false;
        while !nul && head.len() <= MAX_ENTRY {
            let n = match source.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let read = chunk.get(..n).unwrap_or_default();
            nul = read.contains(&0);
            head.extend_from_slice(read);
        }
        // PowerShell 5.1's `>` and Out-File write UTF-16LE: its NULs would make every
        // character an entry (and `\` or `/` a walk of the whole drive). Refused, with the
        // fix; a UTF-8 byte-order mark is not part of the first name.
        let utf16 = head.starts_with(&[0xff, 0xfe])
            || head.starts_with(&[0xfe, 0xff])
            || matches!(head.get(..4), Some([a, 0, b, 0]) if *a != 0 && *b != 0);
        if utf16 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the list is UTF-16 (PowerShell 5.1's > and Out-File write it): write it as UTF-8 (Out-File -Encoding utf8, or Set-Content -Encoding utf8)",
            ));
        }
        if head.starts_with(&[0xef, 0xbb, 0xbf]) {
            head.drain(..3);
        }
        Ok(Self {
            reader: Box::new(BufReader::new(std::io::Cursor::new(head).chain(source))),
            name,
            separator: if nul { b'\0' } else { b'\n' },
            number: 0,
            skipping: false,
            done: false,
        })
    }

    /// "line 3" or "entry 3" (NUL-separated), for messages.
    fn place(&self) -> String {
        let unit = if self.separator == b'\n' { "line" } else { "entry" };
        format!("{unit} {}", self.number)
    }

    fn failed(&self, shown: &[u8], rule: &'static str, why: &str) -> FileResult {
        let mut path = String::from_utf8_lossy(shown.get(..80).unwrap_or(shown)).into_owned();
        if shown.len() > 80 {
            path.push('…');
        }
        FileResult::error(
            std::path::Path::new(&path),
            rule,
            format!("--files-from {}, {}: {why}", self.name, self.place()),
        )
    }

    /// The path an entry names. On Unix a name is bytes, whatever their encoding (as a PATH
    /// argument is); on Windows names are UTF-16 and a list carries them as UTF-8, so an
    /// entry that is not UTF-8 names no file and is reported.
    fn path(&self, entry: Vec<u8>) -> Entry {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStringExt;
            Entry::Path(PathBuf::from(std::ffi::OsString::from_vec(entry)))
        }
        #[cfg(not(unix))]
        {
            match String::from_utf8(entry) {
                Ok(name) => Entry::Path(PathBuf::from(name)),
                Err(e) => Entry::Failed(self.failed(
                    e.as_bytes(),
                    "list.not_utf8",
                    "not UTF-8 (a list names Windows files in UTF-8); skipped",
                )),
            }
        }
    }

    /// Reads past the next separator without keeping what is read.
    fn skip_entry(&mut self) -> std::io::Result<()> {
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                return Ok(());
            }
            if let Some(i) = buf.iter().position(|&b| b == self.separator) {
                self.reader.consume(i.saturating_add(1));
                return Ok(());
            }
            let n = buf.len();
            self.reader.consume(n);
        }
    }
}

impl Iterator for Listed {
    type Item = Entry;

    fn next(&mut self) -> Option<Self::Item> {
        if std::mem::take(&mut self.skipping) {
            // A read error here comes again on the next read, which reports it.
            let _ = self.skip_entry();
        }
        let mut entry = Vec::new();
        while !self.done {
            entry.clear();
            let limit = u64::try_from(MAX_ENTRY).unwrap_or(u64::MAX).saturating_add(1);
            match (&mut self.reader).take(limit).read_until(self.separator, &mut entry) {
                Ok(0) => self.done = true,
                Ok(_) => {
                    self.number = self.number.saturating_add(1);
                    if entry.last() == Some(&self.separator) {
                        entry.pop();
                    } else if entry.len() > MAX_ENTRY {
                        // Reported at once, read past on the next call: an entry that never
                        // ends is still reported.
                        self.skipping = true;
                        let failed = self.failed(
                            &entry,
                            "list.too_long",
                            &format!(
                                "longer than {MAX_ENTRY} bytes, longer than any path (PATH_MAX is 4,096 bytes; Windows allows 32,767 UTF-16 units); skipped"
                            ),
                        );
                        return Some(Entry::Failed(failed));
                    }
                    // Lines written on Windows end in CR LF.
                    if self.separator == b'\n' && entry.last() == Some(&b'\r') {
                        entry.pop();
                    }
                    if !entry.is_empty() {
                        return Some(self.path(std::mem::take(&mut entry)));
                    }
                }
                Err(e) => {
                    self.done = true;
                    let failed = FileResult::error(
                        std::path::Path::new(&self.name),
                        "list.unreadable",
                        format!(
                            "--files-from {}: {e} after {}; the rest of the list is not read",
                            self.name,
                            self.place()
                        ),
                    );
                    return Some(Entry::Failed(failed));
                }
            }
        }
        None
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use std::io::Read;
    use std::path::PathBuf;

    use super::{Entry, Listed, MAX_ENTRY};

    /// Paths, or the message and rule of an entry reported.
    fn entries(list: impl Read + Send + 'static) -> Vec<Result<PathBuf, (String, &'static str)>> {
        Listed::new(list, "list".into())
            .expect("list")
            .map(|e| match e {
                Entry::Path(p) => Ok(p),
                Entry::Failed(r) => Err(match &r.outcome {
                    crate::files::Outcome::Error { error, error_rule, .. } => (error.clone(), *error_rule),
                    crate::files::Outcome::Report(_) => (String::new(), ""),
                }),
            })
            .collect()
    }

    fn paths(list: &'static [u8]) -> Vec<PathBuf> {
        entries(list).into_iter().map(|e| e.expect("a path")).collect()
    }

    #[test]
    fn entries_split_on_nul_or_newlines() {
        assert_eq!(
            paths(b"a\nb\r\n\nc"),
            vec![PathBuf::from("a"), PathBuf::from("b"), PathBuf::from("c")]
        );
        assert_eq!(paths(b"a b\0c\nd\0"), vec![PathBuf::from("a b"), PathBuf::from("c\nd")]);
    }

    /// A list PowerShell 5.1 wrote (UTF-16LE, with or without its byte-order mark) is
    /// refused: its NULs made every character an entry, `/` among them a walk of the whole
    /// file system (red-team review of issue 27). A UTF-8 byte-order mark is dropped.
    #[test]
    fn utf16_lists_are_refused_and_a_utf8_bom_dropped() {
        for list in [&b"\xff\xfe/\0t\0m\0p\0\n\0"[..], &b"/\0t\0m\0p\0\n\0"[..]] {
            let e = Listed::new(list, "list".into()).err().expect("refused");
            assert!(e.to_string().contains("UTF-16"), "{e}");
        }
        assert_eq!(
            paths(b"\xef\xbb\xbfa.exe\nb.exe"),
            vec![PathBuf::from("a.exe"), PathBuf::from("b.exe")]
        );
    }

    #[cfg(unix)]
    #[test]
    fn names_are_bytes_on_unix() {
        use std::os::unix::ffi::OsStrExt;
        let got = paths(b"caf\xe9.exe\nok.exe\n");
        assert_eq!(got[0].as_os_str().as_bytes(), b"caf\xe9.exe");
        assert_eq!(got[1], PathBuf::from("ok.exe"));
    }

    #[cfg(not(unix))]
    #[test]
    fn an_entry_not_in_utf8_is_reported_on_windows() {
        let got = entries(&b"caf\xe9.exe\nok.exe\n"[..]);
        let (message, rule) = got[0].clone().expect_err("not UTF-8");
        assert_eq!(rule, "list.not_utf8");
        assert!(message.contains("line 1"), "{message}");
        assert_eq!(got[1], Ok(PathBuf::from("ok.exe")));
    }

    #[test]
    fn an_entry_longer_than_any_path_is_reported_and_reading_goes_on() {
        let long = std::io::repeat(b'x').take(3 * MAX_ENTRY as u64);
        let list = b"a\n".chain(long).chain(&b"\nb\n"[..]);
        let got = entries(list);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0], Ok(PathBuf::from("a")));
        let (message, rule) = got[1].clone().expect_err("too long");
        assert_eq!(rule, "list.too_long");
        assert!(message.contains("--files-from list, line 2: longer than"), "{message}");
        assert_eq!(got[2], Ok(PathBuf::from("b")));
        // An entry that never ends is reported once it passes the bound, never held whole.
        let mut endless = Listed::new(std::io::repeat(b'y'), "-".into()).expect("list");
        assert!(matches!(endless.next(), Some(Entry::Failed(_))));
    }
}
