//! `--trust system` (issue 16), on Windows: the test PKI's root imported into the machine's
//! Root store (`reg import` of test-vectors/registry, the layout Windows and wine's crypt32
//! keep certificates in) makes a vector valid; deleted again, the root is named as missing.
//! CI runs this under wine (scripts/windows-test.sh).
#![cfg(windows)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha1::Digest as _;

const AT: &str = "2026-06-01T00:00:00Z";

/// The tests change the machine's registry: one at a time.
static REGISTRY: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors")
}

fn native(p: &Path) -> String {
    let v = std::fs::canonicalize(p).expect("canonicalize").display().to_string();
    v.strip_prefix(r"\\?\").unwrap_or(&v).to_string()
}

/// Runs reg.exe. Under wine, starting a process can fail once with ERROR_INTERNAL_ERROR
/// (1359) while a new prefix is still being set up (seen in a fresh-clone CI run): a start
/// that fails is tried again, a few times, before the test gives up.
fn reg(args: &[&str]) -> Output {
    let mut tries = 0;
    loop {
        match Command::new("reg").args(args).output() {
            Ok(out) => return out,
            Err(e) if tries < 5 => {
                eprintln!("reg.exe did not start ({e}); trying again");
                tries += 1;
                std::thread::sleep(std::time::Duration::from_secs(2));
            }
            Err(e) => panic!("run reg.exe: {e}"),
        }
    }
}

fn verify_with_system(extra: &[&str]) -> (serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_authverify"))
        .args(["verify", "--format", "jsonl", "--at", AT, "--trust", "system"])
        .args(extra)
        .arg(native(&vectors().join("pe32plus-rsa2048-sha256.exe")))
        .output()
        .expect("run authverify");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let line = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or("{}")
        .to_string();
    (serde_json::from_str(&line).expect("json line"), stderr)
}

#[test]
fn trust_system_reads_the_machines_root_store() {
    let _one_at_a_time = REGISTRY.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let root = std::fs::read(vectors().join("pki/root.crt")).expect("root");
    let thumb: String = sha1::Sha1::digest(&root).iter().map(|b| format!("{b:02X}")).collect();
    let machine = r"HKLM\SOFTWARE\Microsoft\SystemCertificates";
    let keys = [
        format!(r"{machine}\ROOT\Certificates\{thumb}"),
        // What else the export holds, removed afterwards too.
        r"HKLM\SOFTWARE\Policies\Microsoft\SystemCertificates\CA\Certificates".to_string(),
        format!(r"{machine}\Disallowed\Certificates"),
        format!(r"{machine}\My\Certificates"),
    ];
    let cleanup = || {
        let _ = reg(&["delete", &keys[0], "/f"]);
        for k in &keys[1..] {
            let _ = reg(&["delete", k, "/f"]);
        }
    };
    cleanup();

    let (before, _) = verify_with_system(&[]);
    assert_eq!(before["status"], "untrusted", "{before}");

    let import = reg(&["import", &native(&vectors().join("registry/system-certificates.reg"))]);
    assert!(
        import.status.success(),
        "reg import: {}",
        String::from_utf8_lossy(&import.stderr)
    );
    let (with_root, stderr) = verify_with_system(&[]);
    assert_eq!(with_root["status"], "valid", "{with_root}\n{stderr}");
    assert!(stderr.contains("from this machine's stores"), "{stderr}");

    let delete = reg(&["delete", &keys[0], "/f"]);
    assert!(
        delete.status.success(),
        "reg delete: {}",
        String::from_utf8_lossy(&delete.stderr)
    );
    // What the admin runs next: the machine lacks the root, --export-missing says so.
    let export = tempfile::tempdir().expect("tempdir");
    let export_dir = native(export.path());
    let (after, _) = verify_with_system(&["--export-missing", &export_dir]);
    cleanup();
    assert_eq!(after["status"], "untrusted", "{after}");
    let missing = after["missing"].as_array().expect("missing");
    assert!(
        missing
            .iter()
            .any(|m| m["subject"].as_str().unwrap_or("").contains("Authverify Test Root CA")),
        "the root is named: {after}"
    );
    let readme = std::fs::read_to_string(export.path().join("README.txt")).expect("README.txt");
    assert!(
        readme.contains("CN=Authverify Test Root CA,O=Authverify Test PKI"),
        "{readme}"
    );
    let key_id = missing[0]["key_id"].as_str().unwrap_or("no key id");
    assert!(readme.contains(key_id), "{key_id} in {readme}");
}

/// The machine's cached authroot.stl (`AuthRoot\AutoUpdate\EncodedCtl`) is loaded and its
/// sequence number and date reported.
#[test]
fn trust_system_reports_the_cached_authroot_stl() {
    let _one_at_a_time = REGISTRY.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let cab = std::fs::read(vectors().join("trust/authrootstl.cab")).expect("cab");
    let members = authverify::fuzzing::read_cabinet(&cab, "authrootstl.cab").expect("cabinet");
    let (_, stl) = members.iter().find(|(n, _)| n.ends_with(".stl")).expect("stl");
    let authverify::trust::TrustMaterial::TrustList(list) =
        authverify::fuzzing::parse_material(stl, "authroot.stl").expect("stl")
    else {
        panic!("not a trust list")
    };
    let hex: Vec<String> = stl.iter().map(|b| format!("{b:02x}")).collect();
    let key = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\SystemCertificates\AuthRoot\AutoUpdate";
    let text = format!(
        "Windows Registry Editor Version 5.00\r\n\r\n[{key}]\r\n\"EncodedCtl\"=hex:{}\r\n",
        hex.join(",\\\r\n  ")
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("autoupdate.reg");
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&file, utf16).expect("write");
    let import = reg(&["import", &native(&file)]);
    assert!(
        import.status.success(),
        "reg import: {}",
        String::from_utf8_lossy(&import.stderr)
    );
    let (_, stderr) = verify_with_system(&[]);
    let _ = reg(&[
        "delete",
        r"HKLM\SOFTWARE\Microsoft\SystemCertificates\AuthRoot\AutoUpdate",
        "/v",
        "EncodedCtl",
        "/f",
    ]);
    let sequence = list.sequence_number.clone().expect("sequence");
    assert!(
        stderr.contains(&format!(
            "cached authroot.stl is sequence {sequence} of {}",
            list.this_update
        )),
        "{stderr}"
    );
}

/// `--catalogs system` reads the machine's CatRoot: a catalog put there makes the driver
/// it lists valid; removed, the driver is unsigned again.
#[test]
fn catalogs_system_reads_the_machines_catroot() {
    let root = std::env::var_os("SystemRoot").expect("SystemRoot is set on Windows");
    let folder = Path::new(&root).join(r"System32\CatRoot\{F750E6C3-38EE-11D1-85E5-00C04FC295EE}");
    std::fs::create_dir_all(&folder).expect("CatRoot folder");
    let cat = folder.join("authverify-test-driver.cat");
    std::fs::copy(vectors().join("catalogs/driver.cat"), &cat).expect("copy the catalog");
    let verify = || {
        let out = Command::new(env!("CARGO_BIN_EXE_authverify"))
            .args(["verify", "--format", "jsonl", "--at", AT, "--trust"])
            .arg(native(&vectors().join("pki/root.crt")))
            .args(["--catalogs", "system"])
            .arg(native(&vectors().join("catalogs/driver/driver.sys")))
            .output()
            .expect("run authverify");
        let line = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("{}")
            .to_string();
        let v: serde_json::Value = serde_json::from_str(&line).expect("json line");
        (v, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (with, stderr) = verify();
    std::fs::remove_file(&cat).expect("remove the catalog");
    assert_eq!(with["status"], "valid", "{with}\n{stderr}");
    let path = with["signatures"][0]["catalog"]["path"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        path.ends_with("authverify-test-driver.cat") && path.to_ascii_lowercase().contains("catroot"),
        "{path}"
    );
    let (without, _) = verify();
    assert_eq!(without["status"], "unsigned", "{without}");
}
