//! Vectors for the policy rules: each is valid under the `windows` preset (what Windows
//! accepts) and refused under `strict` by exactly one rule, named in the manifest.

use serde_json::{json, Value};

use crate::asn1::unix;
use crate::pki::{issue, CertSpec, Hash, Key, EKU_CODE_SIGNING};
use crate::sign::{self, Form, Signer};
use crate::vectors::{ok_sig, Out, Pki};

fn entry(pe: &[u8], h: Hash, why: &str, strict_status: &str, strict_chain: &str, rule: &str) -> Value {
    json!({
        "status": "valid",
        "why": why,
        "signatures": [ok_sig(h, pe)],
        "missing": [],
        "strict": { "status": strict_status, "chain_status": strict_chain, "rule": format!("policy.{rule}") },
    })
}

pub(crate) fn write(out: &mut Out, p: &'static Pki, pe: &[u8]) {
    page_hash_vectors(out, p, pe);
    form_vectors(out, p, pe);
    leaf_without_eku(out, p, pe);
    sha1_certificates(out, p, pe);
    rsa1024_leaf(out, p, pe);
}

/// A code-signing leaf valid 2025–2028, as the single-rule vectors need.
fn leaf_spec(serial: u64, subject: &'static str, eku: &'static [&'static str], hash: Hash) -> CertSpec<'static> {
    CertSpec {
        serial,
        subject,
        not_before: unix(2025, 1, 1),
        not_after: unix(2028, 1, 1),
        ca: None,
        eku,
        hash,
    }
}

/// The test PKI's leaf signing in `form`.
fn signer(p: &'static Pki, form: Form) -> Signer<'static> {
    Signer {
        form,
        ..Signer::new(&p.leaf_key, &p.leaf, vec![&p.leaf, &p.inter])
    }
}

/// Signature forms Windows accepts and strict refuses, one rule each.
fn form_vectors(out: &mut Out, p: &'static Pki, pe: &[u8]) {
    let forms: [(&str, Form, &str, &str); 4] = [
        (
            "cms-v3-octet-string.exe",
            Form {
                cms_v3_octet_string: true,
                ..Form::default()
            },
            "SignedData v3 with the content in an OCTET STRING (install4j; Windows accepts)",
            "accept_signed_data_v3",
        ),
        (
            "signer-info-v0.exe",
            Form {
                signer_info_v0: true,
                ..Form::default()
            },
            "SignerInfo version 0 (seen in signify's valid corpus; Windows accepts)",
            "accept_signer_info_v0",
        ),
        (
            "no-signed-attributes.exe",
            Form {
                no_signed_attributes: true,
                ..Form::default()
            },
            "no signed attributes: the signature covers the content directly (Windows accepts)",
            "accept_missing_signed_attributes",
        ),
        (
            "padding-stuffed.exe",
            Form {
                stuffing: b"\x01STUFFED-AFTER-PKCS7",
                ..Form::default()
            },
            "non-zero bytes after the PKCS#7 inside WIN_CERTIFICATE (CVE-2013-3900; Windows accepts unless EnableCertPaddingCheck)",
            "require_zero_padding",
        ),
    ];
    for (name, form, why, rule) in forms {
        let bytes = sign::sign(pe, &signer(p, form), &[]);
        out.write(name, &bytes, entry(pe, Hash::Sha256, why, "invalid", "trusted", rule));
    }
}

/// A leaf without an EKU extension (`require_leaf_eku`).
fn leaf_without_eku(out: &mut Out, p: &'static Pki, pe: &[u8]) {
    let no_eku: &'static _ = Box::leak(Box::new(issue(
        &leaf_spec(0x3101, "Authverify Test Signer Without EKU", &[], Hash::Sha256),
        &p.leaf_key,
        Some((&p.inter, &p.inter_key)),
    )));
    let s = Signer {
        cert: no_eku,
        chain: vec![no_eku, &p.inter],
        ..signer(p, Form::default())
    };
    out.write(
        "leaf-without-eku.exe",
        &sign::sign(pe, &s, &[]),
        entry(
            pe,
            Hash::Sha256,
            "leaf without an EKU extension (any purpose; Windows accepts)",
            "untrusted",
            "constraint_violation",
            "require_leaf_eku",
        ),
    );
}

