//! Reports: plain data, serde first, text second. Field names are a stable contract
//! (docs/report-format.md, docs/report.schema.json); add fields, never rename them.

use crate::finding::Finding;
use crate::time::UnixTime;
use crate::trust::builtin::Store;

#[cfg(feature = "serde")]
use serde::Serialize;

/// The verdict on a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum FileStatus {
    /// Every signature the policy looks at verifies and chains to a trusted anchor.
    Valid,
    /// A signature is broken: digest mismatch, bad signature, malformed, or the file was
    /// changed outside the signature's reach.
    Invalid,
    /// Signatures verify but no chain closes on trusted material.
    Untrusted,
    /// No Authenticode signature.
    Unsigned,
    /// The file could not be processed (not a PE image, I/O error).
    Error,
}

impl FileStatus {
    /// The snake_case name used in reports (`valid`, `invalid`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Invalid => "invalid",
            Self::Untrusted => "untrusted",
            Self::Unsigned => "unsigned",
            Self::Error => "error",
        }
    }
}

pub use crate::path::ChainStatus;

/// A certificate as reports show it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[non_exhaustive]
pub struct CertificateSummary {
    /// Subject, RFC 4514 style.
    pub subject: String,
    /// Issuer, RFC 4514 style.
    pub issuer: String,
    /// Serial number, lowercase hex.
    pub serial: String,
    /// SHA-1 thumbprint, lowercase hex.
    pub sha1: String,
    /// SHA-256 thumbprint, lowercase hex: the identity `verify --require-signer` compares
    /// (issue 31), never the name.
    pub sha256: String,
    /// notBefore.
    pub not_before: UnixTime,
    /// notAfter.
    pub not_after: UnixTime,
}

impl From<&crate::x509::certificate::Certificate> for CertificateSummary {
    fn from(c: &crate::x509::certificate::Certificate) -> Self {
        Self {
            subject: c.subject().to_string(),
            issuer: c.issuer().to_string(),
            serial: c.serial_hex(),
            sha1: c.sha1_hex(),
            sha256: hex::encode(c.sha256()),
            not_before: c.not_before(),
            not_after: c.not_after(),
        }
    }
}

/// A certificate the chain needs and the trust material lacks.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[non_exhaustive]
pub struct MissingCertificate {
    /// Where it must be installed; `unknown` when the certificate is nowhere at hand.
    pub store: Store,
    /// Its subject (the issuer name of the certificate below it).
    pub subject: String,
    /// The key identifier it must carry (the AKI of the certificate below it), hex.
    pub key_id: Option<String>,
    /// Its SHA-1 thumbprint, when the built-in set, a CTL or the file identifies it.
    pub sha1: Option<String>,
    /// Its SHA-256 thumbprint, when known.
    pub sha256: Option<String>,
    /// Its friendly name, when the built-in set or a CTL knows it.
    pub name: Option<String>,
    /// The file name `CertUtil -syncWithWU` gives it (`<sha1>.crt`), when the SHA-1 is known.
    pub file_name: Option<String>,
    /// Whether authverify can provide the certificate itself (built-in set or file); a root
    /// known only from a CTL is named but must be fetched (`<file_name>` from Windows Update).
    pub available: bool,
    /// Which signatures' chains need it.
    pub needed_by: Vec<NeededBy>,
    /// Who vouches for it (issue 26): only a vouched certificate may enter an install plan
    /// (`builtin`, `trust_list`, `user`, `chain`); `none` is reported and never exported.
    pub vouched_by: crate::path::vouch::VouchedBy,
    /// For a self-signed certificate that takes a built-in root's subject with another
    /// key: that root (its name and SHA-1), which this one is not.
    pub impostor_of: Option<ImpostorOf>,
    /// The certificate itself (DER) when authverify holds it (`available`): from the
    /// built-in set or from the file. Carried here so that `--export-missing` never depends
    /// on a cache that may have been emptied since; not part of the serialized report.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub der: Option<std::sync::Arc<[u8]>>,
}

impl MissingCertificate {
    /// Two entries denote the same certificate (thumbprint, else subject and key id).
    /// An entry known only by subject and key id is the same certificate as one that also
    /// has a thumbprint when both match.
    pub fn same_certificate(&self, other: &Self) -> bool {
        match (&self.sha1, &other.sha1) {
            (Some(a), Some(b)) => a == b,
            _ => self.subject == other.subject && self.key_id.is_some() && self.key_id == other.key_id,
        }
    }

