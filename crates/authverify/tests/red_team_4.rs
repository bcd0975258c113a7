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
