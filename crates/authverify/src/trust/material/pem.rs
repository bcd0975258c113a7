//! PEM bundles: certificates and PKCS#7 blocks between `-----BEGIN`/`-----END` lines
//! (RFC 7468); keys, CRLs and requests in a bundle are passed over.

use super::{parse_material, TrustMaterial};
use crate::error::TrustError;
use crate::x509::certificate::Certificate;

/// Parses a PEM bundle of certificates and/or PKCS#7 blocks.
pub(super) fn parse_pem(bytes: &[u8], source: &str) -> Result<TrustMaterial, TrustError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) if t.contains("-----BEGIN ") => t,
        _ => {
            return Err(TrustError::UnknownFormat {
                path: source.to_string(),
            })
        }
    };
    let mut out = Vec::new();
    let mut block: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("-----BEGIN ") {
            block = Some(format!("{line}\n"));
        } else if let Some(b) = block.as_mut() {
            b.push_str(line);
            b.push('\n');
            if line.starts_with("-----END") {
                let (label, der) = pem_rfc7468::decode_vec(b.as_bytes()).map_err(|e| TrustError::Pem {
                    path: source.to_string(),
                    detail: e.to_string(),
                })?;
                match label {
                    "CERTIFICATE" | "X509 CERTIFICATE" => {
                        out.push(Certificate::from_der(&der).map_err(|e| TrustError::Certificate {
                            path: source.to_string(),
                            index: out.len(),
                            source: e,
                        })?)
                    }
                    "PKCS7" | "CMS" => match parse_material(&der, source)? {
                        TrustMaterial::Certificates(c) => out.extend(c),
                        TrustMaterial::TrustList(_) | TrustMaterial::Registry(_) => {
                            return Err(TrustError::Pem {
                                path: source.to_string(),
                                detail: "a CTL inside PEM is not supported; use the .stl file".into(),
                            })
                        }
                    },
                    // Keys, CRLs and requests in a bundle are not trust material.
                    _ => {}
                }
                block = None;
            }
        }
    }
    if block.is_some() {
        return Err(TrustError::Pem {
            path: source.to_string(),
            detail: "BEGIN without END".into(),
        });
    }
    if out.is_empty() {
        return Err(TrustError::NoCertificates {
            path: source.to_string(),
        });
    }
    Ok(TrustMaterial::Certificates(out))
}
