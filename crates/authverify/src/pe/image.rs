//! The PE image layer: the few header fields Authenticode needs, read with checked arithmetic.
//!
//! The reader is hand-written rather than `object`'s `ImageNtHeaders::parse`, because that
//! rejects layouts osslsigncode and Windows sign and verify (NumberOfSections past EOF,
//! NumberOfRvaAndSizes above 16); see docs/ARCHITECTURE.md, "PE reader".

pub mod digest;
pub mod page_hash;

use crate::error::ImageError;
use crate::num::len_u64;

const PE32_MAGIC: u16 = 0x10b;
const PE32_PLUS_MAGIC: u16 = 0x20b;
/// Index of IMAGE_DIRECTORY_ENTRY_SECURITY.
const SECURITY_DIRECTORY: u64 = 4;

/// PE32 or PE32+.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum PeKind {
    /// 32-bit optional header (magic 0x10b).
    Pe32,
    /// 64-bit optional header (magic 0x20b).
    Pe32Plus,
}

/// Where the attribute certificate table is, as the security directory declares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CertTableLocation {
    /// File offset of the table (the directory's "VirtualAddress" is a file offset).
    pub offset: u64,
    /// Declared size in bytes.
    pub size: u64,
}

impl CertTableLocation {
    /// File offset just past the table.
    pub fn end(&self) -> u64 {
        // Cannot overflow: both halves came from u32 fields.
        self.offset.saturating_add(self.size)
    }
}

/// The parsed header facts of a PE image, borrowing the file bytes.
#[derive(Clone, Debug)]
pub struct PeImage<'a> {
    data: &'a [u8],
    kind: PeKind,
    machine: u16,
    subsystem: u16,
    checksum_offset: u64,
    security_entry_offset: Option<u64>,
    cert_table: Option<CertTableLocation>,
    /// Offset of the COFF file header and the size of the optional header (for the
    /// section table).
    coff_offset: u64,
    size_of_optional: u16,
}

fn read_u16(data: &[u8], offset: u64, what: &'static str) -> Result<u16, ImageError> {
    let bytes = slice_at(data, offset, 2, what)?;
    Ok(u16::from_le_bytes([
        bytes.first().copied().unwrap_or(0),
        bytes.get(1).copied().unwrap_or(0),
    ]))
}

fn read_u32(data: &[u8], offset: u64, what: &'static str) -> Result<u32, ImageError> {
    let bytes = slice_at(data, offset, 4, what)?;
    let mut out = [0u8; 4];
    out.copy_from_slice(bytes);
    Ok(u32::from_le_bytes(out))
}

/// `data[offset..offset + len]`, or a typed error naming the field.
pub(crate) fn slice_at<'a>(data: &'a [u8], offset: u64, len: u64, what: &'static str) -> Result<&'a [u8], ImageError> {
    let file_len = len_u64(data);
    let err = ImageError::Truncated {
        what,
        offset,
        len: file_len,
    };
    let end = offset.checked_add(len).ok_or(err.clone())?;
    let start = usize::try_from(offset).map_err(|_| err.clone())?;
    let end = usize::try_from(end).map_err(|_| err.clone())?;
    data.get(start..end).ok_or(err)
}

/// The COFF header's offset: after the `MZ` header's `e_lfanew` and the `PE\0\0` signature.
fn coff_header_offset(data: &[u8]) -> Result<u64, ImageError> {
    let len = len_u64(data);
    if len < 64 {
        return Err(ImageError::TooSmall { len });
    }
    if data.get(..2) != Some(b"MZ".as_slice()) {
        return Err(ImageError::NotMz);
    }
    let e_lfanew = u64::from(read_u32(data, 0x3c, "e_lfanew")?);
    if e_lfanew.checked_add(4).is_none_or(|end| end > len) {
        return Err(ImageError::LfanewOutOfRange { e_lfanew, len });
    }
    if slice_at(data, e_lfanew, 4, "PE signature")? != b"PE\0\0" {
        return Err(ImageError::NotPe { offset: e_lfanew });
    }
    Ok(e_lfanew.saturating_add(4))
}

/// The security directory entry's offset and the certificate table it locates.
///
/// Fewer than five directories: there is no security entry, so the file is unsigned and only
/// CheckSum is excluded from the digest (signify's rule; osslsigncode refuses).
fn security_directory(
    data: &[u8],
    directories_offset: u64,
    rva_count: u32,
) -> Result<(Option<u64>, Option<CertTableLocation>), ImageError> {
    if u64::from(rva_count) <= SECURITY_DIRECTORY {
        return Ok((None, None));
    }
    let len = len_u64(data);
    let entry = directories_offset.saturating_add(SECURITY_DIRECTORY.saturating_mul(8));
    let offset = read_u32(data, entry, "security directory")?;
    let size = read_u32(data, entry.saturating_add(4), "security directory size")?;
    let table = match (offset, size) {
        (0, 0) => None,
        (0, _) | (_, 0) => return Err(ImageError::HalfEmptySecurityDirectory { offset, size }),
        (offset, size) => {
            let table = CertTableLocation {
                offset: u64::from(offset),
                size: u64::from(size),
            };
            // The table must lie after the security entry itself (it can never be part of
            // the headers it is excluded from) and inside the file.
            if table.offset < entry.saturating_add(8) || table.end() > len {
                return Err(ImageError::CertTableOutOfRange {
                    offset: table.offset,
                    size: table.size,
                    len,
                });
            }
            Some(table)
        }
    };
    Ok((Some(entry), table))
}

