//! The Authenticode signature of a cabinet and the digest it signs.
//!
//! A signed cabinet sets `cfhdrRESERVE_PRESENT` (flags bit 2) with a 20-byte header reserve
//! (`cbCFHeader` = 20, `cbCFFolder` = `cbCFData` = 0) whose bytes 4..8 give the PKCS#7
//! SignedData's offset and 8..12 its length; the signature follows the cabinet's data and
//! `cbCabinet` counts the cabinet without it. The digest covers the cabinet as far as the
//! signature, minus what signing writes: `reserved1`, `iCabinet`, the sizes of the reserve
//! areas and the first 16 bytes of the header reserve (which hold the signature's place).
//! In file order: `signature` (0..4), then 8..34 (`cbCabinet`, `reserved2`, `coffFiles`,
//! `reserved3`, version, `cFolders`, `cFiles`, `flags`, `setID`), the reserve's last 4
//! bytes (56..60), then everything from 60 (the previous/next cabinet names, the CFFOLDER
//! table, CFFILE entries and CFDATA blocks) to the signature. This is the layout osslsigncode
//! computes (cab.c, `cab_digest_calc`), checked against it on every vector
//! (tests/containers.rs); docs/ARCHITECTURE.md has the evidence.
//!
//! An unsigned cabinet has no signature to check, but a catalog may list it by the hash the
//! cabinet subject interface package computes: `signature` (0..4) and everything from 8 to
//! the end — osslsigncode's `cab_digest_calc` for a cabinet without a signature, which
//! finds cabinets in catalogs Windows' makecat wrote (its `verify_catalog_ex_` test).

use std::ops::Range;

use super::{u16_at, u32_at};
use crate::error::CabinetError;
use crate::num::usize_u64;

const FLAG_PREV_CABINET: u16 = 0x0001;
const FLAG_NEXT_CABINET: u16 = 0x0002;
const FLAG_RESERVE_PRESENT: u16 = 0x0004;
/// The header reserve an Authenticode signature uses.
const SIGNATURE_RESERVE: u16 = 20;
/// Where the fixed header ends and the header reserve begins.
const RESERVE_AT: usize = 40;

/// A cabinet's header as far as its signature and digest need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CabinetSignature<'a> {
    /// The PKCS#7 SignedData, or `None` for an unsigned cabinet.
    pub signature: Option<&'a [u8]>,
    /// Offset of the signature in the file.
    pub signature_offset: u64,
    /// The file ranges the digest covers, in order (for an unsigned cabinet, the ranges a
    /// catalog's hash of it covers).
    pub digest_ranges: Vec<Range<u64>>,
    /// Bytes after the signature: outside the digest and the signature.
    pub bytes_after_signature: u64,
}

fn field<T>(v: Option<T>, what: &'static str, offset: usize, len: usize) -> Result<T, CabinetError> {
    v.ok_or(CabinetError::Truncated {
        what,
        offset: usize_u64(offset),
        len: usize_u64(len),
    })
}

impl<'a> CabinetSignature<'a> {
    /// Reads the header of the cabinet `b` (which starts with `MSCF`).
    pub fn parse(b: &'a [u8]) -> Result<Self, CabinetError> {
        let len = b.len();
        let flags = field(u16_at(b, 30), "flags", 30, len)?;
        let folders = usize::from(field(u16_at(b, 26), "cFolders", 26, len)?);
        let files_offset = super::to_usize(field(u32_at(b, 16), "coffFiles", 16, len)?);
        if flags & FLAG_RESERVE_PRESENT == 0 {
            return Ok(Self::unsigned(len));
        }
        let reserve = field(u16_at(b, 36), "cbCFHeader", 36, len)?;
        let (folder_reserve, data_reserve) = (
            field(super::u8_at(b, 38), "cbCFFolder", 38, len)?,
            field(super::u8_at(b, 39), "cbCFData", 39, len)?,
        );
        let offset = super::to_usize(field(
            u32_at(b, RESERVE_AT + 4),
            "signature offset",
            RESERVE_AT + 4,
            len,
        )?);
        let size = super::to_usize(field(u32_at(b, RESERVE_AT + 8), "signature size", RESERVE_AT + 8, len)?);
        if offset == 0 && size == 0 {
            return Ok(Self::unsigned(len));
        }
        if reserve != SIGNATURE_RESERVE || folder_reserve != 0 || data_reserve != 0 {
            return Err(CabinetError::HeaderReserve { size: reserve });
        }
        let end = offset
            .checked_add(size)
            .filter(|&e| e <= len && offset >= RESERVE_AT + 20);
        let (Some(end), Some(signature)) = (end, end.and_then(|e| b.get(offset..e))) else {
            return Err(CabinetError::SignatureOutside {
                offset: usize_u64(offset),
                len: usize_u64(size),
                file_len: usize_u64(len),
            });
        };
        let mut at = RESERVE_AT + usize::from(SIGNATURE_RESERVE);
        for (flag, names) in [(FLAG_PREV_CABINET, 2), (FLAG_NEXT_CABINET, 2)] {
            if flags & flag != 0 {
                for _ in 0..names {
                    at = super::name_at(b, at)
                        .ok_or(CabinetError::Name { offset: usize_u64(at) })?
                        .1;
                }
            }
        }
        let folders_end = folders
            .checked_mul(8)
            .and_then(|n| n.checked_add(at))
            .unwrap_or(usize::MAX);
        if folders_end != files_offset || files_offset > offset {
            return Err(CabinetError::FolderTable {
                folders_end: usize_u64(folders_end),
                files_offset: usize_u64(files_offset),
            });
        }
        let r = |a: usize, b: usize| usize_u64(a)..usize_u64(b);
        Ok(Self {
            signature: Some(signature),
            signature_offset: usize_u64(offset),
            digest_ranges: vec![r(0, 4), r(8, 34), r(56, offset)],
            bytes_after_signature: usize_u64(len.saturating_sub(end)),
        })
    }

    fn unsigned(len: usize) -> Self {
        Self {
            signature: None,
            signature_offset: 0,
            digest_ranges: vec![0..4, 8..usize_u64(len)],
            bytes_after_signature: 0,
        }
    }
}
