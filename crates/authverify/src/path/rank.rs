//! Ranking the paths a search could not close: the most useful failure is the verdict,
//! the next ones its alternatives.

use std::sync::Arc;

use crate::finding::{Finding, Rule};
use crate::path::chain::{report, Alternative, Chain, ChainStatus, Missing};
use crate::path::ChainRequest;
use crate::x509::certificate::Certificate;

/// One failed path, ranked to pick the headline.
#[derive(Clone, Debug)]
pub(super) struct Failure {
    pub(super) status: ChainStatus,
    pub(super) path: Vec<Arc<Certificate>>,
    pub(super) missing: Vec<Missing>,
    pub(super) detail: Finding,
    /// Installing `missing` would close the chain: every certificate below is valid at the
    /// evaluation time and, when the missing certificates are known, every link verifies.
    pub(super) closes: bool,
}

impl Failure {
    /// Higher is a more useful explanation. What an admin can install to close the chain
    /// comes first — the fewest certificates, then the shortest path (the root the issuer
    /// name itself designates, e.g. DigiCert Trusted Root G4, before a cross-certificate to
    /// an older root), so that a signer chain and its timestamp chain name the same root;
    /// then a path that reached an anchor and broke a rule; then what would be missing on
    /// paths that would still fail (a missing root again by fewest certificates and shortest
    /// path); among the rest, the longer path is closer to an anchor.
    pub(super) fn rank(&self) -> (u8, bool, std::cmp::Reverse<(usize, usize)>, isize) {
        // Among fixes that close the chain, the root the path itself leads to comes before
        // an intermediate (a cross-certificate) that reaches another root; the other is
        // listed as an alternative.
        let root_fix = self.closes && self.status == ChainStatus::MissingRoot;
        let r = match self.status {
            ChainStatus::Trusted => 10,
            ChainStatus::MissingRoot | ChainStatus::MissingIntermediate if self.closes => 9,
            ChainStatus::Expired | ChainStatus::NotYetValid | ChainStatus::ConstraintViolation => 8,
            ChainStatus::RootNotTrustedForPurpose
            | ChainStatus::RootDisabled
            | ChainStatus::Distrusted
            | ChainStatus::Revoked => 7,
            ChainStatus::MissingRoot => 6,
            ChainStatus::MissingIntermediate | ChainStatus::MissingIssuer => 5,
            ChainStatus::BadSignature => 4,
            ChainStatus::BudgetExceeded => 3,
        };
        let len = isize::try_from(self.path.len()).unwrap_or(isize::MAX);
        // A path that reached a root, closing or not (an expired leaf closes once the
        // timestamp's own root is installed), is judged like a fix.
        if self.closes || self.status == ChainStatus::MissingRoot {
            // Certificates authverify can hand over before those it can only name.
            let unavailable = self.missing.iter().filter(|m| m.certificate.is_none()).count();
            let fix = std::cmp::Reverse((unavailable, self.missing.len()));
            (r, root_fix, fix, len.saturating_neg())
        } else {
            (r, root_fix, std::cmp::Reverse((0, 0)), len)
        }
    }
}

/// Alternatives listed in a report.
const MAX_ALTERNATIVES: usize = 8;

/// No path closed: the best-ranked failure is the verdict, the others (at most
/// [`MAX_ALTERNATIVES`]) its alternatives; a search cut short by the budget says so unless
/// it found something better than a missing certificate.
pub(super) fn conclude(req: &ChainRequest<'_>, mut failures: Vec<Failure>, exhausted: bool) -> Chain {
    // Best first; stable, so among equal ranks the first found (anchors are tried first)
    // leads.
    failures.sort_by_key(|f| std::cmp::Reverse(f.rank()));
    let mut alternatives: Vec<Alternative> = Vec::new();
    let mut iter = failures.into_iter();
    let Some(best) = iter.next() else {
        return report(
            req.at,
            ChainStatus::BudgetExceeded,
            std::slice::from_ref(req.leaf),
            Vec::new(),
            Some(Finding::refusal(
                Rule::ChainBudget,
                "search budget exhausted before any path was complete",
            )),
            Vec::new(),
        );
    };
    for f in iter {
        let alt = Alternative {
            status: f.status,
            path: f.path,
            missing: f.missing,
            detail: Some(f.detail),
        };
        if alternatives.len() < MAX_ALTERNATIVES && !alternatives.iter().any(|a| a.same_as(&alt)) {
            alternatives.push(alt);
        }
    }
    if exhausted && best.rank().0 < 6 {
        return report(
            req.at,
            ChainStatus::BudgetExceeded,
            &best.path,
            Vec::new(),
            Some(Finding::refusal(
                Rule::ChainBudget,
                format!("search budget exhausted; best failure so far: {}", best.detail),
            )),
            alternatives,
        );
    }
    report(
        req.at,
        best.status,
        &best.path,
        best.missing,
        Some(best.detail),
        alternatives,
    )
}
