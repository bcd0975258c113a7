//! Quarantined files (`authverify rescan-invalid DIR`): files a security product
//! quarantined by renaming them `<name>_Invalid` are verified again; those that pass now can
//! be renamed back — exactly the bytes that were verified, never a file put in their place
//! meanwhile (issue 27).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use authverify::{FileStatus, UnixTime, Verifier};
use rayon::prelude::*;
use serde::Serialize;

use crate::error::Error;
use crate::files::FileResult;
use crate::pinned::{self, Recording};

/// The quarantine suffix, compared case-insensitively at the very end of the file name.
const SUFFIX: &str = "_invalid";

/// `X_Invalid` → `X`; `None` for every other name (including `invalid.gif` and
/// `config_invalid_syntax.php`).
pub fn original_name(file_name: &str) -> Option<&str> {
    let cut = file_name.len().checked_sub(SUFFIX.len())?;
    let (stem, suffix) = (file_name.get(..cut)?, file_name.get(cut..)?);
    (suffix.eq_ignore_ascii_case(SUFFIX) && !stem.is_empty()).then_some(stem)
}

/// Why a file that passed was not put back.
#[derive(Debug)]
enum NotRestored {
    /// A file already has the original name: never overwritten.
    Exists,
    /// The quarantined file is no longer the one verified.
    Changed(&'static str),
    /// The file system refused (permissions, a read-only volume).
    Io(std::io::Error),
}

impl From<std::io::Error> for NotRestored {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

/// The modification stamp a write bumps (short of a file's owner putting the time back,
/// which the recorded bytes catch).
fn stamp(m: &std::fs::Metadata) -> (u64, Option<std::time::SystemTime>) {
    (m.len(), m.modified().ok())
}

/// Puts the verified file back as `to`, never over an existing file, and only if it is still
/// the file verified: `file` is the handle it was verified through (pinned on Windows, see
/// pinned.rs), `seen` what the verification read.
fn restore(from: &Path, to: &Path, file: File, seen: &Recording) -> Result<(), NotRestored> {
    let verified = file.metadata()?;
    // Compared before any name is made, so that a file rewritten since it was verified is
    // never under its original name, not even for a moment.
    if !seen.matches(&file)? {
        return Err(NotRestored::Changed("its bytes changed since it was verified"));
    }
    // A hard link fails if `to` exists (where `rename` replaces it on Unix), and names the
    // same file: its owner, permissions and times are kept.
    match std::fs::hard_link(from, to) {
        Ok(()) => {
            // `from` may name another file since it was verified (renamed over it; on
            // Windows the pin forbids that), or the file may have been written between the
            // comparison above and the link: then the new name goes.
            let why = if !pinned::names(to, &verified) {
                Some("it was replaced by another file since it was verified")
            } else if !file.metadata().is_ok_and(|m| stamp(&m) == stamp(&verified)) {
                Some("its bytes changed since it was verified")
            } else {
                None
            };
            if let Some(why) = why {
                let _ = std::fs::remove_file(to);
                return Err(NotRestored::Changed(why));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(NotRestored::Exists),
        Err(_) if std::fs::symlink_metadata(to).is_ok() => return Err(NotRestored::Exists),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(NotRestored::Changed("it was removed or renamed since it was verified"))
        }
        // No hard links on this file system (FAT, some network shares): the verified bytes
        // are copied from the handle into a new file.
        Err(_) => copy_verified(&file, to, seen)?,
    }
    // On Windows the pin forbids deleting the file through another handle, ours included.
    drop(file);
    // A file put under the quarantined name since the restore is not ours to delete.
    if pinned::names(from, &verified) {
        std::fs::remove_file(from)?;
    }
    Ok(())
}

/// Writes the file open as `file` to `to`, a new file (never over an existing one), with its
/// permissions and modification time, and checks that what was written is what `seen`
/// recorded; otherwise `to` is removed.
fn copy_verified(file: &File, to: &Path, seen: &Recording) -> Result<(), NotRestored> {
    let mut out = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(to)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => NotRestored::Exists,
            _ => NotRestored::Io(e),
        })?;
    let copied = (|| {
        let mut source = file;
        std::io::Seek::seek(&mut source, std::io::SeekFrom::Start(0))?;
        std::io::copy(&mut source, &mut out)?;
        let meta = file.metadata()?;
        if let Ok(t) = meta.modified() {
            out.set_modified(t)?;
        }
        out.set_permissions(meta.permissions())?;
        seen.matches(&out)
    })();
    drop(out);
    match copied {
        Ok(true) => Ok(()),
        failed => {
            let _ = std::fs::remove_file(to);
            Err(match failed {
                Err(e) => NotRestored::Io(e),
                Ok(_) => NotRestored::Changed("its bytes changed since it was verified"),
            })
        }
    }
}

/// What rescan found and did for one quarantined file: an object of `rescan-invalid
/// --format json`.
#[derive(Serialize)]
pub struct Entry {
    /// The quarantined file.
    pub path: String,
    /// The verdict now.
    pub status: FileStatus,
    /// Where it would go back to.
    pub restore_to: String,
    /// What was done with it.
    pub action: Action,
    /// Why it was not restored, or why it could not be verified.
    pub detail: Option<String>,
}

/// What rescan did with a quarantined file (serialized snake_case, as reports name it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Valid now; a dry run would rename it back.
    WouldRestore,
    /// Valid now and renamed back.
    Restored,
    /// Still not valid: left where it is.
    Kept,
    /// Valid now, but a file already has the original name: not overwritten.
    Blocked,
    /// Valid now; the file system refused the rename.
    Failed,
    /// Valid when verified, but by the time of the rename the quarantined file was no
    /// longer the one verified (replaced or rewritten): not restored.
    Changed,
}

