//! `authverify trust show PATH...`: what trust material contains
//! ([`authverify_fleet::trust_view`]).

use authverify_fleet::output::{json, trust};
use authverify_fleet::{config, trust_view, Error, Exit};

use crate::args::{Format, TrustShowArgs};

pub(crate) fn run(args: &TrustShowArgs) -> Result<Exit, Error> {
    let at = config::parse_time(args.at.as_deref(), "--at")?;
    let views = args
        .paths
        .iter()
        .map(|p| trust_view::show(p, &args.crl, at))
        .collect::<Result<Vec<_>, _>>()?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match args.format {
        Format::Text => views.iter().try_for_each(|v| trust::print_text(&mut out, v)),
        Format::Json => json::document(&mut out, "stores", &views),
        Format::Jsonl => json::lines(&mut out, &views),
    };
    written.map_err(Error::output)?;
    Ok(Exit::Success)
}
