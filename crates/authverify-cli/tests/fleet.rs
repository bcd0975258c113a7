//! Issue 18: reports written on several hosts merge into one fleet view; lists of paths
//! shard the work. Independent truth: test-vectors/demo/SOURCES.tsv records the roots each
//! shipped file chains to, and each "host" below holds a known part of them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_authverify"))
        .args(args)
        .output()
        .expect("run authverify")
}

const G4: &str = "ddfb16cd4931c973a2037d3fc83a4d7d775d05e4";
const CERTUM: &str = "07e032e020b72c3f192f0628a2593a19a70f069e";
const USERTRUST: &str = "2b8f1b57330dbba2d07a6c51f70ee90ddab9ad8e";

/// Verifies the demo files as `host` with `trust`, writing its JSONL report into `dir`.
fn report(dir: &Path, host: &str, trust: &[String]) -> PathBuf {
    let signed = repo().join("test-vectors/demo/signed").display().to_string();
    let mut args: Vec<String> = vec!["verify".into(), "--summary".into(), "--format".into(), "jsonl".into()];
    args.extend(["--label".into(), host.into()]);
    for t in trust {
        args.extend(["--trust".into(), t.clone()]);
    }
    args.push(signed);
    let out = Command::new(env!("CARGO_BIN_EXE_authverify"))
        .args(&args)
        .output()
        .expect("run");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: Value = serde_json::from_str(line).expect("JSON line");
        assert_eq!(v["label"], host, "every line carries the label");
    }
    let path = dir.join(format!("{host}.jsonl"));
    std::fs::write(&path, &out.stdout).expect("write report");
    path
}

fn hosts_of(install: &[Value], sha1: &str) -> Value {
    install
        .iter()
        .find(|i| i["sha1"] == sha1)
        .map_or(Value::Null, |i| i["hosts"].clone())
}

#[test]
fn three_hosts_merge_into_the_right_per_host_install_plan() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let offline = repo()
        .join("test-vectors/demo/offline-root-store")
        .display()
        .to_string();
    let g4 = repo()
        .join(format!("test-vectors/trust/anchors/{G4}.crt"))
        .display()
        .to_string();
    // host-a: a never-connected machine; host-b: the same plus DigiCert Trusted Root G4;
    // host-c: every root of the program.
    let a = report(tmp.path(), "host-a", std::slice::from_ref(&offline));
    let b = report(tmp.path(), "host-b", &[offline, g4]);
    let c = report(tmp.path(), "host-c", &["builtin".into()]);
    let merged = run(&[
        "summary",
        "--format",
        "json",
        &a.display().to_string(),
        &b.display().to_string(),
        &c.display().to_string(),
    ]);
    assert_eq!(
        merged.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    let doc: Value = serde_json::from_slice(&merged.stdout).expect("JSON");
    let s = &doc["summary"];
    assert_eq!(s["files"], 9);
    // host-a: only the Microsoft-signed file; host-b: that and the DigiCert one; host-c: all.
    assert_eq!(s["by_status"]["valid"], 1 + 2 + 3, "{}", s["by_status"]);
    assert_eq!(s["by_status"]["untrusted"], 2 + 1, "{}", s["by_status"]);
    let install = s["install"].as_array().expect("install");
    assert_eq!(install.len(), 3, "{install:#?}");
    assert_eq!(hosts_of(install, G4), serde_json::json!({ "host-a": 1 }));
    assert_eq!(
        hosts_of(install, CERTUM),
        serde_json::json!({ "host-a": 1, "host-b": 1 })
    );
    assert_eq!(
        hosts_of(install, USERTRUST),
        serde_json::json!({ "host-a": 1, "host-b": 1 })
    );
    merging_is_associative(tmp.path(), [&a, &b, &c], s);
    text_and_export_name_the_hosts(tmp.path(), [&a, &b, &c]);
}

/// (a + b) written as a summary line, then + c, is the same as a + b + c.
fn merging_is_associative(tmp: &Path, [a, b, c]: [&PathBuf; 3], s: &Value) {
    let ab = run(&[
        "summary",
        "--format",
        "jsonl",
        &a.display().to_string(),
        &b.display().to_string(),
    ]);
    let ab_path = tmp.join("a+b.jsonl");
    std::fs::write(&ab_path, &ab.stdout).expect("write");
    let again = run(&[
        "summary",
        "--format",
        "json",
        &ab_path.display().to_string(),
        &c.display().to_string(),
    ]);
    let again: Value = serde_json::from_slice(&again.stdout).expect("JSON");
    assert_eq!(again["summary"]["install"], s["install"]);
    assert_eq!(again["summary"]["by_status"], s["by_status"]);
}