/// The files under `dir` named as quarantined (`*_Invalid`), sorted by name; a folder that
/// cannot be read is a line of `notes`, and a folder with no such file an error.
pub fn quarantined(dir: &Path, notes: &mut dyn Write) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).follow_links(false).sort_by_file_name() {
        match entry {
            Ok(e) if e.file_type().is_file() => {
                if e.file_name().to_str().and_then(original_name).is_some() {
                    files.push(e.into_path());
                }
            }
            Ok(_) => {}
            Err(err) => {
                let problem = format!("cannot read: {err}");
                let _ = writeln!(notes, "authverify: {}", crate::escape::terminal(&problem));
            }
        }
    }
    if files.is_empty() {
        return Err(Error::NothingQuarantined { dir: dir.to_path_buf() });
    }
    Ok(files)
}

/// Verifies each quarantined file (in parallel) and, with `restore`, puts back those that
/// pass; the entries come sorted by path. `between` runs after a file is verified and
/// before it is restored (nothing in the command; the tests swap the file there); `tick`
/// after each file (a progress bar).
pub fn rescan(
    verifier: &Verifier,
    at: UnixTime,
    files: &[PathBuf],
    restore: bool,
    tick: &(dyn Fn() + Sync),
    between: &(dyn Fn(&Path) + Sync),
) -> Vec<(Entry, FileResult)> {
    let mut done: Vec<(Entry, FileResult)> = files
        .par_iter()
        .map(|path| {
            let done = rescan_one(verifier, at, path, restore, between);
            tick();
            done
        })
        .collect();
    done.sort_by(|a, b| a.1.path.cmp(&b.1.path));
    done
}

