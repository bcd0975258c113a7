//! PKCS#7 / CMS SignedData as Authenticode uses it, kept as raw spans.
//!
//! `cms::SignedData` decodes all or nothing with strict certificates, so one odd embedded
//! certificate would sink the whole signature; here the certificate bag is taken raw and
//! each certificate is decoded on its own (docs/ARCHITECTURE.md, "CMS layer").

use const_oid::ObjectIdentifier;
use der::Tag;

use crate::asn1::{ctx, RawReader, Tlv};
use crate::error::SignedDataError;
use crate::x509::algorithms::algorithm_oid;

/// OIDs of the signature layer.
pub(crate) mod oid {
    use const_oid::ObjectIdentifier as Oid;
    pub(crate) const SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
    pub(crate) const SPC_INDIRECT_DATA: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.2.1.4");
    /// SpcIndirectDataContent type of a PE image's signature.
    pub(crate) const SPC_PE_IMAGE_DATA: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.2.1.15");
    /// SpcIndirectDataContent type of a cabinet's signature.
    pub(crate) const SPC_CAB_DATA: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.2.1.25");
    /// szOID_CTL: the eContentType of certificate trust lists and catalogs.
    pub(crate) const CTL: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.10.1");
    /// SpcIndirectDataContent type of an MSI package's signature (SpcSipInfo).
    pub(crate) const SPC_SIPINFO: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.2.1.30");
    pub(crate) const CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
    pub(crate) const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
    pub(crate) const SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
    pub(crate) const COUNTERSIGNATURE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.6");
    pub(crate) const RFC3161_TIMESTAMP: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.3.3.1");
    pub(crate) const NESTED_SIGNATURE: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.2.4.1");
}

/// The encapsulated content and the bytes its messageDigest covers.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EncapContent<'a> {
    /// The content element (SEQUENCE, or the SEQUENCE inside the OCTET STRING).
    pub(crate) element: Tlv<'a>,
    /// Bytes the messageDigest covers: the SEQUENCE's contents octets for PKCS#7
    /// (RFC 2315 §9.3), the OCTET STRING's value for the CMS form.
    pub(crate) digested: &'a [u8],
    /// The CMS form (content wrapped in an OCTET STRING), which Windows accepts.
    pub(crate) octet_wrapped: bool,
}

/// A SignedData, borrowed from the WIN_CERTIFICATE bytes.
#[derive(Clone, Debug)]
pub(crate) struct SignedData<'a> {
    pub(crate) version: u32,
    pub(crate) digest_algorithms: Vec<ObjectIdentifier>,
    pub(crate) content_type: ObjectIdentifier,
    pub(crate) content: Option<EncapContent<'a>>,
    pub(crate) certificates: Vec<Tlv<'a>>,
    /// The `crls` field's RevocationInfoChoices, raw (callers decode the CRLs they can).
    pub(crate) crls: Vec<Tlv<'a>>,
    pub(crate) signer_infos: Vec<Tlv<'a>>,
}

/// Parses one ContentInfo TLV at the start of `data`; returns it and the bytes after it
/// (signers pad bCertificate with zeros inside dwLength).
pub(crate) fn parse_content_info(data: &[u8], base: usize) -> Result<(SignedData<'_>, &[u8]), SignedDataError> {
    let mut r = RawReader::new(data, base);
    let ci = r.expect_tag(Tag::Sequence, "ContentInfo")?;
    let trailing = r.rest();
    let mut c = ci.contents();
    let ct: ObjectIdentifier = c.read("ContentInfo.contentType")?.decode("ContentInfo.contentType")?;
    if ct != oid::SIGNED_DATA {
        return Err(SignedDataError::NotSignedData { oid: ct.to_string() });
    }
    let explicit = c.expect_tag(ctx(0, true), "ContentInfo.content")?;
    c.finish("ContentInfo")?;
    let mut inner = explicit.contents();
    let sd = inner.expect_tag(Tag::Sequence, "SignedData")?;
    inner.finish("ContentInfo.content")?;
    Ok((parse_signed_data(sd)?, trailing))
}

