//! MSI packages (OLE compound files): the Authenticode signature in the root's
//! `\x05DigitalSignature` stream and the digest it signs.
//!
//! The digest is over the package's content, not its bytes: every stream's data and every
//! storage's CLSID, walking storages depth first with each storage's children in the order
//! of their UTF-16LE names compared byte for byte (terminator included; a name that is a
//! prefix of another sorts after it), the storage's CLSID after its children, the two
//! signature streams skipped and empty streams skipped. When the package also carries
//! `\x05MsiDigitalSignatureEx`, the digest first takes the hash (in the signature's own
//! algorithm) of the entries' metadata — names, sizes, state bits, CLSIDs and times, in the
//! same order — so that renaming or re-dating a stream breaks the signature too. This is what
//! osslsigncode computes (msi.c: `msi_hash_dir`, `msi_prehash_dir`), checked against it on
//! every vector (tests/containers.rs); docs/ARCHITECTURE.md has the evidence.
//!
//! The compound file is read in place by `compound` (header, FAT, directory, streams as
//! slices of the input). Everything is bounded (directory entries, stream sizes, nesting
//! depth, chains) and failures are typed errors; besides the input, memory is a few
//! bytes per directory entry. The digest reads the streams of 4096 bytes and more (an
//! embedded cabinet: nearly all of a large package) as file ranges through a feed, so a
//! package read from a file (`hold`) need not be in memory beyond its structure.

use std::borrow::Cow;
use std::cmp::Ordering;

use compound::{Compound, Entry, Met, STORAGE, STREAM};

pub(crate) use compound::Piece;

/// A stream located for reading from the file ([`MsiPackage::root_stream_chain`]).
pub(crate) enum Chain<'a> {
    /// A stream of the mini stream: its bytes, in pieces of the held mini stream.
    Pieces(Vec<Piece<'a>>),
    /// A stream of the FAT: the sector holding each `every`-th of its sectors.
    Sectors(Vec<u32>),
}

use crate::digest::{DigestAlgorithm, Feed, MultiDigest};
use crate::error::MsiError;

mod compound;

pub use compound::MAX_ENTRIES;

/// The OLE compound file signature.
pub(crate) const MAGIC: [u8; 8] = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
/// The root stream that holds the PKCS#7 SignedData.
const DIGITAL_SIGNATURE: &str = "\u{5}DigitalSignature";
/// The root stream that holds the metadata pre-hash.
const DIGITAL_SIGNATURE_EX: &str = "\u{5}MsiDigitalSignatureEx";
/// The largest signature stream read (a signature with many certificates is ~30 KB).
const MAX_SIGNATURE: u32 = 16 << 20;
/// Storages nested deeper than this are not walked (real packages nest one or two levels).
const MAX_DEPTH: usize = 64;

/// The file starts like an OLE compound file.
pub(crate) fn is_compound_file(b: &[u8]) -> bool {
    b.get(..8) == Some(MAGIC.as_slice())
}

/// `name` as a directory entry stores it: UTF-16LE with a terminator.
fn stored_name(name: &str) -> Vec<u8> {
    name.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect()
}

/// An MSI package: its signature streams and what its digest needs.
pub struct MsiPackage<'a> {
    file: Compound<'a>,
    /// The PKCS#7 SignedData of `\x05DigitalSignature`, if the package is signed.
    pub signature: Option<Vec<u8>>,
    /// The `\x05MsiDigitalSignatureEx` stream, if present.
    pub signature_ex: Option<Vec<u8>>,
}

impl std::fmt::Debug for MsiPackage<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MsiPackage")
            .field("entries", &self.file.entries())
            .field("signature", &self.signature.as_ref().map(Vec::len))
            .field("signature_ex", &self.signature_ex)
            .finish_non_exhaustive()
    }
}

/// Where the walk over the directory is: the entries seen (each is walked once) and the
/// sectors read.
struct Walk {
    seen: Vec<bool>,
    met: Met,
}

