//! Issue 14: every rule that protects a verdict, on vectors built to break exactly one
//! (test-vectors/hardening/manifest.json, written by authverify-testgen): the verdict under
//! `windows` and under `strict`, the signer chain's status, the timestamp's validity, and the
//! finding that decided (rule id, effect, a phrase of its text), all stated by the generator.

mod common;

use authverify::{FileReport, Policy, Role, TrustStore, Verifier};
use authverify_testgen::manifest::{ExpectedFinding, HardeningManifest, Outcome};

fn manifest() -> HardeningManifest {
    common::manifest::read(&common::vectors_dir().join("hardening/manifest.json")).expect("manifest")
}

/// The report carries the deciding finding: its rule, effect and a phrase of its text,
/// wherever it sits (file, signature, chain detail, timestamp).
fn carries(r: &FileReport, want: &ExpectedFinding) -> bool {
    common::all_findings(r).iter().any(|f| {
        f.rule.as_str() == want.rule && f.effect.as_str() == want.effect && f.detail.contains(&want.detail_contains)
    })
}

/// What the report says against the outcome, or `None` when it matches.
fn mismatch(r: &FileReport, want: &Outcome) -> Option<String> {
    let status = r.status.as_str();
    let sig = r.signatures.first();
    let chain = sig.and_then(|s| s.chain.as_ref()).map_or("-", |c| c.status.name());
    let ts = sig.and_then(|s| s.timestamp.as_ref()).map(|t| t.valid);
    let finding_ok = want.finding.as_ref().is_none_or(|f| carries(r, f));
    let ok = status == want.status.as_str() && chain == want.chain_status && ts == want.timestamp_valid && finding_ok;
    (!ok).then(|| {
        let said: Vec<String> = common::all_findings(r)
            .iter()
            .map(|f| format!("{} {}: {}", f.effect.as_str(), f.rule, f.detail))
            .collect();
        format!("got {status}/{chain} ts {ts:?}, want {want:?}\n  {}", said.join("\n  "))
    })
}

#[test]
fn every_rule_vector_gets_its_verdict_under_both_presets() {
    let m = manifest();
    let at = common::time(&m.evaluated_at);
    let mut trust = TrustStore::new();
    for t in &m.trust {
        trust
            .load(&common::vectors_dir().join(t), Role::Anchors)
            .expect("trust");
    }
    let mut failures = Vec::new();
    let mut checked = 0;
    for v in &m.vectors {
        let bytes = std::fs::read(common::vectors_dir().join("hardening").join(&v.file)).expect("vector");
        for (preset, policy, want) in [
            ("windows", Policy::windows(), &v.windows),
            ("strict", Policy::strict(), &v.strict),
        ] {
            let r = Verifier::new(trust.clone(), policy)
                .verify_bytes(&bytes, at)
                .expect("verify");
            if let Some(why) = mismatch(&r, want) {
                failures.push(format!("{} [{preset}]: {why}", v.file));
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(checked, 42, "21 vectors under two presets");
}
