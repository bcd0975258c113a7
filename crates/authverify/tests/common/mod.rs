//! Shared test helpers: where the vectors and the real-world cache are.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use authverify::{Policy, TrustStore, UnixTime, Verifier};
pub(crate) use authverify_testgen::manifest::{self, VectorManifest};

pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

pub(crate) fn vectors_dir() -> PathBuf {
    repo_root().join("test-vectors")
}

/// test-vectors/manifest.json, through the model the generator writes it with.
pub(crate) fn manifest() -> VectorManifest {
    manifest::read(&vectors_dir().join("manifest.json")).expect("manifest.json")
}

/// A manifest's `evaluated_at`.
pub(crate) fn time(rfc3339: &str) -> UnixTime {
    rfc3339.parse().expect("time parses")
}

pub(crate) fn manifest_time(m: &VectorManifest) -> UnixTime {
    time(&m.evaluated_at)
}

/// Anchors from files under test-vectors/.
pub(crate) fn anchors(paths: &[String]) -> TrustStore {
    let mut trust = TrustStore::new();
    for t in paths {
        trust.load_anchors(&vectors_dir().join(t)).expect("load trust");
    }
    trust
}

/// The verifier the manifest's verdicts are stated for: the manifest's trust files only.
pub(crate) fn manifest_verifier(m: &VectorManifest) -> Verifier {
    Verifier::new(anchors(&m.trust), Policy::windows())
}

/// `plain` also looking files up in the catalogs `files` (relative to `dir`, each indexed
/// once, whatever its verdict), verified at `at`.
pub(crate) fn with_catalogs<'a>(
    plain: Verifier,
    dir: &Path,
    files: impl IntoIterator<Item = &'a str>,
    at: UnixTime,
) -> Verifier {
    let mut index = authverify::CatalogIndex::new();
    let mut count = 0;
    for file in files {
        let bytes = std::fs::read(dir.join(file)).expect("read catalog");
        index.add(file, &bytes, &plain, at).expect("catalog indexed");
        count += 1;
    }
    assert_eq!(index.len(), count);
    plain.with_catalogs(std::sync::Arc::new(index))
}

/// Real-world files fetched by scripts/fetch-real-world.py, with their corpus rows.
pub(crate) fn real_world_files() -> (Vec<(PathBuf, String)>, usize) {
    let cache = std::env::var_os("AUTHVERIFY_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/authverify"))
        .join("real-world");
    let corpus = std::fs::read_to_string(repo_root().join("test-vectors/real-world/corpus.tsv")).expect("corpus.tsv");
    let mut found = Vec::new();
    let mut missing = 0;
    for line in corpus.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (name, sha) = (cols[0], cols[2]);
        let path = cache.join(name);
        match std::fs::read(&path) {
            Ok(bytes) if authverify::DigestAlgorithm::Sha256.hash(&bytes) == hex_decode(sha) => {
                found.push((path, line.to_string()))
            }
            _ => missing += 1,
        }
    }
    (found, missing)
}

/// How many files the corpus lists.
pub(crate) fn real_world_corpus_len() -> usize {
    std::fs::read_to_string(repo_root().join("test-vectors/real-world/corpus.tsv"))
        .expect("corpus.tsv")
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .count()
}

pub(crate) fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// How deep a signature is nested (0 = a certificate-table entry).
pub(crate) fn nesting_depth(all: &[authverify::SignatureReport], s: &authverify::SignatureReport) -> usize {
    let (mut d, mut next) = (0, s.nested_in);
    while let Some(p) = next {
        d += 1;
        next = all[p].nested_in;
    }
    d
}

/// osslsigncode's `verify` output for `path` (no trust files: only digests and times are read).
pub(crate) fn osslsigncode_verify(path: &Path) -> Option<String> {
    osslsigncode_verify_with(path, None)
}

