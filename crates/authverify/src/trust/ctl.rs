//! Certificate trust lists: Microsoft's `authroot.stl` (the root program, with per-root
//! policy) and `disallowedcert.stl` (certificates that must never chain).
//!
//! A CTL is a CMS SignedData whose content is `CertificateTrustList` ([MS-CAESO]); each
//! subject is a thumbprint plus attributes `1.3.6.1.4.1.311.10.11.<property id>` whose
//! values are CryptoAPI certificate properties (docs/authenticode-notes.md §3.2). The list is
//! checked like any signature: messageDigest over the content as received, the signer's
//! signature over its signed attributes as received, and the signer's chain to a pinned
//! publisher root at `ctlThisUpdate` (the publisher certificate lives about a year and the CTL
//! carries no timestamp, so an archived CTL is only verifiable at its own date).

use std::sync::Arc;

use const_oid::ObjectIdentifier;
use der::Tag;
use md5::Digest as _;

use crate::asn1::{ctx, Tlv};
use crate::cms::signed_data::{parse_content_info, SignerInfo};
use crate::error::{Asn1Error, TrustListError};
use crate::time::UnixTime;
use crate::x509::certificate::{read_time, Certificate};

/// OIDs of CTLs.
pub(crate) mod oid {
    /// szOID_CTL: the eContentType of a CTL.
    pub(crate) use crate::cms::signed_data::oid::CTL;
    use const_oid::ObjectIdentifier as Oid;
    /// szOID_DISALLOWED_LIST: subjectUsage of disallowedcert.stl.
    pub(crate) const DISALLOWED_LIST: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.10.3.30");
    // One definition per OID: the CTL's subject algorithms are the digest OIDs, and
    // szOID_ROOT_LIST_SIGNER (authroot.stl's subjectUsage) is the EKU of its signer.
    pub(crate) use crate::x509::algorithms::oid::{MD5, SHA1, SHA256};
    pub(crate) use crate::x509::certificate::eku::ROOT_LIST_SIGNER;
}

/// A CTL whose publisher chains to a publisher root at its ctlThisUpdate: the only form
/// a [`crate::TrustStore`] accepts. Made by `loading.rs` (`TrustStore::add_trust_list`),
/// which checks the publisher with the path builder a layer above the store.
#[derive(Debug)]
pub(crate) struct VerifiedTrustList(pub(crate) TrustList);

/// What a CTL lists.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum TrustListKind {
    /// `authroot.stl`: the roots of Microsoft's root program, with their policy.
    RootProgram,
    /// `disallowedcert.stl`: certificates that must never chain.
    Disallowed,
}

/// How a CTL identifies its subjects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SubjectAlgorithm {
    Sha1,
    Sha256,
    Md5,
}

impl SubjectAlgorithm {
    fn thumbprint(self, cert: &Certificate) -> Vec<u8> {
        match self {
            Self::Sha1 => cert.sha1().to_vec(),
            Self::Sha256 => cert.sha256().to_vec(),
            Self::Md5 => md5::Md5::digest(cert.der()).to_vec(),
        }
    }
}

/// One subject of a CTL with the properties this library applies or reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrustListEntry {
    /// The subject identifier (a thumbprint of the certificate).
    pub identifier: Vec<u8>,
    /// Property 11: friendly name.
    pub friendly_name: Option<String>,
    /// Property 9: EKUs the root is trusted for; `None` = every purpose.
    pub ekus: Option<Vec<ObjectIdentifier>>,
    /// Property 20: the root's key identifier (its SKI).
    pub key_id: Option<Vec<u8>>,
    /// Property 29: MD5 of the DER subject Name.
    pub subject_name_md5: Option<Vec<u8>>,
    /// Property 98: SHA-256 of the certificate.
    pub sha256: Option<Vec<u8>>,
    /// Property 104: the "disable" date: signatures at or after it no longer validate.
    pub disabled_at: Option<UnixTime>,
    /// Property 122: the EKUs the disable date applies to (`None` = all).
    pub disabled_ekus: Option<Vec<ObjectIdentifier>>,
    /// Property 126: the "NotBefore" date: end-entity certificates issued at or after it are
    /// no longer trusted.
    pub not_before: Option<UnixTime>,
    /// Property 127: the EKUs the NotBefore date applies to (`None` = all).
    pub not_before_ekus: Option<Vec<ObjectIdentifier>>,
}

