//! An MSI package's payload: the files it installs, named by the File table's long names
//! under their Directory paths, with their content from the embedded cabinets (`#name`
//! streams) the Media table names. Cabinet members are named by the File table's key.
//!
//! The tables are read as Windows Installer stores them (the layout Wine's msi.dll and
//! msitools read): the string pool (`_StringPool`: a code page whose top bit says string
//! references are 3 bytes wide instead of 2, then a length and a reference count per
//! string; `_StringData`: the strings back to back), `_Columns` (each table's columns with
//! their types) and each table column by column (every value of the first column, then the
//! second...), integers stored with their top bit flipped and 0 meaning null. Table streams'
//! names are compressed: two characters of `[0-9A-Za-z._]` per UTF-16 unit (0x3800 + a +
//! 64 b), one in 0x4800 + a, a table's prefixed by 0x4840.
//!
//! Files whose content is not in an embedded cabinet (external cabinets, uncompressed
//! source layouts) are not in the package and cannot be verified from it: after the walk
//! they are named in an error (`file.payload`), never left out. Install paths start at
//! the root directory (`TARGETDIR`); a directory whose target name is `.` adds nothing
//! (standard folders such as `ProgramFiles64Folder` or `System64Folder`, whose real place is
//! a property of the machine), but `ProgramFilesFolder` is `Program Files`: the layout
//! msiextract (msitools) writes, so that a member's path is the extracted file's (checked on
//! the test vectors and on a real ViGEmBus package, tests/payload.rs).

use std::collections::{HashMap, HashSet};

use super::{Budget, Data, Sink, Source};
use crate::error::PayloadError;
use crate::msi::{Chain, MsiPackage, Piece};

/// The largest table or string pool stream read (real packages' File tables are a few MB).
pub(crate) const MAX_TABLE: u32 = 64 << 20;
/// The tables (and string pool) the walk reads.
pub(crate) const TABLES: [&str; 7] = [
    "_StringPool",
    "_StringData",
    "_Columns",
    "File",
    "Component",
    "Directory",
    "Media",
];
/// The largest embedded cabinet stream read (held whole: it is at most the package's size).
const MAX_CABINET: u32 = u32::MAX;
/// Most bytes of directory install paths built for one package. A chain of n Directory rows
/// gives n paths of up to n parts (quadratic in the table's size); real packages' paths
/// together stay below a megabyte.
const MAX_INSTALL_PATH_BYTES: usize = 16 << 20;

fn tables_err(detail: impl Into<String>) -> PayloadError {
    PayloadError::Tables { detail: detail.into() }
}

/// `[0-9A-Za-z._]` as the 6-bit digits stream names are compressed with.
fn mime(c: char) -> Option<u16> {
    let v = match c {
        '0'..='9' => u32::from(c).checked_sub(u32::from('0'))?,
        'A'..='Z' => u32::from(c).checked_sub(u32::from('A'))?.checked_add(10)?,
        'a'..='z' => u32::from(c).checked_sub(u32::from('a'))?.checked_add(36)?,
        '.' => 62,
        '_' => 63,
        _ => return None,
    };
    u16::try_from(v).ok()
}

/// The stored name of the stream `name` (a table's when `table`).
pub(crate) fn encoded_name(name: &str, table: bool) -> Vec<u16> {
    let mut out = Vec::new();
    if table {
        out.push(0x4840);
    }
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        match mime(c) {
            Some(a) => match chars.peek().copied().and_then(mime) {
                Some(b) => {
                    chars.next();
                    out.push(0x3800u16.saturating_add(a).saturating_add(b.saturating_mul(64)));
                }
                None => out.push(0x4800u16.saturating_add(a)),
            },
            None => {
                let mut buf = [0u16; 2];
                out.extend_from_slice(c.encode_utf16(&mut buf));
            }
        }
    }
    out
}

/// The string pool: strings by id (id 0 is null).
struct Strings {
    strings: Vec<String>,
    /// Bytes per string reference in tables: 2, or 3 when the pool says so.
    width: usize,
}

