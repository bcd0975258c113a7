//! The compound file ([MS-CFB]) read in place: the header, the FAT and mini FAT sectors
//! the DIFAT lists, the directory's 128-byte entries and the streams' bytes are all slices
//! of the input. Nothing is copied per entry: the directory costs its sector numbers (one
//! u32 per directory sector) and a walk over it about ten bytes per entry (its id to sort,
//! the sort's buffer, a seen flag).
//!
//! Why not the `cfb` crate, which read the streams at first: it builds its own model of
//! every entry (a `String` name, a name index, a visited set) when it opens a file —
//! measured, a package with a million directory entries (123 MiB) peaked at 613 MB RSS —
//! and it gives a stream entry's times as zero whatever the file holds, while the
//! MsiDigitalSignatureEx pre-hash covers them as stored.
//!
//! Every index and offset is checked; the directory, mini FAT and mini stream chains are
//! bounded by the file's sector count, a stream's chain by its size; a sector met twice on
//! the chains of one reading is an error (as `cfb` refused a sector "pointed to twice"),
//! and the directory holds at most [`MAX_ENTRIES`] entries.

use std::ops::Range;

use crate::bounded::{merged, HeldRanges};
use crate::error::MsiError;

/// Sector chain markers ([MS-CFB] 2.1).
const END_OF_CHAIN: u32 = 0xffff_fffe;
const MAX_REG_SECTOR: u32 = 0xffff_fffa;
/// No sibling or child.
const NO_STREAM: u32 = 0xffff_ffff;
/// A FAT entry for a sector no chain uses ([MS-CFB] 2.3: FREESECT).
const FREE_SECTOR: u32 = 0xffff_ffff;
/// DIFAT entries in the header.
const HEADER_DIFAT: usize = 109;
const ENTRY: usize = 128;
const MINI_SECTOR: usize = 64;
/// Streams shorter than this are stored in the mini stream ([MS-CFB] 2.2: it MUST be 4096).
const MINI_CUTOFF: u32 = 4096;

/// The most directory entries (storages, streams and free slots) an MSI package may have;
/// more is [`MsiError::TooManyEntries`]. A package's streams are its tables, the string
/// pool, one per Binary or Icon row and its embedded cabinets: the packages wixl makes for
/// the test vectors hold 20 to 24 entries, and large real ones thousands, far below this
/// bound, which keeps what the walk over a directory costs besides the input near 11 MB
/// (tests/msi_memory.rs).
pub const MAX_ENTRIES: usize = 1 << 20;

/// Object types of a directory entry.
pub(crate) const STORAGE: u8 = 1;
pub(crate) const STREAM: u8 = 2;
const ROOT: u8 = 5;

/// One directory entry, its 128 bytes as stored.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry<'a> {
    raw: &'a [u8],
}

impl<'a> Entry<'a> {
    fn field(&self, at: usize, len: usize) -> &'a [u8] {
        at.checked_add(len)
            .and_then(|end| self.raw.get(at..end))
            .unwrap_or_default()
    }

    fn u32_at(&self, at: usize) -> u32 {
        crate::num::le_u32(self.raw, at).unwrap_or(NO_STREAM)
    }

    /// The name as stored: UTF-16LE with its terminator (nameLen bytes, at most 64).
    pub(crate) fn name(&self) -> &'a [u8] {
        let len = usize::from(crate::num::le_u16(self.raw, 64).unwrap_or(0)).min(64);
        self.field(0, len)
    }

    /// [MS-CFB] 2.6.3: the stored name length counts the UTF-16 name and its terminator,
    /// so it is even, at most 64, and ends in a NUL. A reader that took a corrupted
    /// length at its word would compare, sort and report another name than the one stored
    /// (osslsigncode refuses such an entry too).
    fn check_name(&self, id: u32) -> Result<(), MsiError> {
        let len = crate::num::le_u16(self.raw, 64).unwrap_or(0);
        let terminated = usize::from(len)
            .checked_sub(2)
            .and_then(|at| self.raw.get(at..at.checked_add(2)?))
            == Some(&[0, 0][..]);
        if !len.is_multiple_of(2) || len > 64 || !terminated {
            return Err(bad(format!("directory entry {id} has a name length of {len}")));
        }
        Ok(())
    }

    /// The name without its terminator, decoded (for messages).
    pub(crate) fn decoded_name(&self) -> String {
        crate::num::utf16le(self.name()).take_while(|&c| c != '\0').collect()
    }

    pub(crate) fn kind(&self) -> u8 {
        self.field(66, 1).first().copied().unwrap_or(0)
    }

    fn left(&self) -> u32 {
        self.u32_at(68)
    }

    fn right(&self) -> u32 {
        self.u32_at(72)
    }

    fn child(&self) -> u32 {
        self.u32_at(76)
    }

    pub(crate) fn clsid(&self) -> &'a [u8] {
        self.field(80, 16)
    }

    pub(crate) fn state_bits(&self) -> &'a [u8] {
        self.field(96, 4)
    }

    pub(crate) fn created(&self) -> &'a [u8] {
        self.field(100, 8)
    }

    pub(crate) fn modified(&self) -> &'a [u8] {
        self.field(108, 8)
    }

    fn start(&self) -> u32 {
        self.u32_at(116)
    }

    /// The low 32 bits of the stream size, as stored (version 3 defines only those, and
    /// osslsigncode reads only those).
    pub(crate) fn size_field(&self) -> &'a [u8] {
        self.field(120, 4)
    }

    pub(crate) fn size(&self) -> u32 {
        self.u32_at(120)
    }
}

