//! Certificate revocation lists (RFC 5280 §5) as received: the signed part kept as a raw
//! span so its signature is checked over the bytes the issuer signed, the fields revocation
//! needs decoded, and every extension that would change what the list means recorded so
//! that the caller can refuse to use a list it does not understand.
//!
//! Read with the raw walker like certificates (x509/certificate.rs): re-encoding a
//! `x509_cert::crl::CertificateList` is not byte-exact, and a list's signature is only
//! meaningful over the TBS as the issuer encoded it.

use std::ops::Range;
use std::sync::{Mutex, OnceLock};

use const_oid::ObjectIdentifier;
use der::Tag;
use sha1::Digest as _;

use crate::asn1::{ctx, RawReader, Tlv};
use crate::error::CrlError;
use crate::time::UnixTime;
use crate::x509::algorithms::{algorithm_oid, SignatureFailure};
use crate::x509::certificate::{read_time, Certificate};

/// CRL and CRL entry extension OIDs (RFC 5280 §5.2, §5.3).
mod crl_oid {
    use const_oid::ObjectIdentifier as Oid;
    pub(super) const AUTHORITY_KEY_ID: Oid = Oid::new_unwrap("2.5.29.35");
    pub(super) const ISSUER_ALT_NAME: Oid = Oid::new_unwrap("2.5.29.18");
    pub(super) const CRL_NUMBER: Oid = Oid::new_unwrap("2.5.29.20");
    pub(super) const DELTA_CRL_INDICATOR: Oid = Oid::new_unwrap("2.5.29.27");
    pub(super) const ISSUING_DISTRIBUTION_POINT: Oid = Oid::new_unwrap("2.5.29.28");
    pub(super) const FRESHEST_CRL: Oid = Oid::new_unwrap("2.5.29.46");
    pub(super) const AUTHORITY_INFO_ACCESS: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.1.1");
    pub(super) const REASON_CODE: Oid = Oid::new_unwrap("2.5.29.21");
    pub(super) const INVALIDITY_DATE: Oid = Oid::new_unwrap("2.5.29.24");

    /// CRL extensions whose meaning is applied (or which restrict nothing decided here): a
    /// critical one of these does not make the list unusable. The delta indicator and the
    /// issuing distribution point are understood, and decide whether the list is used.
    pub(super) const UNDERSTOOD: &[Oid] = &[
        AUTHORITY_KEY_ID,
        ISSUER_ALT_NAME,
        CRL_NUMBER,
        DELTA_CRL_INDICATOR,
        ISSUING_DISTRIBUTION_POINT,
        FRESHEST_CRL,
        AUTHORITY_INFO_ACCESS,
    ];
    /// Entry extensions understood. certificateIssuer (indirect CRLs) is not: a critical
    /// one makes the list unused (RFC 5280 §5.3.3 marks it critical).
    pub(super) const ENTRY_UNDERSTOOD: &[Oid] = &[REASON_CODE, INVALIDITY_DATE];
}

/// Most entries a list may hold before it is refused: the largest public CRLs run to a few
/// hundred thousand entries; beyond this a file is not a list anybody publishes.
const MAX_ENTRIES: usize = 4_000_000;

/// Issuers whose verdict on a list's signature is remembered (a list has one issuer; a
/// few more cover lists under the CA's name from other keys).
const VERIFIED_CACHE: usize = 8;

/// CRLReason (RFC 5280 §5.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CrlReason {
    /// unspecified (0).
    Unspecified,
    /// keyCompromise (1).
    KeyCompromise,
    /// cACompromise (2).
    CaCompromise,
    /// affiliationChanged (3).
    AffiliationChanged,
    /// superseded (4).
    Superseded,
    /// cessationOfOperation (5).
    CessationOfOperation,
    /// certificateHold (6).
    CertificateHold,
    /// removeFromCRL (8): in a delta CRL, the entry leaves the base list.
    RemoveFromCrl,
    /// privilegeWithdrawn (9).
    PrivilegeWithdrawn,
    /// aACompromise (10).
    AaCompromise,
    /// A value RFC 5280 does not define (7 or above 10), as read.
    Other(u8),
}

