//! The payload of a container (`verify --payload`): the files a cabinet, a ZIP-based package
//! or an MSI package carries, named as they will be installed, handed over one by one
//! without writing anything to disk. [`crate::Verifier::verify_payload`] verifies each of
//! them (recursing into containers it carries) with the catalogs among them applied to
//! their siblings.
//!
//! Readers: cabinets by [`crate::cab`]'s bounded reader (uncompressed, MSZIP and LZX folders,
//! streamed one data block at a time); ZIP archives by the APPX reader's lenient sibling
//! ([`crate::appx::zip::Archive::parse_members`]: members located through the central
//! directory, checked against their local headers, records not required to tile the file);
//! MSI packages through their tables (`msi`: the string pool, File, Component, Directory
//! and Media) and the embedded cabinets the Media table names.
//!
//! Bounded by [`limits`]: nesting depth, members, bytes per member, bytes decoded over the
//! whole walk, and the ratio of decoded to stored bytes (zip and cabinet bombs).

mod msi;

use std::cell::Cell;

use crate::appx::zip::{contents, Archive};
use crate::error::PayloadError;
use crate::num::usize_u64;

/// The bounds of one walk, from the container named by the caller down to its deepest
/// member.
pub mod limits {
    /// Deepest nesting: the container named is depth 0, a cabinet inside an MSI package
    /// inside a ZIP archive is depth 2; containers deeper than this are reported, not
    /// opened.
    pub const MAX_DEPTH: usize = 4;
    /// Most members over the whole walk, all containers together.
    pub const MAX_MEMBERS: usize = 65_536;
    /// Most bytes of one member held in memory: a ZIP member (inflated whole), and a
    /// cabinet member that is a container or of a format read whole. Other cabinet members
    /// over 8 MiB are verified through a reader that decodes them on demand in a window,
    /// whatever their size (at most 4 GiB, the format's own bound, within
    /// [`MAX_TOTAL_BYTES`]).
    pub const MAX_MEMBER_BYTES: u64 = 256 << 20;
    /// Most bytes decoded over the whole walk (a bound on time, not memory).
    pub const MAX_TOTAL_BYTES: u64 = 8 << 30;
    /// Largest ratio of decoded to stored bytes of a ZIP member or a cabinet folder once
    /// it exceeds [`RATIO_FLOOR`]: deflate reaches about 1032:1 on constant data, real
    /// installers' payloads stay below 20:1 (the APPX reader's bound, for the same reason).
    pub const MAX_RATIO: u64 = 200;
    /// Members (and folders) decoding to at most this many bytes are not held to
    /// [`MAX_RATIO`].
    pub const RATIO_FLOOR: u64 = 1 << 20;
}

/// The extensions of the ZIP-based containers whose members are walked (APPX/MSIX packages
/// and bundles are recognised by their block map whatever their name).
pub const ZIP_EXTENSIONS: [&str; 5] = ["zip", "nupkg", "vsix", "whl", "jar"];

/// Whether a folder walk would verify the file `name` starting with `head`: a signed format
/// by its content (a PE image, a cabinet; an MSI package, an APPX/MSIX package or a catalog
/// when its name says so too: an Office document is a compound file, a `.docx` a ZIP
/// archive), or a script by its extension. The CLI's folder walks pick files by this rule;
/// a payload's members are reported by it.
pub fn signable(name: &str, head: &[u8]) -> bool {
    let script = std::path::Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .and_then(crate::script::ScriptLanguage::from_extension)
        .is_some();
    script
        || head.starts_with(b"MZ")
        || head.starts_with(b"MSCF")
        || (head.starts_with(&crate::msi::MAGIC) && has_extension(name, &["msi", "msp", "mst", "msm"]))
        || (head.starts_with(b"PK\x03\x04") && has_extension(name, &crate::appx::PACKAGE_EXTENSIONS))
        || (head.first() == Some(&0x30) && has_extension(name, &["cat"]))
}

/// The container formats whose payload is walked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContainerKind {
    /// A cabinet (`MSCF`).
    Cabinet,
    /// A ZIP-based package: `.zip .nupkg .vsix .whl .jar`, APPX/MSIX packages and bundles.
    Zip,
    /// A Windows Installer package or merge module (`.msi`, `.msm`).
    Msi,
}

