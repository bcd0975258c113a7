//! Finding input files and verifying each one; errors become results, never aborts.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
#[cfg(test)]
use std::path::PathBuf;

use authverify::{FileReport, FileStatus, UnixTime, Verifier};
use serde::Serialize;

/// What one file produced.
#[derive(Debug, Serialize)]
pub struct FileResult {
    /// The file's path as found or given.
    pub path: String,
    /// `--label`: the host (or run) this report comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// `verify --payload`, for a file a container carries: the containers around it,
    /// outermost first (the path of the file found, then each nested container's path
    /// inside the one before). Empty (and absent from JSON) for a file on disk.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub container: Vec<String>,
    /// `verify --payload`: the file's path inside the innermost container, `/`-separated;
    /// absent for a file on disk and for a container whose payload could not be walked
    /// (its error says why).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// The report, or why there is none.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The release gate's answer (`--require-signer`, `--require-timestamp`,
    /// `--exclude-from`: [`crate::gate`]); absent when no gate option is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gate: Option<Box<crate::gate::GateResult>>,
}

/// What verifying one file produced (its fields, flattened into the file's JSON object).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Outcome {
    /// The library's report.
    Report(FileReport),
    /// The file was not verified: `error` is the message, `error_rule` a stable id for
    /// grouping (the library's [`authverify::Error::rule`], or `file.not_found`,
    /// `file.unreadable`, `file.changed`, `file.not_regular`).
    Error {
        /// Always [`FileStatus::Error`].
        status: FileStatus,
        /// The message.
        error: String,
        /// The stable id of the failure.
        error_rule: &'static str,
    },
}

impl FileResult {
    /// The file's verdict.
    pub fn status(&self) -> FileStatus {
        match &self.outcome {
            Outcome::Report(r) => r.status,
            Outcome::Error { status, .. } => *status,
        }
    }

    /// The message of a file that could not be verified.
    pub(crate) fn error_message(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Report(_) => None,
            Outcome::Error { error, .. } => Some(error),
        }
    }

    /// The result `outcome` for the file at `path` (not in a package, no label, no gate).
    pub fn new(path: &Path, outcome: Outcome) -> Self {
        Self {
            path: path.display().to_string(),
            container: Vec::new(),
            member: None,
            label: None,
            outcome,
            gate: None,
        }
    }

    pub(crate) fn error(path: &Path, error_rule: &'static str, error: String) -> Self {
        Self::new(
            path,
            Outcome::Error {
                status: FileStatus::Error,
                error,
                error_rule,
            },
        )
    }
}

/// The inputs of a run, collected whole (the reference the streamed order is tested against).
#[cfg(test)]
pub(crate) struct Inputs {
    pub(crate) files: Vec<PathBuf>,
    pub(crate) errors: Vec<FileResult>,
    pub(crate) skipped_other: usize,
}

/// Files named directly are always verified (a non-PE one is reported as an error);
/// files found in directories are taken when they start with `MZ`.
#[cfg(test)]
pub(crate) fn collect_inputs(paths: &[PathBuf]) -> Inputs {
    let mut inputs = Inputs {
        files: Vec::new(),
        errors: Vec::new(),
        skipped_other: 0,
    };
    for path in paths {
        if path.is_dir() {
            for entry in walkdir::WalkDir::new(path).follow_links(false).sort_by_file_name() {
                match entry {
                    Ok(e) if e.file_type().is_file() => {
                        if looks_signable(e.path()) {
                            inputs.files.push(e.into_path());
                        } else {
                            inputs.skipped_other = inputs.skipped_other.saturating_add(1);
                        }
                    }
                    Ok(e) if is_special(e.file_type()) => inputs.errors.push(not_regular(e.path(), e.file_type())),
                    Ok(_) => {}
                    Err(err) => {
                        let p = err.path().map(Path::to_path_buf).unwrap_or_else(|| path.clone());
                        inputs
                            .errors
                            .push(FileResult::error(&p, "file.unreadable", format!("cannot read: {err}")));
                    }
                }
            }
        } else if path.exists() {
            inputs.files.push(path.clone());
        } else {
            inputs
                .errors
                .push(FileResult::error(path, "file.not_found", NO_SUCH_FILE.into()));
        }
    }
    inputs
}

