//! Vectors for the install plan (issue 26): files whose chains lack a root that nobody
//! vouches for. Each is signed under a root built here and carried in the file itself, so
//! what the plan must say follows from how it was built:
//! * `own-root-embedded.exe`: a self-made root, named after nothing known. Not vouched
//!   for; vouched for by the user once `certs/own-root.crt` is given with `--vouch`.
//! * `impostor-g4-embedded.exe`: a root whose subject is, byte for byte, the subject of the
//!   real DigiCert Trusted Root G4 (SHA-1 ddfb16cd…, read from test-vectors/trust), with
//!   another key: an impostor, never listed under that name.
//! * `forged-g4-issuer-embedded.exe`: an intermediate carried in the file that names the
//!   real DigiCert Trusted Root G4 as its issuer (its subject and key identifier) but is
//!   signed with another key: installing G4 could never close the chain, so the plan must
//!   not ask for it (the red-team finding of issue 26).
//! * `hostile-name-embedded.exe`: a self-made root whose CN holds what cmd.exe, PowerShell
//!   and a text file would act on (`%~dp0`, `%PATH%`, `&`, `^`, `!`, `$(...)`, quotes, CR
//!   LF and a forged `certutil` line, U+202E): vouched for with `--vouch`, it is exported,
//!   and its name must stay inert in install.cmd, install.ps1 and README.txt (issue 27).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::asn1::unix;
use crate::pki::{ca_spec, issue, issue_tweaked, leaf_spec, Cert, Hash, Key, Tweak};

/// The real DigiCert Trusted Root G4, whose subject the impostor takes.
const REAL_G4: &[u8] =
    include_bytes!("../../../test-vectors/trust/anchors/ddfb16cd4931c973a2037d3fc83a4d7d775d05e4.crt");
/// Its published SHA-1 thumbprint.
pub const REAL_G4_SHA1: &str = "ddfb16cd4931c973a2037d3fc83a4d7d775d05e4";

/// What the plan vectors must yield.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanManifest {
    /// The instant the cases are judged at.
    pub evaluated_at: String,
    pub vectors: Vec<PlanVector>,
}

/// One vector: the root its chain lacks, and what is known of it by construction.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanVector {
    pub file: String,
    /// The root it carries, written beside it (for `--vouch`).
    pub root_file: String,
    /// That root's SHA-1.
    pub root_sha1: String,
    /// The built-in root whose subject it takes, when it is an impostor.
    pub impostor_of: Option<String>,
    pub why: String,
}

/// The subject Name DER of a certificate (TBSCertificate's sixth field).
fn subject_of(cert: &[u8]) -> Vec<u8> {
    use der::asn1::AnyRef;
    use der::{Decode, Encode, Reader, SliceReader};
    let outer = AnyRef::from_der(cert).expect("certificate");
    let mut r = SliceReader::new(outer.value()).expect("reader");
    let tbs = AnyRef::decode(&mut r).expect("tbs");
    let mut r = SliceReader::new(tbs.value()).expect("reader");
    let mut fields = Vec::new();
    while !r.is_finished() {
        fields.push(AnyRef::decode(&mut r).expect("field"));
    }
    fields.get(5).expect("subject").to_der().expect("encode")
}

/// The subjectKeyIdentifier of a certificate: the OCTET STRING after its OID (2.5.29.14).
fn subject_key_id_of(cert: &[u8]) -> Vec<u8> {
    let oid = [0x06, 0x03, 0x55, 0x1d, 0x0e];
    let at = cert.windows(oid.len()).position(|w| w == oid).expect("SKI extension");
    // OID, then OCTET STRING { OCTET STRING { key id } }.
    let rest = cert.get(at + oid.len()..).expect("SKI value");
    let inner = rest.get(2..).expect("extnValue");
    let len = usize::from(*inner.get(1).expect("key id length"));
    inner.get(2..2 + len).expect("key id").to_vec()
}

fn leak<T>(v: T) -> &'static T {
    Box::leak(Box::new(v))
}

