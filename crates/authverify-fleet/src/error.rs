//! The fleet layer's one error type: what kind of failure ended a run, with the data it
//! concerns (the argument, the path, the inner I/O or library error). Per-file problems
//! never get here, they are results (one bad input never stops a run). The messages are the
//! command's: a front end prints [`Error::for_terminal`] and exits with
//! [`crate::Exit::of_error`].

use std::path::PathBuf;

use authverify::error::TrustError;
use authverify::time::TimeParseError;

/// What the `--trust`-style options take, said when one cannot be loaded.
const TRUST_TAKES: &str = "takes certificate files (DER/PEM), .p7b, .sst, .stl, .cab, a .reg export or registry hive of the certificate stores, a directory of them, builtin, or system on Windows";

/// Why a run could not go to the end.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `system` given to an option other than `--trust`: the machine's stores give each
    /// certificate its own role.
    #[error("{flag} system: the machine's stores give each certificate its role; use --trust system")]
    SystemNeedsTrust {
        /// The option (`--intermediates`, `--distrust`).
        flag: String,
    },
    /// The machine's certificate stores cannot be read (or this is not Windows).
    #[error("{0}")]
    SystemStore(#[from] crate::system_store::SystemStoreError),
    /// A `--crl` argument cannot be loaded.
    #[error("cannot load --crl {spec}: {source}")]
    CrlUnloadable {
        /// The argument as given.
        spec: String,
        /// The library's reason.
        source: Box<TrustError>,
    },
    /// A `--crl` folder holds no revocation list.
    #[error("--crl {spec}: no CRL found (DER or PEM files; in a folder, *.crl)")]
    NoCrls {
        /// The argument as given.
        spec: String,
    },
    /// A `--trust`-style argument cannot be loaded; the second line says what `flag` takes.
    #[error("cannot load {flag} {spec}: {source}\n  ({flag} {TRUST_TAKES})")]
    TrustUnloadable {
        /// The option (`--trust`, `--intermediates`, `--distrust`, `--vouch`).
        flag: String,
        /// The argument as given.
        spec: String,
        /// The library's reason (boxed: it is large, and errors travel by value).
        source: Box<TrustError>,
    },
    /// A `--trust` argument contributed nothing: verifying against it would find every file
    /// untrusted, so the run stops.
    #[error("{flag} {spec}: {nothing}")]
    NothingTrusted {
        /// The option (`--trust`).
        flag: String,
        /// The argument as given.
        spec: String,
        /// What the path held instead.
        nothing: crate::config::NothingLoaded,
    },
    /// `--vouch builtin` or `--vouch system`: trusted material already.
    #[error("--vouch {spec}: --vouch takes certificate files; the built-in set and the machine's stores are vouched for already")]
    VouchTrusted {
        /// The argument as given.
        spec: String,
    },
    /// `--vouch` given a trust list.
    #[error("--vouch {spec}: a CTL vouches through --trust; --vouch takes certificate files")]
    VouchTrustList {
        /// The argument as given.
        spec: String,
    },
    /// `--vouch` given material without a certificate.
    #[error("--vouch {spec}: no certificate in it")]
    VouchEmpty {
        /// The argument as given.
        spec: String,
    },
    /// `--jobs 0`.
    #[error("--jobs must be at least 1")]
    NoJobs,
    /// A time option that is not RFC 3339 UTC.
    #[error("{flag}: {source} (expected RFC 3339 UTC, e.g. 2026-04-13T00:00:00Z)")]
    Time {
        /// The option (`--at`).
        flag: String,
        /// The library's reason.
        source: TimeParseError,
    },
    /// A `--catalogs` path that does not exist.
    #[error("--catalogs {spec}: no such file or directory")]
    CatalogsNotFound {
        /// The argument as given.
        spec: String,
    },
    /// `--catalogs system` where there is no Windows CatRoot to read.
    #[error("{0}")]
    CatRoot(crate::config::CatRootError),
    /// The `--files-from` list cannot be opened or read.
    #[error("--files-from {}: {source}", path.display())]
    FilesFrom {
        /// The list's path (`-` for standard input).
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The paths given hold no file of a signed format.
    #[error("no PE image, cabinet or MSI package found in the paths given ({skipped} other files skipped)")]
    NoInput {
        /// Files seen that are not of a signed format.
        skipped: usize,
    },
    /// A report to merge cannot be read as one.
    #[error("{0}")]
    Report(#[from] crate::reports::ReportError),
    /// Trust material to show cannot be read.
    #[error("cannot read {spec}: {source}")]
    TrustUnreadable {
        /// The argument as given.
        spec: String,
        /// The library's reason (boxed: it is large, and errors travel by value).
        source: Box<TrustError>,
    },
    /// The folder to rescan is not a folder.
    #[error("{}: not a directory", path.display())]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
    /// The folder to rescan holds no quarantined file.
    #[error("no file ending in _Invalid under {}", dir.display())]
    NothingQuarantined {
        /// The folder given.
        dir: PathBuf,
    },
    /// An `--exclude-from` list cannot be read, or a line of it is not a pattern.
    #[error("--exclude-from {}{}: {source}", path.display(), line.map(|n| format!(" line {n}")).unwrap_or_default())]
    ExcludeFrom {
        /// The list's path.
        path: PathBuf,
        /// The line at fault, when one is.
        line: Option<usize>,
        /// Why.
        source: std::io::Error,
    },
    /// A `--require-signer` argument that is neither a thumbprint nor certificate material.
    #[error("--require-signer {spec}: {why}\n  (--require-signer takes a certificate file (DER, PEM, .p7b, .sst) or a SHA-256 (64 hex digits) or SHA-1 (40 hex digits) thumbprint)")]
    RequireSigner {
        /// The argument as given.
        spec: String,
        /// Why it is refused.
        why: crate::gate::SignerSpecProblem,
    },
    /// The output cannot be written (a closed pipe among others: see [`Error::is_closed_pipe`]).
    #[error("cannot write output: {0}")]
    Output(std::io::Error),
    /// `--export-missing DIR` cannot be written.
    #[error("--export-missing {}: {source}", dir.display())]
    Export {
        /// The folder given.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl Error {
    /// The error a failed write to the output is.
    pub fn output(e: std::io::Error) -> Self {
        Self::Output(e)
    }

    /// A write to a closed pipe (`authverify verify DIR | head`): the reader saying it has
    /// seen enough, which ends the run quietly and successfully, as ripgrep does.
    pub fn is_closed_pipe(&self) -> bool {
        matches!(self, Self::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// The message as stderr shows it: what came from arguments, files and reports escaped
    /// ([`crate::escape::terminal`]), the line authverify adds kept a line of its own.
    pub fn for_terminal(&self) -> String {
        match self {
            Self::TrustUnloadable { flag, spec, source } => format!(
                "{}\n  ({flag} {TRUST_TAKES})",
                crate::escape::terminal(&format!("cannot load {flag} {spec}: {source}"))
            ),
            other => crate::escape::terminal(&other.to_string()).into_owned(),
        }
    }
}
