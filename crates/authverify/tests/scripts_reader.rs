//! Issue 32: a script larger than `READ_WHOLE_LIMIT` is verified from a reader with only
//! its first bytes held: its begin lines searched a window at a time, its block read from
//! where it begins, its text converted and hashed in chunks. It must get the report
//! `verify_bytes_named` gives the same bytes: signed as built, valid; one byte of the text
//! changed, invalid; a UTF-8 character, bytes that are not UTF-8 and CR LF placed across
//! the reads' chunk boundaries; text after the block; and a file truncated while it is read
//! is `Error::Changed`, never a verdict. PowerShell scripts are signed by osslsigncode
//! (as scripts/make-script-vectors.py signs the small ones; without it the test skips
//! visibly); a VBScript is signed to the documented WSH form by the test generator (as
//! that script does: osslsigncode has no WSH support).

mod common;

use std::io::Cursor;
use std::path::Path;
use std::process::Command;

use authverify::script::ScriptLanguage;
use authverify::{DigestAlgorithm, Error, FileReport, FileStatus, Policy, Verifier, READ_WHOLE_LIMIT};

const MIB: usize = 1 << 20;

fn verifier() -> Verifier {
    Verifier::new(common::anchors(&["pki/root.crt".to_string()]), Policy::windows())
}

fn at() -> authverify::UnixTime {
    common::time("2026-06-01T00:00:00Z")
}

/// A text of about `size` bytes of CR LF lines with each `(offset, bytes)` of `marks` at its
/// offset (offsets increasing, apart by more than a line): a line is padded to reach it.
fn text(size: usize, marks: &[(usize, &[u8])]) -> Vec<u8> {
    let mut t = Vec::with_capacity(size + 64);
    let mut marks = marks.iter().peekable();
    let mut n = 0u64;
    while t.len() < size {
        let line = format!("Write-Output 'line {n}'\r\n");
        n += 1;
        if let Some(&&(offset, bytes)) = marks.peek() {
            if t.len() + line.len() > offset {
                t.resize(offset, b'x');
                t.extend_from_slice(bytes);
                t.extend_from_slice(b"\r\n");
                marks.next();
                continue;
            }
        }
        t.extend_from_slice(line.as_bytes());
    }
    t
}

/// `text` as `name` signed by osslsigncode with the test leaf; `None` without osslsigncode.
fn osslsign(test: &str, dir: &Path, name: &str, text: &[u8]) -> Option<Vec<u8>> {
    if Command::new("osslsigncode").arg("--version").output().is_err() {
        common::skip(test, "osslsigncode");
        return None;
    }
    let unsigned = dir.join(format!("u-{name}"));
    let signed = dir.join(name);
    std::fs::write(&unsigned, text).unwrap();
    let root = common::repo_root();
    let out = Command::new("osslsigncode")
        .arg("sign")
        .arg("-certs")
        .arg(root.join("test-vectors/pki/signer-chain.pem"))
        .arg("-key")
        .arg(root.join("crates/authverify-testgen/keys/leaf-rsa2048.pem"))
        .args(["-h", "sha256", "-time", "1767225600", "-in"])
        .arg(&unsigned)
        .arg("-out")
        .arg(&signed)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&signed).unwrap();
    assert!(
        bytes.len() as u64 > READ_WHOLE_LIMIT,
        "{name}: {} bytes signed, {} unsigned: {}",
        bytes.len(),
        text.len(),
        String::from_utf8_lossy(&out.stdout)
    );
    Some(bytes)
}

/// The report of `bytes` named `name` from memory and from a reader, which must be equal.
fn both(v: &Verifier, bytes: &[u8], name: &str) -> FileReport {
    let from_bytes = v.verify_bytes_named(bytes, name, at()).expect("bytes");
    let from_reader = v
        .verify_reader_named(&mut Cursor::new(bytes), name, at())
        .expect("reader");
    assert_eq!(from_reader, from_bytes, "{name}");
    from_reader
}

