//! Microsoft serialized certificate stores (`.sst`, [MS-OSHARED] §2.3.2.5) and the
//! element layout they share with registry `Blob` values.

use crate::error::{CertificateError, TrustError};
use crate::x509::certificate::Certificate;

/// Serialized-store magic: version 0 then "CERT".
pub(crate) const SST_MAGIC: [u8; 8] = [0, 0, 0, 0, b'C', b'E', b'R', b'T'];

/// Maximum elements of one serialized store (bounds hostile input).
const SST_MAX_ELEMENTS: usize = 1_000_000;

/// One element of a serialized store, or of a registry `Blob` (the same layout,
/// [MS-OSHARED] §2.3.2.5): `{u32 id, u32 encoding, u32 length, value}` little-endian.
pub(crate) struct Element<'a> {
    /// The element's identifier (0x20 a certificate; 0 ends the sequence).
    pub(crate) id: u32,
    /// Its value.
    pub(crate) value: &'a [u8],
}

/// Why an element cannot be read.
pub(crate) enum ElementError {
    /// Fewer than 12 header bytes at `offset`.
    Truncated { offset: usize },
    /// The element at `offset` claims `len` bytes the input does not hold.
    PastEnd { offset: usize, id: u32, len: u32 },
}

/// The elements of `bytes` from `start` to its end or to an id-0 end marker (yielded, with
/// no value). Each element is at least 12 bytes, so the walk is linear in the input.
pub(crate) fn elements(bytes: &[u8], start: usize) -> impl Iterator<Item = Result<Element<'_>, ElementError>> {
    let mut next = Some(start);
    std::iter::from_fn(move || {
        let at = next.take().filter(|&p| p < bytes.len())?;
        let Some(id) = crate::num::le_u32(bytes, at) else {
            return Some(Err(ElementError::Truncated { offset: at }));
        };
        if id == 0 {
            return Some(Ok(Element { id, value: &[] }));
        }
        let Some(len) = crate::num::le_u32(bytes, at.saturating_add(8)) else {
            return Some(Err(ElementError::Truncated { offset: at }));
        };
        let start = at.saturating_add(12);
        let Some(end) = usize::try_from(len)
            .ok()
            .and_then(|l| start.checked_add(l))
            .filter(|&e| e <= bytes.len())
        else {
            return Some(Err(ElementError::PastEnd { offset: at, id, len }));
        };
        next = Some(end);
        Some(Ok(Element {
            id,
            value: bytes.get(start..end).unwrap_or_default(),
        }))
    })
}

/// Parses a Microsoft serialized certificate store ([MS-OSHARED] §2.3.2.5, Wine crypt32
/// `serialize.c`): after the 8-byte header, the serialized elements (`elements`); id 0x20 is a certificate, 0x21 a
/// CRL, 0x22 a CTL, 0 ends the store, anything else is a property of the next certificate.
/// Stores written without the end marker exist; what was read is complete.
pub fn parse_sst(bytes: &[u8], source: &str) -> Result<Vec<Certificate>, TrustError> {
    let err = |offset: usize, detail: String| TrustError::SerializedStore {
        path: source.to_string(),
        offset,
        detail,
    };
    let mut out = Vec::new();
    for element in elements(bytes, SST_MAGIC.len()).take(SST_MAX_ELEMENTS) {
        let e = element.map_err(|e| match e {
            ElementError::Truncated { offset } => err(offset, "truncated element header".into()),
            ElementError::PastEnd { offset, len, .. } => {
                err(offset, format!("element of {len} bytes runs past the end of the file"))
            }
        })?;
        if e.id == 0 {
            break;
        }
        if e.id == 0x20 {
            out.push(
                Certificate::from_der(e.value).map_err(|e: CertificateError| TrustError::Certificate {
                    path: source.to_string(),
                    index: out.len(),
                    source: e,
                })?,
            );
        }
    }
    if out.is_empty() {
        return Err(TrustError::NoCertificates {
            path: source.to_string(),
        });
    }
    Ok(out)
}