fn parse_signed_data(sd: Tlv<'_>) -> Result<SignedData<'_>, SignedDataError> {
    let mut s = sd.contents();
    let version = s
        .expect_tag(Tag::Integer, "SignedData.version")?
        .decode::<u32>("SignedData.version")?;
    let algs = s.expect_tag(Tag::Set, "SignedData.digestAlgorithms")?;
    let mut digest_algorithms = Vec::new();
    let mut a = algs.contents();
    while !a.is_empty() {
        let alg = a.expect_tag(Tag::Sequence, "DigestAlgorithmIdentifier")?;
        digest_algorithms.push(algorithm_oid(&alg, "DigestAlgorithmIdentifier")?);
    }
    let encap = s.expect_tag(Tag::Sequence, "encapContentInfo")?;
    let mut e = encap.contents();
    let content_type: ObjectIdentifier = e.read("eContentType")?.decode("eContentType")?;
    let content = match e.optional(ctx(0, true), "eContent")? {
        None => None,
        Some(explicit) => {
            let element = Tlv::parse_exact(explicit.value, explicit.contents().offset(), "eContent")?;
            Some(if element.tag == Tag::OctetString {
                // CMS form: the messageDigest covers the octets, which hold the full DER of
                // the content.
                let wrapped = Tlv::parse_exact(element.value, element.contents().offset(), "eContent OCTET STRING")?;
                EncapContent {
                    element: wrapped,
                    digested: element.value,
                    octet_wrapped: true,
                }
            } else {
                EncapContent {
                    element,
                    digested: element.value,
                    octet_wrapped: false,
                }
            })
        }
    };
    e.finish("encapContentInfo")?;
    let mut certificates = Vec::new();
    if let Some(bag) = s.optional(ctx(0, true), "SignedData.certificates")? {
        let mut b = bag.contents();
        while !b.is_empty() {
            // Keep every choice (attribute certificates too); callers decode what they can.
            certificates.push(b.read("CertificateChoices")?);
        }
    }
    let mut crls = Vec::new();
    if let Some(bag) = s.optional(ctx(1, true), "SignedData.crls")? {
        let mut b = bag.contents();
        while !b.is_empty() {
            crls.push(b.read("RevocationInfoChoice")?);
        }
    }
    let infos = s.expect_tag(Tag::Set, "SignedData.signerInfos")?;
    let mut signer_infos = Vec::new();
    let mut i = infos.contents();
    while !i.is_empty() {
        signer_infos.push(i.expect_tag(Tag::Sequence, "SignerInfo")?);
    }
    s.finish("SignedData")?;
    Ok(SignedData {
        version,
        digest_algorithms,
        content_type,
        content,
        certificates,
        crls,
        signer_infos,
    })
}

/// How a SignerInfo names its certificate.
#[derive(Clone, Copy, Debug)]
pub(crate) enum SignerId<'a> {
    /// issuer Name (raw DER) and serial number (contents octets).
    IssuerSerial { issuer: &'a [u8], serial: &'a [u8] },
    /// subjectKeyIdentifier.
    KeyId(&'a [u8]),
}

/// One attribute: its type and its values.
#[derive(Clone, Debug)]
pub(crate) struct Attribute<'a> {
    pub(crate) oid: ObjectIdentifier,
    pub(crate) values: Vec<Tlv<'a>>,
}

/// A SignerInfo, borrowed.
#[derive(Clone, Debug)]
pub(crate) struct SignerInfo<'a> {
    pub(crate) version: u32,
    pub(crate) sid: SignerId<'a>,
    pub(crate) digest_algorithm: ObjectIdentifier,
    /// The `[0] IMPLICIT` signed attributes element exactly as received.
    pub(crate) signed_attrs_raw: Option<&'a [u8]>,
    pub(crate) signed_attrs: Vec<Attribute<'a>>,
    pub(crate) signature_algorithm: ObjectIdentifier,
    pub(crate) signature: &'a [u8],
    pub(crate) unsigned_attrs: Vec<Attribute<'a>>,
}

fn parse_attributes<'a>(set: &Tlv<'a>) -> Result<Vec<Attribute<'a>>, SignedDataError> {
    let mut out = Vec::new();
    let mut r = set.contents();
    while !r.is_empty() {
        let attr = r.expect_tag(Tag::Sequence, "Attribute")?;
        let mut a = attr.contents();
        let oid: ObjectIdentifier = a.read("Attribute.type")?.decode("Attribute.type")?;
        let values_set = a.expect_tag(Tag::Set, "Attribute.values")?;
        let mut values = Vec::new();
        let mut v = values_set.contents();
        while !v.is_empty() {
            values.push(v.read("AttributeValue")?);
        }
        out.push(Attribute { oid, values });
    }
    Ok(out)
}

