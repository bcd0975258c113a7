//! A thin, strict reader of the ZIP container an APPX/MSIX package is (APPNOTE.TXT 6.3):
//! the end records (ZIP64 included), the central directory and each member's local record,
//! read in place over the file's bytes. Members are inflated by `miniz_oxide`, streamed in
//! blocks, never beyond their declared size.
//!
//! Strict where the signature needs it: the package digest (AXPC) hashes the local records
//! in central directory order and the central directory digest (AXCD) hashes the directory
//! as stored, so the records must tile the file from offset 0 to the directory with no gap
//! or overlap, and the directory must end where the end records begin. Anything else is
//! [`AppxError::Layout`]: a file that two readers could see differently is not verified.

use std::borrow::Cow;
use std::collections::HashSet;
use std::ops::Range;

use miniz_oxide::inflate::stream::{inflate, InflateState};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

use super::limits;
use crate::error::AppxError;
use crate::num::{le_u16, le_u32, usize_u64};

const LOCAL_SIG: &[u8; 4] = b"PK\x03\x04";
const CENTRAL_SIG: &[u8; 4] = b"PK\x01\x02";
const EOCD_SIG: &[u8; 4] = b"PK\x05\x06";
const ZIP64_EOCD_SIG: &[u8; 4] = b"PK\x06\x06";
const ZIP64_LOCATOR_SIG: &[u8; 4] = b"PK\x06\x07";
const DESCRIPTOR_SIG: &[u8; 4] = b"PK\x07\x08";
const EOCD_LEN: usize = 22;
const LOCATOR_LEN: usize = 20;
const ZIP64_EOCD_FIXED: usize = 56;
const CENTRAL_FIXED: usize = 46;
const LOCAL_FIXED: usize = 30;
/// General purpose flag bits: encrypted, sizes in a data descriptor.
const FLAG_ENCRYPTED: u16 = 0x0001;
const FLAG_DESCRIPTOR: u16 = 0x0008;
const ZIP64_EXTRA: u16 = 0x0001;

/// How a member is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Stored as is (method 0).
    Stored,
    /// Raw deflate (method 8).
    Deflated,
}

/// One member, located by its central directory entry and checked against its local header.
#[derive(Clone, Debug)]
pub struct Member<'a> {
    /// The ZIP name, as stored (OPC part names: `/`-separated and percent-encoded).
    pub name: &'a str,
    /// Stored or deflated.
    pub method: Method,
    /// Declared size after inflation.
    pub uncompressed_size: u64,
    /// The member's data as stored (compressed when deflated).
    pub data: &'a [u8],
    /// The whole local record: header, data and data descriptor.
    pub record: Range<usize>,
    /// Size of the local file header (what the block map's `LfhSize` states).
    pub local_header_len: usize,
    /// The central directory entry, exactly as stored.
    pub central_entry: &'a [u8],
}

/// The ZIP64 end of central directory record and its locator, as far as the central
/// directory digest rewrites them.
#[derive(Clone, Debug)]
pub struct Zip64End<'a> {
    /// The record's 12 leading bytes excluded size field.
    pub record_size: u64,
    /// Version made by and version needed.
    pub versions: [u16; 2],
    /// This disk's number and the directory's disk.
    pub disks: [u32; 2],
    /// The extensible data sector.
    pub extensible: &'a [u8],
    /// The locator's disk holding the record and total disk count.
    pub locator_disks: [u32; 2],
}

/// What the end records say besides the directory's place.
#[derive(Clone, Debug)]
pub struct EndRecords<'a> {
    /// The ZIP64 records, when present.
    pub zip64: Option<Zip64End<'a>>,
    /// Which EOCD fields hold 0xFFFF(FFFF), deferring to ZIP64: entries on this disk, total
    /// entries, directory size, directory offset.
    pub escaped: [bool; 4],
    /// The archive comment.
    pub comment: &'a [u8],
    /// Where the end records start (the ZIP64 record's offset, or the EOCD's).
    pub start: usize,
    /// The entry count they store (the ZIP64 record's, when present): the digest rewrites
    /// it, so the reader holds it to the entries the directory has.
    pub entries: u64,
}

