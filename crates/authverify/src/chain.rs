//! Path building: depth-first search with backtracking over every candidate issuer, with a
//! work budget, collecting why each dead end failed so that the report can name what is
//! missing.

use std::sync::Arc;

use const_oid::ObjectIdentifier;

use crate::catalog::{self, Store};
use crate::certificate::{eku, Certificate, KEY_CERT_SIGN};
use crate::report::{CertificateSummary, ChainReport, ChainStatus, MissingCertificate};
use crate::time::UnixTime;
use crate::trust::TrustStore;

/// Limits on one chain search. Defaults: real Authenticode chains are 2–5 certificates
/// deep; 12 leaves room for cross-certificates. 256 signature checks cover every candidate
/// of a 10,000-certificate bag that matters by name while bounding hostile input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Maximum certificates on a path, leaf included.
    pub max_depth: usize,
    /// Maximum signature verifications in one search.
    pub max_signature_checks: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_signature_checks: 256,
        }
    }
}

/// What a chain is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    CodeSigning,
    TimeStamping,
}

impl Purpose {
    /// EKUs that grant the purpose. Windows also honours Microsoft's legacy time-stamp
    /// signing EKU for TSAs.
    fn ekus(self) -> &'static [ObjectIdentifier] {
        match self {
            Self::CodeSigning => &[eku::CODE_SIGNING],
            Self::TimeStamping => &[eku::TIME_STAMPING, eku::MS_TIME_STAMP_SIGNING],
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::CodeSigning => "codeSigning (1.3.6.1.5.5.7.3.3)",
            Self::TimeStamping => "timeStamping (1.3.6.1.5.5.7.3.8)",
        }
    }
}

pub(crate) struct ChainRequest<'a> {
    pub(crate) leaf: &'a Arc<Certificate>,
    pub(crate) embedded: &'a [Arc<Certificate>],
    pub(crate) trust: &'a TrustStore,
    pub(crate) at: UnixTime,
    pub(crate) purpose: Purpose,
    pub(crate) budget: Budget,
}

/// One failed path, ranked to pick the headline.
#[derive(Clone, Debug)]
struct Failure {
    status: ChainStatus,
    path: Vec<Arc<Certificate>>,
    missing: Vec<MissingCertificate>,
    detail: String,
}

impl Failure {
    /// Higher is a more useful explanation: a path that reached an anchor and failed a rule
    /// says more than one that stopped early.
    fn rank(&self) -> (u8, usize) {
        let r = match self.status {
            ChainStatus::Trusted => 9,
            ChainStatus::Expired | ChainStatus::NotYetValid | ChainStatus::ConstraintViolation => 8,
            ChainStatus::RootNotTrustedForPurpose | ChainStatus::RootDisabled | ChainStatus::Distrusted => 7,
            ChainStatus::MissingRoot => 6,
            ChainStatus::MissingIntermediate => 5,
            ChainStatus::BadSignature => 4,
            ChainStatus::BudgetExceeded => 3,
        };
        (r, self.path.len())
    }
}

struct Search<'a> {
    req: &'a ChainRequest<'a>,
    checks_left: usize,
    best: Option<Failure>,
    exhausted: bool,
}

pub(crate) fn build(req: &ChainRequest<'_>) -> ChainReport {
    let mut s = Search {
        req,
        checks_left: req.budget.max_signature_checks,
        best: None,
        exhausted: false,
    };
    let mut path = vec![req.leaf.clone()];
    if let Some(done) = s.extend(&mut path) {
        return report(req.at, ChainStatus::Trusted, &done, Vec::new(), None);
    }
    match s.best {
        Some(f) if !(s.exhausted && f.rank().0 < 6) => report(req.at, f.status, &f.path, f.missing, Some(f.detail)),
        Some(f) => report(
            req.at,
            ChainStatus::BudgetExceeded,
            &f.path,
            Vec::new(),
            Some(format!("search budget exhausted; last failure: {}", f.detail)),
        ),
        None => report(
            req.at,
            ChainStatus::BudgetExceeded,
            std::slice::from_ref(req.leaf),
            Vec::new(),
            Some("search budget exhausted".into()),
        ),
    }
}

fn report(
    at: UnixTime,
    status: ChainStatus,
    path: &[Arc<Certificate>],
    missing: Vec<MissingCertificate>,
    detail: Option<String>,
) -> ChainReport {
    ChainReport {
        status,
        certificates: path.iter().map(|c| CertificateSummary::from(c.as_ref())).collect(),
        missing,
        detail,
        evaluated_at: at,
    }
}

