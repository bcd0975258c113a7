//! The README's first commands, on the real signed files shipped in test-vectors/demo/:
//! valid against the built-in trust; against an offline machine's root store, the exact
//! roots to install are named — and installing exactly those makes every file valid.
//! Independent truth: the SHA-256 and the roots each file chains to are recorded in
//! test-vectors/demo/SOURCES.tsv from the packages and the certificates themselves.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use sha2::Digest;

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-vectors/demo")
        .canonicalize()
        .expect("test-vectors/demo")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_authverify"))
        .args(args)
        .output()
        .expect("run authverify")
}

struct Source {
    file: String,
    sha256: String,
    roots: Vec<String>,
}

fn sources() -> Vec<Source> {
    let text = std::fs::read_to_string(demo().join("SOURCES.tsv")).expect("SOURCES.tsv");
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let col = |name: &str| head.iter().position(|h| *h == name).expect(name);
    lines
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            Source {
                file: c[col("file")].to_string(),
                sha256: c[col("sha256")].to_string(),
                roots: vec![
                    c[col("signer_root_sha1")].to_string(),
                    c[col("timestamp_root_sha1")].to_string(),
                ],
            }
        })
        .collect()
}

fn offline_roots() -> BTreeSet<String> {
    std::fs::read_dir(demo().join("offline-root-store"))
        .expect("offline-root-store")
        .map(|e| {
            let name = e.expect("entry").file_name().to_string_lossy().into_owned();
            name.trim_end_matches(".crt").to_string()
        })
        .collect()
}

#[test]
fn the_shipped_files_are_what_sources_tsv_says() {
    let sources = sources();
    assert_eq!(sources.len(), 3);
    let mut total = 0;
    for s in &sources {
        let bytes = std::fs::read(demo().join("signed").join(&s.file)).expect("demo file");
        total += bytes.len();
        assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), s.sha256, "{}", s.file);
    }
    assert!(total <= 2 << 20, "the demo stays under 2 MB ({total} bytes)");
}

#[test]
fn every_demo_file_is_valid_against_the_builtin_trust() {
    let dir = demo().join("signed").display().to_string();
    let out = run(&["verify", "--format", "jsonl", &dir]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let reports: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(reports.len(), 3);
    let sources = sources();
    for r in &reports {
        assert_eq!(r["status"], "valid", "{r}");
        // Each chain ends at the root SOURCES.tsv records for the file.
        let path = r["path"].as_str().expect("path");
        let src = sources
            .iter()
            .find(|s| path.ends_with(&s.file))
            .expect("listed in SOURCES.tsv");
        let sig = &r["signatures"][0];
        let last = |c: &Value| {
            c["certificates"]
                .as_array()
                .and_then(|a| a.last())
                .map(|c| c["sha1"].clone())
        };
        assert_eq!(last(&sig["chain"]), Some(Value::from(src.roots[0].clone())), "{path}");
        assert_eq!(
            last(&sig["timestamp"]["chain"]),
            Some(Value::from(src.roots[1].clone())),
            "{path}"
        );
    }
}

#[test]
fn an_offline_machine_is_told_exactly_which_roots_to_install_and_they_suffice() {
    let signed = demo().join("signed").display().to_string();
    let store = demo().join("offline-root-store").display().to_string();
    let out = run(&["verify", "--trust", &store, "--summary", "--format", "json", &signed]);
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let install = doc["summary"]["install"].as_array().expect("install");
    // Expected: every root SOURCES.tsv names that the offline store lacks.
    let offline = offline_roots();
    let want: BTreeSet<String> = sources()
        .iter()
        .flat_map(|s| s.roots.clone())
        .filter(|r| !offline.contains(r))
        .collect();
    assert_eq!(
        want.len(),
        3,
        "DigiCert Trusted Root G4, Certum Trusted Network CA, USERTrust RSA"
    );
    let got: BTreeSet<String> = install
        .iter()
        .map(|i| i["sha1"].as_str().expect("sha1 known").to_string())
        .collect();
    assert_eq!(got, want, "{install:#?}");
    for i in install {
        assert_eq!(i["store"], "root", "{i}");
        assert_eq!(i["available"], true, "{i}");
        let sha1 = i["sha1"].as_str().expect("sha1");
        assert_eq!(i["file_name"], format!("{sha1}.crt"));
    }
    // The text form names them with their store, as the README shows.
    let text = run(&["verify", "--trust", &store, "--summary", &signed]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Trusted Root Certification Authorities:"), "{text}");
    for name in [
        "DigiCert Trusted Root G4",
        "Certum Trusted Network CA",
        "USERTrust RSA Certification Authority",
    ] {
        assert!(text.contains(name), "{name} in\n{text}");
    }
    // Installing exactly what was named makes every file valid.
    let export = tempfile::tempdir().expect("tempdir");
    let exp = export.path().display().to_string();
    let out = run(&["verify", "--trust", &store, "--export-missing", &exp, &signed]);
    assert_eq!(out.status.code(), Some(1));
    let written: BTreeSet<String> = std::fs::read_dir(export.path())
        .expect("export dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".crt").map(str::to_string))
        .collect();
    assert_eq!(written, want);
    let after = run(&["verify", "--trust", &store, "--trust", &exp, &signed]);
    assert_eq!(
        after.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&after.stdout)
    );
}

#[test]
fn the_readme_shows_what_the_main_job_prints() {
    // README.md's first command, run from the repository root as the README says, prints
    // exactly the block shown under it.
    let root = demo().join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let command = "verify --trust test-vectors/demo/offline-root-store --summary test-vectors/demo/signed/";
    let after = &readme[readme.find(command).expect("the main job in the README")..];
    let start = after.find("```text\n").expect("its output block") + "```text\n".len();
    let shown = &after[start..start + after[start..].find("```").expect("block end")];
    let out = Command::new(env!("CARGO_BIN_EXE_authverify"))
        .args(command.split(' '))
        .current_dir(&root)
        .output()
        .expect("run");
    assert_eq!(String::from_utf8_lossy(&out.stdout), shown);
}
