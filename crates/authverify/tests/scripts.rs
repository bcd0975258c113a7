//! Issue 29: signed scripts (test-vectors/scripts/, scripts/make-script-vectors.py). Our
//! digest equals the one osslsigncode calculated on every PowerShell and MOF vector and the
//! one the generator computed from the documented form on every WSH vector; the digest a
//! signature carries equals ours exactly on the untampered vectors; hostile blocks give the
//! typed error the manifest names; flipping any byte of a signed script changes what the
//! layer reports (the digest, the signature, or a typed error), never nothing.

use std::path::PathBuf;

use authverify::error::ScriptError;
use authverify::script::{sip_info_names, Script, ScriptLanguage, MAX_BLOCK};
use authverify::DigestAlgorithm;
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors/scripts")
}

fn vectors() -> Vec<Value> {
    let text = std::fs::read_to_string(dir().join("manifest.json")).expect("scripts manifest");
    let m: Value = serde_json::from_str(&text).expect("manifest JSON");
    m["vectors"].as_array().expect("vectors").clone()
}

fn read(file: &str) -> (Vec<u8>, ScriptLanguage) {
    let bytes = std::fs::read(dir().join(file)).expect(file);
    let language = ScriptLanguage::detect(Some(file), &bytes).expect("a script extension");
    (bytes, language)
}

/// One DER element at the start of `b`: (tag, contents, rest).
fn tlv(b: &[u8]) -> (u8, &[u8], &[u8]) {
    let (tag, first) = (b[0], b[1]);
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        (b[2..2 + n].iter().fold(0, |a, &x| a << 8 | usize::from(x)), 2 + n)
    };
    (tag, &b[header..header + len], &b[header + len..])
}

/// The SpcIndirectDataContent of a ContentInfo(SignedData): its SpcSipInfo value (DER) and
/// its digest.
fn indirect_data(der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (_, ci, _) = tlv(der);
    let (_, _oid, rest) = tlv(ci);
    let (_, explicit, _) = tlv(rest);
    let (_, sd, _) = tlv(explicit);
    let (_, _version, rest) = tlv(sd);
    let (_, _algorithms, rest) = tlv(rest);
    let (_, encap, _) = tlv(rest);
    let (_, _type, rest) = tlv(encap);
    let (_, content, _) = tlv(rest);
    let (_, idc, _) = tlv(content);
    let (_, data, rest) = tlv(idc);
    let (_, _data_type, value) = tlv(data);
    let (_, digest_info, _) = tlv(rest);
    let (_, _algorithm, rest) = tlv(digest_info);
    let (tag, digest, _) = tlv(rest);
    assert_eq!(tag, 0x04, "DigestInfo.digest");
    (value.to_vec(), digest.to_vec())
}

fn algorithm_of(hex: &str) -> DigestAlgorithm {
    if hex.len() == 40 {
        DigestAlgorithm::Sha1
    } else {
        DigestAlgorithm::Sha256
    }
}

fn our_digest(s: &Script<'_>, algorithm: DigestAlgorithm) -> Vec<u8> {
    s.digests(&[algorithm]).remove(0).1
}

