//! The fleet view: which certificates to install across all files, and the files that fail
//! for other reasons, grouped by reason.

use std::collections::BTreeMap;

use authverify::{FileStatus, MissingCertificate, Store};
use serde::Serialize;

use crate::files::{FileResult, Outcome};

#[derive(Debug, Serialize)]
pub(crate) struct Summary {
    /// Files looked at.
    pub(crate) files: usize,
    /// How many files got each verdict.
    pub(crate) by_status: BTreeMap<&'static str, usize>,
    /// Certificates to install, the most needed first.
    pub(crate) install: Vec<Install>,
    /// Files that are not valid for reasons installing certificates does not fix.
    pub(crate) other_failures: Vec<FailureGroup>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Install {
    /// Friendly name (or subject when unknown).
    pub(crate) name: String,
    pub(crate) subject: String,
    pub(crate) sha1: Option<String>,
    pub(crate) sha256: Option<String>,
    pub(crate) key_id: Option<String>,
    /// `root` or `intermediate`.
    pub(crate) store: Store,
    /// The Windows store, as the certificate manager names it.
    pub(crate) store_name: String,
    /// `<sha1>.crt`, as CertUtil names it.
    pub(crate) file_name: Option<String>,
    /// Whether authverify can write it out (--export-missing).
    pub(crate) available: bool,
    /// How many files need it.
    pub(crate) files: usize,
    /// One of them.
    pub(crate) example: String,
    #[serde(skip)]
    pub(crate) certificate: MissingCertificate,
}

#[derive(Debug, Serialize)]
pub(crate) struct FailureGroup {
    pub(crate) reason: String,
    pub(crate) files: usize,
    /// Up to three of them.
    pub(crate) examples: Vec<String>,
}

/// The CN of an RFC 4514 subject (`CN=Debian Secure Boot CA,O=...` → `Debian Secure Boot
/// CA`), or the whole subject when it has none.
fn common_name(subject: &str) -> String {
    let mut rest = subject;
    while let Some(start) = rest.find("CN=") {
        let at_boundary = start == 0 || rest.get(..start).is_some_and(|b| b.ends_with(','));
        let value = rest.get(start + 3..).unwrap_or_default();
        if at_boundary {
            // Up to the first comma not escaped with a backslash.
            let mut end = value.len();
            let mut escaped = false;
            for (i, ch) in value.char_indices() {
                match ch {
                    '\\' if !escaped => escaped = true,
                    ',' if !escaped => {
                        end = i;
                        break;
                    }
                    _ => escaped = false,
                }
            }
            return value.get(..end).unwrap_or(value).replace("\\,", ",");
        }
        rest = value;
    }
    subject.to_string()
}

fn status_name(s: FileStatus) -> &'static str {
    match s {
        FileStatus::Valid => "valid",
        FileStatus::Invalid => "invalid",
        FileStatus::Untrusted => "untrusted",
        FileStatus::Unsigned => "unsigned",
        _ => "error",
    }
}

/// Why a file fails when installing certificates would not fix it, as a grouping key.
fn failure_reason(r: &FileResult) -> Option<String> {
    let report = match &r.outcome {
        Outcome::Error { error, .. } => {
            let kind = error.split(':').next().unwrap_or(error);
            return Some(format!("error: {kind}"));
        }
        Outcome::Report(report) => report,
    };
    let primary = report.signatures.first();
    match report.status {
        FileStatus::Valid => None,
        FileStatus::Unsigned => Some("unsigned".into()),
        FileStatus::Untrusted if !report.missing.is_empty() => None,
        FileStatus::Untrusted => Some(format!(
            "untrusted: chain {}",
            primary
                .and_then(|s| s.chain.as_ref())
                .map_or("not built", |c| c.status.name())
        )),
        _ => Some(match primary {
            Some(s) if s.error.is_some() => "invalid: the signature cannot be parsed".into(),
            Some(s) if !s.digest_matches => "invalid: the file does not match its signed digest".into(),
            Some(s) if !s.signature_valid => "invalid: the signer's signature does not verify".into(),
            _ if report.notes.iter().any(|n| n.contains("follow the certificate table")) => {
                "invalid: data appended after the certificate table".into()
            }
            _ => "invalid: a nested signature does not match the file".into(),
        }),
    }
}

impl Install {
    fn from_missing(m: &MissingCertificate, files: usize, example: String) -> Self {
        Self {
            name: m.name.clone().unwrap_or_else(|| common_name(&m.subject)),
            subject: m.subject.clone(),
            sha1: m.sha1.clone(),
            sha256: m.sha256.clone(),
            key_id: m.key_id.clone(),
            store: m.store,
            store_name: match m.store {
                Store::Unknown => m.store.windows_name().to_string(),
                _ => format!("{} (Local Computer)", m.store.windows_name()),
            },
            file_name: m.file_name.clone(),
            available: m.available,
            files,
            example,
            certificate: m.clone(),
        }
    }
}

impl Summary {
    pub(crate) fn of(results: &[FileResult]) -> Self {
        let mut by_status = BTreeMap::new();
        let mut install: Vec<Install> = Vec::new();
        let mut groups: BTreeMap<String, FailureGroup> = BTreeMap::new();
        for r in results {
            *by_status.entry(status_name(r.status())).or_insert(0) += 1;
            if let Outcome::Report(report) = &r.outcome {
                for m in &report.missing {
                    match install.iter_mut().find(|i| i.certificate.same_certificate(m)) {
                        Some(i) => {
                            i.files += 1;
                            if i.sha1.is_none() && m.sha1.is_some() || !i.available && m.available {
                                // The same certificate, now identified: take what is known.
                                let (files, example) = (i.files, i.example.clone());
                                *i = Install::from_missing(m, files, example);
                            }
                        }
                        None => install.push(Install::from_missing(m, 1, r.path.clone())),
                    }
                }
            }
            if let Some(reason) = failure_reason(r) {
                let g = groups.entry(reason.clone()).or_insert(FailureGroup {
                    reason,
                    files: 0,
                    examples: Vec::new(),
                });
                g.files += 1;
                if g.examples.len() < 3 {
                    g.examples.push(r.path.clone());
                }
            }
        }
        // Roots before intermediates, then the most needed first.
        install.sort_by(|a, b| {
            (a.store, std::cmp::Reverse(a.files), &a.name).cmp(&(b.store, std::cmp::Reverse(b.files), &b.name))
        });
        let mut other_failures: Vec<FailureGroup> = groups.into_values().collect();
        other_failures.sort_by(|a, b| b.files.cmp(&a.files).then_with(|| a.reason.cmp(&b.reason)));
        Self {
            files: results.len(),
            by_status,
            install,
            other_failures,
        }
    }
}
