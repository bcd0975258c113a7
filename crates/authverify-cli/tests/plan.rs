//! The install plan (issue 26): only certificates a root program or the user vouches for,
//! only from files whose own signatures hold, and `authverify summary` judging other
//! machines' reports by its own material. Expectations come from how the vectors were built
//! (test-vectors/plan/manifest.json) and from published thumbprints.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use authverify_testgen::plan::{PlanManifest, REAL_G4_SHA1};
use serde_json::{json, Value};

/// Published SHA-1 thumbprints of the roots the demo's islzma64.exe needs (Certum Trusted
/// Network CA, USERTrust RSA Certification Authority) and _tkinter.pyd needs (DigiCert
/// Trusted Root G4).
const CERTUM: &str = "07e032e020b72c3f192f0628a2593a19a70f069e";
const USERTRUST: &str = "2b8f1b57330dbba2d07a6c51f70ee90ddab9ad8e";
/// Halcom CA FO: listed by the pinned authroot.stl with a disable date (2020).
const HALCOM_DISABLED: &str = "0409565b77da582e6495ac0060a72354e64b0192";

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-vectors")
        .canonicalize()
        .expect("test-vectors")
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_authverify"))
        .args(args)
        .output()
        .expect("run authverify")
}

fn manifest() -> PlanManifest {
    let text = std::fs::read_to_string(vectors().join("plan/manifest.json")).expect("plan manifest");
    serde_json::from_str(&text).expect("plan manifest reads")
}

fn offline_store() -> String {
    s(&vectors().join("demo/offline-root-store"))
}

/// `verify --format json --summary` over `paths` against the offline store, plus `extra`.
fn summary_of(paths: &[String], extra: &[&str]) -> Value {
    let store = offline_store();
    let mut args = vec!["verify", "--format", "json", "--summary", "--trust", store.as_str()];
    args.extend_from_slice(extra);
    args.extend(paths.iter().map(String::as_str));
    let out = run(&args);
    serde_json::from_slice(&out.stdout).expect("JSON document")
}

fn sha1s(list: &Value) -> Vec<String> {
    let mut v: Vec<String> = list
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|i| i["sha1"].as_str().map(str::to_string))
        .collect();
    v.sort();
    v
}

fn plan_vector(name: &str) -> (String, String, Option<String>) {
    let m = manifest();
    let v = m.vectors.iter().find(|v| v.file == name).expect("vector in manifest");
    (
        s(&vectors().join("plan").join(&v.file)),
        v.root_sha1.clone(),
        v.impostor_of.clone(),
    )
}

