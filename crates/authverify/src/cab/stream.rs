//! Every member of a cabinet, streamed folder by folder for `verify --payload`: uncompressed,
//! MSZIP (`miniz_oxide`) and LZX (`lzxd`) folders are decoded one data block (at most 32 KiB)
//! at a time into a window that holds only what a member not yet handed over still needs
//! (and the 32 KiB MSZIP refers back to), so memory is bounded by the largest member, not by
//! the folder: a folder of a thousand members of 1 MiB each never holds more than about one
//! of them.
//!
//! Bounded like the trust-list reader ([`super::members`]) and besides: the members, each
//! member's size (checked against its CFFILE entry before anything is decoded), the bytes
//! decoded across the whole walk (the walk's `Budget`), and each folder's ratio of decoded to stored
//! bytes (a cabinet bomb: MSZIP reaches about 1000:1 on constant data).
//!
//! The cabinet's stored bytes are read through a [`Source`]: its tables once, then each data
//! block as it is decoded, so a cabinet walked from a file (or from an MSI package's stream)
//! costs its tables and a block, not its size (issue 32).

use miniz_oxide::inflate::core::DecompressorOxide;

use super::members::{extent, inflate_mszip, tables_in, Folder, Member, Tables, MSZIP_BLOCK, TABLE_HEAD};
use crate::error::{CabinetMembersError, PayloadError};
use crate::num::usize_u64;

/// A cabinet's stored bytes, read by offset: the walk holds its tables and reads each data
/// block as it is decoded, so a cabinet read from a file (or from an MSI package's stream,
/// `payload::msi`) need not be in memory. A slice is one (`&[u8]`, a reference so that it
/// can be a `&dyn Source`); [`Shared`] makes a reader one.
pub(crate) trait Source {
    /// The cabinet's length.
    fn len(&self) -> u64;
    /// Fills `into` with the bytes at `at` (the walk checks the range against [`Source::len`]
    /// first: a failure here is the source's, such as a file cut short since it was opened).
    fn read_at(&self, at: u64, into: &mut [u8]) -> Result<(), PayloadError>;
}

impl Source for &[u8] {
    fn len(&self) -> u64 {
        crate::num::len_u64(self)
    }

    fn read_at(&self, at: u64, into: &mut [u8]) -> Result<(), PayloadError> {
        let bytes = usize::try_from(at)
            .ok()
            .and_then(|start| self.get(start..start.checked_add(into.len())?))
            .ok_or(CabinetMembersError::BlockPastEnd { offset: at })?;
        into.copy_from_slice(bytes);
        Ok(())
    }
}

/// A reader of `len` bytes as a [`Source`]: each read seeks, so the walk and the readers of
/// its members share it (one at a time: a member is read while the walk waits).
pub(crate) struct Shared<R> {
    reader: std::cell::RefCell<R>,
    len: u64,
}

impl<R: std::io::Read + std::io::Seek> Shared<R> {
    pub(crate) fn new(reader: R, len: u64) -> Self {
        Self {
            reader: std::cell::RefCell::new(reader),
            len,
        }
    }
}

impl<R: std::io::Read + std::io::Seek> Source for Shared<R> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, at: u64, into: &mut [u8]) -> Result<(), PayloadError> {
        let mut r = self.reader.try_borrow_mut().map_err(|_| PayloadError::Read {
            detail: "the container's reader is in use".into(),
        })?;
        r.seek(std::io::SeekFrom::Start(at))
            .and_then(|_| r.read_exact(into))
            .map_err(|e| match e.kind() {
                // Within the length it had when it was opened: it was cut short meanwhile.
                std::io::ErrorKind::UnexpectedEof => PayloadError::Changed {
                    detail: format!("it ended before offset {}", at.saturating_add(usize_u64(into.len()))),
                },
                _ => PayloadError::Read { detail: e.to_string() },
            })
    }
}

/// Bytes `range` of `src` (clipped to its length): what [`tables`] reads.
fn read_clipped(src: &dyn Source, range: std::ops::Range<usize>) -> Result<Vec<u8>, PayloadError> {
    let len = usize::try_from(src.len()).unwrap_or(usize::MAX);
    let range = range.start.min(len)..range.end.min(len);
    let mut out = vec![0u8; range.end.saturating_sub(range.start)];
    src.read_at(usize_u64(range.start), &mut out)?;
    Ok(out)
}

/// The folder and file tables of the cabinet in `src`, at most `max_members` members:
/// only the header, the folder table and the file table are read (bounded, see
/// [`extent`]), with the errors the same bytes in memory give.
fn tables(src: &dyn Source, max_members: usize) -> Result<Tables, PayloadError> {
    let first = read_clipped(src, 0..TABLE_HEAD)?;
    let at = extent(&first, max_members)?;
    let head = read_clipped(src, 0..at.head.max(TABLE_HEAD))?;
    let files = read_clipped(src, at.files.clone())?;
    Ok(tables_in(&head, &files, at.files.start, max_members)?)
}

/// Where a walk's members go: each member's name and its content.
pub(crate) type Sink<'f> = dyn FnMut(&str, Data<'_>) -> Result<(), PayloadError> + 'f;

/// A reader that can seek: what a streamed member is read through.
pub(crate) trait ReadSeek: std::io::Read + std::io::Seek {}
impl<T: std::io::Read + std::io::Seek> ReadSeek for T {}

