//! Fixed test keys (committed PEM, generated once with openssl) and certificates built
//! from them with fixed serials and dates: every run produces the same bytes.

use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use sha1::Digest as _;

use crate::asn1::*;

pub(crate) const SHA1: &str = "1.3.14.3.2.26";
pub(crate) const SHA256: &str = "2.16.840.1.101.3.4.2.1";
pub(crate) const SHA384: &str = "2.16.840.1.101.3.4.2.2";
pub(crate) const SHA512: &str = "2.16.840.1.101.3.4.2.3";
pub(crate) const EKU_CODE_SIGNING: &str = "1.3.6.1.5.5.7.3.3";
pub(crate) const EKU_TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";
pub(crate) const EKU_LIFETIME_SIGNING: &str = "1.3.6.1.4.1.311.10.3.13";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hash {
    Md5,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    pub fn oid(self) -> &'static str {
        match self {
            Hash::Md5 => "1.2.840.113549.2.5",
            Hash::Sha1 => SHA1,
            Hash::Sha256 => SHA256,
            Hash::Sha384 => SHA384,
            Hash::Sha512 => SHA512,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Hash::Md5 => "md5",
            Hash::Sha1 => "sha1",
            Hash::Sha256 => "sha256",
            Hash::Sha384 => "sha384",
            Hash::Sha512 => "sha512",
        }
    }
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Md5 => md5::Md5::digest(data).to_vec(),
            Hash::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Hash::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Hash::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

pub(crate) enum Key {
    Rsa(rsa::PrivateKey),
    P256(p256::ecdsa::SigningKey),
}

fn pem_der(pem: &str) -> Vec<u8> {
    pem_rfc7468::decode_vec(pem.as_bytes()).expect("key PEM").1
}

impl Key {
    pub(crate) fn rsa(pem: &str) -> Self {
        Key::Rsa(rsa::PrivateKey::from_pkcs8_der(&pem_der(pem)).expect("RSA PKCS#8 key"))
    }
    pub(crate) fn p256(pem: &str) -> Self {
        let sk = p256::SecretKey::from_pkcs8_der(&pem_der(pem)).expect("P-256 PKCS#8 key");
        Key::P256(p256::ecdsa::SigningKey::from(sk))
    }
    pub(crate) fn spki(&self) -> Vec<u8> {
        match self {
            Key::Rsa(k) => rsa::PublicKey::from(k).to_public_key_der().expect("spki").into_vec(),
            Key::P256(k) => p256::PublicKey::from(k.verifying_key())
                .to_public_key_der()
                .expect("spki")
                .into_vec(),
        }
    }
    /// The signature AlgorithmIdentifier for certificates (hash-specific).
    pub(crate) fn cert_sig_alg(&self, h: Hash) -> Vec<u8> {
        match (self, h) {
            (Key::Rsa(_), Hash::Md5) => alg_null("1.2.840.113549.1.1.4"),
            (Key::Rsa(_), Hash::Sha1) => alg_null("1.2.840.113549.1.1.5"),
            (Key::Rsa(_), Hash::Sha256) => alg_null("1.2.840.113549.1.1.11"),
            (Key::Rsa(_), Hash::Sha384) => alg_null("1.2.840.113549.1.1.12"),
            (Key::Rsa(_), Hash::Sha512) => alg_null("1.2.840.113549.1.1.13"),
            (Key::P256(_), Hash::Md5 | Hash::Sha1) => alg("1.2.840.10045.4.1"),
            (Key::P256(_), Hash::Sha256) => alg("1.2.840.10045.4.3.2"),
            (Key::P256(_), Hash::Sha384) => alg("1.2.840.10045.4.3.3"),
            (Key::P256(_), Hash::Sha512) => alg("1.2.840.10045.4.3.4"),
        }
    }
    /// The SignerInfo signatureAlgorithm as Windows' signtool writes it: the bare key
    /// algorithm for RSA, ecdsa-with-SHAx for EC (as osslsigncode does).
    pub(crate) fn signer_sig_alg(&self, h: Hash) -> Vec<u8> {
        match self {
            Key::Rsa(_) => alg_null("1.2.840.113549.1.1.1"),
            Key::P256(_) => self.cert_sig_alg(h),
        }
    }
    pub(crate) fn sign(&self, h: Hash, message: &[u8]) -> Vec<u8> {
        let digest = h.digest(message);
        match self {
            Key::Rsa(k) => {
                let scheme = match h {
                    Hash::Md5 => rsa::Pkcs1v15Sign::new::<md5::Md5>(),
                    Hash::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
                    Hash::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                    Hash::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                    Hash::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
                };
                k.sign(scheme, &digest).expect("RSA sign")
            }
            Key::P256(k) => {
                use p256::ecdsa::signature::hazmat::PrehashSigner;
                // RFC 6979: deterministic nonces, so vectors are reproducible.
                let sig: p256::ecdsa::Signature = k.sign_prehash(&digest).expect("ECDSA sign");
                sig.to_der().as_bytes().to_vec()
            }
        }
    }
    /// RSA PKCS#1 v1.5 over the bare hash, without DigestInfo (legacy countersignatures).
    pub(crate) fn sign_bare_hash(&self, h: Hash, message: &[u8]) -> Vec<u8> {
        match self {
            Key::Rsa(k) => k
                .sign(rsa::Pkcs1v15Sign::new_unprefixed(), &h.digest(message))
                .expect("RSA sign"),
            Key::P256(_) => panic!("bare-hash signatures are RSA only"),
        }
    }
    pub(crate) fn key_id(&self) -> Vec<u8> {
        sha1::Sha1::digest(self.spki()).to_vec()
    }
}

