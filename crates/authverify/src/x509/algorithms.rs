//! Digest and signature algorithms: identification by OID, hashing, verification.
//!
//! Cryptography is the RustCrypto crates' (`sha1`, `sha2`, `md-5`, `rsa`, `p256`, `p384`);
//! this module only maps OIDs and key encodings onto them.

use const_oid::ObjectIdentifier;
use thiserror::Error;

use crate::asn1::{RawReader, Tlv};

/// OIDs this crate needs that `const-oid`'s database does not name, or names differently.
pub(crate) mod oid {
    pub(crate) use crate::digest::oid::{MD5, SHA1, SHA256};
    use const_oid::ObjectIdentifier as Oid;
    pub(crate) const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
    pub(crate) const MD5_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.4");
    pub(crate) const SHA1_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.5");
    pub(crate) const SHA1_WITH_RSA_OIW: Oid = Oid::new_unwrap("1.3.14.3.2.29");
    pub(crate) const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
    pub(crate) const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
    pub(crate) const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
    pub(crate) const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    pub(crate) const ECDSA_WITH_SHA1: Oid = Oid::new_unwrap("1.2.840.10045.4.1");
    pub(crate) const ECDSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
    pub(crate) const ECDSA_WITH_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
    pub(crate) const ECDSA_WITH_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
    pub(crate) const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
    pub(crate) const P384: Oid = Oid::new_unwrap("1.3.132.0.34");
}

pub use crate::digest::DigestAlgorithm;

/// Why a signature did not verify.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureFailure {
    /// The signature value does not match.
    #[error("signature does not verify")]
    Mismatch,
    /// The signature algorithm is not supported.
    #[error("unsupported signature algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// The public key cannot be used.
    #[error("unusable public key: {0}")]
    BadKey(String),
    /// An EC key with explicit domain parameters (CVE-2020-0601, "CurveBall").
    #[error("EC key with explicit curve parameters is rejected (CVE-2020-0601)")]
    ExplicitCurve,
    /// The key type does not match the signature algorithm.
    #[error("signature algorithm {sig} does not match a {key} key")]
    KeyMismatch {
        /// Signature algorithm.
        sig: String,
        /// Key type.
        key: &'static str,
    },
}

/// The family of a signature algorithm; the hash may come from elsewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    Rsa,
    Ecdsa,
}

/// Maps a signature algorithm OID to (family, hash). A bare key OID (rsaEncryption,
/// id-ecPublicKey) carries no hash: SignerInfos use those and take the hash from their
/// digestAlgorithm.
/// The digest a signature algorithm uses (None for unknown or bare-key OIDs).
pub(crate) fn signature_digest(oid: &ObjectIdentifier) -> Option<DigestAlgorithm> {
    signature_algorithm(oid).and_then(|(_, d)| d)
}

fn signature_algorithm(oid: &ObjectIdentifier) -> Option<(Family, Option<DigestAlgorithm>)> {
    use DigestAlgorithm as D;
    Some(match *oid {
        oid::RSA_ENCRYPTION => (Family::Rsa, None),
        oid::MD5_WITH_RSA => (Family::Rsa, Some(D::Md5)),
        oid::SHA1_WITH_RSA | oid::SHA1_WITH_RSA_OIW => (Family::Rsa, Some(D::Sha1)),
        oid::SHA256_WITH_RSA => (Family::Rsa, Some(D::Sha256)),
        oid::SHA384_WITH_RSA => (Family::Rsa, Some(D::Sha384)),
        oid::SHA512_WITH_RSA => (Family::Rsa, Some(D::Sha512)),
        oid::EC_PUBLIC_KEY => (Family::Ecdsa, None),
        oid::ECDSA_WITH_SHA1 => (Family::Ecdsa, Some(D::Sha1)),
        oid::ECDSA_WITH_SHA256 => (Family::Ecdsa, Some(D::Sha256)),
        oid::ECDSA_WITH_SHA384 => (Family::Ecdsa, Some(D::Sha384)),
        oid::ECDSA_WITH_SHA512 => (Family::Ecdsa, Some(D::Sha512)),
        _ => return None,
    })
}

/// A parsed public key.
#[derive(Clone, Debug)]
pub(crate) enum PublicKey {
    Rsa(crate::x509::rsa_public::RsaPublicKey),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
}