/// The file starts like a format authverify verifies: a PE image (`MZ`), a cabinet
/// (`MSCF`), or an OLE compound file named like a Windows Installer package (`.msi`, `.msp`,
/// `.mst`, `.msm`: Office documents are compound files too, and not packages), a ZIP archive
/// named like an APPX/MSIX package or bundle (a `.zip`, `.docx` or `.jar` is not one), DER
/// named `.cat` (a catalog), or a script named by its extension (`.ps1`, `.psm1`, `.psd1`,
/// `.ps1xml`, `.psc1`, `.cdxml`, `.mof`, `.js`, `.vbs`, `.wsf`). Other files in a directory
/// are counted as skipped.
#[cfg(test)]
pub(crate) fn looks_signable(path: &Path) -> bool {
    let mut magic = [0u8; MAGIC];
    let Ok(mut f) = File::open(path) else { return false };
    let mut n = 0;
    while n < magic.len() {
        match f.read(magic.get_mut(n..).unwrap_or_default()) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    named_script(path) || head_signable(path, magic.get(..n).unwrap_or_default())
}

/// The bytes of a file's start that tell its format.
const MAGIC: usize = 8;

/// A script is known by its extension alone (no magic: PowerShell, MOF, WSH).
fn named_script(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .and_then(authverify::script::ScriptLanguage::from_extension)
        .is_some()
}

/// [`looks_signable`] from the file's first bytes (`head`, at least [`MAGIC`] of them when
/// the file has that many) and its name: the library's rule
/// ([`authverify::payload::signable`], which the payload walker applies to members too).
fn head_signable(path: &Path, head: &[u8]) -> bool {
    let head = head.get(..MAGIC).unwrap_or(head);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    authverify::payload::signable(name, head)
}

/// The path's extension is one of `names` (compared without case).
pub(crate) fn named(path: &Path, names: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| names.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// What a named path that does not exist reports.
pub(crate) const NO_SUCH_FILE: &str = "no such file or directory";

/// Neither a regular file, a directory nor a symbolic link: a FIFO, a socket or a device.
pub(crate) fn is_special(t: std::fs::FileType) -> bool {
    !t.is_file() && !t.is_dir() && !t.is_symlink()
}

/// The result for a path that is not a regular file. Only regular files are ever opened: a
/// FIFO blocks its reader until a writer comes (forever, in a scan), a device such as
/// `/dev/zero` never ends, and neither is a file anyone signed.
pub(crate) fn not_regular(path: &Path, t: std::fs::FileType) -> FileResult {
    #[cfg(unix)]
    let kind = {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            "a FIFO (named pipe)"
        } else if t.is_socket() {
            "a socket"
        } else if t.is_block_device() || t.is_char_device() {
            "a device"
        } else if t.is_dir() {
            "a directory"
        } else {
            "not a regular file"
        }
    };
    #[cfg(not(unix))]
    let kind = if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    };
    FileResult::error(path, "file.not_regular", format!("{kind}: only regular files are read"))
}

/// A file named by the caller (a PATH argument, a `--files-from` line, a path given to the
/// Python binding): missing is reported as such, so is anything but a regular file (never
/// opened); a regular file is verified.
pub fn verify_named(verifier: &Verifier, path: &Path, at: UnixTime) -> FileResult {
    let mut scratch = Scratch::default();
    match verify_found(verifier, path, at, Found::Named, &mut scratch) {
        Some(result) => result,
        // Never for a named file: only walked files are skipped.
        None => FileResult::error(path, "file.not_found", NO_SUCH_FILE.into()),
    }
}

#[cfg(test)]
pub(crate) fn verify_one(verifier: &Verifier, path: &Path, at: UnixTime) -> FileResult {
    verify_named(verifier, path, at)
}

/// How a file came into the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Found {
    /// Named by the caller: always verified (a file of no known format is an error).
    Named,
    /// Met in a directory walk as a regular file: taken only when it looks like a signed
    /// format, unless `every_file` (`--catalogs`: the others are looked up by their hash).
    Walked {
        /// Take it whatever its content.
        every_file: bool,
    },
}

/// A worker's read buffer, kept across files so that a small file is read into memory that
/// is already there (no allocation, no zeroing, per file).
#[derive(Default)]
pub(crate) struct Scratch {
    buffer: Vec<u8>,
}

