//! Issue 29: scripts through the command, as admins meet them: a folder walk picks them up
//! by extension, each gets the verdict test-vectors/scripts/manifest.json states (how the
//! vector was built), the summary counts them, and an untrusted one names the root to
//! install.

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

#[test]
fn a_folder_of_scripts_gets_the_manifest_verdicts() {
    let dir = repo().join("test-vectors/scripts");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).expect("manifest")).expect("json");
    let root = repo().join("test-vectors/pki/root.crt");
    let out = run(&[
        "verify",
        "--format",
        "jsonl",
        "--summary",
        "--at",
        "2026-06-01T00:00:00Z",
        "--trust",
        root.to_str().expect("utf-8"),
        dir.to_str().expect("utf-8"),
    ]);
    let records = lines(&out);
    let by_path = |file: &str| {
        records
            .iter()
            .find(|r| r["path"].as_str().is_some_and(|p| p.replace('\\', "/").ends_with(file)))
            .unwrap_or_else(|| panic!("{file} not reported"))
    };
    let mut valid = 0;
    for v in manifest["vectors"].as_array().expect("vectors") {
        let file = v["file"].as_str().expect("file");
        let r = by_path(file);
        match v["status"].as_str() {
            Some(want) => {
                assert_eq!(r["status"], want, "{file}");
                assert_eq!(r["format"], "script", "{file}");
                valid += usize::from(want == "valid");
            }
            None => assert_eq!(r["error_rule"], "file.script", "{file}: {r}"),
        }
    }
    assert!(valid >= 20, "{valid}");
    // The summary counts the scripts like any file, and names where the appended text is.
    let summary = &records.last().expect("the summary line")["summary"];
    let vectors = manifest["vectors"].as_array().expect("vectors");
    // Every vector, and the two catalogs beside them (test-vectors/scripts/catalog/).
    assert_eq!(summary["files"], vectors.len() + 2, "{summary}");
    assert_eq!(summary["files"], records.len() - 1, "{summary}");
    assert_eq!(summary["by_status"]["valid"], valid + 2, "{summary}");
    let reasons: Vec<&str> = summary["other_failures"]
        .as_array()
        .expect("other_failures")
        .iter()
        .filter_map(|f| f["reason"].as_str())
        .collect();
    assert!(
        reasons.contains(&"invalid: text after the script's signature block"),
        "{reasons:?}"
    );
    // The exit code says not every file is valid (tampered and hostile vectors).
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn an_untrusted_script_names_the_root_to_install() {
    let file = repo().join("test-vectors/scripts/powershell/utf8-crlf.ps1");
    let out = run(&[
        "verify",
        "--format",
        "jsonl",
        "--at",
        "2026-06-01T00:00:00Z",
        "--trust",
        "builtin",
        file.to_str().expect("utf-8"),
    ]);
    let r = &lines(&out)[0];
    assert_eq!(r["status"], "untrusted", "{r}");
    assert_eq!(r["script"]["language"], "powershell");
    let missing: Vec<&str> = r["missing"]
        .as_array()
        .expect("missing")
        .iter()
        .filter_map(|m| m["subject"].as_str())
        .collect();
    assert_eq!(missing, ["CN=Authverify Test Root CA,O=Authverify Test PKI"]);
}
