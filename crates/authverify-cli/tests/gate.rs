//! Issue 31: the release gate (`--require-signer`, `--require-timestamp`, `--exclude-from`,
//! `--format junit`). Independent truth: the testgen writes `pki/signer-chain.pem` as the
//! RSA-2048 test leaf and its intermediate (`vectors.rs`), and signs each vector with the
//! leaf its manifest entry names ("RSA-2048 leaf", "RSA-4096 leaf", ...); the manifest
//! records each signature's timestamp and whether it is valid; thumbprints are computed here
//! with `sha2`/`sha1` over the PEM's DER.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use sha2::Digest;

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-vectors")
        .canonicalize()
        .expect("test-vectors")
}

fn vector(name: &str) -> String {
    vectors().join(name).display().to_string()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_authverify"))
        .args(args)
        .output()
        .expect("run authverify")
}

const AT: &str = "2026-06-01T00:00:00Z";

/// `verify --trust pki/root.crt --at AT` with `extra` arguments.
fn verify(extra: &[&str]) -> Output {
    let trust = vector("pki/root.crt");
    let mut args = vec!["verify", "--trust", &trust, "--at", AT, "--quiet"];
    args.extend_from_slice(extra);
    run(&args)
}

/// The DER of the RSA-2048 test leaf: the first certificate of `pki/signer-chain.pem`.
fn leaf_der() -> Vec<u8> {
    let text = std::fs::read_to_string(vectors().join("pki/signer-chain.pem")).expect("chain");
    let end = "-----END CERTIFICATE-----";
    let first = &text[..text.find(end).expect("a certificate") + end.len()];
    pem_rfc7468::decode_vec(first.as_bytes()).expect("PEM").1
}

/// The leaf alone as a PEM file in `dir`.
fn leaf_file(dir: &Path) -> String {
    let path = dir.join("ours.pem");
    let pem = pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, &leaf_der()).expect("PEM");
    std::fs::write(&path, pem).expect("write leaf");
    path.display().to_string()
}

/// The report schema (docs/report.schema.json).
fn validated(v: Value) -> Value {
    static SCHEMA: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    let schema = SCHEMA.get_or_init(|| {
        let text = std::fs::read_to_string(vectors().join("../docs/report.schema.json")).expect("schema");
        jsonschema::validator_for(&serde_json::from_str(&text).expect("JSON")).expect("schema compiles")
    });
    let errors: Vec<String> = schema
        .iter_errors(&v)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report does not match the schema:\n{}",
        errors.join("\n")
    );
    v
}

/// The JSON document's files by file name, each checked against the schema.
fn files(out: &Output) -> Vec<Value> {
    let doc = validated(serde_json::from_slice(&out.stdout).expect("JSON document"));
    doc["files"].as_array().expect("files").clone()
}

fn name_of(f: &Value) -> String {
    let p = f["path"].as_str().expect("path");
    Path::new(p).file_name().expect("name").to_string_lossy().into_owned()
}

fn failed_rules(f: &Value) -> Vec<String> {
    f["gate"]["failed"]
        .as_array()
        .expect("gate.failed")
        .iter()
        .map(|x| x["rule"].as_str().expect("rule").to_string())
        .collect()
}

/// Signed by the RSA-2048 leaf (manifest: "RSA-2048 leaf"), by other leaves (RSA-4096,
/// ECDSA, the expired one, the 72-hour one, which has the same key as ours but is another
/// certificate), and unsigned.
const OURS: &str = "pe32plus-rsa2048-sha256.exe";
const OTHERS: [&str; 4] = [
    "pe32plus-rsa4096-sha384.exe",
    "pe32plus-ecdsa-p256-sha256.exe",
    "ts-rfc3161-expired-signer.exe",
    "acs-shape-72h-leaf.exe",
];

