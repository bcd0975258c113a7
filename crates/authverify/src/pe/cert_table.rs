//! The attribute certificate table: a run of 8-byte-aligned WIN_CERTIFICATE entries.

use crate::error::CertTableError;
use crate::pe::image::PeImage;

/// WIN_CERT_TYPE_PKCS_SIGNED_DATA.
pub const WIN_CERT_TYPE_PKCS_SIGNED_DATA: u16 = 0x0002;
/// WIN_CERT_REVISION_2_0.
pub const WIN_CERT_REVISION_2_0: u16 = 0x0200;
/// Bound on entries in one table; real files carry one or two (shim), so this only stops
/// a hostile table of millions of 8-byte entries from costing memory.
pub const MAX_ENTRIES: usize = 64;

/// One WIN_CERTIFICATE entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WinCertificate<'a> {
    /// File offset of the entry header.
    pub offset: u64,
    /// `dwLength`: header plus certificate, without alignment padding.
    pub length: u32,
    /// `wRevision`.
    pub revision: u16,
    /// `wCertificateType`.
    pub certificate_type: u16,
    /// `bCertificate`: `length - 8` bytes.
    pub certificate: &'a [u8],
    /// The alignment padding after `bCertificate` (up to the next 8-byte boundary).
    pub padding: &'a [u8],
}

impl WinCertificate<'_> {
    /// Whether this entry is a revision-2 PKCS#7 SignedData, the only kind Authenticode uses.
    pub fn is_pkcs7(&self) -> bool {
        self.certificate_type == WIN_CERT_TYPE_PKCS_SIGNED_DATA
    }
}

/// Iterator over the entries of a certificate table. Each item is checked; after an error
/// the iterator ends.
#[derive(Clone, Debug)]
pub struct CertTableIter<'a> {
    table: &'a [u8],
    base: u64,
    pos: usize,
    count: usize,
    failed: bool,
}

impl<'a> CertTableIter<'a> {
    /// Entries of `image`'s table; empty for unsigned images.
    pub fn new(image: &PeImage<'a>) -> Self {
        let table = image.cert_table_bytes().unwrap_or_default();
        let base = image.cert_table().map_or(0, |t| t.offset);
        Self {
            table,
            base,
            pos: 0,
            count: 0,
            failed: false,
        }
    }

    fn next_entry(&mut self) -> Result<Option<WinCertificate<'a>>, CertTableError> {
        let rest = self.table.get(self.pos..).unwrap_or_default();
        if rest.is_empty() {
            return Ok(None);
        }
        let offset = self.base.saturating_add(crate::num::usize_u64(self.pos));
        let header = rest.get(..8).ok_or(CertTableError::StrayBytes {
            offset,
            len: crate::num::len_u64(rest),
        })?;
        let mut field = [0u8; 4];
        field.copy_from_slice(header.get(..4).unwrap_or(&[0; 4]));
        let length = u32::from_le_bytes(field);
        let revision = u16::from_le_bytes([header.get(4).copied().unwrap_or(0), header.get(5).copied().unwrap_or(0)]);
        let certificate_type =
            u16::from_le_bytes([header.get(6).copied().unwrap_or(0), header.get(7).copied().unwrap_or(0)]);
        if length < 8 {
            return Err(CertTableError::LengthTooSmall { offset, length });
        }
        let table_end = self.base.saturating_add(crate::num::len_u64(self.table));
        let past = CertTableError::PastTableEnd {
            offset,
            length,
            table_end,
        };
        let len = usize::try_from(length).map_err(|_| past.clone())?;
        // Round up to 8 with checked arithmetic: dwLength near u32::MAX must not wrap.
        let rounded = len.checked_add(7).map(|l| l & !7).ok_or(past.clone())?;
        // The last entry's padding may be absent when the table itself ends there.
        let padded_end = rounded.min(rest.len());
        if len > rest.len() {
            return Err(past);
        }
        if self.count >= MAX_ENTRIES {
            return Err(CertTableError::TooManyEntries { limit: MAX_ENTRIES });
        }
        let certificate = rest.get(8..len).unwrap_or_default();
        let padding = rest.get(len..padded_end).unwrap_or_default();
        self.pos = self.pos.saturating_add(padded_end);
        self.count = self.count.saturating_add(1);
        Ok(Some(WinCertificate {
            offset,
            length,
            revision,
            certificate_type,
            certificate,
            padding,
        }))
    }
}

impl<'a> Iterator for CertTableIter<'a> {
    type Item = Result<WinCertificate<'a>, CertTableError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.next_entry() {
            Ok(entry) => entry.map(Ok),
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}
