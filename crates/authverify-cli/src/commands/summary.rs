//! `authverify summary REPORT.jsonl...`: the fleet view across hosts, merged from each
//! report's summary line ([`authverify_fleet::reports`]).

use authverify_fleet::output::{json, text};
use authverify_fleet::{config, export, reports, Error, Exit};

use crate::args::{Format, SummaryArgs};

pub(crate) fn run(args: &SummaryArgs) -> Result<Exit, Error> {
    let trust = config::plan_trust(&args.trust, &args.vouch, &mut std::io::stderr())?;
    let at = config::parse_time(args.at.as_deref(), "--at")?;
    let merged = reports::merge(&args.reports, &trust, at)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match args.format {
        Format::Text => text::print_summary(&mut out, &merged),
        Format::Json => json::document(&mut out, "summary", &merged),
        Format::Jsonl => json::summary_line(&mut out, &merged, None),
    };
    written.map_err(Error::output)?;
    if let Some(dir) = &args.export_missing {
        // The built-in set provides the certificates it holds; the others are listed.
        export::export_missing(dir, &merged, &mut std::io::stderr())?;
    }
    Ok(Exit::of_summary(&merged))
}
