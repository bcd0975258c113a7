//! Trust files, parsed by content: DER certificates, PEM bundles (`pem`), PKCS#7
//! `.p7b`/`.p7c` bundles, Microsoft serialized stores (`sst`), CTLs, registry exports and
//! hives (`registry`), and the members of the cabinets Windows Update serves CTLs in. Each
//! parser takes the file's bytes and a name for its errors; none touches a store (the
//! loader in `loading.rs` decides what the material becomes).
//!
//! The entry points are the crate's only for the loader and, through `crate::fuzzing`,
//! for fuzzers and tests: callers load files with [`crate::TrustStore::load`].

mod crls;
mod pem;
pub(crate) mod sst;

use crate::error::{CabinetMembersError, TrustError};
use crate::trust::ctl::{self, TrustList};
use crate::trust::{hive, registry};
use crate::x509::certificate::Certificate;

pub use crls::parse_crl_file;
pub use sst::parse_sst;

/// The contents of one trust file.
#[derive(Debug)]
#[non_exhaustive]
pub enum TrustMaterial {
    /// Certificates (DER, PEM, p7b, SST).
    Certificates(Vec<Certificate>),
    /// A certificate trust list.
    TrustList(TrustList),
    /// A registry export of certificate stores: each certificate's role comes from its
    /// store, not from the role it was loaded with.
    Registry(registry::RegistryExport),
}

/// The members of a cabinet (uncompressed or MSZIP; see `cab::members`), bounded in count
/// and size; anything else is a typed error for this file.
pub fn read_cabinet(bytes: &[u8], source: &str) -> Result<Vec<(String, Vec<u8>)>, TrustError> {
    match crate::cab::members::members(bytes) {
        Ok(members) if members.is_empty() => Err(TrustError::Cabinet {
            path: source.to_string(),
            source: CabinetMembersError::NoMembers,
        }),
        Ok(members) => Ok(members),
        Err(e) => Err(TrustError::Cabinet {
            path: source.to_string(),
            source: e,
        }),
    }
}

/// Detects the format of one trust file and parses it.
pub fn parse_material(bytes: &[u8], source: &str) -> Result<TrustMaterial, TrustError> {
    if registry::is_reg_export(bytes) {
        return registry::parse_reg_export(bytes, source).map(TrustMaterial::Registry);
    }
    if hive::is_hive(bytes) {
        return registry::parse_hive(bytes, source).map(TrustMaterial::Registry);
    }
    if bytes.starts_with(&sst::SST_MAGIC) {
        return parse_sst(bytes, source).map(TrustMaterial::Certificates);
    }
    if bytes.first() == Some(&0x30) {
        // A certificate, or a ContentInfo: a CTL or a certificates-only PKCS#7.
        let cert_err = match Certificate::from_der(bytes) {
            Ok(c) => return Ok(TrustMaterial::Certificates(vec![c])),
            Err(e) => e,
        };
        return match crate::cms::signed_data::parse_content_info(bytes, 0) {
            Ok((sd, _)) if sd.content_type == ctl::oid::CTL => TrustList::parse(bytes)
                .map(TrustMaterial::TrustList)
                .map_err(|e| TrustError::TrustList {
                    path: source.to_string(),
                    source: e,
                }),
            Ok((sd, _)) => pkcs7_certificates(&sd, source).map(TrustMaterial::Certificates),
            Err(_) if looks_like_certificate(bytes) => Err(TrustError::Certificate {
                path: source.to_string(),
                index: 0,
                source: cert_err,
            }),
            Err(e) => Err(TrustError::Pkcs7 {
                path: source.to_string(),
                source: e,
            }),
        };
    }
    pem::parse_pem(bytes, source)
}

/// A DER SEQUENCE whose first element is itself a SEQUENCE (TBSCertificate) rather than an
/// OID (ContentInfo): report certificate errors for it, not PKCS#7 errors.
fn looks_like_certificate(bytes: &[u8]) -> bool {
    let mut r = crate::asn1::RawReader::new(bytes, 0);
    r.read("outer")
        .ok()
        .and_then(|outer| outer.contents().peek_tag())
        .is_some_and(|t| t == der::Tag::Sequence)
}

fn pkcs7_certificates(
    sd: &crate::cms::signed_data::SignedData<'_>,
    source: &str,
) -> Result<Vec<Certificate>, TrustError> {
    let mut out = Vec::new();
    for (index, c) in sd.certificates.iter().enumerate() {
        out.push(Certificate::from_der(c.raw).map_err(|e| TrustError::Certificate {
            path: source.to_string(),
            index,
            source: e,
        })?);
    }
    if out.is_empty() {
        return Err(TrustError::NoCertificates {
            path: source.to_string(),
        });
    }
    Ok(out)
}
