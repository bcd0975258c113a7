//! `authverify`: verify Authenticode signatures of PE files offline and name the missing
//! trust anchors. Thin layer over the library: arguments → trust store and policy →
//! per-file reports (in parallel) → printers. One bad input never stops a run.

mod args;
mod export;
mod files;
mod output;
mod progress;
mod rescan;
mod summary;
mod trust_show;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use authverify::{FileStatus, Policy, Role, SignatureSelection, TrustStore, UnixTime, Verifier};
use clap::Parser;
use rayon::prelude::*;

use args::{Cli, Command, Format, PolicyName, Signatures, TrustCommand, TrustOptions, VerifyArgs};
use files::{collect_inputs, FileResult};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Verify(args) => run_verify(&args),
        Command::Trust(TrustCommand::Show(args)) => trust_show::run(&args),
        Command::RescanInvalid(args) => rescan::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("authverify: {msg}");
            ExitCode::from(2)
        }
    }
}

/// Loads one `--trust`-style argument (`builtin` or a path) into `store`; every file a
/// folder holds but that is not used is named on stderr.
pub(crate) fn load_trust(store: &mut TrustStore, spec: &str, role: Role, flag: &str) -> Result<(), String> {
    if spec == "builtin" {
        store.add_builtin();
        return Ok(());
    }
    let summary = store.load(Path::new(spec), role).map_err(|e| {
        format!("cannot load {flag} {spec}: {e}\n  ({flag} takes certificate files (DER/PEM), .p7b, .sst, .stl, .cab, a directory of them, or builtin)")
    })?;
    for skipped in &summary.skipped {
        eprintln!(
            "authverify: {flag} {spec}: not used: {}: {}",
            skipped.path, skipped.reason
        );
    }
    Ok(())
}

fn build_trust(options: &TrustOptions) -> Result<TrustStore, String> {
    let mut store = TrustStore::new();
    if options.trust.is_empty() {
        store.add_builtin();
    }
    for spec in &options.trust {
        load_trust(&mut store, spec, Role::Anchors, "--trust")?;
    }
    for spec in &options.intermediates {
        load_trust(&mut store, spec, Role::Intermediates, "--intermediates")?;
    }
    for spec in &options.distrust {
        load_trust(&mut store, spec, Role::Distrusted, "--distrust")?;
    }
    Ok(store)
}

/// The verifier and the evaluation time the options describe.
pub(crate) fn build_verifier(options: &TrustOptions) -> Result<(Verifier, UnixTime), String> {
    let trust = build_trust(options)?;
    let at = parse_time(options.at.as_deref(), "--at")?;
    let mut policy = match options.policy {
        PolicyName::Windows => Policy::windows(),
        PolicyName::Strict => Policy::strict(),
    };
    policy.signatures = match options.signatures {
        Signatures::Primary => SignatureSelection::Primary,
        Signatures::All => SignatureSelection::All,
        Signatures::Any => SignatureSelection::Any,
    };
    if let Some(jobs) = options.jobs {
        if jobs == 0 {
            return Err("--jobs must be at least 1".into());
        }
        // Only fails when a pool was already built, which this process never does first.
        let _ = rayon::ThreadPoolBuilder::new().num_threads(jobs).build_global();
    }
    Ok((Verifier::new(trust, policy), at))
}

pub(crate) fn parse_time(s: Option<&str>, flag: &str) -> Result<UnixTime, String> {
    match s {
        Some(s) => s
            .parse::<UnixTime>()
            .map_err(|e| format!("{flag}: {e} (expected RFC 3339 UTC, e.g. 2026-04-13T00:00:00Z)")),
        None => Ok(now()),
    }
}

/// Verifies `files` in parallel; results come back sorted by path whatever the thread
/// count.
pub(crate) fn verify_files(verifier: &Verifier, files: &[PathBuf], at: UnixTime, quiet: bool) -> Vec<FileResult> {
    let bar = progress::Progress::new(files.len(), quiet);
    let mut results: Vec<FileResult> = files
        .par_iter()
        .map(|p| {
            let r = files::verify_one(verifier, p, at);
            bar.tick();
            r
        })
        .collect();
    bar.finish();
    results.sort_by(|a, b| a.path.cmp(&b.path));
    results
}

fn run_verify(args: &VerifyArgs) -> Result<ExitCode, String> {
    let (verifier, at) = build_verifier(&args.options)?;
    let inputs = collect_inputs(&args.paths);
    let mut results = verify_files(&verifier, &inputs.files, at, args.options.quiet);
    results.extend(inputs.errors);
    results.sort_by(|a, b| a.path.cmp(&b.path));
    if results.is_empty() {
        return Err(format!(
            "no PE file found in the paths given ({} files that are not PE images skipped)",
            inputs.skipped_non_pe
        ));
    }
    let summary = (args.summary || args.export_missing.is_some()).then(|| summary::Summary::of(&results));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match (args.format, &summary) {
        (Format::Text, Some(s)) if args.summary => output::text::print_summary(&mut out, s),
        (Format::Text, _) => output::text::print(&mut out, &results),
        (Format::Json, s) => output::json::print(&mut out, &results, s.as_ref().filter(|_| args.summary)),
        (Format::Jsonl, s) => output::json::print_lines(&mut out, &results, s.as_ref().filter(|_| args.summary)),
    };
    written.map_err(|e| format!("cannot write output: {e}"))?;
    if let (Some(dir), Some(summary)) = (&args.export_missing, &summary) {
        let exported =
            export::write(dir, summary, &verifier).map_err(|e| format!("--export-missing {}: {e}", dir.display()))?;
        eprintln!(
            "authverify: wrote {} certificate(s) to {} (see README.txt there){}",
            exported.written,
            dir.display(),
            if exported.unavailable > 0 {
                format!("; {} could not be provided, listed in README.txt", exported.unavailable)
            } else {
                String::new()
            }
        );
    }
    if inputs.skipped_non_pe > 0 {
        eprintln!(
            "authverify: skipped {} files that are not PE images",
            inputs.skipped_non_pe
        );
    }
    Ok(exit_code(&results))
}

pub(crate) fn exit_code(results: &[FileResult]) -> ExitCode {
    let all_valid = results.iter().all(|r| r.status() == FileStatus::Valid);
    let any_verified = results.iter().any(|r| r.status() != FileStatus::Error);
    if !any_verified {
        ExitCode::from(2)
    } else if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The CLI is where the clock is read: the library only takes times as inputs.
fn now() -> UnixTime {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    UnixTime::from_secs(secs)
}