/// Why a CTL entry refuses a chain.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CtlRefusal {
    /// The root is not trusted for the purpose (prop 9, or 122/127 without a date).
    Purpose(String),
    /// The disable or NotBefore date applies.
    Disabled(String),
}

fn applies(scope: &Option<Vec<ObjectIdentifier>>, purpose: &[ObjectIdentifier]) -> bool {
    scope
        .as_ref()
        .is_none_or(|ekus| purpose.iter().any(|p| ekus.contains(p)))
}

impl TrustListEntry {
    /// Applies the entry's policy (signify's `CertificateTrustSubject.verify_trust`, after
    /// Microsoft's deprecation semantics): `purpose` are the EKUs that grant the purpose,
    /// `leaf_not_before` the end-entity certificate's notBefore, `at` the evaluation time
    /// (the verified timestamp, or the caller's time).
    pub fn permits(
        &self,
        purpose: &[ObjectIdentifier],
        leaf_not_before: UnixTime,
        at: UnixTime,
    ) -> Result<(), CtlRefusal> {
        let name = self.friendly_name.as_deref().unwrap_or("root");
        if let Some(ekus) = &self.ekus {
            if !purpose.iter().any(|p| ekus.contains(p)) {
                return Err(CtlRefusal::Purpose(format!(
                    "the root program trusts \"{name}\" only for {}",
                    eku_list(ekus)
                )));
            }
        }
        // NotBefore compares the end-entity certificate's issuance, the disable date the
        // instant the signature is judged at; both may be scoped to some EKUs, and a scope
        // without a date removes those EKUs outright.
        dated_rule(
            self.not_before,
            &self.not_before_ekus,
            leaf_not_before,
            purpose,
            |d| {
                format!("the root program's NotBefore date for \"{name}\" is {d}: end-entity certificates issued after it (this one: {leaf_not_before}) are not trusted")
            },
            || format!("the root program removed this purpose from \"{name}\" (NotBefore EKUs without a date)"),
        )?;
        dated_rule(
            self.disabled_at,
            &self.disabled_ekus,
            at,
            purpose,
            |d| format!("the root program disabled \"{name}\" at {d}; the signature is judged at {at}"),
            || format!("the root program removed this purpose from \"{name}\" (disabled EKUs without a date)"),
        )?;
        Ok(())
    }
}

/// One dated CTL restriction: refused when `value` is at or after `date` and the purpose is in
/// `scope` (absent scope = every purpose); a scope without a date refuses its EKUs.
fn dated_rule(
    date: Option<UnixTime>,
    scope: &Option<Vec<ObjectIdentifier>>,
    value: UnixTime,
    purpose: &[ObjectIdentifier],
    dated: impl FnOnce(UnixTime) -> String,
    undated: impl FnOnce() -> String,
) -> Result<(), CtlRefusal> {
    match date {
        Some(d) if value >= d && applies(scope, purpose) => Err(CtlRefusal::Disabled(dated(d))),
        Some(_) => Ok(()),
        None if scope.as_ref().is_some_and(|e| purpose.iter().any(|p| e.contains(p))) => {
            Err(CtlRefusal::Purpose(undated()))
        }
        None => Ok(()),
    }
}

