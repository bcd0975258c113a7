//! The members of cabinet archives ([MS-CAB]) as Windows Update serves trust lists (`authrootstl.cab`,
//! `disallowedcertstl.cab`): a thin reader of the container with MSZIP blocks inflated by
//! `miniz_oxide`.
//!
//! Why not the `cab` crate (used before): fuzzing its reader with trust files found 310
//! panics (out-of-bounds indexing in `folder.rs` on inconsistent block tables) within
//! minutes; a panic is caught by `catch_unwind` only when the embedder builds with
//! `panic = "unwind"`, so it could still abort a scanner. This reader checks every offset and
//! count, bounds the output, and returns typed errors. Uncompressed and MSZIP folders are
//! read; Quantum and LZX folders are reported as unsupported (extract those with `expand`).

use miniz_oxide::inflate::core::{decompress, inflate_flags, DecompressorOxide};

use miniz_oxide::inflate::TINFLStatus;

use super::{name_at, to_usize, u16_at, u32_at, u8_at};
use crate::error::CabinetMembersError;
use crate::num::usize_u64;

/// Most members read out of one cabinet.
pub(crate) const MAX_MEMBERS: usize = 64;
/// Most bytes inflated from one cabinet, all folders together (issue 14: folders may share
/// one data stream, and a 115 KB cabinet that inflated every folder up to 64 MiB reached
/// 2.1 GB). The real authrootstl.cab inflates to about 0.4 MB.
pub(crate) const MAX_CABINET_BYTES: usize = 16 * 1024 * 1024;
/// MSZIP blocks decompress to at most 32 KiB each.
pub(crate) const MSZIP_BLOCK: usize = 32 * 1024;

pub(crate) struct Folder {
    pub(crate) data_offset: usize,
    pub(crate) blocks: u16,
    pub(crate) compression: u16,
}

/// One member's entry in the file table.
pub(crate) struct Member {
    pub(crate) name: String,
    pub(crate) size: usize,
    pub(crate) offset: usize,
    pub(crate) folder: usize,
}

/// A field that must be in the file: missing, it is [`CabinetMembersError::Truncated`].
pub(crate) fn field<T>(v: Option<T>, what: &'static str, offset: usize) -> Result<T, CabinetMembersError> {
    v.ok_or(CabinetMembersError::Truncated {
        what,
        offset: usize_u64(offset),
    })
}

/// The folder and file tables of a single cabinet, and the reserve each data block
/// carries.
fn tables(b: &[u8]) -> Result<(Vec<Folder>, Vec<Member>, usize), CabinetMembersError> {
    tables_bounded(b, MAX_MEMBERS)
}

/// [`tables`] for a cabinet of at most `max_members` members (and as many folders).
pub(crate) type Tables = (Vec<Folder>, Vec<Member>, usize);

/// The folder and file tables, at most `max_members` members.
pub(crate) fn tables_bounded(b: &[u8], max_members: usize) -> Result<Tables, CabinetMembersError> {
    tables_in(b, b, 0, max_members)
}

/// The fields [`tables_in`] needs to know how much of a cabinet its tables take: the
/// CFFILE table's offset, the files' and folders' counts and where the folder table ends
/// (the header, its reserve and the CFFOLDER entries); read from the first
/// [`TABLE_HEAD`] bytes and, with a reserve, the header's reserve.
pub(crate) struct Extent {
    /// Bytes from the start that hold the header and the folder table.
    pub(crate) head: usize,
    /// Where the CFFILE table starts, and the most bytes it can take (each entry 16 bytes
    /// and a name of at most 256 bytes and its NUL).
    pub(crate) files: std::ops::Range<usize>,
}

/// The fixed header and its reserve fields: what [`extent`] reads first.
pub(crate) const TABLE_HEAD: usize = 40;

