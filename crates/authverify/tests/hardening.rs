//! Issue 14: every rule that protects a verdict, on vectors built to break exactly one
//! (test-vectors/hardening/manifest.json, written by authverify-testgen): the verdict under
//! `windows` and under `strict`, the signer chain's status, the timestamp's validity, and a
//! phrase naming the rule that decided, all stated by the generator.

mod common;

use authverify::{FileReport, Policy, Role, TrustStore, Verifier};
use serde_json::Value;

fn manifest() -> Value {
    let text = std::fs::read_to_string(common::vectors_dir().join("hardening/manifest.json")).expect("manifest");
    serde_json::from_str(&text).expect("JSON")
}

fn everything_said(r: &FileReport) -> String {
    // The notes and details a person reads: file notes, signature notes and errors, chain
    // details, timestamp notes and their chains' details.
    common::all_text(r)
}

#[test]
fn every_rule_vector_gets_its_verdict_under_both_presets() {
    let m = manifest();
    let at = m["evaluated_at"].as_str().expect("time").parse().expect("time parses");
    let mut trust = TrustStore::new();
    for t in m["trust"].as_array().expect("trust") {
        trust
            .load(&common::vectors_dir().join(t.as_str().expect("path")), Role::Anchors)
            .expect("trust");
    }
    let mut failures = Vec::new();
    let mut checked = 0;
    for v in m["vectors"].as_array().expect("vectors") {
        let file = v["file"].as_str().expect("file");
        let bytes = std::fs::read(common::vectors_dir().join("hardening").join(file)).expect("vector");
        for (preset, policy) in [("windows", Policy::windows()), ("strict", Policy::strict())] {
            let want = &v[preset];
            let r = Verifier::new(trust.clone(), policy)
                .verify_bytes(&bytes, at)
                .expect("verify");
            let said = everything_said(&r);
            let status = r.status.as_str();
            let sig = r.signatures.first();
            let chain = sig.and_then(|s| s.chain.as_ref()).map_or("-", |c| c.status.name());
            let ts = sig.and_then(|s| s.timestamp.as_ref()).map(|t| t.valid);
            let phrase = want["phrase"].as_str().expect("phrase");
            let ok = status == want["status"]
                && chain == want["chain_status"]
                && ts == want["timestamp_valid"].as_bool()
                && said.contains(phrase);
            if !ok {
                failures.push(format!(
                    "{file} [{preset}]: got {status}/{chain} ts {ts:?}, want {}/{} ts {} with {phrase:?}\n  {}",
                    want["status"],
                    want["chain_status"],
                    want["timestamp_valid"],
                    said.replace('\n', "\n  ")
                ));
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(checked, 42, "21 vectors under two presets");
}
