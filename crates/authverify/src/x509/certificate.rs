//! X.509 certificates as received: raw spans for every signed byte, plus the few decoded
//! fields that chain building needs.
//!
//! The fields are read with the raw walker instead of `x509-cert`'s `Certificate`, because
//! one odd certificate (a 25-byte serial, BOOLEAN TRUE as 0x01) must not stop a signature
//! from being judged, and because re-encoding a TBS is not byte-exact
//! (docs/ARCHITECTURE.md). `x509-cert` renders names.

use std::ops::Range;
use std::sync::OnceLock;

use const_oid::ObjectIdentifier;
use der::{Decode, Tag};
use sha1::Digest as _;

use crate::asn1::{ctx, Tlv};
use crate::error::{Asn1Error, CertificateError};
use crate::time::UnixTime;
use crate::x509::algorithms::{PublicKey, SignatureFailure};
use crate::x509::name::GeneralName;

/// Extension OIDs.
pub(crate) mod ext_oid {
    use const_oid::ObjectIdentifier as Oid;
    pub(crate) const SUBJECT_KEY_ID: Oid = Oid::new_unwrap("2.5.29.14");
    pub(crate) const KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.15");
    pub(crate) const BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");
    pub(crate) const AUTHORITY_KEY_ID: Oid = Oid::new_unwrap("2.5.29.35");
    pub(crate) const EXT_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.37");
    pub(crate) const SUBJECT_ALT_NAME: Oid = Oid::new_unwrap("2.5.29.17");
    pub(crate) const ISSUER_ALT_NAME: Oid = Oid::new_unwrap("2.5.29.18");
    pub(crate) const NAME_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.30");
    pub(crate) const CRL_DISTRIBUTION_POINTS: Oid = Oid::new_unwrap("2.5.29.31");
    pub(crate) const CERTIFICATE_POLICIES: Oid = Oid::new_unwrap("2.5.29.32");
    pub(crate) const FRESHEST_CRL: Oid = Oid::new_unwrap("2.5.29.46");
    pub(crate) const AUTHORITY_INFO_ACCESS: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.1.1");

    /// Extensions whose meaning this crate applies or which restrict nothing it decides,
    /// so that a critical one does not make the certificate unusable (RFC 5280 §4.2: "A
    /// certificate-using system MUST reject the certificate if it encounters a critical
    /// extension it does not recognize"; Windows: CERT_E_CRITICAL). Policy constraints,
    /// policy mappings and inhibitAnyPolicy are deliberately absent: no policy processing
    /// is done, so a critical one is not understood.
    pub(crate) const UNDERSTOOD: &[Oid] = &[
        SUBJECT_KEY_ID,
        KEY_USAGE,
        BASIC_CONSTRAINTS,
        AUTHORITY_KEY_ID,
        EXT_KEY_USAGE,
        SUBJECT_ALT_NAME,
        ISSUER_ALT_NAME,
        NAME_CONSTRAINTS,
        CRL_DISTRIBUTION_POINTS,
        CERTIFICATE_POLICIES,
        FRESHEST_CRL,
        AUTHORITY_INFO_ACCESS,
    ];
}

/// Extended key usage OIDs that matter for code signing.
pub mod eku {
    use const_oid::ObjectIdentifier as Oid;
    /// id-kp-codeSigning.
    pub const CODE_SIGNING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.3");
    /// id-kp-timeStamping.
    pub const TIME_STAMPING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.8");
    /// szOID_KP_LIFETIME_SIGNING.
    pub const LIFETIME_SIGNING: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.10.3.13");
    /// szOID_KP_TIME_STAMP_SIGNING (Microsoft's legacy TSA EKU).
    pub const MS_TIME_STAMP_SIGNING: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.10.3.2");
    /// anyExtendedKeyUsage.
    pub const ANY: Oid = Oid::new_unwrap("2.5.29.37.0");
    /// szOID_ROOT_LIST_SIGNER: signs Microsoft's root-program CTL.
    pub const ROOT_LIST_SIGNER: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.10.3.9");
    /// szOID_WHQL_CRYPTO: Windows Hardware Driver Verification (WHQL catalogs).
    pub const WHQL_CRYPTO: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.10.3.5");
    /// szOID_NT5_CRYPTO: Windows System Component Verification (Windows' own catalogs).
    pub const NT5_CRYPTO: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.10.3.6");

