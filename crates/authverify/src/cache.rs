//! Caches a verifier shares across the files it checks, keyed by certificate hashes: a file
//! set signed by one publisher carries the same intermediates in every file, so parsing them
//! and checking their signatures once is enough.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use sha2::Digest as _;

use crate::certificate::Certificate;
use crate::error::CertificateError;

/// A thread-safe map bounded in entries. When full it is emptied and refilled: simple, and a
/// file set's working set (its few intermediates) refills at once.
#[derive(Debug)]
struct BoundedMap<K, V> {
    map: Mutex<HashMap<K, V>>,
    capacity: usize,
}

impl<K: Eq + Hash, V: Clone> BoundedMap<K, V> {
    fn new(capacity: usize) -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    fn len(&self) -> usize {
        self.map.lock().map(|m| m.len()).unwrap_or(0)
    }

    fn get(&self, key: &K) -> Option<V> {
        self.map.lock().ok().and_then(|m| m.get(key).cloned())
    }

    fn put(&self, key: K, value: V) {
        if let Ok(mut m) = self.map.lock() {
            if m.len() >= self.capacity {
                m.clear();
            }
            m.insert(key, value);
        }
    }
}

/// Parsed certificates keyed by the SHA-256 of their DER.
#[derive(Debug)]
pub struct CertificateCache(BoundedMap<[u8; 32], Arc<Certificate>>);

impl Default for CertificateCache {
    fn default() -> Self {
        Self::with_capacity(16_384)
    }
}

impl CertificateCache {
    /// A cache holding at most `capacity` certificates.
    pub fn with_capacity(capacity: usize) -> Self {
        Self(BoundedMap::new(capacity))
    }

    /// How many certificates are cached.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A cached certificate by the SHA-256 of its DER (e.g. `MissingCertificate::sha256`):
    /// how a caller gets the bytes of a certificate a verified file carried.
    pub fn get(&self, sha256: &[u8; 32]) -> Option<Arc<Certificate>> {
        self.0.get(sha256)
    }

    /// The parsed certificate for `der`, from the cache or parsed now.
    pub fn get_or_parse(&self, der: &[u8]) -> Result<Arc<Certificate>, CertificateError> {
        let key: [u8; 32] = sha2::Sha256::digest(der).into();
        if let Some(c) = self.0.get(&key) {
            return Ok(c);
        }
        let cert = Arc::new(Certificate::from_der(der)?);
        self.0.put(key, cert.clone());
        Ok(cert)
    }
}

/// (SHA-256 of the subject certificate, SHA-256 of the issuer certificate).
type LinkKey = ([u8; 32], [u8; 32]);

/// Verified issuer→subject links: `None` when the signature verified, else why it did not.
#[derive(Debug)]
pub struct LinkCache(BoundedMap<LinkKey, Option<String>>);

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

    pub(crate) fn get(&self, key: &LinkKey) -> Option<Option<String>> {
        self.0.get(key)
    }

    pub(crate) fn put(&self, key: LinkKey, value: Option<String>) {
        self.0.put(key, value);
    }
}
