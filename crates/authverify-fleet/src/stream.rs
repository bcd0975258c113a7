//! Verifying a file set of any size in constant memory (issue 18): inputs are produced in
//! output order as they are found, verified on `jobs` threads, and handed to the printer in
//! that order through a bounded reorder window, so memory is O(jobs), not O(files), and the
//! first report is printed as soon as it is ready.
//!
//! Output order is the order of the path strings, exactly as when every result was
//! collected and sorted: each directory is walked depth-first with its entries ordered as
//! their paths compare (a directory `a` sorts as `a/`, after the file `a.x`), and the
//! arguments' streams are merged. Memory for walking is the entries of the directories on
//! the current path (the largest single directory dominates: about 100 bytes per entry).

use std::collections::{BTreeMap, BinaryHeap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};

use authverify::{UnixTime, Verifier};

use crate::error::Error;
use crate::files::{is_special, looks_signable, not_regular, verify_one, FileResult};
use crate::listed::{self, Listed};

/// One input in output order: a file to verify, or an error already known.
// The result variant is rare (an input that failed before it was read) and moved once: not
// worth a box since FileResult gained `container` and `member` (issue 31).
#[allow(clippy::large_enum_variant)]
pub enum Input {
    /// A file to verify.
    File(PathBuf),
    /// An input that is a result already (a path that does not exist, a list entry that
    /// cannot be a path).
    Failed(FileResult),
}

impl Input {
    fn key(&self) -> String {
        match self {
            Self::File(p) => p.display().to_string(),
            Self::Failed(r) => r.path.clone(),
        }
    }
}

/// How walkdir orders siblings so that depth-first order is path-string order. A directory
/// sorts as its name followed by the platform's separator: `/` on Unix, `\` on Windows
/// (found by running the tests under wine: with `/`, Windows output was out of order).
fn path_order(a: &walkdir::DirEntry, b: &walkdir::DirEntry) -> std::cmp::Ordering {
    let key = |e: &walkdir::DirEntry| {
        let mut k = e.file_name().to_string_lossy().into_owned();
        if e.file_type().is_dir() {
            k.push(std::path::MAIN_SEPARATOR);
        }
        k
    };
    key(a).cmp(&key(b))
}

/// The inputs one PATH argument yields, in path order. Files found in directories are taken
/// when they look like a signed format (`looks_signable`; the others are counted in
/// `skipped`); a file named directly is always verified.
fn one_argument(path: PathBuf, walk: Walk) -> Box<dyn Iterator<Item = Input> + Send> {
    if path.is_dir() {
        let root = path.clone();
        Box::new(
            walkdir::WalkDir::new(path)
                .follow_links(false)
                .sort_by(path_order)
                .into_iter()
                .filter_map(move |entry| match entry {
                    Ok(e) if e.file_type().is_file() => {
                        let container = walk.containers && crate::payload::is_container_name(e.path());
                        if walk.every_file || container || looks_signable(e.path()) {
                            Some(Input::File(e.into_path()))
                        } else {
                            walk.skipped.fetch_add(1, Ordering::Relaxed);
                            None
                        }
                    }
                    // A FIFO, socket or device: reported, never opened (files.rs).
                    Ok(e) if is_special(e.file_type()) => Some(Input::Failed(not_regular(e.path(), e.file_type()))),
                    // Directories are walked; symbolic links are not followed.
                    Ok(_) => None,
                    Err(err) => {
                        let p = err.path().map(Path::to_path_buf).unwrap_or_else(|| root.clone());
                        Some(Input::Failed(FileResult::error(
                            &p,
                            "file.unreadable",
                            format!("cannot read: {err}"),
                        )))
                    }
                }),
        )
    } else if path.exists() {
        Box::new(std::iter::once(Input::File(path)))
    } else {
        let failed = FileResult::error(&path, "file.not_found", crate::files::NO_SUCH_FILE.into());
        Box::new(std::iter::once(Input::Failed(failed)))
    }
}

/// Merges sorted streams into one sorted stream (ties keep argument order).
struct Merge {
    sources: Vec<std::iter::Peekable<Box<dyn Iterator<Item = Input> + Send>>>,
    heads: BinaryHeap<std::cmp::Reverse<(String, usize)>>,
}

impl Iterator for Merge {
    type Item = Input;
    fn next(&mut self) -> Option<Input> {
        let std::cmp::Reverse((_, i)) = self.heads.pop()?;
        let source = self.sources.get_mut(i)?;
        let item = source.next()?;
        if let Some(next) = source.peek() {
            self.heads.push(std::cmp::Reverse((next.key(), i)));
        }
        Some(item)
    }
}