/// The sectors (and mini sectors) one reading has met: a chain that comes back to one, or
/// two chains that share one, are malformed.
#[derive(Clone)]
pub(crate) struct Met {
    sectors: Vec<u64>,
    mini: Vec<u64>,
}

/// A piece of a stream's bytes, as [`Compound::read`] hands it over.
pub(crate) enum Piece<'a> {
    /// Bytes of the mini stream (a stream below the cutoff), a slice of the input.
    Bytes(&'a [u8]),
    /// A range of the file: one or more contiguous sectors of a larger stream.
    Range(Range<u64>),
}

/// Marks bit `n`; false when it was already set (or lies outside the set).
fn mark(bits: &mut [u64], n: u32) -> bool {
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    let Some(word) = bits.get_mut(n.checked_div(64).unwrap_or(usize::MAX)) else {
        return false;
    };
    let bit = 1u64
        .checked_shl(u32::try_from(n.checked_rem(64).unwrap_or(0)).unwrap_or(0))
        .unwrap_or(0);
    let fresh = *word & bit == 0;
    *word |= bit;
    fresh
}

/// A compound file, read in place.
pub(crate) struct Compound<'a> {
    b: &'a [u8],
    /// The sector size: 512 (version 3) or 4096 (version 4).
    size: usize,
    /// Whole sectors after the header.
    sectors: usize,
    /// The FAT's sectors, from the DIFAT.
    fat: Vec<u32>,
    /// The directory's sectors, in chain order.
    dir: Vec<u32>,
    /// The mini FAT's sectors, in chain order.
    minifat: Vec<u32>,
    /// The mini stream's sectors (the root entry's stream), in chain order.
    mini: Vec<u32>,
    /// The mini stream's length.
    mini_len: usize,
    /// The sectors of the chains above: no stream may share them.
    structure: Met,
}

fn bad(detail: impl Into<String>) -> MsiError {
    MsiError::Compound { detail: detail.into() }
}

fn u32_at(b: &[u8], at: usize) -> Result<u32, MsiError> {
    crate::num::le_u32(b, at).ok_or_else(|| bad(format!("truncated at offset {at}")))
}

/// The offset of 32-bit entry `i`.
fn word(i: usize) -> usize {
    i.saturating_mul(4)
}

/// Copies sector `n`'s bytes into a sector-sized buffer.
type LoadSector<'l> = dyn FnMut(u32, &mut [u8]) -> Result<(), MsiError> + 'l;

/// Fills a range of the file into its slice (what a staged read, [`hold`], reads from).
pub(crate) type ReadAt<'r, E> = dyn FnMut(&Range<u64>, &mut [u8]) -> Result<(), E> + 'r;

/// The FAT's sectors of a file with `sectors` whole sectors of `size` bytes: the header's
/// DIFAT entries, then the DIFAT sector chain, each DIFAT sector's bytes copied by `load`
/// into a sector-sized buffer (so that a staged read, [`hold`], can fetch each one as the
/// chain names it).
fn fat_list(header: &[u8], size: usize, sectors: usize, load: &mut LoadSector<'_>) -> Result<Vec<u32>, MsiError> {
    let b = header;
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
    let mut s = vec![0u8; size];
    while fat.len() < count {
        if difat > MAX_REG_SECTOR || steps > sectors {
            return Err(bad("the DIFAT chain ends before every FAT sector is listed"));
        }
        load(difat, &mut s)?;
        // A DIFAT sector lists size / 4 - 1 FAT sectors, then the next DIFAT sector.
        let per = size.checked_div(4).unwrap_or(1).saturating_sub(1);
        for i in 0..per {
            if fat.len() < count {
                fat.push(u32_at(&s, word(i))?);
            }
        }
        difat = u32_at(&s, word(per))?;
        steps = steps.saturating_add(1);
    }
    let difat_count = u32_at(b, 0x48)?;
    if usize::try_from(difat_count).ok() != Some(steps) {
        return Err(bad(format!(
            "the header counts {difat_count} DIFAT sectors, the FAT needs {steps}"
        )));
    }
    Ok(fat)
}