impl CrlReason {
    fn from_code(code: u8) -> Self {
        match code {
            0 => Self::Unspecified,
            1 => Self::KeyCompromise,
            2 => Self::CaCompromise,
            3 => Self::AffiliationChanged,
            4 => Self::Superseded,
            5 => Self::CessationOfOperation,
            6 => Self::CertificateHold,
            8 => Self::RemoveFromCrl,
            9 => Self::PrivilegeWithdrawn,
            10 => Self::AaCompromise,
            n => Self::Other(n),
        }
    }

    /// The RFC 5280 name.
    pub fn name(self) -> String {
        match self {
            Self::Unspecified => "unspecified".into(),
            Self::KeyCompromise => "keyCompromise".into(),
            Self::CaCompromise => "cACompromise".into(),
            Self::AffiliationChanged => "affiliationChanged".into(),
            Self::Superseded => "superseded".into(),
            Self::CessationOfOperation => "cessationOfOperation".into(),
            Self::CertificateHold => "certificateHold".into(),
            Self::RemoveFromCrl => "removeFromCRL".into(),
            Self::PrivilegeWithdrawn => "privilegeWithdrawn".into(),
            Self::AaCompromise => "aACompromise".into(),
            Self::Other(n) => format!("reason code {n}"),
        }
    }
}

/// One revokedCertificates entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrlEntry {
    /// userCertificate's contents octets, as encoded (compared with a certificate's serial).
    pub serial: Vec<u8>,
    /// revocationDate.
    pub revocation_date: UnixTime,
    /// reasonCode, when present.
    pub reason: Option<CrlReason>,
    /// invalidityDate, when present (reported only: the revocation date decides).
    pub invalidity_date: Option<UnixTime>,
}

/// The issuingDistributionPoint extension's scope (RFC 5280 §5.2.5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IssuingDistributionPoint {
    /// distributionPoint is present (the list covers one partition).
    pub distribution_point: bool,
    /// onlyContainsUserCerts.
    pub only_user: bool,
    /// onlyContainsCACerts.
    pub only_ca: bool,
    /// onlySomeReasons is present.
    pub only_some_reasons: bool,
    /// indirectCRL.
    pub indirect: bool,
    /// onlyContainsAttributeCerts.
    pub only_attribute: bool,
}

/// A parsed CRL with its spans.
#[derive(Debug)]
pub struct Crl {
    der: Vec<u8>,
    tbs: Range<usize>,
    signature: Range<usize>,
    issuer: Range<usize>,
    signature_algorithm: ObjectIdentifier,
    sha256: [u8; 32],
    /// thisUpdate.
    pub this_update: UnixTime,
    /// nextUpdate, when present.
    pub next_update: Option<UnixTime>,
    /// The revoked certificates, in list order.
    pub entries: Vec<CrlEntry>,
    /// Indexes into `entries`, sorted by serial (then position): every certificate of every
    /// path is looked up, so a lookup is a binary search, not a scan of a long list.
    by_serial: Vec<usize>,
    /// Issuers (by SHA-256) this list's signature was checked against, and the result: the
    /// same list is checked for every file whose path passes its issuer. At most
    /// [`VERIFIED_CACHE`] kept.
    verified: Mutex<Vec<([u8; 32], bool)>>,
    /// The issuer's RFC 5280 comparison key (name.rs), computed on first use: every path's
    /// issuers are compared with it.
    issuer_key: OnceLock<Option<Vec<u8>>>,
    /// authorityKeyIdentifier's keyIdentifier.
    pub authority_key_id: Option<Vec<u8>>,
    /// cRLNumber's contents octets.
    pub crl_number: Option<Vec<u8>>,
    /// A deltaCRLIndicator is present.
    pub delta: bool,
    /// issuingDistributionPoint, when present.
    pub issuing_distribution_point: Option<IssuingDistributionPoint>,
    /// Critical CRL extensions not understood.
    pub unknown_critical: Vec<ObjectIdentifier>,
    /// The first critical entry extension not understood, if any.
    pub unknown_critical_entry: Option<ObjectIdentifier>,
}

fn span(outer: &[u8], inner: &[u8]) -> Range<usize> {
    // `inner` is always a sub-slice of `outer` (both come from the same walk).
    let start = inner.as_ptr().addr().saturating_sub(outer.as_ptr().addr());
    start..start.saturating_add(inner.len())
}

impl Crl {
    /// Parses a DER CertificateList; the bytes are kept as given.
    pub fn from_der(der: &[u8]) -> Result<Self, CrlError> {
        let der = der.to_vec();
        let crl = Self::read(&der)?;
        Ok(Self { der, ..crl })
    }

