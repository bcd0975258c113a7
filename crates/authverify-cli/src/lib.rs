//! `authverify`: verify Authenticode signatures of PE files offline and name the missing
//! trust anchors. This crate is the command line only: argument parsing ([`args`]) and
//! dispatch to one module per command ([`commands`]), each thin glue over
//! [`authverify_fleet`], which loads trust, finds and verifies files, summarises, prints and
//! decides the exit code for every front end (the Python binding is built on it too).

mod args;
mod commands;
mod progress;

use std::process::ExitCode;

use authverify_fleet::{escape, Exit};
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
    let exit = match result {
        Ok(exit) => exit,
        Err(e) => {
            // A closed output pipe is the reader having seen enough: no message.
            if !e.is_closed_pipe() {
                eprintln!("authverify: {}", e.for_terminal());
            }
            Exit::of_error(&e)
        }
    };
    ExitCode::from(exit.code())
}

/// clap's own message for a bad command line, without its colours and with what a terminal
/// would act on escaped line by line: it echoes argument values, and `authverify verify *`
/// in a folder an attacker named makes file names arguments (help and version print as
/// they are).
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::from(Exit::Success.code());
    }
    let text = e.render().to_string();
    for line in text.lines() {
        eprintln!("{}", escape::terminal(line));
    }
    ExitCode::from(Exit::Error.code())
}
