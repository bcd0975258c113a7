//! Shared test helpers: where the vectors and the real-world cache are.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use authverify::{Policy, TrustStore, UnixTime, Verifier};
use serde_json::Value;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

pub fn vectors_dir() -> PathBuf {
    repo_root().join("test-vectors")
}

pub fn manifest() -> Value {
    let text = std::fs::read_to_string(vectors_dir().join("manifest.json")).expect("manifest.json");
    serde_json::from_str(&text).expect("manifest parses")
}

pub fn manifest_time(m: &Value) -> UnixTime {
    m["evaluated_at"]
        .as_str()
        .expect("evaluated_at")
        .parse()
        .expect("time parses")
}

/// The verifier the manifest's verdicts are stated for: the manifest's trust files only.
pub fn manifest_verifier(m: &Value) -> Verifier {
    let mut trust = TrustStore::new();
    for t in m["trust"].as_array().expect("trust list") {
        trust
            .load_anchors(&vectors_dir().join(t.as_str().expect("path")))
            .expect("load trust");
    }
    Verifier::new(trust, Policy::windows())
}

/// Real-world files fetched by scripts/fetch-real-world.py, with their corpus rows.
pub fn real_world_files() -> (Vec<(PathBuf, String)>, usize) {
    let cache = std::env::var_os("AUTHVERIFY_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/authverify"))
        .join("real-world");
    let corpus = std::fs::read_to_string(repo_root().join("test-vectors/real-world/corpus.tsv")).expect("corpus.tsv");
    let mut found = Vec::new();
    let mut missing = 0;
    for line in corpus.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (name, sha) = (cols[0], cols[2]);
        let path = cache.join(name);
        match std::fs::read(&path) {
            Ok(bytes) if authverify::DigestAlgorithm::Sha256.hash(&bytes) == hex_decode(sha) => {
                found.push((path, line.to_string()))
            }
            _ => missing += 1,
        }
    }
    (found, missing)
}

pub fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// How deep a signature is nested (0 = a certificate-table entry).
pub fn nesting_depth(all: &[authverify::SignatureReport], s: &authverify::SignatureReport) -> usize {
    let (mut d, mut next) = (0, s.nested_in);
    while let Some(p) = next {
        d += 1;
        next = all[p].nested_in;
    }
    d
}

/// osslsigncode's `verify` output for `path` (no trust files: only digests and times are read).
pub fn osslsigncode_verify(path: &Path) -> Option<String> {
    let out = std::process::Command::new("osslsigncode")
        .args(["verify", "-in"])
        .arg(path)
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Every fetched real-world file with its report from `verifier` at `at`; files the
/// verifier cannot read at all are left out (the manifest tests cover them).
pub fn verify_real_world(verifier: &Verifier, at: UnixTime) -> Vec<(PathBuf, authverify::FileReport)> {
    real_world_files()
        .0
        .into_iter()
        .filter_map(|(path, _)| {
            let bytes = std::fs::read(&path).ok()?;
            verifier.verify_bytes(&bytes, at).ok().map(|r| (path, r))
        })
        .collect()
}
