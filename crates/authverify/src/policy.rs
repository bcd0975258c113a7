//! What the verifier accepts. Issue-by-issue this grows into the `windows` and `strict`
//! presets; every field is a documented rule.

use crate::chain::Budget;

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

/// Verification rules.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Policy {
    /// Accept MD5 file digests and MD5-based signatures. Off: MD5 collisions let a
    /// signature be transplanted (Flame, 2012).
    pub allow_md5: bool,
    /// Accept SHA-1 file digests and signatures (Windows still does for Authenticode).
    pub allow_sha1: bool,
    /// Accept legacy PKCS#9 countersignatures whose RSA block holds the bare SHA-1 of the
    /// signed attributes without a DigestInfo (Symantec/VeriSign TSAs; Windows accepts them).
    pub allow_legacy_countersignature_hash: bool,
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
    /// Windows-compatible rules.
    pub fn windows() -> Self {
        Self {
            allow_md5: false,
            allow_sha1: true,
            allow_legacy_countersignature_hash: true,
            max_nesting_depth: 16,
            max_signatures: 64,
            signatures: SignatureSelection::Primary,
            budget: Budget::default(),
        }
    }

    /// Strict rules: no SHA-1 file digests, no legacy bare-hash countersignatures.
    pub fn strict() -> Self {
        Self {
            allow_sha1: false,
            allow_legacy_countersignature_hash: false,
            ..Self::windows()
        }
    }
}