/// A member's content: its bytes, or for a cabinet member larger than
/// [`STREAM_OVER`] a reader that decodes it on demand (memory: a window, whatever its size).
pub(crate) enum Data<'m> {
    /// The member's bytes.
    Bytes(&'m [u8]),
    /// A reader over the member (seeking back restarts the folder's decoding).
    Reader(&'m mut dyn ReadSeek),
}

/// Cabinet members larger than this are handed over as readers, not bytes (the size up to
/// which the verifier reads a file whole anyway, `crate::READ_WHOLE_LIMIT`).
pub(crate) const STREAM_OVER: usize = 8 << 20;

/// Takes `n` decoded bytes from the walk's budget, or says which bound that exceeds.
pub(crate) type Budget<'f> = dyn Fn(u64) -> Result<(), PayloadError> + 'f;

/// The bounds one cabinet's walk is held to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bounds {
    /// Most members in the cabinet.
    pub(crate) max_members: usize,
    /// Most bytes one member handed over as bytes may hold (members over
    /// [`STREAM_OVER`] are handed over as readers, in a window's memory whatever their
    /// size, and are bounded only by the walk's budget).
    pub(crate) max_member_bytes: usize,
    /// Largest ratio of a folder's decoded bytes to its stored bytes...
    pub(crate) max_ratio: u64,
    /// ...once it has decoded more than this many bytes.
    pub(crate) ratio_floor: u64,
}

/// History MSZIP's deflate blocks may refer back to.
const HISTORY: usize = 32 * 1024;

/// How far apart a member reader's checkpoints are (see [`MemberReader`]).
const CHECKPOINT_EVERY: usize = 4 << 20;

/// Calls `f` with each member's name and bytes, folder by folder, members of a folder in
/// the order of their offsets. `left` is what the walk may still decode, and is reduced by
/// what this cabinet decodes. Returns how many members were handed over.
#[cfg(test)]
pub(crate) fn for_each_member(
    b: &dyn Source,
    bounds: &Bounds,
    budget: &Budget<'_>,
    f: &mut Sink<'_>,
) -> Result<usize, PayloadError> {
    for_each_wanted_member(b, bounds, budget, &|_| true, f)
}

/// [`for_each_member`] handing over only the members `wanted` names (by their name in the
/// cabinet): a folder holding none of them is not decoded at all, and one that does is
/// decoded as far as its last wanted member. Every member's size is still checked against
/// the bounds.
pub(crate) fn for_each_wanted_member(
    b: &dyn Source,
    bounds: &Bounds,
    budget: &Budget<'_>,
    wanted: &dyn Fn(&str) -> bool,
    f: &mut Sink<'_>,
) -> Result<usize, PayloadError> {
    let (folders, members, data_reserve) = tables(b, bounds.max_members)?;
    for m in &members {
        if m.size > bounds.max_member_bytes && m.size <= STREAM_OVER {
            return Err(PayloadError::Bound {
                what: "bytes of one member",
                found: usize_u64(m.size),
                limit: usize_u64(bounds.max_member_bytes),
            });
        }
    }
    for (index, folder) in folders.iter().enumerate() {
        let mut mine: Vec<&Member> = members
            .iter()
            .filter(|m| m.folder == index && wanted(&m.name))
            .collect();
        if mine.is_empty() {
            continue; // never decoded: a folder no member uses costs nothing
        }
        mine.sort_by_key(|m| (m.offset, m.size));
        let mut blocks = Blocks::new(b, folder, data_reserve, bounds)?;
        walk_folder(&mine, &mut blocks, budget, f)?;
    }
    Ok(members.len())
}

/// Decodes one folder's blocks until every member in `mine` (sorted by offset) is handed
/// over, dropping what no later member needs.
fn walk_folder(
    mine: &[&Member],
    blocks: &mut Blocks<'_>,
    budget: &Budget<'_>,
    f: &mut Sink<'_>,
) -> Result<(), PayloadError> {
    let mut window: Vec<u8> = Vec::new();
    // The folder offset of window[0].
    let mut base = 0usize;
    let mut next = 0usize;
    while let Some(m) = mine.get(next) {
        let end = m.offset.checked_add(m.size).ok_or_else(|| outside(m, base, &window))?;
        let have = base.saturating_add(window.len());
        if m.size > STREAM_OVER {
            // Decoded again on demand by its own reader, from the last block boundary before
            // it; the walk keeps none of its bytes.
            while let Some(n) = blocks.peek_size() {
                let have = base.saturating_add(window.len());
                if have.saturating_add(n) > m.offset {
                    break;
                }
                if skip_before(blocks, &mut window, &mut base, m.offset, budget)? {
                    continue;
                }
                trim(&mut window, &mut base, m.offset.min(have.saturating_sub(HISTORY)));
                if !blocks.next(&mut window, budget)? {
                    break;
                }
            }
            let origin = Origin::at(blocks, &window, base)?;
            let mut reader = MemberReader {
                blocks: origin.blocks()?,
                window: origin.window.clone(),
                base: origin.base,
                origin,
                checkpoints: Vec::new(),
                budget,
                start: m.offset,
                len: usize_u64(m.size),
                pos: 0,
            };
            f(&m.name, Data::Reader(&mut reader))?;
            next = next.saturating_add(1);
            continue;
        }
        if end <= have {
            let from = m.offset.checked_sub(base).ok_or_else(|| outside(m, base, &window))?;
            let bytes = window
                .get(from..end.saturating_sub(base))
                .ok_or_else(|| outside(m, base, &window))?;
            f(&m.name, Data::Bytes(bytes))?;
            next = next.saturating_add(1);
            continue;
        }
        if skip_before(blocks, &mut window, &mut base, m.offset, budget)? {
            continue;
        }
        // Bytes before the next member's start and before the last 32 KiB are not needed
        // again; they are dropped once they are half the window (amortised linear).
        trim(&mut window, &mut base, m.offset.min(have.saturating_sub(HISTORY)));
        if !blocks.next(&mut window, budget)? {
            return Err(outside(m, base, &window));
        }
    }
    Ok(())
}

