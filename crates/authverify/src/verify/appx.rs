//! APPX/MSIX packages and bundles in the verifier: the signature in `AppxSignature.p7x`,
//! whose content the package's own rules judge ([`AppxPackage::check_signed_content`]: the
//! SIP, every part's digest, the block map, the publisher), and for a bundle each of its
//! packages verified as a file of its own. The verdict is still decided in `verdict.rs`: a
//! signature whose content checks fail does not match the file.

use std::sync::Arc;

use super::outcome::SignatureOutcome;
use super::{find_signer_with_store, Examined, Parsed, Subject, Trailing, Verifier};
use crate::appx::AppxPackage;
use crate::digest::Feed;
use crate::error::Error;
use crate::finding::{Effect, Finding, Rule};
use crate::report::{FileReport, FileStatus};
use crate::time::UnixTime;
use crate::trust::TrustStore;
use crate::x509::certificate::Certificate;

impl Verifier {
    /// An APPX/MSIX package or bundle: its signature (and those nested in it) over the
    /// package's digests; a bundle's packages each verified too.
    pub(super) fn verify_appx(&self, data: &[u8], at: UnixTime, feed: &mut Feed<'_>) -> Result<FileReport, Error> {
        // The records (package digest and block map check) come through `feed` in one
        // read: a large package is not held in memory (reader.rs holds only its headers,
        // directory and the parts read whole).
        let package = AppxPackage::parse_fed(data, feed)?;
        let mut examined = self.examine_appx(&package, at, feed);
        if self.has_catalogs() {
            // As for MSI: a catalog lists a package by the hash of its bytes (the flat-file
            // SIP), not by its content digests.
            self.look_up_flat(data, feed, &mut examined);
        }
        Ok(self.conclude(examined))
    }

    /// One package's (or bundle's) signatures evaluated, its bundle packages' verdicts
    /// folded into each signature's content checks.
    fn examine_appx(&self, package: &AppxPackage<'_>, at: UnixTime, feed: &mut Feed<'_>) -> Examined {
        let inner: Vec<Finding> = package
            .inner
            .iter()
            .map(|p| inner_finding(&p.name, &self.conclude(self.examine_appx(&p.package, at, feed))))
            .collect();
        // Offsets inside the member, not the file: a deflated member is not in place.
        let table = self.single_blob(package.signature.as_deref(), 0, "AppxSignature.p7x");
        let after = Trailing {
            bytes: 0,
            what: "the package",
        };
        let (mut examined, _) = self.verify_found(table, &Subject::Appx(package, &inner), after, feed, at);
        if !examined.evidence.signed {
            // No signature to carry them: the packages' verdicts are still reported.
            examined.format_notes = inner;
        }
        examined
    }
}

/// A bundle package's verdict as a finding of the bundle: information when it is valid, a
/// refusal (naming the rules that failed) when it is not.
fn inner_finding(name: &str, report: &FileReport) -> Finding {
    let refused: Vec<&str> = report
        .notes
        .iter()
        .chain(report.signatures.iter().flat_map(|s| s.error.iter().chain(&s.notes)))
        .filter(|f| f.effect == Effect::Refusal)
        .map(|f| f.rule.as_str())
        .collect();
    let detail = format!(
        "bundle package {name}: {}{}",
        report.status.as_str(),
        if refused.is_empty() {
            String::new()
        } else {
            format!(" ({})", refused.join(", "))
        }
    );
    if report.status == FileStatus::Valid {
        Finding::information(Rule::AppxInnerPackage, detail)
    } else {
        Finding::refusal(Rule::AppxInnerPackage, detail)
    }
}

/// The package's SIP checks on one signature's content (and a bundle's package verdicts):
/// their findings join the signature's, and its digest matches only when there are none.
pub(super) fn check_content(
    package: &AppxPackage<'_>,
    inner: &[Finding],
    p: &Parsed<'_>,
    embedded: &[Arc<Certificate>],
    trust: &TrustStore,
    outcome: &mut SignatureOutcome,
) {
    let Some(algorithm) = p.file_digest else {
        return;
    };
    let signer = find_signer_with_store(&p.signer.sid, embedded, trust);
    let data_value = p.indirect.data_value.as_ref().map_or(&[][..], |v| v.raw);
    let mut findings = package.check_signed_content(
        &p.indirect.data_type.to_string(),
        data_value,
        algorithm,
        p.indirect.digest,
        signer.as_deref().map_or(&[][..], Certificate::subject_der),
    );
    findings.extend(inner.iter().filter(|f| f.effect == Effect::Refusal).cloned());
    outcome.digest.matches = findings.is_empty();
    findings.extend(inner.iter().filter(|f| f.effect != Effect::Refusal).cloned());
    outcome.findings.extend(findings);
}
