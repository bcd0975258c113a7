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
    report.signatures[0]
        .chain
        .as_ref()
        .expect("signer chain")
        .status
        .clone()
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
