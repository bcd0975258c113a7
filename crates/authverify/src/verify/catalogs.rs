//! Catalog-signed files: catalogs given to the verifier are each verified once and their
//! members indexed by hash; a file is looked up by its digests (a PE image's Authenticode
//! digests, any other file's flat hash, every algorithm the catalogs use, from the one pass
//! that computes the file's own digests), and each matching catalog's signature joins the
//! file's signatures with a catalog origin, before the verdict: as on Windows, a file whose
//! embedded signature does not make it valid is valid when a catalog that lists it is
//! (`verdict.rs` decides).

use std::ops::Range;
use std::sync::{Mutex, OnceLock};

use crate::catalog::CatalogMember;
use crate::digest::DigestAlgorithm;
use crate::error::{CatalogError, Error};
use crate::finding::{Finding, Rule};
use crate::report::FileReport;
use crate::time::UnixTime;
use crate::Verifier;

use super::outcome::{DigestCheck, Origin, SignatureOutcome};

/// One catalog: where it came from, what reports say of its members, and its own verdict.
#[derive(Debug)]
struct Indexed {
    path: String,
    /// Member tags that are not their hash in upper-case hex, and file names, end to end.
    text: String,
    /// Per member, in the catalog's order: its tag and file name in `text` (`None` for a tag
    /// that is the hash in hex, as makecat writes it: rebuilt from the hash when reported).
    members: Vec<MemberText>,
    /// The catalog's deciding signature, as evaluated for its own report (`None`: unsigned).
    signature: Option<SignatureOutcome>,
}

#[derive(Debug)]
struct MemberText {
    tag: Option<Range<u32>>,
    file_name: Option<Range<u32>>,
}

/// One listed hash: the hash's bytes in the index's arena, and which member lists it.
#[derive(Clone, Copy, Debug)]
struct Listing {
    algorithm: DigestAlgorithm,
    digest: (u32, u8),
    catalog: u32,
    member: u32,
}

/// Catalogs a [`Verifier`] looks files up in ([`Verifier::with_catalogs`]).
///
/// A copied CatRoot lists about a million hashes, and every worker of a cluster job holds
/// the index, so it is compact: the hashes in one arena, one 16-byte listing per member
/// sorted once (on the first lookup after the last [`CatalogIndex::add`]) and searched by
/// bisection, and per member only what a report names (tag, file name). Measured in
/// BENCHMARKS.md (scripts/bench-catroot.sh).
#[derive(Debug, Default)]
pub struct CatalogIndex {
    catalogs: Vec<Indexed>,
    digests: Vec<u8>,
    /// Listings added since the last sort.
    pending: Mutex<Vec<Listing>>,
    /// All listings, sorted by (algorithm, hash): built from `pending` on the first lookup.
    sorted: OnceLock<Vec<Listing>>,
    /// The digest algorithms the members use (asked for every file verified: kept, not
    /// recomputed from a million listings).
    algorithms: Vec<DigestAlgorithm>,
}

/// A catalog verified and read, not yet indexed ([`CatalogIndex::verify`]).
#[derive(Debug)]
pub struct VerifiedCatalog {
    path: String,
    report: FileReport,
    catalog: crate::catalog::Catalog,
    /// The catalog's deciding signature, which files it lists take as theirs.
    signature: Option<SignatureOutcome>,
}

/// `what` as a u32 index, or the error that the index is full.
fn index_u32(n: usize, what: &str) -> Result<u32, Error> {
    u32::try_from(n).map_err(|_| {
        Error::Catalog(CatalogError::NotACatalog {
            detail: format!("the catalog index is full ({what} beyond 2^32)"),
        })
    })
}

