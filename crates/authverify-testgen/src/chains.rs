//! Hierarchies that mirror the real code-signing families with test keys, the trust
//! material around them (roots, intermediates, CTLs in the authroot.stl format) and a
//! manifest of cases: which trust a file is verified against and what the verdict must be,
//! derived from how each piece was built.
//!
//! Families:
//! * Identity Verification (Azure Trusted Signing): root 2020 → PCA 2021 → EOC CA
//!   (pathLen 0) → 72-hour leaf, RFC 3161 timestamp by a TSA under the same root.
//! * G4-like: a root that exists self-signed and cross-signed by an older root.
//! * AddTrust-like: a self-signed root and its cross-certificate from an older root that
//!   expired (2020-05-30), as Sectigo chains carried.

use std::path::Path;

use serde_json::{json, Value};

use crate::manifest::{self, CaseTrust, ChainCase, ChainsManifest, ExpectedMissing, NeededBy};

use crate::asn1::unix;
use crate::pe;
use crate::pki::{issue, leaf_spec, Cert, CertSpec, Hash, Key, EKU_CODE_SIGNING, EKU_TIME_STAMPING};
use crate::sign::{self, CtlSubject, Form, Signer, Timestamp, TimestampKind};

const EKU_SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";

/// The instant every case is judged at (no case depends on the clock).
pub(crate) const AT: &str = "2026-06-01T00:00:00Z";

fn leak<T>(v: T) -> &'static T {
    Box::leak(Box::new(v))
}

fn ca(serial: u64, subject: &'static str, nb: u64, na: u64, path_len: Option<u32>) -> CertSpec<'static> {
    CertSpec {
        serial,
        subject,
        not_before: nb,
        not_after: na,
        ca: Some(path_len),
        eku: &[],
        hash: Hash::Sha256,
    }
}

fn sha1(c: &Cert) -> String {
    hex::encode(Hash::Sha1.digest(&c.der))
}

struct Out<'a> {
    dir: &'a Path,
    cases: std::cell::RefCell<Vec<ChainCase>>,
}

impl Out<'_> {
    fn cert(&self, name: &str, c: &Cert) -> String {
        let rel = format!("certs/{name}.crt");
        std::fs::write(self.dir.join(&rel), &c.der).expect("write cert");
        rel
    }
    fn file(&self, rel: &str, bytes: &[u8]) -> String {
        std::fs::write(self.dir.join(rel), bytes).expect("write file");
        rel.to_string()
    }
    /// Records a case (`json!` table notation, checked against the manifest model).
    fn case(&self, name: &str, mut v: Value) {
        v["name"] = json!(name);
        self.cases.borrow_mut().push(manifest::entry(v));
    }
}

/// An expected missing certificate.
fn missing(store: &str, c: &Cert, needed_by: &[(usize, &str)]) -> ExpectedMissing {
    ExpectedMissing {
        key_id: hex::encode(&c.key_id),
        needed_by: Some(
            needed_by
                .iter()
                .map(|(s, ch)| NeededBy {
                    chain: (*ch).into(),
                    signature: *s,
                })
                .collect(),
        ),
        sha1: Some(sha1(c)),
        store: store.into(),
        subject_cn: None,
    }
}

// The keys of the hierarchies (fixed PEM files: the vectors are deterministic).
const KEY_IVROOT: &str = include_str!("../keys/ca-ivroot.pem");
const KEY_PCA: &str = include_str!("../keys/ca-pca.pem");
const KEY_EOC: &str = include_str!("../keys/ca-eoc.pem");
const KEY_TSACA: &str = include_str!("../keys/ca-tsaca.pem");
const KEY_G4: &str = include_str!("../keys/ca-g4root.pem");
const KEY_ASSURED: &str = include_str!("../keys/ca-assured.pem");
const KEY_USERTRUST: &str = include_str!("../keys/ca-usertrust.pem");
const KEY_ADDTRUST: &str = include_str!("../keys/ca-addtrust.pem");
const KEY_CTL: &str = include_str!("../keys/ca-ctlsigner.pem");
const KEY_PUB: &str = include_str!("../keys/root-rsa2048.pem");
const KEY_INTER: &str = include_str!("../keys/inter-rsa2048.pem");
const KEY_LEAF: &str = include_str!("../keys/leaf-rsa2048.pem");
const KEY_TSA: &str = include_str!("../keys/tsa-rsa2048.pem");

/// Code signing and time stamping: what the test root program lists the roots for.
const CS_TS: &[&str] = &[EKU_CODE_SIGNING, EKU_TIME_STAMPING];

/// An RSA key from its PEM, for the process's lifetime.
fn key(pem: &'static str) -> &'static Key {
    leak(Key::rsa(pem))
}

/// What the families share: the output, and the CTL publisher every list is signed by.
struct Ctx<'a> {
    out: Out<'a>,
    k_ctl: &'static Key,
    ctl_signer: &'static Cert,
    ctl_this_update: u64,
}

