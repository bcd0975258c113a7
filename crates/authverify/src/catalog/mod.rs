//! Windows catalog files (`.cat`): a PKCS#7 SignedData whose content is a certificate trust
//! list of kind `szOID_CATALOG_LIST` (1.3.6.1.4.1.311.12.1.1). Each subject is a member: its
//! tag (the hash as hexadecimal text, or a name), and attributes — the hash as an
//! SpcIndirectDataContent (a PE member's Authenticode digest, type SPC_PE_IMAGE_DATA; a
//! cabinet's digest or any other file's flat hash, type SPC_CAB_DATA; the hash of another
//! subject interface package, such as an MSI package's content digest, type SPC_SIPINFO),
//! the member's file name and OS attributes as name/value pairs. Windows finds a file in a
//! catalog by that hash (CryptCATAdminCalcHashFromFileHandle, then the member tag).
//!
//! The catalog's own signature is an ordinary CMS signature over the list: the verifier
//! judges it like any Authenticode signature (`verify`), with the list in place of the
//! SpcIndirectDataContent. Parsing is bounded: every element is read from the bytes as
//! received, members are at most [`MAX_MEMBERS`], and errors are typed.

use const_oid::ObjectIdentifier;
use der::Tag;

use crate::asn1::{ctx, Tlv};
use crate::cms::signed_data::{parse_content_info, IndirectData};
use crate::digest::DigestAlgorithm;
use crate::error::CatalogError;
use crate::time::UnixTime;
use crate::x509::certificate::read_time;

/// OIDs of catalogs.
pub(crate) mod oid {
    use const_oid::ObjectIdentifier as Oid;
    /// szOID_CATALOG_LIST: the subjectUsage of a catalog.
    pub(crate) const CATALOG_LIST: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.12.1.1");
    /// szOID_CATNAMEVALUE: a name/value attribute (`File`, `OSAttr`, ...).
    pub(crate) const NAME_VALUE: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.12.2.1");
    pub(crate) use crate::cms::signed_data::oid::{
        CTL, SPC_CAB_DATA, SPC_INDIRECT_DATA, SPC_PE_IMAGE_DATA, SPC_SIPINFO,
    };
}

/// Most members read from one catalog (Windows' largest, nt5.cat, lists about 20,000).
pub const MAX_MEMBERS: usize = 1_000_000;

/// What a member's hash is of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum MemberKind {
    /// A PE image: the Authenticode digest.
    Pe,
    /// Any other file: the hash of its bytes, or a cabinet's digest (both SPC_CAB_DATA).
    Flat,
    /// A hash another subject interface package computed (SPC_SIPINFO), such as an MSI
    /// package's content digest.
    Sip,
}

/// One member of a catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CatalogMember {
    /// The subject identifier as text (the hash in hexadecimal for hashed members).
    pub tag: String,
    /// The hash's algorithm.
    pub digest_algorithm: DigestAlgorithm,
    /// The hash.
    pub digest: Vec<u8>,
    /// What the hash is of.
    pub kind: MemberKind,
    /// The `File` name/value attribute, when present.
    pub file_name: Option<String>,
    /// The `OSAttr` name/value attribute (the Windows versions the member is for, e.g.
    /// `2:6.1,2:6.2`), when present.
    pub os_attributes: Option<String>,
}

/// A parsed catalog: its list and where its signature's content lies.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Catalog {
    /// The members, in the order listed.
    pub members: Vec<CatalogMember>,
    /// Members whose hash could not be read (counted, not listed).
    pub unreadable_members: usize,
    /// ctlThisUpdate.
    pub this_update: UnixTime,
}

/// The CertificateTrustList `list` is a catalog list (its subjectUsage holds
/// szOID_CATALOG_LIST).
pub(crate) fn is_catalog_list(list: &Tlv<'_>) -> bool {
    let Ok(seq) = list.expect_tag(Tag::Sequence, "CertificateTrustList") else {
        return false;
    };
    let mut r = seq.contents();
    if r.peek_tag() == Some(Tag::Integer) && r.read("version").is_err() {
        return false;
    }
    r.expect_tag(Tag::Sequence, "subjectUsage")
        .ok()
        .is_some_and(|usage| oids(&usage).contains(&oid::CATALOG_LIST))
}

fn oids(t: &Tlv<'_>) -> Vec<ObjectIdentifier> {
    let mut out = Vec::new();
    let mut r = t.contents();
    while let Ok(o) = r.expect_tag(Tag::ObjectIdentifier, "OID") {
        match o.decode("OID") {
            Ok(v) => out.push(v),
            Err(_) => break,
        }
    }
    out
}

impl Catalog {
    /// Parses the list of the catalog file `data` (its signature is the verifier's to judge).
    pub fn parse(data: &[u8]) -> Result<Self, CatalogError> {
        let (sd, _) = parse_content_info(data, 0)?;
        if sd.content_type != oid::CTL {
            return Err(CatalogError::NotACatalog {
                detail: format!("content type {}, not a certificate trust list", sd.content_type),
            });
        }
        let content = sd.content.ok_or(CatalogError::NotACatalog {
            detail: "no content".into(),
        })?;
        Self::parse_list(&content.element)
    }

