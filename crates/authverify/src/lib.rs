//! Offline Authenticode verification of Windows PE files, cabinets, MSI packages and
//! catalogs that says **exactly which certificate is missing** when a chain does not close.
//!
//! Give a [`Verifier`] trust material ([`TrustStore`]: the built-in certificate set of Microsoft's root
//! program, or your own roots, a `CertUtil -syncWithWU` folder, `.sst`, `.p7b`, `authroot.stl`),
//! rules ([`Policy::windows`] or [`Policy::strict`]) and the instant to judge at (the library
//! never reads the clock). Each file gets a [`FileReport`]: a verdict ([`FileStatus`]), every
//! signature with its digest, signer, chain and timestamp, and `missing` — the certificates
//! to install, with the store they go into, their SHA-1 and the file name CertUtil uses.
//!
//! ```
//! use authverify::{Policy, Role, TrustStore, Verifier};
//! # let vectors = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors");
//! # let (roots, file) = (vectors.join("pki/root.crt"), vectors.join("pe32plus-rsa2048-sha256.exe"));
//! let mut trust = TrustStore::new();
//! trust.load(&roots, Role::Anchors)?; // a certificate, bundle, .p7b, .sst, .stl or folder
//! let verifier = Verifier::new(trust, Policy::windows());
//! let report = verifier.verify_path(&file, "2026-06-01T00:00:00Z".parse()?)?;
//! assert_eq!(report.status, authverify::FileStatus::Valid);
//! for m in &report.missing {
//!     println!("install {} into {}", m.subject, m.store.windows_name());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Guide
//!
//! The programs below are the crate's `examples/` (`cargo run -p authverify --example NAME`);
//! they also run as this page's tests.
//!
//! ## Verify one file against your own roots
//! ```
#![doc = include_str!("../examples/verify_one.rs")]
//! ```
//!
//! ## Verify against a CertUtil folder and print the missing anchors
//! ```
#![doc = include_str!("../examples/certutil_missing.rs")]
//! ```
//!
//! ## A batch over a directory, in parallel, with shared caches
//! ```
#![doc = include_str!("../examples/batch_dir.rs")]
//! ```
//!
//! ## A custom policy and time
//! ```
#![doc = include_str!("../examples/custom_policy.rs")]
//! ```
//!
//! # Layers
//!
//! Data flows through one module per layer, each with its own error type: [`image`] (PE
//! headers, digest ranges, page hashes) → [`cert_table`] (WIN_CERTIFICATE entries) → signed
//! data (PKCS#7 kept as raw spans: every signature is checked over the bytes as received) →
//! signers and timestamps → chains (a budgeted depth-first path builder) → [`report`]. Trust
//! material is [`trust`], [`ctl`] and [`builtin`]. See docs/ARCHITECTURE.md for the
//! decisions and their evidence.
//!
//! # Features
//!
//! * `serde` (default): `Serialize` on every report type.
//! * `rayon` (default): [`Verifier::verify_paths`] runs on rayon's thread pool.
//!
//! Files are best verified with [`Verifier::verify_reader`]: ordinary reads, memory bounded
//! whatever the size, and a file that changes while it is read is [`Error::Changed`] (the
//! CLI uses it). A caller that maps files itself can call [`Verifier::verify_bytes_with`] and
//! release the ranges it reports as hashed.
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
// Sizes and offsets come from untrusted bytes: arithmetic is checked or saturating, and
// conversions say how they fail (the RSA kernels' allowance says why theirs cannot).
#![deny(clippy::arithmetic_side_effects, clippy::as_conversions)]
#![deny(missing_docs)]

// The pipeline, one folder per layer (docs/ARCHITECTURE.md): the PE image and its
// certificate table, the CMS structures and signer checks, X.509 certificates, names and
// keys, trust material, the path builder, and verification (collection, timestamps,
// evaluation, verdict). Beside them, the vocabulary every layer shares: errors, findings,
// the policy, reports and time.
pub mod appx;
mod asn1;
mod bounded;
pub mod cab;
pub mod catalog;
mod cms;
mod digest;
mod loading;
pub mod msi;
mod num;
mod path;
pub mod payload;
mod pe;
pub mod script;
pub mod trust;
mod verify;
mod x509;

pub mod error;
pub mod finding;
#[doc(hidden)]
pub mod fuzzing;
pub mod policy;
pub mod report;
pub mod time;

// The public surface: the layers' modules callers use, at the paths they always had.
/// The caches a [`Verifier`] shares across files and clones, bounded in entries.
pub mod cache {
    pub use crate::path::cache::LinkCache;
    pub use crate::x509::cache::CertificateCache;
}
pub use pe::{cert_table, image};
pub use trust::{builtin, ctl, registry};
pub use x509::{algorithms, certificate, crl};

pub use builtin::Store;
pub use certificate::Certificate;
/// Object identifiers as EKU lists and CTL entries carry them (re-exported from `const-oid`
/// so that callers need not depend on it).
pub use const_oid::ObjectIdentifier;
pub use crl::Crl;
pub use ctl::{TrustList, TrustListEntry, TrustListKind};
pub use digest::DigestAlgorithm;
pub use error::Error;
pub use finding::{Effect, Finding, Rule};
pub use image::PeImage;
pub use path::vouch::VouchedBy;
pub use path::LinkCache;
pub use policy::{Budget, Policy, SignatureSelection};
pub use report::{
    AlternativePath, CatalogMemberRef, CatalogSummary, ChainRole, ChainStatus, FileFormat, FileReport, FileStatus,
    ImpostorOf, MissingCertificate, NeededBy, PageHashReport, ScriptSummary, SignatureKind, SignatureReport,
};
pub use time::UnixTime;
pub use trust::{LoadSummary, Role, TrustStore};
pub use verify::catalogs::{CatalogIndex, VerifiedCatalog};
pub use verify::payload::MemberReport;
pub use verify::reader::READ_WHOLE_LIMIT;
pub use verify::Verifier;
