//! `authverify verify`: verify files as they are found, print each report in path order.

use std::path::Path;
use std::process::ExitCode;

use authverify::FileStatus;

use crate::args::{Format, VerifyArgs};
use crate::config::build_verifier;
use crate::error::CliError;
use crate::files::FileResult;
use crate::listed::{self, Listed};
use crate::{export, output, progress, stream, summary};

/// The inputs `verify` was given: PATH arguments (merged in path order) or `--files-from`
/// (in the order listed).
fn verify_inputs(
    args: &VerifyArgs,
    walk: stream::Walk,
) -> Result<Box<dyn Iterator<Item = stream::Input> + Send>, CliError> {
    let Some(list) = &args.files_from else {
        return Ok(stream::inputs(&args.paths, &walk));
    };
    let unreadable = |e: std::io::Error| CliError::Input(format!("--files-from {}: {e}", list.display()));
    let source: Box<dyn std::io::Read + Send> = if list.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(list).map_err(unreadable)?)
    };
    // Read as the run goes (a list of any length in constant memory); an entry that cannot
    // be a path is reported in its place.
    let listed = Listed::new(source, list.display().to_string()).map_err(unreadable)?;
    let named = args.paths.clone().into_iter().map(listed::Entry::Path);
    // Each listed path is one argument of its own, taken in the order given.
    Ok(Box::new(listed.chain(named).flat_map(move |entry| match entry {
        listed::Entry::Path(p) => stream::inputs(std::slice::from_ref(&p), &walk),
        listed::Entry::Failed(failed) => Box::new(std::iter::once(stream::Input::Failed(failed))),
    })))
}

/// Verifies as inputs are found and prints each report as soon as the ones before it are
/// printed (issue 18): memory O(jobs), first report at once, output byte-identical to
/// sorting every result at the end.
pub(crate) fn run(args: &VerifyArgs) -> Result<ExitCode, CliError> {
    let (verifier, at) = build_verifier(&args.options)?;
    let walk = stream::Walk {
        every_file: !args.options.catalogs.is_empty(),
        ..stream::Walk::default()
    };
    let skipped = walk.skipped.clone();
    let inputs = verify_inputs(args, walk)?;
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
        return Err(CliError::NoInput {
            skipped: skipped.load(std::sync::atomic::Ordering::Relaxed),
        });
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
        eprintln!("authverify: skipped {skipped} files that are not PE images, cabinets or MSI packages");
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
pub(crate) fn report_export(dir: &Path, summary: &summary::Summary) -> Result<(), CliError> {
    let exported = export::write(dir, summary)
        .map_err(|e| CliError::Output(format!("--export-missing {}: {e}", dir.display())))?;
    eprintln!(
        "authverify: wrote {} certificate(s) to {} (see README.txt there){}",
        exported.written,
        crate::escape::terminal(&dir.display().to_string()),
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