/// Which files of a directory are taken.
#[derive(Clone, Debug, Default)]
pub struct Walk {
    /// Counts files in directories that are not taken.
    pub skipped: Arc<AtomicUsize>,
    /// Take every file (with `--catalogs`: files of no signed format are looked up by their
    /// hash), not only those of a signed format.
    pub every_file: bool,
    /// Take ZIP-based containers too (`verify --payload`: `.zip .nupkg .vsix .whl .jar`,
    /// whose members are verified).
    pub containers: bool,
}

/// The inputs of a run: PATH arguments (merged in path order), or with `files_from` (a
/// `--files-from` list, `-` for standard input) the paths it lists in the order listed, then
/// the PATH arguments. The list is read as the run goes (any length in constant memory); an
/// entry that cannot be a path is reported in its place. Only a list that cannot be opened
/// or read at all is an error.
pub fn named_inputs(
    paths: &[PathBuf],
    files_from: Option<&Path>,
    walk: Walk,
) -> Result<Box<dyn Iterator<Item = Input> + Send>, Error> {
    let Some(list) = files_from else {
        return Ok(inputs(paths, &walk));
    };
    let unreadable = |source: std::io::Error| Error::FilesFrom {
        path: list.to_path_buf(),
        source,
    };
    let source: Box<dyn std::io::Read + Send> = if list.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(list).map_err(unreadable)?)
    };
    let listed = Listed::new(source, list.display().to_string()).map_err(unreadable)?;
    let named: Vec<PathBuf> = paths.to_vec();
    let named = named.into_iter().map(listed::Entry::Path);
    // Each listed path is one argument of its own, taken in the order given.
    Ok(Box::new(listed.chain(named).flat_map(move |entry| match entry {
        listed::Entry::Path(p) => inputs(std::slice::from_ref(&p), &walk),
        listed::Entry::Failed(failed) => Box::new(std::iter::once(Input::Failed(failed))),
    })))
}

/// All PATH arguments' inputs in output order.
pub fn inputs(paths: &[PathBuf], walk: &Walk) -> Box<dyn Iterator<Item = Input> + Send> {
    let mut sources: Vec<_> = paths
        .iter()
        .map(|p| one_argument(p.clone(), walk.clone()).peekable())
        .collect();
    let mut heads = BinaryHeap::new();
    for (i, s) in sources.iter_mut().enumerate() {
        if let Some(first) = s.peek() {
            heads.push(std::cmp::Reverse((first.key(), i)));
        }
    }
    Box::new(Merge { sources, heads })
}