/// Steps over the next block unread when it is a stored folder's and ends at or before
/// folder offset `before` (nothing still to be handed over or read lies before it; a stored
/// folder needs no history): the window then starts after it. Walking to a member after a
/// large one, and a member reader seeking to its end, then cost a read of each block's
/// header, not a copy of its bytes. False when the block must be decoded.
fn skip_before(
    blocks: &mut Blocks<'_>,
    window: &mut Vec<u8>,
    base: &mut usize,
    before: usize,
    budget: &Budget<'_>,
) -> Result<bool, PayloadError> {
    let have = base.saturating_add(window.len());
    match blocks.peek_size() {
        Some(n) if matches!(blocks.kind, Kind::Stored) && have.saturating_add(n) <= before => {
            if !blocks.skip(budget)? {
                return Ok(false);
            }
            window.clear();
            *base = have.saturating_add(n);
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Drops the window's bytes before folder offset `keep_from` once they are half of it
/// (amortised linear copying); `base` is the folder offset of `window[0]`.
fn trim(window: &mut Vec<u8>, base: &mut usize, keep_from: usize) {
    let drop = keep_from.saturating_sub(*base);
    if drop > 0 && drop >= window.len() / 2 {
        window.drain(..drop.min(window.len()));
        *base = base.saturating_add(drop);
    }
}

/// Where a member reader starts, and restarts after a seek back: a block boundary before the
/// member with the 32 KiB of history MSZIP refers back to (uncompressed and MSZIP folders),
/// or the folder's start (LZX: its decoder's state cannot be copied, so a restart decodes
/// the folder again up to the member — bounded by the walk's budget, not linear).
struct Origin<'a> {
    blocks: Blocks<'a>,
    window: Vec<u8>,
    base: usize,
}

impl<'a> Origin<'a> {
    fn at(blocks: &Blocks<'a>, window: &[u8], base: usize) -> Result<Self, PayloadError> {
        Ok(match blocks.resumed() {
            Some(resumed) => {
                let keep = window.len().min(HISTORY);
                let tail = window.get(window.len().saturating_sub(keep)..).unwrap_or_default();
                Self {
                    blocks: resumed,
                    window: tail.to_vec(),
                    base: base.saturating_add(window.len()).saturating_sub(keep),
                }
            }
            None => Self {
                blocks: blocks.fresh()?,
                window: Vec::new(),
                base: 0,
            },
        })
    }

    /// A decoder at this origin.
    fn blocks(&self) -> Result<Blocks<'a>, PayloadError> {
        match self.blocks.resumed() {
            Some(b) => Ok(b),
            None => self.blocks.fresh(),
        }
    }
}

fn outside(m: &Member, base: usize, window: &[u8]) -> PayloadError {
    CabinetMembersError::OutsideFolder {
        member: m.name.clone(),
        size: m.size,
        offset: m.offset,
        folder_len: base.saturating_add(window.len()),
    }
    .into()
}

/// The decoder of one folder's data blocks.
struct Blocks<'a> {
    b: &'a dyn Source,
    /// The block being decoded, as stored (reused from block to block).
    stored_block: Vec<u8>,
    folder: Folder,
    at: usize,
    blocks_left: u16,
    kind: Kind,
    data_reserve: usize,
    stored: u64,
    decoded: u64,
    bounds: Bounds,
}