fn has_extension(name: &str, list: &[&str]) -> bool {
    std::path::Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| list.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// The container `bytes` (named `name`) is, if its payload can be walked: by content, and
/// for ZIP archives and compound files by name too (an Office document is a compound file
/// and a `.docx` a ZIP archive, neither a package).
pub fn container_kind(name: &str, bytes: &[u8]) -> Option<ContainerKind> {
    if crate::cab::is_cabinet(bytes) {
        return Some(ContainerKind::Cabinet);
    }
    if crate::msi::is_compound_file(bytes) && has_extension(name, &["msi", "msm"]) {
        return Some(ContainerKind::Msi);
    }
    let zip = crate::appx::zip::is_zip(bytes);
    if zip && (has_extension(name, &ZIP_EXTENSIONS) || crate::appx::is_package(bytes)) {
        return Some(ContainerKind::Zip);
    }
    None
}

/// What a walk may still spend: members and decoded bytes. Shared by the nested walks of
/// one container (a member's own payload is walked while its container's walk is open).
#[derive(Debug)]
pub(crate) struct Budget {
    members: Cell<usize>,
    pub(crate) bytes: Cell<u64>,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            members: Cell::new(limits::MAX_MEMBERS),
            bytes: Cell::new(limits::MAX_TOTAL_BYTES),
        }
    }
}

impl Budget {
    /// Takes one member from the budget.
    fn member(&self) -> Result<(), PayloadError> {
        let left = self.members.get().checked_sub(1).ok_or(PayloadError::Bound {
            what: "members of the walk",
            found: usize_u64(limits::MAX_MEMBERS).saturating_add(1),
            limit: usize_u64(limits::MAX_MEMBERS),
        })?;
        self.members.set(left);
        Ok(())
    }

    /// Takes `n` decoded bytes from the budget.
    pub(crate) fn decode(&self, n: u64) -> Result<(), PayloadError> {
        let left = self.bytes.get().checked_sub(n).ok_or(PayloadError::Bound {
            what: "decoded bytes of the walk",
            found: limits::MAX_TOTAL_BYTES
                .saturating_sub(self.bytes.get())
                .saturating_add(n),
            limit: limits::MAX_TOTAL_BYTES,
        })?;
        self.bytes.set(left);
        Ok(())
    }
}

/// A member handed over: its path inside the container (`/`-separated) and its bytes.
pub(crate) use crate::cab::stream::{Data, Shared, Sink, Source};

/// A container's bytes: all of them in memory, or, for one read from a file in parts, a
/// buffer as long as the file holding what the walk parses (a cabinet's nothing, an MSI
/// package's structure and tables: `Verifier::verify_payload_reader`) and the file, which
/// the cabinets' data blocks are read from as they are decoded.
#[derive(Clone, Copy)]
pub(crate) struct Stored<'a> {
    /// The container's bytes, or the parts of them held.
    pub(crate) bytes: &'a [u8],
    /// The file the rest is read from, when only parts are held.
    pub(crate) file: Option<&'a dyn Source>,
}

impl<'a> Stored<'a> {
    /// A container in memory.
    pub(crate) fn bytes(bytes: &'a [u8]) -> Self {
        Self { bytes, file: None }
    }
}

/// Hands `f` every member of the container of `kind` with its path inside it.
pub(crate) fn for_each_member(
    kind: ContainerKind,
    stored: Stored<'_>,
    budget: &Budget,
    wanted: Wanted<'_>,
    carried: Carried,
    f: &mut Sink<'_>,
) -> Result<(), PayloadError> {
    match (kind, stored.file) {
        (ContainerKind::Cabinet, Some(file)) => cabinet_members(file, budget, wanted, f),
        (ContainerKind::Cabinet, None) => cabinet_members(&stored.bytes, budget, wanted, f),
        // A ZIP archive is read whole: its members are inflated whole anyway (at most
        // `limits::MAX_MEMBER_BYTES`), and its records are checked against each other.
        (ContainerKind::Zip, _) => zip_members(stored.bytes, budget, wanted, f),
        (ContainerKind::Msi, file) => msi::for_each_member(stored.bytes, file, budget, wanted, carried, f),
    }
}

/// Whether a walk ends with the error naming the files an MSI package installs that no
/// embedded cabinet carries: the member walk does, after every carried file is handed over;
/// the catalog pass does not, or its error would end the walk before any carried file is
/// reported (red team 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Carried {
    /// Files carried nowhere are an error once every member is handed over.
    Named,
    /// Files carried nowhere are left to the walk that names them.
    Unchecked,
}

/// Which members a walk hands over, by their path in the container: every one for the
/// walk itself ([`every_member`]); the catalog pass asks for catalogs only, so that a
/// cabinet folder holding none is not decoded twice.
pub(crate) type Wanted<'w> = &'w dyn Fn(&str) -> bool;

/// Every member is wanted.
pub(crate) fn every_member(_: &str) -> bool {
    true
}