/// A ZIP archive read in place.
#[derive(Clone, Debug)]
pub struct Archive<'a> {
    /// The file.
    pub bytes: &'a [u8],
    /// Members in central directory order.
    pub members: Vec<Member<'a>>,
    /// The central directory's entries.
    pub central_directory: Range<usize>,
    /// The end records.
    pub end: EndRecords<'a>,
}

fn zip_err(what: &str, at: usize) -> AppxError {
    AppxError::zip(format!("{what} at offset {at}"))
}

fn u16_at(b: &[u8], at: usize, what: &str) -> Result<u16, AppxError> {
    le_u16(b, at).ok_or_else(|| zip_err(&format!("truncated {what}"), at))
}

fn u32_at(b: &[u8], at: usize, what: &str) -> Result<u32, AppxError> {
    le_u32(b, at).ok_or_else(|| zip_err(&format!("truncated {what}"), at))
}

fn u64_at(b: &[u8], at: usize, what: &str) -> Result<u64, AppxError> {
    let lo = u32_at(b, at, what)?;
    let hi = u32_at(b, at.saturating_add(4), what)?;
    Ok(u64::from(hi) << 32 | u64::from(lo))
}

fn to_usize(v: u64, what: &str, at: usize) -> Result<usize, AppxError> {
    usize::try_from(v).map_err(|_| zip_err(&format!("{what} {v} too large"), at))
}

fn slice<'a>(b: &'a [u8], start: usize, len: usize, what: &str) -> Result<&'a [u8], AppxError> {
    start
        .checked_add(len)
        .and_then(|end| b.get(start..end))
        .ok_or_else(|| zip_err(&format!("{what} of {len} bytes runs past the end"), start))
}

/// The archive starts like a ZIP file whose first member is a local record.
pub(crate) fn is_zip(b: &[u8]) -> bool {
    b.get(..4) == Some(LOCAL_SIG.as_slice())
}

