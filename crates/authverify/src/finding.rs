//! Findings: why a verdict is what it is, as data. Every check that reports something
//! (a policy leniency or refusal, a departure from the Authenticode structure, a timestamp
//! that does not hold) emits a [`Finding`]: a stable rule id, its effect, and the text a
//! person reads. Reports keep the text in `notes` and add the typed list as `findings`;
//! programs (the CLI's summary, the tests) match on [`Rule`], never on the prose.

use std::fmt;

/// The rule a finding is about. Ids (`as_str`) are stable: `policy.<field>` for the rules
/// a [`crate::Policy`] field decides, `<layer>.<what>` for the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Rule {
    // Decided by a Policy field (the id is the field's name).
    /// `Policy::allow_md5`.
    AllowMd5,
    /// `Policy::allow_md5_countersignature`.
    AllowMd5Countersignature,
    /// `Policy::allow_sha1`.
    AllowSha1,
    /// `Policy::allow_sha1_certificates`.
    AllowSha1Certificates,
    /// `Policy::allow_sha1_timestamps`.
    AllowSha1Timestamps,
    /// `Policy::allow_legacy_countersignature_hash`.
    AllowLegacyCountersignatureHash,
    /// `Policy::accept_signed_data_v3`.
    AcceptSignedDataV3,
    /// `Policy::accept_octet_string_content`.
    AcceptOctetStringContent,
    /// `Policy::accept_signer_info_v0`.
    AcceptSignerInfoV0,
    /// `Policy::accept_missing_signed_attributes`.
    AcceptMissingSignedAttributes,
    /// `Policy::require_leaf_eku`.
    RequireLeafEku,
    /// `Policy::accept_issuer_without_basic_constraints`.
    AcceptIssuerWithoutBasicConstraints,
    /// `Policy::accept_signature_hash_mismatch`.
    AcceptSignatureHashMismatch,
    /// `Policy::require_zero_padding`.
    RequireZeroPadding,
    /// `Policy::accept_data_after_cert_table`.
    AcceptDataAfterCertTable,
    /// `Policy::accept_non_deciding_mismatch`.
    AcceptNonDecidingMismatch,
    /// `Policy::min_rsa_bits`.
    MinRsaBits,

    // The certificate table and the file.
    /// A certificate table entry that is not PKCS#7 SignedData.
    TableEntryNotPkcs7,
    /// A signature that decides the verdict does not match the file.
    SignatureMismatch,

    // The signature's structure.
    /// The signature cannot be read (its error).
    SignatureUnreadable,
    /// The file digest algorithm cannot be used.
    FileDigestAlgorithm,
    /// A script's signature is for another subject interface package (SpcSipInfo GUID).
    ScriptSip,
    /// Bytes of a UTF-8 script's text that are not UTF-8: the digest does not bind them.
    ScriptUnboundText,
    /// The SignerInfo names a certificate nobody has.
    SignerCertificateMissing,
    /// SpcIndirectDataContent is not of the PE image type.
    IndirectDataType,
    /// SignedData.digestAlgorithms is not exactly the file digest algorithm.
    DigestAlgorithmSet,
    /// The SignerInfo digest algorithm differs from the file digest algorithm.
    SignerDigestAlgorithm,
    /// SignerInfo version above 1.
    SignerInfoVersion,
    /// More embedded certificates than are read.
    CertificatesTruncated,
    /// An embedded certificate that is not X.509.
    CertificateNotX509,
    /// An embedded certificate that does not parse.
    CertificateUnparsable,

    // Page hashes.
    /// The page hash structure cannot be read.
    PageHashesUnreadable,
    /// Page hashes do not match the file.
    PageHashesMismatch,
    /// Page hashes cannot be computed for this file.
    PageHashesUncomputable,

    // The signer's own checks.
    /// A signed attribute is missing or malformed.
    SignedAttributes,
    /// The signed contentType is not the one required.
    ContentType,
    /// messageDigest does not match the signed content.
    MessageDigest,
    /// The digest algorithm is not supported.
    UnsupportedDigest,
    /// The signer's key cannot be used.
    SignerKey,
    /// The signer's signature does not verify.
    SignerSignature,

    // Timestamps.
    /// Further timestamps were present and not evaluated.
    TimestampExtra,
    /// The timestamp token or countersignature cannot be read.
    TimestampMalformed,
    /// The TSA certificate is not present.
    TimestampCertificateMissing,
    /// The timestamp is signed with the signer's own key.
    TimestampSelfSigned,
    /// messageImprint does not match the signature.
    TimestampImprint,
    /// The TSA's chain is not trusted.
    TimestampChain,

    // Catalogs.
    /// The file is listed by a catalog (valid through it, or listed by an unsigned one).
    CatalogListed,

    // MSI packages.
    /// A stream of the package cannot be read: the digest cannot be computed.
    MsiUnreadable,
    /// The MsiDigitalSignatureEx stream does not hold the metadata pre-hash.
    MsiDigitalSignatureEx,

    // APPX/MSIX packages and bundles.
    /// SpcIndirectDataContent is not SPC_SIPINFO naming the package's (or bundle's) SIP.
    AppxSipInfo,
    /// The signed APPX digest blob is malformed or uses another algorithm than the block map.
    AppxDigestBlob,
    /// A signed package digest (AXPC, AXCD, AXCT, AXBM, AXCI) does not match the package.
    AppxDigestMismatch,
    /// A payload member departs from AppxBlockMap.xml.
    AppxBlockMap,
    /// The manifest's publisher is not the signer's subject.
    AppxPublisherMismatch,
    /// A bundle's package, verified as a file of its own: its verdict (a bundle holds only
    /// when each of its packages is valid).
    AppxInnerPackage,

    // Certificate chains: the rule that failed on the path a chain report headlines (its
    // `detail_rule`). A policy field's refusal uses the policy id instead.
    /// A certificate on the path is not valid yet.
    ChainNotYetValid,
    /// A certificate on the path has expired.
    ChainExpired,
    /// A certificate has a critical extension the verifier does not understand.
    ChainCriticalExtension,
    /// An extended key usage extension on the path excludes the purpose.
    ChainExtendedKeyUsage,
    /// A name on the path violates a CA's name constraints.
    ChainNameConstraints,
    /// An issuer whose basicConstraints say it is not a CA.
    ChainNotCa,
    /// More CA certificates below an issuer than its pathLenConstraint allows.
    ChainPathLength,
    /// An issuer whose keyUsage lacks keyCertSign.
    ChainKeyUsage,
    /// No candidate issuer's key verifies the certificate's signature.
    ChainSignature,
    /// A certificate on the path is distrusted (store or disallowed CTL).
    ChainDistrusted,
    /// The root the path reaches is not trusted.
    ChainRootMissing,
    /// An intermediate certificate is neither in the file nor in the trust material.
    ChainIntermediateMissing,
    /// Nobody at hand issued a certificate on the path.
    ChainIssuerMissing,
    /// The root program does not trust the root for this purpose.
    ChainRootPurpose,
    /// The root program disabled the root (or its NotBefore date applies).
    ChainRootDisabled,
    /// The search ran out of budget.
    ChainBudget,
    /// A self-signed certificate takes the name of a root-program root with another key.
    ChainImpostorRoot,
    /// A certificate on the path is listed by a CRL its issuer signed, revoked before the
    /// instant the chain is judged at.
    ChainRevoked,

    // Revocation lists.
    /// A CRL naming an issuer on the path was not used (typed reason in the text).
    CrlUnused,
    /// A CRL used past its nextUpdate: it still proves what it lists.
    CrlExpired,
    /// A certificate is listed as revoked from a date after the instant its chain is judged
    /// at (a timestamp proves the signature earlier).
    CrlRevokedLater,
    /// An entry with reason removeFromCRL: not a revocation.
    CrlRemoveFromCrl,
    /// A CRL carried in a signature does not parse.
    CrlUnreadable,

    // The install plan.
    /// The file adds nothing to an install plan: its own signature does not hold, so
    /// installing certificates would not make it valid.
    PlanFileInvalid,
}

