//! The compound file's directory entries as stored. `cfb` reads streams well but gives a
//! stream entry's times as zero whatever the file holds (the format says they should be);
//! the MsiDigitalSignatureEx pre-hash covers the bytes as stored, so that changing them after
//! signing breaks the signature (osslsigncode hashes them so). This reads the header, the
//! FAT sectors the DIFAT lists, the directory's sector chain and its 128-byte entries, every
//! index and offset checked and every chain bounded by the file's sector count.

use crate::error::MsiError;

/// Sector chain markers ([MS-CFB] 2.1).
const END_OF_CHAIN: u32 = 0xffff_fffe;
const MAX_REG_SECTOR: u32 = 0xffff_fffa;
/// No sibling or child.
pub(crate) const NO_STREAM: u32 = 0xffff_ffff;
/// DIFAT entries in the header.
const HEADER_DIFAT: usize = 109;
const ENTRY: usize = 128;

/// Object types of a directory entry.
pub(crate) const STORAGE: u8 = 1;
pub(crate) const STREAM: u8 = 2;

/// One directory entry, its fields as stored.
#[derive(Clone, Debug)]
pub(crate) struct RawEntry {
    /// The name as stored: UTF-16LE with its terminator (nameLen bytes).
    pub(crate) name: Vec<u8>,
    pub(crate) kind: u8,
    pub(crate) left: u32,
    pub(crate) right: u32,
    pub(crate) child: u32,
    pub(crate) clsid: [u8; 16],
    pub(crate) state_bits: [u8; 4],
    pub(crate) created: [u8; 8],
    pub(crate) modified: [u8; 8],
    /// The low 32 bits of the stream size.
    pub(crate) size: [u8; 4],
}

impl RawEntry {
    /// The name without its terminator, decoded.
    pub(crate) fn decoded_name(&self) -> String {
        let units: Vec<u16> = self
            .name
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c.first().copied().unwrap_or(0), c.get(1).copied().unwrap_or(0)]))
            .take_while(|&u| u != 0)
            .collect();
        String::from_utf16_lossy(&units)
    }
}

/// The offset of 32-bit entry `i`.
fn word(i: usize) -> usize {
    i.saturating_mul(4)
}

fn bad(detail: impl Into<String>) -> MsiError {
    MsiError::Compound { detail: detail.into() }
}

fn u32_at(b: &[u8], at: usize) -> Result<u32, MsiError> {
    crate::num::le_u32(b, at).ok_or_else(|| bad(format!("truncated at offset {at}")))
}

fn array<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(src) = at.checked_add(N).and_then(|end| b.get(at..end)) {
        out.copy_from_slice(src);
    }
    out
}

/// The directory entries of the compound file `b`, in stream-id order.
pub(crate) fn read(b: &[u8]) -> Result<Vec<RawEntry>, MsiError> {
    let shift = crate::num::le_u16(b, 0x1e).ok_or_else(|| bad("truncated header"))?;
    if shift != 9 && shift != 12 {
        return Err(bad(format!("sector shift {shift} (9 or 12)")));
    }
    let size = 1usize << shift;
    let sectors = b.len().checked_div(size).unwrap_or(0).saturating_sub(1);
    let sector = |n: u32| -> Result<&[u8], MsiError> {
        let n = usize::try_from(n).unwrap_or(usize::MAX);
        n.checked_add(1)
            .and_then(|k| k.checked_mul(size))
            .and_then(|start| b.get(start..start.checked_add(size)?))
            .ok_or_else(|| bad(format!("sector {n} lies outside the file")))
    };
    let fat = fat_sectors(b, size, sectors, &sector)?;
    // A FAT sector holds size / 4 next-sector entries (size is 512 or 4096).
    let per = size.checked_div(4).unwrap_or(1);
    let next = |n: u32| -> Result<u32, MsiError> {
        let index = usize::try_from(n).unwrap_or(usize::MAX);
        let fat_sector = fat
            .get(index.checked_div(per).unwrap_or(usize::MAX))
            .ok_or_else(|| bad(format!("sector {n} has no FAT entry")))?;
        u32_at(sector(*fat_sector)?, word(index.checked_rem(per).unwrap_or(0)))
    };
    let mut entries = Vec::new();
    let mut at = u32_at(b, 0x30)?;
    let mut steps = 0usize;
    while at != END_OF_CHAIN {
        if at > MAX_REG_SECTOR || steps > sectors {
            return Err(bad("the directory's sector chain does not end"));
        }
        let s = sector(at)?;
        for e in s.chunks_exact(ENTRY) {
            entries.push(entry(e));
        }
        at = next(at)?;
        steps = steps.saturating_add(1);
    }
    Ok(entries)
}

