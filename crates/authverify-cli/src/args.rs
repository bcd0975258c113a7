//! Command-line arguments.

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
    #[command(after_help = "Examples:
  authverify verify setup.exe
  authverify verify --trust C:/certutil-sync --at 2026-01-01T00:00:00Z /mnt/app
  authverify verify --summary --export-missing ./to-install /mnt/app
  authverify verify --format jsonl --trust builtin --trust extra-root.pem dir/

  authverify verify --require-signer ours.cer --require-timestamp --exclude-from signcheck.txt --format junit dist/

Exit codes: 0 all files valid (with a gate option: all pass the gate), 1 some file not
valid (with a gate option: some file fails the gate), 2 usage error or nothing verified.")]
    Verify(VerifyArgs),
    /// Inspect trust material.
    #[command(subcommand)]
    Trust(TrustCommand),
    /// Re-verify quarantined files (names ending in `_Invalid`) and restore the ones that
    /// pass now.
    #[command(after_help = "Examples:
  authverify rescan-invalid /opt/agent/quarantine              (dry run: report only)
  authverify rescan-invalid --trust ./certutil-sync --restore /opt/agent/quarantine

Only names ending in `_Invalid` are considered (`invalid.gif` or `config_invalid_syntax.php`
are never touched). --restore renames a passing `X_Invalid` back to `X`, never over an
existing file, and only the bytes it verified: a file replaced or rewritten meanwhile is
reported `changed` and stays.
Exit codes: 0 every quarantined file passes (and, with --restore, was restored), 1 some do
not (or were not restored), 2 usage error or none found.")]
    RescanInvalid(RescanArgs),
    /// Merge the summaries of JSONL reports written on many hosts into one fleet view:
    /// which certificates to install, on which hosts, for how many files.
    #[command(after_help = "Examples:
  authverify verify --summary --format jsonl --label host-a /opt/app > host-a.jsonl
  authverify summary host-a.jsonl host-b.jsonl host-c.jsonl
  authverify summary --export-missing ./to-install --format json reports/*.jsonl

Each report must end with its summary line (verify --summary --format jsonl). Merged
summaries merge again: `--format jsonl` writes one summary line in the same format.
Exit codes: 0 nothing to install and no failure, 1 something to install or fix, 2 usage
error or unreadable report.")]
    Summary(SummaryArgs),
}

#[derive(clap::Args, Debug)]
pub(crate) struct SummaryArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
    /// Write every certificate to install that authverify holds (the built-in set) into
    /// DIR, as `verify --export-missing` does.
    #[arg(long, value_name = "DIR")]
    pub(crate) export_missing: Option<PathBuf>,
    /// Root-program CTLs (authroot.stl, a CertUtil folder) this machine judges the reports'
    /// certificates by, besides the built-in list: reports are data from other machines, and
    /// only what this machine vouches for enters the merged plan. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub(crate) trust: Vec<String>,
    /// Certificates this machine vouches for (as `verify --vouch`). Repeatable.
    #[arg(long, value_name = "PATH")]
    pub(crate) vouch: Vec<String>,
    /// The instant the root program's dates are judged at (RFC 3339 UTC). Default: now.
    #[arg(long, value_name = "TIME")]
    pub(crate) at: Option<String>,
    /// JSONL reports (`-` for standard input).
    #[arg(required = true, value_name = "REPORT")]
    pub(crate) reports: Vec<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum TrustCommand {
    /// What a store contains: each certificate with name, SHA-1, validity, purposes and CTL
    /// restrictions; counts; problems.
    #[command(after_help = "Examples:
  authverify trust show builtin
  authverify trust show C:/certutil-sync
  authverify trust show --format json roots.p7b authroot.stl")]
    Show(TrustShowArgs),
}

/// Trust material and evaluation options shared by the verifying commands.
#[derive(clap::Args, Debug)]
pub(crate) struct TrustOptions {
    /// Trusted roots: a certificate file (DER or PEM), a PKCS#7 bundle (.p7b), a serialized
    /// store (.sst), a CTL (authroot.stl: its per-root policy applies), a cabinet
    /// (authrootstl.cab), a directory of these such as the one `CertUtil -syncWithWU DIR`
    /// writes, or `builtin` (the compiled-in certificate set). Repeatable. Default: builtin. Any
    /// --trust means exactly what is listed.
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
    /// Certificates you vouch for (an enterprise's own root, which no root program lists):
    /// when a chain lacks one, it may enter the install plan (`vouched_by: user`). Not
    /// trusted by this alone. Certificate files (DER, PEM, .p7b, .sst) or folders of them.
    /// Repeatable.
    #[arg(long, value_name = "PATH")]
    pub(crate) vouch: Vec<String>,
    /// Catalog files (.cat) or folders of them (such as a copied CatRoot), or `system` (on
    /// Windows: this machine's C:\Windows\System32\CatRoot): a file a catalog lists by its
    /// hash gets the catalog's signature, and every file in a directory is taken (those of
    /// no signed format are hashed whole). Repeatable.
    #[arg(long, value_name = "PATH")]
    pub(crate) catalogs: Vec<String>,
    /// Certificate revocation lists: DER or PEM files, or folders of *.crl files. A list is
    /// used for a certificate when its issuer on the path signed it; a certificate it lists
    /// is revoked from its revocationDate (a valid timestamp before that date keeps the
    /// signature valid). CRLs carried in a signature are used too. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub(crate) crl: Vec<String>,
    /// Evaluation time (RFC 3339 UTC, e.g. 2026-04-13T00:00:00Z). Default: now.
    #[arg(long, value_name = "TIME")]
    pub(crate) at: Option<String>,
    /// Rules: `windows` accepts what Windows accepts; `strict` refuses SHA-1 file digests
    /// and legacy countersignature forms.
    #[arg(long, value_enum, default_value_t = PolicyName::Windows)]
    pub(crate) policy: PolicyName,
    /// Which signatures decide a file's verdict (every signature is verified and reported).
    #[arg(long, value_enum, default_value_t = Signatures::Primary)]
    pub(crate) signatures: Signatures,
    /// Files verified in parallel. Default: all cores.
    #[arg(long, value_name = "N")]
    pub(crate) jobs: Option<usize>,
    /// No progress bar.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

#[derive(clap::Args, Debug)]
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    pub(crate) options: TrustOptions,
    /// Output format.
    #[arg(long, value_enum, default_value_t = VerifyFormat::Text)]
    pub(crate) format: VerifyFormat,
    /// Release gate: a file passes only when a deciding signature (per --signatures) that
    /// verifies has this certificate as its leaf: a certificate file (DER, PEM, .p7b, .sst:
    /// each certificate in it) or a SHA-256 (64 hex digits) or SHA-1 (40 hex digits)
    /// thumbprint. Compared by thumbprint, never by name. Repeatable (any one suffices).
    #[arg(long, value_name = "CERT|SHA256")]
    pub(crate) require_signer: Vec<String>,
    /// Release gate: a deciding signature without a valid timestamp fails the file.
    #[arg(long)]
    pub(crate) require_timestamp: bool,
    /// Release gate: glob patterns over paths and package member paths
    /// (`setup.msi/**/*.txt`), one a line, an optional reason after `#`. Matching files are
    /// still verified and reported, as excluded with the reason; they fail no gate.
    /// Repeatable.
    #[arg(long, value_name = "FILE")]
    pub(crate) exclude_from: Vec<PathBuf>,
    /// Print the certificates to install across all files (name, SHA-1, store, how many
    /// files need each, an example), then the files failing for other reasons, grouped.
    #[arg(long)]
    pub(crate) summary: bool,
    /// Write every missing certificate authverify holds as DER `<sha1>.crt` (the names
    /// `CertUtil -syncWithWU` uses) into DIR, with a README.txt saying which store each goes
    /// into; list the ones it cannot provide.
    #[arg(long, value_name = "DIR")]
    pub(crate) export_missing: Option<PathBuf>,
    /// Read the paths to verify from FILE (`-` for standard input), one per line or
    /// NUL-separated (`find -print0`); they are verified in the order listed.
    #[arg(long, value_name = "FILE")]
    pub(crate) files_from: Option<PathBuf>,
    /// A name for this run (a host), recorded in every report line and in the summary, so
    /// that `authverify summary` can say which hosts need what.
    #[arg(long, value_name = "NAME")]
    pub(crate) label: Option<String>,
    /// Also verify every file a container carries, recursively, without unpacking it to
    /// disk: an MSI package's files as installed (from its embedded cabinets), a cabinet's
    /// members, a ZIP-based package's (.zip .nupkg .vsix .whl .jar, APPX/MSIX). Each gets
    /// its own report (`setup.msi » ViGEmBus.sys`); a catalog among them applies to its
    /// siblings, as after installation.
    #[arg(long)]
    pub(crate) payload: bool,
    /// Files or directories to verify.
    #[arg(required_unless_present = "files_from", value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub(crate) struct TrustShowArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
    /// Reference time for "expired" (RFC 3339 UTC). Default: now.
    #[arg(long, value_name = "TIME")]
    pub(crate) at: Option<String>,
    /// Certificate revocation lists to show beside each PATH (as `verify --crl` takes
    /// them), each with whether a certificate of that material signed it. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub(crate) crl: Vec<String>,
    /// Trust material (same forms as --trust, including `builtin`).
    #[arg(required = true, value_name = "PATH|builtin")]
    pub(crate) paths: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub(crate) struct RescanArgs {
    #[command(flatten)]
    pub(crate) options: TrustOptions,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
    /// Rename files that pass back to their name without `_Invalid` (default: dry run).
    #[arg(long)]
    pub(crate) restore: bool,
    /// The quarantine directory (walked recursively).
    #[arg(value_name = "DIR")]
    pub(crate) dir: PathBuf,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub(crate) enum Format {
    /// Human-readable, like `signtool verify /v`.
    Text,
    /// One JSON document.
    Json,
    /// One JSON object per line.
    Jsonl,
}

/// `verify`'s output formats: those of every command, and JUnit XML.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub(crate) enum VerifyFormat {
    /// Human-readable, like `signtool verify /v`.
    Text,
    /// One JSON document.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// JUnit XML: one test case per file, failing as the gate fails it (or, with no gate
    /// option, when it is not valid), skipped when excluded.
    Junit,
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

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub(crate) enum PolicyName {
    /// What Windows accepts (default).
    Windows,
    /// Stricter than Windows (see the README).
    Strict,
}
