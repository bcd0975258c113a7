//! Issue 29: APPX/MSIX packages through the command, as admins meet them: a folder walk
//! picks them up by name, each gets the verdict test-vectors/appx/manifest.json states (how
//! the vector was built and what osslsigncode concluded), hostile archives are typed
//! `file.appx` errors, and for a package and a script whose root is missing,
//! `--export-missing` writes that root (vouched for with `--vouch`) as a file to install.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_authverify"))
        .args(args)
        .output()
        .expect("run authverify")
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn a_folder_of_packages_gets_the_manifest_verdicts() {
    let dir = repo().join("test-vectors/appx");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).expect("manifest")).expect("json");
    let root = repo().join("test-vectors/pki/root.crt");
    let out = run(&[
        "verify",
        "--format",
        "jsonl",
        "--summary",
        "--at",
        manifest["evaluated_at"].as_str().expect("time"),
        "--trust",
        s(&root),
        s(&dir),
    ]);
    let records = lines(&out);
    let by_path = |file: &str| {
        records
            .iter()
            .find(|r| {
                r["path"]
                    .as_str()
                    .is_some_and(|p| p.replace('\\', "/").ends_with(&format!("/{file}")))
            })
            .unwrap_or_else(|| panic!("{file} not reported"))
    };
    let vectors = manifest["vectors"].as_array().expect("vectors");
    let hostile = manifest["hostile"].as_array().expect("hostile");
    for v in vectors {
        let file = v["file"].as_str().expect("file");
        let r = by_path(file);
        assert_eq!(r["status"], v["status"], "{file}: {r}");
        assert_eq!(r["format"], "appx", "{file}");
    }
    for v in hostile {
        let file = v["file"].as_str().expect("file");
        assert_eq!(by_path(file)["error_rule"], "file.appx", "{file}");
    }
    // Every package and nothing else (manifest.json is skipped), then the summary.
    let summary = &records.last().expect("summary")["summary"];
    assert_eq!(summary["files"], vectors.len() + hostile.len(), "{summary}");
    assert_eq!(records.len(), vectors.len() + hostile.len() + 1);
    assert_eq!(out.status.code(), Some(1));
}

/// The root a package's or a script's chain lacks, vouched for by the admin, is exported
/// as `<sha1>.crt` with the same bytes as the certificate the vectors were signed under.
#[test]
fn a_package_and_a_script_export_the_root_they_lack() {
    let root = repo().join("test-vectors/pki/root.crt");
    let package = repo().join("test-vectors/appx/signed.msix");
    let script = repo().join("test-vectors/scripts/powershell/utf8-crlf.ps1");
    for file in [&package, &script] {
        let dir = tempfile::tempdir().expect("tempdir");
        let out_dir = dir.path().join("out");
        let out = run(&[
            "verify",
            "--format",
            "jsonl",
            "--at",
            "2026-06-01T00:00:00Z",
            "--trust",
            "builtin",
            "--vouch",
            s(&root),
            "--export-missing",
            s(&out_dir),
            s(file),
        ]);
        let records = lines(&out);
        let r = &records[0];
        assert_eq!(r["status"], "untrusted", "{r}");
        let sha1 = r["missing"][0]["sha1"].as_str().expect("a missing root");
        assert_eq!(r["missing"][0]["vouched_by"], "user", "{r}");
        let exported = std::fs::read(out_dir.join(format!("{sha1}.crt"))).expect("the root exported");
        assert_eq!(exported, std::fs::read(&root).expect("root"), "{}", file.display());
    }
}
