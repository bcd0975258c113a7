//! Verifying from a reader ([`crate::Verifier::verify_reader`]): ordinary reads instead of
//! a memory map, so that a file truncated or rewritten during the run is a typed error, not
//! a SIGBUS that ends a whole scan, nor a verdict on bytes parsed from one version and
//! hashed from another.

use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;

use crate::bounded::HeldRanges;
use crate::digest::Feed;
use crate::error::Error;
use crate::report::FileReport;
use crate::time::UnixTime;
use crate::Verifier;

/// Files up to this size are read whole (one pass, one snapshot, bounded memory).
pub const READ_WHOLE_LIMIT: u64 = 8 << 20;
/// The part of a larger file read up front: the DOS and PE headers (the section table
/// too, unless `e_lfanew` puts it further, in which case that range is read as well).
const HEAD: u64 = 1 << 20;
/// After `e_lfanew`: the PE signature, COFF header, the largest optional header and the
/// largest section table (65,535 entries of 40 bytes).
const NT_HEADERS: u64 = 4 + 20 + 0xffff + 40 * 0xffff;
/// The largest certificate table held in memory (real ones are a few KB to a few hundred).
const MAX_TABLE: u64 = 64 << 20;
/// Bytes read per call while streaming.
const BUFFER: usize = 1 << 20;

fn read_err(e: &std::io::Error) -> Error {
    // A payload member's reader fails with the walk's error: a container cut short while
    // the member was read is a changed file, as it is for the walk itself.
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<crate::error::PayloadError>())
    {
        Some(crate::error::PayloadError::Changed { detail }) => Error::Changed { detail: detail.clone() },
        _ => Error::Read { message: e.to_string() },
    }
}

/// Reads `range` of the source into `into` (which has exactly its length).
fn read_exact_at<R: Read + Seek>(r: &mut R, range: &Range<u64>, into: &mut [u8]) -> Result<(), Error> {
    r.seek(SeekFrom::Start(range.start)).map_err(|e| read_err(&e))?;
    r.read_exact(into).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => Error::Changed {
            detail: format!("it ended before offset {}", range.end),
        },
        _ => read_err(&e),
    })
}

/// Where the NT headers lie when `e_lfanew` puts them past the head: the rest of what the
/// PE reader needs (the head holds the DOS header and, in practice, everything else).
fn nt_headers_past_head(data: &[u8], len: u64) -> Option<Range<u64>> {
    let e_lfanew = data
        .get(0x3c..0x40)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, |b| u64::from(u32::from_le_bytes(b)));
    let nt = e_lfanew.min(len)..e_lfanew.saturating_add(NT_HEADERS).min(len);
    (nt.end > HEAD).then(|| nt.start.max(HEAD)..nt.end)
}

/// How much of a file is read whole.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Files up to this size are read whole whatever their format: [`READ_WHOLE_LIMIT`]
    /// (0 only in the fuzzing entry that checks the paths in parts against the bytes).
    pub(crate) read_whole_up_to: u64,
    /// The most bytes of a file of a format read whole (a catalog, a `.wsf` script, a
    /// package whose parts cannot be held).
    pub(crate) max_whole: u64,
}

impl Limits {
    /// A file's: read whole up to [`READ_WHOLE_LIMIT`], formats read whole up to
    /// [`MAX_PACKAGE`].
    pub(crate) const FILE: Self = Self {
        read_whole_up_to: READ_WHOLE_LIMIT,
        max_whole: MAX_PACKAGE,
    };

    /// A payload member's, decoded from a container (where a few stored bytes can decode
    /// to many): formats read whole within the bound on a member held.
    pub(crate) const MEMBER: Self = Self {
        read_whole_up_to: READ_WHOLE_LIMIT,
        max_whole: crate::payload::limits::MAX_MEMBER_BYTES,
    };
}

