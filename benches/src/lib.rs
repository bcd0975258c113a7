//! Inputs for the benchmarks, built from the shipped vectors or generated into a cache
//! directory on first run (never committed).

pub mod work;

use std::path::{Path, PathBuf};

/// The repository's test-vectors directory.
pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-vectors")
}

/// An unsigned PE image of about `size` bytes: the shipped unsigned vector with an overlay
/// of filler bytes, which the Authenticode digest covers like any other byte.
pub fn big_unsigned_pe(size: usize) -> Vec<u8> {
    let mut image = std::fs::read(vectors_dir().join("unsigned.exe")).unwrap_or_default();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    while image.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        image.extend_from_slice(&x.to_le_bytes());
    }
    image
}

/// The issue-7 file set: `AUTHVERIFY_BENCH_FILES` signed images (default 10,000), generated
/// once into `$AUTHVERIFY_CACHE/bench-set` (default `~/.cache/authverify/bench-set`).
pub fn file_set() -> authverify_testgen::bench_set::BenchSet {
    let count = std::env::var("AUTHVERIFY_BENCH_FILES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let cache = std::env::var_os("AUTHVERIFY_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/authverify"));
    authverify_testgen::bench_set::ensure(&cache.join("bench-set"), count).expect("generate the bench set")
}
