//! Page hashes (SpcPeImagePageHashes v1 = SHA-1, v2 = SHA-256): a table of (offset, hash)
//! entries, one per 4 KiB page of the headers and of each section's raw data, ending with an
//! entry whose offset is the end of the last section and whose hash is zero. Windows checks
//! them page by page as a file is loaded; a signature carrying them must agree with the file.
//!
//! The layout follows what signtool and osslsigncode write (`pe_page_hash_calc`): the
//! headers page hashes SizeOfHeaders bytes without the CheckSum field and the security
//! directory entry, zero-padded to the page size; every section page is hashed from
//! PointerToRawData in 4 KiB steps, the last one zero-padded.

use crate::digest::{slice_feed, Feed};
use crate::digest::{DigestAlgorithm, MultiDigest};
use crate::error::ImageError;
use crate::pe::image::PeImage;

/// The page size page hashes use.
pub const PAGE_SIZE: u64 = 4096;

/// Most entries a table may describe (a 4 GiB image in 4 KiB pages): bounds the work a
/// hostile section table can ask for.
const MAX_PAGES: u64 = 1 << 20;

fn hash(alg: DigestAlgorithm, parts: &[&[u8]], zeros: u64) -> Vec<u8> {
    let mut h = MultiDigest::new(&[alg]);
    for p in parts {
        h.update(p);
    }
    // One page of zeros (PAGE_SIZE, asserted below).
    const ZEROS: [u8; 4096] = [0; 4096];
    const _: () = assert!(PAGE_SIZE == 4096);
    let mut left = zeros.min(PAGE_SIZE);
    while left > 0 {
        let n = usize::try_from(left).unwrap_or(0).min(ZEROS.len());
        h.update(ZEROS.get(..n).unwrap_or_default());
        left = left.saturating_sub(u64::try_from(n).unwrap_or(u64::MAX));
    }
    h.finalize().into_iter().next().map(|(_, d)| d).unwrap_or_default()
}

impl PeImage<'_> {
    /// The page-hash table of this image in `alg`, as a signature would carry it.
    pub fn page_hashes(&self, alg: DigestAlgorithm) -> Result<Vec<u8>, ImageError> {
        self.page_hashes_fed(alg, &mut *slice_feed(self.data(), &mut |_| {}))
    }

    /// [`PeImage::page_hashes`] with the page bytes supplied by `feed` (see
    /// [`PeImage::authenticode_digests_fed`]). Ranges are checked against the file length
    /// before any is asked for.
    pub(crate) fn page_hashes_fed(&self, alg: DigestAlgorithm, feed: &mut Feed<'_>) -> Result<Vec<u8>, ImageError> {
        let len = crate::num::len_u64(self.data());
        let out_of_range = |what: &'static str, offset: u64| ImageError::Truncated { what, offset, len };
        let headers = u64::from(self.size_of_headers()?);
        let security = self
            .security_entry_offset()
            .ok_or(out_of_range("security directory", 0))?;
        let checksum = self.checksum_offset();
        let mut at = |from: u64, to: u64, what: &'static str| -> Result<Vec<u8>, ImageError> {
            if from > to || to > len {
                return Err(out_of_range(what, from));
            }
            let mut bytes = Vec::new();
            feed(from..to, &mut |b| bytes.extend_from_slice(b));
            Ok(bytes)
        };
        let mut table = Vec::new();
        let first = hash(
            alg,
            &[
                &at(0, checksum, "headers")?,
                &at(checksum.saturating_add(4), security, "headers")?,
                &at(security.saturating_add(8), headers, "headers")?,
            ],
            PAGE_SIZE.saturating_sub(headers),
        );
        let layout = section_layout(&self.sections()?, len)?;
        let entry_len = 4u64.saturating_add(crate::num::usize_u64(alg.output_len()));
        // At most MAX_PAGES + 1 entries of at most 68 bytes (checked above).
        let total = usize::try_from(layout.pages.saturating_add(1).saturating_mul(entry_len)).unwrap_or(usize::MAX);
        table.resize(total, 0);
        let mut put = |index: u64, offset: u64, digest: &[u8]| {
            let at = usize::try_from(index.saturating_mul(entry_len)).unwrap_or(usize::MAX);
            let end = at.saturating_add(4).saturating_add(digest.len());
            if let Some(slot) = table.get_mut(at..end) {
                let (o, d) = slot.split_at_mut(4);
                o.copy_from_slice(&u32::try_from(offset).unwrap_or(u32::MAX).to_le_bytes());
                d.copy_from_slice(digest);
            }
        };
        put(0, 0, &first);
        for &(pointer, size, first_entry) in &layout.by_offset {
            let mut offset = 0u64;
            let mut index = first_entry;
            while offset < size {
                let len = size.saturating_sub(offset).min(PAGE_SIZE);
                let start = pointer.saturating_add(offset);
                let digest = hash(
                    alg,
                    &[&at(start, start.saturating_add(len), "section raw data")?],
                    PAGE_SIZE.saturating_sub(len),
                );
                put(index, start, &digest);
                index = index.saturating_add(1);
                offset = offset.saturating_add(PAGE_SIZE);
            }
        }
        put(layout.pages, layout.last, &vec![0u8; alg.output_len()]);
        Ok(table)
    }
}

/// Where each section's page-hash entries go, and the order its pages are read in.
struct SectionLayout {
    /// Each section with raw data: (file offset, size, its first entry in the table), in
    /// file order. The entries follow the section table's order, but the pages are read in
    /// file order: a file read from a reader that decodes it (a cabinet member) pays for
    /// every read behind the last, and a section table listing its sections backwards would
    /// otherwise cost one such read per section (red team 5).
    by_offset: Vec<(u64, u64, u64)>,
    /// Entries before the closing one (the headers' page included).
    pages: u64,
    /// Where the last section in table order ends: the closing entry's offset.
    last: u64,
}

/// The sections' layout, checked so that hashing stays linear in the file's size: sections
/// whose raw data overlap or leave the file are a typed finding, never a reason to hash
/// more, and the table holds at most [`MAX_PAGES`] entries (checked after the other two, so
/// a file with several faults is named by the same one as before).
fn section_layout(sections: &[(u32, u32)], len: u64) -> Result<SectionLayout, ImageError> {
    let out_of_range = |what: &'static str, offset: u64| ImageError::Truncated { what, offset, len };
    let mut by_offset = Vec::new();
    let mut pages = 1u64;
    let mut last = 0u64;
    let mut too_many = None;
    for &(pointer, size) in sections {
        let (pointer, size) = (u64::from(pointer), u64::from(size));
        if size == 0 {
            continue;
        }
        by_offset.push((pointer, size, pages));
        pages = pages.saturating_add(size.div_ceil(PAGE_SIZE));
        if pages > MAX_PAGES && too_many.is_none() {
            too_many = Some(pointer);
        }
        last = pointer.saturating_add(size);
    }
    by_offset.sort_unstable();
    for pair in by_offset.windows(2) {
        if let [(a, a_size, _), (b, _, _)] = pair {
            if a.saturating_add(*a_size) > *b {
                return Err(ImageError::OverlappingSections { first: *a, second: *b });
            }
        }
    }
    if let Some(&(p, _, _)) = by_offset.iter().find(|&&(p, s, _)| p.saturating_add(s) > len) {
        return Err(out_of_range("section raw data", p));
    }
    if let Some(pointer) = too_many {
        return Err(out_of_range("section table (more pages than a 4 GiB image)", pointer));
    }
    Ok(SectionLayout { by_offset, pages, last })
}