#[test]
fn require_signer_fails_exactly_the_files_other_leaves_signed() {
    let tmp = tempfile::tempdir().expect("tmp");
    let der = leaf_der();
    let sha256 = hex::encode(sha2::Sha256::digest(&der));
    let sha1 = hex::encode(sha1::Sha1::digest(&der));
    let colons: String = sha1
        .to_uppercase()
        .as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(":");
    let mut inputs: Vec<String> = OTHERS.iter().map(|n| vector(n)).collect();
    inputs.push(vector(OURS));
    inputs.push(vector("unsigned.exe"));
    // A certificate file, its SHA-256, its SHA-1 (as certutil prints it): the same gate.
    for spec in [leaf_file(tmp.path()), sha256.clone(), colons] {
        let mut args = vec!["--format", "json", "--require-signer", &spec];
        args.extend(inputs.iter().map(String::as_str));
        let out = verify(&args);
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        for f in files(&out) {
            let name = name_of(&f);
            let rules = failed_rules(&f);
            match name.as_str() {
                OURS => {
                    assert_eq!(f["gate"]["passed"], true, "{name}: {f}");
                    assert_eq!(f["signatures"][0]["signer"]["sha256"], sha256.as_str());
                }
                "unsigned.exe" => assert_eq!(rules, ["gate.not_valid", "gate.signer"], "{name}"),
                n if OTHERS.contains(&n) => {
                    assert_eq!(f["gate"]["passed"], false, "{name}");
                    // Only the signer rule, unless the verdict fails too.
                    let expect: Vec<&str> = if f["status"] == "valid" {
                        vec!["gate.signer"]
                    } else {
                        vec!["gate.not_valid", "gate.signer"]
                    };
                    assert_eq!(rules, expect, "{name}");
                    // The failure names the signer it has, by thumbprint.
                    let detail = f["gate"]["failed"][rules.len() - 1]["detail"].as_str().expect("detail");
                    let theirs = f["signatures"][0]["signer"]["sha256"].as_str().expect("signer sha256");
                    assert!(detail.contains(theirs), "{detail}");
                    assert_ne!(theirs, sha256);
                }
                other => panic!("unexpected {other}"),
            }
        }
    }
    // Our certificate in a signature that does not verify (testgen: the RSA-2048 leaf, its
    // RSA signature's last byte flipped; manifest: signature_valid false) proves nothing.
    let spec = leaf_file(tmp.path());
    let forged = vector("bad-signature.exe");
    let out = verify(&["--format", "json", "--require-signer", &spec, &forged]);
    let f = &files(&out)[0];
    assert_eq!(f["signatures"][0]["signature_valid"], false);
    assert_eq!(f["signatures"][0]["signer"]["sha256"], sha256.as_str());
    assert_eq!(failed_rules(f), ["gate.not_valid", "gate.signer"]);
    let detail = f["gate"]["failed"][1]["detail"].as_str().expect("detail");
    assert!(detail.contains("whose signature does not verify"), "{detail}");
    // Only our file: the gate passes, exit 0; the summary counts the gate apart.
    let ours = vector(OURS);
    let out = verify(&["--format", "json", "--summary", "--require-signer", &spec, &ours]);
    assert_eq!(out.status.code(), Some(0));
    let doc = validated(serde_json::from_slice(&out.stdout).expect("JSON"));
    assert_eq!(doc["summary"]["gate"]["passed"], 1);
    assert_eq!(doc["summary"]["gate"]["failed"], 0);
}

#[test]
fn require_timestamp_fails_the_files_whose_deciding_signature_has_no_valid_timestamp() {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(vectors().join("manifest.json")).expect("manifest"))
            .expect("JSON");
    let entries = manifest["vectors"].as_array().expect("vectors");
    let paths: Vec<String> = entries
        .iter()
        .map(|v| vector(v["file"].as_str().expect("file")))
        .collect();
    let mut args = vec!["--format", "json", "--require-timestamp"];
    args.extend(paths.iter().map(String::as_str));
    let out = verify(&args);
    assert_eq!(out.status.code(), Some(1));
    let results = files(&out);
    assert_eq!(results.len(), entries.len());
    let mut passed = 0;
    for v in entries {
        let path = vector(v["file"].as_str().expect("file"));
        let f = results.iter().find(|f| f["path"] == path.as_str()).expect("reported");
        // The primary decides (--signatures primary, the default).
        let stamped = v["signatures"][0]["timestamp"]["valid"] == true;
        let valid = v["status"] == "valid";
        let mut expect = Vec::new();
        if !valid {
            expect.push("gate.not_valid");
        }
        if !stamped {
            expect.push("gate.timestamp");
        }
        assert_eq!(failed_rules(f), expect, "{}", v["file"]);
        passed += usize::from(expect.is_empty());
    }
    // The manifest's timestamped valid vectors: not a vacuous pass.
    assert!(passed >= 4, "{passed} passed");
}

