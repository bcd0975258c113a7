//! Timestamps: RFC 3161 tokens (1.3.6.1.4.1.311.3.3.1) and PKCS#9 countersignatures
//! (1.2.840.113549.1.9.6). Both bind a time to the parent signature's value; a valid one
//! moves the signer's chain validation to that time.

use std::sync::Arc;

use const_oid::ObjectIdentifier;
use der::Tag;

use crate::asn1::{RawReader, Tlv};
use crate::cms::signed_data::{oid, parse_content_info, SignerInfo};
use crate::cms::signer;
use crate::digest::DigestAlgorithm;
use crate::finding::{Finding, Rule};
use crate::path::{self, ChainRequest, Purpose};
use crate::policy::Policy;
use crate::report::{ChainStatus, TimestampKind};
use crate::time::UnixTime;
use crate::trust::TrustStore;
use crate::x509::algorithms::algorithm_oid;
use crate::x509::certificate::Certificate;

const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");

pub(crate) struct TimestampContext<'a> {
    pub(crate) trust: &'a TrustStore,
    pub(crate) links: Option<&'a path::LinkCache>,
    pub(crate) certificates: Option<&'a crate::x509::cache::CertificateCache>,
    pub(crate) policy: &'a Policy,
    /// Certificates of the SignedData that carries the parent signature.
    pub(crate) outer_certs: &'a [Arc<Certificate>],
    /// CRLs carried by that SignedData: they may revoke a TSA certificate too.
    pub(crate) outer_crls: &'a [Arc<crate::x509::crl::Crl>],
    /// The parent signature's signer: a timestamp made with its key proves nothing (a
    /// signer could otherwise outlive its certificate by stamping itself).
    pub(crate) signer: Option<&'a Certificate>,
    /// The instant the caller verifies at: what the TSA chain lacks is vouched for as of it.
    pub(crate) verification_time: UnixTime,
}

/// A timestamp as evaluated: what it asserts, whether it holds, and the TSA's chain; the
/// report's `TimestampReport` is made from it once, when the file's verdict is reached.
#[derive(Clone, Debug)]
pub(crate) struct Timestamp {
    /// RFC 3161 or PKCS#9.
    pub(crate) kind: TimestampKind,
    /// The time it asserts, when it could be read.
    pub(crate) time: Option<UnixTime>,
    /// It verifies, binds to the parent signature, and its TSA chain is trusted at `time`.
    pub(crate) valid: bool,
    /// The TSA certificate, when found.
    pub(crate) tsa: Option<Arc<Certificate>>,
    /// The TSA's chain, judged at `time`.
    pub(crate) chain: Option<path::Chain>,
    /// Findings, including why it is not valid.
    pub(crate) findings: Vec<Finding>,
}

impl Timestamp {
    /// Its own signature and binding hold (only its chain may fail): then what its TSA
    /// chain lacks is worth installing.
    pub(crate) fn holds(&self) -> bool {
        self.findings
            .iter()
            .all(|n| n.effect != crate::finding::Effect::Refusal || n.rule == Rule::TimestampChain)
    }
}

