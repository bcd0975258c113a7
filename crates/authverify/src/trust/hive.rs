//! A bounded, read-only reader of registry hive files ("regf"), for the certificate stores
//! of an offline machine's `SOFTWARE` hive (issue 16). It reads keys, their subkeys and
//! their values, nothing else: no transaction logs, no deleted cells, no security cells.
//!
//! Format, as documented in Maxim Suhanov's "Windows registry file format specification"
//! (github.com/msuhanov/regf, the reference the forensic tools cite) and as libhivex
//! writes it:
//! - a 4096-byte base block: `regf`, two sequence numbers (equal when the hive was closed
//!   cleanly), major/minor version, the root key's cell offset, the length of the hive
//!   bins data, and an XOR checksum of its first 508 bytes;
//! - hive bins from file offset 4096; every *cell offset* is relative to that point. A
//!   cell is an `i32` size (negative when allocated) followed by its data;
//! - key nodes `nk` (subkey count and list, value count and list, name: Latin-1 when the
//!   `KEY_COMP_NAME` flag is set, else UTF-16LE), subkey lists `lf`/`lh`/`li` and the
//!   index `ri` of such lists, value lists (bare arrays of offsets), values `vk` (data
//!   inline when the size's top bit is set; in one cell; or, for more than 16,344 bytes in
//!   hives of minor version 4 and later, a `db` record listing segments of at most 16,344
//!   bytes).
//!
//! Why our own reader: see docs/ARCHITECTURE.md ("Registry hives"): `nt-hive` is GPL, and
//! `notatin` (Apache-2.0) brings 80 crates, a terminal library and deleted-cell recovery
//! into a library that only needs to follow five key paths.
//!
//! Bounds: every offset and length is checked against the hive bins data; an `ri` index
//! may not point to another `ri`; and every cell read is charged its length against a
//! budget proportional to the file ([`WORK_PER_BYTE`]), so keys that point at the same
//! cells over and over (a crafted hive's way to make a linear walk quadratic) end in a
//! typed error instead of unbounded work. Memory is at most the value data read, which the
//! same budget bounds.

use crate::num::{le_u16, le_u32, utf16le};

/// The base block's length; hive bins start here.
const BASE_BLOCK: usize = 4096;
/// Big data segments hold at most this many bytes.
const SEGMENT: usize = 16_344;
/// Cell reads may total this many times the hive bins' length (a real walk reads each cell
/// of the paths it follows once or twice).
pub(crate) const WORK_PER_BYTE: u64 = 8;
/// And at least this much, for tiny hives.
const WORK_FLOOR: u64 = 1 << 16;

/// Why a hive cannot be read, and where (an offset in the file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HiveError {
    /// Offset in the file of the structure that is wrong.
    pub offset: u64,
    /// What is wrong.
    pub detail: String,
}

impl HiveError {
    fn new(offset: u64, detail: impl Into<String>) -> Self {
        HiveError {
            offset,
            detail: detail.into(),
        }
    }
}

/// A hive's base block facts and its bins, with the work budget of one walk.
#[derive(Debug)]
pub(crate) struct Hive<'a> {
    bins: &'a [u8],
    root: u32,
    big_data: bool,
    /// `Some((primary, secondary))` when the sequence numbers differ: the hive was copied
    /// while in use, and changes still in its `.LOG1`/`.LOG2` files are not in it.
    pub dirty: Option<(u32, u32)>,
    work_left: u64,
}

/// A key node: what a walk needs of it.
#[derive(Clone, Debug)]
pub(crate) struct Key {
    /// The cell offset of the node.
    pub cell: u32,
    /// The key's name.
    pub name: String,
    subkeys: u32,
    subkey_list: u32,
    values: u32,
    value_list: u32,
}

/// A value of a key, its data not yet read.
#[derive(Clone, Debug)]
pub(crate) struct Value {
    /// The value's name (empty for the default value).
    pub name: String,
    cell: u32,
    size: u32,
    data: u32,
}

impl Value {
    /// Where the value's record is in the file.
    pub(crate) fn file_offset(&self) -> u64 {
        file_offset(self.cell)
    }
}

