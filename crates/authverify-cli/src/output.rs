//! Printers: they consume results and never decide anything.

pub(crate) mod json;
pub(crate) mod rescan;
pub(crate) mod text;
pub(crate) mod trust;

/// What a failed write to stdout means. A closed pipe (`authverify verify DIR | head`) is
/// the reader saying it has seen enough: the run ends quietly with exit 0, as ripgrep does.
/// Anything else is an error for the user.
pub(crate) fn write_failed(e: std::io::Error) -> crate::error::CliError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    crate::error::CliError::Output(format!("cannot write output: {e}"))
}