impl Strings {
    fn read(package: &MsiPackage<'_>) -> Result<Self, PayloadError> {
        let pool = table_stream(package, "_StringPool")?;
        let data = table_stream(package, "_StringData")?;
        let codepage = crate::num::le_u32(&pool, 0).ok_or_else(|| tables_err("the string pool has no header"))?;
        let width = if codepage & 0x8000_0000 != 0 { 3 } else { 2 };
        let word = |i: usize| crate::num::le_u16(&pool, i.saturating_mul(2)).map_or(0, usize::from);
        let count = pool.len() / 4;
        let mut strings = vec![String::new()];
        let (mut i, mut offset) = (1usize, 0usize);
        while i < count {
            let (len_word, refs) = (word(i.saturating_mul(2)), word(i.saturating_mul(2).saturating_add(1)));
            let len = if len_word == 0 && refs == 0 {
                i = i.saturating_add(1);
                strings.push(String::new());
                continue;
            } else if len_word == 0 {
                // A string over 64 KiB: the next entry holds its length's two halves.
                let at = i.saturating_mul(2);
                let len = word(at.saturating_add(3)).checked_shl(16).unwrap_or(0) | word(at.saturating_add(2));
                i = i.saturating_add(2);
                len
            } else {
                i = i.saturating_add(1);
                len_word
            };
            let end = offset.checked_add(len).filter(|&e| e <= data.len());
            let bytes = end
                .and_then(|e| data.get(offset..e))
                .ok_or_else(|| tables_err("a string runs past the string data"))?;
            strings.push(decode(bytes));
            offset = offset.saturating_add(len);
        }
        Ok(Self { strings, width })
    }

    fn get(&self, id: u32) -> Option<&str> {
        self.strings
            .get(usize::try_from(id).ok()?)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }
}

/// A string of the pool: UTF-8 when it is, else each byte as the Latin-1 character (the
/// names this walker reads are ASCII in practice; a code page it does not decode changes
/// only how a name is shown).
fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

fn table_stream(package: &MsiPackage<'_>, name: &str) -> Result<Vec<u8>, PayloadError> {
    Ok(package
        .root_stream(&encoded_name(name, true), MAX_TABLE)?
        .map(std::borrow::Cow::into_owned)
        .unwrap_or_default())
}

/// A column's name and its width in bytes, and whether it holds a string reference.
struct Column {
    name: String,
    width: usize,
    string: bool,
}

/// A table read: its columns and rows' raw values (string ids, or integers with the top bit
/// flipped, 0 being null).
struct Table {
    columns: Vec<Column>,
    rows: usize,
    data: Vec<u8>,
}

impl Table {
    /// Reads table `name` with the columns `_Columns` gives it.
    fn read(
        package: &MsiPackage<'_>,
        strings: &Strings,
        all: &[(String, u16, String, u16)],
        name: &str,
    ) -> Result<Self, PayloadError> {
        let mut cols: Vec<&(String, u16, String, u16)> = all.iter().filter(|c| c.0 == name).collect();
        cols.sort_by_key(|c| c.1);
        let columns: Vec<Column> = cols
            .iter()
            .map(|&&(_, _, ref col, ty)| column(col, ty, strings.width))
            .collect();
        let data = table_stream(package, name)?;
        Ok(Self::with_columns(columns, data))
    }

    fn with_columns(columns: Vec<Column>, data: Vec<u8>) -> Self {
        let row = columns.iter().map(|c| c.width).sum::<usize>();
        let rows = data.len().checked_div(row).unwrap_or(0);
        Self { columns, rows, data }
    }

    /// The raw value of column `col` in row `r`.
    fn raw(&self, r: usize, col: usize) -> Option<u32> {
        let before: usize = self.columns.iter().take(col).map(|c| c.width).sum();
        let c = self.columns.get(col)?;
        let at = before.checked_mul(self.rows)?.checked_add(r.checked_mul(c.width)?)?;
        let bytes = self.data.get(at..at.checked_add(c.width)?)?;
        Some(
            bytes
                .iter()
                .rev()
                .fold(0u32, |v, &b| v.checked_shl(8).unwrap_or(0) | u32::from(b)),
        )
    }

    fn index(&self, name: &str) -> Result<usize, PayloadError> {
        self.columns
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| tables_err(format!("no column {name}")))
    }

    /// The string in column `col` of row `r`.
    fn string<'s>(&self, strings: &'s Strings, r: usize, col: usize) -> Option<&'s str> {
        self.columns.get(col).filter(|c| c.string)?;
        strings.get(self.raw(r, col)?)
    }
}

/// A column of type `ty` (`_Columns.Type`): binary stream references and short integers
/// take 2 bytes, string references `sref` bytes, long integers 4.
fn column(name: &str, ty: u16, sref: usize) -> Column {
    const STRING: u16 = 0x0800;
    const VALID: u16 = 0x0100;
    const NULLABLE: u16 = 0x1000;
    let binary = ty & !NULLABLE == STRING | VALID;
    let string = ty & STRING != 0 && !binary;
    let width = if binary || (!string && ty & 0xff <= 2) {
        2
    } else if string {
        sref
    } else {
        4
    };
    Column {
        name: name.to_string(),
        width,
        string,
    }
}

