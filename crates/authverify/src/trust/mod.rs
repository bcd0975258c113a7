//! Trust material: anchors (the Windows "Root" store), extra path material (the "CA"
//! store), distrusted certificates (the "Disallowed" store) and certificate trust lists,
//! loaded from files the user names or from the built-in certificate set.
//!
//! Supported inputs, detected by content: DER certificates, PEM bundles (certificates and
//! PKCS#7), PKCS#7 `.p7b`/`.p7c` bundles, Microsoft serialized stores (`.sst`), CTLs
//! (`authroot.stl`, `disallowedcert.stl`), and directories of any of these, including the
//! layout `CertUtil -syncWithWU DIR` writes. The parsers are `material`'s, the loading
//! (files, directories, a CTL's publisher check) is `loading.rs`'s; this module is the store:
//! data and lookups.

pub mod builtin;
pub mod ctl;
pub(crate) mod hive;
pub(crate) mod material;
pub mod plan;
mod vouched;
pub use vouched::VouchedBy;
pub mod registry;

pub use material::TrustMaterial;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use const_oid::ObjectIdentifier;

use crate::time::UnixTime;
use crate::trust::ctl::{CtlRefusal, TrustList, TrustListKind, VerifiedTrustList};
use crate::x509::certificate::Certificate;
use crate::x509::crl::Crl;
use builtin::{Origin, Purposes, Store};

/// A trusted root.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Anchor {
    /// The certificate.
    pub certificate: Arc<Certificate>,
    /// Windows ships it with the OS (see [`Origin::WindowsBuiltin`]): CTL dates do not
    /// apply, only its documented purposes.
    pub windows_builtin: Option<Purposes>,
}

/// What a file or directory contributed to a store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct LoadSummary {
    /// Certificates added as anchors.
    pub anchors: usize,
    /// Certificates added as intermediates.
    pub intermediates: usize,
    /// Certificates marked distrusted.
    pub distrusted: usize,
    /// Trust lists loaded.
    pub trust_lists: Vec<TrustListSummary>,
    /// Revocation lists added (`TrustStore::load_crls`).
    pub crls: usize,
    /// Files not used, with the reason (a directory load never stops at one bad file).
    pub skipped: Vec<SkippedFile>,
    /// Material used, with something the user should know (a hive copied while in use).
    pub warnings: Vec<String>,
}

/// A loaded CTL.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct TrustListSummary {
    /// Where it came from.
    pub path: String,
    /// Root program or disallowed list.
    pub kind: TrustListKind,
    /// How many subjects it lists.
    pub entries: usize,
    /// Its ctlThisUpdate.
    pub this_update: UnixTime,
}

/// A file a directory load did not use.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct SkippedFile {
    /// The file.
    pub path: String,
    /// Why, in words.
    pub reason: String,
}

/// What certificates loaded from a path become.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Trust anchors (roots).
    Anchors,
    /// Path material only (intermediates).
    Intermediates,
    /// Never chain through them.
    Distrusted,
}

/// Certificates the verifier may build paths through, and the policy on them.
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    anchors: Vec<Anchor>,
    intermediates: Vec<Arc<Certificate>>,
    /// Normalised subject name → (is anchor, index).
    by_subject: HashMap<Vec<u8>, Vec<(bool, usize)>>,
    anchor_ids: HashSet<[u8; 32]>,
    anchor_sha1s: HashSet<[u8; 20]>,
    intermediate_ids: HashSet<[u8; 32]>,
    distrusted: HashSet<[u8; 32]>,
    distrusted_certificates: Vec<Arc<Certificate>>,
    root_programs: Vec<Arc<TrustList>>,
    disallowed_lists: Vec<Arc<TrustList>>,
    /// Roots a loaded `authroot.stl` must chain to; empty = the built-in set's Microsoft roots.
    publishers: Vec<Arc<Certificate>>,
    /// Certificates the user vouches for (an enterprise's own root): they may enter an
    /// install plan, by their exact bytes. Not trusted by that alone.
    vouched: HashSet<[u8; 32]>,
    vouched_certificates: Vec<Arc<Certificate>>,
    /// Revocation lists supplied by the user (`--crl`), as plain data: whether one is used
    /// for a certificate is decided after a path is built (path/revocation.rs), against
    /// the issuer on that path.
    crls: Vec<Arc<Crl>>,
}

