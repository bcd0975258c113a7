//! Red team, round 3: the "read in parts" paths of `Verifier::verify_reader` (issue 32: MSI
//! packages and APPX/MSIX packages above `READ_WHOLE_LIMIT`, their structure held in a
//! zeroed buffer as long as the file, their streams and records fed through one buffer).
//! Each test is an attack that succeeded against the code it was written for; its expected
//! outcome comes from how the input was built.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Seek, SeekFrom};

use authverify::{Policy, Verifier};

fn verifier() -> Verifier {
    Verifier::new(common::anchors(&["pki/root.crt".to_string()]), Policy::windows())
}

/// A sparse file: `head` then zeros up to `len` bytes (what `truncate -s 1T` and a write of a
/// few bytes make: a file that takes one block on disk whatever length it claims).
/// It reads at most 1 MiB a call, and fails once more than `limit` bytes were read in all.
struct Sparse {
    head: Vec<u8>,
    len: u64,
    pos: u64,
    read: u64,
    limit: u64,
}

/// What a [`Sparse`] file says once read past its limit.
const TOO_MUCH: &str = "read past the test's limit";

impl Sparse {
    fn new(head: &[u8], len: u64) -> Self {
        Self {
            head: head.to_vec(),
            len,
            pos: 0,
            read: 0,
            limit: u64::MAX,
        }
    }
}

impl Read for Sparse {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        let n = usize::try_from(left)
            .map_or(buf.len(), |left| left.min(buf.len()))
            .min(1 << 20);
        self.read += n as u64;
        if self.read > self.limit {
            return Err(std::io::Error::other(TOO_MUCH));
        }
        let at = usize::try_from(self.pos).unwrap_or(usize::MAX);
        let from_head = self.head.get(at..).unwrap_or_default();
        let k = from_head.len().min(n);
        buf[..k].copy_from_slice(&from_head[..k]);
        buf[k..n].fill(0);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Sparse {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.pos = match to {
            SeekFrom::Start(n) => n,
            SeekFrom::End(d) => self.len.saturating_add_signed(d),
            SeekFrom::Current(d) => self.pos.saturating_add_signed(d),
        };
        Ok(self.pos)
    }
}