/// The base block checksum: XOR of its first 127 little-endian u32s (0 and 0xffffffff
/// are stored as 1 and 0xfffffffe).
pub(crate) fn base_block_checksum(base: &[u8]) -> Option<u32> {
    let head = base.get(..508)?;
    let sum = head
        .chunks_exact(4)
        .filter_map(|c| <[u8; 4]>::try_from(c).ok())
        .fold(0u32, |acc, c| acc ^ u32::from_le_bytes(c));
    Some(match sum {
        0 => 1,
        u32::MAX => u32::MAX - 1,
        s => s,
    })
}

/// Whether `bytes` start like a hive file.
pub(crate) fn is_hive(bytes: &[u8]) -> bool {
    bytes.starts_with(b"regf")
}

fn file_offset(cell: u32) -> u64 {
    u64::from(cell).saturating_add(crate::num::usize_u64(BASE_BLOCK))
}

fn to_usize(v: u32) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}

impl<'a> Hive<'a> {
    /// Checks the base block and finds the hive bins.
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self, HiveError> {
        if !is_hive(bytes) {
            return Err(HiveError::new(0, "not a registry hive (no \"regf\" signature)"));
        }
        let base = bytes
            .get(..BASE_BLOCK)
            .ok_or_else(|| HiveError::new(0, format!("base block truncated: {} of 4096 bytes", bytes.len())))?;
        let field = |at: usize| le_u32(base, at).unwrap_or(0);
        let stored = field(0x1fc);
        let computed = base_block_checksum(base).unwrap_or(0);
        if stored != computed {
            return Err(HiveError::new(
                0x1fc,
                format!("base block checksum {stored:#010x} is not {computed:#010x}: the copy is damaged"),
            ));
        }
        let (major, minor) = (field(0x14), field(0x18));
        if major != 1 || !(2..=6).contains(&minor) {
            return Err(HiveError::new(
                0x14,
                format!("unknown hive format version {major}.{minor}"),
            ));
        }
        if field(0x1c) != 0 {
            return Err(HiveError::new(
                0x1c,
                "a transaction log, not a primary hive file (give the hive itself, e.g. SOFTWARE)",
            ));
        }
        let declared = to_usize(field(0x28));
        let available = bytes.len().saturating_sub(BASE_BLOCK);
        let bins = bytes
            .get(BASE_BLOCK..BASE_BLOCK.saturating_add(declared))
            .filter(|_| declared <= available)
            .ok_or_else(|| {
                HiveError::new(
                    0x28,
                    format!(
                        "truncated: the base block declares {declared} bytes of hive bins, the file holds {available}"
                    ),
                )
            })?;
        if !bins.starts_with(b"hbin") {
            return Err(HiveError::new(
                crate::num::usize_u64(BASE_BLOCK),
                "no hive bin after the base block",
            ));
        }
        let (primary, secondary) = (field(0x04), field(0x08));
        let work = u64::try_from(bins.len())
            .unwrap_or(u64::MAX)
            .saturating_mul(WORK_PER_BYTE)
            .max(WORK_FLOOR);
        Ok(Hive {
            bins,
            root: field(0x24),
            big_data: minor > 3,
            dirty: (primary != secondary).then_some((primary, secondary)),
            work_left: work,
        })
    }

