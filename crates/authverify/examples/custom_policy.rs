//! A custom policy and evaluation time: start from a preset, change rules, and read which
//! leniencies a verdict relied on.
//!
//! `cargo run -p authverify --example custom_policy`.
use std::path::PathBuf;

use authverify::{Policy, Role, TrustStore, UnixTime, Verifier};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let vectors = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors");
    let mut trust = TrustStore::new();
    trust.load(&vectors.join("pki/root.crt"), Role::Anchors)?;
    // install4j-style signature: SignedData v3 with the content in an OCTET STRING.
    let file = vectors.join("cms-v3-octet-string.exe");
    let at: UnixTime = "2026-06-01T00:00:00Z".parse()?;

    // Windows' rules, but no SHA-1 anywhere and RSA keys of at least 3072 bits.
    let mut policy = Policy::windows();
    policy.allow_sha1 = false;
    policy.allow_sha1_certificates = false;
    policy.min_rsa_bits = 3072;

    for (name, policy) in [
        ("windows", Policy::windows()),
        ("strict", Policy::strict()),
        ("custom", policy),
    ] {
        let report = Verifier::new(trust.clone(), policy).verify_path(&file, at)?;
        println!("{name}: {:?}", report.status);
        // Findings carry the rule they are about: `policy.<field>` for the rules a Policy
        // field decides, with the effect (leniency relied on, or refusal).
        let findings = report
            .signatures
            .iter()
            .flat_map(|s| s.notes.iter().chain(s.chain.iter().flat_map(|c| c.notes.iter())));
        for f in findings.filter(|f| f.rule.policy_field().is_some()) {
            println!("  {} ({}): {}", f.rule, f.effect.as_str(), f.detail);
        }
        // Rules the path builder applies end the chain with their detail.
        for detail in report
            .signatures
            .iter()
            .filter_map(|s| s.chain.as_ref()?.detail.as_ref())
        {
            println!("  chain: {detail}");
        }
    }
    Ok(())
}
