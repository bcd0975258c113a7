//! Command-line arguments (the low level; `main` turns them into a store and a policy).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "authverify",
    version,
    about = "Verify Authenticode signatures of PE files offline and name the missing trust anchors"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Verify files and directories (recursively; PE files are recognised by content).
    #[command(
        after_help = "Examples:\n  authverify verify setup.exe\n  authverify verify --trust ./certs --at 2026-01-01T00:00:00Z C:/mnt/app\n  authverify verify --format jsonl --trust builtin --trust extra-root.pem dir/\n\nExit codes: 0 all files valid, 1 some file not valid, 2 usage or I/O error."
    )]
    Verify(VerifyArgs),
}

#[derive(clap::Args, Debug)]
pub(crate) struct VerifyArgs {
    /// Trusted roots: a certificate file (DER or PEM), a PKCS#7 bundle (.p7b), a serialized
    /// store (.sst), a CTL (authroot.stl: its per-root policy applies), a directory of these
    /// such as the one `CertUtil -syncWithWU DIR` writes, or `builtin` (the compiled-in
    /// catalog). Repeatable. Default: builtin. Any --trust means exactly what is listed.
    #[arg(long, value_name = "PATH|builtin")]
    pub(crate) trust: Vec<String>,
    /// Extra intermediate CA certificates (the Windows "Intermediate Certification
    /// Authorities" store): same formats as --trust. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub(crate) intermediates: Vec<String>,
    /// Certificates never to chain through (the "Untrusted Certificates" store), or a
    /// disallowedcert.stl. Same formats as --trust. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub(crate) distrust: Vec<String>,
    /// Evaluation time (RFC 3339 UTC, e.g. 2026-04-13T00:00:00Z). Default: now.
    #[arg(long, value_name = "TIME")]
    pub(crate) at: Option<String>,
    /// Which signatures decide a file's verdict (every signature is verified and reported).
    #[arg(long, value_enum, default_value_t = Signatures::Primary)]
    pub(crate) signatures: Signatures,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
    /// Files or directories to verify.
    #[arg(required = true, value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub(crate) enum Format {
    /// Human-readable, like `signtool verify /v`.
    Text,
    /// One JSON document with every file.
    Json,
    /// One JSON object per line, per file.
    Jsonl,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub(crate) enum Signatures {
    /// The primary signature, like Windows.
    Primary,
    /// Every signature must be valid.
    All,
    /// Any valid signature suffices.
    Any,
}
