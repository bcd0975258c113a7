//! Every policy rule, both settings: the vector that exercises it is judged under `windows`
//! and `strict`, and flipping that one field alone on `windows` gives the other verdict. The
//! report names the rule: `leniency <field>` when a verdict relied on it, `rejected by
//! policy (<field>)` when it refused.

mod common;

use authverify::{Effect, FileReport, FileStatus, Policy, UnixTime, Verifier};
use authverify_testgen::manifest::StrictOutcome;

fn verify(policy: Policy, file: &str, at: UnixTime) -> FileReport {
    let m = common::manifest();
    let verifier = common::manifest_verifier(&m);
    let verifier = Verifier::new(verifier.trust().clone(), policy);
    let bytes = std::fs::read(common::vectors_dir().join(file)).expect("vector");
    verifier.verify_bytes(&bytes, at).expect("verify")
}

fn set(policy: &mut Policy, field: &str, windows_value: bool) {
    // The strict value of `field`, applied to a windows policy.
    let strict = Policy::strict();
    let _ = windows_value;
    match field {
        "allow_md5" => policy.allow_md5 = !policy.allow_md5,
        "allow_sha1" => policy.allow_sha1 = strict.allow_sha1,
        "allow_sha1_certificates" => policy.allow_sha1_certificates = strict.allow_sha1_certificates,
        "allow_sha1_timestamps" => policy.allow_sha1_timestamps = strict.allow_sha1_timestamps,
        "allow_legacy_countersignature_hash" => {
            policy.allow_legacy_countersignature_hash = strict.allow_legacy_countersignature_hash
        }
        "accept_signed_data_v3" => policy.accept_signed_data_v3 = strict.accept_signed_data_v3,
        "accept_octet_string_content" => policy.accept_octet_string_content = strict.accept_octet_string_content,
        "accept_signer_info_v0" => policy.accept_signer_info_v0 = strict.accept_signer_info_v0,
        "accept_missing_signed_attributes" => {
            policy.accept_missing_signed_attributes = strict.accept_missing_signed_attributes
        }
        "require_leaf_eku" => policy.require_leaf_eku = strict.require_leaf_eku,
        "require_zero_padding" => policy.require_zero_padding = strict.require_zero_padding,
        "accept_data_after_cert_table" => policy.accept_data_after_cert_table = !policy.accept_data_after_cert_table,
        "min_rsa_bits" => policy.min_rsa_bits = strict.min_rsa_bits,
        "accept_non_deciding_mismatch" => policy.accept_non_deciding_mismatch = strict.accept_non_deciding_mismatch,
        other => panic!("unknown rule {other}"),
    }
}

fn status(s: FileStatus) -> String {
    format!("{s:?}").to_lowercase()
}

