//! The package's one read of its records: each member's local record is read once, in
//! file order, and every piece of it goes both to the package digest (AXPC: the records of
//! every member but AppxSignature.p7x) and, for a payload file, to the check of its 64 KiB
//! blocks against AppxBlockMap.xml (a deflated member inflated as it streams). Two hash
//! states over the payload are the floor: the signature covers the records as stored and
//! the block map the files as inflated, so neither digest can stand in for the other.
//!
//! The bytes come through a [`Feed`]: from memory for a package held whole, from the file
//! through one buffer for a large one ([`crate::Verifier::verify_reader`]), so that memory
//! does not grow with the package.

use std::collections::HashMap;

use super::blockmap::{block_map_name, is_footprint, BlockMap, BlockMapFile, BlockMapProblem, BLOCK_SIZE};
use super::digests::SIGNATURE_MEMBER;
use super::zip::{Archive, Inflater, Member, Method};
use crate::digest::{DigestAlgorithm, Feed, MultiDigest};
use crate::error::AppxError;
use crate::num::usize_u64;

/// Blocks asked of the feed at a time: one read of 1 MiB, hashed 64 KiB at a time (both
/// hash states take each block while it is in cache).
const BLOCKS_PER_READ: u64 = 16;

/// What the read found.
pub(crate) struct Pass {
    /// Where payload members depart from the block map, in member order, then the block
    /// map's files the package does not hold.
    pub problems: Vec<BlockMapProblem>,
    /// The AXPC digest.
    pub records: Vec<u8>,
}

/// One payload member's blocks against its block map file.
struct Blocks<'f> {
    file: &'f BlockMapFile,
    algorithm: DigestAlgorithm,
    index: usize,
    first_bad: Option<usize>,
}

impl Blocks<'_> {
    fn block(&mut self, block: &[u8]) {
        let listed = self.file.blocks.get(self.index);
        if self.first_bad.is_none() && listed.map(Vec::as_slice) != Some(self.algorithm.hash(block).as_slice()) {
            self.first_bad = Some(self.index);
        }
        self.index = self.index.saturating_add(1);
    }

    /// The first block that departs, counting a missing or extra block.
    fn finish(self) -> Option<BlockMapProblem> {
        let listed = self.file.blocks.len();
        let first_bad = self
            .first_bad
            .or_else(|| (self.index != listed).then(|| self.index.min(listed)));
        first_bad.map(|index| BlockMapProblem::Block {
            file: self.file.name.clone(),
            index: usize_u64(index),
        })
    }
}

/// A payload member's data as it arrives: cut into blocks (stored) or inflated into them.
enum Check<'f> {
    Stored {
        blocks: Blocks<'f>,
        partial: Vec<u8>,
    },
    Deflated {
        blocks: Blocks<'f>,
        inflater: Box<Inflater>,
    },
}

impl<'f> Check<'f> {
    fn new(m: &Member<'_>, file: &'f BlockMapFile, algorithm: DigestAlgorithm) -> Self {
        let blocks = Blocks {
            file,
            algorithm,
            index: 0,
            first_bad: None,
        };
        match m.method {
            Method::Stored => Self::Stored {
                blocks,
                partial: Vec::new(),
            },
            Method::Deflated => Self::Deflated {
                blocks,
                inflater: Box::new(Inflater::new(m, BLOCK_SIZE)),
            },
        }
    }

    fn push(&mut self, mut data: &[u8]) -> Result<(), AppxError> {
        match self {
            Self::Deflated { blocks, inflater } => inflater.push(data, &mut |b| blocks.block(b)),
            Self::Stored { blocks, partial } => {
                // Pieces normally arrive block-aligned and are hashed in place; a piece cut
                // elsewhere is gathered into one block first.
                while !data.is_empty() {
                    if partial.is_empty() && data.len() >= BLOCK_SIZE {
                        let (block, rest) = data.split_at(BLOCK_SIZE);
                        blocks.block(block);
                        data = rest;
                    } else {
                        let take = BLOCK_SIZE.saturating_sub(partial.len()).min(data.len());
                        let (head, rest) = data.split_at(take);
                        partial.extend_from_slice(head);
                        data = rest;
                        if partial.len() == BLOCK_SIZE {
                            blocks.block(partial);
                            partial.clear();
                        }
                    }
                }
                Ok(())
            }
        }
    }

    fn finish(self) -> Result<Option<BlockMapProblem>, AppxError> {
        match self {
            Self::Deflated { blocks, inflater } => {
                inflater.finish()?;
                Ok(blocks.finish())
            }
            Self::Stored { mut blocks, partial } => {
                if !partial.is_empty() {
                    blocks.block(&partial);
                }
                Ok(blocks.finish())
            }
        }
    }
}