#[test]
fn powershell_digests_equal_osslsigncodes() {
    let mut checked = 0;
    for v in vectors().iter().filter(|v| v["family"] == "powershell") {
        let file = v["file"].as_str().unwrap();
        let (bytes, language) = read(file);
        let s = Script::parse(&bytes, language).unwrap_or_else(|e| panic!("{file}: {e}"));
        let status = v["status"].as_str().unwrap();
        let Some(want) = v["osslsigncode_digests"].as_array().unwrap().first() else {
            assert_eq!(status, "unsigned", "{file}");
            assert!(s.signature().is_none(), "{file}");
            continue;
        };
        let want = want.as_str().unwrap();
        let ours = our_digest(&s, algorithm_of(want));
        assert_eq!(hex::encode(&ours), want, "{file}: our digest against osslsigncode's");
        let (sip, signed) = indirect_data(s.signature().unwrap());
        assert!(
            sip_info_names(&sip, &language.sip()),
            "{file}: the PowerShell SIP's GUID"
        );
        match (status, file.rsplit('/').next().unwrap()) {
            ("valid", _) => {
                assert_eq!(signed, ours, "{file}: the signature's digest");
                assert!(v["osslsigncode_ok"].as_bool().unwrap(), "{file}");
                assert_eq!(s.text_after_block(), None, "{file}");
            }
            // Only the signer's signature value changed: the digest still matches, the
            // signature bytes do not (the verifier's RSA check refuses it).
            ("invalid", "block-changed.ps1") => {
                assert_eq!(signed, ours, "{file}");
                let (good, _) = read("powershell/utf8-crlf.ps1");
                let good = Script::parse(&good, language).unwrap();
                assert_ne!(s.signature(), good.signature(), "{file}");
            }
            // osslsigncode accepts it (it ignores what follows the block); we do not.
            ("invalid", "text-after-block.ps1") => {
                assert_eq!(signed, ours, "{file}");
                assert!(s.text_after_block().is_some(), "{file}");
            }
            // Signed as it is, and osslsigncode verifies it: the digest matches, but bytes
            // that are not UTF-8 all hash as U+FFFD, so the verifier refuses the signature
            // (script.unbound_text; tests/red_team.rs swaps one).
            ("invalid", "invalid-utf8.ps1") => {
                assert_eq!(signed, ours, "{file}");
                assert!(v["osslsigncode_ok"].as_bool().unwrap(), "{file}");
                assert!(s.bytes_not_utf8() > 0, "{file}");
            }
            ("invalid", _) => {
                assert_ne!(signed, ours, "{file}: a tampered body must not match");
                assert!(!v["osslsigncode_ok"].as_bool().unwrap(), "{file}");
            }
            other => panic!("{file}: unexpected {other:?}"),
        }
        checked += 1;
    }
    assert!(checked >= 18, "only {checked} PowerShell vectors");
}

#[test]
fn wsh_digests_equal_the_documented_form() {
    let mut checked = 0;
    for v in vectors().iter().filter(|v| v["family"] == "wsh") {
        let file = v["file"].as_str().unwrap();
        let (bytes, language) = read(file);
        assert_eq!(language.name(), v["language"].as_str().unwrap(), "{file}");
        let s = Script::parse(&bytes, language).unwrap_or_else(|e| panic!("{file}: {e}"));
        let (sip, signed) = indirect_data(s.signature().expect("signed"));
        assert!(
            sip_info_names(&sip, &language.sip()),
            "{file}: the {language} SIP's GUID"
        );
        assert!(!sip_info_names(&sip, &ScriptLanguage::PowerShell.sip()), "{file}");
        let algorithm = if signed.len() == 20 {
            DigestAlgorithm::Sha1
        } else {
            DigestAlgorithm::Sha256
        };
        let ours = our_digest(&s, algorithm);
        match v["status"].as_str().unwrap() {
            "valid" => {
                assert_eq!(hex::encode(&ours), v["wsh_digest"].as_str().unwrap(), "{file}");
                assert_eq!(signed, ours, "{file}");
            }
            "invalid" => assert_ne!(signed, ours, "{file}: tampering must change the digest"),
            other => panic!("{file}: status {other}"),
        }
        assert_eq!(
            s.text_after_block(),
            None,
            "{file}: WSH hashes the text after its block"
        );
        checked += 1;
    }
    assert!(checked >= 12, "only {checked} WSH vectors");
}

#[test]
fn hostile_scripts_give_the_typed_error() {
    let mut checked = 0;
    for v in vectors().iter().filter(|v| v["family"] == "hostile") {
        let file = v["file"].as_str().unwrap();
        let (bytes, language) = read(file);
        let e = Script::parse(&bytes, language).expect_err(file);
        let want = v["error"].as_str().unwrap();
        assert!(format!("{e:?}").starts_with(want), "{file}: {e:?}, want {want}");
        checked += 1;
    }
    assert_eq!(checked, 8);
}

#[test]
fn a_huge_block_is_refused_before_it_is_decoded() {
    let line = format!("# {}\r\n", "A".repeat(64));
    let lines = MAX_BLOCK / 64 + 1;
    let mut t = String::with_capacity(lines * line.len() + 100);
    t.push_str("Get-Date\r\n# SIG # Begin signature block\r\n");
    (0..lines).for_each(|_| t.push_str(&line));
    t.push_str("# SIG # End signature block\r\n");
    let e = Script::parse(t.as_bytes(), ScriptLanguage::PowerShell).unwrap_err();
    assert!(matches!(e, ScriptError::BlockTooLarge { .. }), "{e:?}");
}