impl<'a> Archive<'a> {
    /// Reads the end records, the central directory and every local header of `bytes`.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, AppxError> {
        let archive = Self::parse_members(bytes)?;
        archive.check_layout()?;
        archive.check_sizes()?;
        Ok(archive)
    }

    /// The lenient sibling of [`Archive::parse`] for `verify --payload` over ordinary ZIP
    /// archives (`.zip`, `.nupkg`, `.vsix`, `.whl`, `.jar`): every member is still located by
    /// its central directory entry and checked against its local header, but the records
    /// need not tile the file (a gap or unused bytes between records, records out of directory
    /// order), since
    /// no signature hashes the records as laid out; the sizes are bounded by the walk's own
    /// limits (`crate::payload::limits`), not a package's.
    pub fn parse_members(bytes: &'a [u8]) -> Result<Self, AppxError> {
        let (end, directory) = read_end(bytes)?;
        let mut members = Vec::new();
        let mut at = directory.start;
        let mut seen = HashSet::new();
        while at < directory.end {
            if members.len() >= limits::MAX_MEMBERS {
                return Err(AppxError::Bound {
                    what: "members",
                    found: usize_u64(members.len()).saturating_add(1),
                    limit: usize_u64(limits::MAX_MEMBERS),
                });
            }
            let (member, next) = read_member(bytes, at, directory.end)?;
            if !seen.insert(member.name.to_ascii_lowercase()) {
                return Err(AppxError::Duplicate {
                    member: member.name.to_string(),
                });
            }
            members.push(member);
            at = next;
        }
        if usize_u64(members.len()) != end.entries {
            // A reader that reads as many entries as the end records say (osslsigncode)
            // would see other members, and no digest covers the count.
            return Err(AppxError::Layout {
                detail: format!(
                    "the end records count {} entries, the central directory holds {}",
                    end.entries,
                    members.len()
                ),
            });
        }
        Ok(Self {
            bytes,
            members,
            central_directory: directory,
            end,
        })
    }

    /// The member called `name` (compared exactly, as ZIP names are).
    pub fn member(&self, name: &str) -> Option<&Member<'a>> {
        self.members.iter().find(|m| m.name == name)
    }

    /// Records tile the file from 0 to the directory in directory order.
    fn check_layout(&self) -> Result<(), AppxError> {
        let mut expected = 0usize;
        for m in &self.members {
            if m.record.start != expected {
                return Err(AppxError::Layout {
                    detail: format!(
                        "{} starts at offset {} where the previous record ends at {expected}",
                        m.name, m.record.start
                    ),
                });
            }
            expected = m.record.end;
        }
        if expected != self.central_directory.start {
            return Err(AppxError::Layout {
                detail: format!(
                    "the records end at {expected}, the central directory starts at {}",
                    self.central_directory.start
                ),
            });
        }
        Ok(())
    }

    /// Declared inflated sizes within the bounds, per member, in ratio and in all.
    fn check_sizes(&self) -> Result<(), AppxError> {
        let mut total = 0u64;
        let mut packed_total = 0u64;
        for m in &self.members {
            let packed = usize_u64(m.data.len());
            if m.method == Method::Stored && m.uncompressed_size != packed {
                return Err(zip_err(
                    &format!(
                        "{}: stored member declares {} bytes but holds {packed}",
                        m.name, m.uncompressed_size
                    ),
                    m.record.start,
                ));
            }
            if m.uncompressed_size > limits::RATIO_FLOOR
                && m.uncompressed_size > packed.saturating_mul(limits::MAX_RATIO)
            {
                return Err(AppxError::Bound {
                    what: "compression ratio",
                    found: m.uncompressed_size.checked_div(packed.max(1)).unwrap_or(u64::MAX),
                    limit: limits::MAX_RATIO,
                });
            }
            if m.uncompressed_size > limits::MAX_MEMBER_BYTES {
                return Err(AppxError::Bound {
                    what: "inflated bytes of one member",
                    found: m.uncompressed_size,
                    limit: limits::MAX_MEMBER_BYTES,
                });
            }
            total = total.saturating_add(m.uncompressed_size);
            packed_total = packed_total.saturating_add(packed);
        }
        // The ratio over the whole archive too: members each under RATIO_FLOOR escape the
        // per-member ratio, and 1.1 MB of them inflated to 1 GiB (the red team's bomb).
        if total > limits::ARCHIVE_RATIO_FLOOR && total > packed_total.saturating_mul(limits::MAX_RATIO) {
            return Err(AppxError::Bound {
                what: "compression ratio of the archive",
                found: total.checked_div(packed_total.max(1)).unwrap_or(u64::MAX),
                limit: limits::MAX_RATIO,
            });
        }
        if total > limits::MAX_TOTAL_BYTES {
            return Err(AppxError::Bound {
                what: "inflated bytes",
                found: total,
                limit: limits::MAX_TOTAL_BYTES,
            });
        }
        Ok(())
    }
}

/// The EOCD's offset: the last EOCD signature whose comment ends the file (within the last
/// [`END_SEARCH`] bytes).
fn find_eocd(b: &[u8]) -> Option<usize> {
    let last = b.len().checked_sub(EOCD_LEN)?;
    let first = last.saturating_sub(usize::from(u16::MAX));
    (first..=last).rev().find(|&at| {
        b.get(at..at.saturating_add(4)) == Some(EOCD_SIG.as_slice())
            && le_u16(b, at.saturating_add(20))
                .is_some_and(|n| at.saturating_add(EOCD_LEN).saturating_add(usize::from(n)) == b.len())
    })
}

/// How far from the end of a file its EOCD can start (its comment is at most 65,535 bytes)
/// plus the ZIP64 locator before it: what a reader holding only part of the file reads
/// first.
pub(crate) const END_SEARCH: u64 = 22 + 20 + 65_535;