/// `_Columns`: (table, number, column, type) for every column of every table.
fn columns(package: &MsiPackage<'_>, strings: &Strings) -> Result<Vec<(String, u16, String, u16)>, PayloadError> {
    let w = strings.width;
    let cols = vec![
        Column {
            name: "Table".into(),
            width: w,
            string: true,
        },
        Column {
            name: "Number".into(),
            width: 2,
            string: false,
        },
        Column {
            name: "Name".into(),
            width: w,
            string: true,
        },
        Column {
            name: "Type".into(),
            width: 2,
            string: false,
        },
    ];
    let t = Table::with_columns(cols, table_stream(package, "_Columns")?);
    let int = |r: usize, c: usize| {
        t.raw(r, c)
            .and_then(|v| u16::try_from(v).ok())
            .map_or(0, |v| v ^ 0x8000)
    };
    Ok((0..t.rows)
        .filter_map(|r| {
            Some((
                t.string(strings, r, 0)?.to_string(),
                int(r, 1),
                t.string(strings, r, 2)?.to_string(),
                int(r, 3),
            ))
        })
        .collect())
}

/// The long half of a `short|long` name.
fn long_name(name: &str) -> &str {
    name.rsplit('|').next().unwrap_or(name)
}

/// Each directory's install path (`/`-separated, empty for the root).
fn directory_paths(
    package: &MsiPackage<'_>,
    strings: &Strings,
    cols: &[(String, u16, String, u16)],
) -> Result<HashMap<String, String>, PayloadError> {
    let t = Table::read(package, strings, cols, "Directory")?;
    let (key, parent, default) = (
        t.index("Directory")?,
        t.index("Directory_Parent")?,
        t.index("DefaultDir")?,
    );
    let mut entries: HashMap<String, (Option<String>, String)> = HashMap::new();
    for r in 0..t.rows {
        let Some(id) = t.string(strings, r, key) else { continue };
        let parent = t.string(strings, r, parent).filter(|p| *p != id).map(str::to_string);
        // `target:source`: the target half, then its long name.
        let dir = t.string(strings, r, default).unwrap_or(".");
        let target = long_name(dir.split(':').next().unwrap_or(dir));
        let own = match (&parent, target) {
            (None, _) => String::new(),
            (Some(_), _) if id == "ProgramFilesFolder" => "Program Files".to_string(),
            (Some(_), ".") => String::new(),
            (Some(_), t) => t.to_string(),
        };
        entries.insert(id.to_string(), (parent, own));
    }
    // Each row's path is its parent's plus its own name, built once per row (parents
    // first), so the work is linear in the table plus the paths' bytes; those bytes are
    // bounded, since a chain of n rows gives paths of n parts each (quadratic in n).
    let mut paths: HashMap<String, String> = HashMap::new();
    let mut total: usize = 0;
    for id in entries.keys() {
        // The rows from `id` up to the first one already resolved (or the root).
        let mut pending: Vec<&str> = Vec::new();
        let mut at = Some(id.as_str());
        while let Some(row) = at.filter(|a| !paths.contains_key(*a)) {
            let Some((parent, _)) = entries.get(row) else {
                return Err(tables_err(format!(
                    "the Directory table's parents of {id} lead to {row}, which it does not hold"
                )));
            };
            // A chain longer than the table is a cycle.
            if pending.len() >= entries.len() {
                return Err(tables_err(format!(
                    "the Directory table's parents of {id} form a cycle"
                )));
            }
            pending.push(row);
            at = parent.as_deref();
        }
        for row in pending.into_iter().rev() {
            let Some((parent, own)) = entries.get(row) else {
                continue;
            };
            let base = parent.as_deref().and_then(|p| paths.get(p)).map_or("", String::as_str);
            let path = match (base.is_empty(), own.is_empty()) {
                (_, true) => base.to_string(),
                (true, false) => own.clone(),
                (false, false) => format!("{base}/{own}"),
            };
            total = total.saturating_add(path.len());
            if total > MAX_INSTALL_PATH_BYTES {
                return Err(tables_err(format!(
                    "the Directory table's install paths exceed {MAX_INSTALL_PATH_BYTES} bytes together (a chain of {} directories)",
                    entries.len()
                )));
            }
            paths.insert(row.to_string(), path);
        }
    }
    Ok(paths)
}