/// How much of a cabinet its tables take, from its first [`TABLE_HEAD`] bytes (fewer when
/// the cabinet is shorter): the caller reads those ranges (bounded: the header's reserve
/// is at most 65,535 bytes, the folder table 65,535 entries of at most 263 bytes, the file
/// table `max_members` entries of at most 273) and parses them with [`tables_in`]. Errors
/// are the ones [`tables_in`] gives on the same bytes.
pub(crate) fn extent(head: &[u8], max_members: usize) -> Result<Extent, CabinetMembersError> {
    if !super::is_cabinet(head) {
        return Err(CabinetMembersError::NotCabinet);
    }
    let files_offset = to_usize(field(u32_at(head, 16), "coffFiles", 16)?);
    let folder_count = usize::from(field(u16_at(head, 26), "cFolders", 26)?);
    let file_count = usize::from(field(u16_at(head, 28), "cFiles", 28)?);
    let flags = field(u16_at(head, 30), "flags", 30)?;
    let (mut at, mut folder_reserve) = (36usize, 0usize);
    if flags & 0x0004 != 0 {
        let header_reserve = usize::from(field(u16_at(head, at), "cbCFHeader", at)?);
        folder_reserve = usize::from(field(
            u8_at(head, at.saturating_add(2)),
            "cbCFFolder",
            at.saturating_add(2),
        )?);
        at = at.saturating_add(4).saturating_add(header_reserve);
    }
    let folders = folder_count
        .min(max_members)
        .saturating_mul(8usize.saturating_add(folder_reserve));
    let files = file_count.min(max_members).saturating_mul(16 + 257);
    Ok(Extent {
        head: at.saturating_add(folders),
        files: files_offset..files_offset.saturating_add(files),
    })
}

/// The folder and file tables, at most `max_members` members, from `b` (the cabinet's
/// bytes from its start: the header and the folder table) and `files` (its bytes from
/// offset `files_base`: the file table). A cabinet in memory is both; one read from a file
/// holds only those two ranges ([`extent`]). Offsets in errors are the cabinet's.
pub(crate) fn tables_in(
    b: &[u8],
    files: &[u8],
    files_base: usize,
    max_members: usize,
) -> Result<Tables, CabinetMembersError> {
    if !super::is_cabinet(b) {
        return Err(CabinetMembersError::NotCabinet);
    }
    let files_offset = to_usize(field(u32_at(b, 16), "coffFiles", 16)?);
    let folder_count = usize::from(field(u16_at(b, 26), "cFolders", 26)?);
    let file_count = usize::from(field(u16_at(b, 28), "cFiles", 28)?);
    let flags = field(u16_at(b, 30), "flags", 30)?;
    if file_count > max_members {
        return Err(CabinetMembersError::TooManyMembers {
            count: file_count,
            max: max_members,
        });
    }
    let mut at = 36usize;
    let (mut folder_reserve, mut data_reserve) = (0usize, 0usize);
    if flags & 0x0004 != 0 {
        let header_reserve = usize::from(field(u16_at(b, at), "cbCFHeader", at)?);
        folder_reserve = usize::from(field(
            u8_at(b, at.saturating_add(2)),
            "cbCFFolder",
            at.saturating_add(2),
        )?);
        data_reserve = usize::from(field(u8_at(b, at.saturating_add(3)), "cbCFData", at.saturating_add(3))?);
        at = at.saturating_add(4).saturating_add(header_reserve);
    }
    if flags & 0x0003 != 0 {
        return Err(CabinetMembersError::Spanned);
    }
    let mut folders = Vec::new();
    for _ in 0..folder_count.min(max_members) {
        folders.push(Folder {
            data_offset: to_usize(field(u32_at(b, at), "CFFOLDER coffCabStart", at)?),
            blocks: field(
                u16_at(b, at.saturating_add(4)),
                "CFFOLDER cCFData",
                at.saturating_add(4),
            )?,
            compression: field(
                u16_at(b, at.saturating_add(6)),
                "CFFOLDER typeCompress",
                at.saturating_add(6),
            )?,
        });
        at = at.saturating_add(8).saturating_add(folder_reserve);
    }
    let mut members = Vec::new();
    let mut at = files_offset;
    // `files` starts at the cabinet's offset `files_base`: each field is read at its offset
    // within it (one before `files_base` is not in it), and named by the cabinet's offset.
    let rel = |at: usize| at.checked_sub(files_base).unwrap_or(usize::MAX);
    for _ in 0..file_count {
        let size = to_usize(field(u32_at(files, rel(at)), "CFFILE cbFile", at)?);
        let offset = to_usize(field(
            u32_at(files, rel(at.saturating_add(4))),
            "CFFILE uoffFolderStart",
            at.saturating_add(4),
        )?);
        let folder = usize::from(field(
            u16_at(files, rel(at.saturating_add(8))),
            "CFFILE iFolder",
            at.saturating_add(8),
        )?);
        let name_offset = at.saturating_add(16);
        let (name, next) = name_at(files, rel(name_offset)).ok_or(CabinetMembersError::Name {
            offset: usize_u64(name_offset),
        })?;
        at = next.saturating_add(files_base);
        if folder >= folders.len() {
            return Err(CabinetMembersError::NoSuchFolder { member: name, folder });
        }
        members.push(Member {
            name,
            size,
            offset,
            folder,
        });
    }
    Ok((folders, members, data_reserve))
}

