//! Trust material: anchors (the Windows "Root" store), extra path material (the "CA"
//! store), distrusted certificates (the "Disallowed" store) and certificate trust lists,
//! loaded from files the user names or from the built-in certificate set.
//!
//! Supported inputs, detected by content: DER certificates, PEM bundles (certificates and
//! PKCS#7), PKCS#7 `.p7b`/`.p7c` bundles, Microsoft serialized stores (`.sst`), CTLs
//! (`authroot.stl`, `disallowedcert.stl`), and directories of any of these, including the
//! layout `CertUtil -syncWithWU DIR` writes.

pub mod builtin;
pub mod ctl;
pub(crate) mod hive;
pub mod plan;
pub mod registry;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use const_oid::ObjectIdentifier;

use crate::error::{CertificateError, TrustError};
use crate::time::UnixTime;
use crate::trust::ctl::{CtlRefusal, TrustList, TrustListKind, VerifiedTrustList};
use crate::x509::certificate::Certificate;
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

/// The contents of one trust file.
#[derive(Debug)]
#[non_exhaustive]
pub enum TrustMaterial {
    /// Certificates (DER, PEM, p7b, SST).
    Certificates(Vec<Certificate>),
    /// A certificate trust list.
    TrustList(TrustList),
    /// A registry export of certificate stores: each certificate's role comes from its
    /// store, not from the role it was loaded with.
    Registry(registry::RegistryExport),
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

/// File extensions a directory load reads.
pub(crate) const TRUST_EXTENSIONS: &[&str] = &[
    "crt", "cer", "der", "pem", "p7b", "p7c", "sst", "stl", "cab", "reg", "hiv",
];

/// Cabinet magic.
pub(crate) const CAB_MAGIC: &[u8] = b"MSCF";

/// The members of a cabinet (uncompressed or MSZIP; see `cabinet.rs`), bounded in count
/// and size; anything else is a typed error for this file.
pub fn read_cabinet(bytes: &[u8], source: &str) -> Result<Vec<(String, Vec<u8>)>, TrustError> {
    match crate::cab::members::members(bytes) {
        Ok(members) if members.is_empty() => Err(TrustError::Cabinet {
            path: source.to_string(),
            detail: "no members".into(),
        }),
        Ok(members) => Ok(members),
        Err(detail) => Err(TrustError::Cabinet {
            path: source.to_string(),
            detail,
        }),
    }
}

/// Serialized-store magic: version 0 then "CERT".
const SST_MAGIC: [u8; 8] = [0, 0, 0, 0, b'C', b'E', b'R', b'T'];

/// Detects the format of one trust file and parses it.
pub fn parse_material(bytes: &[u8], source: &str) -> Result<TrustMaterial, TrustError> {
    if registry::is_reg_export(bytes) {
        return registry::parse_reg_export(bytes, source).map(TrustMaterial::Registry);
    }
    if hive::is_hive(bytes) {
        return registry::parse_hive(bytes, source).map(TrustMaterial::Registry);
    }
    if bytes.starts_with(&SST_MAGIC) {
        return parse_sst(bytes, source).map(TrustMaterial::Certificates);
    }
    if bytes.first() == Some(&0x30) {
        // A certificate, or a ContentInfo: a CTL or a certificates-only PKCS#7.
        let cert_err = match Certificate::from_der(bytes) {
            Ok(c) => return Ok(TrustMaterial::Certificates(vec![c])),
            Err(e) => e,
        };
        return match crate::cms::signed_data::parse_content_info(bytes, 0) {
            Ok((sd, _)) if sd.content_type == ctl::oid::CTL => TrustList::parse(bytes)
                .map(TrustMaterial::TrustList)
                .map_err(|e| TrustError::TrustList {
                    path: source.to_string(),
                    source: e,
                }),
            Ok((sd, _)) => pkcs7_certificates(&sd, source).map(TrustMaterial::Certificates),
            Err(_) if looks_like_certificate(bytes) => Err(TrustError::Certificate {
                path: source.to_string(),
                index: 0,
                source: cert_err,
            }),
            Err(e) => Err(TrustError::Pkcs7 {
                path: source.to_string(),
                source: e,
            }),
        };
    }
    parse_pem(bytes, source)
}

/// A DER SEQUENCE whose first element is itself a SEQUENCE (TBSCertificate) rather than an
/// OID (ContentInfo): report certificate errors for it, not PKCS#7 errors.
fn looks_like_certificate(bytes: &[u8]) -> bool {
    let mut r = crate::asn1::RawReader::new(bytes, 0);
    r.read("outer")
        .ok()
        .and_then(|outer| outer.contents().peek_tag())
        .is_some_and(|t| t == der::Tag::Sequence)
}

fn pkcs7_certificates(
    sd: &crate::cms::signed_data::SignedData<'_>,
    source: &str,
) -> Result<Vec<Certificate>, TrustError> {
    let mut out = Vec::new();
    for (index, c) in sd.certificates.iter().enumerate() {
        out.push(Certificate::from_der(c.raw).map_err(|e| TrustError::Certificate {
            path: source.to_string(),
            index,
            source: e,
        })?);
    }
    if out.is_empty() {
        return Err(TrustError::NoCertificates {
            path: source.to_string(),
        });
    }
    Ok(out)
}

/// Maximum elements of one serialized store (bounds hostile input).
const SST_MAX_ELEMENTS: usize = 1_000_000;

/// One element of a serialized store, or of a registry `Blob` (the same layout,
/// [MS-OSHARED] §2.3.2.5): `{u32 id, u32 encoding, u32 length, value}` little-endian.
pub(crate) struct Element<'a> {
    /// The element's identifier (0x20 a certificate; 0 ends the sequence).
    pub(crate) id: u32,
    /// Its value.
    pub(crate) value: &'a [u8],
}