/// Where [`Blocks::step`] puts a block: nowhere (a stored block stepped over), a slice of
/// its size (a stored block read straight into a member reader's caller), or the window.
enum Dest<'o> {
    Skip,
    Slice(&'o mut [u8]),
    Window(&'o mut Vec<u8>),
}

enum Kind {
    Stored,
    Mszip(Box<DecompressorOxide>),
    Lzx(Box<lzxd::Lzxd>),
}

impl<'a> Blocks<'a> {
    fn new(b: &'a dyn Source, folder: &Folder, data_reserve: usize, bounds: &Bounds) -> Result<Self, PayloadError> {
        let kind = match folder.compression & 0x000f {
            0 => Kind::Stored,
            1 => Kind::Mszip(Box::default()),
            3 => Kind::Lzx(Box::new(lzxd::Lzxd::new(lzx_window(folder.compression)?))),
            _ => return Err(CabinetMembersError::Compression { method: "Quantum" }.into()),
        };
        Ok(Self {
            b,
            stored_block: Vec::new(),
            folder: Folder {
                data_offset: folder.data_offset,
                blocks: folder.blocks,
                compression: folder.compression,
            },
            at: folder.data_offset,
            blocks_left: folder.blocks,
            kind,
            data_reserve,
            stored: 0,
            decoded: 0,
            bounds: *bounds,
        })
    }

    /// A decoder of the same folder from its first block.
    fn fresh(&self) -> Result<Self, PayloadError> {
        Self::new(self.b, &self.folder, self.data_reserve, &self.bounds)
    }

    /// A decoder of the same folder from this one's next block, when the blocks carry no
    /// state but the output's last 32 KiB (uncompressed and MSZIP: each MSZIP block is a
    /// deflate stream of its own over that history); `None` for LZX.
    fn resumed(&self) -> Option<Self> {
        let kind = match self.kind {
            Kind::Stored => Kind::Stored,
            Kind::Mszip(_) => Kind::Mszip(Box::default()),
            Kind::Lzx(_) => return None,
        };
        Some(Self {
            b: self.b,
            stored_block: Vec::new(),
            folder: Folder {
                data_offset: self.folder.data_offset,
                blocks: self.folder.blocks,
                compression: self.folder.compression,
            },
            at: self.at,
            blocks_left: self.blocks_left,
            kind,
            data_reserve: self.data_reserve,
            stored: self.stored,
            decoded: self.decoded,
            bounds: self.bounds,
        })
    }

    /// The size the next block declares, if there is one.
    fn peek_size(&self) -> Option<usize> {
        if self.blocks_left == 0 {
            return None;
        }
        let mut size = [0u8; 2];
        let at = usize_u64(self.at.saturating_add(6));
        (at.saturating_add(2) <= self.b.len() && self.b.read_at(at, &mut size).is_ok())
            .then(|| usize::from(u16::from_le_bytes(size)))
    }

    /// The CFDATA header at `at` (its 8 bytes): `None` past the cabinet's end.
    fn header(&self, at: usize) -> Result<Option<[u8; 8]>, PayloadError> {
        let mut header = [0u8; 8];
        if usize_u64(at).saturating_add(8) > self.b.len() {
            return Ok(None);
        }
        self.b.read_at(usize_u64(at), &mut header)?;
        Ok(Some(header))
    }

    /// Appends the next block's bytes to `out`; false when the folder has no more blocks.
    fn next(&mut self, out: &mut Vec<u8>, budget: &Budget<'_>) -> Result<bool, PayloadError> {
        self.step(Dest::Window(out), budget)
    }

    /// Reads the next block of a stored folder straight into `into`, checked and counted as
    /// [`Blocks::next`] does: its size, or `None` when the folder is compressed, has no
    /// more blocks, or the block is empty or larger than `into` (it is then left for
    /// [`Blocks::next`]).
    fn read_stored_into(&mut self, into: &mut [u8], budget: &Budget<'_>) -> Result<Option<usize>, PayloadError> {
        if !matches!(self.kind, Kind::Stored) {
            return Ok(None);
        }
        match self.peek_size() {
            Some(n) if n > 0 && n <= into.len() => match into.get_mut(..n) {
                Some(into) => Ok(self.step(Dest::Slice(into), budget)?.then_some(n)),
                None => Ok(None),
            },
            _ => Ok(None),
        }
    }

    /// Steps over the next block of a stored folder without reading its bytes, checked and
    /// counted as [`Blocks::next`] does; false when the folder is compressed (its blocks
    /// are decoded in order) or has no more blocks.
    fn skip(&mut self, budget: &Budget<'_>) -> Result<bool, PayloadError> {
        if !matches!(self.kind, Kind::Stored) {
            return Ok(false);
        }
        self.step(Dest::Skip, budget)
    }

    /// The next block: decoded into `out`, or (a stored folder's, `None`) only stepped over.
    fn step(&mut self, out: Dest<'_>, budget: &Budget<'_>) -> Result<bool, PayloadError> {
        if self.blocks_left == 0 {
            return Ok(false);
        }
        self.blocks_left = self.blocks_left.saturating_sub(1);
        let at = self.at;
        // A header cut short names the field it cuts, as the fields read one by one did.
        let Some(header) = self.header(at)? else {
            let cut = usize_u64(at.saturating_add(8)) > self.b.len().saturating_add(2);
            let (what, offset) = if cut {
                ("CFDATA cbData", 4)
            } else {
                ("CFDATA cbUncomp", 6)
            };
            return Err(CabinetMembersError::Truncated {
                what,
                offset: usize_u64(at.saturating_add(offset)),
            }
            .into());
        };
        let packed = usize::from(u16::from_le_bytes([header[4], header[5]]));
        let size = usize::from(u16::from_le_bytes([header[6], header[7]]));
        let start = at.saturating_add(8).saturating_add(self.data_reserve);
        let end = start.checked_add(packed).filter(|&e| usize_u64(e) <= self.b.len());
        if end.is_none() {
            return Err(CabinetMembersError::BlockPastEnd { offset: usize_u64(at) }.into());
        }
        self.at = start.saturating_add(packed);
        self.account(packed, size, budget)?;
        if matches!(self.kind, Kind::Stored) && packed != size {
            return Err(CabinetMembersError::StoredSize {
                offset: usize_u64(at),
                packed,
                size,
            }
            .into());
        }
        let out = match out {
            Dest::Skip => return Ok(true),
            // A stored block of exactly this slice's size (`read_stored_into`).
            Dest::Slice(into) => return self.b.read_at(usize_u64(start), into).map(|()| true),
            Dest::Window(out) => out,
        };
        if matches!(self.kind, Kind::Stored) {
            // Read straight into the window: a stored block is its own decoding.
            let from = out.len();
            out.resize(from.saturating_add(packed), 0);
            let read = match out.get_mut(from..) {
                Some(into) => self.b.read_at(usize_u64(start), into),
                None => Ok(()),
            };
            if read.is_err() {
                out.truncate(from);
            }
            return read.map(|()| true);
        }
        self.stored_block.resize(packed, 0);
        self.b.read_at(usize_u64(start), &mut self.stored_block)?;
        let block = self.stored_block.as_slice();
        match &mut self.kind {
            // Read into the window above.
            Kind::Stored => {}
            Kind::Mszip(inflater) => inflate_mszip(inflater, block, start, size, out)?,
            Kind::Lzx(decoder) => {
                // lzxd decodes one 32 KiB frame per call, and a larger output would index past
                // its post-processing buffer.
                if size > MSZIP_BLOCK {
                    return Err(CabinetMembersError::Lzx {
                        offset: usize_u64(start),
                        detail: format!("declares {size} bytes (at most {MSZIP_BLOCK})"),
                    }
                    .into());
                }
                let bytes = decoder
                    .decompress_next(block, size)
                    .map_err(|e| CabinetMembersError::Lzx {
                        offset: usize_u64(start),
                        detail: e.to_string(),
                    })?;
                out.extend_from_slice(bytes);
            }
        }
        Ok(true)
    }

    /// Counts a block of `packed` stored bytes declaring `size` against the walk's budget
    /// and the folder's ratio, before it is decoded.
    fn account(&mut self, packed: usize, size: usize, budget: &Budget<'_>) -> Result<(), PayloadError> {
        let size64 = usize_u64(size);
        budget(size64)?;
        self.stored = self.stored.saturating_add(usize_u64(packed));
        self.decoded = self.decoded.saturating_add(size64);
        if self.decoded > self.bounds.ratio_floor && self.decoded > self.stored.saturating_mul(self.bounds.max_ratio) {
            return Err(PayloadError::Bound {
                what: "compression ratio of a folder",
                found: self.decoded.checked_div(self.stored.max(1)).unwrap_or(u64::MAX),
                limit: self.bounds.max_ratio,
            });
        }
        Ok(())
    }
}

/// A member read on demand: decoded from its [`Origin`] up to what is read, keeping only
/// the block being read and the 32 KiB history; a seek back before that restarts from the
/// nearest checkpoint before the target, else the origin. The verifier reads a large PE
/// image's headers, its certificate table, then its digest ranges in order and the headers
/// and table again, so a member costs two decodings of itself (each counted in the walk's
/// budget) and the reads from a checkpoint, in a window's memory plus the checkpoints.
pub(crate) struct MemberReader<'a, 'r> {
    origin: Origin<'a>,
    /// Where a seek back may resume besides the origin, one per [`CHECKPOINT_EVERY`] bytes
    /// decoded, in folder order (uncompressed and MSZIP folders only: an LZX decoder's
    /// state cannot be copied). Each holds the 32 KiB history and a fresh decoder: about
    /// 1% of the member's size, which spares decoding it a third time for the certificate
    /// table read again at its end.
    checkpoints: Vec<Origin<'a>>,
    blocks: Blocks<'a>,
    budget: &'r Budget<'r>,
    /// The member's offset in its folder, and its length.
    start: usize,
    len: u64,
    pos: u64,
    window: Vec<u8>,
    /// The folder offset of window[0].
    base: usize,
}

fn io_error(e: PayloadError) -> std::io::Error {
    std::io::Error::other(e)
}

impl std::io::Read for MemberReader<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        if left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let target = usize::try_from(self.pos)
            .ok()
            .and_then(|p| self.start.checked_add(p))
            .ok_or_else(|| std::io::Error::other("member offset overflows"))?;
        // Behind the window: restart from the nearest checkpoint (or the origin); ahead of
        // the window past a checkpoint: jump to it rather than decode up to it.
        let nearest = self.checkpoints.iter().rev().find(|c| c.base <= target);
        let have = self.base.saturating_add(self.window.len());
        if target < self.base || nearest.is_some_and(|c| c.base > have) {
            let from = nearest.unwrap_or(&self.origin);
            self.blocks = from.blocks().map_err(io_error)?;
            self.window.clone_from(&from.window);
            self.base = from.base;
        }
        while self.base.saturating_add(self.window.len()) <= target {
            if skip_before(&mut self.blocks, &mut self.window, &mut self.base, target, self.budget).map_err(io_error)? {
                continue;
            }
            let have = self.base.saturating_add(self.window.len());
            if have == target {
                // A stored block starting where the read does, no longer than what is asked
                // and left of the member, goes straight to the caller (no window copy).
                let room = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                if let Some(into) = buf.get_mut(..room) {
                    if let Some(n) = self.blocks.read_stored_into(into, self.budget).map_err(io_error)? {
                        self.window.clear();
                        self.base = target.saturating_add(n);
                        self.pos = self.pos.saturating_add(usize_u64(n));
                        return Ok(n);
                    }
                }
            }
            let drop = have.saturating_sub(HISTORY).saturating_sub(self.base);
            if drop > 0 && drop >= self.window.len() / 2 {
                self.window.drain(..drop.min(self.window.len()));
                self.base = self.base.saturating_add(drop);
            }
            if !self.blocks.next(&mut self.window, self.budget).map_err(io_error)? {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            let last = self.checkpoints.last().map_or(self.origin.base, |c| c.base);
            if self.base.saturating_sub(last) >= CHECKPOINT_EVERY && self.blocks.resumed().is_some() {
                self.checkpoints
                    .push(Origin::at(&self.blocks, &self.window, self.base).map_err(io_error)?);
            }
        }
        let from = target.saturating_sub(self.base);
        let available = self.window.get(from..).unwrap_or_default();
        let n = buf
            .len()
            .min(available.len())
            .min(usize::try_from(left).unwrap_or(usize::MAX));
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), available.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.pos = self.pos.saturating_add(usize_u64(n));
        Ok(n)
    }
}