    /// Merges what `other` (the same certificate) knows into `self`: thumbprints, names and
    /// the store a known certificate belongs in win over an issuer name alone, and a
    /// certificate authverify holds over one only a CTL names.
    /// Vouched for by one chain is vouched for (a root trusted for code signing and needed
    /// by a timestamp chain too).
    pub fn absorb(&mut self, other: &Self) {
        let vouched_by = self.vouched_by.or(other.vouched_by);
        if self.sha1.is_none() && other.sha1.is_some() || !self.available && other.available {
            let needed_by = std::mem::take(&mut self.needed_by);
            *self = other.clone();
            self.needed_by = needed_by;
        }
        self.vouched_by = vouched_by;
        for n in &other.needed_by {
            if !self.needed_by.contains(n) {
                self.needed_by.push(*n);
            }
        }
    }
}

/// The built-in root a self-signed certificate impersonates (`chain.impostor_root`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct ImpostorOf {
    /// The built-in root's name.
    pub name: String,
    /// The built-in root's SHA-1 thumbprint, lowercase hex.
    pub sha1: String,
}

impl ImpostorOf {
    /// The built-in root `name` with thumbprint `sha1`.
    pub fn new(name: &str, sha1: &str) -> Self {
        Self {
            name: name.to_string(),
            sha1: sha1.to_string(),
        }
    }
}

/// One chain that needs a missing certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[non_exhaustive]
pub struct NeededBy {
    /// The signature's index (0 = primary; see `SignatureReport::index`).
    pub signature: usize,
    /// The signer's chain or its timestamp's TSA chain.
    pub chain: ChainRole,
}

impl std::fmt::Display for NeededBy {
    /// `signature 0`, or `timestamp of signature 0`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.chain {
            ChainRole::Signer => write!(f, "signature {}", self.signature),
            ChainRole::Timestamp => write!(f, "timestamp of signature {}", self.signature),
        }
    }
}

/// Which chain of a signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum ChainRole {
    /// The signer certificate's chain.
    Signer,
    /// The timestamp authority's chain.
    Timestamp,
}

/// Another path the builder tried, and why it failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[non_exhaustive]
pub struct AlternativePath {
    /// Why this path failed.
    pub status: ChainStatus,
    /// The path, leaf first.
    pub certificates: Vec<CertificateSummary>,
    /// What this path would need.
    pub missing: Vec<MissingCertificate>,
    /// The rule that failed (serialized as `detail`, the text, and `detail_rule`).
    #[cfg_attr(
        feature = "serde",
        serde(flatten, serialize_with = "crate::finding::wire::detail_and_rule")
    )]
    pub detail: Option<Finding>,
}

/// The result of building a chain.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[non_exhaustive]
pub struct ChainReport {
    /// The verdict.
    pub status: ChainStatus,
    /// The best path found, leaf first, anchor (or highest certificate reached) last.
    pub certificates: Vec<CertificateSummary>,
    /// What to install to close the chain (for `missing_*` statuses).
    pub missing: Vec<MissingCertificate>,
    /// The rule that failed (serialized as `detail`, the text, and `detail_rule`).
    #[cfg_attr(
        feature = "serde",
        serde(flatten, serialize_with = "crate::finding::wire::detail_and_rule")
    )]
    pub detail: Option<Finding>,
    /// Other paths that failed (at most 8), when the headline is not the only explanation.
    pub alternatives: Vec<AlternativePath>,
    /// Leniencies a trusted path relied on (`leniency <policy field>: ...`).
    #[cfg_attr(
        feature = "serde",
        serde(flatten, serialize_with = "crate::finding::wire::notes_and_findings")
    )]
    pub notes: Vec<Finding>,
    /// The instant the chain was judged at.
    pub evaluated_at: UnixTime,
}

