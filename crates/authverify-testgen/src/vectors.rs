//! The committed test vectors and their manifests: `write_all` writes the whole tree
//! (test-vectors/), the binary and the drift test call it.
//!
//! Everything is deterministic: fixed keys (keys/*.pem), fixed serials and dates, RSA
//! PKCS#1 v1.5 and RFC 6979 ECDSA. Expected verdicts in the manifest come from how each
//! vector was built, never from running the verifier.
//!
//! Usage: `cargo run -p authverify-testgen -- [OUT_DIR]` (default: test-vectors).

use crate::manifest::{self, ExpectedSignature, ExpectedTimestamp, Vector, VectorManifest};
use crate::{asn1, chains, hardening, hostile, pe, pki, policy_vectors, sign};

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use asn1::unix;
use pki::{issue, CertSpec, Hash, Key, EKU_CODE_SIGNING};
use sign::{Form, Signer, Timestamp, TimestampKind};

pub(crate) const EVALUATED_AT: &str = "2026-06-01T00:00:00Z";
/// What every manifest says wrote it.
pub(crate) const GENERATOR: &str = "authverify-testgen (cargo run -p authverify-testgen)";

pub(crate) struct Pki {
    pub(crate) root_key: Key,
    pub(crate) inter_key: Key,
    pub(crate) leaf_key: Key,
    pub(crate) leaf4096_key: Key,
    pub(crate) leaf_ec_key: Key,
    pub(crate) root: pki::Cert,
    pub(crate) inter: pki::Cert,
    pub(crate) leaf: pki::Cert,
    pub(crate) leaf4096: pki::Cert,
    pub(crate) leaf_ec: pki::Cert,
    pub(crate) expired: pki::Cert,
    pub(crate) tsa_key: Key,
    pub(crate) tsa: pki::Cert,
    pub(crate) tsa_no_eku: pki::Cert,
    pub(crate) lifetime: pki::Cert,
    pub(crate) eoc: pki::Cert,
    pub(crate) leaf_72h: pki::Cert,
}

pub(crate) fn build_pki() -> Pki {
    let root_key = Key::rsa(include_str!("../keys/root-rsa2048.pem"));
    let inter_key = Key::rsa(include_str!("../keys/inter-rsa2048.pem"));
    let leaf_key = Key::rsa(include_str!("../keys/leaf-rsa2048.pem"));
    let leaf4096_key = Key::rsa(include_str!("../keys/leaf-rsa4096.pem"));
    let leaf_ec_key = Key::p256(include_str!("../keys/leaf-p256.pem"));
    let ca = pki::ca_spec;
    let root = issue(&ca(0x1001, "Authverify Test Root CA", None), &root_key, None);
    let inter = issue(
        &ca(0x2001, "Authverify Test Code Signing CA", Some(0)),
        &inter_key,
        Some((&root, &root_key)),
    );
    let leaf_spec = pki::leaf_spec;
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
    let tsa_key = Key::rsa(include_str!("../keys/tsa-rsa2048.pem"));
    let (tsa, tsa_no_eku) = tsa_certificates(&tsa_key, (&root, &root_key));
    let lifetime = issue(
        &CertSpec {
            eku: &[EKU_CODE_SIGNING, pki::EKU_LIFETIME_SIGNING],
            ..leaf_spec(
                0x3005,
                "Authverify Test Signer Lifetime 2021",
                unix(2020, 1, 1),
                unix(2021, 1, 1),
            )
        },
        &leaf_key,
        Some((&inter, &inter_key)),
    );
    let (eoc, leaf_72h) = azure_shape((&root, &root_key), &inter_key, &leaf_key);
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
        tsa_key,
        tsa,
        tsa_no_eku,
        lifetime,
        eoc,
        leaf_72h,
    }
}