fn subject_key(c: &Certificate) -> Vec<u8> {
    crate::x509::name::name_key(c.subject_der()).unwrap_or_else(|| c.subject_der().to_vec())
}

impl TrustStore {
    /// An empty store: nothing is trusted.
    pub fn new() -> Self {
        Self::default()
    }

    /// The built-in certificate set: its roots as anchors (with the pinned CTL's policy), its
    /// intermediates as path material.
    pub fn builtin() -> Self {
        let mut store = Self::new();
        store.add_builtin();
        store
    }

    /// Adds the built-in certificate set and its pinned root-program CTL to this store.
    pub fn add_builtin(&mut self) {
        for c in builtin::certificates() {
            match c.entry.store {
                Store::Root => self.add_anchor(c.certificate.clone()),
                // The built-in set knows every certificate's store; `Unknown` never occurs.
                Store::Intermediate | Store::Unknown => self.add_intermediate(c.certificate.clone()),
            }
        }
        if let Some(list) = builtin::builtin_trust_list() {
            if !self.root_programs.iter().any(|l| Arc::ptr_eq(l, list)) {
                self.root_programs.push(list.clone());
                self.newest_first();
            }
        }
    }

    /// Trusts `cert` as an anchor. A root the built-in set knows as a Windows built-in keeps that
    /// status wherever it was loaded from: Windows holds it in the OS store regardless.
    pub fn add_anchor(&mut self, cert: Arc<Certificate>) {
        if !self.anchor_ids.insert(cert.sha256()) {
            return;
        }
        self.anchor_sha1s.insert(cert.sha1());
        let windows_builtin = builtin::by_sha1(&cert.sha1())
            .filter(|c| c.entry.origin == Origin::WindowsBuiltin)
            .map(|c| c.entry.purposes);
        self.by_subject
            .entry(subject_key(&cert))
            .or_default()
            .push((true, self.anchors.len()));
        self.anchors.push(Anchor {
            certificate: cert,
            windows_builtin,
        });
    }

    /// Offers `cert` as an intermediate for path building (not trusted by itself).
    pub fn add_intermediate(&mut self, cert: Arc<Certificate>) {
        if !self.intermediate_ids.insert(cert.sha256()) {
            return;
        }
        self.by_subject
            .entry(subject_key(&cert))
            .or_default()
            .push((false, self.intermediates.len()));
        self.intermediates.push(cert);
    }

    /// Never chain through `cert` (the Windows "Untrusted Certificates" store).
    pub fn distrust(&mut self, cert: Arc<Certificate>) {
        if self.distrusted.insert(cert.sha256()) {
            self.distrusted_certificates.push(cert);
        }
    }

    /// Adds a revocation list; the same list (by SHA-256) is kept once. Returns whether it
    /// was new.
    pub fn add_crl(&mut self, crl: Arc<Crl>) -> bool {
        if self.crls.iter().any(|c| c.sha256() == crl.sha256()) {
            return false;
        }
        self.crls.push(crl);
        true
    }

    /// The revocation lists supplied, in the order they were added.
    pub fn crls(&self) -> &[Arc<Crl>] {
        &self.crls
    }

    /// Vouches for `cert` (issue 26): when a chain lacks it, it may be named in an install
    /// plan (`vouched_by: user`) — an enterprise's own root, which no root program lists.
    /// It is not trusted by that: a chain through it stays untrusted until it is installed.
    pub fn vouch(&mut self, cert: Arc<Certificate>) {
        if self.vouched.insert(cert.sha256()) {
            self.vouched_certificates.push(cert);
        }
    }

