#![no_main]
//! Fuzz target `registry_hive`: see crates/authverify-fuzz-entry (the same entry replays the corpus
//! in `cargo test`).

libfuzzer_sys::fuzz_target!(|data: &[u8]| authverify_fuzz_entry::registry_hive(data));