/// For a reader holding only parts of the file in `b` (as long as the file, zeros
/// elsewhere), with its last [`END_SEARCH`] bytes held: where the ZIP64 end record starts,
/// when a locator before the EOCD names one (that record is read next, up to the locator).
pub(crate) fn zip64_record_offset(b: &[u8]) -> Option<u64> {
    let eocd = find_eocd(b)?;
    let l = eocd
        .checked_sub(LOCATOR_LEN)
        .filter(|&l| b.get(l..l.saturating_add(4)) == Some(ZIP64_LOCATOR_SIG.as_slice()))?;
    u64_at(b, l.saturating_add(8), "ZIP64 locator").ok()
}

/// For a reader holding only parts of the file, with the end records held: the central
/// directory's range as they give it (`None`: they are malformed, and the reader reads the
/// file whole for [`Archive::parse`] to say why).
pub(crate) fn directory_range(b: &[u8]) -> Option<Range<usize>> {
    read_end(b).ok().map(|(_, directory)| directory)
}

/// Where a member's local record lies, from its central directory entry alone: what a
/// reader holding only parts of the file reads of it.
#[derive(Clone, Debug)]
pub(crate) struct LocalPlan<'a> {
    /// The member's name.
    pub name: &'a str,
    /// Its local header's offset.
    pub local: u64,
    /// Its stored (compressed) size.
    pub packed: u64,
    /// A data descriptor follows its data.
    pub descriptor: bool,
}

/// The central directory's entries in `directory` (held), at most
/// [`limits::MAX_MEMBERS`] (`None`: malformed, left to [`Archive::parse`] over the whole
/// file to name).
pub(crate) fn local_plans<'a>(b: &'a [u8], directory: &Range<usize>) -> Option<Vec<LocalPlan<'a>>> {
    let mut out = Vec::new();
    let mut at = directory.start;
    while at < directory.end {
        if out.len() >= limits::MAX_MEMBERS {
            return None;
        }
        let (c, entry) = read_central(b, at, directory.end).ok()?;
        out.push(LocalPlan {
            name: c.name,
            local: usize_u64(c.local),
            packed: c.sizes[1],
            descriptor: c.flags & FLAG_DESCRIPTOR != 0,
        });
        at = at.saturating_add(entry.len());
    }
    Some(out)
}

/// The fixed part of a local header (a reader holding parts of the file reads it, then the
/// name and extra field it counts).
pub(crate) const LOCAL_HEADER_FIXED: u64 = 30;

/// The length of the local header at `at` in `b` (fixed part held), or `None` when it is
/// not one.
pub(crate) fn local_header_len(b: &[u8], at: usize) -> Option<u64> {
    if b.get(at..at.saturating_add(4)) != Some(LOCAL_SIG.as_slice()) {
        return None;
    }
    let name_len = le_u16(b, at.saturating_add(26))?;
    let extra_len = le_u16(b, at.saturating_add(28))?;
    Some(
        LOCAL_HEADER_FIXED
            .saturating_add(u64::from(name_len))
            .saturating_add(u64::from(extra_len)),
    )
}

/// The longest data descriptor (signature, CRC, two 64-bit sizes).
pub(crate) const DESCRIPTOR_MAX: u64 = 24;

