//! authverify-testgen: the committed test vectors ([`vectors::write_all`]), the benchmark
//! file set, the large hostile inputs and the certificate-bag stripper tests use. The
//! library owns every module; the binary only parses its arguments and calls it.

mod asn1;
pub mod bench_set;
pub mod catalogs;
mod chains;
mod compound;
mod hardening;
mod hostile;
pub mod hostile_big;
pub mod manifest;
mod pe;
mod pki;
pub mod plan;
mod policy_vectors;
pub mod registry;
pub mod scripts;
mod sign;
pub mod strip;
pub mod vectors;
