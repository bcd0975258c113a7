//! Vectors for the rules that protect a verdict (issue 14), written to
//! test-vectors/hardening/ with manifest.json. Each states, from how it was built, the
//! verdict under both presets: file status, the primary signer's chain status, whether its
//! timestamp is valid, and the finding that decided (rule id, effect, a phrase of its text).
//!
//! Trust: the test root plus the two extra anchors written to hardening/roots/ (an expired
//! root and a root restricted to serverAuth).

use std::path::Path;

use crate::manifest::{self, ExpectedFinding, HardeningManifest, HardeningVector, Outcome, Status};

use crate::asn1::{ctx, null, oid, seq, set, unix, utf8};
use crate::pki::{self, ca_spec, issue, issue_tweaked, leaf_spec, Cert, CertSpec, Hash, Key, Tweak};
use crate::sign::{self, Form, Signer, Timestamp, TimestampKind};
use crate::vectors::Pki;

const EVALUATED_AT: &str = "2026-06-01T00:00:00Z";

/// One preset's expectation.
fn expect(status: Status, chain: &str, timestamp_valid: Option<bool>, finding: Option<ExpectedFinding>) -> Outcome {
    Outcome {
        chain_status: chain.into(),
        finding,
        status,
        timestamp_valid,
    }
}

/// The deciding finding is a refusal of `rule` whose text contains `phrase` (the
/// certificate, extension or rule it names).
fn refused(rule: &str, phrase: &str) -> Option<ExpectedFinding> {
    Some(ExpectedFinding::refusal(rule, phrase))
}

/// A leniency of `rule` the verdict relied on.
fn relaxed(rule: &str, phrase: &str) -> Option<ExpectedFinding> {
    Some(ExpectedFinding::leniency(rule, phrase))
}

/// Reported for information (an embedded certificate that does not parse).
fn reported(rule: &str, phrase: &str) -> Option<ExpectedFinding> {
    Some(ExpectedFinding::information(rule, phrase))
}

struct Out<'a> {
    dir: &'a Path,
    vectors: Vec<HardeningVector>,
}

impl Out<'_> {
    /// A vector whose outcome is the same under both presets.
    fn write_both(&mut self, name: &str, bytes: &[u8], why: &str, outcome: Outcome) {
        self.write(name, bytes, why, outcome.clone(), outcome);
    }

    fn write(&mut self, name: &str, bytes: &[u8], why: &str, windows: Outcome, strict: Outcome) {
        std::fs::write(self.dir.join(name), bytes).expect("write hardening vector");
        self.vectors.push(HardeningVector {
            file: name.into(),
            sha256: hex::encode(Hash::Sha256.digest(bytes)),
            strict,
            why: why.into(),
            windows,
        });
    }
}

fn leak(c: Cert) -> &'static Cert {
    Box::leak(Box::new(c))
}

/// A Name with only O=`org` (a directoryName subtree above every test name, or beside it).
fn org(o: &str) -> Vec<u8> {
    seq(&[&set(&[&seq(&[&oid("2.5.4.10"), &utf8(o)])])])
}

pub(crate) fn write(dir: &Path, p: &'static Pki, pe: &[u8]) {
    std::fs::create_dir_all(dir.join("roots")).expect("mkdir hardening");
    let mut out = Out {
        dir,
        vectors: Vec::new(),
    };
    weak_hashes(&mut out, p, pe);
    signature_hashes(&mut out, p, pe);
    certificate_extensions(&mut out, p, pe);
    basic_constraints(&mut out, p, pe);
    name_constraints(&mut out, p, pe);
    anchors(&mut out, p, pe);
    timestamps(&mut out, p, pe);
    timestamps_that_do_not_count(&mut out, p, pe);
    md5_countersignatures(&mut out, p, pe);
    let trust = [
        "pki/root.crt",
        "hardening/roots/expired-2020.crt",
        "hardening/roots/server-auth-only.crt",
    ];
    let manifest = HardeningManifest {
        evaluated_at: EVALUATED_AT.into(),
        generator: crate::vectors::GENERATOR.into(),
        trust: trust.iter().map(|t| (*t).to_string()).collect(),
        vectors: out.vectors,
    };
    manifest::write(&dir.join("manifest.json"), &manifest);
}

