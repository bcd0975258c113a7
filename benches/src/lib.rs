//! Inputs for the benchmarks, built from the shipped vectors (never committed: the large
//! images are made in memory on each run).

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