/// A CA valid 2020-01-01 to 2045-01-01 (`path_len`: None = unlimited), SHA-256.
pub(crate) fn ca_spec(serial: u64, subject: &'static str, path_len: Option<u32>) -> CertSpec<'static> {
    CertSpec {
        serial,
        subject,
        not_before: unix(2020, 1, 1),
        not_after: unix(2045, 1, 1),
        ca: Some(path_len),
        eku: &[],
        hash: Hash::Sha256,
    }
}

/// A code-signing end-entity certificate, SHA-256.
pub(crate) fn leaf_spec(serial: u64, subject: &'static str, not_before: u64, not_after: u64) -> CertSpec<'static> {
    CertSpec {
        serial,
        subject,
        not_before,
        not_after,
        ca: None,
        eku: &[EKU_CODE_SIGNING],
        hash: Hash::Sha256,
    }
}

pub(crate) struct CertSpec<'a> {
    pub serial: u64,
    pub subject: &'a str,
    pub not_before: u64,
    pub not_after: u64,
    /// Some(path_len) for a CA.
    pub ca: Option<Option<u32>>,
    pub eku: &'a [&'a str],
    pub hash: Hash,
}

#[derive(Clone)]
pub(crate) struct Cert {
    pub der: Vec<u8>,
    pub subject_cn: String,
    pub name: Vec<u8>,
    /// The issuer Name as encoded in this certificate.
    pub name_issuer: Vec<u8>,
    pub serial: u64,
    /// The subject key identifier (SHA-1 of the SPKI).
    pub key_id: Vec<u8>,
}

/// Builds and signs a certificate for `key`, issued by (`issuer_name`, `issuer_key`).
pub(crate) fn issue(spec: &CertSpec<'_>, key: &Key, issuer: Option<(&Cert, &Key)>) -> Cert {
    issue_with_spki(spec, key, None, issuer)
}

/// [`issue`] with the SubjectPublicKeyInfo replaced by `spki` (e.g. an EC key with explicit
/// curve parameters, as CurveBall used), still properly signed by the issuer.
pub(crate) fn issue_with_spki(
    spec: &CertSpec<'_>,
    key: &Key,
    spki: Option<&[u8]>,
    issuer: Option<(&Cert, &Key)>,
) -> Cert {
    issue_full(spec, key, spki, issuer, &Tweak::default())
}

/// Departures from a well-formed certificate, each one a rule a verifier must enforce;
/// the certificate is still properly signed by its issuer.
#[derive(Default)]
pub(crate) struct Tweak<'a> {
    /// Extra extensions (OID, critical, extnValue contents), after the usual ones.
    pub extra_extensions: Vec<(&'a str, bool, Vec<u8>)>,
    /// No basicConstraints at all (keyUsage stays).
    pub omit_basic_constraints: bool,
    /// A basicConstraints cA=FALSE before the real one (the same extension twice).
    pub duplicate_basic_constraints: bool,
    /// The TBSCertificate names this algorithm while the outer signatureAlgorithm and the
    /// signature use the spec's hash.
    pub tbs_signature_hash: Option<Hash>,
    /// The subject as this exact Name DER instead of the spec's CN (any bytes: another
    /// certificate's subject, names holding control characters).
    pub subject_name: Option<Vec<u8>>,
    /// The authority key identifier as these bytes instead of the issuer key's (a
    /// certificate that claims another CA's key).
    pub authority_key_id: Option<Vec<u8>>,
}

/// The DER of a NameConstraints extension value permitting `permitted` and excluding
/// `excluded` (GeneralName DER each).
pub(crate) fn name_constraints(permitted: &[Vec<u8>], excluded: &[Vec<u8>]) -> Vec<u8> {
    let trees = |names: &[Vec<u8>]| -> Vec<u8> {
        let subtrees: Vec<Vec<u8>> = names.iter().map(|n| seq(&[n])).collect();
        let refs: Vec<&[u8]> = subtrees.iter().map(Vec::as_slice).collect();
        cat(&refs)
    };
    let mut parts: Vec<Vec<u8>> = Vec::new();
    if !permitted.is_empty() {
        parts.push(ctx(0, true, &trees(permitted)));
    }
    if !excluded.is_empty() {
        parts.push(ctx(1, true, &trees(excluded)));
    }
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    seq(&refs)
}

