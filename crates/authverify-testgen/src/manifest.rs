//! The manifests' one model: what the generator writes and what the tests read, as serde
//! types. The generator states each expectation from how the vector was built and writes it
//! through these types; the tests deserialize the same types, so a field cannot be written
//! under one name and read under another, and a status or selection that is not one of the
//! report's words fails to parse instead of silently never matching.
//!
//! Every struct denies unknown fields. Fields are declared in alphabetical order so that the
//! committed JSON keeps the key order it had when it was written from `json!` maps. Rule ids
//! are the library's stable finding ids (`policy.<field>`, `chain.<what>`, `file.<what>`,
//! ...); testgen does not link the library (the expectations must not come from the code
//! under test), so they are strings here and the tests compare them with `Rule::as_str()`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// A file verdict, as reports spell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Signed, matching, trusted.
    Valid,
    /// A signature does not match the file or is broken.
    Invalid,
    /// Signed and matching, the chain does not close.
    Untrusted,
    /// No signature.
    Unsigned,
    /// Not verified at all (a typed library error).
    Error,
}

impl Status {
    /// The report's word.
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

/// test-vectors/manifest.json: the core vectors, judged under `windows` with the test root.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VectorManifest {
    /// The instant every vector is judged at (RFC 3339).
    pub evaluated_at: String,
    /// What wrote it.
    pub generator: String,
    /// SHA-1 thumbprint of the test root.
    pub root_sha1: String,
    /// Trust anchors, relative to test-vectors/.
    pub trust: Vec<String>,
    /// The vectors.
    pub vectors: Vec<Vector>,
}

/// One core vector.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vector {
    /// The finding of one further signature past what is listed (the nesting bound).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_signature_error: Option<ExpectedFinding>,
    /// File name under test-vectors/.
    pub file: String,
    /// What to install, in report order.
    pub missing: Vec<ExpectedMissing>,
    /// SHA-256 of the file.
    pub sha256: String,
    /// The signatures, in discovery order.
    pub signatures: Vec<ExpectedSignature>,
    /// The verdict under `windows` (the default selection).
    pub status: Status,
    /// The verdict under `strict`, when it differs by one policy rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<StrictOutcome>,
    /// Authenticode digests of an unsigned file, by algorithm name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsigned_digests: Option<BTreeMap<String, String>>,
    /// Verdicts under each preset and signature selection, for nested signatures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdicts: Option<Verdicts>,
    /// How it was built, in words.
    pub why: String,
}

/// A finding a report must carry: its rule id and a phrase of its text (a certificate name,
/// a bound) that says it is about the right thing.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ExpectedFinding {
    /// A phrase of the finding's text.
    pub detail_contains: String,
    /// `leniency`, `refusal` or `information`.
    pub effect: String,
    /// The rule id.
    pub rule: String,
}

impl ExpectedFinding {
    /// A refusal of `rule` whose text contains `detail`.
    pub fn refusal(rule: &str, detail: &str) -> Self {
        Self::new(rule, "refusal", detail)
    }

    /// A leniency of `rule` whose text contains `detail`.
    pub fn leniency(rule: &str, detail: &str) -> Self {
        Self::new(rule, "leniency", detail)
    }

    /// Information about `rule` whose text contains `detail`.
    pub fn information(rule: &str, detail: &str) -> Self {
        Self::new(rule, "information", detail)
    }

    fn new(rule: &str, effect: &str, detail: &str) -> Self {
        Self {
            detail_contains: detail.into(),
            effect: effect.into(),
            rule: rule.into(),
        }
    }
}

/// One signature's expected facts.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedSignature {
    /// The signer chain's status (`trusted`, `missing_root`, ...).
    pub chain_status: String,
    /// The file digest in that algorithm, lowercase hex.
    pub computed_digest: String,
    /// `sha256`, `sha1`, ...
    pub digest_algorithm: String,
    /// The signed digest equals the computed one.
    pub digest_matches: bool,
    /// Position among all signatures (0 = primary).
    pub index: usize,
    /// The signature it is nested in.
    pub nested_in: Option<usize>,
    /// Page hashes, when the signature carries them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_hashes: Option<ExpectedPageHashes>,
    /// The signer's own signature verifies.
    pub signature_valid: bool,
    /// The timestamp, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<ExpectedTimestamp>,
}