    fn read(der: &[u8]) -> Result<Self, CrlError> {
        let list = Tlv::parse_exact(der, 0, "CertificateList")?.expect_tag(Tag::Sequence, "CertificateList")?;
        let mut c = list.contents();
        let tbs = c.expect_tag(Tag::Sequence, "TBSCertList")?;
        let sig_alg = c.expect_tag(Tag::Sequence, "signatureAlgorithm")?;
        let signature = c.expect_tag(Tag::BitString, "signatureValue")?;
        c.finish("CertificateList")?;
        let signature_algorithm = algorithm_oid(&sig_alg, "signatureAlgorithm")?;

        let mut t = tbs.contents();
        if let Some(v) = t.optional(Tag::Integer, "version")? {
            let version = v.decode::<u8>("version")?;
            if version != 1 {
                return Err(CrlError::Version { version });
            }
        }
        let inner_alg = t.expect_tag(Tag::Sequence, "signature")?;
        // RFC 5280 §5.1.1.2: the signed copy must equal the outer one, as for certificates.
        if inner_alg.raw != sig_alg.raw {
            return Err(CrlError::SignatureAlgorithmMismatch);
        }
        let issuer = t.expect_tag(Tag::Sequence, "issuer")?;
        let this_update = read_time(t.read("thisUpdate")?)?;
        let next_update = match t.peek_tag() {
            Some(Tag::UtcTime | Tag::GeneralizedTime) => Some(read_time(t.read("nextUpdate")?)?),
            _ => None,
        };
        let mut crl = Self {
            der: Vec::new(),
            tbs: span(der, tbs.raw),
            signature: span(der, signature.value),
            issuer: span(der, issuer.raw),
            signature_algorithm,
            sha256: sha2::Sha256::digest(der).into(),
            this_update,
            next_update,
            entries: Vec::new(),
            by_serial: Vec::new(),
            verified: Mutex::new(Vec::new()),
            issuer_key: OnceLock::new(),
            authority_key_id: None,
            crl_number: None,
            delta: false,
            issuing_distribution_point: None,
            unknown_critical: Vec::new(),
            unknown_critical_entry: None,
        };
        if let Some(revoked) = t.optional(Tag::Sequence, "revokedCertificates")? {
            crl.read_entries(revoked.contents())?;
        }
        if let Some(exts) = t.optional(ctx(0, true), "crlExtensions")? {
            let list = exts.contents().expect_tag(Tag::Sequence, "Extensions")?;
            for (oid, critical, value) in extensions(list.contents())? {
                crl.extension(oid, critical, value)?;
            }
        }
        t.finish("TBSCertList")?;
        let mut order: Vec<usize> = (0..crl.entries.len()).collect();
        order.sort_by(|&a, &b| {
            let key = |i: usize| crl.entries.get(i).map(|e| integer_value(&e.serial));
            key(a).cmp(&key(b)).then(a.cmp(&b))
        });
        crl.by_serial = order;
        Ok(crl)
    }

    fn read_entries(&mut self, mut r: RawReader<'_>) -> Result<(), CrlError> {
        while !r.is_empty() {
            if self.entries.len() >= MAX_ENTRIES {
                return Err(CrlError::TooManyEntries { limit: MAX_ENTRIES });
            }
            let entry = r.expect_tag(Tag::Sequence, "revokedCertificate")?;
            let mut e = entry.contents();
            let serial = e.expect_tag(Tag::Integer, "userCertificate")?;
            let revocation_date = read_time(e.read("revocationDate")?)?;
            let mut item = CrlEntry {
                serial: serial.value.to_vec(),
                revocation_date,
                reason: None,
                invalidity_date: None,
            };
            if let Some(list) = e.optional(Tag::Sequence, "crlEntryExtensions")? {
                for (oid, critical, value) in extensions(list.contents())? {
                    self.entry_extension(&mut item, oid, critical, value)?;
                }
            }
            e.finish("revokedCertificate")?;
            self.entries.push(item);
        }
        Ok(())
    }

