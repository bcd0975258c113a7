//! The command's one error type: what kind of failure ended the run (the message says the
//! rest). Every variant ends the run with exit code 2; per-file problems never get here,
//! they are results (one bad input never stops a run).

/// What the `--trust`-style options take, said when one cannot be loaded.
const TRUST_TAKES: &str = "takes certificate files (DER/PEM), .p7b, .sst, .stl, .cab, a .reg export or registry hive of the certificate stores, a directory of them, builtin, or system on Windows";

/// Why the command could not run to the end.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// An option's value cannot be used (`--at`, `--jobs`, `--trust system` elsewhere).
    #[error("{0}")]
    Usage(String),
    /// Trust material cannot be loaded.
    #[error("{0}")]
    Trust(String),
    /// A `--trust`-style argument cannot be loaded; the second line says what `flag` takes.
    #[error("{message}\n  ({flag} {TRUST_TAKES})")]
    TrustUnloadable {
        /// What failed, naming the argument.
        message: String,
        /// The option (`--trust`, `--intermediates`, `--distrust`).
        flag: String,
    },
    /// An input that is not a file to verify cannot be read or used: a `--files-from`
    /// list, a report to merge, the folder to rescan.
    #[error("{0}")]
    Input(String),
    /// The paths given hold no file of a signed format.
    #[error("no PE image, cabinet or MSI package found in the paths given ({skipped} other files skipped)")]
    NoInput {
        /// Files seen that are not of a signed format.
        skipped: usize,
    },
    /// The output or the exported certificates cannot be written.
    #[error("{0}")]
    Output(String),
}

impl CliError {
    /// The message as stderr shows it: what came from arguments, files and reports escaped
    /// ([`crate::escape::terminal`]), the line authverify adds kept a line of its own.
    pub(crate) fn for_terminal(&self) -> String {
        match self {
            Self::TrustUnloadable { message, flag } => {
                format!("{}\n  ({flag} {TRUST_TAKES})", crate::escape::terminal(message))
            }
            other => crate::escape::terminal(&other.to_string()).into_owned(),
        }
    }
}
