//! A file verified through one open handle, and the checks that let `rescan-invalid
//! --restore` put back exactly the bytes that were verified, even when the file is replaced
//! or rewritten between its verification and its restore (issue 27).
//!
//! Two ways a file can change under its name:
//! - **replaced**: another file renamed over it (anyone who may write the directory). On
//!   Unix the handle's device and inode are compared with what the restored name links to.
//!   Windows' equivalent (volume serial number and file index) is not stable in `std`
//!   (`windows_by_handle`); there the handle is opened denying other handles write and
//!   delete access, so while it is open the name cannot be renamed over, deleted or
//!   written (sharing violation), which is the stronger guarantee.
//! - **rewritten in place**: the same file, other bytes (anyone who may write the file; its
//!   owner can even put the modification time back). A [`Recorder`] remembers every range
//!   the verifier read and a SHA-256 of those bytes in the order read (then reads the bytes
//!   it skipped, if any, so that every byte is covered); [`Recording::matches`] reads the
//!   same ranges again and compares: the same length and the same bytes at every offset are
//!   the verified file.

use std::fs::{File, Metadata};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use sha2::{Digest, Sha256};

/// Opens `path` for reading, pinned where the platform allows it: on Windows, other handles
/// may read the file but not write, rename or delete it while this one is open.
pub(crate) fn open(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        // FILE_SHARE_READ (0x1) alone: no FILE_SHARE_WRITE, no FILE_SHARE_DELETE (renaming
        // needs DELETE access too). Opening fails if another handle already writes it.
        options.share_mode(0x1);
    }
    options.open(path)
}

/// Whether `path` itself (not a symbolic link's target) is the file `pinned` was opened
/// on. Unix: same device and inode. Elsewhere (Windows' file index is not stable in `std`):
/// a regular file of the same length and modification time — a best effort, relied on only
/// where the pin already holds or where a wrong answer leaves a file in place. (Not the
/// creation time: wine reports the inode change time there, which a hard link bumps.)
pub(crate) fn names(path: &Path, pinned: &Metadata) -> bool {
    let Ok(now) = std::fs::symlink_metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        now.dev() == pinned.dev() && now.ino() == pinned.ino()
    }
    #[cfg(not(unix))]
    {
        now.is_file() && now.len() == pinned.len() && now.modified().ok() == pinned.modified().ok()
    }
}

/// A reader that remembers what was read through it: each range (contiguous reads merged)
/// and one SHA-256 over the bytes in the order read.
pub(crate) struct Recorder<R> {
    inner: R,
    position: u64,
    ranges: Vec<(u64, u64)>,
    hash: Sha256,
}

/// What a [`Recorder`] saw.
pub(crate) struct Recording {
    ranges: Vec<(u64, u64)>,
    digest: [u8; 32],
    len: u64,
}

impl<R: Read + Seek> Recorder<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            position: 0,
            ranges: Vec::new(),
            hash: Sha256::new(),
        }
    }

    /// The ranges read and their hash, with the length the source has now. Bytes the
    /// verifier never read (few or none: a verdict of valid covers nearly every byte) are
    /// read now, so that the recording pins the whole file, not only what the verdict
    /// depended on.
    pub(crate) fn finish(mut self) -> std::io::Result<Recording> {
        let len = self.seek(SeekFrom::End(0))?;
        let mut covered = self.ranges.clone();
        covered.sort_unstable();
        let mut gaps = Vec::new();
        let mut next = 0u64;
        for (start, l) in covered {
            if start > next {
                gaps.push((next, start));
            }
            next = next.max(start.saturating_add(l));
        }
        if len > next {
            gaps.push((next, len));
        }
        let mut buf = vec![0u8; 1 << 16];
        for (start, end) in gaps {
            self.seek(SeekFrom::Start(start))?;
            let mut left = end.saturating_sub(start);
            while left > 0 {
                let want = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
                match self.read(buf.get_mut(..want).unwrap_or_default())? {
                    0 => break, // shorter now: `matches` compares the length it has later
                    n => left = left.saturating_sub(u64::try_from(n).unwrap_or(u64::MAX)),
                }
            }
        }
        Ok(Recording {
            ranges: self.ranges,
            digest: self.hash.finalize().into(),
            len,
        })
    }
}

impl<R: Read> Read for Recorder<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            self.hash.update(buf.get(..n).unwrap_or_default());
            let len = u64::try_from(n).unwrap_or(u64::MAX);
            match self.ranges.last_mut() {
                Some((start, l)) if start.saturating_add(*l) == self.position => *l = l.saturating_add(len),
                _ => self.ranges.push((self.position, len)),
            }
            self.position = self.position.saturating_add(len);
        }
        Ok(n)
    }
}

impl<R: Seek> Seek for Recorder<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.position = self.inner.seek(pos)?;
        Ok(self.position)
    }
}

impl Recording {
    /// Whether `source` holds the recorded bytes at the recorded offsets and has the
    /// recorded length (it is read again: the cost of a second read of the file).
    pub(crate) fn matches(&self, mut source: impl Read + Seek) -> std::io::Result<bool> {
        if source.seek(SeekFrom::End(0))? != self.len {
            return Ok(false);
        }
        let mut hash = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        for &(start, len) in &self.ranges {
            source.seek(SeekFrom::Start(start))?;
            let mut left = len;
            while left > 0 {
                let want = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
                let chunk = buf.get_mut(..want).unwrap_or_default();
                match source.read(chunk)? {
                    0 => return Ok(false), // shorter than when verified
                    n => {
                        hash.update(chunk.get(..n).unwrap_or_default());
                        left = left.saturating_sub(u64::try_from(n).unwrap_or(u64::MAX));
                    }
                }
            }
        }
        Ok(<[u8; 32]>::from(hash.finalize()) == self.digest)
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use std::io::{Cursor, Read, Seek, SeekFrom};

    use super::Recorder;

    #[test]
    fn a_recording_matches_the_same_bytes_only() {
        let data: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        let mut r = Recorder::new(Cursor::new(data.clone()));
        let mut buf = [0u8; 100];
        r.read_exact(&mut buf).unwrap();
        r.read_exact(&mut buf).unwrap(); // merged with the first: 0..200
        r.seek(SeekFrom::Start(5_000)).unwrap();
        r.read_exact(&mut buf).unwrap();
        r.seek(SeekFrom::Start(0)).unwrap();
        r.read_exact(&mut buf).unwrap(); // read twice, recorded twice
        let rec = r.finish().unwrap();
        // The gaps the verifier left are read at the end: every byte is covered.
        assert_eq!(
            rec.ranges,
            [(0, 200), (5_000, 100), (0, 100), (200, 4_800), (5_100, 4_900)]
        );
        assert!(rec.matches(Cursor::new(data.clone())).unwrap());
        for offset in [50, 3_000, 5_050, 9_999] {
            let mut changed = data.clone();
            changed[offset] ^= 1;
            assert!(!rec.matches(Cursor::new(changed)).unwrap(), "byte {offset}");
        }
        assert!(!rec.matches(Cursor::new(data[..9_999].to_vec())).unwrap());
        let mut longer = data.clone();
        longer.push(0);
        assert!(!rec.matches(Cursor::new(longer)).unwrap());
    }
}