/// Verifies the file `r` reads (named `name`), reading it whole or in parts as `limits`
/// say.
pub(crate) fn verify<R: Read + Seek>(
    v: &Verifier,
    r: &mut R,
    name: Option<&str>,
    at: UnixTime,
    limits: Limits,
) -> Result<FileReport, Error> {
    let max_whole = limits.max_whole;
    let len = r.seek(SeekFrom::End(0)).map_err(|e| read_err(&e))?;
    // A script is known by its name: a large file of no magic is not taken for one on a
    // guess.
    let language = name
        .and_then(|n| std::path::Path::new(n).extension()?.to_str())
        .and_then(crate::script::ScriptLanguage::from_extension);
    // Small files are read whole without looking at their first bytes (one read per small
    // file).
    let small = len <= limits.read_whole_up_to;
    let magic = if small { None } else { read_magic(r)? };
    if let (Some(language), Some(m)) = (language, magic) {
        if language != crate::script::ScriptLanguage::WindowsScriptFile && !other_format(&m) {
            // A large script: only its first bytes are held; its text is read through the
            // feed, a window at a time to find its block, then in chunks to hash it (memory
            // independent of its size, script::block::find). `verify_fed` would take it
            // for a script too (`other_format` rules out what it tries first).
            let (data, held) = read_head(r, len)?;
            let outcome = stream(r, &mut |_, _| {}, |feed| v.verify_script(&data, language, at, feed))?;
            unchanged(r, &data, &held, len, "the script's first bytes")?;
            let (report, block) = outcome?;
            if let Some((range, hash)) = block {
                unchanged_hash(r, &range, &hash, "the script's signature block")?;
            }
            return Ok(report);
        }
    }
    // Other scripts are read whole: a `.wsf` file, whose block belongs before its last
    // `</job>`, searched for in the whole text (at most MAX_PACKAGE bytes, below), and a
    // script that starts as another format does (`verify_bytes_named` takes it for that
    // format, which the whole bytes decide).
    let whole = small || language.is_some();
    let magic = if whole { None } else { magic };
    let msi = magic.is_some_and(|m| crate::msi::is_compound_file(&m));
    if msi {
        // An MSI package: its structure and signature streams are held, the streams its
        // digest reads are fed from the file (memory: the structure, see msi::hold; None:
        // a structure larger than MAX_HELD, read whole below).
        if let Some((data, held)) = read_held_msi(r, len)? {
            let report = verify_streamed(v, r, &data, at, &[])?;
            unchanged(r, &data, &held, len, "the compound file's structure or signature")?;
            return report;
        }
    }
    if magic.is_some_and(|m| appx_package(&m, name)) {
        // An APPX/MSIX package or bundle: its records are read through the feed, only its
        // headers, directory and the parts read whole are held, a bundle's packages' too
        // (None: a layout only the whole file can judge, read whole below).
        if let Some((data, held, packages)) = read_held_package(r, len)? {
            let report = verify_streamed(v, r, &data, at, &packages)?;
            unchanged(r, &data, &held, len, "the package's headers, directory or signed parts")?;
            return report;
        }
    }
    if whole || msi || magic.is_some_and(|m| read_whole_format(&m, name)) {
        // A catalog's signature covers its whole list: it is read whole, as is a package or
        // bundle whose parts cannot be held (at most MAX_PACKAGE bytes).
        if len > max_whole {
            return Err(Error::Read {
                message: format!("a file of {len} bytes of a format read whole (at most {max_whole} are read)"),
            });
        }
        let bytes = read_whole(r, len)?;
        return match name {
            Some(name) => v.verify_bytes_named(&bytes, name, at),
            None => v.verify_bytes(&bytes, at),
        };
    }
    let (data, held) = read_held(r, len)?;
    let report = verify_streamed(v, r, &data, at, &[])?;
    // One snapshot: what was parsed must still be what is there.
    unchanged(r, &data, &held, len, "headers or certificate table")?;
    report
}

/// The first bytes of a large script held: its byte order mark, and the magic numbers
/// `verify_fed` tells formats apart by.
const SCRIPT_HEAD: u64 = 4096;

/// A script's first 8 bytes say it is of a format `verify_fed` takes before scripts (a PE
/// image, a cabinet, an MSI package, a ZIP archive, DER).
fn other_format(magic: &[u8; 8]) -> bool {
    magic.starts_with(b"MZ")
        || crate::cab::is_cabinet(magic)
        || crate::msi::is_compound_file(magic)
        || crate::appx::zip::is_zip(magic)
        || magic.first() == Some(&0x30)
}

/// A zeroed buffer as long as the script with its first [`SCRIPT_HEAD`] bytes read into it,
/// and that range.
fn read_head<R: Read + Seek>(r: &mut R, len: u64) -> Result<Parts, Error> {
    let mut data = zeroed(len)?;
    let head = 0..SCRIPT_HEAD.min(len);
    fill(r, &mut data, &head)?;
    Ok((data, vec![head]))
}

/// The largest file of a format read whole (a catalog, or an APPX/MSIX package or bundle
/// whose parts cannot be held), held whole in memory.
pub(crate) const MAX_PACKAGE: u64 = 4 << 30;

/// A container read for its payload ([`crate::Verifier::verify_payload_reader`]).
pub(crate) enum PayloadParts {
    /// Read whole: a ZIP archive, a file of at most [`READ_WHOLE_LIMIT`] bytes, or an MSI
    /// package whose structure and tables would take more than [`MAX_HELD`].
    Whole(Vec<u8>),
    /// A cabinet or MSI package read in parts: a buffer as long as the file holding what
    /// the walk parses (a cabinet's tables; an MSI package's structure, signature and
    /// tables), the ranges held, and the file's length.
    Held {
        kind: crate::payload::ContainerKind,
        data: Vec<u8>,
        held: Vec<Range<u64>>,
        len: u64,
    },
}

