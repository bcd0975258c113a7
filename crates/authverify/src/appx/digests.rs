//! Our computation of the digests an APPX signature signs, and their comparison with the
//! signed ones. What each covers is what osslsigncode computes (appx.c,
//! `appx_calculate_hashes`), checked against it on every vector (tests/appx.rs):
//!
//! * AXPC: the local records (header, data, data descriptor) of every member but
//!   AppxSignature.p7x, in central directory order — the file from offset 0 up to the
//!   signature's record, since records tile the file (zip.rs checks it). Hashed in the
//!   package's one read of its records, with the block map check (`appx::pass`).
//! * AXCD: the central directory entries but the signature's, as stored, then the end
//!   records rewritten as if the signature were not there: the entry counts and directory
//!   size without it, the directory's offset where the signature's record starts, the ZIP64
//!   locator pointing after that directory, and the EOCD's disk numbers zero.
//! * AXCT, AXBM, AXCI: `[Content_Types].xml`, `AppxBlockMap.xml` and
//!   `AppxMetadata/CodeIntegrity.cat` inflated.

use super::signature::{DigestPart, SignedDigests};
use super::zip::{for_each_block, Archive, Member};
use crate::digest::{DigestAlgorithm, MultiDigest};
use crate::error::AppxError;
use crate::num::usize_u64;

/// The signature's member.
pub(crate) const SIGNATURE_MEMBER: &str = "AppxSignature.p7x";
pub(crate) const CONTENT_TYPES: &str = "[Content_Types].xml";
pub(crate) const BLOCK_MAP: &str = "AppxBlockMap.xml";
pub(crate) const CODE_INTEGRITY: &str = "AppxMetadata/CodeIntegrity.cat";

fn finish(h: MultiDigest) -> Vec<u8> {
    h.finalize().into_iter().next().map(|(_, d)| d).unwrap_or_default()
}

