//! The checks a path must pass once it reaches an anchor: per certificate (validity,
//! critical extensions, CA constraints, EKU nesting, algorithms and key sizes under the
//! policy) and over the path (name constraints, the anchor's own restrictions).

use std::sync::Arc;

use crate::finding::{Finding, Rule};
use crate::path::chain::ChainStatus;
use crate::path::{ChainRequest, Purpose};
use crate::policy::Policy;
use crate::time::UnixTime;
use crate::x509::certificate::{eku, Certificate, KEY_CERT_SIGN};

/// Why a path failed: the status it earns and the rule that decided it.
pub(super) type Broken = (ChainStatus, Finding);

/// A path's failure under a chain rule.
fn broken(status: ChainStatus, rule: Rule, detail: String) -> Broken {
    (status, Finding::refusal(rule, detail))
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
pub(super) fn check_path(path: &[Arc<Certificate>], req: &ChainRequest<'_>) -> Result<Vec<Finding>, Broken> {
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
pub(super) fn check_certificates(
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

/// A policy rule's refusal: the path ends in a constraint violation that names the field.
fn refuse<T>(rule: Rule, what: &str) -> Result<T, Broken> {
    Err((ChainStatus::ConstraintViolation, Policy::finding(false, rule, what)))
}

/// The certificate's signature hash and key size under the policy: a refusal ends the
/// path, a leniency relied on is recorded.
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