impl std::io::Seek for MemberReader<'_, '_> {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        let pos = match to {
            std::io::SeekFrom::Start(n) => Some(n),
            std::io::SeekFrom::End(d) => self.len.checked_add_signed(d),
            std::io::SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = pos.ok_or_else(|| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
        Ok(self.pos)
    }
}

/// The LZX window typeCompress names in bits 8..13 (15 to 21: 32 KiB to 2 MiB).
fn lzx_window(compression: u16) -> Result<lzxd::WindowSize, PayloadError> {
    use lzxd::WindowSize as W;
    let bits = (compression >> 8) & 0x1f;
    Ok(match bits {
        15 => W::KB32,
        16 => W::KB64,
        17 => W::KB128,
        18 => W::KB256,
        19 => W::KB512,
        20 => W::MB1,
        21 => W::MB2,
        _ => return Err(CabinetMembersError::LzxWindow { bits }.into()),
    })
}

#[cfg(test)]
#[allow(
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::as_conversions
)] // test code on known-good inputs
pub(crate) mod tests {
    use super::{for_each_member, for_each_wanted_member, Bounds};
    use crate::error::PayloadError;

    fn unbounded(_: u64) -> Result<(), PayloadError> {
        Ok(())
    }

    const BOUNDS: Bounds = Bounds {
        max_members: 16,
        max_member_bytes: 1 << 20,
        max_ratio: 200,
        ratio_floor: 1 << 20,
    };