impl Ctx<'_> {
    /// A CTL signed by the test publisher at `this_update`, written under ctl/.
    fn ctl_at(&self, file: &str, usage: &str, subjects: &[CtlSubject<'_>], this_update: u64) -> String {
        let bytes = sign::ctl(usage, subjects, this_update, self.k_ctl, self.ctl_signer, &[]);
        self.out.file(&format!("ctl/{file}"), &bytes)
    }

    /// A CTL of the usual date.
    fn ctl(&self, file: &str, usage: &str, subjects: &[CtlSubject<'_>]) -> String {
        self.ctl_at(file, usage, subjects, self.ctl_this_update)
    }

    /// The trust a case is verified against (paths under chains/).
    fn trust(
        &self,
        anchors: &[&String],
        intermediates: &[&String],
        lists: &[&String],
        distrusted: &[&String],
    ) -> CaseTrust {
        let owned = |v: &[&String]| v.iter().map(|s| (*s).clone()).collect();
        CaseTrust {
            anchors: owned(anchors),
            distrusted: owned(distrusted),
            intermediates: owned(intermediates),
            publishers: vec!["certs/publisher-root.crt".into()],
            trust_lists: owned(lists),
        }
    }
}

/// A small PE image (`seed` makes it unique) signed by `leaf` (the test leaf key) with
/// `chain` embedded.
pub(crate) fn plain(leaf: &'static Cert, chain: Vec<&'static Cert>, seed: u64) -> Vec<u8> {
    let pe = pe::build(&pe::PeSpec {
        pe32_plus: true,
        data_len: 12 * 1024,
        seed,
        overlay: 0,
    });
    sign::sign(
        &pe,
        &Signer {
            key: key(KEY_LEAF),
            cert: leaf,
            chain,
            hash: Hash::Sha256,
            corrupt_signature: false,
            timestamp: None,
            form: Form::default(),
        },
        &[],
    )
}

pub(crate) fn write(dir: &Path) {
    std::fs::create_dir_all(dir.join("certs")).expect("mkdir");
    std::fs::create_dir_all(dir.join("ctl")).expect("mkdir");
    let out = Out {
        dir,
        cases: std::cell::RefCell::new(Vec::new()),
    };
    let (k_pub, k_ctl) = (key(KEY_PUB), key(KEY_CTL));
    // The publisher of the test CTLs (stands in for Microsoft Root Certificate Authority
    // 2010) and its root-list signer.
    let publisher = leak(issue(
        &ca(
            0x5001,
            "Test Root Program Publisher Root",
            unix(2010, 1, 1),
            unix(2040, 1, 1),
            None,
        ),
        k_pub,
        None,
    ));
    let ctl_signer = leak(issue(
        &CertSpec {
            serial: 0x5002,
            subject: "Test Certificate Trust List Publisher",
            not_before: unix(2026, 1, 1),
            not_after: unix(2027, 1, 1),
            ca: None,
            eku: &[sign::ROOT_LIST_SIGNER],
            hash: Hash::Sha256,
        },
        k_ctl,
        Some((publisher, k_pub)),
    ));
    out.cert("publisher-root", publisher);
    let c = Ctx {
        out,
        k_ctl,
        ctl_signer,
        ctl_this_update: unix(2026, 4, 22),
    };
    identity_verification(&c);
    g4_cross_signed(&c);
    addtrust_expired_cross(&c);
    bounds(&c);
    let manifest = ChainsManifest {
        cases: c.out.cases.take(),
        evaluated_at: AT.into(),
        generator: crate::vectors::GENERATOR.into(),
    };
    manifest::write(&dir.join("manifest.json"), &manifest);
}

/// The Identity Verification root's name, as the CTLs list it.
const IV_ROOT_NAME: &str = "Test Identity Verification Root CA 2020";

/// The Identity Verification (Azure Trusted Signing) hierarchy and the files signed under
/// it: what every case of the family is built from.
struct Iv {
    root: &'static Cert,
    pca: &'static Cert,
    eoc: &'static Cert,
    /// Signed with leaf, EOC CA and PCA embedded.
    signed: String,
    /// The same with the root embedded too.
    signed_root_embedded: String,
    /// Only the leaf embedded.
    signed_leaf_only: String,
    /// A CTL listing the root for code signing and time stamping (ctl/iv-listed.stl).
    ctl_listed: String,
    /// The root, PCA and EOC CA as files under certs/.
    c_root: String,
    c_pca: String,
    c_eoc: String,
}

impl Iv {
    /// The root as a CTL subject: its EKUs, disable date (and that date's EKU scope),
    /// NotBefore date (and its EKU scope).
    fn subject(
        &self,
        ekus: Option<&'static [&'static str]>,
        disabled: (Option<u64>, Option<&'static [&'static str]>),
        not_before: (Option<u64>, Option<&'static [&'static str]>),
    ) -> CtlSubject<'static> {
        CtlSubject {
            cert: self.root,
            friendly_name: IV_ROOT_NAME,
            ekus,
            disabled_at: disabled.0,
            disabled_ekus: disabled.1,
            not_before: not_before.0,
            not_before_ekus: not_before.1,
        }
    }

    /// The root listed for code signing and time stamping, nothing else set.
    fn listed(&self) -> CtlSubject<'static> {
        listed(self.root, IV_ROOT_NAME)
    }

    /// A case verifying `signed` against these anchors, intermediates, CTLs and distrusted
    /// certificates, with the rest of the expectation in `expect`.
    fn case(&self, c: &Ctx<'_>, name: &str, trust: [&[&String]; 4], mut expect: Value) {
        expect["file"] = json!(self.signed);
        expect["trust"] = json!(c.trust(trust[0], trust[1], trust[2], trust[3]));
        c.out.case(name, expect);
    }
}