/// A dNSName GeneralName.
pub(crate) fn dns_name(dns: &str) -> Vec<u8> {
    tlv(
        der::Tag::ContextSpecific {
            constructed: false,
            number: der::TagNumber(2),
        },
        dns.as_bytes(),
    )
}

/// [`issue`] with `tweak` applied.
pub(crate) fn issue_tweaked(spec: &CertSpec<'_>, key: &Key, issuer: Option<(&Cert, &Key)>, tweak: &Tweak<'_>) -> Cert {
    issue_full(spec, key, None, issuer, tweak)
}

fn issue_full(
    spec: &CertSpec<'_>,
    key: &Key,
    spki: Option<&[u8]>,
    issuer: Option<(&Cert, &Key)>,
    tweak: &Tweak<'_>,
) -> Cert {
    let subject = tweak.subject_name.clone().unwrap_or_else(|| name(spec.subject));
    let (issuer_name, issuer_key) = match issuer {
        Some((c, k)) => (c.name.clone(), k),
        None => (subject.clone(), key),
    };
    let mut exts: Vec<Vec<u8>> = Vec::new();
    let ext = |oid_s: &str, critical: bool, value: Vec<u8>| {
        if critical {
            seq(&[&oid(oid_s), &boolean(true), &octets(&value)])
        } else {
            seq(&[&oid(oid_s), &octets(&value)])
        }
    };
    if tweak.duplicate_basic_constraints {
        exts.push(ext("2.5.29.19", true, seq(&[])));
    }
    match spec.ca {
        Some(path_len) => {
            let pl = path_len.map(|p| int(u64::from(p))).unwrap_or_default();
            if !tweak.omit_basic_constraints {
                exts.push(ext("2.5.29.19", true, seq(&[&boolean(true), &pl])));
            }
            // keyCertSign | cRLSign: bits 5 and 6 → 0x06 with 1 unused bit.
            exts.push(ext("2.5.29.15", true, tlv(der::Tag::BitString, &[0x01, 0x06])));
        }
        None => {
            exts.push(ext("2.5.29.19", true, seq(&[])));
            // digitalSignature: bit 0 → 0x80, 7 unused bits.
            exts.push(ext("2.5.29.15", true, tlv(der::Tag::BitString, &[0x07, 0x80])));
        }
    }
    if !spec.eku.is_empty() {
        let oids: Vec<Vec<u8>> = spec.eku.iter().map(|o| oid(o)).collect();
        let refs: Vec<&[u8]> = oids.iter().map(|o| o.as_slice()).collect();
        let critical = spec.eku == [EKU_TIME_STAMPING];
        exts.push(ext("2.5.29.37", critical, seq(&refs)));
    }
    exts.push(ext("2.5.29.14", false, octets(&key.key_id())));
    if issuer.is_some() {
        let aki = tweak.authority_key_id.clone().unwrap_or_else(|| issuer_key.key_id());
        exts.push(ext("2.5.29.35", false, seq(&[&ctx(0, false, &aki)])));
    }
    for (o, critical, value) in &tweak.extra_extensions {
        exts.push(ext(o, *critical, value.clone()));
    }
    let ext_refs: Vec<&[u8]> = exts.iter().map(|e| e.as_slice()).collect();
    let sig_alg = issuer_key.cert_sig_alg(spec.hash);
    let tbs_sig_alg = tweak
        .tbs_signature_hash
        .map_or_else(|| sig_alg.clone(), |h| issuer_key.cert_sig_alg(h));
    let tbs = seq(&[
        &ctx(0, true, &int(2)),
        &int(spec.serial),
        &tbs_sig_alg,
        &issuer_name,
        &seq(&[&time(spec.not_before), &time(spec.not_after)]),
        &subject,
        &spki.map_or_else(|| key.spki(), <[u8]>::to_vec),
        &ctx(3, true, &seq(&ext_refs)),
    ]);
    let signature = issuer_key.sign(spec.hash, &tbs);
    let mut bitstring = vec![0u8];
    bitstring.extend_from_slice(&signature);
    let der = seq(&[&tbs, &sig_alg, &tlv(der::Tag::BitString, &bitstring)]);
    Cert {
        der,
        subject_cn: spec.subject.to_string(),
        name: subject,
        name_issuer: issuer_name,
        serial: spec.serial,
        key_id: key.key_id(),
    }
}

pub(crate) fn pem(der: &[u8]) -> String {
    pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, der).expect("pem")
}
