//! Issue 29: APPX/MSIX packages and bundles made to the documented form and signed by
//! osslsigncode (test-vectors/appx/, scripts/make-appx-vectors.py). Our digest of every
//! part equals the one osslsigncode calculated; an untampered package's digests equal the
//! signed ones; each tampered part is found by the rule the manifest names; hostile
//! archives end in the typed error the manifest names; flipped bytes never pass unnoticed.

mod common;

use authverify::appx::{AppxError, AppxPackage, DigestPart, SipKind};
use authverify::{Certificate, DigestAlgorithm, ObjectIdentifier};
use serde_json::Value;

fn dir() -> std::path::PathBuf {
    common::vectors_dir().join("appx")
}

fn manifest() -> Value {
    let text = std::fs::read_to_string(dir().join("manifest.json")).expect("appx manifest");
    serde_json::from_str(&text).expect("manifest JSON")
}

fn read(file: &str) -> Vec<u8> {
    std::fs::read(dir().join(file)).expect("vector")
}

fn tag(part: DigestPart) -> &'static str {
    std::str::from_utf8(part.tag()).expect("ASCII tag")
}

/// One DER element of `b`: (tag, value, rest).
fn tlv(b: &[u8]) -> (u8, &[u8], &[u8]) {
    let (t, first) = (b[0], b[1]);
    let (len, head) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        (b[2..2 + n].iter().fold(0usize, |a, &x| a << 8 | usize::from(x)), 2 + n)
    };
    (t, &b[head..head + len], &b[head + len..])
}

fn children(mut b: &[u8]) -> Vec<(u8, &[u8], &[u8])> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let (t, v, rest) = tlv(b);
        let raw = &b[..b.len() - rest.len()];
        out.push((t, v, raw));
        b = rest;
    }
    out
}

/// What the verifier hands [`AppxPackage::check_signed_content`]: the SpcIndirectDataContent
/// data type and value, its digest algorithm and digest, and the signer's subject.
struct SignedContent {
    data_type: String,
    data_value: Vec<u8>,
    algorithm: DigestAlgorithm,
    digest: Vec<u8>,
    signer_subject: Vec<u8>,
}

fn signed_content(der: &[u8]) -> SignedContent {
    let content_info = children(tlv(der).1);
    let signed_data = children(tlv(content_info[1].1).1);
    let encap = children(signed_data[2].1);
    let indirect = children(tlv(encap[1].1).1);
    let data = children(indirect[0].1);
    let digest_info = children(indirect[1].1);
    let algorithm_oid = ObjectIdentifier::from_bytes(children(digest_info[0].1)[0].1).expect("OID");
    let leaf = children(signed_data[3].1)
        .into_iter()
        .map(|(_, _, raw)| Certificate::from_der(raw).expect("certificate"))
        .find(|c| c.subject().contains("Signer"))
        .expect("the signer's certificate");
    SignedContent {
        data_type: ObjectIdentifier::from_bytes(data[0].1).expect("OID").to_string(),
        data_value: data[1].2.to_vec(),
        algorithm: DigestAlgorithm::from_oid(&algorithm_oid).expect("digest algorithm"),
        digest: digest_info[1].1.to_vec(),
        signer_subject: leaf.subject_der().to_vec(),
    }
}

/// The rule ids of the findings the package's signature gets.
fn findings(pkg: &AppxPackage<'_>) -> Vec<String> {
    let der = pkg.signature.as_deref().expect("signed");
    let s = signed_content(der);
    pkg.check_signed_content(&s.data_type, &s.data_value, s.algorithm, &s.digest, &s.signer_subject)
        .iter()
        .map(|f| f.rule.as_str().to_string())
        .collect()
}