    /// A short name for the EKUs reports mention.
    pub fn name(oid: &Oid) -> Option<&'static str> {
        Some(match *oid {
            CODE_SIGNING => "codeSigning",
            TIME_STAMPING => "timeStamping",
            LIFETIME_SIGNING => "lifetimeSigning",
            MS_TIME_STAMP_SIGNING => "msTimeStampSigning",
            ANY => "anyExtendedKeyUsage",
            ROOT_LIST_SIGNER => "rootListSigner",
            WHQL_CRYPTO => "windowsHardwareDriverVerification",
            NT5_CRYPTO => "windowsSystemComponentVerification",
            _ => match oid.to_string().as_str() {
                "1.3.6.1.5.5.7.3.1" => "serverAuth",
                "1.3.6.1.5.5.7.3.2" => "clientAuth",
                "1.3.6.1.5.5.7.3.4" => "emailProtection",
                _ => return None,
            },
        })
    }
}

/// keyUsage bit keyCertSign (bit 5).
pub(crate) const KEY_CERT_SIGN: u16 = 1 << 5;

/// A certificate with its spans and decoded fields.
#[derive(Debug)]
pub struct Certificate {
    der: Vec<u8>,
    /// Spans into `der` and the decoded fields.
    fields: Parsed,
    sha1: [u8; 20],
    sha256: [u8; 32],
    /// RFC 4514 renderings, made on first use: most certificates (the built-in set's) are never
    /// shown, and rendering is the costliest part of parsing.
    subject_name: OnceLock<String>,
    issuer_name: OnceLock<String>,
    /// The subject's RFC 5280 comparison key (name.rs), computed on first use: path building
    /// compares it against many issuers.
    subject_key: OnceLock<Option<Vec<u8>>>,
    issuer_key: OnceLock<Option<Vec<u8>>>,
    key: OnceLock<Result<PublicKey, SignatureFailure>>,
}

/// The nameConstraints extension (RFC 5280 §4.2.1.10): subtrees by their base name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct NameConstraints {
    pub(crate) permitted: Vec<GeneralName>,
    pub(crate) excluded: Vec<GeneralName>,
}

/// The basicConstraints extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BasicConstraints {
    /// cA.
    pub ca: bool,
    /// pathLenConstraint.
    pub path_len: Option<u32>,
}

fn span(outer: &[u8], inner: &[u8]) -> Range<usize> {
    // `inner` is always a sub-slice of `outer` (both come from the same walk).
    let start = inner.as_ptr().addr().saturating_sub(outer.as_ptr().addr());
    start..start.saturating_add(inner.len())
}

/// BOOLEAN read leniently: any non-zero content is TRUE (OpenSSL and Windows accept the
/// non-DER 0x01 encoding; `der` does not).
fn lenient_bool(t: &Tlv<'_>) -> bool {
    t.value.iter().any(|&b| b != 0)
}

pub(crate) fn read_time(t: Tlv<'_>) -> Result<UnixTime, Asn1Error> {
    let dt = match t.tag {
        Tag::UtcTime => t.decode::<der::asn1::UtcTime>("UTCTime")?.to_date_time(),
        Tag::GeneralizedTime => t
            .decode::<der::asn1::GeneralizedTime>("GeneralizedTime")?
            .to_date_time(),
        _ => {
            return Err(Asn1Error::UnexpectedTag {
                what: "validity time",
                offset: t.offset,
                expected: "UTCTime or GeneralizedTime".into(),
                found: t.tag.to_string(),
            })
        }
    };
    Ok(UnixTime::from_der_time(dt))
}