/// The files of an export folder, sorted.
fn exported(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("export dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

#[test]
fn a_root_carried_by_the_file_is_never_planned() {
    let (file, root_sha1, _) = plan_vector("own-root-embedded.exe");
    let doc = summary_of(std::slice::from_ref(&file), &[]);
    let missing = &doc["files"][0]["missing"];
    assert_eq!(missing[0]["sha1"], json!(root_sha1));
    assert_eq!(missing[0]["vouched_by"], json!("none"));
    assert_eq!(doc["summary"]["install"], json!([]));
    assert_eq!(sha1s(&doc["summary"]["unvouched"]), std::slice::from_ref(&root_sha1));

    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("out");
    let store = offline_store();
    let out = run(&[
        "verify",
        "--summary",
        "--trust",
        &store,
        "--export-missing",
        &s(&out_dir),
        &file,
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("No certificate to install."), "{text}");
    assert!(text.contains("Not vouched for"), "{text}");
    // Nothing to install: no certificate, no script, no bundle; the README says why.
    assert_eq!(exported(&out_dir), ["README.txt"]);
    let readme = read(&out_dir.join("README.txt"));
    assert!(
        readme.contains("Not exported") && readme.contains(&root_sha1),
        "{readme}"
    );
}

#[test]
fn vouching_for_the_root_puts_exactly_it_into_the_plan() {
    let (file, root_sha1, _) = plan_vector("own-root-embedded.exe");
    let root = vectors().join("plan/certs/own-root.crt");
    let doc = summary_of(std::slice::from_ref(&file), &["--vouch", &s(&root)]);
    assert_eq!(doc["files"][0]["missing"][0]["vouched_by"], json!("user"));
    assert_eq!(sha1s(&doc["summary"]["install"]), std::slice::from_ref(&root_sha1));
    // Vouching is not trusting: the file stays untrusted until the root is installed.
    assert_eq!(doc["files"][0]["status"], json!("untrusted"));

    let dir = tempfile::tempdir().expect("tempdir");
    let store = offline_store();
    run(&[
        "verify",
        "--trust",
        &store,
        "--vouch",
        &s(&root),
        "--export-missing",
        &s(dir.path()),
        &file,
    ]);
    let crt = dir.path().join(format!("{root_sha1}.crt"));
    assert_eq!(
        std::fs::read(&crt).expect("exported root"),
        std::fs::read(&root).expect("root")
    );
}

#[test]
fn an_impostor_of_a_program_root_is_named_as_such_and_never_planned() {
    let (file, root_sha1, impostor_of) = plan_vector("impostor-g4-embedded.exe");
    assert_eq!(impostor_of.as_deref(), Some(REAL_G4_SHA1));
    let doc = summary_of(std::slice::from_ref(&file), &[]);
    let report = &doc["files"][0];
    let chain = &report["signatures"][0]["chain"];
    assert_eq!(chain["detail_rule"], json!("chain.impostor_root"));
    let m = &report["missing"][0];
    assert_eq!(m["sha1"], json!(root_sha1));
    assert_eq!(m["vouched_by"], json!("none"));
    assert_eq!(m["impostor_of"]["sha1"], json!(REAL_G4_SHA1));
    // The program's name is not lent to it.
    assert_eq!(m["name"], json!(null));
    assert_eq!(doc["summary"]["install"], json!([]));
    assert_eq!(sha1s(&doc["summary"]["unvouched"]), [root_sha1]);

    let store = offline_store();
    let out = run(&["verify", "--summary", "--trust", &store, &file]);
    let text = String::from_utf8_lossy(&out.stdout);
    let install = text.split("Not vouched for").next().unwrap_or_default();
    assert!(!install.contains("DigiCert Trusted Root G4"), "{text}");
    assert!(text.contains("IMPOSTOR"), "{text}");
}

/// An intermediate naming the real DigiCert Trusted Root G4 (its subject and key id) as its
/// issuer, signed with another key: G4 could never close the chain, so nothing is planned
/// (before the fix, G4 was listed as "vouched for by builtin").
#[test]
fn a_forged_issuer_name_asks_for_nothing_to_install() {
    let (file, _, _) = plan_vector("forged-g4-issuer-embedded.exe");
    let doc = summary_of(std::slice::from_ref(&file), &[]);
    assert_eq!(doc["summary"]["install"], json!([]));
    let text = doc.to_string();
    assert!(!text.contains(REAL_G4_SHA1), "{text}");
    let m = &doc["files"][0]["missing"][0];
    assert_eq!(m["vouched_by"], json!("none"));
    assert_eq!(m["sha1"], json!(null));
}

/// A copy of the demo's DigiCert-G4-rooted _tkinter.pyd with one byte of its code changed.
fn tampered_real_file(dir: &Path) -> String {
    let mut bytes = std::fs::read(vectors().join("demo/signed/_tkinter.pyd")).expect("demo file");
    // 0x400 is past the headers, inside the first section: covered by the Authenticode
    // digest, far from the certificate table at the end.
    if let Some(b) = bytes.get_mut(0x400) {
        *b ^= 0xff;
    }
    let path = dir.join("_tkinter-tampered.pyd");
    std::fs::write(&path, bytes).expect("write");
    s(&path)
}

#[test]
fn a_tampered_program_rooted_file_asks_for_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let original = s(&vectors().join("demo/signed/_tkinter.pyd"));
    // The untouched file needs DigiCert Trusted Root G4 from the offline store.
    let doc = summary_of(std::slice::from_ref(&original), &[]);
    assert_eq!(sha1s(&doc["summary"]["install"]), [REAL_G4_SHA1]);

    let tampered = tampered_real_file(dir.path());
    let doc = summary_of(std::slice::from_ref(&tampered), &[]);
    let report = &doc["files"][0];
    assert_eq!(report["status"], json!("invalid"));
    assert_eq!(report["signatures"][0]["digest_matches"], json!(false));
    assert_eq!(report["missing"], json!([]));
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.contains(&"plan.file_invalid"), "{rules:?}");
    assert_eq!(doc["summary"]["install"], json!([]));
    assert_eq!(doc["summary"]["unvouched"], json!([]));
}

#[test]
fn a_mixed_folder_exports_exactly_the_vouched_roots() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tampered = tampered_real_file(dir.path());
    let paths = [
        s(&vectors().join("plan")),
        s(&vectors().join("demo/signed/islzma64.exe")),
        tampered,
    ];
    let doc = summary_of(&paths, &[]);
    assert_eq!(sha1s(&doc["summary"]["install"]), [CERTUM, USERTRUST]);
    let (_, own, _) = plan_vector("own-root-embedded.exe");
    let (_, impostor, _) = plan_vector("impostor-g4-embedded.exe");
    let (_, hostile, _) = plan_vector("hostile-name-embedded.exe");
    let mut unvouched = vec![own.clone(), impostor.clone(), hostile];
    unvouched.sort();
    // The forged-issuer file's missing root has no thumbprint: it is listed, by subject.
    assert_eq!(sha1s(&doc["summary"]["unvouched"]), unvouched);

    let out_dir = dir.path().join("export");
    let store = offline_store();
    let mut args = vec!["verify", "--summary", "--trust", store.as_str(), "--export-missing"];
    let out_s = s(&out_dir);
    args.push(&out_s);
    args.extend(paths.iter().map(String::as_str));
    run(&args);
    assert_plan_files(&out_dir, &[CERTUM, USERTRUST], &[&own, &impostor]);
}