impl<'a> MsiPackage<'a> {
    /// Opens the compound file `b` and reads its signature streams.
    pub fn parse(b: &'a [u8]) -> Result<Self, MsiError> {
        let file = Compound::open(b)?;
        let (mut signature, mut signature_ex) = (None, None);
        let mut walk = Self::walk_of(&file);
        let (sig_name, ex_name) = (stored_name(DIGITAL_SIGNATURE), stored_name(DIGITAL_SIGNATURE_EX));
        for id in file.children(0, &mut walk.seen)? {
            let e = file.entry(id)?;
            if e.kind() != STREAM {
                continue;
            }
            let (slot, max) = match e.name() {
                n if n == sig_name.as_slice() => (&mut signature, MAX_SIGNATURE),
                n if n == ex_name.as_slice() => (&mut signature_ex, 1024),
                _ => continue,
            };
            if slot.is_some() {
                return Err(MsiError::Compound {
                    detail: format!("two {} streams", e.decoded_name().trim_start_matches('\u{5}')),
                });
            }
            *slot = Some(read_whole(&file, e, max, &mut walk.met)?.into_owned());
        }
        Ok(Self {
            file,
            signature,
            signature_ex,
        })
    }

    /// Bytes after the compound file's last sector in use: read by no stream, covered by
    /// no digest, so a signature cannot vouch for them (the verdict is `invalid`).
    pub fn bytes_after_last_sector(&self) -> Result<u64, MsiError> {
        self.file.bytes_after_last_sector()
    }

