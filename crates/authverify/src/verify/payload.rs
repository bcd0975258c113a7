//! Verifying a container's payload ([`Verifier::verify_payload`]): every file it carries,
//! recursively, each with its own report, the catalogs among a member's siblings applied to
//! it as they will be once installed.

use std::collections::HashMap;
use std::sync::Arc;

use super::catalogs::CatalogIndex;
use crate::cab::stream::ReadSeek;
use crate::error::{Error, PayloadError};
use crate::payload::{
    container_kind, every_member, limits, Budget, Carried, ContainerKind, Data, Scopes, Shared, Stored,
};
use crate::report::FileReport;
use crate::time::UnixTime;
use crate::Verifier;

/// One file of a payload: where it is and its report (or why there is none).
#[derive(Debug)]
pub struct MemberReport {
    /// The containers around it, outermost first: the name the caller gave the container,
    /// then the path of each nested container inside the one before.
    pub container: Vec<String>,
    /// Its path inside the innermost container (`/`-separated), or `None` when the
    /// innermost container's payload could not be walked (the error says why).
    pub member: Option<String>,
    /// Its report, or why it has none.
    pub result: Result<FileReport, Error>,
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn is_catalog(path: &str, bytes: &[u8]) -> bool {
    bytes.first() == Some(&0x30) && is_catalog_name(path)
}

/// A member named as a catalog (`.cat`, any case), whatever its bytes: what the catalog
/// pass decodes.
fn is_catalog_name(path: &str) -> bool {
    std::path::Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("cat"))
}

/// The hash a catalog's two reads are compared by.
fn catalog_hash(bytes: &[u8]) -> Vec<u8> {
    crate::DigestAlgorithm::Sha256.hash(bytes)
}

/// What the catalog pass found: a verifier per scope holding catalogs, and each member
/// named as a catalog with the hash of its bytes as read (`None`: one handed over as a
/// reader, more than 8 MiB).
type SiblingCatalogs = (HashMap<String, Verifier>, Vec<(String, Option<Vec<u8>>)>);

/// Whether a member is reported: as a folder walk picks files (a signed format, by
/// content; a script or catalog, by name), or any file when catalogs may list it.
fn reported(verifier: &Verifier, path: &str, bytes: &[u8]) -> bool {
    verifier.has_catalogs() || crate::payload::signable(base_name(path), bytes)
}

/// Where one container's walk is.
struct Walk<'s> {
    chain: Vec<String>,
    depth: usize,
    at: UnixTime,
    sink: &'s mut dyn FnMut(MemberReport),
}

impl Verifier {
    /// Verifies every file the container `bytes` (named `name`) carries — a cabinet's
    /// members, a ZIP-based package's, the files an MSI package installs from its embedded
    /// cabinets — recursively into the containers among them, without writing anything to
    /// disk; `sink` gets one [`MemberReport`] per file (the container's own signature is
    /// verified as usual by [`Verifier::verify_bytes_named`]). A catalog among the members
    /// applies to its siblings (the members of its folder), besides this verifier's own
    /// catalogs. Bounded by [`crate::payload::limits`]. Returns `false` when `bytes` is no
    /// container whose payload is walked.
    pub fn verify_payload(&self, bytes: &[u8], name: &str, at: UnixTime, sink: &mut dyn FnMut(MemberReport)) -> bool {
        let Some(kind) = container_kind(name, bytes) else {
            return false;
        };
        let budget = Budget::default();
        let mut walk = Walk {
            chain: vec![name.to_string()],
            depth: 0,
            at,
            sink,
        };
        self.walk_container(kind, Stored::bytes(bytes), &budget, &mut walk);
        true
    }

    /// [`Verifier::verify_payload`] of the container `r` reads (named `name`), in bounded
    /// memory where its format allows: a cabinet or MSI package larger than
    /// [`crate::READ_WHOLE_LIMIT`] is not read whole. Of a cabinet only the header, folder
    /// and file tables are held (at most about 35 MB for 65,535 members of the longest
    /// names; a few KB in practice), and each data block is read as it is decoded. Of an
    /// MSI package the structure the verification holds (`msi::hold`: 4 bytes of FAT per
    /// 512-byte sector, the directory, the mini stream) and the tables the walk reads
    /// (string pool, `_Columns`, File, Component, Directory, Media; at most 64 MiB each)
    /// are held, within the bound on what the verification holds in parts (256 MiB, past
    /// which the package is read whole), and each embedded cabinet is read through its
    /// stream's chain (marked every 256 sectors, 4 bytes per 128 KiB of it). ZIP archives and
    /// smaller files are read whole (at most 4 GiB) and walked as
    /// [`Verifier::verify_payload`] walks bytes. The reports are those of
    /// [`Verifier::verify_payload`] over the same bytes. A file cut short during the walk,
    /// or whose held parts or length differ after it, gives a report without a member
    /// whose error is [`Error::Changed`]; one that cannot be read, [`Error::Read`].
    pub fn verify_payload_reader<R: std::io::Read + std::io::Seek>(
        &self,
        r: &mut R,
        name: &str,
        at: UnixTime,
        sink: &mut dyn FnMut(MemberReport),
    ) -> bool {
        self.payload_from_reader(r, name, at, sink, crate::READ_WHOLE_LIMIT)
    }