/// A timestamp by `cert` (signing with `key`) asserting `time`.
fn ts(kind: TimestampKind, key: &'static Key, cert: &'static Cert, time: u64) -> Timestamp<'static> {
    Timestamp {
        kind,
        key,
        cert,
        time,
        wrong_imprint: false,
        chain: &[],
    }
}

/// The validity window of the leaves built here.
fn window() -> (u64, u64) {
    (unix(2025, 1, 1), unix(2028, 1, 1))
}

/// The test leaf signing `pe` under `ca`.
fn sign_under(p: &'static Pki, pe: &[u8], ca: &'static Cert, leaf: &'static Cert, form: Form) -> Vec<u8> {
    let s = Signer {
        form,
        ..Signer::new(&p.leaf_key, leaf, vec![leaf, ca])
    };
    sign::sign(pe, &s, &[])
}

/// A CA under the test root built with `tweak` (and `hash` for its own signature), and a
/// leaf under it.
fn tweaked_ca(
    p: &'static Pki,
    serial: u64,
    subject: &'static str,
    hash: Hash,
    tweak: Tweak<'static>,
) -> (&'static Cert, &'static Cert) {
    let (from, to) = window();
    let ca = leak(issue_tweaked(
        &CertSpec {
            hash,
            ..ca_spec(serial, subject, Some(0))
        },
        &p.inter_key,
        Some((&p.root, &p.root_key)),
        &tweak,
    ));
    let leaf = leak(issue(
        &leaf_spec(serial + 0x100, "Authverify Test Signer Under Tweaked CA", from, to),
        &p.leaf_key,
        Some((ca, &p.inter_key)),
    ));
    (ca, leaf)
}

/// MD5-signed certificates on the path (Flame-class).
fn weak_hashes(out: &mut Out<'_>, p: &'static Pki, pe: &[u8]) {
    let window = window();
    // --- Weak hashes wherever they appear.
    let (ca, leaf) = tweaked_ca(p, 0x5001, "Authverify Test MD5-Signed CA", Hash::Md5, Tweak::default());
    out.write_both(
        "md5-signed-intermediate.exe",
        &sign_under(p, pe, ca, leaf, Form::default()),
        "the intermediate is signed with md5WithRSA (Flame-class)",
        expect(
            Status::Untrusted,
            "constraint_violation",
            None,
            refused("policy.allow_md5", "rejected by policy (allow_md5)"),
        ),
    );

    let md5_leaf = leak(issue(
        &CertSpec {
            hash: Hash::Md5,
            ..leaf_spec(0x5011, "Authverify Test MD5-Signed Signer", window.0, window.1)
        },
        &p.leaf_key,
        Some((&p.inter, &p.inter_key)),
    ));
    out.write_both(
        "md5-signed-leaf.exe",
        &sign_under(p, pe, &p.inter, md5_leaf, Form::default()),
        "the signer certificate is signed with md5WithRSA",
        expect(
            Status::Untrusted,
            "constraint_violation",
            None,
            refused("policy.allow_md5", "rejected by policy (allow_md5)"),
        ),
    );
}