/// Leaf and intermediate signed with SHA-1 (`allow_sha1_certificates`).
fn sha1_certificates(out: &mut Out, p: &'static Pki, pe: &[u8]) {
    let sha1_inter: &'static _ = Box::leak(Box::new(issue(
        &CertSpec {
            serial: 0x2101,
            subject: "Authverify Test SHA-1 CA",
            not_before: unix(2020, 1, 1),
            not_after: unix(2045, 1, 1),
            ca: Some(Some(0)),
            eku: &[],
            hash: Hash::Sha1,
        },
        &p.inter_key,
        Some((&p.root, &p.root_key)),
    )));
    let sha1_leaf: &'static _ = Box::leak(Box::new(issue(
        &leaf_spec(
            0x3102,
            "Authverify Test Signer SHA-1 Chain",
            &[EKU_CODE_SIGNING],
            Hash::Sha1,
        ),
        &p.leaf_key,
        Some((sha1_inter, &p.inter_key)),
    )));
    let s = Signer {
        cert: sha1_leaf,
        chain: vec![sha1_leaf, sha1_inter],
        ..signer(p, Form::default())
    };
    out.write(
        "sha1-certificates.exe",
        &sign::sign(pe, &s, &[]),
        entry(
            pe,
            Hash::Sha256,
            "leaf and intermediate signed with sha1WithRSAEncryption (Windows accepts for code signing)",
            "untrusted",
            "constraint_violation",
            "allow_sha1_certificates",
        ),
    );
}

/// An RSA-1024 signer key (`min_rsa_bits`).
fn rsa1024_leaf(out: &mut Out, p: &'static Pki, pe: &[u8]) {
    let key1024: &'static Key = Box::leak(Box::new(Key::rsa(include_str!("../keys/leaf-rsa1024.pem"))));
    let leaf1024: &'static _ = Box::leak(Box::new(issue(
        &leaf_spec(
            0x3103,
            "Authverify Test Signer RSA-1024",
            &[EKU_CODE_SIGNING],
            Hash::Sha256,
        ),
        key1024,
        Some((&p.inter, &p.inter_key)),
    )));
    let s = Signer {
        key: key1024,
        cert: leaf1024,
        chain: vec![leaf1024, &p.inter],
        ..signer(p, Form::default())
    };
    out.write(
        "rsa1024-leaf.exe",
        &sign::sign(pe, &s, &[]),
        entry(
            pe,
            Hash::Sha256,
            "RSA-1024 signer key (Windows still verifies it)",
            "untrusted",
            "constraint_violation",
            "min_rsa_bits",
        ),
    );
}

/// Page hashes v1 and v2 as signtool writes them (`-ph` in osslsigncode), and a signature
/// whose page hash of the first section page is wrong while the file digest is right.
fn page_hash_vectors(out: &mut Out, p: &'static Pki, pe: &[u8]) {
    let signer = |form: Form| Signer {
        form,
        ..Signer::new(&p.leaf_key, &p.leaf, vec![&p.leaf, &p.inter])
    };
    for (name, ph, corrupt) in [
        ("page-hashes-sha256.exe", Hash::Sha256, false),
        ("page-hashes-sha1.exe", Hash::Sha1, false),
        ("page-hashes-mismatch.exe", Hash::Sha256, true),
    ] {
        let form = Form {
            page_hashes: Some(ph),
            corrupt_page_hash: corrupt,
            ..Form::default()
        };
        let bytes = sign::sign(pe, &signer(form), &[]);
        let pages = crate::pe::page_hashes(pe, ph).len() / (4 + ph.digest(b"").len()) - 1;
        let mut sig = ok_sig(Hash::Sha256, pe);
        sig.page_hashes = Some(crate::manifest::ExpectedPageHashes {
            algorithm: ph.name().into(),
            matches: !corrupt,
            pages,
        });
        let (status, why) = if corrupt {
            (
                "invalid",
                "the page hash of the first section page is wrong; the file digest is right",
            )
        } else {
            ("valid", "page hashes of every 4 KiB page, as signtool /ph writes them")
        };
        out.write(
            name,
            &bytes,
            json!({ "status": status, "why": why, "signatures": [sig], "missing": [] }),
        );
    }
}