/// The first read of a walked file whose format is not yet known: enough for its magic,
/// and most small files whole, without reading a large file of another kind in full.
const FIRST_READ: usize = 64 << 10;

/// Opens `path` once, and verifies it, or says it is not a format verified (`None`, for a
/// walked file only). Per file: one `open`, one `fstat` before and one after (the "file
/// changed" check), and for a file of up to [`authverify::READ_WHOLE_LIMIT`] bytes one
/// `read` into `scratch` (two when a walked file is longer than [`FIRST_READ`]); larger
/// files are streamed by the library from the open file.
pub(crate) fn verify_found(
    verifier: &Verifier,
    path: &Path,
    at: UnixTime,
    found: Found,
    scratch: &mut Scratch,
) -> Option<FileResult> {
    // A named path is looked at before it is opened: opening a FIFO blocks until a writer
    // comes, and opening a device can act on it. A walked one is a regular file by its
    // directory entry; the non-blocking open below keeps a FIFO put in its place since
    // from blocking the run, and `fstat` of what was opened decides.
    if found == Found::Named {
        match std::fs::metadata(path) {
            Err(_) => return Some(FileResult::error(path, "file.not_found", NO_SUCH_FILE.into())),
            Ok(meta) if !meta.is_file() => return Some(not_regular(path, meta.file_type())),
            Ok(_) => {}
        }
    }
    let walked = matches!(found, Found::Walked { .. });
    let file = match open_nonblocking(path) {
        Ok(f) => f,
        // A walked file that cannot be opened is counted as skipped, as before issue 32
        // (its format cannot be known).
        Err(_) if walked => return None,
        Err(e) => return Some(FileResult::error(path, "file.unreadable", format!("cannot open: {e}"))),
    };
    let meta = match file.metadata() {
        Ok(m) => m,
        Err(_) if walked => return None,
        Err(e) => return Some(FileResult::error(path, "file.unreadable", format!("cannot read: {e}"))),
    };
    if !meta.is_file() {
        return Some(not_regular(path, meta.file_type()));
    }
    let check = found == (Found::Walked { every_file: false }) && !named_script(path);
    let before = (meta.len(), meta.modified().ok());
    let name = path.file_name().and_then(|n| n.to_str());
    let result = if before.0 <= authverify::READ_WHOLE_LIMIT {
        let bytes = match read_small(&file, before.0, check.then_some(path), scratch) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return None,
            Err(e) => return Some(e.into_result(path)),
        };
        let outcome = match name {
            Some(name) => verifier.verify_bytes_named(bytes, name, at),
            None => verifier.verify_bytes(bytes, at),
        };
        match outcome {
            Ok(report) => FileResult::new(path, Outcome::Report(report)),
            Err(e) => FileResult::error(path, e.rule(), e.to_string()),
        }
    } else {
        if check {
            let mut head = [0u8; MAGIC];
            let n = read_until(&mut &file, &mut head, MAGIC).unwrap_or(0);
            if !head_signable(path, head.get(..n).unwrap_or_default()) {
                return None;
            }
            if let Err(e) = (&file).seek(SeekFrom::Start(0)) {
                return Some(FileResult::error(path, "file.unreadable", format!("cannot read: {e}")));
            }
        }
        return Some(verify_open(verifier, path, name, &file, &mut &file, at));
    };
    let after = file.metadata().ok().map(|m| (m.len(), m.modified().ok()));
    if after != Some(before) && result.status() != FileStatus::Error {
        return Some(changed(path));
    }
    Some(result)
}

/// Opens for reading without blocking on a FIFO (`O_NONBLOCK`; regular files read as ever).
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// Why a small file's bytes are not there.
enum SmallRead {
    Io(std::io::Error),
    /// Not the length `fstat` gave: the file changed between the two.
    Changed {
        len: u64,
        read: usize,
    },
}

impl SmallRead {
    fn into_result(self, path: &Path) -> FileResult {
        match self {
            Self::Io(e) => FileResult::error(path, "file.unreadable", format!("cannot read: {e}")),
            Self::Changed { len, read } => FileResult::error(
                path,
                "file.changed",
                format!("the file changed while it was being verified ({len} bytes when opened, {read} when read)"),
            ),
        }
    }
}