/// The SignerInfo's signature algorithm against its digest algorithm, and a certificate
/// whose TBS algorithm differs from its outer one.
fn signature_hashes(out: &mut Out<'_>, p: &'static Pki, pe: &[u8]) {
    let window = window();
    let form = |h: Hash| Form {
        signature_hash: Some(h),
        ..Form::default()
    };
    out.write_both(
        "md5-signature-sha256-digest.exe",
        &sign_under(p, pe, &p.inter, &p.leaf, form(Hash::Md5)),
        "SignerInfo signatureAlgorithm md5WithRSA while digestAlgorithm says SHA-256: the hash really used is MD5",
        expect(
            Status::Invalid,
            "trusted",
            None,
            refused(
                "policy.allow_md5",
                "rejected by policy (allow_md5): signature algorithm uses md5",
            ),
        ),
    );
    // Windows hashes with the signature algorithm's hash and says nothing (leniency).
    let mismatch_accepted = expect(
        Status::Valid,
        "trusted",
        None,
        relaxed(
            "policy.accept_signature_hash_mismatch",
            "leniency accept_signature_hash_mismatch",
        ),
    );
    out.write(
        "sha1-signature-sha256-digest.exe",
        &sign_under(p, pe, &p.inter, &p.leaf, form(Hash::Sha1)),
        "signatureAlgorithm sha1WithRSA over a SHA-256 digestAlgorithm",
        mismatch_accepted.clone(),
        expect(
            Status::Invalid,
            "trusted",
            None,
            refused(
                "policy.allow_sha1",
                "rejected by policy (allow_sha1): signature algorithm uses sha1",
            ),
        ),
    );
    out.write(
        "sha384-signature-sha256-digest.exe",
        &sign_under(p, pe, &p.inter, &p.leaf, form(Hash::Sha384)),
        "signatureAlgorithm sha384WithRSA over a SHA-256 digestAlgorithm",
        mismatch_accepted.clone(),
        expect(
            Status::Invalid,
            "trusted",
            None,
            refused(
                "policy.accept_signature_hash_mismatch",
                "rejected by policy (accept_signature_hash_mismatch)",
            ),
        ),
    );

    let tbs_mismatch = leak(issue_tweaked(
        &leaf_spec(
            0x5021,
            "Authverify Test Signer TBS Algorithm Mismatch",
            window.0,
            window.1,
        ),
        &p.leaf_key,
        Some((&p.inter, &p.inter_key)),
        &Tweak {
            tbs_signature_hash: Some(Hash::Sha1),
            ..Tweak::default()
        },
    ));
    out.write_both("tbs-signature-algorithm-mismatch.exe", &sign_under(p, pe, &p.inter, tbs_mismatch, Form::default()),
        "the signer certificate's TBSCertificate says sha1WithRSA, its outer signatureAlgorithm sha256WithRSA (RFC 5280 4.1.1.2)", expect(
        Status::Invalid,
        "-",
        None,
        reported("certificates.unparsable", "differs from signatureAlgorithm"),
    ));
}

/// An unknown extension, critical and not.
fn certificate_extensions(out: &mut Out<'_>, p: &'static Pki, pe: &[u8]) {
    // --- Certificate extensions.
    let unknown = |critical| Tweak {
        extra_extensions: vec![("1.3.6.1.4.1.99999.7", critical, null())],
        ..Tweak::default()
    };
    let (ca, leaf) = tweaked_ca(
        p,
        0x5031,
        "Authverify Test CA With Critical Unknown Extension",
        Hash::Sha256,
        unknown(true),
    );
    out.write_both(
        "critical-unknown-extension.exe",
        &sign_under(p, pe, ca, leaf, Form::default()),
        "the intermediate carries an unknown extension marked critical",
        expect(
            Status::Untrusted,
            "constraint_violation",
            None,
            refused("chain.critical_extension", "1.3.6.1.4.1.99999.7"),
        ),
    );
    let (ca, leaf) = tweaked_ca(
        p,
        0x5041,
        "Authverify Test CA With Unknown Extension",
        Hash::Sha256,
        unknown(false),
    );
    out.write_both(
        "noncritical-unknown-extension.exe",
        &sign_under(p, pe, ca, leaf, Form::default()),
        "control: the same extension, not critical, is ignored",
        expect(Status::Valid, "trusted", None, None),
    );
}

/// basicConstraints twice (the certificate does not parse) or absent on a v3 issuer.
fn basic_constraints(out: &mut Out<'_>, p: &'static Pki, pe: &[u8]) {
    let (ca, leaf) = tweaked_ca(
        p,
        0x5051,
        "Authverify Test CA With Two Basic Constraints",
        Hash::Sha256,
        Tweak {
            duplicate_basic_constraints: true,
            ..Tweak::default()
        },
    );
    out.write_both(
        "duplicate-basic-constraints.exe",
        &sign_under(p, pe, ca, leaf, Form::default()),
        "the intermediate has basicConstraints twice, cA=FALSE first and cA=TRUE second: it is not a certificate",
        expect(
            Status::Untrusted,
            "missing_issuer",
            None,
            reported("certificates.unparsable", "appears more than once"),
        ),
    );

    let (ca, leaf) = tweaked_ca(
        p,
        0x5061,
        "Authverify Test CA Without Basic Constraints",
        Hash::Sha256,
        Tweak {
            omit_basic_constraints: true,
            ..Tweak::default()
        },
    );
    out.write(
        "issuer-without-basic-constraints.exe",
        &sign_under(p, pe, ca, leaf, Form::default()),
        "a v3 intermediate without basicConstraints (keyUsage keyCertSign present)",
        expect(
            Status::Valid,
            "trusted",
            None,
            relaxed(
                "policy.accept_issuer_without_basic_constraints",
                "leniency accept_issuer_without_basic_constraints",
            ),
        ),
        expect(
            Status::Untrusted,
            "constraint_violation",
            None,
            refused(
                "policy.accept_issuer_without_basic_constraints",
                "rejected by policy (accept_issuer_without_basic_constraints)",
            ),
        ),
    );
}