/// The most directory sectors of `size` bytes that hold at most [`MAX_ENTRIES`] entries.
fn max_dir_sectors(size: usize) -> usize {
    MAX_ENTRIES
        .checked_div(size.checked_div(ENTRY).unwrap_or(1))
        .unwrap_or(0)
}

/// The file range of sector `n` in a file of `len` bytes and `size`-byte sectors (the header
/// is sector -1), when it lies inside the file.
fn sector_range(n: u32, size: usize, len: usize) -> Result<Range<usize>, MsiError> {
    usize::try_from(n)
        .ok()
        .and_then(|index| index.checked_add(1))
        .and_then(|k| k.checked_mul(size))
        .and_then(|start| Some(start..start.checked_add(size)?))
        .filter(|r| r.end <= len)
        .ok_or_else(|| bad(format!("sector {n} lies outside the file")))
}

impl<'a> Compound<'a> {
    /// Reads and checks the header: the sector size and the file's sector count; no chain
    /// is followed yet.
    fn header(b: &'a [u8]) -> Result<Self, MsiError> {
        if !super::is_compound_file(b) {
            return Err(bad("no compound file signature"));
        }
        // [MS-CFB] 2.2: the major version (3 or 4) decides the sector size (512 or 4096
        // bytes), and the byte order mark MUST be 0xFFFE. A header that disagrees is not
        // read with a guessed layout (Windows' storage reader refuses it too).
        let version = crate::num::le_u16(b, 0x1a).ok_or_else(|| bad("truncated header"))?;
        let shift = crate::num::le_u16(b, 0x1e).ok_or_else(|| bad("truncated header"))?;
        if !matches!((version, shift), (3, 9) | (4, 12)) {
            return Err(bad(format!(
                "major version {version} with sector shift {shift} (version 3 with 9, or 4 with 12)"
            )));
        }
        if crate::num::le_u16(b, 0x1c) != Some(0xfffe) {
            return Err(bad("byte order mark is not 0xFFFE"));
        }
        if crate::num::le_u16(b, 0x20) != Some(6) {
            return Err(bad("mini sector shift is not 6"));
        }
        // [MS-CFB] 2.2: version 3 MUST NOT count its directory sectors (the chain finds
        // them); a value there is outside every digest, and osslsigncode refuses it.
        let dir_count = u32_at(b, 0x28)?;
        if version == 3 && dir_count != 0 {
            return Err(bad(format!(
                "a version 3 header counts {dir_count} directory sectors (MUST be 0)"
            )));
        }
        let cutoff = u32_at(b, 0x38)?;
        if cutoff != MINI_CUTOFF {
            return Err(bad(format!("mini stream cutoff {cutoff} (4096)")));
        }
        let size = 1usize << shift;
        let sectors = b.len().checked_div(size).unwrap_or(0).saturating_sub(1);
        Ok(Self {
            b,
            size,
            sectors,
            fat: Vec::new(),
            dir: Vec::new(),
            minifat: Vec::new(),
            mini: Vec::new(),
            mini_len: 0,
            structure: Met {
                sectors: vec![0; sectors.div_ceil(64)],
                mini: Vec::new(),
            },
        })
    }