/// The test TSA (timeStamping) and a TSA certificate with codeSigning only, under the root.
fn tsa_certificates(tsa_key: &Key, root: (&pki::Cert, &Key)) -> (pki::Cert, pki::Cert) {
    let tsa_spec = |serial, subject, eku| CertSpec {
        serial,
        subject,
        not_before: unix(2019, 1, 1),
        not_after: unix(2040, 1, 1),
        ca: None,
        eku,
        hash: Hash::Sha256,
    };
    let tsa = issue(
        &tsa_spec(0x4001, "Authverify Test TSA", &[pki::EKU_TIME_STAMPING]),
        tsa_key,
        Some(root),
    );
    let tsa_no_eku = issue(
        &tsa_spec(0x4002, "Authverify Test TSA Without EKU", &[EKU_CODE_SIGNING]),
        tsa_key,
        Some(root),
    );
    (tsa, tsa_no_eku)
}

/// The Azure Trusted Signing shape: an issuing CA that expired 2026-04-13 and a leaf that
/// lived 72 hours (observed: 2024-04-01 22:57:20 to 2024-04-04 22:57:20).
fn azure_shape(root: (&pki::Cert, &Key), inter_key: &Key, leaf_key: &Key) -> (pki::Cert, pki::Cert) {
    let eoc = issue(
        &CertSpec {
            not_before: unix(2021, 4, 13),
            not_after: unix(2026, 4, 13),
            ..pki::ca_spec(0x2002, "Authverify Test EOC CA 01", Some(0))
        },
        inter_key,
        Some(root),
    );
    let start = unix(2024, 4, 1) + 22 * 3600 + 57 * 60 + 20;
    let leaf_72h = issue(
        &pki::leaf_spec(0x3006, "Authverify Test 72-Hour Signer", start, start + 72 * 3600),
        leaf_key,
        Some((&eoc, inter_key)),
    );
    (eoc, leaf_72h)
}

pub(crate) struct Out {
    pub(crate) dir: PathBuf,
    pub(crate) vectors: Vec<Vector>,
}

impl Out {
    /// Writes the vector and records its entry (in `json!` table notation, checked against
    /// the manifest model) with its name and SHA-256.
    pub(crate) fn write(&mut self, name: &str, bytes: &[u8], entry: Value) {
        std::fs::write(self.dir.join(name), bytes).expect("write vector");
        let mut e = entry;
        e["file"] = json!(name);
        e["sha256"] = json!(hex::encode(Hash::Sha256.digest(bytes)));
        self.vectors.push(manifest::entry(e));
    }
}

/// Expected timestamp facts.
fn ts_json(kind: &str, time: u64, valid: bool) -> ExpectedTimestamp {
    let t = der::DateTime::from_unix_duration(std::time::Duration::from_secs(time)).expect("time");
    ExpectedTimestamp {
        kind: kind.into(),
        time: t.to_string(),
        valid,
    }
}

/// The expected facts of a valid primary signature over `unsigned` in algorithm `h`.
pub(crate) fn ok_sig(h: Hash, unsigned: &[u8]) -> ExpectedSignature {
    sig(0, None, h, &sign::digest_for(unsigned, h), true, true, "trusted")
}

fn sig(
    index: usize,
    nested_in: Option<usize>,
    h: Hash,
    digest: &[u8],
    matches: bool,
    valid: bool,
    chain: &str,
) -> ExpectedSignature {
    ExpectedSignature {
        chain_status: chain.into(),
        computed_digest: hex::encode(digest),
        digest_algorithm: h.name().into(),
        digest_matches: matches,
        index,
        nested_in,
        page_hashes: None,
        signature_valid: valid,
        timestamp: None,
    }
}