/// RFC 5280 name constraints: a directoryName subtree violated and satisfied, a dNSName
/// excluded.
fn name_constraints(out: &mut Out<'_>, p: &'static Pki, pe: &[u8]) {
    let window = window();
    let nc = |permitted: Vec<Vec<u8>>, excluded: Vec<Vec<u8>>| Tweak {
        extra_extensions: vec![("2.5.29.30", true, pki::name_constraints(&permitted, &excluded))],
        ..Tweak::default()
    };
    let (ca, leaf) = tweaked_ca(
        p,
        0x5071,
        "Authverify Test CA Constrained To Another Org",
        Hash::Sha256,
        nc(vec![ctx(4, true, &org("Another Org"))], vec![]),
    );
    out.write_both(
        "name-constraints-directory-violated.exe",
        &sign_under(p, pe, ca, leaf, Form::default()),
        "the intermediate permits only O=Another Org; the signer is O=Authverify Test PKI",
        expect(
            Status::Untrusted,
            "constraint_violation",
            None,
            refused("chain.name_constraints", "outside the permitted subtrees"),
        ),
    );
    let (ca, leaf) = tweaked_ca(
        p,
        0x5081,
        "Authverify Test CA Constrained To Its Org",
        Hash::Sha256,
        nc(vec![ctx(4, true, &org("Authverify Test PKI"))], vec![]),
    );
    out.write_both(
        "name-constraints-directory-satisfied.exe",
        &sign_under(p, pe, ca, leaf, Form::default()),
        "control: the intermediate permits O=Authverify Test PKI, the signer's organisation",
        expect(Status::Valid, "trusted", None, None),
    );

    let dns_ca = leak(issue_tweaked(
        &ca_spec(0x5091, "Authverify Test CA Excluding evil.example", Some(0)),
        &p.inter_key,
        Some((&p.root, &p.root_key)),
        &nc(vec![], vec![pki::dns_name("evil.example")]),
    ));
    let san_leaf = leak(issue_tweaked(
        &leaf_spec(0x5191, "Authverify Test Signer With DNS Name", window.0, window.1),
        &p.leaf_key,
        Some((dns_ca, &p.inter_key)),
        &Tweak {
            extra_extensions: vec![("2.5.29.17", false, seq(&[&pki::dns_name("www.evil.example")]))],
            ..Tweak::default()
        },
    ));
    out.write_both(
        "name-constraints-dns-excluded.exe",
        &sign_under(p, pe, dns_ca, san_leaf, Form::default()),
        "the intermediate excludes dNSName evil.example; the signer's subjectAltName is www.evil.example",
        expect(
            Status::Untrusted,
            "constraint_violation",
            None,
            refused("chain.name_constraints", "inside an excluded subtree"),
        ),
    );
}

/// The anchor is a certificate too: its validity and its EKU restrict the path.
fn anchors(out: &mut Out<'_>, p: &'static Pki, pe: &[u8]) {
    let (expired_root, server_root) = anchor_roots(out, p);
    expired_anchor(out, p, pe, expired_root);
    let (ca, leaf) = under_root(p, server_root, 0x5301, window());
    out.write_both(
        "root-eku-server-auth-only.exe",
        &sign_under(p, pe, ca, leaf, Form::default()),
        "the anchor's own EKU extension lists serverAuth only",
        expect(
            Status::Untrusted,
            "constraint_violation",
            None,
            refused("chain.extended_key_usage", "Authverify Test Root For Servers Only"),
        ),
    );
}