impl CatalogIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Verifies the catalog file `bytes` (named `path` in reports) with `verifier` at `at`
    /// and indexes its members; returns the catalog's own report.
    pub fn add(&mut self, path: &str, bytes: &[u8], verifier: &Verifier, at: UnixTime) -> Result<FileReport, Error> {
        self.insert(Self::verify(path, bytes, verifier, at)?)
    }

    /// The costly half of [`CatalogIndex::add`], which needs no index: verifies the catalog
    /// file `bytes` and reads its members. Catalogs can be verified on many threads and
    /// inserted one by one.
    pub fn verify(path: &str, bytes: &[u8], verifier: &Verifier, at: UnixTime) -> Result<VerifiedCatalog, Error> {
        let mut consumed = |_| {};
        let mut feed = crate::digest::slice_feed(bytes, &mut consumed);
        // Not a catalog: the list parser says why.
        let not_a_catalog = || {
            let why = crate::catalog::Catalog::parse(bytes).err();
            Err(why
                .unwrap_or(CatalogError::NotACatalog {
                    detail: "not a SignedData over a catalog list".into(),
                })
                .into())
        };
        let (examined, catalog) = verifier
            .try_catalog(bytes, at, &mut *feed)
            .unwrap_or_else(not_a_catalog)?;
        let signature = examined.evidence.signatures.first().cloned();
        Ok(VerifiedCatalog {
            path: path.to_string(),
            report: verifier.conclude(examined),
            catalog,
            signature,
        })
    }

    /// Indexes a catalog [`CatalogIndex::verify`] read; returns the catalog's own report.
    pub fn insert(&mut self, verified: VerifiedCatalog) -> Result<FileReport, Error> {
        let VerifiedCatalog {
            path,
            report,
            catalog,
            signature,
        } = verified;
        let catalog_index = index_u32(self.catalogs.len(), "catalogs")?;
        let mut listings = Vec::with_capacity(catalog.members.len());
        let mut indexed = Indexed {
            path,
            text: String::new(),
            members: Vec::with_capacity(catalog.members.len()),
            signature,
        };
        for (m, member) in catalog.members.iter().enumerate() {
            if !self.algorithms.contains(&member.digest_algorithm) {
                self.algorithms.push(member.digest_algorithm);
                self.algorithms.sort();
            }
            let start = index_u32(self.digests.len(), "hash bytes")?;
            let len = u8::try_from(member.digest.len()).map_err(|_| {
                Error::Catalog(CatalogError::NotACatalog {
                    detail: format!("a member hash of {} bytes", member.digest.len()),
                })
            })?;
            self.digests.extend_from_slice(&member.digest);
            listings.push(Listing {
                algorithm: member.digest_algorithm,
                digest: (start, len),
                catalog: catalog_index,
                member: index_u32(m, "members")?,
            });
            indexed.members.push(member_text(&mut indexed.text, member)?);
        }
        self.catalogs.push(indexed);
        // Listings already sorted go back to the pending ones: the next lookup sorts all.
        let pending = self
            .pending
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(sorted) = self.sorted.take() {
            pending.extend(sorted);
        }
        pending.extend(listings);
        Ok(report)
    }

    /// How many catalogs are indexed.
    pub fn len(&self) -> usize {
        self.catalogs.len()
    }

    /// No catalog is indexed.
    pub fn is_empty(&self) -> bool {
        self.catalogs.is_empty()
    }

    /// The digest algorithms the indexed members use.
    pub fn algorithms(&self) -> &[DigestAlgorithm] {
        &self.algorithms
    }

    fn digest_of(&self, l: &Listing) -> &[u8] {
        let (start, len) = l.digest;
        let start = usize::try_from(start).unwrap_or(usize::MAX);
        start
            .checked_add(usize::from(len))
            .and_then(|end| self.digests.get(start..end))
            .unwrap_or_default()
    }

    /// All listings, sorted by (algorithm, hash): sorted once, on the first lookup.
    fn sorted(&self) -> &[Listing] {
        self.sorted.get_or_init(|| {
            let mut all = std::mem::take(&mut *self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
            all.sort_unstable_by(|a, b| (a.algorithm, self.digest_of(a)).cmp(&(b.algorithm, self.digest_of(b))));
            all
        })
    }

    /// The members (and their catalogs) listing `digest` in `alg`, with their tags and file
    /// names.
    fn lookup<'s>(
        &'s self,
        alg: DigestAlgorithm,
        digest: &'s [u8],
    ) -> impl Iterator<Item = (&'s Indexed, String, Option<String>)> + 's {
        let sorted = self.sorted();
        let key = (alg, digest);
        let first = sorted.partition_point(|l| (l.algorithm, self.digest_of(l)) < key);
        sorted
            .get(first..)
            .unwrap_or_default()
            .iter()
            .take_while(move |l| (l.algorithm, self.digest_of(l)) == key)
            .filter_map(move |l| {
                let catalog = self.catalogs.get(usize::try_from(l.catalog).ok()?)?;
                let text = catalog.members.get(usize::try_from(l.member).ok()?)?;
                let slice = |r: &Range<u32>| {
                    let r = usize::try_from(r.start).ok()?..usize::try_from(r.end).ok()?;
                    catalog.text.get(r).map(str::to_string)
                };
                let tag = match &text.tag {
                    Some(r) => slice(r)?,
                    None => hex::encode_upper(digest),
                };
                Some((catalog, tag, text.file_name.as_ref().and_then(slice)))
            })
    }
}

