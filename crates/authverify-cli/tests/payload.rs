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

// Issue 32: a cabinet or MSI package over READ_WHOLE_LIMIT is walked from the file in parts
// (`Verifier::verify_payload_reader`); its members' reports are those of the same bytes
// walked in memory (`verify_payload`).

/// A signed PE image of more than 8 MiB (the unsigned test image, then `fill` bytes, signed
/// by osslsigncode), and the same image with one byte of its content flipped after signing.
fn large_images(dir: &Path) -> (PathBuf, PathBuf) {
    let mut image = std::fs::read(repo().join("test-vectors/unsigned.exe")).expect("unsigned.exe");
    let mut state = 0x9e37_79b9_u32;
    image.extend((0..(9 << 20)).map(|_| {
        // Bytes that do not compress, so that the cabinets stay larger than 8 MiB.
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state.to_le_bytes()[0]
    }));
    let unsigned = dir.join("unsigned-big.exe");
    std::fs::write(&unsigned, &image).expect("write");
    let signed = dir.join("big.exe");
    sign_file(&unsigned, &signed);
    let mut tampered = std::fs::read(&signed).expect("signed");
    let at = tampered.len() / 2;
    tampered[at] ^= 0xff;
    let tampered_path = dir.join("tampered.exe");
    std::fs::write(&tampered_path, tampered).expect("write");
    (signed, tampered_path)
}

fn sign_file(from: &Path, to: &Path) {
    let out = Command::new("osslsigncode")
        .args(["sign", "-certs"])
        .arg(repo().join("test-vectors/pki/signer-chain.pem"))
        .arg("-key")
        .arg(repo().join("crates/authverify-testgen/keys/leaf-rsa2048.pem"))
        .args(["-h", "sha256", "-time", "1767225600", "-in"])
        .arg(from)
        .arg("-out")
        .arg(to)
        .output()
        .expect("osslsigncode");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A folder holding `big.exe` (the image given) and `small.exe` (a signed vector).
fn payload_folder(dir: &Path, big: &Path) -> PathBuf {
    let folder = dir.join(format!(
        "src-{}",
        big.file_stem().and_then(|s| s.to_str()).expect("name")
    ));
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::copy(big, folder.join("big.exe")).expect("copy");
    std::fs::copy(
        repo().join("test-vectors/pe32plus-rsa2048-sha256.exe"),
        folder.join("small.exe"),
    )
    .expect("copy");
    folder
}

/// An MSZIP cabinet of the folder (gcab).
fn large_cabinet(folder: &Path, out: &Path) {
    let ok = Command::new("gcab")
        .args(["-c", "-z"])
        .arg(out)
        .args(["big.exe", "small.exe"])
        .current_dir(folder)
        .status()
        .expect("gcab");
    assert!(ok.success());
}

/// A signed MSI package of the folder, its files in an embedded cabinet (wixl, then
/// osslsigncode).
fn large_msi(folder: &Path, out: &Path) {
    std::fs::write(
        folder.join("t.wxs"),
        r#"<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="31111111-2222-3333-4444-555555555555" Name="Authverify Large" Language="1033"
           Version="1.0.0" Manufacturer="Authverify Test PKI" UpgradeCode="86666666-7777-8888-9999-000000000000">
    <Package InstallerVersion="200" Compressed="yes"/>
    <Media Id="1" Cabinet="large.cab" EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFilesFolder">
        <Directory Id="INSTALLDIR" Name="Large">
          <Component Id="App" Guid="42345678-1234-1234-1234-123456789012">
            <File Id="Big" Name="big.exe" Source="big.exe"/>
            <File Id="Small" Name="small.exe" Source="small.exe"/>
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="Main" Level="1"><ComponentRef Id="App"/></Feature>
  </Product>
</Wix>
"#,
    )
    .expect("wxs");
    let unsigned = folder.join("unsigned.msi");
    let ok = Command::new("wixl")
        .arg("-o")
        .arg(&unsigned)
        .arg("t.wxs")
        .current_dir(folder)
        .status()
        .expect("wixl");
    assert!(ok.success());
    sign_file(&unsigned, out);
}

fn library_verifier() -> authverify::Verifier {
    let mut trust = authverify::TrustStore::new();
    trust
        .load(&repo().join("test-vectors/pki/root.crt"), authverify::Role::Anchors)
        .expect("root");
    authverify::Verifier::new(trust, authverify::Policy::windows())
}

fn at() -> authverify::UnixTime {
    authverify::UnixTime::from_secs(1_780_272_000)
}

/// Each report of `bytes` walked in memory, as text (`{:?}`), and whether it walked.
fn reports_in_memory(v: &authverify::Verifier, bytes: &[u8], name: &str) -> Vec<String> {
    let mut out = Vec::new();
    assert!(v.verify_payload(bytes, name, at(), &mut |m| out.push(format!("{m:?}"))));
    out
}

fn reports_from_reader<R: std::io::Read + std::io::Seek>(
    v: &authverify::Verifier,
    r: &mut R,
    name: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    assert!(v.verify_payload_reader(r, name, at(), &mut |m| out.push(format!("{m:?}"))));
    out
}

/// Member → status, from the reports' text.
fn statuses(reports: &[String]) -> Vec<(String, String)> {
    reports
        .iter()
        .map(|r| {
            let member = r
                .split("member: ")
                .nth(1)
                .and_then(|m| m.split(',').next())
                .unwrap_or("?");
            let status = r
                .split("status: ")
                .nth(1)
                .and_then(|s| s.split(',').next())
                .unwrap_or("error");
            (member.to_string(), status.to_string())
        })
        .collect()
}

/// A reader that cuts its file short once `after` bytes have been read from it (a file
/// truncated while its payload is walked).
struct CutShort {
    bytes: std::io::Cursor<Vec<u8>>,
    read: usize,
    after: usize,
    to: usize,
}

impl std::io::Read for CutShort {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.read > self.after && self.bytes.get_ref().len() > self.to {
            self.bytes.get_mut().truncate(self.to);
        }
        let n = self.bytes.read(buf)?;
        self.read += n;
        Ok(n)
    }
}