/// A file truncated, and one rewritten at its first bytes, while it is read.
fn changed_while_read(v: &Verifier, bytes: &[u8], name: &str) {
    let half = bytes.len() / 2;
    let mut r = common::changing(bytes, (3 * MIB) as u64, move |f| f.truncate(half));
    match v.verify_reader_named(&mut r, name, at()) {
        Err(Error::Changed { .. }) => {}
        other => panic!("{name} truncated: {:?}", other.map(|r| r.status)),
    }
    let mut r = common::changing(bytes, (3 * MIB) as u64, |f| f[0] ^= 0x20);
    match v.verify_reader_named(&mut r, name, at()) {
        Err(Error::Changed { detail }) => assert!(detail.contains("differ"), "{detail}"),
        other => panic!("{name} rewritten: {:?}", other.map(|r| r.status)),
    }
    // The block's last base64 line rewritten once it has been decoded (the search for
    // begin lines reads the whole file, the block is read next, then the text is hashed):
    // the verdict was reached on the block as read, which is no longer there.
    let mut r = common::changing(bytes, bytes.len() as u64 + (MIB as u64), |f| {
        let n = f.len();
        f[n - 40] ^= 0x01;
    });
    match v.verify_reader_named(&mut r, name, at()) {
        Err(Error::Changed { detail }) => assert!(detail.contains("signature block) differ"), "{detail}"),
        other => panic!("{name} block rewritten: {:?}", other.map(|r| r.status)),
    }
}

#[test]
fn a_large_powershell_script_read_in_chunks_gets_the_report_of_its_bytes() {
    let test = "a_large_powershell_script_read_in_chunks_gets_the_report_of_its_bytes";
    let dir = tempfile::tempdir().unwrap();
    // A four-byte character across the reader's 1 MiB reads (and the digest's 64 KiB
    // chunks), a two-byte one across a 64 KiB chunk, CR LF across 2 MiB; the text ends where
    // the block's leading CR LF straddles a 64 KiB boundary.
    let emoji = "\u{1f600}".as_bytes();
    let marks: [(usize, &[u8]); 3] = [
        (5 * (64 << 10) - 1, "\u{e9}".as_bytes()),
        (MIB - 2, emoji),
        (2 * MIB - 1, b""),
    ];
    let mut good = text(9 * MIB, &marks);
    good.resize(144 * (64 << 10) - 1, b'#');
    // The CR LF across 2 MiB: the empty mark's line ends there.
    assert_eq!(&good[2 * MIB - 1..2 * MIB + 1], b"\r\n");
    // Bytes that are not UTF-8 (a sequence broken off across the 3 MiB boundary, then a
    // byte never in UTF-8).
    let mut bad = good.clone();
    bad[3 * MIB - 1..3 * MIB + 3].copy_from_slice(b"\xe2\x82x\xff");
    let v = verifier();
    for ext in ["ps1", "psm1"] {
        let name = format!("big.{ext}");
        let Some(signed) = osslsign(test, dir.path(), &name, &good) else {
            return;
        };
        let r = both(&v, &signed, &name);
        assert_eq!(r.status, FileStatus::Valid, "{name}: {:?}", r.notes);
        assert_eq!(r.script.as_ref().map(|s| s.language.as_str()), Some("powershell"));

        // One byte of the text changed: invalid.
        let mut tampered = signed.clone();
        tampered[5 * MIB + 7] ^= 0x01;
        let r = both(&v, &tampered, &name);
        assert_eq!(r.status, FileStatus::Invalid, "{name} tampered: {:?}", r.notes);

        // Text after the block: no signature vouches for it.
        let mut after = signed.clone();
        after.extend_from_slice(b"Write-Output 'after'\r\n");
        let r = both(&v, &after, &name);
        assert_eq!(r.status, FileStatus::Invalid, "{name} text after: {:?}", r.notes);

        // Bytes that are not UTF-8, signed as they are (osslsigncode hashes each as U+FFFD):
        // the signature does not bind them, in both reads alike.
        let bad_name = format!("bad.{ext}");
        let bad_signed = osslsign(test, dir.path(), &bad_name, &bad).unwrap();
        let r = both(&v, &bad_signed, &bad_name);
        assert_ne!(r.status, FileStatus::Valid, "{bad_name}");
        let refusal = r.signatures[0]
            .error
            .as_ref()
            .map(|e| e.detail.clone())
            .unwrap_or_default();
        assert!(refusal.contains("3 byte(s) of the text are not UTF-8"), "{refusal}");

        changed_while_read(&v, &signed, &name);
    }
}

