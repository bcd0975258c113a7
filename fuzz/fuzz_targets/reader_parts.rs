#![no_main]
//! Fuzz target `reader_parts`: see crates/authverify-fuzz-entry (the same entry replays the
//! corpus in `cargo test`). Differential: every format read in parts from a reader (as files
//! over 8 MiB are) against the same bytes verified in memory, and a cabinet's or MSI
//! package's payload walked both ways.

libfuzzer_sys::fuzz_target!(|data: &[u8]| authverify_fuzz_entry::reader_parts(data));
