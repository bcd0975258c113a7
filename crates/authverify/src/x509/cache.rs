//! Parsed certificates a verifier shares across the files it checks: a file set signed by
//! one publisher carries the same intermediates in every file, so parsing them once is
//! enough.

use std::sync::Arc;

use crate::bounded::BoundedMap;
use crate::error::CertificateError;
use crate::x509::certificate::Certificate;

/// Parsed certificates keyed by the SHA-256 of their DER.
///
/// Files carry their certificates as bytes, so finding one costs a key computed from the
/// bytes. Hashing every embedded certificate with SHA-256 to look it up was 6% of a small
/// file's verification; a file's certificates are instead found by a cheap fingerprint (the
/// length and the last 64 bytes — the signature, which differs between any two
/// certificates) and confirmed by comparing the whole DER, so a crafted collision only
/// costs a parse.
#[derive(Debug)]
pub struct CertificateCache {
    by_sha256: BoundedMap<[u8; 32], Arc<Certificate>>,
    by_fingerprint: BoundedMap<u64, Arc<Certificate>>,
}

/// The lookup fingerprint of a certificate's DER (see [`CertificateCache`]).
fn fingerprint(der: &[u8]) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // A fixed-key hasher: the fingerprint only spreads buckets; equality is checked on the bytes.
    let mut h = std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().build_hasher();
    h.write_usize(der.len());
    h.write(der.get(der.len().saturating_sub(64)..).unwrap_or(der));
    h.finish()
}

impl Default for CertificateCache {
    fn default() -> Self {
        Self::with_capacity(16_384)
    }
}

impl CertificateCache {
    /// A cache holding at most `capacity` certificates.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            by_sha256: BoundedMap::new(capacity),
            by_fingerprint: BoundedMap::new(capacity),
        }
    }

    /// How many certificates are cached.
    pub fn len(&self) -> usize {
        self.by_sha256.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A cached certificate by the SHA-256 of its DER (e.g. `MissingCertificate::sha256`):
    /// how a caller gets the bytes of a certificate a verified file carried.
    pub fn get(&self, sha256: &[u8; 32]) -> Option<Arc<Certificate>> {
        self.by_sha256.get(sha256)
    }

    /// The parsed certificate for `der`, from the cache or parsed now.
    pub fn get_or_parse(&self, der: &[u8]) -> Result<Arc<Certificate>, CertificateError> {
        let fp = fingerprint(der);
        if let Some(c) = self.by_fingerprint.get(&fp).filter(|c| c.der() == der) {
            return Ok(c);
        }
        let cert = Arc::new(Certificate::from_der(der)?);
        self.by_sha256.put(cert.sha256(), cert.clone());
        self.by_fingerprint.put(fp, cert.clone());
        Ok(cert)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// Two certificates with the same length and the same last 64 bytes share a
    /// fingerprint: the cache must still hand back the one whose bytes were asked for.
    #[test]
    fn a_fingerprint_collision_returns_the_certificate_asked_for() {
        let original = include_bytes!("../../../../test-vectors/pki/root.crt").to_vec();
        let at = original.windows(4).position(|w| w == b"Test").expect("subject text");
        let mut altered = original.clone();
        altered[at] = b'B'; // "Best": same length, same signature bytes at the end
        assert_eq!(fingerprint(&original), fingerprint(&altered));
        let cache = CertificateCache::default();
        let first = cache.get_or_parse(&original).unwrap();
        let second = cache.get_or_parse(&altered).unwrap();
        assert_eq!(first.der(), &original[..]);
        assert_eq!(second.der(), &altered[..]);
        assert_ne!(first.sha256(), second.sha256());
        // Both stay reachable by SHA-256, and a repeat lookup of each is served correctly.
        assert!(cache.get(&first.sha256()).is_some() && cache.get(&second.sha256()).is_some());
        assert_eq!(cache.get_or_parse(&original).unwrap().der(), &original[..]);
        assert!(Arc::ptr_eq(
            &cache.get_or_parse(&original).unwrap(),
            &cache.get_or_parse(&original).unwrap()
        ));
    }
}