    /// A cabinet of one folder compressed with `compression` holding `members` (name,
    /// offset, size) over the data `blocks` (stored bytes, declared size).
    pub(crate) fn cabinet(compression: u16, members: &[(&str, u32, u32)], blocks: &[(&[u8], u16)]) -> Vec<u8> {
        let files_offset = 36 + 8;
        let names: usize = members.iter().map(|m| 16 + m.0.len() + 1).sum();
        let data_offset = files_offset + names;
        let mut b = Vec::new();
        b.extend_from_slice(b"MSCF");
        b.extend_from_slice(&[0; 12]);
        b.extend_from_slice(&(files_offset as u32).to_le_bytes());
        b.extend_from_slice(&[0; 4]);
        b.extend_from_slice(&[3, 1]);
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&(members.len() as u16).to_le_bytes());
        b.extend_from_slice(&[0; 6]);
        b.extend_from_slice(&(data_offset as u32).to_le_bytes());
        b.extend_from_slice(&(blocks.len() as u16).to_le_bytes());
        b.extend_from_slice(&compression.to_le_bytes());
        for (name, offset, size) in members {
            b.extend_from_slice(&size.to_le_bytes());
            b.extend_from_slice(&offset.to_le_bytes());
            b.extend_from_slice(&[0; 8]);
            b.extend_from_slice(name.as_bytes());
            b.push(0);
        }
        for (data, size) in blocks {
            b.extend_from_slice(&[0; 4]);
            b.extend_from_slice(&(data.len() as u16).to_le_bytes());
            b.extend_from_slice(&size.to_le_bytes());
            b.extend_from_slice(data);
        }
        b
    }

    fn members(cab: &[u8]) -> Result<Vec<(String, Vec<u8>)>, PayloadError> {
        let in_memory = members_of(&cab);
        // Read through a reader, the walk gives the same members and the same errors.
        let read = members_of(&super::Shared::new(std::io::Cursor::new(cab), cab.len() as u64));
        assert_eq!(format!("{in_memory:?}"), format!("{read:?}"));
        in_memory
    }

    fn members_of(cab: &dyn super::Source) -> Result<Vec<(String, Vec<u8>)>, PayloadError> {
        let mut out = Vec::new();
        for_each_member(cab, &BOUNDS, &unbounded, &mut |n, d| {
            let bytes = match d {
                super::Data::Bytes(b) => b.to_vec(),
                super::Data::Reader(r) => {
                    let mut v = Vec::new();
                    r.read_to_end(&mut v)
                        .map_err(|e| PayloadError::Tables { detail: e.to_string() })?;
                    v
                }
            };
            out.push((n.to_string(), bytes));
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn members_spanning_blocks_come_out_whole_in_offset_order() {
        let cab = cabinet(
            0,
            &[("b", 4, 6), ("a", 0, 4), ("empty", 10, 0)],
            &[(b"0123", 4), (b"45", 2), (b"6789", 4)],
        );
        let got = members(&cab).expect("reads");
        let want = [("a", &b"0123"[..]), ("b", b"456789"), ("empty", b"")];
        assert_eq!(got.len(), 3);
        for ((name, data), (wn, wd)) in got.iter().zip(want) {
            assert_eq!((name.as_str(), data.as_slice()), (wn, wd));
        }
    }

    #[test]
    fn every_truncation_is_a_typed_error_and_a_member_past_its_folder_too() {
        let cab = cabinet(0, &[("a", 0, 10)], &[(b"01234", 5), (b"56789", 5)]);
        assert!(members(&cab).is_ok());
        for len in 0..cab.len() {
            assert!(members(&cab[..len]).is_err(), "truncated at {len}");
        }
        let past = cabinet(0, &[("a", 0, 11)], &[(b"01234", 5), (b"56789", 5)]);
        assert!(members(&past).is_err());
    }

    /// An LZX folder whose one block is an LZX *uncompressed* block ([MS-PATCH] 2.3.3):
    /// no E8 translation (1 bit), block type 3 (3 bits), its size (24 bits), padding to 16
    /// bits, R0..R2 (12 bytes), then the bytes. Read by `lzxd` through the cabinet walk.
    #[test]
    fn a_reader_cut_short_after_it_was_opened_is_a_changed_container() {
        let cab = cabinet(0, &[("a", 0, 10)], &[(b"01234", 5), (b"56789", 5)]);
        let cut = &cab[..cab.len() - 3];
        let err = members_of(&super::Shared::new(std::io::Cursor::new(cut), cab.len() as u64)).expect_err("cut");
        assert!(matches!(err, PayloadError::Changed { .. }), "{err:?}");
    }

    #[test]
    fn an_lzx_folder_decodes_through_lzxd() {
        let text = b"hello, lzx";
        // Bits, MSB first in 16-bit little-endian words: 0 011 then 24 bits of size, 4 bits pad.
        let header: u32 = (0b0011 << 28) | ((text.len() as u32) << 4);
        let mut block = Vec::new();
        block.extend_from_slice(&((header >> 16) as u16).to_le_bytes());
        block.extend_from_slice(&((header & 0xffff) as u16).to_le_bytes());
        for _ in 0..3 {
            block.extend_from_slice(&1u32.to_le_bytes());
        }
        block.extend_from_slice(text);
        let cab = cabinet(
            3 | (16 << 8),
            &[("t.txt", 0, text.len() as u32)],
            &[(&block, text.len() as u16)],
        );
        let got = members(&cab).expect("decodes");
        assert_eq!(got, vec![("t.txt".to_string(), text.to_vec())]);
        // A window outside 2^15..=2^21 is refused before decoding.
        let wide = cabinet(
            3 | (22 << 8),
            &[("t.txt", 0, text.len() as u32)],
            &[(&block, text.len() as u16)],
        );
        assert!(members(&wide).is_err());
    }

    #[test]
    fn a_folder_past_the_ratio_is_refused_before_it_is_decoded() {
        // One stored byte declaring 32 KiB: 32768:1, counted before the block is read (with
        // no floor, so that a small vector reaches the bound).
        let cab = cabinet(0, &[("a", 0, 32768)], &[(b"x", 32768)]);
        let bounds = Bounds {
            ratio_floor: 0,
            ..BOUNDS
        };
        let err = for_each_member(&cab.as_slice(), &bounds, &unbounded, &mut |_, _| Ok(())).expect_err("refused");
        assert!(
            matches!(
                err,
                PayloadError::Bound {
                    what: "compression ratio of a folder",
                    found: 32768,
                    limit: 200
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn a_member_past_the_size_bound_is_refused_before_anything_is_decoded() {
        // The block is broken (stored bytes shorter than declared): reaching it would be a
        // different error, so the bound is checked on the CFFILE entry first.
        let cab = cabinet(0, &[("big", 0, 9)], &[(b"x", 9)]);
        let bounds = Bounds {
            max_member_bytes: 8,
            ..BOUNDS
        };
        let err = for_each_member(&cab.as_slice(), &bounds, &unbounded, &mut |_, _| Ok(())).expect_err("refused");
        assert!(
            matches!(
                err,
                PayloadError::Bound {
                    what: "bytes of one member",
                    found: 9,
                    limit: 8
                }
            ),
            "{err:?}"
        );
        let many = cabinet(0, &[("a", 0, 1), ("b", 0, 1)], &[(b"x", 1)]);
        let one = Bounds {
            max_members: 1,
            ..BOUNDS
        };
        assert!(for_each_member(&many.as_slice(), &one, &unbounded, &mut |_, _| Ok(())).is_err());
    }

    /// The bound on a member's size is a bound on what is held: a member handed over as a
    /// reader (over STREAM_OVER) is decoded in a window, so a bound below its size does not
    /// refuse it, and its reader yields every byte (a 1 GiB installer's 300 MB file is
    /// audited, not an error).
    #[test]
    fn a_member_streamed_through_a_reader_is_not_held_to_the_size_bound() {
        let data: Vec<u8> = (0..(super::STREAM_OVER + 1)).map(|i| (i * 13 % 251) as u8).collect();
        let cab = stored_cabinet("big.bin", &data);
        let bounds = Bounds {
            max_member_bytes: 8,
            ..BOUNDS
        };
        let mut seen = Vec::new();
        let n = for_each_member(&cab.as_slice(), &bounds, &unbounded, &mut |name, content| {
            let super::Data::Reader(reader) = content else {
                return Err(PayloadError::Read {
                    detail: format!("{name}: a member over STREAM_OVER came as bytes, not a reader"),
                });
            };
            reader
                .read_to_end(&mut seen)
                .map_err(|e| PayloadError::Read { detail: e.to_string() })?;
            Ok(())
        })
        .expect("walked");
        assert_eq!(n, 1);
        assert!(seen == data, "the reader's bytes are the member's");
    }

    /// The catalog pass asks for some members only: it gets those, and the folder is
    /// decoded only as far as the last of them, so a broken block after it (which the walk
    /// of every member reports) costs the pass nothing.
    #[test]
    fn only_wanted_members_are_handed_over_and_decoded_up_to() {
        let cab = cabinet(0, &[("a.cat", 0, 4), ("b.exe", 4, 4)], &[(b"abcd", 4), (b"ef", 4)]);
        let mut seen = Vec::new();
        let n = for_each_wanted_member(
            &cab.as_slice(),
            &BOUNDS,
            &unbounded,
            &|name| name.ends_with(".cat"),
            &mut |name, data| {
                let super::Data::Bytes(bytes) = data else {
                    return Err(PayloadError::Read {
                        detail: "a reader".into(),
                    });
                };
                seen.push((name.to_string(), bytes.to_vec()));
                Ok(())
            },
        )
        .expect("the broken block is past the last wanted member");
        assert_eq!(n, 2);
        assert_eq!(seen, vec![("a.cat".to_string(), b"abcd".to_vec())]);
        assert!(members(&cab).is_err(), "every member: the broken block is reached");
    }

    /// A stored cabinet holding `data` as `name` in 32 KiB blocks.
    pub(crate) fn stored_cabinet(name: &str, data: &[u8]) -> Vec<u8> {
        let blocks: Vec<(&[u8], u16)> = data.chunks(32 * 1024).map(|c| (c, c.len() as u16)).collect();
        cabinet(0, &[(name, 0, data.len() as u32)], &blocks)
    }

    #[test]
    fn a_large_member_is_read_through_a_reader_that_restarts_on_a_backward_seek() {
        use std::io::SeekFrom;
        let data: Vec<u8> = (0..(super::STREAM_OVER + 100_000))
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        // A small member first, so that the reader starts mid-folder (at the last block
        // boundary before the large one) and restarts there.
        let small: Vec<u8> = (0..100_000).map(|i| (i % 13) as u8).collect();
        let folder = [small.as_slice(), &data].concat();
        let blocks: Vec<(&[u8], u16)> = folder.chunks(32 * 1024).map(|c| (c, c.len() as u16)).collect();
        let cab = cabinet(
            0,
            &[
                ("small.bin", 0, small.len() as u32),
                ("big.bin", small.len() as u32, data.len() as u32),
            ],
            &blocks,
        );
        let mut streamed = 0;
        for_each_member(&cab.as_slice(), &BOUNDS_BIG, &unbounded, &mut |_, d| {
            let r = match d {
                super::Data::Bytes(b) => {
                    assert!(b == small.as_slice());
                    return Ok(());
                }
                super::Data::Reader(r) => r,
            };
            streamed += 1;
            let mut tail = [0u8; 16];
            r.seek(SeekFrom::End(-16)).expect("seek");
            r.read_exact(&mut tail).expect("tail");
            assert_eq!(&tail, &data[data.len() - 16..]);
            let mut all = Vec::new();
            r.seek(SeekFrom::Start(0)).expect("seek back");
            r.read_to_end(&mut all).expect("read");
            assert!(all == data, "the member read back differs");
            Ok(())
        })
        .expect("walks");
        assert_eq!(streamed, 1);
    }

    /// Members after a large one in a stored folder: the walk steps over the large one's
    /// blocks unread, and each member (the large ones through their readers) reads back as
    /// it was stored, in memory and through a reader alike.
    #[test]
    fn members_after_a_large_one_in_a_stored_folder_read_back() {
        let big = |seed: usize| -> Vec<u8> {
            (0..(super::STREAM_OVER + 50_000))
                .map(|i| ((i * seed) % 251) as u8)
                .collect()
        };
        let (a, b, c) = (
            big(7),
            (0..70_000).map(|i| (i % 17) as u8).collect::<Vec<u8>>(),
            big(11),
        );
        let folder = [a.as_slice(), &b, &c].concat();
        let blocks: Vec<(&[u8], u16)> = folder.chunks(32 * 1024).map(|c| (c, c.len() as u16)).collect();
        let cab = cabinet(
            0,
            &[
                ("a", 0, a.len() as u32),
                ("b", a.len() as u32, b.len() as u32),
                ("c", (a.len() + b.len()) as u32, c.len() as u32),
            ],
            &blocks,
        );
        let read = |src: &dyn super::Source| {
            let mut out = Vec::new();
            for_each_member(src, &BOUNDS_BIG, &unbounded, &mut |n, d| {
                let bytes = match d {
                    super::Data::Bytes(b) => b.to_vec(),
                    super::Data::Reader(r) => {
                        let mut tail = [0u8; 4];
                        r.seek(std::io::SeekFrom::End(-4)).expect("seek");
                        r.read_exact(&mut tail).expect("tail");
                        let mut v = Vec::new();
                        r.seek(std::io::SeekFrom::Start(0)).expect("seek back");
                        r.read_to_end(&mut v).expect("read");
                        assert_eq!(&tail[..], &v[v.len() - 4..]);
                        v
                    }
                };
                out.push((n.to_string(), bytes));
                Ok(())
            })
            .expect("walks");
            out
        };
        let want = vec![
            ("a".to_string(), a.clone()),
            ("b".to_string(), b.clone()),
            ("c".to_string(), c.clone()),
        ];
        assert!(read(&cab.as_slice()) == want);
        assert!(read(&super::Shared::new(std::io::Cursor::new(&cab), cab.len() as u64)) == want);
    }

    const BOUNDS_BIG: Bounds = Bounds {
        max_members: 16,
        max_member_bytes: 64 << 20,
        max_ratio: 200,
        ratio_floor: 1 << 20,
    };
}