/// Finds the EOCD (its comment must end the file) and the ZIP64 records before it.
fn read_end(b: &[u8]) -> Result<(EndRecords<'_>, Range<usize>), AppxError> {
    if b.len() < EOCD_LEN {
        return Err(AppxError::zip("too small for an end of central directory record"));
    }
    let eocd = find_eocd(b).ok_or_else(|| AppxError::zip("no end of central directory record ends the file"))?;
    let field = |off: usize| u16_at(b, eocd.saturating_add(off), "end of central directory");
    let (disk, cd_disk, disk_entries, entries) = (field(4)?, field(6)?, field(8)?, field(10)?);
    let cd_size = u32_at(b, eocd.saturating_add(12), "end of central directory")?;
    let cd_offset = u32_at(b, eocd.saturating_add(16), "end of central directory")?;
    let comment = b.get(eocd.saturating_add(EOCD_LEN)..).unwrap_or_default();
    let escaped = [
        disk_entries == u16::MAX,
        entries == u16::MAX,
        cd_size == u32::MAX,
        cd_offset == u32::MAX,
    ];
    let locator = eocd
        .checked_sub(LOCATOR_LEN)
        .filter(|&l| b.get(l..l.saturating_add(4)) == Some(ZIP64_LOCATOR_SIG.as_slice()));
    let (zip64, start, entries, size, offset) = match locator {
        Some(l) => read_zip64(b, l)?,
        None => {
            if disk != 0 || cd_disk != 0 || disk_entries != entries {
                return Err(zip_err("a multi-disk archive", eocd));
            }
            (None, eocd, u64::from(entries), u64::from(cd_size), u64::from(cd_offset))
        }
    };
    if entries > usize_u64(limits::MAX_MEMBERS) {
        return Err(AppxError::Bound {
            what: "members",
            found: entries,
            limit: usize_u64(limits::MAX_MEMBERS),
        });
    }
    let cd_start = to_usize(offset, "central directory offset", eocd)?;
    let cd_end = cd_start
        .checked_add(to_usize(size, "central directory size", eocd)?)
        .filter(|&e| e == start)
        .ok_or_else(|| zip_err("the central directory does not end where the end records start", start))?;
    let end = EndRecords {
        zip64,
        escaped,
        comment,
        start,
        entries,
    };
    Ok((end, cd_start..cd_end))
}

type Zip64Read<'a> = (Option<Zip64End<'a>>, usize, u64, u64, u64);

/// The ZIP64 locator at `l` and the record it points to, which must end at the locator.
fn read_zip64(b: &[u8], l: usize) -> Result<Zip64Read<'_>, AppxError> {
    let locator_disks = [
        u32_at(b, l.saturating_add(4), "ZIP64 locator")?,
        u32_at(b, l.saturating_add(16), "ZIP64 locator")?,
    ];
    let at = to_usize(
        u64_at(b, l.saturating_add(8), "ZIP64 locator")?,
        "ZIP64 record offset",
        l,
    )?;
    if b.get(at..at.saturating_add(4)) != Some(ZIP64_EOCD_SIG.as_slice()) {
        return Err(zip_err("no ZIP64 end of central directory record", at));
    }
    let record_size = u64_at(b, at.saturating_add(4), "ZIP64 record")?;
    let end = to_usize(record_size, "ZIP64 record size", at)?
        .checked_add(at)
        .and_then(|e| e.checked_add(12))
        .filter(|&e| e == l && record_size >= usize_u64(ZIP64_EOCD_FIXED.saturating_sub(12)))
        .ok_or_else(|| zip_err("the ZIP64 record does not end at its locator", at))?;
    let disks = [
        u32_at(b, at.saturating_add(16), "ZIP64 record")?,
        u32_at(b, at.saturating_add(20), "ZIP64 record")?,
    ];
    let disk_entries = u64_at(b, at.saturating_add(24), "ZIP64 record")?;
    let entries = u64_at(b, at.saturating_add(32), "ZIP64 record")?;
    if disks != [0, 0] || locator_disks[0] != 0 || locator_disks[1] > 1 || disk_entries != entries {
        return Err(zip_err("a multi-disk archive", at));
    }
    let zip64 = Zip64End {
        record_size,
        versions: [
            u16_at(b, at.saturating_add(12), "ZIP64 record")?,
            u16_at(b, at.saturating_add(14), "ZIP64 record")?,
        ],
        disks,
        extensible: b.get(at.saturating_add(ZIP64_EOCD_FIXED)..end).unwrap_or_default(),
        locator_disks,
    };
    let size = u64_at(b, at.saturating_add(40), "ZIP64 record")?;
    let offset = u64_at(b, at.saturating_add(48), "ZIP64 record")?;
    Ok((Some(zip64), at, entries, size, offset))
}

/// The central directory fields a member's reading needs.
struct Central<'a> {
    name: &'a str,
    flags: u16,
    method: u16,
    crc: u32,
    sizes: [u64; 2],
    local: usize,
}