/// What the layer reports about a script: its signature, its digest, and text after the
/// block.
type Seen = (Option<Vec<u8>>, Vec<u8>, bool);

fn seen(bytes: &[u8], language: ScriptLanguage) -> Result<Seen, ScriptError> {
    let s = Script::parse(bytes, language)?;
    let digest = our_digest(&s, DigestAlgorithm::Sha256);
    Ok((
        s.signature().map(<[u8]>::to_vec),
        digest,
        s.text_after_block().is_some(),
    ))
}

#[test]
fn every_flipped_byte_changes_what_is_reported() {
    for file in [
        "powershell/utf8-crlf.ps1",
        "powershell/utf16le.ps1",
        "wsh/ansi.js",
        "wsh/job.wsf",
    ] {
        let (good, language) = read(file);
        let original = seen(&good, language).unwrap();
        let (mut errors, mut unsigned, mut changed) = (0, 0, 0);
        for at in 0..good.len() {
            let mut b = good.clone();
            b[at] ^= 0x01;
            match seen(&b, language) {
                Err(_) => errors += 1,
                Ok((None, _, _)) => unsigned += 1,
                Ok(s) => {
                    assert_ne!(s, original, "{file}: byte {at} flipped and nothing changed");
                    changed += 1;
                }
            }
        }
        assert!(
            errors > 0 && changed > 0,
            "{file}: {errors} errors, {unsigned} unsigned, {changed} changed"
        );
    }
}

#[test]
fn a_catalog_lists_a_script_by_the_hash_of_its_bytes() {
    let text = std::fs::read_to_string(dir().join("manifest.json")).unwrap();
    let m: Value = serde_json::from_str(&text).unwrap();
    let lookups = m["catalog_lookups"].as_array().unwrap();
    assert_eq!(lookups.len(), 2);
    for l in lookups {
        let (bytes, language) = read(l["file"].as_str().unwrap());
        let s = Script::parse(&bytes, language).unwrap();
        let ours = hex::encode(s.catalog_digests(&[DigestAlgorithm::Sha256]).remove(0).1);
        match l["listed"].as_str().unwrap() {
            // osslsigncode finds the script where it is listed flat, by the same hash.
            "flat" => {
                assert!(l["osslsigncode_found"].as_bool().unwrap());
                assert_eq!(l["osslsigncode_digest"].as_str(), Some(ours.as_str()));
            }
            // ...and not where it is listed by its SIP digest.
            "sip" => {
                assert!(!l["osslsigncode_found"].as_bool().unwrap());
                assert_ne!(ours, hex::encode(our_digest(&s, DigestAlgorithm::Sha256)));
            }
            other => panic!("listed {other}"),
        }
    }
}

// The verifier over scripts (issue 29): every vector gets the verdict its manifest says,
// from its name or from its text alone, and the SIP a signature names must be the file's.

mod common;

use authverify::{Error, FileFormat, FileStatus, Policy, Rule, TrustStore, Verifier};

fn verifier(trust: TrustStore) -> Verifier {
    Verifier::new(trust, Policy::windows())
}

fn test_root() -> TrustStore {
    common::anchors(&["pki/root.crt".to_string()])
}

fn at() -> authverify::UnixTime {
    common::time("2026-06-01T00:00:00Z")
}

#[test]
fn every_script_vector_gets_its_manifest_verdict() {
    let v = verifier(test_root());
    let mut checked = 0;
    for vector in vectors() {
        let file = vector["file"].as_str().expect("file");
        let path = dir().join(file);
        let named = v.verify_path(&path, at());
        let Some(want) = vector["status"].as_str() else {
            // Hostile: the typed error the manifest names, whichever way the file arrives.
            let want = vector["error"].as_str().expect("an expected error");
            let err = named.expect_err(file);
            assert!(matches!(&err, Error::Script(_)), "{file}: {err:?}");
            assert!(format!("{err:?}").contains(want), "{file}: {err:?}, want {want}");
            assert_eq!(err.rule(), "file.script");
            continue;
        };
        let report = named.unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(report.status.as_str(), want, "{file}: {:?}", report.notes);
        assert_eq!(report.format, FileFormat::Script, "{file}");
        let (bytes, language) = read(file);
        let summary = report.script.as_ref().expect("script facts");
        assert_eq!(summary.language, language.name(), "{file}");
        // Without its name a signed script is known by its block; the verdict is the same.
        if want != "unsigned" {
            let unnamed = v.verify_bytes(&bytes, at()).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(unnamed.status, report.status, "{file} without its name");
            let mut reader = std::io::Cursor::new(&bytes);
            let streamed = v.verify_reader_named(&mut reader, file, at()).expect("reader");
            assert_eq!(streamed, report, "{file} through a reader");
        }
        checked += 1;
    }
    assert!(checked >= 31, "{checked} vectors");
}

