//! What the verifier accepts: two named presets, `windows` (the default: what Windows
//! accepts) and `strict`, and every rule as a documented field. When a verdict relies on a
//! leniency, the report says so in `notes[]` as `leniency <field>: ...`; when a rule refuses
//! something, the note names the field (`rejected by policy (<field>): ...`). Each such note
//! is a [`Finding`] whose rule id is `policy.<field>`.

use crate::finding::{Effect, Finding, Rule};

/// Which signatures decide a file's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SignatureSelection {
    /// The primary signature (Windows' default).
    #[default]
    Primary,
    /// Every signature must be valid.
    All,
    /// At least one signature must be valid.
    Any,
}

/// Verification rules. Start from [`Policy::windows`] or [`Policy::strict`] and change
/// fields; the struct is `non_exhaustive`, so new rules can be added without breaking callers.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Policy {
    /// Accept MD5 anywhere: file digests, signer and timestamp signatures (judged by the hash
    /// the signature really used), and certificate signatures on the signer, TSA and CTL
    /// signer paths. Off in both presets: MD5 collisions let a signature be transplanted
    /// and a CA certificate be forged (Flame, 2012).
    pub allow_md5: bool,
    /// Accept MD5 as the digest of a legacy PKCS#9 countersignature (its digestAlgorithm,
    /// messageDigest and the hash in its RSA block), and nowhere else: not in RFC 3161
    /// tokens, file digests or certificate signatures. Off in both presets: Windows has a
    /// separate weak-hash switch for timestamp hashes (CERT_CHAIN_DISABLE_TIMESTAMP_HASH_WEAK_FLAG)
    /// whose default for MD5 is not documented, so what Windows does is unknown
    /// (docs/ARCHITECTURE.md, "MD5 countersignatures"). On for archives of 2005-era files
    /// (VeriSign countersignatures made with MD5). `allow_md5` implies it.
    pub allow_md5_countersignature: bool,
    /// Accept SHA-1 file digests, SignerInfo digest algorithms and signer signatures
    /// (Windows still does for Authenticode). Strict: off.
    pub allow_sha1: bool,
    /// Accept certificates on the signer or TSA path signed with SHA-1 (the anchor's own
    /// signature is never judged). Strict: off.
    pub allow_sha1_certificates: bool,
    /// Accept timestamps whose TSA signature uses SHA-1 (every PKCS#9 countersignature of
    /// the SHA-1 era). Strict: off.
    pub allow_sha1_timestamps: bool,
    /// Accept legacy PKCS#9 countersignatures whose RSA block holds the bare SHA-1 of the
    /// signed attributes without a DigestInfo (Symantec/VeriSign TSAs; Windows accepts them).
    pub allow_legacy_countersignature_hash: bool,
    /// Accept a SignedData whose version is not 1 (install4j writes version 3; Windows
    /// accepts it). Strict: off.
    pub accept_signed_data_v3: bool,
    /// Accept the SpcIndirectDataContent wrapped in an OCTET STRING (the CMS form of
    /// eContent; Windows accepts it). Strict: off.
    pub accept_octet_string_content: bool,
    /// Accept SignerInfo version 0 (seen in the wild; Windows accepts it). Strict: off.
    pub accept_signer_info_v0: bool,
    /// Accept a SignerInfo without signed attributes, whose signature covers the content
    /// directly (PKCS#7 allows it; Windows accepts it). Strict: off.
    pub accept_missing_signed_attributes: bool,
    /// Require the signer certificate to carry an EKU extension with codeSigning, and the
    /// TSA certificate one with timeStamping (RFC 3161 §2.3). Windows treats a leaf without
    /// EKU as good for any purpose its issuers allow. Strict: on.
    pub require_leaf_eku: bool,
    /// Accept a v3 certificate that issues others without a basicConstraints extension
    /// (RFC 5280 §4.2.1.9 requires it; Windows flags only a present extension that forbids
    /// issuing). Strict: off.
    pub accept_issuer_without_basic_constraints: bool,
    /// Accept a signer or timestamp signature whose algorithm names another hash than the
    /// SignerInfo's digestAlgorithm (the hash really used is judged either way). Strict: off.
    pub accept_signature_hash_mismatch: bool,
    /// Require every byte after the PKCS#7 inside a WIN_CERTIFICATE, and its alignment
    /// padding, to be zero (CVE-2013-3900; Windows checks only with EnableCertPaddingCheck).
    /// Strict: on.
    pub require_zero_padding: bool,
    /// Accept bytes after the certificate table (outside every signature; MS12-024). Off in
    /// both presets: such a file was changed after signing.
    pub accept_data_after_cert_table: bool,
    /// A signature that does not decide the verdict (a nested one when only the primary
    /// decides, or any one under [`SignatureSelection::Any`]) and does not match the file
    /// (digest, page hashes, or unreadable) is reported — its own status is `invalid`, the
    /// file carries a note naming it — without making the file invalid: WinVerifyTrust
    /// judges the primary signature alone. Strict: off (any signature that does not match
    /// the file makes it invalid).
    pub accept_non_deciding_mismatch: bool,
    /// Smallest RSA modulus, in bits, for certificates on the signer and TSA paths (the
    /// anchor excluded). Windows: 1024; strict: 2048 (the root program's minimum).
    pub min_rsa_bits: usize,
    /// Deepest nesting of signatures followed (YARA uses 16).
    pub max_nesting_depth: usize,
    /// Most signatures read from one file.
    pub max_signatures: usize,
    /// Which signatures decide the verdict.
    pub signatures: SignatureSelection,
    /// Path-building limits.
    pub budget: Budget,
}