/// The attack: a sparse file of 1 TiB that starts like an MSI package (the compound file
/// magic), an APPX/MSIX package (a ZIP local header) or a PE image (`MZ`), met by a scan.
/// The parts paths size a zeroed buffer by the file's length before reading a byte of its
/// structure (`vec![0u8; len]`: virtual, but the allocator must still grant it), and when
/// it cannot (Linux's default heuristic overcommit refuses a mapping larger than RAM and
/// swap) Rust aborts the process: one file of 4 KiB on disk ends a whole scan, the very
/// thing `verify_reader` exists to prevent (a file is a typed error, never a crash). Before
/// issue 32, an MSI or APPX file above 4 GiB (MAX_PACKAGE) was refused with `file.read`.
///
/// Expected: every one is an error (none of them is a package or image: past their magic
/// they are zeros) returned, not an abort — a `file.read` error when no buffer as long as
/// the file can be had, else the format's own error for a malformed header.
#[test]
fn a_sparse_terabyte_file_is_an_error_not_an_abort() {
    let at = common::time("2026-06-01T00:00:00Z");
    let v = verifier();
    let heads: [(&str, &[u8]); 3] = [
        ("msi", &[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
        ("appx", b"PK\x03\x04\x14\x00\x00\x00"),
        ("pe", b"MZ\x90\x00\x03\x00\x00\x00"),
    ];
    for (what, head) in heads {
        let mut file = Sparse::new(head, 1 << 40);
        let result = v.verify_reader(&mut file, at);
        let err = result.expect_err(what);
        assert!(
            matches!(err.rule(), "file.read" | "file.msi" | "file.appx" | "file.image"),
            "{what}: {err}"
        );
        // Named (as the CLI names the files it reads), the same.
        let mut file = Sparse::new(head, 1 << 40);
        let named = v
            .verify_reader_named(&mut file, &format!("sparse.{what}"), at)
            .expect_err(what);
        assert!(
            matches!(named.rule(), "file.read" | "file.msi" | "file.appx" | "file.image"),
            "{what}: {named}"
        );
    }
}

/// A version 4 compound file of `len` bytes (4096-byte sectors) whose structure is real and
/// whose mini FAT chain runs through `minifat` sectors of zeros after it: FAT sectors 0-108
/// (the header's DIFAT), the directory in sector 109 (the root entry alone, no mini stream),
/// the mini FAT from sector 110. Only the header, FAT and directory are written (455 KB):
/// the rest is the sparse file's zeros.
fn compound_with_minifat(minifat: u32) -> Vec<u8> {
    const S: usize = 4096;
    const END: u32 = 0xffff_fffe;
    let fat_sectors = 109u32;
    let dir = fat_sectors;
    let mut b = vec![0u8; (dir as usize + 2) * S];
    let put16 = |b: &mut Vec<u8>, at: usize, v: u16| b[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put32 = |b: &mut Vec<u8>, at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    b[..8].copy_from_slice(&[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
    put16(&mut b, 0x18, 0x3e);
    put16(&mut b, 0x1a, 4);
    put16(&mut b, 0x1c, 0xfffe);
    put16(&mut b, 0x1e, 12);
    put16(&mut b, 0x20, 6);
    put32(&mut b, 0x28, 1);
    put32(&mut b, 0x2c, fat_sectors);
    put32(&mut b, 0x30, dir);
    put32(&mut b, 0x38, 4096);
    put32(&mut b, 0x3c, dir + 1);
    put32(&mut b, 0x40, minifat);
    put32(&mut b, 0x44, END);
    put32(&mut b, 0x48, 0);
    for i in 0..fat_sectors {
        put32(&mut b, 0x4c + 4 * i as usize, i);
    }
    // The FAT: its own sectors, the directory, then the mini FAT's chain; the rest free.
    let fat = |n: u32| S + n as usize * 4;
    for n in 0..(fat_sectors * 1024) {
        let next = match n {
            n if n < fat_sectors => 0xffff_fffd,
            n if n == dir => END,
            n if n > dir && n < dir + minifat => n + 1,
            n if n == dir + minifat => END,
            _ => 0xffff_ffff,
        };
        put32(&mut b, fat(n), next);
    }
    let root = (dir as usize + 1) * S;
    for (i, unit) in "Root Entry".encode_utf16().enumerate() {
        put16(&mut b, root + 2 * i, unit);
    }
    put16(&mut b, root + 64, 22);
    b[root + 66] = 5;
    b[root + 67] = 1;
    for at in [68, 72, 76] {
        put32(&mut b, root + at, 0xffff_ffff);
    }
    put32(&mut b, root + 116, END);
    b
}

/// The attack: an MSI package read in parts holds its structure resident, and nothing
/// bounded it: the mini FAT chain (or the mini stream, or the FAT through DIFAT sectors)
/// may run through every sector of the file, so a sparse file of a few hundred KB on disk
/// claiming gigabytes made the reader read and keep gigabytes (here 100,000 sectors, 390
/// MiB, of an 8 GiB file), where before issue 32 a package above 4 GiB was refused and the
/// APPX path bounds what it holds (256 MiB). A scan meeting a few such files is killed for
/// its memory.
///
/// Expected: what an MSI package read in parts holds is bounded as an APPX package's is;
/// past the bound it is read whole within MAX_PACKAGE, so this 8 GiB file is the `file.read`
/// error every format read whole gets above 4 GiB, after reading no more than the bound.
#[test]
fn an_msi_whose_structure_claims_gigabytes_is_not_held() {
    let at = common::time("2026-06-01T00:00:00Z");
    let head = compound_with_minifat(100_000);
    let mut file = Sparse::new(&head, 8 << 30);
    file.limit = 300 << 20;
    let err = verifier().verify_reader(&mut file, at).expect_err("an 8 GiB package");
    assert_eq!(err.rule(), "file.read", "{err}");
    assert!(!err.to_string().contains(TOO_MUCH), "{err}");
    assert!(file.read <= 300 << 20, "{} bytes read", file.read);
}
