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
//! Streams are read by the `cfb` crate; the directory entries, whose stored fields the
//! pre-hash covers, by `directory`. Everything is bounded (stream sizes, nesting depth,
//! chains) and failures are typed errors.

use std::cell::RefCell;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use directory::{RawEntry, STORAGE, STREAM};

use crate::digest::{DigestAlgorithm, MultiDigest};
use crate::error::MsiError;

mod directory;

/// The OLE compound file signature.
pub(crate) const MAGIC: [u8; 8] = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
/// The root stream that holds the PKCS#7 SignedData.
const DIGITAL_SIGNATURE: &str = "\u{5}DigitalSignature";
/// The root stream that holds the metadata pre-hash.
const DIGITAL_SIGNATURE_EX: &str = "\u{5}MsiDigitalSignatureEx";
/// The largest signature stream read (a signature with many certificates is ~30 KB).
const MAX_SIGNATURE: u64 = 16 << 20;
/// Storages nested deeper than this are not walked (real packages nest one or two levels).
const MAX_DEPTH: usize = 64;
/// Bytes read at a time from a stream.
const CHUNK: usize = 64 * 1024;

/// The file starts like an OLE compound file.
pub(crate) fn is_compound_file(b: &[u8]) -> bool {
    b.get(..8) == Some(MAGIC.as_slice())
}

type Compound<'a> = cfb::CompoundFile<Cursor<&'a [u8]>>;

/// An MSI package: its signature streams and what its digest needs.
pub struct MsiPackage<'a> {
    file: RefCell<Compound<'a>>,
    entries: Vec<RawEntry>,
    /// The PKCS#7 SignedData of `\x05DigitalSignature`, if the package is signed.
    pub signature: Option<Vec<u8>>,
    /// The `\x05MsiDigitalSignatureEx` stream, if present.
    pub signature_ex: Option<Vec<u8>>,
}

impl std::fmt::Debug for MsiPackage<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MsiPackage")
            .field("entries", &self.entries.len())
            .field("signature", &self.signature.as_ref().map(Vec::len))
            .field("signature_ex", &self.signature_ex)
            .finish_non_exhaustive()
    }
}

fn compound_error(e: &std::io::Error) -> MsiError {
    MsiError::Compound { detail: e.to_string() }
}

/// A child of a storage, in hash order: its entry and its path for `cfb`.
struct Child<'e> {
    entry: &'e RawEntry,
    id: u32,
    path: PathBuf,
}

impl<'a> MsiPackage<'a> {
    /// Opens the compound file `b` and reads its directory and signature streams.
    pub fn parse(b: &'a [u8]) -> Result<Self, MsiError> {
        let mut file = cfb::CompoundFile::open(Cursor::new(b)).map_err(|e| compound_error(&e))?;
        let entries = directory::read(b)?;
        let signature = read_root_stream(&mut file, DIGITAL_SIGNATURE, MAX_SIGNATURE)?;
        let signature_ex = read_root_stream(&mut file, DIGITAL_SIGNATURE_EX, 1024)?;
        Ok(Self {
            file: RefCell::new(file),
            entries,
            signature,
            signature_ex,
        })
    }

    /// The package's digests in `algorithms`: the metadata pre-hash first when the package
    /// carries `\x05MsiDigitalSignatureEx`, then the content, in one walk.
    pub fn digests(&self, algorithms: &[DigestAlgorithm]) -> Result<Vec<(DigestAlgorithm, Vec<u8>)>, MsiError> {
        let mut hashers: Vec<MultiDigest> = algorithms.iter().map(|a| MultiDigest::new(&[*a])).collect();
        if self.signature_ex.is_some() {
            let metadata = self.metadata()?;
            for (h, a) in hashers.iter_mut().zip(algorithms) {
                h.update(&a.hash(&metadata));
            }
        }
        let mut seen = vec![false; self.entries.len()];
        self.hash_storage(0, Path::new("/"), 0, &mut seen, &mut hashers)?;
        Ok(hashers.into_iter().flat_map(MultiDigest::finalize).collect())
    }

    /// The metadata pre-hash in `algorithm`, as `\x05MsiDigitalSignatureEx` should hold it.
    pub fn metadata_prehash(&self, algorithm: DigestAlgorithm) -> Result<Vec<u8>, MsiError> {
        Ok(algorithm.hash(&self.metadata()?))
    }

    /// The root's CLSID and state bits, then every entry's stored fields in hash order.
    fn metadata(&self) -> Result<Vec<u8>, MsiError> {
        let root = self.entries.first().ok_or_else(|| MsiError::Compound {
            detail: "no root directory entry".into(),
        })?;
        let mut out = Vec::new();
        out.extend_from_slice(&root.clsid);
        out.extend_from_slice(&root.state_bits);
        let mut seen = vec![false; self.entries.len()];
        self.metadata_of_children(0, Path::new("/"), 0, &mut seen, &mut out)?;
        Ok(out)
    }

