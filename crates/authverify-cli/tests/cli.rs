//! End-to-end: the built `authverify` binary on the generated vectors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-vectors")
        .canonicalize()
        .expect("test-vectors")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_authverify"))
        .args(args)
        .output()
        .expect("run authverify")
}

fn trust() -> String {
    vectors().join("pki/root.crt").display().to_string()
}

fn vector(name: &str) -> String {
    vectors().join(name).display().to_string()
}

fn jsonl(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

const AT: &str = "2026-06-01T00:00:00Z";

#[test]
fn jsonl_carries_the_contract_fields() {
    let out = run(&[
        "verify",
        "--trust",
        &trust(),
        "--at",
        AT,
        "--format",
        "jsonl",
        &vector("nested-sha1-sha256.exe"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = jsonl(&out);
    assert_eq!(lines.len(), 1);
    let f = &lines[0];
    assert_eq!(f["status"], "valid");
    assert!(f["path"].as_str().unwrap().ends_with("nested-sha1-sha256.exe"));
    let sigs = f["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 2);
    for (i, s) in sigs.iter().enumerate() {
        assert_eq!(s["index"], i);
        for key in [
            "digest_algorithm",
            "signed_digest",
            "computed_digest",
            "digest_matches",
            "signature_valid",
            "signer",
            "chain",
            "nested_in",
        ] {
            assert!(s.get(key).is_some(), "signature {i} lacks {key}: {s}");
        }
        for key in ["subject", "issuer", "serial", "sha1"] {
            assert!(s["signer"][key].is_string(), "signer.{key}");
        }
        assert_eq!(s["chain"]["status"], "trusted");
        let certs = s["chain"]["certificates"].as_array().unwrap();
        assert_eq!(certs.len(), 3, "leaf, intermediate, root");
        assert!(certs[2]["subject"]
            .as_str()
            .unwrap()
            .contains("Authverify Test Root CA"));
        assert_eq!(certs[2]["sha1"].as_str().unwrap().len(), 40);
    }
    assert_eq!(sigs[0]["digest_algorithm"], "sha1");
    assert_eq!(sigs[1]["digest_algorithm"], "sha256");
    assert_eq!(sigs[0]["nested_in"], Value::Null);
    assert_eq!(sigs[1]["nested_in"], 0);
    // Lowercase hex.
    let d = sigs[1]["computed_digest"].as_str().unwrap();
    assert_eq!(d.len(), 64);
    assert!(d.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
}

#[test]
fn exit_codes() {
    let valid = run(&[
        "verify",
        "--trust",
        &trust(),
        "--at",
        AT,
        &vector("pe32plus-rsa2048-sha256.exe"),
    ]);
    assert_eq!(valid.status.code(), Some(0));
    let invalid = run(&[
        "verify",
        "--trust",
        &trust(),
        "--at",
        AT,
        &vector("pe32plus-rsa2048-sha256.exe"),
        &vector("digest-mismatch.exe"),
    ]);
    assert_eq!(invalid.status.code(), Some(1));
    let usage = run(&["verify"]);
    assert_eq!(usage.status.code(), Some(2));
    let bad_time = run(&["verify", "--at", "yesterday", &vector("unsigned.exe")]);
    assert_eq!(bad_time.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_time.stderr).contains("RFC 3339"));
    let bad_trust = run(&["verify", "--trust", "/nonexistent/roots.pem", &vector("unsigned.exe")]);
    assert_eq!(bad_trust.status.code(), Some(2));
    let nothing = run(&["verify", "/nonexistent/file.exe"]);
    assert_eq!(nothing.status.code(), Some(2), "nothing verified");
}

#[test]
fn directories_are_walked_and_pe_files_recognised_by_content() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::copy(
        vectors().join("pe32plus-rsa2048-sha256.exe"),
        dir.path().join("sub/renamed.dat"),
    )
    .unwrap();
    std::fs::write(dir.path().join("readme.txt"), "not a PE file").unwrap();
    std::fs::write(dir.path().join("fake.exe"), "MZ but nothing else").unwrap();
    let out = run(&[
        "verify",
        "--trust",
        &trust(),
        "--at",
        AT,
        "--format",
        "jsonl",
        dir.path().to_str().unwrap(),
    ]);
    let lines = jsonl(&out);
    let by_name = |n: &str| lines.iter().find(|l| l["path"].as_str().unwrap().ends_with(n)).cloned();
    assert_eq!(by_name("renamed.dat").expect("PE found by content")["status"], "valid");
    let fake = by_name("fake.exe").expect("MZ file reported");
    assert_eq!(fake["status"], "error");
    assert!(fake["error"].as_str().unwrap().contains("too small"), "{fake}");
    assert!(by_name("readme.txt").is_none());
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipped 1 files that are not PE images"));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn default_trust_is_the_builtin_catalog_and_names_what_is_missing() {
    let out = run(&[
        "verify",
        "--at",
        AT,
        "--format",
        "json",
        &vector("pe32plus-rsa2048-sha256.exe"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &doc["files"][0];
    assert_eq!(f["status"], "untrusted");
    assert!(f["missing"][0]["subject"]
        .as_str()
        .unwrap()
        .contains("Authverify Test Root CA"));
}

#[test]
fn text_output_names_the_missing_certificate_in_one_line() {
    let out = run(&[
        "verify",
        "--trust",
        &trust(),
        "--at",
        AT,
        &vector("missing-intermediate.exe"),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("MISSING:"))
        .expect("MISSING line");
    assert!(
        line.contains("Authverify Test Code Signing CA") && line.contains("Intermediate Certification Authorities"),
        "{line}"
    );
}

#[test]
fn intermediates_and_distrust_flags_shape_the_trust() {
    let chains = vectors().join("chains");
    let p = |rel: &str| chains.join(rel).display().to_string();
    // Only the leaf is embedded: without the intermediates the EOC CA is missing...
    let base = ["verify", "--at", AT, "--format", "jsonl"];
    let without = run(&[
        &base[..],
        &["--trust", &p("certs/iv-root.crt"), &p("iv-signed-leaf-only.exe")],
    ]
    .concat());
    assert_eq!(without.status.code(), Some(1));
    let r = &jsonl(&without)[0];
    assert_eq!(r["status"], "untrusted");
    assert!(r["missing"][0]["subject"]
        .as_str()
        .expect("subject")
        .contains("EOC CA 01"));
    assert_eq!(r["missing"][0]["store"], "intermediate");
    assert_eq!(r["missing"][0]["needed_by"][0]["chain"], "signer");
    // ...with them the file is valid...
    let with = run(&[
        &base[..],
        &[
            "--trust",
            &p("certs/iv-root.crt"),
            "--intermediates",
            &p("certs/iv-eoc.crt"),
            "--intermediates",
            &p("certs/iv-pca.crt"),
            &p("iv-signed-leaf-only.exe"),
        ],
    ]
    .concat());
    assert_eq!(with.status.code(), Some(0), "{}", String::from_utf8_lossy(&with.stderr));
    // ...and distrusting the EOC CA makes it untrusted again, saying why.
    let distrusted = run(&[
        &base[..],
        &[
            "--trust",
            &p("certs/iv-root.crt"),
            "--distrust",
            &p("certs/iv-eoc.crt"),
            &p("iv-signed.exe"),
        ],
    ]
    .concat());
    assert_eq!(distrusted.status.code(), Some(1));
    assert_eq!(jsonl(&distrusted)[0]["signatures"][0]["chain"]["status"], "distrusted");
}

#[test]
fn a_trust_folder_reports_the_files_it_does_not_use() {
    // The anchors folder holds INDEX.tsv next to the certificates: it is named on stderr.
    let anchors = vectors().join("trust/anchors").display().to_string();
    let out = run(&[
        "verify",
        "--trust",
        &anchors,
        "--at",
        AT,
        &vector("pe32plus-rsa2048-sha256.exe"),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("INDEX.tsv") && stderr.contains("not a trust file"),
        "{stderr}"
    );
    // A cabinet named directly is a usage error that says what to do.
    let dir = std::env::temp_dir().join(format!("authverify-cab-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let cab = dir.join("authrootstl.cab");
    std::fs::write(&cab, b"MSCF\0\0\0\0").expect("cab");
    let out = run(&[
        "verify",
        "--trust",
        &cab.display().to_string(),
        &vector("pe32plus-rsa2048-sha256.exe"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be read"));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