impl<'a> SignerInfo<'a> {
    pub(crate) fn parse(tlv: &Tlv<'a>) -> Result<Self, SignedDataError> {
        let mut s = tlv.contents();
        let version = s
            .expect_tag(Tag::Integer, "SignerInfo.version")?
            .decode::<u32>("SignerInfo.version")?;
        let sid_tlv = s.read("SignerInfo.sid")?;
        let sid = if sid_tlv.tag == Tag::Sequence {
            let mut i = sid_tlv.contents();
            let issuer = i.expect_tag(Tag::Sequence, "IssuerAndSerialNumber.issuer")?;
            let serial = i.expect_tag(Tag::Integer, "IssuerAndSerialNumber.serialNumber")?;
            SignerId::IssuerSerial {
                issuer: issuer.raw,
                serial: serial.value,
            }
        } else {
            SignerId::KeyId(sid_tlv.expect_tag(ctx(0, false), "SignerInfo.sid")?.value)
        };
        let digest_algorithm = algorithm_oid(
            &s.expect_tag(Tag::Sequence, "SignerInfo.digestAlgorithm")?,
            "SignerInfo.digestAlgorithm",
        )?;
        let signed = s.optional(ctx(0, true), "SignerInfo.signedAttrs")?;
        let signed_attrs = match &signed {
            Some(t) => parse_attributes(t)?,
            None => Vec::new(),
        };
        let signature_algorithm = algorithm_oid(
            &s.expect_tag(Tag::Sequence, "SignerInfo.signatureAlgorithm")?,
            "SignerInfo.signatureAlgorithm",
        )?;
        let signature = s.expect_tag(Tag::OctetString, "SignerInfo.signature")?.value;
        let unsigned_attrs = match s.optional(ctx(1, true), "SignerInfo.unsignedAttrs")? {
            Some(t) => parse_attributes(&t)?,
            None => Vec::new(),
        };
        s.finish("SignerInfo")?;
        Ok(Self {
            version,
            sid,
            digest_algorithm,
            signed_attrs_raw: signed.map(|t| t.raw),
            signed_attrs,
            signature_algorithm,
            signature,
            unsigned_attrs,
        })
    }

    /// The single value of a signed attribute that must occur exactly once.
    pub(crate) fn single_signed(&self, oid: ObjectIdentifier, name: &'static str) -> Result<Tlv<'a>, SignedDataError> {
        let found: Vec<&Attribute<'a>> = self.signed_attrs.iter().filter(|a| a.oid == oid).collect();
        match found.as_slice() {
            [one] if one.values.len() == 1 => one
                .values
                .first()
                .copied()
                .ok_or(SignedDataError::AttributeCount { name, count: 0 }),
            [one] => Err(SignedDataError::AttributeCount {
                name,
                count: one.values.len(),
            }),
            other => Err(SignedDataError::AttributeCount {
                name,
                count: other.len(),
            }),
        }
    }

    /// Like [`SignerInfo::single_signed`], but an absent attribute is `None` (present
    /// twice, or with several values, is still an error).
    pub(crate) fn optional_single_signed(
        &self,
        oid: ObjectIdentifier,
        name: &'static str,
    ) -> Result<Option<Tlv<'a>>, SignedDataError> {
        if self.signed_attrs.iter().any(|a| a.oid == oid) {
            self.single_signed(oid, name).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The bytes the signature covers: the signed attributes as received with only the
    /// `[0]` tag rewritten to SET (RFC 5652 §5.4), or, without signed attributes, `content`.
    pub(crate) fn signed_bytes(&self, content: &[u8]) -> Vec<u8> {
        match self.signed_attrs_raw {
            Some(raw) => {
                let mut v = raw.to_vec();
                if let Some(first) = v.first_mut() {
                    *first = 0x31;
                }
                v
            }
            None => content.to_vec(),
        }
    }
}

/// SpcIndirectDataContent: what was signed about the file.
#[derive(Clone, Debug)]
pub(crate) struct IndirectData<'a> {
    pub(crate) data_type: ObjectIdentifier,
    /// SpcPeImageData (flags and the SpcLink that carries page hashes).
    pub(crate) data_value: Option<Tlv<'a>>,
    pub(crate) digest_algorithm: ObjectIdentifier,
    pub(crate) digest: &'a [u8],
}

impl<'a> IndirectData<'a> {
    pub(crate) fn parse(content: &Tlv<'a>) -> Result<Self, SignedDataError> {
        let mut r = content.expect_tag(Tag::Sequence, "SpcIndirectDataContent")?.contents();
        let data = r.expect_tag(Tag::Sequence, "SpcAttributeTypeAndOptionalValue")?;
        let mut d = data.contents();
        let data_type: ObjectIdentifier = d
            .read("SpcAttributeTypeAndOptionalValue.type")?
            .decode("SpcAttributeTypeAndOptionalValue.type")?;
        let data_value = if d.is_empty() {
            None
        } else {
            Some(d.read("SpcAttributeTypeAndOptionalValue.value")?)
        };
        let digest_info = r.expect_tag(Tag::Sequence, "DigestInfo")?;
        r.finish("SpcIndirectDataContent")?;
        let mut di = digest_info.contents();
        let digest_algorithm = algorithm_oid(
            &di.expect_tag(Tag::Sequence, "DigestInfo.digestAlgorithm")?,
            "DigestInfo.digestAlgorithm",
        )?;
        let digest = di.expect_tag(Tag::OctetString, "DigestInfo.digest")?.value;
        di.finish("DigestInfo")?;
        Ok(Self {
            data_type,
            data_value,
            digest_algorithm,
            digest,
        })
    }
}

/// Page hashes carried by a signature: the algorithm and the table as signed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PageHashes<'a> {
    pub(crate) algorithm: crate::digest::DigestAlgorithm,
    pub(crate) table: &'a [u8],
}

