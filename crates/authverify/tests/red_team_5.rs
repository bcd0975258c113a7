//! Red team, round 5: the changes of issue 32 that landed after round 4 (cabinet members
//! over 256 MiB streamed instead of refused, the payload catalog pass handing over only
//! catalogs, round 4's fixes, the `reader_parts` fuzz target). Each test is an attack that
//! succeeded against the code it was written for; its expected outcome comes from how the
//! input was built.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::io::Cursor;

use authverify::{Policy, Verifier};

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;

fn verifier() -> Verifier {
    Verifier::new(common::anchors(&["pki/root.crt".to_string()]), Policy::windows())
}

fn at() -> authverify::UnixTime {
    common::time("2026-06-01T00:00:00Z")
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// A cabinet of one MSZIP folder holding `data` as `name`: each 32 KiB block a deflate
/// stream of one stored (uncompressed) block, so no compressor is needed and decoding it
/// still goes through the MSZIP decoder (and its member reader's checkpoints).
fn mszip_cabinet(name: &str, data: &[u8]) -> Vec<u8> {
    let blocks: Vec<&[u8]> = data.chunks(32 * KIB).collect();
    let files_offset = 36 + 8;
    let data_offset = files_offset + 16 + name.len() + 1;
    let mut b = Vec::new();
    b.extend_from_slice(b"MSCF");
    b.extend_from_slice(&[0; 12]);
    b.extend_from_slice(&(files_offset as u32).to_le_bytes());
    b.extend_from_slice(&[0; 4]);
    b.extend_from_slice(&[3, 1]);
    b.extend_from_slice(&1u16.to_le_bytes()); // folders
    b.extend_from_slice(&1u16.to_le_bytes()); // files
    b.extend_from_slice(&[0; 6]);
    b.extend_from_slice(&(data_offset as u32).to_le_bytes());
    b.extend_from_slice(&(blocks.len() as u16).to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes()); // MSZIP
    b.extend_from_slice(&(data.len() as u32).to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&[0; 8]);
    b.extend_from_slice(name.as_bytes());
    b.push(0);
    for block in blocks {
        let n = block.len() as u16;
        b.extend_from_slice(&[0; 4]); // no checksum
        b.extend_from_slice(&(block.len() as u16 + 7).to_le_bytes());
        b.extend_from_slice(&n.to_le_bytes());
        b.extend_from_slice(b"CK");
        b.push(1); // BFINAL, stored
        b.extend_from_slice(&n.to_le_bytes());
        b.extend_from_slice(&(!n).to_le_bytes());
        b.extend_from_slice(block);
    }
    let len = b.len() as u32;
    b[8..12].copy_from_slice(&len.to_le_bytes());
    b
}

/// A reader that counts the bytes read through it.
struct Counting<'b> {
    inner: Cursor<&'b [u8]>,
    read: u64,
}

impl std::io::Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

impl std::io::Seek for Counting<'_> {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(to)
    }
}

/// The page-hashed signed vector (PE32+) rebuilt as a 16 MiB image of `sections` sections
/// of one page each, 128 KiB apart, listed in the section table from the last in the file
/// to the first; its signature (page hashes included) kept at the new end. The headers and
/// the sections changed, so the signature no longer matches: the verdict is Invalid, with
/// page hashes computed (and not matching).
fn page_hashed_pe_sections_backwards(sections: usize) -> Vec<u8> {
    let orig = std::fs::read(common::vectors_dir().join("page-hashes-sha256.exe")).unwrap();
    let e = le32(&orig, 0x3c) as usize;
    assert_eq!(le16(&orig, e + 24), 0x20b, "PE32+");
    let security = e + 24 + 112 + 4 * 8;
    let (cert_at, cert_len) = (le32(&orig, security) as usize, le32(&orig, security + 4) as usize);
    let table = e + 24 + le16(&orig, e + 20) as usize;
    let first = 0x4000;
    let spacing = 128 * KIB;
    let body = first + sections * spacing;
    let mut pe: Vec<u8> = (0..body).map(|i| (i * 7 % 253) as u8).collect();
    pe[..0x400].copy_from_slice(&orig[..0x400]);
    pe[e + 6..e + 8].copy_from_slice(&(sections as u16).to_le_bytes());
    for k in 0..sections {
        let h = table + 40 * k;
        pe[h..h + 40].fill(0);
        pe[h..h + 5].copy_from_slice(b".sect");
        let pointer = first + (sections - 1 - k) * spacing;
        put32(&mut pe, h + 8, 4096); // VirtualSize
        put32(&mut pe, h + 12, (0x1000 + pointer) as u32); // VirtualAddress
        put32(&mut pe, h + 16, 4096); // SizeOfRawData
        put32(&mut pe, h + 20, pointer as u32); // PointerToRawData
    }
    put32(&mut pe, security, body as u32);
    pe.extend_from_slice(&orig[cert_at..cert_at + cert_len]);
    pe
}

/// Attack: a PE image over 8 MiB in an MSZIP cabinet, whose signature carries page hashes
/// and whose section table lists its sections from the last in the file to the first (the
/// format does not order them). A member over 8 MiB is read through a member reader that
/// decodes it on demand; a read behind its window restarts from the nearest checkpoint
/// (every 4 MiB) or, LZX, from the folder's start. The page hashes were computed section by
/// section in table order, so every section was a read behind the window: up to 4 MiB
/// decoded again per section (the whole folder again per section under LZX), and a 16 MiB
/// member of 128 such sections cost over 300 MB of cabinet reads where its digest and
/// tables cost a few passes: the member decoded a number of times growing with its section
/// count, the walk's decode budget (8 GiB) spent by one small cabinet. The page-hash table
/// is the same whatever order its pages are hashed in, so the same report must come from
/// reading the member a constant number of times: at most 8 times the cabinet's length
/// here (its held parts, the digest, the pages and the tables read again, each a pass).
#[test]
fn page_hashes_of_sections_listed_backwards_do_not_decode_a_member_once_per_section() {
    let v = verifier();
    let pe = page_hashed_pe_sections_backwards(128);
    let whole = v.verify_bytes_named(&pe, "big.exe", at()).expect("a report");
    assert_eq!(whole.status, authverify::FileStatus::Invalid);
    assert!(
        whole.signatures[0].page_hashes.as_ref().is_some_and(|p| !p.matches),
        "page hashes computed: {:?}",
        whole.signatures[0].page_hashes
    );
    let cab = mszip_cabinet("big.exe", &pe);
    let mut counting = Counting {
        inner: Cursor::new(&cab),
        read: 0,
    };
    let mut reports = Vec::new();
    assert!(v.verify_payload_reader(&mut counting, "big.cab", at(), &mut |m| reports.push(m)));
    assert_eq!(reports.len(), 1);
    let streamed = reports.pop().unwrap().result.expect("a report");
    assert_eq!(format!("{streamed:?}"), format!("{whole:?}"));
    let cab_len = cab.len() as u64;
    assert!(
        counting.read <= 8 * cab_len,
        "{} MiB read from a cabinet of {} MiB",
        counting.read / MIB as u64,
        cab_len / MIB as u64
    );
}