    /// Reads the header, the FAT's and mini FAT's sector lists, the directory's sectors and
    /// the mini stream's; checks the root entry.
    pub(crate) fn open(b: &'a [u8]) -> Result<Self, MsiError> {
        let mut file = Self::header(b)?;
        // The header checked both: version 3 or 4, and its directory sector count.
        let (size, version) = (file.size, crate::num::le_u16(b, 0x1a).unwrap_or(0));
        let dir_count = u32_at(b, 0x28)?;
        file.fat = file.fat_sectors()?;
        let mut met = file.structure.clone();
        for &n in &file.fat {
            if !mark(&mut met.sectors, n) {
                return Err(bad(format!("FAT sector {n} is listed twice or lies outside the file")));
            }
        }
        // The directory is refused past MAX_ENTRIES before more of it is walked.
        let max_dir_sectors = max_dir_sectors(size);
        file.dir = file.chain(
            u32_at(b, 0x30)?,
            max_dir_sectors.saturating_add(1),
            &mut met,
            "directory",
        )?;
        if file.dir.len() > max_dir_sectors {
            return Err(MsiError::TooManyEntries { limit: MAX_ENTRIES });
        }
        if version == 4 && usize::try_from(dir_count).ok() != Some(file.dir.len()) {
            return Err(bad(format!(
                "the header counts {dir_count} directory sectors, the chain holds {}",
                file.dir.len()
            )));
        }
        let root = file.entry(0)?;
        if root.kind() != ROOT {
            return Err(bad(format!(
                "the first directory entry has object type {}, not root",
                root.kind()
            )));
        }
        root.check_name(0)?;
        // Nothing holds the root, so it has no siblings; a reader that walked them (as
        // osslsigncode does, and refuses) would see entries this one never reads.
        if root.left() != NO_STREAM || root.right() != NO_STREAM {
            return Err(bad("the root directory entry has siblings"));
        }
        // [MS-CFB] 2.6.3: the root's creation time MUST be zero (the file system holds it).
        // Outside every digest, so a reader that ignored it would keep the signature.
        if root.created().iter().any(|&b| b != 0) {
            return Err(bad("the root directory entry has a creation time"));
        }
        if root.decoded_name() != "Root Entry" {
            return Err(bad(
                "the root directory entry is not named \"Root Entry\" ([MS-CFB] 2.6.2)",
            ));
        }
        file.minifat = file.chain(u32_at(b, 0x3c)?, usize::MAX, &mut met, "mini FAT")?;
        // The header's counts are outside every digest: each must be its chain's length,
        // or a reader that takes the count at its word reads another file.
        let minifat_count = u32_at(b, 0x40)?;
        if usize::try_from(minifat_count).ok() != Some(file.minifat.len()) {
            return Err(bad(format!(
                "the header counts {minifat_count} mini FAT sectors, the chain holds {}",
                file.minifat.len()
            )));
        }
        file.mini_len = usize::try_from(root.size()).unwrap_or(usize::MAX);
        let mini_sectors = file.mini_len.div_ceil(size);
        file.mini = file.chain(root.start(), mini_sectors, &mut met, "mini stream")?;
        if file.mini.len() < mini_sectors {
            return Err(bad("the mini stream's chain ends before its size"));
        }
        met.mini = vec![0; file.mini_len.div_ceil(MINI_SECTOR).div_ceil(64)];
        file.structure = met;
        Ok(file)
    }

    /// A fresh record of the sectors met, for one reading of streams: the directory's, the
    /// mini FAT's and the mini stream's sectors are met already.
    pub(crate) fn met(&self) -> Met {
        self.structure.clone()
    }

    /// Bytes of the file after its last sector in use (one the FAT does not mark free),
    /// free sectors and a partial sector included: no stream reads them, so no digest
    /// covers them (CVE-2020-1464, "GlueBall": a signed package with a JAR appended kept
    /// its signature). Walks the FAT once.
    pub(crate) fn bytes_after_last_sector(&self) -> Result<u64, MsiError> {
        let per = self.size.checked_div(4).unwrap_or(1);
        let mut in_use = 0usize;
        for (k, &fat_sector) in self.fat.iter().enumerate() {
            let s = self.sector(fat_sector)?;
            for i in 0..per {
                let index = k.saturating_mul(per).saturating_add(i);
                if index >= self.sectors {
                    break;
                }
                if u32_at(s, word(i))? != FREE_SECTOR {
                    in_use = index.saturating_add(1);
                }
            }
        }
        // The header is sector -1: the file ends after sector `in_use - 1`.
        let end = in_use.saturating_add(1).saturating_mul(self.size);
        Ok(crate::num::usize_u64(self.b.len().saturating_sub(end)))
    }

    /// How many directory entries the directory's sectors hold.
    pub(crate) fn entries(&self) -> usize {
        self.dir.len().saturating_mul(self.size.checked_div(ENTRY).unwrap_or(0))
    }

