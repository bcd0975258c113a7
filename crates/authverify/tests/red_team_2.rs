//! Red team, round 2: revocation from CRLs and the payload walker. Each test is an attack
//! that succeeded against the code it was written for; its expected outcome comes from how
//! the input was built (a list signed here with the test PKI's Code Signing CA key,
//! crates/authverify-testgen/keys/, listing the signer of pe32plus-rsa2048-sha256.exe).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use authverify::{ChainStatus, Crl, Policy, Verifier};
use rsa::pkcs8::DecodePrivateKey as _;
use sha2::Digest as _;

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend([0x81, n as u8]);
    } else {
        out.extend([0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// sha256WithRSAEncryption with NULL parameters, as openssl writes it.
fn sha256_rsa() -> Vec<u8> {
    let oid = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
    seq(&[&oid, &[0x05, 0x00]])
}

/// A v2 CRL of the Code Signing CA (issuer name copied from the vectors' own list of that CA)
/// listing one serial, given as INTEGER contents octets, revoked on 2025-01-01, signed with
/// the CA's key.
fn csca_crl_listing(serial_contents: &[u8]) -> Vec<u8> {
    let vectors = common::vectors_dir();
    let reference = Crl::from_der(&std::fs::read(vectors.join("crl/leaf-revoked.crl")).unwrap()).unwrap();
    let entry = seq(&[&tlv(0x02, serial_contents), &tlv(0x17, b"250101000000Z")]);
    let tbs = seq(&[
        &tlv(0x02, &[1]),
        &sha256_rsa(),
        reference.issuer_der(),
        &tlv(0x17, b"260101000000Z"),
        &tlv(0x17, b"270101000000Z"),
        &seq(&[&entry]),
    ]);
    let pem =
        std::fs::read_to_string(common::repo_root().join("crates/authverify-testgen/keys/inter-rsa2048.pem")).unwrap();
    let key = rsa::PrivateKey::from_pkcs8_pem(&pem).unwrap();
    let digest = sha2::Sha256::digest(&tbs);
    let sig = key.sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &digest).unwrap();
    let mut bits = vec![0u8];
    bits.extend(sig);
    seq(&[&tbs, &sha256_rsa(), &tlv(0x03, &bits)])
}

fn signer_chain_status(crl: Vec<u8>) -> ChainStatus {
    let m_at = common::time("2026-06-01T00:00:00Z");
    let mut trust = common::anchors(&["pki/root.crt".to_string()]);
    trust.add_crl(Arc::new(Crl::from_der(&crl).expect("the list parses")));
    let v = Verifier::new(trust, Policy::windows());
    let bytes = std::fs::read(common::vectors_dir().join("pe32plus-rsa2048-sha256.exe")).unwrap();
    let report = v.verify_bytes(&bytes, m_at).unwrap();
    report.signatures[0].chain.as_ref().expect("signer chain").status
}

/// The control: the signer's serial (0x3001) encoded as the certificate encodes it.
#[test]
fn a_list_of_the_signers_serial_revokes_it() {
    assert_eq!(
        signer_chain_status(csca_crl_listing(&[0x30, 0x01])),
        ChainStatus::Revoked
    );
}

/// The same serial with a redundant leading zero octet: the same INTEGER value. Windows
/// compares serials with CertCompareIntegerBlob, documented to drop leading zero octets of
/// a positive number, so the certificate is revoked there; comparing the contents octets
/// byte for byte missed it and left the chain trusted. (OpenSSL 3 refuses to load such a
/// list at all: docs/conformance.md.)
#[test]
fn a_list_encoding_the_serial_with_a_leading_zero_still_revokes_it() {
    assert_eq!(
        signer_chain_status(csca_crl_listing(&[0x00, 0x30, 0x01])),
        ChainStatus::Revoked
    );
}

/// A TSA whose key was compromised can stamp any time it likes, so its own claim cannot
/// prove a signature older than the revocation. RFC 3161 §4: "When the TSA private key has
/// been compromised ... Any token signed by the TSA using that private key cannot be trusted
/// anymore", and with no reasonCode "all the tokens that have been signed with the
/// corresponding key SHALL be considered as invalid"; only unspecified, affiliationChanged,
/// superseded and cessationOfOperation keep tokens from before the revocation date.
/// tsa-revoked-2021.crl revokes the TSA on 2021-01-01 for keyCompromise; the vector's token
/// claims 2020-06-01 and its signer expired on 2021-01-01, so without the token it is expired.
#[test]
fn a_tsa_revoked_for_key_compromise_proves_no_time_whatever_it_claims() {
    let at = common::time("2026-06-01T00:00:00Z");
    let mut trust = common::anchors(&["pki/root.crt".to_string()]);
    let loaded = trust
        .load_crls(&common::vectors_dir().join("crl/tsa-revoked-2021.crl"))
        .unwrap();
    assert_eq!(loaded.crls, 1);
    let v = Verifier::new(trust, Policy::windows());
    let bytes = std::fs::read(common::vectors_dir().join("ts-rfc3161-expired-signer.exe")).unwrap();
    let report = v.verify_bytes(&bytes, at).unwrap();
    let sig = &report.signatures[0];
    assert_eq!(sig.timestamp.as_ref().map(|t| t.valid), Some(false));
    assert_eq!(report.status.as_str(), "untrusted");
}

const SPLIT_FOLDERS_WXS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="21111111-2222-3333-4444-555555555556" Name="Authverify Red Team" Language="1033"
           Version="1.0.0" Manufacturer="Authverify Test PKI" UpgradeCode="76666666-7777-8888-9999-000000000001">
    <Package InstallerVersion="200" Compressed="yes" Comments="red team 2"/>
    <Media Id="1" Cabinet="payload.cab" EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="WindowsFolder">
        <Component Id="Cat" Guid="22345678-1234-1234-1234-123456789013">
          <File Id="DriverCat" Name="driver.cat" Source="driver.cat"/>
        </Component>
      </Directory>
      <Directory Id="SystemFolder">
        <Component Id="Sys" Guid="32345678-1234-1234-1234-123456789014">
          <File Id="DriverSys" Name="driver.sys" Source="driver.sys"/>
        </Component>
      </Directory>
    </Directory>
    <Feature Id="Main" Level="1"><ComponentRef Id="Cat"/><ComponentRef Id="Sys"/></Feature>
  </Product>
</Wix>
"#;

/// An MSI package installing the test catalog (which lists driver.sys) into WindowsFolder
/// and driver.sys into SystemFolder: two Directory rows whose place is a property of the
/// machine (C:\Windows and C:\Windows\System32), never the same folder. Both resolve to the
/// walk's root path (a standard folder adds nothing to it), so the catalog was applied to a
/// file it will never sit beside. Built by wixl; skipped visibly without it.
#[test]
fn a_catalog_installed_into_another_standard_folder_does_not_sign_the_driver() {
    let test = "a_catalog_installed_into_another_standard_folder_does_not_sign_the_driver";
    let have_wixl = std::process::Command::new("wixl").arg("--version").output().is_ok();
    if !have_wixl {
        return common::skip(test, "wixl (msitools)");
    }
    let dir = tempfile::tempdir().unwrap();
    let vectors = common::vectors_dir();
    std::fs::copy(
        vectors.join("catalogs/driver/driver.sys"),
        dir.path().join("driver.sys"),
    )
    .unwrap();
    std::fs::copy(
        vectors.join("catalogs/driver-sha256.cat"),
        dir.path().join("driver.cat"),
    )
    .unwrap();
    std::fs::write(dir.path().join("t.wxs"), SPLIT_FOLDERS_WXS).unwrap();
    let built = std::process::Command::new("wixl")
        .args(["-o", "t.msi", "t.wxs"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(built.success());
    let msi = std::fs::read(dir.path().join("t.msi")).unwrap();
    let v = Verifier::new(common::anchors(&["pki/root.crt".to_string()]), Policy::windows());
    let mut seen = Vec::new();
    let walked = v.verify_payload(&msi, "t.msi", common::time("2026-06-01T00:00:00Z"), &mut |m| {
        let status = m.result.as_ref().map(|r| r.status.as_str().to_string());
        seen.push((m.member.clone(), status.map_err(|e| e.to_string())));
    });
    assert!(walked);
    let sys = seen
        .iter()
        .find(|(member, _)| member.as_deref().is_some_and(|p| p.ends_with("driver.sys")))
        .unwrap_or_else(|| panic!("driver.sys walked: {seen:?}"));
    // driver.sys carries no signature of its own: without the catalog it is unsigned. The
    // catalog's own verdict is not in question (signed by the test leaf).
    assert_eq!(sys.1.as_deref().ok(), Some("unsigned"), "{seen:?}");
    let cat = seen.iter().find(|(member, _)| member.as_deref() == Some("driver.cat"));
    assert_eq!(cat.and_then(|c| c.1.as_deref().ok()), Some("valid"), "{seen:?}");
}

/// The errors the payload walk of an MSI package gives whose Directory table is `rows`
/// (Directory, Directory_Parent, DefaultDir), built by msibuild from a Directory.idt; `None`
/// (the test then skips visibly) without msibuild.
fn walk_errors_of_directory_table(test: &str, rows: &[(String, String, String)]) -> Option<Vec<String>> {
    if std::process::Command::new("msibuild")
        .arg("--version")
        .output()
        .is_err()
    {
        common::skip(test, "msibuild (msitools)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut idt = String::from("Directory\tDirectory_Parent\tDefaultDir\r\ns72\tS72\tl255\r\nDirectory\tDirectory\r\n");
    for (id, parent, default) in rows {
        idt.push_str(&format!("{id}\t{parent}\t{default}\r\n"));
    }
    std::fs::write(dir.path().join("Directory.idt"), idt).unwrap();
    let built = std::process::Command::new("msibuild")
        .args(["deep.msi", "-i", "Directory.idt"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(built.success());
    let msi = std::fs::read(dir.path().join("deep.msi")).unwrap();
    let v = Verifier::new(common::anchors(&["pki/root.crt".to_string()]), Policy::windows());
    let mut errors = Vec::new();
    v.verify_payload(&msi, "deep.msi", common::time("2026-06-01T00:00:00Z"), &mut |m| {
        if let Err(e) = m.result {
            errors.push(e.to_string());
        }
    });
    Some(errors)
}

fn row(id: &str, parent: &str, default: &str) -> (String, String, String) {
    (id.to_string(), parent.to_string(), default.to_string())
}

/// An MSI package whose Directory table is a chain of 20,000 directories (a 340 KB package):
/// every directory's install path was built by walking up to the root, so the walk held
/// 20,000 paths of up to 40,000 characters (measured at 410 MB peak RSS for this package,
/// and quadratic in the chain's length: a package of a few MB reaches the machine's
/// memory). Paths are now built once per row from their parent's, and their bytes together
/// are bounded: the walk names the bound instead of building them.
#[test]
fn an_msi_directory_chain_cannot_make_the_walk_quadratic() {
    let mut rows = vec![row("TARGETDIR", "", "SourceDir")];
    let mut parent = "TARGETDIR".to_string();
    for i in 0..20_000 {
        let id = format!("D{i}");
        rows.push(row(&id, &parent, "d"));
        parent = id;
    }
    let test = "an_msi_directory_chain_cannot_make_the_walk_quadratic";
    let Some(errors) = walk_errors_of_directory_table(test, &rows) else {
        return;
    };
    assert!(
        errors.iter().any(|e| e.contains("install paths exceed")),
        "the walk names the bound on install paths: {errors:?}"
    );
}

/// Parents that form a cycle, or name a row the table does not hold, have no install path:
/// the walk says which, instead of looping or placing the files at the root.
#[test]
fn an_msi_directory_cycle_or_dangling_parent_is_named() {
    let test = "an_msi_directory_cycle_or_dangling_parent_is_named";
    let cycle = [
        row("TARGETDIR", "", "SourceDir"),
        row("A", "B", "a"),
        row("B", "C", "b"),
        row("C", "A", "c"),
    ];
    let Some(errors) = walk_errors_of_directory_table(test, &cycle) else {
        return;
    };
    assert!(errors.iter().any(|e| e.contains("form a cycle")), "{errors:?}");
    let dangling = [row("TARGETDIR", "", "SourceDir"), row("A", "NOWHERE", "a")];
    let Some(errors) = walk_errors_of_directory_table(test, &dangling) else {
        return;
    };
    assert!(
        errors
            .iter()
            .any(|e| e.contains("lead to NOWHERE, which it does not hold")),
        "{errors:?}"
    );
}