/// test-vectors/registry: the test PKI's root in the machine's Root store, its intermediate
/// in group policy's CA store, an unrelated root in Disallowed and the leaf in My (not chain
/// trust: ignored), as `reg export` writes them in both of regedit's encodings. Loaded with
/// `--trust`, they must give the vectors the verdicts `--trust pki/root.crt` gives.
fn write_registry_exports(dir: &Path, p: &Pki) {
    use crate::registry::{file, Entry, MACHINE, POLICIES};
    let distrusted = std::fs::read(dir.join("hardening/roots/expired-2020.crt")).expect("hardening root");
    let entries = [
        Entry {
            root: MACHINE,
            store: "ROOT",
            der: &p.root.der,
        },
        Entry {
            root: POLICIES,
            store: "CA",
            der: &p.inter.der,
        },
        Entry {
            root: MACHINE,
            store: "Disallowed",
            der: &distrusted,
        },
        Entry {
            root: MACHINE,
            store: "My",
            der: &p.leaf.der,
        },
    ];
    std::fs::create_dir_all(dir.join("registry")).expect("mkdir registry");
    std::fs::write(dir.join("registry/system-certificates.reg"), file(&entries, false)).expect("write .reg");
    std::fs::write(
        dir.join("registry/system-certificates-regedit4.reg"),
        file(&entries, true),
    )
    .expect("write .reg");
}

/// The three unsigned images the vectors are made from.
struct Images {
    pe64: Vec<u8>,
    pe32: Vec<u8>,
    overlay: Vec<u8>,
}