/// Renders a DER Name the way RFC 4514 does (`CN=..., O=...`).
pub(crate) fn display_name(der: &[u8]) -> String {
    match x509_cert::name::Name::from_der(der) {
        Ok(name) => name.to_string(),
        Err(_) => format!("#{}", hex::encode(der)),
    }
}

impl Certificate {
    /// Parses a DER certificate. The bytes are kept as given.
    pub fn from_der(der: &[u8]) -> Result<Self, CertificateError> {
        Self::from_vec(der.to_vec())
    }

    fn from_vec(der: Vec<u8>) -> Result<Self, CertificateError> {
        let parsed = Parsed::read(&der)?;
        let sha1 = sha1::Sha1::digest(&der).into();
        let sha256 = sha2::Sha256::digest(&der).into();
        Ok(Self {
            fields: parsed,
            sha1,
            sha256,
            subject_name: OnceLock::new(),
            issuer_name: OnceLock::new(),
            subject_key: OnceLock::new(),
            issuer_key: OnceLock::new(),
            key: OnceLock::new(),
            der,
        })
    }

    fn part(&self, r: &Range<usize>) -> &[u8] {
        self.der.get(r.clone()).unwrap_or_default()
    }

    /// The certificate exactly as received.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
    /// The signed part, exactly as received.
    pub fn tbs_der(&self) -> &[u8] {
        self.part(&self.fields.tbs)
    }
    /// The raw DER of the subject Name.
    pub fn subject_der(&self) -> &[u8] {
        self.part(&self.fields.subject)
    }
    /// The subject's comparison key (see name.rs), cached.
    pub(crate) fn subject_name_key(&self) -> Option<&[u8]> {
        self.subject_key
            .get_or_init(|| crate::x509::name::name_key(self.subject_der()))
            .as_deref()
    }

    /// The issuer's comparison key, cached: path building looks issuers up by it once per
    /// step, for every file that carries this certificate.
    pub(crate) fn issuer_name_key(&self) -> Option<&[u8]> {
        self.issuer_key
            .get_or_init(|| crate::x509::name::name_key(self.issuer_der()))
            .as_deref()
    }

