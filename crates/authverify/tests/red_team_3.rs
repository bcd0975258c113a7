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
struct Sparse {
    head: Vec<u8>,
    len: u64,
    pos: u64,
}

impl Read for Sparse {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        let n = usize::try_from(left).map_or(buf.len(), |left| left.min(buf.len()));
        for (i, b) in buf[..n].iter_mut().enumerate() {
            let at = usize::try_from(self.pos).unwrap_or(usize::MAX).saturating_add(i);
            *b = self.head.get(at).copied().unwrap_or(0);
        }
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
        let mut file = Sparse {
            head: head.to_vec(),
            len: 1 << 40,
            pos: 0,
        };
        let result = v.verify_reader(&mut file, at);
        let err = result.expect_err(what);
        assert!(
            matches!(err.rule(), "file.read" | "file.msi" | "file.appx" | "file.image"),
            "{what}: {err}"
        );
        // Named (as the CLI names the files it reads), the same.
        let mut file = Sparse {
            head: head.to_vec(),
            len: 1 << 40,
            pos: 0,
        };
        let named = v
            .verify_reader_named(&mut file, &format!("sparse.{what}"), at)
            .expect_err(what);
        assert!(
            matches!(named.rule(), "file.read" | "file.msi" | "file.appx" | "file.image"),
            "{what}: {named}"
        );
    }
}
