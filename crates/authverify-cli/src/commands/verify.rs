//! `authverify verify`: verify files as they are found, print each report in path order
//! ([`authverify_fleet::stream`]), judged by the release gate when one is asked for
//! ([`authverify_fleet::gate`]).

use std::io::Write;
use std::sync::atomic::Ordering;

use authverify_fleet::files::FileResult;
use authverify_fleet::gate::{Gate, GateCounts, GateOptions};
use authverify_fleet::output::{json, junit, text};
use authverify_fleet::{config, export, payload, stream, summary, Error, Exit};

use crate::args::{VerifyArgs, VerifyFormat};

/// Verifies as inputs are found and prints each report as soon as the ones before it are
/// printed (issue 18): memory O(jobs), first report at once, output byte-identical to
/// sorting every result at the end.
pub(crate) fn run(args: &VerifyArgs) -> Result<Exit, Error> {
    let options = super::verifier_options(&args.options);
    let gate = Gate::build(
        &GateOptions {
            require_signer: args.require_signer.clone(),
            require_timestamp: args.require_timestamp,
            exclude_from: args.exclude_from.clone(),
            signatures: options.policy.signatures,
        },
        &mut std::io::stderr(),
    )?;
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
    let mut gate_counts = GateCounts::default();
    let mut document = json::Document::new();
    let mut junit = match args.format {
        VerifyFormat::Junit => Some(junit::Junit::new().map_err(Error::output)?),
        _ => None,
    };
    let bar = crate::progress::Progress::new(None, args.options.quiet);
    let stdout = std::io::stdout();
    // 64 KiB: reports are a few KB each, so output is written a batch at a time.
    let mut out = std::io::BufWriter::with_capacity(64 << 10, stdout.lock());
    let mut emit = |out: &mut std::io::BufWriter<std::io::StdoutLock<'_>>, mut r: FileResult| -> std::io::Result<()> {
        r.label.clone_from(&args.label);
        counts.add(r.status());
        let judged = gate.evaluate(&r);
        gate_counts.add(&judged);
        if let Some(j) = junit.as_mut() {
            j.file(&r, &judged)?;
        }
        r.gate = gate.asked().then(|| Box::new(judged));
        if want_summary {
            builder.add(&r);
        }
        match args.format {
            VerifyFormat::Text if args.summary => Ok(()),
            VerifyFormat::Text => text::print_one(out, &r).and_then(|()| match &r.gate {
                Some(g) => text::gate_line(out, g),
                None => Ok(()),
            }),
            VerifyFormat::Json => document.file(out, &r),
            VerifyFormat::Jsonl => json::line(out, &r),
            VerifyFormat::Junit => Ok(()),
        }
    };
    let written = stream::verify_ordered_events(inputs, &verifier, at, jobs, |event| {
        // Interactive use sees each report as it is ready: output is flushed whenever the
        // printer has nothing more to print for now (once per batch, not once per file).
        let r: FileResult = match event {
            stream::Printed::Result(r) => r,
            stream::Printed::Waiting => return out.flush(),
        };
        bar.tick();
        if !args.payload {
            return emit(&mut out, r);
        }
        // The container's own report, then its members' (a plain ZIP archive has no
        // signature of its own: only its members are reported). The payload is walked on
        // this thread, in path order.
        match payload::open(std::path::Path::new(&r.path)) {
            None => emit(&mut out, r),
            Some(Err(failed)) => emit(&mut out, r).and_then(|()| emit(&mut out, failed)),
            Some(Ok(container)) => {
                let mut written = if container.is_plain_archive() {
                    Ok(())
                } else {
                    emit(&mut out, r)
                };
                container.verify(&verifier, at, &mut |m| {
                    if written.is_ok() {
                        written = emit(&mut out, m);
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
    let asked = gate.asked().then_some(&gate_counts);
    let summary = want_summary.then(|| {
        let mut s = builder.finish();
        s.gate = asked.cloned();
        s
    });
    let shown = summary.as_ref().filter(|_| args.summary);
    finish_output(&mut out, args, &counts, asked, shown, &mut document, junit).map_err(Error::output)?;
    drop(out);
    if let (Some(dir), Some(summary)) = (&args.export_missing, &summary) {
        export::export_missing(dir, summary, &mut std::io::stderr())?;
    }
    let skipped = skipped.load(Ordering::Relaxed);
    if skipped > 0 {
        eprintln!("authverify: skipped {skipped} files of no format authverify verifies (by content, and scripts by extension)");
    }
    Ok(match asked {
        Some(g) => Exit::of_gate(&counts, g),
        None => Exit::of_counts(&counts),
    })
}

/// What follows the files: the closing lines, the summary, the end of the document.
fn finish_output(
    out: &mut impl Write,
    args: &VerifyArgs,
    counts: &text::Counts,
    gate: Option<&GateCounts>,
    shown: Option<&summary::Summary>,
    document: &mut json::Document,
    junit: Option<junit::Junit>,
) -> std::io::Result<()> {
    match args.format {
        VerifyFormat::Text => {
            match shown {
                Some(s) => text::print_summary(out, s)?,
                None => text::footer(out, counts)?,
            }
            if let Some(g) = gate {
                text::gate_footer(out, g)?;
            }
        }
        VerifyFormat::Json => std::mem::take(document).finish(out, shown)?,
        VerifyFormat::Jsonl => {
            if let Some(s) = shown {
                json::summary_line(out, s, args.label.as_deref())?;
            }
        }
        VerifyFormat::Junit => {
            if let Some(j) = junit {
                j.finish(out)?;
            }
        }
    }
    out.flush()
}
