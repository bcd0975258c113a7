//! Red team, round 4: the three "read in parts" paths that landed for issue 32 (a cabinet
//! or MSI package's payload walked from its file, APPX/MSIX bundles read in parts, scripts
//! over `READ_WHOLE_LIMIT` read through the feed). Their claim: the report from a reader is
//! the report of the same bytes in memory, and a file changed during the read is
//! `Error::Changed`, never a verdict on bytes that were not verified. Each test is an
//! attack that succeeded against the code it was written for; its expected outcome comes
//! from how the input was built.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::io::Cursor;

use authverify::script::ScriptLanguage;
use authverify::{DigestAlgorithm, Error, FileStatus, Policy, Verifier, READ_WHOLE_LIMIT};

const MIB: usize = 1 << 20;

fn verifier() -> Verifier {
    Verifier::new(common::anchors(&["pki/root.crt".to_string()]), Policy::windows())
}

fn at() -> authverify::UnixTime {
    common::time("2026-06-01T00:00:00Z")
}

/// About `size` bytes of ANSI VBScript lines ending CR LF.
fn vbs_text(size: usize) -> Vec<u8> {
    let mut t = Vec::with_capacity(size + 64);
    let mut n = 0u64;
    while t.len() < size {
        t.extend_from_slice(format!("WScript.Echo \"line {n}\"\r\n").as_bytes());
        n += 1;
    }
    t
}

/// `text` (ANSI) signed as a VBScript the way make-script-vectors.py's `wsh_sign` does (as
/// tests/scripts_reader.rs does): the text as UTF-16LE then its length in units as a
/// little-endian u32, hashed, signed under the VBScript SIP, in a block appended as signtool
/// writes it. Returns the file and where its begin line starts.
fn vbs_signed(text: &[u8]) -> (Vec<u8>, usize) {
    let mut hashed: Vec<u8> = text.iter().flat_map(|&b| [b, 0]).collect();
    hashed.extend_from_slice(&u32::try_from(text.len()).unwrap().to_le_bytes());
    let digest = DigestAlgorithm::Sha256.hash(&hashed);
    let sip = ScriptLanguage::VbScript.sip();
    let der = authverify_testgen::scripts::sip_signature(&sip.guid, 1, "sha256", &digest).unwrap();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = text.to_vec();
    out.extend_from_slice(b"\r\n");
    let begin = out.len();
    out.extend_from_slice(b"'' SIG '' Begin signature block\r\n");
    for line in b64.as_bytes().chunks(44) {
        out.extend_from_slice(b"'' SIG '' ");
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"'' SIG '' End signature block\r\n");
    (out, begin)
}

/// Attack: a large script's begin line (or the line break before it) rewritten once the
/// search for begin lines has passed it. The begin line is in no digest (the SIP hashes the
/// text before its line break and, for WSH, after the end line) and the reader checked only
/// the script's first 4 KiB and the block's lines *after* the begin line unchanged, so the
/// verdict was the signed file's (valid) while the file as left has no begin line at all:
/// read whole it is an unsigned script. A verdict on bytes that are no longer there: the
/// read must end in `Error::Changed`.
#[test]
fn a_scripts_begin_line_rewritten_after_it_was_found_is_changed() {
    let (signed, begin) = vbs_signed(&vbs_text(9 * MIB));
    assert!(signed.len() as u64 > READ_WHOLE_LIMIT, "takes the streamed path");
    let v = verifier();
    let name = "big.vbs";
    let whole = v.verify_bytes_named(&signed, name, at()).unwrap();
    assert_eq!(whole.status, FileStatus::Valid, "{:?}", whole.notes);
    let from_reader = v.verify_reader_named(&mut Cursor::new(&signed), name, at()).unwrap();
    assert_eq!(from_reader, whole);

    // "Begin" made "begin": no begin line any more; the CR before it made a space: the line
    // break before the block is no longer CR LF, so the hashed text would end a byte later.
    let flips: [(usize, u8, &str); 2] = [(begin + 10, b'b', "begin line"), (begin - 2, b' ', "CR before it")];
    for (at_byte, to, what) in flips {
        let mut left = signed.clone();
        left[at_byte] = to;
        let as_left = v.verify_bytes_named(&left, name, at()).map(|r| r.status);
        assert_ne!(
            as_left.as_ref().ok(),
            Some(&FileStatus::Valid),
            "{what}: the file as left is not valid"
        );
        // Rewritten once the whole text has been searched (about its length read), before
        // the digest pass has ended.
        let mut r = common::changing(&signed, signed.len() as u64 + MIB as u64, move |f| f[at_byte] = to);
        match v.verify_reader_named(&mut r, name, at()) {
            Err(Error::Changed { .. }) => {}
            other => panic!(
                "{what} rewritten: {:?} (the file as left: {as_left:?})",
                other.map(|r| r.status)
            ),
        }
    }
}

