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
    let mut args = vec!["--trust", root.to_str().expect("utf-8")];
    args.extend_from_slice(extra);
    verify_with(&args, paths)
}

/// `verify --format jsonl` at [`AT`] with `extra` options (trust included).
fn verify_with(extra: &[&str], paths: &[&Path]) -> Vec<Value> {
    let mut args = vec!["verify", "--format", "jsonl", "--at", AT];
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

/// Extracts `file` with `program` (`{dir}` and `{file}` in `args` replaced) into a fresh
/// folder, verifies the folder with `--catalogs` on it and `trust`, and returns each
/// extracted file's verdict by its path inside the folder.
fn extracted_verdicts(program: &str, args: &[&str], file: &Path, trust: &[&str]) -> BTreeMap<String, String> {
    let dir = tempfile::tempdir().expect("tempdir");
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
    let mut options = trust.to_vec();
    options.extend(["--catalogs", root]);
    verify_with(&options, &[dir.path()])
        .iter()
        .filter_map(|r| {
            let p = r["path"]
                .as_str()?
                .strip_prefix(root)?
                .trim_start_matches(['/', '\\'])
                .replace('\\', "/");
            Some((p, r["status"].as_str()?.to_string()))
        })
        .collect()
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
    let root = repo().join("test-vectors/pki/root.crt");
    for (container, program, args) in cases {
        if !tool(program) {
            continue;
        }
        let file = vectors().join(container);
        let extracted = extracted_verdicts(program, args, &file, &["--trust", root.to_str().expect("utf-8")]);
        let members = member_statuses(&verify(&["--payload"], &[&file]));
        assert_eq!(members.len(), 7, "{container}: {members:?}");
        for (member, status) in &members {
            assert_eq!(
                extracted.get(member),
                Some(status),
                "{container} » {member}: extracted {extracted:?}"
            );
        }
    }
}

/// The real vendor package of test-vectors/real-world/payload.tsv (Nefarius' signed
/// ViGEmBus installer, from the vgamepad 0.1.0 sdist): member by member, the verdicts of its
/// folder as msiextract unpacks it, judged against the built-in roots.
#[test]
fn a_real_vendor_msi_gives_its_extracted_folders_verdicts() {
    let cache = std::env::var_os("AUTHVERIFY_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/authverify"));
    let file = cache.join("real-world/vgamepad-0.1.0__ViGEmBusSetup_x64.msi");
    if !file.exists() {
        assert!(
            std::env::var_os("AUTHVERIFY_REQUIRE_EXTRAS").is_none(),
            "the real-world payload file is required in CI"
        );
        eprintln!(
            "SKIPPED a_real_vendor_msi_gives_its_extracted_folders_verdicts: needs python3 scripts/fetch-real-world.py"
        );
        return;
    }
    if !tool("msiextract") {
        return;
    }
    let members = member_statuses(&verify_with(&["--payload"], &[&file]));
    // The package's six files as msiextract -l lists them, under ProgramFiles64Folder (which
    // adds nothing to the path): the driver signed itself and through its catalog, the INF
    // through the catalog alone, devcon.exe signed, the licences unsigned.
    let folder = "Nefarius Software Solutions/Virtual Gamepad Emulation Bus Driver";
    let want = [
        ("ViGEmBus.sys", "valid"),
        ("ViGEmBus.inf", "valid"),
        ("ViGEmBus.cat", "valid"),
        ("devcon.exe", "valid"),
        ("devcon-LICENSE", "unsigned"),
        ("LICENSE", "unsigned"),
    ];
    for (name, status) in want {
        let member = format!("{folder}/{name}");
        assert_eq!(
            members.get(&member).map(String::as_str),
            Some(status),
            "{member}: {members:?}"
        );
    }
    assert_eq!(members.len(), want.len(), "{members:?}");
    let extracted = extracted_verdicts("msiextract", &["-C", "{dir}", "{file}"], &file, &[]);
    assert_eq!(extracted.len(), want.len(), "{extracted:?}");
    for (member, status) in &members {
        assert_eq!(extracted.get(member), Some(status), "{member}: extracted {extracted:?}");
    }
}

/// The package view: the summary over a package and every file it carries. Without the test
/// root trusted, the signed package and the five members it signs (app.exe, and through
/// the catalog driver.sys, driver.inf, readme.txt, and the catalog itself) need that root:
/// six files, one certificate, not vouched for by any root program.
#[test]
fn the_summary_is_the_package_view_over_the_container_and_its_members() {
    let path = vectors().join("signed-payload.msi");
    let records = verify_with(&["--payload", "--summary"], &[&path]);
    let summary = &records.last().expect("a summary line")["summary"];
    assert_eq!(summary["packages"], 1, "{summary}");
    assert_eq!(
        summary["package_examples"],
        serde_json::json!([path.to_str().expect("utf-8")])
    );
    assert_eq!(summary["files"], 8);
    let unvouched = summary["unvouched"].as_array().expect("unvouched");
    assert_eq!(unvouched.len(), 1, "{summary}");
    assert_eq!(
        unvouched[0]["subject"],
        "CN=Authverify Test Root CA,O=Authverify Test PKI"
    );
    assert_eq!(unvouched[0]["files"], 6, "{summary}");
}

/// Files an MSI package installs from outside its embedded cabinets cannot be verified from
/// the package: they are named in a `file.payload` error after the walk, never left out.
/// Built here: the payload vector with its Media row pointed at an external cabinet
/// (`msibuild -q "UPDATE Media ..."`), so none of its seven files is carried.
#[test]
fn files_outside_the_embedded_cabinets_are_named_not_skipped() {
    if !tool("msibuild") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let package = dir.path().join("external.msi");
    std::fs::copy(vectors().join("payload.msi"), &package).expect("copy");
    let status = Command::new("msibuild")
        .arg(&package)
        .args(["-q", "UPDATE Media SET Cabinet='external.cab'"])
        .status()
        .expect("msibuild");
    assert!(status.success());
    let records = verify(&["--payload"], &[&package]);
    assert!(member_statuses(&records).is_empty(), "{records:?}");
    let failed: Vec<&Value> = records.iter().filter(|r| r["error_rule"] == "file.payload").collect();
    assert_eq!(failed.len(), 1, "{records:?}");
    let error = failed[0]["error"].as_str().expect("error");
    assert!(error.contains("7 file(s)") && error.contains("app.exe"), "{error}");
}
