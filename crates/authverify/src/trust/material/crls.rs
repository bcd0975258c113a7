//! Revocation list files: one DER CertificateList, or PEM with `X509 CRL` blocks (what
//! `openssl crl` and `openssl ca -gencrl` write); other PEM blocks are passed over.

use crate::error::TrustError;
use crate::x509::crl::Crl;

/// The lists a CRL file holds; a file holding none is an error naming it.
pub fn parse_crl_file(bytes: &[u8], source: &str) -> Result<Vec<Crl>, TrustError> {
    let crl_error = |index, source_error| TrustError::Crl {
        path: source.to_string(),
        index,
        source: source_error,
    };
    if bytes.first() == Some(&0x30) {
        return Crl::from_der(bytes).map(|c| vec![c]).map_err(|e| crl_error(0, e));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) if t.contains("-----BEGIN ") => t,
        _ => {
            return Err(TrustError::NoCrls {
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
                if label == "X509 CRL" {
                    out.push(Crl::from_der(&der).map_err(|e| crl_error(out.len(), e))?);
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
        return Err(TrustError::NoCrls {
            path: source.to_string(),
        });
    }
    Ok(out)
}
