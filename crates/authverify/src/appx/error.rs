//! The APPX/MSIX layer's error: a package that cannot be read at all. A package that reads
//! but does not match its signature is not an error: it is a [`super::DigestComparison`] or
//! a finding.

use thiserror::Error;

/// An APPX/MSIX package or bundle cannot be read.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum AppxError {
    /// The ZIP structure is malformed (end records, central directory, local headers).
    #[error("APPX: the ZIP archive cannot be read: {detail}")]
    Zip {
        /// What is wrong, with its offset.
        detail: String,
    },
    /// Local records overlap, leave gaps, or are not in central directory order: the
    /// package digest (AXPC) would not cover the file as stored.
    #[error("APPX: the ZIP records are not laid out contiguously: {detail}")]
    Layout {
        /// Which record and where.
        detail: String,
    },
    /// A member's data could not be inflated to its declared size.
    #[error("APPX: member {member} cannot be inflated: {detail}")]
    Inflate {
        /// The member's name.
        member: String,
        /// What the inflater said.
        detail: String,
    },
    /// A bound of the archive was exceeded (a zip bomb or a hostile archive).
    #[error("APPX: {what} {found} exceeds the bound {limit}")]
    Bound {
        /// Which bound (`members`, `inflated bytes`, `compression ratio`, `nesting depth`,
        /// `XML bytes`, `signature bytes`).
        what: &'static str,
        /// What the archive has or asks for.
        found: u64,
        /// The bound.
        limit: u64,
    },
    /// A member every package has is missing.
    #[error("APPX: {member} is missing")]
    Missing {
        /// The member's name.
        member: &'static str,
    },
    /// Two members share a name (ZIP names compared as OPC does, ignoring case).
    #[error("APPX: member {member} appears twice")]
    Duplicate {
        /// The name.
        member: String,
    },
    /// An XML part (block map, manifest, bundle manifest) is malformed.
    #[error("APPX: {part} cannot be read: {detail}")]
    Xml {
        /// The part.
        part: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// AppxSignature.p7x does not start with `PKCX` or holds no DER element.
    #[error("APPX: AppxSignature.p7x is malformed: {detail}")]
    Signature {
        /// What is wrong.
        detail: String,
    },
    /// The block map's HashMethod is not SHA-256, SHA-384 or SHA-512.
    #[error("APPX: unsupported block map hash method {method}")]
    HashMethod {
        /// The URI found.
        method: String,
    },
    /// A bundle's inner package cannot be read (stored compressed, outside the bundle).
    #[error("APPX: bundle package {member}: {detail}")]
    BundlePackage {
        /// The inner package's member name.
        member: String,
        /// What is wrong.
        detail: String,
    },
}

impl AppxError {
    pub(crate) fn zip(detail: impl Into<String>) -> Self {
        Self::Zip { detail: detail.into() }
    }

    pub(crate) fn xml(part: &'static str, detail: impl std::fmt::Display) -> Self {
        Self::Xml {
            part,
            detail: detail.to_string(),
        }
    }
}
