//! `authverify`: verify Authenticode signatures of PE files offline and name the missing
//! trust anchors. Thin layer over the library: arguments → trust store and policy →
//! per-file reports (in parallel) → printers. One bad input never stops a run.
//!
//! A library as well as a binary (src/main.rs only calls [`run`]) so that the Python
//! binding produces the same per-file records and summary as the command, from the same
//! code: see [`embed`].

// Arguments and configuration (args, config), one module per command (commands/), the
// per-file work (files, stream), the fleet summary and export, and printers (output/).
mod args;
mod commands;
mod config;
mod error;
mod escape;
mod export;
mod files;
mod listed;
mod output;
mod pinned;
mod progress;
mod stream;
mod summary;
mod system_store;

/// What embedders (the Python binding) share with the command: the per-file result as the
/// JSON lines format writes it, the summary, and how `--trust`-style arguments load. Not a
/// stable API: it moves with the command.
#[doc(hidden)]
pub mod embed {
    pub use crate::config::{catalog_index, load_trust, LoadedCatalogs};
    pub use crate::files::{verify_named, FileResult};
    pub use crate::summary::{Builder as SummaryBuilder, Summary, SCHEMA};

    /// A file's line of `verify --format jsonl`, without the newline.
    pub fn jsonl_line(r: &FileResult) -> std::io::Result<String> {
        let mut out = Vec::new();
        crate::output::json::line(&mut out, r)?;
        into_line(out)
    }

    /// The summary line `verify --summary --format jsonl` ends with, without the newline.
    pub fn jsonl_summary_line(s: &Summary) -> std::io::Result<String> {
        let mut out = Vec::new();
        crate::output::json::summary_line(&mut out, s, None)?;
        into_line(out)
    }

    fn into_line(mut bytes: Vec<u8>) -> std::io::Result<String> {
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
        }
        String::from_utf8(bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }
}

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command, TrustCommand};

/// The `authverify` command: parses the process arguments and runs the command.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    let result = match cli.command {
        Command::Verify(args) => commands::verify::run(&args),
        Command::Summary(args) => commands::summary::run(&args),
        Command::Trust(TrustCommand::Show(args)) => commands::trust_show::run(&args),
        Command::RescanInvalid(args) => commands::rescan_invalid::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("authverify: {}", e.for_terminal());
            ExitCode::from(2)
        }
    }
}

/// clap's own message for a bad command line, without its colours and with what a terminal
/// would act on escaped line by line: it echoes argument values, and `authverify verify *`
/// in a folder an attacker named makes file names arguments (help and version print as
/// they are).
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let text = e.render().to_string();
    for line in text.lines() {
        eprintln!("{}", escape::terminal(line));
    }
    ExitCode::from(2)
}