/// Identity Verification (Azure Trusted Signing) family: path cases, the CTL's
/// properties, and distrust.
fn identity_verification(c: &Ctx<'_>) {
    let iv = iv_hierarchy(c);
    iv_path_cases(c, &iv);
    iv_ctl_purpose_cases(c, &iv);
    iv_ctl_date_cases(c, &iv);
    iv_distrust_cases(c, &iv);
}

/// A CA certificate of the test hierarchies.
fn ca_cert(
    serial: u64,
    subject: &'static str,
    validity: (u64, u64),
    path_len: Option<u32>,
    key: &'static Key,
    issuer: Option<(&Cert, &Key)>,
) -> &'static Cert {
    leak(issue(
        &ca(serial, subject, validity.0, validity.1, path_len),
        key,
        issuer,
    ))
}

/// Root 2020 → PCA 2021 → EOC CA (pathLen 0) → 72-hour leaf; the three signed files
/// (RFC 3161 timestamp by a TSA under the same root) and the certificate files.
fn iv_hierarchy(c: &Ctx<'_>) -> Iv {
    let out = &c.out;
    let (k_ivroot, k_pca, k_eoc, k_leaf) = (key(KEY_IVROOT), key(KEY_PCA), key(KEY_EOC), key(KEY_LEAF));
    let root = ca_cert(
        0x6001,
        "Test Identity Verification Root CA 2020",
        (unix(2020, 4, 16), unix(2045, 4, 16)),
        None,
        k_ivroot,
        None,
    );
    let pca = ca_cert(
        0x6002,
        "Test ID Verified Code Signing PCA 2021",
        (unix(2021, 4, 1), unix(2036, 4, 1)),
        None,
        k_pca,
        Some((root, k_ivroot)),
    );
    let eoc = ca_cert(
        0x6003,
        "Test ID Verified CS EOC CA 01",
        (unix(2021, 4, 13), unix(2031, 4, 13)),
        Some(0),
        k_eoc,
        Some((pca, k_pca)),
    );
    let leaf_nb = unix(2026, 3, 1);
    let leaf = leak(issue(
        &leaf_spec(
            0x6004,
            "Test Publisher (72-hour certificate)",
            leaf_nb,
            leaf_nb + 72 * 3600,
        ),
        k_leaf,
        Some((eoc, k_eoc)),
    ));
    let timestamp = iv_timestamp(root, k_ivroot);
    let pe = pe::build(&pe::PeSpec {
        pe32_plus: true,
        data_len: 16 * 1024,
        seed: 40,
        overlay: 0,
    });
    let sign = |chain: Vec<&'static Cert>| {
        let s = Signer {
            timestamp: Some(timestamp),
            ..Signer::new(k_leaf, leaf, chain)
        };
        sign::sign(&pe, &s, &[])
    };
    Iv {
        root,
        pca,
        eoc,
        signed: out.file("iv-signed.exe", &sign(vec![leaf, eoc, pca])),
        signed_root_embedded: out.file("iv-signed-root-embedded.exe", &sign(vec![leaf, eoc, pca, root])),
        signed_leaf_only: out.file("iv-signed-leaf-only.exe", &sign(vec![leaf])),
        ctl_listed: c.ctl("iv-listed.stl", sign::ROOT_LIST_SIGNER, &[listed(root, IV_ROOT_NAME)]),
        c_root: out.cert("iv-root", root),
        c_pca: out.cert("iv-pca", pca),
        c_eoc: out.cert("iv-eoc", eoc),
    }
}

/// An RFC 3161 timestamp at 2026-03-02 by a TSA under the Identity Verification root.
fn iv_timestamp(root: &'static Cert, k_root: &'static Key) -> Timestamp<'static> {
    let (k_tsaca, k_tsa) = (key(KEY_TSACA), key(KEY_TSA));
    let tsa_ca = ca_cert(
        0x6005,
        "Test Public RSA Timestamping CA 2020",
        (unix(2020, 11, 19), unix(2035, 11, 19)),
        Some(0),
        k_tsaca,
        Some((root, k_root)),
    );
    let tsa = leak(issue(
        &CertSpec {
            serial: 0x6006,
            subject: "Test Time-Stamp Service",
            not_before: unix(2025, 1, 1),
            not_after: unix(2030, 1, 1),
            ca: None,
            eku: &[EKU_TIME_STAMPING],
            hash: Hash::Sha256,
        },
        k_tsa,
        Some((tsa_ca, k_tsaca)),
    ));
    Timestamp {
        kind: TimestampKind::Rfc3161,
        key: k_tsa,
        cert: tsa,
        time: unix(2026, 3, 2),
        wrong_imprint: false,
        chain: leak([tsa_ca]),
    }
}

