//! Path building: depth-first search with backtracking over every candidate issuer, with a
//! work budget, collecting why each dead end failed so that the report can name what is
//! missing.
//!
//! Candidates are found by issuer name (exact DER, then RFC 5280 equality); key
//! identifiers only sort them (RFC 4158 §5.3: they must never eliminate). Every link is a
//! verified signature. A path closes only at an anchor of the trust store, bound by its
//! exact bytes: a self-signed certificate carried in the file is never an anchor
//! (RFC 4158 §6.6). Loops are cut by certificate and by (subject, key) repetition.
//!
//! One module per concern, as webpki keeps them: the request and its purpose (here), the
//! result types ([`chain`]), the search and its budget (`search`), the per-certificate
//! and per-path rules (`rules`), the ranking of failed paths (`rank`), how a missing
//! certificate is named (`missing`) and who vouches for it ([`vouch`]), and the link
//! cache shared across files ([`cache`]).

pub(crate) mod cache;
pub(crate) mod chain;
mod missing;
mod rank;
pub(crate) mod revocation;
mod rules;
mod search;
pub(crate) mod vouch;

use std::sync::Arc;

use const_oid::ObjectIdentifier;

pub use crate::path::cache::LinkCache;
pub use crate::path::chain::ChainStatus;
pub(crate) use crate::path::chain::{Chain, Missing};
pub(crate) use crate::path::rules::PathRules;
pub(crate) use crate::path::search::build;
use crate::policy::Budget;
use crate::time::UnixTime;
use crate::trust::builtin::Dictionary;
use crate::trust::TrustStore;
use crate::x509::certificate::{eku, Certificate};

/// What a chain is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    CodeSigning,
    /// The signer of a catalog file: Authenticode's codeSigning, or the driver and system
    /// component verification EKUs Microsoft's catalog signers carry (docs/ARCHITECTURE.md).
    CatalogSigning,
    TimeStamping,
    /// The signer of Microsoft's root-program CTL.
    RootListSigning,
}

impl Purpose {
    /// EKUs that grant the purpose. Windows also honours Microsoft's legacy time-stamp
    /// signing EKU for TSAs.
    fn ekus(self) -> &'static [ObjectIdentifier] {
        match self {
            Self::CodeSigning => &[eku::CODE_SIGNING],
            Self::CatalogSigning => &[eku::CODE_SIGNING, eku::WHQL_CRYPTO, eku::NT5_CRYPTO],
            Self::TimeStamping => &[eku::TIME_STAMPING, eku::MS_TIME_STAMP_SIGNING],
            Self::RootListSigning => &[eku::ROOT_LIST_SIGNER],
        }
    }

    /// What the leaf of such a path is called in reports.
    fn leaf_role(self) -> &'static str {
        match self {
            Self::CodeSigning => "signer",
            Self::CatalogSigning => "catalog signer",
            Self::TimeStamping => "TSA",
            Self::RootListSigning => "CTL signer",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::CodeSigning => "codeSigning (1.3.6.1.5.5.7.3.3)",
            Self::CatalogSigning => {
                "codeSigning, Windows Hardware Driver Verification or Windows System Component Verification"
            }
            Self::TimeStamping => "timeStamping (1.3.6.1.5.5.7.3.8)",
            Self::RootListSigning => "rootListSigner (1.3.6.1.4.1.311.10.3.9)",
        }
    }
}

pub(crate) struct ChainRequest<'a> {
    pub(crate) leaf: &'a Arc<Certificate>,
    pub(crate) embedded: &'a [Arc<Certificate>],
    pub(crate) trust: &'a TrustStore,
    pub(crate) at: UnixTime,
    /// The instant the caller verifies at (`--at`, or now). `at` may be a time a timestamp
    /// claims (a TSA chain is judged at its own genTime); who vouches for a missing
    /// certificate is judged as of this instant too, since installing it acts from now on.
    pub(crate) verification_time: UnixTime,
    pub(crate) purpose: Purpose,
    pub(crate) budget: Budget,
    pub(crate) rules: PathRules,
    pub(crate) links: Option<&'a LinkCache>,
    /// Where a missing certificate may be named from beyond the file and the store.
    pub(crate) dictionary: Dictionary,
}
