//! SignerInfo checks shared by Authenticode signers, RFC 3161 token signers and PKCS#9
//! countersigners: find the certificate, bind messageDigest, verify the signature over the
//! signed attributes exactly as received.

use std::sync::Arc;

use const_oid::ObjectIdentifier;

use crate::asn1::Tlv;
use crate::cms::signed_data::{oid, SignerId, SignerInfo};
use crate::digest::DigestAlgorithm;
use crate::finding::{Finding, Rule};
use crate::policy::Policy;
use crate::x509::certificate::Certificate;
use crate::x509::crl::Crl;

/// What checking a SignerInfo established.
#[derive(Debug, Default)]
pub(crate) struct SignerCheck {
    /// Leniencies the verdict relied on.
    pub(crate) notes: Vec<Finding>,
}

/// Most certificates read from one SignedData's bag (real files carry 2 to 10).
pub(crate) const MAX_EMBEDDED_CERTIFICATES: usize = 256;

/// CRLs a signature may carry and be read: a few are what signers embed; each is checked
/// against the issuers on a path, so a bag of thousands would only cost time.
const MAX_EMBEDDED_CRLS: usize = 16;

/// The CRLs of a SignedData's `crls` field (RevocationInfoChoices): each X.509 list decoded
/// on its own; other choices and lists that do not parse are noted and left out.
pub(crate) fn decode_crls(bag: &[Tlv<'_>], notes: &mut Vec<Finding>) -> Vec<Arc<Crl>> {
    let mut out = Vec::new();
    if bag.len() > MAX_EMBEDDED_CRLS {
        notes.push(Finding::information(
            Rule::CrlUnreadable,
            format!(
                "the signature carries {} CRLs: only the first {MAX_EMBEDDED_CRLS} are read",
                bag.len()
            ),
        ));
    }
    for (i, c) in bag.iter().enumerate().take(MAX_EMBEDDED_CRLS) {
        let parsed = if c.tag == der::Tag::Sequence {
            Crl::from_der(c.raw).map_err(|e| e.to_string())
        } else {
            Err(format!("it is not an X.509 CRL (tag {})", c.tag))
        };
        match parsed {
            Ok(crl) => out.push(Arc::new(crl)),
            Err(e) => notes.push(Finding::information(
                Rule::CrlUnreadable,
                format!(
                    "CRL {i} carried by the signature at offset {} is not used: {e}",
                    c.offset
                ),
            )),
        }
    }
    out
}

/// Decodes every certificate of a bag on its own; one that does not parse is a note.
pub(crate) fn decode_certificates(
    bag: &[Tlv<'_>],
    notes: &mut Vec<Finding>,
    cache: Option<&crate::x509::cache::CertificateCache>,
) -> Vec<Arc<Certificate>> {
    let mut out = Vec::new();
    if bag.len() > MAX_EMBEDDED_CERTIFICATES {
        // Real signatures carry a handful; thousands only make every later step slower.
        notes.push(Finding::information(
            Rule::CertificatesTruncated,
            format!(
                "the signature carries {} certificates: only the first {MAX_EMBEDDED_CERTIFICATES} are read",
                bag.len()
            ),
        ));
    }
    for (i, c) in bag.iter().enumerate().take(MAX_EMBEDDED_CERTIFICATES) {
        if c.tag != der::Tag::Sequence {
            notes.push(Finding::information(
                Rule::CertificateNotX509,
                format!(
                    "embedded certificate {i} is not an X.509 certificate (tag {}); ignored",
                    c.tag
                ),
            ));
            continue;
        }
        let parsed = match cache {
            Some(cache) => cache.get_or_parse(c.raw),
            None => Certificate::from_der(c.raw).map(Arc::new),
        };
        match parsed {
            Ok(cert) => out.push(cert),
            Err(e) => notes.push(Finding::information(
                Rule::CertificateUnparsable,
                format!("embedded certificate {i} at offset {} does not parse: {e}", c.offset),
            )),
        }
    }
    out
}

/// The certificate a SignerInfo names, by issuer and serial (or SKI), never by subject:
/// real files (node.exe) embed two leaves with one subject.
pub(crate) fn find_signer(sid: &SignerId<'_>, pools: &[&[Arc<Certificate>]]) -> Option<Arc<Certificate>> {
    pools.iter().flat_map(|p| p.iter()).find(|c| names(sid, c)).cloned()
}

/// Whether `c` is the certificate `sid` names.
pub(crate) fn names(sid: &SignerId<'_>, c: &Certificate) -> bool {
    match sid {
        SignerId::IssuerSerial { issuer, serial } => c.issuer_der() == *issuer && c.serial() == *serial,
        SignerId::KeyId(kid) => c.subject_key_id() == Some(*kid),
    }
}

/// Whose signature a SignerInfo is: it decides which SHA-1 rule applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SignerRole {
    /// An Authenticode signer (`allow_sha1`).
    Authenticode,
    /// A time-stamping authority signing an RFC 3161 token (`allow_sha1_timestamps`).
    Timestamp,
    /// A time-stamping authority's legacy PKCS#9 countersignature: SHA-1 as for
    /// [`SignerRole::Timestamp`]; MD5 also by `allow_md5_countersignature`.
    Countersignature,
    /// The signer of a root-program CTL (Microsoft's own; SHA-1 is not refused there, as
    /// archived CTLs are signed with it).
    TrustList,
}

/// Checks `si`: signed contentType (when `content_type` is given; a PKCS#9
/// countersignature passes `None`, and then contentType may be absent, as RFC 5652 §11.1
/// requires), messageDigest over `digested`, and the signature with `cert`'s key.
/// `allow_bare_hash` admits the legacy countersignature form without DigestInfo.
///
/// Every algorithm rule is judged on the hash actually used: the digestAlgorithm for
/// messageDigest and the hash the signature algorithm names (md5WithRSA signs with MD5
/// whatever the digestAlgorithm next to it says).
pub(crate) fn check(
    si: &SignerInfo<'_>,
    content_type: Option<ObjectIdentifier>,
    digested: &[u8],
    cert: &Certificate,
    policy: &Policy,
    allow_bare_hash: bool,
    role: SignerRole,
) -> Result<SignerCheck, Finding> {
    let mut result = SignerCheck::default();
    let alg = hashes(si, policy, role, &mut result.notes)?;
    fn attribute(e: impl std::fmt::Display) -> Finding {
        Finding::refusal(Rule::SignedAttributes, e.to_string())
    }
    if si.signed_attrs_raw.is_some() {
        let ct = if content_type.is_some() {
            Some(si.single_signed(oid::CONTENT_TYPE, "contentType").map_err(attribute)?)
        } else {
            si.optional_single_signed(oid::CONTENT_TYPE, "contentType")
                .map_err(attribute)?
        };
        if let (Some(ct), Some(want)) = (ct, content_type) {
            let ct: ObjectIdentifier = ct.decode("contentType").map_err(attribute)?;
            if ct != want {
                return Err(Finding::refusal(
                    Rule::ContentType,
                    format!("signed contentType {ct} is not {want}"),
                ));
            }
        }
        let md = si
            .single_signed(oid::MESSAGE_DIGEST, "messageDigest")
            .map_err(attribute)?;
        let md = md
            .expect_tag(der::Tag::OctetString, "messageDigest")
            .map_err(attribute)?;
        if alg.hash(digested) != md.value {
            return Err(Finding::refusal(
                Rule::MessageDigest,
                "messageDigest does not match the signed content",
            ));
        }
    } else if !Policy::rule(
        policy.accept_missing_signed_attributes,
        Rule::AcceptMissingSignedAttributes,
        "SignerInfo without signed attributes: the signature covers the content directly",
        &mut result.notes,
    ) {
        return Err(refusal_of(Rule::AcceptMissingSignedAttributes, &result.notes));
    }
    let key = cert
        .public_key()
        .map_err(|e| Finding::refusal(Rule::SignerKey, format!("signer key: {e}")))?;
    let message = si.signed_bytes(digested);
    match key.verify(&si.signature_algorithm, Some(alg), &message, si.signature) {
        Ok(_) => Ok(result),
        Err(e) => {
            if !(allow_bare_hash && key.verify_rsa_bare_hash(&alg.hash(&message), si.signature).is_ok()) {
                return Err(Finding::refusal(
                    Rule::SignerSignature,
                    format!("signer signature: {e}"),
                ));
            }
            let what = "the countersignature's RSA block holds the bare hash without DigestInfo (legacy Symantec/VeriSign form, accepted by Windows)";
            if Policy::rule(
                policy.allow_legacy_countersignature_hash,
                Rule::AllowLegacyCountersignatureHash,
                what,
                &mut result.notes,
            ) {
                Ok(result)
            } else {
                Err(refusal_of(Rule::AllowLegacyCountersignatureHash, &result.notes))
            }
        }
    }
}

/// The refusal of `rule`, its text every note so far joined (as reports have always said
/// it: earlier leniencies first).
fn refusal_of(rule: Rule, notes: &[Finding]) -> Finding {
    let text: Vec<&str> = notes.iter().map(|f| f.detail.as_str()).collect();
    Finding::refusal(rule, text.join("; "))
}

/// The SignerInfo's digest algorithm, after judging it and the hash its signature
/// algorithm names (they must agree unless `accept_signature_hash_mismatch`).
fn hashes(
    si: &SignerInfo<'_>,
    policy: &Policy,
    role: SignerRole,
    notes: &mut Vec<Finding>,
) -> Result<DigestAlgorithm, Finding> {
    let alg = DigestAlgorithm::from_oid(&si.digest_algorithm).ok_or_else(|| {
        Finding::refusal(
            Rule::UnsupportedDigest,
            format!("unsupported SignerInfo digest algorithm {}", si.digest_algorithm),
        )
    })?;
    weak_hash(alg, "SignerInfo digest algorithm", policy, role, notes)?;
    if let Some(used) = crate::x509::algorithms::signature_digest(&si.signature_algorithm) {
        weak_hash(used, "signature algorithm", policy, role, notes)?;
        if used != alg
            && !Policy::rule(
                policy.accept_signature_hash_mismatch,
                Rule::AcceptSignatureHashMismatch,
                &format!(
                    "the signature algorithm {} signs with {used}, the SignerInfo digest algorithm is {alg}",
                    si.signature_algorithm
                ),
                notes,
            )
        {
            return Err(refusal_of(Rule::AcceptSignatureHashMismatch, notes));
        }
    }
    Ok(alg)
}

/// MD5 is refused unless `allow_md5` (or, in a legacy countersignature only,
/// `allow_md5_countersignature`, which a refusal there names); SHA-1 by the rule of `role`.
/// A leniency relied on is noted (SHA-1 under `windows` is noted by the caller once per
/// signature, not here).
fn weak_hash(
    used: DigestAlgorithm,
    what: &str,
    policy: &Policy,
    role: SignerRole,
    notes: &mut Vec<Finding>,
) -> Result<(), Finding> {
    let refuse = |rule: Rule| Err(Policy::finding(false, rule, &format!("{what} uses {used}")));
    match used {
        DigestAlgorithm::Md5 if !policy.allow_md5 && role == SignerRole::Countersignature => {
            if !policy.allow_md5_countersignature {
                return refuse(Rule::AllowMd5Countersignature);
            }
            let what = format!("{what} of the legacy countersignature uses MD5");
            notes.push(Policy::finding(true, Rule::AllowMd5Countersignature, &what));
            Ok(())
        }
        DigestAlgorithm::Md5 if !policy.allow_md5 => refuse(Rule::AllowMd5),
        DigestAlgorithm::Md5 => {
            notes.push(Policy::finding(true, Rule::AllowMd5, &format!("{what} uses MD5")));
            Ok(())
        }
        DigestAlgorithm::Sha1 => match role {
            SignerRole::Authenticode if !policy.allow_sha1 => refuse(Rule::AllowSha1),
            SignerRole::Timestamp | SignerRole::Countersignature if !policy.allow_sha1_timestamps => {
                refuse(Rule::AllowSha1Timestamps)
            }
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::indexing_slicing)] // a test: a missing vector should stop it
mod tests {
    use super::*;

    #[test]
    fn crls_a_signature_carries_are_read_and_the_others_noted() {
        let good = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../test-vectors/crl/leaf-revoked.crl"
        ))
        .expect("vector");
        // A SEQUENCE that is no CertificateList, and an otherRevocationInfoFormat ([1]).
        let not_a_list = [0x30, 0x03, 0x02, 0x01, 0x00];
        let other_format = [0xa1, 0x00];
        let bag: Vec<Tlv<'_>> = [good.as_slice(), &not_a_list, &other_format]
            .iter()
            .map(|b| Tlv::parse_exact(b, 0, "test").expect("tlv"))
            .collect();
        let mut notes = Vec::new();
        let crls = decode_crls(&bag, &mut notes);
        assert_eq!(crls.len(), 1);
        assert_eq!(crls[0].entries.len(), 1);
        let rules: Vec<Rule> = notes.iter().map(|n| n.rule).collect();
        assert_eq!(rules, [Rule::CrlUnreadable, Rule::CrlUnreadable]);
        assert!(notes[1].detail.contains("not an X.509 CRL"), "{}", notes[1].detail);

        let many: Vec<Tlv<'_>> = (0..MAX_EMBEDDED_CRLS + 4)
            .map(|_| Tlv::parse_exact(&good, 0, "test").expect("tlv"))
            .collect();
        let mut notes = Vec::new();
        assert_eq!(decode_crls(&many, &mut notes).len(), MAX_EMBEDDED_CRLS);
        assert_eq!(notes.len(), 1);
    }
}