    fn sector(&self, n: u32) -> Result<&'a [u8], MsiError> {
        let range = sector_range(n, self.size, self.b.len())?;
        self.b
            .get(range)
            .ok_or_else(|| bad(format!("sector {n} lies outside the file")))
    }

    /// Bytes `range` of the file (a [`Piece::Range`] of a stream read here).
    pub(crate) fn bytes(&self, range: Range<u64>) -> Result<&'a [u8], MsiError> {
        usize::try_from(range.start)
            .ok()
            .zip(usize::try_from(range.end).ok())
            .and_then(|(start, end)| self.b.get(start..end))
            .ok_or_else(|| bad(format!("bytes {range:?} lie outside the file")))
    }

    /// The FAT's sectors: the header's DIFAT entries, then the DIFAT sector chain.
    fn fat_sectors(&self) -> Result<Vec<u32>, MsiError> {
        fat_list(self.b, self.size, self.sectors, &mut |n, into| {
            for (to, from) in into.iter_mut().zip(self.sector(n)?) {
                *to = *from;
            }
            Ok(())
        })
    }

    /// The sector after `n` in its chain, from the FAT.
    fn next(&self, n: u32) -> Result<u32, MsiError> {
        let index = usize::try_from(n).unwrap_or(usize::MAX);
        // A FAT sector holds size / 4 next-sector entries (size is 512 or 4096).
        let per = self.size.checked_div(4).unwrap_or(1);
        let fat_sector = self
            .fat
            .get(index.checked_div(per).unwrap_or(usize::MAX))
            .ok_or_else(|| bad(format!("sector {n} has no FAT entry")))?;
        u32_at(self.sector(*fat_sector)?, word(index.checked_rem(per).unwrap_or(0)))
    }

    /// The sector numbers of the chain from `first`, up to its end or `most` of them.
    fn chain(&self, first: u32, most: usize, met: &mut Met, what: &str) -> Result<Vec<u32>, MsiError> {
        let mut out = Vec::new();
        let mut at = first;
        while at != END_OF_CHAIN && out.len() < most {
            if at > MAX_REG_SECTOR {
                return Err(bad(format!("the {what}'s chain holds sector {at:#x}")));
            }
            if !mark(&mut met.sectors, at) {
                return Err(bad(format!(
                    "the {what}'s chain meets sector {at} twice or leaves the file"
                )));
            }
            out.push(at);
            at = self.next(at)?;
        }
        Ok(out)
    }

    /// Directory entry `id`.
    pub(crate) fn entry(&self, id: u32) -> Result<Entry<'a>, MsiError> {
        let index = usize::try_from(id).unwrap_or(usize::MAX);
        let per = self.size.checked_div(ENTRY).unwrap_or(1);
        let sector = self
            .dir
            .get(index.checked_div(per).unwrap_or(usize::MAX))
            .ok_or_else(|| bad(format!("directory entry {id} does not exist")))?;
        let at = index.checked_rem(per).unwrap_or(0).saturating_mul(ENTRY);
        let raw = self
            .sector(*sector)?
            .get(at..at.saturating_add(ENTRY))
            .ok_or_else(|| bad(format!("directory entry {id} does not exist")))?;
        Ok(Entry { raw })
    }

    /// The children of entry `parent`: the sibling tree under its child, in stored order,
    /// each entry visited once (a cycle or a shared subtree ends the walk with an error).
    pub(crate) fn children(&self, parent: u32, seen: &mut [bool]) -> Result<Vec<u32>, MsiError> {
        let mut out = Vec::new();
        let mut stack = Vec::new();
        let first = self.entry(parent)?.child();
        if first != NO_STREAM {
            stack.push(first);
        }
        while let Some(id) = stack.pop() {
            let e = self.entry(id)?;
            let visited = seen
                .get_mut(usize::try_from(id).unwrap_or(usize::MAX))
                .ok_or_else(|| bad(format!("directory entry {id} does not exist")))?;
            if std::mem::replace(visited, true) {
                return Err(bad(format!("directory entry {id} is reached twice")));
            }
            if e.kind() != STREAM && e.kind() != STORAGE {
                return Err(bad(format!(
                    "directory entry {id} in a storage has object type {}",
                    e.kind()
                )));
            }
            e.check_name(id)?;
            // [MS-CFB] 2.6.3: a stream has no children; one that claims some is corrupt.
            if e.kind() == STREAM && e.child() != NO_STREAM {
                return Err(bad(format!("stream entry {id} claims child entry {}", e.child())));
            }
            out.push(id);
            for sibling in [e.left(), e.right()] {
                if sibling != NO_STREAM {
                    stack.push(sibling);
                }
            }
        }
        Ok(out)
    }

    /// Calls `data` with the pieces of stream `e`, in order: a stream below the mini
    /// stream cutoff as slices of the mini stream (held with the structure), a larger one as
    /// the file ranges of its sectors, contiguous sectors merged into one range (the caller
    /// reads them: from memory, or from the file through a digest feed). Every chain step is
    /// checked here either way.
    pub(crate) fn read(&self, e: Entry<'_>, met: &mut Met, data: &mut dyn FnMut(Piece<'a>)) -> Result<(), MsiError> {
        let stream_error = |detail: String| MsiError::Stream {
            stream: e.decoded_name(),
            detail,
        };
        let len = e.size();
        let mut left = usize::try_from(len).unwrap_or(usize::MAX);
        let mut at = e.start();
        let small = len < MINI_CUTOFF;
        // The file range gathered from contiguous sectors, not yet handed over.
        let mut pending: Option<Range<u64>> = None;
        // Each step takes a whole (mini) sector or what is left, so the loop ends.
        while left > 0 {
            if at > MAX_REG_SECTOR {
                return Err(stream_error(format!(
                    "its chain ends with {left} of {len} bytes unread"
                )));
            }
            let bits = if small { &mut met.mini } else { &mut met.sectors };
            if !mark(bits, at) {
                return Err(stream_error(format!(
                    "its chain meets {} {at} twice or leaves the file",
                    if small { "mini sector" } else { "sector" }
                )));
            }
            if small {
                let bytes = self.mini_sector(at).map_err(|e| stream_error(e.to_string()))?;
                let take = left.min(bytes.len());
                data(Piece::Bytes(bytes.get(..take).unwrap_or_default()));
                left = left.saturating_sub(take);
            } else {
                let sector = sector_range(at, self.size, self.b.len()).map_err(|e| stream_error(e.to_string()))?;
                let take = left.min(self.size);
                let start = crate::num::usize_u64(sector.start);
                let range = start..start.saturating_add(crate::num::usize_u64(take));
                pending = match pending {
                    Some(p) if p.end == range.start => Some(p.start..range.end),
                    Some(p) => {
                        data(Piece::Range(p));
                        Some(range)
                    }
                    None => Some(range),
                };
                left = left.saturating_sub(take);
            }
            if left > 0 {
                at = if small { self.next_mini(at) } else { self.next(at) }.map_err(|e| stream_error(e.to_string()))?;
            }
        }
        if let Some(p) = pending {
            data(Piece::Range(p));
        }
        Ok(())
    }

    /// The chain of `e`, a stream of the FAT (at least [`MINI_CUTOFF`] bytes; `None` for one
    /// of the mini stream), checked as [`Compound::read`] checks it, and indexed: the sector
    /// holding each `every`-th of its sectors, in stream order (4 bytes per `every` sectors,
    /// whatever the layout), from which [`Compound::chain_ranges`] finds any of its bytes.
    pub(crate) fn chain_index(&self, e: Entry<'_>, met: &mut Met, every: usize) -> Result<Option<Vec<u32>>, MsiError> {
        if e.size() < MINI_CUTOFF {
            return Ok(None);
        }
        // Every check (chain length, loops, sectors shared or outside the file) first.
        self.read(e, met, &mut |_| {})?;
        let sectors = usize::try_from(e.size())
            .unwrap_or(usize::MAX)
            .div_ceil(self.size.max(1));
        let every = every.max(1);
        let mut marks = Vec::with_capacity(sectors.div_ceil(every));
        let mut at = e.start();
        for i in 0..sectors {
            if i.checked_rem(every) == Some(0) {
                marks.push(at);
            }
            if i.saturating_add(1) < sectors {
                at = self.next(at)?;
            }
        }
        Ok(Some(marks))
    }

    /// The sector size (512 or 4096 bytes).
    pub(crate) fn sector_size(&self) -> usize {
        self.size
    }

    /// Hands `f` the file ranges of `want` bytes of a chain checked by
    /// [`Compound::chain_index`], from `within` bytes into sector `sector` on, contiguous
    /// sectors merged; returns the sector the last byte lies in.
    pub(crate) fn chain_ranges(
        &self,
        mut sector: u32,
        mut within: usize,
        want: usize,
        f: &mut dyn FnMut(Range<u64>) -> Result<(), MsiError>,
    ) -> Result<u32, MsiError> {
        let mut left = want;
        let mut pending: Option<Range<u64>> = None;
        loop {
            let r = sector_range(sector, self.size, self.b.len())?;
            let take = left.min(self.size.saturating_sub(within));
            let start = crate::num::usize_u64(r.start.saturating_add(within));
            let range = start..start.saturating_add(crate::num::usize_u64(take));
            pending = match pending {
                Some(p) if p.end == range.start => Some(p.start..range.end),
                Some(p) => {
                    f(p)?;
                    Some(range)
                }
                None => Some(range),
            };
            left = left.saturating_sub(take);
            within = 0;
            if left == 0 {
                break;
            }
            sector = self.next(sector)?;
        }
        if let Some(p) = pending {
            f(p)?;
        }
        Ok(sector)
    }

    /// The sector after `n` in its chain.
    pub(crate) fn next_sector(&self, n: u32) -> Result<u32, MsiError> {
        self.next(n)
    }

    /// Mini sector `n`: 64 bytes of the mini stream.
    fn mini_sector(&self, n: u32) -> Result<&'a [u8], MsiError> {
        let outside = || bad(format!("mini sector {n} lies outside the mini stream"));
        let offset = usize::try_from(n)
            .ok()
            .and_then(|n| n.checked_mul(MINI_SECTOR))
            .filter(|o| o.checked_add(MINI_SECTOR).is_some_and(|end| end <= self.mini_len))
            .ok_or_else(outside)?;
        let sector = self
            .mini
            .get(offset.checked_div(self.size).unwrap_or(usize::MAX))
            .ok_or_else(outside)?;
        let within = offset.checked_rem(self.size).unwrap_or(0);
        self.sector(*sector)?
            .get(within..within.saturating_add(MINI_SECTOR))
            .ok_or_else(outside)
    }

    /// The mini sector after `n` in its chain, from the mini FAT.
    fn next_mini(&self, n: u32) -> Result<u32, MsiError> {
        let index = usize::try_from(n).unwrap_or(usize::MAX);
        let per = self.size.checked_div(4).unwrap_or(1);
        let minifat_sector = self
            .minifat
            .get(index.checked_div(per).unwrap_or(usize::MAX))
            .ok_or_else(|| bad(format!("mini sector {n} has no mini FAT entry")))?;
        u32_at(self.sector(*minifat_sector)?, word(index.checked_rem(per).unwrap_or(0)))
    }
}