/// The export folder holds exactly `planned` as `<sha1>.crt`, the scripts install exactly
/// them, Root.p7b holds exactly their DER, and nothing of `excluded` appears anywhere.
fn assert_plan_files(dir: &Path, planned: &[&str], excluded: &[&str]) {
    let mut expected: Vec<String> = planned.iter().map(|s| format!("{s}.crt")).collect();
    expected.extend(["README.txt", "Root.p7b", "install.cmd", "install.ps1"].map(String::from));
    expected.sort();
    assert_eq!(exported(dir), expected);
    let (ps1, cmd) = (read(&dir.join("install.ps1")), read(&dir.join("install.cmd")));
    for script in [&ps1, &cmd] {
        let installed: Vec<&str> = script
            .lines()
            .filter(|l| l.starts_with("certutil") || l.starts_with("Import-Certificate"))
            .collect();
        assert_eq!(installed.len(), planned.len(), "{script}");
        for sha1 in planned {
            assert!(installed.iter().any(|l| l.contains(sha1)), "{sha1} not in {script}");
        }
        for sha1 in excluded {
            assert!(!script.contains(sha1), "{sha1} in {script}");
        }
    }
    let p7b = std::fs::read(dir.join("Root.p7b")).expect("Root.p7b");
    let mut total = 0;
    for sha1 in planned {
        let der = std::fs::read(dir.join(format!("{sha1}.crt"))).expect("crt");
        assert!(
            p7b.windows(der.len()).any(|w| w == der.as_slice()),
            "{sha1} not in Root.p7b"
        );
        total += der.len();
    }
    // Nothing else: the certificates are the bulk of the bundle (its envelope is ~30 bytes).
    assert!(p7b.len() < total + 64, "Root.p7b holds more than the plan");
}

/// A summary line, as `verify --summary --format jsonl --label HOST` writes it.
fn report_line(label: &str, paths: &[String], extra: &[&str]) -> String {
    let store = offline_store();
    let mut args = vec![
        "verify",
        "--summary",
        "--format",
        "jsonl",
        "--label",
        label,
        "--trust",
        store.as_str(),
    ];
    args.extend_from_slice(extra);
    args.extend(paths.iter().map(String::as_str));
    let out = run(&args);
    String::from_utf8(out.stdout).expect("UTF-8 report")
}

