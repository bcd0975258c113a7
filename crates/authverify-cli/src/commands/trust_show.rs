//! `authverify trust show PATH...`: what trust material contains, certificate by
//! certificate, with the root program's restrictions and the problems found.

use std::process::ExitCode;
use std::sync::Arc;

use authverify::certificate::eku;
use authverify::{builtin, Certificate, Role, TrustList, TrustListEntry, TrustStore, UnixTime};
use serde::Serialize;

use crate::args::{Format, TrustShowArgs};

#[derive(Serialize)]
pub(crate) struct StoreView {
    pub(crate) source: String,
    pub(crate) counts: Counts,
    pub(crate) roots: Vec<CertificateView>,
    pub(crate) intermediates: Vec<CertificateView>,
    pub(crate) distrusted: Vec<CertificateView>,
    pub(crate) trust_lists: Vec<TrustListView>,
    pub(crate) problems: Vec<String>,
}

#[derive(Serialize)]
pub(crate) struct Counts {
    pub(crate) roots: usize,
    pub(crate) intermediates: usize,
    pub(crate) distrusted: usize,
    pub(crate) trust_list_entries: usize,
    pub(crate) expired: usize,
}

#[derive(Serialize)]
pub(crate) struct CertificateView {
    pub(crate) name: String,
    pub(crate) subject: String,
    pub(crate) sha1: String,
    pub(crate) not_before: UnixTime,
    pub(crate) not_after: UnixTime,
    pub(crate) expired: bool,
    /// EKUs of the certificate's own extension; empty = any purpose.
    pub(crate) purposes: Vec<String>,
    /// The root program's restrictions on it, in words (from a loaded CTL, else the pinned one).
    pub(crate) ctl: Option<String>,
    /// Windows ships it in the OS and trusts it whatever the CTL says.
    pub(crate) windows_builtin: bool,
}

#[derive(Serialize)]
pub(crate) struct TrustListView {
    pub(crate) kind: String,
    pub(crate) this_update: UnixTime,
    pub(crate) next_update: Option<UnixTime>,
    pub(crate) sequence_number: Option<String>,
    pub(crate) entries: usize,
    pub(crate) signer: String,
    /// The root-program list whose policy applies (the newest loaded); the others only name
    /// roots.
    pub(crate) in_force: bool,
    /// `--at` is past its NextUpdate: a machine holding only this list misses what the root
    /// program changed since.
    pub(crate) past_next_update: bool,
}

fn eku_names(ekus: &[const_oid::ObjectIdentifier]) -> Vec<String> {
    ekus.iter()
        .map(|e| eku::name(e).map_or_else(|| e.to_string(), str::to_string))
        .collect()
}

fn restrictions(e: &TrustListEntry, source: &str) -> String {
    let scope = |s: &Option<Vec<const_oid::ObjectIdentifier>>| match s {
        Some(list) => format!("for {}", eku_names(list).join(", ")),
        None => "for every purpose".into(),
    };
    let mut parts = vec![match &e.ekus {
        Some(list) => format!("trusted for {}", eku_names(list).join(", ")),
        None => "trusted for every purpose".into(),
    }];
    if let Some(d) = e.not_before {
        parts.push(format!(
            "end-entity certificates issued from {d} not trusted {}",
            scope(&e.not_before_ekus)
        ));
    }
    if let Some(d) = e.disabled_at {
        parts.push(format!("disabled from {d} {}", scope(&e.disabled_ekus)));
    }
    format!("{} ({source})", parts.join("; "))
}

fn view(c: &Certificate, store: &TrustStore, at: UnixTime, builtin: bool) -> CertificateView {
    let ctl = store
        .trust_list_in_force()
        .and_then(|l| l.entry_for(c).map(|e| restrictions(e, "loaded CTL")))
        .or_else(|| {
            builtin::builtin_trust_list()
                .and_then(|l| l.entry_for(c))
                .map(|e| restrictions(e, "built-in authroot.stl"))
        });
    CertificateView {
        name: c.display_name(),
        subject: c.subject().to_string(),
        sha1: c.sha1_hex(),
        not_before: c.not_before(),
        not_after: c.not_after(),
        expired: at > c.not_after(),
        purposes: c.ext_key_usage().map(eku_names).unwrap_or_default(),
        ctl,
        windows_builtin: builtin,
    }
}

