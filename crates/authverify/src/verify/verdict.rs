//! The file's verdict, decided once from its evaluated signatures — its own and those of
//! the catalogs that list it — and what to install, merged over the signatures the verdict
//! rests on.

use super::outcome::SignatureOutcome;
use super::{Trailing, Verifier};
use crate::finding::{Finding, Rule};
use crate::policy::{Policy, SignatureSelection};
use crate::report::{ChainRole, FileStatus, MissingCertificate, NeededBy};

/// A file's signatures evaluated, and what else its verdict depends on.
pub(crate) struct Evidence {
    /// The file's own signatures, then the catalogs' (`Origin::Catalog`).
    pub(crate) signatures: Vec<SignatureOutcome>,
    /// The file has a signature area (a PKCS#7 table entry, a signature stream or area).
    pub(crate) signed: bool,
    /// CVE-2013-3900: no bytes inside a signature area outside the PKCS#7 (or allowed).
    pub(crate) padding_ok: bool,
    /// Bytes after what the signatures cover.
    pub(crate) after: Trailing,
}

/// Which signatures the verdict rests on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DecidedBy {
    /// The file's own signatures (per `--signatures`).
    Embedded,
    /// The catalog signature with this index, valid where the file's own are not.
    ValidCatalog(usize),
    /// The catalogs that list an unsigned file, none of them valid.
    Catalogs,
}

/// The verdict and what it rests on.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Verdict {
    pub(crate) status: FileStatus,
    pub(crate) decided_by: DecidedBy,
}

impl Verifier {
    /// The file's verdict: its own signatures (per `--signatures`) and what makes any file
    /// invalid — bytes after the table, padding, a mismatching signature that decides alone
    /// (or any, when the policy refuses non-deciding mismatches); then, as on Windows, a
    /// catalog that lists the file makes it valid when its own signatures do not, and the
    /// catalogs judge a file with no signature of its own.
    pub(crate) fn file_verdict(&self, evidence: &Evidence, notes: &mut Vec<Finding>) -> Verdict {
        let embedded: Vec<&SignatureOutcome> = evidence.signatures.iter().filter(|s| s.is_embedded()).collect();
        let status = if evidence.signed {
            self.embedded_verdict(evidence, &embedded, notes)
        } else {
            FileStatus::Unsigned
        };
        let mut catalogs = evidence.signatures.iter().filter(|s| !s.is_embedded()).peekable();
        if status == FileStatus::Valid || catalogs.peek().is_none() {
            return Verdict {
                status,
                decided_by: DecidedBy::Embedded,
            };
        }
        let mut untrusted = false;
        for s in catalogs {
            if s.status == FileStatus::Valid {
                if let super::outcome::Origin::Catalog { path, member, .. } = &s.origin {
                    notes.push(Finding::information(
                        Rule::CatalogListed,
                        format!("valid through the catalog {path} (member {member}), which lists the file's hash"),
                    ));
                }
                return Verdict {
                    status: FileStatus::Valid,
                    decided_by: DecidedBy::ValidCatalog(s.index),
                };
            }
            untrusted |= s.status == FileStatus::Untrusted;
        }
        match status {
            // No signature of its own: the catalogs' verdict is the file's.
            FileStatus::Unsigned => Verdict {
                status: if untrusted {
                    FileStatus::Untrusted
                } else {
                    FileStatus::Invalid
                },
                decided_by: DecidedBy::Catalogs,
            },
            _ => Verdict {
                status,
                decided_by: DecidedBy::Embedded,
            },
        }
    }

    /// The verdict of the file's own signatures.
    fn embedded_verdict(
        &self,
        evidence: &Evidence,
        signatures: &[&SignatureOutcome],
        notes: &mut Vec<Finding>,
    ) -> FileStatus {
        let mut status = self.file_status(signatures);
        let after = &evidence.after;
        if after.bytes > 0
            && !Policy::rule(
                self.policy.accept_data_after_cert_table,
                Rule::AcceptDataAfterCertTable,
                &format!(
                    "{} bytes follow {}: they are outside every signature (MS12-024)",
                    after.bytes, after.what
                ),
                notes,
            )
        {
            status = FileStatus::Invalid;
        }
        if !evidence.padding_ok {
            status = FileStatus::Invalid;
        }
        for s in signatures {
            let Some(what) = mismatch(s) else { continue };
            // A signature that decides alone makes the file invalid; one that does not is,
            // like Windows, only reported unless the policy says otherwise.
            if self.policy.decides_alone(s.index) {
                notes.push(Finding::refusal(Rule::SignatureMismatch, what));
                status = FileStatus::Invalid;
            } else if !Policy::rule(
                self.policy.accept_non_deciding_mismatch,
                Rule::AcceptNonDecidingMismatch,
                &format!("{what}; it does not decide the verdict"),
                notes,
            ) {
                status = FileStatus::Invalid;
            }
        }
        status
    }

