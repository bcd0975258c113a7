//! authverify: offline Authenticode verification of PE files that names the missing
//! trust anchor.
//!
//! Data path: [`image`] (PE headers, digest ranges) → [`cert_table`] (WIN_CERTIFICATE
//! entries) → signed data (PKCS#7, raw spans) → signer → chain → [`report`].
//!
//! ```no_run
//! use authverify::{Policy, TrustStore, UnixTime, Verifier};
//! let verifier = Verifier::new(TrustStore::builtin(), Policy::windows());
//! let bytes = std::fs::read("setup.exe")?;
//! let report = verifier.verify_bytes(&bytes, "2026-06-01T00:00:00Z".parse()?)?;
//! println!("{:?}", report.status);
//! for m in &report.missing {
//!     println!("install {} into {}", m.subject, m.store.windows_name());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![warn(missing_docs)]

pub mod algorithms;
mod asn1;
pub mod cache;
pub mod catalog;
pub mod cert_table;
pub mod certificate;
mod chain;
pub mod ctl;
pub mod error;
pub mod image;
mod name;
pub mod policy;
pub mod report;
mod signed_data;
mod signer;
pub mod time;
mod timestamp;
pub mod trust;
mod verify;

pub use algorithms::DigestAlgorithm;
pub use catalog::Store;
pub use certificate::Certificate;
pub use chain::{Budget, LinkCache};
pub use ctl::{TrustList, TrustListEntry, TrustListKind};
pub use error::Error;
pub use image::PeImage;
pub use policy::{Policy, SignatureSelection};
pub use report::{
    AlternativePath, ChainRole, ChainStatus, FileReport, FileStatus, MissingCertificate, NeededBy, PageHashReport,
    SignatureReport,
};
pub use time::UnixTime;
pub use trust::{LoadSummary, Role, TrustStore};
pub use verify::Verifier;