#[test]
fn a_catalog_that_makes_a_file_valid_decides_with_its_signer() {
    let tmp = tempfile::tempdir().expect("tmp");
    let ours = leaf_file(tmp.path());
    let cat = vector("catalogs/driver-sha256.cat");
    let inf = vector("catalogs/driver/driver.inf");
    let out = verify(&["--format", "json", "--catalogs", &cat, "--require-signer", &ours, &inf]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let f = &files(&out)[0];
    assert_eq!(f["status"], "valid");
    assert_eq!(f["gate"]["passed"], true);
    // Another signer required: the catalog's signer is named.
    let other = vector("pki/intermediate.crt");
    let out = verify(&["--format", "json", "--catalogs", &cat, "--require-signer", &other, &inf]);
    assert_eq!(out.status.code(), Some(1));
    let f = &files(&out)[0];
    assert_eq!(failed_rules(f), ["gate.signer"]);
    assert!(f["gate"]["failed"][0]["detail"]
        .as_str()
        .expect("detail")
        .contains("Authverify Test Signer RSA-2048"));
}

#[test]
fn excluded_files_are_reported_with_their_reason_and_fail_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let list = tmp.path().join("exclude.txt");
    std::fs::write(
        &list,
        "# not ours\nunsigned*.exe   # third-party, shipped as is\n*.dll\n",
    )
    .expect("list");
    let list = list.display().to_string();
    let (unsigned, ours) = (vector("unsigned.exe"), vector(OURS));
    let out = verify(&["--format", "json", "--exclude-from", &list, &unsigned, &ours]);
    assert_eq!(out.status.code(), Some(0), "the excluded unsigned file fails nothing");
    let results = files(&out);
    assert_eq!(results.len(), 2, "excluded files are reported, not dropped");
    let excluded = results.iter().find(|f| name_of(f) == "unsigned.exe").expect("reported");
    assert_eq!(
        excluded["status"], "unsigned",
        "the verdict stays what the signatures say"
    );
    assert_eq!(excluded["gate"]["passed"], true);
    assert_eq!(excluded["gate"]["excluded"]["pattern"], "unsigned*.exe");
    assert_eq!(excluded["gate"]["excluded"]["reason"], "third-party, shipped as is");
    assert_eq!(excluded["gate"]["excluded"]["line"], 2);
    // Text says so too.
    let out = verify(&["--exclude-from", &list, &unsigned]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("gate: EXCLUDED by unsigned*.exe (line 2): third-party, shipped as is"),
        "{text}"
    );
    assert!(text.contains("gate: 1 passed, 0 failed, 1 excluded"), "{text}");
    // Without the exclusion the same run fails.
    let empty = tmp.path().join("empty.txt");
    std::fs::write(&empty, "# nothing excluded\n").expect("list");
    let out = verify(&["--exclude-from", &empty.display().to_string(), &unsigned, &ours]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn bad_gate_arguments_are_usage_errors() {
    let ours = vector(OURS);
    for (flag, value) in [
        ("--require-signer", vector("no-such.cer")),
        ("--require-signer", "builtin".to_string()),
        ("--require-signer", "abcd".to_string()),
        ("--exclude-from", vector("no-such-list.txt")),
    ] {
        let out = verify(&[flag, &value, &ours]);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(flag), "{flag} {value}");
    }
}

/// What a JUnit document holds: each test case's name and what it contains. (Read by the
/// Unix-only hostile-name test: such names cannot be created on Windows.)
#[cfg(unix)]
struct Case {
    name: String,
    failure: Option<(String, String)>,
    skipped: Option<String>,
}

/// Parses `xml` strictly (well-formed, matching end tags) and reads its test cases.
#[cfg(unix)]
fn junit_cases(xml: &[u8]) -> (Vec<Case>, Vec<(String, String)>) {
    use quick_xml::events::Event;
    let text = std::str::from_utf8(xml).expect("UTF-8");
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut cases = Vec::new();
    let mut suite = Vec::new();
    let mut depth = 0usize;
    loop {
        let event = reader.read_event().expect("well-formed XML");
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            Event::End(_) => {
                depth -= 1;
                (None, false)
            }
            Event::Eof => break,
            _ => (None, false),
        };
        let Some(e) = start else { continue };
        if !empty {
            depth += 1;
        }
        let attrs: Vec<(String, String)> = e
            .attributes()
            .map(|a| {
                let a = a.expect("attribute");
                let value = a
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .expect("escaped value")
                    .into_owned();
                (a.key.as_ref().to_string(), value)
            })
            .collect();
        let get = |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let name = e.name();
        let element: &str = name.as_ref();
        match element {
            "testsuite" => suite = attrs.clone(),
            "testcase" => cases.push(Case {
                name: get("name").expect("name"),
                failure: None,
                skipped: None,
            }),
            "failure" => {
                cases.last_mut().expect("in a case").failure =
                    Some((get("type").expect("type"), get("message").expect("message")));
            }
            "skipped" => cases.last_mut().expect("in a case").skipped = get("message"),
            _ => {}
        }
    }
    assert_eq!(depth, 0, "every element closed");
    (cases, suite)
}