/// The names of the MSI tables the payload walk reads (held with the structure when a
/// package is read in parts), as stored.
pub(crate) fn msi_table_streams() -> Vec<Vec<u16>> {
    msi::TABLES.iter().map(|t| msi::encoded_name(t, true)).collect()
}

/// The largest MSI table stream read.
pub(crate) const MSI_MAX_TABLE: u32 = msi::MAX_TABLE;

/// Where a catalog among a container's members applies: the members of the same scope.
/// Cabinets and ZIP archives extract to their member paths, so a member's folder is its
/// scope. An MSI package's files go to Directory rows, so a file's row is (`msi`); a file
/// whose path several rows give, or a cabinet member the File table does not name
/// (installed nowhere), has no scope and takes no sibling catalog.
pub(crate) enum Scopes {
    /// By the folder part of the member's path.
    Folders,
    /// By Directory row, per install path.
    Rows(std::collections::HashMap<String, Option<String>>),
}

impl Scopes {
    /// The scopes of the container `bytes` of `kind`.
    pub(crate) fn of(kind: ContainerKind, bytes: &[u8]) -> Result<Self, PayloadError> {
        match kind {
            ContainerKind::Msi => Ok(Self::Rows(msi::directory_rows(bytes)?)),
            ContainerKind::Cabinet | ContainerKind::Zip => Ok(Self::Folders),
        }
    }

    /// The scope of the member at `path`, if it has one.
    pub(crate) fn scope<'p>(&'p self, path: &'p str) -> Option<&'p str> {
        match self {
            Self::Folders => Some(path.rsplit_once('/').map_or("", |(dir, _)| dir)),
            Self::Rows(rows) => rows.get(path).and_then(Option::as_deref),
        }
    }
}

/// The cabinet bounds of a walk.
fn cabinet_bounds() -> crate::cab::stream::Bounds {
    crate::cab::stream::Bounds {
        max_members: limits::MAX_MEMBERS,
        max_member_bytes: usize::try_from(limits::MAX_MEMBER_BYTES).unwrap_or(usize::MAX),
        max_ratio: limits::MAX_RATIO,
        ratio_floor: limits::RATIO_FLOOR,
    }
}

/// A cabinet's members (its bytes, or a reader of them); `\\`-separated names become
/// `/`-separated paths.
pub(crate) fn cabinet_members(
    cabinet: &dyn Source,
    budget: &Budget,
    wanted: Wanted<'_>,
    f: &mut Sink<'_>,
) -> Result<(), PayloadError> {
    let path = |name: &str| name.replace('\\', "/");
    crate::cab::stream::for_each_wanted_member(
        cabinet,
        &cabinet_bounds(),
        &|n| budget.decode(n),
        &|name| wanted(&path(name)),
        &mut |name, data| {
            budget.member()?;
            f(&path(name), data)
        },
    )
    .map(|_| ())
}

/// A ZIP archive's members, directories and a package's signature, block map and content
/// types left out (they describe the package rather than install), each
/// inflated whole (at most [`limits::MAX_MEMBER_BYTES`]).
fn zip_members(bytes: &[u8], budget: &Budget, wanted: Wanted<'_>, f: &mut Sink<'_>) -> Result<(), PayloadError> {
    let archive = Archive::parse_members(bytes)?;
    let package = crate::appx::is_package(bytes);
    for m in &archive.members {
        if m.name.ends_with('/') || (package && crate::appx::blockmap::is_footprint(m.name)) {
            continue;
        }
        // A package's part names are percent-encoded (OPC); an ordinary archive's are not.
        let name = if package {
            crate::appx::blockmap::block_map_name(m.name).replace('\\', "/")
        } else {
            m.name.to_string()
        };
        if !wanted(&name) {
            continue;
        }
        budget.member()?;
        let stored = usize_u64(m.data.len());
        if m.uncompressed_size > limits::RATIO_FLOOR && m.uncompressed_size > stored.saturating_mul(limits::MAX_RATIO) {
            return Err(PayloadError::Bound {
                what: "compression ratio of a member",
                found: m.uncompressed_size.checked_div(stored.max(1)).unwrap_or(u64::MAX),
                limit: limits::MAX_RATIO,
            });
        }
        budget.decode(m.uncompressed_size)?;
        let data = contents(m, limits::MAX_MEMBER_BYTES, "bytes of one member").map_err(|e| match e {
            crate::error::AppxError::Bound { what, found, limit } => PayloadError::Bound { what, found, limit },
            other => other.into(),
        })?;
        f(&name, Data::Bytes(&data))?;
    }
    Ok(())
}
