//! Issue 17: catalog files (test-vectors/catalogs/, written by authverify-testgen): each
//! catalog's own signature gets the verdict its construction implies, its members are read
//! with the hashes of the files they describe (computed here, independently, for the flat
//! ones), a file changed after cataloguing is no longer listed, and osslsigncode agrees on
//! the catalogs and on the PE member's digest. Crafted catalogs end in typed results.

mod common;

use std::process::Command;

use authverify::catalog::{Catalog, MemberKind};
use authverify::{DigestAlgorithm, Error, FileFormat, FileStatus, PeImage, Policy, Verifier};
use authverify_testgen::manifest::CatalogsManifest;

fn dir() -> std::path::PathBuf {
    common::vectors_dir().join("catalogs")
}

fn manifest() -> CatalogsManifest {
    common::manifest::read(&dir().join("manifest.json")).expect("catalogs manifest")
}

fn verifier(m: &CatalogsManifest) -> Verifier {
    Verifier::new(common::anchors(&m.trust), Policy::windows())
}

/// A file's hash as a catalog lists it: the Authenticode digest of a PE image, else the
/// hash of its bytes.
fn member_hash(bytes: &[u8], kind: &str, alg: DigestAlgorithm) -> Vec<u8> {
    match kind {
        "pe" => PeImage::parse(bytes).expect("PE").authenticode_digests(&[alg])[0]
            .1
            .clone(),
        _ => alg.hash(bytes),
    }
}

#[test]
fn every_catalog_gets_its_built_verdict_and_member_count() {
    let m = manifest();
    let at = common::time(&m.evaluated_at);
    let v = verifier(&m);
    assert!(m.catalogs.len() >= 4);
    for c in &m.catalogs {
        let r = v.verify_path(&dir().join(&c.file), at).expect("verified");
        assert_eq!(r.status.as_str(), c.status.as_str(), "{}: {:?}", c.file, r.notes);
        assert_eq!(r.format, FileFormat::Catalog, "{}", c.file);
        let summary = r.catalog.as_ref().expect("catalog summary");
        assert_eq!(summary.members, c.members, "{}", c.file);
        assert_eq!(summary.unreadable_members, 0, "{}", c.file);
    }
}

#[test]
fn members_carry_the_hashes_of_the_files_they_list() {
    let m = manifest();
    let mut found = 0;
    for c in m
        .catalogs
        .iter()
        .filter(|c| c.status != common::manifest::Status::Invalid)
    {
        let catalog = Catalog::parse(&std::fs::read(dir().join(&c.file)).expect("read")).expect("parse");
        let alg = catalog.members[0].digest_algorithm;
        for f in &m.files {
            let bytes = std::fs::read(dir().join(&f.file)).expect("member file");
            let hash = member_hash(&bytes, &f.kind, alg);
            let listed: Vec<_> = catalog.members_with(alg, &hash).collect();
            let listed_by_manifest = f.catalogs.contains(&c.file) || c.file == "unsigned.cat";
            assert_eq!(
                !listed.is_empty(),
                listed_by_manifest && !f.catalogs.is_empty(),
                "{} in {}",
                f.file,
                c.file
            );
            for member in listed {
                // The tag is the hash in hexadecimal; the name is the file's.
                assert_eq!(member.tag, hex::encode_upper(&hash));
                let name = f.file.rsplit('/').next().expect("name");
                assert_eq!(member.file_name.as_deref(), Some(name));
                assert_eq!(member.os_attributes.as_deref(), Some("2:6.1,2:6.2,2:6.3,2:10.0"));
                assert_eq!(
                    member.kind,
                    if f.kind == "pe" {
                        MemberKind::Pe
                    } else {
                        MemberKind::Flat
                    }
                );
                found += 1;
            }
        }
    }
    assert!(found >= 9, "{found} members matched");
}