/// The FAT's sectors: the header's DIFAT entries, then the DIFAT sector chain.
fn fat_sectors<'b>(
    b: &'b [u8],
    size: usize,
    sectors: usize,
    sector: &dyn Fn(u32) -> Result<&'b [u8], MsiError>,
) -> Result<Vec<u32>, MsiError> {
    let count = usize::try_from(u32_at(b, 0x2c)?).unwrap_or(usize::MAX);
    if count > sectors {
        return Err(bad(format!("{count} FAT sectors in a file of {sectors}")));
    }
    let mut fat = Vec::with_capacity(count);
    for i in 0..HEADER_DIFAT.min(count) {
        fat.push(u32_at(b, word(i).saturating_add(0x4c))?);
    }
    let mut difat = u32_at(b, 0x44)?;
    let mut steps = 0usize;
    while fat.len() < count {
        if difat > MAX_REG_SECTOR || steps > sectors {
            return Err(bad("the DIFAT chain ends before every FAT sector is listed"));
        }
        let s = sector(difat)?;
        // A DIFAT sector lists size / 4 - 1 FAT sectors, then the next DIFAT sector.
        let per = size.checked_div(4).unwrap_or(1).saturating_sub(1);
        for i in 0..per {
            if fat.len() < count {
                fat.push(u32_at(s, word(i))?);
            }
        }
        difat = u32_at(s, word(per))?;
        steps = steps.saturating_add(1);
    }
    Ok(fat)
}

fn entry(e: &[u8]) -> RawEntry {
    let name_len = usize::from(crate::num::le_u16(e, 64).unwrap_or(0)).min(64);
    let field = |at: usize| crate::num::le_u32(e, at).unwrap_or(NO_STREAM);
    RawEntry {
        name: e.get(..name_len).unwrap_or_default().to_vec(),
        kind: e.get(66).copied().unwrap_or(0),
        left: field(68),
        right: field(72),
        child: field(76),
        clsid: array(e, 80),
        state_bits: array(e, 96),
        created: array(e, 100),
        modified: array(e, 108),
        size: array(e, 120),
    }
}

/// The children of entry `parent`: the sibling tree under its child, in stored order, each
/// entry visited once (a cycle or a shared subtree ends the walk with an error).
pub(crate) fn children(entries: &[RawEntry], parent: u32, seen: &mut [bool]) -> Result<Vec<u32>, MsiError> {
    let mut out = Vec::new();
    let mut stack = Vec::new();
    let first = entries
        .get(usize::try_from(parent).unwrap_or(usize::MAX))
        .map_or(NO_STREAM, |e| e.child);
    if first != NO_STREAM {
        stack.push(first);
    }
    while let Some(id) = stack.pop() {
        let index = usize::try_from(id).unwrap_or(usize::MAX);
        let (Some(e), Some(visited)) = (entries.get(index), seen.get_mut(index)) else {
            return Err(bad(format!("directory entry {id} does not exist")));
        };
        if std::mem::replace(visited, true) {
            return Err(bad(format!("directory entry {id} is reached twice")));
        }
        out.push(id);
        for sibling in [e.left, e.right] {
            if sibling != NO_STREAM {
                stack.push(sibling);
            }
        }
    }
    Ok(out)
}