    /// The children of storage `id` at `path`, in hash order, the signature streams left
    /// out at the root.
    fn children(&self, id: u32, path: &Path, depth: usize, seen: &mut [bool]) -> Result<Vec<Child<'_>>, MsiError> {
        if depth > MAX_DEPTH {
            return Err(MsiError::TooDeep { limit: MAX_DEPTH });
        }
        let mut out: Vec<Child<'_>> = Vec::new();
        for child in directory::children(&self.entries, id, seen)? {
            let Some(entry) = self.entries.get(usize::try_from(child).unwrap_or(usize::MAX)) else {
                continue;
            };
            let name = entry.decoded_name();
            if depth == 0 && (name == DIGITAL_SIGNATURE || name == DIGITAL_SIGNATURE_EX) {
                continue;
            }
            out.push(Child {
                entry,
                id: child,
                path: path.join(name),
            });
        }
        out.sort_by(|a, b| hash_order(&a.entry.name, &b.entry.name));
        Ok(out)
    }

    /// Streams' data and storages' contents under storage `id`, then its CLSID.
    fn hash_storage(
        &self,
        id: u32,
        path: &Path,
        depth: usize,
        seen: &mut [bool],
        hashers: &mut [MultiDigest],
    ) -> Result<(), MsiError> {
        for child in self.children(id, path, depth, seen)? {
            match child.entry.kind {
                // The size's low 32 bits, as version 3 defines it; empty streams add nothing.
                STREAM if u32::from_le_bytes(child.entry.size) != 0 => self.hash_stream(&child.path, hashers)?,
                STORAGE => self.hash_storage(child.id, &child.path, depth.saturating_add(1), seen, hashers)?,
                _ => {}
            }
        }
        let clsid = self
            .entries
            .get(usize::try_from(id).unwrap_or(usize::MAX))
            .map_or([0u8; 16], |e| e.clsid);
        for h in hashers.iter_mut() {
            h.update(&clsid);
        }
        Ok(())
    }

    fn hash_stream(&self, path: &Path, hashers: &mut [MultiDigest]) -> Result<(), MsiError> {
        let mut file = self.file.borrow_mut();
        let name = || {
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let mut stream = file.open_stream(path).map_err(|e| MsiError::Stream {
            stream: name(),
            detail: e.to_string(),
        })?;
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = stream.read(&mut buf).map_err(|e| MsiError::Stream {
                stream: name(),
                detail: e.to_string(),
            })?;
            let Some(read) = buf.get(..n).filter(|r| !r.is_empty()) else {
                break;
            };
            for h in hashers.iter_mut() {
                h.update(read);
            }
        }
        Ok(())
    }

    /// Each child's stored fields under storage `id`, storages followed by their children.
    fn metadata_of_children(
        &self,
        id: u32,
        path: &Path,
        depth: usize,
        seen: &mut [bool],
        out: &mut Vec<u8>,
    ) -> Result<(), MsiError> {
        for child in self.children(id, path, depth, seen)? {
            let e = child.entry;
            out.extend_from_slice(e.name.get(..e.name.len().saturating_sub(2)).unwrap_or_default());
            if e.kind == STREAM {
                out.extend_from_slice(&e.size);
            } else {
                out.extend_from_slice(&e.clsid);
            }
            out.extend_from_slice(&e.state_bits);
            out.extend_from_slice(&e.created);
            out.extend_from_slice(&e.modified);
            if e.kind == STORAGE {
                self.metadata_of_children(child.id, &child.path, depth.saturating_add(1), seen, out)?;
            }
        }
        Ok(())
    }
}

/// A root stream's bytes, at most `max` of them (more is a typed error).
fn read_root_stream(file: &mut Compound<'_>, name: &str, max: u64) -> Result<Option<Vec<u8>>, MsiError> {
    let path = PathBuf::from("/").join(name);
    if !file.is_stream(&path) {
        return Ok(None);
    }
    let mut stream = file.open_stream(&path).map_err(|e| compound_error(&e))?;
    let len = stream.len();
    if len > max {
        return Err(MsiError::StreamTooLarge {
            stream: name.trim_start_matches('\u{5}').to_string(),
            len,
            max,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    stream.read_to_end(&mut bytes).map_err(|e| compound_error(&e))?;
    Ok(Some(bytes))
}

/// The hash order: the stored names' bytes (terminator included) compared over the shorter
/// length; on a tie the longer name first.
fn hash_order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    match a.get(..n).cmp(&b.get(..n)) {
        std::cmp::Ordering::Equal => b.len().cmp(&a.len()),
        other => other,
    }
}