/// Why an element cannot be read.
pub(crate) enum ElementError {
    /// Fewer than 12 header bytes at `offset`.
    Truncated { offset: usize },
    /// The element at `offset` claims `len` bytes the input does not hold.
    PastEnd { offset: usize, id: u32, len: u32 },
}

/// The elements of `bytes` from `start` to its end or to an id-0 end marker (yielded, with
/// no value). Each element is at least 12 bytes, so the walk is linear in the input.
pub(crate) fn elements(bytes: &[u8], start: usize) -> impl Iterator<Item = Result<Element<'_>, ElementError>> {
    let mut next = Some(start);
    std::iter::from_fn(move || {
        let at = next.take().filter(|&p| p < bytes.len())?;
        let Some(id) = crate::num::le_u32(bytes, at) else {
            return Some(Err(ElementError::Truncated { offset: at }));
        };
        if id == 0 {
            return Some(Ok(Element { id, value: &[] }));
        }
        let Some(len) = crate::num::le_u32(bytes, at.saturating_add(8)) else {
            return Some(Err(ElementError::Truncated { offset: at }));
        };
        let start = at.saturating_add(12);
        let Some(end) = usize::try_from(len)
            .ok()
            .and_then(|l| start.checked_add(l))
            .filter(|&e| e <= bytes.len())
        else {
            return Some(Err(ElementError::PastEnd { offset: at, id, len }));
        };
        next = Some(end);
        Some(Ok(Element {
            id,
            value: bytes.get(start..end).unwrap_or_default(),
        }))
    })
}

/// Parses a Microsoft serialized certificate store ([MS-OSHARED] §2.3.2.5, Wine crypt32
/// `serialize.c`): after the 8-byte header, the serialized elements (`elements`); id 0x20 is a certificate, 0x21 a
/// CRL, 0x22 a CTL, 0 ends the store, anything else is a property of the next certificate.
/// Stores written without the end marker exist; what was read is complete.
pub fn parse_sst(bytes: &[u8], source: &str) -> Result<Vec<Certificate>, TrustError> {
    let err = |offset: usize, detail: String| TrustError::SerializedStore {
        path: source.to_string(),
        offset,
        detail,
    };
    let mut out = Vec::new();
    for element in elements(bytes, SST_MAGIC.len()).take(SST_MAX_ELEMENTS) {
        let e = element.map_err(|e| match e {
            ElementError::Truncated { offset } => err(offset, "truncated element header".into()),
            ElementError::PastEnd { offset, len, .. } => {
                err(offset, format!("element of {len} bytes runs past the end of the file"))
            }
        })?;
        if e.id == 0 {
            break;
        }
        if e.id == 0x20 {
            out.push(
                Certificate::from_der(e.value).map_err(|e: CertificateError| TrustError::Certificate {
                    path: source.to_string(),
                    index: out.len(),
                    source: e,
                })?,
            );
        }
    }
    if out.is_empty() {
        return Err(TrustError::NoCertificates {
            path: source.to_string(),
        });
    }
    Ok(out)
}

/// Parses a PEM bundle of certificates and/or PKCS#7 blocks.
fn parse_pem(bytes: &[u8], source: &str) -> Result<TrustMaterial, TrustError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) if t.contains("-----BEGIN ") => t,
        _ => {
            return Err(TrustError::UnknownFormat {
                path: source.to_string(),
            })
        }
    };
    let mut out = Vec::new();
    let mut block: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("-----BEGIN ") {
            block = Some(format!("{line}\n"));
        } else if let Some(b) = block.as_mut() {
            b.push_str(line);
            b.push('\n');
            if line.starts_with("-----END") {
                let (label, der) = pem_rfc7468::decode_vec(b.as_bytes()).map_err(|e| TrustError::Pem {
                    path: source.to_string(),
                    detail: e.to_string(),
                })?;
                match label {
                    "CERTIFICATE" | "X509 CERTIFICATE" => {
                        out.push(Certificate::from_der(&der).map_err(|e| TrustError::Certificate {
                            path: source.to_string(),
                            index: out.len(),
                            source: e,
                        })?)
                    }
                    "PKCS7" | "CMS" => match parse_material(&der, source)? {
                        TrustMaterial::Certificates(c) => out.extend(c),
                        TrustMaterial::TrustList(_) | TrustMaterial::Registry(_) => {
                            return Err(TrustError::Pem {
                                path: source.to_string(),
                                detail: "a CTL inside PEM is not supported; use the .stl file".into(),
                            })
                        }
                    },
                    // Keys, CRLs and requests in a bundle are not trust material.
                    _ => {}
                }
                block = None;
            }
        }
    }
    if block.is_some() {
        return Err(TrustError::Pem {
            path: source.to_string(),
            detail: "BEGIN without END".into(),
        });
    }
    if out.is_empty() {
        return Err(TrustError::NoCertificates {
            path: source.to_string(),
        });
    }
    Ok(TrustMaterial::Certificates(out))
}