/// The container `r` reads (named `name`), read whole or in parts; `None` when it is no
/// container whose payload is walked (a ZIP archive is known as one only once read).
pub(crate) fn payload_parts<R: Read + Seek>(
    r: &mut R,
    name: &str,
    read_whole_up_to: u64,
) -> Result<Option<PayloadParts>, Error> {
    use crate::payload::ContainerKind;
    let len = r.seek(SeekFrom::End(0)).map_err(|e| read_err(&e))?;
    let magic = read_magic(r)?;
    let kind = magic.and_then(|m| crate::payload::container_kind(name, &m));
    if len > read_whole_up_to {
        match kind {
            Some(ContainerKind::Cabinet) => {
                let (data, held) = held_cabinet(r, len)?;
                return Ok(Some(PayloadParts::Held {
                    kind: ContainerKind::Cabinet,
                    data,
                    held,
                    len,
                }));
            }
            Some(ContainerKind::Msi) => {
                let mut data = zeroed(len)?;
                let tables = crate::payload::msi_table_streams();
                let held = crate::msi::hold_streams(
                    &mut data,
                    &tables,
                    crate::payload::MSI_MAX_TABLE,
                    MAX_HELD,
                    &mut |range, into| read_exact_at(r, range, into),
                )?;
                if let Some(held) = held {
                    return Ok(Some(PayloadParts::Held {
                        kind: ContainerKind::Msi,
                        data,
                        held,
                        len,
                    }));
                }
            }
            _ => {}
        }
    }
    if kind.is_none() && !magic.is_some_and(|m| crate::appx::zip::is_zip(&m)) {
        return Ok(None);
    }
    if len > MAX_PACKAGE {
        return Err(Error::Read {
            message: format!("a container of {len} bytes read whole (at most {MAX_PACKAGE} are read)"),
        });
    }
    Ok(Some(PayloadParts::Whole(read_whole(r, len)?)))
}

/// A cabinet's header, folder table and file table held in a zeroed buffer as long as the
/// file (see `cab::members::extent` for their bound), and the ranges held. A header that
/// does not read holds what it has: the walk then fails on it as on the bytes in memory.
fn held_cabinet<R: Read + Seek>(r: &mut R, len: u64) -> Result<Parts, Error> {
    let mut data = zeroed(len)?;
    let head = 0..crate::num::usize_u64(crate::cab::members::TABLE_HEAD).min(len);
    fill(r, &mut data, &head)?;
    let mut held = vec![head];
    if let Ok(at) = crate::cab::members::extent(&data, crate::payload::limits::MAX_MEMBERS) {
        for range in [0..at.head, at.files] {
            let range = crate::num::usize_u64(range.start).min(len)..crate::num::usize_u64(range.end).min(len);
            fill(r, &mut data, &range)?;
            held.push(range);
        }
    }
    Ok((data, crate::bounded::merged(held)))
}

/// The first 8 bytes of the source, `None` when it is shorter.
fn read_magic<R: Read + Seek>(r: &mut R) -> Result<Option<[u8; 8]>, Error> {
    let mut magic = [0u8; 8];
    r.seek(SeekFrom::Start(0)).map_err(|e| read_err(&e))?;
    match r.read_exact(&mut magic) {
        Ok(()) => Ok(Some(magic)),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
        Err(e) => Err(read_err(&e)),
    }
}

/// A file starting with `magic` is of a format read whole: a ZIP archive (APPX/MSIX; a
/// local file header first) unless its name says it is some other archive (a `.zip` or
/// `.jar` met by a `--catalogs` walk is hashed as it streams, not held in memory), or DER (a
/// catalog; a PE image starts with `MZ`, a cabinet with `MSCF`). An MSI package is not: its
/// streams are fed (`read_held_msi`); nor is an APPX/MSIX package whose parts
/// `read_held_package` can hold.
fn read_whole_format(magic: &[u8; 8], name: Option<&str>) -> bool {
    appx_package(magic, name) || magic.first() == Some(&0x30)
}

/// An MSI package: a zeroed buffer as long as the file (zero pages take no memory until
/// written) with only what `msi::hold` names read into it: the compound file's structure,
/// its mini stream and its signature streams. Memory is that, not the package's size: 4
/// bytes of FAT per 512-byte sector (0.8% of the file), the directory (128 bytes an entry,
/// at most 2^20 entries), the mini stream (streams below 4096 bytes) and the signature, each
/// held sector rounded up to a page. The chains a file names may run through all of it
/// (a sparse file claiming gigabytes costs nothing on disk), so what is held is bounded as
/// an APPX package's is: `None` past [`MAX_HELD`], the package then read whole within
/// [`MAX_PACKAGE`] (red team 3).
fn read_held_msi<R: Read + Seek>(r: &mut R, len: u64) -> Result<Option<Parts>, Error> {
    let mut data = zeroed(len)?;
    let held = crate::msi::hold(&mut data, MAX_HELD, &mut |range, into| read_exact_at(r, range, into))?;
    Ok(held.map(|held| (data, held)))
}