/// Reads every member's record once through `feed`: the AXPC digest and the block map
/// check (listed, local header size, size, every block; every listed file present). An
/// inflation failure is an error, as reading the member whole would be.
pub(crate) fn read_records(archive: &Archive<'_>, map: &BlockMap, feed: &mut Feed<'_>) -> Result<Pass, AppxError> {
    let mut problems = Vec::new();
    let mut listed = vec![false; map.files.len()];
    // The first file of each name, as a search in document order finds it: one lookup per
    // member, not a scan of the block map per member.
    let mut by_name: HashMap<&str, usize> = HashMap::with_capacity(map.files.len());
    for (i, f) in map.files.iter().enumerate() {
        by_name.entry(f.name.as_str()).or_insert(i);
    }
    let mut records = MultiDigest::new(&[map.algorithm]);
    for m in &archive.members {
        let mut check = None;
        if !is_footprint(m.name) {
            match by_name.get(block_map_name(m.name).as_str()) {
                None => problems.push(BlockMapProblem::NotListed {
                    member: m.name.to_string(),
                }),
                Some(&index) => {
                    if let Some(seen) = listed.get_mut(index) {
                        *seen = true;
                    }
                    if let Some(file) = map.files.get(index) {
                        check = member_check(file, m, map.algorithm, &mut problems);
                    }
                }
            }
        }
        if m.name == SIGNATURE_MEMBER {
            // Outside AXPC and the block map: its record is not read.
            continue;
        }
        read_member(m, &mut records, check.as_mut(), feed)?;
        if let Some(problem) = check.map(Check::finish).transpose()?.flatten() {
            problems.push(problem);
        }
    }
    for (file, seen) in map.files.iter().zip(listed) {
        if !seen {
            problems.push(BlockMapProblem::NotInPackage {
                file: file.name.clone(),
            });
        }
    }
    let records = records
        .finalize()
        .into_iter()
        .next()
        .map(|(_, d)| d)
        .unwrap_or_default();
    Ok(Pass { problems, records })
}

/// The member's local header and size against its block map file; the check of its blocks
/// when the size agrees (a file of another size has no blocks worth comparing).
fn member_check<'f>(
    file: &'f BlockMapFile,
    m: &Member<'_>,
    algorithm: DigestAlgorithm,
    problems: &mut Vec<BlockMapProblem>,
) -> Option<Check<'f>> {
    let header = usize_u64(m.local_header_len);
    if file.local_header_len != header {
        problems.push(BlockMapProblem::LocalHeader {
            file: file.name.clone(),
            listed: file.local_header_len,
            actual: header,
        });
    }
    if file.size != m.uncompressed_size {
        problems.push(BlockMapProblem::Size {
            file: file.name.clone(),
            listed: file.size,
            actual: m.uncompressed_size,
        });
        return None;
    }
    Some(Check::new(m, file, algorithm))
}

/// Reads the member's record (header, data, descriptor) into the AXPC state, and its data
/// into `check`. One request of `feed` per 1 MiB of data, cut where the data's blocks
/// start; the header goes with the first request and the descriptor with the last, so a
/// small member is one read.
fn read_member(
    m: &Member<'_>,
    records: &mut MultiDigest,
    mut check: Option<&mut Check<'_>>,
    feed: &mut Feed<'_>,
) -> Result<(), AppxError> {
    let record = usize_u64(m.record.start)..usize_u64(m.record.end);
    let data_start = record.start.saturating_add(usize_u64(m.local_header_len));
    let data = data_start..data_start.saturating_add(usize_u64(m.data.len())).min(record.end);
    let block = usize_u64(BLOCK_SIZE);
    let step = block.saturating_mul(BLOCKS_PER_READ);
    let mut failure = None;
    let mut at = record.start;
    while at < record.end && failure.is_none() {
        // The first read is a block short, so that with the header it stays within a
        // reader's 1 MiB buffer (one piece, hashed in place).
        let mut next = if at < data.start {
            data.start.saturating_add(step.saturating_sub(block))
        } else {
            at.saturating_add(step)
        };
        if next >= data.end {
            next = record.end;
        }
        let mut pos = at;
        feed(at..next, &mut |mut piece| {
            while !piece.is_empty() {
                // The next cut: where the data starts or ends, or its next block starts;
                // each block goes to both states while it is in cache.
                let in_data = pos >= data.start && pos < data.end;
                let cut = if pos < data.start {
                    data.start
                } else if in_data {
                    let into = pos.saturating_sub(data.start).checked_rem(block).unwrap_or(0);
                    pos.saturating_add(block.saturating_sub(into)).min(data.end)
                } else {
                    u64::MAX
                };
                let n = usize::try_from(cut.saturating_sub(pos)).map_or(piece.len(), |n| n.min(piece.len()));
                let (part, rest) = piece.split_at(n);
                records.update(part);
                if let (true, Some(c), true) = (in_data, check.as_deref_mut(), failure.is_none()) {
                    failure = c.push(part).err();
                }
                pos = pos.saturating_add(usize_u64(n));
                piece = rest;
            }
        });
        at = next;
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
