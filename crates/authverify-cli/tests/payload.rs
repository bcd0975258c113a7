//! Issue 31: `verify --payload` through the command. Each container of test-vectors/payload/
//! (scripts/make-payload-vectors.py) gives every member the verdict its construction implies
//! (manifest.json), the members are ordinary reports with `container` and `member`, valid
//! against docs/report.schema.json; each member's verdict equals the verdict of the same file
//! extracted by gcab, msiextract or unzip and verified in a folder with `--catalogs` on it;
//! the bombs are refused by the walk's bounds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const AT: &str = "2026-06-01T00:00:00Z";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn vectors() -> PathBuf {
    repo().join("test-vectors/payload")
}

fn manifest() -> Value {
    serde_json::from_str(&std::fs::read_to_string(vectors().join("manifest.json")).expect("manifest")).expect("json")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_authverify"))
        .args(args)
        .output()
        .expect("run authverify")
}

/// The report schema (docs/report.schema.json).
fn schema() -> &'static jsonschema::Validator {
    static SCHEMA: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| {
        let text = std::fs::read_to_string(repo().join("docs/report.schema.json")).expect("schema");
        let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
        jsonschema::validator_for(&schema).expect("schema compiles")
    })
}

/// `verify --format jsonl` over `paths` with `extra` options: every line, checked against
/// the schema.
fn verify(extra: &[&str], paths: &[&Path]) -> Vec<Value> {
    let root = repo().join("test-vectors/pki/root.crt");
    let mut args = vec![
        "verify",
        "--format",
        "jsonl",
        "--at",
        AT,
        "--trust",
        root.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    args.extend(paths.iter().map(|p| p.to_str().expect("utf-8")));
    let out = run(&args);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("a JSON line");
            let errors: Vec<String> = schema()
                .iter_errors(&v)
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(
                errors.is_empty(),
                "{l}\ndoes not match the schema:\n{}",
                errors.join("\n")
            );
            v
        })
        .collect()
}

/// Member path → status of a container's payload reports.
fn member_statuses(records: &[Value]) -> BTreeMap<String, String> {
    records
        .iter()
        .filter_map(|r| Some((r["member"].as_str()?.to_string(), r["status"].as_str()?.to_string())))
        .collect()
}

#[test]
fn every_member_gets_the_verdict_its_construction_implies() {
    let m = manifest();
    for (container, expected) in m["containers"].as_object().expect("containers") {
        let path = vectors().join(container);
        let records = verify(&["--payload"], &[&path]);
        let own = records.iter().find(|r| r.get("member").is_none());
        match expected["status"].as_str() {
            Some(status) => assert_eq!(
                own.expect("the container's own report")["status"],
                status,
                "{container}"
            ),
            // A plain ZIP archive has no signature: no report of its own.
            None => assert!(own.is_none(), "{container}: {own:?}"),
        }
        let got = member_statuses(&records);
        let prefix = expected["prefix"].as_str().expect("prefix");
        for member in m["members"].as_array().expect("members") {
            let name = format!("{prefix}{}", member["member"].as_str().expect("member"));
            assert_eq!(
                got.get(&name).map(String::as_str),
                member["status"].as_str(),
                "{container} » {name}"
            );
        }
        assert_eq!(
            got.len(),
            m["members"].as_array().map_or(0, Vec::len),
            "{container}: {got:?}"
        );
        for r in records.iter().filter(|r| r.get("member").is_some()) {
            assert_eq!(
                r["container"],
                serde_json::json!([path.to_str().expect("utf-8")]),
                "{r}"
            );
            let shown = format!("{} » {}", path.display(), r["member"].as_str().expect("member"));
            assert_eq!(r["path"], shown.as_str());
        }
    }
}

#[test]
fn the_catalog_in_the_payload_is_what_signs_the_driver() {
    // The same driver files without their catalog are unsigned: the verdicts above come
    // from driver/driver.cat, not from anything else in the walk.
    let path = vectors().join("payload.zip");
    let got = member_statuses(&verify(&["--payload"], &[&path]));
    assert_eq!(got.get("driver/driver.sys").map(String::as_str), Some("valid"));
    let app_listed = verify(&["--payload"], &[&path])
        .into_iter()
        .find(|r| r["member"] == "driver/driver.sys")
        .expect("driver.sys");
    assert_eq!(app_listed["signatures"][0]["kind"], "catalog", "{app_listed}");
    // helper.dll, a sibling of no catalog, stays unsigned.
    assert_eq!(got.get("helper.dll").map(String::as_str), Some("unsigned"));
}

