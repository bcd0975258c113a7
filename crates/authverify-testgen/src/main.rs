//! authverify-testgen: writes the signed test vectors and their manifest.
//!
//! Everything is deterministic: fixed keys (keys/*.pem), fixed serials and dates, RSA
//! PKCS#1 v1.5 and RFC 6979 ECDSA. Expected verdicts in the manifest come from how each
//! vector was built, never from running the verifier.
//!
//! Usage: `cargo run -p authverify-testgen -- [OUT_DIR]` (default: test-vectors).

mod asn1;
mod pe;
mod pki;
mod sign;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use asn1::unix;
use pki::{issue, CertSpec, Hash, Key, EKU_CODE_SIGNING};
use sign::Signer;

const EVALUATED_AT: &str = "2026-06-01T00:00:00Z";

struct Pki {
    root_key: Key,
    inter_key: Key,
    leaf_key: Key,
    leaf4096_key: Key,
    leaf_ec_key: Key,
    root: pki::Cert,
    inter: pki::Cert,
    leaf: pki::Cert,
    leaf4096: pki::Cert,
    leaf_ec: pki::Cert,
    expired: pki::Cert,
}

fn build_pki() -> Pki {
    let root_key = Key::rsa(include_str!("../keys/root-rsa2048.pem"));
    let inter_key = Key::rsa(include_str!("../keys/inter-rsa2048.pem"));
    let leaf_key = Key::rsa(include_str!("../keys/leaf-rsa2048.pem"));
    let leaf4096_key = Key::rsa(include_str!("../keys/leaf-rsa4096.pem"));
    let leaf_ec_key = Key::p256(include_str!("../keys/leaf-p256.pem"));
    let ca = |serial, subject, path_len| CertSpec {
        serial,
        subject,
        not_before: unix(2020, 1, 1),
        not_after: unix(2045, 1, 1),
        ca: Some(path_len),
        eku: &[],
        hash: Hash::Sha256,
    };
    let root = issue(&ca(0x1001, "Authverify Test Root CA", None), &root_key, None);
    let inter = issue(
        &ca(0x2001, "Authverify Test Code Signing CA", Some(0)),
        &inter_key,
        Some((&root, &root_key)),
    );
    let leaf_spec = |serial, subject, not_before, not_after| CertSpec {
        serial,
        subject,
        not_before,
        not_after,
        ca: None,
        eku: &[EKU_CODE_SIGNING],
        hash: Hash::Sha256,
    };
    let window = (unix(2025, 1, 1), unix(2028, 1, 1));
    let leaf = issue(
        &leaf_spec(0x3001, "Authverify Test Signer RSA-2048", window.0, window.1),
        &leaf_key,
        Some((&inter, &inter_key)),
    );
    let leaf4096 = issue(
        &leaf_spec(0x3002, "Authverify Test Signer RSA-4096", window.0, window.1),
        &leaf4096_key,
        Some((&inter, &inter_key)),
    );
    let leaf_ec = issue(
        &leaf_spec(0x3003, "Authverify Test Signer ECDSA P-256", window.0, window.1),
        &leaf_ec_key,
        Some((&inter, &inter_key)),
    );
    let expired = issue(
        &leaf_spec(
            0x3004,
            "Authverify Test Signer Expired 2021",
            unix(2020, 1, 1),
            unix(2021, 1, 1),
        ),
        &leaf_key,
        Some((&inter, &inter_key)),
    );
    Pki {
        root_key,
        inter_key,
        leaf_key,
        leaf4096_key,
        leaf_ec_key,
        root,
        inter,
        leaf,
        leaf4096,
        leaf_ec,
        expired,
    }
}

struct Out {
    dir: PathBuf,
    vectors: Vec<Value>,
}

impl Out {
    fn write(&mut self, name: &str, bytes: &[u8], entry: Value) {
        std::fs::write(self.dir.join(name), bytes).expect("write vector");
        let mut e = entry;
        e["file"] = json!(name);
        e["sha256"] = json!(hex::encode(Hash::Sha256.digest(bytes)));
        self.vectors.push(e);
    }
}