/// A plain signer: `key` and `cert` over `chain`, in `hash`.
fn signer(key: &'static Key, cert: &'static pki::Cert, chain: Vec<&'static pki::Cert>, hash: Hash) -> Signer<'static> {
    Signer {
        key,
        cert,
        chain,
        hash,
        corrupt_signature: false,
        timestamp: None,
        form: Form::default(),
    }
}

/// The manifest entry of a valid file with these signatures.
fn valid(sigs: Vec<ExpectedSignature>, why: &str) -> Value {
    json!({ "status": "valid", "why": why, "signatures": sigs, "missing": [] })
}

/// Writes every committed vector, its manifest and the PKI files under `dir`.
pub fn write_all(dir: &Path) {
    let dir = dir.to_path_buf();
    std::fs::create_dir_all(dir.join("pki")).expect("create output dir");
    let p = build_pki();
    let _ = (&p.root_key, &p.inter_key);
    std::fs::write(dir.join("pki/root.crt"), &p.root.der).expect("write root");
    std::fs::write(dir.join("pki/root.pem"), pki::pem(&p.root.der)).expect("write root pem");
    std::fs::write(dir.join("pki/intermediate.crt"), &p.inter.der).expect("write intermediate");
    // What osslsigncode signs the container vectors with (scripts/make-container-vectors.py):
    // the leaf and its intermediate, and the TSA certificate, as PEM.
    let chain = [pki::pem(&p.leaf.der), pki::pem(&p.inter.der)].concat();
    std::fs::write(dir.join("pki/signer-chain.pem"), chain).expect("write signer chain");
    std::fs::write(dir.join("pki/tsa.pem"), pki::pem(&p.tsa.der)).expect("write TSA");
    let mut out = Out {
        dir: dir.clone(),
        vectors: Vec::new(),
    };
    // Leak the PKI so signers can borrow it for 'static; the process is short-lived.
    let p: &'static Pki = Box::leak(Box::new(p));
    let build = |pe32_plus, data_len, seed, overlay| {
        pe::build(&pe::PeSpec {
            pe32_plus,
            data_len,
            seed,
            overlay,
        })
    };
    let im = Images {
        pe64: build(true, 64 * 1024 + 17, 1, 0),
        pe32: build(false, 40 * 1024, 2, 0),
        overlay: build(true, 8 * 1024, 3, 1001),
    };
    let pe64 = &im.pe64;
    let v1 = signed_vectors(&mut out, p, &im);
    broken_vectors(&mut out, p, &im, &v1);
    timestamp_vectors(&mut out, p, &im);
    broken_timestamp_vectors(&mut out, p, &im);
    acs_shape_vector(&mut out, p, &im);
    nesting_vectors(&mut out, p, &im);
    md5_and_unsigned_vectors(&mut out, p, &im);
    policy_vectors::write(&mut out, p, pe64);
    hostile::write(&dir.join("hostile"), p, pe64);
    hardening::write(&dir.join("hardening"), p, pe64);
    crate::catalogs::write(&dir.join("catalogs"), p);
    crate::catalogs::write_timestamped(&dir.join("catalog-timestamp"), p);
    write_registry_exports(&dir, p);

    let manifest = VectorManifest {
        evaluated_at: EVALUATED_AT.into(),
        generator: GENERATOR.into(),
        root_sha1: hex::encode(Hash::Sha1.digest(&p.root.der)),
        trust: vec!["pki/root.crt".into()],
        vectors: out.vectors,
    };
    manifest::write(&dir.join("manifest.json"), &manifest);
    chains::write(&dir.join("chains"));
    crate::plan::write(&dir.join("plan"));
    println!("wrote {} vectors to {}", manifest.vectors.len(), dir.display());
}

/// Valid signatures in every algorithm and layout; returns the plain SHA-256 one.
fn signed_vectors(out: &mut Out, p: &'static Pki, im: &Images) -> Vec<u8> {
    let (pe64, pe32) = (&im.pe64, &im.pe32);
    let full = |leaf: &'static pki::Cert| vec![leaf, &p.inter];
    let ok = ok_sig;
    let s = signer(&p.leaf_key, &p.leaf, full(&p.leaf), Hash::Sha256);
    let v1 = sign::sign(pe64, &s, &[]);
    out.write(
        "pe32plus-rsa2048-sha256.exe",
        &v1,
        valid(
            vec![ok(Hash::Sha256, pe64)],
            "PE32+, RSA-2048 leaf, SHA-256, leaf+intermediate embedded, root trusted",
        ),
    );

    let v = sign::sign(pe32, &s, &[]);
    out.write(
        "pe32-rsa2048-sha256.exe",
        &v,
        valid(vec![ok(Hash::Sha256, pe32)], "PE32 (magic 0x10b), RSA-2048, SHA-256"),
    );

    let s4096 = signer(&p.leaf4096_key, &p.leaf4096, full(&p.leaf4096), Hash::Sha384);
    let v = sign::sign(pe64, &s4096, &[]);
    out.write(
        "pe32plus-rsa4096-sha384.exe",
        &v,
        valid(
            vec![ok(Hash::Sha384, pe64)],
            "RSA-4096 leaf, SHA-384 file digest and signature",
        ),
    );

    let sec = signer(&p.leaf_ec_key, &p.leaf_ec, full(&p.leaf_ec), Hash::Sha256);
    let v = sign::sign(pe64, &sec, &[]);
    out.write(
        "pe32plus-ecdsa-p256-sha256.exe",
        &v,
        valid(
            vec![ok(Hash::Sha256, pe64)],
            "ECDSA P-256 leaf (ecdsa-with-SHA256) under an RSA intermediate",
        ),
    );

    digest_and_layout_vectors(out, p, im, &s);
    v1
}

/// SHA-1 and SHA-512 digests, an overlay, and a nested SHA-256 signature; `s` is the
/// SHA-256 signer of the first vectors.
fn digest_and_layout_vectors(out: &mut Out, p: &'static Pki, im: &Images, s: &Signer<'static>) {
    let (pe64, pe32, pe_overlay) = (&im.pe64, &im.pe32, &im.overlay);
    let full = |leaf: &'static pki::Cert| vec![leaf, &p.inter];
    let ok = ok_sig;
    let s1 = signer(&p.leaf_key, &p.leaf, full(&p.leaf), Hash::Sha1);
    let v = sign::sign(pe64, &s1, &[]);
    out.write(
        "pe32plus-rsa2048-sha1.exe",
        &v,
        valid(
            vec![ok(Hash::Sha1, pe64)],
            "SHA-1 file digest and signature (accepted by the Windows policy)",
        ),
    );

    let s512 = signer(&p.leaf_key, &p.leaf, full(&p.leaf), Hash::Sha512);
    let v = sign::sign(pe32, &s512, &[]);
    out.write(
        "pe32-rsa2048-sha512.exe",
        &v,
        valid(vec![ok(Hash::Sha512, pe32)], "SHA-512 file digest and signature"),
    );

    let v = sign::sign(pe_overlay, s, &[]);
    out.write(
        "pe32plus-overlay-rsa2048-sha256.exe",
        &v,
        valid(
            vec![ok(Hash::Sha256, pe_overlay)],
            "1001-byte overlay after the last section: hashed, then zero-padded to 8 before the table",
        ),
    );

    let v = sign::sign(pe64, &s1, &[s]);
    out.write(
        "nested-sha1-sha256.exe",
        &v,
        valid(
            vec![
                ok(Hash::Sha1, pe64),
                sig(
                    1,
                    Some(0),
                    Hash::Sha256,
                    &sign::digest_for(pe64, Hash::Sha256),
                    true,
                    true,
                    "trusted",
                ),
            ],
            "SHA-1 primary with a SHA-256 nested signature (signtool /as)",
        ),
    );
}

/// Broken files derived from the valid one, `v1`.
fn broken_vectors(out: &mut Out, p: &'static Pki, im: &Images, v1: &[u8]) {
    let pe64 = &im.pe64;
    let full = |leaf: &'static pki::Cert| vec![leaf, &p.inter];
    let ok = ok_sig;
    // Broken files derived from a valid one.
    let mut tampered = v1.to_vec();
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
    let v = sign::sign(pe64, &bad, &[]);
    out.write(
        "bad-signature.exe",
        &v,
        json!({ "status": "invalid", "why": "last byte of the signer's RSA signature flipped", "missing": [],
                "signatures": [sig(0, None, Hash::Sha256, &sign::digest_for(pe64, Hash::Sha256), true, false, "trusted")] }),
    );

    let mut appended = v1.to_vec();
    appended.extend_from_slice(b"APPENDED-AFTER-TABLE");
    out.write(
        "appended-data.exe",
        &appended,
        json!({ "status": "invalid", "why": "20 bytes appended after the certificate table (outside the signature, MS12-024)", "missing": [],
                "signatures": [ok(Hash::Sha256, pe64)] }),
    );

    let leaf_only = signer(&p.leaf_key, &p.leaf, vec![&p.leaf], Hash::Sha256);
    let v = sign::sign(pe64, &leaf_only, &[]);
    out.write(
        "missing-intermediate.exe",
        &v,
        json!({ "status": "untrusted", "why": "only the leaf is embedded; the intermediate is in no store",
                "signatures": [sig(0, None, Hash::Sha256, &sign::digest_for(pe64, Hash::Sha256), true, true, "missing_issuer")],
                "missing": [{ "store": "unknown", "subject_cn": p.inter.subject_cn, "key_id": hex::encode(p.inter_key.key_id()) }] }),
    );

    let sexp = signer(&p.leaf_key, &p.expired, full(&p.expired), Hash::Sha256);
    let v = sign::sign(pe64, &sexp, &[]);
    out.write(
        "expired-no-timestamp.exe",
        &v,
        json!({ "status": "untrusted", "why": "leaf valid 2020-01-01..2021-01-01, no timestamp, judged at 2026-06-01", "missing": [],
                "signatures": [sig(0, None, Hash::Sha256, &sign::digest_for(pe64, Hash::Sha256), true, true, "expired")] }),
    );
}

/// The expired leaf lived 2020-01-01..2021-01-01; timestamps at 2020-06-01 fall inside.
const IN_WINDOW: (u16, u8, u8) = (2020, 6, 1);

fn in_window() -> u64 {
    let (y, m, d) = IN_WINDOW;
    unix(y, m, d)
}

/// A timestamp by the test TSA key with `cert`, at `time`.
fn ts(
    p: &'static Pki,
    kind: TimestampKind,
    cert: &'static pki::Cert,
    time: u64,
    wrong_imprint: bool,
) -> Timestamp<'static> {
    Timestamp {
        kind,
        key: &p.tsa_key,
        cert,
        time,
        wrong_imprint,
        chain: &[],
    }
}