    /// Parses a CertificateTrustList of catalog kind.
    pub(crate) fn parse_list(list: &Tlv<'_>) -> Result<Self, CatalogError> {
        let mut r = list.expect_tag(Tag::Sequence, "CertificateTrustList")?.contents();
        if r.peek_tag() == Some(Tag::Integer) {
            r.read("CertificateTrustList.version")?;
        }
        let usage = r.expect_tag(Tag::Sequence, "CertificateTrustList.subjectUsage")?;
        if !oids(&usage).contains(&oid::CATALOG_LIST) {
            return Err(CatalogError::NotACatalog {
                detail: "the trust list is not a catalog list (szOID_CATALOG_LIST)".into(),
            });
        }
        r.optional(Tag::OctetString, "CertificateTrustList.listIdentifier")?;
        r.optional(Tag::Integer, "CertificateTrustList.sequenceNumber")?;
        let this_update = read_time(r.read("CertificateTrustList.ctlThisUpdate")?)?;
        if matches!(r.peek_tag(), Some(Tag::UtcTime | Tag::GeneralizedTime)) {
            r.read("CertificateTrustList.ctlNextUpdate")?;
        }
        r.expect_tag(Tag::Sequence, "CertificateTrustList.subjectAlgorithm")?;
        let mut catalog = Catalog {
            members: Vec::new(),
            unreadable_members: 0,
            this_update,
        };
        if let Some(subjects) = r.optional(Tag::Sequence, "CertificateTrustList.trustedSubjects")? {
            let mut s = subjects.contents();
            while !s.is_empty() {
                if catalog.members.len().saturating_add(catalog.unreadable_members) >= MAX_MEMBERS {
                    return Err(CatalogError::TooManyMembers { limit: MAX_MEMBERS });
                }
                match member(s.expect_tag(Tag::Sequence, "TrustedSubject")?)? {
                    Some(m) => catalog.members.push(m),
                    None => catalog.unreadable_members = catalog.unreadable_members.saturating_add(1),
                }
            }
        }
        r.optional(ctx(0, true), "CertificateTrustList.ctlExtensions")?;
        r.finish("CertificateTrustList")?;
        Ok(catalog)
    }

    /// The members whose hash is `digest` in `algorithm`.
    pub fn members_with<'s>(
        &'s self,
        algorithm: DigestAlgorithm,
        digest: &'s [u8],
    ) -> impl Iterator<Item = &'s CatalogMember> + 's {
        self.members
            .iter()
            .filter(move |m| m.digest_algorithm == algorithm && m.digest == digest)
    }
}

/// A TrustedSubject as a member: `None` when it carries no hash this crate reads (an
/// unknown digest algorithm or data type), which is counted rather than fatal.
fn member(subject: Tlv<'_>) -> Result<Option<CatalogMember>, CatalogError> {
    let mut r = subject.contents();
    let id = r.expect_tag(Tag::OctetString, "TrustedSubject.subjectIdentifier")?;
    let tag = utf16_or_hex(id.value);
    let mut hash = None;
    let mut file_name = None;
    let mut os_attributes = None;
    if let Some(attrs) = r.optional(Tag::Set, "TrustedSubject.subjectAttributes")? {
        let mut a = attrs.contents();
        while !a.is_empty() {
            let attr = a.expect_tag(Tag::Sequence, "catalog member attribute")?;
            let mut f = attr.contents();
            let kind: ObjectIdentifier = f
                .expect_tag(Tag::ObjectIdentifier, "attribute type")?
                .decode("attribute type")?;
            let values = f.expect_tag(Tag::Set, "attribute values")?;
            let Ok(value) = values.contents().read("attribute value") else {
                continue;
            };
            if kind == oid::SPC_INDIRECT_DATA {
                let indirect = IndirectData::parse(&value)?;
                let member_kind = match indirect.data_type {
                    t if t == oid::SPC_PE_IMAGE_DATA => Some(MemberKind::Pe),
                    t if t == oid::SPC_CAB_DATA => Some(MemberKind::Flat),
                    t if t == oid::SPC_SIPINFO => Some(MemberKind::Sip),
                    _ => None,
                };
                if let (Some(k), Some(alg)) = (member_kind, DigestAlgorithm::from_oid(&indirect.digest_algorithm)) {
                    hash = Some((k, alg, indirect.digest.to_vec()));
                }
            } else if kind == oid::NAME_VALUE {
                match name_value(&value) {
                    Some((name, value)) if name.eq_ignore_ascii_case("File") => file_name = Some(value),
                    Some((name, value)) if name.eq_ignore_ascii_case("OSAttr") => os_attributes = Some(value),
                    _ => {}
                }
            }
        }
    }
    Ok(hash.map(|(kind, digest_algorithm, digest)| CatalogMember {
        tag,
        digest_algorithm,
        digest,
        kind,
        file_name,
        os_attributes,
    }))
}

/// A CatNameValue: SEQUENCE { tag BMPString, flags INTEGER, value OCTET STRING (UTF-16LE) }.
fn name_value(t: &Tlv<'_>) -> Option<(String, String)> {
    let mut r = t.expect_tag(Tag::Sequence, "CatNameValue").ok()?.contents();
    let name = r.expect_tag(Tag::BmpString, "CatNameValue.tag").ok()?;
    r.expect_tag(Tag::Integer, "CatNameValue.flags").ok()?;
    let value = r.expect_tag(Tag::OctetString, "CatNameValue.value").ok()?;
    let name: String = char::decode_utf16(
        name.value
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c.first().copied().unwrap_or(0), c.get(1).copied().unwrap_or(0)])),
    )
    .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
    .collect();
    Some((name, utf16_or_hex(value.value)))
}

/// UTF-16LE text up to its NUL, or the bytes in hexadecimal when they are not text.
fn utf16_or_hex(bytes: &[u8]) -> String {
    if bytes.len().is_multiple_of(2) {
        let text: String = crate::num::utf16le(bytes).take_while(|&c| c != '\0').collect();
        if !text.is_empty() && !text.contains(char::REPLACEMENT_CHARACTER) && text.chars().all(|c| !c.is_control()) {
            return text;
        }
    }
    hex::encode_upper(bytes)
}