fn member_digest(m: &Member<'_>, algorithm: DigestAlgorithm) -> Result<Vec<u8>, AppxError> {
    let mut h = MultiDigest::new(&[algorithm]);
    for_each_block(m, 64 * 1024, &mut |b| h.update(b))?;
    Ok(finish(h))
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// The end records as they would read without the signature: `entries` entries in
/// `cd_size` bytes at `cd_offset`.
fn end_records(archive: &Archive<'_>, entries: u64, cd_size: u64, cd_offset: u64) -> Vec<u8> {
    let end = &archive.end;
    let mut out = Vec::new();
    if let Some(z) = &end.zip64 {
        out.extend_from_slice(b"PK\x06\x06");
        put64(&mut out, z.record_size);
        z.versions.iter().for_each(|&v| put16(&mut out, v));
        z.disks.iter().for_each(|&v| put32(&mut out, v));
        [entries, entries, cd_size, cd_offset]
            .iter()
            .for_each(|&v| put64(&mut out, v));
        out.extend_from_slice(z.extensible);
        out.extend_from_slice(b"PK\x06\x07");
        put32(&mut out, z.locator_disks[0]);
        put64(&mut out, cd_offset.saturating_add(cd_size));
        put32(&mut out, z.locator_disks[1]);
    }
    out.extend_from_slice(b"PK\x05\x06");
    put16(&mut out, 0);
    put16(&mut out, 0);
    let short16 = |escaped: bool| {
        if escaped {
            u16::MAX
        } else {
            u16::try_from(entries).unwrap_or(u16::MAX)
        }
    };
    put16(&mut out, short16(end.escaped[0]));
    put16(&mut out, short16(end.escaped[1]));
    let short32 = |escaped: bool, v: u64| {
        if escaped {
            u32::MAX
        } else {
            u32::try_from(v).unwrap_or(u32::MAX)
        }
    };
    put32(&mut out, short32(end.escaped[2], cd_size));
    put32(&mut out, short32(end.escaped[3], cd_offset));
    put16(&mut out, u16::try_from(end.comment.len()).unwrap_or(u16::MAX));
    out.extend_from_slice(end.comment);
    out
}

/// AXCD: the directory entries but the signature's, then the end records rewritten
/// without it (AXPC comes from the package's one read of its records, [`super::pass`]).
fn directory_digest(archive: &Archive<'_>, algorithm: DigestAlgorithm) -> Vec<u8> {
    let mut directory = MultiDigest::new(&[algorithm]);
    let (mut records_len, mut cd_len, mut entries) = (0u64, 0u64, 0u64);
    for m in archive.members.iter().filter(|m| m.name != SIGNATURE_MEMBER) {
        directory.update(m.central_entry);
        records_len = records_len.saturating_add(usize_u64(m.record.end.saturating_sub(m.record.start)));
        cd_len = cd_len.saturating_add(usize_u64(m.central_entry.len()));
        entries = entries.saturating_add(1);
    }
    directory.update(&end_records(archive, entries, cd_len, records_len));
    finish(directory)
}

/// Every part's digest, in blob order: `records` (AXPC) as the one read computed it, the
/// others from the archive; AXCI only when the code-integrity catalog is present.
pub(crate) fn compute(
    archive: &Archive<'_>,
    algorithm: DigestAlgorithm,
    records: Vec<u8>,
) -> Result<Vec<(DigestPart, Vec<u8>)>, AppxError> {
    let directory = directory_digest(archive, algorithm);
    let part = |name: &'static str| archive.member(name).ok_or(AppxError::Missing { member: name });
    let mut out = vec![
        (DigestPart::Records, records),
        (DigestPart::CentralDirectory, directory),
        (
            DigestPart::ContentTypes,
            member_digest(part(CONTENT_TYPES)?, algorithm)?,
        ),
        (DigestPart::BlockMap, member_digest(part(BLOCK_MAP)?, algorithm)?),
    ];
    if let Some(ci) = archive.member(CODE_INTEGRITY) {
        out.push((DigestPart::CodeIntegrity, member_digest(ci, algorithm)?));
    }
    Ok(out)
}

/// One part's signed and computed digests.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PartDigest {
    /// The part.
    pub part: DigestPart,
    /// What the signature carries (`None`: the signature has no digest of this part).
    #[cfg_attr(feature = "serde", serde(serialize_with = "hex_opt"))]
    pub signed: Option<Vec<u8>>,
    /// What the package hashes to (`None`: the package has no such part).
    #[cfg_attr(feature = "serde", serde(serialize_with = "hex_opt"))]
    pub computed: Option<Vec<u8>>,
}

#[cfg(feature = "serde")]
fn hex_opt<S: serde::Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(d) => s.serialize_some(&hex::encode(d)),
        None => s.serialize_none(),
    }
}

impl PartDigest {
    /// Both present and equal, or both absent.
    pub fn matches(&self) -> bool {
        self.signed == self.computed
    }
}

/// The signed digests against the computed ones, part by part.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DigestComparison {
    /// The algorithm (the block map's hash method).
    pub algorithm: DigestAlgorithm,
    /// Every part either side has, in blob order.
    pub parts: Vec<PartDigest>,
}

impl DigestComparison {
    pub(crate) fn new(
        signed: &SignedDigests<'_>,
        computed: &[(DigestPart, Vec<u8>)],
        algorithm: DigestAlgorithm,
    ) -> Self {
        let parts = DigestPart::ALL
            .into_iter()
            .map(|part| PartDigest {
                part,
                signed: signed.get(part).map(<[u8]>::to_vec),
                computed: computed.iter().find(|(p, _)| *p == part).map(|(_, d)| d.clone()),
            })
            .filter(|p| p.signed.is_some() || p.computed.is_some())
            .collect();
        Self { algorithm, parts }
    }

    /// Every part matches.
    pub fn matches(&self) -> bool {
        self.parts.iter().all(PartDigest::matches)
    }

    /// The parts that do not match.
    pub fn mismatched(&self) -> Vec<DigestPart> {
        self.parts.iter().filter(|p| !p.matches()).map(|p| p.part).collect()
    }
}