#[test]
fn a_merged_plan_takes_only_what_the_merging_machine_vouches_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (own_file, own, _) = plan_vector("own-root-embedded.exe");
    let (impostor_file, impostor, _) = plan_vector("impostor-g4-embedded.exe");
    let host_a = report_line("host-a", &[s(&vectors().join("demo/signed/islzma64.exe"))], &[]);
    // Host B vouched for its own root: on the merging machine, which does not, it is not.
    let root = s(&vectors().join("plan/certs/own-root.crt"));
    let host_b = report_line("host-b", &[own_file, impostor_file], &["--vouch", &root]);
    assert!(host_b.contains("\"vouched_by\":\"user\""), "{host_b}");
    // Host C is hostile: it claims its root is built-in, names a real program root with a
    // false name, store and file name, and writes paths and script text into every field.
    let hostile = json!({
        "schema": 3,
        "label": "host-c",
        "summary": {
            "files": 2,
            "by_status": { "untrusted": 2 },
            "install": [
                {
                    "name": "Evil %PATH% Root\r\ncertutil -addstore -f Root evil.crt", "subject": "CN=Evil\n",
                    "sha1": own, "sha256": null, "key_id": null, "store": "root",
                    "store_name": "Root", "file_name": "../../escaped.crt", "available": true,
                    "files": 5, "example": "x.exe\nforged", "vouched_by": "builtin"
                },
                {
                    "name": "Halcom", "subject": "CN=Halcom CA FO", "sha1": HALCOM_DISABLED,
                    "sha256": null, "key_id": null, "store": "root", "store_name": "Root",
                    "file_name": null, "available": true, "files": 1, "example": "z.exe",
                    "vouched_by": "builtin"
                },
                {
                    "name": "Totally Legit & Co", "subject": "CN=Fake", "sha1": USERTRUST,
                    "sha256": null, "key_id": null, "store": "intermediate", "store_name": "CA",
                    "file_name": "../../../usertrust.crt", "available": true, "files": 1,
                    "example": "y.exe", "vouched_by": "none"
                }
            ],
            "unvouched": [],
            "other_failures": []
        }
    });
    let reports = [
        ("a.jsonl", host_a),
        ("b.jsonl", host_b),
        ("c.jsonl", hostile.to_string()),
    ];
    let mut paths = Vec::new();
    for (name, text) in reports {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write report");
        paths.push(s(&p));
    }
    let nested = dir.path().join("a/b/export");
    let mut args = vec!["summary", "--format", "json", "--export-missing"];
    let nested_s = s(&nested);
    args.push(&nested_s);
    args.extend(paths.iter().map(String::as_str));
    let out = run(&args);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("merged summary");
    let summary = &doc["summary"];
    assert_eq!(sha1s(&summary["install"]), [CERTUM, USERTRUST]);
    let usertrust = summary["install"]
        .as_array()
        .expect("install")
        .iter()
        .find(|i| i["sha1"] == json!(USERTRUST))
        .expect("USERTrust");
    // This machine's own name, store and file name, not the report's.
    assert_eq!(usertrust["name"], json!("USERTrust RSA Certification Authority"));
    assert_eq!(usertrust["store"], json!("root"));
    assert_eq!(usertrust["file_name"], json!(format!("{USERTRUST}.crt")));
    assert_eq!(usertrust["hosts"], json!({ "host-a": 1, "host-c": 1 }));
    // Halcom CA FO is in the root program but disabled: a root installed by hand would lose
    // that restriction, so it is not vouched for.
    let mut unvouched = vec![own.clone(), impostor.clone(), HALCOM_DISABLED.to_string()];
    unvouched.sort();
    assert_eq!(sha1s(&summary["unvouched"]), unvouched);
    let own_entry = summary["unvouched"]
        .as_array()
        .expect("unvouched")
        .iter()
        .find(|i| i["sha1"] == json!(own))
        .expect("own root");
    assert_eq!(own_entry["vouched_by"], json!("none"));
    assert_eq!(own_entry["file_name"], json!(null));
    assert_eq!(own_entry["hosts"], json!({ "host-b": 1, "host-c": 5 }));

    // Nothing escaped the export folder; it holds exactly the vouched roots.
    for escaped in ["escaped.crt", "a/escaped.crt", "usertrust.crt"] {
        assert!(!dir.path().join(escaped).exists(), "{escaped} written");
    }
    assert_plan_files(&nested, &[CERTUM, USERTRUST], &[&own, &impostor]);
    for script in ["install.ps1", "install.cmd", "README.txt"] {
        let text = read(&nested.join(script));
        assert!(!text.contains("Evil") || script == "README.txt", "{script}: {text}");
        assert!(!text.contains("Totally Legit"), "{script}: {text}");
        assert!(
            !text.lines().any(|l| l.starts_with("certutil -addstore -f Root evil")),
            "{script}: {text}"
        );
    }

    // With --vouch on the merging machine, host B's root is vouched for here too.
    let out = run(&[
        "summary",
        "--format",
        "json",
        "--vouch",
        &root,
        paths.get(1).map_or("", String::as_str),
    ]);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("merged summary");
    assert_eq!(sha1s(&doc["summary"]["install"]), [own]);
    assert_eq!(doc["summary"]["install"][0]["vouched_by"], json!("user"));
}