/// The text view says which hosts need what; the export writes the three roots.
fn text_and_export_name_the_hosts(tmp: &Path, [a, b, c]: [&PathBuf; 3]) {
    let text = run(&[
        "summary",
        &a.display().to_string(),
        &b.display().to_string(),
        &c.display().to_string(),
    ]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("on 2 host(s): host-a (1), host-b (1)"), "{text}");
    let export = tmp.join("export");
    let out = run(&[
        "summary",
        "--export-missing",
        &export.display().to_string(),
        &a.display().to_string(),
        &b.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    for sha1 in [G4, CERTUM, USERTRUST] {
        assert!(export.join(format!("{sha1}.crt")).is_file(), "{sha1} exported");
    }
}

#[test]
fn reports_of_an_unknown_schema_or_without_a_summary_are_refused_clearly() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let future = tmp.path().join("future.jsonl");
    std::fs::write(
        &future,
        "{\"schema\":99,\"summary\":{\"files\":0,\"by_status\":{},\"install\":[],\"other_failures\":[]}}\n",
    )
    .expect("write");
    let out = run(&["summary", &future.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("schema 99"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A version-1 line (no `schema`, as written before the field existed) is read.
    let old = tmp.path().join("old.jsonl");
    std::fs::write(
        &old,
        "{\"summary\":{\"files\":1,\"by_status\":{\"valid\":1},\"install\":[],\"other_failures\":[]}}\n",
    )
    .expect("write");
    assert_eq!(run(&["summary", &old.display().to_string()]).status.code(), Some(0));
    let bare = tmp.path().join("bare.jsonl");
    std::fs::write(&bare, "{\"path\":\"x\",\"status\":\"error\",\"error\":\"e\"}\n").expect("write");
    let out = run(&["summary", &bare.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no summary line"));
}

/// `summary /dev/zero` read one endless line until the allocation failed (SIGABRT): a file
/// that is not a report is an error naming it and the line, exit 2.
#[cfg(unix)]
#[test]
fn summary_of_a_file_that_is_not_a_report_is_an_error_not_an_abort() {
    let out = run(&["summary", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/dev/zero:1: not a JSON line"), "{stderr}");
}

#[test]
fn files_from_reads_nul_or_newline_lists_from_a_file_or_stdin_in_the_order_given() {
    let signed = repo().join("test-vectors/demo/signed");
    let names = ["onnxruntime_providers_shared.dll", "_tkinter.pyd", "islzma64.exe"];
    let list: Vec<String> = names.iter().map(|n| signed.join(n).display().to_string()).collect();
    let tmp = tempfile::tempdir().expect("tempdir");
    let nul = tmp.path().join("list0");
    std::fs::write(&nul, list.join("\0") + "\0").expect("write");
    let out = run(&[
        "verify",
        "--format",
        "jsonl",
        "--files-from",
        &nul.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let paths: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("JSON")["path"]
                .as_str()
                .expect("path")
                .to_string()
        })
        .collect();
    assert_eq!(paths, list, "the order listed, not sorted");
    let mut child = Command::new(env!("CARGO_BIN_EXE_authverify"))
        .args(["verify", "--files-from", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    std::io::Write::write_all(
        child.stdin.as_mut().expect("stdin"),
        (list.join("\n") + "\n").as_bytes(),
    )
    .expect("write");
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout)
        .ends_with("3 files: 3 valid, 0 invalid, 0 untrusted, 0 unsigned, 0 errors\n"));
}

#[test]
fn files_from_reports_an_entry_longer_than_any_path_and_goes_on() {
    // 200,000 bytes: more than any path on any system (and more than the 128 KiB bound).
    let signed = repo().join("test-vectors/demo/signed");
    let (a, b) = (signed.join("_tkinter.pyd"), signed.join("islzma64.exe"));
    let tmp = tempfile::tempdir().expect("tempdir");
    let list = tmp.path().join("list");
    let long = "x".repeat(200_000);
    std::fs::write(&list, format!("{}\n{long}\n{}\n", a.display(), b.display())).expect("write");
    let out = run(&[
        "verify",
        "--format",
        "jsonl",
        "--files-from",
        &list.display().to_string(),
    ]);
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[0]["path"], a.display().to_string());
    assert_eq!(lines[1]["error_rule"], "list.too_long");
    let error = lines[1]["error"].as_str().unwrap_or_default();
    assert!(error.contains(", line 2: longer than 131072 bytes"), "{error}");
    assert!(lines[1]["path"].as_str().is_some_and(|p| p.len() < 100));
    assert_eq!(lines[2]["path"], b.display().to_string());
    assert_eq!(out.status.code(), Some(1), "one entry is an error");
}

/// On Unix a file name is bytes: a name that is not UTF-8 works in a list as it does as an
/// argument.
#[cfg(unix)]
#[test]
fn files_from_takes_names_that_are_not_utf8() {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let tmp = tempfile::tempdir().expect("tempdir");
    let name = std::ffi::OsString::from_vec(b"signed-\xff.pyd".to_vec());
    let file = tmp.path().join(&name);
    std::fs::copy(repo().join("test-vectors/demo/signed/_tkinter.pyd"), &file).expect("copy");
    let list = tmp.path().join("list");
    let mut entry = file.as_os_str().as_bytes().to_vec();
    entry.push(b'\n');
    std::fs::write(&list, &entry).expect("write");
    let listed = run(&[
        "verify",
        "--format",
        "jsonl",
        "--files-from",
        &list.display().to_string(),
    ]);
    let named = Command::new(env!("CARGO_BIN_EXE_authverify"))
        .args(["verify", "--format", "jsonl"])
        .arg(&file)
        .output()
        .expect("run");
    for (how, out) in [("listed", &listed), ("named", &named)] {
        let line: Value = serde_json::from_slice(&out.stdout).expect("one JSON line");
        assert_eq!(line["status"], "valid", "{how}: {line}");
        assert_eq!(out.status.code(), Some(0), "{how}");
    }
}

#[test]
fn a_reader_that_closes_the_pipe_ends_the_run_quietly() {
    // `authverify verify DIR | head -1`: the reader leaves after one line.
    let mut child = Command::new(env!("CARGO_BIN_EXE_authverify"))
        .args(["verify", "--quiet", "--format", "jsonl"])
        .arg(repo().join("test-vectors"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 1];
    std::io::Read::read_exact(&mut stdout, &mut first).expect("a first byte");
    drop(stdout);
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}