/// The directory entry at `at` (ending by `cd_end`) and its local record.
fn read_member(b: &[u8], at: usize, cd_end: usize) -> Result<(Member<'_>, usize), AppxError> {
    let (c, entry) = read_central(b, at, cd_end)?;
    let method = match c.method {
        0 => Method::Stored,
        8 => Method::Deflated,
        m => {
            return Err(zip_err(
                &format!("{}: compression method {m} is not stored or deflate", c.name),
                at,
            ))
        }
    };
    if c.flags & FLAG_ENCRYPTED != 0 {
        return Err(zip_err(&format!("{}: encrypted member", c.name), at));
    }
    let l = c.local;
    if b.get(l..l.saturating_add(4)) != Some(LOCAL_SIG.as_slice()) {
        return Err(zip_err(&format!("{}: no local header", c.name), l));
    }
    let name_len = usize::from(u16_at(b, l.saturating_add(26), "local header")?);
    let extra_len = usize::from(u16_at(b, l.saturating_add(28), "local header")?);
    let local_name = slice(b, l.saturating_add(LOCAL_FIXED), name_len, "local name")?;
    let local_method = u16_at(b, l.saturating_add(8), "local header")?;
    if local_name != c.name.as_bytes() || local_method != c.method {
        return Err(zip_err(
            &format!("{}: the local header names another member or method", c.name),
            l,
        ));
    }
    let header_len = LOCAL_FIXED.saturating_add(name_len).saturating_add(extra_len);
    let packed = to_usize(c.sizes[1], "compressed size", at)?;
    let data = slice(b, l.saturating_add(header_len), packed, "member data")?;
    let mut record_end = l.saturating_add(header_len).saturating_add(packed);
    if c.flags & FLAG_DESCRIPTOR != 0 {
        record_end = read_descriptor(b, record_end, &c)?;
    } else {
        check_local_sizes(b, l, &c)?;
    }
    let member = Member {
        name: c.name,
        method,
        uncompressed_size: c.sizes[0],
        data,
        record: l..record_end,
        local_header_len: header_len,
        central_entry: entry,
    };
    Ok((member, at.saturating_add(entry.len())))
}

fn read_central(b: &[u8], at: usize, cd_end: usize) -> Result<(Central<'_>, &[u8]), AppxError> {
    if b.get(at..at.saturating_add(4)) != Some(CENTRAL_SIG.as_slice()) {
        return Err(zip_err("no central directory entry", at));
    }
    let f16 = |off: usize| u16_at(b, at.saturating_add(off), "central directory entry");
    let f32 = |off: usize| u32_at(b, at.saturating_add(off), "central directory entry");
    let (flags, method) = (f16(8)?, f16(10)?);
    let (name_len, extra_len, comment_len) = (usize::from(f16(28)?), usize::from(f16(30)?), usize::from(f16(32)?));
    let len = CENTRAL_FIXED
        .saturating_add(name_len)
        .saturating_add(extra_len)
        .saturating_add(comment_len);
    let entry = slice(b, at, len, "central directory entry")?;
    if at.saturating_add(len) > cd_end {
        return Err(zip_err("a central directory entry runs past the directory", at));
    }
    let name_bytes = entry
        .get(CENTRAL_FIXED..CENTRAL_FIXED.saturating_add(name_len))
        .unwrap_or_default();
    let name = std::str::from_utf8(name_bytes).map_err(|_| zip_err("a member name that is not UTF-8", at))?;
    let extra = entry
        .get(CENTRAL_FIXED.saturating_add(name_len)..CENTRAL_FIXED.saturating_add(name_len).saturating_add(extra_len))
        .unwrap_or_default();
    let mut wide = Zip64Fields::new(extra);
    let uncompressed = wide.value(f32(24)?, at)?;
    let compressed = wide.value(f32(20)?, at)?;
    let local = wide.value(f32(42)?, at)?;
    if f16(34)? != 0 {
        return Err(zip_err(&format!("{name}: a member on another disk"), at));
    }
    let central = Central {
        name,
        flags,
        method,
        crc: f32(16)?,
        sizes: [uncompressed, compressed],
        local: to_usize(local, "local header offset", at)?,
    };
    Ok((central, entry))
}