/// A symlink planted in the export folder under the name a certificate will get does not
/// redirect the write: the elevated run that exports must not overwrite another file.
#[cfg(unix)]
#[test]
fn export_does_not_follow_a_planted_symlink() {
    let dir = tempfile::tempdir().expect("tempdir");
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, b"untouched").expect("victim");
    let out_dir = dir.path().join("export");
    std::fs::create_dir(&out_dir).expect("mkdir");
    for name in [
        format!("{CERTUM}.crt"),
        "README.txt".to_string(),
        "install.ps1".to_string(),
    ] {
        std::os::unix::fs::symlink(&victim, out_dir.join(name)).expect("symlink");
    }
    let store = offline_store();
    let out = run(&[
        "verify",
        "--trust",
        &store,
        "--export-missing",
        &s(&out_dir),
        &s(&vectors().join("demo/signed/islzma64.exe")),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read(&victim).expect("victim"), b"untouched");
    let crt = out_dir.join(format!("{CERTUM}.crt"));
    assert!(std::fs::symlink_metadata(&crt).expect("crt").file_type().is_file());
    assert_plan_files(&out_dir, &[CERTUM, USERTRUST], &[]);
}

/// Issue 27: a vouched root whose name holds cmd.exe and PowerShell syntax and line breaks
/// is exported, and nothing of its name can act in install.cmd (cmd expands `%` and `!` and
/// splits on `&` before it runs `rem`), install.ps1 or README.txt.
#[test]
fn a_hostile_certificate_name_stays_inert_in_scripts_and_readme() {
    let (file, root_sha1, _) = plan_vector("hostile-name-embedded.exe");
    let root = s(&vectors().join("plan/certs/hostile-name.crt"));
    let dir = tempfile::tempdir().expect("tempdir");
    let store = offline_store();
    run(&[
        "verify",
        "--trust",
        &store,
        "--vouch",
        &root,
        "--export-missing",
        &s(dir.path()),
        &file,
    ]);
    assert_plan_files(dir.path(), &[&root_sha1], &[]);
    let cmd = read(&dir.path().join("install.cmd"));
    let ps1 = read(&dir.path().join("install.ps1"));
    // Every line is one of the lines the exporter writes itself.
    for line in cmd.lines() {
        let ours = line == "@echo off"
            || line == "echo Installed."
            || line.starts_with("rem ") && !line.contains(['%', '!', '&', '^', '|', '<', '>', '"'])
            || line == format!("certutil -addstore -f Root \"%~dp0{root_sha1}.crt\" || exit /b 1");
        assert!(ours, "install.cmd line not inert: {line:?}");
    }
    for line in ps1.lines() {
        let ours = line.starts_with('#') && !line.contains(['$', '`', '\u{202e}'])
            || line == "$ErrorActionPreference = 'Stop'"
            || line == "Write-Host 'Installed.'"
            || line == format!(
                "Import-Certificate -FilePath (Join-Path $PSScriptRoot '{root_sha1}.crt') -CertStoreLocation Cert:\\LocalMachine\\Root | Out-Null"
            );
        assert!(ours, "install.ps1 line not inert: {line:?}");
    }
    assert_eq!(
        cmd.matches('\n').count(),
        cmd.matches("\r\n").count(),
        "bare LF in install.cmd"
    );
    let readme = read(&dir.path().join("README.txt"));
    assert!(!readme.contains('\r') && !readme.contains('\u{202e}'), "{readme:?}");
    assert!(
        !readme
            .lines()
            .any(|l| l.trim_start().starts_with("certutil -addstore -f Root evil")),
        "{readme}"
    );
}