/// `text` (ANSI) signed as a VBScript the way make-script-vectors.py's `wsh_sign` does: the
/// text as UTF-16LE then its length in units as a little-endian u32, hashed, signed under
/// the VBScript SIP, in a block appended as signtool writes it.
fn vbs_signed(text: &[u8]) -> Vec<u8> {
    let mut hashed: Vec<u8> = text.iter().flat_map(|&b| [b, 0]).collect();
    hashed.extend_from_slice(&u32::try_from(text.len()).unwrap().to_le_bytes());
    let digest = DigestAlgorithm::Sha256.hash(&hashed);
    let sip = ScriptLanguage::VbScript.sip();
    let der = authverify_testgen::scripts::sip_signature(&sip.guid, 1, "sha256", &digest).unwrap();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = text.to_vec();
    out.extend_from_slice(b"\r\n'' SIG '' Begin signature block\r\n");
    for line in b64.as_bytes().chunks(44) {
        out.extend_from_slice(b"'' SIG '' ");
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"'' SIG '' End signature block\r\n");
    out
}

#[test]
fn a_large_vbscript_read_in_chunks_gets_the_report_of_its_bytes() {
    // Windows-1252 bytes (one unit each) across the reader's reads, CR LF across 2 MiB.
    let marks: [(usize, &[u8]); 2] = [(MIB - 1, b"\xe9\xe8"), (2 * MIB - 1, b"")];
    let good = text(9 * MIB, &marks);
    let signed = vbs_signed(&good);
    assert!(signed.len() as u64 > READ_WHOLE_LIMIT, "takes the held path");
    let v = verifier();
    let name = "big.vbs";
    let r = both(&v, &signed, name);
    assert_eq!(r.status, FileStatus::Valid, "{:?}", r.notes);
    assert_eq!(r.script.as_ref().map(|s| s.language.as_str()), Some("vbscript"));

    let mut tampered = signed.clone();
    tampered[6 * MIB + 3] ^= 0x01;
    let r = both(&v, &tampered, name);
    assert_eq!(r.status, FileStatus::Invalid, "tampered: {:?}", r.notes);

    // Text after the block: the WSH digest hashes it (and the block's position), so the
    // digest no longer matches.
    let mut after = signed.clone();
    after.extend_from_slice(b"WScript.Echo 1\r\n");
    let r = both(&v, &after, name);
    assert_eq!(r.status, FileStatus::Invalid, "text after: {:?}", r.notes);

    changed_while_read(&v, &signed, name);
}

/// A UTF-16LE script (byte order mark FF FE) signed by osslsigncode, a non-ASCII unit and CR
/// LF across the reads' boundaries: valid both ways; a begin line early in the text besides
/// the block at its end (found only by searching the whole text) is the same typed error
/// both ways.
#[test]
fn a_large_utf16_script_and_one_with_two_begin_lines_get_the_report_of_their_bytes() {
    let test = "a_large_utf16_script_and_one_with_two_begin_lines_get_the_report_of_their_bytes";
    let dir = tempfile::tempdir().unwrap();
    // CR LF across 1 MiB: the CR unit at 2 + 2 * (MIB / 2 - 2), after the byte order mark.
    let ascii = text(5 * MIB, &[(MIB / 2 - 2, b"")]);
    let mut wide: Vec<u8> = vec![0xff, 0xfe];
    wide.extend(
        String::from_utf8(ascii)
            .unwrap()
            .replace("line 7'", "l\u{e9}ne 7'")
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    let v = verifier();
    assert_eq!(&wide[MIB - 2..MIB + 2], b"\r\0\n\0");
    let Some(signed) = osslsign(test, dir.path(), "wide.ps1", &wide) else {
        return;
    };
    let r = both(&v, &signed, "wide.ps1");
    assert_eq!(r.status, FileStatus::Valid, "{:?}", r.notes);
    assert_eq!(r.script.as_ref().map(|s| s.encoding.as_str()), Some("utf-16le"));

    // Put in after signing: osslsigncode takes the first begin line for an old signature's
    // and signs the text before it.
    let Some(mut signed) = osslsign(test, dir.path(), "two.ps1", &text(9 * MIB, &[(4 * MIB, b"")])) else {
        return;
    };
    let early = b"# SIG # Begin signature block\r\n";
    signed.splice(4 * MIB + 2..4 * MIB + 2, early.iter().copied());
    let from_bytes = v.verify_bytes_named(&signed, "two.ps1", at()).map(|r| r.status);
    let from_reader = v
        .verify_reader_named(&mut Cursor::new(&signed), "two.ps1", at())
        .map(|r| r.status);
    assert!(
        matches!(
            &from_bytes,
            Err(Error::Script(authverify::error::ScriptError::DuplicateBlock { .. }))
        ),
        "{from_bytes:?}"
    );
    assert_eq!(format!("{from_reader:?}"), format!("{from_bytes:?}"));
}