/// Reads into `data` (as long as the file, zeroed) the parts of a compound file that
/// [`Compound::open`] and a reading of the root's streams named in `wanted` (stored names,
/// each read when at most its bound) touch, and no other byte: the header, the DIFAT
/// sectors (each fetched as the chain names it), the FAT, the directory and mini FAT chains,
/// the mini stream (so every stream below the cutoff), then the wanted streams' sectors.
/// `read_at` fills a range of the file into its slice. Returns the ranges read, sorted, with
/// adjacent ones merged; `None` as soon as the next stage would take what is held past
/// `most` bytes (each range counted with a page more): every chain may run through the
/// whole file, so only this bounds what a file makes the reader hold.
///
/// Each stage finds its sectors with the code `open` and `read` run, over the bytes held so
/// far, so everything they read is held; where a stage meets malformed structure it stops,
/// and `open` over `data` then fails the same way (every byte before the failure is held).
/// What is held, besides the header: 4 bytes of FAT per sector of the file, the directory
/// (at most [`MAX_ENTRIES`] entries of 128 bytes), the mini FAT and the mini stream (which
/// holds only streams below 4096 bytes, at most one per directory entry) and the wanted
/// streams (at most their bounds); each held sector costs a page of memory at most.
pub(crate) fn hold<E>(
    data: &mut [u8],
    wanted: &[(&[u8], u32)],
    most: u64,
    read_at: &mut ReadAt<'_, E>,
) -> Result<Option<Vec<Range<u64>>>, E> {
    let mut held = HeldRanges::new(most);
    // The header; a version 4 file's header takes a whole 4096-byte sector.
    let header = 0..data.len().min(4096);
    if !load(data, vec![header], read_at, &mut held)? {
        return Ok(None);
    }
    let fat = match held_fat(data, read_at, &mut held)? {
        Stage::Found(fat) => fat,
        Stage::Malformed => return Ok(Some(held.into_merged())),
        Stage::Over => return Ok(None),
    };
    let Some(chains) = structure_chains(data, fat) else {
        return Ok(Some(held.into_merged()));
    };
    if !load(data, chains, read_at, &mut held)? {
        return Ok(None);
    }
    let Some(streams) = streams_to_hold(data, wanted) else {
        return Ok(Some(held.into_merged()));
    };
    if !load(data, streams, read_at, &mut held)? {
        return Ok(None);
    }
    Ok(Some(held.into_merged()))
}