impl Rule {
    /// The stable id reports carry.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AllowMd5 => "policy.allow_md5",
            Self::AllowMd5Countersignature => "policy.allow_md5_countersignature",
            Self::AllowSha1 => "policy.allow_sha1",
            Self::AllowSha1Certificates => "policy.allow_sha1_certificates",
            Self::AllowSha1Timestamps => "policy.allow_sha1_timestamps",
            Self::AllowLegacyCountersignatureHash => "policy.allow_legacy_countersignature_hash",
            Self::AcceptSignedDataV3 => "policy.accept_signed_data_v3",
            Self::AcceptOctetStringContent => "policy.accept_octet_string_content",
            Self::AcceptSignerInfoV0 => "policy.accept_signer_info_v0",
            Self::AcceptMissingSignedAttributes => "policy.accept_missing_signed_attributes",
            Self::RequireLeafEku => "policy.require_leaf_eku",
            Self::AcceptIssuerWithoutBasicConstraints => "policy.accept_issuer_without_basic_constraints",
            Self::AcceptSignatureHashMismatch => "policy.accept_signature_hash_mismatch",
            Self::RequireZeroPadding => "policy.require_zero_padding",
            Self::AcceptDataAfterCertTable => "policy.accept_data_after_cert_table",
            Self::AcceptNonDecidingMismatch => "policy.accept_non_deciding_mismatch",
            Self::MinRsaBits => "policy.min_rsa_bits",
            Self::TableEntryNotPkcs7 => "table.entry_not_pkcs7",
            Self::SignatureMismatch => "file.signature_mismatch",
            Self::SignatureUnreadable => "signature.unreadable",
            Self::FileDigestAlgorithm => "signature.file_digest_algorithm",
            Self::ScriptSip => "script.sip",
            Self::ScriptUnboundText => "script.unbound_text",
            Self::SignerCertificateMissing => "signature.signer_certificate_missing",
            Self::IndirectDataType => "signature.indirect_data_type",
            Self::DigestAlgorithmSet => "signature.digest_algorithm_set",
            Self::SignerDigestAlgorithm => "signature.signer_digest_algorithm",
            Self::SignerInfoVersion => "signature.signer_info_version",
            Self::CertificatesTruncated => "certificates.truncated",
            Self::CertificateNotX509 => "certificates.not_x509",
            Self::CertificateUnparsable => "certificates.unparsable",
            Self::PageHashesUnreadable => "page_hashes.unreadable",
            Self::PageHashesMismatch => "page_hashes.mismatch",
            Self::PageHashesUncomputable => "page_hashes.uncomputable",
            Self::SignedAttributes => "signer.signed_attributes",
            Self::ContentType => "signer.content_type",
            Self::MessageDigest => "signer.message_digest",
            Self::UnsupportedDigest => "signer.unsupported_digest",
            Self::SignerKey => "signer.key",
            Self::SignerSignature => "signer.signature",
            Self::TimestampExtra => "timestamp.extra",
            Self::TimestampMalformed => "timestamp.malformed",
            Self::TimestampCertificateMissing => "timestamp.certificate_missing",
            Self::TimestampSelfSigned => "timestamp.self_signed",
            Self::TimestampImprint => "timestamp.imprint",
            Self::TimestampChain => "timestamp.chain",
            Self::CatalogListed => "catalog.listed",
            Self::MsiUnreadable => "msi.unreadable",
            Self::MsiDigitalSignatureEx => "msi.digital_signature_ex",
            Self::AppxSipInfo => "appx.sip_info",
            Self::AppxDigestBlob => "appx.digest_blob",
            Self::AppxDigestMismatch => "appx.digest_mismatch",
            Self::AppxBlockMap => "appx.block_map",
            Self::AppxPublisherMismatch => "appx.publisher_mismatch",
            Self::AppxInnerPackage => "appx.inner_package",
            Self::ChainNotYetValid => "chain.not_yet_valid",
            Self::ChainExpired => "chain.expired",
            Self::ChainCriticalExtension => "chain.critical_extension",
            Self::ChainExtendedKeyUsage => "chain.extended_key_usage",
            Self::ChainNameConstraints => "chain.name_constraints",
            Self::ChainNotCa => "chain.not_ca",
            Self::ChainPathLength => "chain.path_length",
            Self::ChainKeyUsage => "chain.key_usage",
            Self::ChainSignature => "chain.signature",
            Self::ChainDistrusted => "chain.distrusted",
            Self::ChainRootMissing => "chain.root_missing",
            Self::ChainIntermediateMissing => "chain.intermediate_missing",
            Self::ChainIssuerMissing => "chain.issuer_missing",
            Self::ChainRootPurpose => "chain.root_purpose",
            Self::ChainRootDisabled => "chain.root_disabled",
            Self::ChainBudget => "chain.budget",
            Self::ChainImpostorRoot => "chain.impostor_root",
            Self::ChainRevoked => "chain.revoked",
            Self::CrlUnused => "crl.unused",
            Self::CrlExpired => "crl.expired",
            Self::CrlRevokedLater => "crl.revoked_later",
            Self::CrlRemoveFromCrl => "crl.remove_from_crl",
            Self::CrlUnreadable => "crl.unreadable",
            Self::PlanFileInvalid => "plan.file_invalid",
        }
    }

    /// The [`crate::Policy`] field that decides this rule, when one does.
    pub fn policy_field(self) -> Option<&'static str> {
        self.as_str().strip_prefix("policy.")
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a finding did to the verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Effect {
    /// A rule the policy relaxed, and the verdict relied on it.
    Leniency,
    /// A rule that failed: the signature, timestamp or file is not valid because of it.
    Refusal,
    /// Reported; it does not decide the verdict alone.
    Information,
}

