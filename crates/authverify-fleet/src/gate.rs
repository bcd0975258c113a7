//! The release gate (issue 31): "is every file we ship signed by our certificate and
//! timestamped?", asked of each file's report after its verdict. A file's `status` stays
//! what its signatures say; the gate's answer is a part of its own (`gate` in JSON), and
//! decides the exit code when the gate is asked for ([`crate::Exit::of_gate`]).
//!
//! A file fails the gate, with one finding per rule:
//! - `gate.not_valid`: its verdict is not `valid` (a file nobody can vouch for is not
//!   shipped, whoever signed it);
//! - `gate.signer` (`--require-signer`): no deciding signature that verifies has one of the
//!   required certificates as its leaf, compared by thumbprint, never by name;
//! - `gate.timestamp` (`--require-timestamp`): a deciding signature has no valid timestamp.
//!
//! A file an `--exclude-from` pattern matches passes, reported `gate.excluded` with the
//! pattern and its reason, never dropped.
//!
//! The deciding signatures are read from the report as the verdict chose them
//! (`verify/verdict.rs`): a file valid through a catalog (finding `catalog.listed`) is
//! decided by the first valid catalog signature, whose leaf is the catalog's signer; a file
//! with no signature of its own by the catalogs that list it; otherwise by its own
//! signatures per `--signatures`: the primary, every one (`all`), or the valid ones (`any`;
//! all of them when none is valid).

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::PathBuf;

use authverify::report::{CertificateSummary, SignatureKind, SignatureReport};
use authverify::{FileReport, FileStatus, Role, Rule, SignatureSelection, TrustStore};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::exclude::{Exclusion, Exclusions};
use crate::files::{FileResult, Outcome};

/// What the gate asks, as the command line gives it.
#[derive(Clone, Debug, Default)]
pub struct GateOptions {
    /// `--require-signer`: certificate files or thumbprints.
    pub require_signer: Vec<String>,
    /// `--require-timestamp`.
    pub require_timestamp: bool,
    /// `--exclude-from`: pattern lists.
    pub exclude_from: Vec<PathBuf>,
    /// `--signatures`: which signatures decide (as the verifier's policy says).
    pub signatures: SignatureSelection,
}

/// A certificate identity `--require-signer` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Thumbprint {
    /// SHA-256 of the certificate, lowercase hex (a certificate file, or 64 hex digits).
    Sha256(String),
    /// SHA-1 of the certificate, lowercase hex (40 hex digits): the thumbprint `signtool
    /// /sha1`, `certutil` and the Windows certificate dialogs show.
    Sha1(String),
}

impl Thumbprint {
    /// The certificate is this one.
    pub fn matches(&self, c: &CertificateSummary) -> bool {
        match self {
            Self::Sha256(h) => c.sha256 == *h,
            Self::Sha1(h) => c.sha1 == *h,
        }
    }

    /// A thumbprint as typed: hex, in either case, with the spaces or colons tools print
    /// between bytes.
    pub fn parse(spec: &str) -> Option<Self> {
        let hex: String = spec.chars().filter(|c| *c != ':' && *c != ' ').collect();
        if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let hex = hex.to_ascii_lowercase();
        match hex.len() {
            64 => Some(Self::Sha256(hex)),
            40 => Some(Self::Sha1(hex)),
            _ => None,
        }
    }
}

/// Why a `--require-signer` argument is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignerSpecProblem {
    /// `builtin` or `system`: a root program is not a signer.
    NotACertificateFile,
    /// A trust list names certificates by hash for another purpose.
    TrustList,
    /// The material holds no certificate.
    NoCertificate,
}

impl fmt::Display for SignerSpecProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotACertificateFile => "a certificate store is not a signer",
            Self::TrustList => "a trust list is not a signer certificate",
            Self::NoCertificate => "no certificate in it",
        })
    }
}

/// The gate a run applies.
#[derive(Clone, Debug, Default)]
pub struct Gate {
    signers: Vec<Thumbprint>,
    timestamp: bool,
    exclusions: Exclusions,
    selection: SignatureSelection,
    asked: bool,
}

