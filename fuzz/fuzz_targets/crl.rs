#![no_main]
//! Fuzz target `crl`: see crates/authverify-fuzz-entry (the same entry replays the corpus
//! in `cargo test`).

libfuzzer_sys::fuzz_target!(|data: &[u8]| authverify_fuzz_entry::crl(data));