/// The first timestamp on `parent` (RFC 3161 preferred), verified; `None` without one.
pub(crate) fn evaluate(parent: &SignerInfo<'_>, ctx: &TimestampContext<'_>) -> Option<Timestamp> {
    let rfc3161 = parent
        .unsigned_attrs
        .iter()
        .filter(|a| a.oid == oid::RFC3161_TIMESTAMP)
        .flat_map(|a| a.values.iter());
    let pkcs9 = parent
        .unsigned_attrs
        .iter()
        .filter(|a| a.oid == oid::COUNTERSIGNATURE)
        .flat_map(|a| a.values.iter());
    let mut all: Vec<(TimestampKind, &Tlv<'_>)> = rfc3161
        .map(|t| (TimestampKind::Rfc3161, t))
        .chain(pkcs9.map(|t| (TimestampKind::Pkcs9, t)))
        .collect();
    if all.is_empty() {
        return None;
    }
    let (kind, first) = all.remove(0);
    let mut report = match kind {
        TimestampKind::Rfc3161 => rfc3161_token(first, parent.signature, ctx),
        _ => countersignature(first, parent.signature, ctx),
    };
    if !all.is_empty() {
        report.findings.push(Finding::information(
            Rule::TimestampExtra,
            format!("{} further timestamp(s) present; the first was evaluated", all.len()),
        ));
    }
    Some(report)
}

/// A timestamp that cannot be read: it is not valid.
fn malformed(detail: String) -> Finding {
    Finding::refusal(Rule::TimestampMalformed, detail)
}

fn empty(kind: TimestampKind) -> Timestamp {
    Timestamp {
        kind,
        time: None,
        valid: false,
        tsa: None,
        chain: None,
        findings: Vec::new(),
    }
}

/// What the TSA signed: its SignerInfo, the content its messageDigest covers, and the
/// content type it must declare.
struct TsaSignature<'a, 'b> {
    si: &'b SignerInfo<'a>,
    content_type: Option<ObjectIdentifier>,
    digested: &'b [u8],
    /// A legacy PKCS#9 countersignature (not an RFC 3161 token): the bare-hash RSA form
    /// may be accepted, and MD5 is judged by `allow_md5_countersignature`.
    countersignature: bool,
}

/// Verifies the TSA signer and chain and fills the report; `binding` is whether the
/// token covers the parent signature.
fn finish(
    mut report: Timestamp,
    sig: &TsaSignature<'_, '_>,
    (certs, crls): (&[Arc<Certificate>], &[Arc<crate::x509::crl::Crl>]),
    ctx: &TimestampContext<'_>,
    binding: bool,
) -> Timestamp {
    let si = sig.si;
    let Some(tsa) = super::find_signer_with_store(&si.sid, certs, ctx.trust) else {
        report.findings.push(Finding::refusal(
            Rule::TimestampCertificateMissing,
            "the TSA certificate named by the timestamp is not present",
        ));
        return report;
    };
    report.tsa = Some(Arc::clone(&tsa));
    if ctx.signer.is_some_and(|s| s.spki_der() == tsa.spki_der()) {
        report.findings.push(Finding::refusal(
            Rule::TimestampSelfSigned,
            "the timestamp is signed with the signer's own key: a signer cannot vouch for its own signing time",
        ));
        return report;
    }
    let signature_ok = tsa_signature(sig, &tsa, ctx.policy, &mut report.findings);
    let Some(time) = report.time else {
        return report;
    };
    // The TSA chain is judged at the time the timestamp asserts: TSA certificates expire
    // too, and Windows keeps accepting timestamps they made while valid.
    let mut chain = path::build(&ChainRequest {
        leaf: &tsa,
        embedded: certs,
        trust: ctx.trust,
        at: time,
        verification_time: ctx.verification_time,
        purpose: Purpose::TimeStamping,
        budget: ctx.policy.budget,
        rules: path::PathRules::from(ctx.policy),
        links: ctx.links,
        dictionary: crate::trust::builtin::Dictionary::BUILTIN,
    });
    // A TSA revoked before the time it stamped makes the timestamp not count; revoked
    // later for a reason that says its key was not compromised, what it stamped before
    // stands (RFC 3161 §4).
    path::revocation::check(
        &mut chain,
        &path::revocation::lists(ctx.trust.crls(), crls),
        ctx.verification_time,
        path::revocation::PathOf::TimestampAuthority,
    );
    if chain.status != ChainStatus::Trusted {
        report.findings.push(Finding::refusal(
            Rule::TimestampChain,
            format!(
                "TSA chain is {}: {}",
                chain.status.name(),
                chain.detail.as_ref().map_or("", |d| d.detail.as_str())
            ),
        ));
    }
    report.valid = signature_ok && binding && chain.status == ChainStatus::Trusted;
    report.chain = Some(chain);
    report
}

/// The TSA's signature: its hash under the policy, then the signer checks; findings go to
/// `notes`. Whether it holds.
fn tsa_signature(sig: &TsaSignature<'_, '_>, tsa: &Certificate, policy: &Policy, notes: &mut Vec<Finding>) -> bool {
    let si = sig.si;
    let sha1_ok = DigestAlgorithm::from_oid(&si.digest_algorithm) != Some(DigestAlgorithm::Sha1)
        || Policy::rule(
            policy.allow_sha1_timestamps,
            Rule::AllowSha1Timestamps,
            "the TSA signature uses SHA-1",
            notes,
        );
    sha1_ok
        && match signer::check(
            si,
            sig.content_type,
            sig.digested,
            tsa,
            policy,
            sig.countersignature,
            if sig.countersignature {
                signer::SignerRole::Countersignature
            } else {
                signer::SignerRole::Timestamp
            },
        ) {
            Ok(check) => {
                notes.extend(check.notes);
                true
            }
            Err(e) => {
                notes.push(e.prefixed("timestamp signature: "));
                false
            }
        }
}

fn rfc3161_token(value: &Tlv<'_>, parent_signature: &[u8], ctx: &TimestampContext<'_>) -> Timestamp {
    let mut report = empty(TimestampKind::Rfc3161);
    let (sd, _) = match parse_content_info(value.raw, value.offset) {
        Ok(x) => x,
        Err(e) => {
            report
                .findings
                .push(malformed(format!("RFC 3161 token does not parse: {e}")));
            return report;
        }
    };
    if sd.content_type != ID_CT_TST_INFO {
        report.findings.push(malformed(format!(
            "RFC 3161 token content type {} is not id-ct-TSTInfo",
            sd.content_type
        )));
        return report;
    }
    let Some(content) = sd.content else {
        report.findings.push(malformed("RFC 3161 token has no TSTInfo".into()));
        return report;
    };
    let tst = match TstInfo::parse(&content.element) {
        Ok(t) => t,
        Err(e) => {
            report.findings.push(malformed(format!("TSTInfo does not parse: {e}")));
            return report;
        }
    };
    report.time = Some(tst.gen_time);
    let binding = imprint_binds(&tst, parent_signature, ctx.policy, &mut report.findings);
    let [si_tlv] = sd.signer_infos.as_slice() else {
        report.findings.push(malformed(format!(
            "RFC 3161 token has {} SignerInfos, expected 1",
            sd.signer_infos.len()
        )));
        return report;
    };
    let si = match SignerInfo::parse(si_tlv) {
        Ok(s) => s,
        Err(e) => {
            report
                .findings
                .push(malformed(format!("token SignerInfo does not parse: {e}")));
            return report;
        }
    };
    let mut certs = signer::decode_certificates(&sd.certificates, &mut report.findings, ctx.certificates);
    certs.extend(ctx.outer_certs.iter().cloned());
    let mut crls = signer::decode_crls(&sd.crls, &mut report.findings);
    crls.extend(ctx.outer_crls.iter().cloned());
    let sig = TsaSignature {
        si: &si,
        content_type: Some(ID_CT_TST_INFO),
        digested: content.digested,
        countersignature: false,
    };
    finish(report, &sig, (&certs, &crls), ctx, binding)
}

/// Whether the token's messageImprint, in its own algorithm (which may differ from the
/// token's digest algorithm), is the hash of the parent's signature value; why not goes to
/// `findings`.
fn imprint_binds(tst: &TstInfo, parent_signature: &[u8], policy: &Policy, findings: &mut Vec<Finding>) -> bool {
    let imprint_algorithm = DigestAlgorithm::from_oid(&tst.imprint_algorithm);
    // The imprint is what binds the time to the signature: an MD5 one is `allow_md5`'s
    // (MD5 anywhere), whatever the hash the TSA signed with.
    let md5_refused = imprint_algorithm == Some(DigestAlgorithm::Md5)
        && !Policy::rule(
            policy.allow_md5,
            Rule::AllowMd5,
            "the messageImprint uses md5",
            findings,
        );
    match imprint_algorithm {
        _ if md5_refused => false,
        Some(alg) if alg.hash(parent_signature) == tst.imprint => true,
        Some(_) => {
            findings.push(Finding::refusal(
                Rule::TimestampImprint,
                "messageImprint does not match the signature it claims to timestamp",
            ));
            false
        }
        None => {
            findings.push(Finding::refusal(
                Rule::TimestampImprint,
                format!("unsupported messageImprint algorithm {}", tst.imprint_algorithm),
            ));
            false
        }
    }
}

fn countersignature(value: &Tlv<'_>, parent_signature: &[u8], ctx: &TimestampContext<'_>) -> Timestamp {
    let mut report = empty(TimestampKind::Pkcs9);
    let si = match value
        .expect_tag(Tag::Sequence, "countersignature")
        .map_err(|e| e.to_string())
        .and_then(|t| SignerInfo::parse(&t).map_err(|e| e.to_string()))
    {
        Ok(s) => s,
        Err(e) => {
            report
                .findings
                .push(malformed(format!("countersignature does not parse: {e}")));
            return report;
        }
    };
    match si
        .single_signed(oid::SIGNING_TIME, "signingTime")
        .map_err(TimeFieldError::from)
        .and_then(|t| read_time(&t))
    {
        Ok(t) => report.time = Some(t),
        Err(e) => report
            .findings
            .push(malformed(format!("countersignature signingTime: {e}"))),
    }
    // The countersignature's messageDigest covers the parent's signature value; its TSA
    // certificate lives in the outer certificate set.
    let certs: Vec<Arc<Certificate>> = ctx.outer_certs.to_vec();
    let sig = TsaSignature {
        si: &si,
        content_type: None,
        digested: parent_signature,
        countersignature: true,
    };
    finish(report, &sig, (&certs, ctx.outer_crls), ctx, true)
}

/// The fields of TSTInfo (RFC 3161 §2.4.2) a verifier needs.
struct TstInfo {
    imprint_algorithm: ObjectIdentifier,
    imprint: Vec<u8>,
    gen_time: UnixTime,
}

impl TstInfo {
    fn parse(t: &Tlv<'_>) -> Result<Self, TimeFieldError> {
        let e = TimeFieldError::from;
        let mut r: RawReader<'_> = t.expect_tag(Tag::Sequence, "TSTInfo").map_err(e)?.contents();
        r.expect_tag(Tag::Integer, "TSTInfo.version").map_err(e)?;
        r.expect_tag(Tag::ObjectIdentifier, "TSTInfo.policy").map_err(e)?;
        let mi = r.expect_tag(Tag::Sequence, "TSTInfo.messageImprint").map_err(e)?;
        let mut m = mi.contents();
        let imprint_algorithm = algorithm_oid(
            &m.expect_tag(Tag::Sequence, "hashAlgorithm").map_err(e)?,
            "hashAlgorithm",
        )
        .map_err(e)?;
        let imprint = m
            .expect_tag(Tag::OctetString, "hashedMessage")
            .map_err(e)?
            .value
            .to_vec();
        r.expect_tag(Tag::Integer, "TSTInfo.serialNumber").map_err(e)?;
        let gen_time = r.expect_tag(Tag::GeneralizedTime, "TSTInfo.genTime").map_err(e)?;
        Ok(Self {
            imprint_algorithm,
            imprint,
            gen_time: generalized_time(gen_time.value)?,
        })
    }
}

/// GeneralizedTime as RFC 3161 allows it: `YYYYMMDDhhmmss[.fraction]Z`. `der` accepts only
/// the fraction-less DER form, which Microsoft's and other TSAs do not always use, so the
/// seconds are read here and the fraction (below our one-second resolution) is dropped;
/// `der::DateTime` validates the fields.
fn generalized_time(v: &[u8]) -> Result<UnixTime, TimeFieldError> {
    let bad = || TimeFieldError::GeneralizedTime(String::from_utf8_lossy(v).into_owned());
    let digits = v.get(..14).ok_or_else(bad)?;
    if !digits.iter().all(u8::is_ascii_digit) || v.last() != Some(&b'Z') {
        return Err(bad());
    }
    let rest = v.get(14..v.len().saturating_sub(1)).unwrap_or_default();
    let fraction_ok = rest.is_empty()
        || (rest.first() == Some(&b'.') && rest.len() > 1 && rest.iter().skip(1).all(u8::is_ascii_digit));
    if !fraction_ok {
        return Err(bad());
    }
    let n = |a: usize, b: usize| -> u16 {
        digits.get(a..b).unwrap_or_default().iter().fold(0u16, |acc, d| {
            acc.saturating_mul(10).saturating_add(u16::from(d.saturating_sub(b'0')))
        })
    };
    // Two digits never exceed 99.
    let two = |a: usize| u8::try_from(n(a, a.saturating_add(2))).unwrap_or(u8::MAX);
    let dt = der::DateTime::new(n(0, 4), two(4), two(6), two(8), two(10), two(12)).map_err(|_| bad())?;
    Ok(UnixTime::from_der_time(dt))
}

fn read_time(t: &Tlv<'_>) -> Result<UnixTime, TimeFieldError> {
    match t.tag {
        Tag::UtcTime => Ok(t
            .decode::<der::asn1::UtcTime>("signingTime")
            .map(|u| UnixTime::from_der_time(u.to_date_time()))?),
        Tag::GeneralizedTime => generalized_time(t.value),
        other => Err(TimeFieldError::Tag(other)),
    }
}

/// Why a timestamp's time or TSTInfo could not be read; the texts are the findings'.
#[derive(Debug, thiserror::Error)]
enum TimeFieldError {
    /// The DER around or inside the field.
    #[error(transparent)]
    Asn1(#[from] crate::error::Asn1Error),
    /// The signed attribute holding the time.
    #[error(transparent)]
    SignedData(#[from] crate::error::SignedDataError),
    /// A GeneralizedTime outside the form RFC 3161 allows.
    #[error("genTime {0:?} is not YYYYMMDDhhmmss[.f]Z")]
    GeneralizedTime(String),
    /// signingTime is neither UTCTime nor GeneralizedTime.
    #[error("signingTime has tag {0}")]
    Tag(Tag),
}