/// Calls `f` with each member's name and bytes, folder by folder: each folder is inflated
/// once, its members handed over, and its buffer dropped before the next, so memory holds
/// one folder at a time and all folders together inflate at most [`MAX_CABINET_BYTES`].
/// Returns how many members were handed over.
pub(crate) fn for_each_member(b: &[u8], mut f: impl FnMut(&str, &[u8])) -> Result<usize, CabinetMembersError> {
    let (folders, members, data_reserve) = tables(b)?;
    let mut budget = MAX_CABINET_BYTES;
    for (index, folder) in folders.iter().enumerate() {
        if !members.iter().any(|m| m.folder == index) {
            continue; // never inflated: a folder no member uses costs nothing
        }
        let data = unpack(b, folder, data_reserve, &mut budget)?;
        for m in members.iter().filter(|m| m.folder == index) {
            let bytes = m
                .offset
                .checked_add(m.size)
                .and_then(|end| data.get(m.offset..end))
                .ok_or_else(|| CabinetMembersError::OutsideFolder {
                    member: m.name.clone(),
                    size: m.size,
                    offset: m.offset,
                    folder_len: data.len(),
                })?;
            f(&m.name, bytes);
        }
    }
    Ok(members.len())
}

/// Every member, copied out (bounded like [`for_each_member`]; each member's copy counts
/// against the same budget, so overlapping members cannot multiply it).
pub(crate) fn members(b: &[u8]) -> Result<Vec<(String, Vec<u8>)>, CabinetMembersError> {
    let mut out = Vec::new();
    let mut copied = 0usize;
    let mut over = false;
    for_each_member(b, |name, bytes| {
        copied = copied.saturating_add(bytes.len());
        if copied > MAX_CABINET_BYTES {
            over = true;
        } else {
            out.push((name.to_string(), bytes.to_vec()));
        }
    })?;
    if over {
        return Err(CabinetMembersError::MembersTooLarge {
            limit: MAX_CABINET_BYTES,
        });
    }
    Ok(out)
}

/// Inflates one folder, taking what it produces from `budget` (the whole cabinet's).
fn unpack(b: &[u8], folder: &Folder, data_reserve: usize, budget: &mut usize) -> Result<Vec<u8>, CabinetMembersError> {
    let kind = folder.compression & 0x000f;
    if kind != 0 && kind != 1 {
        let method = if kind == 3 { "LZX" } else { "Quantum" };
        return Err(CabinetMembersError::Compression { method });
    }
    let mut out: Vec<u8> = Vec::new();
    let mut inflater = DecompressorOxide::new();
    let mut at = folder.data_offset;
    for _ in 0..folder.blocks {
        let packed = usize::from(field(
            u16_at(b, at.saturating_add(4)),
            "CFDATA cbData",
            at.saturating_add(4),
        )?);
        let size = usize::from(field(
            u16_at(b, at.saturating_add(6)),
            "CFDATA cbUncomp",
            at.saturating_add(6),
        )?);
        let start = at.saturating_add(8).saturating_add(data_reserve);
        let block = start
            .checked_add(packed)
            .and_then(|end| b.get(start..end))
            .ok_or(CabinetMembersError::BlockPastEnd { offset: usize_u64(at) })?;
        let block_at = at;
        at = start.saturating_add(packed);
        if size > *budget {
            return Err(CabinetMembersError::InflatesTooLarge {
                limit: MAX_CABINET_BYTES,
            });
        }
        *budget = budget.saturating_sub(size);
        if kind == 0 {
            if packed != size {
                return Err(CabinetMembersError::StoredSize {
                    offset: usize_u64(block_at),
                    packed,
                    size,
                });
            }
            out.extend_from_slice(block);
            continue;
        }
        inflate_mszip(&mut inflater, block, start, size, &mut out)?;
    }
    Ok(out)
}