    /// The raw DER of the issuer Name.
    pub fn issuer_der(&self) -> &[u8] {
        self.part(&self.fields.issuer)
    }
    /// The raw DER of the SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> &[u8] {
        self.part(&self.fields.spki)
    }
    /// Serial number contents octets (big-endian, as encoded).
    pub fn serial(&self) -> &[u8] {
        self.part(&self.fields.serial)
    }
    /// Serial number as lowercase hex.
    pub fn serial_hex(&self) -> String {
        hex::encode(self.serial())
    }
    /// Subject, RFC 4514 style.
    pub fn subject(&self) -> &str {
        self.subject_name.get_or_init(|| display_name(self.subject_der()))
    }
    /// Issuer, RFC 4514 style.
    pub fn issuer(&self) -> &str {
        self.issuer_name.get_or_init(|| display_name(self.issuer_der()))
    }
    /// SHA-1 thumbprint (the file name `CertUtil -syncWithWU` gives the certificate).
    pub fn sha1(&self) -> [u8; 20] {
        self.sha1
    }
    /// SHA-1 thumbprint, lowercase hex.
    pub fn sha1_hex(&self) -> String {
        hex::encode(self.sha1)
    }
    /// SHA-256 of the DER.
    pub fn sha256(&self) -> [u8; 32] {
        self.sha256
    }
    /// notBefore.
    pub fn not_before(&self) -> UnixTime {
        self.fields.not_before
    }
    /// notAfter.
    pub fn not_after(&self) -> UnixTime {
        self.fields.not_after
    }
    /// basicConstraints, when present.
    pub fn basic_constraints(&self) -> Option<BasicConstraints> {
        self.fields.basic_constraints
    }
    /// The keyUsage bits (bit 0 = digitalSignature, as in the BIT STRING), when present.
    pub fn key_usage(&self) -> Option<u16> {
        self.fields.key_usage
    }
    /// Extended key usages, when the extension is present.
    pub fn ext_key_usage(&self) -> Option<&[ObjectIdentifier]> {
        self.fields.ext_key_usage.as_deref()
    }
    /// subjectKeyIdentifier.
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.fields.subject_key_id.as_deref()
    }
    /// authorityKeyIdentifier's keyIdentifier.
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.fields.authority_key_id.as_deref()
    }
    /// Subject and issuer names are the same bytes.
    pub fn is_self_issued(&self) -> bool {
        self.subject_der() == self.issuer_der()
    }
    /// The X.509 version (1, 2 or 3).
    pub fn version(&self) -> u8 {
        self.fields.version
    }
    /// Critical extensions this crate does not understand (the certificate is unusable on
    /// a path while any is present).
    pub fn unknown_critical_extensions(&self) -> &[ObjectIdentifier] {
        &self.fields.unknown_critical
    }
    pub(crate) fn alt_names(&self) -> &[GeneralName] {
        &self.fields.alt_names
    }
    pub(crate) fn name_constraints(&self) -> Option<&NameConstraints> {
        self.fields.name_constraints.as_ref()
    }
    /// Whether `at` lies in [notBefore, notAfter].
    pub fn valid_at(&self, at: UnixTime) -> bool {
        self.fields.not_before <= at && at <= self.fields.not_after
    }
    /// The public key, parsed once.
    pub(crate) fn public_key(&self) -> Result<&PublicKey, SignatureFailure> {
        self.key
            .get_or_init(|| PublicKey::from_spki(self.spki_der()))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Verifies that `issuer`'s key signed this certificate, over the TBS bytes as received.
    pub fn verify_signed_by(&self, issuer: &Certificate) -> Result<(), SignatureFailure> {
        let key = issuer.public_key()?;
        key.verify(
            &self.fields.signature_algorithm,
            None,
            self.tbs_der(),
            self.signature_value(),
        )
        .map(|_| ())
    }

    /// The signature algorithm OID.
    pub fn signature_algorithm(&self) -> ObjectIdentifier {
        self.fields.signature_algorithm
    }

    fn signature_value(&self) -> &[u8] {
        // BIT STRING contents: skip the unused-bits octet.
        self.part(&self.fields.signature).get(1..).unwrap_or_default()
    }

    /// The common name, or the whole subject when there is none.
    pub fn display_name(&self) -> String {
        common_name(self.subject_der()).unwrap_or_else(|| self.subject().to_string())
    }
}

/// The last CN of a Name, if any.
pub(crate) fn common_name(name_der: &[u8]) -> Option<String> {
    let name = x509_cert::name::Name::from_der(name_der).ok()?;
    let cn = const_oid::db::rfc4519::CN;
    let mut found = None;
    for atv in name.iter() {
        if atv.oid == cn {
            found = Some(
                der::asn1::Utf8StringRef::try_from(&atv.value)
                    .map(|s| s.to_string())
                    .or_else(|_| der::asn1::PrintableStringRef::try_from(&atv.value).map(|s| s.to_string()))
                    .unwrap_or_else(|_| atv.to_string()),
            );
        }
    }
    found
}

/// What a certificate's DER holds: spans into it and its decoded fields.
#[derive(Debug)]
struct Parsed {
    tbs: Range<usize>,
    signature_algorithm: ObjectIdentifier,
    signature: Range<usize>,
    serial: Range<usize>,
    issuer: Range<usize>,
    subject: Range<usize>,
    spki: Range<usize>,
    not_before: UnixTime,
    not_after: UnixTime,
    basic_constraints: Option<BasicConstraints>,
    key_usage: Option<u16>,
    ext_key_usage: Option<Vec<ObjectIdentifier>>,
    subject_key_id: Option<Vec<u8>>,
    authority_key_id: Option<Vec<u8>>,
    version: u8,
    unknown_critical: Vec<ObjectIdentifier>,
    alt_names: Vec<GeneralName>,
    name_constraints: Option<NameConstraints>,
}

