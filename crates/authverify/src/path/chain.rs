//! What a search returns: the verdict ([`ChainStatus`]), the path, what is missing and
//! why, and the other paths that failed.

use std::sync::Arc;

use crate::finding::Finding;
use crate::path::vouch;
use crate::time::UnixTime;
use crate::trust::builtin::Store;
use crate::x509::certificate::Certificate;

/// Result of chain building.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum ChainStatus {
    /// A path reaches a trusted anchor and every rule holds.
    Trusted,
    /// The path ends at a root that is not trusted.
    MissingRoot,
    /// A known intermediate (from the built-in set or the file) is not in the trust
    /// material; installing it into the Intermediate store closes or extends the chain.
    MissingIntermediate,
    /// An issuer is nowhere at hand (not in the file, the trust material, the built-in set
    /// or any CTL): whether it is a root or an intermediate cannot be known.
    MissingIssuer,
    /// The root is trusted but not for this purpose.
    RootNotTrustedForPurpose,
    /// The root is disabled at the evaluation time.
    RootDisabled,
    /// A certificate on the path is distrusted.
    Distrusted,
    /// A certificate on the path had expired at the evaluation time.
    Expired,
    /// A certificate on the path was not yet valid at the evaluation time.
    NotYetValid,
    /// A certificate signature on the path does not verify.
    BadSignature,
    /// basicConstraints, pathLen, keyUsage or EKU forbid the path.
    ConstraintViolation,
    /// The search budget ran out before a path was found.
    BudgetExceeded,
    /// A certificate on the path is revoked at the instant the chain is judged at, by a
    /// CRL its issuer signed.
    Revoked,
}

impl ChainStatus {
    /// The snake_case name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Trusted => "trusted",
            Self::MissingRoot => "missing_root",
            Self::MissingIntermediate => "missing_intermediate",
            Self::MissingIssuer => "missing_issuer",
            Self::RootNotTrustedForPurpose => "root_not_trusted_for_purpose",
            Self::RootDisabled => "root_disabled",
            Self::Distrusted => "distrusted",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::BadSignature => "bad_signature",
            Self::ConstraintViolation => "constraint_violation",
            Self::BudgetExceeded => "budget_exceeded",
            Self::Revoked => "revoked",
        }
    }
}

/// A certificate a chain needs and the trust material lacks, as the path builder knows it
/// (the report layer renders it as a `MissingCertificate`).
#[derive(Clone, Debug)]
pub(crate) struct Missing {
    /// The store it belongs in, or `Unknown` when nobody at hand can tell.
    pub(crate) store: Store,
    /// Its subject (the issuer name of the certificate below it), RFC 4514 style.
    pub(crate) subject: String,
    /// The key identifier it must carry.
    pub(crate) key_id: Option<Vec<u8>>,
    /// Its SHA-1 thumbprint, when the built-in set, a CTL or the file identifies it.
    pub(crate) sha1: Option<Vec<u8>>,
    /// Its SHA-256 thumbprint, when known.
    pub(crate) sha256: Option<Vec<u8>>,
    /// Its friendly name, when the built-in set or a CTL knows it.
    pub(crate) name: Option<String>,
    /// The certificate itself, when authverify holds it (built-in set or file).
    pub(crate) certificate: Option<Arc<Certificate>>,
    /// Who vouches for it: only a vouched certificate may enter an install plan.
    pub(crate) vouched_by: vouch::VouchedBy,
    /// The built-in root (name, SHA-1) whose subject this self-signed certificate takes
    /// with another key.
    pub(crate) impostor_of: Option<(String, String)>,
}

impl Missing {
    /// Two entries denote the same certificate (thumbprint, else subject and key id).
    pub(super) fn same_certificate(&self, other: &Self) -> bool {
        match (&self.sha1, &other.sha1) {
            (Some(a), Some(b)) => a == b,
            _ => self.subject == other.subject && self.key_id.is_some() && self.key_id == other.key_id,
        }
    }
}

/// Another path the builder tried, and why it failed.
#[derive(Clone, Debug)]
pub(crate) struct Alternative {
    pub(crate) status: ChainStatus,
    pub(crate) path: Vec<Arc<Certificate>>,
    pub(crate) missing: Vec<Missing>,
    pub(crate) detail: Option<Finding>,
}

impl Alternative {
    /// The same failure (status, certificates, what is missing, why) as `other`.
    pub(super) fn same_as(&self, other: &Self) -> bool {
        let key = |a: &Self| {
            let certs: Vec<[u8; 32]> = a.path.iter().map(|c| c.sha256()).collect();
            let missing: Vec<(Option<Vec<u8>>, String)> =
                a.missing.iter().map(|m| (m.sha1.clone(), m.subject.clone())).collect();
            (a.status, certs, missing, a.detail.as_ref().map(|d| d.detail.clone()))
        };
        key(self) == key(other)
    }
}

/// The result of one search, in the builder's terms.
#[derive(Clone, Debug)]
pub(crate) struct Chain {
    /// The verdict.
    pub(crate) status: ChainStatus,
    /// The best path found, leaf first.
    pub(crate) path: Vec<Arc<Certificate>>,
    /// What to install to close it.
    pub(crate) missing: Vec<Missing>,
    /// The rule that failed.
    pub(crate) detail: Option<Finding>,
    /// Other paths that failed.
    pub(crate) alternatives: Vec<Alternative>,
    /// Leniencies a trusted path relied on, and what revocation checking noted (lists not
    /// used, used past their nextUpdate, revocations after the instant judged at).
    pub(crate) leniencies: Vec<Finding>,
    /// The instant it was judged at.
    pub(crate) at: UnixTime,
}

pub(super) fn report(
    at: UnixTime,
    status: ChainStatus,
    path: &[Arc<Certificate>],
    missing: Vec<Missing>,
    detail: Option<Finding>,
    alternatives: Vec<Alternative>,
) -> Chain {
    Chain {
        status,
        path: path.to_vec(),
        missing,
        detail,
        alternatives,
        leniencies: Vec::new(),
        at,
    }
}