#[test]
fn every_part_digest_equals_osslsigncodes() {
    let m = manifest();
    let mut compared = 0;
    for v in m["vectors"].as_array().expect("vectors") {
        let file = v["file"].as_str().expect("file");
        let bytes = read(file);
        let pkg = AppxPackage::parse(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
        for (part, ours) in &pkg.computed {
            if let Some(theirs) = v["osslsigncode_digests"][tag(*part)].as_str() {
                assert_eq!(hex::encode(ours), theirs, "{file}: {}", tag(*part));
                compared += 1;
            }
        }
    }
    assert!(compared >= 42, "only {compared} digests compared");
}

#[test]
fn every_vector_gets_the_rules_its_construction_implies() {
    let m = manifest();
    for v in m["vectors"].as_array().expect("vectors") {
        let file = v["file"].as_str().expect("file");
        let bytes = read(file);
        let pkg = AppxPackage::parse(&bytes).expect("parsed");
        let want: Vec<String> = v["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .map(|r| r.as_str().expect("rule").to_string())
            .collect();
        match v["status"].as_str().expect("status") {
            "unsigned" => assert!(pkg.signature.is_none(), "{file}"),
            status => {
                let got = findings(&pkg);
                assert_eq!(got, want, "{file}: {status}");
                assert_eq!(status == "valid", got.is_empty(), "{file}");
            }
        }
    }
}

#[test]
fn untampered_digests_equal_the_signed_blob_part_by_part() {
    for file in [
        "signed.msix",
        "signed-sha384.appx",
        "code-integrity.msix",
        "signed.msixbundle",
    ] {
        let bytes = read(file);
        let pkg = AppxPackage::parse(&bytes).expect("parsed");
        let s = signed_content(pkg.signature.as_deref().expect("signed"));
        let c = pkg.compare(&s.digest).expect("blob");
        assert!(c.matches(), "{file}: {:?}", c.mismatched());
        assert_eq!(
            pkg.expected_blob(),
            s.digest,
            "{file}: the blob as osslsigncode writes it"
        );
        let parts: Vec<DigestPart> = c.parts.iter().map(|p| p.part).collect();
        let with_ci = file == "code-integrity.msix";
        assert_eq!(parts.contains(&DigestPart::CodeIntegrity), with_ci, "{file}");
        assert_eq!(parts.len(), if with_ci { 5 } else { 4 }, "{file}");
    }
    let sha384 = read("signed-sha384.appx");
    assert_eq!(
        AppxPackage::parse(&sha384).expect("parsed").digest_algorithm(),
        DigestAlgorithm::Sha384
    );
}

#[test]
fn each_tampered_part_is_named() {
    let cases = [
        ("member-byte-flipped.msix", vec![DigestPart::Records]),
        (
            "block-map-changed.msix",
            vec![DigestPart::Records, DigestPart::BlockMap],
        ),
        (
            "content-types-changed.msix",
            vec![
                DigestPart::Records,
                DigestPart::CentralDirectory,
                DigestPart::ContentTypes,
            ],
        ),
        ("central-directory-changed.msix", vec![DigestPart::CentralDirectory]),
        (
            "manifest-changed.msix",
            vec![DigestPart::Records, DigestPart::CentralDirectory],
        ),
    ];
    for (file, want) in cases {
        let bytes = read(file);
        let pkg = AppxPackage::parse(&bytes).expect("parsed");
        let s = signed_content(pkg.signature.as_deref().expect("signed"));
        assert_eq!(pkg.compare(&s.digest).expect("blob").mismatched(), want, "{file}");
    }
}

#[test]
fn a_bundle_names_the_bundle_sip_and_holds_its_signed_package() {
    let bytes = read("signed.msixbundle");
    let bundle = AppxPackage::parse(&bytes).expect("parsed");
    assert_eq!(bundle.kind, SipKind::Bundle);
    assert_eq!(bundle.inner.len(), 1);
    let inner = &bundle.inner[0].package;
    assert_eq!(inner.kind, SipKind::Package);
    assert!(findings(inner).is_empty(), "{:?}", findings(inner));
    assert_eq!(inner.archive.bytes, read("signed.msix").as_slice());
    // The package's own signature cannot stand for the bundle's (the SIP GUID differs).
    let package_sig = signed_content(inner.signature.as_deref().expect("signed"));
    let got = bundle.check_signed_content(
        &package_sig.data_type,
        &package_sig.data_value,
        package_sig.algorithm,
        &package_sig.digest,
        &package_sig.signer_subject,
    );
    assert!(got.iter().any(|f| f.rule.as_str() == "appx.sip_info"), "{got:?}");
}

#[test]
fn the_publisher_is_the_signers_subject_as_windows_writes_it() {
    let m = manifest();
    let bytes = read("signed.msix");
    let pkg = AppxPackage::parse(&bytes).expect("parsed");
    let s = signed_content(pkg.signature.as_deref().expect("signed"));
    let subject = authverify::appx::publisher::publisher_string(&s.signer_subject).expect("a Name");
    assert_eq!(subject, m["publisher"].as_str().expect("publisher"));
    assert_eq!(pkg.publisher, subject);
}

#[test]
fn hostile_archives_end_in_their_typed_errors() {
    let m = manifest();
    for v in m["hostile"].as_array().expect("hostile") {
        let file = v["file"].as_str().expect("file");
        let bytes = read(file);
        let err = AppxPackage::parse(&bytes).expect_err(file);
        let kind = match &err {
            AppxError::Bound { what, .. } => format!("bound:{what}"),
            AppxError::Layout { .. } => "layout".to_string(),
            AppxError::Inflate { .. } => "inflate".to_string(),
            other => format!("{other:?}"),
        };
        assert_eq!(kind, v["error"].as_str().expect("error"), "{file}: {err}");
    }
}

/// Where the signature's record and directory entry lie: bytes outside every digest.
fn signature_ranges(pkg: &AppxPackage<'_>) -> Vec<std::ops::Range<usize>> {
    let m = pkg.archive.member("AppxSignature.p7x").expect("signed");
    let entry_at = m.central_entry.as_ptr() as usize - pkg.archive.bytes.as_ptr() as usize;
    vec![m.record.clone(), entry_at..entry_at + m.central_entry.len()]
}

#[test]
fn flipped_bytes_outside_the_signature_are_always_caught() {
    let bytes = read("signed.msix");
    let pkg = AppxPackage::parse(&bytes).expect("parsed");
    let unsigned_area = signature_ranges(&pkg);
    let original = pkg.computed.clone();
    let (mut errors, mut refused, mut same) = (0, 0, 0);
    for at in (0..bytes.len()).step_by(97) {
        let mut copy = bytes.clone();
        copy[at] ^= 0x20;
        let inside_signature = unsigned_area.iter().any(|r| r.contains(&at));
        match AppxPackage::parse(&copy) {
            Err(_) => errors += 1,
            Ok(p) if inside_signature => {
                // Outside every digest: ours cannot change (the CMS layer judges the rest).
                assert_eq!(p.computed, original, "flip at {at}");
                same += 1;
            }
            Ok(p) => {
                let got = p.signature.as_deref().map(|_| findings(&p)).unwrap_or_default();
                assert!(!got.is_empty(), "flip at {at} outside the signature passed unnoticed");
                refused += 1;
            }
        }
    }
    assert!(
        errors > 0 && refused > 100 && same > 0,
        "{errors} errors, {refused} refused, {same} same"
    );
}

/// The verifier the manifest's verdicts are stated for: its trust files, Windows' policy.
fn verifier(m: &Value) -> authverify::Verifier {
    let trust: Vec<String> = m["trust"]
        .as_array()
        .expect("trust")
        .iter()
        .map(|t| t.as_str().expect("trust file").to_string())
        .collect();
    authverify::Verifier::new(common::anchors(&trust), authverify::Policy::windows())
}

/// The `appx.*` rules refused in a report, sorted (the manifest names them per vector).
fn appx_rules(report: &authverify::FileReport) -> Vec<String> {
    let mut rules: Vec<String> = report
        .signatures
        .iter()
        .flat_map(|s| &s.notes)
        .filter(|f| f.effect == authverify::Effect::Refusal && f.rule.as_str().starts_with("appx."))
        .map(|f| f.rule.as_str().to_string())
        .collect();
    rules.sort();
    rules.dedup();
    rules
}

#[test]
fn every_vector_gets_its_manifest_verdict_through_the_verifier() {
    let m = manifest();
    let at = common::time(m["evaluated_at"].as_str().expect("evaluated_at"));
    let verifier = verifier(&m);
    let mut checked = 0;
    for v in m["vectors"].as_array().expect("vectors") {
        let file = v["file"].as_str().expect("file");
        let path = dir().join(file);
        let report = verifier
            .verify_path(&path, at)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let streamed = verifier
            .verify_reader(&mut std::fs::File::open(&path).expect("open"), at)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(report, streamed, "{file}: verify_path and verify_reader differ");
        assert_eq!(report.format.as_str(), "appx", "{file}");
        assert_eq!(report.status.as_str(), v["status"].as_str().expect("status"), "{file}");
        let mut want: Vec<String> = v["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .map(|r| r.as_str().expect("rule").to_string())
            .collect();
        want.sort();
        assert_eq!(appx_rules(&report), want, "{file}");
        if let Some(s) = report.signatures.first() {
            // The digests reported: the signed blob, and the one the package as it is
            // carries; equal exactly when every content check holds.
            assert!(s.signed_digest.is_some() && s.computed_digest.is_some(), "{file}");
            if v["status"] == "valid" {
                assert_eq!(s.signed_digest, s.computed_digest, "{file}");
                assert!(s.digest_matches, "{file}");
            }
            assert_eq!(s.digest_matches, want.is_empty(), "{file}");
        }
        checked += 1;
    }
    assert!(checked >= 13, "{checked} vectors");
}

#[test]
fn a_bundle_reports_its_packages_verdicts() {
    let m = manifest();
    let at = common::time(m["evaluated_at"].as_str().expect("evaluated_at"));
    let report = verifier(&m)
        .verify_path(&dir().join("signed.msixbundle"), at)
        .expect("verified");
    let inner: Vec<&authverify::Finding> = report.signatures[0]
        .notes
        .iter()
        .filter(|f| f.rule.as_str() == "appx.inner_package")
        .collect();
    assert_eq!(inner.len(), 1, "{:?}", report.signatures[0].notes);
    assert_eq!(inner[0].effect, authverify::Effect::Information);
    assert!(inner[0].detail.ends_with(": valid"), "{}", inner[0].detail);
}

#[test]
fn a_bundle_holding_an_invalid_package_is_invalid() {
    // A payload byte of the bundle's package flipped, and the bundle re-signed as it is
    // would need the signing tool; instead the package's own signature is broken in place
    // and the bundle's digests no longer match either. What matters: the inner package is
    // verified on its own and its verdict is a refusal of the bundle.
    let m = manifest();
    let at = common::time(m["evaluated_at"].as_str().expect("evaluated_at"));
    let mut bytes = read("signed.msixbundle");
    let bundle = AppxPackage::parse(&bytes).expect("parsed");
    let inner = &bundle.inner[0].package;
    let member = inner.archive.member("Assets/data.bin").expect("a payload member");
    let at_inner = member.data.as_ptr() as usize - bytes.as_ptr() as usize;
    drop(bundle);
    bytes[at_inner] ^= 0x01;
    let report = verifier(&m).verify_bytes(&bytes, at).expect("verified");
    assert_eq!(report.status.as_str(), "invalid");
    let refusal = report.signatures[0]
        .notes
        .iter()
        .find(|f| f.rule.as_str() == "appx.inner_package")
        .expect("the package's verdict");
    assert_eq!(refusal.effect, authverify::Effect::Refusal);
    assert!(
        refusal.detail.contains("invalid") && refusal.detail.contains("appx."),
        "{}",
        refusal.detail
    );
}

#[test]
fn hostile_archives_are_file_appx_errors_through_the_verifier() {
    let m = manifest();
    let at = common::time(m["evaluated_at"].as_str().expect("evaluated_at"));
    let verifier = verifier(&m);
    for v in m["hostile"].as_array().expect("hostile") {
        let file = v["file"].as_str().expect("file");
        let err = verifier.verify_path(&dir().join(file), at).expect_err(file);
        assert_eq!(err.rule(), "file.appx", "{file}: {err}");
    }
}

#[test]
fn a_large_package_is_read_whole_by_verify_reader() {
    // Above READ_WHOLE_LIMIT a package is read in parts (its headers and directory held,
    // its records fed); one the parts cannot judge is read whole, never judged as a PE image
    // (`file.image`). 9 MiB between the last member and the central directory (its offset
    // moved to match) make signed.msix that large; the ZIP reader refuses the gap (bytes
    // outside every record), the same way both ways.
    let m = manifest();
    let at = common::time(m["evaluated_at"].as_str().expect("evaluated_at"));
    let verifier = verifier(&m);
    let bytes = read("signed.msix");
    let eocd = bytes.windows(4).rposition(|w| w == b"PK\x05\x06").expect("end record");
    let cd = u32::from_le_bytes(bytes[eocd + 16..eocd + 20].try_into().expect("4 bytes")) as usize;
    let filler = 9 << 20;
    let mut big = bytes[..cd].to_vec();
    big.resize(cd + filler, 0);
    big.extend_from_slice(&bytes[cd..]);
    let eocd = eocd + filler;
    big[eocd + 16..eocd + 20].copy_from_slice(&u32::try_from(cd + filler).expect("fits").to_le_bytes());
    assert!(big.len() as u64 > authverify::READ_WHOLE_LIMIT);
    let whole = verifier.verify_bytes(&big, at);
    let read = verifier.verify_reader(&mut std::io::Cursor::new(&big), at);
    assert_eq!(whole, read);
    let err = read.expect_err("a gap before the central directory");
    assert_eq!(err.rule(), "file.appx", "{err}");
}

/// A package above READ_WHOLE_LIMIT built like the vectors (scripts/make-appx-vectors.py's
/// `package`, with its payload replaced by a 9 MiB stored member of random bytes and 3 MiB
/// of text deflated, so that both cross many reads and blocks), signed by osslsigncode, and
/// osslsigncode's verdict and per-part digests of it. `streamed`: written as a streaming
/// packer does (data descriptors, ZIP64 end records). `None`, skipped visibly, without
/// osslsigncode.
fn large_package(test: &str, streamed: bool) -> Option<(Vec<u8>, Value)> {
    if std::process::Command::new("osslsigncode")
        .arg("--version")
        .output()
        .is_err()
    {
        common::skip(test, "osslsigncode");
        return None;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let code = r#"
import importlib.util, json, pathlib, random, sys, zipfile
spec = importlib.util.spec_from_file_location("appx", "scripts/make-appx-vectors.py")
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
rng = random.Random(32)
big = rng.randbytes(9 << 20)
text = b"".join(b"line %08d of a large text file in the package\r\n" % i for i in range(60000))
m.payload = lambda: [("Assets/big.bin", big, zipfile.ZIP_STORED),
                     ("Assets/notes.txt", text, zipfile.ZIP_DEFLATED)]
out = pathlib.Path(sys.argv[1])
m.package(out / "u.msix", streamed=sys.argv[2] == "1")
m.sign(out / "u.msix", out / "big.msix")
ok, digests = m.oracle(out / "big.msix")
print(json.dumps({"ok": ok, "digests": digests}))
"#;
    let out = std::process::Command::new("python3")
        .current_dir(common::vectors_dir().join(".."))
        .args([
            "-c",
            code,
            tmp.path().to_str().expect("utf-8"),
            if streamed { "1" } else { "0" },
        ])
        .output()
        .expect("python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let oracle: Value = serde_json::from_slice(&out.stdout).expect("the oracle's JSON");
    let bytes = std::fs::read(tmp.path().join("big.msix")).expect("the signed package");
    assert!(bytes.len() as u64 > authverify::READ_WHOLE_LIMIT);
    Some((bytes, oracle))
}

/// Where `member`'s stored data lies in `bytes`.
fn data_range(bytes: &[u8], member: &str) -> std::ops::Range<usize> {
    let pkg = AppxPackage::parse(bytes).expect("parsed");
    let m = pkg.archive.member(member).expect("the member");
    let start = m.data.as_ptr() as usize - bytes.as_ptr() as usize;
    start..start + m.data.len()
}

#[test]
fn a_large_package_read_in_parts_gets_the_report_of_its_bytes() {
    let m = manifest();
    let at = common::time(m["evaluated_at"].as_str().expect("evaluated_at"));
    let verifier = verifier(&m);
    for streamed in [false, true] {
        let Some((bytes, oracle)) =
            large_package("a_large_package_read_in_parts_gets_the_report_of_its_bytes", streamed)
        else {
            return;
        };
        // Our digest of every part is osslsigncode's, which also judges the package valid.
        assert_eq!(oracle["ok"], true, "{oracle}");
        let pkg = AppxPackage::parse(&bytes).expect("parsed");
        for (part, digest) in &pkg.computed {
            assert_eq!(
                oracle["digests"][tag(*part)].as_str(),
                Some(hex::encode(digest).as_str()),
                "{}",
                tag(*part)
            );
        }
        assert!(pkg.block_map_problems.is_empty(), "{:?}", pkg.block_map_problems);
        drop(pkg);
        let whole = verifier.verify_bytes(&bytes, at).expect("verified");
        assert_eq!(whole.status.as_str(), "valid", "{whole:?}");
        let read = verifier
            .verify_reader(&mut std::io::Cursor::new(&bytes), at)
            .expect("verified");
        assert_eq!(read, whole, "streamed {streamed}");
        // One byte of each member's data changed: the block map and the package digest
        // (AXPC) no longer hold, or the deflate stream breaks; the same either way it is read.
        for (member, rules) in [
            ("Assets/big.bin", Some(["appx.block_map", "appx.digest_mismatch"])),
            ("Assets/notes.txt", None),
        ] {
            let mut copy = bytes.clone();
            let data = data_range(&bytes, member);
            copy[data.start + data.len() * 2 / 3] ^= 0x01;
            let whole = verifier.verify_bytes(&copy, at);
            let read = verifier.verify_reader(&mut std::io::Cursor::new(&copy), at);
            assert_eq!(read, whole, "{member}, streamed {streamed}");
            match (rules, whole) {
                (Some(rules), Ok(report)) => {
                    assert_eq!(report.status.as_str(), "invalid", "{member}");
                    assert_eq!(appx_rules(&report), rules, "{member}");
                }
                (None, Ok(report)) => assert_eq!(report.status.as_str(), "invalid", "{member}"),
                (None, Err(e)) => assert_eq!(e.rule(), "file.appx", "{member}: {e}"),
                (Some(_), Err(e)) => panic!("{member}: {e}"),
            }
        }
    }
}

#[test]
fn a_large_package_changed_while_read_is_reported_changed() {
    let m = manifest();
    let at = common::time(m["evaluated_at"].as_str().expect("evaluated_at"));
    let verifier = verifier(&m);
    let Some((bytes, _)) = large_package("a_large_package_changed_while_read_is_reported_changed", false) else {
        return;
    };
    let eocd = bytes.windows(4).rposition(|w| w == b"PK\x05\x06").expect("end record");
    let changing = |after: u64, change: common::Change| common::changing(&bytes, after, change);
    // The central directory rewritten once the members are being read: what was parsed is
    // no longer there (the directory is read first, and again at the end).
    let mut r = changing(4 << 20, Box::new(move |f| f[eocd - 10] ^= 0xff));
    match verifier.verify_reader(&mut r, at) {
        Err(authverify::Error::Changed { detail }) => assert!(detail.contains("differ"), "{detail}"),
        other => panic!("a rewritten directory: {:?}", other.map(|r| r.status)),
    }
    // Truncated in the middle of the members.
    let mut r = changing(4 << 20, Box::new(|f| f.truncate(5 << 20)));
    assert!(
        matches!(
            verifier.verify_reader(&mut r, at),
            Err(authverify::Error::Changed { .. })
        ),
        "a truncated package"
    );
    // A member's byte changed after its block was read: the verdict is on the bytes read,
    // the held parts are unchanged, and the one read gave both digests the same bytes.
    let big = data_range(&bytes, "Assets/big.bin").start;
    let mut r = changing(8 << 20, Box::new(move |f| f[big + 100] ^= 0x01));
    let report = verifier.verify_reader(&mut r, at).expect("verified");
    assert_eq!(report.status.as_str(), "valid", "{report:?}");
}

#[test]
fn a_large_package_read_in_parts_is_found_in_a_catalog_by_its_bytes() {
    // With catalogs, a package is looked up by the hash of its bytes (the flat-file SIP):
    // read in parts, those bytes come through the reader too, and give the same report.
    use authverify_testgen::catalogs::{signed_catalog, Hash, Listed, Member};
    let m = manifest();
    let at = common::time(m["evaluated_at"].as_str().expect("evaluated_at"));
    let Some((bytes, _)) = large_package(
        "a_large_package_read_in_parts_is_found_in_a_catalog_by_its_bytes",
        false,
    ) else {
        return;
    };
    let catalog = signed_catalog(
        &[Member {
            name: "big.msix".into(),
            listed: Listed::Flat,
            digest: DigestAlgorithm::Sha256.hash(&bytes),
        }],
        Hash::Sha256,
    );
    let plain = verifier(&m);
    let mut index = authverify::CatalogIndex::new();
    index.add("big.cat", &catalog, &plain, at).expect("catalog indexed");
    let v = verifier(&m).with_catalogs(std::sync::Arc::new(index));
    let whole = v.verify_bytes(&bytes, at).expect("verified");
    let read = v
        .verify_reader(&mut std::io::Cursor::new(&bytes), at)
        .expect("verified");
    assert_eq!(read, whole);
    assert_eq!(whole.status.as_str(), "valid", "{:?}", whole.notes);
    assert!(
        whole
            .signatures
            .iter()
            .any(|s| s.kind == authverify::SignatureKind::Catalog),
        "{:?}",
        whole.signatures
    );
    // One byte changed: no longer listed, the same both ways.
    let mut copy = bytes.clone();
    let data = data_range(&bytes, "Assets/big.bin");
    copy[data.start + 12345] ^= 0x01;
    let whole = v.verify_bytes(&copy, at).expect("verified");
    let read = v.verify_reader(&mut std::io::Cursor::new(&copy), at).expect("verified");
    assert_eq!(read, whole);
    assert!(
        !whole
            .signatures
            .iter()
            .any(|s| s.kind == authverify::SignatureKind::Catalog),
        "{:?}",
        whole.signatures
    );
}

/// A bundle above READ_WHOLE_LIMIT built like signed.msixbundle (scripts/make-appx-vectors.py's
/// `bundle_of`, with two packages): each package holds 5 MiB of random bytes stored and text
/// deflated, is signed by osslsigncode, and both are stored in the bundle at the offsets its
/// manifest gives, which osslsigncode signs with the bundle SIP. Also the same bundle,
/// unsigned, with its first package deflated (which the parts cannot locate). With
/// osslsigncode's verdict on the signed bundle; `None`, skipped visibly, without it.
fn large_bundle(test: &str) -> Option<(Vec<u8>, Vec<u8>, bool)> {
    if std::process::Command::new("osslsigncode")
        .arg("--version")
        .output()
        .is_err()
    {
        common::skip(test, "osslsigncode");
        return None;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let code = r#"
import importlib.util, json, pathlib, random, sys, zipfile
spec = importlib.util.spec_from_file_location("appx", "scripts/make-appx-vectors.py")
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
out = pathlib.Path(sys.argv[1])
rng = random.Random(32)
names = []
for arch in ("x64", "x86"):
    big = rng.randbytes(5 << 20)
    text = b"".join(b"line %08d of the %s package\r\n" % (i, arch.encode()) for i in range(30000))
    m.payload = lambda big=big, text=text: [("Assets/big.bin", big, zipfile.ZIP_STORED),
                                            ("Assets/notes.txt", text, zipfile.ZIP_DEFLATED)]
    m.package(out / ("u-%s.msix" % arch))
    name = "Authverify.TestPackage_1.0.0.0_%s.msix" % arch
    m.sign(out / ("u-%s.msix" % arch), out / name)
    names.append((name, out / name, arch))

m.bundle_of(out / "u.msixbundle", names)
m.sign(out / "u.msixbundle", out / "big.msixbundle")
m.bundle_of(out / "deflated.msixbundle", names, zipfile.ZIP_DEFLATED)
ok, _ = m.oracle(out / "big.msixbundle")
print(json.dumps({"ok": ok}))
"#;
    let out = std::process::Command::new("python3")
        .current_dir(common::vectors_dir().join(".."))
        .args(["-c", code, tmp.path().to_str().expect("utf-8")])
        .output()
        .expect("python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let oracle: Value = serde_json::from_slice(&out.stdout).expect("the oracle's JSON");
    let bytes = std::fs::read(tmp.path().join("big.msixbundle")).expect("the signed bundle");
    let deflated = std::fs::read(tmp.path().join("deflated.msixbundle")).expect("the deflated bundle");
    assert!(bytes.len() as u64 > authverify::READ_WHOLE_LIMIT);
    assert!(deflated.len() as u64 > authverify::READ_WHOLE_LIMIT);
    Some((bytes, deflated, oracle["ok"] == true))
}

/// Where `member`'s stored data lies in `bytes`, in the bundle's package `package` (its
/// index in the bundle manifest).
fn inner_data_range(bytes: &[u8], package: usize, member: &str) -> std::ops::Range<usize> {
    let bundle = AppxPackage::parse(bytes).expect("parsed");
    let m = bundle.inner[package]
        .package
        .archive
        .member(member)
        .expect("the member");
    let start = m.data.as_ptr() as usize - bytes.as_ptr() as usize;
    start..start + m.data.len()
}

/// The bundle's verdict read in parts (by `verify_reader` and by name) and read whole.
fn both_ways(
    verifier: &authverify::Verifier,
    bytes: &[u8],
    at: authverify::UnixTime,
) -> Result<authverify::FileReport, authverify::Error> {
    let name = "big.msixbundle";
    let whole = verifier.verify_bytes_named(bytes, name, at);
    let read = verifier.verify_reader(&mut std::io::Cursor::new(bytes), at);
    assert_eq!(read, whole, "verify_reader and verify_bytes_named differ");
    let named = verifier.verify_reader_named(&mut std::io::Cursor::new(bytes), name, at);
    assert_eq!(named, whole, "verify_reader_named and verify_bytes_named differ");
    whole
}

#[test]
fn a_large_bundle_read_in_parts_gets_the_report_of_its_bytes() {
    let m = manifest();
    let at = common::time(m["evaluated_at"].as_str().expect("evaluated_at"));
    let verifier = verifier(&m);
    let Some((bytes, deflated, ok)) = large_bundle("a_large_bundle_read_in_parts_gets_the_report_of_its_bytes") else {
        return;
    };
    assert!(ok, "osslsigncode does not verify the bundle");
    let report = both_ways(&verifier, &bytes, at).expect("verified");
    assert_eq!(report.status.as_str(), "valid", "{report:?}");
    let inner: Vec<&authverify::Finding> = report.signatures[0]
        .notes
        .iter()
        .filter(|f| f.rule.as_str() == "appx.inner_package")
        .collect();
    assert_eq!(inner.len(), 2, "{:?}", report.signatures[0].notes);
    assert!(inner
        .iter()
        .all(|f| f.effect == authverify::Effect::Information && f.detail.ends_with(": valid")));

    // One byte of the second package's stored payload changed: that package's block map
    // and digest fail (its verdict refuses the bundle), and so do the bundle's.
    let mut copy = bytes.clone();
    let data = inner_data_range(&bytes, 1, "Assets/big.bin");
    copy[data.start + data.len() / 2] ^= 0x01;
    let report = both_ways(&verifier, &copy, at).expect("verified");
    assert_eq!(report.status.as_str(), "invalid");
    assert_eq!(
        appx_rules(&report),
        ["appx.block_map", "appx.digest_mismatch", "appx.inner_package"]
    );
    let refusal = report.signatures[0]
        .notes
        .iter()
        .find(|f| f.rule.as_str() == "appx.inner_package" && f.effect == authverify::Effect::Refusal)
        .expect("the package's refusal");
    assert!(refusal.detail.contains("_x86.msix: invalid"), "{}", refusal.detail);

    // A byte of the bundle manifest (deflated) changed: whatever it breaks, the same both
    // ways, and never valid.
    let mut copy = bytes.clone();
    let data = data_range(&bytes, "AppxMetadata/AppxBundleManifest.xml");
    copy[data.start + data.len() / 2] ^= 0x01;
    match both_ways(&verifier, &copy, at) {
        Ok(report) => assert_eq!(report.status.as_str(), "invalid", "{report:?}"),
        Err(e) => assert_eq!(e.rule(), "file.appx", "{e}"),
    }

    // The first package's end record broken: its parts do not read, so the bundle is read
    // whole, and the parse names the fault the same both ways.
    let bundle = AppxPackage::parse(&bytes).expect("parsed");
    let first = bundle.inner[0].package.archive.bytes;
    let end = first.as_ptr() as usize - bytes.as_ptr() as usize + first.len();
    drop(bundle);
    let mut copy = bytes.clone();
    assert_eq!(&copy[end - 22..end - 18], b"PK\x05\x06");
    copy[end - 22] ^= 0xff;
    let err = both_ways(&verifier, &copy, at).expect_err("a package without its end record");
    assert_eq!(err.rule(), "file.appx", "{err}");

    // A package stored deflated: the parts cannot locate it, and the whole file names why.
    let err = both_ways(&verifier, &deflated, at).expect_err("a deflated package");
    assert!(err.to_string().contains("stored deflated"), "{err}");
}

#[test]
fn a_large_bundle_changed_while_read_is_reported_changed() {
    let m = manifest();
    let at = common::time(m["evaluated_at"].as_str().expect("evaluated_at"));
    let verifier = verifier(&m);
    let Some((bytes, _, _)) = large_bundle("a_large_bundle_changed_while_read_is_reported_changed") else {
        return;
    };
    let changed = |mut r: common::Changing, what: &str, detail: &str| match verifier.verify_reader(&mut r, at) {
        Err(authverify::Error::Changed { detail: d }) => assert!(d.contains(detail), "{what}: {d}"),
        other => panic!("{what}: {:?}", other.map(|r| r.status)),
    };
    // The bundle's directory rewritten once its records are being read.
    let eocd = bytes.windows(4).rposition(|w| w == b"PK\x05\x06").expect("end record");
    changed(
        common::changing(&bytes, 4 << 20, move |f| f[eocd - 10] ^= 0xff),
        "a rewritten directory",
        "differ",
    );
    // Truncated in the middle of the first package.
    changed(
        common::changing(&bytes, 4 << 20, |f| f.truncate(3 << 20)),
        "a truncated bundle",
        "ended",
    );
    // A byte of the first package's payload changed once the bundle's records have read
    // it, before the package's own read: the bundle would be judged on one version and its
    // package on another.
    let data = inner_data_range(&bytes, 0, "Assets/big.bin");
    let flip = data.start + 1000;
    changed(
        common::changing(&bytes, bytes.len() as u64, move |f| f[flip] ^= 0x01),
        "a package changed between its reads",
        "differ between its reads",
    );
    // The same file unchanged, through the same reader: valid.
    let report = verifier
        .verify_reader(&mut common::changing(&bytes, u64::MAX, |_| {}), at)
        .expect("verified");
    assert_eq!(report.status.as_str(), "valid");
}

#[test]
fn a_large_bundle_with_a_structure_byte_flipped_gets_the_same_report_both_ways() {
    // What the parts path holds and parses itself (the bundle's directory and its packages'
    // local headers, each package's directory and its members' local headers): a byte of
    // each flipped, at a few places per structure, must give the report (or error) of the
    // bytes read whole, whichever path the reader then takes.
    let m = manifest();
    let at = common::time(m["evaluated_at"].as_str().expect("evaluated_at"));
    let verifier = verifier(&m);
    let Some((bytes, _, _)) =
        large_bundle("a_large_bundle_with_a_structure_byte_flipped_gets_the_same_report_both_ways")
    else {
        return;
    };
    let mut regions: Vec<std::ops::Range<usize>> = Vec::new();
    {
        let bundle = AppxPackage::parse(&bytes).expect("parsed");
        regions.push(bundle.archive.central_directory.clone());
        regions.push(bundle.archive.end.start..bytes.len());
        for member in &bundle.archive.members {
            regions.push(member.record.start..member.record.start + member.local_header_len);
        }
        for inner in &bundle.inner {
            let archive = &inner.package.archive;
            let base = archive.bytes.as_ptr() as usize - bytes.as_ptr() as usize;
            let shift = |r: &std::ops::Range<usize>| base + r.start..base + r.end;
            regions.push(shift(&archive.central_directory));
            regions.push(base + archive.end.start..base + archive.bytes.len());
            for member in &archive.members {
                regions.push(shift(
                    &(member.record.start..member.record.start + member.local_header_len),
                ));
            }
        }
    }
    let (mut checked, mut caught) = (0, 0);
    for region in regions {
        let len = region.len();
        for k in 0..3 {
            let at_byte = region.start + (len * (2 * k + 1)) / 6;
            let mut copy = bytes.clone();
            copy[at_byte] ^= 0x5a;
            // `both_ways` asserts the reports are equal; the verdict is whatever the flip
            // makes it (a byte of AppxSignature.p7x's local header is outside every digest,
            // as the format has it).
            match both_ways(&verifier, &copy, at) {
                Ok(report) if report.status.as_str() == "valid" => {}
                Ok(_) => caught += 1,
                Err(e) => {
                    assert!(e.rule().starts_with("file."), "byte {at_byte:#x}: {e}");
                    caught += 1;
                }
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 40 && caught * 10 >= checked * 9,
        "{caught} of {checked} flips caught"
    );
}
