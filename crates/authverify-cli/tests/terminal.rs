//! Issue 27: what text output sends to a terminal. File names, certificate names and the
//! reports `authverify summary` merges from other machines are hostile: each is shown with
//! the characters a terminal acts on escaped (`\u{a}`, `\u{1b}`, `\u{202e}`...), one line
//! per item, while JSON keeps them exact.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const AT: &str = "2026-06-01T00:00:00Z";

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

/// A character a terminal acts on instead of showing: C0 and C1 controls and DEL (a line
/// feed only ends a line here), the bidirectional controls, the line and paragraph separators.
fn acts(c: char) -> bool {
    c != '\n'
        && (c.is_control()
            || matches!(
                c,
                '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
            ))
}

/// The text as printed, checked to hold nothing a terminal acts on.
fn shown(bytes: &[u8]) -> String {
    let text = String::from_utf8(bytes.to_vec()).expect("UTF-8 output");
    let raw: Vec<String> = text
        .chars()
        .filter(|&c| acts(c))
        .map(|c| c.escape_unicode().to_string())
        .collect();
    assert!(raw.is_empty(), "raw {raw:?} in:\n{text}");
    text
}

/// Lines that start a file's report (or the closing count), as opposed to its indented details.
fn unindented(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.starts_with(' ')).collect()
}

#[test]
fn a_hostile_file_name_is_one_escaped_line_that_forges_no_verdict() {
    // Unix names may hold any byte but '/' and NUL; Windows refuses controls in names but
    // not C1 or bidi characters.
    #[cfg(unix)]
    let (name, escaped) = (
        "a.exe: UNTRUSTED\nb.exe: VALID\r\u{1b}[2K\u{9b}1A\u{202e}exe.txt",
        r"a.exe: UNTRUSTED\u{a}b.exe: VALID\u{d}\u{1b}[2K\u{9b}1A\u{202e}exe.txt",
    );
    #[cfg(not(unix))]
    let (name, escaped) = ("a\u{9b}1A\u{202e}txt.exe", r"a\u{9b}1A\u{202e}txt.exe");
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join(name);
    std::fs::copy(vectors().join("pe32plus-rsa2048-sha256.exe"), &file).expect("copy");
    let path = file.display().to_string();

    // The built-in trust lacks the test root: the file is untrusted whatever its name says.
    let out = run(&["verify", "--at", AT, &path]);
    assert_eq!(out.status.code(), Some(1));
    let text = shown(&out.stdout);
    let header = format!(
        "{}{}{escaped}: UNTRUSTED",
        tmp.path().display(),
        std::path::MAIN_SEPARATOR
    );
    assert_eq!(
        unindented(&text),
        [
            header.as_str(),
            "1 files: 0 valid, 0 invalid, 1 untrusted, 0 unsigned, 0 errors"
        ],
        "{text}"
    );
    assert!(!text.lines().any(|l| l.starts_with("b.exe")), "{text}");

    // The directory walk finds the same name and shows it the same way.
    let walked = run(&["verify", "--at", AT, &tmp.path().display().to_string()]);
    assert_eq!(unindented(&shown(&walked.stdout)).first(), Some(&header.as_str()));

    // JSON is data: the name as it is.
    let json = run(&["verify", "--at", AT, "--format", "jsonl", &path]);
    let line: Value = serde_json::from_slice(&json.stdout).expect("one JSON line");
    assert_eq!(line["path"], path.as_str());
}

/// A real summary line (`verify --summary --format jsonl --label`) whose every text is then
/// replaced by `hostile`, as a report from a hostile machine would hold them.
fn hostile_report(dir: &Path, hostile: &dyn Fn(&str) -> String) -> PathBuf {
    let out = run(&[
        "verify",
        "--at",
        AT,
        "--summary",
        "--format",
        "jsonl",
        "--label",
        "host",
        &vectors().join("pe32plus-rsa2048-sha256.exe").display().to_string(),
        &vectors().join("digest-mismatch.exe").display().to_string(),
    ]);
    let last = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .expect("summary line")
        .to_string();
    let mut v: Value = serde_json::from_str(&last).expect("JSON");
    v["label"] = hostile("label").into();
    let s = &mut v["summary"];
    // `by_status` holds the five verdicts only (a report with other keys does not read).
    // Two certificates nobody vouches for (issue 26: a report's certificates are judged by
    // the merging machine, which knows neither): one with a thumbprint, one known only by
    // subject and key id. Every text a person would read is hostile.
    let entry = |sha1: Value| {
        serde_json::json!({
            "name": hostile("name"), "subject": hostile("subject"), "sha1": sha1,
            "sha256": null, "key_id": hostile("key id"), "store": "root", "store_name": "x",
            "file_name": hostile("file_name"), "available": true, "files": 1,
            "example": hostile("example"), "vouched_by": "none", "hosts": { hostile("host"): 1 }
        })
    };
    s["install"] = serde_json::json!([]);
    s["unvouched"] = serde_json::json!([entry(hostile("sha1").into()), entry(Value::Null)]);
    for g in s["other_failures"].as_array_mut().expect("other_failures") {
        g["reason"] = hostile("reason").into();
        g["examples"] = serde_json::json!([hostile("example 1"), hostile("example 2")]);
    }
    assert!(!s["other_failures"].as_array().expect("other_failures").is_empty());
    let file = dir.join("hostile.jsonl");
    std::fs::write(&file, format!("{v}\n")).expect("write");
    file
}

