#![warn(missing_docs)]
//! What every authverify front end needs beyond the library: the command line and the
//! Python binding are both built on it, so that they load trust the same way, find and
//! verify the same files, summarise, merge and export the same way, print the same bytes
//! and end with the same exit codes.
//!
//! - [`config`]: trust specs (`builtin`, `system`, paths: certificates, bundles, CTLs,
//!   registry exports and hives, folders of them), `--vouch`, `--catalogs`, the policy and
//!   the evaluation time, into a [`authverify::Verifier`].
//! - [`stream`] and [`files`]: input discovery (paths, `--files-from` lists) and
//!   verification in parallel with the results in path order, one [`FileResult`] per file.
//! - [`summary`] and [`reports`]: the fleet summary of a run, and the merge of the summary
//!   lines of many hosts' reports.
//! - [`export`]: the missing certificates written out with the scripts that install them.
//! - [`rescan`]: quarantined files verified again and restored, exactly the bytes verified.
//! - [`trust_view`]: what trust material holds, certificate by certificate.
//! - [`gate`] and [`exclude`]: the release gate (`--require-signer`, `--require-timestamp`,
//!   `--exclude-from`), judged from each file's report.
//! - [`output`]: the text, JSON, JSON-lines and JUnit printers, and [`escape`] for the
//!   terminal.
//! - [`Exit`]: the one place exit codes are decided; [`Error`]: why a run stopped.
//!
//! Nothing here prints on its own or ends the process: notes and output go to writers
//! the caller passes in, failures are [`Error`] values.

pub mod config;
pub mod error;
pub mod escape;
pub mod exclude;
pub mod exit;
pub mod export;
pub mod files;
pub mod gate;
mod listed;
pub mod output;
pub mod payload;
mod pinned;
pub mod reports;
pub mod rescan;
pub mod stream;
pub mod summary;
pub mod system_store;
pub mod trust_view;

pub use error::Error;
pub use exit::Exit;
pub use files::FileResult;
pub use summary::Summary;
