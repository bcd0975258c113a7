//! Naming what a failed path lacks: a certificate the built-in set or the file holds, a
//! root a CTL lists, or an issuer known only by name and key id — each with who vouches
//! for it.

use std::sync::Arc;

use crate::finding::{Finding, Rule};
use crate::path::chain::{ChainStatus, Missing};
use crate::path::rank::Failure;
use crate::path::{vouch, ChainRequest};
use crate::trust::builtin::Store;
use crate::x509::certificate::Certificate;

/// A self-signed certificate the store does not hold as a root.
fn root_missing(root: &Certificate) -> Finding {
    Finding::refusal(
        Rule::ChainRootMissing,
        format!("root \"{}\" is not in the trusted roots", root.subject()),
    )
}

pub(super) fn names_of(missing: &[Missing]) -> String {
    missing
        .iter()
        .map(|m| format!("\"{}\"", m.name.as_deref().unwrap_or(&m.subject)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What to report for a known certificate. A root is judged at once by who vouches for
/// it; an intermediate once its path's roots are ([`vouch::intermediates`]).
pub(super) fn missing_known(
    c: &Arc<Certificate>,
    store: Store,
    name: Option<String>,
    req: &ChainRequest<'_>,
) -> Missing {
    let vouched_by = match store {
        Store::Root => vouch::root(c, req.leaf.not_before(), req),
        Store::Intermediate | Store::Unknown => vouch::VouchedBy::None,
    };
    Missing {
        store,
        subject: c.subject().to_string(),
        key_id: c.subject_key_id().map(<[u8]>::to_vec),
        sha1: Some(c.sha1().to_vec()),
        sha256: Some(c.sha256().to_vec()),
        name,
        certificate: Some(c.clone()),
        vouched_by,
        impostor_of: None,
    }
}

/// A self-signed certificate the store does not trust: the root to install. Named only
/// from an entry for this exact certificate; one that takes a built-in root's name with
/// another key is marked as its impostor.
pub(super) fn missing_root(c: &Arc<Certificate>, req: &ChainRequest<'_>) -> Missing {
    let trust = req.trust;
    let name = req
        .dictionary
        .by_sha1(&c.sha1())
        .map(|k| k.entry.name.to_string())
        .or_else(|| {
            trust
                .trust_lists()
                .iter()
                .chain(req.dictionary.trust_list())
                .find_map(|l| l.entry_for(c))
                .and_then(|e| e.friendly_name.clone())
        });
    let mut m = missing_known(c, Store::Root, name, req);
    if !m.vouched_by.is_vouched() {
        m.impostor_of = vouch::impersonated(c, req);
    }
    m
}

/// Why the path ending at the self-signed `root` failed: an impostor of a built-in root is
/// named as such, any other root as missing.
pub(super) fn root_failure_detail(root: &Certificate, missing: &[Missing]) -> Finding {
    let impostor = missing
        .iter()
        .find(|m| m.sha256.as_deref() == Some(root.sha256().as_slice()))
        .and_then(|m| m.impostor_of.as_ref());
    match impostor {
        Some((name, sha1)) => vouch::impostor_finding(root, name, sha1),
        None => root_missing(root),
    }
}

/// Roots the CTLs (loaded and built-in) list under `top`'s issuer name and key id.
pub(super) fn trust_list_roots(top: &Certificate, req: &ChainRequest<'_>) -> Vec<Missing> {
    let trust = req.trust;
    let aki = top.authority_key_id();
    let issuer_name = crate::x509::certificate::display_name(top.issuer_der());
    let mut out: Vec<Missing> = Vec::new();
    for list in trust.trust_lists().iter().chain(req.dictionary.trust_list()) {
        for e in list.entries_for_subject(top.issuer_der()) {
            if trust.has_anchor_listed_as(list, &e.identifier) {
                // The store holds this root: it is not what is missing.
                continue;
            }
            if let (Some(a), Some(k)) = (aki, e.key_id.as_deref()) {
                if a != k {
                    continue;
                }
            }
            // When the root is at hand, its key must have signed `top`: a forged issuer name
            // and key id name nothing to install.
            let held = list
                .identifiers_are_sha1()
                .then(|| <[u8; 20]>::try_from(e.identifier.as_slice()).ok())
                .flatten()
                .and_then(|sha1| req.dictionary.by_sha1(&sha1));
            if held.is_some_and(|k| top.verify_signed_by(&k.certificate).is_err()) {
                continue;
            }
            let m = Missing {
                store: Store::Root,
                subject: issuer_name.clone(),
                key_id: e.key_id.clone().or_else(|| aki.map(<[u8]>::to_vec)),
                sha1: list.identifiers_are_sha1().then(|| e.identifier.clone()),
                sha256: e.sha256.clone(),
                name: e.friendly_name.clone(),
                certificate: None,
                vouched_by: vouch::listed_root(list, e, req.leaf.not_before(), req),
                impostor_of: None,
            };
            if !out.iter().any(|x| x.same_certificate(&m)) {
                out.push(m);
            }
        }
    }
    out
}

/// A certificate the user vouches for (`--vouch`) that issued `top`: its name, its key id
/// when `top` names one, and its key's signature on `top`. The user gave its bytes, so it is
/// at hand to name and export even when neither the file nor the trust material carries it
/// (an offline machine's admin vouching for the root a vendor's files need). A self-signed
/// one is a root; another an intermediate, vouched for by its path like any.
fn vouched_issuer(top: &Certificate, req: &ChainRequest<'_>) -> Option<Arc<Certificate>> {
    let key = |der: &[u8]| crate::x509::name::name_key(der).unwrap_or_else(|| der.to_vec());
    let issuer = key(top.issuer_der());
    let aki = top.authority_key_id();
    req.trust
        .vouched()
        .iter()
        .filter(|c| key(c.subject_der()) == issuer)
        .filter(|c| aki.is_none() || c.subject_key_id() == aki)
        .find(|c| top.verify_signed_by(c).is_ok() && (!c.is_self_issued() || c.verify_signed_by(c).is_ok()))
        .cloned()
}

/// Nobody at hand issued `top`. When the built-in set or a CTL knows a certificate of that
/// name (and key id, when `top` names one), it is named with its store — phase 1 does not
/// search the dictionary, yet must not call a known root unknown. Otherwise the issuer is
/// named by subject and key identifier, and since a root cannot be told from an
/// intermediate without the certificate, its store is `Unknown` (issue 13: never guess).
pub(super) fn unknown_issuer(
    path: &[Arc<Certificate>],
    top: &Certificate,
    mut missing: Vec<Missing>,
    req: &ChainRequest<'_>,
) -> Failure {
    let issuer_name = crate::x509::certificate::display_name(top.issuer_der());
    let aki = top.authority_key_id();
    let detail = format!(
        "issuer \"{issuer_name}\" of \"{}\" is neither in the file nor in the trust material",
        top.subject()
    );
    let rule = |status| match status {
        ChainStatus::MissingRoot => Rule::ChainRootMissing,
        ChainStatus::MissingIntermediate => Rule::ChainIntermediateMissing,
        _ => Rule::ChainIssuerMissing,
    };
    // Only a certificate whose key really signed `top`: a certificate that copies a
    // program root's name and key id, signed with another key, names nothing to install.
    let known = req
        .dictionary
        .by_subject(top.issuer_der())
        .into_iter()
        .filter(|k| aki.is_none() || k.certificate.subject_key_id() == aki)
        .filter(|k| top.verify_signed_by(&k.certificate).is_ok())
        // Roots first: the name a self-signed certificate carries is the root's.
        .min_by_key(|k| k.entry.store != Store::Root);
    let (status, entries) = match known {
        Some(k) => (
            if k.entry.store == Store::Root {
                ChainStatus::MissingRoot
            } else {
                ChainStatus::MissingIntermediate
            },
            vec![missing_known(
                &k.certificate,
                k.entry.store,
                Some(k.entry.name.to_string()),
                req,
            )],
        ),
        None => match (vouched_issuer(top, req), trust_list_roots(top, req)) {
            (Some(c), _) if c.is_self_issued() => (ChainStatus::MissingRoot, vec![missing_root(&c, req)]),
            (Some(c), _) => (
                ChainStatus::MissingIntermediate,
                vec![missing_known(&c, Store::Intermediate, None, req)],
            ),
            (None, listed) if !listed.is_empty() => (ChainStatus::MissingRoot, listed),
            _ => (
                ChainStatus::MissingIssuer,
                vec![Missing {
                    store: Store::Unknown,
                    subject: issuer_name,
                    key_id: aki.map(<[u8]>::to_vec),
                    sha1: None,
                    sha256: None,
                    name: None,
                    certificate: None,
                    vouched_by: vouch::VouchedBy::None,
                    impostor_of: None,
                }],
            ),
        },
    };
    missing.extend(entries);
    Failure {
        status,
        path: path.to_vec(),
        missing,
        detail: Finding::refusal(rule(status), detail),
        closes: false,
    }
}
