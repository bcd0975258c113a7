//! Conversions between sizes, stated once: usize is at most 64 bits on every target this
//! crate builds for, so a length always fits a u64 (saturating keeps the code total).

/// A buffer's length as u64.
pub(crate) fn len_u64(data: &[u8]) -> u64 {
    usize_u64(data.len())
}

/// An index or count as u64.
pub(crate) fn usize_u64(v: usize) -> u64 {
    u64::try_from(v).unwrap_or(u64::MAX)
}
