//! Issue 13, "never guess the store": a missing certificate is called a root or an
//! intermediate only when something at hand knows which it is. Independent truth: a real
//! signed file (test-vectors/demo) with one known intermediate taken out of its certificate
//! bag (outside what the signer signs, so the signature still verifies) must name exactly
//! that certificate, in the Intermediate store; generated vectors whose issuer nobody knows
//! must say `missing_issuer` with store `unknown` (tests/vectors.rs).

mod common;

use authverify::{ChainStatus, FileStatus, Policy, Role, Store, TrustStore, UnixTime, Verifier};

/// Microsoft Code Signing PCA 2024, the intermediate onnxruntime_providers_shared.dll carries.
const PCA_2024: &str = "5039c8dc9ace1ce039587e43486de073fa459222";

fn at() -> UnixTime {
    "2026-11-25T00:00:00Z".parse().expect("time")
}

fn offline_store() -> TrustStore {
    let mut trust = TrustStore::new();
    trust
        .load(&common::vectors_dir().join("demo/offline-root-store"), Role::Anchors)
        .expect("offline root store");
    trust
}

fn stripped() -> Vec<u8> {
    let signed =
        std::fs::read(common::vectors_dir().join("demo/signed/onnxruntime_providers_shared.dll")).expect("demo");
    authverify_testgen::strip::without_certificate(&signed, PCA_2024).expect("the file embeds PCA 2024")
}

#[test]
fn a_known_intermediate_taken_out_of_a_real_file_is_named_for_the_intermediate_store() {
    let report = Verifier::new(offline_store(), Policy::windows())
        .verify_bytes(&stripped(), at())
        .expect("verify");
    assert_eq!(report.status, FileStatus::Untrusted);
    let sig = &report.signatures[0];
    assert!(
        sig.digest_matches && sig.signature_valid,
        "the bag is outside the signature"
    );
    let chain = sig.chain.as_ref().expect("chain");
    assert_eq!(chain.status, ChainStatus::MissingIntermediate, "{:?}", chain.detail);
    assert_eq!(report.missing.len(), 1, "{:?}", report.missing);
    let m = &report.missing[0];
    assert_eq!(m.store, Store::Intermediate);
    assert_eq!(m.sha1.as_deref(), Some(PCA_2024));
    assert_eq!(m.file_name.as_deref(), Some(&*format!("{PCA_2024}.crt")));
    assert!(m.available, "the built-in set holds it");
    assert!(
        m.subject.contains("CN=Microsoft Code Signing PCA 2024"),
        "{}",
        m.subject
    );
}

#[test]
fn installing_the_named_intermediate_makes_the_stripped_file_valid() {
    let mut trust = offline_store();
    let pca = std::fs::read(
        common::repo_root().join(format!("crates/authverify/builtin-certs/intermediates/{PCA_2024}.crt")),
    )
    .expect("built-in intermediate");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(format!("{PCA_2024}.crt")), pca).expect("write");
    trust.load(dir.path(), Role::Intermediates).expect("intermediates");
    let report = Verifier::new(trust, Policy::windows())
        .verify_bytes(&stripped(), at())
        .expect("verify");
    assert_eq!(report.status, FileStatus::Valid, "{:?}", report.signatures[0].chain);
}

#[test]
fn an_issuer_nobody_knows_is_never_given_a_store() {
    // The generated vectors are signed under a private test root no built-in set or CTL lists.
    let bytes = std::fs::read(common::vectors_dir().join("pe32plus-rsa2048-sha256.exe")).expect("vector");
    let report = Verifier::new(offline_store(), Policy::windows())
        .verify_bytes(&bytes, at())
        .expect("verify");
    let chain = report.signatures[0].chain.as_ref().expect("chain");
    assert_eq!(chain.status, ChainStatus::MissingIssuer);
    assert!(report
        .missing
        .iter()
        .all(|m| m.store == Store::Unknown && m.sha1.is_none()));
    assert!(Store::Unknown.windows_name().contains("self-signed"));
}

/// A certificate authverify holds travels with the report that names it, so that
/// `--export-missing` never depends on a bounded cache that may have been emptied since:
/// the built-in intermediate (compared with its committed file), and an attacker root found
/// only in the file (its SHA-1 from how the hostile vector was built).
#[test]
fn a_missing_certificate_authverify_holds_carries_its_der() {
    let report = Verifier::new(offline_store(), Policy::windows())
        .verify_bytes(&stripped(), at())
        .expect("verify");
    let pca = std::fs::read(
        common::repo_root().join(format!("crates/authverify/builtin-certs/intermediates/{PCA_2024}.crt")),
    )
    .expect("built-in intermediate");
    assert_eq!(report.missing[0].der.as_deref(), Some(pca.as_slice()));

    let mut trust = TrustStore::new();
    trust
        .load(&common::vectors_dir().join("pki/root.crt"), Role::Anchors)
        .expect("test root");
    let verifier = Verifier::new(trust, Policy::windows());
    let file = common::vectors_dir().join("hostile/embedded-root-same-name-other-key.exe");
    let report = verifier
        .verify_path(&file, common::manifest_time(&common::manifest()))
        .expect("verify");
    let m = &report.missing[0];
    assert_eq!(m.sha1.as_deref(), Some("4c7a900d93303d482cdbc62326fd0691d828e67f"));
    assert!(m.available);
    let der = m.der.as_deref().expect("the file's root is carried");
    let cert = authverify::Certificate::from_der(der).expect("a certificate");
    assert_eq!(cert.sha1_hex(), "4c7a900d93303d482cdbc62326fd0691d828e67f");
    // Unknown issuers carry nothing.
    let unknown = Verifier::new(offline_store(), Policy::windows())
        .verify_path(&common::vectors_dir().join("pe32plus-rsa2048-sha256.exe"), at())
        .expect("verify");
    assert!(
        unknown.missing.iter().all(|m| !m.available && m.der.is_none()),
        "{:?}",
        unknown.missing
    );
}