/// Reads a file of `len` bytes (`fstat`'s length) whole into `scratch`: each read asks for
/// one byte more than is left, so one read returns the whole file and a longer file is seen
/// at once (a file that grows after that read is caught by the `fstat` after verifying).
/// With `signable` (a walked file of unknown format) the first read stops at
/// [`FIRST_READ`] bytes and `Ok(None)` says the head is of no signed format.
fn read_small<'a>(
    mut file: &File,
    len64: u64,
    signable: Option<&Path>,
    scratch: &'a mut Scratch,
) -> Result<Option<&'a [u8]>, SmallRead> {
    let len = usize::try_from(len64).map_err(|_| SmallRead::Changed { len: len64, read: 0 })?;
    let want = len.saturating_add(1);
    if scratch.buffer.len() < want {
        scratch.buffer.resize(want, 0);
    }
    let buffer = scratch.buffer.get_mut(..want).unwrap_or_default();
    let mut got = match signable {
        Some(path) => {
            let first = want.min(FIRST_READ);
            // A walked file whose first bytes cannot be read is of no known format: skipped,
            // as when the walker read them.
            let Ok(got) = read_until(&mut file, buffer.get_mut(..first).unwrap_or_default(), MAGIC.min(len)) else {
                return Ok(None);
            };
            if !head_signable(path, buffer.get(..got).unwrap_or_default()) {
                return Ok(None);
            }
            got
        }
        None => 0,
    };
    if got < len {
        let rest = buffer.get_mut(got..).unwrap_or_default();
        got = got.saturating_add(read_until(&mut file, rest, len.saturating_sub(got)).map_err(SmallRead::Io)?);
    }
    if got != len {
        return Err(SmallRead::Changed { len: len64, read: got });
    }
    Ok(buffer.get(..len))
}

