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

/// A bundle over 8 MiB (read in parts) through the command: two packages of 5 MiB stored
/// payload each, signed by osslsigncode and stored in a bundle it signs
/// (scripts/make-appx-vectors.py's `bundle_of`), is valid with each package's verdict
/// reported; one byte of a package's payload changed makes it invalid, naming that package.
/// Skipped visibly without osslsigncode.
#[test]
fn a_large_bundle_is_verified_in_parts_through_the_command() {
    let test = "a_large_bundle_is_verified_in_parts_through_the_command";
    if Command::new("osslsigncode").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("AUTHVERIFY_REQUIRE_EXTRAS").is_none(),
            "{test}: needs osslsigncode, and AUTHVERIFY_REQUIRE_EXTRAS is set"
        );
        eprintln!("SKIPPED {test}: needs osslsigncode");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let code = r#"
import importlib.util, pathlib, random, sys, zipfile
spec = importlib.util.spec_from_file_location("appx", "scripts/make-appx-vectors.py")
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
out = pathlib.Path(sys.argv[1])
rng = random.Random(33)
packages = []
for arch in ("x64", "x86"):
    big = rng.randbytes(5 << 20)
    m.payload = lambda big=big: [("Assets/big.bin", big, zipfile.ZIP_STORED)]
    m.package(out / ("u-%s.msix" % arch))
    name = "Authverify.TestPackage_1.0.0.0_%s.msix" % arch
    m.sign(out / ("u-%s.msix" % arch), out / name)
    packages.append((name, out / name, arch))
m.bundle_of(out / "u.msixbundle", packages)
m.sign(out / "u.msixbundle", out / "big.msixbundle")
"#;
    let made = Command::new("python3")
        .current_dir(repo())
        .args(["-c", code, s(tmp.path())])
        .output()
        .expect("python3");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let path = tmp.path().join("big.msixbundle");
    let bytes = std::fs::read(&path).expect("the bundle");
    assert!(bytes.len() > 8 << 20);
    let root = repo().join("test-vectors/pki/root.crt");
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("test-vectors/appx/manifest.json")).expect("manifest"),
    )
    .expect("json");
    let at = manifest["evaluated_at"].as_str().expect("time");
    let verify = |p: &Path| {
        let out = run(&["verify", "--format", "jsonl", "--at", at, "--trust", s(&root), s(p)]);
        lines(&out).into_iter().next().expect("a report")
    };
    let inner = |r: &Value| -> Vec<(String, String)> {
        r["signatures"][0]["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["rule"] == "appx.inner_package")
            .map(|f| {
                (
                    f["effect"].as_str().unwrap_or_default().to_string(),
                    f["detail"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    let r = verify(&path);
    assert_eq!(r["status"], "valid", "{r}");
    assert_eq!(r["format"], "appx", "{r}");
    let packages = inner(&r);
    assert_eq!(packages.len(), 2, "{r}");
    assert!(packages.iter().all(|(_, d)| d.ends_with(": valid")), "{packages:?}");
    // A byte of the second package's payload (past the first package, in its data).
    let x86 = bytes
        .windows(b"Authverify.TestPackage_1.0.0.0_x86.msix".len())
        .position(|w| w == b"Authverify.TestPackage_1.0.0.0_x86.msix")
        .expect("the second package's local header");
    let mut copy = bytes.clone();
    copy[x86 + (3 << 20)] ^= 0x01;
    let flipped = tmp.path().join("flipped.msixbundle");
    std::fs::write(&flipped, &copy).expect("write");
    let r = verify(&flipped);
    assert_eq!(r["status"], "invalid", "{r}");
    let refused: Vec<_> = inner(&r).into_iter().filter(|(e, _)| e == "refusal").collect();
    assert_eq!(refused.len(), 1, "{r}");
    assert!(refused[0].1.contains("_x86.msix: invalid"), "{refused:?}");
}