/// What is missing as certificates are taken away, and what closes the path.
fn iv_path_cases(c: &Ctx<'_>, iv: &Iv) {
    let out = &c.out;
    let ctl_listed = &iv.ctl_listed;
    let both = [(0, "signer"), (0, "timestamp")];
    iv.case(
        c,
        "iv-valid",
        [&[&iv.c_root], &[], &[], &[]],
        json!({ "status": "valid", "chain": "trusted", "anchor_sha1": sha1(iv.root), "missing": [],
                "why": "root trusted; leaf valid at its timestamp (2026-03-02), 72-hour leaf long expired at AT" }),
    );
    iv.case(c, "iv-missing-root-named-by-ctl", [&[], &[], &[ctl_listed], &[]],
        json!({ "status": "untrusted", "chain": "missing_root",
                "missing": [missing("root", iv.root, &both)],
                "why": "the CTL lists the root (name MD5, key id) but the store lacks it: signer and TSA chains both need it" }));
    out.case(
        "iv-missing-root-embedded",
        json!({ "file": iv.signed_root_embedded, "trust": c.trust(&[], &[], &[], &[]),
                "status": "untrusted", "chain": "missing_root",
                "missing": [missing("root", iv.root, &both)],
                "why": "the file carries the self-signed root, which is never an anchor; the TSA chain sees the outer certificates too" }),
    );
    out.case(
        "iv-missing-intermediate",
        json!({ "file": iv.signed_leaf_only, "trust": c.trust(&[&iv.c_root], &[], &[], &[]),
                "status": "untrusted", "chain": "missing_issuer",
                "missing": [{ "store": "unknown", "subject_cn": "Test ID Verified CS EOC CA 01",
                              "key_id": hex::encode(&iv.eoc.key_id), "needed_by": [{"signature": 0, "chain": "signer"}] }],
                "why": "only the leaf is embedded: its issuer is named by subject and key id" }),
    );
    out.case(
        "iv-missing-pca-after-eoc-supplied",
        json!({ "file": iv.signed_leaf_only, "trust": c.trust(&[&iv.c_root], &[&iv.c_eoc], &[], &[]),
                "status": "untrusted", "chain": "missing_issuer",
                "missing": [{ "store": "unknown", "subject_cn": "Test ID Verified Code Signing PCA 2021",
                              "key_id": hex::encode(&iv.pca.key_id), "needed_by": [{"signature": 0, "chain": "signer"}] }],
                "why": "with the EOC CA supplied, the next gap is the PCA" }),
    );
    out.case(
        "iv-intermediates-supplied",
        json!({ "file": iv.signed_leaf_only, "trust": c.trust(&[&iv.c_root], &[&iv.c_eoc, &iv.c_pca], &[], &[]),
                "status": "valid", "chain": "trusted", "anchor_sha1": sha1(iv.root), "missing": [],
                "why": "intermediates from the store complete the path" }),
    );
}

/// CTL property 9 (the root's EKUs), and two lists of the same program: the newer
/// (higher sequenceNumber, later ThisUpdate) decides whatever the load order (issue 14).
fn iv_ctl_purpose_cases(c: &Ctx<'_>, iv: &Iv) {
    let ts_only = || iv.subject(Some(&[EKU_TIME_STAMPING]), (None, None), (None, None));
    let ctl_listed = &iv.ctl_listed;
    let ctl_ts_only = c.ctl("iv-timestamping-only.stl", sign::ROOT_LIST_SIGNER, &[ts_only()]);
    iv.case(
        c,
        "iv-ctl-eku-restricted",
        [&[&iv.c_root], &[], &[&ctl_ts_only], &[]],
        json!({ "status": "untrusted", "chain": "root_not_trusted_for_purpose", "missing": [],
                "why": "CTL property 9 lists only timeStamping" }),
    );
    let newer = c.ctl_this_update + 86_400;
    let ctl_ts_only_newer = c.ctl_at(
        "iv-timestamping-only-newer.stl",
        sign::ROOT_LIST_SIGNER,
        &[ts_only()],
        newer,
    );
    let ctl_listed_newer = c.ctl_at("iv-listed-newer.stl", sign::ROOT_LIST_SIGNER, &[iv.listed()], newer);
    for (name, lists, status, chain, why) in [
        (
            "iv-ctl-newest-restricts-loaded-last",
            [ctl_listed, &ctl_ts_only_newer],
            "untrusted",
            "root_not_trusted_for_purpose",
            "the newer list restricts the root to timeStamping; it was loaded last",
        ),
        (
            "iv-ctl-newest-restricts-loaded-first",
            [&ctl_ts_only_newer, ctl_listed],
            "untrusted",
            "root_not_trusted_for_purpose",
            "the newer list restricts the root to timeStamping; it was loaded first",
        ),
        (
            "iv-ctl-newest-permits-loaded-last",
            [&ctl_ts_only, &ctl_listed_newer],
            "valid",
            "trusted",
            "the older list restricted the root; the newer one, loaded last, lifts it",
        ),
        (
            "iv-ctl-newest-permits-loaded-first",
            [&ctl_listed_newer, &ctl_ts_only],
            "valid",
            "trusted",
            "the older list restricted the root; the newer one, loaded first, lifts it",
        ),
    ] {
        iv.case(
            c,
            name,
            [&[&iv.c_root], &[], &[lists[0], lists[1]], &[]],
            json!({ "status": status, "chain": chain, "missing": [], "why": why }),
        );
    }
}