/// The ZIP64 extended information extra field: the 64-bit values of the fields whose 32-bit
/// copies are 0xFFFFFFFF, in the order uncompressed size, compressed size, offset.
struct Zip64Fields<'a> {
    data: &'a [u8],
    used: usize,
}

impl<'a> Zip64Fields<'a> {
    fn new(extra: &'a [u8]) -> Self {
        let mut at = 0usize;
        while let (Some(id), Some(len)) = (le_u16(extra, at), le_u16(extra, at.saturating_add(2))) {
            let start = at.saturating_add(4);
            let end = start.saturating_add(usize::from(len));
            if id == ZIP64_EXTRA {
                return Self {
                    data: extra.get(start..end).unwrap_or_default(),
                    used: 0,
                };
            }
            at = end;
        }
        Self { data: &[], used: 0 }
    }

    fn value(&mut self, short: u32, at: usize) -> Result<u64, AppxError> {
        if short != u32::MAX {
            return Ok(u64::from(short));
        }
        let v = u64_at(self.data, self.used, "ZIP64 extra field")
            .map_err(|_| zip_err("a ZIP64 extra field too short", at))?;
        self.used = self.used.saturating_add(8);
        Ok(v)
    }
}

/// The local header's CRC and sizes equal the directory's (sizes escaped to ZIP64 aside).
fn check_local_sizes(b: &[u8], l: usize, c: &Central<'_>) -> Result<(), AppxError> {
    let crc = u32_at(b, l.saturating_add(14), "local header")?;
    let packed = u32_at(b, l.saturating_add(18), "local header")?;
    let plain = u32_at(b, l.saturating_add(22), "local header")?;
    let agrees = |short: u32, full: u64| short == u32::MAX || u64::from(short) == full;
    if crc != c.crc || !agrees(packed, c.sizes[1]) || !agrees(plain, c.sizes[0]) {
        return Err(zip_err(
            &format!(
                "{}: the local header's CRC or sizes differ from the directory's",
                c.name
            ),
            l,
        ));
    }
    Ok(())
}

/// The data descriptor at `at` (signature, CRC, sizes: 64-bit when either size needs it or
/// the descriptor is as long as a ZIP64 one); returns where it ends.
fn read_descriptor(b: &[u8], at: usize, c: &Central<'_>) -> Result<usize, AppxError> {
    if b.get(at..at.saturating_add(4)) != Some(DESCRIPTOR_SIG.as_slice()) {
        return Err(zip_err(&format!("{}: no data descriptor", c.name), at));
    }
    let crc = u32_at(b, at.saturating_add(4), "data descriptor")?;
    let short = [
        u64::from(u32_at(b, at.saturating_add(8), "data descriptor")?),
        u64::from(u32_at(b, at.saturating_add(12), "data descriptor")?),
    ];
    let wide = u64_at(b, at.saturating_add(8), "data descriptor")
        .and_then(|p| Ok([p, u64_at(b, at.saturating_add(16), "data descriptor")?]));
    let expected = [c.sizes[1], c.sizes[0]];
    let len = if short == expected && c.sizes.iter().all(|&s| s < u64::from(u32::MAX)) {
        16
    } else if wide.as_ref().ok() == Some(&expected) {
        24
    } else {
        return Err(zip_err(
            &format!("{}: the data descriptor's sizes differ from the directory's", c.name),
            at,
        ));
    };
    if crc != c.crc {
        return Err(zip_err(
            &format!("{}: the data descriptor's CRC differs from the directory's", c.name),
            at,
        ));
    }
    Ok(at.saturating_add(len))
}

/// Hands `sink` the member's inflated bytes in blocks of `block` bytes (the last may be
/// shorter), and fails unless they come to exactly the declared size. Memory: one block.
pub(crate) fn for_each_block(m: &Member<'_>, block: usize, sink: &mut dyn FnMut(&[u8])) -> Result<(), AppxError> {
    if m.method == Method::Stored {
        for chunk in m.data.chunks(block) {
            sink(chunk);
        }
        return Ok(());
    }
    let mut inflater = Inflater::new(m, block);
    inflater.push(m.data, sink)?;
    inflater.finish()
}

