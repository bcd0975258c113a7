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

/// The report schema (docs/report.schema.json), compiled once per test binary.
fn schema() -> &'static jsonschema::Validator {
    static SCHEMA: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| {
        let text = std::fs::read_to_string(vectors().join("../docs/report.schema.json")).expect("schema");
        let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
        jsonschema::validator_for(&schema).expect("schema compiles")
    })
}

/// Every verify report a test reads is checked against the published schema.
fn validated(v: Value) -> Value {
    let errors: Vec<String> = schema()
        .iter_errors(&v)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report does not match docs/report.schema.json:\n{}",
        errors.join("\n")
    );
    notes_mirror_findings(&v);
    v
}

/// At every level, `findings[i].detail` is `notes[i]`: the typed list and the texts are one
/// list said twice, and a signature's `error_rule` is set exactly when `error` is.
fn notes_mirror_findings(v: &Value) {
    match v {
        Value::Object(o) => {
            if let (Some(Value::Array(notes)), Some(Value::Array(findings))) = (o.get("notes"), o.get("findings")) {
                let details: Vec<&Value> = findings.iter().map(|f| &f["detail"]).collect();
                assert_eq!(notes.iter().collect::<Vec<_>>(), details, "{v}");
            }
            // Signatures and error results (not the summary's `by_status.error` count).
            if let (Some(error), true) = (
                o.get("error"),
                o.contains_key("digest_matches") || o.contains_key("path"),
            ) {
                assert_eq!(error.is_null(), o.get("error_rule").is_none_or(Value::is_null), "{v}");
            }
            o.values().for_each(notes_mirror_findings);
        }
        Value::Array(a) => a.iter().for_each(notes_mirror_findings),
        _ => {}
    }
}

fn jsonl(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| validated(serde_json::from_str(l).expect("JSON line")))
        .collect()
}

fn json_doc(out: &Output) -> Value {
    validated(serde_json::from_slice(&out.stdout).expect("JSON document"))
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
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipped 1 files of no format authverify verifies"));
    assert_eq!(out.status.code(), Some(1));
}

/// The report whose path ends with `suffix`.
fn report_for<'a>(lines: &'a [Value], suffix: &str) -> Option<&'a Value> {
    lines
        .iter()
        .find(|l| l["path"].as_str().is_some_and(|p| p.ends_with(suffix)))
}

/// `verify --trust <test root> --at AT --format jsonl ARGS...`.
fn verify_jsonl(args: &[&str]) -> (Output, Vec<Value>) {
    let root = trust();
    let mut all = vec!["verify", "--trust", &root, "--at", AT, "--format", "jsonl"];
    all.extend_from_slice(args);
    let out = run(&all);
    let lines = jsonl(&out);
    (out, lines)
}

/// Runs authverify with its output in files, and fails the test if it has not ended
/// within `secs` seconds (killing it): for inputs that used to hang a run.
#[cfg(unix)]
fn run_within(secs: u64, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let (out_path, err_path) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_authverify"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout"))
        .stderr(std::fs::File::create(&err_path).expect("stderr"))
        .spawn()
        .expect("run authverify");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("authverify {args:?} still running after {secs} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Output {
        status,
        stdout: std::fs::read(&out_path).expect("stdout"),
        stderr: std::fs::read(&err_path).expect("stderr"),
    }
}

/// A FIFO would block its reader until a writer comes; a device may never end. Whether
/// named, listed or met in a walk, they are reported and never opened.
#[cfg(unix)]
#[test]
fn fifos_sockets_and_devices_are_reported_not_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::copy(vectors().join("pe32plus-rsa2048-sha256.exe"), d.join("a.exe")).expect("copy");
    let fifo = d.join("b.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let _socket = std::os::unix::net::UnixListener::bind(d.join("c.sock")).expect("socket");
    let list = d.join("list.txt");
    std::fs::write(&list, format!("{}\n/dev/null\n", fifo.display())).expect("list");
    let (root, dir_arg, fifo_arg, list_arg) = (
        trust(),
        d.display().to_string(),
        fifo.display().to_string(),
        list.display().to_string(),
    );
    let base = ["verify", "--trust", &root, "--at", AT, "--format", "jsonl"];
    for (what, extra) in [
        ("named", vec![fifo_arg.as_str(), "/dev/null"]),
        ("listed", vec!["--files-from", list_arg.as_str()]),
        ("walked", vec![dir_arg.as_str()]),
    ] {
        let out = run_within(60, &[&base[..], &extra].concat());
        let lines = jsonl(&out);
        let mut not_regular: Vec<String> = lines
            .iter()
            .filter(|l| l["error_rule"] == "file.not_regular")
            .map(|l| l["path"].as_str().unwrap_or_default().to_string())
            .collect();
        not_regular.sort();
        let mut expected: Vec<String> = match what {
            "walked" => vec![fifo_arg.clone(), d.join("c.sock").display().to_string()],
            _ => vec![fifo_arg.clone(), "/dev/null".to_string()],
        };
        expected.sort();
        assert_eq!(not_regular, expected, "{what}: {lines:?}");
        assert!(
            lines
                .iter()
                .all(|l| l["status"] != "error" || l["error_rule"] == "file.not_regular"),
            "{what}: {lines:?}"
        );
        if what == "walked" {
            assert_eq!(lines.len(), 3, "the signed file is verified beside them");
            assert_eq!(out.status.code(), Some(1));
        } else {
            assert_eq!(out.status.code(), Some(2), "{what}: nothing verified");
        }
    }
    let fifo_line = &jsonl(&run_within(60, &[&base[..], &[fifo_arg.as_str()]].concat()))[0];
    assert!(
        fifo_line["error"].as_str().is_some_and(|e| e.contains("FIFO")),
        "{fifo_line}"
    );
}

