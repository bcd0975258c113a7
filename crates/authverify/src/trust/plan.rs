//! A certificate named by its SHA-1 in somebody else's report, judged by this machine's
//! own trust material (issue 26): `authverify summary` merges reports from other hosts,
//! which are data, not authority. What it may put into a merged install plan is only what
//! it vouches for itself — the built-in set, the root-program CTLs and the certificates
//! its user vouches for — and always its own copy: name, subject, store and DER come from
//! here, never from the report.

use std::sync::Arc;

use const_oid::ObjectIdentifier;

use crate::time::UnixTime;
use crate::trust::builtin::{self, Origin, Store};
use crate::trust::ctl::{TrustList, TrustListEntry};
use crate::trust::TrustStore;
use crate::trust::VouchedBy;
use crate::x509::certificate::{eku, Certificate};

/// A certificate this machine vouches for, as its own material describes it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct VouchedCertificate {
    /// Who vouches for it (never [`VouchedBy::None`]).
    pub vouched_by: VouchedBy,
    /// The store it belongs in.
    pub store: Store,
    /// Its friendly name (built-in set or CTL), else its common name.
    pub name: String,
    /// Its subject, when the certificate is at hand.
    pub subject: Option<String>,
    /// Its SHA-1 thumbprint.
    pub sha1: [u8; 20],
    /// Its SHA-256 thumbprint, when known.
    pub sha256: Option<[u8; 32]>,
    /// Its key identifier, when known.
    pub key_id: Option<Vec<u8>>,
    /// The certificate, when this machine holds it (built-in set or `--vouch`); a root a
    /// CTL lists without it is named, to be fetched by its SHA-1.
    pub certificate: Option<Arc<Certificate>>,
}

/// The purposes an install plan serves: code signing (files, catalogs) and time stamping.
/// The root program must list the root for one of these purposes as of the merging
/// machine's verification time: not disabled, not past its NotBefore date (a root installed
/// by hand acts from now on, without the CTL's dates).
const PLAN_PURPOSES: [ObjectIdentifier; 2] = [eku::CODE_SIGNING, eku::TIME_STAMPING];

/// The entry lists the root for a plan purpose as of `at`.
fn listed_for_plan(entry: &TrustListEntry, at: UnixTime) -> bool {
    PLAN_PURPOSES
        .iter()
        .any(|p| entry.permits(std::slice::from_ref(p), at, at).is_ok())
}

/// The entry that decides for the root with thumbprint `sha1`: the newest of this
/// machine's list in force and the pinned one that lists it (as `path::vouch` decides).
fn deciding<'a>(trust: &'a TrustStore, sha1: &[u8; 20]) -> Option<(&'a Arc<TrustList>, &'a TrustListEntry)> {
    trust.deciding_entry(builtin::builtin_trust_list(), |l| {
        l.entries
            .iter()
            .find(|e| l.identifiers_are_sha1() && e.identifier == sha1.as_slice())
    })
}

fn described(cert: &Arc<Certificate>, vouched_by: VouchedBy, store: Store, name: String) -> VouchedCertificate {
    VouchedCertificate {
        vouched_by,
        store,
        name,
        subject: Some(cert.subject().to_string()),
        sha1: cert.sha1(),
        sha256: Some(cert.sha256()),
        key_id: cert.subject_key_id().map(<[u8]>::to_vec),
        certificate: Some(cert.clone()),
    }
}

/// Whether this machine vouches for the built-in root `k` for the plan's purposes.
fn builtin_root_vouched(k: &builtin::BuiltinCertificate, trust: &TrustStore, at: UnixTime) -> bool {
    if k.entry.origin == Origin::WindowsBuiltin {
        return k.entry.purposes.allows(&PLAN_PURPOSES);
    }
    deciding(trust, &k.certificate.sha1()).is_some_and(|(_, e)| listed_for_plan(e, at))
}

/// Who on this machine vouches for the certificate with SHA-1 `sha1` as of `at` (the
/// verification time), and its own description of it; `None` when nobody does.
pub fn vouched_by_sha1(trust: &TrustStore, sha1: &[u8; 20], at: UnixTime) -> Option<VouchedCertificate> {
    if let Some(k) = builtin::by_sha1(sha1) {
        let name = k.entry.name.to_string();
        match k.entry.store {
            Store::Root if builtin_root_vouched(k, trust, at) => {
                return Some(described(&k.certificate, VouchedBy::Builtin, Store::Root, name));
            }
            // A built-in intermediate completes a path to a built-in root this machine
            // vouches for.
            Store::Intermediate
                if builtin::by_subject(k.certificate.issuer_der()).into_iter().any(|r| {
                    r.entry.store == Store::Root
                        && builtin_root_vouched(r, trust, at)
                        && k.certificate.verify_signed_by(&r.certificate).is_ok()
                }) =>
            {
                return Some(described(&k.certificate, VouchedBy::Chain, Store::Intermediate, name));
            }
            _ => {}
        }
    }
    if let Some((list, entry)) = deciding(trust, sha1).filter(|(_, e)| listed_for_plan(e, at)) {
        let is_builtin = builtin::builtin_trust_list().is_some_and(|b| Arc::ptr_eq(b, list));
        return Some(VouchedCertificate {
            vouched_by: if is_builtin {
                VouchedBy::Builtin
            } else {
                VouchedBy::TrustList
            },
            store: Store::Root,
            name: entry
                .friendly_name
                .clone()
                .unwrap_or_else(|| format!("root {}", hex::encode(sha1))),
            subject: None,
            sha1: *sha1,
            sha256: entry.sha256.as_deref().and_then(|s| <[u8; 32]>::try_from(s).ok()),
            key_id: entry.key_id.clone(),
            certificate: None,
        });
    }
    trust.vouched().iter().find(|c| c.sha1() == *sha1).map(|c| {
        let store = if c.is_self_issued() {
            Store::Root
        } else {
            Store::Intermediate
        };
        described(c, VouchedBy::User, store, c.display_name())
    })
}
