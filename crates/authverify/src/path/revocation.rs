//! Revocation from the CRLs at hand (those the user supplied and those a signature
//! carries), applied after a path is built: each certificate on the path against the lists
//! its issuer *on that path* signed. The search and its budget are untouched; a list is
//! verified only against the one issuer that matters, so the cost is (certificates on the
//! path) × (lists naming their issuers) signature checks plus one scan of each list used.
//!
//! A list proves revocation only when its signature verifies under the issuer's key (name,
//! and authority key identifier against the issuer's subject key identifier) and it is in
//! scope (RFC 5280 §6.3.3): a delta list, an unsupported critical extension or entry
//! extension, an indirect list, or an issuingDistributionPoint that excludes the
//! certificate make it unused, with a `crl.unused` finding saying why. A list not yet valid
//! at the verification time is unused; one past its nextUpdate still proves what it lists
//! (a revocation does not expire), with a `crl.expired` note.
//!
//! A certificate is revoked from its entry's revocationDate: the chain is `revoked` when
//! that date is not after the instant the chain is judged at (a valid timestamp's time, or
//! the verification time). A timestamp that proves the signature earlier keeps it valid
//! (docs/ARCHITECTURE.md, "Revocation from supplied CRLs"). On a TSA's path the instant is
//! the one the TSA's own token claims, so only a revocation whose reason says the key was
//! not compromised is judged by date; any other revokes whatever the claimed time.

use std::sync::Arc;

use crate::finding::{Effect, Finding, Rule};
use crate::path::chain::{Chain, ChainStatus};
use crate::time::UnixTime;
use crate::x509::algorithms::SignatureFailure;
use crate::x509::certificate::Certificate;
use crate::x509::crl::{Crl, CrlEntry, CrlReason};

/// Whose path is checked: a TSA's own claimed time cannot outlive a compromise of its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PathOf {
    /// A signer's (or any chain judged at an instant proved by someone else).
    Signer,
    /// A timestamping authority's: the instant is the one its token claims.
    TimestampAuthority,
}

/// Why a list naming an issuer on the path was not used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Unused {
    /// Its authorityKeyIdentifier names another key than the issuer's.
    #[error("its authority key identifier {aki} is not the subject key identifier of the issuer on the path ({ski})")]
    OtherKey { aki: String, ski: String },
    /// Its signature does not verify under the issuer's key.
    #[error("its signature does not verify under the issuer on the path: {0}")]
    Signature(SignatureFailure),
    /// thisUpdate is after the verification time.
    #[error("it is not yet valid: thisUpdate {this_update} is after the verification time {at}")]
    NotYetValid { this_update: UnixTime, at: UnixTime },
    /// A delta CRL (deltaCRLIndicator): without its base it proves nothing complete, and
    /// removeFromCRL entries would need the base to apply.
    #[error("it is a delta CRL (deltaCRLIndicator), which authverify does not apply")]
    Delta,
    /// A critical CRL extension not understood.
    #[error("it has the critical extension {0}, which authverify does not understand")]
    CriticalExtension(String),
    /// A critical entry extension not understood (certificateIssuer among them).
    #[error("an entry has the critical extension {0}, which authverify does not understand")]
    CriticalEntryExtension(String),
    /// issuingDistributionPoint indirectCRL: entries may belong to other issuers.
    #[error("it is an indirect CRL (issuingDistributionPoint indirectCRL), which authverify does not apply")]
    Indirect,
    /// issuingDistributionPoint limits the list to certificates this one is not.
    #[error("its issuingDistributionPoint covers {covers} only, and this certificate is {what}")]
    OutOfScope { covers: &'static str, what: &'static str },
}

/// The lists to check against: the store's and those the signature carries, each once.
pub(crate) fn lists<'a>(store: &'a [Arc<Crl>], carried: &'a [Arc<Crl>]) -> Vec<&'a Arc<Crl>> {
    // The store keeps each list once already; a set keeps this linear however many a
    // folder of lists holds.
    let mut seen: std::collections::HashSet<[u8; 32]> = store.iter().map(|c| c.sha256()).collect();
    let mut out: Vec<&'a Arc<Crl>> = store.iter().collect();
    out.extend(carried.iter().filter(|c| seen.insert(c.sha256())));
    out
}

/// Checks `chain`'s path against `crls`, at `verification_time` for the lists' own
/// validity and at the chain's instant for revocation dates. A revoked certificate makes
/// the chain `revoked` (what it lacked no longer matters: nothing installed would make it
/// valid); the other findings go to the chain's notes.
pub(crate) fn check(chain: &mut Chain, crls: &[&Arc<Crl>], verification_time: UnixTime, of: PathOf) {
    if crls.is_empty() || matches!(chain.status, ChainStatus::BadSignature | ChainStatus::BudgetExceeded) {
        return;
    }
    let mut notes: Vec<Finding> = Vec::new();
    let mut revoked: Option<Finding> = None;
    for pair in chain.path.windows(2) {
        let [cert, issuer] = pair else { continue };
        for crl in crls.iter().filter(|c| c.names_issuer_by_name(issuer)) {
            if let Err(why) = usable(crl, cert, issuer, verification_time) {
                notes.push(Finding::information(
                    Rule::CrlUnused,
                    format!("{} not used for {}: {why}", describe(crl), cert.subject()),
                ));
                continue;
            }
            if crl.next_update.is_some_and(|n| n < verification_time) {
                notes.push(Finding::information(
                    Rule::CrlExpired,
                    format!(
                        "{} is past its nextUpdate ({}): used for the revocations it lists",
                        describe(crl),
                        crl.next_update.map_or_else(String::new, |n| n.to_string())
                    ),
                ));
            }
            let Some(entry) = crl.entry_for(cert.serial()) else {
                continue;
            };
            let finding = judge_entry(crl, entry, cert, chain.at, of);
            // Only a certificate the issuer on the path really signed is the one listed.
            if finding.rule == Rule::ChainRevoked && revoked.is_none() && cert.verify_signed_by(issuer).is_ok() {
                revoked = Some(finding);
            } else if finding.rule != Rule::ChainRevoked {
                notes.push(finding);
            }
        }
    }
    notes.dedup();
    chain.leniencies.extend(notes);
    if let Some(finding) = revoked {
        if let Some(previous) = chain.detail.take() {
            chain.leniencies.push(previous);
        }
        chain.status = ChainStatus::Revoked;
        chain.missing.clear();
        chain.detail = Some(finding);
    }
}

