//! Verify a file against a CertUtil -syncWithWU folder and print exactly which certificates
//! to install, with the file name CertUtil uses and the chain that needs each.
//!
//! `cargo run -p authverify --example certutil_missing -- FILE FOLDER`. Without arguments it
//! uses the shipped folder of public roots and a test file that carries an unknown root.
use std::path::PathBuf;

use authverify::{Policy, Role, TrustStore, Verifier};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let vectors = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors");
    let mut args = std::env::args().skip(1);
    let file = args
        .next()
        .map_or(vectors.join("chains/iv-signed-root-embedded.exe"), PathBuf::from);
    let folder = args.next().map_or(vectors.join("trust/anchors"), PathBuf::from);

    let mut trust = TrustStore::new();
    // <sha1>.crt roots, authroot.stl (per-root policy), disallowedcert.* (distrusted),
    // .cab files; anything else is listed, not silently dropped.
    let loaded = trust.load(&folder, Role::Anchors)?;
    for skipped in &loaded.skipped {
        eprintln!("not used: {}: {}", skipped.path, skipped.reason);
    }
    let verifier = Verifier::new(trust, Policy::windows());
    let report = verifier.verify_path(&file, "2026-06-01T00:00:00Z".parse()?)?;

    println!("{}: {:?}", file.display(), report.status);
    for m in &report.missing {
        let needed: Vec<String> = m.needed_by.iter().map(ToString::to_string).collect();
        println!(
            "  {} -> {} ({}), file {}, needed by {}",
            m.name.as_deref().unwrap_or(&m.subject),
            m.store.windows_name(),
            m.sha1.as_deref().unwrap_or("SHA-1 unknown"),
            m.file_name.as_deref().unwrap_or("-"),
            needed.join(", ")
        );
    }
    Ok(())
}