    /// The data of the allocated cell at `offset`, charged to the budget.
    fn cell(&mut self, offset: u32) -> Result<&'a [u8], HiveError> {
        let at = to_usize(offset);
        let bad = |detail: String| HiveError::new(file_offset(offset), detail);
        let size =
            le_u32(self.bins, at).ok_or_else(|| bad(format!("cell offset {offset:#x} is past the hive bins")))?;
        let size = i32::from_le_bytes(size.to_le_bytes());
        if size >= 0 {
            return Err(bad(format!("cell {offset:#x} is free, yet referenced")));
        }
        let len = to_usize(size.unsigned_abs());
        let data = at
            .checked_add(len)
            .and_then(|end| self.bins.get(at.saturating_add(4)..end))
            .ok_or_else(|| bad(format!("cell {offset:#x} of {len} bytes runs past the hive bins")))?;
        let cost = u64::try_from(len).unwrap_or(u64::MAX).saturating_add(8);
        self.work_left = self.work_left.checked_sub(cost).ok_or_else(|| {
            bad(format!(
                "keys refer to the same cells over and over (more than {WORK_PER_BYTE}x the hive's size in reads): not a hive Windows wrote"
            ))
        })?;
        Ok(data)
    }

    /// The root key.
    pub(crate) fn root(&mut self) -> Result<Key, HiveError> {
        self.key(self.root)
    }

    fn key(&mut self, offset: u32) -> Result<Key, HiveError> {
        let nk = self.cell(offset)?;
        let bad = |detail: &str| HiveError::new(file_offset(offset), format!("key node {offset:#x}: {detail}"));
        if !nk.starts_with(b"nk") {
            return Err(bad("not a key node (no \"nk\" signature)"));
        }
        let field = |at: usize| le_u32(nk, at).ok_or_else(|| bad("truncated"));
        let flags = le_u16(nk, 2).ok_or_else(|| bad("truncated"))?;
        let name_len = to_usize(u32::from(le_u16(nk, 72).ok_or_else(|| bad("truncated"))?));
        let name = nk
            .get(76..76usize.saturating_add(name_len))
            .ok_or_else(|| bad("name runs past the cell"))?;
        Ok(Key {
            cell: offset,
            name: decode_name(name, flags & 0x0020 != 0),
            subkeys: field(20)?,
            subkey_list: field(28)?,
            values: field(36)?,
            value_list: field(40)?,
        })
    }

    /// The key's subkeys, in the order of its subkey list.
    pub(crate) fn subkeys(&mut self, key: &Key) -> Result<Vec<Key>, HiveError> {
        if key.subkeys == 0 {
            return Ok(Vec::new());
        }
        let mut offsets = Vec::new();
        self.subkey_list(key.subkey_list, true, &mut offsets)?;
        if offsets.len() != to_usize(key.subkeys) {
            return Err(HiveError::new(
                file_offset(key.cell),
                format!(
                    "key {:?} declares {} subkeys, its list holds {}",
                    key.name,
                    key.subkeys,
                    offsets.len()
                ),
            ));
        }
        offsets.into_iter().map(|o| self.key(o)).collect()
    }

    fn subkey_list(&mut self, offset: u32, index_allowed: bool, out: &mut Vec<u32>) -> Result<(), HiveError> {
        let list = self.cell(offset)?;
        let bad = |detail: &str| HiveError::new(file_offset(offset), format!("subkey list {offset:#x}: {detail}"));
        let count = to_usize(u32::from(le_u16(list, 2).ok_or_else(|| bad("truncated"))?));
        let (stride, nested) = match list.get(..2) {
            Some(b"lf" | b"lh") => (8, false),
            Some(b"li") => (4, false),
            Some(b"ri") if index_allowed => (4, true),
            Some(b"ri") => return Err(bad("an index inside an index")),
            _ => return Err(bad("unknown list type")),
        };
        let entries = list
            .get(4..count.saturating_mul(stride).saturating_add(4))
            .ok_or_else(|| bad(&format!("{count} entries run past the cell")))?;
        for entry in entries.chunks_exact(stride) {
            let target = le_u32(entry, 0).ok_or_else(|| bad("truncated entry"))?;
            if nested {
                self.subkey_list(target, false, out)?;
            } else {
                out.push(target);
            }
        }
        Ok(())
    }

    /// The key's values, their data not read yet.
    pub(crate) fn values(&mut self, key: &Key) -> Result<Vec<Value>, HiveError> {
        if key.values == 0 {
            return Ok(Vec::new());
        }
        let list = self.cell(key.value_list)?;
        let count = to_usize(key.values);
        let offsets = list.get(..count.saturating_mul(4)).ok_or_else(|| {
            HiveError::new(
                file_offset(key.value_list),
                format!("value list of key {:?}: {count} entries run past the cell", key.name),
            )
        })?;
        offsets
            .chunks_exact(4)
            .filter_map(|c| le_u32(c, 0))
            .map(|o| self.value(o))
            .collect()
    }

    fn value(&mut self, offset: u32) -> Result<Value, HiveError> {
        let vk = self.cell(offset)?;
        let bad = |detail: &str| HiveError::new(file_offset(offset), format!("value {offset:#x}: {detail}"));
        if !vk.starts_with(b"vk") {
            return Err(bad("not a value (no \"vk\" signature)"));
        }
        let field = |at: usize| le_u32(vk, at).ok_or_else(|| bad("truncated"));
        let name_len = to_usize(u32::from(le_u16(vk, 2).ok_or_else(|| bad("truncated"))?));
        let flags = le_u16(vk, 16).ok_or_else(|| bad("truncated"))?;
        let name = vk
            .get(20..20usize.saturating_add(name_len))
            .ok_or_else(|| bad("name runs past the cell"))?;
        Ok(Value {
            name: decode_name(name, flags & 0x0001 != 0),
            cell: offset,
            size: field(4)?,
            data: field(8)?,
        })
    }

    /// The value `name` of `key` (ignoring case), if present.
    pub(crate) fn value_named(&mut self, key: &Key, name: &str) -> Result<Option<Value>, HiveError> {
        Ok(self.values(key)?.into_iter().find(|v| same_name(&v.name, name)))
    }

    /// A value's data: inline, in one cell, or in big data segments.
    pub(crate) fn data(&mut self, value: &Value) -> Result<Vec<u8>, HiveError> {
        if value.size & 0x8000_0000 != 0 {
            // Up to four bytes kept in the data offset field itself.
            let len = to_usize(value.size & 0x7fff_ffff).min(4);
            return Ok(value.data.to_le_bytes().get(..len).unwrap_or_default().to_vec());
        }
        let len = to_usize(value.size);
        let bad = |detail: String| HiveError::new(file_offset(value.cell), format!("value {:?}: {detail}", value.name));
        let cell = self.cell(value.data)?;
        if let Some(direct) = cell.get(..len) {
            return Ok(direct.to_vec());
        }
        if !(self.big_data && len > SEGMENT && cell.starts_with(b"db")) {
            return Err(bad(format!("{len} bytes of data run past their cell")));
        }
        let segments = to_usize(u32::from(
            le_u16(cell, 2).ok_or_else(|| bad("truncated big data record".into()))?,
        ));
        let list_offset = le_u32(cell, 4).ok_or_else(|| bad("truncated big data record".into()))?;
        if segments.saturating_mul(SEGMENT) < len {
            return Err(bad(format!("{len} bytes of data in {segments} big data segments")));
        }
        let list = self.cell(list_offset)?;
        let offsets = list.get(..segments.saturating_mul(4)).ok_or_else(|| {
            bad(format!(
                "big data segment list of {segments} entries runs past its cell"
            ))
        })?;
        let mut out = Vec::with_capacity(len.min(self.bins.len()));
        for segment in offsets.chunks_exact(4).filter_map(|c| le_u32(c, 0)) {
            let want = len.saturating_sub(out.len()).min(SEGMENT);
            if want == 0 {
                break;
            }
            let bytes = self.cell(segment)?;
            let part = bytes
                .get(..want)
                .ok_or_else(|| bad(format!("big data segment {segment:#x} is shorter than {want} bytes")))?;
            out.extend_from_slice(part);
        }
        Ok(out)
    }
}

