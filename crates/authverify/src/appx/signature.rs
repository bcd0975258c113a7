//! What a package's signature carries: AppxSignature.p7x (`PKCX` then the PKCS#7
//! SignedData), the digest blob its SpcIndirectDataContent signs (`APPX` then tagged
//! digests), and the SpcSipInfo that names the APPX subject interface package.

use crate::digest::DigestAlgorithm;
use crate::error::AppxError;

/// AppxSignature.p7x starts with these four bytes (`P7X_FILE_ID` in the MSIX SDK).
pub const P7X_MAGIC: &[u8; 4] = b"PKCX";
/// The digest blob starts with these four bytes.
pub const BLOB_MAGIC: &[u8; 4] = b"APPX";

/// `SPC_SIPINFO_OBJID` (1.3.6.1.4.1.311.2.1.30): the SpcIndirectDataContent data type of
/// APPX packages and bundles.
pub const SIP_INFO_OID: &str = "1.3.6.1.4.1.311.2.1.30";
/// The APPX package SIP's GUID {0AC5DF4B-CE07-4DE2-B76E-23C839A09FD1}, as SpcSipInfo
/// stores it (the first three fields little-endian).
pub const APPX_SIP_GUID: [u8; 16] = [
    0x4B, 0xDF, 0xC5, 0x0A, 0x07, 0xCE, 0xE2, 0x4D, 0xB7, 0x6E, 0x23, 0xC8, 0x39, 0xA0, 0x9F, 0xD1,
];
/// The APPX bundle SIP's GUID {0F5F58B3-AADE-4B9A-A434-95742D92ECEB}.
pub const BUNDLE_SIP_GUID: [u8; 16] = [
    0xB3, 0x58, 0x5F, 0x0F, 0xDE, 0xAA, 0x9A, 0x4B, 0xA4, 0x34, 0x95, 0x74, 0x2D, 0x92, 0xEC, 0xEB,
];
/// SpcSipInfo's version field as signing tools write it.
pub const SIP_INFO_VERSION: u32 = 0x0101_0000;

/// One part the digest blob covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum DigestPart {
    /// `AXPC`: the ZIP local records (headers and data) but the signature's.
    Records,
    /// `AXCD`: the central directory without the signature's entry, and the end records.
    CentralDirectory,
    /// `AXCT`: `[Content_Types].xml`, inflated.
    ContentTypes,
    /// `AXBM`: `AppxBlockMap.xml`, inflated.
    BlockMap,
    /// `AXCI`: `AppxMetadata/CodeIntegrity.cat`, inflated (only when present).
    CodeIntegrity,
}

impl DigestPart {
    /// Every part, in the order signing tools write them.
    pub const ALL: [Self; 5] = [
        Self::Records,
        Self::CentralDirectory,
        Self::ContentTypes,
        Self::BlockMap,
        Self::CodeIntegrity,
    ];

    /// The four-byte tag in the blob.
    pub fn tag(self) -> &'static [u8; 4] {
        match self {
            Self::Records => b"AXPC",
            Self::CentralDirectory => b"AXCD",
            Self::ContentTypes => b"AXCT",
            Self::BlockMap => b"AXBM",
            Self::CodeIntegrity => b"AXCI",
        }
    }

    fn from_tag(tag: &[u8]) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.tag().as_slice() == tag)
    }
}

/// The PKCS#7 SignedData in AppxSignature.p7x's content: what follows `PKCX`. The DER
/// element must fill the rest exactly (the SDK hands CryptoAPI the whole remainder).
pub fn signature_der(p7x: &[u8]) -> Result<&[u8], AppxError> {
    let der = p7x
        .strip_prefix(P7X_MAGIC.as_slice())
        .ok_or_else(|| AppxError::Signature {
            detail: "no PKCX header".into(),
        })?;
    crate::asn1::Tlv::parse_exact(der, 4, "AppxSignature.p7x")
        .map_err(|e| AppxError::Signature { detail: e.to_string() })?;
    Ok(der)
}

/// The digests a signature's SpcIndirectDataContent carries, by part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedDigests<'a> {
    /// `(part, digest)` in blob order; each part at most once.
    pub parts: Vec<(DigestPart, &'a [u8])>,
}

