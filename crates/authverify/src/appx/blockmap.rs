//! AppxBlockMap.xml: every payload file's size, local header size and the hash of each of
//! its 64 KiB uncompressed blocks, and the check of each member against it. The signature
//! covers the block map (AXBM), the block map covers the files: Windows reads a file only
//! through blocks whose hashes match.
//!
//! Schema (`http://schemas.microsoft.com/appx/2010/blockmap`): `BlockMap@HashMethod` >
//! `File@Name@Size@LfhSize` > `Block@Hash` (base64) and `Block@Size` (the compressed size,
//! present only for deflated files and not checked: compression is the packer's choice).

use base64::Engine;

use super::zip::Archive;
use super::{limits, xml};
use crate::digest::DigestAlgorithm;
use crate::error::AppxError;

const PART: &str = "AppxBlockMap.xml";
/// The block size every APPX block map uses.
pub const BLOCK_SIZE: usize = 64 * 1024;

/// The block map's hash method URIs (XML Encryption and XML Signature More).
const METHODS: [(&str, DigestAlgorithm); 3] = [
    ("http://www.w3.org/2001/04/xmlenc#sha256", DigestAlgorithm::Sha256),
    ("http://www.w3.org/2001/04/xmldsig-more#sha384", DigestAlgorithm::Sha384),
    ("http://www.w3.org/2001/04/xmlenc#sha512", DigestAlgorithm::Sha512),
];

/// One `File` of the block map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockMapFile {
    /// The name as the block map writes it (`\`-separated, not percent-encoded).
    pub name: String,
    /// The uncompressed size.
    pub size: u64,
    /// The local file header's size.
    pub local_header_len: u64,
    /// Each block's hash.
    pub blocks: Vec<Vec<u8>>,
}

/// The block map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockMap {
    /// The algorithm of the block hashes, which is also the package digests' algorithm.
    pub algorithm: DigestAlgorithm,
    /// Its files, in document order.
    pub files: Vec<BlockMapFile>,
}

/// A member that does not match the block map.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "problem"))]
#[non_exhaustive]
pub enum BlockMapProblem {
    /// A payload member the block map does not list.
    NotListed {
        /// The ZIP name.
        member: String,
    },
    /// A block map file the package does not hold.
    NotInPackage {
        /// The block map name.
        file: String,
    },
    /// The member's uncompressed size differs from the block map's.
    Size {
        /// The block map name.
        file: String,
        /// What the block map says.
        listed: u64,
        /// What the member holds.
        actual: u64,
    },
    /// The member's local header size differs from the block map's `LfhSize`.
    LocalHeader {
        /// The block map name.
        file: String,
        /// What the block map says.
        listed: u64,
        /// The local header's size.
        actual: u64,
    },
    /// A block's hash differs (or the block map lists another number of blocks).
    Block {
        /// The block map name.
        file: String,
        /// The block's index (64 KiB each).
        index: u64,
    },
}

impl std::fmt::Display for BlockMapProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotListed { member } => write!(f, "{member} is not in the block map"),
            Self::NotInPackage { file } => write!(f, "the block map lists {file}, which the package does not hold"),
            Self::Size { file, listed, actual } => write!(f, "{file} is {actual} bytes, the block map says {listed}"),
            Self::LocalHeader { file, listed, actual } => {
                write!(
                    f,
                    "{file}'s local header is {actual} bytes, the block map says {listed}"
                )
            }
            Self::Block { file, index } => write!(f, "block {index} of {file} does not match the block map"),
        }
    }
}

/// The members the block map does not cover: the signature and the two parts the package
/// digests cover themselves.
pub(crate) fn is_footprint(name: &str) -> bool {
    matches!(name, "AppxSignature.p7x" | "AppxBlockMap.xml" | "[Content_Types].xml")
}

/// A ZIP name (OPC part name) as the block map writes it: percent-decoded, `\`-separated.
pub fn block_map_name(zip_name: &str) -> String {
    let bytes = zip_name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0usize;
    while let Some(&c) = bytes.get(i) {
        let escaped = (c == b'%')
            .then(|| bytes.get(i.saturating_add(1)..i.saturating_add(3)))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match escaped {
            Some(v) => {
                out.push(v);
                i = i.saturating_add(3);
            }
            None => {
                out.push(if c == b'/' { b'\\' } else { c });
                i = i.saturating_add(1);
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn number(e: &xml::Element, name: &str) -> Result<u64, AppxError> {
    e.attribute(name)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| AppxError::xml(PART, format!("{} without a numeric {name}", e.name)))
}

impl BlockMap {
    /// Reads the block map's text.
    pub fn parse(bytes: &[u8]) -> Result<Self, AppxError> {
        let text = xml::text(PART, bytes)?;
        let mut algorithm = None;
        let mut files: Vec<BlockMapFile> = Vec::new();
        xml::walk(PART, text, &mut |e| {
            match (e.depth, e.name.as_str()) {
                (0, "BlockMap") => {
                    let method = e.attribute("HashMethod").unwrap_or_default();
                    let found = METHODS.iter().find(|(uri, _)| *uri == method);
                    algorithm = Some(found.map(|(_, a)| *a).ok_or_else(|| AppxError::HashMethod {
                        method: method.to_string(),
                    })?);
                }
                (0, other) => return Err(AppxError::xml(PART, format!("the root is {other}, not BlockMap"))),
                (1, "File") => files.push(BlockMapFile {
                    name: e.attribute("Name").unwrap_or_default().to_string(),
                    size: number(e, "Size")?,
                    local_header_len: number(e, "LfhSize")?,
                    blocks: Vec::new(),
                }),
                (2, "Block") => {
                    let hash = e.attribute("Hash").unwrap_or_default();
                    let hash = base64::engine::general_purpose::STANDARD
                        .decode(hash)
                        .map_err(|_| AppxError::xml(PART, format!("a Block Hash that is not base64: {hash}")))?;
                    files
                        .last_mut()
                        .ok_or_else(|| AppxError::xml(PART, "a Block outside a File"))?
                        .blocks
                        .push(hash);
                }
                _ => {}
            }
            Ok(())
        })?;
        let algorithm = algorithm.ok_or_else(|| AppxError::xml(PART, "no BlockMap root"))?;
        Ok(Self { algorithm, files })
    }

    /// Checks every payload member of `archive` against the block map: listed, its size,
    /// its local header size and each block's hash; and every listed file present. Inflates
    /// each member once, one block at a time (the package's one read of its records, which
    /// also yields the package digest: `appx::pass`).
    pub fn check(&self, archive: &Archive<'_>) -> Result<Vec<BlockMapProblem>, AppxError> {
        let mut consumed = |_| {};
        let feed = &mut *crate::digest::slice_feed(archive.bytes, &mut consumed);
        Ok(super::pass::read_records(archive, self, feed)?.problems)
    }
}

/// The block map's text from the archive, bounded.
pub(crate) fn read(archive: &Archive<'_>) -> Result<BlockMap, AppxError> {
    let m = archive.member(PART).ok_or(AppxError::Missing { member: PART })?;
    let bytes = super::zip::contents(m, limits::MAX_XML_BYTES, "XML bytes")?;
    BlockMap::parse(&bytes)
}
