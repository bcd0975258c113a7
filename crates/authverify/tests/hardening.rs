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
    assert_eq!(checked, 48, "24 vectors under two presets");
}

/// Issue 30: the narrow opt-in for MD5 countersignatures. Both MD5 countersignature vectors
/// are otherwise sound (the generator built them so): with `allow_md5_countersignature` the
/// timestamp counts and the expired signer is valid, the report saying which leniency it
/// relied on; the bare-MD5 form also needs `allow_legacy_countersignature_hash`, which
/// strict refuses. `allow_md5` (MD5 anywhere) implies the narrow field.
#[test]
fn md5_countersignatures_count_only_when_opted_in() {
    let m = manifest();
    let at = common::time(&m.evaluated_at);
    let mut trust = TrustStore::new();
    for t in &m.trust {
        trust
            .load(&common::vectors_dir().join(t), Role::Anchors)
            .expect("trust");
    }
    let verify = |file: &str, policy: Policy| {
        let bytes = std::fs::read(common::vectors_dir().join("hardening").join(file)).expect("vector");
        Verifier::new(trust.clone(), policy)
            .verify_bytes(&bytes, at)
            .expect("verify")
    };
    let opted_in = |mut p: Policy| {
        p.allow_md5_countersignature = true;
        p
    };
    let md5_anywhere = |mut p: Policy| {
        p.allow_md5 = true;
        p
    };
    let field = |rule: &str| rule.trim_start_matches("policy.").to_string();
    let leniency = |rule: &str| ExpectedFinding::leniency(rule, &format!("leniency {}", field(rule)));
    let refusal = |rule: &str| ExpectedFinding::refusal(rule, &format!("rejected by policy ({})", field(rule)));
    let valid = |finding: ExpectedFinding| Outcome {
        chain_status: "trusted".into(),
        finding: Some(finding),
        status: authverify_testgen::manifest::Status::Valid,
        timestamp_valid: Some(true),
    };
    let untrusted = |finding: ExpectedFinding| Outcome {
        chain_status: "expired".into(),
        finding: Some(finding),
        status: authverify_testgen::manifest::Status::Untrusted,
        timestamp_valid: Some(false),
    };
    let cases = [
        (
            "pkcs9-md5.exe",
            "windows + allow_md5_countersignature",
            opted_in(Policy::windows()),
            valid(leniency("policy.allow_md5_countersignature")),
        ),
        (
            "pkcs9-md5.exe",
            "strict + allow_md5_countersignature",
            opted_in(Policy::strict()),
            valid(leniency("policy.allow_md5_countersignature")),
        ),
        (
            "pkcs9-md5.exe",
            "windows + allow_md5",
            md5_anywhere(Policy::windows()),
            valid(leniency("policy.allow_md5")),
        ),
        (
            "pkcs9-md5-bare-hash.exe",
            "windows + allow_md5_countersignature",
            opted_in(Policy::windows()),
            valid(leniency("policy.allow_md5_countersignature")),
        ),
        (
            "pkcs9-md5-bare-hash.exe",
            "windows + allow_md5_countersignature (bare hash)",
            opted_in(Policy::windows()),
            valid(leniency("policy.allow_legacy_countersignature_hash")),
        ),
        (
            "pkcs9-md5-bare-hash.exe",
            "strict + allow_md5_countersignature",
            opted_in(Policy::strict()),
            untrusted(refusal("policy.allow_legacy_countersignature_hash")),
        ),
    ];
    let mut failures = Vec::new();
    for (file, name, policy, want) in cases {
        if let Some(why) = mismatch(&verify(file, policy), &want) {
            failures.push(format!("{file} [{name}]: {why}"));
        }
    }
    // allow_md5 admits an MD5 messageImprint in an RFC 3161 token.
    let token = verify("rfc3161-md5-imprint.exe", md5_anywhere(Policy::windows()));
    if let Some(why) = mismatch(&token, &valid(leniency("policy.allow_md5"))) {
        failures.push(format!("rfc3161-md5-imprint.exe [allow_md5]: {why}"));
    }
    // Opting in admits MD5 only in the countersignature: the narrow field does not reach
    // the MD5 certificate on the TSA path.
    let cert = verify("tsa-certificate-md5-signed.exe", opted_in(Policy::windows()));
    if let Some(why) = mismatch(&cert, &untrusted(refusal("policy.allow_md5"))) {
        failures.push(format!(
            "tsa-certificate-md5-signed.exe [allow_md5_countersignature]: {why}"
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