/// One quarantined file: opened once, verified through that handle, and restored from it.
fn rescan_one(
    verifier: &Verifier,
    at: UnixTime,
    path: &Path,
    restore: bool,
    between: &(dyn Fn(&Path) + Sync),
) -> (Entry, FileResult) {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(original_name)
        .unwrap_or_default();
    let target = path.with_file_name(name);
    let entry = |result: &FileResult, action, detail| Entry {
        path: result.path.clone(),
        status: result.status(),
        restore_to: target.display().to_string(),
        action,
        detail,
    };
    let file = match pinned::open(path) {
        Ok(f) => f,
        Err(e) => {
            let result = FileResult::error(path, "file.unreadable", format!("cannot open: {e}"));
            return (
                entry(&result, Action::Kept, result.error_message().map(str::to_string)),
                result,
            );
        }
    };
    // The walk took regular files only; the name may have changed since.
    if let Ok(meta) = file.metadata() {
        if !meta.is_file() {
            let result = crate::files::not_regular(path, meta.file_type());
            return (
                entry(&result, Action::Kept, result.error_message().map(str::to_string)),
                result,
            );
        }
    }
    let mut recorder = pinned::Recorder::new(&file);
    let result = crate::files::verify_open(verifier, path, &file, &mut recorder, at);
    let (action, detail) = if result.status() != FileStatus::Valid {
        // A file that could not be verified says why (a valid-format verdict is in the
        // text output's report).
        (Action::Kept, result.error_message().map(str::to_string))
    } else if std::fs::symlink_metadata(&target).is_ok() {
        (
            Action::Blocked,
            Some(format!("{} exists; not overwritten", target.display())),
        )
    } else if !restore {
        (Action::WouldRestore, None)
    } else {
        // Closed right after the verdict: the bytes the verifier skipped (if any) are read
        // now, before anything else may happen to the file.
        let seen = recorder.finish();
        between(path);
        match seen
            .map_err(NotRestored::Io)
            .and_then(|seen| self::restore(path, &target, file, &seen))
        {
            Ok(()) => (Action::Restored, None),
            Err(NotRestored::Exists) => (
                Action::Blocked,
                Some(format!("{} exists; not overwritten", target.display())),
            ),
            Err(NotRestored::Changed(why)) => (Action::Changed, Some(why.to_string())),
            Err(NotRestored::Io(e)) => (Action::Failed, Some(e.to_string())),
        }
    };
    (entry(&result, action, detail), result)
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use std::path::{Path, PathBuf};

    use authverify::{Policy, TrustStore, Verifier};

    use super::{original_name, rescan, Action};

    fn vectors() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors")
    }

    /// A quarantined file swapped between its verification and its restore (by `swap`,
    /// called at that moment) must never be restored with the new bytes. On Unix the swap
    /// succeeds and the file is reported `changed` (`why` says how it was found); on
    /// Windows the open handle denies writing, renaming and deleting the file, so the swap
    /// fails and the verified bytes are restored.
    fn swapped_file_is_never_restored(swap: &(dyn Fn(&Path) + Sync), why: &str) {
        let mut trust = TrustStore::new();
        trust.load_anchors(&vectors().join("pki/root.crt")).expect("root");
        let verifier = Verifier::new(trust, Policy::windows());
        let at = "2026-06-01T00:00:00Z".parse().expect("time");
        let dir = tempfile::tempdir().expect("tempdir");
        let quarantined = dir.path().join("agent.dll_Invalid");
        let verified = std::fs::read(vectors().join("pe32plus-rsa2048-sha256.exe")).expect("vector");
        std::fs::write(&quarantined, &verified).expect("write");
        let done = rescan(&verifier, at, std::slice::from_ref(&quarantined), true, &|| {}, swap);
        let action = done.first().map(|(e, _)| e.action);
        let detail = done.first().and_then(|(e, _)| e.detail.clone()).unwrap_or_default();
        let restored = std::fs::read(dir.path().join("agent.dll")).ok();
        assert!(
            restored.is_none() || restored.as_ref() == Some(&verified),
            "restored bytes that were never verified ({action:?})"
        );
        if cfg!(unix) {
            assert_eq!(action, Some(Action::Changed));
            assert!(detail.contains(why), "{detail}");
            assert!(restored.is_none() && quarantined.exists());
        } else {
            // The pin makes the swap fail: the verified bytes are restored. Should a
            // Windows-like system let it through, the file must be left, as on Unix.
            assert!(
                matches!(action, Some(Action::Restored | Action::Changed)),
                "{action:?}: {detail}"
            );
        }
    }

    #[test]
    fn a_quarantined_file_renamed_over_after_verification_is_not_restored() {
        // Another valid file takes the quarantined name: what was verified is gone.
        swapped_file_is_never_restored(
            &|path| {
                let other = path.with_file_name("other.tmp");
                let _ = std::fs::copy(vectors().join("pe32-rsa2048-sha256.exe"), &other);
                let _ = std::fs::rename(&other, path);
            },
            "replaced",
        );
    }

    #[test]
    fn a_quarantined_file_rewritten_in_place_after_verification_is_not_restored() {
        // Same inode, same length, the modification time put back (as the file's owner
        // may): only the bytes tell.
        swapped_file_is_never_restored(
            &|path| {
                let Ok(meta) = std::fs::metadata(path) else { return };
                let Ok(mut bytes) = std::fs::read(path) else { return };
                if let Some(b) = bytes.get_mut(0x200) {
                    *b ^= 0xff;
                }
                let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(path) else {
                    return;
                };
                if std::io::Write::write_all(&mut f, &bytes).is_ok() {
                    let _ = meta.modified().map(|t| f.set_modified(t));
                }
            },
            "bytes changed",
        );
    }

    #[test]
    fn without_hard_links_the_verified_bytes_are_copied_never_over_a_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let from = dir.path().join("agent.dll_Invalid");
        let bytes: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
        std::fs::write(&from, &bytes).expect("write");
        let file = crate::pinned::open(&from).expect("open");
        let mut recorder = crate::pinned::Recorder::new(&file);
        std::io::Read::read_exact(&mut recorder, &mut [0u8; 1000]).expect("read");
        let seen = recorder.finish().expect("recording");
        let to = dir.path().join("agent.dll");
        super::copy_verified(&file, &to, &seen).expect("copied");
        assert_eq!(std::fs::read(&to).expect("restored"), bytes);
        assert!(matches!(
            super::copy_verified(&file, &to, &seen),
            Err(super::NotRestored::Exists)
        ));
        // Bytes that are not the ones recorded are never left under the original name.
        let changed = dir.path().join("changed.dll_Invalid");
        std::fs::write(&changed, &bytes[1..]).expect("write");
        let other = dir.path().join("changed.dll");
        let changed = crate::pinned::open(&changed).expect("open");
        assert!(matches!(
            super::copy_verified(&changed, &other, &seen),
            Err(super::NotRestored::Changed(_))
        ));
        assert!(!other.exists());
    }

    #[test]
    fn only_the_quarantine_suffix_counts() {
        assert_eq!(original_name("agent.dll_Invalid"), Some("agent.dll"));
        assert_eq!(original_name("AGENT.DLL_INVALID"), Some("AGENT.DLL"));
        assert_eq!(original_name("invalid.gif"), None);
        assert_eq!(original_name("config_invalid_syntax.php"), None);
        assert_eq!(original_name("_Invalid"), None);
        assert_eq!(original_name("Invalid"), None);
    }
}
