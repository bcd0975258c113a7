//! Red-team findings against the script, APPX/MSIX and MSI layers: each test builds a
//! tampered file from a checked-in vector whose verdict comes from how it was built (the
//! untampered file is `valid` in its manifest) and asserts the tampered one is not `valid`.
//! The tamper is described in each test; none re-signs anything.

mod common;

use std::path::PathBuf;

use authverify::{FileStatus, Policy, Verifier};

fn vectors() -> PathBuf {
    common::vectors_dir()
}

/// The scripts' and packages' manifests: the test root, evaluated at 2026-06-01.
fn verifier() -> Verifier {
    Verifier::new(common::anchors(&["pki/root.crt".to_string()]), Policy::windows())
}

fn at() -> authverify::UnixTime {
    common::time("2026-06-01T00:00:00Z")
}

fn status(bytes: &[u8], name: &str) -> FileStatus {
    match verifier().verify_bytes_named(bytes, name, at()) {
        Ok(r) => r.status,
        // A typed error is a refusal, which is all these tests ask for.
        Err(_) => FileStatus::Invalid,
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap_or_else(|| panic!("{:?} not found", String::from_utf8_lossy(needle)))
}

/// A signed WSH script split into (text without the block, the block's lines), as the
/// signer wrote it: `text` + CR LF + `block` (begin line through the end line's CR LF) +
/// `tail`, where `tail` is what followed the block when signed.
fn wsh_parts(bytes: &[u8], begin: &[u8], end: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut crlf_begin = b"\r\n".to_vec();
    crlf_begin.extend_from_slice(begin);
    let i = find(bytes, &crlf_begin);
    let mut end_crlf = end.to_vec();
    end_crlf.extend_from_slice(b"\r\n");
    let j = find(bytes, &end_crlf) + end_crlf.len();
    let mut text = bytes[..i].to_vec();
    text.extend_from_slice(&bytes[j..]);
    (text, bytes[i + 2..j].to_vec())
}

/// `text` with `block` put at `at`, the way a signer puts it at the end: a CR LF before
/// the begin line, the block's own CR LF after the end line.
fn with_block_at(text: &[u8], block: &[u8], at: usize) -> Vec<u8> {
    let mut out = text[..at].to_vec();
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(block);
    out.extend_from_slice(&text[at..]);
    out
}

/// Windows Script Host scripts hash the text around the block and the block's position.
/// Moving the signature block of a signed `.js`, `.vbs` or `.wsf` to another place in the
/// text (a line boundary, or the middle of a line, which splits that line in two and so
/// changes the program: `// note: evil()` becomes `// note:` and a line `evil()`) keeps
/// the text without the block the same; if the position hashed is where the block should
/// be rather than where it is, the moved file still verifies. It must not.
#[test]
fn a_wsh_signature_block_moved_inside_the_text_is_not_valid() {
    let cases: [(&str, &[u8], &[u8]); 3] = [
        (
            "scripts/wsh/ansi.js",
            b"// SIG // Begin signature block",
            b"// SIG // End signature block",
        ),
        (
            "scripts/wsh/ansi.vbs",
            b"'' SIG '' Begin signature block",
            b"'' SIG '' End signature block",
        ),
        ("scripts/wsh/job.wsf", b"<signature>", b"</signature>"),
    ];
    for (file, begin, end) in cases {
        let bytes = std::fs::read(vectors().join(file)).expect(file);
        let name = file.rsplit('/').next().expect("a name");
        assert_eq!(status(&bytes, name), FileStatus::Valid, "{file} as signed");
        let (text, block) = wsh_parts(&bytes, begin, end);
        let signed_at = find(&bytes, begin) - 2;
        // Every offset of the text but where the signer put the block; in the middle of
        // lines and at their ends.
        let mut moved = 0;
        for at in (1..text.len()).filter(|&a| a != signed_at && text[a - 1] != b'\r') {
            let tampered = with_block_at(&text, &block, at);
            assert_eq!(tampered.len(), bytes.len(), "{file}: nothing added");
            assert_ne!(
                status(&tampered, name),
                FileStatus::Valid,
                "{file}: the block moved to offset {at} still verifies"
            );
            moved += 1;
        }
        assert!(moved > 20, "{file}: {moved} positions tried");
    }
}

/// A BOM-less PowerShell script is UTF-8 to the digest, and each byte that is not UTF-8
/// hashes as U+FFFD (osslsigncode's conversion, `invalid-utf8.ps1`): every such byte can
/// be swapped for any other such byte with the digest unchanged. Windows PowerShell 5.1
/// runs a BOM-less script as ANSI (Windows-1252), where 0x94 is `”`, which its tokenizer
/// takes as a double quote: `Write-Host "ÿ…"` becomes `Write-Host "”…"`, a string closed
/// early, so the attacker chooses how the rest of the line parses. osslsigncode 2.9 says
/// this tampered file verifies too (the oracle shares the weakness; measured by hand:
/// `osslsigncode verify -CAfile test-vectors/pki/root.pem -in <tampered>`: "Succeeded").
/// A digest that does not bind the bytes cannot make the file `valid`: the signed file and
/// the tampered one are both refused (`script.unbound_text`), with the same digest — the
/// swap is invisible to the digest, which is the point. Windows' own SIP disagrees with
/// its engine on BOM-less non-ASCII scripts (PowerShell/PowerShell#3466), so no such file
/// verifies reliably there either.
#[test]
fn a_non_utf8_byte_swapped_in_a_bomless_powershell_script_is_not_valid() {
    let file = "scripts/powershell/invalid-utf8.ps1";
    let bytes = std::fs::read(vectors().join(file)).expect(file);
    let pos = find(&bytes, b"\"\xff") + 1;
    let mut tampered = bytes.clone();
    tampered[pos] = 0x94;
    let digest = |b: &[u8]| {
        use authverify::script::{Script, ScriptLanguage};
        Script::parse(b, ScriptLanguage::PowerShell)
            .expect("parsed")
            .digests(&[authverify::DigestAlgorithm::Sha256])
    };
    assert_eq!(digest(&bytes), digest(&tampered), "the digest cannot see the swap");
    let v = verifier();
    for (what, b) in [("as signed", &bytes), ("0xFF swapped for 0x94", &tampered)] {
        let r = v.verify_bytes_named(b, "invalid-utf8.ps1", at()).expect("verified");
        assert_eq!(r.status, FileStatus::Invalid, "{file} {what}");
        let s = &r.signatures[0];
        assert_eq!(
            s.error.as_ref().map(|f| f.rule),
            Some(authverify::Rule::ScriptUnboundText),
            "{what}"
        );
    }
}

/// Offset of the end of central directory record (no comment in the vectors).
fn eocd(bytes: &[u8]) -> usize {
    bytes.len() - 22
}

fn put16(bytes: &mut [u8], at: usize, v: u16) {
    bytes[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

/// The package digests rewrite the end records from the members they read, so the entry
/// counts the end records store are covered by nothing; a reader that takes them at their
/// word (osslsigncode, which reads that many directory entries, as APPNOTE's readers do)
/// sees another archive. `signed.msix` with its EOCD counts one short: osslsigncode no
/// longer sees AppxSignature.p7x (the last entry) and fails ("AppxSignature.p7x does not
/// exist"); one more: it reads the end record as an entry and cannot read the file. The
/// same for the ZIP64 record's counts in `streamed-zip64.msix`. Measured by hand with
/// `osslsigncode verify -CAfile test-vectors/pki/root.pem -in <tampered>`.
#[test]
fn an_archive_whose_end_records_miscount_its_entries_is_not_valid() {
    let bytes = std::fs::read(vectors().join("appx/signed.msix")).expect("signed.msix");
    assert_eq!(status(&bytes, "signed.msix"), FileStatus::Valid);
    let e = eocd(&bytes);
    let entries = u16::from_le_bytes([bytes[e + 10], bytes[e + 11]]);
    for count in [entries - 1, entries + 1] {
        let mut tampered = bytes.clone();
        put16(&mut tampered, e + 8, count);
        put16(&mut tampered, e + 10, count);
        assert_ne!(
            status(&tampered, "signed.msix"),
            FileStatus::Valid,
            "an EOCD counting {count} of {entries} entries still verifies"
        );
    }
    let bytes = std::fs::read(vectors().join("appx/streamed-zip64.msix")).expect("streamed-zip64.msix");
    assert_eq!(status(&bytes, "streamed-zip64.msix"), FileStatus::Valid);
    let locator = eocd(&bytes) - 20;
    let record = usize::try_from(u64::from_le_bytes(
        bytes[locator + 8..locator + 16].try_into().expect("8"),
    ))
    .expect("an offset");
    let entries = u64::from_le_bytes(bytes[record + 32..record + 40].try_into().expect("8"));
    for count in [entries - 1, entries + 1] {
        let mut tampered = bytes.clone();
        tampered[record + 24..record + 32].copy_from_slice(&count.to_le_bytes());
        tampered[record + 32..record + 40].copy_from_slice(&count.to_le_bytes());
        assert_ne!(
            status(&tampered, "streamed-zip64.msix"),
            FileStatus::Valid,
            "a ZIP64 record counting {count} of {entries} entries still verifies"
        );
    }
}

/// In a ZIP64 archive the EOCD's fields defer to the ZIP64 record only when they hold
/// 0xFFFF(FFFF) (APPNOTE 4.4.1.4); a field that holds a value is what a reader that checks
/// the EOCD first uses. The digest rewrites them as the escapes say, so a value that
/// disagrees with the ZIP64 record is covered by nothing.
#[test]
fn a_zip64_archive_whose_eocd_disagrees_with_its_zip64_record_is_not_valid() {
    let bytes = std::fs::read(vectors().join("appx/streamed-zip64.msix")).expect("streamed-zip64.msix");
    let e = eocd(&bytes);
    assert_eq!(&bytes[e + 8..e + 12], &[0xff; 4], "the vector escapes its counts");
    let mut tampered = bytes.clone();
    put16(&mut tampered, e + 8, 3);
    put16(&mut tampered, e + 10, 3);
    assert_ne!(
        status(&tampered, "streamed-zip64.msix"),
        FileStatus::Valid,
        "an EOCD counting 3 entries beside a ZIP64 record counting all still verifies"
    );
}

/// `containers/msi/signed.msi` (osslsigncode-signed, `valid` in its manifest) with `edit`
/// applied; the compound file's header fields and its root entry lie outside every digest,
/// so a field a reader ignores can change with the signature intact.
fn msi_with(edit: impl Fn(&mut Vec<u8>)) -> Vec<u8> {
    let mut bytes = std::fs::read(vectors().join("containers/msi/signed.msi")).expect("signed.msi");
    edit(&mut bytes);
    bytes
}

fn msi_root_entry(bytes: &[u8]) -> usize {
    let first_dir = u32::from_le_bytes(bytes[0x30..0x34].try_into().expect("4"));
    512 * (usize::try_from(first_dir).expect("a sector") + 1)
}

/// [MS-CFB] 2.2: a version 3 header's Number of Directory Sectors MUST be zero (the
/// directory is found only by its chain). osslsigncode refuses any other value
/// ("Unsupported Number of Directory Sectors", measured on every bit of the field); a
/// reader that ignores it keeps the signature over a header that says otherwise.
#[test]
fn a_version_3_msi_header_counting_directory_sectors_is_not_valid() {
    assert_eq!(status(&msi_with(|_| {}), "signed.msi"), FileStatus::Valid);
    for (at, bit) in [(0x28, 0x01), (0x2b, 0x80)] {
        let tampered = msi_with(|b| b[at] ^= bit);
        assert_ne!(
            status(&tampered, "signed.msi"),
            FileStatus::Valid,
            "header byte {at:#x} ^ {bit:#x} (Number of Directory Sectors) still verifies"
        );
    }
}

/// The root entry has no siblings (nothing holds it); osslsigncode builds its tree from the
/// root's sibling fields too and refuses the package when they point anywhere ("Corrupted
/// ID"), while a reader that never looks at them verifies it.
#[test]
fn an_msi_root_entry_with_a_sibling_is_not_valid() {
    for field in [68, 72] {
        let tampered = msi_with(|b| {
            let at = msi_root_entry(b) + field;
            b[at..at + 4].copy_from_slice(&1u32.to_le_bytes());
        });
        assert_ne!(
            status(&tampered, "signed.msi"),
            FileStatus::Valid,
            "the root entry's sibling field at {field} set to entry 1 still verifies"
        );
    }
}

/// The header counts the mini FAT's and the DIFAT's sectors; a reader that follows the
/// chains and ignores the counts verifies a header whose counts say otherwise, where
/// osslsigncode refuses large ones ("Unsupported Number of Mini FAT Sectors: 0x00008001",
/// "Unsupported Number of DIFAT Sectors: 0x00008000").
#[test]
fn an_msi_header_whose_sector_counts_disagree_with_its_chains_is_not_valid() {
    for (at, what) in [(0x40usize, "mini FAT"), (0x48, "DIFAT")] {
        let tampered = msi_with(|b| {
            let n = u32::from_le_bytes(b[at..at + 4].try_into().expect("4"));
            b[at..at + 4].copy_from_slice(&(n + 0x8000).to_le_bytes());
        });
        assert_ne!(
            status(&tampered, "signed.msi"),
            FileStatus::Valid,
            "a header counting 0x8000 more {what} sectors still verifies"
        );
    }
}

/// CVE-2020-1464 ("GlueBall"): bytes appended to a signed MSI package are read by no
/// stream, so no digest covers them, and a file that is a signed package and, read from
/// its end, a ZIP archive (a JAR) kept its signature on Windows until the August 2020
/// update. osslsigncode 2.9 still says "Succeeded" on `signed.msi` with an empty ZIP
/// archive, a whole sector or a few bytes appended (measured by hand); the package as
/// signed must be the whole file, as bytes after a PE's certificate table are refused.
#[test]
fn bytes_appended_to_a_signed_msi_package_are_not_valid() {
    assert_eq!(status(&msi_with(|_| {}), "signed.msi"), FileStatus::Valid);
    let mut empty_zip = b"PK\x05\x06".to_vec();
    empty_zip.extend_from_slice(&[0; 18]);
    for tail in [empty_zip, vec![b'B'; 512], vec![b'C'; 4096], vec![0; 1]] {
        let tampered = msi_with(|b| b.extend_from_slice(&tail));
        assert_ne!(
            status(&tampered, "signed.msi"),
            FileStatus::Valid,
            "signed.msi with {} bytes appended still verifies",
            tail.len()
        );
    }
}