/// The CTL's NotBefore (property 126/127) and disable dates (property 104/122) against
/// the leaf's issuance and the timestamp.
fn iv_ctl_date_cases(c: &Ctx<'_>, iv: &Iv) {
    let list = |file: &str, s: CtlSubject<'static>| c.ctl(file, sign::ROOT_LIST_SIGNER, &[s]);
    let jan = Some(unix(2026, 1, 1));
    let feb = Some(unix(2026, 2, 1));
    let ctl_not_before = list(
        "iv-notbefore-2026-01-01.stl",
        iv.subject(Some(CS_TS), (None, None), (jan, None)),
    );
    let ctl_not_before_other = list(
        "iv-notbefore-serverauth-only.stl",
        iv.subject(Some(CS_TS), (None, None), (jan, Some(&[EKU_SERVER_AUTH]))),
    );
    let ctl_disabled_before = list(
        "iv-disabled-2026-02-01.stl",
        iv.subject(Some(CS_TS), (feb, None), (None, None)),
    );
    let ctl_disabled_cs_before = list(
        "iv-disabled-codesigning-2026-02-01.stl",
        iv.subject(Some(CS_TS), (feb, Some(&[EKU_CODE_SIGNING])), (None, None)),
    );
    let ctl_disabled_after = list(
        "iv-disabled-2026-04-01.stl",
        iv.subject(Some(CS_TS), (Some(unix(2026, 4, 1)), None), (None, None)),
    );
    let root = [&iv.c_root];
    iv.case(
        c,
        "iv-ctl-notbefore",
        [&root, &[], &[&ctl_not_before], &[]],
        json!({ "status": "untrusted", "chain": "root_disabled", "missing": [],
                "why": "CTL NotBefore 2026-01-01 (no EKU scope): the leaf was issued 2026-03-01, after it" }),
    );
    iv.case(
        c,
        "iv-ctl-notbefore-other-eku",
        [&root, &[], &[&ctl_not_before_other], &[]],
        json!({ "status": "valid", "chain": "trusted", "anchor_sha1": sha1(iv.root), "missing": [],
                "why": "the NotBefore date is scoped (property 127) to serverAuth only" }),
    );
    iv.case(c, "iv-ctl-disabled-codesigning-before-timestamp", [&root, &[], &[&ctl_disabled_cs_before], &[]],
        json!({ "status": "untrusted", "chain": "root_disabled", "timestamp_chain": "trusted", "missing": [],
                "why": "CTL disable date 2026-02-01 scoped (property 122) to codeSigning precedes the timestamp 2026-03-02; the TSA chain is unaffected" }));
    iv.case(c, "iv-ctl-disabled-before-timestamp", [&root, &[], &[&ctl_disabled_before], &[]],
        json!({ "status": "untrusted", "chain": "expired", "timestamp_chain": "root_disabled", "missing": [],
                "why": "the unscoped disable date 2026-02-01 also disables the TSA chain at 2026-03-02, so the timestamp is invalid and the 72-hour leaf is judged at AT: expired" }));
    iv.case(
        c,
        "iv-ctl-disabled-after-timestamp",
        [&root, &[], &[&ctl_disabled_after], &[]],
        json!({ "status": "valid", "chain": "trusted", "anchor_sha1": sha1(iv.root), "missing": [],
                "why": "signatures timestamped before the disable date (2026-04-01) keep validating" }),
    );
}

/// The EOC CA distrusted by a disallowed CTL and by the user.
fn iv_distrust_cases(c: &Ctx<'_>, iv: &Iv) {
    let ctl_disallowed_eoc = c.ctl(
        "disallowed-eoc.stl",
        sign::DISALLOWED_LIST,
        &[CtlSubject {
            cert: iv.eoc,
            friendly_name: "Test ID Verified CS EOC CA 01",
            ekus: None,
            disabled_at: None,
            disabled_ekus: None,
            not_before: None,
            not_before_ekus: None,
        }],
    );
    iv.case(
        c,
        "iv-disallowed-ctl",
        [&[&iv.c_root], &[], &[&ctl_disallowed_eoc], &[]],
        json!({ "status": "untrusted", "chain": "distrusted", "missing": [],
                "why": "disallowedcert.stl lists the EOC CA" }),
    );
    iv.case(
        c,
        "iv-distrusted-certificate",
        [&[&iv.c_root], &[], &[], &[&iv.c_eoc]],
        json!({ "status": "untrusted", "chain": "distrusted", "missing": [],
                "why": "the user distrusts the EOC CA" }),
    );
}

