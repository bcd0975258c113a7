//! Verify one file against your own roots and print the verdict and what is missing.
//!
//! `cargo run -p authverify --example verify_one -- FILE ROOTS` (ROOTS: a certificate file,
//! a bundle or a folder). Without arguments it verifies a shipped test vector against the
//! test root.
use std::path::PathBuf;

use authverify::{Policy, Role, TrustStore, UnixTime, Verifier};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let vectors = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors");
    let mut args = std::env::args().skip(1);
    let file = args
        .next()
        .map_or(vectors.join("pe32plus-rsa2048-sha256.exe"), PathBuf::from);
    let roots = args.next().map_or(vectors.join("pki/root.crt"), PathBuf::from);

    let mut trust = TrustStore::new();
    trust.load(&roots, Role::Anchors)?;
    let verifier = Verifier::new(trust, Policy::windows());
    // The library never reads the clock: say when to judge the file.
    let at: UnixTime = "2026-06-01T00:00:00Z".parse()?;
    let report = verifier.verify_path(&file, at)?;

    println!("{}: {:?}", file.display(), report.status);
    for m in &report.missing {
        println!(
            "  install {} into {}",
            m.name.as_deref().unwrap_or(&m.subject),
            m.store.windows_name()
        );
    }
    Ok(())
}