/// Verifies `inputs` on `jobs` threads and calls `sink` with each result in input order.
/// At most `window` results are ahead of the printer at any time. Stops early (returning
/// the error) when `sink` fails, e.g. on a closed pipe.
pub fn verify_ordered<E: Send>(
    inputs: Box<dyn Iterator<Item = Input> + Send>,
    verifier: &Verifier,
    at: UnixTime,
    jobs: usize,
    mut sink: impl FnMut(FileResult) -> Result<(), E>,
) -> Result<(), E> {
    let jobs = jobs.max(1);
    let window = jobs.saturating_mul(16).max(64);
    // How many results the printer has taken; the producer waits while it is `window` ahead.
    let printed = Arc::new((Mutex::new(0usize), Condvar::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let (work_tx, work_rx) = mpsc::sync_channel::<(usize, Input)>(jobs.saturating_mul(2));
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = mpsc::channel::<(usize, FileResult)>();
    std::thread::scope(|scope| {
        {
            let printed = printed.clone();
            let stop = stop.clone();
            scope.spawn(move || {
                for (seq, input) in inputs.enumerate() {
                    let (lock, cvar) = &*printed;
                    let mut taken = lock.lock().unwrap_or_else(|e| e.into_inner());
                    while seq >= taken.saturating_add(window) && !stop.load(Ordering::Relaxed) {
                        taken = cvar.wait(taken).unwrap_or_else(|e| e.into_inner());
                    }
                    drop(taken);
                    if stop.load(Ordering::Relaxed) || work_tx.send((seq, input)).is_err() {
                        break;
                    }
                }
            });
        }
        for _ in 0..jobs {
            let work_rx = work_rx.clone();
            let done_tx = done_tx.clone();
            scope.spawn(move || loop {
                let next = work_rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                let Ok((seq, input)) = next else { break };
                let result = match input {
                    Input::File(p) => verify_one(verifier, &p, at),
                    Input::Failed(r) => r,
                };
                if done_tx.send((seq, result)).is_err() {
                    break;
                }
            });
        }
        drop(done_tx);
        let mut pending: BTreeMap<usize, FileResult> = BTreeMap::new();
        let mut next = 0usize;
        let mut outcome = Ok(());
        for (seq, result) in done_rx.iter() {
            if outcome.is_err() {
                continue; // drain so that the workers finish
            }
            pending.insert(seq, result);
            while let Some(r) = pending.remove(&next) {
                next = next.saturating_add(1);
                if let Err(e) = sink(r) {
                    outcome = Err(e);
                    stop.store(true, Ordering::Relaxed);
                    break;
                }
            }
            let (lock, cvar) = &*printed;
            *lock.lock().unwrap_or_else(|e| e.into_inner()) = next;
            cvar.notify_all();
        }
        outcome
    })
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use std::path::PathBuf;

    use authverify::{Policy, TrustStore, Verifier};

    use crate::files::{collect_inputs, verify_one, FileResult};
    use crate::output;
    use crate::summary::{Builder, Summary};

    fn vectors() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors")
    }

    /// Today's way: collect every result, sort by path, print.
    fn collected(paths: &[PathBuf], v: &Verifier, at: authverify::UnixTime) -> Vec<FileResult> {
        let inputs = collect_inputs(paths);
        let mut results: Vec<FileResult> = inputs.files.iter().map(|p| verify_one(v, p, at)).collect();
        results.extend(inputs.errors);
        results.sort_by(|a, b| a.path.cmp(&b.path));
        results
    }

    #[test]
    fn streamed_output_is_byte_identical_to_collected_and_sorted_output() {
        let mut trust = TrustStore::builtin();
        trust.load_anchors(&vectors().join("pki/root.crt")).expect("root");
        let v = Verifier::new(trust, Policy::windows());
        let at = "2026-06-01T00:00:00Z".parse().expect("time");
        // Overlapping arguments, a missing file, a non-PE file named directly, a directory
        // whose files and subdirectories interleave in path order.
        // A directory whose name prefixes file names: `a` sorts after `a-b.exe` and `a.exe`
        // as a path (`a/…`), though before them as a name.
        let tmp = tempfile::tempdir().expect("tempdir");
        let vector = std::fs::read(vectors().join("pe32-rsa2048-sha256.exe")).expect("vector");
        std::fs::create_dir_all(tmp.path().join("a/z")).expect("mkdir");
        for f in ["a/x.exe", "a/z/y.exe", "a-b.exe", "a.exe", "a0.exe", "B.exe"] {
            std::fs::write(tmp.path().join(f), &vector).expect("write");
        }
        let paths = vec![
            tmp.path().to_path_buf(),
            vectors().join("hardening"),
            vectors(),
            vectors().join("no-such-file.exe"),
            vectors().join("manifest.json"),
            vectors().join("demo/signed"),
        ];
        let old = collected(&paths, &v, at);
        assert!(old.len() > 100, "{} results", old.len());
        for jobs in [1, 2, 7] {
            let mut new = Vec::new();
            super::verify_ordered(super::inputs(&paths, &super::Walk::default()), &v, at, jobs, |r| {
                new.push(r);
                Ok::<(), ()>(())
            })
            .expect("no sink error");
            let old_paths: Vec<&str> = old.iter().map(|r| r.path.as_str()).collect();
            let new_paths: Vec<&str> = new.iter().map(|r| r.path.as_str()).collect();
            assert_eq!(new_paths, old_paths, "order with {jobs} jobs");
            // Text, JSON document and JSON lines, with the summary.
            let summary = Summary::of(&old);
            let mut b = Builder::default();
            let (mut text, mut json, mut lines) = (Vec::new(), Vec::new(), Vec::new());
            let mut doc = output::json::Document::new();
            let mut counts = output::text::Counts::default();
            for r in &new {
                b.add(r);
                counts.add(r.status());
                output::text::print_one(&mut text, r).unwrap();
                doc.file(&mut json, r).unwrap();
                output::json::line(&mut lines, r).unwrap();
            }
            output::text::footer(&mut text, &counts).unwrap();
            let streamed_summary = b.finish();
            doc.finish(&mut json, Some(&streamed_summary)).unwrap();
            let mut old_text = Vec::new();
            output::text::print(&mut old_text, &old).unwrap();
            assert!(text == old_text, "text output differs");
            let mut old_json = Vec::new();
            output::json::print(&mut old_json, &old, Some(&summary)).unwrap();
            assert_eq!(String::from_utf8(json).unwrap(), String::from_utf8(old_json).unwrap());
            let mut old_lines = Vec::new();
            for r in &old {
                output::json::line(&mut old_lines, r).unwrap();
            }
            assert!(lines == old_lines, "JSON lines differ");
        }
    }

    #[test]
    fn an_empty_set_still_writes_a_well_formed_document() {
        let mut json = Vec::new();
        output::json::Document::new().finish(&mut json, None).unwrap();
        let mut old = Vec::new();
        output::json::print(&mut old, &[], None).unwrap();
        assert_eq!(json, old);
    }
}