impl Gate {
    /// The gate `options` describe: certificate files are read (every certificate in one is
    /// a required signer), exclusion lists parsed.
    pub fn build(options: &GateOptions, notes: &mut dyn Write) -> Result<Self, Error> {
        let mut signers = Vec::new();
        for spec in &options.require_signer {
            signers.extend(signer_thumbprints(spec, notes)?);
        }
        Ok(Self {
            signers,
            timestamp: options.require_timestamp,
            exclusions: Exclusions::load(&options.exclude_from)?,
            selection: options.signatures,
            asked: !options.require_signer.is_empty() || options.require_timestamp || !options.exclude_from.is_empty(),
        })
    }

    /// No gate option was given: reports carry no `gate`, and the verdicts decide the exit
    /// code (the JUnit printer still judges files by this gate: valid or not).
    pub fn asked(&self) -> bool {
        self.asked
    }

    /// The gate's answer for one file.
    pub fn evaluate(&self, r: &FileResult) -> GateResult {
        if let Some(e) = self.exclusions.find(&gate_path(r)) {
            return GateResult {
                passed: true,
                failed: Vec::new(),
                excluded: Some(e.clone()),
            };
        }
        let mut failed = Vec::new();
        let report = match &r.outcome {
            Outcome::Report(report) => report,
            Outcome::Error { error_rule, .. } => {
                failed.push(GateFailure::NotValid {
                    status: FileStatus::Error,
                    error_rule: Some(error_rule),
                });
                return GateResult::failed(failed);
            }
        };
        if report.status != FileStatus::Valid {
            failed.push(GateFailure::NotValid {
                status: report.status,
                error_rule: None,
            });
        }
        let deciding = deciding(report, self.selection);
        if !self.signers.is_empty() {
            if let Some(f) = self.signer_failure(&deciding) {
                failed.push(f);
            }
        }
        if self.timestamp {
            let without: Vec<usize> = deciding
                .iter()
                .filter(|s| !s.timestamp.as_ref().is_some_and(|t| t.valid))
                .map(|s| s.index)
                .collect();
            if deciding.is_empty() || !without.is_empty() {
                failed.push(GateFailure::Timestamp { without });
            }
        }
        GateResult::failed(failed)
    }

    /// `None` when a deciding signature that verifies is by a required signer. A signer
    /// certificate of a signature that does not verify proves nothing: anyone can copy a
    /// certificate into a signature.
    fn signer_failure(&self, deciding: &[&SignatureReport]) -> Option<GateFailure> {
        let required = |c: &CertificateSummary| self.signers.iter().any(|t| t.matches(c));
        let ok = deciding
            .iter()
            .any(|s| s.signature_valid && s.signer.as_ref().is_some_and(required));
        if ok {
            return None;
        }
        let signers = deciding
            .iter()
            .map(|s| Signer {
                signature: s.index,
                certificate: s.signer.clone(),
                verifies: s.signature_valid,
            })
            .collect();
        Some(GateFailure::Signer { signers })
    }
}

/// The certificates a `--require-signer` argument names.
fn signer_thumbprints(spec: &str, notes: &mut dyn Write) -> Result<Vec<Thumbprint>, Error> {
    if let Some(t) = Thumbprint::parse(spec) {
        return Ok(vec![t]);
    }
    let refuse = |why| Error::RequireSigner {
        spec: spec.to_string(),
        why,
    };
    if spec == "builtin" || spec == "system" {
        return Err(refuse(SignerSpecProblem::NotACertificateFile));
    }
    let mut read = TrustStore::new();
    crate::config::load_trust(&mut read, spec, Role::Anchors, "--require-signer", notes)?;
    if !read.trust_lists().is_empty() {
        return Err(refuse(SignerSpecProblem::TrustList));
    }
    let found: Vec<Thumbprint> = read
        .anchors()
        .chain(read.intermediates())
        .map(|c| Thumbprint::Sha256(hex::encode(c.sha256())))
        .collect();
    if found.is_empty() {
        return Err(refuse(SignerSpecProblem::NoCertificate));
    }
    Ok(found)
}

/// The signatures the verdict rests on, read from the report (see the module's text).
pub fn deciding(report: &FileReport, selection: SignatureSelection) -> Vec<&SignatureReport> {
    let catalog = |s: &&SignatureReport| s.kind == SignatureKind::Catalog;
    if report.notes.iter().any(|n| n.rule == Rule::CatalogListed) {
        let valid = |s: &&SignatureReport| catalog(s) && s.status == FileStatus::Valid;
        return report.signatures.iter().filter(valid).take(1).collect();
    }
    let own: Vec<&SignatureReport> = report.signatures.iter().filter(|s| !catalog(s)).collect();
    if own.is_empty() {
        return report.signatures.iter().filter(catalog).collect();
    }
    match selection {
        SignatureSelection::Primary => own.into_iter().take(1).collect(),
        SignatureSelection::Any if own.iter().any(|s| s.status == FileStatus::Valid) => {
            own.into_iter().filter(|s| s.status == FileStatus::Valid).collect()
        }
        _ => own,
    }
}