/// A root listed for code signing and time stamping, nothing else set.
fn listed(cert: &'static Cert, friendly_name: &'static str) -> CtlSubject<'static> {
    CtlSubject {
        cert,
        friendly_name,
        ekus: Some(CS_TS),
        disabled_at: None,
        disabled_ekus: None,
        not_before: None,
        not_before_ekus: None,
    }
}

/// A case verifying `file` against these anchors and CTLs, with the rest of the
/// expectation in `expect`.
fn case_with(c: &Ctx<'_>, name: &str, file: &str, anchors: &[&String], lists: &[&String], mut expect: Value) {
    expect["file"] = json!(file);
    expect["trust"] = json!(c.trust(anchors, &[], lists, &[]));
    c.out.case(name, expect);
}

/// G4-like: a root that exists self-signed and cross-signed by an older root.
fn g4_cross_signed(c: &Ctx<'_>) {
    let out = &c.out;
    let (k_g4, k_assured, k_inter, k_leaf) = (key(KEY_G4), key(KEY_ASSURED), key(KEY_INTER), key(KEY_LEAF));
    let assured = ca_cert(
        0x7001,
        "Test Assured ID Root CA",
        (unix(2006, 11, 10), unix(2031, 11, 10)),
        None,
        k_assured,
        None,
    );
    let g4_name = "Test Trusted Root G4";
    let g4 = ca_cert(0x7002, g4_name, (unix(2013, 8, 1), unix(2038, 1, 15)), None, k_g4, None);
    let g4_cross = ca_cert(
        0x7003,
        g4_name,
        (unix(2022, 8, 1), unix(2031, 11, 9)),
        None,
        k_g4,
        Some((assured, k_assured)),
    );
    let g4_cs = ca_cert(
        0x7004,
        "Test G4 Code Signing RSA4096 SHA384 2021 CA1",
        (unix(2021, 4, 29), unix(2036, 4, 28)),
        Some(0),
        k_inter,
        Some((g4, k_g4)),
    );
    let leaf = leak(issue(
        &leaf_spec(0x7005, "Test G4 Publisher", unix(2026, 1, 1), unix(2027, 1, 1)),
        k_leaf,
        Some((g4_cs, k_inter)),
    ));
    let f_g4 = out.file("g4-signed.exe", &plain(leaf, vec![leaf, g4_cs, g4_cross], 41));
    let f_g4_root = out.file("g4-signed-root-embedded.exe", &plain(leaf, vec![leaf, g4_cs, g4], 46));
    let c_g4 = out.cert("g4-root", g4);
    let c_assured = out.cert("assured-root", assured);
    out.cert("g4-cross", g4_cross);
    let g4_disabled = CtlSubject {
        disabled_at: Some(unix(2026, 1, 1)),
        ..listed(g4, g4_name)
    };
    let ctl_g4_disabled = c.ctl("g4-disabled.stl", sign::ROOT_LIST_SIGNER, &[g4_disabled]);
    case_with(
        c,
        "g4-self-signed-anchor",
        &f_g4,
        &[&c_g4],
        &[],
        json!({ "status": "valid", "chain": "trusted", "anchor_sha1": sha1(g4), "missing": [],
                "why": "the self-signed G4 closes the path" }),
    );
    case_with(
        c,
        "g4-missing-root-embedded",
        &f_g4_root,
        &[&c_assured],
        &[],
        json!({ "status": "untrusted", "chain": "missing_root",
                "missing": [missing("root", g4, &[(0, "signer")])],
                "why": "the file carries the self-signed G4 and no cross-certificate: the store's Assured ID root cannot be reached" }),
    );
    case_with(
        c,
        "g4-via-cross-certificate",
        &f_g4,
        &[&c_assured],
        &[],
        json!({ "status": "valid", "chain": "trusted", "anchor_sha1": sha1(assured), "missing": [],
                "why": "only the older root is trusted: the embedded cross-certificate reaches it" }),
    );
    case_with(
        c,
        "g4-disabled-root-does-not-hide-cross-path",
        &f_g4,
        &[&c_g4, &c_assured],
        &[&ctl_g4_disabled],
        json!({ "status": "valid", "chain": "trusted", "anchor_sha1": sha1(assured), "missing": [],
                "why": "the CTL disables the self-signed G4 (tried first); backtracking finds the Assured ID path" }),
    );
}

/// The AddTrust-like hierarchy: two roots, USERTrust's cross-certificate from AddTrust
/// (expired 2020-05-30), a publisher under USERTrust signed in 2018 and in 2022.
struct AddTrust {
    addtrust: &'static Cert,
    usertrust: &'static Cert,
    /// Signed 2018 (the cross-certificate embedded).
    signed_2018: String,
    /// Signed 2022 (the cross-certificate embedded).
    signed: String,
    c_addtrust: String,
    c_usertrust: String,
    /// AddTrust restricted as the real CTL restricts it, and USERTrust listed.
    ctl_restricted: String,
}