fn eku_list(ekus: &[ObjectIdentifier]) -> String {
    if ekus.is_empty() {
        return "no purpose".into();
    }
    ekus.iter()
        .map(|e| crate::x509::certificate::eku::name(e).map_or_else(|| e.to_string(), str::to_string))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A parsed certificate trust list whose own signature verified.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TrustList {
    /// What the list is.
    pub kind: TrustListKind,
    /// sequenceNumber, lowercase hex (callers track it to refuse rollbacks).
    pub sequence_number: Option<String>,
    /// ctlThisUpdate.
    pub this_update: UnixTime,
    /// ctlNextUpdate.
    pub next_update: Option<UnixTime>,
    pub(crate) subject_algorithm: SubjectAlgorithm,
    /// The subjects, in the list's order.
    pub entries: Vec<TrustListEntry>,
    /// The certificate that signed the list.
    pub signer: Arc<Certificate>,
    /// Certificates the list carries (its signer chain).
    pub(crate) certificates: Vec<Arc<Certificate>>,
}

/// Maximum subjects in one CTL: the real authroot.stl has ~515; this bounds allocation on
/// hostile input while leaving two orders of magnitude of room.
const MAX_ENTRIES: usize = 100_000;

impl TrustList {
    /// What "newer" means between two lists of the same kind: the sequenceNumber as an
    /// unsigned integer (compared by length without leading zeros, then digits), then
    /// ctlThisUpdate.
    pub(crate) fn recency(&self) -> ((usize, String), UnixTime) {
        let seq = self
            .sequence_number
            .as_deref()
            .unwrap_or_default()
            .trim_start_matches('0')
            .to_ascii_lowercase();
        ((seq.len(), seq), self.this_update)
    }

    /// Parses a CTL and checks its signature (messageDigest and the signer's signature).
    /// Whether the signer is a legitimate publisher is checked separately by the trust store
    /// ([`crate::TrustStore::add_trust_list`]), which knows the publisher roots.
    pub fn parse(der: &[u8]) -> Result<Self, TrustListError> {
        let (sd, _trailing) = parse_content_info(der, 0)?;
        if sd.content_type != oid::CTL {
            return Err(TrustListError::NotATrustList {
                oid: sd.content_type.to_string(),
            });
        }
        let content = sd.content.ok_or(TrustListError::NotATrustList {
            oid: "(no content)".into(),
        })?;
        let mut notes = Vec::new();
        let certificates = crate::cms::signer::decode_certificates(&sd.certificates, &mut notes, None);
        let si_tlv = match sd.signer_infos.as_slice() {
            [one] => one,
            other => {
                return Err(TrustListError::Signature(format!(
                    "expected one SignerInfo, found {}",
                    other.len()
                )))
            }
        };
        let si = SignerInfo::parse(si_tlv)?;
        let signer = crate::cms::signer::find_signer(&si.sid, &[&certificates])
            .ok_or_else(|| TrustListError::Signature("the signer's certificate is not in the CTL".into()))?;
        crate::cms::signer::check(
            &si,
            Some(oid::CTL),
            content.digested,
            &signer,
            &crate::policy::Policy::windows(),
            false,
            crate::cms::signer::SignerRole::TrustList,
        )
        .map_err(|f| TrustListError::Signature(f.detail))?;
        let c = parse_content(&content.element)?;
        Ok(TrustList {
            kind: c.kind,
            sequence_number: c.sequence_number,
            this_update: c.this_update,
            next_update: c.next_update,
            subject_algorithm: c.subject_algorithm,
            entries: c.entries,
            signer,
            certificates,
        })
    }

    /// The entry for `cert`, matched by the thumbprint kind the list declares.
    pub fn entry_for(&self, cert: &Certificate) -> Option<&TrustListEntry> {
        let id = self.subject_algorithm.thumbprint(cert);
        self.entries.iter().find(|e| e.identifier == id)
    }

    /// Entries whose subject-name MD5 (prop 29) is MD5(`name_der`): how Windows resolves an
    /// issuer it does not hold.
    pub(crate) fn entries_for_subject<'a>(&'a self, name_der: &[u8]) -> impl Iterator<Item = &'a TrustListEntry> + 'a {
        let md5 = md5::Md5::digest(name_der).to_vec();
        self.entries
            .iter()
            .filter(move |e| e.subject_name_md5.as_deref() == Some(md5.as_slice()))
    }

    /// How this list identifies `cert`.
    pub(crate) fn identifier_of(&self, cert: &Certificate) -> Vec<u8> {
        self.subject_algorithm.thumbprint(cert)
    }

    /// Whether identifiers are SHA-1 thumbprints (then they are also CertUtil file names).
    pub(crate) fn identifiers_are_sha1(&self) -> bool {
        self.subject_algorithm == SubjectAlgorithm::Sha1
    }
}

