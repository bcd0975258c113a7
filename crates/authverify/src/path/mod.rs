//! Path building: depth-first search with backtracking over every candidate issuer, with a
//! work budget, collecting why each dead end failed so that the report can name what is
//! missing.
//!
//! Candidates are found by issuer name (exact DER, then RFC 5280 equality); key
//! identifiers only sort them (RFC 4158 §5.3: they must never eliminate). Every link is a
//! verified signature. A path closes only at an anchor of the trust store, bound by its
//! exact bytes: a self-signed certificate carried in the file is never an anchor
//! (RFC 4158 §6.6). Loops are cut by certificate and by (subject, key) repetition.

pub(crate) mod cache;
pub(crate) mod vouch;

use std::sync::Arc;

use const_oid::ObjectIdentifier;

use crate::finding::{Finding, Rule};
pub use crate::path::cache::LinkCache;
use crate::policy::{Budget, Policy};
use crate::time::UnixTime;
use crate::trust::builtin::{self, Dictionary, Store};
use crate::trust::ctl::CtlRefusal;
use crate::trust::TrustStore;
use crate::x509::certificate::{eku, Certificate, KEY_CERT_SIGN};

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
    fn same_certificate(&self, other: &Self) -> bool {
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
    fn same_as(&self, other: &Self) -> bool {
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
    /// Leniencies a trusted path relied on.
    pub(crate) leniencies: Vec<Finding>,
    /// The instant it was judged at.
    pub(crate) at: UnixTime,
}

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

/// One failed path, ranked to pick the headline.
#[derive(Clone, Debug)]
struct Failure {
    status: ChainStatus,
    path: Vec<Arc<Certificate>>,
    missing: Vec<Missing>,
    detail: Finding,
    /// Installing `missing` would close the chain: every certificate below is valid at the
    /// evaluation time and, when the missing certificates are known, every link verifies.
    closes: bool,
}

impl Failure {
    /// Higher is a more useful explanation. What an admin can install to close the chain
    /// comes first — the fewest certificates, then the shortest path (the root the issuer
    /// name itself designates, e.g. DigiCert Trusted Root G4, before a cross-certificate to
    /// an older root), so that a signer chain and its timestamp chain name the same root;
    /// then a path that reached an anchor and broke a rule; then what would be missing on
    /// paths that would still fail (a missing root again by fewest certificates and shortest
    /// path); among the rest, the longer path is closer to an anchor.
    fn rank(&self) -> (u8, bool, std::cmp::Reverse<(usize, usize)>, isize) {
        // Among fixes that close the chain, the root the path itself leads to comes before
        // an intermediate (a cross-certificate) that reaches another root; the other is
        // listed as an alternative.
        let root_fix = self.closes && self.status == ChainStatus::MissingRoot;
        let r = match self.status {
            ChainStatus::Trusted => 10,
            ChainStatus::MissingRoot | ChainStatus::MissingIntermediate if self.closes => 9,
            ChainStatus::Expired | ChainStatus::NotYetValid | ChainStatus::ConstraintViolation => 8,
            ChainStatus::RootNotTrustedForPurpose | ChainStatus::RootDisabled | ChainStatus::Distrusted => 7,
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

/// Failed paths kept for the report's alternatives.
const MAX_FAILURES: usize = 32;
/// Alternatives listed in a report.
const MAX_ALTERNATIVES: usize = 8;

/// The two passes of a search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Only the trust store and the file: can the chain close?
    Trust,
    /// The built-in certificate set added as a dictionary: what would close it?
    Dictionary,
}

struct Search<'a> {
    req: &'a ChainRequest<'a>,
    links_left: usize,
    failures: Vec<Failure>,
    exhausted: bool,
    phase: Phase,
    /// Parallel to the path: which certificates come from the dictionary.
    from_dictionary: Vec<bool>,
    /// Phase 2 found a path that installing the dictionary certificates would close.
    closed: bool,
    /// The leniencies the trusted path relied on.
    leniencies: Vec<Finding>,
}

pub(crate) fn build(req: &ChainRequest<'_>) -> Chain {
    let mut s = Search {
        req,
        links_left: req.budget.max_link_checks(),
        failures: Vec::new(),
        exhausted: false,
        phase: Phase::Trust,
        from_dictionary: vec![false],
        closed: false,
        leniencies: Vec::new(),
    };
    let mut path = vec![req.leaf.clone()];
    if let Some(reason) = req.trust.distrust_reason(req.leaf) {
        return report(
            req.at,
            ChainStatus::Distrusted,
            &path,
            Vec::new(),
            Some(Finding::refusal(Rule::ChainDistrusted, reason)),
            Vec::new(),
        );
    }
    // The signer itself is a trusted root (a self-signed publisher certificate the user
    // installed): judged as an end entity, then by the store's policy on that root.
    if req.trust.is_anchor(req.leaf) {
        let mut leniencies = Vec::new();
        let verdict = check_certificates(&path, req, &mut leniencies).and_then(|_| s.anchor_policy(&path, req.leaf));
        return match verdict {
            Ok(()) => {
                let mut r = report(req.at, ChainStatus::Trusted, &path, Vec::new(), None, Vec::new());
                r.leniencies = leniencies;
                r
            }
            Err((status, detail)) => report(req.at, status, &path, Vec::new(), Some(detail), Vec::new()),
        };
    }
    if let Some(done) = s.extend(&mut path) {
        let mut r = report(req.at, ChainStatus::Trusted, &done, Vec::new(), None, Vec::new());
        r.leniencies = std::mem::take(&mut s.leniencies);
        return r;
    }
    s.phase = Phase::Dictionary;
    s.from_dictionary = vec![false];
    let mut path = vec![req.leaf.clone()];
    s.extend(&mut path);

    let exhausted = s.exhausted;
    conclude(req, std::mem::take(&mut s.failures), exhausted)
}

/// No path closed: the best-ranked failure is the verdict, the others (at most
/// [`MAX_ALTERNATIVES`]) its alternatives; a search cut short by the budget says so unless
/// it found something better than a missing certificate.
fn conclude(req: &ChainRequest<'_>, mut failures: Vec<Failure>, exhausted: bool) -> Chain {
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

fn report(
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

/// A candidate issuer and where it comes from.
struct Candidate {
    cert: Arc<Certificate>,
    /// A trust-store anchor.
    anchor: bool,
    /// From the built-in certificate set, not the store or the file (phase 2 only).
    dictionary: Option<&'static builtin::BuiltinCertificate>,
}

impl Search<'_> {
    fn fail(&mut self, mut f: Failure) {
        let ends_at_anchor = f.path.last().is_some_and(|c| self.req.trust.is_anchor(c));
        vouch::intermediates(&mut f.missing, ends_at_anchor);
        if self.failures.len() < MAX_FAILURES {
            self.failures.push(f);
        } else if let Some(worst) = self.failures.iter_mut().min_by_key(|x| x.rank()) {
            if f.rank() > worst.rank() {
                *worst = f;
            }
        }
    }

    /// Verifies `child`'s signature with `issuer`'s key, through the link cache. Every
    /// link tried costs one unit of the budget, found in the cache or not: a search does the
    /// same work and reaches the same answer whatever earlier files left in the cache (a warm
    /// cache must not make a crafted bag free to search).
    fn link(&mut self, child: &Certificate, issuer: &Certificate) -> Option<Result<(), String>> {
        if self.links_left == 0 {
            self.exhausted = true;
            return None;
        }
        self.links_left = self.links_left.saturating_sub(1);
        let key = (child.sha256(), issuer.sha256());
        if let Some(cached) = self.req.links.and_then(|l| l.get(&key)) {
            return Some(cached.map_or(Ok(()), Err));
        }
        let result = child.verify_signed_by(issuer).map_err(|e| e.to_string());
        if let Some(l) = self.req.links {
            l.put(key, result.clone().err());
        }
        Some(result)
    }

    /// Dictionary certificates on the path, as what to install.
    fn dictionary_missing(&self, path: &[Arc<Certificate>]) -> Vec<Missing> {
        path.iter()
            .zip(&self.from_dictionary)
            .filter(|(_, d)| **d)
            .filter_map(|(c, _)| self.req.dictionary.by_sha1(&c.sha1()))
            .map(|k| missing_known(&k.certificate, k.entry.store, Some(k.entry.name.to_string()), self.req))
            .collect()
    }

    fn uses_dictionary(&self) -> bool {
        self.from_dictionary.iter().any(|d| *d)
    }

    /// Every certificate of `path` valid at the evaluation time and within its constraints,
    /// as if the last one's issuer were a trusted anchor.
    fn valid_below(&self, path: &[Arc<Certificate>]) -> bool {
        check_certificates(path, self.req, &mut Vec::new()).is_ok()
    }

    fn candidates(&self, path: &[Arc<Certificate>], top: &Certificate) -> Vec<Candidate> {
        let req = self.req;
        let on_path = |c: &Certificate| {
            path.iter()
                .any(|p| p.sha256() == c.sha256() || same_subject_and_key(p, c))
        };
        // Trust-store anchors, then trust-store intermediates, then certificates carried in
        // the file, then (phase 2) the built-in set. AKI/SKI agreement sorts, never filters.
        let mut out: Vec<Candidate> = Vec::new();
        for (anchor, c) in req.trust.issuers_of(top) {
            if !on_path(&c) {
                out.push(Candidate {
                    cert: c,
                    anchor,
                    dictionary: None,
                });
            }
        }
        // Each candidate costs a signature check, so no more than the budget has left are
        // worth collecting: a file with 10,000 look-alike issuers must not make this loop
        // quadratic.
        let mut seen: std::collections::HashSet<[u8; 32]> = out.iter().map(|c| c.cert.sha256()).collect();
        let issuer_key = top.issuer_name_key();
        let room = self.links_left.saturating_add(out.len());
        for c in req.embedded {
            if out.len() >= room {
                break;
            }
            let named =
                c.subject_der() == top.issuer_der() || issuer_key.is_some() && c.subject_name_key() == issuer_key;
            if named && !on_path(c) && seen.insert(c.sha256()) {
                out.push(Candidate {
                    cert: c.clone(),
                    anchor: req.trust.is_anchor(c),
                    dictionary: None,
                });
            }
        }
        if self.phase == Phase::Dictionary {
            for k in req.dictionary.by_subject(top.issuer_der()) {
                if !on_path(&k.certificate) && seen.insert(k.certificate.sha256()) {
                    out.push(Candidate {
                        cert: k.certificate.clone(),
                        anchor: false,
                        dictionary: Some(k),
                    });
                }
            }
        }
        let aki = top.authority_key_id();
        // Phase 2 tries the built-in set's roots before extending further: the closest root that
        // would close the chain is the answer to "what do I install".
        let dictionary_root = |c: &Candidate| c.dictionary.is_some_and(|k| k.entry.store == Store::Root);
        out.sort_by_key(|c| {
            (
                !c.anchor,
                !dictionary_root(c),
                c.dictionary.is_some(),
                aki.is_some() && c.cert.subject_key_id() != aki,
            )
        });
        out
    }

    /// Tries to complete `path` (whose last element is unverified upwards). Returns the
    /// complete trusted path on success (phase 1 only).
    fn extend(&mut self, path: &mut Vec<Arc<Certificate>>) -> Option<Vec<Arc<Certificate>>> {
        let top = path.last()?.clone();
        let req = self.req;
        if path.len() >= req.budget.max_depth() {
            self.exhausted = true;
            return None;
        }
        let candidates = self.candidates(path, &top);
        let mut bad_signature = None;
        let mut any_linked = false;
        let mut root_linked = false;
        for cand in &candidates {
            if self.closed {
                return None;
            }
            if let Some(reason) = req.trust.distrust_reason(&cand.cert) {
                if self.phase == Phase::Trust {
                    let mut p = path.clone();
                    p.push(cand.cert.clone());
                    self.fail(Failure {
                        status: ChainStatus::Distrusted,
                        path: p,
                        missing: Vec::new(),
                        detail: Finding::refusal(Rule::ChainDistrusted, reason),
                        closes: false,
                    });
                }
                continue;
            }
            match self.link(&top, &cand.cert) {
                None => return None,
                Some(Err(e)) => {
                    bad_signature = Some(Finding::refusal(
                        Rule::ChainSignature,
                        format!(
                            "signature of \"{}\" does not verify with the key of \"{}\": {e}",
                            top.subject(),
                            cand.cert.subject()
                        ),
                    ));
                    continue;
                }
                Some(Ok(())) => {
                    any_linked = true;
                    root_linked |= cand.anchor || cand.dictionary.is_some_and(|k| k.entry.store == Store::Root);
                }
            }
            path.push(cand.cert.clone());
            self.from_dictionary.push(cand.dictionary.is_some());
            let done = self.step(path, cand);
            path.pop();
            self.from_dictionary.pop();
            if done.is_some() {
                return done;
            }
        }
        if self.phase == Phase::Trust {
            if let Some(detail) = bad_signature.filter(|_| !any_linked) {
                self.fail(Failure {
                    status: ChainStatus::BadSignature,
                    path: path.clone(),
                    missing: Vec::new(),
                    detail,
                    closes: false,
                });
            }
        }
        // Phase 1: a dead end is an issuer nobody offered (a bad signature was recorded
        // above). Phase 2: wherever no root was reached, what the CTLs know about the issuer
        // (a cross-certificate may have linked, yet the root under that name is the fix).
        match self.phase {
            Phase::Trust if candidates.is_empty() => self.dead_end(path, &top),
            Phase::Dictionary if !root_linked && !self.closed => self.dictionary_end(path, &top, any_linked),
            _ => {}
        }
        None
    }

    /// Handles `path` whose last certificate (`cand`) was just linked.
    fn step(&mut self, path: &mut Vec<Arc<Certificate>>, cand: &Candidate) -> Option<Vec<Arc<Certificate>>> {
        let req = self.req;
        if cand.anchor {
            let verdict = check_path(path, req).and_then(|l| self.anchor_policy(path, &cand.cert).map(|()| l));
            match (self.phase, verdict) {
                (Phase::Trust, Ok(leniencies)) => {
                    self.leniencies = leniencies;
                    return Some(path.clone());
                }
                (Phase::Trust, Err((status, detail))) => self.fail(Failure {
                    status,
                    path: path.clone(),
                    missing: Vec::new(),
                    detail,
                    closes: false,
                }),
                // Phase 2 reached a real anchor through built-in intermediates: installing
                // them closes the chain.
                (Phase::Dictionary, Ok(_)) if self.uses_dictionary() => {
                    let missing = self.dictionary_missing(path);
                    self.fail(Failure {
                        status: ChainStatus::MissingIntermediate,
                        path: path.clone(),
                        detail: Finding::refusal(
                            Rule::ChainIntermediateMissing,
                            format!(
                                "intermediate {} is not in the file or the trust material",
                                names_of(&missing)
                            ),
                        ),
                        missing,
                        closes: true,
                    });
                    self.closed = true;
                }
                (Phase::Dictionary, _) => {}
            }
        } else if cand.cert.is_self_issued() && self.link(&cand.cert, &cand.cert).is_some_and(|r| r.is_ok()) {
            // A self-signed certificate that is not an anchor: the root to install.
            if self.phase == Phase::Trust || cand.dictionary.is_some() {
                let mut missing = self.dictionary_missing(path);
                if cand.dictionary.is_none() {
                    missing.push(missing_root(&cand.cert, req));
                }
                let closes = check_path(path, req).is_ok() && self.anchor_policy(path, &cand.cert).is_ok();
                self.fail(Failure {
                    status: ChainStatus::MissingRoot,
                    path: path.clone(),
                    detail: root_failure_detail(&cand.cert, &missing),
                    missing,
                    closes,
                });
                if closes && self.phase == Phase::Dictionary {
                    self.closed = true;
                }
            }
        } else {
            return self.extend(path);
        }
        None
    }

    /// Nothing in the store or the file issued `top`.
    fn dead_end(&mut self, path: &[Arc<Certificate>], top: &Arc<Certificate>) {
        let f = if top.is_self_issued() {
            // A self-issued certificate with nothing above it is a root nobody trusts.
            let missing = vec![missing_root(top, self.req)];
            Failure {
                status: ChainStatus::MissingRoot,
                path: path.to_vec(),
                detail: root_failure_detail(top, &missing),
                missing,
                closes: false,
            }
        } else {
            let mut f = unknown_issuer(path, top, Vec::new(), self.req);
            if path
                .iter()
                .any(|p| crate::x509::name::names_match(p.subject_der(), top.issuer_der()))
            {
                f.detail
                    .detail
                    .push_str(" (its only issuer is already on the path: a certificate loop)");
            }
            f
        };
        self.fail(f);
    }

    /// Phase 2, no root reached above `top`: the CTLs know roots by subject-name MD5 and
    /// key id even when no certificate is at hand (as Windows' automatic root update does).
    fn dictionary_end(&mut self, path: &[Arc<Certificate>], top: &Arc<Certificate>, any_linked: bool) {
        let mut missing = self.dictionary_missing(path);
        let listed = trust_list_roots(top, self.req);
        if !listed.is_empty() {
            missing.extend(listed);
            self.fail(Failure {
                status: ChainStatus::MissingRoot,
                path: path.to_vec(),
                detail: Finding::refusal(
                    Rule::ChainRootMissing,
                    format!(
                        "root \"{}\" is listed in the root program but not in the trusted roots",
                        crate::x509::certificate::display_name(top.issuer_der())
                    ),
                ),
                missing,
                closes: self.valid_below(path),
            });
        } else if !any_linked && self.uses_dictionary() {
            self.fail(unknown_issuer(path, top, missing, self.req));
        }
    }

    fn anchor_policy(&self, path: &[Arc<Certificate>], anchor: &Certificate) -> Result<(), Broken> {
        let leaf_not_before = path.first().map_or(UnixTime::from_secs(0), |l| l.not_before());
        self.req
            .trust
            .anchor_policy(anchor, self.req.purpose.ekus(), leaf_not_before, self.req.at)
            .map_err(|r| match r {
                CtlRefusal::Purpose(d) => (
                    ChainStatus::RootNotTrustedForPurpose,
                    Finding::refusal(Rule::ChainRootPurpose, d),
                ),
                CtlRefusal::Disabled(d) => (ChainStatus::RootDisabled, Finding::refusal(Rule::ChainRootDisabled, d)),
            })
    }
}

/// Why a path failed: the status it earns and the rule that decided it.
type Broken = (ChainStatus, Finding);

/// A path's failure under a chain rule.
fn broken(status: ChainStatus, rule: Rule, detail: String) -> Broken {
    (status, Finding::refusal(rule, detail))
}

/// A self-signed certificate the store does not hold as a root.
fn root_missing(root: &Certificate) -> Finding {
    Finding::refusal(
        Rule::ChainRootMissing,
        format!("root \"{}\" is not in the trusted roots", root.subject()),
    )
}

fn names_of(missing: &[Missing]) -> String {
    missing
        .iter()
        .map(|m| format!("\"{}\"", m.name.as_deref().unwrap_or(&m.subject)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// RFC 4158 §5.2: the same subject with the same key twice on a path is a loop even when
/// the certificates differ (cross-certificates, re-issued roots).
fn same_subject_and_key(a: &Certificate, b: &Certificate) -> bool {
    a.spki_der() == b.spki_der()
        && (a.subject_der() == b.subject_der()
            || a.subject_name_key().is_some() && a.subject_name_key() == b.subject_name_key())
}

/// What to report for a known certificate. A root is judged at once by who vouches for
/// it; an intermediate once its path's roots are ([`vouch::intermediates`]).
fn missing_known(c: &Arc<Certificate>, store: Store, name: Option<String>, req: &ChainRequest<'_>) -> Missing {
    let vouched_by = match store {
        Store::Root => vouch::root(c, req.leaf.not_before(), req),
        Store::Intermediate | Store::Unknown => vouch::VouchedBy::None,
    };
    Missing {
        store,
        subject: c.subject().to_string(),
        key_id: c.subject_key_id().map(<[u8]>::to_vec),
        sha1: Some(c.sha1().to_vec()),
        sha256: Some(c.sha256().to_vec()),
        name,
        certificate: Some(c.clone()),
        vouched_by,
        impostor_of: None,
    }
}

/// A self-signed certificate the store does not trust: the root to install. Named only
/// from an entry for this exact certificate; one that takes a built-in root's name with
/// another key is marked as its impostor.
fn missing_root(c: &Arc<Certificate>, req: &ChainRequest<'_>) -> Missing {
    let trust = req.trust;
    let name = req
        .dictionary
        .by_sha1(&c.sha1())
        .map(|k| k.entry.name.to_string())
        .or_else(|| {
            trust
                .trust_lists()
                .iter()
                .chain(req.dictionary.trust_list())
                .find_map(|l| l.entry_for(c))
                .and_then(|e| e.friendly_name.clone())
        });
    let mut m = missing_known(c, Store::Root, name, req);
    if !m.vouched_by.is_vouched() {
        m.impostor_of = vouch::impersonated(c, req);
    }
    m
}

/// Why the path ending at the self-signed `root` failed: an impostor of a built-in root is
/// named as such, any other root as missing.
fn root_failure_detail(root: &Certificate, missing: &[Missing]) -> Finding {
    let impostor = missing
        .iter()
        .find(|m| m.sha256.as_deref() == Some(root.sha256().as_slice()))
        .and_then(|m| m.impostor_of.as_ref());
    match impostor {
        Some((name, sha1)) => vouch::impostor_finding(root, name, sha1),
        None => root_missing(root),
    }
}

/// Roots the CTLs (loaded and built-in) list under `top`'s issuer name and key id.
fn trust_list_roots(top: &Certificate, req: &ChainRequest<'_>) -> Vec<Missing> {
    let trust = req.trust;
    let aki = top.authority_key_id();
    let issuer_name = crate::x509::certificate::display_name(top.issuer_der());
    let mut out: Vec<Missing> = Vec::new();
    for list in trust.trust_lists().iter().chain(req.dictionary.trust_list()) {
        for e in list.entries_for_subject(top.issuer_der()) {
            if trust.has_anchor_listed_as(list, &e.identifier) {
                // The store holds this root: it is not what is missing.
                continue;
            }
            if let (Some(a), Some(k)) = (aki, e.key_id.as_deref()) {
                if a != k {
                    continue;
                }
            }
            // When the root is at hand, its key must have signed `top`: a forged issuer name
            // and key id name nothing to install.
            let held = list
                .identifiers_are_sha1()
                .then(|| <[u8; 20]>::try_from(e.identifier.as_slice()).ok())
                .flatten()
                .and_then(|sha1| req.dictionary.by_sha1(&sha1));
            if held.is_some_and(|k| top.verify_signed_by(&k.certificate).is_err()) {
                continue;
            }
            let m = Missing {
                store: Store::Root,
                subject: issuer_name.clone(),
                key_id: e.key_id.clone().or_else(|| aki.map(<[u8]>::to_vec)),
                sha1: list.identifiers_are_sha1().then(|| e.identifier.clone()),
                sha256: e.sha256.clone(),
                name: e.friendly_name.clone(),
                certificate: None,
                vouched_by: vouch::listed_root(list, e, req.leaf.not_before(), req),
                impostor_of: None,
            };
            if !out.iter().any(|x| x.same_certificate(&m)) {
                out.push(m);
            }
        }
    }
    out
}

/// Nobody at hand issued `top`. When the built-in set or a CTL knows a certificate of that
/// name (and key id, when `top` names one), it is named with its store — phase 1 does not
/// search the dictionary, yet must not call a known root unknown. Otherwise the issuer is
/// named by subject and key identifier, and since a root cannot be told from an
/// intermediate without the certificate, its store is `Unknown` (issue 13: never guess).
fn unknown_issuer(
    path: &[Arc<Certificate>],
    top: &Certificate,
    mut missing: Vec<Missing>,
    req: &ChainRequest<'_>,
) -> Failure {
    let issuer_name = crate::x509::certificate::display_name(top.issuer_der());
    let aki = top.authority_key_id();
    let detail = format!(
        "issuer \"{issuer_name}\" of \"{}\" is neither in the file nor in the trust material",
        top.subject()
    );
    let rule = |status| match status {
        ChainStatus::MissingRoot => Rule::ChainRootMissing,
        ChainStatus::MissingIntermediate => Rule::ChainIntermediateMissing,
        _ => Rule::ChainIssuerMissing,
    };
    // Only a certificate whose key really signed `top`: a certificate that copies a
    // program root's name and key id, signed with another key, names nothing to install.
    let known = req
        .dictionary
        .by_subject(top.issuer_der())
        .into_iter()
        .filter(|k| aki.is_none() || k.certificate.subject_key_id() == aki)
        .filter(|k| top.verify_signed_by(&k.certificate).is_ok())
        // Roots first: the name a self-signed certificate carries is the root's.
        .min_by_key(|k| k.entry.store != Store::Root);
    let (status, entries) = match known {
        Some(k) => (
            if k.entry.store == Store::Root {
                ChainStatus::MissingRoot
            } else {
                ChainStatus::MissingIntermediate
            },
            vec![missing_known(
                &k.certificate,
                k.entry.store,
                Some(k.entry.name.to_string()),
                req,
            )],
        ),
        None => match trust_list_roots(top, req) {
            listed if !listed.is_empty() => (ChainStatus::MissingRoot, listed),
            _ => (
                ChainStatus::MissingIssuer,
                vec![Missing {
                    store: Store::Unknown,
                    subject: issuer_name,
                    key_id: aki.map(<[u8]>::to_vec),
                    sha1: None,
                    sha256: None,
                    name: None,
                    certificate: None,
                    vouched_by: vouch::VouchedBy::None,
                    impostor_of: None,
                }],
            ),
        },
    };
    missing.extend(entries);
    Failure {
        status,
        path: path.to_vec(),
        missing,
        detail: Finding::refusal(rule(status), detail),
        closes: false,
    }
}

/// The root program's minimum RSA size: keys below it are accepted only as a leniency.
const RECOMMENDED_RSA_BITS: usize = 2048;

/// The policy rules path checks apply (from [`crate::Policy`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PathRules {
    pub(crate) allow_md5: bool,
    pub(crate) allow_sha1_certificates: bool,
    pub(crate) require_leaf_eku: bool,
    pub(crate) accept_issuer_without_basic_constraints: bool,
    pub(crate) min_rsa_bits: usize,
}

impl From<&Policy> for PathRules {
    fn from(p: &Policy) -> Self {
        Self {
            allow_md5: p.allow_md5,
            allow_sha1_certificates: p.allow_sha1_certificates,
            require_leaf_eku: p.require_leaf_eku,
            accept_issuer_without_basic_constraints: p.accept_issuer_without_basic_constraints,
            min_rsa_bits: p.min_rsa_bits,
        }
    }
}

/// RFC 5280-style checks on a complete path (leaf first, anchor last), plus the policy's
/// rules. The anchor's own signature is not judged (it is trusted by its bytes), but it is
/// a certificate too: its validity period and its EKU extension restrict the path like any
/// other's (issue 14; RFC 5937 §2 lets a trust anchor's constraints apply), and its name
/// constraints bind the names below it. Returns the leniencies the path relied on.
fn check_path(path: &[Arc<Certificate>], req: &ChainRequest<'_>) -> Result<Vec<Finding>, Broken> {
    let anchor_index = path.len().saturating_sub(1);
    let mut leniencies = Vec::new();
    let below = check_certificates(path.get(..anchor_index).unwrap_or_default(), req, &mut leniencies)?;
    if let Some(anchor) = path.get(anchor_index) {
        time_valid(anchor, req.at)?;
        eku_allows(anchor, req.purpose, anchor_index > 0)?;
        if anchor_index > 0 {
            ca_rules(anchor, below, &req.rules, &mut leniencies)?;
        }
    }
    name_constraints_hold(path)?;
    Ok(leniencies)
}

/// [notBefore, notAfter] holds `at`.
fn time_valid(c: &Certificate, at: UnixTime) -> Result<(), Broken> {
    if at < c.not_before() {
        return Err(broken(
            ChainStatus::NotYetValid,
            Rule::ChainNotYetValid,
            format!(
                "\"{}\" is not valid before {} (evaluated at {at})",
                c.subject(),
                c.not_before()
            ),
        ));
    }
    if at > c.not_after() {
        return Err(broken(
            ChainStatus::Expired,
            Rule::ChainExpired,
            format!("\"{}\" expired at {} (evaluated at {at})", c.subject(), c.not_after()),
        ));
    }
    Ok(())
}

/// EKU nesting: a certificate with an EKU extension restricts everything below it to the
/// purposes it lists (anyExtendedKeyUsage admits every purpose on a CA).
fn eku_allows(c: &Certificate, purpose: Purpose, is_ca: bool) -> Result<(), Broken> {
    let Some(ekus) = c.ext_key_usage() else { return Ok(()) };
    if purpose.ekus().iter().any(|e| ekus.contains(e)) || (is_ca && ekus.contains(&eku::ANY)) {
        return Ok(());
    }
    Err(broken(
        ChainStatus::ConstraintViolation,
        Rule::ChainExtendedKeyUsage,
        format!(
            "\"{}\" has an extended key usage extension without {}",
            c.subject(),
            purpose.name()
        ),
    ))
}

/// RFC 5280 §4.2.1.10 for every CA on the path (the anchor included) over the
/// certificates below it: each name of a constrained form must lie in a permitted subtree
/// of that form and in no excluded one. The subject counts as a directoryName (when not
/// empty) and its emailAddress attributes as rfc822Names; a form this crate does not
/// evaluate fails when the certificate has a name of it (Windows:
/// CERT_TRUST_HAS_NOT_SUPPORTED_NAME_CONSTRAINT).
fn name_constraints_hold(path: &[Arc<Certificate>]) -> Result<(), Broken> {
    use crate::x509::name::GeneralName;
    for (i, ca) in path.iter().enumerate().skip(1) {
        let Some(nc) = ca.name_constraints() else { continue };
        for (k, c) in path.iter().enumerate().take(i) {
            // Self-issued intermediates are exempt; the end entity never is (§6.1.3 (b)).
            if c.is_self_issued() && k > 0 {
                continue;
            }
            let mut names: Vec<GeneralName> = c.alt_names().to_vec();
            if c.subject_der() != [0x30, 0x00] {
                names.push(GeneralName::Directory(c.subject_der().to_vec()));
            }
            names.extend(
                crate::x509::name::email_addresses(c.subject_der())
                    .into_iter()
                    .map(GeneralName::Email),
            );
            for name in &names {
                let fail = |why: &str| {
                    Err(broken(
                        ChainStatus::ConstraintViolation,
                        Rule::ChainNameConstraints,
                        format!(
                            "name constraints of \"{}\": \"{}\" {why} ({name:?})",
                            ca.subject(),
                            c.subject()
                        ),
                    ))
                };
                let same_form = |t: &&GeneralName| t.form() == name.form();
                let permitted: Vec<&GeneralName> = nc.permitted.iter().filter(same_form).collect();
                let excluded: Vec<&GeneralName> = nc.excluded.iter().filter(same_form).collect();
                if permitted.is_empty() && excluded.is_empty() {
                    continue;
                }
                let inside = |trees: &[&GeneralName]| -> Option<bool> {
                    let mut any = false;
                    for t in trees {
                        any |= name.within(t)?;
                    }
                    Some(any)
                };
                let (Some(in_permitted), Some(in_excluded)) = (inside(&permitted), inside(&excluded)) else {
                    return fail("has a name of a form whose constraints are not supported");
                };
                if !permitted.is_empty() && !in_permitted {
                    return fail("has a name outside the permitted subtrees");
                }
                if in_excluded {
                    return fail("has a name inside an excluded subtree");
                }
            }
        }
    }
    Ok(())
}

/// The checks of [`check_path`] on the certificates below an anchor (leaf first). Returns
/// how many non-self-issued CA certificates they hold (for the anchor's pathLen).
fn check_certificates(
    path: &[Arc<Certificate>],
    req: &ChainRequest<'_>,
    leniencies: &mut Vec<Finding>,
) -> Result<usize, Broken> {
    let (at, purpose, rules) = (req.at, req.purpose, req.rules);
    let mut below = 0usize; // non-self-issued CA certificates below the current one
    for (i, c) in path.iter().enumerate() {
        time_valid(c, at)?;
        if let Some(oid) = c.unknown_critical_extensions().first() {
            return Err(broken(
                ChainStatus::ConstraintViolation,
                Rule::ChainCriticalExtension,
                format!(
                    "\"{}\" has a critical extension this verifier does not understand: {oid} (RFC 5280 4.2)",
                    c.subject()
                ),
            ));
        }
        if i > 0 {
            ca_rules(c, below, &rules, leniencies)?;
            if !c.is_self_issued() {
                below = below.saturating_add(1);
            }
        }
        eku_allows(c, purpose, i > 0)?;
        if i == 0 && c.ext_key_usage().is_none() {
            // Windows treats a leaf without EKU as good for any purpose; strict requires the
            // purpose to be stated (for a TSA: RFC 3161 §2.3, timeStamping).
            let what = format!(
                "{} \"{}\" has no extended key usage extension",
                purpose.leaf_role(),
                c.subject()
            );
            if !rules.require_leaf_eku {
                leniencies.push(Policy::finding(
                    true,
                    Rule::RequireLeafEku,
                    &format!("{what} (any purpose)"),
                ));
            } else {
                return refuse(Rule::RequireLeafEku, &what);
            }
        }
        algorithm_rules(c, &rules, leniencies)?;
    }
    Ok(below)
}

/// The certificate's signature hash and key size under the policy: a refusal ends the
/// path, a leniency relied on is recorded.
/// A policy rule's refusal: the path ends in a constraint violation that names the field.
fn refuse<T>(rule: Rule, what: &str) -> Result<T, Broken> {
    Err((ChainStatus::ConstraintViolation, Policy::finding(false, rule, what)))
}

fn algorithm_rules(c: &Certificate, rules: &PathRules, leniencies: &mut Vec<Finding>) -> Result<(), Broken> {
    match crate::x509::algorithms::signature_digest(&c.signature_algorithm()) {
        Some(crate::DigestAlgorithm::Md5) => {
            // Flame (2012): an MD5-signed certificate can be forged by collision.
            let what = format!("\"{}\" is signed with MD5", c.subject());
            if !rules.allow_md5 {
                return refuse(Rule::AllowMd5, &what);
            }
            leniencies.push(Policy::finding(true, Rule::AllowMd5, &what));
        }
        Some(crate::DigestAlgorithm::Sha1) => {
            let what = format!("\"{}\" is signed with SHA-1", c.subject());
            if !rules.allow_sha1_certificates {
                return refuse(Rule::AllowSha1Certificates, &what);
            }
            leniencies.push(Policy::finding(true, Rule::AllowSha1Certificates, &what));
        }
        _ => {}
    }
    if let Some(bits) = c.public_key().ok().and_then(|k| k.rsa_bits()) {
        let what = format!("\"{}\" has a {bits}-bit RSA key", c.subject());
        if bits < rules.min_rsa_bits {
            return refuse(Rule::MinRsaBits, &format!("{what} (minimum {})", rules.min_rsa_bits));
        }
        if bits < RECOMMENDED_RSA_BITS {
            leniencies.push(Policy::finding(
                true,
                Rule::MinRsaBits,
                &format!("{what}, below the root program's {RECOMMENDED_RSA_BITS}"),
            ));
        }
    }
    Ok(())
}

fn ca_rules(c: &Certificate, below: usize, rules: &PathRules, leniencies: &mut Vec<Finding>) -> Result<(), Broken> {
    if c.basic_constraints().is_none() && c.version() >= 3 {
        // RFC 5280 §4.2.1.9 requires basicConstraints on a v3 CA; Windows raises
        // CERT_TRUST_INVALID_BASIC_CONSTRAINTS only when the extension is present
        // (docs/ARCHITECTURE.md), so the windows preset accepts it and says so.
        let what = format!(
            "\"{}\" issues certificates without a basicConstraints extension",
            c.subject()
        );
        if !rules.accept_issuer_without_basic_constraints {
            return refuse(Rule::AcceptIssuerWithoutBasicConstraints, &what);
        }
        leniencies.push(Policy::finding(true, Rule::AcceptIssuerWithoutBasicConstraints, &what));
    }
    if let Some(bc) = c.basic_constraints() {
        if !bc.ca {
            return Err(broken(
                ChainStatus::ConstraintViolation,
                Rule::ChainNotCa,
                format!(
                    "\"{}\" issues certificates but is not a CA (basicConstraints cA=FALSE)",
                    c.subject()
                ),
            ));
        }
        if let Some(limit) = bc.path_len {
            if below > usize::try_from(limit).unwrap_or(usize::MAX) {
                return Err(broken(
                    ChainStatus::ConstraintViolation,
                    Rule::ChainPathLength,
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
            return Err(broken(
                ChainStatus::ConstraintViolation,
                Rule::ChainKeyUsage,
                format!("\"{}\" lacks keyUsage keyCertSign", c.subject()),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::trust::material::{parse_material, TrustMaterial};

    fn pem(bytes: &[u8]) -> Arc<Certificate> {
        match parse_material(bytes, "pem") {
            Ok(TrustMaterial::Certificates(mut c)) => Arc::new(c.remove(0)),
            other => panic!("{other:?}"),
        }
    }

    /// The dictionary is an input of the search, not a global it reads: with the built-in
    /// set, Microsoft ID Verified Code Signing PCA 2021 under an empty store lacks the
    /// Identity Verification root, named and held; with no dictionary, nobody at hand knows
    /// its issuer, so it is named by subject and key id with store `unknown`.
    #[test]
    fn what_is_missing_is_named_from_the_dictionary_passed_in() {
        let pca = pem(include_bytes!(
            "../../../../test-vectors/trust/azure-trusted-signing-chain/ts_2.pem"
        ));
        let store = TrustStore::new();
        let request = |dictionary| ChainRequest {
            leaf: &pca,
            embedded: &[],
            trust: &store,
            at: UnixTime::from_secs(1_780_272_000),
            verification_time: UnixTime::from_secs(1_780_272_000),
            purpose: Purpose::CodeSigning,
            budget: Budget::default(),
            rules: PathRules::from(&Policy::windows()),
            links: None,
            dictionary,
        };
        let with = build(&request(Dictionary::BUILTIN));
        assert_eq!(with.status, ChainStatus::MissingRoot, "{:?}", with.detail);
        assert_eq!(with.missing[0].store, Store::Root);
        assert!(with.missing[0]
            .subject
            .contains("Microsoft Identity Verification Root Certificate Authority 2020"));
        assert!(with.missing[0].certificate.is_some());
        let without = build(&request(Dictionary::EMPTY));
        assert_eq!(without.status, ChainStatus::MissingIssuer, "{:?}", without.detail);
        assert_eq!(without.missing[0].store, Store::Unknown);
        assert!(without.missing[0].certificate.is_none() && without.missing[0].sha1.is_none());
    }
}