/// Latin-1 when compressed, else UTF-16LE (unpaired surrogates replaced).
fn decode_name(bytes: &[u8], compressed: bool) -> String {
    if compressed {
        bytes.iter().map(|&b| char::from(b)).collect()
    } else {
        utf16le(bytes).collect()
    }
}

/// Registry names compare without regard to case.
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || (!a.is_ascii() && a.to_lowercase() == b.to_lowercase())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn names_decode_both_ways() {
        assert_eq!(decode_name(b"ROOT", true), "ROOT");
        assert_eq!(decode_name(&[0xe9], true), "\u{e9}");
        assert_eq!(decode_name(&[b'R', 0, 0xe9, 0], false), "R\u{e9}");
        assert!(same_name("Certificates", "CERTIFICATES"));
        assert!(same_name("\u{c9}t\u{e9}", "\u{e9}t\u{c9}"));
        assert!(!same_name("CA", "CAs"));
    }

    #[test]
    fn the_checksum_maps_zero_and_all_ones() {
        let zero = [0u8; 512];
        assert_eq!(base_block_checksum(&zero), Some(1));
        let mut ones = [0u8; 512];
        ones[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(base_block_checksum(&ones), Some(u32::MAX - 1));
        assert_eq!(base_block_checksum(&[0u8; 100]), None);
    }
}