/// Reads into `into` until at least `enough` bytes are there, `into` is full or the file
/// ends. `into` may be longer than `enough`: one read then takes all a regular file has
/// (and says, by returning more, that the file is longer than expected).
fn read_until(r: &mut impl Read, into: &mut [u8], enough: usize) -> std::io::Result<usize> {
    let mut got = 0;
    while got < enough.min(into.len()) {
        match r.read(into.get_mut(got..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(n) => got = got.saturating_add(n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

fn changed(path: &Path) -> FileResult {
    FileResult::error(
        path,
        "file.changed",
        "the file changed while it was being verified (its size or modification time differs)".into(),
    )
}

/// Verifies the file open as `file` (named `path` in the result), reading it through
/// `reader`: the file itself, or a reader over it that records what is read
/// (`rescan-invalid --restore` restores exactly the bytes verified).
/// `name` is the file's name as its format knows it (a quarantined `x.ps1_Invalid` is a
/// `.ps1`): its extension tells a script's language where its text cannot (unsigned).
pub(crate) fn verify_open(
    verifier: &Verifier,
    path: &Path,
    name: Option<&str>,
    file: &File,
    reader: &mut (impl Read + Seek),
    at: UnixTime,
) -> FileResult {
    // Ordinary reads, not a memory map: a file truncated by another process while mapped
    // faults (SIGBUS) and would end the whole run. The library reads one consistent
    // snapshot and says when the file changed underneath (issue 14); the modification time
    // is compared too, for a rewrite that keeps the length and the headers.
    let stamp = |f: &File| f.metadata().ok().map(|m| (m.len(), m.modified().ok()));
    let before = stamp(file);
    let outcome = match name {
        Some(name) => verifier.verify_reader_named(reader, name, at),
        None => verifier.verify_reader(reader, at),
    };
    let changed = before != stamp(file);
    match outcome {
        Ok(_) if changed => FileResult::error(
            path,
            "file.changed",
            "the file changed while it was being verified (its size or modification time differs)".into(),
        ),
        Ok(report) => FileResult::new(path, Outcome::Report(report)),
        Err(e) => FileResult::error(path, e.rule(), e.to_string()),
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use std::path::PathBuf;

    use authverify::{Policy, TrustStore, Verifier};

    use super::{verify_found, verify_open, FileResult, Found, Scratch, FIRST_READ};

    fn vectors() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors")
    }

    fn verifier() -> (Verifier, authverify::UnixTime) {
        let mut trust = TrustStore::builtin();
        trust.load_anchors(&vectors().join("pki/root.crt")).expect("root");
        (
            Verifier::new(trust, Policy::windows()),
            "2026-06-01T00:00:00Z".parse().expect("time"),
        )
    }

    fn json(r: &FileResult) -> String {
        serde_json::to_string(r).expect("json")
    }

    /// The one-read path (a buffer kept across files, `verify_bytes_named`) reports exactly
    /// what the library's reader path reports for every checked-in vector, of every format,
    /// with one `Scratch` carried from a larger file to smaller ones (stale bytes past a
    /// file's end must never be read as part of it).
    #[test]
    fn one_read_reports_equal_the_reader_path_for_every_vector() {
        let (v, at) = verifier();
        let mut scratch = Scratch::default();
        let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(vectors())
            .into_iter()
            .map(|e| e.expect("entry"))
            .filter(|e| e.file_type().is_file())
            .map(walkdir::DirEntry::into_path)
            .collect();
        // Largest first, so that later files are read into a buffer longer than they are.
        paths.sort_by_key(|p| std::cmp::Reverse(std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)));
        assert!(paths.len() > 200, "{} vectors", paths.len());
        for path in &paths {
            let new = verify_found(&v, path, at, Found::Named, &mut scratch).expect("named files always report");
            let file = std::fs::File::open(path).expect("open");
            let name = path.file_name().and_then(|n| n.to_str());
            let old = verify_open(&v, path, name, &file, &mut &file, at);
            assert_eq!(json(&new), json(&old), "{}", path.display());
        }
    }

    /// A walked file is taken by its first bytes: one of no signed format is skipped
    /// (`None`, counted by the caller) whether it is shorter or longer than the first read;
    /// one that starts like a PE image is verified, and an empty one is skipped.
    #[test]
    fn walked_files_are_taken_by_their_first_bytes() {
        let (v, at) = verifier();
        let tmp = tempfile::tempdir().expect("tempdir");
        let walked = Found::Walked { every_file: false };
        let mut scratch = Scratch::default();
        let signed = std::fs::read(vectors().join("pe32-rsa2048-sha256.exe")).expect("vector");
        let cases: Vec<(&str, Vec<u8>, Option<&str>)> = vec![
            ("small.dat", b"plain text, no magic".to_vec(), None),
            ("large.dat", vec![b'x'; FIRST_READ * 3], None),
            ("empty.exe", Vec::new(), None),
            ("signed.exe", signed.clone(), Some("valid")),
            // `MZ` and then nothing a PE reader accepts: taken, and an error.
            (
                "large-mz.bin",
                [b"MZ".as_slice(), &vec![0u8; FIRST_READ * 2]].concat(),
                Some("error"),
            ),
        ];
        for (name, bytes, want) in cases {
            let path = tmp.path().join(name);
            std::fs::write(&path, &bytes).expect("write");
            let got = verify_found(&v, &path, at, walked, &mut scratch);
            let status = got.as_ref().map(|r| r.status().as_str());
            assert_eq!(status, want, "{name}: {:?}", got.as_ref().map(json));
        }
        // With `every_file` (`--catalogs`) nothing is skipped.
        let every = Found::Walked { every_file: true };
        let r = verify_found(&v, &tmp.path().join("small.dat"), at, every, &mut scratch);
        assert!(r.is_some(), "every file is taken");
    }

    /// A FIFO put where the walk saw a regular file is opened without blocking and
    /// reported, never read.
    #[cfg(unix)]
    #[test]
    fn a_fifo_in_a_walked_files_place_does_not_block() {
        let (v, at) = verifier();
        let tmp = tempfile::tempdir().expect("tempdir");
        let fifo = tmp.path().join("f.exe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            assert!(
                std::env::var_os("AUTHVERIFY_REQUIRE_EXTRAS").is_none(),
                "mkfifo is required"
            );
            eprintln!("SKIPPED: mkfifo unavailable");
            return;
        }
        let walked = Found::Walked { every_file: false };
        let r = verify_found(&v, &fifo, at, walked, &mut Scratch::default()).expect("reported");
        assert_eq!(
            r.error_message(),
            Some("a FIFO (named pipe): only regular files are read")
        );
    }
}