/// SpcSerializedObject class id of SpcPeImagePageHashes.
const PAGE_HASHES_CLASS_ID: [u8; 16] = [
    0xa6, 0xb5, 0x86, 0xd5, 0xb4, 0xa1, 0x24, 0x66, 0xae, 0x05, 0xa2, 0x17, 0xda, 0x8e, 0x60, 0xd6,
];
const PAGE_HASHES_V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.2.3.1");
const PAGE_HASHES_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.2.3.2");

impl<'a> IndirectData<'a> {
    /// The page hashes in SpcPeImageData's SpcLink moniker, if any. `Err` describes a
    /// malformed or unknown optional structure (reported, not fatal).
    pub(crate) fn page_hashes(&self) -> Result<Option<PageHashes<'a>>, SignedDataError> {
        let Some(value) = self.data_value else {
            return Ok(None);
        };
        let mut r = value.expect_tag(Tag::Sequence, "SpcPeImageData")?.contents();
        r.optional(Tag::BitString, "SpcPeImageData.flags")?;
        let Some(file) = r.optional(ctx(0, true), "SpcPeImageData.file")? else {
            return Ok(None);
        };
        let link = file.contents().read("SpcLink")?;
        if link.tag != ctx(1, true) {
            return Ok(None); // url or file: no page hashes
        }
        let mut m = link.contents();
        let class = m.expect_tag(Tag::OctetString, "SpcSerializedObject.classId")?;
        let data = m.expect_tag(Tag::OctetString, "SpcSerializedObject.serializedData")?;
        if class.value != PAGE_HASHES_CLASS_ID {
            return Err(SignedDataError::PageHashClass {
                class_id: hex::encode(class.value),
            });
        }
        let set = Tlv::parse_exact(data.value, data.contents().offset(), "page hashes")?;
        let mut attrs = set.expect_tag(Tag::Set, "page hashes")?.contents();
        let attr = attrs.expect_tag(Tag::Sequence, "page hash attribute")?;
        let mut a = attr.contents();
        let oid: ObjectIdentifier = a.read("page hash type").and_then(|t| t.decode("page hash type"))?;
        let algorithm = match oid {
            PAGE_HASHES_V1 => crate::digest::DigestAlgorithm::Sha1,
            PAGE_HASHES_V2 => crate::digest::DigestAlgorithm::Sha256,
            other => return Err(SignedDataError::PageHashType { oid: other.to_string() }),
        };
        let values = a.expect_tag(Tag::Set, "page hash values")?;
        let table = values.contents().expect_tag(Tag::OctetString, "page hash table")?.value;
        Ok(Some(PageHashes { algorithm, table }))
    }
}
