//! Replays every file of `fuzz/corpus/<target>/` and `fuzz/regressions/<target>/` through the
//! entry the fuzz target drives: the regression set runs on every `cargo test`, without
//! libFuzzer or sanitizers. A file that panics fails the test; the name says which.

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

#[test]
fn every_corpus_and_regression_file_runs_clean() {
    let mut replayed = 0;
    for kind in ["corpus", "regressions"] {
        for entry in authverify_fuzz_entry::ENTRIES {
            let dir = fuzz_dir().join(kind).join(entry);
            let Ok(files) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut files: Vec<PathBuf> = files.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
            files.sort();
            for file in files {
                let data = std::fs::read(&file).expect("read corpus file");
                eprintln!("{entry}: {}", file.display());
                authverify_fuzz_entry::run(entry, &data);
                replayed += 1;
            }
        }
    }
    eprintln!("replayed {replayed} files");
    assert!(replayed >= 50, "the seed corpora are missing ({replayed} files)");
}

#[test]
fn the_signature_wrapper_produces_a_verifiable_image() {
    // A real signed vector's PKCS#7, re-wrapped around the base image, verifies.
    let signed = authverify_fuzz_entry::SIGNED_VECTOR;
    let image = authverify::PeImage::parse(signed).expect("vector");
    let table = image.cert_table_bytes().expect("table");
    let len = u32::from_le_bytes([table[0], table[1], table[2], table[3]]) as usize;
    let pkcs7 = &table[8..len];
    let wrapped = authverify_fuzz_entry::wrap_signature(pkcs7);
    let mut trust = authverify::TrustStore::new();
    trust.add_anchor(std::sync::Arc::new(
        authverify::Certificate::from_der(authverify_fuzz_entry::TEST_ROOT).expect("root"),
    ));
    let report = authverify::Verifier::new(trust, authverify::Policy::windows())
        .verify_bytes(&wrapped, authverify_fuzz_entry::AT)
        .expect("wrapped image verifies");
    // The vector was signed over the same base image, so the re-wrapped file is valid: the
    // entry reaches digest, signer and chain checks, not just the parser.
    assert_eq!(report.status, authverify::FileStatus::Valid, "{report:?}");
}

#[test]
fn the_entries_are_exactly_the_fuzz_targets() {
    // One list of targets: fuzz/Cargo.toml's [[bin]] names, which scripts/fuzz-smoke.sh
    // reads with `cargo fuzz list`; the entry crate must serve each, and no other.
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).expect("fuzz/Cargo.toml");
    let mut bins: Vec<&str> = manifest
        .split("[[bin]]")
        .skip(1)
        .filter_map(|block| {
            block
                .lines()
                .find_map(|l| l.trim().strip_prefix("name = \""))
                .and_then(|rest| rest.strip_suffix('"'))
        })
        .collect();
    bins.sort_unstable();
    let mut entries: Vec<&str> = authverify_fuzz_entry::ENTRIES.to_vec();
    entries.sort_unstable();
    assert_eq!(bins, entries);
}
