//! Cabinet archives ([MS-CAB]): the Authenticode signature a cabinet carries in its header's
//! reserved area and the digest it signs ([`signature`]), and the members of the cabinets
//! Windows Update serves trust lists in (`members`). One bounded reader of the format:
//! every offset and count is checked and errors are typed.

pub(crate) mod members;
pub mod signature;
pub(crate) mod stream;

/// `MSCF`: every cabinet starts with it.
pub(crate) const MAGIC: &[u8; 4] = b"MSCF";

/// The file starts like a cabinet.
pub(crate) fn is_cabinet(b: &[u8]) -> bool {
    b.get(..4) == Some(MAGIC.as_slice())
}

// The field readers say only whether the field is there: each caller's error names the
// field (the signature reader's `CabinetError`, the member reader's `CabinetMembersError`).

pub(crate) fn u8_at(b: &[u8], at: usize) -> Option<u8> {
    b.get(at).copied()
}

pub(crate) fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    crate::num::le_u16(b, at)
}

pub(crate) fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    crate::num::le_u32(b, at)
}

/// A NUL-terminated name at `at` (at most 256 bytes, as [MS-CAB] bounds names); returns it
/// and the offset after the NUL, or `None` when it is not terminated within the file.
pub(crate) fn name_at(b: &[u8], at: usize) -> Option<(String, usize)> {
    let rest = b.get(at..)?;
    let len = rest.iter().take(256).position(|&c| c == 0)?;
    let name = String::from_utf8_lossy(rest.get(..len).unwrap_or_default()).into_owned();
    Some((name, at.saturating_add(len).saturating_add(1)))
}

/// A 32-bit field as an index (usize is at least 32 bits on every target this builds for).
pub(crate) fn to_usize(v: u32) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}