/// Whether tokens a TSA signed before its revocation still stand: RFC 3161 §4 keeps them
/// only for the reasons that say the key was not compromised (unspecified, affiliationChanged,
/// superseded, cessationOfOperation); keyCompromise, no reason at all, or any other reason
/// makes every token of the key untrustworthy, since the key itself asserts the time.
fn keeps_earlier_tokens(reason: Option<CrlReason>) -> bool {
    matches!(
        reason,
        Some(
            CrlReason::Unspecified
                | CrlReason::AffiliationChanged
                | CrlReason::Superseded
                | CrlReason::CessationOfOperation
        )
    )
}

/// The finding an entry for `cert` gives: revoked at `at`, revoked later, or removed.
fn judge_entry(crl: &Crl, entry: &CrlEntry, cert: &Certificate, at: UnixTime, of: PathOf) -> Finding {
    let reason = entry
        .reason
        .map_or_else(|| "no reason given".to_string(), CrlReason::name);
    let invalidity = entry
        .invalidity_date
        .map_or_else(String::new, |d| format!(", invalidity date {d}"));
    let what = format!(
        "{} (serial {}) is listed by {} as revoked on {} (reason {reason}{invalidity})",
        cert.subject(),
        cert.serial_hex(),
        describe(crl),
        entry.revocation_date
    );
    if entry.reason == Some(CrlReason::RemoveFromCrl) {
        return Finding::information(
            Rule::CrlRemoveFromCrl,
            format!("{what}: removeFromCRL takes it off a list, it is not a revocation"),
        );
    }
    if of == PathOf::TimestampAuthority && !keeps_earlier_tokens(entry.reason) {
        return Finding::new(
            Rule::ChainRevoked,
            Effect::Refusal,
            format!(
                "{what}: on a timestamping authority's path that reason makes every token it signed untrustworthy, whatever time a token claims (RFC 3161 §4)"
            ),
        );
    }
    if entry.revocation_date <= at {
        Finding::new(
            Rule::ChainRevoked,
            Effect::Refusal,
            format!("{what}, before {at}, the instant the chain is judged at"),
        )
    } else {
        Finding::information(
            Rule::CrlRevokedLater,
            format!("{what}, after {at}, the instant the chain is judged at: not revoked then"),
        )
    }
}

/// Whether `crl` may be used for `cert` issued by `issuer` (see the module comment).
fn usable(crl: &Crl, cert: &Certificate, issuer: &Certificate, at: UnixTime) -> Result<(), Unused> {
    if let (Some(aki), Some(ski)) = (&crl.authority_key_id, issuer.subject_key_id()) {
        if aki.as_slice() != ski {
            return Err(Unused::OtherKey {
                aki: hex::encode(aki),
                ski: hex::encode(ski),
            });
        }
    }
    if !crl.signed_by(issuer) {
        // Only a failure pays for its reason.
        return Err(Unused::Signature(
            crl.verify_signed_by(issuer).err().unwrap_or(SignatureFailure::Mismatch),
        ));
    }
    if crl.this_update > at {
        return Err(Unused::NotYetValid {
            this_update: crl.this_update,
            at,
        });
    }
    if crl.delta {
        return Err(Unused::Delta);
    }
    if let Some(oid) = crl.unknown_critical.first() {
        return Err(Unused::CriticalExtension(oid.to_string()));
    }
    if let Some(oid) = crl.unknown_critical_entry {
        return Err(Unused::CriticalEntryExtension(oid.to_string()));
    }
    let Some(idp) = crl.issuing_distribution_point else {
        return Ok(());
    };
    if idp.indirect {
        return Err(Unused::Indirect);
    }
    let ca = cert.basic_constraints().is_some_and(|b| b.ca);
    let what = if ca {
        "a CA certificate"
    } else {
        "an end-entity certificate"
    };
    if idp.only_attribute {
        return Err(Unused::OutOfScope {
            covers: "attribute certificates",
            what,
        });
    }
    if idp.only_user && ca {
        return Err(Unused::OutOfScope {
            covers: "end-entity certificates",
            what,
        });
    }
    if idp.only_ca && !ca {
        return Err(Unused::OutOfScope {
            covers: "CA certificates",
            what,
        });
    }
    Ok(())
}

/// How a list is named in findings: its issuer and thisUpdate.
fn describe(crl: &Crl) -> String {
    format!("the CRL of {} (thisUpdate {})", crl.issuer(), crl.this_update)
}
