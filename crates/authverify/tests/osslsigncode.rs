//! Differential test: our computed digest equals osslsigncode's "Calculated message
//! digest" for every signature, and our digest_matches agrees with its MISMATCH marker, on
//! the generated vectors and on every real-world file that was fetched.

mod common;

use std::path::Path;
use std::process::Command;

use authverify::{Policy, TrustStore, UnixTime, Verifier};

/// (calculated digest, mismatch flag) per signature, in osslsigncode's order.
fn osslsigncode_digests(path: &Path) -> Option<Vec<(String, bool)>> {
    let text = common::osslsigncode_verify(path)?;
    let mut v = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("Calculated message digest : ") {
            let mut parts = rest.split_whitespace();
            let digest = parts.next().unwrap_or_default().to_lowercase();
            v.push((digest, rest.contains("MISMATCH")));
        }
    }
    Some(v)
}

fn have_osslsigncode() -> bool {
    Command::new("osslsigncode").arg("--version").output().is_ok()
}

/// Files where osslsigncode reads no signature by design; see docs/conformance.md.
const OSSLSIGNCODE_CANNOT_READ: &[&str] = &[
    // Two WIN_CERTIFICATE entries: osslsigncode calls the table corrupted.
    "shim-signed-1.51~1+deb12u1+16.1-2~deb12u1__shimx64.efi.signed",
    // Table not at end of file: osslsigncode ignores the signature ("Ignoring PE signature
    // not at the end of the file") and reports the file unsigned; we report it invalid,
    // with the digest of the bytes before the table.
    "appended-data.exe",
];

fn compare(path: &Path, verifier: &Verifier, at: UnixTime) -> Result<usize, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let report = verifier
        .verify_bytes(&bytes, at)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    // osslsigncode reads the primary signature and the signatures nested directly in it,
    // not deeper levels.
    let ours: Vec<(String, bool)> = report
        .signatures
        .iter()
        .filter(|s| common::nesting_depth(&report.signatures, s) <= 1)
        .filter_map(|s| s.computed_digest.clone().map(|d| (d, !s.digest_matches)))
        .collect();
    let theirs = osslsigncode_digests(path).ok_or("osslsigncode did not run")?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if OSSLSIGNCODE_CANNOT_READ.contains(&name) {
        if !theirs.is_empty() {
            return Err(format!(
                "{name}: osslsigncode now reads it; remove it from the exception list"
            ));
        }
        return Ok(0);
    }
    if ours != theirs {
        return Err(format!("{}: ours {ours:?} vs osslsigncode {theirs:?}", path.display()));
    }
    Ok(ours.len())
}

#[test]
fn digests_agree_with_osslsigncode_on_vectors() {
    if !have_osslsigncode() {
        eprintln!("SKIPPED: osslsigncode not installed (.ci/run installs it)");
        return;
    }
    let m = common::manifest();
    let verifier = common::manifest_verifier(&m);
    let at = common::manifest_time(&m);
    let mut compared = 0;
    let mut errors = Vec::new();
    for v in m["vectors"].as_array().expect("vectors") {
        if v["status"] == "unsigned" {
            continue;
        }
        match compare(
            &common::vectors_dir().join(v["file"].as_str().expect("file")),
            &verifier,
            at,
        ) {
            Ok(n) => compared += n,
            Err(e) => errors.push(e),
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert!(compared >= 12, "only {compared} signatures compared");
}

#[test]
fn digests_agree_with_osslsigncode_on_real_world_files() {
    if !have_osslsigncode() {
        eprintln!("SKIPPED: osslsigncode not installed (.ci/run installs it)");
        return;
    }
    let (files, missing) = common::real_world_files();
    eprintln!(
        "real-world: {} files present, {missing} not fetched (scripts/fetch-real-world.py)",
        files.len()
    );
    let verifier = Verifier::new(TrustStore::builtin(), Policy::windows());
    let at = UnixTime::from_secs(1_780_272_000);
    let mut compared = 0;
    let mut errors = Vec::new();
    for (path, _) in &files {
        match compare(path, &verifier, at) {
            Ok(n) => compared += n,
            Err(e) => errors.push(e),
        }
    }
    eprintln!("real-world: {compared} signature digests agree with osslsigncode");
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}
