//! `authverify`: verify Authenticode signatures of PE files offline and name the missing
//! trust anchors. Thin layer over the library: arguments → trust store and policy →
//! per-file reports → printers. One bad input never stops a run.

mod args;
mod files;
mod output;

use std::process::ExitCode;

use authverify::{FileStatus, Policy, Role, SignatureSelection, TrustStore, UnixTime, Verifier};
use clap::Parser;

use args::{Cli, Command, Format, Signatures, VerifyArgs};
use files::{collect_inputs, FileResult};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Verify(args) => match run_verify(&args) {
            Ok(code) => code,
            Err(msg) => {
                eprintln!("authverify: {msg}");
                ExitCode::from(2)
            }
        },
    }
}

fn build_trust(args: &VerifyArgs) -> Result<TrustStore, String> {
    let mut store = TrustStore::new();
    let specs: Vec<String> = if args.trust.is_empty() {
        vec!["builtin".to_string()]
    } else {
        args.trust.clone()
    };
    let load = |store: &mut TrustStore, spec: &str, role: Role, flag: &str| -> Result<(), String> {
        let summary = store.load(std::path::Path::new(spec), role).map_err(|e| {
            format!("cannot load {flag} {spec}: {e}\n  ({flag} takes certificate files (DER/PEM), .p7b, .sst, .stl or a directory of them)")
        })?;
        // Nothing is skipped silently: say which files were not used and why.
        for skipped in &summary.skipped {
            eprintln!(
                "authverify: {flag} {spec}: not used: {}: {}",
                skipped.path, skipped.reason
            );
        }
        Ok(())
    };
    for spec in &specs {
        if spec == "builtin" {
            store.add_builtin();
        } else {
            load(&mut store, spec, Role::Anchors, "--trust")?;
        }
    }
    for spec in &args.intermediates {
        load(&mut store, spec, Role::Intermediates, "--intermediates")?;
    }
    for spec in &args.distrust {
        load(&mut store, spec, Role::Distrusted, "--distrust")?;
    }
    Ok(store)
}

fn run_verify(args: &VerifyArgs) -> Result<ExitCode, String> {
    let trust = build_trust(args)?;
    let at = match &args.at {
        Some(s) => s.parse::<UnixTime>().map_err(|e| format!("--at: {e}"))?,
        None => now(),
    };
    let mut policy = Policy::windows();
    policy.signatures = match args.signatures {
        Signatures::Primary => SignatureSelection::Primary,
        Signatures::All => SignatureSelection::All,
        Signatures::Any => SignatureSelection::Any,
    };
    let verifier = Verifier::new(trust, policy);
    let inputs = collect_inputs(&args.paths);
    let mut results: Vec<FileResult> = inputs
        .files
        .iter()
        .map(|p| files::verify_one(&verifier, p, at))
        .collect();
    results.extend(inputs.errors);
    results.sort_by(|a, b| a.path.cmp(&b.path));
    if results.is_empty() {
        return Err("no PE file found in the paths given".into());
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match args.format {
        Format::Text => output::text::print(&mut out, &results),
        Format::Json => output::json::print(&mut out, &results),
        Format::Jsonl => output::json::print_lines(&mut out, &results),
    };
    written.map_err(|e| format!("cannot write output: {e}"))?;
    if inputs.skipped_non_pe > 0 {
        eprintln!(
            "authverify: skipped {} files that are not PE images",
            inputs.skipped_non_pe
        );
    }
    let all_valid = results.iter().all(|r| r.status() == FileStatus::Valid);
    let any_verified = results.iter().any(|r| r.status() != FileStatus::Error);
    Ok(if !any_verified {
        ExitCode::from(2)
    } else if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The CLI is where the clock is read: the library only takes times as inputs.
fn now() -> UnixTime {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    UnixTime::from_secs(secs)
}
