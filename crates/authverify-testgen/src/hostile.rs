//! Hostile inputs (issue 8), each with the typed verdict it must get, written to
//! test-vectors/hostile/ with hostile.json: `status` is the file verdict under the windows
//! policy with the test root trusted, or `error` with the library error's rule id.

use std::path::Path;

use serde_json::{json, Value};

use crate::asn1::{bits, oid, seq, unix};
use crate::manifest::{self, HostileCase, HostileManifest};
use crate::pe;
use crate::pki::{ca_spec, issue, issue_with_spki, leaf_spec, CertSpec, Hash, Key};
use crate::sign::{self, Form, Signer};
use crate::vectors::Pki;

struct Out<'a> {
    dir: &'a Path,
    cases: Vec<HostileCase>,
}

impl Out<'_> {
    /// Writes the file and records what it must get (`json!` table notation, checked
    /// against the manifest model).
    fn write(&mut self, name: &str, bytes: &[u8], expect: Value) {
        std::fs::write(self.dir.join(name), bytes).expect("write hostile vector");
        let mut e = expect;
        e["file"] = json!(name);
        self.cases.push(manifest::entry(e));
    }
}

fn le32(f: &mut [u8], at: usize, v: u32) {
    f[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// (security directory entry offset, table offset, table size) of an image.
fn security(f: &[u8]) -> (usize, usize, usize) {
    let (_, sd) = pe::field_offsets(f);
    let off = u32::from_le_bytes(f[sd..sd + 4].try_into().unwrap()) as usize;
    let size = u32::from_le_bytes(f[sd + 4..sd + 8].try_into().unwrap()) as usize;
    (sd, off, size)
}

pub(crate) fn write(dir: &Path, p: &'static Pki, pe64: &[u8]) {
    std::fs::create_dir_all(dir).expect("mkdir hostile");
    let mut out = Out { dir, cases: Vec::new() };
    let valid = sign::sign(pe64, &signer(p, Form::default()), &[]);
    table_layouts(&mut out, &valid);
    section_over_the_table(&mut out, &valid);
    two_signers(&mut out, p, pe64);
    nonzero_alignment_padding(&mut out, &valid);
    cms_structure(&mut out, p, pe64);
    curveball(&mut out, p, pe64);
    embedded_roots(&mut out, p, pe64);
    let manifest = HostileManifest {
        cases: out.cases,
        evaluated_at: crate::vectors::EVALUATED_AT.into(),
        generator: crate::vectors::GENERATOR.into(),
        trust: vec!["pki/root.crt".into()],
    };
    manifest::write(&dir.join("hostile.json"), &manifest);
}

/// The test PKI's leaf signing in `form`.
fn signer(p: &'static Pki, form: Form) -> Signer<'static> {
    Signer {
        form,
        ..Signer::new(&p.leaf_key, &p.leaf, vec![&p.leaf, &p.inter])
    }
}

/// A verdict the file must get.
fn expect_verdict(status: &str, why: &str) -> Value {
    json!({ "status": status, "why": why })
}

/// A library error the file must get, by its rule id (`file.image`, ...).
fn expect_error(rule: &str, why: &str) -> Value {
    json!({ "status": "error", "error_rule": rule, "why": why })
}

/// WIN_CERTIFICATE table layouts.
fn table_layouts(out: &mut Out<'_>, valid: &[u8]) {
    // WIN_CERTIFICATE table layouts.
    let (sd, table, size) = security(valid);
    let mut f = valid.to_vec();
    le32(&mut f, table, 0);
    out.write(
        "dwlength-zero.exe",
        &f,
        expect_error("file.certificate_table", "dwLength 0: the entry cannot be walked"),
    );
    let mut f = valid.to_vec();
    le32(&mut f, table, 4);
    out.write(
        "dwlength-short.exe",
        &f,
        expect_error("file.certificate_table", "dwLength 4, shorter than the 8-byte header"),
    );
    let mut f = valid.to_vec();
    le32(&mut f, table, (size + 64) as u32);
    out.write(
        "dwlength-past-table.exe",
        &f,
        expect_error("file.certificate_table", "dwLength runs past the declared table"),
    );
    let mut f = valid.to_vec();
    le32(&mut f, sd, 0xffff_fff0);
    le32(&mut f, sd + 4, 0x20);
    out.write(
        "security-dir-overflow.exe",
        &f,
        expect_error(
            "file.image",
            "table offset + size overflows 32 bits and lies past the end of the file",
        ),
    );
    let mut f = valid.to_vec();
    le32(&mut f, 0x3c, (valid.len() + 1000) as u32);
    out.write(
        "lfanew-past-eof.exe",
        &f,
        expect_error("file.image", "e_lfanew points past the end of the file"),
    );
}

/// A section whose raw data claims the certificate table.
fn section_over_the_table(out: &mut Out<'_>, valid: &[u8]) {
    let (_, table, size) = security(valid);
    // A section whose raw data claims the certificate table: the digest never reads a
    // section table, so the verdict stands.
    let mut f = valid.to_vec();
    let e = u32::from_le_bytes(f[0x3c..0x40].try_into().unwrap()) as usize;
    let opt_size = u16::from_le_bytes([f[e + 20], f[e + 21]]) as usize;
    let last = e + 24 + opt_size + (u16::from_le_bytes([f[e + 6], f[e + 7]]) as usize - 1) * 40;
    let ptr = u32::from_le_bytes(f[last + 20..last + 24].try_into().unwrap()) as usize;
    le32(&mut f, last + 16, (table + size - ptr) as u32);
    pe::set_checksum(&mut f);
    out.write(
        "section-overlaps-table.exe",
        &f,
        expect_verdict("invalid", "the last section's SizeOfRawData now covers the certificate table: the signed headers changed, so the digest differs"),
    );
}

/// Two table entries signed by different signers.
fn two_signers(out: &mut Out<'_>, p: &'static Pki, pe64: &[u8]) {
    // Two entries signed by different signers: both verify; the primary decides.
    let second = Signer {
        key: &p.leaf4096_key,
        cert: &p.leaf4096,
        chain: vec![&p.leaf4096, &p.inter],
        ..signer(p, Form::default())
    };
    let d = sign::digest_for(pe64, Hash::Sha256);
    let two = sign::attach(
        pe64,
        &[
            sign::signed_data(&signer(p, Form::default()), &d, &[]),
            sign::signed_data(&second, &d, &[]),
        ],
    );
    out.write(
        "two-entries-different-signers.exe",
        &two,
        json!({ "status": "valid", "signatures": 2, "why": "two WIN_CERTIFICATE entries by different signers, both valid" }),
    );
}

/// Non-zero alignment padding after dwLength.
fn nonzero_alignment_padding(out: &mut Out<'_>, valid: &[u8]) {
    let (_, table, _) = security(valid);
    // Alignment padding after dwLength made non-zero (CVE-2013-3900 outside the PKCS#7).
    let mut f = valid.to_vec();
    let len = u32::from_le_bytes(f[table..table + 4].try_into().unwrap()) as usize;
    let padded = len.div_ceil(8) * 8;
    if padded > len {
        for b in &mut f[table + len..table + padded] {
            *b = 0xaa;
        }
        out.write(
            "padding-nonzero-alignment.exe",
            &f,
            json!({ "status": "valid", "strict": "invalid", "why": "non-zero alignment padding after dwLength: Windows accepts unless EnableCertPaddingCheck" }),
        );
    }
}

/// CMS structures Windows refuses or reads leniently.
fn cms_structure(out: &mut Out<'_>, p: &'static Pki, pe64: &[u8]) {
    // CMS structure.
    let forms: [(&str, Form, &str, &str); 4] = [
        (
            "ber-indefinite-content-info.exe",
            Form {
                ber_indefinite_outer: true,
                ..Form::default()
            },
            "invalid",
            "the outer ContentInfo has a BER indefinite length: refused with a typed parse error, never read past",
        ),
        (
            "content-info-trailing-element.exe",
            Form {
                trailing_in_content_info: true,
                ..Form::default()
            },
            "invalid",
            "an extra element inside the ContentInfo SEQUENCE",
        ),
        (
            "duplicate-message-digest.exe",
            Form {
                duplicate_message_digest: true,
                ..Form::default()
            },
            "invalid",
            "two messageDigest signed attributes",
        ),
        (
            "message-digest-mismatch.exe",
            Form {
                wrong_message_digest: true,
                ..Form::default()
            },
            "invalid",
            "messageDigest does not match the content (the signature over the attributes is valid)",
        ),
    ];
    for (name, form, status, why) in forms {
        out.write(
            name,
            &sign::sign(pe64, &signer(p, form), &[]),
            expect_verdict(status, why),
        );
    }
}

/// CurveBall: an EC leaf key with explicit curve parameters.
fn curveball(out: &mut Out<'_>, p: &'static Pki, pe64: &[u8]) {
    // CurveBall: an EC leaf key with explicit curve parameters.
    let p256_spki = p.leaf_ec_key.spki();
    let point = {
        // The BIT STRING is the last element of the SPKI: 03 42 00 <65-byte point>.
        let n = p256_spki.len();
        p256_spki[n - 65..].to_vec()
    };
    let explicit_params = seq(&[
        &crate::asn1::int(1),
        &seq(&[&oid("1.2.840.10045.1.1"), &crate::asn1::int_bytes(&[0xff; 32])]),
        &seq(&[&crate::asn1::octets(&[0xff; 32]), &crate::asn1::octets(&[0x5a; 32])]),
        &crate::asn1::octets(&point),
        &crate::asn1::int_bytes(&[0xff; 32]),
    ]);
    let spki = seq(&[&seq(&[&oid("1.2.840.10045.2.1"), &explicit_params]), &bits(&point)]);
    let curveball: &'static _ = Box::leak(Box::new(issue_with_spki(
        &leaf_spec(
            0x3201,
            "Authverify Test Signer Explicit Curve",
            unix(2025, 1, 1),
            unix(2028, 1, 1),
        ),
        &p.leaf_ec_key,
        Some(&spki),
        Some((&p.inter, &p.inter_key)),
    )));
    let s = Signer {
        key: &p.leaf_ec_key,
        cert: curveball,
        chain: vec![curveball, &p.inter],
        ..signer(p, Form::default())
    };
    out.write(
        "curveball-explicit-curve.exe",
        &sign::sign(pe64, &s, &[]),
        expect_verdict("invalid", "the signer's EC key carries explicit curve parameters (CVE-2020-0601): rejected, the signature cannot verify"),
    );
}

