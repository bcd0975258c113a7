//! Hostile inputs: each generated vector gets the typed verdict test-vectors/hostile/hostile.json
//! records (from how it was built), and the two too large to commit (10,000 certificates in
//! one SignedData, signatures nested 1,000 deep) are built here and end in bounded, typed
//! results. How long each takes is measured by `benches/benches/hostile.rs`, not asserted.

mod common;

use std::sync::Arc;

use authverify::{Certificate, FileStatus, Policy, Rule, TrustStore, Verifier};
use authverify_testgen::manifest::{HostileManifest, Status};

fn hostile_dir() -> std::path::PathBuf {
    common::vectors_dir().join("hostile")
}

#[test]
fn every_hostile_vector_gets_its_typed_verdict() {
    let m: HostileManifest = common::manifest::read(&hostile_dir().join("hostile.json")).expect("hostile.json");
    let at = common::time(&m.evaluated_at);
    let verifier = Verifier::new(common::anchors(&m.trust), Policy::windows());
    let strict = Verifier::new(verifier.trust().clone(), Policy::strict());
    assert!(m.cases.len() >= 15, "{} hostile vectors", m.cases.len());
    let mut errors = Vec::new();
    for case in &m.cases {
        let file = case.file.as_str();
        let bytes = std::fs::read(hostile_dir().join(file)).expect("read");
        let result = verifier.verify_bytes(&bytes, at);
        match (case.status, &result) {
            (Status::Error, Err(e)) => {
                if Some(e.rule()) != case.error_rule.as_deref() {
                    errors.push(format!("{file}: error {e:?}, expected {:?}", case.error_rule));
                }
            }
            (want, Ok(r)) if r.status.as_str() == want.as_str() => {
                if let Some(n) = case.signatures {
                    if r.signatures.len() != n {
                        errors.push(format!("{file}: {} signatures, expected {n}", r.signatures.len()));
                    }
                }
                if let Some(chain) = &case.chain {
                    let got = r.signatures[0].chain.as_ref().map(|c| c.status.name());
                    if got != Some(chain.as_str()) {
                        errors.push(format!("{file}: chain {got:?}, expected {chain}"));
                    }
                }
                if let Some(sha1) = &case.missing_sha1 {
                    if !r.missing.iter().any(|m| m.sha1.as_ref() == Some(sha1)) {
                        errors.push(format!("{file}: {sha1} not named in {:?}", r.missing));
                    }
                }
                if let Some(want) = case.strict {
                    let s = strict.verify_bytes(&bytes, at).expect("verify");
                    if s.status.as_str() != want.as_str() {
                        errors.push(format!("{file}: strict {:?}, expected {want:?}", s.status));
                    }
                }
            }
            (want, got) => errors.push(format!("{file}: {got:?}, expected {want:?} ({})", case.why)),
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

fn verifier_for(root_der: &[u8]) -> Verifier {
    let mut trust = TrustStore::new();
    trust.add_anchor(Arc::new(Certificate::from_der(root_der).expect("root")));
    Verifier::new(trust, Policy::windows())
}

#[test]
fn ten_thousand_certificates_in_one_signature_end_in_a_typed_result() {
    let h = authverify_testgen::hostile_big::many_certificates(10_000);
    let at = "2026-06-01T00:00:00Z".parse().expect("time");
    let report = verifier_for(&h.root_der).verify_bytes(&h.image, at).expect("verify");
    let s = &report.signatures[0];
    assert!(s.digest_matches && s.signature_valid);
    // Only the first 256 certificates are read, and the report says so; the look-alike
    // issuers among them come first, and the link budget ends the search.
    assert!(
        s.notes
            .iter()
            .any(|n| n.rule == Rule::CertificatesTruncated && n.detail.contains("only the first 256 are read")),
        "{:?}",
        s.notes
    );
    let chain = s.chain.as_ref().expect("chain");
    assert_eq!(
        chain.status,
        authverify::ChainStatus::BudgetExceeded,
        "{:?}",
        chain.detail
    );
    assert_eq!(report.status, FileStatus::Untrusted);
}

#[test]
fn signatures_nested_a_thousand_deep_stop_at_the_nesting_limit() {
    let h = authverify_testgen::hostile_big::deep_nesting(1_000);
    let at = "2026-06-01T00:00:00Z".parse().expect("time");
    let report = verifier_for(&h.root_der).verify_bytes(&h.image, at).expect("verify");
    let policy = Policy::windows();
    // Depth 0..=16 are read; the 17th level is reported, never parsed further.
    assert_eq!(report.signatures.len(), policy.max_nesting_depth + 2);
    let last = report.signatures.last().expect("last");
    assert!(
        last.error
            .as_ref()
            .is_some_and(|e| e.rule == Rule::SignatureUnreadable && e.detail.contains("nest")),
        "{:?}",
        last.error
    );
    assert!(report.signatures[..=policy.max_nesting_depth]
        .iter()
        .all(|s| s.status == FileStatus::Valid));
}

#[test]
fn overlapping_sections_under_64_page_hashed_signatures_are_a_typed_finding() {
    // Issue 14: 4,096 section headers pointing at the same 1 MiB, 64 signatures carrying
    // page hashes. Recomputing per section and per signature hashed 4,096 x 1 MiB x 64
    // bytes; now the table is computed once per file and the overlap is reported.
    let h = authverify_testgen::hostile_big::overlapping_sections(4096, 1 << 20, 64);
    // 1 MiB of sections plus 64 signatures with a 257-page table each: about 2 MB.
    assert!(h.image.len() < 2_500_000, "{} bytes", h.image.len());
    let at = "2026-06-01T00:00:00Z".parse().expect("time");
    let report = verifier_for(&h.root_der).verify_bytes(&h.image, at).expect("verify");
    assert_eq!(report.status, FileStatus::Invalid);
    assert_eq!(report.signatures.len(), 64);
    let mut strict_trust = TrustStore::new();
    strict_trust.add_anchor(Arc::new(Certificate::from_der(&h.root_der).expect("root")));
    let strict = Verifier::new(strict_trust, Policy::strict())
        .verify_bytes(&h.image, at)
        .expect("verify");
    assert_eq!(strict.status, FileStatus::Invalid, "the same under strict");
    for s in &report.signatures {
        let ph = s.page_hashes.as_ref().expect("page hashes carried");
        assert!(!ph.matches);
        assert!(
            s.notes
                .iter()
                .any(|n| n.rule == Rule::PageHashesUncomputable && n.detail.contains("sections overlap")),
            "signature {}: {:?}",
            s.index,
            s.notes
        );
    }
}

#[test]
fn a_cabinet_whose_folders_share_one_stream_stops_at_the_cabinet_budget() {
    // Issue 14: 64 folders over one shared stream of 2,000 MSZIP blocks (115 KB on disk)
    // asked for 64 x 64 MiB of inflation; one budget for the whole cabinet ends it.
    let bomb = authverify_testgen::hostile_big::cabinet_bomb(64, 2000);
    assert!(bomb.len() < 120_000, "{} bytes", bomb.len());
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("authrootstl.cab");
    std::fs::write(&path, &bomb).expect("write");
    let err = TrustStore::new()
        .load(&path, authverify::Role::Anchors)
        .expect_err("the budget ends it");
    assert!(err.to_string().contains("inflates to more than"), "{err}");
}
