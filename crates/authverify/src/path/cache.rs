//! Issuer links a verifier shares across the files it checks: checking each certificate
//! signature of a shared chain once is enough.

use crate::bounded::BoundedMap;
use crate::x509::algorithms::SignatureFailure;

/// (SHA-256 of the subject certificate, SHA-256 of the issuer certificate).
type LinkKey = ([u8; 32], [u8; 32]);

/// Verified issuer→subject links: `None` when the signature verified, else why it did not.
#[derive(Debug)]
pub struct LinkCache(BoundedMap<LinkKey, Option<SignatureFailure>>);

impl Default for LinkCache {
    fn default() -> Self {
        Self::with_capacity(65_536)
    }
}

impl LinkCache {
    /// A cache holding at most `capacity` links.
    pub fn with_capacity(capacity: usize) -> Self {
        Self(BoundedMap::new(capacity))
    }

    /// How many links are cached.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn get(&self, key: &LinkKey) -> Option<Option<SignatureFailure>> {
        self.0.get(key)
    }

    pub(crate) fn put(&self, key: LinkKey, value: Option<SignatureFailure>) {
        self.0.put(key, value);
    }
}