/// Appends what reports say of `member` to `text`: its tag unless it is its hash in
/// upper-case hex, and its file name.
fn member_text(text: &mut String, member: &CatalogMember) -> Result<MemberText, Error> {
    let mut put = |s: &str| -> Result<Range<u32>, Error> {
        let start = index_u32(text.len(), "text bytes")?;
        text.push_str(s);
        Ok(start..index_u32(text.len(), "text bytes")?)
    };
    let tag = if member.tag == hex::encode_upper(&member.digest) {
        None
    } else {
        Some(put(&member.tag)?)
    };
    let file_name = member.file_name.as_deref().map(&mut put).transpose()?;
    Ok(MemberText { tag, file_name })
}

/// A signature with a catalog origin for every signed catalog listing one of the file's
/// `digests`, indexed from `first_index` on: the catalog's own signature, over the member's
/// hash (the one looked up, so it matches). An unsigned catalog that lists the file has
/// nothing to judge; `notes` says so.
pub(crate) fn catalog_signatures(
    index: &CatalogIndex,
    digests: &[(DigestAlgorithm, Vec<u8>)],
    first_index: usize,
    notes: &mut Vec<Finding>,
) -> Vec<SignatureOutcome> {
    let mut found: Vec<SignatureOutcome> = Vec::new();
    for (alg, digest) in digests {
        for (catalog, tag, file_name) in index.lookup(*alg, digest) {
            let Some(signature) = &catalog.signature else {
                notes.push(Finding::information(
                    Rule::CatalogListed,
                    format!(
                        "listed by the unsigned catalog {} (member {tag}): nothing to judge",
                        catalog.path
                    ),
                ));
                continue;
            };
            found.push(SignatureOutcome {
                index: first_index.saturating_add(found.len()),
                origin: Origin::Catalog {
                    path: catalog.path.clone(),
                    member: tag,
                    file_name,
                },
                digest: DigestCheck {
                    algorithm: Some(*alg),
                    signed: Some(digest.clone()),
                    computed: Some(digest.clone()),
                    matches: true,
                },
                ..signature.clone()
            });
        }
    }
    found
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::indexing_slicing)] // a test: a missing vector should stop it
mod tests {
    use super::CatalogIndex;
    use crate::{DigestAlgorithm, Policy, TrustStore, UnixTime, Verifier};

    fn vectors() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors")
    }

    fn read(rel: &str) -> Vec<u8> {
        std::fs::read(vectors().join(rel)).expect("vector")
    }

    /// Every hash `catalog` lists, in its algorithm.
    fn hashes_of(catalog: &str) -> Vec<(DigestAlgorithm, Vec<u8>)> {
        let c = crate::catalog::Catalog::parse(&read(catalog)).expect("catalog");
        c.members
            .iter()
            .map(|m| (m.digest_algorithm, m.digest.clone()))
            .collect()
    }

    #[test]
    fn an_index_grown_after_a_lookup_finds_old_and_new_members() {
        // The listings are sorted on the first lookup; a catalog added after it is found,
        // and so are the earlier ones, each in its own catalog with its file name.
        let mut trust = TrustStore::new();
        trust.load_anchors(&vectors().join("pki/root.crt")).expect("root");
        let v = Verifier::new(trust, Policy::windows());
        let at = UnixTime::from_secs(1_780_272_000);
        let mut index = CatalogIndex::new();
        let first = "catalogs/driver-sha256.cat";
        let second = "containers/catalog/packages.cat";
        index.add(first, &read(first), &v, at).expect("indexed");
        let found = |index: &CatalogIndex, catalog: &str| {
            hashes_of(catalog)
                .iter()
                .map(|(alg, h)| {
                    let hits: Vec<_> = index.lookup(*alg, h).map(|(c, _, f)| (c.path.clone(), f)).collect();
                    assert_eq!(hits.len(), 1, "{catalog}: {hits:?}");
                    assert_eq!(hits[0].0, catalog);
                    hits[0].1.clone()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(found(&index, first).len(), 3);
        assert!(index.lookup(DigestAlgorithm::Sha256, &[0; 32]).next().is_none());
        index.add(second, &read(second), &v, at).expect("indexed");
        assert_eq!(found(&index, first).len(), 3);
        let names = found(&index, second);
        assert_eq!(
            names,
            [Some("unsigned.cab".to_string()), Some("unsigned.msi".to_string())]
        );
        assert_eq!(index.algorithms(), [DigestAlgorithm::Sha256]);
    }
}