    /// Whether the user vouches for this exact certificate.
    pub fn is_vouched(&self, cert: &Certificate) -> bool {
        self.vouched.contains(&cert.sha256())
    }

    /// The certificates the user vouches for.
    pub fn vouched(&self) -> &[Arc<Certificate>] {
        &self.vouched_certificates
    }

    /// The anchors with how each is judged.
    pub fn anchor_entries(&self) -> &[Anchor] {
        &self.anchors
    }

    /// Certificates marked distrusted (not the entries of disallowed CTLs).
    pub fn distrusted(&self) -> &[Arc<Certificate>] {
        &self.distrusted_certificates
    }

    /// The disallowed CTLs loaded.
    pub fn disallowed_lists(&self) -> &[Arc<TrustList>] {
        &self.disallowed_lists
    }

    /// Replaces the roots a loaded root-program CTL must chain to (default: Microsoft Root
    /// Certificate Authority 2010 and 2011 from the built-in set). For test hierarchies and
    /// private CTLs.
    pub fn set_trust_list_publishers(&mut self, roots: Vec<Arc<Certificate>>) {
        self.publishers = roots;
    }

    /// Adds a CTL whose publisher has been verified (see [`TrustStore::add_trust_list`]):
    /// a root-program list supplies per-root policy and names roots the store lacks; a
    /// disallowed list distrusts.
    pub(crate) fn accept_trust_list(&mut self, list: VerifiedTrustList) {
        let VerifiedTrustList(list) = list;
        let same = |l: &Arc<TrustList>| {
            l.kind == list.kind && l.sequence_number == list.sequence_number && l.this_update == list.this_update
        };
        if self.root_programs.iter().chain(&self.disallowed_lists).any(same) {
            // The same list twice (authroot.stl next to the authrootstl.cab it came from).
            return;
        }
        let list = Arc::new(list);
        match list.kind {
            TrustListKind::RootProgram => self.root_programs.push(list),
            TrustListKind::Disallowed => self.disallowed_lists.push(list),
        }
        self.newest_first();
    }

    /// The roots a loaded root-program CTL must chain to (see
    /// [`TrustStore::set_trust_list_publishers`]).
    pub(crate) fn trust_list_publishers(&self) -> Vec<Arc<Certificate>> {
        if self.publishers.is_empty() {
            builtin::trust_list_publishers()
        } else {
            self.publishers.clone()
        }
    }

    /// Orders the root-program CTLs newest first (highest sequenceNumber, then latest
    /// ctlThisUpdate): the first one is the list in force, whatever order they were loaded
    /// in — an offline machine's stale authroot.stl must not override the pinned newer one,
    /// nor the other way round.
    fn newest_first(&mut self) {
        self.root_programs.sort_by_key(|l| std::cmp::Reverse(l.recency()));
    }

    /// The anchors.
    pub fn anchors(&self) -> impl Iterator<Item = &Arc<Certificate>> {
        self.anchors.iter().map(|a| &a.certificate)
    }

    /// The intermediates.
    pub fn intermediates(&self) -> &[Arc<Certificate>] {
        &self.intermediates
    }

    /// The root-program CTLs, newest first: the first is the one in force (see
    /// [`TrustStore::trust_list_in_force`]); the others still name roots by thumbprint.
    pub fn trust_lists(&self) -> &[Arc<TrustList>] {
        &self.root_programs
    }

    /// Whether `cert` (by its exact bytes) is an anchor.
    pub fn is_anchor(&self, cert: &Certificate) -> bool {
        self.anchor_ids.contains(&cert.sha256())
    }