impl Search<'_> {
    fn fail(&mut self, f: Failure) {
        if self.best.as_ref().is_none_or(|b| f.rank() > b.rank()) {
            self.best = Some(f);
        }
    }

    /// Tries to complete `path` (whose last element is unverified upwards). Returns the
    /// complete trusted path on success.
    fn extend(&mut self, path: &mut Vec<Arc<Certificate>>) -> Option<Vec<Arc<Certificate>>> {
        let top = path.last()?.clone();
        let req = self.req;
        if path.len() >= req.budget.max_depth {
            self.exhausted = true;
            return None;
        }
        // Candidates by exact issuer-name bytes: anchors first, then trust-store
        // intermediates, then certificates carried in the file. AKI/SKI agreement sorts.
        let mut candidates: Vec<(bool, Arc<Certificate>)> = Vec::new();
        let mut push = |anchor: bool, c: &Arc<Certificate>| {
            if c.subject_der() == top.issuer_der()
                && !path.iter().any(|p| p.sha256() == c.sha256())
                && !candidates.iter().any(|(_, k)| k.sha256() == c.sha256())
            {
                candidates.push((anchor, c.clone()));
            }
        };
        req.trust.anchors().iter().for_each(|c| push(true, c));
        req.trust.intermediates().iter().for_each(|c| push(false, c));
        req.embedded.iter().for_each(|c| push(req.trust.is_anchor(c), c));
        let aki = top.authority_key_id();
        candidates.sort_by_key(|(anchor, c)| (!anchor, aki.is_some() && c.subject_key_id() != aki));

        let mut bad_signature = None;
        for (anchor, cand) in &candidates {
            if self.checks_left == 0 {
                self.exhausted = true;
                return None;
            }
            self.checks_left = self.checks_left.saturating_sub(1);
            if let Err(e) = top.verify_signed_by(cand) {
                bad_signature = Some(format!(
                    "signature of \"{}\" does not verify with the key of \"{}\": {e}",
                    top.subject(),
                    cand.subject()
                ));
                continue;
            }
            path.push(cand.clone());
            if *anchor {
                match check_path(path, req.at, req.purpose) {
                    Ok(()) => return Some(path.clone()),
                    Err((status, detail)) => self.fail(Failure {
                        status,
                        path: path.clone(),
                        missing: Vec::new(),
                        detail,
                    }),
                }
            } else if cand.is_self_issued() && cand.verify_signed_by(cand).is_ok() {
                // A self-signed certificate that is not an anchor: the root is missing.
                let missing = vec![missing_from_cert(cand, Store::Root)];
                self.fail(Failure {
                    status: ChainStatus::MissingRoot,
                    path: path.clone(),
                    missing,
                    detail: format!("root \"{}\" is not trusted", cand.subject()),
                });
            } else if let Some(done) = self.extend(path) {
                return Some(done);
            }
            path.pop();
        }
        if let Some(detail) = bad_signature {
            self.fail(Failure {
                status: ChainStatus::BadSignature,
                path: path.clone(),
                missing: Vec::new(),
                detail,
            });
        }
        if candidates.is_empty() {
            let f = if top.is_self_issued() {
                // A self-issued certificate with nothing above it is a root nobody trusts.
                Failure {
                    status: ChainStatus::MissingRoot,
                    path: path.clone(),
                    missing: vec![missing_from_cert(&top, Store::Root)],
                    detail: format!("root \"{}\" is not trusted", top.subject()),
                }
            } else {
                dead_end(path, &top)
            };
            self.fail(f);
        }
        None
    }
}