    /// [`Verifier::verify_payload_reader`] reading a container of up to `read_whole_up_to`
    /// bytes whole (the fuzzing entry passes 0 to check the walk in parts against the walk
    /// over bytes).
    pub(crate) fn payload_from_reader<R: std::io::Read + std::io::Seek>(
        &self,
        r: &mut R,
        name: &str,
        at: UnixTime,
        sink: &mut dyn FnMut(MemberReport),
        read_whole_up_to: u64,
    ) -> bool {
        let mut walk = Walk {
            chain: vec![name.to_string()],
            depth: 0,
            at,
            sink,
        };
        let opened = match super::reader::payload_parts(r, name, read_whole_up_to) {
            Ok(Some(opened)) => opened,
            Ok(None) => return false,
            Err(e) => {
                walk.report(None, Err(e));
                return true;
            }
        };
        let budget = Budget::default();
        match opened {
            super::reader::PayloadParts::Whole(bytes) => {
                let Some(kind) = container_kind(name, &bytes) else {
                    return false;
                };
                self.walk_container(kind, Stored::bytes(&bytes), &budget, &mut walk);
            }
            super::reader::PayloadParts::Held { kind, data, held, len } => {
                {
                    // The walk reads the file through `file`; `r` is used again after it.
                    let file = Shared::new(&mut *r, len);
                    let stored = Stored {
                        bytes: &data,
                        file: Some(&file),
                    };
                    self.walk_container(kind, stored, &budget, &mut walk);
                }
                // One snapshot: the tables the walk parsed must still be what is there.
                if let Err(e) = super::reader::unchanged(r, &data, &held, len, "the container's structure or tables") {
                    walk.report(None, Err(e));
                }
            }
        }
        true
    }