/// An expired root and a root restricted to serverAuth, written under roots/ with the
/// three anchors' PEM bundle.
fn anchor_roots(out: &mut Out<'_>, p: &'static Pki) -> (&'static Cert, &'static Cert) {
    let expired_root = leak(issue(
        &CertSpec {
            not_before: unix(2010, 1, 1),
            not_after: unix(2020, 1, 1),
            ..ca_spec(0x5101, "Authverify Test Root Expired 2020", None)
        },
        &p.root_key,
        None,
    ));
    let server_root = leak(issue(
        &CertSpec {
            eku: &["1.3.6.1.5.5.7.3.1"],
            ..ca_spec(0x5111, "Authverify Test Root For Servers Only", None)
        },
        &p.root_key,
        None,
    ));
    std::fs::write(out.dir.join("roots/expired-2020.crt"), &expired_root.der).expect("write root");
    std::fs::write(out.dir.join("roots/server-auth-only.crt"), &server_root.der).expect("write root");
    // The three anchors as one PEM bundle, for osslsigncode's -CAfile (the differential test).
    let bundle: String = [&p.root, expired_root, server_root]
        .iter()
        .map(|c| pki::pem(&c.der))
        .collect();
    std::fs::write(out.dir.join("roots/bundle.pem"), bundle).expect("write bundle");
    (expired_root, server_root)
}

/// A CA under `root` and a leaf valid over `leaf_window` under it.
fn under_root(
    p: &'static Pki,
    root: &'static Cert,
    serial: u64,
    leaf_window: (u64, u64),
) -> (&'static Cert, &'static Cert) {
    let ca = leak(issue(
        &CertSpec {
            not_before: unix(2010, 1, 1),
            ..ca_spec(serial, "Authverify Test CA Under Another Root", Some(0))
        },
        &p.inter_key,
        Some((root, &p.root_key)),
    ));
    let leaf = leak(issue(
        &leaf_spec(
            serial + 0x100,
            "Authverify Test Signer Under Another Root",
            leaf_window.0,
            leaf_window.1,
        ),
        &p.leaf_key,
        Some((ca, &p.inter_key)),
    ));
    (ca, leaf)
}

/// The expired anchor refused now, and accepted for a signature timestamped inside its
/// validity.
fn expired_anchor(out: &mut Out<'_>, p: &'static Pki, pe: &[u8], expired_root: &'static Cert) {
    let window = window();
    let (ca, leaf) = under_root(p, expired_root, 0x5201, window);
    out.write_both(
        "expired-root.exe",
        &sign_under(p, pe, ca, leaf, Form::default()),
        "the anchor expired 2020-01-01; the signature is judged at 2026-06-01",
        expect(
            Status::Untrusted,
            "expired",
            None,
            refused("chain.expired", "Authverify Test Root Expired 2020"),
        ),
    );
    let (ca, leaf) = under_root(p, expired_root, 0x5211, (unix(2018, 1, 1), unix(2019, 1, 1)));
    let stamped = Signer {
        timestamp: Some(ts(TimestampKind::Rfc3161, &p.tsa_key, &p.tsa, unix(2018, 6, 1))),
        ..Signer::new(&p.leaf_key, leaf, vec![leaf, ca])
    };
    // The test TSA and its root start 2019/2020: stamp with a TSA of 2015 under the expired
    // root, so that both chains are judged at 2018-06-01 inside that root's validity.
    let tsa2018 = leak(issue(
        &CertSpec {
            not_before: unix(2015, 1, 1),
            eku: &[pki::EKU_TIME_STAMPING],
            ca: None,
            ..ca_spec(0x5221, "Authverify Test TSA 2015", None)
        },
        &p.tsa_key,
        Some((expired_root, &p.root_key)),
    ));
    let stamped = Signer {
        timestamp: Some(ts(TimestampKind::Rfc3161, &p.tsa_key, tsa2018, unix(2018, 6, 1))),
        ..stamped
    };
    out.write_both(
        "expired-root-timestamped-inside.exe",
        &sign::sign(pe, &stamped, &[]),
        "control: the same expired root anchors a signature timestamped 2018-06-01, inside its validity",
        expect(Status::Valid, "trusted", Some(true), None),
    );
}

/// A timestamp at 2020-06-01, inside the expired signer's validity.
const IN_WINDOW: (u16, u8, u8) = (2020, 6, 1);