/// AddTrust-like: a cross-certificate from an older root that expired.
fn addtrust_expired_cross(c: &Ctx<'_>) {
    let a = addtrust_hierarchy(c);
    addtrust_cases(c, &a);
}

fn addtrust_hierarchy(c: &Ctx<'_>) -> AddTrust {
    let out = &c.out;
    let (k_pca, k_usertrust, k_addtrust, k_leaf) = (key(KEY_PCA), key(KEY_USERTRUST), key(KEY_ADDTRUST), key(KEY_LEAF));
    let until_2020 = (unix(2000, 5, 30), unix(2020, 5, 30));
    let addtrust = ca_cert(
        0x8001,
        "Test AddTrust External CA Root",
        until_2020,
        None,
        k_addtrust,
        None,
    );
    let usertrust_name = "Test USERTrust RSA Certification Authority";
    let usertrust = ca_cert(
        0x8002,
        usertrust_name,
        (unix(2010, 2, 1), unix(2038, 1, 18)),
        None,
        k_usertrust,
        None,
    );
    let usertrust_cross = ca_cert(
        0x8003,
        usertrust_name,
        until_2020,
        None,
        k_usertrust,
        Some((addtrust, k_addtrust)),
    );
    let sectigo_cs = ca_cert(
        0x8004,
        "Test Sectigo RSA Code Signing CA",
        (unix(2018, 11, 2), unix(2030, 12, 31)),
        Some(0),
        k_pca,
        Some((usertrust, k_usertrust)),
    );
    let publisher = |serial, subject, nb, na| {
        leak(issue(
            &leaf_spec(serial, subject, nb, na),
            k_leaf,
            Some((sectigo_cs, k_pca)),
        ))
    };
    let st_leaf = publisher(0x8005, "Test Sectigo Publisher", unix(2022, 1, 1), unix(2027, 1, 1));
    let st_leaf_2018 = publisher(
        0x8006,
        "Test Sectigo Publisher 2018",
        unix(2018, 12, 1),
        unix(2021, 12, 1),
    );
    let f_st_2018 = out.file(
        "usertrust-signed-2018.exe",
        &plain(st_leaf_2018, vec![st_leaf_2018, sectigo_cs, usertrust_cross], 45),
    );
    let f_st = out.file(
        "usertrust-signed.exe",
        &plain(st_leaf, vec![st_leaf, sectigo_cs, usertrust_cross], 42),
    );
    let c_addtrust = out.cert("addtrust-root", addtrust);
    let c_usertrust = out.cert("usertrust-root", usertrust);
    out.cert("usertrust-cross", usertrust_cross);
    // AddTrust with the real CTL's NotBefore 2021-04-01 and disable date 2023-02-01.
    let addtrust_restricted = CtlSubject {
        disabled_at: Some(unix(2023, 2, 1)),
        not_before: Some(unix(2021, 4, 1)),
        ..listed(addtrust, "Test Sectigo (AddTrust)")
    };
    let ctl_addtrust = c.ctl(
        "addtrust-restricted.stl",
        sign::ROOT_LIST_SIGNER,
        &[addtrust_restricted, listed(usertrust, usertrust_name)],
    );
    AddTrust {
        addtrust,
        usertrust,
        signed_2018: f_st_2018,
        signed: f_st,
        c_addtrust,
        c_usertrust,
        ctl_restricted: ctl_addtrust,
    }
}

/// Which root closes the chain, when, and what the CTL changes.
fn addtrust_cases(c: &Ctx<'_>, a: &AddTrust) {
    let (addtrust, usertrust) = (a.addtrust, a.usertrust);
    let (f_st_2018, f_st) = (&a.signed_2018, &a.signed);
    let (c_addtrust, c_usertrust, ctl_addtrust) = (&a.c_addtrust, &a.c_usertrust, &a.ctl_restricted);
    let in_2019 = |mut v: Value| {
        v["at"] = json!("2019-06-01T00:00:00Z");
        v
    };
    case_with(
        c,
        "addtrust-only-before-2020",
        f_st_2018,
        &[c_addtrust],
        &[],
        in_2019(
            json!({ "status": "valid", "chain": "trusted", "anchor_sha1": sha1(addtrust), "missing": [],
                "why": "in 2019 the cross-certificate is valid: a store holding only AddTrust closes the chain through it" }),
        ),
    );
    case_with(
        c,
        "usertrust-only-before-2020",
        f_st_2018,
        &[c_usertrust],
        &[],
        in_2019(
            json!({ "status": "valid", "chain": "trusted", "anchor_sha1": sha1(usertrust), "missing": [],
                "why": "a store holding only the self-signed USERTrust closes the same chain without the cross-certificate" }),
        ),
    );
    case_with(
        c,
        "addtrust-only-expired-cross",
        f_st,
        &[c_addtrust],
        &[],
        json!({ "status": "untrusted", "chain": "expired", "missing": [],
                "why": "the only anchor is reached through the cross-certificate that expired 2020-05-30" }),
    );
    case_with(
        c,
        "addtrust-and-usertrust",
        f_st,
        &[c_addtrust, c_usertrust],
        &[],
        json!({ "status": "valid", "chain": "trusted", "anchor_sha1": sha1(usertrust), "missing": [],
                "why": "the expired cross path must not hide the self-signed USERTrust path" }),
    );
    case_with(
        c,
        "addtrust-ctl-restricted",
        f_st,
        &[c_addtrust, c_usertrust],
        &[ctl_addtrust],
        json!({ "status": "valid", "chain": "trusted", "anchor_sha1": sha1(usertrust), "missing": [],
                "why": "AddTrust carries the real CTL NotBefore 2021-04-01 / disable 2023-02-01" }),
    );
    case_with(
        c,
        "addtrust-missing-usertrust-named-by-ctl",
        f_st,
        &[c_addtrust],
        &[ctl_addtrust],
        json!({ "status": "untrusted", "chain": "missing_root",
                "missing": [missing("root", usertrust, &[(0, "signer")])],
                "why": "installing USERTrust closes the chain; the AddTrust path is expired and CTL-disabled" }),
    );
}