impl Effect {
    /// `leniency`, `refusal` or `information`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Leniency => "leniency",
            Self::Refusal => "refusal",
            Self::Information => "information",
        }
    }
}

/// One finding: the rule, its effect, and the text.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// The rule.
    pub rule: Rule,
    /// What it did to the verdict.
    pub effect: Effect,
    /// The text a person reads (what reports carry in `notes`).
    pub detail: String,
}

impl Finding {
    /// A finding of `rule` with `effect`.
    pub fn new(rule: Rule, effect: Effect, detail: impl Into<String>) -> Self {
        Self {
            rule,
            effect,
            detail: detail.into(),
        }
    }

    /// Reported, not deciding.
    pub fn information(rule: Rule, detail: impl Into<String>) -> Self {
        Self::new(rule, Effect::Information, detail)
    }

    /// A rule that failed.
    pub fn refusal(rule: Rule, detail: impl Into<String>) -> Self {
        Self::new(rule, Effect::Refusal, detail)
    }

    /// The same finding with its text prefixed (a signer check reported inside a timestamp).
    pub(crate) fn prefixed(mut self, prefix: &str) -> Self {
        self.detail = format!("{prefix}{}", self.detail);
        self
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

#[cfg(feature = "serde")]
pub(crate) mod wire {
    use serde::ser::{SerializeMap, SerializeStruct};
    use serde::{Serialize, Serializer};

    use super::{Effect, Finding, Rule};

    impl Serialize for Rule {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(self.as_str())
        }
    }

    impl Serialize for Effect {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(self.as_str())
        }
    }