impl std::io::Seek for CutShort {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        self.bytes.seek(to)
    }
}

/// For a large cabinet and a large MSI package (each over 8 MiB, so read in parts): valid,
/// one member tampered, and truncated, the reports from the file equal those of the same
/// bytes in memory; a file cut short during the walk is a changed file, not a verdict.
#[test]
fn a_large_container_read_from_its_file_gives_the_reports_of_its_bytes() {
    if !tool("gcab") || !tool("wixl") || !tool("osslsigncode") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (signed, tampered) = large_images(dir.path());
    let v = library_verifier();
    for (big, big_status) in [(&signed, "Valid"), (&tampered, "Invalid")] {
        let folder = payload_folder(dir.path(), big);
        for kind in ["cab", "msi"] {
            let file = dir.path().join(format!(
                "{}.{kind}",
                big.file_stem().and_then(|s| s.to_str()).expect("name")
            ));
            if kind == "cab" {
                large_cabinet(&folder, &file);
            } else {
                large_msi(&folder, &file);
            }
            let bytes = std::fs::read(&file).expect("container");
            assert!(bytes.len() > 8 << 20, "{kind}: {} bytes", bytes.len());
            let name = file.to_str().expect("utf-8");
            let whole = reports_in_memory(&v, &bytes, name);
            let read = reports_from_reader(&v, &mut std::fs::File::open(&file).expect("open"), name);
            assert_eq!(read, whole, "{kind}");
            let got = statuses(&read);
            let big_member = if kind == "cab" {
                "big.exe"
            } else {
                "Program Files/Large/big.exe"
            };
            let small_member = big_member.replace("big", "small");
            let want = [(big_member, big_status), (small_member.as_str(), "Valid")];
            for (member, status) in want {
                assert!(
                    got.iter()
                        .any(|(m, s)| m == &format!("Some({member:?})") && s == status),
                    "{kind}: {member} {status} in {got:?}"
                );
            }
            assert_eq!(got.len(), 2, "{kind}: {got:?}");
            if big != &signed {
                continue;
            }
            // Truncated: the same typed error either way.
            let cut = &bytes[..bytes.len() - (1 << 20)];
            let whole = reports_in_memory(&v, cut, name);
            let read = reports_from_reader(&v, &mut std::io::Cursor::new(cut), name);
            assert_eq!(read, whole, "{kind} truncated");
            assert!(read.iter().any(|r| r.contains("Err(")), "{kind} truncated: {read:?}");
            // Cut short while it is walked: a changed file.
            let mut shrinking = CutShort {
                bytes: std::io::Cursor::new(bytes.clone()),
                read: 0,
                after: 4 << 20,
                to: bytes.len() / 2,
            };
            let read = reports_from_reader(&v, &mut shrinking, name);
            assert!(
                read.iter().any(|r| r.contains("Changed {")),
                "{kind} cut short during the walk: {read:?}"
            );
        }
    }
}

/// The command walks a large MSI package from its file: the package and both members valid.
#[test]
fn the_command_walks_a_large_package_from_its_file() {
    if !tool("wixl") || !tool("osslsigncode") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (signed, _) = large_images(dir.path());
    let folder = payload_folder(dir.path(), &signed);
    let msi = dir.path().join("large.msi");
    large_msi(&folder, &msi);
    let records = verify(&["--payload"], &[&msi]);
    let statuses: Vec<(Option<&str>, &str)> = records
        .iter()
        .map(|r| (r["member"].as_str(), r["status"].as_str().unwrap_or("?")))
        .collect();
    assert_eq!(
        statuses,
        [
            (None, "valid"),
            (Some("Program Files/Large/big.exe"), "valid"),
            (Some("Program Files/Large/small.exe"), "valid")
        ],
        "{records:?}"
    );
}
