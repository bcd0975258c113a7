//! Issue 32: an MSI package larger than `READ_WHOLE_LIMIT` is verified from a reader with
//! only its compound file structure, mini stream and signature held, the streams its
//! digest reads fed from the file. It must get the report `verify_bytes` gives the same
//! bytes (valid; a byte changed in its embedded cabinet, invalid; listed in a catalog by the
//! hash of its bytes, valid), and a file truncated or rewritten while it is read is
//! `Error::Changed`, never a verdict. The packages are built by wixl and signed by
//! osslsigncode (as scripts/make-container-vectors.py builds the small ones); without either
//! tool the test skips visibly.

mod common;

use std::io::Cursor;
use std::path::Path;
use std::process::Command;

use authverify::{Error, FileStatus, Policy, Verifier, READ_WHOLE_LIMIT};

/// Marks a place inside the embedded cabinet's data (wixl stores random bytes as they are).
const MARK: &[u8] = b"AUTHVERIFY-MARK!";

const WXS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="*" Name="Authverify Big" Language="1033" Version="1.0.0" Manufacturer="Authverify" UpgradeCode="5a1e6b9e-8a8e-4a39-9d0c-7c3f4e1a9b21">
    <Package InstallerVersion="200" Compressed="yes"/>
    <Media Id="1" Cabinet="data.cab" EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir"><Directory Id="ProgramFilesFolder"><Directory Id="D" Name="Big">
      <Component Id="C" Guid="3b2e1c4d-5f6a-4b7c-8d9e-0f1a2b3c4d5e"><File Id="F" Source="payload.bin"/></Component>
    </Directory></Directory></Directory>
    <Feature Id="Main" Level="1"><ComponentRef Id="C"/></Feature>
  </Product>
</Wix>
"#;

/// A package of 9 MiB of pseudo-random payload (MARK at 5 MiB), unsigned and signed by
/// osslsigncode with the test leaf; `None` (skipped visibly) without wixl or osslsigncode.
fn packages(test: &str, dir: &Path) -> Option<(Vec<u8>, Vec<u8>)> {
    for (tool, what) in [("wixl", "wixl (msitools)"), ("osslsigncode", "osslsigncode")] {
        if Command::new(tool).arg("--version").output().is_err() {
            common::skip(test, what);
            return None;
        }
    }
    // xorshift64: incompressible enough that the cabinet holds the bytes as they are.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut payload: Vec<u8> = (0..(9usize << 20) / 8)
        .flat_map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()
        })
        .collect();
    payload[5 << 20..(5 << 20) + MARK.len()].copy_from_slice(MARK);
    std::fs::write(dir.join("payload.bin"), &payload).unwrap();
    std::fs::write(dir.join("t.wxs"), WXS).unwrap();
    let built = Command::new("wixl")
        .args(["-o", "u.msi", "t.wxs"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let root = common::repo_root();
    let signed = Command::new("osslsigncode")
        .arg("sign")
        .arg("-certs")
        .arg(root.join("test-vectors/pki/signer-chain.pem"))
        .arg("-key")
        .arg(root.join("crates/authverify-testgen/keys/leaf-rsa2048.pem"))
        .args(["-h", "sha256", "-time", "1767225600", "-in"])
        .arg(dir.join("u.msi"))
        .arg("-out")
        .arg(dir.join("s.msi"))
        .output()
        .unwrap();
    assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));
    let unsigned = std::fs::read(dir.join("u.msi")).unwrap();
    let signed = std::fs::read(dir.join("s.msi")).unwrap();
    assert!(signed.len() as u64 > READ_WHOLE_LIMIT, "takes the held path");
    Some((unsigned, signed))
}

fn verifier() -> Verifier {
    Verifier::new(common::anchors(&["pki/root.crt".to_string()]), Policy::windows())
}

fn at() -> authverify::UnixTime {
    common::time("2026-06-01T00:00:00Z")
}