/// The path patterns are matched against: the file's path, or for a member of a package
/// its containers and its path inside the innermost one, joined by `/`
/// (`dist/setup.msi/docs/readme.txt`). `\` is a separator on Windows only.
pub fn gate_path(r: &FileResult) -> String {
    let joined = match &r.member {
        Some(member) if !r.container.is_empty() => format!("{}/{member}", r.container.join("/")),
        Some(member) => format!("{}/{member}", r.path),
        None => r.path.clone(),
    };
    if cfg!(windows) {
        joined.replace('\\', "/")
    } else {
        joined
    }
}

/// The gate's answer for one file (`gate` in its JSON object).
#[derive(Clone, Debug, Serialize)]
pub struct GateResult {
    /// The file passes (excluded files pass).
    pub passed: bool,
    /// Each rule it fails, with why.
    pub failed: Vec<GateFailure>,
    /// The `--exclude-from` entry that excludes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excluded: Option<Exclusion>,
}

impl GateResult {
    fn failed(failed: Vec<GateFailure>) -> Self {
        Self {
            passed: failed.is_empty(),
            failed,
            excluded: None,
        }
    }
}

/// The gate's rules (`rule` of a gate finding).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum GateRule {
    /// The file is not valid.
    NotValid,
    /// No deciding signature by a required signer.
    Signer,
    /// A deciding signature without a valid timestamp.
    Timestamp,
    /// Excluded by a pattern (not a failure).
    Excluded,
}

impl GateRule {
    /// The stable id.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotValid => "gate.not_valid",
            Self::Signer => "gate.signer",
            Self::Timestamp => "gate.timestamp",
            Self::Excluded => "gate.excluded",
        }
    }
}

/// One deciding signature's signer, as a `gate.signer` failure names it.
#[derive(Clone, Debug)]
pub struct Signer {
    /// The signature's index.
    pub signature: usize,
    /// Its signer certificate, when it has one.
    pub certificate: Option<CertificateSummary>,
    /// Its signature verifies with that certificate.
    pub verifies: bool,
}

/// A rule the file fails, with the data its text is made from.
#[derive(Clone, Debug)]
pub enum GateFailure {
    /// Not valid: the verdict, and the error's rule when it could not be verified.
    NotValid {
        /// The verdict.
        status: FileStatus,
        /// Why it could not be verified.
        error_rule: Option<&'static str>,
    },
    /// No deciding signature by a required signer: the signers it has.
    Signer {
        /// The deciding signatures' signers.
        signers: Vec<Signer>,
    },
    /// Deciding signatures without a valid timestamp (empty: no deciding signature).
    Timestamp {
        /// Their indexes.
        without: Vec<usize>,
    },
}

impl GateFailure {
    /// The failure's rule.
    pub fn rule(&self) -> GateRule {
        match self {
            Self::NotValid { .. } => GateRule::NotValid,
            Self::Signer { .. } => GateRule::Signer,
            Self::Timestamp { .. } => GateRule::Timestamp,
        }
    }

    /// The text a person reads (from the report's data: subjects may hold anything, so
    /// each printer escapes it for where it goes).
    pub fn detail(&self) -> String {
        match self {
            Self::NotValid {
                error_rule: Some(rule), ..
            } => format!("the file could not be verified ({rule})"),
            Self::NotValid { status, .. } => format!("the file is {}, not valid", status.as_str()),
            Self::Signer { signers } if signers.is_empty() => "no signature: not signed by a required signer".into(),
            Self::Signer { signers } => {
                let named: Vec<String> = signers.iter().map(signer_text).collect();
                format!("not signed by a required signer: {}", named.join("; "))
            }
            Self::Timestamp { without } if without.is_empty() => "no signature, so no timestamp".into(),
            Self::Timestamp { without } => {
                let which: Vec<String> = without.iter().map(|i| format!("signature {i}")).collect();
                format!("without a valid timestamp: {}", which.join(", "))
            }
        }
    }
}