/// Issue 27: a file name with a line break cannot forge a line of README.txt.
#[cfg(unix)]
#[test]
fn a_file_name_cannot_forge_a_readme_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = dir.path().join("files");
    std::fs::create_dir(&files).expect("mkdir");
    let forged = files.join("a.exe\ncertutil -addstore -f Root evil.crt\n");
    std::fs::copy(vectors().join("demo/signed/islzma64.exe"), &forged).expect("copy");
    let out_dir = dir.path().join("export");
    let store = offline_store();
    run(&[
        "verify",
        "--trust",
        &store,
        "--export-missing",
        &s(&out_dir),
        &s(&files),
    ]);
    let readme = read(&out_dir.join("README.txt"));
    assert!(readme.contains("evil.crt"), "the example is named: {readme}");
    assert!(
        !readme
            .lines()
            .any(|l| l.trim_start().starts_with("certutil -addstore -f Root evil")),
        "{readme}"
    );
    assert_plan_files(&out_dir, &[CERTUM, USERTRUST], &[]);
}

/// A summary object spread over many short lines is one value: the bound on a report's
/// values holds across line breaks (before, each line was counted alone and memory grew
/// until the allocator gave up), and `by_status` takes only the five verdicts.
#[test]
fn a_report_value_spread_over_lines_is_bounded_and_statuses_are_the_verdicts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spread = dir.path().join("spread.jsonl");
    let mut text = String::from("{\"schema\":3,\"summary\":{\"files\":1,\"install\":[],\"unvouched\":[],\"other_failures\":[],\"by_status\":{\n");
    text.push_str("\"valid\":1,\n");
    text.push_str(&"\"x\":1,\n".repeat(4));
    text.push_str("\"unsigned\":1}}}\n");
    std::fs::write(&spread, &text).expect("write");
    let out = run(&["summary", &s(&spread)]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown field"), "{stderr}");
}

/// A root the file does not carry, vouched for by its bytes (`--vouch`), is named as the
/// root to install and enters the plan: the admin gave the certificate, so it is at hand.
/// The vector is signed under the test PKI with only the leaf and the intermediate in the
/// file; the root's SHA-1 is the test root's. Without `--vouch` the same issuer is unknown
/// (no store, nothing to install).
#[test]
fn vouching_for_a_root_the_file_lacks_puts_it_into_the_plan() {
    let file = s(&vectors().join("pe32plus-rsa2048-sha256.exe"));
    let root = vectors().join("pki/root.crt");
    let root_sha1 = "3571b5a421a242764b4ecaea8eed94a62f312024".to_string();
    let plain = summary_of(std::slice::from_ref(&file), &[]);
    assert_eq!(plain["files"][0]["missing"][0]["store"], json!("unknown"), "{plain}");
    assert!(sha1s(&plain["summary"]["install"]).is_empty());

    let vouched = summary_of(std::slice::from_ref(&file), &["--vouch", &s(&root)]);
    let m = &vouched["files"][0]["missing"][0];
    assert_eq!(
        (&m["store"], &m["vouched_by"], &m["available"], &m["sha1"]),
        (&json!("root"), &json!("user"), &json!(true), &json!(root_sha1)),
        "{vouched}"
    );
    assert_eq!(
        vouched["files"][0]["signatures"][0]["chain"]["status"],
        json!("missing_root")
    );
    assert_eq!(sha1s(&vouched["summary"]["install"]), [root_sha1]);
    assert_eq!(vouched["files"][0]["status"], json!("untrusted"));
}