/// Each file key's install path and the Directory row it is installed into.
fn file_paths(
    package: &MsiPackage<'_>,
    strings: &Strings,
    cols: &[(String, u16, String, u16)],
) -> Result<HashMap<String, (String, String)>, PayloadError> {
    let dirs = directory_paths(package, strings, cols)?;
    let components = Table::read(package, strings, cols, "Component")?;
    let (ckey, cdir) = (components.index("Component")?, components.index("Directory_")?);
    let mut component_dir = HashMap::new();
    for r in 0..components.rows {
        if let (Some(c), Some(d)) = (components.string(strings, r, ckey), components.string(strings, r, cdir)) {
            component_dir.insert(c, d);
        }
    }
    let files = Table::read(package, strings, cols, "File")?;
    let (fkey, fcomp, fname) = (
        files.index("File")?,
        files.index("Component_")?,
        files.index("FileName")?,
    );
    let mut out = HashMap::new();
    for r in 0..files.rows {
        let Some(key) = files.string(strings, r, fkey) else {
            continue;
        };
        let name = long_name(files.string(strings, r, fname).unwrap_or(key));
        let row = files
            .string(strings, r, fcomp)
            .and_then(|c| component_dir.get(c))
            .copied();
        let dir = row.and_then(|d| dirs.get(d)).map_or("", String::as_str);
        let path = if dir.is_empty() {
            name.to_string()
        } else {
            format!("{dir}/{name}")
        };
        out.insert(key.to_string(), (path, row.unwrap_or_default().to_string()));
    }
    Ok(out)
}

/// The embedded cabinets the Media table names (`#name`), in its order.
fn embedded_cabinets(
    package: &MsiPackage<'_>,
    strings: &Strings,
    cols: &[(String, u16, String, u16)],
) -> Result<Vec<String>, PayloadError> {
    let media = Table::read(package, strings, cols, "Media")?;
    let cabinet = media.index("Cabinet")?;
    Ok((0..media.rows)
        .filter_map(|r| media.string(strings, r, cabinet)?.strip_prefix('#').map(str::to_string))
        .collect())
}

/// Hands `f` every file the package installs whose content an embedded cabinet holds, named
/// by its install path (a cabinet member the File table does not name keeps its own name).
/// With `file`, `bytes` holds the package's structure and tables only (read in parts), and
/// each embedded cabinet is read from `file` through its stream's sector ranges.
pub(crate) fn for_each_member(
    bytes: &[u8],
    file: Option<&dyn Source>,
    budget: &Budget,
    wanted: super::Wanted<'_>,
    check: super::Carried,
    f: &mut Sink<'_>,
) -> Result<(), PayloadError> {
    let package = MsiPackage::parse(bytes)?;
    let strings = Strings::read(&package)?;
    let cols = columns(&package, &strings)?;
    let paths: HashMap<String, String> = file_paths(&package, &strings, &cols)?
        .into_iter()
        .map(|(key, (path, _))| (key, path))
        .collect();
    // The files the embedded cabinets carry, whether this walk wants them or not: every
    // member is asked about once, as its folder comes, so a file in none of them is found
    // whatever is wanted (named when `check` says so: by the member walk, not the catalog
    // pass, whose error would end the walk before the carried files are reported).
    let carried: std::cell::RefCell<HashSet<String>> = std::cell::RefCell::new(HashSet::new());
    for name in embedded_cabinets(&package, &strings, &cols)? {
        let missing = || {
            tables_err(format!(
                "the Media table names #{name}, which the package does not hold"
            ))
        };
        let mut each = |key: &str, data: Data<'_>| f(paths.get(key).map_or(key, String::as_str), data);
        // Cabinet members are named by their File key; what is wanted is judged on the path
        // the key installs to.
        let wanted_key = |key: &str| {
            if paths.contains_key(key) {
                carried.borrow_mut().insert(key.to_string());
            }
            wanted(paths.get(key).map_or(key, String::as_str))
        };
        let units = encoded_name(&name, false);
        match file {
            Some(file) => {
                let (len, chain) = package.root_stream_chain(&units, MARK_EVERY)?.ok_or_else(missing)?;
                match chain {
                    Chain::Pieces(pieces) => {
                        let stream = StreamSource::new(len, pieces, file);
                        super::cabinet_members(&stream, budget, &wanted_key, &mut each)?;
                    }
                    Chain::Sectors(marks) => {
                        let stream = ChainSource {
                            package: &package,
                            marks,
                            len,
                            file,
                            at: std::cell::Cell::new(None),
                        };
                        super::cabinet_members(&stream, budget, &wanted_key, &mut each)?;
                    }
                }
            }
            None => {
                let cab = package.root_stream(&units, MAX_CABINET)?.ok_or_else(missing)?;
                super::cabinet_members(&&*cab, budget, &wanted_key, &mut each)?;
            }
        }
    }
    match check {
        super::Carried::Named => not_carried(&paths, &carried.into_inner()),
        super::Carried::Unchecked => Ok(()),
    }
}

