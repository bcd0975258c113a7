//! Catalog-signed files: catalogs given to the verifier are each verified once and their
//! members indexed by hash; a file is looked up by its digests (a PE image's Authenticode
//! digests, any other file's flat hash, every algorithm the catalogs use, from the one pass
//! that computes the file's own digests), and each matching catalog's signature joins the
//! file's report as a signature of kind `catalog`. As on Windows, a file whose embedded
//! signature does not make it valid is valid when a catalog that lists it is.

use std::collections::HashMap;

use crate::catalog::CatalogMember;
use crate::digest::DigestAlgorithm;
use crate::error::Error;
use crate::finding::{Finding, Rule};
use crate::report::{
    CatalogMemberRef, ChainRole, FileReport, FileStatus, MissingCertificate, NeededBy, SignatureKind, SignatureReport,
};
use crate::time::UnixTime;
use crate::Verifier;

/// One catalog: where it came from, its members, and its own verdict.
#[derive(Debug)]
struct Indexed {
    path: String,
    members: Vec<CatalogMember>,
    /// The catalog's deciding signature, as its own report has it (`None`: unsigned).
    signature: Option<SignatureReport>,
}

/// Where a hash is listed: (catalog, member) positions.
type Listings = HashMap<(DigestAlgorithm, Vec<u8>), Vec<(usize, usize)>>;

/// Catalogs a [`Verifier`] looks files up in ([`Verifier::with_catalogs`]).
#[derive(Debug, Default)]
pub struct CatalogIndex {
    catalogs: Vec<Indexed>,
    by_hash: Listings,
    /// The digest algorithms the members use (asked for every file verified: kept, not
    /// recomputed from a million keys).
    algorithms: Vec<DigestAlgorithm>,
}

impl CatalogIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Verifies the catalog file `bytes` (named `path` in reports) with `verifier` at `at`
    /// and indexes its members; returns the catalog's own report.
    pub fn add(&mut self, path: &str, bytes: &[u8], verifier: &Verifier, at: UnixTime) -> Result<FileReport, Error> {
        let mut consumed = |_| {};
        let mut feed = crate::pe::image::digest::slice_feed(bytes, &mut consumed);
        // Not a catalog: the list parser says why.
        let not_a_catalog = || {
            let why = crate::catalog::Catalog::parse(bytes).err();
            Err(why
                .unwrap_or(crate::error::CatalogError::NotACatalog {
                    detail: "not a SignedData over a catalog list".into(),
                })
                .into())
        };
        let (report, catalog) = verifier
            .try_catalog(bytes, at, &mut *feed)
            .unwrap_or_else(not_a_catalog)?;
        let index = self.catalogs.len();
        for (m, member) in catalog.members.iter().enumerate() {
            if !self.algorithms.contains(&member.digest_algorithm) {
                self.algorithms.push(member.digest_algorithm);
                self.algorithms.sort();
            }
            self.by_hash
                .entry((member.digest_algorithm, member.digest.clone()))
                .or_default()
                .push((index, m));
        }
        self.catalogs.push(Indexed {
            path: path.to_string(),
            members: catalog.members,
            signature: report.signatures.first().cloned(),
        });
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

    /// The catalog members (and their catalogs) listing `digest` in `alg`.
    fn lookup(&self, alg: DigestAlgorithm, digest: &[u8]) -> impl Iterator<Item = (&Indexed, &CatalogMember)> {
        self.by_hash
            .get(&(alg, digest.to_vec()))
            .into_iter()
            .flatten()
            .filter_map(|&(c, m)| {
                let catalog = self.catalogs.get(c)?;
                Some((catalog, catalog.members.get(m)?))
            })
    }
}

/// Adds a signature of kind `catalog` to `report` for every catalog listing one of the
/// file's `digests`, then lets them decide when the file's own signatures do not make it
/// valid.
pub(crate) fn add_catalog_signatures(
    index: &CatalogIndex,
    digests: &[(DigestAlgorithm, Vec<u8>)],
    report: &mut FileReport,
) {
    let embedded = report.signatures.len();
    for (alg, digest) in digests {
        for (catalog, member) in index.lookup(*alg, digest) {
            let Some(signature) = &catalog.signature else {
                report.notes.push(Finding::information(
                    Rule::CatalogListed,
                    format!(
                        "listed by the unsigned catalog {} (member {}): nothing to judge",
                        catalog.path, member.tag
                    ),
                ));
                continue;
            };
            let mut s = signature.clone();
            s.index = report.signatures.len();
            s.nested_in = None;
            s.table_entry = 0;
            s.kind = SignatureKind::Catalog;
            s.catalog = Some(CatalogMemberRef {
                path: catalog.path.clone(),
                member: member.tag.clone(),
                file_name: member.file_name.clone(),
            });
            s.digest_algorithm = Some(alg.name().to_string());
            s.signed_digest = Some(hex::encode(&member.digest));
            s.computed_digest = Some(hex::encode(digest));
            s.digest_matches = true;
            report.signatures.push(s);
        }
    }
    let catalog_signatures = report.signatures.get(embedded..).unwrap_or_default();
    if report.status == FileStatus::Valid || catalog_signatures.is_empty() {
        return;
    }
    if let Some(valid) = catalog_signatures.iter().find(|s| s.status == FileStatus::Valid) {
        let why = valid
            .catalog
            .as_ref()
            .map_or_else(String::new, |c| format!("{} (member {})", c.path, c.member));
        report.notes.push(Finding::information(
            Rule::CatalogListed,
            format!("valid through the catalog {why}, which lists the file's hash"),
        ));
        report.status = FileStatus::Valid;
        report.missing.clear();
        return;
    }
    if report.status == FileStatus::Unsigned {
        // No signature of its own: the catalogs' verdict is the file's, and what their
        // chains miss is what to install.
        let untrusted = catalog_signatures.iter().any(|s| s.status == FileStatus::Untrusted);
        report.status = if untrusted {
            FileStatus::Untrusted
        } else {
            FileStatus::Invalid
        };
        let mut missing: Vec<MissingCertificate> = Vec::new();
        for s in catalog_signatures {
            if let Some(chain) = &s.chain {
                for m in &chain.missing {
                    super::merge_missing(
                        &mut missing,
                        m,
                        NeededBy {
                            signature: s.index,
                            chain: ChainRole::Signer,
                        },
                    );
                }
            }
        }
        report.missing = missing;
    }
}