    /// The root's stream whose stored name is `units` (UTF-16 code units, no terminator),
    /// read whole (at most `max` bytes, more is [`MsiError::StreamTooLarge`]); `None` when the
    /// root has no such stream. The payload walker reads the package's tables and embedded
    /// cabinets with it.
    pub(crate) fn root_stream(&self, units: &[u16], max: u32) -> Result<Option<Cow<'a, [u8]>>, MsiError> {
        let wanted: Vec<u8> = units.iter().chain([&0]).flat_map(|u| u.to_le_bytes()).collect();
        let mut walk = Self::walk_of(&self.file);
        for id in self.file.children(0, &mut walk.seen)? {
            let e = self.file.entry(id)?;
            if e.kind() == STREAM && e.name() == wanted.as_slice() {
                return read_whole(&self.file, e, max, &mut walk.met).map(Some);
            }
        }
        Ok(None)
    }

    /// The root's stream whose stored name is `units`, as [`MsiPackage::root_stream`] finds
    /// it, but not read: its length and either its pieces (a stream of the mini stream: at
    /// most 64 of them) or its chain indexed every `every` sectors (every chain step
    /// checked), so that a package held in parts can have it read from the file
    /// ([`MsiPackage::chain_ranges`]). Memory: 4 bytes per `every` sectors however the
    /// stream is laid out (a list of its runs of contiguous sectors took 56 bytes per sector
    /// of one laid out backwards, red team 4).
    pub(crate) fn root_stream_chain(&self, units: &[u16], every: usize) -> Result<Option<(u64, Chain<'a>)>, MsiError> {
        let wanted: Vec<u8> = units.iter().chain([&0]).flat_map(|u| u.to_le_bytes()).collect();
        let mut walk = Self::walk_of(&self.file);
        for id in self.file.children(0, &mut walk.seen)? {
            let e = self.file.entry(id)?;
            if e.kind() == STREAM && e.name() == wanted.as_slice() {
                let len = u64::from(e.size());
                if let Some(marks) = self.file.chain_index(e, &mut walk.met, every)? {
                    return Ok(Some((len, Chain::Sectors(marks))));
                }
                let mut pieces = Vec::new();
                self.file.read(e, &mut walk.met, &mut |piece| pieces.push(piece))?;
                return Ok(Some((len, Chain::Pieces(pieces))));
            }
        }
        Ok(None)
    }

    /// The sector size.
    pub(crate) fn sector_size(&self) -> usize {
        self.file.sector_size()
    }

    /// See `Compound::chain_ranges`: the file ranges of `want` bytes of a chain indexed by
    /// [`MsiPackage::root_stream_chain`], from `within` bytes into `sector`.
    pub(crate) fn chain_ranges(
        &self,
        sector: u32,
        within: usize,
        want: usize,
        f: &mut dyn FnMut(std::ops::Range<u64>) -> Result<(), MsiError>,
    ) -> Result<u32, MsiError> {
        self.file.chain_ranges(sector, within, want, f)
    }

    /// The sector after `n` in its chain.
    pub(crate) fn next_sector(&self, n: u32) -> Result<u32, MsiError> {
        self.file.next_sector(n)
    }

    fn walk_of(file: &Compound<'_>) -> Walk {
        Walk {
            seen: vec![false; file.entries()],
            met: file.met(),
        }
    }

    /// The package's digests in `algorithms`: the metadata pre-hash first when the package
    /// carries `\x05MsiDigitalSignatureEx`, then the content.
    pub fn digests(&self, algorithms: &[DigestAlgorithm]) -> Result<Vec<(DigestAlgorithm, Vec<u8>)>, MsiError> {
        // The ranges `read` hands over lie inside the input (it checked them).
        self.digests_fed(algorithms, &mut |range, sink| {
            if let Ok(bytes) = self.file.bytes(range) {
                sink(bytes);
            }
        })
    }

    /// [`MsiPackage::digests`], the streams' regular sectors read through `feed` (file
    /// ranges; the structure and the mini stream are read from the parsed bytes).
    pub(crate) fn digests_fed(
        &self,
        algorithms: &[DigestAlgorithm],
        feed: &mut Feed<'_>,
    ) -> Result<Vec<(DigestAlgorithm, Vec<u8>)>, MsiError> {
        let mut hashers: Vec<MultiDigest> = algorithms.iter().map(|a| MultiDigest::new(&[*a])).collect();
        if self.signature_ex.is_some() {
            // The metadata is hashed as it is walked, never gathered (a million entries'
            // fields would be ~100 MB).
            let mut prehash = MultiDigest::new(algorithms);
            self.metadata(&mut |bytes| prehash.update(bytes))?;
            let prehashes = prehash.finalize();
            for (h, a) in hashers.iter_mut().zip(algorithms) {
                if let Some((_, value)) = prehashes.iter().find(|(x, _)| x == a) {
                    h.update(value);
                }
            }
        }
        let mut walk = Self::walk_of(&self.file);
        self.hash_storage(0, 0, &mut walk, feed, &mut |bytes| {
            for h in hashers.iter_mut() {
                h.update(bytes);
            }
        })?;
        Ok(hashers.into_iter().flat_map(MultiDigest::finalize).collect())
    }

    /// The metadata pre-hash in `algorithm`, as `\x05MsiDigitalSignatureEx` should hold it.
    pub fn metadata_prehash(&self, algorithm: DigestAlgorithm) -> Result<Vec<u8>, MsiError> {
        let mut h = MultiDigest::new(&[algorithm]);
        self.metadata(&mut |bytes| h.update(bytes))?;
        Ok(h.finalize().into_iter().next().map(|(_, v)| v).unwrap_or_default())
    }

    /// The root's CLSID and state bits, then every entry's stored fields in hash order.
    fn metadata(&self, out: &mut dyn FnMut(&[u8])) -> Result<(), MsiError> {
        let root = self.file.entry(0)?;
        out(root.clsid());
        out(root.state_bits());
        self.metadata_of_children(0, 0, &mut Self::walk_of(&self.file), out)
    }

    /// The children of storage `id`, in hash order, the signature streams left out at the
    /// root.
    fn children(&self, id: u32, depth: usize, walk: &mut Walk) -> Result<Vec<u32>, MsiError> {
        if depth > MAX_DEPTH {
            return Err(MsiError::TooDeep { limit: MAX_DEPTH });
        }
        let signature_names = [stored_name(DIGITAL_SIGNATURE), stored_name(DIGITAL_SIGNATURE_EX)];
        let mut ids = self.file.children(id, &mut walk.seen)?;
        self.unique_names(&ids)?;
        if depth == 0 {
            ids.retain(|&child| {
                self.file
                    .entry(child)
                    .is_ok_and(|e| !signature_names.iter().any(|n| n.as_slice() == e.name()))
            });
        }
        // Sorted by the names in the input: ids (4 bytes each) rather than entries, since a
        // storage may hold most of a million entries.
        let name = |id: u32| self.file.entry(id).map_or(&[][..], |e| e.name());
        ids.sort_by(|&a, &b| hash_order(name(a), name(b)));
        Ok(ids)
    }

    /// MS-CFB §2.6.4: names within a storage are unique, compared without case. Two
    /// children of one name leave it to the reader which one a lookup finds (Windows Installer
    /// may find an empty twin of a table while the digest covers the other): refused, as the
    /// `cfb` crate refused them (red-team review of issue 27). Sorted ids only, no names
    /// copied: a storage may hold most of a million entries.
    fn unique_names(&self, ids: &[u32]) -> Result<(), MsiError> {
        let name = |id: u32| self.file.entry(id).map_or(&[][..], |e| e.name());
        let mut sorted = ids.to_vec();
        sorted.sort_by(|&a, &b| caseless_order(name(a), name(b)));
        for pair in sorted.windows(2) {
            if let [a, b] = pair {
                if caseless_order(name(*a), name(*b)) == Ordering::Equal {
                    return Err(MsiError::Compound {
                        detail: format!(
                            "two entries of one storage are named \"{}\"",
                            self.file.entry(*b)?.decoded_name()
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// Streams' data and storages' contents under storage `id`, then its CLSID.
    fn hash_storage(
        &self,
        id: u32,
        depth: usize,
        walk: &mut Walk,
        feed: &mut Feed<'_>,
        out: &mut dyn FnMut(&[u8]),
    ) -> Result<(), MsiError> {
        for child in self.children(id, depth, walk)? {
            let e = self.file.entry(child)?;
            match e.kind() {
                // Empty streams add nothing.
                STREAM => self.file.read(e, &mut walk.met, &mut |piece| match piece {
                    Piece::Bytes(bytes) => out(bytes),
                    Piece::Range(range) => crate::digest::feed_chunked(range, feed, &mut *out),
                })?,
                STORAGE => self.hash_storage(child, depth.saturating_add(1), walk, feed, out)?,
                _ => {}
            }
        }
        out(self.file.entry(id)?.clsid());
        Ok(())
    }

    /// Each child's stored fields under storage `id`, storages followed by their children.
    fn metadata_of_children(
        &self,
        id: u32,
        depth: usize,
        walk: &mut Walk,
        out: &mut dyn FnMut(&[u8]),
    ) -> Result<(), MsiError> {
        for child in self.children(id, depth, walk)? {
            let e = self.file.entry(child)?;
            out(e.name().get(..e.name().len().saturating_sub(2)).unwrap_or_default());
            if e.kind() == STREAM {
                out(e.size_field());
            } else {
                out(e.clsid());
            }
            out(e.state_bits());
            out(e.created());
            out(e.modified());
            if e.kind() == STORAGE {
                self.metadata_of_children(child, depth.saturating_add(1), walk, out)?;
            }
        }
        Ok(())
    }
}

/// Reads into `data` (as long as the file, zeroed) what parsing the compound file in it
/// and verifying its signature needs: its structure, its mini stream and its signature
/// streams ([`compound`]'s `hold` says what that costs); the other streams' bytes are for
/// the digest's feed. Returns the ranges read, or `None` once they would cost more than
/// `most` bytes (each range counted with a page more).
pub(crate) fn hold<E>(
    data: &mut [u8],
    most: u64,
    read_at: &mut compound::ReadAt<'_, E>,
) -> Result<Option<Vec<std::ops::Range<u64>>>, E> {
    let (sig, ex) = (stored_name(DIGITAL_SIGNATURE), stored_name(DIGITAL_SIGNATURE_EX));
    compound::hold(data, &[(&sig, MAX_SIGNATURE), (&ex, 1024)], most, read_at)
}

/// [`hold`], and the root's streams named in `streams` besides (each by its UTF-16 units,
/// as [`MsiPackage::root_stream`] names it, read when at most `max` bytes): what the
/// payload walker reads from a package held in parts (its tables).
pub(crate) fn hold_streams<E>(
    data: &mut [u8],
    streams: &[Vec<u16>],
    max: u32,
    most: u64,
    read_at: &mut compound::ReadAt<'_, E>,
) -> Result<Option<Vec<std::ops::Range<u64>>>, E> {
    let (sig, ex) = (stored_name(DIGITAL_SIGNATURE), stored_name(DIGITAL_SIGNATURE_EX));
    let names: Vec<Vec<u8>> = streams
        .iter()
        .map(|units| units.iter().chain([&0]).flat_map(|u| u.to_le_bytes()).collect())
        .collect();
    let mut wanted: Vec<(&[u8], u32)> = vec![(&sig, MAX_SIGNATURE), (&ex, 1024)];
    wanted.extend(names.iter().map(|n| (n.as_slice(), max)));
    compound::hold(data, &wanted, most, read_at)
}

/// A root stream's bytes, at most `max` of them (more is a typed error): borrowed from the
/// file when its sectors are contiguous (an embedded cabinet usually is: copying it doubled
/// the memory and a third of the time of a payload audit, issue 32), copied otherwise.
fn read_whole<'a>(file: &Compound<'a>, e: Entry<'_>, max: u32, met: &mut Met) -> Result<Cow<'a, [u8]>, MsiError> {
    if e.size() > max {
        return Err(MsiError::StreamTooLarge {
            stream: e.decoded_name().trim_start_matches('\u{5}').to_string(),
            len: u64::from(e.size()),
            max: u64::from(max),
        });
    }
    let mut pieces: Vec<&'a [u8]> = Vec::new();
    let mut outside = None;
    file.read(e, met, &mut |piece| match piece {
        Piece::Bytes(b) => pieces.push(b),
        // `read` checked that its sectors lie inside the file.
        Piece::Range(range) => match file.bytes(range) {
            Ok(b) => pieces.push(b),
            Err(e) => outside = Some(e),
        },
    })?;
    if let Some(e) = outside {
        return Err(e);
    }
    Ok(match pieces.as_slice() {
        [] => Cow::Borrowed(&[][..]),
        [one] => Cow::Borrowed(*one),
        _ => Cow::Owned(pieces.concat()),
    })
}

/// The hash order: the stored names' bytes (terminator included) compared over the shorter
/// length; on a tie the longer name first.
fn hash_order(a: &[u8], b: &[u8]) -> Ordering {
    let n = a.len().min(b.len());
    match a.get(..n).cmp(&b.get(..n)) {
        Ordering::Equal => b.len().cmp(&a.len()),
        other => other,
    }
}

/// Stored names compared as MS-CFB orders siblings for uniqueness: by length, then by UTF-16
/// unit with ASCII letters folded to upper case (no allocation: a storage may hold most of a
/// million entries).
fn caseless_order(a: &[u8], b: &[u8]) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| folded_units(a).cmp(folded_units(b)))
}

/// A stored name's UTF-16 units, ASCII letters upper-cased.
fn folded_units(n: &[u8]) -> impl Iterator<Item = u16> + '_ {
    n.chunks_exact(2).map(|u| match u {
        [lo, hi] => {
            let c = u16::from_le_bytes([*lo, *hi]);
            if (0x61..=0x7a).contains(&c) {
                c.saturating_sub(0x20)
            } else {
                c
            }
        }
        _ => 0,
    })
}