impl Default for Policy {
    fn default() -> Self {
        Self::windows()
    }
}

impl Policy {
    /// Whether signature `index` decides the verdict alone: the primary under
    /// [`SignatureSelection::Primary`], every one under [`SignatureSelection::All`]. Under
    /// [`SignatureSelection::Any`] no single signature does.
    pub(crate) fn decides_alone(&self, index: usize) -> bool {
        match self.signatures {
            SignatureSelection::Primary => index == 0,
            SignatureSelection::All => true,
            SignatureSelection::Any => false,
        }
    }

    /// Accept what Windows accepts (WinVerifyTrust with default settings).
    pub fn windows() -> Self {
        Self {
            allow_md5: false,
            allow_md5_countersignature: false,
            allow_sha1: true,
            allow_sha1_certificates: true,
            allow_sha1_timestamps: true,
            allow_legacy_countersignature_hash: true,
            accept_signed_data_v3: true,
            accept_octet_string_content: true,
            accept_signer_info_v0: true,
            accept_missing_signed_attributes: true,
            require_leaf_eku: false,
            accept_issuer_without_basic_constraints: true,
            accept_signature_hash_mismatch: true,
            require_zero_padding: false,
            accept_data_after_cert_table: false,
            accept_non_deciding_mismatch: true,
            min_rsa_bits: 1024,
            max_nesting_depth: 16,
            max_signatures: 64,
            signatures: SignatureSelection::Primary,
            budget: Budget::default(),
        }
    }

    /// The Authenticode specification, CVE-2013-3900 hardening, and no SHA-1 or small RSA.
    pub fn strict() -> Self {
        Self {
            allow_sha1: false,
            allow_sha1_certificates: false,
            allow_sha1_timestamps: false,
            allow_legacy_countersignature_hash: false,
            accept_signed_data_v3: false,
            accept_octet_string_content: false,
            accept_signer_info_v0: false,
            accept_missing_signed_attributes: false,
            require_leaf_eku: true,
            accept_issuer_without_basic_constraints: false,
            accept_signature_hash_mismatch: false,
            require_zero_padding: true,
            accept_non_deciding_mismatch: false,
            min_rsa_bits: 2048,
            ..Self::windows()
        }
    }

    /// Applies one rule: when `allowed`, records the leniency and returns true; otherwise
    /// records the refusal and returns false.
    pub(crate) fn rule(allowed: bool, rule: Rule, what: &str, notes: &mut Vec<Finding>) -> bool {
        notes.push(Self::finding(allowed, rule, what));
        allowed
    }

    /// The finding of a policy rule: a leniency when `allowed`, else a refusal.
    pub(crate) fn finding(allowed: bool, rule: Rule, what: &str) -> Finding {
        let field = rule.policy_field().unwrap_or(rule.as_str());
        if allowed {
            Finding::new(rule, Effect::Leniency, format!("leniency {field}: {what}"))
        } else {
            Finding::refusal(rule, format!("rejected by policy ({field}): {what}"))
        }
    }
}

/// Limits on one chain search. Defaults: real Authenticode chains are 2–5 certificates
/// deep; 12 leaves room for cross-certificates. 256 issuer links tried cover every candidate
/// of a 10,000-certificate bag that matters by name while bounding hostile input. A link
/// costs one unit whether its signature is checked or found in the verifier's cache, so a
/// search's answer never depends on what earlier files left there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Budget {
    max_depth: usize,
    max_link_checks: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_link_checks: 256,
        }
    }
}

impl Budget {
    /// Maximum certificates on a path, leaf included.
    pub fn max_depth(self) -> usize {
        self.max_depth
    }

    /// Maximum issuer links (child signature under a candidate issuer's key) tried in one
    /// search.
    pub fn max_link_checks(self) -> usize {
        self.max_link_checks
    }

    /// The same budget with paths of at most `depth` certificates.
    #[must_use]
    pub fn with_max_depth(self, depth: usize) -> Self {
        Self {
            max_depth: depth,
            ..self
        }
    }

    /// The same budget with at most `links` issuer links tried.
    #[must_use]
    pub fn with_max_link_checks(self, links: usize) -> Self {
        Self {
            max_link_checks: links,
            ..self
        }
    }
}