/// Nothing in the file or the trust material issued `top`: name what would.
fn dead_end(path: &[Arc<Certificate>], top: &Arc<Certificate>) -> Failure {
    let aki = top.authority_key_id();
    // The catalog is the dictionary: a catalog certificate with the right name (and key id,
    // when both sides have one) is what is missing.
    let known: Vec<&catalog::CatalogCertificate> = catalog::by_subject(top.issuer_der())
        .filter(|c| match (aki, c.certificate.subject_key_id()) {
            (Some(a), Some(s)) => a == s,
            _ => true,
        })
        .collect();
    let issuer_name = crate::certificate::display_name(top.issuer_der());
    if !known.is_empty() {
        let missing: Vec<MissingCertificate> = known
            .iter()
            .map(|c| MissingCertificate {
                store: c.entry.store,
                subject: c.certificate.subject().to_string(),
                key_id: c.certificate.subject_key_id().map(hex::encode),
                sha1: Some(c.entry.sha1.to_string()),
                name: Some(c.entry.name.to_string()),
                available: true,
            })
            .collect();
        let root = missing.iter().any(|m| m.store == Store::Root);
        return Failure {
            status: if root {
                ChainStatus::MissingRoot
            } else {
                ChainStatus::MissingIntermediate
            },
            path: path.to_vec(),
            detail: format!("issuer \"{issuer_name}\" is not in the trust material"),
            missing,
        };
    }
    Failure {
        status: ChainStatus::MissingIntermediate,
        path: path.to_vec(),
        missing: vec![MissingCertificate {
            store: Store::Intermediate,
            subject: issuer_name.clone(),
            key_id: aki.map(hex::encode),
            sha1: None,
            name: None,
            available: false,
        }],
        detail: format!(
            "issuer \"{issuer_name}\" of \"{}\" is neither in the file nor in the trust material",
            top.subject()
        ),
    }
}

fn missing_from_cert(c: &Certificate, store: Store) -> MissingCertificate {
    let sha1 = c.sha1_hex();
    let name = catalog::catalog()
        .iter()
        .find(|k| k.entry.sha1 == sha1)
        .map(|k| k.entry.name.to_string());
    MissingCertificate {
        store,
        subject: c.subject().to_string(),
        key_id: c.subject_key_id().map(hex::encode),
        sha1: Some(sha1),
        name,
        available: true,
    }
}

/// RFC 5280-style checks on a complete path (leaf first, anchor last). The anchor is an
/// input: its own validity and extensions are not judged here (trust-store policy does).
fn check_path(path: &[Arc<Certificate>], at: UnixTime, purpose: Purpose) -> Result<(), (ChainStatus, String)> {
    let anchor_index = path.len().saturating_sub(1);
    let mut below = 0usize; // non-self-issued CA certificates below the current one
    for (i, c) in path.iter().enumerate().take(anchor_index) {
        if at < c.not_before() {
            return Err((
                ChainStatus::NotYetValid,
                format!(
                    "\"{}\" is not valid before {} (evaluated at {at})",
                    c.subject(),
                    c.not_before()
                ),
            ));
        }
        if at > c.not_after() {
            return Err((
                ChainStatus::Expired,
                format!("\"{}\" expired at {} (evaluated at {at})", c.subject(), c.not_after()),
            ));
        }
        if i > 0 {
            ca_rules(c, below)?;
            if !c.is_self_issued() {
                below = below.saturating_add(1);
            }
        }
        // EKU nesting: a certificate with an EKU extension restricts everything below it.
        if let Some(ekus) = c.ext_key_usage() {
            let allowed = purpose.ekus().iter().any(|e| ekus.contains(e)) || (i > 0 && ekus.contains(&eku::ANY));
            if !allowed {
                return Err((
                    ChainStatus::ConstraintViolation,
                    format!(
                        "\"{}\" has an extended key usage extension without {}",
                        c.subject(),
                        purpose.name()
                    ),
                ));
            }
        }
    }
    if let Some(anchor) = path.get(anchor_index).filter(|_| anchor_index > 0) {
        ca_rules(anchor, below)?;
    }
    Ok(())
}

fn ca_rules(c: &Certificate, below: usize) -> Result<(), (ChainStatus, String)> {
    if let Some(bc) = c.basic_constraints() {
        if !bc.ca {
            return Err((
                ChainStatus::ConstraintViolation,
                format!(
                    "\"{}\" issues certificates but is not a CA (basicConstraints cA=FALSE)",
                    c.subject()
                ),
            ));
        }
        if let Some(limit) = bc.path_len {
            if below > limit as usize {
                return Err((
                    ChainStatus::ConstraintViolation,
                    format!(
                        "\"{}\" allows {limit} CA certificates below it, the path has {below}",
                        c.subject()
                    ),
                ));
            }
        }
    }
    if let Some(ku) = c.key_usage() {
        if ku & KEY_CERT_SIGN == 0 {
            return Err((
                ChainStatus::ConstraintViolation,
                format!("\"{}\" lacks keyUsage keyCertSign", c.subject()),
            ));
        }
    }
    Ok(())
}