    fn file_status(&self, signatures: &[&SignatureOutcome]) -> FileStatus {
        let rank = |s: FileStatus| match s {
            FileStatus::Valid => 0,
            FileStatus::Untrusted => 1,
            _ => 2,
        };
        let statuses = signatures.iter().map(|s| s.status);
        match self.policy.signatures {
            SignatureSelection::Primary => signatures.first().map_or(FileStatus::Unsigned, |s| s.status),
            SignatureSelection::All => statuses.max_by_key(|s| rank(*s)).unwrap_or(FileStatus::Unsigned),
            SignatureSelection::Any => statuses.min_by_key(|s| rank(*s)).unwrap_or(FileStatus::Unsigned),
        }
    }

    /// What to install: the signer chains and the TSA chains of the signatures the
    /// verdict rests on, merged by certificate — only from signatures that hold
    /// ([`plan_missing`]).
    pub(crate) fn missing_of(
        &self,
        signatures: &[SignatureOutcome],
        verdict: Verdict,
        notes: &mut Vec<Finding>,
    ) -> Vec<MissingCertificate> {
        let primary_only = self.policy.signatures == SignatureSelection::Primary;
        let deciding = signatures.iter().filter(|s| match verdict.decided_by {
            DecidedBy::Embedded => s.is_embedded() && (!primary_only || s.index == 0),
            DecidedBy::ValidCatalog(index) => s.index == index,
            DecidedBy::Catalogs => !s.is_embedded(),
        });
        plan_missing(deciding, verdict.status, notes)
    }
}

/// Why a signature does not match the file, if it does not.
fn mismatch(s: &SignatureOutcome) -> Option<String> {
    if let Some(e) = &s.error {
        Some(format!("signature {} cannot be verified: {e}", s.index))
    } else if s.pages_differ() {
        Some(format!("signature {}: its page hashes do not match the file", s.index))
    } else if !s.digest.matches {
        Some(format!(
            "signature {} does not match the file: its digest differs from the file's",
            s.index
        ))
    } else {
        None
    }
}

/// Why a signature's chains may not ask for certificates: installing them would not make
/// it valid, because the signature itself does not hold.
fn does_not_hold(s: &SignatureOutcome) -> Option<&'static str> {
    if s.error.is_some() {
        Some("its signature cannot be read or checked")
    } else if !s.digest.matches {
        Some("the file does not match its signed digest")
    } else if !s.signature_valid {
        Some("the signer's signature does not verify")
    } else if s.pages_differ() {
        Some("its page hashes do not match the file")
    } else if s
        .chain
        .as_ref()
        .is_some_and(|c| c.status == crate::report::ChainStatus::Revoked)
    {
        Some("a certificate of its chain is revoked")
    } else {
        None
    }
}

/// The install plan's input for one file (issue 26): what the chains of `signatures` lack,
/// merged by certificate, taken only from signatures that hold (digest, signer signature,
/// page hashes) and from timestamps that hold, and nothing at all from an `invalid` file —
/// installing certificates would not make it valid. When something was left out for that
/// reason, `notes` says so (`plan.file_invalid`).
fn plan_missing<'a>(
    signatures: impl Iterator<Item = &'a SignatureOutcome>,
    status: FileStatus,
    notes: &mut Vec<Finding>,
) -> Vec<MissingCertificate> {
    let mut missing: Vec<MissingCertificate> = Vec::new();
    let mut left_out: Vec<String> = Vec::new();
    for s in signatures {
        let chains = s.chain.iter().map(|c| (ChainRole::Signer, c)).chain(
            s.timestamp
                .iter()
                .filter(|t| t.holds())
                .flat_map(|t| t.chain.iter())
                .map(|c| (ChainRole::Timestamp, c)),
        );
        let why = does_not_hold(s);
        for (role, chain) in chains {
            if chain.missing.is_empty() {
                continue;
            }
            match why {
                Some(why) => left_out.push(format!("signature {}: {why}", s.index)),
                None => {
                    for m in &chain.missing {
                        merge_missing(
                            &mut missing,
                            MissingCertificate::from(m.clone()),
                            NeededBy {
                                signature: s.index,
                                chain: role,
                            },
                        );
                    }
                }
            }
        }
    }
    if status == FileStatus::Invalid && !missing.is_empty() {
        missing.clear();
        left_out.push("the file is invalid".into());
    }
    left_out.dedup();
    if !left_out.is_empty() {
        notes.push(Finding::information(
            Rule::PlanFileInvalid,
            format!(
                "no certificate is asked for on this file's behalf: installing any would not make it valid ({})",
                left_out.join("; ")
            ),
        ));
    }
    missing
}

/// Adds `m` to a file's list of missing certificates, merging by identity.
fn merge_missing(list: &mut Vec<MissingCertificate>, mut m: MissingCertificate, by: NeededBy) {
    m.needed_by = vec![by];
    match list.iter_mut().find(|x| x.same_certificate(&m)) {
        Some(x) => x.absorb(&m),
        None => list.push(m),
    }
}