#[test]
fn osslsigncode_agrees_on_catalogs_and_the_pe_members_digest() {
    if Command::new("osslsigncode").arg("--version").output().is_err() {
        return common::skip(
            "osslsigncode_agrees_on_catalogs_and_the_pe_members_digest",
            "osslsigncode",
        );
    }
    let m = manifest();
    let verify = |args: &[&std::ffi::OsStr]| {
        let out = Command::new("osslsigncode")
            .args(["verify", "-time", "1780272000", "-CAfile"])
            .arg(common::vectors_dir().join("pki/root.pem"))
            .args(args)
            .output()
            .expect("osslsigncode");
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    for c in &m.catalogs {
        let (ok, _) = verify(&["-in".as_ref(), dir().join(&c.file).as_os_str()]);
        assert_eq!(ok, c.status == common::manifest::Status::Valid, "{}", c.file);
    }
    // osslsigncode signs the unsigned catalog testgen wrote: we find it valid.
    let signed = std::env::temp_dir().join(format!("authverify-signed-{}.cat", std::process::id()));
    let status = Command::new("osslsigncode")
        .args(["sign", "-time", "1767225600", "-certs"])
        .arg(common::vectors_dir().join("pki/signer-chain.pem"))
        .arg("-key")
        .arg(common::repo_root().join("crates/authverify-testgen/keys/leaf-rsa2048.pem"))
        .arg("-in")
        .arg(dir().join("unsigned.cat"))
        .arg("-out")
        .arg(&signed)
        .output()
        .expect("osslsigncode sign");
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let r = verifier(&m)
        .verify_path(&signed, common::time(&m.evaluated_at))
        .expect("verify");
    std::fs::remove_file(&signed).expect("cleanup");
    assert_eq!(r.status, FileStatus::Valid, "{:?}", r.notes);
    assert_eq!(r.catalog.as_ref().map(|c| c.members), Some(3));
    // osslsigncode looks PE, MSI and CAB files up in a catalog (not flat files).
    let sys = dir().join("driver/driver.sys");
    let (ok, out) = verify(&[
        "-catalog".as_ref(),
        dir().join("driver.cat").as_os_str(),
        "-in".as_ref(),
        sys.as_os_str(),
    ]);
    assert!(ok, "{out}");
    let ours = hex::encode_upper(member_hash(
        &std::fs::read(&sys).expect("read"),
        "pe",
        DigestAlgorithm::Sha1,
    ));
    assert!(out.contains(&format!("Calculated message digest : {ours}")), "{out}");
}

#[test]
fn crafted_catalogs_get_typed_results() {
    let m = manifest();
    let at = common::time(&m.evaluated_at);
    let v = verifier(&m);
    let good = std::fs::read(dir().join("driver.cat")).expect("read");
    let mut cases = 0;
    for cut in (1..good.len()).step_by(11) {
        let _ = Catalog::parse(&good[..cut]);
        match v.verify_bytes(&good[..cut], at) {
            Ok(r) => assert_ne!(r.status, FileStatus::Valid),
            Err(e) => assert!(matches!(e, Error::Image(_) | Error::Catalog(_)), "{e}"),
        }
        cases += 1;
    }
    // Every byte of a catalog is signed content, signer information or a certificate on
    // the signer's path (the generator writes nothing else), so a flipped byte leaves it
    // valid only where nothing is signed and nothing decides: SignedData's version,
    // its digestAlgorithms set (noted, `signature.digest_algorithm_set`) and the
    // parameters of the SignerInfo's signature algorithm (read by OID; docs/conformance.md).
    // Found by their encodings, as the generator wrote them (SHA-256, RSA).
    let find = |pattern: &[u8], after: &[u8]| -> std::ops::Range<usize> {
        let whole = [pattern, after].concat();
        let at = good
            .windows(whole.len())
            .position(|w| w == whole.as_slice())
            .expect("the generator's encoding");
        at..at + pattern.len()
    };
    let version = find(&[0x02, 0x01, 0x01], &[0x31, 0x0f]).end - 1;
    let sha256 = [
        0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
    ];
    let digest_set = find(&[&[0x31, 0x0f, 0x30, 0x0d][..], &sha256].concat(), &[]);
    let rsa = [
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
    ];
    let rsa_params = find(&[&rsa[..], &[0x05, 0x00]].concat(), &[0x04, 0x82]);
    let rsa_params = rsa_params.end - 2..rsa_params.end;
    let mut outcomes = [0usize; 2];
    for i in (0..good.len()).step_by(5) {
        let mut b = good.clone();
        b[i] ^= 0x41;
        let parsed = Catalog::parse(&b);
        match v.verify_bytes(&b, at) {
            Ok(r) if r.status == FileStatus::Valid => {
                let noted = |rule| r.signatures[0].notes.iter().any(|n| n.rule == rule);
                assert!(
                    i == version
                        || rsa_params.contains(&i)
                        || (digest_set.contains(&i) && noted(authverify::Rule::DigestAlgorithmSet)),
                    "byte {i} ^ 0x41 left the catalog valid"
                );
                outcomes[0] += 1;
            }
            Ok(_) => outcomes[0] += 1,
            Err(e) => {
                assert!(matches!(e, Error::Image(_) | Error::Catalog(_)), "byte {i}: {e:?}");
                assert!(parsed.is_err() || i < 2, "byte {i}: the catalog parses, but {e}");
                outcomes[1] += 1;
            }
        }
        cases += 1;
    }
    assert!(outcomes.iter().all(|&n| n > 0), "reports/errors: {outcomes:?}");
    assert!(cases > 200, "{cases}");
}

/// A verifier with every catalog of the manifest indexed, over `trust`.
fn with_catalogs(m: &CatalogsManifest, trust: authverify::TrustStore) -> Verifier {
    let plain = Verifier::new(trust, Policy::windows());
    let files = m.catalogs.iter().map(|c| c.file.as_str());
    common::with_catalogs(plain, &dir(), files, common::time(&m.evaluated_at))
}

#[test]
fn a_folder_of_driver_files_verifies_through_its_catalogs() {
    // Issue 17: every file the catalogs list (a PE image by its Authenticode digest, the
    // others by their flat hash) is valid through them, each valid or broken catalog that
    // lists it reported as a signature of kind `catalog`; the file changed after
    // cataloguing is listed by none and stays unsigned.
    let m = manifest();
    let at = common::time(&m.evaluated_at);
    let v = with_catalogs(&m, common::anchors(&m.trust));
    // How many signed catalogs list each hash, read from the catalogs themselves.
    let signed: Vec<Catalog> = m
        .catalogs
        .iter()
        .filter(|c| c.status != common::manifest::Status::Unsigned)
        .map(|c| Catalog::parse(&std::fs::read(dir().join(&c.file)).expect("read")).expect("parse"))
        .collect();
    let listing = |bytes: &[u8], kind: &str| {
        signed
            .iter()
            .filter(|c| {
                let alg = c.members[0].digest_algorithm;
                c.members_with(alg, &member_hash(bytes, kind, alg)).next().is_some()
            })
            .count()
    };
    for f in &m.files {
        let r = v.verify_path(&dir().join(&f.file), at).expect("verified");
        let from_catalogs: Vec<_> = r
            .signatures
            .iter()
            .filter(|s| s.kind == authverify::SignatureKind::Catalog)
            .collect();
        if f.catalogs.is_empty() {
            assert_eq!(r.status, FileStatus::Unsigned, "{}", f.file);
            assert!(from_catalogs.is_empty(), "{}", f.file);
            continue;
        }
        assert_eq!(r.status, FileStatus::Valid, "{}: {:?}", f.file, r.notes);
        let bytes = std::fs::read(dir().join(&f.file)).expect("read");
        assert_eq!(
            from_catalogs.len(),
            listing(&bytes, &f.kind),
            "{}: one entry per signed catalog listing it",
            f.file
        );
        for s in &from_catalogs {
            let member = s.catalog.as_ref().expect("member");
            assert_eq!(s.signed_digest, s.computed_digest);
            assert_eq!(
                member.member,
                s.computed_digest.as_deref().unwrap_or_default().to_uppercase()
            );
            let broken = member.path == "signature-broken.cat" || member.path == "member-hash-changed.cat";
            assert_eq!(s.status == FileStatus::Valid, !broken, "{} via {}", f.file, member.path);
        }
        let expected_format = if f.kind == "pe" {
            FileFormat::Pe
        } else {
            FileFormat::Flat
        };
        assert_eq!(r.format, expected_format, "{}", f.file);
        assert!(r.notes.iter().any(|n| n.rule == authverify::Rule::CatalogListed));
    }
}

#[test]
fn a_catalog_whose_root_is_missing_names_it_for_the_files_it_lists() {
    // The catalogs are the files' only signatures: with nothing trusted, their chains do
    // not close, the files are untrusted, and what to install is what the catalogs lack.
    let m = manifest();
    let at = common::time(&m.evaluated_at);
    let v = with_catalogs(&m, authverify::TrustStore::new());
    let r = v.verify_path(&dir().join("driver/driver.inf"), at).expect("verified");
    assert_eq!(r.status, FileStatus::Untrusted, "{:?}", r.notes);
    assert!(!r.missing.is_empty(), "names what is missing");
    assert!(r.missing.iter().all(|mc| mc
        .needed_by
        .iter()
        .all(|n| r.signatures[n.signature].kind == authverify::SignatureKind::Catalog)));
    // Without catalogs, a flat file is not a format authverify reads.
    let plain = Verifier::new(common::anchors(&m.trust), Policy::windows());
    assert!(matches!(
        plain.verify_path(&dir().join("driver/driver.inf"), at),
        Err(Error::Image(_))
    ));
}

#[test]
fn an_embedded_signature_decides_before_the_catalogs() {
    // A signed PE the catalogs do not list keeps its own verdict; one they list gains the
    // catalog entries after its own signatures.
    let m = manifest();
    let at = common::time(&m.evaluated_at);
    let v = with_catalogs(&m, common::anchors(&m.trust));
    let r = v
        .verify_path(&common::vectors_dir().join("pe32plus-rsa2048-sha256.exe"), at)
        .expect("verified");
    assert_eq!(r.status, FileStatus::Valid);
    assert!(r
        .signatures
        .iter()
        .all(|s| s.kind == authverify::SignatureKind::Embedded));
}

/// A DER element (definite length).
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|&b| b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

#[test]
fn a_large_catalog_read_from_a_stream_is_read_whole() {
    // Catalogs such as nt5.cat run to megabytes: above READ_WHOLE_LIMIT, verify_reader must
    // still see the whole list (it held only the first MiB of a file of no format it knew).
    // An unsigned catalog of 60,000 subjects (2.6 MB of list) padded past the limit: judged
    // alike from memory and from a stream.
    let m = manifest();
    let at = common::time(&m.evaluated_at);
    let v = verifier(&m);
    let oid = |der: &[u8]| tlv(0x06, der);
    let catalog_list = oid(&[0x2b, 6, 1, 4, 1, 0x82, 0x37, 12, 1, 1]);
    let member_alg = tlv(
        0x30,
        &[oid(&[0x2b, 6, 1, 4, 1, 0x82, 0x37, 12, 1, 2]), vec![5, 0]].concat(),
    );
    let subject = tlv(0x30, &tlv(0x04, &[0x41; 40]));
    let subjects = tlv(0x30, &subject.repeat(60_000));
    let time = tlv(0x17, b"260101000000Z");
    let list = tlv(0x30, &[tlv(0x30, &catalog_list), time, member_alg, subjects].concat());
    let ctl = oid(&[0x2b, 6, 1, 4, 1, 0x82, 0x37, 10, 1]);
    let encap = tlv(0x30, &[ctl, tlv(0xa0, &list)].concat());
    let sd = tlv(0x30, &[tlv(0x02, &[1]), tlv(0x31, &[]), encap, tlv(0x31, &[])].concat());
    let signed_data = oid(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 7, 2]);
    let mut big = tlv(0x30, &[signed_data, tlv(0xa0, &sd)].concat());
    assert!(big.len() > 2 << 20, "{} bytes", big.len());
    big.resize(9 << 20, 0);
    assert!(big.len() as u64 > authverify::READ_WHOLE_LIMIT);
    let whole = v.verify_bytes(&big, at).expect("verify");
    let streamed = v.verify_reader(&mut std::io::Cursor::new(&big), at).expect("streamed");
    assert_eq!(whole, streamed);
    assert_eq!(whole.format, FileFormat::Catalog);
    assert_eq!(whole.status, FileStatus::Unsigned);
    assert_eq!(whole.catalog.as_ref().map(|c| c.unreadable_members), Some(60_000));
}

