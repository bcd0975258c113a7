//! The Authenticode image digest, by the contiguous method.
//!
//! Every byte before the certificate table is hashed except the CheckSum field and the
//! security directory entry (osslsigncode, signify and Windows agree on this; the older
//! section-walking description in Authenticode_PE.docx differs on overlays, see
//! docs/ARCHITECTURE.md). Unsigned files are zero-padded to a multiple of 8 bytes, as
//! Windows does for catalog lookups.

use std::ops::Range;

use crate::digest::{slice_feed, DigestAlgorithm, Feed, MultiDigest};
use crate::pe::image::PeImage;

/// The byte ranges covered by the Authenticode digest, in file order, plus the count of
/// zero bytes appended after them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestRanges {
    /// Ranges of file offsets hashed, ascending and disjoint.
    pub ranges: Vec<Range<u64>>,
    /// Zero bytes hashed after the ranges (only for unsigned files whose length is not a
    /// multiple of 8).
    pub zero_padding: u64,
}

/// How much is hashed between two `consumed` calls.
pub const CHUNK: usize = 8 << 20;

impl PeImage<'_> {
    /// The ranges of this image that the Authenticode digest covers.
    pub fn digest_ranges(&self) -> DigestRanges {
        let len = crate::num::len_u64(self.data());
        let end = self.cert_table().map_or(len, |t| t.offset);
        let checksum = self.checksum_offset();
        let mut ranges = Vec::with_capacity(3);
        ranges.push(0..checksum);
        match self.security_entry_offset() {
            Some(sec) => {
                let after_checksum = checksum.saturating_add(4);
                let after_entry = sec.saturating_add(8);
                ranges.push(after_checksum..sec);
                ranges.push(after_entry..end.max(after_entry));
            }
            None => {
                let after_checksum = checksum.saturating_add(4);
                ranges.push(after_checksum..end.max(after_checksum));
            }
        }
        let zero_padding = if self.cert_table().is_none() && !len.is_multiple_of(8) {
            8u64.saturating_sub(len.checked_rem(8).unwrap_or(0))
        } else {
            0
        };
        DigestRanges { ranges, zero_padding }
    }

    /// Computes the Authenticode digest in every algorithm of `algorithms` in one pass over
    /// the bytes. Results come back in the order asked.
    pub fn authenticode_digests(&self, algorithms: &[DigestAlgorithm]) -> Vec<(DigestAlgorithm, Vec<u8>)> {
        self.authenticode_digests_with(algorithms, &mut |_| {})
    }

    /// [`PeImage::authenticode_digests`], calling `consumed` with each range of the file once
    /// it has been hashed (in chunks of [`CHUNK`] bytes): a caller that memory-maps the file
    /// can release those pages, so that verifying a file of any size keeps a bounded
    /// resident set.
    pub fn authenticode_digests_with(
        &self,
        algorithms: &[DigestAlgorithm],
        consumed: &mut dyn FnMut(Range<usize>),
    ) -> Vec<(DigestAlgorithm, Vec<u8>)> {
        self.authenticode_digests_fed(algorithms, &mut *slice_feed(self.data(), consumed))
    }

    /// The digests with the bytes of each range (at most [`CHUNK`] long) supplied by `feed`
    /// instead of this image's slice: [`crate::Verifier::verify_reader`] reads them from the
    /// file, so that only the headers and the certificate table are held in memory.
    pub(crate) fn authenticode_digests_fed(
        &self,
        algorithms: &[DigestAlgorithm],
        feed: &mut Feed<'_>,
    ) -> Vec<(DigestAlgorithm, Vec<u8>)> {
        let mut hasher = MultiDigest::new(algorithms);
        let ranges = self.digest_ranges();
        crate::digest::hash_ranges(&mut hasher, &ranges.ranges, feed);
        if ranges.zero_padding > 0 {
            let zeros = [0u8; 8];
            let pad = usize::try_from(ranges.zero_padding).unwrap_or(0);
            hasher.update(zeros.get(..pad).unwrap_or_default());
        }
        hasher.finalize()
    }
}
