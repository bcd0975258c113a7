//! Entry points for benchmarks, fuzzing and tests: not part of the supported API, and not
//! documented, because nothing here is needed to verify files. The trust-file parsers are
//! reached here (callers load files with [`crate::TrustStore::load`]).

pub use crate::trust::material::{parse_crl_file, parse_material, parse_sst, read_cabinet, TrustMaterial};
use crate::x509::algorithms::{DigestAlgorithm, PublicKey as Key, SignatureFailure};

/// A public key from a SubjectPublicKeyInfo, as certificates carry it.
#[derive(Clone, Debug)]
pub struct PublicKey(Key);

impl PublicKey {
    /// Parses a SubjectPublicKeyInfo (RSA, P-256 or P-384), with the same rules as a
    /// certificate's key.
    pub fn from_spki(der: &[u8]) -> Result<Self, SignatureFailure> {
        Key::from_spki(der).map(Self)
    }

    /// Whether `signature` (PKCS#1 v1.5 for RSA, DER for ECDSA) signs `digest` made with
    /// `hash`.
    pub fn verify_prehashed(&self, hash: DigestAlgorithm, digest: &[u8], signature: &[u8]) -> bool {
        self.0.verify_prehashed_checked(hash, digest, signature)
    }
}

/// Writes the base block checksum a hive file of `bytes` must carry (when it has a base
/// block), so that a fuzzer's mutations get past the check into the hive bins.
pub fn fix_hive_checksum(bytes: &mut [u8]) {
    if let Some(sum) = crate::trust::hive::base_block_checksum(bytes) {
        if let Some(field) = bytes.get_mut(0x1fc..0x200) {
            field.copy_from_slice(&sum.to_le_bytes());
        }
    }
}

/// [`crate::Verifier::verify_reader_named`] of `bytes` read in parts whatever their size
/// (a file over [`crate::READ_WHOLE_LIMIT`] is; smaller ones are read whole): the fuzzing
/// entry `reader_parts` checks its report against [`crate::Verifier::verify_bytes_named`]'s.
pub fn verify_in_parts(
    verifier: &crate::Verifier,
    bytes: &[u8],
    name: &str,
    at: crate::UnixTime,
) -> Result<crate::FileReport, crate::Error> {
    let limits = crate::verify::reader::Limits {
        read_whole_up_to: 0,
        ..crate::verify::reader::Limits::FILE
    };
    crate::verify::reader::verify(verifier, &mut std::io::Cursor::new(bytes), Some(name), at, limits)
}

/// [`crate::Verifier::verify_payload_reader`] of `bytes` walked in parts whatever their
/// size (see [`verify_in_parts`]).
pub fn payload_in_parts(
    verifier: &crate::Verifier,
    bytes: &[u8],
    name: &str,
    at: crate::UnixTime,
    sink: &mut dyn FnMut(crate::MemberReport),
) -> bool {
    verifier.payload_from_reader(&mut std::io::Cursor::new(bytes), name, at, sink, 0)
}