#[test]
fn a_catalog_signatures_timestamp_chain_is_planned_as_an_embedded_ones() {
    // Issue 28: test-vectors/catalog-timestamp/ (authverify-testgen) is a catalog signed by
    // the test leaf and timestamped by a TSA under a root the trust lacks (tsa-root.crt),
    // listing listed.txt. The catalog verified as a file names that root as missing for the
    // timestamp of signature 0; the listed file, valid through the catalog, names the same
    // (the old catalog path cleared what was missing once a catalog made the file valid).
    // With the TSA root trusted, neither misses anything and the timestamp holds.
    let dir = common::vectors_dir().join("catalog-timestamp");
    let at = common::time("2026-06-01T00:00:00Z");
    let trust = |extra: &[&str]| {
        let mut paths = vec!["pki/root.crt".to_string()];
        paths.extend(extra.iter().map(|p| format!("catalog-timestamp/{p}")));
        common::anchors(&paths)
    };
    let missing_of = |r: &authverify::FileReport| -> Vec<(String, Vec<(usize, authverify::ChainRole)>)> {
        r.missing
            .iter()
            .map(|m| {
                (
                    m.subject.clone(),
                    m.needed_by.iter().map(|n| (n.signature, n.chain)).collect(),
                )
            })
            .collect()
    };
    for (extra, tsa_trusted) in [(&[][..], false), (&["tsa-root.crt"][..], true)] {
        let plain = Verifier::new(trust(extra), Policy::windows());
        let catalog = plain.verify_path(&dir.join("timestamped.cat"), at).expect("catalog");
        assert_eq!(catalog.status, FileStatus::Valid, "{:?}", catalog.notes);
        let timestamp = catalog.signatures[0].timestamp.as_ref().expect("timestamped");
        assert_eq!(timestamp.valid, tsa_trusted);
        let v = common::with_catalogs(plain, &dir, ["timestamped.cat"], at);
        let listed = v.verify_path(&dir.join("listed.txt"), at).expect("listed");
        assert_eq!(listed.status, FileStatus::Valid, "{:?}", listed.notes);
        assert_eq!(listed.signatures.len(), 1);
        assert_eq!(listed.signatures[0].kind, authverify::SignatureKind::Catalog);
        if tsa_trusted {
            assert!(catalog.missing.is_empty() && listed.missing.is_empty());
            continue;
        }
        let expected = vec![(
            "CN=Authverify Test Catalog Timestamp Root,O=Authverify Test PKI".to_string(),
            vec![(0, authverify::ChainRole::Timestamp)],
        )];
        assert_eq!(missing_of(&catalog), expected);
        assert_eq!(missing_of(&listed), expected);
    }
}