/// The CertificateTrustList fields.
struct Content {
    kind: TrustListKind,
    sequence_number: Option<String>,
    this_update: UnixTime,
    next_update: Option<UnixTime>,
    subject_algorithm: SubjectAlgorithm,
    entries: Vec<TrustListEntry>,
}

fn parse_content(element: &Tlv<'_>) -> Result<Content, TrustListError> {
    let mut r = element.expect_tag(Tag::Sequence, "CertificateTrustList")?.contents();
    if r.peek_tag() == Some(Tag::Integer) {
        r.read("CertificateTrustList.version")?;
    }
    let usage = r.expect_tag(Tag::Sequence, "CertificateTrustList.subjectUsage")?;
    let usages = oid_sequence(&usage, "subjectUsage")?;
    let kind = if usages.contains(&oid::DISALLOWED_LIST) {
        TrustListKind::Disallowed
    } else if usages.contains(&oid::ROOT_LIST_SIGNER) {
        TrustListKind::RootProgram
    } else {
        return Err(TrustListError::NotATrustList {
            oid: format!(
                "CTL for {}",
                usages.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            ),
        });
    };
    r.optional(Tag::OctetString, "CertificateTrustList.listIdentifier")?;
    let sequence_number = r
        .optional(Tag::Integer, "CertificateTrustList.sequenceNumber")?
        .map(|t| hex::encode(t.value));
    let this_update = read_time(r.read("CertificateTrustList.ctlThisUpdate")?)?;
    let next_update = match r.peek_tag() {
        Some(Tag::UtcTime | Tag::GeneralizedTime) => Some(read_time(r.read("ctlNextUpdate")?)?),
        _ => None,
    };
    let alg = r.expect_tag(Tag::Sequence, "CertificateTrustList.subjectAlgorithm")?;
    let alg_oid = crate::x509::algorithms::algorithm_oid(&alg, "CertificateTrustList.subjectAlgorithm")?;
    let subject_algorithm = match alg_oid {
        o if o == oid::SHA1 => SubjectAlgorithm::Sha1,
        o if o == oid::SHA256 => SubjectAlgorithm::Sha256,
        o if o == oid::MD5 => SubjectAlgorithm::Md5,
        o => return Err(TrustListError::UnsupportedSubjectAlgorithm { oid: o.to_string() }),
    };
    let mut entries = Vec::new();
    if let Some(subjects) = r.optional(Tag::Sequence, "CertificateTrustList.trustedSubjects")? {
        let mut s = subjects.contents();
        while !s.is_empty() {
            if entries.len() >= MAX_ENTRIES {
                return Err(TrustListError::TooManyEntries { limit: MAX_ENTRIES });
            }
            entries.push(parse_entry(s.expect_tag(Tag::Sequence, "TrustedSubject")?)?);
        }
    }
    r.optional(ctx(0, true), "CertificateTrustList.ctlExtensions")?;
    r.finish("CertificateTrustList")?;
    Ok(Content {
        kind,
        sequence_number,
        this_update,
        next_update,
        subject_algorithm,
        entries,
    })
}