/// One Authenticode signature (primary, or nested inside another).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[non_exhaustive]
pub struct SignatureReport {
    /// Position among all signatures of the file, in discovery order (0 = primary).
    pub index: usize,
    /// Index of the signature this one is nested in, or null for a table entry.
    pub nested_in: Option<usize>,
    /// Which WIN_CERTIFICATE entry carries it.
    pub table_entry: usize,
    /// `embedded` (in the file) or `catalog` (a catalog that lists the file's hash).
    pub kind: SignatureKind,
    /// For a catalog signature: which catalog and member.
    pub catalog: Option<CatalogMemberRef>,
    /// `valid`, `invalid` or `untrusted`, for this signature alone.
    pub status: FileStatus,
    /// The file digest algorithm (`sha256`, ...).
    pub digest_algorithm: Option<String>,
    /// The digest the signature covers, lowercase hex.
    pub signed_digest: Option<String>,
    /// The digest of the file as received, lowercase hex.
    pub computed_digest: Option<String>,
    /// `signed_digest == computed_digest`.
    pub digest_matches: bool,
    /// The signer's signature over the signed attributes verifies and messageDigest binds
    /// them to the content.
    pub signature_valid: bool,
    /// The signer certificate.
    pub signer: Option<CertificateSummary>,
    /// The signer's chain.
    pub chain: Option<ChainReport>,
    /// The timestamp, when the signature carries one.
    pub timestamp: Option<TimestampReport>,
    /// The instant the signer chain was judged at, and why.
    pub evaluated_at: Option<EvaluatedAt>,
    /// The page hashes the signature carries, checked against the file.
    pub page_hashes: Option<PageHashReport>,
    /// Why the signature could not be read or checked, when it could not (serialized as
    /// `error`, the text, and `error_rule`).
    #[cfg_attr(
        feature = "serde",
        serde(flatten, serialize_with = "crate::finding::wire::error_and_rule")
    )]
    pub error: Option<Finding>,
    /// Findings about this signature: leniencies relied on, refusals, information.
    #[cfg_attr(
        feature = "serde",
        serde(flatten, serialize_with = "crate::finding::wire::notes_and_findings")
    )]
    pub notes: Vec<Finding>,
}

/// Where a signature comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum SignatureKind {
    /// Carried by the file.
    Embedded,
    /// A catalog's signature, for a file the catalog lists by its hash.
    Catalog,
}

/// The catalog member that lists a file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[non_exhaustive]
pub struct CatalogMemberRef {
    /// The catalog file, as given to the verifier.
    pub path: String,
    /// The member's tag (the hash in hexadecimal).
    pub member: String,
    /// The member's `File` name, when it has one.
    pub file_name: Option<String>,
}

/// Page hashes (SpcPeImagePageHashes) a signature carries.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[non_exhaustive]
pub struct PageHashReport {
    /// `sha1` (v1) or `sha256` (v2).
    pub algorithm: String,
    /// How many pages the table covers.
    pub pages: usize,
    /// Whether every page of the file hashes as signed.
    pub matches: bool,
}

/// Facts about the PE image.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[non_exhaustive]
pub struct ImageSummary {
    /// PE32 or PE32+.
    pub kind: crate::pe::image::PeKind,
    /// COFF machine.
    pub machine: u16,
    /// Optional header subsystem.
    pub subsystem: u16,
}

/// Facts about a script (`format: "script"`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[non_exhaustive]
pub struct ScriptSummary {
    /// `powershell`, `powershell-xml`, `mof`, `jscript`, `vbscript` or `wsf`.
    pub language: String,
    /// The text's encoding as read: `utf-8`, `utf-8-bom`, `utf-16le`, ... (the SIP hashes
    /// the text, so the encoding decides the digest).
    pub encoding: String,
}

/// What a catalog file lists.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[non_exhaustive]
pub struct CatalogSummary {
    /// Members with a hash authverify reads.
    pub members: usize,
    /// Members whose hash it does not read (another algorithm or data type).
    pub unreadable_members: usize,
    /// The list's date (ctlThisUpdate).
    pub this_update: UnixTime,
}

/// The signed file formats: each puts its signature somewhere else and digests other bytes;
/// the signatures themselves are judged alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum FileFormat {
    /// A PE image: signatures in the certificate table (WIN_CERTIFICATE).
    Pe,
    /// A cabinet: the signature in the header's reserved area.
    Cabinet,
    /// An MSI package (OLE compound file): the signature in the root's
    /// `\x05DigitalSignature` stream.
    Msi,
    /// An APPX/MSIX package or bundle: the signature in `AppxSignature.p7x`, over the
    /// digests of its parts.
    Appx,
    /// A catalog file (`.cat`): a signed list of file hashes.
    Catalog,
    /// A file of no signed format, hashed whole and judged by the catalogs that list it
    /// (only with catalogs given).
    Flat,
    /// A script (PowerShell, MOF, JScript, VBScript, WSF): the signature in a comment block
    /// at its end.
    Script,
}

impl FileFormat {
    /// `pe`, `cabinet`, `msi`, `appx`, `catalog`, `flat`, `script`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pe => "pe",
            Self::Cabinet => "cabinet",
            Self::Msi => "msi",
            Self::Appx => "appx",
            Self::Catalog => "catalog",
            Self::Script => "script",
            Self::Flat => "flat",
        }
    }
}

