//! What evaluating a signature found, in the verifier's own types: the file's verdict is
//! decided from these ([`super::verdict`]), and the report is made from them once, at the
//! end (`report.rs` converts them, as it converts `path::Chain`).

use std::sync::Arc;

use super::timestamp::Timestamp;
use crate::digest::DigestAlgorithm;
use crate::finding::Finding;
use crate::path;
use crate::report::{EvaluatedAt, FileStatus};
use crate::x509::certificate::Certificate;

/// Where a signature comes from.
#[derive(Clone, Debug)]
pub(crate) enum Origin {
    /// Carried by the file: in certificate table entry `table_entry` (0 for formats with one
    /// signature area), nested in signature `nested_in` when it is not the entry's own.
    Embedded {
        table_entry: usize,
        nested_in: Option<usize>,
    },
    /// A catalog's signature, for a file the catalog lists by its hash.
    Catalog {
        /// The catalog file, as given to the verifier.
        path: String,
        /// The member's tag.
        member: String,
        /// The member's `File` name, when it has one.
        file_name: Option<String>,
    },
}

/// The signed file digest against the file's.
#[derive(Clone, Debug, Default)]
pub(crate) struct DigestCheck {
    /// The file digest algorithm, when it is one authverify computes.
    pub(crate) algorithm: Option<DigestAlgorithm>,
    /// The digest the signature covers.
    pub(crate) signed: Option<Vec<u8>>,
    /// The file's digest in `algorithm`.
    pub(crate) computed: Option<Vec<u8>>,
    /// `signed == computed`.
    pub(crate) matches: bool,
}

/// The page hashes a signature carries, checked against the file.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PageHashes {
    pub(crate) algorithm: DigestAlgorithm,
    pub(crate) pages: usize,
    pub(crate) matches: bool,
}

/// One signature, evaluated.
#[derive(Clone, Debug)]
pub(crate) struct SignatureOutcome {
    /// Position among the file's signatures (0 = primary), catalog ones after the file's own.
    pub(crate) index: usize,
    pub(crate) origin: Origin,
    /// The verdict on this signature alone.
    pub(crate) status: FileStatus,
    pub(crate) digest: DigestCheck,
    /// The signer's signature verifies and the form rules allow it.
    pub(crate) signature_valid: bool,
    pub(crate) signer: Option<Arc<Certificate>>,
    pub(crate) chain: Option<path::Chain>,
    pub(crate) timestamp: Option<Timestamp>,
    pub(crate) evaluated_at: Option<EvaluatedAt>,
    pub(crate) page_hashes: Option<PageHashes>,
    /// Why it could not be read or checked, when it could not.
    pub(crate) error: Option<Finding>,
    pub(crate) findings: Vec<Finding>,
}

impl SignatureOutcome {
    /// Signature `index` from `origin` before anything about it is known to hold.
    pub(crate) fn unverified(index: usize, origin: Origin, findings: Vec<Finding>) -> Self {
        Self {
            index,
            origin,
            status: FileStatus::Invalid,
            digest: DigestCheck::default(),
            signature_valid: false,
            signer: None,
            chain: None,
            timestamp: None,
            evaluated_at: None,
            page_hashes: None,
            error: None,
            findings,
        }
    }

    /// Carried by the file (not a catalog's).
    pub(crate) fn is_embedded(&self) -> bool {
        matches!(self.origin, Origin::Embedded { .. })
    }

    /// Its page hashes, when it carries them, do not match the file.
    pub(crate) fn pages_differ(&self) -> bool {
        self.page_hashes.is_some_and(|p| !p.matches)
    }
}
