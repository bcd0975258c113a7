//! The built-in catalog: certificates compiled into the crate.
//!
//! It is the default trust (`TrustStore::builtin`) and always the dictionary used to name a
//! missing certificate, even when the user trusts something else. Regenerate `entries.rs`
//! with `scripts/gen-catalog.py` after changing `crates/authverify/catalog/`.

mod entries;

use std::sync::{Arc, OnceLock};

use crate::certificate::Certificate;

/// Which Windows store a certificate belongs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Store {
    /// Trusted Root Certification Authorities.
    Root,
    /// Intermediate Certification Authorities.
    Intermediate,
}

impl Store {
    /// The store's name in the Windows certificate manager.
    pub fn windows_name(self) -> &'static str {
        match self {
            Self::Root => "Trusted Root Certification Authorities",
            Self::Intermediate => "Intermediate Certification Authorities",
        }
    }
}

/// One compiled-in certificate.
#[derive(Debug)]
pub struct CatalogEntry {
    /// Friendly name (as in Microsoft's CTL or the publisher's documentation).
    pub name: &'static str,
    /// SHA-1 thumbprint, lowercase hex.
    pub sha1: &'static str,
    /// The store it belongs in.
    pub store: Store,
    /// DER bytes.
    pub der: &'static [u8],
}

/// A catalog entry with its parsed certificate.
#[derive(Debug, Clone)]
pub struct CatalogCertificate {
    /// The entry.
    pub entry: &'static CatalogEntry,
    /// The certificate.
    pub certificate: Arc<Certificate>,
}

/// Every entry of the catalog, parsed once per process.
pub fn catalog() -> &'static [CatalogCertificate] {
    static PARSED: OnceLock<Vec<CatalogCertificate>> = OnceLock::new();
    PARSED.get_or_init(|| {
        entries::ENTRIES
            .iter()
            // The generator checked every entry's SHA-1 and tests parse every entry, so
            // nothing is dropped here in practice; a broken entry is skipped, not fatal.
            .filter_map(|entry| {
                Certificate::from_der(entry.der).ok().map(|c| CatalogCertificate {
                    entry,
                    certificate: Arc::new(c),
                })
            })
            .collect()
    })
}

/// The raw entries (for tests and listings).
pub fn entries() -> &'static [CatalogEntry] {
    entries::ENTRIES
}

/// Catalog certificates whose subject is `name_der`.
pub(crate) fn by_subject(name_der: &[u8]) -> impl Iterator<Item = &'static CatalogCertificate> + '_ {
    catalog()
        .iter()
        .filter(move |c| c.certificate.subject_der() == name_der)
}
