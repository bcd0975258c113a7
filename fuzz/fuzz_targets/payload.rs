#![no_main]
//! Fuzz target `payload`: see crates/authverify-fuzz-entry (the same entry replays the corpus
//! in `cargo test`). Cabinets (MSZIP and the `lzxd` LZX decoder), ZIP archives and MSI
//! tables as `verify --payload` walks them.

libfuzzer_sys::fuzz_target!(|data: &[u8]| authverify_fuzz_entry::payload(data));