#[test]
#[cfg(unix)]
fn junit_is_well_formed_and_escapes_hostile_names_and_reasons() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("dist");
    std::fs::create_dir(&dir).expect("mkdir");
    // Markup, quotes, an ESC sequence, a C1 CSI, a NUL-free control: hostile file names.
    let hostile = "a<b>&\"c'\u{1b}[31m\u{9b}\u{7}]]>.exe";
    std::fs::copy(vectors().join(OURS), dir.join(hostile)).expect("copy");
    std::fs::copy(vectors().join("pe32plus-rsa4096-sha384.exe"), dir.join("other.exe")).expect("copy");
    std::fs::copy(vectors().join("unsigned.exe"), dir.join("vendor & <co>.exe")).expect("copy");
    let list = tmp.path().join("exclude.txt");
    std::fs::write(&list, "vendor*.exe # <script>&\u{1b}]0;x\u{7} \"quoted\"\n").expect("list");
    let (ours, list, d) = (
        leaf_file(tmp.path()),
        list.display().to_string(),
        dir.display().to_string(),
    );
    let out = verify(&[
        "--format",
        "junit",
        "--require-signer",
        &ours,
        "--require-timestamp",
        "--exclude-from",
        &list,
        &d,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let xml = &out.stdout;
    assert!(
        !xml.iter().any(|&b| b == 0x1b || b == 0x07),
        "no control character left"
    );
    assert!(!String::from_utf8_lossy(xml).contains('\u{9b}'));
    assert!(String::from_utf8_lossy(xml).contains("<system-out>status: valid</system-out>"));
    let (cases, suite) = junit_cases(xml);
    let count = |k: &str| suite.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(count("tests").as_deref(), Some("3"));
    assert_eq!(count("failures").as_deref(), Some("2"));
    assert_eq!(count("skipped").as_deref(), Some("1"));
    assert_eq!(cases.len(), 3);
    let find = |suffix: &str| cases.iter().find(|c| c.name.ends_with(suffix)).expect(suffix);
    // The name round-trips, less what XML cannot carry.
    let ours_case = find("]]>.exe");
    assert!(ours_case.name.ends_with("/a<b>&\"c'[31m]]>.exe"), "{}", ours_case.name);
    let (rules, _) = ours_case.failure.clone().expect("fails: no timestamp");
    assert_eq!(rules, "gate.timestamp");
    let (rules, message) = find("other.exe").failure.clone().expect("fails");
    assert_eq!(rules, "gate.signer gate.timestamp");
    assert!(message.contains("Authverify Test Signer RSA-4096"), "{message}");
    let skipped = find("vendor & <co>.exe").skipped.clone().expect("skipped");
    assert_eq!(skipped, "excluded by vendor*.exe (line 1): <script>&]0;x \"quoted\"");
}
