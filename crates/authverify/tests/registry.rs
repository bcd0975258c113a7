//! Issue 16: a machine's stores as `reg export` writes them. The generator wrote
//! test-vectors/registry/ from the test PKI (root in Root, intermediate in group policy's
//! CA store, an unrelated root in Disallowed, the leaf in My) in both of regedit's
//! encodings; loaded with `--trust`, every vector must get the verdict the root certificate
//! itself gives.

mod common;

use authverify::error::TrustError;
use authverify::fuzzing::{parse_material, read_cabinet};
use authverify::trust::{Role, TrustMaterial};
use authverify::{Policy, TrustStore, Verifier};

fn export(name: &str) -> std::path::PathBuf {
    common::vectors_dir().join("registry").join(name)
}

#[test]
fn roles_follow_the_store_and_other_stores_are_ignored() {
    for name in ["system-certificates.reg", "system-certificates-regedit4.reg"] {
        let mut store = TrustStore::new();
        // The role passed is irrelevant: each certificate takes its store's.
        let summary = store.load(&export(name), Role::Distrusted).expect(name);
        assert_eq!(
            (summary.anchors, summary.intermediates, summary.distrusted),
            (1, 1, 1),
            "{name}"
        );
        assert_eq!(summary.skipped.len(), 1, "{name}: {:?}", summary.skipped);
        assert!(summary.skipped[0].path.contains(r"SystemCertificates\My\Certificates\"));
        let root = std::fs::read(common::vectors_dir().join("pki/root.crt")).expect("root");
        assert!(store.anchors().any(|a| a.der() == root.as_slice()));
        let inter = std::fs::read(common::vectors_dir().join("pki/intermediate.crt")).expect("intermediate");
        assert!(store.intermediates().iter().any(|c| c.der() == inter.as_slice()));
    }
}

#[test]
fn a_reg_export_gives_the_verdicts_of_the_certificates_it_holds() {
    let m = common::manifest();
    let at = common::manifest_time(&m);
    // The same certificates, loaded from their own files with the roles their stores give.
    let v = common::vectors_dir();
    let mut direct = TrustStore::new();
    direct.load(&v.join("pki/root.crt"), Role::Anchors).expect("root");
    direct
        .load(&v.join("pki/intermediate.crt"), Role::Intermediates)
        .expect("intermediate");
    direct
        .load(&v.join("hardening/roots/expired-2020.crt"), Role::Distrusted)
        .expect("distrusted");
    let by_files = Verifier::new(direct, Policy::windows());
    let mut checked = 0;
    let mut changed_by_the_intermediate = 0;
    for name in ["system-certificates.reg", "system-certificates-regedit4.reg"] {
        let mut store = TrustStore::new();
        store.load(&export(name), Role::Anchors).expect(name);
        let by_reg = Verifier::new(store, Policy::windows());
        for v in &m.vectors {
            let file = common::vectors_dir().join(&v.file);
            let a = by_files.verify_path(&file, at).map(|r| r.status);
            let b = by_reg.verify_path(&file, at).map(|r| r.status);
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{name}: {}", file.display());
            let expected = v.status.as_str();
            changed_by_the_intermediate += usize::from(format!("{b:?}").to_lowercase() != format!("ok({expected})"));
            checked += 1;
        }
    }
    assert!(checked >= 60, "{checked}");
    // missing-intermediate.exe becomes valid once the CA store holds its intermediate, as
    // on Windows; nothing else changes.
    assert_eq!(changed_by_the_intermediate, 2, "one vector per encoding");
}

/// The cached authroot.stl (`AuthRoot\AutoUpdate\EncodedCtl`) loads as the same list the
/// .stl file gives.
#[test]
fn the_cached_authroot_stl_is_read_from_encoded_ctl() {
    let cab = std::fs::read(common::vectors_dir().join("trust/authrootstl.cab")).expect("cab");
    let members = read_cabinet(&cab, "authrootstl.cab").expect("cabinet");
    let (_, stl) = members.iter().find(|(n, _)| n.ends_with(".stl")).expect("stl member");
    let hex: Vec<String> = stl.iter().map(|b| format!("{b:02x}")).collect();
    let text = format!(
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SystemCertificates\\AuthRoot\\AutoUpdate]\r\n\"EncodedCtl\"=hex:{}\r\n\"LastSyncTime\"=hex:00,11\r\n",
        hex.join(",\\\r\n  ")
    );
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let TrustMaterial::Registry(export) = parse_material(&utf16, "machine.reg").expect("parse") else {
        panic!("not read as a registry export");
    };
    assert_eq!(export.trust_lists.len(), 1);
    let TrustMaterial::TrustList(direct) = parse_material(stl, "authroot.stl").expect("stl") else {
        panic!("not a trust list");
    };
    let (from_reg, key) = &export.trust_lists[0];
    assert!(key.ends_with(r"AuthRoot\AutoUpdate"));
    assert_eq!(from_reg.sequence_number, direct.sequence_number);
    assert_eq!(from_reg.this_update, direct.this_update);
    assert_eq!(from_reg.entries.len(), direct.entries.len());
}

#[test]
fn malformed_exports_are_typed_errors_with_the_line() {
    let head = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SystemCertificates\\ROOT\\Certificates\\00]\r\n";
    let cases = [
        ("\"Blob\"=hex:03,00,0g\r\n", "not a hex byte", 4),
        (
            "\"Blob\"=hex:03,00,00,00,01,00,00,00,\\\r\n  ff,ff,00,00\r\n",
            "runs past",
            4,
        ),
        (
            "\"Blob\"=hex:03,00,00,00,01,00,00,00,00,00,00,00\r\n",
            "no certificate element",
            4,
        ),
        ("\"Blob\"=hex:20,00,00,00,01,00,00,00,02,00,00,00,30,00\r\n", "", 4),
        ("", "no certificate of a Root", 1),
    ];
    for (body, want, line) in cases {
        let text = format!("{head}{body}");
        match parse_material(text.as_bytes(), "bad.reg") {
            Err(TrustError::Registry { line: l, detail, .. }) => {
                assert!(detail.contains(want), "{body:?}: {detail}");
                assert_eq!(l, line, "{body:?}");
            }
            other => panic!("{body:?}: {other:?}"),
        }
    }
}