#[test]
fn every_rule_vector_passes_windows_and_fails_strict_by_that_rule() {
    let m = common::manifest();
    let at = common::manifest_time(&m);
    let vectors: Vec<(&str, &StrictOutcome)> = m
        .vectors
        .iter()
        .filter_map(|v| Some((v.file.as_str(), v.strict.as_ref()?)))
        .collect();
    assert!(vectors.len() >= 7, "{} rule vectors", vectors.len());
    let mut errors = Vec::new();
    for (file, want) in vectors {
        let rule_id = want.rule.as_str();
        let rule = rule_id.strip_prefix("policy.").expect("a policy rule id");
        let windows = verify(Policy::windows(), file, at);
        let text = common::all_text(&windows);
        // The leniency, by its rule id: `policy.<field>`.
        let lenient = common::all_findings(&windows)
            .iter()
            .any(|f| f.rule.as_str() == rule_id && f.effect == Effect::Leniency);
        if windows.status != FileStatus::Valid || !lenient {
            errors.push(format!("{file}: windows {:?}, notes: {text}", windows.status));
        }
        let strict = verify(Policy::strict(), file, at);
        let mut one = Policy::windows();
        set(&mut one, rule, true);
        let single = verify(one, file, at);
        for (name, r) in [("strict", &strict), (rule, &single)] {
            let chain = r.signatures[0].chain.as_ref().map(|c| c.status.name()).unwrap_or("-");
            let text = common::all_text(r);
            // A refusal finding of the rule (the chain's detail when the path builder
            // applies it).
            let refused = common::all_findings(r)
                .iter()
                .any(|f| f.rule.as_str() == rule_id && f.effect == Effect::Refusal);
            if status(r.status) != want.status.as_str() || chain != want.chain_status || !refused {
                errors.push(format!("{file} under {name}: {:?}/{chain}; {text}", r.status));
            }
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n\n"));
}

#[test]
fn rules_exercised_by_the_other_vectors() {
    // (vector, rule, windows verdict, verdict with the rule flipped)
    let cases = [
        (
            "pe32plus-rsa2048-sha1.exe",
            "allow_sha1",
            FileStatus::Valid,
            FileStatus::Invalid,
        ),
        (
            "ts-pkcs9-expired-signer.exe",
            "allow_sha1_timestamps",
            FileStatus::Valid,
            FileStatus::Untrusted,
        ),
        (
            "ts-pkcs9-bare-hash.exe",
            "allow_legacy_countersignature_hash",
            FileStatus::Valid,
            FileStatus::Untrusted,
        ),
        ("md5-digest.exe", "allow_md5", FileStatus::Invalid, FileStatus::Valid),
        (
            "appended-data.exe",
            "accept_data_after_cert_table",
            FileStatus::Invalid,
            FileStatus::Valid,
        ),
        (
            "nested-corrupted-digest.exe",
            "accept_non_deciding_mismatch",
            FileStatus::Valid,
            FileStatus::Invalid,
        ),
    ];
    let m = common::manifest();
    let at = common::manifest_time(&m);
    for (file, rule, windows_status, flipped_status) in cases {
        let windows = verify(Policy::windows(), file, at);
        assert_eq!(windows.status, windows_status, "{file} under windows");
        let mut flipped = Policy::windows();
        set(&mut flipped, rule, true);
        let r = verify(flipped, file, at);
        assert_eq!(
            r.status,
            flipped_status,
            "{file} with {rule} flipped: {}",
            common::all_text(&r)
        );
        // Whichever side refuses names the rule; whichever side accepts through it says so:
        // a finding whose rule id is `policy.<rule>`, with that effect.
        let (refusing, accepting) = if windows_status == FileStatus::Valid {
            (&r, &windows)
        } else {
            (&windows, &r)
        };
        let has = |report: &FileReport, effect: Effect| {
            common::all_findings(report)
                .iter()
                .any(|f| f.rule.as_str() == format!("policy.{rule}") && f.effect == effect)
        };
        assert!(has(refusing, Effect::Refusal), "{file}: {}", common::all_text(refusing));
        assert!(
            has(accepting, Effect::Leniency),
            "{file}: {}",
            common::all_text(accepting)
        );
        // The text still says it, as reports always have.
        assert!(common::all_text(refusing).contains(&format!("rejected by policy ({rule})")));
        assert!(common::all_text(accepting).contains(&format!("leniency {rule}")));
    }
}

#[test]
fn the_presets_differ_exactly_where_documented() {
    let w = Policy::windows();
    let s = Policy::strict();
    assert!(w.allow_sha1 && !s.allow_sha1);
    assert!(w.allow_sha1_certificates && !s.allow_sha1_certificates);
    assert!(w.allow_sha1_timestamps && !s.allow_sha1_timestamps);
    assert!(w.allow_legacy_countersignature_hash && !s.allow_legacy_countersignature_hash);
    assert!(w.accept_signed_data_v3 && !s.accept_signed_data_v3);
    assert!(w.accept_octet_string_content && !s.accept_octet_string_content);
    assert!(w.accept_signer_info_v0 && !s.accept_signer_info_v0);
    assert!(w.accept_missing_signed_attributes && !s.accept_missing_signed_attributes);
    assert!(!w.require_leaf_eku && s.require_leaf_eku);
    assert!(!w.require_zero_padding && s.require_zero_padding);
    assert_eq!((w.min_rsa_bits, s.min_rsa_bits), (1024, 2048));
    assert!(w.accept_non_deciding_mismatch && !s.accept_non_deciding_mismatch);
    // The same in both.
    assert!(!w.allow_md5 && !s.allow_md5);
    assert!(!w.allow_md5_countersignature && !s.allow_md5_countersignature);
    assert!(!w.accept_data_after_cert_table && !s.accept_data_after_cert_table);
    assert_eq!(w.max_nesting_depth, s.max_nesting_depth);
    assert_eq!(Policy::default(), w);
}
