//! `authverify verify`: verify files as they are found, print each report in path order
//! ([`authverify_fleet::stream`]).

use std::io::Write;
use std::sync::atomic::Ordering;

use authverify_fleet::files::FileResult;
use authverify_fleet::output::{json, text};
use authverify_fleet::{config, export, payload, stream, summary, Error, Exit};

use crate::args::{Format, VerifyArgs};

/// Verifies as inputs are found and prints each report as soon as the ones before it are
/// printed (issue 18): memory O(jobs), first report at once, output byte-identical to
/// sorting every result at the end.
pub(crate) fn run(args: &VerifyArgs) -> Result<Exit, Error> {
    let options = super::verifier_options(&args.options);
    let (verifier, at) = config::build_verifier(&options, &mut std::io::stderr())?;
    let walk = stream::Walk {
        every_file: !args.options.catalogs.is_empty(),
        containers: args.payload,
        ..stream::Walk::default()
    };
    let skipped = walk.skipped.clone();
    let inputs = stream::named_inputs(&args.paths, args.files_from.as_deref(), walk)?;
    let jobs = args.options.jobs.unwrap_or_else(rayon::current_num_threads);
    let want_summary = args.summary || args.export_missing.is_some();
    let mut builder = summary::Builder::default();
    let mut counts = text::Counts::default();
    let mut document = json::Document::new();
    let bar = crate::progress::Progress::new(None, args.options.quiet);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut emit = |mut r: FileResult| -> std::io::Result<()> {
        r.label.clone_from(&args.label);
        counts.add(r.status());
        if want_summary {
            builder.add(&r);
        }
        match args.format {
            Format::Text if args.summary => Ok(()),
            Format::Text => text::print_one(&mut out, &r),
            Format::Json => document.file(&mut out, &r),
            Format::Jsonl => json::line(&mut out, &r),
        }?;
        // Interactive use sees each report as it is ready.
        out.flush()
    };
    let written = stream::verify_ordered(inputs, &verifier, at, jobs, |r: FileResult| {
        bar.tick();
        if !args.payload {
            return emit(r);
        }
        // The container's own report, then its members' (a plain ZIP archive has no
        // signature of its own: only its members are reported). The payload is walked on
        // this thread, in path order.
        match payload::open(std::path::Path::new(&r.path)) {
            None => emit(r),
            Some(Err(failed)) => emit(r).and_then(|()| emit(failed)),
            Some(Ok(container)) => {
                let mut written = if container.is_plain_archive() { Ok(()) } else { emit(r) };
                container.verify(&verifier, at, &mut |m| {
                    if written.is_ok() {
                        written = emit(m);
                    }
                });
                written
            }
        }
    });
    bar.finish();
    written.map_err(Error::output)?;
    if counts.files == 0 {
        return Err(Error::NoInput {
            skipped: skipped.load(Ordering::Relaxed),
        });
    }
    let summary = want_summary.then(|| builder.finish());
    let shown = summary.as_ref().filter(|_| args.summary);
    let written = match args.format {
        Format::Text => match shown {
            Some(s) => text::print_summary(&mut out, s),
            None => text::footer(&mut out, &counts),
        },
        Format::Json => document.finish(&mut out, shown),
        Format::Jsonl => shown.map_or(Ok(()), |s| json::summary_line(&mut out, s, args.label.as_deref())),
    };
    written.and_then(|()| out.flush()).map_err(Error::output)?;
    drop(out);
    if let (Some(dir), Some(summary)) = (&args.export_missing, &summary) {
        export::export_missing(dir, summary, &mut std::io::stderr())?;
    }
    let skipped = skipped.load(Ordering::Relaxed);
    if skipped > 0 {
        eprintln!("authverify: skipped {skipped} files of no format authverify verifies (by content, and scripts by extension)");
    }
    Ok(Exit::of_counts(&counts))
}