fn list_view(l: &Arc<TrustList>, in_force: bool, at: UnixTime) -> TrustListView {
    TrustListView {
        kind: format!("{:?}", l.kind),
        this_update: l.this_update,
        next_update: l.next_update,
        sequence_number: l.sequence_number.clone(),
        entries: l.entries.len(),
        signer: l.signer.subject().to_string(),
        in_force,
        past_next_update: l.next_update.is_some_and(|n| at > n),
    }
}

fn show(spec: &str, at: UnixTime) -> Result<StoreView, String> {
    let mut store = TrustStore::new();
    let mut problems = Vec::new();
    if spec == "builtin" {
        store.add_builtin();
    } else {
        let summary = store
            .load(std::path::Path::new(spec), Role::Anchors)
            .map_err(|e| format!("cannot read {spec}: {e}"))?;
        problems.extend(
            summary
                .skipped
                .iter()
                .map(|s| format!("{}: not used: {}", s.path, s.reason)),
        );
    }
    let roots: Vec<CertificateView> = store
        .anchor_entries()
        .iter()
        .map(|a| view(&a.certificate, &store, at, a.windows_builtin.is_some()))
        .collect();
    let intermediates: Vec<CertificateView> = store
        .intermediates()
        .iter()
        .map(|c| view(c, &store, at, false))
        .collect();
    let distrusted: Vec<CertificateView> = store.distrusted().iter().map(|c| view(c, &store, at, false)).collect();
    let in_force = store.trust_list_in_force();
    let trust_lists: Vec<TrustListView> = store
        .trust_lists()
        .iter()
        .map(|l| list_view(l, in_force.is_some_and(|f| Arc::ptr_eq(f, l)), at))
        .chain(store.disallowed_lists().iter().map(|l| list_view(l, false, at)))
        .collect();
    for l in trust_lists.iter().filter(|l| l.past_next_update) {
        problems.push(format!(
            "{} list of {} (sequence {}) is past its NextUpdate {}: roots the program added or changed since are unknown to it",
            l.kind,
            l.this_update,
            l.sequence_number.as_deref().unwrap_or("-"),
            l.next_update.map_or_else(String::new, |n| n.to_string())
        ));
    }
    let expired = roots.iter().chain(&intermediates).filter(|c| c.expired).count();
    if expired > 0 {
        problems.push(format!(
            "{expired} certificate(s) expired at {at} (roots still anchor timestamped signatures made before)"
        ));
    }
    Ok(StoreView {
        source: spec.to_string(),
        counts: Counts {
            roots: roots.len(),
            intermediates: intermediates.len(),
            distrusted: distrusted.len(),
            trust_list_entries: trust_lists.iter().map(|l| l.entries).sum(),
            expired,
        },
        roots,
        intermediates,
        distrusted,
        trust_lists,
        problems,
    })
}

pub(crate) fn run(args: &TrustShowArgs) -> Result<ExitCode, crate::error::CliError> {
    let at = crate::config::parse_time(args.at.as_deref(), "--at")?;
    let views = args
        .paths
        .iter()
        .map(|p| show(p, at))
        .collect::<Result<Vec<_>, _>>()
        .map_err(crate::error::CliError::Trust)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match args.format {
        Format::Text => views
            .iter()
            .try_for_each(|v| crate::output::trust::print_text(&mut out, v)),
        Format::Json => crate::output::json::document(&mut out, "stores", &views),
        Format::Jsonl => crate::output::json::lines(&mut out, &views),
    };
    written.map_err(crate::output::write_failed)?;
    Ok(ExitCode::SUCCESS)
}