/// How many sectors of an embedded cabinet's chain apart [`ChainSource`] marks where it
/// stands: 4 bytes per 128 KiB of the stream (32 KiB for a 4 GiB stream of 512-byte
/// sectors), and at most 255 steps of the chain to reach any byte from a mark.
const MARK_EVERY: usize = 256;

/// An embedded cabinet stream of the FAT read from the file: the chain indexed every
/// [`MARK_EVERY`] sectors, and a read at a stream offset walks the chain from the mark before
/// it (or from where the last read ended, when that is nearer: the walk reads forward),
/// reading each run of contiguous sectors at once. Memory: the marks, whatever the layout.
struct ChainSource<'p, 'a> {
    package: &'p MsiPackage<'a>,
    marks: Vec<u32>,
    len: u64,
    file: &'p dyn Source,
    /// The stream sector the last read ended in, and its sector number.
    at: std::cell::Cell<Option<(u64, u32)>>,
}

impl Source for ChainSource<'_, '_> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, at: u64, into: &mut [u8]) -> Result<(), PayloadError> {
        let past = || PayloadError::Read {
            detail: format!("an embedded cabinet read past its stream at {at}"),
        };
        if into.is_empty() {
            return Ok(());
        }
        if at.saturating_add(crate::num::usize_u64(into.len())) > self.len {
            return Err(past());
        }
        let size = crate::num::usize_u64(self.package.sector_size().max(1));
        let index = at.checked_div(size).ok_or_else(past)?;
        let every = crate::num::usize_u64(MARK_EVERY);
        let mark = index.checked_div(every).ok_or_else(past)?;
        let mut from = (
            mark.saturating_mul(every),
            *self
                .marks
                .get(usize::try_from(mark).map_err(|_| past())?)
                .ok_or_else(past)?,
        );
        if let Some(last) = self.at.get().filter(|&(k, _)| k <= index && k > from.0) {
            from = last;
        }
        let (mut k, mut sector) = from;
        while k < index {
            sector = self.package.next_sector(sector)?;
            k = k.saturating_add(1);
        }
        let within = usize::try_from(at.saturating_sub(index.saturating_mul(size))).map_err(|_| past())?;
        let mut done = 0usize;
        let mut failed = None;
        let last = self.package.chain_ranges(sector, within, into.len(), &mut |range| {
            let n = usize::try_from(range.end.saturating_sub(range.start)).unwrap_or(usize::MAX);
            let chunk = into.get_mut(done..done.saturating_add(n));
            match chunk.map(|c| self.file.read_at(range.start, c)) {
                Some(Ok(())) => {}
                Some(Err(e)) => failed = Some(e),
                None => failed = Some(past()),
            }
            done = done.saturating_add(n);
            // Stops the walk: its error is `failed`'s.
            failed.as_ref().map_or(Ok(()), |_| {
                Err(crate::error::MsiError::Stream {
                    stream: "embedded cabinet".into(),
                    detail: "read failed".into(),
                })
            })
        });
        if let Some(e) = failed {
            return Err(e);
        }
        let last = last?;
        let end = at.saturating_add(crate::num::usize_u64(into.len())).saturating_sub(1);
        self.at.set(Some((end.checked_div(size).unwrap_or(index), last)));
        Ok(())
    }
}

/// An embedded cabinet stream of the mini stream read from the file: its pieces in stream
/// order (bytes of the held mini stream), each read when the cabinet walk asks for bytes at
/// a stream offset (at most 64 pieces: the stream is below 4096 bytes).
struct StreamSource<'a> {
    /// Each piece and the stream offset it starts at.
    pieces: Vec<(u64, Piece<'a>)>,
    len: u64,
    file: &'a dyn Source,
}

