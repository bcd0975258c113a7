//! authverify-testgen as a library: the benchmark file-set generator, the large hostile
//! inputs and the certificate-bag stripper tests use (the test vectors are
//! written by the binary, `cargo run -p authverify-testgen`).

#![allow(dead_code)] // the binary uses the rest of these modules

mod asn1;
pub mod bench_set;
pub mod hostile_big;
mod pe;
mod pki;
pub mod registry;
mod sign;
pub mod strip;