fn oid_sequence(t: &Tlv<'_>, what: &'static str) -> Result<Vec<ObjectIdentifier>, Asn1Error> {
    let mut out = Vec::new();
    let mut r = t.contents();
    while !r.is_empty() {
        out.push(r.expect_tag(Tag::ObjectIdentifier, what)?.decode(what)?);
    }
    Ok(out)
}

/// The property id of an attribute type `1.3.6.1.4.1.311.10.11.<id>`, from the OID's
/// content bytes; `None` for any other OID.
fn property_id(oid_content: &[u8]) -> Option<u32> {
    // 1.3.6.1.4.1.311.10.11 = 2b 06 01 04 01 82 37 0a 0b
    const PREFIX: [u8; 9] = [0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x0a, 0x0b];
    let rest = oid_content.strip_prefix(&PREFIX)?;
    // One base-128 arc: 7 bits per byte, high bit set on all but the last.
    let mut id: u32 = 0;
    for (i, b) in rest.iter().enumerate() {
        id = id.checked_mul(128)?.checked_add(u32::from(b & 0x7f))?;
        if b & 0x80 == 0 {
            return (i.saturating_add(1) == rest.len()).then_some(id);
        }
    }
    None
}

/// FILETIME (100 ns ticks since 1601-01-01 UTC, little-endian) to Unix time.
fn filetime(bytes: &[u8]) -> Option<UnixTime> {
    let raw: [u8; 8] = bytes.try_into().ok()?;
    let secs = u64::from_le_bytes(raw) / 10_000_000;
    secs.checked_sub(11_644_473_600).map(UnixTime::from_secs)
}

/// A NUL-terminated UTF-16LE string.
fn utf16le(bytes: &[u8]) -> String {
    crate::num::utf16le(bytes).take_while(|&c| c != '\0').collect()
}

fn parse_entry(t: Tlv<'_>) -> Result<TrustListEntry, Asn1Error> {
    let mut r = t.contents();
    let mut entry = TrustListEntry {
        identifier: r
            .expect_tag(Tag::OctetString, "TrustedSubject.subjectIdentifier")?
            .value
            .to_vec(),
        ..TrustListEntry::default()
    };
    if let Some(attrs) = r.optional(Tag::Set, "TrustedSubject.subjectAttributes")? {
        let mut a = attrs.contents();
        while !a.is_empty() {
            let attr = a.expect_tag(Tag::Sequence, "CTL subject attribute")?;
            let mut f = attr.contents();
            let id = f.expect_tag(Tag::ObjectIdentifier, "CTL attribute type")?;
            let values = f.expect_tag(Tag::Set, "CTL attribute values")?;
            let value = values
                .contents()
                .expect_tag(Tag::OctetString, "CTL attribute value")?
                .value;
            // Compared as encoded bytes: a CTL has thousands of attributes, and rendering
            // each OID as text dominated loading the pinned authroot.stl.
            let Some(prop) = property_id(id.value) else {
                continue;
            };
            let ekus = || -> Result<Vec<ObjectIdentifier>, Asn1Error> {
                let t = Tlv::parse_exact(value, attr.offset, "CTL EKU property")?;
                oid_sequence(&t.expect_tag(Tag::Sequence, "CTL EKU property")?, "CTL EKU property")
            };
            match prop {
                9 => entry.ekus = Some(ekus()?),
                11 => entry.friendly_name = Some(utf16le(value)),
                20 => entry.key_id = Some(value.to_vec()),
                29 => entry.subject_name_md5 = Some(value.to_vec()),
                98 => entry.sha256 = Some(value.to_vec()),
                104 => entry.disabled_at = filetime(value),
                122 => entry.disabled_ekus = Some(ekus()?),
                126 => entry.not_before = filetime(value),
                127 => entry.not_before_ekus = Some(ekus()?),
                // 83 (EV policies), 105 (chain policies) and others do not bear on code
                // signing chains.
                _ => {}
            }
        }
    }
    Ok(entry)
}