    fn entry_extension(
        &mut self,
        item: &mut CrlEntry,
        oid: ObjectIdentifier,
        critical: bool,
        value: Tlv<'_>,
    ) -> Result<(), CrlError> {
        // Only the values read are parsed: an extension not understood may hold anything.
        let inner = || Tlv::parse_exact(value.value, value.offset, "entry extension value");
        match oid {
            crl_oid::REASON_CODE => {
                let code = inner()?.expect_tag(Tag::Enumerated, "reasonCode")?;
                let n = match code.value {
                    [n] => *n,
                    _ => return Err(CrlError::ReasonCode),
                };
                item.reason = Some(CrlReason::from_code(n));
            }
            crl_oid::INVALIDITY_DATE => {
                item.invalidity_date = Some(read_time(inner()?)?);
            }
            // The first is enough to make the list unused; keeping one keeps the cost linear
            // whatever a hostile list repeats.
            _ if critical && !crl_oid::ENTRY_UNDERSTOOD.contains(&oid) && self.unknown_critical_entry.is_none() => {
                self.unknown_critical_entry = Some(oid);
            }
            _ => {}
        }
        Ok(())
    }

    fn extension(&mut self, oid: ObjectIdentifier, critical: bool, value: Tlv<'_>) -> Result<(), CrlError> {
        let inner = || Tlv::parse_exact(value.value, value.offset, "extension value");
        match oid {
            crl_oid::AUTHORITY_KEY_ID => {
                let mut r = inner()?.expect_tag(Tag::Sequence, "authorityKeyIdentifier")?.contents();
                self.authority_key_id = r.optional(ctx(0, false), "keyIdentifier")?.map(|k| k.value.to_vec());
            }
            crl_oid::CRL_NUMBER => {
                self.crl_number = Some(inner()?.expect_tag(Tag::Integer, "cRLNumber")?.value.to_vec());
            }
            crl_oid::DELTA_CRL_INDICATOR => self.delta = true,
            crl_oid::ISSUING_DISTRIBUTION_POINT => {
                self.issuing_distribution_point = Some(read_idp(inner()?)?);
            }
            _ if critical && !crl_oid::UNDERSTOOD.contains(&oid) => self.unknown_critical.push(oid),
            _ => {}
        }
        Ok(())
    }

    /// The list exactly as received.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
    /// The signed part, exactly as received.
    pub fn tbs_der(&self) -> &[u8] {
        self.der.get(self.tbs.clone()).unwrap_or_default()
    }
    /// The raw DER of the issuer Name.
    pub fn issuer_der(&self) -> &[u8] {
        self.der.get(self.issuer.clone()).unwrap_or_default()
    }
    /// The issuer, RFC 4514 style.
    pub fn issuer(&self) -> String {
        crate::x509::certificate::display_name(self.issuer_der())
    }
    /// SHA-256 of the DER (identifies the list in reports and when the same list arrives twice).
    pub fn sha256(&self) -> [u8; 32] {
        self.sha256
    }
    /// The signature algorithm OID.
    pub fn signature_algorithm(&self) -> ObjectIdentifier {
        self.signature_algorithm
    }

    /// Whether this list's issuer name is `cert`'s subject (exact DER, else RFC 5280
    /// comparison). Only picks candidates: the key identifier and the signature decide.
    pub fn names_issuer_by_name(&self, cert: &Certificate) -> bool {
        self.issuer_der() == cert.subject_der()
            || self
                .issuer_key
                .get_or_init(|| crate::x509::name::name_key(self.issuer_der()))
                .as_deref()
                .is_some_and(|k| cert.subject_name_key() == Some(k))
    }

    /// Verifies that `issuer`'s key signed this list, over the TBS bytes as received, with
    /// the code that verifies certificate signatures.
    pub fn verify_signed_by(&self, issuer: &Certificate) -> Result<(), SignatureFailure> {
        self.check_signature(issuer)
    }

    /// Whether `issuer` signed this list, remembered per issuer (a failure's reason is
    /// not: [`Crl::verify_signed_by`] gives it).
    pub fn signed_by(&self, issuer: &Certificate) -> bool {
        let id = issuer.sha256();
        if let Ok(cache) = self.verified.lock() {
            if let Some((_, ok)) = cache.iter().find(|(k, _)| *k == id) {
                return *ok;
            }
        }
        let ok = self.check_signature(issuer).is_ok();
        if let Ok(mut cache) = self.verified.lock() {
            if cache.len() < VERIFIED_CACHE {
                cache.push((id, ok));
            }
        }
        ok
    }