/// `cert` (under the test intermediate) signing with SHA-256 and timestamp `t`.
fn with_ts(p: &'static Pki, cert: &'static pki::Cert, t: Timestamp<'static>) -> Signer<'static> {
    Signer {
        timestamp: Some(t),
        ..signer(&p.leaf_key, cert, vec![cert, &p.inter], Hash::Sha256)
    }
}

/// The entry of a SHA-256 signature over digest `d256` with this verdict, chain status and
/// timestamp.
fn ts_vector(d256: &[u8], sig_status: &str, chain: &str, ts: ExpectedTimestamp, why: &str) -> Value {
    let mut s0 = sig(0, None, Hash::Sha256, d256, true, true, chain);
    s0.timestamp = Some(ts);
    json!({ "status": sig_status, "why": why, "missing": [], "signatures": [s0] })
}

/// Timestamps (issue 3) that hold: RFC 3161 and PKCS#9 (also the bare-hash legacy form)
/// inside the expired leaf's validity.
fn timestamp_vectors(out: &mut Out, p: &'static Pki, im: &Images) {
    let pe64 = &im.pe64;
    let in_window = in_window();
    let d256 = sign::digest_for(pe64, Hash::Sha256);
    let cases: Vec<(&str, Signer<'static>, Value)> = vec![
        (
            "ts-rfc3161-expired-signer.exe",
            with_ts(p, &p.expired, ts(p, TimestampKind::Rfc3161, &p.tsa, in_window, false)),
            ts_vector(
                &d256,
                "valid",
                "trusted",
                ts_json("rfc3161", in_window, true),
                "expired leaf, RFC 3161 timestamp inside its validity: judged at the timestamp",
            ),
        ),
        (
            "ts-pkcs9-expired-signer.exe",
            with_ts(
                p,
                &p.expired,
                ts(p, TimestampKind::Pkcs9 { bare_hash: false }, &p.tsa, in_window, false),
            ),
            ts_vector(
                &d256,
                "valid",
                "trusted",
                ts_json("pkcs9", in_window, true),
                "expired leaf, PKCS#9 countersignature inside its validity",
            ),
        ),
        (
            "ts-pkcs9-bare-hash.exe",
            with_ts(
                p,
                &p.expired,
                ts(p, TimestampKind::Pkcs9 { bare_hash: true }, &p.tsa, in_window, false),
            ),
            ts_vector(
                &d256,
                "valid",
                "trusted",
                ts_json("pkcs9", in_window, true),
                "legacy countersignature whose RSA block is the bare SHA-1 (Windows accepts it)",
            ),
        ),
    ];
    for (name, s, entry) in cases {
        out.write(name, &sign::sign(pe64, &s, &[]), entry);
    }
}

/// Timestamps that do not save the expired leaf: after its expiry, by a TSA without the
/// timeStamping EKU, over the wrong bytes, and for a lifetime-signing leaf.
fn broken_timestamp_vectors(out: &mut Out, p: &'static Pki, im: &Images) {
    let pe64 = &im.pe64;
    let in_window = in_window();
    let d256 = sign::digest_for(pe64, Hash::Sha256);
    let cases: Vec<(&str, Signer<'static>, Value)> =
        vec![
        (
            "ts-outside-signer-validity.exe",
            with_ts(p, &p.expired, ts(p, TimestampKind::Rfc3161, &p.tsa, unix(2022, 1, 1), false)),
            ts_vector(
                &d256,
                "untrusted",
                "expired",
                ts_json("rfc3161", unix(2022, 1, 1), true),
                "valid timestamp at 2022-01-01, after the leaf expired: the chain is expired at the timestamp",
            ),
        ),
        (
            "ts-tsa-without-eku.exe",
            with_ts(p, &p.expired, ts(p, TimestampKind::Rfc3161, &p.tsa_no_eku, in_window, false)),
            ts_vector(
                &d256,
                "untrusted",
                "expired",
                ts_json("rfc3161", in_window, false),
                "TSA certificate has codeSigning, not timeStamping: timestamp invalid, judged at the verification time",
            ),
        ),
        (
            "ts-imprint-wrong.exe",
            with_ts(p, &p.expired, ts(p, TimestampKind::Rfc3161, &p.tsa, in_window, true)),
            ts_vector(
                &d256,
                "untrusted",
                "expired",
                ts_json("rfc3161", in_window, false),
                "messageImprint covers other bytes than the signature: timestamp invalid",
            ),
        ),
        (
            "lifetime-signing-ts-after-expiry.exe",
            with_ts(p, &p.lifetime, ts(p, TimestampKind::Rfc3161, &p.tsa, in_window, false)),
            ts_vector(
                &d256,
                "untrusted",
                "expired",
                ts_json("rfc3161", in_window, true),
                "lifetime-signing leaf: the valid timestamp does not extend it past expiry",
            ),
        ),
    ];
    for (name, s, entry) in cases {
        out.write(name, &sign::sign(pe64, &s, &[]), entry);
    }
}

/// The Azure Trusted Signing shape: a 72-hour leaf under an issuing CA that expired, its
/// timestamp inside the leaf's window.
fn acs_shape_vector(out: &mut Out, p: &'static Pki, im: &Images) {
    let pe64 = &im.pe64;
    let d256 = sign::digest_for(pe64, Hash::Sha256);
    let acs_time = unix(2024, 4, 2) + 12 * 3600;
    let acs = Signer {
        timestamp: Some(ts(p, TimestampKind::Rfc3161, &p.tsa, acs_time, false)),
        ..signer(&p.leaf_key, &p.leaf_72h, vec![&p.leaf_72h, &p.eoc], Hash::Sha256)
    };
    out.write("acs-shape-72h-leaf.exe", &sign::sign(pe64, &acs, &[]),
        ts_vector(&d256, "valid", "trusted", ts_json("rfc3161", acs_time, true), "72-hour leaf under an issuing CA expired 2026-04-13, timestamped inside the window (Azure Trusted Signing shape)"));
}

/// Nested signatures: mismatches that decide or not, levels, and the nesting bound.
fn nesting_vectors(out: &mut Out, p: &'static Pki, im: &Images) {
    let (pe64, pe32) = (&im.pe64, &im.pe32);
    let full = |leaf: &'static pki::Cert| vec![leaf, &p.inter];
    let ok = ok_sig;
    let s = signer(&p.leaf_key, &p.leaf, vec![&p.leaf, &p.inter], Hash::Sha256);
    let s1 = signer(&p.leaf_key, &p.leaf, vec![&p.leaf, &p.inter], Hash::Sha1);
    let d256 = sign::digest_for(&im.pe64, Hash::Sha256);
    // --- Nesting.
    let wrong_digest = sign::digest_for(pe32, Hash::Sha1);
    let n_bad = signer(&p.leaf_key, &p.leaf, full(&p.leaf), Hash::Sha1);
    let bad_nested_ci = sign::signed_data(&n_bad, &wrong_digest, &[]);
    let primary_ci = sign::signed_data(&s, &d256, &[bad_nested_ci]);
    // Verdicts per preset and --signatures (issue 13): Windows judges the primary alone, so
    // under `windows` a mismatching signature that does not decide is only reported.
    out.write("nested-corrupted-digest.exe", &sign::attach(pe64, &[primary_ci]), json!({
        "status": "valid", "why": "the nested SHA-1 signature signs another file's digest; the primary decides", "missing": [],
        "signatures": [ok(Hash::Sha256, pe64), sig(1, Some(0), Hash::Sha1, &sign::digest_for(pe64, Hash::Sha1), false, true, "trusted")],
        "verdicts": {
            "windows": { "primary": "valid", "all": "invalid", "any": "valid" },
            "strict": { "primary": "invalid", "all": "invalid", "any": "invalid" } } }));
    let good_nested_ci = sign::signed_data(&n_bad, &sign::digest_for(pe64, Hash::Sha1), &[]);
    let bad_primary_ci = sign::signed_data(&s, &sign::digest_for(pe32, Hash::Sha256), &[good_nested_ci]);
    out.write("primary-corrupted-digest.exe", &sign::attach(pe64, &[bad_primary_ci]), json!({
        "status": "invalid", "why": "the primary signs another file's digest; the nested SHA-1 signature matches", "missing": [],
        "signatures": [
            sig(0, None, Hash::Sha256, &sign::digest_for(pe64, Hash::Sha256), false, true, "trusted"),
            sig(1, Some(0), Hash::Sha1, &sign::digest_for(pe64, Hash::Sha1), true, true, "trusted")],
        "verdicts": {
            "windows": { "primary": "invalid", "all": "invalid", "any": "valid" },
            "strict": { "primary": "invalid", "all": "invalid", "any": "invalid" } } }));

    let s384 = signer(&p.leaf_key, &p.leaf, full(&p.leaf), Hash::Sha384);
    let v = sign::sign_nested_levels(pe64, &[&s, &s1, &s, &s384]);
    let lv = |i: usize, h: Hash| {
        sig(
            i,
            if i == 0 { None } else { Some(i - 1) },
            h,
            &sign::digest_for(pe64, h),
            true,
            true,
            "trusted",
        )
    };
    out.write(
        "nested-3-levels.exe",
        &v,
        valid(
            vec![
                lv(0, Hash::Sha256),
                lv(1, Hash::Sha1),
                lv(2, Hash::Sha256),
                lv(3, Hash::Sha384),
            ],
            "primary with three levels of nesting, each inside the previous",
        ),
    );

    let deep: Vec<&Signer<'_>> = std::iter::repeat_n(&s, 20).collect();
    let v = sign::sign_nested_levels(pe64, &deep);
    out.write("nesting-too-deep.exe", &v, json!({
        "status": "valid", "why": "20 nesting levels, above the bound of 16: a typed error, no deeper parsing; the primary decides", "missing": [],
        "signatures": (0..17).map(|i| lv(i, Hash::Sha256)).collect::<Vec<_>>(),
        "extra_signature_error": manifest::ExpectedFinding::refusal("signature.unreadable", "nested signatures exceed the bound of 16"),
        "verdicts": {
            "windows": { "primary": "valid", "all": "invalid", "any": "valid" },
            "strict": { "primary": "invalid", "all": "invalid", "any": "invalid" } } }));
}

/// An MD5 signature, and unsigned images (one of odd length).
fn md5_and_unsigned_vectors(out: &mut Out, p: &'static Pki, im: &Images) {
    let (pe64, pe_overlay) = (&im.pe64, &im.overlay);
    let full = |leaf: &'static pki::Cert| vec![leaf, &p.inter];
    let smd5 = signer(&p.leaf_key, &p.leaf, full(&p.leaf), Hash::Md5);
    out.write("md5-digest.exe", &sign::sign(pe64, &smd5, &[]), json!({
        "status": "invalid", "why": "MD5 file digest and signature: recognised, computed, and rejected by policy", "missing": [],
        "signatures": [sig(0, None, Hash::Md5, &sign::digest_for(pe64, Hash::Md5), true, false, "trusted")] }));

    let unsigned_entry = |f: &[u8], why: &str| {
        json!({ "status": "unsigned", "why": why, "signatures": [], "missing": [],
                "unsigned_digests": { "sha1": hex::encode(pe::authenticode_digest(f, None, Hash::Sha1)),
                                      "sha256": hex::encode(pe::authenticode_digest(f, None, Hash::Sha256)) } })
    };
    out.write("unsigned.exe", pe64, unsigned_entry(pe64, "no security directory"));
    let mut odd = pe_overlay.to_vec();
    odd.truncate(odd.len() - 3);
    out.write(
        "unsigned-odd-length.exe",
        &odd,
        unsigned_entry(&odd, "length not a multiple of 8: the digest pads with zeros"),
    );
}