/// Appends the `size` bytes the MSZIP block at `start` (its data, after the header)
/// inflates to: "CK", then a raw deflate stream that may refer to the 32 KiB before it.
pub(crate) fn inflate_mszip(
    inflater: &mut DecompressorOxide,
    block: &[u8],
    start: usize,
    size: usize,
    out: &mut Vec<u8>,
) -> Result<(), CabinetMembersError> {
    let offset = usize_u64(start);
    let deflate = block
        .strip_prefix(b"CK")
        .ok_or(CabinetMembersError::MszipSignature { offset })?;
    if size > MSZIP_BLOCK {
        return Err(CabinetMembersError::MszipSize {
            offset,
            size,
            max: MSZIP_BLOCK,
        });
    }
    let before = out.len();
    out.resize(before.saturating_add(size), 0);
    inflater.init();
    let (status, _, written) = decompress(
        inflater,
        deflate,
        out,
        before,
        inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF,
    );
    if written != size || !matches!(status, TINFLStatus::Done) {
        return Err(CabinetMembersError::Inflate {
            offset,
            written,
            status: format!("{status:?}"),
            size,
        });
    }
    Ok(())
}

#[cfg(test)]
#[allow(
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::as_conversions
)] // test code on known-good inputs
mod tests {
    use super::members;
    use crate::error::CabinetMembersError;

    /// A cabinet with one uncompressed folder holding `data` as `name`.
    fn stored(name: &str, data: &[u8]) -> Vec<u8> {
        let files_offset = 36 + 8;
        let data_offset = files_offset + 16 + name.len() + 1;
        let total = data_offset + 8 + data.len();
        let mut b = Vec::new();
        b.extend_from_slice(b"MSCF");
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&(total as u32).to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&(files_offset as u32).to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&[3, 1]); // version 1.3
        b.extend_from_slice(&1u16.to_le_bytes()); // folders
        b.extend_from_slice(&1u16.to_le_bytes()); // files
        b.extend_from_slice(&0u16.to_le_bytes()); // flags
        b.extend_from_slice(&0u16.to_le_bytes()); // set id
        b.extend_from_slice(&0u16.to_le_bytes()); // cabinet index
        b.extend_from_slice(&(data_offset as u32).to_le_bytes());
        b.extend_from_slice(&1u16.to_le_bytes()); // one data block
        b.extend_from_slice(&0u16.to_le_bytes()); // stored
        b.extend_from_slice(&(data.len() as u32).to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes()); // offset in folder
        b.extend_from_slice(&0u16.to_le_bytes()); // folder 0
        b.extend_from_slice(&[0; 6]); // date, time, attributes
        b.extend_from_slice(name.as_bytes());
        b.push(0);
        b.extend_from_slice(&0u32.to_le_bytes()); // checksum
        b.extend_from_slice(&(data.len() as u16).to_le_bytes());
        b.extend_from_slice(&(data.len() as u16).to_le_bytes());
        b.extend_from_slice(data);
        b
    }

    #[test]
    fn the_inputs_that_made_the_cab_crate_panic_are_typed_errors() {
        // Found by the trust_material fuzz target (fuzz/regressions/trust_material/): the
        // `cab` crate indexed past its block table (folder.rs:134) and sliced past a block
        // (folder.rs:235) on these.
        for input in [
            include_bytes!("../../../../fuzz/regressions/trust_material/cab-block-index-out-of-bounds").as_slice(),
            include_bytes!("../../../../fuzz/regressions/trust_material/cab-block-slice-out-of-bounds").as_slice(),
        ] {
            assert!(members(input).is_err());
        }
    }

    #[test]
    fn stored_members_read_back() {
        let cab = stored("authroot.stl", b"hello");
        let m = members(&cab).expect("reads");
        assert_eq!(m, vec![("authroot.stl".to_string(), b"hello".to_vec())]);
    }

    #[test]
    fn every_truncation_and_lzx_is_a_typed_error() {
        let cab = stored("a.stl", b"0123456789");
        for len in 0..cab.len() {
            assert!(members(&cab[..len]).is_err(), "truncated at {len}");
        }
        let mut lzx = cab.clone();
        lzx[36 + 6] = 3;
        assert_eq!(members(&lzx), Err(CabinetMembersError::Compression { method: "LZX" }));
        let mut outside = cab;
        outside[36 + 8 + 4] = 200; // file offset past the folder
        assert!(members(&outside).is_err());
    }
}