/// The verdict on one file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[non_exhaustive]
pub struct FileReport {
    /// The verdict.
    pub status: FileStatus,
    /// What kind of file it is (where its signature lives and what its digest covers).
    pub format: FileFormat,
    /// The image facts (PE files).
    pub image: Option<ImageSummary>,
    /// The script facts (scripts; absent from the JSON of other formats, which predate it).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub script: Option<ScriptSummary>,
    /// What a catalog file lists (catalog files).
    pub catalog: Option<CatalogSummary>,
    /// Every signature found, primary first.
    pub signatures: Vec<SignatureReport>,
    /// What to install, merged over the signatures the verdict depends on.
    pub missing: Vec<MissingCertificate>,
    /// File-level findings.
    #[cfg_attr(
        feature = "serde",
        serde(flatten, serialize_with = "crate::finding::wire::notes_and_findings")
    )]
    pub notes: Vec<Finding>,
}

/// How a timestamp was carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum TimestampKind {
    /// RFC 3161 token in unauthenticated attribute 1.3.6.1.4.1.311.3.3.1.
    Rfc3161,
    /// PKCS#9 countersignature (1.2.840.113549.1.9.6), the legacy Authenticode form.
    Pkcs9,
}

impl TimestampKind {
    /// The snake_case name used in reports (`rfc3161`, `pkcs9`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rfc3161 => "rfc3161",
            Self::Pkcs9 => "pkcs9",
        }
    }
}

/// The time-stamping authority's certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[non_exhaustive]
pub struct TsaSummary {
    /// Subject, RFC 4514 style.
    pub subject: String,
    /// SHA-1 thumbprint, lowercase hex.
    pub sha1: String,
}

/// A timestamp on a signature.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[non_exhaustive]
pub struct TimestampReport {
    /// RFC 3161 or PKCS#9.
    pub kind: TimestampKind,
    /// The time it asserts (genTime or signingTime), when it could be read.
    pub time: Option<UnixTime>,
    /// The token or countersignature verifies, binds to the signature, and its TSA chain
    /// is trusted for time stamping at `time`.
    pub valid: bool,
    /// The TSA certificate.
    pub tsa: Option<TsaSummary>,
    /// The TSA's chain, judged at `time`.
    pub chain: Option<ChainReport>,
    /// Findings, including why it is not valid.
    #[cfg_attr(
        feature = "serde",
        serde(flatten, serialize_with = "crate::finding::wire::notes_and_findings")
    )]
    pub notes: Vec<Finding>,
}

/// Where the instant a signer chain was judged at came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum TimeSource {
    /// A valid timestamp's time.
    Timestamp,
    /// The verification time given by the caller (`--at`, or now).
    VerificationTime,
}

/// The instant a signer chain was judged at, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[non_exhaustive]
pub struct EvaluatedAt {
    /// The instant.
    pub time: UnixTime,
    /// Where it came from.
    pub source: TimeSource,
    /// Why, in words.
    pub reason: String,
}

// The path builder's results, rendered for reports: thumbprints and key ids in lowercase
// hex, the CertUtil file name, whether authverify can hand the certificate over.

impl From<crate::path::Missing> for MissingCertificate {
    fn from(m: crate::path::Missing) -> Self {
        let sha1 = m.sha1.as_deref().map(hex::encode);
        Self {
            store: m.store,
            subject: m.subject,
            key_id: m.key_id.as_deref().map(hex::encode),
            file_name: sha1.as_ref().map(|s| format!("{s}.crt")),
            sha1,
            sha256: m.sha256.as_deref().map(hex::encode),
            name: m.name,
            available: m.certificate.is_some(),
            needed_by: Vec::new(),
            vouched_by: m.vouched_by,
            impostor_of: m.impostor_of.map(|(name, sha1)| ImpostorOf { name, sha1 }),
            der: m.certificate.map(|c| std::sync::Arc::from(c.der())),
        }
    }
}

fn summaries(path: &[std::sync::Arc<crate::x509::certificate::Certificate>]) -> Vec<CertificateSummary> {
    path.iter().map(|c| CertificateSummary::from(c.as_ref())).collect()
}

impl From<crate::path::Chain> for ChainReport {
    fn from(c: crate::path::Chain) -> Self {
        Self {
            status: c.status,
            certificates: summaries(&c.path),
            missing: c.missing.into_iter().map(MissingCertificate::from).collect(),
            detail: c.detail,
            alternatives: c
                .alternatives
                .into_iter()
                .map(|a| AlternativePath {
                    status: a.status,
                    certificates: summaries(&a.path),
                    missing: a.missing.into_iter().map(MissingCertificate::from).collect(),
                    detail: a.detail,
                })
                .collect(),
            notes: c.leniencies,
            evaluated_at: c.at,
        }
    }
}