    /// One container: its catalogs first (a pass that verifies only them), then every
    /// member with its folder's catalogs.
    fn walk_container(&self, kind: ContainerKind, stored: Stored<'_>, budget: &Budget, walk: &mut Walk<'_>) {
        let scopes = match Scopes::of(kind, stored.bytes) {
            Ok(s) => s,
            Err(e) => return walk.failed(e),
        };
        let (verifiers, catalogs_read) = match self.sibling_catalogs(kind, stored, &scopes, walk.at) {
            Ok(v) => v,
            Err(e) => return walk.failed(e),
        };
        // Read from a file in parts, the container is read twice: the catalogs the first pass
        // verified must be what the second finds, or its verdicts would rest on catalogs the
        // file no longer holds (red team 4). In memory both passes read the same bytes.
        // Every member named as a catalog is compared, in order, a large one (handed over as
        // a reader, not verified as a catalog) by its coming as one in both reads; and the
        // second read must meet each the first did: an embedded cabinet's own file table is
        // not among the parts held, so rewritten between the reads it could turn a catalog
        // the first read used into a large member, or take it out, with nothing compared
        // (red team 5).
        let mut catalogs_again = stored.file.map(|_| catalogs_read.iter());
        let mut each = |path: &str, data: Data<'_>| {
            if let Some(again) = catalogs_again.as_mut() {
                if is_catalog_name(path) {
                    let now = match &data {
                        Data::Bytes(bytes) => Some(catalog_hash(bytes)),
                        Data::Reader(_) => None,
                    };
                    let before = again.next();
                    if before.map(|(p, h)| (p.as_str(), h.as_deref())) != Some((path, now.as_deref())) {
                        walk.report(
                            None,
                            Err(Error::Changed {
                                detail: format!("{path} (a catalog) differs between the walk's two reads of it"),
                            }),
                        );
                    }
                }
            }
            let verifier = scopes.scope(path).and_then(|s| verifiers.get(s)).unwrap_or(self);
            match data {
                Data::Bytes(bytes) => verifier.member(path, bytes, budget, walk),
                Data::Reader(reader) => verifier.streamed_member(path, reader, budget, walk),
            }
            Ok(())
        };
        match crate::payload::for_each_member(kind, stored, budget, &every_member, Carried::Named, &mut each) {
            Ok(()) => {
                // A walk cut short by an error has reported it; one that ended met every
                // catalog the first read did.
                if let Some((path, _)) = catalogs_again.as_mut().and_then(Iterator::next) {
                    walk.report(
                        None,
                        Err(Error::Changed {
                            detail: format!("{path} (a catalog) read by the walk's first read is not in its second"),
                        }),
                    );
                }
            }
            Err(e) => walk.failed(e),
        }
    }

    /// A verifier per scope (folder, or an MSI package's Directory row) that holds
    /// catalogs: this one, also looking files up in them. The pass reads the container once
    /// more under a budget of its own (a bound on its time like the walk's). Also returns
    /// each member named as a catalog that the pass read, in order, with the SHA-256 of its
    /// bytes as read, `None` for one handed over as a reader (32 bytes a catalog, at most
    /// `limits::MAX_MEMBERS` of them).
    fn sibling_catalogs(
        &self,
        kind: ContainerKind,
        stored: Stored<'_>,
        scopes: &Scopes,
        at: UnixTime,
    ) -> Result<SiblingCatalogs, PayloadError> {
        let mut found: HashMap<String, CatalogIndex> = HashMap::new();
        let mut read: Vec<(String, Option<Vec<u8>>)> = Vec::new();
        // Only members named as catalogs are handed over: a folder holding none is not
        // decoded by this pass.
        // Files an MSI package carries nowhere are named by the member walk, after the files
        // it carries: an error here would end the walk before any of them is reported.
        let check = Carried::Unchecked;
        crate::payload::for_each_member(
            kind,
            stored,
            &Budget::default(),
            &is_catalog_name,
            check,
            &mut |path, data| {
                let Data::Bytes(data) = data else {
                    // A catalog of more than 8 MiB is verified as a member only (recorded: the
                    // member pass must get it as one too).
                    if stored.file.is_some() && is_catalog_name(path) {
                        read.push((path.to_string(), None));
                    }
                    return Ok(());
                };
                if stored.file.is_some() && is_catalog_name(path) {
                    read.push((path.to_string(), Some(catalog_hash(data))));
                }
                let scope = scopes.scope(path);
                if let Some(scope) = scope.filter(|_| is_catalog(path, data)) {
                    if let Ok(verified) = CatalogIndex::verify(path, data, self, at) {
                        // A catalog that cannot be indexed is reported by the walk itself.
                        let _ = found.entry(scope.to_string()).or_default().insert(verified);
                    }
                }
                Ok(())
            },
        )?;
        let verifiers = found
            .into_iter()
            .map(|(folder, index)| (folder, self.clone().with_added_catalogs(Arc::new(index))))
            .collect();
        Ok((verifiers, read))
    }

    /// One member: its own report when it is reported, then its payload when it is a
    /// container.
    fn member(&self, path: &str, data: &[u8], budget: &Budget, walk: &mut Walk<'_>) {
        let kind = container_kind(base_name(path), data);
        // A plain ZIP archive has no signature of its own: only its members are reported.
        let plain_zip = kind == Some(ContainerKind::Zip) && !crate::appx::is_package(data);
        if !plain_zip && reported(self, path, data) {
            let result = self.verify_bytes_named(data, base_name(path), walk.at);
            walk.report(Some(path.to_string()), result);
        }
        let Some(kind) = kind else { return };
        walk.chain.push(path.to_string());
        if walk.depth >= limits::MAX_DEPTH {
            walk.failed(PayloadError::Bound {
                what: "nesting depth",
                found: crate::num::usize_u64(walk.depth.saturating_add(1)),
                limit: crate::num::usize_u64(limits::MAX_DEPTH),
            });
        } else {
            walk.depth = walk.depth.saturating_add(1);
            self.walk_container(kind, Stored::bytes(data), budget, walk);
            walk.depth = walk.depth.saturating_sub(1);
        }
        walk.chain.pop();
    }
}