impl Parsed {
    fn read(der: &[u8]) -> Result<Self, CertificateError> {
        let cert = Tlv::parse_exact(der, 0, "Certificate")?.expect_tag(Tag::Sequence, "Certificate")?;
        let mut c = cert.contents();
        let tbs = c.expect_tag(Tag::Sequence, "TBSCertificate")?;
        let sig_alg = c.expect_tag(Tag::Sequence, "signatureAlgorithm")?;
        let signature = c.expect_tag(Tag::BitString, "signatureValue")?;
        c.finish("Certificate")?;
        let signature_algorithm = crate::x509::algorithms::algorithm_oid(&sig_alg, "signatureAlgorithm")?;

        let mut t = tbs.contents();
        let version = match t.optional(ctx(0, true), "version")? {
            Some(v) => v
                .contents()
                .expect_tag(Tag::Integer, "version")?
                .decode::<u8>("version")?,
            None => 0,
        };
        let serial = t.expect_tag(Tag::Integer, "serialNumber")?;
        let tbs_signature = t.expect_tag(Tag::Sequence, "signature")?;
        // RFC 5280 §4.1.1.2: the signed copy of the algorithm must equal the outer one, or
        // the label the verifier acts on is not the one the issuer signed. Compared as
        // received, parameters included (OpenSSL's X509_verify compares them too): an outer
        // copy whose parameters changed is not what the issuer signed either.
        let tbs_algorithm = crate::x509::algorithms::algorithm_oid(&tbs_signature, "signature")?;
        if tbs_algorithm != signature_algorithm || tbs_signature.raw != sig_alg.raw {
            return Err(CertificateError::SignatureAlgorithmMismatch {
                tbs: tbs_algorithm.to_string(),
                outer: signature_algorithm.to_string(),
            });
        }
        let issuer = t.expect_tag(Tag::Sequence, "issuer")?;
        let validity = t.expect_tag(Tag::Sequence, "validity")?;
        let subject = t.expect_tag(Tag::Sequence, "subject")?;
        let spki = t.expect_tag(Tag::Sequence, "subjectPublicKeyInfo")?;
        t.optional(ctx(1, false), "issuerUniqueID")?;
        t.optional(ctx(2, false), "subjectUniqueID")?;
        let extensions = t.optional(ctx(3, true), "extensions")?;
        t.finish("TBSCertificate")?;

        let mut v = validity.contents();
        let not_before = read_time(v.read("notBefore")?)?;
        let not_after = read_time(v.read("notAfter")?)?;

        let mut parsed = Self {
            tbs: span(der, tbs.raw),
            signature_algorithm,
            signature: span(der, signature.value),
            serial: span(der, serial.value),
            issuer: span(der, issuer.raw),
            subject: span(der, subject.raw),
            spki: span(der, spki.raw),
            not_before,
            not_after,
            basic_constraints: None,
            key_usage: None,
            ext_key_usage: None,
            subject_key_id: None,
            authority_key_id: None,
            version: version.saturating_add(1),
            unknown_critical: Vec::new(),
            alt_names: Vec::new(),
            name_constraints: None,
        };
        if let Some(exts) = extensions {
            parsed.extensions(&exts)?;
        }
        Ok(parsed)
    }

    /// Reads the Extensions: each once (RFC 5280 §4.2: "A certificate MUST NOT include more
    /// than one instance of a particular extension" — otherwise which one counts is up to
    /// the reader, a first cA=FALSE and a second cA=TRUE), noting critical ones not
    /// understood.
    fn extensions(&mut self, exts: &Tlv<'_>) -> Result<(), CertificateError> {
        let mut seen: Vec<ObjectIdentifier> = Vec::new();
        let list = exts.contents().expect_tag(Tag::Sequence, "Extensions")?;
        let mut r = list.contents();
        while !r.is_empty() {
            let ext = r.expect_tag(Tag::Sequence, "Extension")?;
            let mut e = ext.contents();
            let oid: ObjectIdentifier = e.read("extnID")?.decode("extnID")?;
            if seen.contains(&oid) {
                return Err(CertificateError::DuplicateExtension { oid: oid.to_string() });
            }
            seen.push(oid);
            let critical = e.optional(Tag::Boolean, "critical")?.is_some_and(|b| lenient_bool(&b));
            let value = e.expect_tag(Tag::OctetString, "extnValue")?;
            if critical && !ext_oid::UNDERSTOOD.contains(&oid) {
                self.unknown_critical.push(oid);
            }
            self.extension(oid, value)?;
        }
        Ok(())
    }