#[test]
fn a_hostile_report_merged_by_summary_is_shown_escaped_and_kept_exact_in_json() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let hostile = |what: &str| format!("{what}\r\n\u{1b}[2J\u{9b}1A\u{85}\u{7}\u{7f}\u{202e}\u{2066}txt.exe\u{2069}");
    let report = hostile_report(tmp.path(), &hostile);
    let out = run(&["summary", &report.display().to_string()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let text = shown(&out.stdout);
    let escaped = |what: &str| {
        format!(
            "{what}{}",
            r"\u{d}\u{a}\u{1b}[2J\u{9b}1A\u{85}\u{7}\u{7f}\u{202e}\u{2066}txt.exe\u{2069}"
        )
    };
    // What the summary shows of a certificate nobody vouches for: its subject, its example,
    // the hosts; a thumbprint or key id that is not hex is not shown at all, and neither
    // is a name or file name the report claims.
    for what in ["subject", "example", "host", "reason", "example 1", "example 2"] {
        assert!(text.contains(&escaped(what)), "{what} not shown escaped:\n{text}");
    }
    for what in ["name", "sha1", "file_name", "key id"] {
        assert!(!text.contains(&escaped(what)), "{what} shown:\n{text}");
    }
    // Every line is one of the summary's own: nothing in the report started a line.
    for line in text.lines() {
        let own = line.is_empty()
            || line.starts_with(' ')
            || line.contains(" files: ")
            || [
                "Install these certificates",
                "Not vouched for",
                "Files failing for other reasons",
                "No certificate",
            ]
            .iter()
            .any(|h| line.starts_with(h));
        assert!(own, "{line:?} in:\n{text}");
    }

    // Merged again as JSON, the texts are what the report holds, byte for byte.
    let json = run(&["summary", "--format", "jsonl", &report.display().to_string()]);
    let v: Value = serde_json::from_slice(&json.stdout).expect("JSON line");
    let unvouched = &v["summary"]["unvouched"][0];
    assert_eq!(unvouched["subject"], hostile("subject").as_str());
    assert_eq!(unvouched["example"], hostile("example").as_str());
    assert_eq!(unvouched["hosts"][hostile("host")], 1);
    assert_eq!(v["summary"]["other_failures"][0]["reason"], hostile("reason").as_str());
}

#[test]
fn certificate_names_holding_controls_are_shown_escaped_and_kept_exact_in_json() {
    // Names are raw DER: these common names are UTF8Strings holding ESC, BEL, CR, LF, CSI
    // (U+009B) and RLO (U+202E). The library's RFC 4514 rendering of a subject writes C0
    // controls as `\XX` itself; the common name alone (`trust show`, friendly names) is
    // the string as it is.
    let root_cn = "Root\u{1b}]0;pwned\u{7}\r\u{9b}31mCA\u{202e}";
    let signer_cn = "Signer\u{202e}exe.txt\n  chain: trusted";
    let root_shown = r"\u{9b}31mCA\u{202e},O=Authverify Test PKI";
    let h = authverify_testgen::hostile_big::named_signer(root_cn, signer_cn);
    let tmp = tempfile::tempdir().expect("tempdir");
    let (file, root) = (tmp.path().join("named.exe"), tmp.path().join("root.crt"));
    std::fs::write(&file, &h.image).expect("write");
    std::fs::write(&root, &h.root_der).expect("write");
    let (file, root) = (file.display().to_string(), root.display().to_string());

    let out = run(&["verify", "--trust", &root, "--at", AT, &file]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let text = shown(&out.stdout);
    let signer = text
        .lines()
        .find(|l| l.starts_with("    signer: "))
        .expect("signer line");
    assert!(
        signer.contains(r"CN=Signer\u{202e}exe.txt\0a  chain: trusted,"),
        "{signer}"
    );
    let chain: Vec<&str> = text.lines().filter(|l| l.starts_with("      [")).collect();
    assert_eq!(chain.len(), 3, "{text}");
    assert!(chain[2].contains(root_shown), "{text}");

    // Without the root, the issuer to install is named by that name, in the file's MISSING
    // line and in the summary.
    let text = shown(&run(&["verify", "--at", AT, &file]).stdout);
    let missing = text.lines().find(|l| l.starts_with("  MISSING")).expect("MISSING line");
    assert!(missing.contains(root_shown), "{missing}");
    let summary = shown(&run(&["verify", "--at", AT, "--summary", &file]).stdout);
    assert!(summary.contains(r"\u{9b}31mCA\u{202e}"), "{summary}");

    // trust show names a certificate by its common name: every control escaped.
    let text = shown(&run(&["trust", "show", &root]).stdout);
    assert!(
        text.lines()
            .any(|l| l == r"    Root\u{1b}]0;pwned\u{7}\u{d}\u{9b}31mCA\u{202e}"),
        "{text}"
    );

    // JSON keeps the names as the library gives them.
    let json = run(&["verify", "--trust", &root, "--at", AT, "--format", "json", &file]);
    let v: Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let subject = v["files"][0]["signatures"][0]["signer"]["subject"]
        .as_str()
        .expect("subject");
    assert!(
        subject.starts_with("CN=Signer\u{202e}exe.txt\\0a  chain: trusted,"),
        "{subject:?}"
    );
    let json = run(&["trust", "show", "--format", "json", &root]);
    let v: Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(v["stores"][0]["roots"][0]["name"], root_cn);
}

#[test]
fn messages_on_stderr_show_names_escaped() {
    #[cfg(unix)]
    let (name, escaped) = ("x\n\u{1b}[1A\u{202e}.txt", r"x\u{a}\u{1b}[1A\u{202e}.txt");
    #[cfg(not(unix))]
    let (name, escaped) = ("x\u{9b}1A\u{202e}.txt", r"x\u{9b}1A\u{202e}.txt");
    let tmp = tempfile::tempdir().expect("tempdir");
    let trust = tmp.path().join("trust");
    std::fs::create_dir(&trust).expect("mkdir");
    std::fs::copy(vectors().join("pki/root.crt"), trust.join("root.crt")).expect("copy");
    std::fs::write(trust.join(name), b"not a certificate").expect("write");
    let file = vectors().join("pe32plus-rsa2048-sha256.exe").display().to_string();

    // A trust folder's file that is not used is named on stderr, one line.
    let out = run(&["verify", "--trust", &trust.display().to_string(), "--at", AT, &file]);
    assert_eq!(out.status.code(), Some(0));
    let err = shown(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].contains(escaped) && lines[0].contains("not used"), "{err}");

    // An error that ends the run names the argument escaped; the hint stays a line of its own.
    let missing = tmp.path().join(name).display().to_string();
    let out = run(&["verify", "--trust", &missing, "--at", AT, &file]);
    assert_eq!(out.status.code(), Some(2));
    let err = shown(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with("authverify: cannot load --trust ") && lines[0].contains(escaped),
        "{err}"
    );
    assert!(lines[1].starts_with("  (--trust takes certificate files"), "{err}");

    let out = run(&["summary", &missing]);
    assert_eq!(out.status.code(), Some(2));
    let err = shown(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(escaped), "{err}");
}

#[test]
fn rescan_invalid_shows_quarantined_names_escaped() {
    #[cfg(unix)]
    let (name, escaped) = ("a.dll\r\u{1b}[2K\u{202e}", r"a.dll\u{d}\u{1b}[2K\u{202e}");
    #[cfg(not(unix))]
    let (name, escaped) = ("a.dll\u{9b}2K\u{202e}", r"a.dll\u{9b}2K\u{202e}");
    let tmp = tempfile::tempdir().expect("tempdir");
    let quarantined = format!("{name}_Invalid");
    std::fs::copy(
        vectors().join("pe32plus-rsa2048-sha256.exe"),
        tmp.path().join(&quarantined),
    )
    .expect("copy");
    let root = vectors().join("pki/root.crt").display().to_string();
    let out = run(&[
        "rescan-invalid",
        "--trust",
        &root,
        "--at",
        AT,
        &tmp.path().display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = shown(&out.stdout);
    let sep = std::path::MAIN_SEPARATOR;
    let dir = tmp.path().display();
    assert_eq!(
        text.lines().next(),
        Some(format!("{dir}{sep}{escaped}_Invalid: VALID: passes now; would restore to {dir}{sep}{escaped}").as_str()),
        "{text}"
    );
    assert_eq!(text.lines().count(), 2, "{text}");
}
