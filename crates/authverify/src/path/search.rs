//! The depth-first search: candidates by issuer name, every link a verified signature
//! within the budget, two phases (the trust store and the file; then the built-in set as a
//! dictionary of what would close the chain).

use std::sync::Arc;

use crate::finding::{Finding, Rule};
use crate::path::chain::{report, Chain, ChainStatus, Missing};
use crate::path::missing::{
    missing_known, missing_root, names_of, root_failure_detail, trust_list_roots, unknown_issuer,
};
use crate::path::rank::{conclude, Failure};
use crate::path::rules::{check_certificates, check_path, Broken};
use crate::path::{vouch, ChainRequest};
use crate::time::UnixTime;
use crate::trust::builtin::{self, Store};
use crate::trust::ctl::CtlRefusal;
use crate::x509::algorithms::SignatureFailure;
use crate::x509::certificate::Certificate;

/// Failed paths kept for the report's alternatives.
const MAX_FAILURES: usize = 32;

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
    fn link(&mut self, child: &Certificate, issuer: &Certificate) -> Option<Result<(), SignatureFailure>> {
        if self.links_left == 0 {
            self.exhausted = true;
            return None;
        }
        self.links_left = self.links_left.saturating_sub(1);
        let key = (child.sha256(), issuer.sha256());
        if let Some(cached) = self.req.links.and_then(|l| l.get(&key)) {
            return Some(cached.map_or(Ok(()), Err));
        }
        let result = child.verify_signed_by(issuer);
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

/// RFC 4158 §5.2: the same subject with the same key twice on a path is a loop even when
/// the certificates differ (cross-certificates, re-issued roots).
fn same_subject_and_key(a: &Certificate, b: &Certificate) -> bool {
    a.spki_der() == b.spki_der()
        && (a.subject_der() == b.subject_der()
            || a.subject_name_key().is_some() && a.subject_name_key() == b.subject_name_key())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::path::{PathRules, Purpose};
    use crate::policy::{Budget, Policy};
    use crate::trust::builtin::Dictionary;
    use crate::trust::material::{parse_material, TrustMaterial};
    use crate::trust::TrustStore;

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