#[test]
fn tampered_scripts_say_why() {
    let v = verifier(test_root());
    let report = |f: &str| v.verify_path(&dir().join(f), at()).expect(f);
    let body = report("powershell/body-changed.ps1");
    assert!(!body.signatures[0].digest_matches);
    assert!(
        body.signatures[0].signature_valid,
        "the signature itself still verifies"
    );
    let after = report("powershell/text-after-block.ps1");
    assert_eq!(after.status, FileStatus::Invalid);
    assert!(
        after
            .notes
            .iter()
            .any(|n| n.detail.contains("the script's signature block")),
        "{:?}",
        after.notes
    );
}

#[test]
fn a_signature_for_another_sip_does_not_hold() {
    // A PowerShell signature block carried into a .js in JScript's comment syntax: the
    // block is found, but its SpcSipInfo names PowerShell's SIP, not JScript's (the form
    // later osslsigncode versions write for .js, which Windows refuses).
    let text = std::fs::read_to_string(dir().join("powershell/utf8-crlf.ps1")).expect("read");
    let mut in_block = false;
    let js: String = text
        .split_inclusive('\n')
        .map(|line| {
            if line.starts_with("# SIG # Begin") {
                in_block = true;
            }
            let out = if !in_block {
                line.to_string()
            } else if let Some(rest) = line.strip_prefix("# SIG # ") {
                format!("// SIG // {rest}")
            } else {
                format!("// SIG // {}", line.strip_prefix("# ").unwrap_or(line))
            };
            if line.starts_with("# SIG # End") {
                in_block = false;
            }
            out
        })
        .collect();
    let v = verifier(test_root());
    let r = v.verify_bytes_named(js.as_bytes(), "moved.js", at()).expect("verify");
    assert_eq!(r.status, FileStatus::Invalid);
    let error = r.signatures[0].error.as_ref().expect("a refusal");
    assert_eq!(error.rule, Rule::ScriptSip, "{error:?}");
    assert!(error.detail.contains("jscript"), "{}", error.detail);
    // The same bytes as the PowerShell script they came from still verify.
    let ps = v
        .verify_bytes_named(text.as_bytes(), "utf8-crlf.ps1", at())
        .expect("verify");
    assert_eq!(ps.status, FileStatus::Valid);
}

#[test]
fn a_script_whose_root_is_missing_names_it() {
    let v = verifier(TrustStore::new());
    let r = v
        .verify_path(&dir().join("powershell/utf8-crlf.ps1"), at())
        .expect("verify");
    assert_eq!(r.status, FileStatus::Untrusted);
    // The test PKI's root (testgen's pki.rs names it), which the file does not carry.
    let names: Vec<&str> = r.missing.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(names, ["CN=Authverify Test Root CA,O=Authverify Test PKI"]);
}

#[test]
fn an_unsigned_script_is_found_in_a_catalog_by_the_hash_of_its_bytes() {
    let plain = verifier(test_root());
    let file = dir().join("powershell/unsigned-utf8-crlf.ps1");
    assert_eq!(
        plain.verify_path(&file, at()).expect("verify").status,
        FileStatus::Unsigned
    );
    let flat = common::with_catalogs(verifier(test_root()), &dir(), ["catalog/flat.cat"], at());
    let r = flat.verify_path(&file, at()).expect("verify");
    assert_eq!(r.status, FileStatus::Valid, "{:?}", r.notes);
    assert_eq!(r.format, FileFormat::Script);
    let sip = common::with_catalogs(verifier(test_root()), &dir(), ["catalog/sip.cat"], at());
    assert_eq!(
        sip.verify_path(&file, at()).expect("verify").status,
        FileStatus::Unsigned
    );
}