/// Expected facts of one signature.
fn sig(
    index: usize,
    nested_in: Option<usize>,
    h: Hash,
    digest: &[u8],
    matches: bool,
    valid: bool,
    chain: &str,
) -> Value {
    json!({
        "index": index,
        "nested_in": nested_in,
        "digest_algorithm": h.name(),
        "computed_digest": hex::encode(digest),
        "digest_matches": matches,
        "signature_valid": valid,
        "chain_status": chain,
    })
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("test-vectors"));
    std::fs::create_dir_all(dir.join("pki")).expect("create output dir");
    let p = build_pki();
    let _ = (&p.root_key, &p.inter_key);
    std::fs::write(dir.join("pki/root.crt"), &p.root.der).expect("write root");
    std::fs::write(dir.join("pki/root.pem"), pki::pem(&p.root.der)).expect("write root pem");
    std::fs::write(dir.join("pki/intermediate.crt"), &p.inter.der).expect("write intermediate");
    let mut out = Out {
        dir: dir.clone(),
        vectors: Vec::new(),
    };

    let signer = |key, cert, chain: Vec<&'static pki::Cert>, hash| Signer {
        key,
        cert,
        chain,
        hash,
        corrupt_signature: false,
    };
    // Leak the PKI so signers can borrow it for 'static; the process is short-lived.
    let p: &'static Pki = Box::leak(Box::new(p));
    let full = |leaf: &'static pki::Cert| vec![leaf, &p.inter];

    let pe64 = pe::build(&pe::PeSpec {
        pe32_plus: true,
        data_len: 64 * 1024 + 17,
        seed: 1,
        overlay: 0,
    });
    let pe32 = pe::build(&pe::PeSpec {
        pe32_plus: false,
        data_len: 40 * 1024,
        seed: 2,
        overlay: 0,
    });
    let pe_overlay = pe::build(&pe::PeSpec {
        pe32_plus: true,
        data_len: 8 * 1024,
        seed: 3,
        overlay: 1001,
    });

    let ok = |h: Hash, unsigned: &[u8]| sig(0, None, h, &sign::digest_for(unsigned, h), true, true, "trusted");
    let valid =
        |sigs: Vec<Value>, why: &str| json!({ "status": "valid", "why": why, "signatures": sigs, "missing": [] });

    let s = signer(&p.leaf_key, &p.leaf, full(&p.leaf), Hash::Sha256);
    let v1 = sign::sign(&pe64, &s, &[]);
    out.write(
        "pe32plus-rsa2048-sha256.exe",
        &v1,
        valid(
            vec![ok(Hash::Sha256, &pe64)],
            "PE32+, RSA-2048 leaf, SHA-256, leaf+intermediate embedded, root trusted",
        ),
    );

    let v = sign::sign(&pe32, &s, &[]);
    out.write(
        "pe32-rsa2048-sha256.exe",
        &v,
        valid(vec![ok(Hash::Sha256, &pe32)], "PE32 (magic 0x10b), RSA-2048, SHA-256"),
    );

    let s4096 = signer(&p.leaf4096_key, &p.leaf4096, full(&p.leaf4096), Hash::Sha384);
    let v = sign::sign(&pe64, &s4096, &[]);
    out.write(
        "pe32plus-rsa4096-sha384.exe",
        &v,
        valid(
            vec![ok(Hash::Sha384, &pe64)],
            "RSA-4096 leaf, SHA-384 file digest and signature",
        ),
    );

    let sec = signer(&p.leaf_ec_key, &p.leaf_ec, full(&p.leaf_ec), Hash::Sha256);
    let v = sign::sign(&pe64, &sec, &[]);
    out.write(
        "pe32plus-ecdsa-p256-sha256.exe",
        &v,
        valid(
            vec![ok(Hash::Sha256, &pe64)],
            "ECDSA P-256 leaf (ecdsa-with-SHA256) under an RSA intermediate",
        ),
    );

    let s1 = signer(&p.leaf_key, &p.leaf, full(&p.leaf), Hash::Sha1);
    let v = sign::sign(&pe64, &s1, &[]);
    out.write(
        "pe32plus-rsa2048-sha1.exe",
        &v,
        valid(
            vec![ok(Hash::Sha1, &pe64)],
            "SHA-1 file digest and signature (accepted by the Windows policy)",
        ),
    );

    let s512 = signer(&p.leaf_key, &p.leaf, full(&p.leaf), Hash::Sha512);
    let v = sign::sign(&pe32, &s512, &[]);
    out.write(
        "pe32-rsa2048-sha512.exe",
        &v,
        valid(vec![ok(Hash::Sha512, &pe32)], "SHA-512 file digest and signature"),
    );

    let v = sign::sign(&pe_overlay, &s, &[]);
    out.write(
        "pe32plus-overlay-rsa2048-sha256.exe",
        &v,
        valid(
            vec![ok(Hash::Sha256, &pe_overlay)],
            "1001-byte overlay after the last section: hashed, then zero-padded to 8 before the table",
        ),
    );

    let v = sign::sign(&pe64, &s1, &[&s]);
    out.write(
        "nested-sha1-sha256.exe",
        &v,
        valid(
            vec![
                ok(Hash::Sha1, &pe64),
                sig(
                    1,
                    Some(0),
                    Hash::Sha256,
                    &sign::digest_for(&pe64, Hash::Sha256),
                    true,
                    true,
                    "trusted",
                ),
            ],
            "SHA-1 primary with a SHA-256 nested signature (signtool /as)",
        ),
    );

    // Broken files derived from a valid one.
    let mut tampered = v1.clone();
    tampered[0x600 + 10] ^= 0xff;
    let table = u32::from_le_bytes(tampered[pe::field_offsets(&tampered).1..][..4].try_into().unwrap()) as usize;
    out.write(
        "digest-mismatch.exe",
        &tampered,
        json!({ "status": "invalid", "why": "one byte of .data flipped after signing", "missing": [],
                "signatures": [sig(0, None, Hash::Sha256, &pe::authenticode_digest(&tampered, Some(table), Hash::Sha256), false, true, "trusted")] }),
    );

    let bad = Signer {
        corrupt_signature: true,
        ..signer(&p.leaf_key, &p.leaf, full(&p.leaf), Hash::Sha256)
    };
    let v = sign::sign(&pe64, &bad, &[]);
    out.write(
        "bad-signature.exe",
        &v,
        json!({ "status": "invalid", "why": "last byte of the signer's RSA signature flipped", "missing": [],
                "signatures": [sig(0, None, Hash::Sha256, &sign::digest_for(&pe64, Hash::Sha256), true, false, "trusted")] }),
    );

    let mut appended = v1.clone();
    appended.extend_from_slice(b"APPENDED-AFTER-TABLE");
    out.write(
        "appended-data.exe",
        &appended,
        json!({ "status": "invalid", "why": "20 bytes appended after the certificate table (outside the signature, MS12-024)", "missing": [],
                "signatures": [ok(Hash::Sha256, &pe64)] }),
    );

    let leaf_only = signer(&p.leaf_key, &p.leaf, vec![&p.leaf], Hash::Sha256);
    let v = sign::sign(&pe64, &leaf_only, &[]);
    out.write(
        "missing-intermediate.exe",
        &v,
        json!({ "status": "untrusted", "why": "only the leaf is embedded; the intermediate is in no store",
                "signatures": [sig(0, None, Hash::Sha256, &sign::digest_for(&pe64, Hash::Sha256), true, true, "missing_intermediate")],
                "missing": [{ "store": "intermediate", "subject_cn": p.inter.subject_cn, "key_id": hex::encode(p.inter_key.key_id()) }] }),
    );

    let sexp = signer(&p.leaf_key, &p.expired, full(&p.expired), Hash::Sha256);
    let v = sign::sign(&pe64, &sexp, &[]);
    out.write(
        "expired-no-timestamp.exe",
        &v,
        json!({ "status": "untrusted", "why": "leaf valid 2020-01-01..2021-01-01, no timestamp, judged at 2026-06-01", "missing": [],
                "signatures": [sig(0, None, Hash::Sha256, &sign::digest_for(&pe64, Hash::Sha256), true, true, "expired")] }),
    );

    let unsigned_entry = |f: &[u8], why: &str| {
        json!({ "status": "unsigned", "why": why, "signatures": [], "missing": [],
                "unsigned_digests": { "sha1": hex::encode(pe::authenticode_digest(f, None, Hash::Sha1)),
                                      "sha256": hex::encode(pe::authenticode_digest(f, None, Hash::Sha256)) } })
    };
    out.write("unsigned.exe", &pe64, unsigned_entry(&pe64, "no security directory"));
    let mut odd = pe_overlay.clone();
    odd.truncate(odd.len() - 3);
    out.write(
        "unsigned-odd-length.exe",
        &odd,
        unsigned_entry(&odd, "length not a multiple of 8: the digest pads with zeros"),
    );

    let manifest = json!({
        "generator": "authverify-testgen (cargo run -p authverify-testgen)",
        "evaluated_at": EVALUATED_AT,
        "trust": ["pki/root.crt"],
        "root_sha1": hex::encode(Hash::Sha1.digest(&p.root.der)),
        "vectors": out.vectors,
    });
    let text = serde_json::to_string_pretty(&manifest).expect("manifest") + "\n";
    std::fs::write(Path::new(&dir).join("manifest.json"), text).expect("write manifest");
    println!(
        "wrote {} vectors to {}",
        manifest["vectors"].as_array().map_or(0, Vec::len),
        dir.display()
    );
}
