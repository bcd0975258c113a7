//! What trust material contains (`authverify trust show PATH...`), certificate by
//! certificate, with the root program's restrictions and the problems found.

use std::sync::Arc;

use authverify::certificate::eku;
use authverify::{builtin, Certificate, Crl, Role, TrustList, TrustListEntry, TrustStore, UnixTime};
use serde::Serialize;

use crate::error::Error;

/// One trust source as `trust show` shows it (an object of its JSON output).
#[derive(Serialize)]
pub struct StoreView {
    /// The argument as given (`builtin` or a path).
    pub source: String,
    /// How many of each.
    pub counts: Counts,
    /// Trusted roots.
    pub roots: Vec<CertificateView>,
    /// Intermediates.
    pub intermediates: Vec<CertificateView>,
    /// Distrusted certificates.
    pub distrusted: Vec<CertificateView>,
    /// Certificate trust lists (root programs and disallowed lists).
    pub trust_lists: Vec<TrustListView>,
    /// Certificate revocation lists given with `--crl`, judged against this material.
    pub crls: Vec<CrlView>,
    /// What is wrong or stale in it, in words.
    pub problems: Vec<String>,
}

/// The numbers of a [`StoreView`].
#[derive(Serialize)]
pub struct Counts {
    /// Trusted roots.
    pub roots: usize,
    /// Intermediates.
    pub intermediates: usize,
    /// Distrusted certificates.
    pub distrusted: usize,
    /// Entries of every trust list.
    pub trust_list_entries: usize,
    /// Roots and intermediates expired at the reference time.
    pub expired: usize,
}

/// One certificate of a [`StoreView`].
#[derive(Serialize)]
pub struct CertificateView {
    /// Its display name.
    pub name: String,
    /// Its subject.
    pub subject: String,
    /// Its SHA-1 thumbprint, hex.
    pub sha1: String,
    /// Valid from.
    pub not_before: UnixTime,
    /// Valid to.
    pub not_after: UnixTime,
    /// Expired at the reference time.
    pub expired: bool,
    /// EKUs of the certificate's own extension; empty = any purpose.
    pub purposes: Vec<String>,
    /// The root program's restrictions on it, in words (from a loaded CTL, else the pinned one).
    pub ctl: Option<String>,
    /// Windows ships it in the OS and trusts it whatever the CTL says.
    pub windows_builtin: bool,
}

/// One certificate trust list of a [`StoreView`].
#[derive(Serialize)]
pub struct TrustListView {
    /// Root program or disallowed list.
    pub kind: String,
    /// Its date.
    pub this_update: UnixTime,
    /// When its issuer meant it to be replaced.
    pub next_update: Option<UnixTime>,
    /// Its sequence number.
    pub sequence_number: Option<String>,
    /// How many entries it has.
    pub entries: usize,
    /// The subject of its signer.
    pub signer: String,
    /// The root-program list whose policy applies (the newest loaded); the others only name
    /// roots.
    pub in_force: bool,
    /// `--at` is past its NextUpdate: a machine holding only this list misses what the root
    /// program changed since.
    pub past_next_update: bool,
}

/// One revocation list as `trust show --crl` shows it.
#[derive(Serialize)]
pub struct CrlView {
    /// Where it came from (the `--crl` argument).
    pub source: String,
    /// Its issuer, RFC 4514.
    pub issuer: String,
    /// thisUpdate.
    pub this_update: UnixTime,
    /// nextUpdate, when present.
    pub next_update: Option<UnixTime>,
    /// nextUpdate is before the reference time (it still proves what it lists).
    pub past_next_update: bool,
    /// How many certificates it lists.
    pub entries: usize,
    /// cRLNumber, hex.
    pub crl_number: Option<String>,
    /// A delta CRL (not applied).
    pub delta: bool,
    /// Its signature verifies under a certificate of this material.
    pub signature_verified: bool,
    /// That certificate's subject and SHA-1, when one verifies it.
    pub verified_by: Option<String>,
}

fn crl_view(source: &str, crl: &Crl, store: &TrustStore, at: UnixTime) -> CrlView {
    let signer = store
        .anchors()
        .chain(store.intermediates())
        .find(|c| crl.names_issuer_by_name(c) && crl.verify_signed_by(c).is_ok());
    CrlView {
        source: source.to_string(),
        issuer: crl.issuer(),
        this_update: crl.this_update,
        next_update: crl.next_update,
        past_next_update: crl.next_update.is_some_and(|n| n < at),
        entries: crl.entries.len(),
        crl_number: crl.crl_number.as_deref().map(hex::encode),
        delta: crl.delta,
        signature_verified: signer.is_some(),
        verified_by: signer.map(|c| format!("{} (SHA-1 {})", c.subject(), c.sha1_hex())),
    }
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

/// What `spec` (`builtin` or a path, as `--trust` takes) holds, judged at `at`, with the
/// revocation lists of `crls` (files or folders, as `--crl` takes) checked against it.
pub fn show(spec: &str, crls: &[String], at: UnixTime) -> Result<StoreView, Error> {
    let mut store = TrustStore::new();
    let mut problems = Vec::new();
    if spec == "builtin" {
        store.add_builtin();
    } else {
        let summary = store
            .load(std::path::Path::new(spec), Role::Anchors)
            .map_err(|source| Error::TrustUnreadable {
                spec: spec.to_string(),
                source: Box::new(source),
            })?;
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
    let mut crl_views = Vec::new();
    for c in crls {
        let mut lists = TrustStore::new();
        let summary = lists
            .load_crls(std::path::Path::new(c))
            .map_err(|source| Error::CrlUnloadable {
                spec: c.clone(),
                source: Box::new(source),
            })?;
        problems.extend(
            summary
                .skipped
                .iter()
                .map(|s| format!("{}: not used: {}", s.path, s.reason)),
        );
        crl_views.extend(lists.crls().iter().map(|l| crl_view(c, l, &store, at)));
    }
    for l in crl_views.iter().filter(|l| !l.signature_verified) {
        problems.push(format!(
            "the CRL of {} ({}) is not verified by any certificate here (its issuer may come with the signed files)",
            l.issuer, l.source
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
        crls: crl_views,
        problems,
    })
}