#[test]
fn a_large_msi_read_with_its_streams_fed_gets_the_report_of_its_bytes() {
    let test = "a_large_msi_read_with_its_streams_fed_gets_the_report_of_its_bytes";
    let dir = tempfile::tempdir().unwrap();
    let Some((unsigned, signed)) = packages(test, dir.path()) else {
        return;
    };
    let v = verifier();

    // Signed as built: valid both ways, one report.
    let from_bytes = v.verify_bytes(&signed, at()).expect("bytes");
    assert_eq!(from_bytes.status, FileStatus::Valid, "{:?}", from_bytes.notes);
    let from_reader = v.verify_reader(&mut Cursor::new(&signed), at()).expect("reader");
    assert_eq!(from_reader, from_bytes);
    let named = v
        .verify_reader_named(&mut Cursor::new(&signed), "big.msi", at())
        .expect("reader");
    assert_eq!(named, from_bytes);

    // One byte of the embedded cabinet changed (a regular sector the digest reads through
    // the feed): invalid both ways, one report.
    let mark = signed
        .windows(MARK.len())
        .position(|w| w == MARK)
        .expect("mark in the package");
    let mut tampered = signed.clone();
    tampered[mark + MARK.len()] ^= 1;
    let from_bytes = v.verify_bytes(&tampered, at()).expect("bytes");
    assert_eq!(from_bytes.status, FileStatus::Invalid, "{:?}", from_bytes.notes);
    let from_reader = v.verify_reader(&mut Cursor::new(&tampered), at()).expect("reader");
    assert_eq!(from_reader, from_bytes);

    // The unsigned package listed in a catalog by the SHA-256 of its bytes (the flat-file
    // SIP, as Windows looks a package up): the lookup hashes the whole file through the
    // feed. Valid both ways, one report.
    use authverify_testgen::catalogs::{signed_catalog, Hash, Listed, Member};
    let catalog = signed_catalog(
        &[Member {
            name: "big.msi".into(),
            listed: Listed::Flat,
            digest: Hash::Sha256.digest(&unsigned),
        }],
        Hash::Sha256,
    );
    let mut index = authverify::CatalogIndex::new();
    index.add("big.cat", &catalog, &v, at()).expect("catalog indexed");
    let listed = verifier().with_catalogs(std::sync::Arc::new(index));
    assert!(unsigned.len() as u64 > READ_WHOLE_LIMIT);
    let from_bytes = listed.verify_bytes(&unsigned, at()).expect("bytes");
    assert_eq!(from_bytes.status, FileStatus::Valid, "{:?}", from_bytes.notes);
    let from_reader = listed.verify_reader(&mut Cursor::new(&unsigned), at()).expect("reader");
    assert_eq!(from_reader, from_bytes);

    // Truncated in the middle of the digest's reads.
    let mut r = common::changing(&signed, 4 << 20, |f| f.truncate(3 << 20));
    assert!(
        matches!(v.verify_reader(&mut r, at()), Err(Error::Changed { .. })),
        "truncated package"
    );
    // Grown at the end while the streams were read.
    let mut r = common::changing(&signed, 4 << 20, |f| f.extend_from_slice(&[0; 512]));
    assert!(
        matches!(v.verify_reader(&mut r, at()), Err(Error::Changed { .. })),
        "grown package"
    );
    // The header (held) rewritten after it was parsed.
    let mut r = common::changing(&signed, 4 << 20, |f| f[0x18] ^= 0xff);
    match v.verify_reader(&mut r, at()) {
        Err(Error::Changed { detail }) => assert!(detail.contains("differ"), "{detail}"),
        other => panic!("rewritten header: {:?}", other.map(|r| r.status)),
    }
}

/// The compound file's structure damaged (bytes flipped near its start, where the header
/// lies, and near its end, where wixl's and osslsigncode's packages keep the FAT, the
/// directory and the unsigned package's DIFAT sector; the file cut short): the held path
/// reads the structure in stages, and must meet each damage as the whole-file parse does,
/// with the same report or the same typed error. The signed package is version 4 (4096-byte
/// sectors, as osslsigncode writes it), the unsigned one version 3 with a DIFAT sector.
#[test]
fn a_large_msi_with_damaged_structure_gets_the_outcome_of_its_bytes() {
    let test = "a_large_msi_with_damaged_structure_gets_the_outcome_of_its_bytes";
    let dir = tempfile::tempdir().unwrap();
    let Some((unsigned, signed)) = packages(test, dir.path()) else {
        return;
    };
    let v = verifier();
    let outcome = |bytes: &[u8], reader: bool| {
        let result = if reader {
            v.verify_reader(&mut Cursor::new(bytes), at())
        } else {
            v.verify_bytes(bytes, at())
        };
        format!("{result:?}")
    };
    for (package, is_signed) in [(&signed, true), (&unsigned, false)] {
        let len = package.len();
        let intact = outcome(package, false);
        let offsets = (0..0x200)
            .step_by(5)
            .chain((0x200..0x1_0000).step_by(509))
            .chain((len - 0x1_0000..len).step_by(1021));
        let mut differs = 0;
        for at_byte in offsets {
            let mut damaged = package.clone();
            damaged[at_byte] ^= 0x41;
            let whole = outcome(&damaged, false);
            assert_eq!(outcome(&damaged, true), whole, "byte {at_byte:#x}, signed {is_signed}");
            differs += usize::from(whole != intact);
        }
        assert!(differs > 50, "the damage was seen: {differs}, signed {is_signed}");
        for cut in [len - 1, len - 512, len - 4096, 9 << 20] {
            let short = &package[..cut];
            assert_eq!(outcome(short, true), outcome(short, false), "cut at {cut}");
        }
    }
}
