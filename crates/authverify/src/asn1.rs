//! A thin raw TLV walker over `der`'s header decoder.
//!
//! Why not decode into `cms`/`x509-cert` structs: `der` 0.8 re-sorts SET OF on decode and
//! `x509-cert` re-encodes times, so re-encoded bytes are not the bytes that were signed
//! (docs/ARCHITECTURE.md, "Raw spans"). Every signature in this crate is checked over spans
//! this walker hands out, which are sub-slices of the input.

use der::{Decode, Header, Reader, SliceReader, Tag, TagNumber};

use crate::error::Asn1Error;

/// One tag-length-value element, borrowed from the input.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tlv<'a> {
    /// The decoded tag.
    pub(crate) tag: Tag,
    /// The value (contents octets), without tag and length.
    pub(crate) value: &'a [u8],
    /// The whole element: tag, length and value, exactly as received.
    pub(crate) raw: &'a [u8],
    /// Absolute offset of the element in the outermost buffer the walk started from.
    pub(crate) offset: usize,
}

impl<'a> Tlv<'a> {
    /// Parses exactly one element that must fill `data` completely.
    pub(crate) fn parse_exact(data: &'a [u8], base: usize, what: &'static str) -> Result<Self, Asn1Error> {
        let mut r = RawReader::new(data, base);
        let tlv = r.read(what)?;
        r.finish(what)?;
        Ok(tlv)
    }

    /// A reader over this element's contents (for constructed types).
    pub(crate) fn contents(&self) -> RawReader<'a> {
        // The value starts after the header; its absolute offset is offset + header length.
        let header_len = self.raw.len().saturating_sub(self.value.len());
        RawReader::new(self.value, self.offset.saturating_add(header_len))
    }

    /// Fails unless the element carries `tag`.
    pub(crate) fn expect_tag(self, tag: Tag, what: &'static str) -> Result<Self, Asn1Error> {
        if self.tag == tag {
            Ok(self)
        } else {
            Err(Asn1Error::UnexpectedTag {
                what,
                offset: self.offset,
                expected: tag.to_string(),
                found: self.tag.to_string(),
            })
        }
    }

    /// Decodes the element with a `der` type (used for leaf values: OIDs, integers, times).
    pub(crate) fn decode<T: Decode<'a, Error = der::Error>>(&self, what: &'static str) -> Result<T, Asn1Error> {
        T::from_der(self.raw).map_err(|e| Asn1Error::Der {
            what,
            offset: self.offset,
            detail: e.to_string(),
        })
    }
}

/// Reads consecutive elements from a buffer.
#[derive(Clone, Debug)]
pub(crate) struct RawReader<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> RawReader<'a> {
    pub(crate) fn new(data: &'a [u8], base: usize) -> Self {
        Self { data, pos: 0, base }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// Absolute offset of the next element.
    pub(crate) fn offset(&self) -> usize {
        self.base.saturating_add(self.pos)
    }

    /// The bytes not consumed yet.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or_default()
    }

    /// Reads the next element.
    pub(crate) fn read(&mut self, what: &'static str) -> Result<Tlv<'a>, Asn1Error> {
        let offset = self.offset();
        let rest = self.rest();
        if rest.is_empty() {
            return Err(Asn1Error::Truncated { what, offset });
        }
        let mut reader = SliceReader::new(rest).map_err(|e| der_err(what, offset, e))?;
        let header = Header::decode(&mut reader).map_err(|e| der_err(what, offset, e))?;
        let header_len =
            usize::try_from(u32::from(reader.position())).map_err(|_| Asn1Error::Truncated { what, offset })?;
        let value_len =
            usize::try_from(u32::from(header.length())).map_err(|_| Asn1Error::Truncated { what, offset })?;
        let end = header_len
            .checked_add(value_len)
            .ok_or(Asn1Error::Truncated { what, offset })?;
        let raw = rest.get(..end).ok_or(Asn1Error::Truncated { what, offset })?;
        let value = raw.get(header_len..).ok_or(Asn1Error::Truncated { what, offset })?;
        self.pos = self.pos.saturating_add(end);
        Ok(Tlv {
            tag: header.tag(),
            value,
            raw,
            offset,
        })
    }

    /// Reads the next element and checks its tag.
    pub(crate) fn expect_tag(&mut self, tag: Tag, what: &'static str) -> Result<Tlv<'a>, Asn1Error> {
        self.read(what)?.expect_tag(tag, what)
    }

    /// Reads the next element only when it carries `tag`.
    pub(crate) fn optional(&mut self, tag: Tag, what: &'static str) -> Result<Option<Tlv<'a>>, Asn1Error> {
        if self.peek_tag() == Some(tag) {
            self.read(what).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The tag of the next element, if one can be decoded.
    pub(crate) fn peek_tag(&self) -> Option<Tag> {
        let mut reader = SliceReader::new(self.rest()).ok()?;
        Tag::decode(&mut reader).ok()
    }

    /// Fails when anything is left.
    pub(crate) fn finish(&self, what: &'static str) -> Result<(), Asn1Error> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(Asn1Error::TrailingData {
                what,
                offset: self.offset(),
                len: self.rest().len(),
            })
        }
    }
}

fn der_err(what: &'static str, offset: usize, e: der::Error) -> Asn1Error {
    Asn1Error::Der {
        what,
        offset,
        detail: e.to_string(),
    }
}

/// `[n]` context-specific tag.
pub(crate) fn ctx(n: u32, constructed: bool) -> Tag {
    TagNumber(n).context_specific(constructed)
}