/// How a stage of [`hold`] ended.
enum Stage<T> {
    /// What the next stage needs.
    Found(T),
    /// The structure is malformed here: `open` over what is held fails the same way.
    Malformed,
    /// Reading on would pass the bound on what is held.
    Over,
}

/// The DIFAT sectors (each read as the chain names it), then the FAT sectors they list:
/// the FAT's sector numbers.
fn held_fat<E>(data: &mut [u8], read_at: &mut ReadAt<'_, E>, held: &mut HeldRanges) -> Result<Stage<Vec<u32>>, E> {
    let len = data.len();
    let Ok((size, sectors)) = Compound::header(data).map(|file| (file.size, file.sectors)) else {
        return Ok(Stage::Malformed);
    };
    let head = data.get(..512).unwrap_or_default().to_vec();
    let mut failed = None;
    let mut over = false;
    let fat = fat_list(&head, size, sectors, &mut |n, into| {
        let range = sector_range(n, size, len)?;
        match load(data, vec![range.clone()], read_at, held) {
            Ok(true) => {}
            Ok(false) => {
                over = true;
                return Err(bad("over the bound"));
            }
            Err(e) => {
                failed = Some(e);
                return Err(bad("read failed"));
            }
        }
        for (to, from) in into.iter_mut().zip(data.get(range).unwrap_or_default()) {
            *to = *from;
        }
        Ok(())
    });
    if let Some(e) = failed {
        return Err(e);
    }
    if over {
        return Ok(Stage::Over);
    }
    let Ok(fat) = fat else {
        return Ok(Stage::Malformed);
    };
    if !load(data, sector_ranges(&fat, size, len), read_at, held)? {
        return Ok(Stage::Over);
    }
    Ok(Stage::Found(fat))
}

