//! Digest algorithms: identification by OID and hashing in every algorithm at once. The
//! foundation the PE digest, page hashes, signed attributes and certificates all hash with
//! (the hashing itself is RustCrypto's `sha1`, `sha2` and `md-5`).

use const_oid::ObjectIdentifier;
use digest::Digest;

/// The digest algorithms' OIDs.
pub(crate) mod oid {
    use const_oid::ObjectIdentifier as Oid;
    pub(crate) const MD5: Oid = Oid::new_unwrap("1.2.840.113549.2.5");
    pub(crate) const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
    pub(crate) const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
    pub(crate) const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
    pub(crate) const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
}

/// A digest algorithm, as used for file digests, signed attributes and certificates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// MD5: recognised so that it can be reported; rejected by policy.
    Md5,
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl DigestAlgorithm {
    /// Maps a digest algorithm OID.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        Some(match *oid {
            oid::MD5 => Self::Md5,
            oid::SHA1 => Self::Sha1,
            oid::SHA256 => Self::Sha256,
            oid::SHA384 => Self::Sha384,
            oid::SHA512 => Self::Sha512,
            _ => return None,
        })
    }

    /// The lowercase name used in reports (`sha256`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Md5 => "md5",
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    /// The algorithm a report names (`sha256`), the inverse of [`DigestAlgorithm::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Md5, Self::Sha1, Self::Sha256, Self::Sha384, Self::Sha512]
            .into_iter()
            .find(|a| a.name() == name)
    }

    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Md5 => 16,
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// Hashes `data` in one call.
    pub fn hash(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Md5 => md5::Md5::digest(data).to_vec(),
            Self::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Self::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Self::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Self::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

impl std::fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Several digests fed from one pass over the bytes.
#[derive(Debug, Default)]
pub(crate) struct MultiDigest {
    md5: Option<md5::Md5>,
    sha1: Option<sha1::Sha1>,
    sha256: Option<sha2::Sha256>,
    sha384: Option<sha2::Sha384>,
    sha512: Option<sha2::Sha512>,
    order: Vec<DigestAlgorithm>,
}

/// Chunk size for feeding several hashers: small enough to stay in L2 between them.
const CHUNK: usize = 64 * 1024;

impl MultiDigest {
    pub(crate) fn new(algorithms: &[DigestAlgorithm]) -> Self {
        let mut m = Self::default();
        for &a in algorithms {
            if m.order.contains(&a) {
                continue;
            }
            m.order.push(a);
            match a {
                DigestAlgorithm::Md5 => m.md5 = Some(md5::Md5::new()),
                DigestAlgorithm::Sha1 => m.sha1 = Some(sha1::Sha1::new()),
                DigestAlgorithm::Sha256 => m.sha256 = Some(sha2::Sha256::new()),
                DigestAlgorithm::Sha384 => m.sha384 = Some(sha2::Sha384::new()),
                DigestAlgorithm::Sha512 => m.sha512 = Some(sha2::Sha512::new()),
            }
        }
        m
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        for chunk in data.chunks(CHUNK) {
            if let Some(h) = &mut self.md5 {
                h.update(chunk);
            }
            if let Some(h) = &mut self.sha1 {
                h.update(chunk);
            }
            if let Some(h) = &mut self.sha256 {
                h.update(chunk);
            }
            if let Some(h) = &mut self.sha384 {
                h.update(chunk);
            }
            if let Some(h) = &mut self.sha512 {
                h.update(chunk);
            }
        }
    }

    pub(crate) fn finalize(self) -> Vec<(DigestAlgorithm, Vec<u8>)> {
        let Self {
            md5,
            sha1,
            sha256,
            sha384,
            sha512,
            order,
        } = self;
        let mut md5 = md5.map(|h| h.finalize().to_vec());
        let mut sha1 = sha1.map(|h| h.finalize().to_vec());
        let mut sha256 = sha256.map(|h| h.finalize().to_vec());
        let mut sha384 = sha384.map(|h| h.finalize().to_vec());
        let mut sha512 = sha512.map(|h| h.finalize().to_vec());
        order
            .into_iter()
            .filter_map(|a| {
                let d = match a {
                    DigestAlgorithm::Md5 => md5.take(),
                    DigestAlgorithm::Sha1 => sha1.take(),
                    DigestAlgorithm::Sha256 => sha256.take(),
                    DigestAlgorithm::Sha384 => sha384.take(),
                    DigestAlgorithm::Sha512 => sha512.take(),
                };
                d.map(|d| (a, d))
            })
            .collect()
    }
}

/// Supplies the bytes of a file range to a sink (once, in one or more pieces, in order).
/// A source that cannot read them supplies nothing and records why (the digest then cannot
/// match, and the caller reports the I/O error instead of a verdict).
pub(crate) type Feed<'f> = dyn FnMut(std::ops::Range<u64>, &mut dyn FnMut(&[u8])) + 'f;

/// A [`Feed`] over bytes in memory, calling `consumed` with each range handed over.
pub(crate) fn slice_feed<'a>(data: &'a [u8], consumed: &'a mut dyn FnMut(std::ops::Range<usize>)) -> Box<Feed<'a>> {
    Box::new(move |range, sink| {
        let start = usize::try_from(range.start).unwrap_or(usize::MAX);
        let end = usize::try_from(range.end).unwrap_or(usize::MAX);
        if let Some(bytes) = data.get(start..end) {
            sink(bytes);
            consumed(start..end);
        }
    })
}

/// Hashes the bytes of `ranges`, in order, asking `feed` for at most [`CHUNK`] bytes at a
/// time.
pub(crate) fn hash_ranges(hasher: &mut MultiDigest, ranges: &[std::ops::Range<u64>], feed: &mut Feed<'_>) {
    for range in ranges {
        feed_chunked(range.clone(), feed, &mut |bytes| hasher.update(bytes));
    }
}

/// Hands the bytes of `range` to `sink`, in order, asking `feed` for at most [`CHUNK`]
/// bytes at a time (a chunk is hashed in every algorithm while it is in cache).
pub(crate) fn feed_chunked(range: std::ops::Range<u64>, feed: &mut Feed<'_>, sink: &mut dyn FnMut(&[u8])) {
    let mut at = range.start;
    while at < range.end {
        let next = at.saturating_add(crate::num::usize_u64(CHUNK)).min(range.end);
        feed(at..next, sink);
        at = next;
    }
}

/// The digests in `algorithms` of the bytes of `ranges`, in one pass.
pub(crate) fn ranges_fed(
    ranges: &[std::ops::Range<u64>],
    algorithms: &[DigestAlgorithm],
    feed: &mut Feed<'_>,
) -> Vec<(DigestAlgorithm, Vec<u8>)> {
    let mut hasher = MultiDigest::new(algorithms);
    hash_ranges(&mut hasher, ranges, feed);
    hasher.finalize()
}