/// Page hashes as built.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ExpectedPageHashes {
    /// `sha1` or `sha256`.
    pub algorithm: String,
    /// They match the file.
    pub matches: bool,
    /// Pages hashed.
    pub pages: usize,
}

/// A timestamp as built.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedTimestamp {
    /// `rfc3161` or `pkcs9`.
    pub kind: String,
    /// The asserted time (RFC 3339).
    pub time: String,
    /// It holds.
    pub valid: bool,
}

/// A certificate the report must name as missing.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedMissing {
    /// Key identifier, lowercase hex.
    pub key_id: String,
    /// Which signatures' chains need it (chains manifest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needed_by: Option<Vec<NeededBy>>,
    /// SHA-1 thumbprint, when the certificate is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha1: Option<String>,
    /// `root`, `ca` or `unknown`.
    pub store: String,
    /// The subject's CN, when named by subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_cn: Option<String>,
}

/// A chain that needs a missing certificate.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct NeededBy {
    /// `signer` or `timestamp`.
    pub chain: String,
    /// The signature's index.
    pub signature: usize,
}

/// The verdict under `strict` of a vector built to break one policy rule.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrictOutcome {
    /// The signer chain's status.
    pub chain_status: String,
    /// The rule id that refuses it.
    pub rule: String,
    /// The verdict.
    pub status: Status,
}

/// Verdicts per preset.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verdicts {
    /// Under `strict`.
    pub strict: SelectionVerdicts,
    /// Under `windows`.
    pub windows: SelectionVerdicts,
}

/// Verdicts per signature selection.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectionVerdicts {
    /// `--signatures all`.
    pub all: Status,
    /// `--signatures any`.
    pub any: Status,
    /// `--signatures primary`.
    pub primary: Status,
}

/// test-vectors/hardening/manifest.json: one vector per rule that protects a verdict.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HardeningManifest {
    /// The instant.
    pub evaluated_at: String,
    /// What wrote it.
    pub generator: String,
    /// Anchors, relative to test-vectors/.
    pub trust: Vec<String>,
    /// The vectors.
    pub vectors: Vec<HardeningVector>,
}

/// One hardening vector: its outcome under both presets.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HardeningVector {
    /// File name under hardening/.
    pub file: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Under `strict`.
    pub strict: Outcome,
    /// How it was built.
    pub why: String,
    /// Under `windows`.
    pub windows: Outcome,
}

/// A verdict, the signer chain's status, the timestamp's validity and the finding that
/// decides (none when nothing is refused or relaxed).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    /// Signer chain status, `-` when there is no chain.
    pub chain_status: String,
    /// The deciding finding.
    pub finding: Option<ExpectedFinding>,
    /// The verdict.
    pub status: Status,
    /// The timestamp holds (null: no timestamp).
    pub timestamp_valid: Option<bool>,
}

/// test-vectors/chains/manifest.json: chain-building cases against configured trust.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainsManifest {
    /// The cases.
    pub cases: Vec<ChainCase>,
    /// The default instant.
    pub evaluated_at: String,
    /// What wrote it.
    pub generator: String,
}

/// One chain case.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainCase {
    /// SHA-1 of the anchor a trusted chain ends at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor_sha1: Option<String>,
    /// Another instant than the manifest's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// The signer chain's status.
    pub chain: String,
    /// File, relative to chains/.
    pub file: String,
    /// What to install.
    pub missing: Vec<ExpectedMissing>,
    /// The case's name.
    pub name: String,
    /// The verdict.
    pub status: Status,
    /// The timestamp chain's status, when it matters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_chain: Option<String>,
    /// The trust material.
    pub trust: CaseTrust,
    /// Why.
    pub why: String,
}

/// Trust material of a chain case, paths relative to chains/.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseTrust {
    /// Anchors.
    pub anchors: Vec<String>,
    /// Distrusted certificates and disallowed CTLs.
    pub distrusted: Vec<String>,
    /// Intermediates.
    pub intermediates: Vec<String>,
    /// Roots trusted to publish CTLs.
    pub publishers: Vec<String>,
    /// CTLs (authroot.stl format).
    pub trust_lists: Vec<String>,
}

/// test-vectors/hostile/hostile.json: crafted files and what each must get.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostileManifest {
    /// The cases.
    pub cases: Vec<HostileCase>,
    /// The instant.
    pub evaluated_at: String,
    /// What wrote it.
    pub generator: String,
    /// Anchors, relative to test-vectors/.
    pub trust: Vec<String>,
}