/// `verify_payload_reader`'s reports of the container `r` reads, as `(member, status or
/// error)` pairs.
fn payload_reports<R: std::io::Read + std::io::Seek>(v: &Verifier, r: &mut R, name: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    assert!(v.verify_payload_reader(r, name, at(), &mut |m| out.push(member_status(&m))));
    out
}

fn member_status(m: &authverify::MemberReport) -> (String, String) {
    let status = match &m.result {
        Ok(r) => format!("{:?}", r.status),
        Err(e) => format!("{e:?}"),
    };
    (m.member.clone().unwrap_or_default(), status)
}

fn payload_reports_in_memory(v: &Verifier, bytes: &[u8], name: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    assert!(v.verify_payload(bytes, name, at(), &mut |m| out.push(member_status(&m))));
    out
}

/// A file that rewrites one byte (`flip`, XOR 0xff) once it has been read (a read covered
/// it) and a read then starts before `before`: another process rewriting a member between
/// the walk's catalog pass and its member pass.
struct AfterSecondPassStarts {
    inner: Cursor<Vec<u8>>,
    flip: usize,
    before: u64,
    seen: bool,
    done: bool,
}

impl std::io::Read for AfterSecondPassStarts {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let pos = self.inner.position();
        if self.seen && !self.done && pos < self.before {
            self.done = true;
            self.inner.get_mut()[self.flip] ^= 0xff;
        }
        let n = self.inner.read(buf)?;
        if (pos..pos + n as u64).contains(&(self.flip as u64)) {
            self.seen = true;
        }
        Ok(n)
    }
}

impl std::io::Seek for AfterSecondPassStarts {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(to)
    }
}

/// Attack: a large cabinet (read in parts, its data blocks read from the file as decoded)
/// holding a catalog and a file only that catalog signs. The payload walk reads the
/// container twice: a pass that verifies its catalogs, then a pass over every member
/// judged with them. The catalog's bytes rewritten between the two passes (it is broken
/// now: read whole, the file it listed is no longer valid) went unnoticed: the member was
/// reported valid on the strength of a catalog the file no longer holds, and the only check
/// at the end compares the cabinet's tables. A verdict on bytes that are gone: the walk
/// must report `Error::Changed`.
#[test]
fn a_catalog_rewritten_between_the_payload_walks_two_passes_is_changed() {
    let test = "a_catalog_rewritten_between_the_payload_walks_two_passes_is_changed";
    if std::process::Command::new("gcab").arg("--version").output().is_err() {
        common::skip(test, "gcab");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = common::repo_root().join("test-vectors/payload/payload.cab");
    let ok = std::process::Command::new("gcab")
        .arg("-x")
        .arg(&src)
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(ok.success());
    // 9 MiB that do not compress, first; the catalog last, so the catalog pass reads it last
    // and the member pass starts again before it.
    let mut state = 0x9e37_79b9_u32;
    let pad: Vec<u8> = (0..9 * MIB)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        })
        .collect();
    std::fs::write(dir.path().join("pad.bin"), pad).unwrap();
    let cab = dir.path().join("big.cab");
    let ok = std::process::Command::new("gcab")
        .arg("-c")
        .arg(&cab)
        .args(["pad.bin", "driver/driver.inf", "driver/driver.cat"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(ok.success());
    let bytes = std::fs::read(&cab).unwrap();
    assert!(bytes.len() as u64 > READ_WHOLE_LIMIT, "read in parts");
    let catalog = std::fs::read(dir.path().join("driver/driver.cat")).unwrap();
    // A stored cabinet: the catalog's first bytes are in the file as they are.
    let start = bytes
        .windows(64)
        .position(|w| w == &catalog[..64])
        .expect("catalog stored");
    let flip = start + 40;
    let name = "big.cab";
    let v = verifier();

    let whole = payload_reports_in_memory(&v, &bytes, name);
    let inf = ("driver/driver.inf".to_string(), "Valid".to_string());
    assert!(whole.contains(&inf), "{whole:?}");
    assert_eq!(payload_reports(&v, &mut Cursor::new(bytes.clone()), name), whole);
    let mut left = bytes.clone();
    left[flip] ^= 0xff;
    let as_left = payload_reports_in_memory(&v, &left, name);
    assert!(
        !as_left.contains(&inf),
        "the file as left does not sign driver.inf: {as_left:?}"
    );

    let mut r = AfterSecondPassStarts {
        inner: Cursor::new(bytes.clone()),
        flip,
        before: start as u64,
        seen: false,
        done: false,
    };
    let read = payload_reports(&v, &mut r, name);
    assert!(r.done, "the catalog was rewritten during the walk");
    assert!(
        read.iter().any(|(_, s)| s.starts_with("Changed")),
        "no Changed report: {read:?} (the file as left: {as_left:?})"
    );
}