    impl Serialize for Finding {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut st = s.serialize_struct("Finding", 3)?;
            st.serialize_field("rule", &self.rule)?;
            st.serialize_field("effect", &self.effect)?;
            st.serialize_field("detail", &self.detail)?;
            st.end()
        }
    }

    /// A report level's findings, flattened into it as two fields: `notes` (the texts, as
    /// reports always carried them) then `findings` (`{rule, effect, detail}` each).
    pub(crate) fn notes_and_findings<S: Serializer>(v: &[Finding], s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        let texts: Vec<&str> = v.iter().map(|f| f.detail.as_str()).collect();
        map.serialize_entry("notes", &texts)?;
        map.serialize_entry("findings", v)?;
        map.end()
    }

    /// A signature's error, flattened as `error` (the text, or null) and `error_rule`.
    pub(crate) fn error_and_rule<S: Serializer>(v: &Option<Finding>, s: S) -> Result<S::Ok, S::Error> {
        text_and_rule("error", "error_rule", v, s)
    }

    /// A chain's failure, flattened as `detail` (the text, or null) and `detail_rule`.
    pub(crate) fn detail_and_rule<S: Serializer>(v: &Option<Finding>, s: S) -> Result<S::Ok, S::Error> {
        text_and_rule("detail", "detail_rule", v, s)
    }

    fn text_and_rule<S: Serializer>(
        text: &'static str,
        rule: &'static str,
        v: &Option<Finding>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry(text, &v.as_ref().map(|f| f.detail.as_str()))?;
        map.serialize_entry(rule, &v.as_ref().map(|f| f.rule))?;
        map.end()
    }
}