#[test]
fn cabinets_and_packages_in_a_directory_are_verified_and_say_their_format() {
    // Issue 17: a folder of signed cabinets, MSI packages and catalogs (and their manifest,
    // which is skipped) verifies like a folder of PE files; each report says its format.
    let dir = vectors().join("containers");
    let (out, lines) = verify_jsonl(&[dir.to_str().unwrap()]);
    for (ext, format, at_least) in [(".cab", "cabinet", 10), (".msi", "msi", 9)] {
        let of_kind: Vec<&Value> = lines
            .iter()
            .filter(|l| l["path"].as_str().unwrap().ends_with(ext))
            .collect();
        assert!(of_kind.len() >= at_least, "{} {format} files reported", of_kind.len());
        assert!(of_kind.iter().all(|l| l["format"] == format && l["image"].is_null()));
    }
    let status = |n: &str| report_for(&lines, n).map(|l| l["status"].clone());
    assert_eq!(status("signed.cab"), Some("valid".into()));
    assert_eq!(status("data-byte-flipped.cab"), Some("invalid".into()));
    assert_eq!(status("unsigned.cab"), Some("unsigned".into()));
    assert_eq!(status("signed-dse.msi"), Some("valid".into()));
    assert_eq!(status("dse-metadata-changed.msi"), Some("invalid".into()));
    // Catalogs found in a directory are verified as files (DER named .cat).
    let cat = report_for(&lines, "packages.cat").expect("packages.cat reported");
    assert_eq!(
        (cat["format"].as_str(), cat["status"].as_str()),
        (Some("catalog"), Some("valid"))
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("skipped 1 files"), "{stderr}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_driver_folder_verifies_with_its_catalogs() {
    // Issue 17: --catalogs takes a folder of .cat files; every file of the driver folder is
    // taken (the INF and text files by their flat hash) and is valid through the catalogs,
    // except the one changed after cataloguing; the catalogs themselves verify as files.
    let cats = vectors().join("catalogs");
    let (out, lines) = verify_jsonl(&[
        "--summary",
        "--catalogs",
        cats.to_str().unwrap(),
        cats.join("driver").to_str().unwrap(),
    ]);
    let status = |n: &str| report_for(&lines, n).map(|l| l["status"].clone());
    for f in ["driver.sys", "driver.inf", "readme.txt"] {
        assert_eq!(status(f), Some("valid".into()), "{f}");
    }
    assert_eq!(status("changed.inf"), Some("unsigned".into()));
    let inf = report_for(&lines, "driver.inf").unwrap();
    assert_eq!(inf["format"], "flat");
    let kinds: Vec<&str> = inf["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["kind"].as_str())
        .collect();
    assert!(kinds.iter().all(|k| *k == "catalog") && kinds.len() >= 2, "{kinds:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("catalog(s) indexed"));
    let (_, cat) = verify_jsonl(&[cats.join("driver.cat").to_str().unwrap()]);
    assert_eq!(cat[0]["format"], "catalog");
    assert_eq!(cat[0]["catalog"]["members"], 3);
    assert_eq!(cat[0]["status"], "valid");
}

#[test]
fn default_trust_is_the_builtin_set_and_names_what_is_missing() {
    let out = run(&[
        "verify",
        "--at",
        AT,
        "--format",
        "json",
        &vector("pe32plus-rsa2048-sha256.exe"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = json_doc(&out);
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
        .find(|l| l.trim_start().starts_with("MISSING"))
        .expect("MISSING line");
    // Nobody at hand holds the intermediate, so nobody vouches for it: it is named, with
    // why it is no install instruction (issue 26).
    assert!(
        line.contains("Authverify Test Code Signing CA") && line.contains("NOT VOUCHED FOR"),
        "{line}"
    );
}

#[test]
fn intermediates_and_distrust_flags_shape_the_trust() {
    let chains = vectors().join("chains");
    let p = |rel: &str| chains.join(rel).display().to_string();
    // Only the leaf is embedded: without the intermediates the EOC CA is missing, and since
    // nothing at hand knows it, its store is unknown (never guessed)...
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
    assert_eq!(r["missing"][0]["store"], "unknown");
    assert_eq!(r["signatures"][0]["chain"]["status"], "missing_issuer");
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

#[test]
fn a_trust_folder_that_gives_nothing_to_trust_is_an_error() {
    // Every file would come out untrusted against nothing: said, and exit 2, not 1.
    let empty = tempfile::tempdir().expect("tempdir");
    let notes = tempfile::tempdir().expect("tempdir");
    std::fs::write(notes.path().join("README.txt"), "roots go here").expect("write");
    for (dir, says) in [
        (empty.path(), "the folder holds no file"),
        (notes.path(), "none of the 1 entries of the folder"),
    ] {
        let dir = dir.display().to_string();
        let out = run(&[
            "verify",
            "--trust",
            &dir,
            "--at",
            AT,
            &vector("pe32plus-rsa2048-sha256.exe"),
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&format!("--trust {dir}: nothing loaded")), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        assert!(out.stdout.is_empty(), "nothing verified");
    }
    let notes_dir = notes.path().display().to_string();
    let out = run(&["verify", "--trust", &notes_dir, "--at", AT, &vector("unsigned.exe")]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("README.txt"));
    // --intermediates and --distrust only add to it: a warning.
    let out = run(&[
        "verify",
        "--trust",
        &trust(),
        "--intermediates",
        &notes_dir,
        "--at",
        AT,
        &vector("pe32plus-rsa2048-sha256.exe"),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning: nothing loaded"));
}

/// Where scripts/fetch-real-world.py caches the corpus (`AUTHVERIFY_CACHE`, else
/// ~/.cache/authverify), as the library's tests find it.
fn corpus_dir() -> PathBuf {
    std::env::var_os("AUTHVERIFY_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/authverify"))
        .join("real-world")
}

#[test]
fn every_report_of_every_vector_and_real_file_matches_the_schema() {
    // All generated vectors (files and chains), every status, in both JSON forms, with
    // the summary; plus the real-world corpus when fetched.
    let mut paths = vec![vectors().display().to_string()];
    let cache = corpus_dir();
    if cache.is_dir() {
        paths.push(cache.display().to_string());
    } else {
        // Visible under libtest's capture; .ci/run fetches the corpus and requires it.
        assert!(
            std::env::var_os("AUTHVERIFY_REQUIRE_EXTRAS").is_none(),
            "the real-world corpus is required in CI"
        );
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED every_report_of_every_vector_and_real_file_matches_the_schema (real-world half): needs the corpus (python3 scripts/fetch-real-world.py)"
        );
    }
    let missing_file = vectors().join("no-such-file.exe").display().to_string();
    let not_pe = vectors().join("manifest.json").display().to_string();
    let mut args = vec!["verify", "--at", AT, "--summary", "--format", "jsonl"];
    args.extend(paths.iter().map(String::as_str));
    args.push(&missing_file);
    args.push(&not_pe);
    let lines = jsonl(&run(&args));
    let statuses: std::collections::BTreeSet<String> = lines
        .iter()
        .filter_map(|l| l["status"].as_str().map(str::to_string))
        .collect();
    for s in ["valid", "invalid", "untrusted", "unsigned", "error"] {
        assert!(statuses.contains(s), "no {s} report checked: {statuses:?}");
    }
    assert!(lines.last().is_some_and(|l| l.get("summary").is_some()));
    args[5] = "json";
    let doc = json_doc(&run(&args));
    assert_eq!(doc["files"].as_array().map(Vec::len), Some(lines.len() - 1));
}

#[test]
fn summary_names_the_certificates_to_install_across_files() {
    let chains = vectors().join("chains");
    let p = |rel: &str| chains.join(rel).display().to_string();
    // Files missing two different roots: the Identity Verification test root (two files:
    // one carries it, the other names it by subject and key id) and the G4 test root (one
    // file carries it); plus one unsigned vector. No program knows the test roots: the user
    // vouches for them (issue 26), else they would not be in the plan.
    let out = run(&[
        "verify",
        "--at",
        AT,
        "--format",
        "json",
        "--summary",
        "--vouch",
        &p("certs/iv-root.crt"),
        "--vouch",
        &p("certs/g4-root.crt"),
        "--trust",
        &p("certs/publisher-root.crt"),
        &p("iv-signed.exe"),
        &p("iv-signed-root-embedded.exe"),
        &p("g4-signed-root-embedded.exe"),
        &vector("unsigned.exe"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let doc = json_doc(&out);
    let s = &doc["summary"];
    assert_eq!(s["files"], 4);
    assert_eq!(s["by_status"]["untrusted"], 3);
    assert_eq!(s["by_status"]["unsigned"], 1);
    let install = s["install"].as_array().expect("install");
    let roots: Vec<&Value> = install.iter().filter(|i| i["store"] == "root").collect();
    assert_eq!(roots.len(), 2, "{install:?}");
    let find = |cert: &str| {
        let sha1 = sha1_hex(&std::fs::read(chains.join(cert)).expect("root"));
        let item = roots
            .iter()
            .find(|i| i["sha1"] == sha1.as_str())
            .expect("root named by SHA-1");
        assert_eq!(
            item["store_name"],
            "Trusted Root Certification Authorities (Local Computer)"
        );
        assert_eq!(item["file_name"], format!("{sha1}.crt"));
        (sha1, item["files"].as_u64())
    };
    let (iv_root_sha1, iv_files) = find("certs/iv-root.crt");
    let (_, g4_files) = find("certs/g4-root.crt");
    assert_eq!(iv_files, Some(2));
    assert_eq!(g4_files, Some(1));
    assert!(s["other_failures"]
        .as_array()
        .expect("groups")
        .iter()
        .any(|g| g["reason"] == "unsigned" && g["files"] == 1));

    // Text: one section per store, then the other failures.
    let text = run(&[
        "verify",
        "--at",
        AT,
        "--summary",
        "--vouch",
        &p("certs/iv-root.crt"),
        "--trust",
        &p("certs/publisher-root.crt"),
        &p("iv-signed-root-embedded.exe"),
        &vector("unsigned.exe"),
    ]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Install these certificates (Local Computer):"), "{text}");
    assert!(text.contains("Trusted Root Certification Authorities:"), "{text}");
    assert!(text.contains(&format!("SHA-1 {iv_root_sha1}")), "{text}");
    assert!(text.contains("Files failing for other reasons:"), "{text}");
}

fn sha1_hex(der: &[u8]) -> String {
    use sha1::Digest as _;
    sha1::Sha1::digest(der).iter().map(|b| format!("{b:02x}")).collect()
}

/// Issue 16: the scripts install exactly what was written, and the Group Policy bundle
/// holds it (read by our reader and, when present, by OpenSSL).
fn install_scripts_and_bundle_hold_exactly(export: &Path, name: &str, readme: &str, root_der: &[u8]) {
    let ps1 = std::fs::read_to_string(export.join("install.ps1")).expect("install.ps1");
    assert!(
        ps1.contains(&format!(
            "Import-Certificate -FilePath (Join-Path $PSScriptRoot '{name}') -CertStoreLocation Cert:\\LocalMachine\\Root"
        )),
        "{ps1}"
    );
    assert_eq!(ps1.matches("Import-Certificate").count(), 1, "only what was written");
    let cmd = std::fs::read_to_string(export.join("install.cmd")).expect("install.cmd");
    assert!(
        cmd.contains(&format!("certutil -addstore -f Root \"%~dp0{name}\"")),
        "{cmd}"
    );
    assert!(
        readme.contains("Group Policy") && readme.contains("Root.p7b"),
        "{readme}"
    );
    assert!(!export.join("CA.p7b").exists(), "no intermediate was written");
    let p7b = std::fs::read(export.join("Root.p7b")).expect("Root.p7b");
    match authverify::fuzzing::parse_material(&p7b, "Root.p7b").expect("our reader") {
        authverify::trust::TrustMaterial::Certificates(c) => {
            assert_eq!(c.len(), 1);
            assert_eq!(c[0].der(), root_der);
        }
        _ => panic!("Root.p7b is not a certificate bundle"),
    }
    // OpenSSL reads it too, when present (an independent reader).
    if let Ok(o) = Command::new("openssl")
        .args(["pkcs7", "-inform", "DER", "-print_certs", "-noout", "-in"])
        .arg(export.join("Root.p7b"))
        .output()
    {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("Test Identity Verification Root CA 2020"),
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
}

#[test]
fn export_missing_writes_certutil_named_files_and_a_readme() {
    let dir = tempfile::tempdir().expect("tempdir");
    let export = dir.path().join("to-install");
    let chains = vectors().join("chains");
    let p = |rel: &str| chains.join(rel).display().to_string();
    // Trust the test publisher root only: the embedded IV root is exportable (the file
    // carried it, the user vouches for it), the leaf-only file's missing EOC CA is not known
    // to authverify, so nobody vouches for it and it is not exported.
    let out = run(&[
        "verify",
        "--at",
        AT,
        "--quiet",
        "--vouch",
        &p("certs/iv-root.crt"),
        "--trust",
        &p("certs/publisher-root.crt"),
        "--export-missing",
        &export.display().to_string(),
        &p("iv-signed-root-embedded.exe"),
        &p("iv-signed-leaf-only.exe"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let root_der = std::fs::read(chains.join("certs/iv-root.crt")).expect("root");
    let name = format!("{}.crt", sha1_hex(&root_der));
    assert_eq!(
        std::fs::read(export.join(&name)).expect("exported root"),
        root_der,
        "exact DER"
    );
    let readme = std::fs::read_to_string(export.join("README.txt")).expect("README.txt");
    assert!(
        readme.contains(&format!("certutil -addstore -f Root {name}")),
        "{readme}"
    );
    assert!(readme.contains("Not exported"), "{readme}");
    assert!(readme.contains("Test ID Verified CS EOC CA 01"), "{readme}");
    install_scripts_and_bundle_hold_exactly(&export, &name, &readme, &root_der);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("wrote 1 certificate(s)") && !stderr.contains("could not be provided"),
        "{stderr}"
    );
}

/// A built-in certificate is exported from the built-in set: the real Identity
/// Verification Root 2020 for the real Azure-signed node.exe (one corpus file: a visible
/// skip without it, as for every test that needs one named file a registry may stop
/// serving).
#[test]
fn export_missing_takes_builtin_certificates_from_the_builtin_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = corpus_dir().join("node-win-x86-22.23.2__node.exe");
    if !node.exists() {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED export_missing_takes_builtin_certificates_from_the_builtin_set: needs the corpus (python3 scripts/fetch-real-world.py)"
        );
        return;
    }
    {
        let empty = dir.path().join("empty-trust");
        std::fs::create_dir_all(&empty).expect("mkdir");
        std::fs::copy(
            vectors().join("trust/anchors/3b1efd3a66ea28b16697394703a72ca340a05bd5.crt"),
            empty.join("ms2010.crt"),
        )
        .expect("copy");
        let export = dir.path().join("node");
        let out = run(&[
            "verify",
            "--trust",
            &empty.display().to_string(),
            "--at",
            "2026-11-25T00:00:00Z",
            "--export-missing",
            &export.display().to_string(),
            &node.display().to_string(),
        ]);
        assert_eq!(out.status.code(), Some(1));
        let miv =
            std::fs::read(export.join("f40042e2e5f7e8ef8189fed15519aece42c3bfa2.crt")).expect("MIVR 2020 exported");
        assert_eq!(sha1_hex(&miv), "f40042e2e5f7e8ef8189fed15519aece42c3bfa2");
    }
}

#[test]
fn trust_show_lists_certificates_restrictions_and_problems() {
    let out = run(&[
        "trust",
        "show",
        "--format",
        "json",
        "--at",
        "2026-11-25T00:00:00Z",
        "builtin",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    let store = &doc["stores"][0];
    assert!(store["counts"]["roots"].as_u64().expect("roots") > 300);
    assert_eq!(store["counts"]["intermediates"], 65);
    let roots = store["roots"].as_array().expect("roots");
    let addtrust = roots
        .iter()
        .find(|c| c["sha1"] == "02faf3e291435468607857694df5e45b68851868")
        .expect("AddTrust");
    assert_eq!(addtrust["expired"], true);
    let ctl = addtrust["ctl"].as_str().expect("restrictions");
    assert!(ctl.contains("2021-04-01") && ctl.contains("2023-02-01"), "{ctl}");
    let ms = roots
        .iter()
        .find(|c| c["sha1"] == "a43489159a520f0d93d032ccaf37e7fe20a8b419")
        .expect("Microsoft Root Authority");
    assert_eq!(ms["windows_builtin"], true);
    assert!(store["problems"][0].as_str().expect("problem").contains("expired"));

    // A folder: counts, purposes, and the file it does not use.
    let text = run(&["trust", "show", &vectors().join("trust/anchors").display().to_string()]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Trusted roots (34):"), "{text}");
    assert!(text.contains("INDEX.tsv: not used"), "{text}");
    assert!(text.contains("root program: trusted for"), "{text}");
}

#[test]
fn rescan_invalid_restores_only_quarantined_files_that_pass_now() {
    let dir = tempfile::tempdir().expect("tempdir");
    let q = dir.path();
    let copy = |from: &str, to: &str| std::fs::copy(vectors().join(from), q.join(to)).expect("copy");
    copy("pe32plus-rsa2048-sha256.exe", "agent.dll_Invalid"); // passes with the test root
    copy("pe32-rsa2048-sha256.exe", "helper.exe_Invalid"); // passes, but helper.exe exists
    std::fs::write(q.join("helper.exe"), b"newer copy").expect("write");
    copy("bad-signature.exe", "broken.exe_Invalid"); // still fails
    copy("pe32plus-rsa2048-sha256.exe", "invalid.gif"); // merely contains "invalid"
    copy("pe32plus-rsa2048-sha256.exe", "config_invalid_syntax.php");
    let base = ["rescan-invalid", "--trust", &trust(), "--at", AT, "--format", "jsonl"];
    let dir_arg = q.display().to_string();

    // Dry run (the default): reports, renames nothing.
    let dry = run(&[&base[..], &[dir_arg.as_str()]].concat());
    assert_eq!(dry.status.code(), Some(1), "one quarantined file still fails");
    let lines = jsonl(&dry); // each line checked against docs/report.schema.json
    let action = |lines: &[Value], name: &str| {
        lines
            .iter()
            .find(|l| l["path"].as_str().is_some_and(|p| p.ends_with(name)))
            .map(|l| l["action"].as_str().unwrap_or_default().to_string())
    };
    assert_eq!(lines.len(), 3, "only the _Invalid files");
    assert_eq!(action(&lines, "agent.dll_Invalid").as_deref(), Some("would_restore"));
    assert_eq!(action(&lines, "helper.exe_Invalid").as_deref(), Some("blocked"));
    assert_eq!(action(&lines, "broken.exe_Invalid").as_deref(), Some("kept"));
    assert!(q.join("agent.dll_Invalid").exists() && !q.join("agent.dll").exists());

    // --restore: the passing one is renamed, the existing helper.exe is untouched.
    let restored = run(&[&base[..], &["--restore", dir_arg.as_str()]].concat());
    assert_eq!(restored.status.code(), Some(1));
    assert!(q.join("agent.dll").exists() && !q.join("agent.dll_Invalid").exists());
    assert_eq!(std::fs::read(q.join("helper.exe")).expect("helper"), b"newer copy");
    assert!(q.join("helper.exe_Invalid").exists());
    assert!(q.join("broken.exe_Invalid").exists());
    assert!(q.join("invalid.gif").exists() && q.join("config_invalid_syntax.php").exists());
}

#[test]
fn rescan_invalid_restore_that_is_not_done_exits_1() {
    // Every quarantined file passes, but one cannot go back: its name is taken (this fails
    // for root too, unlike a read-only folder). Like `mv`, the command fails.
    let dir = tempfile::tempdir().expect("tempdir");
    let q = dir.path();
    let copy = |from: &str, to: &str| std::fs::copy(vectors().join(from), q.join(to)).expect("copy");
    copy("pe32plus-rsa2048-sha256.exe", "agent.dll_Invalid");
    copy("pe32-rsa2048-sha256.exe", "helper.exe_Invalid");
    std::fs::write(q.join("helper.exe"), b"newer copy").expect("write");
    let dir_arg = q.display().to_string();
    let rescan = |extra: &[&str]| {
        let base = ["rescan-invalid", "--trust", &trust(), "--at", AT, "--format", "json"];
        run(&[&base[..], extra, &[dir_arg.as_str()]].concat())
    };
    let dry = rescan(&[]);
    assert_eq!(
        dry.status.code(),
        Some(0),
        "a dry run restores nothing: every file passes"
    );
    let restored = rescan(&["--restore"]);
    assert_eq!(restored.status.code(), Some(1), "helper.exe was not restored");
    let doc = validated(serde_json::from_slice(&restored.stdout).expect("json"));
    let actions: Vec<&str> = doc["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(actions, ["restored", "blocked"]);
    assert_eq!(std::fs::read(q.join("helper.exe")).expect("helper"), b"newer copy");
}

#[test]
fn rescan_invalid_with_catalogs_restores_catalogued_driver_files() {
    // A quarantined driver folder: the image and the INF are valid through the driver's
    // catalog (the INF by the hash of its bytes), the INF changed after cataloguing is not;
    // without the catalog, none of them passes.
    let dir = tempfile::tempdir().expect("tempdir");
    let q = dir.path();
    let driver = vectors().join("catalogs/driver");
    for (from, to) in [
        ("driver.sys", "driver.sys_Invalid"),
        ("driver.inf", "driver.inf_INVALID"),
        ("changed.inf", "changed.inf_Invalid"),
    ] {
        std::fs::copy(driver.join(from), q.join(to)).expect("copy");
    }
    let dir_arg = q.display().to_string();
    let catalog = vectors().join("catalogs/driver.cat").display().to_string();
    let root = trust();
    let rescan = |extra: &[&str]| {
        let mut args = vec!["rescan-invalid", "--trust", &root, "--at", AT, "--format", "jsonl"];
        args.extend_from_slice(extra);
        args.push(&dir_arg);
        let out = run(&args);
        let actions: Vec<(String, String)> = jsonl(&out)
            .iter()
            .map(|l| {
                let path = l["path"].as_str().unwrap_or_default();
                let name = Path::new(path).file_name().map(|n| n.to_string_lossy().into_owned());
                (
                    name.unwrap_or_default(),
                    l["action"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        (out.status.code(), actions)
    };
    let pair = |n: &str, a: &str| (n.to_string(), a.to_string());
    let (code, without) = rescan(&[]);
    assert_eq!(code, Some(1));
    // Without catalogs the INF files cannot be verified at all; the entry says why.
    let text = run(&[
        "rescan-invalid",
        "--trust",
        &root,
        "--at",
        AT,
        "--format",
        "json",
        &dir_arg,
    ]);
    let doc = validated(serde_json::from_slice(&text.stdout).expect("json"));
    let inf = &doc["files"][0];
    assert_eq!(
        (inf["status"].as_str(), inf["action"].as_str()),
        (Some("error"), Some("kept"))
    );
    assert!(
        inf["detail"].as_str().is_some_and(|d| d.contains("not a PE image")),
        "{inf}"
    );
    assert_eq!(
        without,
        [
            pair("changed.inf_Invalid", "kept"),
            pair("driver.inf_INVALID", "kept"),
            pair("driver.sys_Invalid", "kept")
        ]
    );
    let (code, with) = rescan(&["--catalogs", &catalog, "--restore"]);
    assert_eq!(code, Some(1), "changed.inf still fails");
    assert_eq!(
        with,
        [
            pair("changed.inf_Invalid", "kept"),
            pair("driver.inf_INVALID", "restored"),
            pair("driver.sys_Invalid", "restored")
        ]
    );
    assert!(q.join("driver.sys").exists() && q.join("driver.inf").exists());
    assert!(q.join("changed.inf_Invalid").exists());
}

/// `--catalogs system` is the running Windows machine's CatRoot; elsewhere it says what to
/// give instead (tests/windows_system.rs tests it under Windows).
#[cfg(not(windows))]
#[test]
fn catalogs_system_off_windows_points_to_a_copied_catroot() {
    let out = run(&[
        "verify",
        "--catalogs",
        "system",
        &vectors().join("unsigned.exe").display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("copy that machine's") && stderr.contains("CatRoot"),
        "{stderr}"
    );
}

#[test]
fn output_order_is_stable_whatever_the_thread_count() {
    let args = |jobs: &'static str| {
        vec![
            "verify".to_string(),
            "--trust".into(),
            trust(),
            "--at".into(),
            AT.into(),
            "--format".into(),
            "jsonl".into(),
            "--jobs".into(),
            jobs.into(),
            vectors().display().to_string(),
        ]
    };
    let one = Command::new(env!("CARGO_BIN_EXE_authverify"))
        .args(args("1"))
        .output()
        .expect("run");
    let four = Command::new(env!("CARGO_BIN_EXE_authverify"))
        .args(args("4"))
        .output()
        .expect("run");
    assert_eq!(one.stdout, four.stdout);
    assert!(!one.stdout.is_empty());
    // Not a terminal: no progress bar on stderr.
    assert!(!String::from_utf8_lossy(&four.stderr).contains("files,"));
    let zero = Command::new(env!("CARGO_BIN_EXE_authverify"))
        .args(args("0"))
        .output()
        .expect("run");
    assert_eq!(zero.status.code(), Some(2));
}

#[test]
fn every_command_has_help_with_examples() {
    for cmd in [
        &["verify", "--help"][..],
        &["trust", "show", "--help"],
        &["rescan-invalid", "--help"],
    ] {
        let out = run(cmd);
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Examples:"), "{cmd:?}: {text}");
    }
}

#[test]
fn the_examples_in_the_format_page_match_the_schema() {
    let page = std::fs::read_to_string(vectors().join("../docs/report-format.md")).expect("page");
    let mut statuses = Vec::new();
    let mut rescan_entries = 0;
    for block in page.split("```json\n").skip(1) {
        let json = block.split("\n```").next().expect("closed block");
        let v = validated(serde_json::from_str(json).expect("example is JSON"));
        if v.get("action").is_some() {
            rescan_entries += 1;
        } else {
            statuses.push(v["status"].as_str().expect("status").to_string());
        }
    }
    statuses.sort();
    assert_eq!(statuses, ["error", "invalid", "unsigned", "untrusted", "valid"]);
    assert_eq!(rescan_entries, 1);
}

#[test]
fn trust_show_names_the_root_program_list_in_force() {
    // Issue 14: the newest root-program CTL decides; `trust show` says which one that is.
    let out = run(&["trust", "show", "builtin"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let list = text
        .lines()
        .find(|l| l.contains("Trust list: RootProgram"))
        .unwrap_or_else(|| panic!("no root-program list in:\n{text}"));
    assert!(list.contains("sequence 1401dd6344d40f0a15"), "{list}");
    assert!(list.ends_with(", in force"), "{list}");
    let json = run(&["trust", "show", "--format", "json", "builtin"]);
    let doc: Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let lists = doc["stores"][0]["trust_lists"].as_array().expect("lists");
    assert!(lists
        .iter()
        .any(|l| l["in_force"] == true && l["past_next_update"] == false));
}

/// Issue 16: `--trust` takes a `reg export` of a machine's stores; the intermediate its CA
/// store holds completes a chain the file itself lacks, and the My store is reported as
/// not used.
/// A hive copied off a running machine (sequence numbers differ) is used, with a warning
/// that says what may be missing and how to make a clean copy.
#[test]
fn a_hive_copied_while_in_use_is_used_with_a_warning() {
    let mut hive = std::fs::read(vectors().join("registry/NTUSER.hiv")).expect("hive");
    let primary = u32::from_le_bytes(hive[4..8].try_into().unwrap());
    hive[8..12].copy_from_slice(&(primary + 1).to_le_bytes());
    authverify::fuzzing::fix_hive_checksum(&mut hive);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("NTUSER.DAT");
    std::fs::write(&path, &hive).expect("write");
    let out = run(&[
        "verify",
        "--at",
        "2026-06-01T00:00:00Z",
        "--trust",
        &path.display().to_string(),
        &vector("pe32plus-rsa2048-sha256.exe"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning") && stderr.contains("copied while in use") && stderr.contains("reg save"),
        "{stderr}"
    );
}

#[test]
fn trust_takes_a_registry_export() {
    // The export, and the hives libhivex wrote from it (an offline SOFTWARE and NTUSER.DAT).
    for name in ["system-certificates.reg", "SOFTWARE.hiv", "NTUSER.hiv"] {
        let reg = vectors().join("registry").join(name).display().to_string();
        let out = run(&[
            "verify",
            "--format",
            "jsonl",
            "--at",
            "2026-06-01T00:00:00Z",
            "--trust",
            &reg,
            &vector("missing-intermediate.exe"),
            &vector("pe32plus-rsa2048-sha256.exe"),
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let statuses: Vec<String> = jsonl(&out)
            .iter()
            .map(|r| r["status"].as_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(statuses, ["valid", "valid"], "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(r"SystemCertificates\My\Certificates") && stderr.contains("not chain trust"),
            "{name}: {stderr}"
        );
        assert!(!stderr.contains("warning"), "{name}: {stderr}");
    }
    // Without it, the same file lacks its intermediate.
    let out = run(&[
        "verify",
        "--format",
        "jsonl",
        "--at",
        "2026-06-01T00:00:00Z",
        "--trust",
        &trust(),
        &vector("missing-intermediate.exe"),
    ]);
    assert_eq!(jsonl(&out)[0]["status"], "untrusted");
}

/// Issue 29: script reports (`format: "script"`, the `script` object, `file.script`
/// errors, the summary's reasons) match the published schema, vector by vector.
#[test]
fn script_reports_match_the_schema() {
    let scripts = vectors().join("scripts");
    let root = vectors().join("pki/root.crt");
    let out = run(&[
        "verify",
        "--format",
        "jsonl",
        "--summary",
        "--at",
        "2026-06-01T00:00:00Z",
        "--trust",
        root.to_str().expect("utf-8"),
        scripts.to_str().expect("utf-8"),
    ]);
    let lines = jsonl(&out);
    let formats: std::collections::BTreeSet<&str> = lines.iter().filter_map(|l| l["format"].as_str()).collect();
    assert_eq!(formats, ["catalog", "script"].into_iter().collect(), "{lines:?}");
    assert!(lines.iter().any(|l| l["error_rule"] == "file.script"));
    assert!(lines.iter().any(|l| l["script"]["encoding"] == "utf-16le"));
}

#[test]
fn crl_revokes_a_file_groups_it_and_trust_show_lists_the_list() {
    // test-vectors/crl/manifest.json: the Code Signing CA revoked the signer of this file on
    // 2025-01-01 (scripts/make-crl-vectors.py).
    let crl = vector("crl/leaf-revoked.crl");
    let (out, lines) = verify_jsonl(&["--crl", &crl, &vector("pe32plus-rsa2048-sha256.exe")]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let r = report_for(&lines, "pe32plus-rsa2048-sha256.exe").expect("report");
    assert_eq!(r["status"], "untrusted");
    assert_eq!(r["signatures"][0]["chain"]["status"], "revoked");
    assert_eq!(r["signatures"][0]["chain"]["detail_rule"], "chain.revoked");
    assert!(r["missing"].as_array().expect("missing").is_empty());

    // The same list in a signature, and the summary's own group for revoked files.
    let root = trust();
    let out = run(&[
        "verify",
        "--trust",
        &root,
        "--at",
        AT,
        "--format",
        "json",
        "--summary",
        &vector("crl/crl-in-signature.exe"),
        &vector("pe32plus-rsa2048-sha256.exe"),
    ]);
    let doc = json_doc(&out);
    let groups = doc["summary"]["other_failures"].as_array().expect("groups");
    assert!(
        groups
            .iter()
            .any(|g| g["reason"].as_str().is_some_and(|r| r.starts_with("revoked:")) && g["files"] == 1),
        "{groups:?}"
    );
    assert!(doc["summary"]["install"].as_array().is_none_or(|i| i.is_empty()));

    // Text output shows why a list was not used, and when a revocation comes too late to
    // matter.
    let text = run(&[
        "verify",
        "--trust",
        &root,
        "--at",
        AT,
        "--crl",
        &vector("crl/wrong-key.crl"),
        "--crl",
        &vector("crl/expired-signer-revoked-2021.crl"),
        &vector("pe32plus-rsa2048-sha256.exe"),
        &vector("ts-rfc3161-expired-signer.exe"),
    ]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("not used for CN=Authverify Test Signer RSA-2048"),
        "{text}"
    );
    assert!(
        text.contains("its signature does not verify under the issuer on the path"),
        "{text}"
    );
    assert!(
        text.contains("as revoked on 2021-01-01T00:00:00Z (reason superseded), after 2020-06-01T00:00:00Z"),
        "{text}"
    );

    // A --crl that is not a list stops the run (revocation silently unchecked is worse).
    let bad = run(&[
        "verify",
        "--trust",
        &root,
        "--crl",
        &vector("pki/root.crt"),
        &vector("unsigned.exe"),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--crl"));

    // trust show: issuer, dates, entries, and which certificate verified it.
    let out = run(&[
        "trust",
        "show",
        "--format",
        "json",
        "--at",
        AT,
        "--crl",
        &vector("crl/intermediate-revoked.crl"),
        &vector("pki/root.crt"),
    ]);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    let c = &doc["stores"][0]["crls"][0];
    assert_eq!(c["issuer"], "CN=Authverify Test Root CA,O=Authverify Test PKI");
    assert_eq!(c["this_update"], "2026-01-01T00:00:00Z");
    assert_eq!(c["next_update"], "2027-01-01T00:00:00Z");
    assert_eq!(c["entries"], 1);
    assert_eq!(c["signature_verified"], true);
    assert!(c["verified_by"]
        .as_str()
        .expect("by")
        .contains("Authverify Test Root CA"));
}