impl<'a> PeImage<'a> {
    /// Reads the headers of `data`. Fails only when the bytes are not a PE image whose
    /// Authenticode digest can be defined.
    pub fn parse(data: &'a [u8]) -> Result<Self, ImageError> {
        let coff = coff_header_offset(data)?;
        let machine = read_u16(data, coff, "COFF Machine")?;
        let size_of_optional = read_u16(data, coff.saturating_add(16), "SizeOfOptionalHeader")?;
        let opt = coff.saturating_add(20);
        let magic = read_u16(data, opt, "optional header magic")?;
        let (rva_count_offset, directories_offset) = match magic {
            PE32_MAGIC => (opt.saturating_add(92), opt.saturating_add(96)),
            PE32_PLUS_MAGIC => (opt.saturating_add(108), opt.saturating_add(112)),
            other => return Err(ImageError::UnknownMagic { magic: other }),
        };
        let kind = if magic == PE32_MAGIC {
            PeKind::Pe32
        } else {
            PeKind::Pe32Plus
        };
        // CheckSum is at +64: an optional header shorter than 68 bytes cannot hold it
        // (signify refuses such files as well).
        if size_of_optional < 68 {
            return Err(ImageError::OptionalHeaderTooSmall { size: size_of_optional });
        }
        let checksum_offset = opt.saturating_add(64);
        read_u32(data, checksum_offset, "CheckSum")?;
        let subsystem = read_u16(data, opt.saturating_add(68), "Subsystem")?;
        let rva_count = read_u32(data, rva_count_offset, "NumberOfRvaAndSizes")?;

        let (security_entry_offset, cert_table) = security_directory(data, directories_offset, rva_count)?;
        Ok(Self {
            data,
            kind,
            machine,
            subsystem,
            checksum_offset,
            security_entry_offset,
            cert_table,
            coff_offset: coff,
            size_of_optional,
        })
    }

    /// SizeOfHeaders (optional header offset 60).
    pub(crate) fn size_of_headers(&self) -> Result<u32, ImageError> {
        read_u32(self.data, self.coff_offset.saturating_add(20 + 60), "SizeOfHeaders")
    }

    /// (PointerToRawData, SizeOfRawData) of every section, in section-table order.
    pub(crate) fn sections(&self) -> Result<Vec<(u32, u32)>, ImageError> {
        let count = read_u16(self.data, self.coff_offset.saturating_add(2), "NumberOfSections")?;
        let table = self
            .coff_offset
            .saturating_add(20)
            .saturating_add(u64::from(self.size_of_optional));
        (0..u64::from(count))
            .map(|i| {
                let header = table.saturating_add(i.saturating_mul(40));
                Ok((
                    read_u32(self.data, header.saturating_add(20), "PointerToRawData")?,
                    read_u32(self.data, header.saturating_add(16), "SizeOfRawData")?,
                ))
            })
            .collect()
    }

    /// The whole file.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// PE32 or PE32+.
    pub fn kind(&self) -> PeKind {
        self.kind
    }

    /// COFF machine type (0x14c x86, 0x8664 x64, 0xaa64 arm64, ...).
    pub fn machine(&self) -> u16 {
        self.machine
    }

    /// Optional header subsystem (10 = EFI application, ...).
    pub fn subsystem(&self) -> u16 {
        self.subsystem
    }

    /// File offset of the CheckSum field.
    pub fn checksum_offset(&self) -> u64 {
        self.checksum_offset
    }

    /// File offset of the security directory entry, when the image has one.
    pub fn security_entry_offset(&self) -> Option<u64> {
        self.security_entry_offset
    }

    /// The certificate table, when the security directory declares one.
    pub fn cert_table(&self) -> Option<CertTableLocation> {
        self.cert_table
    }

    /// The certificate table's bytes.
    pub fn cert_table_bytes(&self) -> Option<&'a [u8]> {
        let t = self.cert_table?;
        slice_at(self.data, t.offset, t.size, "certificate table").ok()
    }

    /// Bytes after the end of the certificate table. Signers always put the table last, so
    /// any byte here is outside the signature's reach (MS12-024 / CVE-2012-0151).
    pub fn bytes_after_cert_table(&self) -> u64 {
        match self.cert_table {
            Some(t) => len_u64(self.data).saturating_sub(t.end()),
            None => 0,
        }
    }
}
