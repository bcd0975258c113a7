//! Who vouches for a certificate the path builder names as missing (issue 26).
//!
//! What is missing becomes an install plan that admins push, elevated, to whole fleets: a
//! root in it is trusted everywhere. A self-made root that travels inside a file must
//! therefore never get there, however well it is named. A missing certificate is vouched
//! for only by data the verifier itself holds or the user gave as policy:
//! - the built-in set: a root of Microsoft's root program whose CTL entry (in the list in
//!   force: the newest of the pinned one and those the user loaded) allows the purpose the
//!   chain needs at the instant it is judged (prop 9 EKUs, NotBefore and disable dates), or
//!   a root Windows ships in its image, for its documented purposes;
//! - a root-program CTL the user loaded (`--trust authroot.stl`) that lists it so, when
//!   that list is the one in force;
//! - a certificate the user vouches for by its exact bytes ([`TrustStore::vouch`]);
//! - for an intermediate: the path it completes ends at a trust anchor, or at roots that
//!   are all vouched for.
//!
//! Everything else is [`VouchedBy::None`]: reported, never part of a plan.

use std::sync::Arc;

use crate::finding::{Finding, Rule};
use crate::path::{ChainRequest, Missing};
use crate::time::UnixTime;
use crate::trust::builtin::{Origin, Store};
use crate::trust::ctl::{TrustList, TrustListEntry};
use crate::x509::certificate::Certificate;

// Who vouches is a statement about trust material, so the type lives with it (trust/
// may not use path/: tests/layering.rs); the judgement of a chain's certificates is here.
pub use crate::trust::VouchedBy;

/// The entry that decides for a root: of the user's list in force (as for an anchor) and
/// the pinned one (an offline machine's own list predates the roots it lacks), the newer
/// that lists it (`TrustStore::deciding_entry`).
fn deciding<'a>(
    req: &'a ChainRequest<'_>,
    entry_of: impl Fn(&'a TrustList) -> Option<&'a TrustListEntry>,
) -> Option<(&'a Arc<TrustList>, &'a TrustListEntry)> {
    req.trust.deciding_entry(req.dictionary.trust_list(), entry_of)
}

/// Whether `list` is the pinned list of the built-in set.
fn is_builtin_list(list: &Arc<TrustList>, req: &ChainRequest<'_>) -> bool {
    req.dictionary.trust_list().is_some_and(|b| Arc::ptr_eq(b, list))
}

/// Whether a CTL entry vouches for the root for the chain's purpose: it allows the chain as
/// judged (its leaf, at the instant the chain is judged), and it allows the purpose as of the
/// verification time — not disabled, not past its NotBefore date (a leaf issued now would
/// not be trusted). The chain's instant may be a time a timestamp merely claims (a TSA chain
/// is judged at its own genTime), and a root installed by hand acts from now on, without the
/// CTL's dates: a root the program has stopped trusting for the purpose is not vouched for.
fn entry_allows(entry: &TrustListEntry, leaf_not_before: UnixTime, req: &ChainRequest<'_>) -> bool {
    let now = req.verification_time;
    entry.permits(req.purpose.ekus(), leaf_not_before, req.at).is_ok()
        && entry.permits(req.purpose.ekus(), now, now).is_ok()
}

/// Who vouches for the root `cert` (self-signed, not an anchor of the store), for a path
/// whose leaf was issued at `leaf_not_before`.
pub(crate) fn root(cert: &Certificate, leaf_not_before: UnixTime, req: &ChainRequest<'_>) -> VouchedBy {
    let windows_image = req
        .dictionary
        .by_sha1(&cert.sha1())
        .filter(|k| k.entry.store == Store::Root && k.entry.origin == Origin::WindowsBuiltin);
    if let Some(k) = windows_image {
        // Roots Windows ships in its image are trusted for their documented purposes
        // whatever the CTL says (trust/builtin.rs, Origin::WindowsBuiltin).
        if k.entry.purposes.allows(req.purpose.ekus()) {
            return VouchedBy::Builtin;
        }
    } else if let Some((list, entry)) = deciding(req, |l| l.entry_for(cert)) {
        if entry_allows(entry, leaf_not_before, req) {
            return if is_builtin_list(list, req) {
                VouchedBy::Builtin
            } else {
                VouchedBy::TrustList
            };
        }
    }
    if req.trust.is_vouched(cert) {
        return VouchedBy::User;
    }
    VouchedBy::None
}

/// Who vouches for a root known only from `list`'s `entry` (no certificate at hand).
pub(crate) fn listed_root(
    list: &Arc<TrustList>,
    entry: &TrustListEntry,
    leaf_not_before: UnixTime,
    req: &ChainRequest<'_>,
) -> VouchedBy {
    let decides = deciding(req, |l| l.entries.iter().find(|e| e.identifier == entry.identifier))
        .is_some_and(|(l, _)| Arc::ptr_eq(l, list));
    match (decides, entry_allows(entry, leaf_not_before, req)) {
        (true, true) if is_builtin_list(list, req) => VouchedBy::Builtin,
        (true, true) => VouchedBy::TrustList,
        _ => VouchedBy::None,
    }
}

/// The built-in root whose subject `cert` takes with another key: the name it would borrow.
/// `None` for the root itself, or when no built-in root has its name.
pub(crate) fn impersonated(cert: &Certificate, req: &ChainRequest<'_>) -> Option<(String, String)> {
    req.dictionary
        .by_subject(cert.subject_der())
        .into_iter()
        .filter(|k| k.entry.store == Store::Root)
        .find(|k| k.certificate.sha256() != cert.sha256())
        .map(|k| (k.entry.name.to_string(), k.entry.sha1.to_string()))
}

/// The finding for a self-signed certificate that takes a program root's name.
pub(crate) fn impostor_finding(cert: &Certificate, name: &str, sha1: &str) -> Finding {
    Finding::refusal(
        Rule::ChainImpostorRoot,
        format!(
            "self-signed \"{}\" (SHA-1 {}) takes the name of the root program's \"{name}\" (SHA-1 {sha1}) with another key: an impostor, not that root",
            cert.subject(),
            cert.sha1_hex()
        ),
    )
}

/// Judges the intermediates of one failed path once its roots are judged: vouched for when
/// the path ends at a trust anchor (no root missing) or every missing root is vouched for.
pub(crate) fn intermediates(missing: &mut [Missing], ends_at_anchor: bool) {
    let roots: Vec<VouchedBy> = missing
        .iter()
        .filter(|m| m.store == Store::Root)
        .map(|m| m.vouched_by)
        .collect();
    let closes_at_vouched = if roots.is_empty() {
        ends_at_anchor
    } else {
        roots.iter().all(|v| v.is_vouched())
    };
    for m in missing.iter_mut().filter(|m| m.store == Store::Intermediate) {
        m.vouched_by = if closes_at_vouched && m.certificate.is_some() {
            VouchedBy::Chain
        } else {
            VouchedBy::None
        };
    }
}
