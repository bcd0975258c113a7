//! `trust show` as text.

use std::io::Write;

use crate::escape::terminal;
use crate::trust_view::{CertificateView, StoreView};

/// Writes the text form to `out`.
pub fn print_text(out: &mut impl Write, v: &StoreView) -> std::io::Result<()> {
    writeln!(out, "{}:", terminal(&v.source))?;
    let section = |out: &mut dyn Write, title: &str, list: &[CertificateView]| -> std::io::Result<()> {
        if list.is_empty() {
            return Ok(());
        }
        writeln!(out, "  {title} ({}):", list.len())?;
        for c in list {
            let expired = if c.expired { " EXPIRED" } else { "" };
            let builtin = if c.windows_builtin { " [Windows built-in]" } else { "" };
            writeln!(out, "    {}{builtin}", terminal(&c.name))?;
            writeln!(
                out,
                "      SHA-1 {}, valid {} to {}{expired}",
                c.sha1, c.not_before, c.not_after
            )?;
            let purposes = if c.purposes.is_empty() {
                "any".to_string()
            } else {
                c.purposes.join(", ")
            };
            writeln!(out, "      purposes: {}", terminal(&purposes))?;
            if let Some(ctl) = &c.ctl {
                writeln!(out, "      root program: {}", terminal(ctl))?;
            }
        }
        Ok(())
    };
    section(out, "Trusted roots", &v.roots)?;
    section(out, "Intermediates", &v.intermediates)?;
    section(out, "Distrusted", &v.distrusted)?;
    for l in &v.trust_lists {
        let role = match (l.kind.as_str(), l.in_force) {
            ("RootProgram", true) => ", in force",
            ("RootProgram", false) => ", superseded by a newer list (names roots only)",
            _ => "",
        };
        writeln!(
            out,
            "  Trust list: {} of {} (sequence {}), {} entries, signed by {}{role}",
            l.kind,
            l.this_update,
            terminal(l.sequence_number.as_deref().unwrap_or("-")),
            l.entries,
            terminal(&l.signer)
        )?;
    }
    for c in &v.crls {
        let verified = match &c.verified_by {
            Some(by) => format!("signature verified by {by}"),
            None => "signature not verified by any certificate here".to_string(),
        };
        writeln!(
            out,
            "  CRL: {} (thisUpdate {}, nextUpdate {}{}), {} entries{}, {}",
            terminal(&c.issuer),
            c.this_update,
            c.next_update.map_or_else(|| "-".to_string(), |n| n.to_string()),
            if c.past_next_update { ", past it" } else { "" },
            c.entries,
            if c.delta { ", delta (not applied)" } else { "" },
            terminal(&verified)
        )?;
    }
    writeln!(
        out,
        "  {} roots, {} intermediates, {} distrusted, {} CTL entries, {} expired",
        v.counts.roots, v.counts.intermediates, v.counts.distrusted, v.counts.trust_list_entries, v.counts.expired
    )?;
    for p in &v.problems {
        writeln!(out, "  problem: {}", terminal(p))?;
    }
    Ok(())
}