/// A buffer as long as the file holding only the ranges read, and those ranges.
type Parts = (Vec<u8>, Vec<Range<u64>>);

/// A zeroed buffer as long as the file (`len` bytes), or a typed error when it cannot be
/// had. Its pages take no memory until written, but the allocator must still grant the
/// mapping, and `vec![0; n]` aborts the process when it does not: a sparse file claiming a
/// terabyte costs one block on disk, and would end a whole scan (red team 3). A reservation
/// of the same size is asked for first and released: the same request (a mapping no byte
/// of which is touched), so one granted now is granted again unless another thread takes
/// the memory between the two.
fn zeroed(len: u64) -> Result<Vec<u8>, Error> {
    let size = usize::try_from(len).map_err(|_| Error::Read {
        message: format!("{len} bytes do not fit in this platform's address space"),
    })?;
    let mut probe: Vec<u8> = Vec::new();
    probe.try_reserve_exact(size).map_err(|_| Error::Read {
        message: format!("a file of {len} bytes: no buffer as long as it can be reserved"),
    })?;
    drop(probe);
    Ok(vec![0u8; size])
}

/// A file starting with `magic` is a ZIP archive (a local file header) not named as some
/// other archive: an APPX/MSIX package or bundle.
fn appx_package(magic: &[u8; 8], name: Option<&str>) -> bool {
    crate::appx::zip::is_zip(magic) && name.is_none_or(crate::appx::is_package_name)
}

/// The parts of a package read whole (besides every local header and data descriptor, the
/// directory and the end records): what the verification reads other than through the
/// feed, a bundle's manifest among them (its packages' own parts are held at their offsets,
/// see [`read_held_package`]).
const HELD_PARTS: [&str; 6] = [
    "AppxSignature.p7x",
    "AppxBlockMap.xml",
    "[Content_Types].xml",
    "AppxManifest.xml",
    "AppxMetadata/CodeIntegrity.cat",
    "AppxMetadata/AppxBundleManifest.xml",
];

/// A package read in parts: the buffer and held ranges ([`Parts`]), and where a bundle's
/// packages lie (each read twice through the feed: in the bundle's records, then as a
/// package of its own; empty for a package).
type PackageParts = (Vec<u8>, Vec<Range<u64>>, Vec<Range<u64>>);

/// A zeroed buffer as long as the package with its end records, central directory, every
/// local header and data descriptor and the [`HELD_PARTS`] read into it, and the ranges
/// read; the members' data is left to the feed. A bundle's packages are stored members, each
/// at the range its manifest gives: the same parts of each are held at that offset, and
/// their records too are left to the feed. `None` when its end records or directory (or a
/// bundle package's) cannot be read from the parts (a malformed archive, which the whole
/// file then names the fault of, as `verify_bytes` does), when a bundle's manifest does not
/// locate its packages from the held parts (one stored deflated, say), when the directory
/// or a held part is larger than [`MAX_TABLE`] or all held together, the bundle's and its
/// packages', cost more than [`MAX_HELD`], or when the held bytes would not be taken for a
/// package: the file is then read whole (within [`MAX_PACKAGE`]), so that a report never
/// depends on the path taken. Memory: at most [`MAX_HELD`] resident, whatever the size of
/// the package or bundle and of the packages it holds.
fn read_held_package<R: Read + Seek>(r: &mut R, len: u64) -> Result<Option<PackageParts>, Error> {
    use crate::appx::zip;
    let mut data = zeroed(len)?;
    let mut held = HeldRanges::new(MAX_HELD);
    if !hold_package(r, &mut data, &mut held, &(0..len))? {
        return Ok(None);
    }
    if !crate::appx::is_package(&data) || zip::Archive::parse(&data).is_err() {
        return Ok(None);
    }
    let Some(mut packages) = crate::appx::bundle_package_ranges(&data) else {
        return Ok(None);
    };
    // A manifest may name a package more than once (an error the parse names, after which
    // nothing more is read): its parts are held once, and its reads compared as one
    // range's (distinct members' ranges do not overlap: the records tile the file).
    packages.sort_by_key(|r| (r.start, r.end));
    packages.dedup();
    for package in &packages {
        if !hold_package(r, &mut data, &mut held, package)? {
            return Ok(None);
        }
        let bytes = window(&data, package);
        if bytes.is_none_or(|b| zip::Archive::parse(b).is_err()) {
            return Ok(None);
        }
    }
    Ok(Some((data, held.into_merged(), packages)))
}

/// The bytes of `range` in `data`, when it lies within.
fn window<'d>(data: &'d [u8], range: &Range<u64>) -> Option<&'d [u8]> {
    data.get(usize::try_from(range.start).ok()?..usize::try_from(range.end).ok()?)
}