/// The directory's and the mini FAT's sectors, their chains followed through `fat` as
/// `open` follows them (`None` when the header no longer reads).
fn structure_chains(data: &[u8], fat: Vec<u32>) -> Option<Vec<Range<usize>>> {
    let mut file = Compound::header(data).ok()?;
    file.fat = fat;
    let mut met = file.structure.clone();
    for &n in &file.fat {
        mark(&mut met.sectors, n);
    }
    let dir = u32_at(file.b, 0x30)
        .and_then(|first| {
            file.chain(
                first,
                max_dir_sectors(file.size).saturating_add(1),
                &mut met,
                "directory",
            )
        })
        .unwrap_or_default();
    let minifat = u32_at(file.b, 0x3c)
        .and_then(|first| file.chain(first, usize::MAX, &mut met, "mini FAT"))
        .unwrap_or_default();
    Some(sector_ranges(dir.iter().chain(&minifat), file.size, data.len()))
}

/// Once `open` can run over what is held: the mini stream's sectors (every stream below
/// the cutoff), then the regular sectors of the root's streams named in `wanted` (each
/// when at most its bound). `None` when `open` fails.
fn streams_to_hold(data: &[u8], wanted: &[(&[u8], u32)]) -> Option<Vec<Range<usize>>> {
    let file = Compound::open(data).ok()?;
    let mut ranges = sector_ranges(&file.mini, file.size, data.len());
    let mut seen = vec![false; file.entries()];
    for id in file.children(0, &mut seen).unwrap_or_default() {
        let Ok(e) = file.entry(id) else { continue };
        let bound = wanted.iter().find(|(name, _)| *name == e.name()).map(|(_, max)| *max);
        if e.kind() != STREAM || e.size() < MINI_CUTOFF || bound.is_none_or(|max| e.size() > max) {
            continue;
        }
        // A chain that fails stops where `read` stops too.
        let _ = file.read(e, &mut file.met(), &mut |piece| {
            if let Piece::Range(r) = piece {
                if let (Ok(start), Ok(end)) = (usize::try_from(r.start), usize::try_from(r.end)) {
                    ranges.push(start..end);
                }
            }
        });
    }
    Some(ranges)
}

/// The file ranges of `sectors` that lie inside the file.
fn sector_ranges<'s>(sectors: impl IntoIterator<Item = &'s u32>, size: usize, len: usize) -> Vec<Range<usize>> {
    sectors
        .into_iter()
        .filter_map(|&n| sector_range(n, size, len).ok())
        .collect()
}

/// Reads `ranges` into `data` through `read_at` (adjacent ones in one read), recording them
/// in `held`; `false`, reading none of them, when together with what is held they would
/// pass its bound.
fn load<E>(
    data: &mut [u8],
    ranges: Vec<Range<usize>>,
    read_at: &mut ReadAt<'_, E>,
    held: &mut HeldRanges,
) -> Result<bool, E> {
    let as_u64 = |r: &Range<usize>| crate::num::usize_u64(r.start)..crate::num::usize_u64(r.end);
    let ranges = merged(ranges.iter().map(as_u64).collect());
    if !ranges.iter().all(|r| held.charge(r)) {
        return Ok(false);
    }
    for range in ranges {
        let (Ok(start), Ok(end)) = (usize::try_from(range.start), usize::try_from(range.end)) else {
            continue;
        };
        if let Some(into) = data.get_mut(start..end) {
            read_at(&range, into)?;
            held.record(range);
        }
    }
    Ok(true)
}