/// A TSA certificate without EKU (serial, subject), valid 2019–2040.
fn tsa_spec(serial: u64, subject: &'static str) -> CertSpec<'static> {
    CertSpec {
        not_before: unix(2019, 1, 1),
        not_after: unix(2040, 1, 1),
        eku: &[],
        ca: None,
        ..ca_spec(serial, subject, None)
    }
}

/// The signer that expired 2021-01-01, timestamped at [`IN_WINDOW`] by `cert` (signing with
/// `key`) embedding `chain`: only a valid timestamp saves it.
fn stamped_expired(
    p: &'static Pki,
    kind: TimestampKind,
    cert: &'static Cert,
    chain: &'static [&'static Cert],
) -> Signer<'static> {
    let (y, m, d) = IN_WINDOW;
    Signer {
        timestamp: Some(Timestamp {
            chain,
            ..ts(kind, &p.tsa_key, cert, unix(y, m, d))
        }),
        ..Signer::new(&p.leaf_key, &p.expired, vec![&p.expired, &p.inter])
    }
}

/// Timestamps: the TSA certificate's EKU, under a CA restricted to code signing and alone.
fn timestamps(out: &mut Out<'_>, p: &'static Pki, pe: &[u8]) {
    let code_only_ca = leak(issue(
        &CertSpec {
            eku: &[pki::EKU_CODE_SIGNING],
            ..ca_spec(0x5401, "Authverify Test Code-Signing-Only CA", Some(0))
        },
        &p.inter_key,
        Some((&p.root, &p.root_key)),
    ));
    let tsa_under_code_ca = leak(issue(
        &tsa_spec(0x5411, "Authverify Test TSA Without EKU Under Code CA"),
        &p.tsa_key,
        Some((code_only_ca, &p.inter_key)),
    ));
    let chain_code: &'static [&'static Cert] = Box::leak(Box::new([code_only_ca as &Cert]));
    out.write(
        "tsa-without-eku-under-code-signing-ca.exe",
        &sign::sign(
            pe,
            &stamped_expired(p, TimestampKind::Rfc3161, tsa_under_code_ca, chain_code),
            &[],
        ),
        "the TSA certificate has no EKU and its CA restricts EKU to codeSigning: its effective EKU lacks timeStamping",
        expect(
            Status::Untrusted,
            "expired",
            Some(false),
            refused("chain.extended_key_usage", "without timeStamping"),
        ),
        expect(
            Status::Untrusted,
            "expired",
            Some(false),
            refused("policy.require_leaf_eku", "rejected by policy (require_leaf_eku): TSA"),
        ),
    );
    let tsa_bare = leak(issue(
        &tsa_spec(0x5421, "Authverify Test TSA Without EKU"),
        &p.tsa_key,
        Some((&p.root, &p.root_key)),
    ));
    out.write(
        "tsa-without-eku.exe",
        &sign::sign(pe, &stamped_expired(p, TimestampKind::Rfc3161, tsa_bare, &[]), &[]),
        "the TSA certificate has no EKU under an unrestricted root (RFC 3161 2.3 requires timeStamping on it)",
        expect(
            Status::Valid,
            "trusted",
            Some(true),
            relaxed("policy.require_leaf_eku", "leniency require_leaf_eku: TSA"),
        ),
        expect(
            Status::Untrusted,
            "expired",
            Some(false),
            refused("policy.require_leaf_eku", "rejected by policy (require_leaf_eku): TSA"),
        ),
    );
}