impl PublicKey {
    /// Parses a SubjectPublicKeyInfo from its DER.
    pub(crate) fn from_spki(spki: &[u8]) -> Result<Self, SignatureFailure> {
        let bad = |e: crate::error::Asn1Error| SignatureFailure::BadKey(e.to_string());
        let spki = Tlv::parse_exact(spki, 0, "SubjectPublicKeyInfo").map_err(bad)?;
        let mut r = spki.contents();
        let alg = r
            .expect_tag(der::Tag::Sequence, "SubjectPublicKeyInfo algorithm")
            .map_err(bad)?;
        let key_bits = r.expect_tag(der::Tag::BitString, "subjectPublicKey").map_err(bad)?;
        let mut a = alg.contents();
        let key_oid: ObjectIdentifier = a
            .read("key algorithm")
            .and_then(|t| t.decode("key algorithm"))
            .map_err(bad)?;
        let params = if a.is_empty() {
            None
        } else {
            Some(a.read("key parameters").map_err(bad)?)
        };
        // BIT STRING: first content byte is the count of unused bits, which must be 0 here.
        let key = match key_bits.value.split_first() {
            Some((0, rest)) => rest,
            _ => return Err(SignatureFailure::BadKey("subjectPublicKey has unused bits".into())),
        };
        match key_oid {
            oid::RSA_ENCRYPTION => {
                // Parameters must be NULL or, as some real certificates have it, absent: only
                // the RSAPublicKey inside is read.
                crate::x509::rsa_public::RsaPublicKey::from_pkcs1_der(key).map(Self::Rsa)
            }
            oid::EC_PUBLIC_KEY => {
                let curve = match params {
                    Some(p) if p.tag == der::Tag::ObjectIdentifier => {
                        p.decode::<ObjectIdentifier>("curve").map_err(bad)?
                    }
                    Some(_) => return Err(SignatureFailure::ExplicitCurve),
                    None => return Err(SignatureFailure::BadKey("EC key without curve".into())),
                };
                match curve {
                    oid::P256 => p256::ecdsa::VerifyingKey::from_sec1_bytes(key)
                        .map(Self::P256)
                        .map_err(|e| SignatureFailure::BadKey(e.to_string())),
                    oid::P384 => p384::ecdsa::VerifyingKey::from_sec1_bytes(key)
                        .map(Self::P384)
                        .map_err(|e| SignatureFailure::BadKey(e.to_string())),
                    other => Err(SignatureFailure::BadKey(format!("unsupported curve {other}"))),
                }
            }
            other => Err(SignatureFailure::UnsupportedAlgorithm(other.to_string())),
        }
    }

    /// The modulus size of an RSA key, in bits.
    pub(crate) fn rsa_bits(&self) -> Option<usize> {
        match self {
            Self::Rsa(k) => Some(k.bits()),
            _ => None,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Rsa(_) => "RSA",
            Self::P256(_) => "P-256",
            Self::P384(_) => "P-384",
        }
    }

    /// Verifies `signature` over `message` with the algorithm `sig_alg`; a bare key OID takes
    /// its hash from `default_hash`.
    pub(crate) fn verify(
        &self,
        sig_alg: &ObjectIdentifier,
        default_hash: Option<DigestAlgorithm>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<DigestAlgorithm, SignatureFailure> {
        let (family, hash) =
            signature_algorithm(sig_alg).ok_or_else(|| SignatureFailure::UnsupportedAlgorithm(sig_alg.to_string()))?;
        let hash = hash
            .or(default_hash)
            .ok_or_else(|| SignatureFailure::UnsupportedAlgorithm(sig_alg.to_string()))?;
        let digest = hash.hash(message);
        self.verify_prehashed(family_matches(family, self, sig_alg)?, hash, &digest, signature)?;
        Ok(hash)
    }

    /// Legacy countersignatures from the Symantec/VeriSign timestamping services put the
    /// bare SHA-1 of the signed attributes in the RSA block, without the DigestInfo wrapper.
    /// Windows accepts them; this checks that form (the `windows` policy reports its use).
    pub(crate) fn verify_rsa_bare_hash(&self, digest: &[u8], signature: &[u8]) -> Result<(), SignatureFailure> {
        match self {
            Self::Rsa(key) if key.verify_pkcs1v15_bare(digest, signature) => Ok(()),
            _ => Err(SignatureFailure::Mismatch),
        }
    }

    /// Whether `signature` signs `digest` (made with `hash`) under this key.
    pub(crate) fn verify_prehashed_checked(&self, hash: DigestAlgorithm, digest: &[u8], signature: &[u8]) -> bool {
        self.verify_prehashed((), hash, digest, signature).is_ok()
    }

    fn verify_prehashed(
        &self,
        _: (),
        hash: DigestAlgorithm,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureFailure> {
        use p256::ecdsa::signature::hazmat::PrehashVerifier;
        match self {
            Self::Rsa(key) => key
                .verify_pkcs1v15(hash, digest, signature)
                .then_some(())
                .ok_or(SignatureFailure::Mismatch),
            Self::P256(key) => {
                let sig = p256::ecdsa::DerSignature::from_bytes(signature).map_err(|_| SignatureFailure::Mismatch)?;
                key.verify_prehash(digest, &sig).map_err(|_| SignatureFailure::Mismatch)
            }
            Self::P384(key) => {
                let sig = p384::ecdsa::DerSignature::from_bytes(signature).map_err(|_| SignatureFailure::Mismatch)?;
                key.verify_prehash(digest, &sig).map_err(|_| SignatureFailure::Mismatch)
            }
        }
    }
}

fn family_matches(family: Family, key: &PublicKey, sig_alg: &ObjectIdentifier) -> Result<(), SignatureFailure> {
    let ok = matches!(
        (family, key),
        (Family::Rsa, PublicKey::Rsa(_)) | (Family::Ecdsa, PublicKey::P256(_) | PublicKey::P384(_))
    );
    if ok {
        Ok(())
    } else {
        Err(SignatureFailure::KeyMismatch {
            sig: sig_alg.to_string(),
            key: key.kind(),
        })
    }
}

/// Reads an AlgorithmIdentifier's OID, ignoring its parameters.
pub(crate) fn algorithm_oid(tlv: &Tlv<'_>, what: &'static str) -> Result<ObjectIdentifier, crate::error::Asn1Error> {
    let mut r: RawReader<'_> = tlv.contents();
    r.read(what)?.decode(what)
}
