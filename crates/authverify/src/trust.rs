//! Trust material: anchors (the Windows "Root" store) and extra path material (the "CA"
//! store), loaded from files the user names or from the built-in catalog.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use crate::catalog::{catalog, Store};
use crate::certificate::Certificate;
use crate::error::{CertificateError, TrustError};

/// Certificates the verifier may build paths through.
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    anchors: Vec<Arc<Certificate>>,
    intermediates: Vec<Arc<Certificate>>,
    seen: HashSet<([u8; 32], bool)>,
}

impl TrustStore {
    /// An empty store: nothing is trusted.
    pub fn new() -> Self {
        Self::default()
    }

    /// The built-in catalog: its roots as anchors, its intermediates as path material.
    pub fn builtin() -> Self {
        let mut store = Self::new();
        store.add_builtin();
        store
    }

    /// Adds the built-in catalog to this store.
    pub fn add_builtin(&mut self) {
        for c in catalog() {
            match c.entry.store {
                Store::Root => self.add_anchor(c.certificate.clone()),
                Store::Intermediate => self.add_intermediate(c.certificate.clone()),
            }
        }
    }

    /// Trusts `cert` as an anchor.
    pub fn add_anchor(&mut self, cert: Arc<Certificate>) {
        if self.seen.insert((cert.sha256(), true)) {
            self.anchors.push(cert);
        }
    }

    /// Offers `cert` as an intermediate for path building (not trusted by itself).
    pub fn add_intermediate(&mut self, cert: Arc<Certificate>) {
        if self.seen.insert((cert.sha256(), false)) {
            self.intermediates.push(cert);
        }
    }

    /// The anchors.
    pub fn anchors(&self) -> &[Arc<Certificate>] {
        &self.anchors
    }

    /// The intermediates.
    pub fn intermediates(&self) -> &[Arc<Certificate>] {
        &self.intermediates
    }

    /// Intermediates then anchors: where Windows also looks for a signer or TSA
    /// certificate that a signature does not carry.
    pub fn all_certificates(&self) -> Vec<Arc<Certificate>> {
        self.intermediates.iter().chain(&self.anchors).cloned().collect()
    }

    /// Whether `cert` (by its exact bytes) is an anchor.
    pub fn is_anchor(&self, cert: &Certificate) -> bool {
        self.seen.contains(&(cert.sha256(), true))
    }

    /// Loads every certificate of a file or directory (recursively) as anchors. Returns how
    /// many were added.
    pub fn load_anchors(&mut self, path: &Path) -> Result<usize, TrustError> {
        let certs = load_path(path)?;
        let n = certs.len();
        certs.into_iter().for_each(|c| self.add_anchor(Arc::new(c)));
        Ok(n)
    }

    /// Loads every certificate of a file or directory (recursively) as intermediates.
    pub fn load_intermediates(&mut self, path: &Path) -> Result<usize, TrustError> {
        let certs = load_path(path)?;
        let n = certs.len();
        certs.into_iter().for_each(|c| self.add_intermediate(Arc::new(c)));
        Ok(n)
    }
}

/// File names a directory load reads; other files are reported, not silently dropped.
const CERT_EXTENSIONS: &[&str] = &["crt", "cer", "der", "pem"];

/// Reads certificates from a file, or from every certificate file below a directory.
pub fn load_path(path: &Path) -> Result<Vec<Certificate>, TrustError> {
    let io = |source| TrustError::Io {
        path: path.display().to_string(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .map_err(io)?
            .collect::<Result<_, _>>()
            .map_err(io)?;
        entries.sort_by_key(|e| e.path());
        let mut out = Vec::new();
        for entry in entries {
            let p = entry.path();
            let is_cert = p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| CERT_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
            if p.is_dir() || is_cert {
                out.extend(load_path(&p)?);
            }
        }
        Ok(out)
    } else {
        let bytes = std::fs::read(path).map_err(io)?;
        parse_certificates(&bytes, &path.display().to_string())
    }
}

/// Parses a DER certificate or a PEM bundle of certificates.
pub fn parse_certificates(bytes: &[u8], source: &str) -> Result<Vec<Certificate>, TrustError> {
    let cert_err = |index, e: CertificateError| TrustError::Certificate {
        path: source.to_string(),
        index,
        source: e,
    };
    if bytes.first() == Some(&0x30) {
        return Certificate::from_der(bytes)
            .map(|c| vec![c])
            .map_err(|e| cert_err(0, e));
    }
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    let mut block: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line == "-----BEGIN CERTIFICATE-----" || line == "-----BEGIN X509 CERTIFICATE-----" {
            block = Some(format!("{line}\n"));
        } else if let Some(b) = block.as_mut() {
            b.push_str(line);
            b.push('\n');
            if line.starts_with("-----END") {
                let (_, der) = pem_rfc7468::decode_vec(b.as_bytes()).map_err(|e| TrustError::Pem {
                    path: source.to_string(),
                    detail: e.to_string(),
                })?;
                out.push(Certificate::from_der(&der).map_err(|e| cert_err(out.len(), e))?);
                block = None;
            }
        }
    }
    if block.is_some() {
        return Err(TrustError::Pem {
            path: source.to_string(),
            detail: "BEGIN CERTIFICATE without END".into(),
        });
    }
    if out.is_empty() {
        return Err(TrustError::NoCertificates {
            path: source.to_string(),
        });
    }
    Ok(out)
}