impl Verifier {
    /// A member read through `reader` (a large cabinet member): verified from the reader,
    /// in a window's memory, whatever its size (the cabinet format's own bound is 4 GiB, and
    /// the walk's budget bounds what it decodes); a container among such members is read
    /// whole to be walked, at most [`limits::MAX_MEMBER_BYTES`].
    fn streamed_member(&self, path: &str, reader: &mut dyn ReadSeek, budget: &Budget, walk: &mut Walk<'_>) {
        let mut head = [0u8; 8];
        let read_head = reader
            .seek(std::io::SeekFrom::Start(0))
            .and_then(|_| reader.read(&mut head));
        let head = match read_head {
            Ok(n) => head.get(..n).unwrap_or_default(),
            Err(e) => {
                let failed = Error::Read { message: e.to_string() };
                return walk.report(Some(path.to_string()), Err(failed));
            }
        };
        if container_kind(base_name(path), head).is_some() || head.starts_with(&crate::msi::MAGIC) {
            // A container among them is walked from memory: it is held whole, within the
            // bound on a member held.
            return match read_member_whole(reader, limits::MAX_MEMBER_BYTES) {
                Ok(whole) => self.member(path, &whole, budget, walk),
                Err(e) => walk.report(Some(path.to_string()), Err(e)),
            };
        }
        if reported(self, path, head) {
            // Formats read whole (a catalog, a `.wsf` script, a package whose parts cannot
            // be held) within the bound on a member held, not a file's: a few stored bytes
            // can decode to many.
            let result = super::reader::verify(
                self,
                &mut &mut *reader,
                Some(base_name(path)),
                walk.at,
                super::reader::Limits::MEMBER,
            );
            walk.report(Some(path.to_string()), result);
        }
    }
}

/// A streamed member's bytes, when it is at most `limit` bytes long.
fn read_member_whole(reader: &mut dyn ReadSeek, limit: u64) -> Result<Vec<u8>, Error> {
    let len = reader
        .seek(std::io::SeekFrom::End(0))
        .map_err(|e| Error::Read { message: e.to_string() })?;
    if len > limit {
        return Err(PayloadError::Bound {
            what: "bytes of one member held",
            found: len,
            limit,
        }
        .into());
    }
    // Reserved fallibly, as a file read whole is.
    super::reader::read_whole(reader, len)
}

impl Walk<'_> {
    fn report(&mut self, member: Option<String>, result: Result<FileReport, Error>) {
        (self.sink)(MemberReport {
            container: self.chain.clone(),
            member,
            result,
        });
    }

    fn failed(&mut self, e: PayloadError) {
        self.report(None, Err(e.into()));
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::indexing_slicing)] // test code on known-good inputs
mod tests {
    use crate::{Policy, TrustStore, UnixTime, Verifier};

    /// A streamed member held to be walked (a container) is read whole only within the
    /// bound: one byte more is the typed bound error, not an allocation of its size.
    #[test]
    fn a_streamed_container_is_held_only_within_the_bound() {
        let bytes: Vec<u8> = (0..10u8).collect();
        let held = super::read_member_whole(&mut std::io::Cursor::new(bytes.clone()), 10).expect("within");
        assert_eq!(held, bytes);
        let err = super::read_member_whole(&mut std::io::Cursor::new(bytes), 9).expect_err("past the bound");
        assert!(
            matches!(
                err,
                crate::Error::Payload(crate::error::PayloadError::Bound {
                    found: 10,
                    limit: 9,
                    ..
                })
            ),
            "{err:?}"
        );
    }

    /// A signed PE image with 9 MiB appended (outside its certificate table: invalid), in a
    /// cabinet: streamed through the member reader, its report is the report of the same
    /// bytes verified whole.
    #[test]
    fn a_streamed_member_gets_the_report_its_bytes_get() {
        let vectors = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors");
        let mut pe = std::fs::read(vectors.join("pe32plus-rsa2048-sha256.exe")).expect("vector");
        pe.resize(pe.len() + (9 << 20), 0x5a);
        let cab = crate::cab::stream::tests::stored_cabinet("big.exe", &pe);
        let mut trust = TrustStore::new();
        trust
            .load(&vectors.join("pki/root.crt"), crate::Role::Anchors)
            .expect("root");
        let verifier = Verifier::new(trust, Policy::windows());
        let at = UnixTime::from_secs(1_780_272_000);
        let mut reports = Vec::new();
        assert!(verifier.verify_payload(&cab, "big.cab", at, &mut |m| reports.push(m)));
        assert_eq!(reports.len(), 1);
        let streamed = reports.pop().expect("one").result.expect("a report");
        let whole = verifier.verify_bytes_named(&pe, "big.exe", at).expect("a report");
        assert_eq!(format!("{streamed:?}"), format!("{whole:?}"));
        assert_eq!(streamed.status, crate::FileStatus::Invalid);
    }
}