/// `osslsigncode verify`, trusting `ca_file` (PEM) when given: OpenSSL checks the signer's
/// signature only after the chain verifies.
pub(crate) fn osslsigncode_verify_with(path: &Path, ca_file: Option<&Path>) -> Option<String> {
    let mut cmd = std::process::Command::new("osslsigncode");
    cmd.arg("verify");
    if let Some(ca) = ca_file {
        cmd.arg("-CAfile").arg(ca);
    }
    let out = cmd.arg("-in").arg(path).output().ok()?;
    // OpenSSL's errors (e.g. PKCS7_signatureVerify) go to stderr: keep both.
    Some(format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

/// `Nov 25 22:04:08 2026 GMT` (OpenSSL's time format) as Unix seconds.
pub(crate) fn parse_openssl_time(s: &str) -> Option<u64> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = months.iter().position(|m| Some(m) == parts.first())? + 1;
    let day: u8 = parts.get(1)?.parse().ok()?;
    let hms: Vec<u8> = parts
        .get(2)?
        .split(':')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let year: u16 = parts.get(3)?.parse().ok()?;
    let rfc = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        hms[0], hms[1], hms[2]
    );
    rfc.parse::<UnixTime>().ok().map(UnixTime::as_secs)
}

/// Per osslsigncode "Signature Index" block of `text`, the timestamp time it prints.
pub(crate) fn osslsigncode_timestamp_times(text: &str) -> Vec<Option<u64>> {
    let mut blocks: Vec<Option<u64>> = Vec::new();
    for line in text.lines() {
        if line.starts_with("Signature Index:") {
            blocks.push(None);
        } else if let Some(t) = line.trim().strip_prefix("Timestamp time: ") {
            if let Some(last) = blocks.last_mut() {
                if last.is_none() {
                    *last = parse_openssl_time(t);
                }
            }
        }
    }
    blocks
}

/// Every fetched real-world file with its report from `verifier` at `at`; files the
/// verifier cannot read at all are left out (the manifest tests cover them).
/// Every fetched real-world file verified; `None` (after a visible skip) when none is fetched.
pub(crate) fn verify_real_world(
    test: &str,
    verifier: &Verifier,
    at: UnixTime,
) -> Option<Vec<(PathBuf, authverify::FileReport)>> {
    let files = real_world_files_or_skip(test)?;
    let verified = files
        .into_iter()
        .filter_map(|(path, _)| {
            let bytes = std::fs::read(&path).ok()?;
            verifier.verify_bytes(&bytes, at).ok().map(|r| (path, r))
        })
        .collect();
    Some(verified)
}

/// Records that `test` skipped what needs `what` (the fetched corpus, osslsigncode).
///
/// Written straight to the process's stderr, which libtest does not capture, so the skip
/// shows in a plain `cargo test` run. `.ci/run` installs the extras and sets
/// `AUTHVERIFY_REQUIRE_EXTRAS=1`: there a skip is a failure, so CI cannot go green by
/// skipping. Files that one source stopped serving (see scripts/fetch-real-world.py's
/// report) are not extras of this kind: tests needing one named file use
/// [`skip_file`] instead.
pub(crate) fn skip(test: &str, what: &str) {
    assert!(
        std::env::var_os("AUTHVERIFY_REQUIRE_EXTRAS").is_none(),
        "{test}: needs {what}, and AUTHVERIFY_REQUIRE_EXTRAS is set (.ci/run installs it)"
    );
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: needs {what}");
}

/// Records that `test` skipped because one corpus file is not in the cache (visible like
/// [`skip`]; never fatal: a package version a registry no longer serves is outside the
/// project's reach, and the fetch script reports it).
pub(crate) fn skip_file(test: &str, file: &str) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {file} not fetched (python3 scripts/fetch-real-world.py)"
    );
}

/// The fetched real-world files, or a visible skip (and `None`) when none are.
pub(crate) fn real_world_files_or_skip(test: &str) -> Option<Vec<(PathBuf, String)>> {
    let (files, missing) = real_world_files();
    if files.is_empty() {
        skip(test, "the real-world corpus (python3 scripts/fetch-real-world.py)");
        return None;
    }
    if missing > 0 {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "NOTE {test}: {missing} real-world files not fetched; checking the {} present",
            files.len()
        );
    }
    Some(files)
}

