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
use std::sync::{Arc, Condvar, Mutex};

use authverify::{UnixTime, Verifier};

use crate::error::Error;
use crate::files::{is_special, not_regular, verify_found, FileResult, Found, Scratch};
use crate::listed::{self, Listed};

/// One input in output order: a file to verify, or an error already known.
// A failed input is rare and moves once, through a bounded channel: boxing every one to
// save the difference (a result grew with `container`/`member`, issue 31) buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum Input {
    /// A file named by the caller, verified whatever its content.
    File(PathBuf),
    /// A regular file met in a directory walk: verified when it looks like a signed format
    /// (read by the worker, with the same open that verifies it), else counted in
    /// `walk.skipped`.
    Walked(PathBuf, Walk),
    /// An input that is a result already (a path that does not exist, a list entry that
    /// cannot be a path).
    Failed(FileResult),
}

impl Input {
    fn key(&self) -> String {
        match self {
            Self::File(p) | Self::Walked(p, _) => p.display().to_string(),
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
                    // Whether it is of a signed format is read by the worker that verifies it:
                    // one open per file (issue 32). A container named for `--payload` is taken
                    // whatever it holds (a plain ZIP archive is walked, not verified).
                    Ok(e) if e.file_type().is_file() => {
                        if walk.containers && crate::payload::is_container_name(e.path()) {
                            Some(Input::File(e.into_path()))
                        } else {
                            Some(Input::Walked(e.into_path(), walk.clone()))
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
    // One argument needs no merge (whose order key is a string built per input).
    if let [path] = paths {
        return one_argument(path.clone(), walk.clone());
    }
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

/// The most inputs handed to a worker at once. Inputs go to the workers, and results to the
/// printer, in chunks, so that threads wake once per chunk rather than once per file (a
/// wake-up per file was about 12% of the CPU of a run over small files, issue 32).
const MAX_CHUNK: usize = 64;
/// A chunk is sized to take a worker about this long (from the time files took so far), so
/// that chunks of large files are single files and the cores stay evenly busy.
const CHUNK_NANOS: u64 = 10_000_000;
/// Chunks queued for the workers, per worker. The producer, once the queue is full, waits
/// until it is half empty (one wake-up per half a queue, not per chunk).
const QUEUED_PER_JOB: usize = 4;

/// One chunk: consecutive inputs, the first of them at `first` in output order.
struct Chunk {
    first: usize,
    inputs: std::collections::VecDeque<Input>,
}

/// What the producer, the workers and the printer share under one lock each.
struct Queue {
    chunks: std::collections::VecDeque<Chunk>,
    /// The producer has sent everything (or the run stopped).
    closed: bool,
    /// Workers waiting for a chunk.
    idle: usize,
    producer_waiting: bool,
    /// Inputs the printer has taken, for the window.
    printed: usize,
}

struct Done {
    /// Results by the position of their first input; `None` is a walked file that was not
    /// of a signed format.
    pieces: BTreeMap<usize, Vec<Option<FileResult>>>,
    /// The position the printer waits for.
    next: usize,
    printer_waiting: bool,
    workers_left: usize,
}

struct Shared {
    queue: Mutex<Queue>,
    /// Workers wait here for chunks, the producer for room.
    work: Condvar,
    room: Condvar,
    done: Mutex<Done>,
    ready: Condvar,
    stop: AtomicBool,
    /// The mean time a file took (an exponential average, nanoseconds), for chunk sizes.
    nanos_per_file: std::sync::atomic::AtomicU64,
    /// Workers waiting: read without the lock to decide whether to flush a partial chunk.
    idle: AtomicUsize,
    /// Chunks the queue holds at most.
    capacity: usize,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
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
    verify_ordered_events(inputs, verifier, at, jobs, |event| match event {
        Printed::Result(r) => sink(r),
        Printed::Waiting => Ok(()),
    })
}

/// What the printer of [`verify_ordered_events`] is given.
// Moved once per file to the printer; boxing the result would allocate once per file.
#[allow(clippy::large_enum_variant)]
pub enum Printed {
    /// The next result in input order.
    Result(FileResult),
    /// Every result ready so far was given, and the printer now waits for more: the moment
    /// to flush output (once per batch of results, not per file), so that interactive use
    /// still sees each report as soon as it is ready.
    Waiting,
}

/// [`verify_ordered`], telling `sink` also when it has been given every result ready.
pub fn verify_ordered_events<E: Send>(
    inputs: Box<dyn Iterator<Item = Input> + Send>,
    verifier: &Verifier,
    at: UnixTime,
    jobs: usize,
    mut sink: impl FnMut(Printed) -> Result<(), E>,
) -> Result<(), E> {
    let jobs = jobs.max(1);
    let window = jobs.saturating_mul(QUEUED_PER_JOB * 2).saturating_mul(MAX_CHUNK);
    let shared = Shared {
        queue: Mutex::new(Queue {
            chunks: std::collections::VecDeque::new(),
            closed: false,
            idle: 0,
            producer_waiting: false,
            printed: 0,
        }),
        work: Condvar::new(),
        room: Condvar::new(),
        done: Mutex::new(Done {
            pieces: BTreeMap::new(),
            next: 0,
            printer_waiting: false,
            workers_left: jobs,
        }),
        ready: Condvar::new(),
        stop: AtomicBool::new(false),
        nanos_per_file: std::sync::atomic::AtomicU64::new(0),
        idle: AtomicUsize::new(0),
        capacity: jobs.saturating_mul(QUEUED_PER_JOB),
    };
    let shared = &shared;
    std::thread::scope(|scope| {
        scope.spawn(move || produce(shared, inputs, window));
        for _ in 0..jobs {
            scope.spawn(move || work(shared, verifier, at));
        }
        let mut outcome = Ok(());
        loop {
            let piece = match next_piece(shared, false) {
                Next::Piece(piece) => piece,
                Next::Finished => break,
                Next::Empty => {
                    if outcome.is_ok() {
                        if let Err(e) = sink(Printed::Waiting) {
                            outcome = Err(e);
                            stop(shared);
                        }
                    }
                    match next_piece(shared, true) {
                        Next::Piece(piece) => piece,
                        Next::Finished => break,
                        Next::Empty => continue,
                    }
                }
            };
            let taken = piece.len();
            if outcome.is_ok() {
                for r in piece.into_iter().flatten() {
                    if let Err(e) = sink(Printed::Result(r)) {
                        outcome = Err(e);
                        stop(shared);
                        break;
                    }
                }
            }
            let mut q = lock(&shared.queue);
            q.printed = q.printed.saturating_add(taken);
            if q.producer_waiting && q.chunks.len() < shared.capacity {
                shared.room.notify_one();
            }
        }
        if outcome.is_ok() {
            outcome = sink(Printed::Waiting);
        }
        outcome
    })
}

/// Ends the run early: nothing more is produced or verified.
fn stop(shared: &Shared) {
    shared.stop.store(true, Ordering::Relaxed);
    let mut q = lock(&shared.queue);
    q.closed = true;
    q.chunks.clear();
    shared.work.notify_all();
    shared.room.notify_all();
}

/// What the printer finds.
enum Next {
    /// The next results in order.
    Piece(Vec<Option<FileResult>>),
    /// Not ready yet.
    Empty,
    /// Every worker is done: nothing more will come.
    Finished,
}

/// The printer's next results in order, waiting for them when `wait`.
fn next_piece(shared: &Shared, wait: bool) -> Next {
    let mut d = lock(&shared.done);
    loop {
        let next = d.next;
        if let Some(piece) = d.pieces.remove(&next) {
            d.next = next.saturating_add(piece.len());
            return Next::Piece(piece);
        }
        if d.workers_left == 0 {
            return Next::Finished;
        }
        if !wait {
            return Next::Empty;
        }
        d.printer_waiting = true;
        d = shared.ready.wait(d).unwrap_or_else(|e| e.into_inner());
        d.printer_waiting = false;
    }
}

/// The walker: groups inputs into chunks sized by how long files take, and queues them
/// while the queue has room and the printer is less than `window` inputs behind.
fn produce(shared: &Shared, inputs: Box<dyn Iterator<Item = Input> + Send>, window: usize) {
    let capacity = shared.capacity;
    let mut chunk = Chunk {
        first: 0,
        inputs: std::collections::VecDeque::new(),
    };
    for (seq, input) in inputs.enumerate() {
        if shared.stop.load(Ordering::Relaxed) {
            break;
        }
        chunk.inputs.push_back(input);
        let per_file = shared.nanos_per_file.load(Ordering::Relaxed);
        let size = CHUNK_NANOS
            .checked_div(per_file)
            .map_or(1, |n| usize::try_from(n).unwrap_or(MAX_CHUNK));
        // A partial chunk goes at once when a worker has nothing to do.
        if chunk.inputs.len() >= size.clamp(1, MAX_CHUNK) || shared.idle.load(Ordering::Relaxed) > 0 {
            let next = seq.saturating_add(1);
            let full = std::mem::replace(
                &mut chunk,
                Chunk {
                    first: next,
                    inputs: std::collections::VecDeque::new(),
                },
            );
            if !queue_chunk(shared, full, capacity, window) {
                return;
            }
        }
    }
    if !chunk.inputs.is_empty() && !queue_chunk(shared, chunk, capacity, window) {
        return;
    }
    let mut q = lock(&shared.queue);
    q.closed = true;
    shared.work.notify_all();
}

/// Queues `chunk` once there is room; false when the run stopped.
fn queue_chunk(shared: &Shared, chunk: Chunk, capacity: usize, window: usize) -> bool {
    let end = chunk.first.saturating_add(chunk.inputs.len());
    let mut q = lock(&shared.queue);
    while !q.closed && (q.chunks.len() >= capacity || end > q.printed.saturating_add(window)) {
        q.producer_waiting = true;
        q = shared.room.wait(q).unwrap_or_else(|e| e.into_inner());
        q.producer_waiting = false;
    }
    if q.closed {
        return false;
    }
    q.chunks.push_back(chunk);
    if q.idle > 0 {
        shared.work.notify_one();
    }
    true
}

/// The next chunk for a worker, waiting for one; `None` when there are no more.
fn take_chunk(shared: &Shared) -> Option<Chunk> {
    let mut q = lock(&shared.queue);
    loop {
        if let Some(chunk) = q.chunks.pop_front() {
            if q.producer_waiting && q.chunks.len() <= shared.capacity / 2 {
                shared.room.notify_one();
            }
            return Some(chunk);
        }
        if q.closed {
            return None;
        }
        q.idle = q.idle.saturating_add(1);
        shared.idle.fetch_add(1, Ordering::Relaxed);
        q = shared.work.wait(q).unwrap_or_else(|e| e.into_inner());
        q.idle = q.idle.saturating_sub(1);
        shared.idle.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A worker: verifies chunks, hands each chunk's results to the printer at once. When
/// another worker is idle, the rest of a chunk is given back to the queue (a chunk of large
/// files does not keep one core busy while the other waits).
fn work(shared: &Shared, verifier: &Verifier, at: UnixTime) {
    let mut scratch = Scratch::default();
    while let Some(mut chunk) = take_chunk(shared) {
        let started = std::time::Instant::now();
        let mut results = Vec::with_capacity(chunk.inputs.len());
        while let Some(input) = chunk.inputs.pop_front() {
            results.push(verify_input(verifier, input, at, &mut scratch));
            if shared.stop.load(Ordering::Relaxed) {
                break;
            }
            if !chunk.inputs.is_empty() && shared.idle.load(Ordering::Relaxed) > 0 {
                give_back(shared, &mut chunk, results.len());
            }
        }
        record_time(shared, started.elapsed(), results.len());
        hand_over(shared, chunk.first, results);
    }
    let mut d = lock(&shared.done);
    d.workers_left = d.workers_left.saturating_sub(1);
    if d.printer_waiting {
        shared.ready.notify_one();
    }
}

/// Folds a chunk's time per file into the running mean the producer sizes chunks by.
fn record_time(shared: &Shared, elapsed: std::time::Duration, files: usize) {
    let files = u128::try_from(files.max(1)).unwrap_or(1);
    let Ok(per_file) = u64::try_from(elapsed.as_nanos() / files) else {
        return;
    };
    let old = shared.nanos_per_file.load(Ordering::Relaxed);
    let mean = if old == 0 {
        per_file
    } else {
        old.saturating_mul(3).saturating_add(per_file) / 4
    };
    shared.nanos_per_file.store(mean, Ordering::Relaxed);
}

/// Puts the inputs left in `chunk` (after the `done` first ones) back at the head of the
/// queue as a chunk of their own, for an idle worker.
fn give_back(shared: &Shared, chunk: &mut Chunk, done: usize) {
    let rest = Chunk {
        first: chunk.first.saturating_add(done),
        inputs: std::mem::take(&mut chunk.inputs),
    };
    if shared.stop.load(Ordering::Relaxed) {
        return;
    }
    let mut q = lock(&shared.queue);
    q.chunks.push_front(rest);
    shared.work.notify_one();
}

fn verify_input(verifier: &Verifier, input: Input, at: UnixTime, scratch: &mut Scratch) -> Option<FileResult> {
    match input {
        Input::File(p) => verify_found(verifier, &p, at, Found::Named, scratch),
        Input::Walked(p, walk) => {
            let found = Found::Walked {
                every_file: walk.every_file,
            };
            let result = verify_found(verifier, &p, at, found, scratch);
            if result.is_none() {
                walk.skipped.fetch_add(1, Ordering::Relaxed);
            }
            result
        }
        Input::Failed(r) => Some(r),
    }
}

/// Gives a chunk's results to the printer, waking it only when it waits for this chunk.
fn hand_over(shared: &Shared, first: usize, results: Vec<Option<FileResult>>) {
    let mut d = lock(&shared.done);
    let wake = d.printer_waiting && d.next == first;
    d.pieces.insert(first, results);
    if wake {
        shared.ready.notify_one();
    }
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