/// Holds the parts of the package lying at `package` in the file (the whole file, or a
/// bundle's stored package): its end records, directory, every local header and data
/// descriptor, and the [`HELD_PARTS`]; `false` when they do not read from the parts or
/// would pass [`MAX_TABLE`] or [`MAX_HELD`] (the file is then read whole).
fn hold_package<R: Read + Seek>(
    r: &mut R,
    data: &mut [u8],
    held: &mut HeldRanges,
    package: &Range<u64>,
) -> Result<bool, Error> {
    use crate::appx::zip;
    let base = package.start;
    let len = package.end.saturating_sub(base);
    // Offsets within the package, held at the package's place in the file.
    let mut hold_at = |r: &mut R, data: &mut [u8], range: Range<u64>| {
        hold(
            r,
            data,
            held,
            range.start.saturating_add(base)..range.end.saturating_add(base),
        )
    };
    if window(data, package).is_none() {
        return Ok(false);
    }
    let tail = len.saturating_sub(zip::END_SEARCH)..len;
    if !hold_at(r, data, tail.clone())? {
        return Ok(false);
    }
    let mut first = tail.start;
    if let Some(zip64) = window(data, package).and_then(zip::zip64_record_offset) {
        // The ZIP64 end record lies before the locator the tail holds.
        if zip64 < first {
            if first.saturating_sub(zip64) > MAX_TABLE {
                return Ok(false);
            }
            if !hold_at(r, data, zip64..first)? {
                return Ok(false);
            }
            first = zip64;
        }
    }
    let Some(directory) = window(data, package).and_then(zip::directory_range) else {
        return Ok(false);
    };
    let directory = crate::num::usize_u64(directory.start)..crate::num::usize_u64(directory.end);
    if directory.start < first {
        if first.saturating_sub(directory.start) > MAX_TABLE {
            return Ok(false);
        }
        if !hold_at(r, data, directory.start..first)? {
            return Ok(false);
        }
    }
    let (Ok(start), Ok(end)) = (usize::try_from(directory.start), usize::try_from(directory.end)) else {
        return Ok(false);
    };
    // What each member needs read, apart from the names that borrow `data`.
    let Some(plans) = window(data, package).and_then(|b| {
        let plans = zip::local_plans(b, &(start..end))?;
        Some(
            plans
                .iter()
                .map(|p| (HELD_PARTS.contains(&p.name), p.local, p.packed, p.descriptor))
                .collect::<Vec<MemberPlan>>(),
        )
    }) else {
        return Ok(false);
    };
    for plan in plans {
        if !hold_member(r, data, held, package, plan)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// What reading a member in parts needs: whether it is one of [`HELD_PARTS`] (read
/// whole), its local header's offset (in its package), its stored size, whether a data
/// descriptor follows.
type MemberPlan = (bool, u64, u64, bool);

/// Holds a member's local header and, for one of [`HELD_PARTS`], its data, else only its
/// data descriptor (its data is fed), all within `package` (its offsets are the package's);
/// `false` when that would pass [`MAX_TABLE`] or [`MAX_HELD`], or its header does not read
/// (the file is then read whole).
fn hold_member<R: Read + Seek>(
    r: &mut R,
    data: &mut [u8],
    held: &mut HeldRanges,
    package: &Range<u64>,
    (whole, local, packed, descriptor): MemberPlan,
) -> Result<bool, Error> {
    use crate::appx::zip;
    let len = package.end;
    let local = local.saturating_add(package.start);
    let fixed = local.min(len)..local.saturating_add(zip::LOCAL_HEADER_FIXED).min(len);
    if !hold(r, data, held, fixed.clone())? {
        return Ok(false);
    }
    let Some(header) = usize::try_from(local)
        .ok()
        .filter(|_| fixed.end.saturating_sub(fixed.start) == zip::LOCAL_HEADER_FIXED)
        .and_then(|at| zip::local_header_len(data, at))
    else {
        return Ok(false);
    };
    let data_start = local.saturating_add(header);
    let data_end = data_start.saturating_add(packed);
    let end = if descriptor {
        data_end.saturating_add(zip::DESCRIPTOR_MAX)
    } else {
        data_end
    };
    if whole {
        return Ok(end.saturating_sub(local) <= MAX_TABLE && hold(r, data, held, fixed.end..end.min(len))?);
    }
    // The header's variable part, then the data descriptor (an empty range when there is
    // none).
    Ok(hold(r, data, held, fixed.end..data_start.min(len))? && hold(r, data, held, data_end.min(len)..end.min(len))?)
}

/// Reads `range` into `data` (when it holds any bytes) and records it as held; `false`
/// once the held ranges together would cost more than [`MAX_HELD`].
fn hold<R: Read + Seek>(r: &mut R, data: &mut [u8], held: &mut HeldRanges, range: Range<u64>) -> Result<bool, Error> {
    if !held.charge(&range) {
        return Ok(false);
    }
    if range.start < range.end {
        fill(r, data, &range)?;
        held.record(range);
    }
    Ok(true)
}

/// What a package read in parts may hold in all: an APPX package its directory, headers and
/// small parts (a bundle those of itself and of every package it holds, together), an MSI
/// package its structure, mini stream and signature (a package whose held parts take more
/// is read whole within [`MAX_PACKAGE`]).
const MAX_HELD: u64 = 256 << 20;

/// The `len` bytes of the source, in a buffer reserved fallibly; a source of another
/// length is [`Error::Changed`].
pub(crate) fn read_whole<R: Read + Seek + ?Sized>(r: &mut R, len: u64) -> Result<Vec<u8>, Error> {
    r.seek(SeekFrom::Start(0)).map_err(|e| read_err(&e))?;
    // Reserved fallibly (one byte more, so that a file grown since it was opened does not
    // make `read_to_end` grow the buffer): a refused allocation is a read error naming the
    // size, not an abort of the whole run.
    let mut buf = Vec::new();
    let size = usize::try_from(len.saturating_add(1)).unwrap_or(usize::MAX);
    buf.try_reserve_exact(size).map_err(|_| Error::Read {
        message: format!("a file of {len} bytes: no buffer as long as it can be reserved"),
    })?;
    r.take(len.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| read_err(&e))?;
    if crate::num::len_u64(&buf) != len {
        return Err(Error::Changed {
            detail: format!("{len} bytes when opened, {} when read", buf.len()),
        });
    }
    Ok(buf)
}

/// A zeroed buffer as long as the file with only the headers and the certificate table
/// read into it (the allocator maps zero pages that take no memory until written), and the
/// ranges read.
fn read_held<R: Read + Seek>(r: &mut R, len: u64) -> Result<Parts, Error> {
    let mut data = zeroed(len)?;
    let head = 0..HEAD.min(len);
    fill(r, &mut data, &head)?;
    let mut held = vec![head];
    if let Some(range) = nt_headers_past_head(&data, len) {
        fill(r, &mut data, &range)?;
        held.push(range);
    }
    // A cabinet's signature lies after its data: held like a PE's certificate table.
    if crate::cab::is_cabinet(&data) {
        if let Ok(cab) = crate::cab::signature::CabinetSignature::parse(&data) {
            if let Some(sig) = cab.signature {
                let range = cab.signature_offset..cab.signature_offset.saturating_add(crate::num::len_u64(sig));
                if range.end.saturating_sub(range.start) > MAX_TABLE {
                    return Err(Error::Read {
                        message: format!(
                            "a cabinet signature of {} bytes (at most {MAX_TABLE} are read)",
                            range.end.saturating_sub(range.start)
                        ),
                    });
                }
                fill(r, &mut data, &range)?;
                held.push(range);
            }
        }
    }
    if let Ok(image) = crate::pe::image::PeImage::parse(&data) {
        if let Some(t) = image.cert_table() {
            if t.size > MAX_TABLE {
                return Err(Error::Read {
                    message: format!("a certificate table of {} bytes (at most {MAX_TABLE} are read)", t.size),
                });
            }
            let range = t.offset..t.end();
            fill(r, &mut data, &range)?;
            held.push(range);
        }
    }
    Ok((data, held))
}

/// Verifies `data` with the digest and page-hash ranges read from `r` through one buffer.
/// The outer error is a read failure; the inner result is the verification's. `reread`:
/// ranges the verification reads more than once (a bundle's packages), whose reads must
/// agree ([`Rereads`]).
fn verify_streamed<R: Read + Seek>(
    v: &Verifier,
    r: &mut R,
    data: &[u8],
    at: UnixTime,
    reread: &[Range<u64>],
) -> Result<Result<FileReport, Error>, Error> {
    let mut rereads = Rereads::new(data, reread);
    let report = stream(r, &mut |at, chunk| rereads.observe(at, chunk), |feed| {
        v.verify_fed(data, None, at, feed)
    })?;
    // Only a verdict needs its reads to agree: an error (a bundle's package that does not
    // parse, its second read cut short) is the whole file's too, and is reported as such.
    if report.is_ok() {
        rereads.agree()?;
    }
    Ok(report)
}

/// Runs `run` with a feed reading from `r` through one buffer, each chunk shown to
/// `observe` (with its offset) before the feed's sink gets it. The outer error is a read
/// failure (the result is then dropped); the inner value is `run`'s.
fn stream<R: Read + Seek, T>(
    r: &mut R,
    observe: &mut dyn FnMut(u64, &[u8]),
    run: impl FnOnce(&mut Feed<'_>) -> T,
) -> Result<T, Error> {
    let mut failure: Option<Error> = None;
    let mut buffer = vec![0u8; BUFFER];
    let report = run(&mut |range: Range<u64>, sink: &mut dyn FnMut(&[u8])| {
        let mut at = range.start;
        while failure.is_none() && at < range.end {
            let n = usize::try_from(range.end.saturating_sub(at)).map_or(BUFFER, |left| left.min(BUFFER));
            let Some(chunk) = buffer.get_mut(..n) else { return };
            let next = at.saturating_add(crate::num::usize_u64(n));
            match read_exact_at(r, &(at..next), chunk) {
                Ok(()) => {
                    observe(at, chunk);
                    sink(chunk);
                }
                Err(e) => failure = Some(e),
            }
            at = next;
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(report)
}

/// The reads of ranges read more than once: a bundle's package is read in the bundle's
/// records (its digest and block map) and again as a package of its own (its records), so
/// that a file rewritten between the two reads would have the bundle judged on one
/// version and its package on another. Each read is hashed in order, the parts a later read
/// skips (held, not fed: the package's signature record, directory and end records) taken
/// from the held bytes, which [`unchanged`] compares again at the end; the hashes of all
/// reads must be equal. The hash is SipHash keyed at random for each file
/// ([`std::collections::hash_map::RandomState`]): whoever rewrites the file does not know
/// the key, so cannot make two versions hash alike (a 2^-64 chance), and it costs a
/// fraction of a SHA-256 pass, on top of the four states the bundle's and its packages'
/// digests already take. Memory: one hash state and 8 bytes per read of each package,
/// whatever its size.
struct Rereads<'d> {
    data: &'d [u8],
    key: std::collections::hash_map::RandomState,
    ranges: Vec<Reread>,
}

/// One range read more than once: the read under way, and the digests of those done.
struct Reread {
    range: Range<u64>,
    at: u64,
    hashing: Option<std::collections::hash_map::DefaultHasher>,
    done: Vec<u64>,
}

impl<'d> Rereads<'d> {
    /// `ranges` without overlaps (those of distinct members of an archive); kept sorted.
    fn new(data: &'d [u8], ranges: &[Range<u64>]) -> Self {
        let mut ranges: Vec<Reread> = ranges
            .iter()
            .filter(|r| r.start < r.end)
            .map(|r| Reread {
                range: r.clone(),
                at: r.start,
                hashing: None,
                done: Vec::new(),
            })
            .collect();
        ranges.sort_by_key(|r| (r.range.start, r.range.end));
        Self {
            data,
            key: std::collections::hash_map::RandomState::new(),
            ranges,
        }
    }

    /// `bytes`, read from offset `at`.
    fn observe(&mut self, at: u64, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let end = at.saturating_add(crate::num::len_u64(bytes));
        // Only the ranges the read meets are visited (a bundle may hold thousands).
        let first = self.ranges.partition_point(|r| r.range.end <= at);
        for reread in self.ranges.iter_mut().skip(first) {
            if reread.range.start >= end {
                break;
            }
            let part = at.max(reread.range.start)..end.min(reread.range.end);
            if reread.hashing.is_none() || part.start < reread.at {
                // A read from before where the last one stopped: the next read begins.
                reread.finish(self.data);
                reread.hashing = Some(std::hash::BuildHasher::build_hasher(&self.key));
                reread.at = reread.range.start;
            }
            let from = usize::try_from(part.start.saturating_sub(at)).unwrap_or(usize::MAX);
            let to = usize::try_from(part.end.saturating_sub(at)).unwrap_or(usize::MAX);
            reread.held_up_to(self.data, part.start);
            if let (Some(h), Some(piece)) = (reread.hashing.as_mut(), bytes.get(from..to)) {
                std::hash::Hasher::write(h, piece);
            }
            reread.at = part.end;
        }
    }

    /// Every read of each range gave the same bytes.
    fn agree(mut self) -> Result<(), Error> {
        for reread in &mut self.ranges {
            reread.finish(self.data);
            if reread.done.windows(2).any(|w| w.first() != w.last()) {
                return Err(Error::Changed {
                    detail: format!(
                        "bytes {:#x}..{:#x} (a bundle's package) differ between its reads",
                        reread.range.start, reread.range.end
                    ),
                });
            }
        }
        Ok(())
    }
}

impl Reread {
    /// Hashes the held bytes from where the read stands up to `to` (what it skipped).
    fn held_up_to(&mut self, data: &[u8], to: u64) {
        if to > self.at {
            if let (Some(h), Some(bytes)) = (self.hashing.as_mut(), window(data, &(self.at..to))) {
                std::hash::Hasher::write(h, bytes);
            }
            self.at = to;
        }
    }

    /// Ends the read under way (the rest of the range from the held bytes).
    fn finish(&mut self, data: &[u8]) {
        self.held_up_to(data, self.range.end);
        if let Some(h) = self.hashing.take() {
            self.done.push(std::hash::Hasher::finish(&h));
        }
    }
}

/// `range` read again must hash to `hash` (SHA-256), as it did when it was verified; `what`
/// names it in the error. Read through one buffer of at most [`BUFFER`] bytes.
fn unchanged_hash<R: Read + Seek>(r: &mut R, range: &Range<u64>, hash: &[u8], what: &str) -> Result<(), Error> {
    let mut hasher = crate::digest::MultiDigest::new(&[crate::DigestAlgorithm::Sha256]);
    let mut buffer =
        vec![0u8; usize::try_from(range.end.saturating_sub(range.start)).map_or(BUFFER, |n| n.min(BUFFER))];
    let mut at = range.start;
    while at < range.end {
        let n = usize::try_from(range.end.saturating_sub(at)).map_or(BUFFER, |left| left.min(BUFFER));
        let Some(chunk) = buffer.get_mut(..n) else { break };
        let next = at.saturating_add(crate::num::usize_u64(n));
        read_exact_at(r, &(at..next), chunk)?;
        hasher.update(chunk);
        at = next;
    }
    if hasher.finalize().first().map(|(_, h)| h.as_slice()) != Some(hash) {
        return Err(Error::Changed {
            detail: format!("bytes {:#x}..{:#x} ({what}) differ", range.start, range.end),
        });
    }
    Ok(())
}

/// The length and every held range read again must equal what was verified.
/// `what` names the held bytes in the error.
pub(crate) fn unchanged<R: Read + Seek>(
    r: &mut R,
    data: &[u8],
    held: &[Range<u64>],
    len: u64,
    what: &str,
) -> Result<(), Error> {
    let now = r.seek(SeekFrom::End(0)).map_err(|e| read_err(&e))?;
    if now != len {
        return Err(Error::Changed {
            detail: format!("{len} bytes when opened, {now} at the end"),
        });
    }
    // Compared through one buffer of at most BUFFER bytes: a held range can be most of the
    // file (an MSI package's directory of a million entries is 128 MB), and a copy of it
    // would double what the run holds.
    let longest = held.iter().map(|r| r.end.saturating_sub(r.start)).max().unwrap_or(0);
    let mut again = vec![0u8; usize::try_from(longest).map_or(BUFFER, |n| n.min(BUFFER))];
    for range in held {
        let (Ok(start), Ok(end)) = (usize::try_from(range.start), usize::try_from(range.end)) else {
            continue;
        };
        let mut at = start;
        while at < end {
            let next = at.saturating_add(BUFFER).min(end);
            let Some(chunk) = again.get_mut(..next.saturating_sub(at)) else {
                break;
            };
            read_exact_at(r, &(crate::num::usize_u64(at)..crate::num::usize_u64(next)), chunk)?;
            if data.get(at..next) != Some(&*chunk) {
                return Err(Error::Changed {
                    detail: format!("bytes {start:#x}..{end:#x} ({what}) differ"),
                });
            }
            at = next;
        }
    }
    Ok(())
}

fn fill<R: Read + Seek>(r: &mut R, data: &mut [u8], range: &Range<u64>) -> Result<(), Error> {
    let (Ok(start), Ok(end)) = (usize::try_from(range.start), usize::try_from(range.end)) else {
        return Ok(());
    };
    match data.get_mut(start..end) {
        Some(into) => read_exact_at(r, range, into),
        None => Ok(()),
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)] // test code on known-good inputs
mod tests {
    use crate::{Policy, TrustStore, UnixTime, Verifier};

    fn limits(max_whole: u64) -> super::Limits {
        super::Limits {
            max_whole,
            ..super::Limits::FILE
        }
    }

    /// A format read whole (a catalog) is read only within the caller's bound: the bound a
    /// payload member decoded from a container is held to, where a few stored bytes can
    /// decode to many, is a typed read error naming it, and the file's own bound verifies
    /// the same bytes.
    #[test]
    fn a_format_read_whole_is_read_within_the_bound_given() {
        let vectors = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors");
        let catalog = std::fs::read(vectors.join("catalogs/driver-sha256.cat")).expect("vector");
        let len = crate::num::len_u64(&catalog);
        let verifier = Verifier::new(TrustStore::new(), Policy::windows());
        let at = UnixTime::from_secs(1_780_272_000);
        let mut cursor = std::io::Cursor::new(catalog.clone());
        let refused =
            super::verify(&verifier, &mut cursor, Some("driver.cat"), at, limits(len - 1)).expect_err("bound");
        assert!(
            matches!(&refused, crate::Error::Read { message } if message.contains(&format!("at most {}", len - 1))),
            "{refused:?}"
        );
        let mut cursor = std::io::Cursor::new(catalog.clone());
        let read = super::verify(&verifier, &mut cursor, Some("driver.cat"), at, limits(len)).expect("a report");
        let whole = verifier
            .verify_bytes_named(&catalog, "driver.cat", at)
            .expect("a report");
        assert_eq!(format!("{read:?}"), format!("{whole:?}"));
    }
}
