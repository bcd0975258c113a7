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

/// The little-endian u16 at `at`, if `bytes` hold it.
pub(crate) fn le_u16(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes(<[u8; 2]>::try_from(b).ok()?))
}

/// The little-endian u32 at `at`, if `bytes` hold it.
pub(crate) fn le_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(<[u8; 4]>::try_from(b).ok()?))
}

/// UTF-16LE code units to text, unpaired surrogates replaced (a trailing odd byte ignored).
pub(crate) fn utf16le(bytes: &[u8]) -> impl Iterator<Item = char> + '_ {
    char::decode_utf16(bytes.chunks_exact(2).filter_map(|c| le_u16(c, 0))).map(|c| c.unwrap_or('\u{fffd}'))
}