/// Every finding of a report: the file's, each signature's (its error first), its chains'
/// (the rule that failed, then the leniencies) and its timestamp's.
#[allow(dead_code)]
pub(crate) fn all_findings(r: &authverify::FileReport) -> Vec<authverify::Finding> {
    let mut out = r.notes.clone();
    for s in &r.signatures {
        out.extend(s.error.iter().cloned());
        out.extend(s.notes.iter().cloned());
        let chains = s.chain.iter().chain(s.timestamp.iter().flat_map(|t| t.chain.iter()));
        for c in chains {
            out.extend(c.detail.iter().cloned());
            out.extend(c.notes.iter().cloned());
        }
        if let Some(t) = &s.timestamp {
            out.extend(t.notes.iter().cloned());
        }
    }
    out
}

/// Every text a person reads in a report: the findings' texts and the chains' details.
#[allow(dead_code)]
pub(crate) fn all_text(r: &authverify::FileReport) -> String {
    let out: Vec<String> = all_findings(r).into_iter().map(|f| f.detail).collect();
    out.join("\n")
}

/// What another process does to a file while it is verified.
pub(crate) type Change = Box<dyn FnMut(&mut Vec<u8>)>;

/// A reader over a file's bytes that applies its change once `after` bytes have been read
/// (another process rewriting or truncating the file while it is verified).
pub(crate) struct Changing {
    inner: std::io::Cursor<Vec<u8>>,
    read: u64,
    after: u64,
    change: Change,
    done: bool,
}

impl std::io::Read for Changing {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.done && self.read >= self.after {
            self.done = true;
            let pos = self.inner.position();
            (self.change)(self.inner.get_mut());
            self.inner.set_position(pos);
        }
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

impl std::io::Seek for Changing {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(to)
    }
}

/// `bytes` as a file that `change` rewrites once `after` bytes have been read.
pub(crate) fn changing(bytes: &[u8], after: u64, change: impl FnMut(&mut Vec<u8>) + 'static) -> Changing {
    Changing {
        inner: std::io::Cursor::new(bytes.to_vec()),
        read: 0,
        after,
        change: Box::new(change),
        done: false,
    }
}

/// `verify_payload_reader`'s reports of the container `r` reads, as `(member, status or
/// error)` pairs.
pub(crate) fn payload_reports<R: std::io::Read + std::io::Seek>(
    v: &Verifier,
    r: &mut R,
    name: &str,
    at: UnixTime,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    assert!(v.verify_payload_reader(r, name, at, &mut |m| out.push(member_status(&m))));
    out
}

/// `verify_payload`'s reports of the container `bytes`, as [`payload_reports`] gives them.
pub(crate) fn payload_reports_in_memory(v: &Verifier, bytes: &[u8], name: &str, at: UnixTime) -> Vec<(String, String)> {
    let mut out = Vec::new();
    assert!(v.verify_payload(bytes, name, at, &mut |m| out.push(member_status(&m))));
    out
}

/// A member's path and its status, or its error.
pub(crate) fn member_status(m: &authverify::MemberReport) -> (String, String) {
    let status = match &m.result {
        Ok(r) => format!("{:?}", r.status),
        Err(e) => format!("{e:?}"),
    };
    (m.member.clone().unwrap_or_default(), status)
}

/// A file that writes `patch` at `at` once a read has covered offset `seen` and a read then
/// starts before `before`: another process rewriting the file between the payload walk's
/// catalog pass (which read up to `seen`) and its member pass (which starts again before
/// it).
pub(crate) struct RewrittenAfter {
    pub(crate) inner: std::io::Cursor<Vec<u8>>,
    pub(crate) seen: u64,
    pub(crate) before: u64,
    pub(crate) at: usize,
    pub(crate) patch: Vec<u8>,
    pub(crate) covered: bool,
    pub(crate) done: bool,
}

impl std::io::Read for RewrittenAfter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let pos = self.inner.position();
        if self.covered && !self.done && pos < self.before {
            self.done = true;
            let at = self.at;
            let patch = self.patch.clone();
            self.inner.get_mut()[at..at + patch.len()].copy_from_slice(&patch);
        }
        let n = self.inner.read(buf)?;
        if (pos..pos + n as u64).contains(&self.seen) {
            self.covered = true;
        }
        Ok(n)
    }
}

impl std::io::Seek for RewrittenAfter {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(to)
    }
}