impl<'a> SignedDigests<'a> {
    /// Reads the blob (`APPX`, then 4-byte tags each followed by a digest of `algorithm`'s
    /// length). Unknown tags, repeated tags, a ragged end or a missing AXPC, AXCD, AXCT or
    /// AXBM are errors: each is a digest the signer did not make as the SIP does.
    pub fn parse(blob: &'a [u8], algorithm: DigestAlgorithm) -> Result<Self, String> {
        let mut rest = blob
            .strip_prefix(BLOB_MAGIC.as_slice())
            .ok_or("the digest does not start with APPX")?;
        let len = algorithm.output_len();
        let mut parts: Vec<(DigestPart, &'a [u8])> = Vec::new();
        while !rest.is_empty() {
            let (tag, tail) = rest.split_at_checked(4).ok_or("a truncated tag")?;
            let part =
                DigestPart::from_tag(tag).ok_or_else(|| format!("unknown tag {}", String::from_utf8_lossy(tag)))?;
            let (digest, tail) = tail
                .split_at_checked(len)
                .ok_or_else(|| format!("{} is shorter than a {algorithm} digest", String::from_utf8_lossy(tag)))?;
            if parts.iter().any(|(p, _)| *p == part) {
                return Err(format!("{} appears twice", String::from_utf8_lossy(tag)));
            }
            parts.push((part, digest));
            rest = tail;
        }
        for required in [
            DigestPart::Records,
            DigestPart::CentralDirectory,
            DigestPart::ContentTypes,
            DigestPart::BlockMap,
        ] {
            if !parts.iter().any(|(p, _)| *p == required) {
                return Err(format!("no {} digest", String::from_utf8_lossy(required.tag())));
            }
        }
        Ok(Self { parts })
    }

    /// The digest of `part`, when the blob has one.
    pub fn get(&self, part: DigestPart) -> Option<&'a [u8]> {
        self.parts.iter().find(|(p, _)| *p == part).map(|(_, d)| *d)
    }
}

/// Which SIP an SpcSipInfo names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SipKind {
    /// The APPX/MSIX package SIP.
    Package,
    /// The APPX/MSIX bundle SIP.
    Bundle,
}

/// Reads the SpcSipInfo value of an APPX SpcIndirectDataContent: SEQUENCE { INTEGER
/// version, OCTET STRING guid, INTEGER ×5 }, the version 0x01010000, the GUID a package's or
/// a bundle's and the five integers zero (as osslsigncode and signtool write it).
pub fn read_sip_info(value_der: &[u8]) -> Result<SipKind, String> {
    use der::Tag;
    let seq = crate::asn1::Tlv::parse_exact(value_der, 0, "SpcSipInfo")
        .and_then(|t| t.expect_tag(Tag::Sequence, "SpcSipInfo"))
        .map_err(|e| e.to_string())?;
    let mut r = seq.contents();
    let version = r
        .expect_tag(Tag::Integer, "SpcSipInfo version")
        .map_err(|e| e.to_string())?;
    if version.value != SIP_INFO_VERSION.to_be_bytes().as_slice() {
        return Err(format!(
            "SpcSipInfo version {} is not 0x01010000",
            hex::encode(version.value)
        ));
    }
    let guid = r
        .expect_tag(Tag::OctetString, "SpcSipInfo GUID")
        .map_err(|e| e.to_string())?;
    let kind = match guid.value {
        g if g == APPX_SIP_GUID.as_slice() => SipKind::Package,
        g if g == BUNDLE_SIP_GUID.as_slice() => SipKind::Bundle,
        g => {
            return Err(format!(
                "SpcSipInfo GUID {} is not the APPX package or bundle SIP's",
                hex::encode(g)
            ))
        }
    };
    for _ in 0..5 {
        let n = r
            .expect_tag(Tag::Integer, "SpcSipInfo reserved")
            .map_err(|e| e.to_string())?;
        if n.value != [0] {
            return Err("an SpcSipInfo reserved integer is not zero".into());
        }
    }
    r.finish("SpcSipInfo").map_err(|e| e.to_string())?;
    Ok(kind)
}