pub fn write(dir: &Path) {
    std::fs::create_dir_all(dir.join("certs")).expect("mkdir plan/certs");
    let leaf_key = leak(Key::rsa(include_str!("../keys/leaf-rsa2048.pem")));
    let mut vectors = Vec::new();
    let mut one = |name: &str, root: &Cert, impostor_of: Option<&str>, seed: u64, why: &str| {
        let leaf = leak(issue(
            &leaf_spec(
                0x9100 + seed,
                "Authverify Plan Publisher",
                unix(2026, 1, 1),
                unix(2027, 1, 1),
            ),
            leaf_key,
            Some((root, root_key(seed))),
        ));
        let file = format!("{name}-embedded.exe");
        let bytes = crate::chains::plain(leaf, vec![leaf, leak(root.clone())], 0x9100 + seed);
        std::fs::write(dir.join(&file), bytes).expect("write vector");
        let root_file = format!("certs/{name}.crt");
        std::fs::write(dir.join(&root_file), &root.der).expect("write root");
        vectors.push(PlanVector {
            file,
            root_file,
            root_sha1: hex::encode(Hash::Sha1.digest(&root.der)),
            impostor_of: impostor_of.map(str::to_string),
            why: why.into(),
        });
    };
    let own = issue(&ca_spec(0x9001, "Authverify Plan Own Root", None), root_key(1), None);
    one(
        "own-root",
        &own,
        None,
        1,
        "signed under a self-made root that travels in the file: nobody vouches for it",
    );
    let impostor = issue_tweaked(
        &ca_spec(0x9002, "DigiCert Trusted Root G4", None),
        root_key(2),
        None,
        &Tweak {
            subject_name: Some(subject_of(REAL_G4)),
            ..Tweak::default()
        },
    );
    one(
        "impostor-g4",
        &impostor,
        Some(REAL_G4_SHA1),
        2,
        "a root with the real DigiCert Trusted Root G4's subject and another key: an impostor",
    );
    // The forged issuer: a "root" with G4's subject and the attacker's key signs the
    // intermediate; the intermediate's AKI claims G4's real key id. Only the intermediate
    // is carried: the file names G4 as what is missing.
    let forger = issue_tweaked(
        &ca_spec(0x9003, "DigiCert Trusted Root G4", None),
        root_key(3),
        None,
        &Tweak {
            subject_name: Some(subject_of(REAL_G4)),
            ..Tweak::default()
        },
    );
    let forged_inter = issue_tweaked(
        &ca_spec(0x9004, "Authverify Plan Forged CA", Some(0)),
        root_key(3),
        Some((&forger, root_key(3))),
        &Tweak {
            authority_key_id: Some(subject_key_id_of(REAL_G4)),
            ..Tweak::default()
        },
    );
    one(
        "forged-g4-issuer",
        &forged_inter,
        None,
        3,
        "an intermediate naming the real DigiCert Trusted Root G4 (subject and key id) as issuer, signed with another key: nothing to install",
    );
    let hostile = issue_tweaked(
        &ca_spec(0x9005, "Authverify Plan Hostile Name", None),
        root_key(4),
        None,
        &Tweak {
            subject_name: Some(hostile_name()),
            ..Tweak::default()
        },
    );
    one(
        "hostile-name",
        &hostile,
        None,
        4,
        "a self-made root whose name holds cmd.exe, PowerShell and line-breaking text: inert wherever it is written",
    );
    let manifest = PlanManifest {
        evaluated_at: "2026-06-01T00:00:00Z".into(),
        vectors,
    };
    crate::manifest::write(&dir.join("manifest.json"), &manifest);
}

/// The CN the hostile-name root carries (UTF8String, any bytes a Name may hold).
pub const HOSTILE_CN: &str = "Evil %~dp0 %PATH% & calc ^| !x! \"q\" $(Remove-Item C:\\x) `n\r\ncertutil -addstore -f Root evil.crt\r\n\u{202e}gpj.exe";

/// `CN=<HOSTILE_CN>` as raw DER.
fn hostile_name() -> Vec<u8> {
    use crate::asn1::{oid, seq, set, utf8};
    seq(&[&set(&[&seq(&[&oid("2.5.4.3"), &utf8(HOSTILE_CN)])])])
}

/// The roots' keys: fixed test keys, none of them a real root's.
fn root_key(seed: u64) -> &'static Key {
    match seed {
        1 => leak(Key::rsa(include_str!("../keys/ca-loop-a.pem"))),
        2 => leak(Key::rsa(include_str!("../keys/ca-loop-b.pem"))),
        4 => leak(Key::rsa(include_str!("../keys/ca-assured.pem"))),
        _ => leak(Key::rsa(include_str!("../keys/ca-ctlsigner.pem"))),
    }
}