    /// Store certificates whose subject matches `child`'s issuer (exact or RFC 5280
    /// equality), anchors first. `true` marks an anchor.
    pub(crate) fn issuers_of(&self, child: &Certificate) -> Vec<(bool, Arc<Certificate>)> {
        let issuer_der = child.issuer_der();
        let key = child.issuer_name_key().unwrap_or(issuer_der);
        let mut out: Vec<(bool, Arc<Certificate>)> = self
            .by_subject
            .get(key)
            .into_iter()
            .flatten()
            .filter_map(|&(anchor, i)| {
                let c = if anchor {
                    self.anchors.get(i).map(|a| &a.certificate)
                } else {
                    self.intermediates.get(i)
                };
                c.map(|c| (anchor, c.clone()))
            })
            .collect();
        // Exact-bytes matches first, anchors before intermediates.
        out.sort_by_key(|(anchor, c)| (c.subject_der() != issuer_der, !anchor));
        out
    }

    /// Whether an anchor of this store is the subject `identifier` of `list`.
    pub(crate) fn has_anchor_listed_as(&self, list: &TrustList, identifier: &[u8]) -> bool {
        if list.identifiers_are_sha1() {
            <[u8; 20]>::try_from(identifier).is_ok_and(|id| self.anchor_sha1s.contains(&id))
        } else {
            self.anchors
                .iter()
                .any(|a| list.identifier_of(&a.certificate) == identifier)
        }
    }

    /// Why `cert` must not be chained through, if it must not.
    pub(crate) fn distrust_reason(&self, cert: &Certificate) -> Option<String> {
        if self.distrusted.contains(&cert.sha256()) {
            return Some(format!("\"{}\" is marked distrusted", cert.subject()));
        }
        self.disallowed_lists
            .iter()
            .find(|l| l.entry_for(cert).is_some())
            .map(|l| {
                format!(
                    "\"{}\" is listed in the disallowed CTL of {}",
                    cert.subject(),
                    l.this_update
                )
            })
    }

    /// Applies the store's policy on the anchor that closes a path: a Windows built-in is
    /// judged by its documented purposes only; any other root by the newest root-program CTL
    /// when it lists the root; a root it does not list is trusted as the user installed it.
    pub(crate) fn anchor_policy(
        &self,
        anchor: &Certificate,
        purpose: &[ObjectIdentifier],
        leaf_not_before: UnixTime,
        at: UnixTime,
    ) -> Result<(), CtlRefusal> {
        let builtin = self
            .anchors
            .iter()
            .find(|a| a.certificate.sha256() == anchor.sha256())
            .and_then(|a| a.windows_builtin);
        if let Some(purposes) = builtin {
            return if purposes.allows(purpose) {
                Ok(())
            } else {
                Err(CtlRefusal::Purpose(format!(
                    "Windows trusts the built-in root \"{}\" only for other purposes",
                    anchor.subject()
                )))
            };
        }
        // The newest list decides for every root: an entry in an older list that the newer
        // one dropped or restricted does not apply.
        match self.trust_list_in_force().and_then(|l| l.entry_for(anchor)) {
            Some(entry) => entry.permits(purpose, leaf_not_before, at),
            None => Ok(()),
        }
    }

    /// The CTL entry that decides who vouches for a root the store lacks (issue 26): of
    /// the list in force and the `pinned` one (an offline machine's own list predates the
    /// roots it lacks), the newer that has an entry (`entry_of`) for it.
    pub(crate) fn deciding_entry<'a>(
        &'a self,
        pinned: Option<&'a Arc<TrustList>>,
        entry_of: impl Fn(&'a TrustList) -> Option<&'a ctl::TrustListEntry>,
    ) -> Option<(&'a Arc<TrustList>, &'a ctl::TrustListEntry)> {
        self.trust_list_in_force()
            .into_iter()
            .chain(pinned)
            .filter_map(|l| entry_of(l).map(|e| (l, e)))
            .max_by_key(|(l, _)| l.recency())
    }

    /// The root-program CTL whose policy applies: the newest loaded.
    pub fn trust_list_in_force(&self) -> Option<&Arc<TrustList>> {
        self.root_programs.first()
    }
}