fn signer_text(s: &Signer) -> String {
    match &s.certificate {
        None => format!("signature {} has no signer certificate", s.signature),
        Some(c) => {
            let proof = if s.verifies {
                ""
            } else {
                ", whose signature does not verify"
            };
            format!(
                "signature {} by \"{}\" (SHA-256 {}, SHA-1 {}){proof}",
                s.signature, c.subject, c.sha256, c.sha1
            )
        }
    }
}

impl Serialize for GateFailure {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("GateFailure", 2)?;
        st.serialize_field("rule", self.rule().as_str())?;
        st.serialize_field("detail", &self.detail())?;
        st.end()
    }
}

/// How a run's files fared at the gate (`gate` in the summary, the text footer's gate line).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateCounts {
    /// Files that pass (excluded ones included).
    pub passed: usize,
    /// Files that fail.
    pub failed: usize,
    /// Files excluded by a pattern.
    pub excluded: usize,
    /// Failing files by rule (a file failing two rules counts under each).
    pub by_rule: BTreeMap<String, usize>,
}

impl GateCounts {
    /// Adds the counts of other files judged by the same gate.
    pub fn absorb(&mut self, other: GateCounts) {
        self.passed = self.passed.saturating_add(other.passed);
        self.failed = self.failed.saturating_add(other.failed);
        self.excluded = self.excluded.saturating_add(other.excluded);
        for (rule, n) in other.by_rule {
            let mine = self.by_rule.entry(rule).or_insert(0);
            *mine = mine.saturating_add(n);
        }
    }

    /// Counts one file's answer.
    pub fn add(&mut self, g: &GateResult) {
        if g.passed {
            self.passed = self.passed.saturating_add(1);
        } else {
            self.failed = self.failed.saturating_add(1);
        }
        if g.excluded.is_some() {
            self.excluded = self.excluded.saturating_add(1);
        }
        for f in &g.failed {
            let n = self.by_rule.entry(f.rule().as_str().to_string()).or_insert(0);
            *n = n.saturating_add(1);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::path::Path;

    use super::*;

    fn member(container: &[&str], member: &str) -> FileResult {
        let mut r = FileResult::error(Path::new(container[0]), "file.unreadable", "x".into());
        r.container = container.iter().map(|c| c.to_string()).collect();
        r.member = Some(member.to_string());
        r
    }

    #[test]
    fn members_are_matched_by_their_path_through_their_containers() {
        let r = member(&["out/setup.msi", "inner.cab"], "docs/readme.txt");
        assert_eq!(gate_path(&r), "out/setup.msi/inner.cab/docs/readme.txt");
        let list = Exclusions::parse("setup.msi/**/*.txt # documentation\n*.dll\n", Path::new("list")).unwrap();
        let gate = Gate {
            exclusions: list,
            asked: true,
            ..Gate::default()
        };
        let judged = gate.evaluate(&r);
        assert!(judged.passed);
        assert_eq!(
            judged.excluded.expect("excluded").reason.as_deref(),
            Some("documentation")
        );
        // The same file outside the package is not excluded, and fails (it is an error).
        let outside = FileResult::error(Path::new("out/readme.txt"), "file.unreadable", "x".into());
        let judged = gate.evaluate(&outside);
        assert!(!judged.passed && judged.excluded.is_none());
        assert_eq!(judged.failed[0].rule(), GateRule::NotValid);
    }

    #[test]
    fn thumbprints_are_read_in_the_forms_tools_print() {
        let sha1 = "06A8BE2301B2F0309777D2076AA9D35089877435";
        assert_eq!(
            Thumbprint::parse(sha1),
            Some(Thumbprint::Sha1(sha1.to_ascii_lowercase()))
        );
        assert_eq!(
            Thumbprint::parse("06 a8 be 23 01 b2 f0 30 97 77 d2 07 6a a9 d3 50 89 87 74 35"),
            Some(Thumbprint::Sha1(sha1.to_ascii_lowercase()))
        );
        assert!(matches!(
            Thumbprint::parse(&"ab".repeat(32)),
            Some(Thumbprint::Sha256(_))
        ));
        assert_eq!(Thumbprint::parse("ours.cer"), None);
        assert_eq!(Thumbprint::parse(&"ab".repeat(21)), None);
    }
}