    fn check_signature(&self, issuer: &Certificate) -> Result<(), SignatureFailure> {
        let key = issuer.public_key()?;
        let signature = self.der.get(self.signature.clone()).unwrap_or_default();
        // BIT STRING contents: skip the unused-bits octet.
        key.verify(
            &self.signature_algorithm,
            None,
            self.tbs_der(),
            signature.get(1..).unwrap_or_default(),
        )
        .map(|_| ())
    }

    /// The entry listing `serial` (INTEGER contents octets), if any (the first, should a
    /// list repeat one). Compared by value, not by encoding: a redundant leading 0x00 or
    /// 0xFF octet on either side names the same serial, as Windows (CertCompareIntegerBlob)
    /// and OpenSSL (ASN1_INTEGER_cmp) compare them.
    pub fn entry_for(&self, serial: &[u8]) -> Option<&CrlEntry> {
        let serial = integer_value(serial);
        let entry = |i: &usize| self.entries.get(*i);
        let first = self
            .by_serial
            .partition_point(|i| entry(i).is_some_and(|e| integer_value(&e.serial) < serial));
        self.by_serial
            .get(first)
            .and_then(entry)
            .filter(|e| integer_value(&e.serial) == serial)
    }
}

/// INTEGER contents octets without redundant leading octets (0x00 before an octet below
/// 0x80, 0xFF before one of 0x80 or above): equal values give equal slices whatever a
/// lenient encoder wrote. The result is a suffix of `bytes`. Sorting and searching use
/// this same key, so the order need not be numeric, only consistent.
fn integer_value(mut bytes: &[u8]) -> &[u8] {
    while let [first, second, ..] = bytes {
        let redundant = (*first == 0x00 && *second < 0x80) || (*first == 0xff && *second >= 0x80);
        if !redundant {
            break;
        }
        bytes = bytes.get(1..).unwrap_or_default();
    }
    bytes
}

/// Reads an Extensions SEQUENCE's members: (OID, critical, extnValue), each OID once
/// (RFC 5280 §4.2 for certificates; a list repeating one is ambiguous the same way).
fn extensions<'a>(mut r: RawReader<'a>) -> Result<Vec<(ObjectIdentifier, bool, Tlv<'a>)>, CrlError> {
    let mut out: Vec<(ObjectIdentifier, bool, Tlv<'a>)> = Vec::new();
    // A set, not a scan of `out`: an entry may carry any number of extensions.
    let mut seen = std::collections::HashSet::new();
    while !r.is_empty() {
        let ext = r.expect_tag(Tag::Sequence, "Extension")?;
        let mut e = ext.contents();
        let oid: ObjectIdentifier = e.read("extnID")?.decode("extnID")?;
        if !seen.insert(oid) {
            return Err(CrlError::DuplicateExtension { oid: oid.to_string() });
        }
        // Lenient BOOLEAN as for certificates: any non-zero content is TRUE.
        let critical = e
            .optional(Tag::Boolean, "critical")?
            .is_some_and(|b| b.value.iter().any(|&x| x != 0));
        let value = e.expect_tag(Tag::OctetString, "extnValue")?;
        e.finish("Extension")?;
        out.push((oid, critical, value));
    }
    Ok(out)
}

fn read_idp(t: Tlv<'_>) -> Result<IssuingDistributionPoint, CrlError> {
    let mut r = t.expect_tag(Tag::Sequence, "issuingDistributionPoint")?.contents();
    let mut idp = IssuingDistributionPoint::default();
    let flag = |t: Option<Tlv<'_>>| t.is_some_and(|b| b.value.iter().any(|&x| x != 0));
    idp.distribution_point = r.optional(ctx(0, true), "distributionPoint")?.is_some();
    idp.only_user = flag(r.optional(ctx(1, false), "onlyContainsUserCerts")?);
    idp.only_ca = flag(r.optional(ctx(2, false), "onlyContainsCACerts")?);
    idp.only_some_reasons = r.optional(ctx(3, false), "onlySomeReasons")?.is_some();
    idp.indirect = flag(r.optional(ctx(4, false), "indirectCRL")?);
    idp.only_attribute = flag(r.optional(ctx(5, false), "onlyContainsAttributeCerts")?);
    r.finish("issuingDistributionPoint")?;
    Ok(idp)
}