/// Bounds: a 50-long chain and a certificate loop.
fn bounds(c: &Ctx<'_>) {
    let out = &c.out;
    let k_inter = key(KEY_INTER);
    let k_leaf = key(KEY_LEAF);
    let trust = |anchors: &[&String], intermediates: &[&String], lists: &[&String], distrusted: &[&String]| {
        c.trust(anchors, intermediates, lists, distrusted)
    };
    let plain = |leaf: &'static Cert, chain: Vec<&'static Cert>, seed| plain(leaf, chain, seed);
    let c_iv_root = "certs/iv-root.crt".to_string();
    // ---- Bounds: a 50-long chain and a certificate loop --------------------------------
    let k_loop_a = key(include_str!("../keys/ca-loop-a.pem"));
    let k_loop_b = key(include_str!("../keys/ca-loop-b.pem"));
    let long_root = leak(issue(
        &ca(0x9000, "Test Long Chain Root", unix(2020, 1, 1), unix(2040, 1, 1), None),
        k_inter,
        None,
    ));
    let mut long: Vec<&'static Cert> = Vec::new();
    let mut parent = long_root;
    for i in 1..=50u64 {
        let subject: &'static str = Box::leak(format!("Test Long Chain CA {i}").into_boxed_str());
        let c = leak(issue(
            &ca(0x9000 + i, subject, unix(2020, 1, 1), unix(2040, 1, 1), None),
            k_inter,
            Some((parent, k_inter)),
        ));
        long.push(c);
        parent = c;
    }
    let long_leaf = leak(issue(
        &leaf_spec(0x9100, "Test Long Chain Publisher", unix(2026, 1, 1), unix(2027, 1, 1)),
        k_leaf,
        Some((parent, k_inter)),
    ));
    let mut long_embedded = vec![long_leaf];
    long_embedded.extend(long.iter().rev());
    let f_long = out.file("long-chain-50.exe", &plain(long_leaf, long_embedded, 43));
    let c_long_root = out.cert("long-chain-root", long_root);
    out.case(
        "long-chain-50",
        json!({ "file": f_long, "trust": trust(&[&c_long_root], &[], &[], &[]),
                "status": "untrusted", "chain": "budget_exceeded", "missing": [],
                "why": "51 certificates to the anchor exceed the depth budget (12): a typed result, not a hang" }),
    );
    // Loop: A is issued by B and B by A; the leaf is issued by A.
    let loop_a_self = issue(
        &ca(0x9201, "Test Loop CA A", unix(2020, 1, 1), unix(2040, 1, 1), None),
        k_loop_a,
        None,
    );
    let loop_b = leak(issue(
        &ca(0x9202, "Test Loop CA B", unix(2020, 1, 1), unix(2040, 1, 1), None),
        k_loop_b,
        Some((&loop_a_self, k_loop_a)),
    ));
    let loop_a = leak(issue(
        &ca(0x9203, "Test Loop CA A", unix(2020, 1, 1), unix(2040, 1, 1), None),
        k_loop_a,
        Some((loop_b, k_loop_b)),
    ));
    let loop_leaf = leak(issue(
        &leaf_spec(0x9204, "Test Loop Publisher", unix(2026, 1, 1), unix(2027, 1, 1)),
        k_leaf,
        Some((loop_a, k_loop_a)),
    ));
    let f_loop = out.file("loop.exe", &plain(loop_leaf, vec![loop_leaf, loop_a, loop_b], 44));
    out.case(
        "certificate-loop",
        json!({ "file": f_loop, "trust": trust(&[&c_iv_root], &[], &[], &[]),
                "status": "untrusted", "chain": "missing_issuer",
                "missing": [{ "store": "unknown", "subject_cn": "Test Loop CA A",
                              "key_id": hex::encode(&loop_a.key_id), "needed_by": [{"signature": 0, "chain": "signer"}] }],
                "why": "A -> B -> A is cut by loop detection; what is missing is an issuer of B outside the loop" }),
    );
}
