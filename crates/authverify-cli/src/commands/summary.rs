//! `authverify summary REPORT.jsonl...`: the fleet view across hosts (issue 18). Each
//! report's summary line (verify --summary --format jsonl, optionally --label HOST) is read
//! and merged: certificate counts add up per host, so a merged summary merges again.

use std::io::BufRead;
use std::process::ExitCode;

use crate::args::{Format, SummaryArgs};
use crate::summary::{Summary, SCHEMA};

/// The summary line of one report, and the host it speaks for.
fn read_report(path: &std::path::Path) -> Result<(Summary, String), String> {
    let name = path.display().to_string();
    let reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
        Box::new(std::io::BufReader::new(std::io::stdin()))
    } else {
        Box::new(std::io::BufReader::new(
            std::fs::File::open(path).map_err(|e| format!("{name}: {e}"))?,
        ))
    };
    let mut found: Option<(Summary, String)> = None;
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| format!("{name}: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| format!("{name}:{}: not a JSON line: {e}", i + 1))?;
        let Some(summary) = v.get("summary") else { continue };
        // No `schema`: a line written before the field existed (version 1, same shape).
        let schema = v.get("schema").map_or(Some(1), serde_json::Value::as_u64);
        match schema {
            Some(s) if (1..=SCHEMA).contains(&s) => {}
            other => {
                return Err(format!(
                    "{name}:{}: summary line of schema {} — this authverify reads schemas 1 to {SCHEMA}; merge with the version that wrote it, or newer",
                    i + 1,
                    other.map_or_else(|| "?".to_string(), |s| s.to_string())
                ))
            }
        }
        let summary: Summary = serde_json::from_value(summary.clone())
            .map_err(|e| format!("{name}:{}: summary line does not read: {e}", i + 1))?;
        let host = v
            .get("label")
            .and_then(serde_json::Value::as_str)
            .map_or_else(|| host_from_file_name(path), str::to_string);
        found = Some((summary, host));
    }
    found.ok_or_else(|| {
        format!(
            "{name}: no summary line (write reports with `authverify verify --summary --format jsonl --label HOST`)"
        )
    })
}

/// A report without `--label` speaks for the host its file is named after.
fn host_from_file_name(path: &std::path::Path) -> String {
    path.file_stem()
        .map_or_else(|| path.display().to_string(), |s| s.to_string_lossy().into_owned())
}

pub(crate) fn run(args: &SummaryArgs) -> Result<ExitCode, crate::error::CliError> {
    let trust = crate::config::plan_trust(&args.trust, &args.vouch)?;
    let mut merged = Summary::default();
    for path in &args.reports {
        let (summary, host) = read_report(path).map_err(crate::error::CliError::Input)?;
        merged.merge(summary, &host, &trust);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match args.format {
        Format::Text => crate::output::text::print_summary(&mut out, &merged),
        Format::Json => crate::output::json::document(&mut out, "summary", &merged),
        Format::Jsonl => crate::output::json::summary_line(&mut out, &merged, None),
    };
    written.map_err(crate::output::write_failed)?;
    if let Some(dir) = &args.export_missing {
        // The built-in set provides the certificates it holds; the others are listed.
        crate::commands::verify::report_export(dir, &merged)?;
    }
    let clean = merged.install.is_empty() && merged.unvouched.is_empty() && merged.other_failures.is_empty();
    Ok(if clean { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