/// Timestamps that do not count: an MD5-signed TSA certificate, a signer stamping itself;
/// and a PKCS#9 countersignature without contentType that Windows accepts.
fn timestamps_that_do_not_count(out: &mut Out<'_>, p: &'static Pki, pe: &[u8]) {
    let (y, m, d) = IN_WINDOW;
    let in_window = unix(y, m, d);
    // MD5 on the TSA path (Flame-class): the TSA certificate signed with md5WithRSA.
    let tsa_md5 = leak(issue(
        &CertSpec {
            eku: &[pki::EKU_TIME_STAMPING],
            hash: Hash::Md5,
            ..tsa_spec(0x5441, "Authverify Test TSA Signed With MD5")
        },
        &p.tsa_key,
        Some((&p.root, &p.root_key)),
    ));
    out.write_both("tsa-certificate-md5-signed.exe", &sign::sign(pe, &stamped_expired(p, TimestampKind::Rfc3161, tsa_md5, &[]), &[]),
        "the TSA certificate is signed with md5WithRSA: the timestamp does not count, and the expired signer is judged now", expect(
        Status::Untrusted,
        "expired",
        Some(false),
        refused("policy.allow_md5", "rejected by policy (allow_md5)"),
    ));

    let both_ekus = leak(issue(
        &CertSpec {
            eku: &[pki::EKU_CODE_SIGNING, pki::EKU_TIME_STAMPING],
            ..leaf_spec(
                0x5431,
                "Authverify Test Signer That Stamps Itself",
                unix(2020, 1, 1),
                unix(2021, 1, 1),
            )
        },
        &p.leaf_key,
        Some((&p.inter, &p.inter_key)),
    ));
    let self_stamped = Signer {
        timestamp: Some(ts(TimestampKind::Rfc3161, &p.leaf_key, both_ekus, in_window)),
        ..Signer::new(&p.leaf_key, both_ekus, vec![both_ekus, &p.inter])
    };
    out.write_both(
        "self-timestamped.exe",
        &sign::sign(pe, &self_stamped, &[]),
        "the expired signer timestamps its own signature (its certificate also has timeStamping)",
        expect(
            Status::Untrusted,
            "expired",
            Some(false),
            refused("timestamp.self_signed", "signer's own key"),
        ),
    );

    out.write(
        "pkcs9-without-content-type.exe",
        &sign::sign(
            pe,
            &stamped_expired(p, TimestampKind::Pkcs9WithoutContentType, &p.tsa, &[]),
            &[],
        ),
        "a PKCS#9 countersignature without contentType, as RFC 5652 11.1 requires; SHA-1 as every PKCS#9 TSA",
        expect(Status::Valid, "trusted", Some(true), None),
        expect(
            Status::Untrusted,
            "expired",
            Some(false),
            refused(
                "policy.allow_sha1_timestamps",
                "rejected by policy (allow_sha1_timestamps)",
            ),
        ),
    );
}

/// Legacy PKCS#9 countersignatures made with MD5 (issue 30): VeriSign's TSA wrote them in
/// 2005, with the bare MD5 in the RSA block. The signer expired before the evaluation time,
/// so the file is valid only if the timestamp counts. Both presets refuse the MD5 digest by
/// `allow_md5_countersignature` (Windows' default for MD5 timestamp hashes is not
/// documented; docs/ARCHITECTURE.md); with it on, both forms are otherwise sound.
fn md5_countersignatures(out: &mut Out<'_>, p: &'static Pki, pe: &[u8]) {
    let refused_md5 = || {
        expect(
            Status::Untrusted,
            "expired",
            Some(false),
            refused(
                "policy.allow_md5_countersignature",
                "rejected by policy (allow_md5_countersignature): SignerInfo digest algorithm uses md5",
            ),
        )
    };
    // The RFC 3161 counterpart: a token whose messageImprint is MD5. Not a legacy
    // countersignature, so only `allow_md5` admits it.
    out.write_both(
        "rfc3161-md5-imprint.exe",
        &sign::sign(
            pe,
            &stamped_expired(p, TimestampKind::Rfc3161Md5Imprint, &p.tsa, &[]),
            &[],
        ),
        "an RFC 3161 token whose messageImprint is the MD5 of the signature; the signer has expired",
        expect(
            Status::Untrusted,
            "expired",
            Some(false),
            refused(
                "policy.allow_md5",
                "rejected by policy (allow_md5): the messageImprint uses md5",
            ),
        ),
    );
    for (name, bare_hash, why) in [
        (
            "pkcs9-md5-bare-hash.exe",
            true,
            "a PKCS#9 countersignature made with MD5, the bare MD5 in its RSA block (VeriSign, 2005); the signer has expired",
        ),
        (
            "pkcs9-md5.exe",
            false,
            "a PKCS#9 countersignature made with MD5, its RSA block a DigestInfo(MD5); the signer has expired",
        ),
    ] {
        out.write_both(
            name,
            &sign::sign(pe, &stamped_expired(p, TimestampKind::Pkcs9Md5 { bare_hash }, &p.tsa, &[]), &[]),
            why,
            refused_md5(),
        );
    }
}