/// Issue 28: a signed file whose own chain does not close (its root is nowhere in the
/// trust material) and which a valid catalog lists is valid through the catalog, decided in
/// verdict.rs: its own signature keeps its `untrusted` verdict in the report, the catalog's
/// signature comes after it, a note names the catalog, and nothing is missing — the
/// catalog's chain closes and the embedded one does not decide. Without the catalog, the
/// same file is untrusted and names its own root. Built here: the file by the testgen
/// under a root of its own, the catalog by the testgen's test leaf, listing the file's
/// Authenticode digest.
#[test]
fn a_signed_file_whose_root_is_missing_is_valid_through_a_catalog_that_lists_it() {
    use authverify_testgen::catalogs::{signed_catalog, Hash, Listed, Member};
    let m = manifest();
    let at = common::time(&m.evaluated_at);
    let file = authverify_testgen::hostile_big::named_signer("Vendor Root", "Vendor Signer");
    let digest = member_hash(&file.image, "pe", DigestAlgorithm::Sha256);
    let catalog = signed_catalog(
        &[Member {
            name: "vendor.sys".into(),
            listed: Listed::Pe,
            digest,
        }],
        Hash::Sha256,
    );
    let plain = Verifier::new(common::anchors(&m.trust), Policy::windows());
    let alone = plain.verify_bytes(&file.image, at).expect("verified");
    assert_eq!(alone.status, FileStatus::Untrusted);
    assert_eq!(alone.missing.len(), 1, "{:?}", alone.missing);
    assert!(alone.missing[0].subject.contains("Vendor Root"), "{:?}", alone.missing);

    let mut index = authverify::CatalogIndex::new();
    index.add("vendor.cat", &catalog, &plain, at).expect("catalog indexed");
    let v = Verifier::new(common::anchors(&m.trust), Policy::windows()).with_catalogs(std::sync::Arc::new(index));
    let r = v.verify_bytes(&file.image, at).expect("verified");
    assert_eq!(r.status, FileStatus::Valid, "{:?}", r.notes);
    let kinds: Vec<(authverify::SignatureKind, FileStatus)> = r.signatures.iter().map(|s| (s.kind, s.status)).collect();
    assert_eq!(
        kinds,
        [
            (authverify::SignatureKind::Embedded, FileStatus::Untrusted),
            (authverify::SignatureKind::Catalog, FileStatus::Valid),
        ]
    );
    assert_eq!(
        r.signatures[1].catalog.as_ref().map(|c| c.path.as_str()),
        Some("vendor.cat")
    );
    assert!(r
        .notes
        .iter()
        .any(|n| n.rule == authverify::Rule::CatalogListed && n.detail.contains("vendor.cat")));
    assert!(r.missing.is_empty(), "{:?}", r.missing);
}
