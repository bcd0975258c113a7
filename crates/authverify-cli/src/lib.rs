//! `authverify`: verify Authenticode signatures of PE files offline and name the missing
//! trust anchors. Thin layer over the library: arguments → trust store and policy →
//! per-file reports (in parallel) → printers. One bad input never stops a run.
//!
//! A library as well as a binary (src/main.rs only calls [`run`]) so that the Python
//! binding produces the same per-file records and summary as the command, from the same
//! code: see [`embed`].

mod args;
mod export;
mod files;
mod merge;
mod output;
mod progress;
mod rescan;
mod stream;
mod summary;
mod system_store;
mod trust_show;

/// What embedders (the Python binding) share with the command: the per-file result as the
/// JSON lines format writes it, the summary, and how `--trust`-style arguments load. Not a
/// stable API: it moves with the command.
#[doc(hidden)]
pub mod embed {
    pub use crate::files::{verify_named, FileResult};
    pub use crate::load_trust;
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

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use authverify::{FileStatus, Policy, Role, SignatureSelection, TrustStore, UnixTime, Verifier};
use clap::Parser;
use rayon::prelude::*;

use args::{Cli, Command, Format, PolicyName, Signatures, TrustCommand, TrustOptions, VerifyArgs};
use files::FileResult;

/// The `authverify` command: parses the process arguments and runs the command.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Verify(args) => run_verify(&args),
        Command::Summary(args) => merge::run(&args),
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
pub fn load_trust(store: &mut TrustStore, spec: &str, role: Role, flag: &str) -> Result<(), String> {
    if spec == "builtin" {
        store.add_builtin();
        return Ok(());
    }
    if spec == "system" {
        if role != Role::Anchors {
            return Err(format!(
                "{flag} system: the machine's stores give each certificate its role; use --trust system"
            ));
        }
        let loaded = system_store::load(store)?;
        let ctl = match &loaded.cached_ctl {
            Some((sequence, date)) => format!(
                "; its cached authroot.stl is sequence {sequence} of {date} (an offline machine's list is as old as its last sync)"
            ),
            None => "; it has no cached authroot.stl".to_string(),
        };
        eprintln!(
            "authverify: --trust system: {} root(s), {} intermediate(s), {} distrusted from this machine's stores{ctl}",
            loaded.anchors, loaded.intermediates, loaded.distrusted
        );
        for problem in &loaded.unreadable {
            eprintln!("authverify: --trust system: not used: {problem}");
        }
        return Ok(());
    }
    let summary = store.load(Path::new(spec), role).map_err(|e| {
        format!("cannot load {flag} {spec}: {e}\n  ({flag} takes certificate files (DER/PEM), .p7b, .sst, .stl, .cab, a .reg export or registry hive of the certificate stores, a directory of them, builtin, or system on Windows)")
    })?;
    for warning in &summary.warnings {
        eprintln!("authverify: {flag} {spec}: warning: {warning}");
    }
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
    let bar = progress::Progress::new(Some(files.len()), quiet);
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

/// The inputs `verify` was given: PATH arguments (merged in path order) or `--files-from`
/// (in the order listed).
fn verify_inputs(
    args: &VerifyArgs,
    skipped: std::sync::Arc<std::sync::atomic::AtomicUsize>,
) -> Result<Box<dyn Iterator<Item = stream::Input> + Send>, String> {
    let Some(list) = &args.files_from else {
        return Ok(stream::inputs(&args.paths, skipped));
    };
    let text = if list.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).map_err(|e| format!("--files-from -: {e}"))?;
        buf
    } else {
        std::fs::read(list).map_err(|e| format!("--files-from {}: {e}", list.display()))?
    };
    let mut paths = stream::listed_paths(&text);
    drop(text);
    paths.extend(args.paths.iter().cloned());
    // Each listed path is one argument of its own, taken in the order given.
    Ok(Box::new(paths.into_iter().flat_map(move |p| {
        stream::inputs(std::slice::from_ref(&p), skipped.clone())
    })))
}

/// Verifies as inputs are found and prints each report as soon as the ones before it are
/// printed (issue 18): memory O(jobs), first report at once, output byte-identical to
/// sorting every result at the end.
fn run_verify(args: &VerifyArgs) -> Result<ExitCode, String> {
    let (verifier, at) = build_verifier(&args.options)?;
    let skipped = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let inputs = verify_inputs(args, skipped.clone())?;
    let jobs = args.options.jobs.unwrap_or_else(rayon::current_num_threads);
    let want_summary = args.summary || args.export_missing.is_some();
    let mut builder = summary::Builder::default();
    let mut counts = output::text::Counts::default();
    let mut verified_any = false;
    let mut document = output::json::Document::new();
    let bar = progress::Progress::new(None, args.options.quiet);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = stream::verify_ordered(inputs, &verifier, at, jobs, |mut r: FileResult| {
        bar.tick();
        r.label.clone_from(&args.label);
        counts.add(r.status());
        verified_any |= r.status() != FileStatus::Error;
        if want_summary {
            builder.add(&r);
        }
        match args.format {
            Format::Text if args.summary => Ok(()),
            Format::Text => output::text::print_one(&mut out, &r),
            Format::Json => document.file(&mut out, &r),
            Format::Jsonl => output::json::line(&mut out, &r),
        }?;
        // Interactive use sees each report as it is ready.
        std::io::Write::flush(&mut out)
    });
    bar.finish();
    written.map_err(output::write_failed)?;
    if counts.files == 0 {
        return Err(format!(
            "no PE file found in the paths given ({} files that are not PE images skipped)",
            skipped.load(std::sync::atomic::Ordering::Relaxed)
        ));
    }
    let summary = want_summary.then(|| builder.finish());
    let shown = summary.as_ref().filter(|_| args.summary);
    let written = match args.format {
        Format::Text => match shown {
            Some(s) => output::text::print_summary(&mut out, s),
            None => output::text::footer(&mut out, &counts),
        },
        Format::Json => document.finish(&mut out, shown),
        Format::Jsonl => shown.map_or(Ok(()), |s| {
            output::json::summary_line(&mut out, s, args.label.as_deref())
        }),
    };
    written
        .and_then(|()| std::io::Write::flush(&mut out))
        .map_err(output::write_failed)?;
    drop(out);
    if let (Some(dir), Some(summary)) = (&args.export_missing, &summary) {
        report_export(dir, summary)?;
    }
    let skipped = skipped.load(std::sync::atomic::Ordering::Relaxed);
    if skipped > 0 {
        eprintln!("authverify: skipped {skipped} files that are not PE images");
    }
    let all_valid = counts.files == counts.valid();
    Ok(if !verified_any {
        ExitCode::from(2)
    } else if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `--export-missing DIR`, and the line saying what it wrote.
pub(crate) fn report_export(dir: &Path, summary: &summary::Summary) -> Result<(), String> {
    let exported = export::write(dir, summary).map_err(|e| format!("--export-missing {}: {e}", dir.display()))?;
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
    Ok(())
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