/// A deflated member inflated as its stored bytes arrive, in any pieces (the package's one
/// read hands it each piece of the member's data as it hashes the record): the inflated
/// bytes go out in blocks of a fixed size, never beyond the declared size. Memory: one block
/// and the inflater's 32 KiB window.
pub(crate) struct Inflater {
    member: String,
    declared: u64,
    state: Box<InflateState>,
    out: Vec<u8>,
    filled: usize,
    total: u64,
    ended: bool,
    /// The last status while the stream had not ended (why it ended early, if it did).
    last: Result<MZStatus, MZError>,
}

impl Inflater {
    /// An inflater of `m`'s data handing out blocks of `block` bytes (at least one).
    pub(crate) fn new(m: &Member<'_>, block: usize) -> Self {
        Self {
            member: m.name.to_string(),
            declared: m.uncompressed_size,
            state: InflateState::new_boxed(DataFormat::Raw),
            out: vec![0u8; block.max(1)],
            filled: 0,
            total: 0,
            ended: false,
            last: Err(MZError::Buf),
        }
    }

    fn fail(&self, detail: String) -> AppxError {
        AppxError::Inflate {
            member: self.member.clone(),
            detail,
        }
    }

    /// Inflates the next stored bytes, handing `sink` every block filled (and the last,
    /// shorter one when the stream ends). Bytes after the stream's end are ignored, as
    /// every reader of the member ignores them.
    pub(crate) fn push(&mut self, mut input: &[u8], sink: &mut dyn FnMut(&[u8])) -> Result<(), AppxError> {
        while !self.ended {
            let r = inflate(
                &mut self.state,
                input,
                self.out.get_mut(self.filled..).unwrap_or_default(),
                MZFlush::None,
            );
            input = input.get(r.bytes_consumed..).unwrap_or_default();
            self.filled = self.filled.saturating_add(r.bytes_written);
            self.total = self.total.saturating_add(usize_u64(r.bytes_written));
            if self.total > self.declared {
                return Err(self.fail(format!("inflates past its declared {} bytes", self.declared)));
            }
            self.ended = matches!(r.status, Ok(MZStatus::StreamEnd));
            if self.filled == self.out.len() || (self.ended && self.filled > 0) {
                sink(self.out.get(..self.filled).unwrap_or_default());
                self.filled = 0;
            }
            let progress = r.bytes_consumed > 0 || r.bytes_written > 0;
            match r.status {
                Ok(MZStatus::StreamEnd) => {}
                Ok(_) | Err(MZError::Buf) if progress => {}
                // Every byte given is taken: the rest of the stream is in the next piece.
                status @ (Ok(_) | Err(MZError::Buf)) if input.is_empty() => {
                    self.last = status;
                    return Ok(());
                }
                other => return Err(self.fail(format!("the deflate stream ends or fails early ({other:?})"))),
            }
        }
        Ok(())
    }

    /// After the last piece: the stream must have ended, at exactly the declared size.
    pub(crate) fn finish(self) -> Result<(), AppxError> {
        if !self.ended {
            return Err(self.fail(format!("the deflate stream ends or fails early ({:?})", self.last)));
        }
        if self.total != self.declared {
            return Err(self.fail(format!(
                "inflates to {} bytes, not the declared {}",
                self.total, self.declared
            )));
        }
        Ok(())
    }
}

/// The member's whole inflated content, at most `limit` bytes: borrowed when stored.
pub(crate) fn contents<'a>(m: &Member<'a>, limit: u64, what: &'static str) -> Result<Cow<'a, [u8]>, AppxError> {
    if m.uncompressed_size > limit {
        return Err(AppxError::Bound {
            what,
            found: m.uncompressed_size,
            limit,
        });
    }
    if m.method == Method::Stored {
        return Ok(Cow::Borrowed(m.data));
    }
    let mut out = Vec::new();
    for_each_block(m, 64 * 1024, &mut |b| out.extend_from_slice(b))?;
    Ok(Cow::Owned(out))
}