/// One hostile case.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostileCase {
    /// The signer chain's status, when it matters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<String>,
    /// For `error`: the library error's rule id (`file.image`, `file.certificate_table`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_rule: Option<String>,
    /// File name under hostile/.
    pub file: String,
    /// SHA-1 of the certificate named as missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_sha1: Option<String>,
    /// How many signatures, when it matters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signatures: Option<usize>,
    /// The verdict under `windows`.
    pub status: Status,
    /// The verdict under `strict`, when it differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<Status>,
    /// Why.
    pub why: String,
}

/// Reads a manifest.
pub fn read<T: DeserializeOwned>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes a manifest as the committed files are written (pretty, final newline).
pub(crate) fn write<T: Serialize>(path: &Path, manifest: &T) {
    let text = serde_json::to_string_pretty(manifest).expect("manifest serializes") + "\n";
    std::fs::write(path, text).expect("write manifest");
}

/// An entry written in `json!` table notation, checked against the model: a misspelt
/// field, a missing one or a status that is not a report word stops the generator.
pub(crate) fn entry<T: DeserializeOwned>(v: serde_json::Value) -> T {
    let shown = v.to_string();
    serde_json::from_value(v).unwrap_or_else(|e| panic!("manifest entry does not fit the model: {e}: {shown}"))
}

/// test-vectors/containers/manifest.json (written by scripts/make-container-vectors.py):
/// signed containers other than PE images, made by the tools that make them.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainersManifest {
    /// Catalog lookups of the unsigned containers, with osslsigncode's answers.
    pub catalog_lookups: Vec<CatalogLookup>,
    /// The instant.
    pub evaluated_at: String,
    /// What wrote it.
    pub generator: String,
    /// Anchors, relative to test-vectors/.
    pub trust: Vec<String>,
    /// The files.
    pub vectors: Vec<ContainerVector>,
}

/// A container looked up in a catalog (containers/catalog/) and what osslsigncode's
/// `verify -catalog` made of it when the files were written.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogLookup {
    /// The catalog, relative to containers/.
    pub catalog: String,
    /// The file looked up, relative to containers/.
    pub file: String,
    /// How the catalog lists it (`cab`, `msi`, `flat`).
    pub listed: String,
    /// The digest osslsigncode calculated for the file, lowercase hex, when it found it.
    pub osslsigncode_digest: Option<String>,
    /// Whether osslsigncode found the file in the catalog (and verified the catalog).
    pub osslsigncode_found: bool,
    /// What the case shows.
    pub why: String,
}

/// One container file and what it must get.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerVector {
    /// File, relative to containers/.
    pub file: String,
    /// `cabinet`, ...: the report's `format`.
    pub format: String,
    /// The digests osslsigncode calculated for the file, one per signature it read, lowercase
    /// hex.
    pub osslsigncode_digests: Vec<String>,
    /// osslsigncode's conclusion (`verify` exit code 0).
    pub osslsigncode_ok: bool,
    /// How many signatures the file carries.
    pub signatures: usize,
    /// The verdict under `windows` with the trust above.
    pub status: Status,
    /// How it was made.
    pub why: String,
}

/// test-vectors/catalogs/manifest.json: catalog files and the files they list.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogsManifest {
    /// The catalog files, each verified as a file of its own.
    pub catalogs: Vec<CatalogVector>,
    /// The instant.
    pub evaluated_at: String,
    /// Files under catalogs/driver/ and the catalogs that list them.
    pub files: Vec<CatalogedFile>,
    /// What wrote it.
    pub generator: String,
    /// Anchors, relative to test-vectors/.
    pub trust: Vec<String>,
}

/// One catalog file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogVector {
    /// File, relative to catalogs/.
    pub file: String,
    /// Members with a hash, as built.
    pub members: usize,
    /// SHA-256 of the file.
    pub sha256: String,
    /// The catalog's own verdict under `windows`.
    pub status: Status,
    /// How it was built.
    pub why: String,
}

/// A file a catalog lists (or, changed after cataloguing, no longer does).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogedFile {
    /// The catalogs (relative to catalogs/) that list it by its hash as it is now.
    pub catalogs: Vec<String>,
    /// File, relative to catalogs/.
    pub file: String,
    /// `pe` (Authenticode digest) or `flat` (hash of the bytes).
    pub kind: String,
    /// Why.
    pub why: String,
}