#[test]
fn nested_containers_are_walked_with_their_chain() {
    let path = vectors().join("nested.zip");
    let records = verify(&["--payload"], &[&path]);
    let outer = path.to_str().expect("utf-8");
    let msi_member = records
        .iter()
        .find(|r| r["member"] == "Program Files/AuthverifyPayload/driver/driver.sys")
        .expect("the MSI's driver in the ZIP");
    assert_eq!(
        msi_member["container"],
        serde_json::json!([outer, "setup/signed-payload.msi"])
    );
    assert_eq!(msi_member["status"], "valid");
    let cab = records
        .iter()
        .find(|r| r["member"] == "setup/signed-payload.cab")
        .expect("the cabinet itself");
    assert_eq!(cab["status"], "valid");
    assert_eq!(cab["container"], serde_json::json!([outer]));
    // 2 signed containers + 7 members each.
    assert_eq!(records.len(), 16, "{records:?}");
}

#[test]
fn bombs_and_deep_nesting_are_refused_by_the_bounds() {
    for (file, bound) in manifest()["bombs"].as_object().expect("bombs") {
        let records = verify(&["--payload"], &[&vectors().join(file)]);
        let refused = records
            .iter()
            .find(|r| r["error_rule"] == "file.payload")
            .unwrap_or_else(|| panic!("{file}: no payload error in {records:?}"));
        let bound = bound.as_str().expect("bound");
        assert!(
            refused["error"].as_str().is_some_and(|e| e.contains(bound)),
            "{file}: {refused}"
        );
        assert!(refused.get("member").is_none(), "{refused}");
    }
}

#[test]
fn without_payload_nothing_changes() {
    let records = verify(&[], &[&vectors().join("signed-payload.msi")]);
    assert_eq!(records.len(), 1);
    assert!(records[0].get("container").is_none() && records[0].get("member").is_none());
}

/// The extraction tools, or why the comparison is skipped.
fn tool(name: &str) -> bool {
    let found = Command::new(name).arg("--help").output().is_ok();
    if !found {
        assert!(
            std::env::var_os("AUTHVERIFY_REQUIRE_EXTRAS").is_none(),
            "{name} is required with AUTHVERIFY_REQUIRE_EXTRAS"
        );
        eprintln!(
            "SKIPPED the extracted-folder comparison for {name}: not installed (apt-get install gcab msitools unzip)"
        );
    }
    found
}

/// Each member's verdict equals the extracted file's, verified in a folder with `--catalogs`
/// on that folder (as an admin who unpacked the package would).
#[test]
fn members_verdicts_equal_the_extracted_folders() {
    let cases: [(&str, &str, &[&str]); 3] = [
        ("signed-payload.cab", "gcab", &["-x", "-C", "{dir}", "{file}"]),
        ("signed-payload.msi", "msiextract", &["-C", "{dir}", "{file}"]),
        ("payload.zip", "unzip", &["-q", "{file}", "-d", "{dir}"]),
    ];
    for (container, program, args) in cases {
        if !tool(program) {
            continue;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let file = vectors().join(container);
        let args: Vec<String> = args
            .iter()
            .map(|a| {
                a.replace("{dir}", dir.path().to_str().expect("utf-8"))
                    .replace("{file}", file.to_str().expect("utf-8"))
            })
            .collect();
        let out = Command::new(program).args(&args).output().expect("extract");
        assert!(out.status.success(), "{program} {args:?}");
        let root = dir.path().to_str().expect("utf-8");
        let extracted: BTreeMap<String, String> = verify(&["--catalogs", root], &[dir.path()])
            .iter()
            .filter_map(|r| {
                let p = r["path"]
                    .as_str()?
                    .strip_prefix(root)?
                    .trim_start_matches(['/', '\\'])
                    .replace('\\', "/");
                Some((p, r["status"].as_str()?.to_string()))
            })
            .collect();
        let members = member_statuses(&verify(&["--payload"], &[&file]));
        assert!(!members.is_empty());
        for (member, status) in &members {
            assert_eq!(
                extracted.get(member),
                Some(status),
                "{container} » {member}: extracted {extracted:?}"
            );
        }
    }
}