/// Roots embedded in the file under the trusted root's name.
fn embedded_roots(out: &mut Out<'_>, p: &'static Pki, pe64: &[u8]) {
    // A root embedded in the file under the trusted root's name.
    let ca = |serial, subject| ca_spec(serial, subject, None);
    let same_key_root: &'static _ = Box::leak(Box::new(issue(
        &ca(0x1002, "Authverify Test Root CA"),
        &p.root_key,
        None,
    )));
    let s = Signer {
        chain: vec![&p.leaf, &p.inter, same_key_root],
        ..signer(p, Form::default())
    };
    out.write(
        "embedded-root-same-name-same-key.exe",
        &sign::sign(pe64, &s, &[]),
        expect_verdict(
            "valid",
            "a re-issued copy of the trusted root (same name and key) in the file: the path closes at the store's root",
        ),
    );
    let evil_key: &'static Key = Box::leak(Box::new(Key::rsa(include_str!("../keys/ca-loop-a.pem"))));
    let evil_root: &'static _ = Box::leak(Box::new(issue(&ca(0x1003, "Authverify Test Root CA"), evil_key, None)));
    let evil_inter: &'static _ = Box::leak(Box::new(issue(
        &CertSpec {
            ca: Some(Some(0)),
            ..ca(0x2003, "Authverify Test Code Signing CA")
        },
        &p.inter_key,
        Some((evil_root, evil_key)),
    )));
    let evil_leaf: &'static _ = Box::leak(Box::new(issue(
        &leaf_spec(
            0x3202,
            "Authverify Test Signer RSA-2048",
            unix(2025, 1, 1),
            unix(2028, 1, 1),
        ),
        &p.leaf_key,
        Some((evil_inter, &p.inter_key)),
    )));
    let s = Signer {
        cert: evil_leaf,
        chain: vec![evil_leaf, evil_inter, evil_root],
        ..signer(p, Form::default())
    };
    out.write(
        "embedded-root-same-name-other-key.exe",
        &sign::sign(pe64, &s, &[]),
        json!({ "status": "untrusted", "chain": "missing_root", "missing_sha1": hex::encode(Hash::Sha1.digest(&evil_root.der)),
                "why": "an attacker root with the trusted root's name and another key: never an anchor; it is named as the missing root" }),
    );
}
