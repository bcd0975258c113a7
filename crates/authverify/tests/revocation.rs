//! Revocation from supplied CRLs (issue 30): every case of test-vectors/crl/manifest.json
//! (written by scripts/make-crl-vectors.py from how each list was built, never by running
//! this crate) gets its verdict under both presets, and osslsigncode agrees where its
//! semantics are ours (docs/conformance.md lists where they are not).

mod common;

use std::path::Path;
use std::sync::Arc;

use authverify::{ChainStatus, Crl, FileStatus, Policy, TrustStore, Verifier};
use serde_json::Value;

fn crl_manifest() -> Value {
    let text = std::fs::read_to_string(common::vectors_dir().join("crl/manifest.json")).expect("crl manifest");
    serde_json::from_str(&text).expect("crl manifest is JSON")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

fn verifier(trust_files: &[String], crls: &[String], policy: Policy) -> Verifier {
    let mut trust = common::anchors(trust_files);
    for c in crls {
        let loaded = trust.load_crls(&common::vectors_dir().join(c)).expect("load crl");
        assert_eq!(loaded.crls, 1, "{c}");
    }
    Verifier::new(trust, policy)
}

#[test]
fn every_crl_case_has_its_verdict_under_both_presets() {
    let m = crl_manifest();
    let at = common::time(m["evaluated_at"].as_str().expect("evaluated_at"));
    let trust_files = strings(&m["trust"]);
    let cases = m["cases"].as_array().expect("cases");
    assert!(cases.len() >= 16, "{} cases", cases.len());
    let mut failures = Vec::new();
    for (preset, policy) in [("windows", Policy::windows()), ("strict", Policy::strict())] {
        for case in cases {
            let name = case["case"].as_str().unwrap_or_default();
            let file = case["file"].as_str().unwrap_or_default();
            let v = verifier(&trust_files, &strings(&case["crls"]), policy.clone());
            let bytes = std::fs::read(common::vectors_dir().join(file)).expect("vector");
            let report = v.verify_bytes(&bytes, at).expect("verifies");
            let sig = &report.signatures[0];
            let chain = sig.chain.as_ref().expect("signer chain");
            let rules: Vec<&str> = common::all_findings(&report).iter().map(|f| f.rule.as_str()).collect();
            let mut check = |what: &str, ok: bool, got: String| {
                if !ok {
                    failures.push(format!("{preset}: {name} ({file}): {what}: got {got}"));
                }
            };
            check(
                "status",
                report.status.as_str() == case["status"].as_str().unwrap_or_default(),
                report.status.as_str().to_string(),
            );
            check(
                "chain status",
                chain.status.name() == case["chain_status"].as_str().unwrap_or_default(),
                chain.status.name().to_string(),
            );
            let ts_valid = sig.timestamp.as_ref().map(|t| t.valid);
            check(
                "timestamp valid",
                ts_valid == case["timestamp_valid"].as_bool(),
                format!("{ts_valid:?}"),
            );
            for rule in strings(&case["rules"]) {
                check(
                    &format!("rule {rule}"),
                    rules.contains(&rule.as_str()),
                    format!("{rules:?}"),
                );
            }
            // A revoked file is never in the install plan.
            if chain.status == ChainStatus::Revoked {
                check(
                    "missing",
                    report.missing.is_empty(),
                    format!("{:?}", report.missing.len()),
                );
                let detail = chain.detail.as_ref().map(|d| d.detail.clone()).unwrap_or_default();
                check("detail names the date", detail.contains("revoked on 20"), detail);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_revoked_signer_with_a_missing_root_asks_for_nothing() {
    // Without the root the chain lacks it; the Code Signing CA's own list still proves the
    // leaf revoked, so installing the root would not make the file valid.
    let mut trust = TrustStore::new();
    trust
        .load_crls(&common::vectors_dir().join("crl/leaf-revoked.crl"))
        .expect("crl");
    let v = Verifier::new(trust, Policy::windows());
    let bytes = std::fs::read(common::vectors_dir().join("pe32plus-rsa2048-sha256.exe")).expect("vector");
    let report = v
        .verify_bytes(&bytes, common::time("2026-06-01T00:00:00Z"))
        .expect("verifies");
    let chain = report.signatures[0].chain.as_ref().expect("chain");
    assert_eq!(chain.status, ChainStatus::Revoked);
    assert!(chain.missing.is_empty());
    assert!(report.missing.is_empty());
    assert_ne!(report.status, FileStatus::Valid);
}

#[test]
fn crl_files_load_from_a_folder_once_each_and_describe_themselves() {
    let mut trust = TrustStore::new();
    let summary = trust.load_crls(&common::vectors_dir().join("crl")).expect("folder");
    // Every *.crl of the folder; the manifest and the .exe are listed as skipped.
    let lists = std::fs::read_dir(common::vectors_dir().join("crl"))
        .expect("dir")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "crl"))
        })
        .count();
    assert_eq!(summary.crls, lists);
    assert_eq!(summary.skipped.len(), 2, "{:?}", summary.skipped);
    let again = trust.load_crls(&common::vectors_dir().join("crl")).expect("again");
    assert_eq!(again.crls, 0, "the same lists are kept once");
    let der = std::fs::read(common::vectors_dir().join("crl/leaf-revoked.crl")).expect("der");
    let crl = Crl::from_der(&der).expect("parses");
    assert_eq!(crl.issuer(), "CN=Authverify Test Code Signing CA,O=Authverify Test PKI");
    assert_eq!(crl.entries.len(), 1);
    assert_eq!(hex::encode(&crl.entries[0].serial), "3001");
    assert_eq!(crl.this_update.to_string(), "2026-01-01T00:00:00Z");
    assert_eq!(
        crl.next_update.map(|t| t.to_string()).as_deref(),
        Some("2027-01-01T00:00:00Z")
    );
    assert_eq!(crl.entries[0].revocation_date.to_string(), "2025-01-01T00:00:00Z");
    assert_eq!(
        crl.entries[0].reason.map(authverify::crl::CrlReason::name).as_deref(),
        Some("keyCompromise")
    );
    // Every truncation of a list is an error, never a panic or a list with fewer entries.
    for n in 0..der.len() {
        assert!(Crl::from_der(&der[..n]).is_err(), "prefix {n}");
    }
    // Every single flipped bit parses to a list or an error; a list that still parses with
    // a changed signed part no longer verifies under the Code Signing CA.
    let ca = authverify::Certificate::from_der(
        &std::fs::read(common::vectors_dir().join("pki/intermediate.crt")).expect("ca"),
    )
    .expect("ca parses");
    assert!(crl.verify_signed_by(&ca).is_ok());
    let tbs_len = crl.tbs_der().len();
    let mut verified_after_flip = 0;
    for i in 0..der.len() {
        for bit in 0..8 {
            let mut copy = der.clone();
            copy[i] ^= 1 << bit;
            if let Ok(l) = Crl::from_der(&copy) {
                if l.tbs_der().len() == tbs_len && l.tbs_der() != crl.tbs_der() && l.verify_signed_by(&ca).is_ok() {
                    verified_after_flip += 1;
                }
            }
        }
    }
    assert_eq!(verified_after_flip, 0);
    let _ = Arc::new(crl);
}

/// The cases where osslsigncode 2.9 (OpenSSL's X509_verify_cert with CRL checking on every
/// certificate) concludes otherwise, each a row of docs/conformance.md.
const DIFFERS_FROM_OSSLSIGNCODE: [&str; 9] = [
    "revoked after the stamped time",
    "TSA superseded after it stamped",
    "CRL signed by the wrong key",
    "CRL not yet valid",
    "CRL with an unknown critical extension",
    "CRL with an unknown critical entry extension",
    "delta CRL",
    "issuing distribution point for CA certificates only",
    "revocation dated after the verification time",
];

/// Every case through `osslsigncode verify -CRLfile -TSA-CRLfile` (the lists as PEM):
/// "Signature verification: ok" must equal our `valid` except in the documented rows, and
/// each documented row must still differ (so the table stays true).
#[test]
fn osslsigncode_agrees_on_revocation_or_differs_as_documented() {
    if std::process::Command::new("osslsigncode")
        .arg("--version")
        .output()
        .is_err()
    {
        common::skip(
            "osslsigncode_agrees_on_revocation_or_differs_as_documented",
            "osslsigncode",
        );
        return;
    }
    let m = crl_manifest();
    let dir = common::vectors_dir();
    let root = dir.join("pki/root.pem");
    let mut failures = Vec::new();
    for case in m["cases"].as_array().expect("cases") {
        let name = case["case"].as_str().unwrap_or_default();
        let file = case["file"].as_str().unwrap_or_default();
        let crls = strings(&case["crls"]);
        let mut pem = Vec::new();
        for c in &crls {
            // OpenSSL reads -CRLfile as PEM.
            let out = std::process::Command::new("openssl")
                .args(["crl", "-inform", pem_or_der(&dir.join(c)), "-in"])
                .arg(dir.join(c))
                .output()
                .expect("openssl crl");
            assert!(out.status.success(), "{c}");
            pem.extend(out.stdout);
        }
        let crl_file = tempfile::NamedTempFile::new().expect("tmp");
        std::fs::write(crl_file.path(), &pem).expect("write");
        let mut cmd = std::process::Command::new("osslsigncode");
        cmd.args(["verify", "-time", "1780272000", "-CAfile"])
            .arg(&root)
            .arg("-TSA-CAfile")
            .arg(&root);
        if !crls.is_empty() {
            cmd.arg("-CRLfile")
                .arg(crl_file.path())
                .arg("-TSA-CRLfile")
                .arg(crl_file.path());
        }
        let out = cmd.arg("-in").arg(dir.join(file)).output().expect("osslsigncode");
        let theirs = String::from_utf8_lossy(&out.stdout).contains("Signature verification: ok");
        let ours = case["status"].as_str() == Some("valid");
        let documented = DIFFERS_FROM_OSSLSIGNCODE.contains(&name);
        if (theirs != ours) != documented {
            failures.push(format!(
                "{name}: osslsigncode ok={theirs}, ours valid={ours}, documented difference={documented}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn pem_or_der(path: &Path) -> &'static str {
    match std::fs::read(path) {
        Ok(b) if b.first() == Some(&0x30) => "DER",
        _ => "PEM",
    }
}