impl<'a> StreamSource<'a> {
    fn new(len: u64, pieces: Vec<Piece<'a>>, file: &'a dyn Source) -> Self {
        let mut at = 0u64;
        let pieces = pieces
            .into_iter()
            .map(|p| {
                let start = at;
                at = at.saturating_add(piece_len(&p));
                (start, p)
            })
            .collect();
        Self { pieces, len, file }
    }
}

fn piece_len(p: &Piece<'_>) -> u64 {
    match p {
        Piece::Bytes(b) => crate::num::len_u64(b),
        Piece::Range(r) => r.end.saturating_sub(r.start),
    }
}

impl Source for StreamSource<'_> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, at: u64, into: &mut [u8]) -> Result<(), PayloadError> {
        let past = || PayloadError::Read {
            detail: format!("an embedded cabinet read past its stream at {at}"),
        };
        let mut pos = at;
        let mut done = 0usize;
        // The piece holding `pos`: the last that starts at or before it.
        let mut index = self
            .pieces
            .partition_point(|(start, _)| *start <= pos)
            .checked_sub(1)
            .ok_or_else(past)?;
        while done < into.len() {
            let (start, piece) = self.pieces.get(index).ok_or_else(past)?;
            let within = pos.saturating_sub(*start);
            let left_in_piece = piece_len(piece).saturating_sub(within);
            let want = usize::try_from(left_in_piece)
                .unwrap_or(usize::MAX)
                .min(into.len().saturating_sub(done));
            let chunk = into.get_mut(done..done.saturating_add(want)).ok_or_else(past)?;
            match piece {
                Piece::Bytes(b) => {
                    let from = usize::try_from(within)
                        .ok()
                        .and_then(|w| b.get(w..w.checked_add(want)?))
                        .ok_or_else(past)?;
                    chunk.copy_from_slice(from);
                }
                Piece::Range(r) => self.file.read_at(r.start.saturating_add(within), chunk)?,
            }
            done = done.saturating_add(want);
            pos = pos.saturating_add(crate::num::usize_u64(want));
            index = index.saturating_add(1);
        }
        Ok(())
    }
}

/// The Directory row each install path goes to, `None` for a path that several rows give
/// (their real folders may differ). Two files are siblings once installed only when they go
/// to the same row: a row's place is a property of the machine or the install (standard
/// folders such as WindowsFolder and SystemFolder add nothing to the path, and any row can
/// be redirected by setting the property it is named by), so equal paths prove nothing.
pub(crate) fn directory_rows(bytes: &[u8]) -> Result<HashMap<String, Option<String>>, PayloadError> {
    let package = MsiPackage::parse(bytes)?;
    let strings = Strings::read(&package)?;
    let cols = columns(&package, &strings)?;
    let mut rows: HashMap<String, Option<String>> = HashMap::new();
    for (_, (path, row)) in file_paths(&package, &strings, &cols)? {
        rows.entry(path)
            .and_modify(|seen| {
                if seen.as_deref() != Some(row.as_str()) {
                    *seen = None;
                }
            })
            .or_insert(Some(row));
    }
    Ok(rows)
}

/// Files the package installs that no embedded cabinet holds (an external cabinet, an
/// uncompressed source layout): they cannot be verified from the package, and are named
/// rather than left out — after every carried file has been handed over.
fn not_carried(paths: &HashMap<String, String>, carried: &HashSet<String>) -> Result<(), PayloadError> {
    let mut missing: Vec<&str> = paths
        .iter()
        .filter(|(key, _)| !carried.contains(*key))
        .map(|(_, path)| path.as_str())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    missing.sort_unstable();
    let shown: Vec<&str> = missing.iter().take(5).copied().collect();
    Err(tables_err(format!(
        "{} file(s) the package installs are in no embedded cabinet (an external cabinet or source files beside the package), so they were not verified: {}{}",
        missing.len(),
        shown.join(", "),
        if missing.len() > shown.len() { ", ..." } else { "" }
    )))
}

#[cfg(test)]
mod tests {
    use super::encoded_name;

    #[test]
    fn stream_names_compress_as_windows_installer_stores_them() {
        // `_Tables` as every MSI package stores it (U+4840 U+3F7F U+4164 U+422F U+4836, the
        // name Wine's msi.dll and msitools look the table list up by).
        assert_eq!(encoded_name("_Tables", true), [0x4840, 0x3f7f, 0x4164, 0x422f, 0x4836]);
        // A cabinet stream has no table prefix; characters outside [0-9A-Za-z._] are kept.
        assert_eq!(encoded_name("a-b", false), [0x4800 + 36, u16::from(b'-'), 0x4800 + 37]);
    }
}
