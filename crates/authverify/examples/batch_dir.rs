//! Verify every file of a directory in parallel (rayon) with shared caches, and count the
//! verdicts.
//!
//! `cargo run -p authverify --example batch_dir -- DIR`. Without arguments it verifies the
//! shipped test vectors with the built-in certificate set plus the test root.
use std::collections::BTreeMap;
use std::path::PathBuf;

use authverify::{Policy, Role, TrustStore, Verifier};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let vectors = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors");
    let dir = std::env::args().nth(1).map_or(vectors.clone(), PathBuf::from);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "exe"))
        .collect();
    files.sort();

    let mut trust = TrustStore::builtin();
    trust.load(&vectors.join("pki/root.crt"), Role::Anchors)?;
    let verifier = Verifier::new(trust, Policy::windows());
    let results = verifier.verify_paths(&files, "2026-06-01T00:00:00Z".parse()?);

    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (file, result) in files.iter().zip(&results) {
        let verdict = match result {
            Ok(report) => format!("{:?}", report.status),
            Err(e) => format!("error ({e})"),
        };
        println!("{}: {verdict}", file.display());
        *counts
            .entry(verdict.split(' ').next().unwrap_or("?").to_string())
            .or_default() += 1;
    }
    println!(
        "{counts:?}; {} certificate links checked once for all files",
        verifier.link_cache().len()
    );
    Ok(())
}