    fn extension(&mut self, oid: ObjectIdentifier, value: Tlv<'_>) -> Result<(), Asn1Error> {
        let inner = || Tlv::parse_exact(value.value, value.offset, "extension value");
        match oid {
            ext_oid::BASIC_CONSTRAINTS => {
                let mut r = inner()?.expect_tag(Tag::Sequence, "basicConstraints")?.contents();
                let ca = r.optional(Tag::Boolean, "cA")?.is_some_and(|b| lenient_bool(&b));
                let path_len = match r.optional(Tag::Integer, "pathLenConstraint")? {
                    Some(i) => Some(i.decode::<u32>("pathLenConstraint")?),
                    None => None,
                };
                self.basic_constraints = Some(BasicConstraints { ca, path_len });
            }
            ext_oid::KEY_USAGE => {
                let bits = inner()?.expect_tag(Tag::BitString, "keyUsage")?;
                // Bit 0 is the most significant bit of the first content byte after the
                // unused-bits octet; fold the first two bytes into bit positions 0..16.
                let b0 = bits.value.get(1).copied().unwrap_or(0);
                let b1 = bits.value.get(2).copied().unwrap_or(0);
                let mut usage = 0u16;
                for i in 0u16..8 {
                    if b0 & (0x80 >> i) != 0 {
                        usage |= 1 << i;
                    }
                    if b1 & (0x80 >> i) != 0 {
                        usage |= 1 << i.saturating_add(8);
                    }
                }
                self.key_usage = Some(usage);
            }
            ext_oid::EXT_KEY_USAGE => {
                let mut r = inner()?.expect_tag(Tag::Sequence, "extKeyUsage")?.contents();
                let mut list = Vec::new();
                while !r.is_empty() {
                    list.push(r.read("KeyPurposeId")?.decode::<ObjectIdentifier>("KeyPurposeId")?);
                }
                self.ext_key_usage = Some(list);
            }
            ext_oid::SUBJECT_KEY_ID => {
                self.subject_key_id = Some(
                    inner()?
                        .expect_tag(Tag::OctetString, "subjectKeyIdentifier")?
                        .value
                        .to_vec(),
                );
            }
            ext_oid::SUBJECT_ALT_NAME => {
                let mut r = inner()?.expect_tag(Tag::Sequence, "subjectAltName")?.contents();
                while !r.is_empty() {
                    let t = r.read("GeneralName")?;
                    self.alt_names
                        .push(GeneralName::read(&t).unwrap_or(GeneralName::Other(u8::MAX)));
                }
            }
            ext_oid::NAME_CONSTRAINTS => {
                let mut r = inner()?.expect_tag(Tag::Sequence, "nameConstraints")?.contents();
                let mut nc = NameConstraints::default();
                for (n, list) in [(0, &mut nc.permitted), (1, &mut nc.excluded)] {
                    if let Some(trees) = r.optional(ctx(n, true), "GeneralSubtrees")? {
                        let mut t = trees.contents();
                        while !t.is_empty() {
                            let subtree = t.expect_tag(Tag::Sequence, "GeneralSubtree")?;
                            let base = subtree.contents().read("base")?;
                            list.push(GeneralName::read(&base).unwrap_or(GeneralName::Other(u8::MAX)));
                        }
                    }
                }
                self.name_constraints = Some(nc);
            }
            ext_oid::AUTHORITY_KEY_ID => {
                let mut r = inner()?.expect_tag(Tag::Sequence, "authorityKeyIdentifier")?.contents();
                self.authority_key_id = r.optional(ctx(0, false), "keyIdentifier")?.map(|k| k.value.to_vec());
            }
            _ => {}
        }
        Ok(())
    }
}
