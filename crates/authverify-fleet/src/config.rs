//! Configuration: the trust store, policy, evaluation time and thread count the options
//! describe. Front ends are where the clock is read: the library only takes times as
//! inputs. What loading has to say besides an error (warnings, files not used, what the
//! machine's stores held) is written to the `notes` writer the caller passes, a line each,
//! `authverify: ` first.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use authverify::{Policy, Role, TrustStore, UnixTime, Verifier};

use crate::error::Error;
use crate::escape::terminal;
use crate::system_store;

/// What a run verifies against and how: the `--trust`-style options of the command line, the
/// keyword arguments of the Python binding.
#[derive(Clone, Debug)]
pub struct VerifierOptions {
    /// Trusted roots (`--trust`: `builtin`, `system` or a path); none means `builtin`.
    pub trust: Vec<String>,
    /// Extra intermediates (`--intermediates`).
    pub intermediates: Vec<String>,
    /// Certificates never to chain through (`--distrust`).
    pub distrust: Vec<String>,
    /// Certificates the user vouches for (`--vouch`).
    pub vouch: Vec<String>,
    /// Catalog files or folders, or `system` (`--catalogs`).
    pub catalogs: Vec<String>,
    /// Certificate revocation lists: DER or PEM files, or folders of `*.crl` (`--crl`).
    pub crl: Vec<String>,
    /// Evaluation time (`--at`, RFC 3339 UTC); none means now.
    pub at: Option<String>,
    /// The policy, with its signature selection.
    pub policy: Policy,
    /// Files verified in parallel (`--jobs`); none means every core.
    pub jobs: Option<usize>,
}

/// Writes one note, `authverify: ` first. A note that cannot be written is dropped: notes
/// go to stderr, and a run does not stop for want of one.
fn note(notes: &mut dyn Write, text: fmt::Arguments<'_>) {
    let _ = writeln!(notes, "authverify: {text}");
}

/// Loads one `--trust`-style argument (`builtin`, `system` or a path) into `store` in
/// `role`; `flag` names the option in messages. Every file a folder holds but that is not
/// used, and every warning, is a line of `notes`.
pub fn load_trust(
    store: &mut TrustStore,
    spec: &str,
    role: Role,
    flag: &str,
    notes: &mut dyn Write,
) -> Result<(), Error> {
    if spec == "builtin" {
        store.add_builtin();
        return Ok(());
    }
    if spec == "system" {
        return load_system(store, role, flag, notes);
    }
    let summary = store
        .load(Path::new(spec), role)
        .map_err(|source| Error::TrustUnloadable {
            flag: flag.to_string(),
            spec: spec.to_string(),
            source: Box::new(source),
        })?;
    for warning in &summary.warnings {
        note(
            notes,
            format_args!("{flag} {}: warning: {}", terminal(spec), terminal(warning)),
        );
    }
    for skipped in &summary.skipped {
        note(
            notes,
            format_args!(
                "{flag} {}: not used: {}: {}",
                terminal(spec),
                terminal(&skipped.path),
                terminal(&skipped.reason)
            ),
        );
    }
    let contributed =
        summary.anchors > 0 || summary.intermediates > 0 || summary.distrusted > 0 || !summary.trust_lists.is_empty();
    if !contributed {
        let nothing = NothingLoaded::of(Path::new(spec), &summary);
        // A --trust path is what files are verified against: trusting nothing from it is a
        // mistake to stop at (a wrong folder, an export of the wrong key), not a run where
        // every file comes out untrusted. The others only add to or take from it.
        if flag == "--trust" {
            return Err(Error::NothingTrusted {
                flag: flag.to_string(),
                spec: spec.to_string(),
                nothing,
            });
        }
        note(notes, format_args!("{flag} {}: warning: {nothing}", terminal(spec)));
    }
    Ok(())
}

/// `system`: the machine's stores, which give each certificate its role (so only as
/// `--trust`).
fn load_system(store: &mut TrustStore, role: Role, flag: &str, notes: &mut dyn Write) -> Result<(), Error> {
    if role != Role::Anchors {
        return Err(Error::SystemNeedsTrust { flag: flag.to_string() });
    }
    let loaded = system_store::load(store)?;
    let ctl = match &loaded.cached_ctl {
        Some((sequence, date)) => format!(
            "; its cached authroot.stl is sequence {} of {date} (an offline machine's list is as old as its last sync)",
            terminal(sequence)
        ),
        None => "; it has no cached authroot.stl".to_string(),
    };
    note(
        notes,
        format_args!(
            "--trust system: {} root(s), {} intermediate(s), {} distrusted from this machine's stores{ctl}",
            loaded.anchors, loaded.intermediates, loaded.distrusted
        ),
    );
    for problem in &loaded.unreadable {
        note(notes, format_args!("--trust system: not used: {}", terminal(problem)));
    }
    Ok(())
}

/// What a trust path held when nothing was loaded from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NothingLoaded {
    /// A file that is no certificate, trust list or store.
    NotMaterial,
    /// An empty folder.
    EmptyFolder,
    /// A folder of this many entries, none of them trust material.
    NoneOf(usize),
}

impl NothingLoaded {
    fn of(path: &Path, summary: &authverify::LoadSummary) -> Self {
        if !path.is_dir() {
            return Self::NotMaterial;
        }
        match summary.skipped.len() {
            0 => Self::EmptyFolder,
            n => Self::NoneOf(n),
        }
    }
}

impl fmt::Display for NothingLoaded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotMaterial => f.write_str("nothing loaded: it holds no certificate, trust list or certificate store"),
            Self::EmptyFolder => f.write_str("nothing loaded: the folder holds no file"),
            Self::NoneOf(n) => write!(
                f,
                "nothing loaded: none of the {n} entries of the folder (each named above, with the reason) is a certificate, trust list or certificate store"
            ),
        }
    }
}

/// The trust store `options` describe: `--trust` (default `builtin`), `--intermediates`,
/// `--distrust` and `--vouch`.
pub fn build_trust(options: &VerifierOptions, notes: &mut dyn Write) -> Result<TrustStore, Error> {
    let mut store = TrustStore::new();
    if options.trust.is_empty() {
        store.add_builtin();
    }
    for spec in &options.trust {
        load_trust(&mut store, spec, Role::Anchors, "--trust", notes)?;
    }
    for spec in &options.intermediates {
        load_trust(&mut store, spec, Role::Intermediates, "--intermediates", notes)?;
    }
    for spec in &options.distrust {
        load_trust(&mut store, spec, Role::Distrusted, "--distrust", notes)?;
    }
    load_vouched(&mut store, &options.vouch, notes)?;
    for spec in &options.crl {
        load_crls(&mut store, spec, notes)?;
    }
    Ok(store)
}

/// `--crl`: revocation lists from a file or a folder of `*.crl` files. Files a folder holds
/// but that are not used are notes; a named file that cannot be read, or a folder that holds
/// no list, is an error (revocation silently not checked is what an admin passing `--crl`
/// least expects).
pub fn load_crls(store: &mut TrustStore, spec: &str, notes: &mut dyn Write) -> Result<(), Error> {
    let unloadable = |source| Error::CrlUnloadable {
        spec: spec.to_string(),
        source: Box::new(source),
    };
    let summary = store.load_crls(Path::new(spec)).map_err(unloadable)?;
    for skipped in &summary.skipped {
        note(
            notes,
            format_args!(
                "--crl {}: not used: {}: {}",
                terminal(spec),
                terminal(&skipped.path),
                terminal(&skipped.reason)
            ),
        );
    }
    if summary.crls == 0 && store.crls().is_empty() {
        return Err(Error::NoCrls { spec: spec.to_string() });
    }
    Ok(())
}

/// `--vouch`: certificates the user vouches for, by their exact bytes (issue 26). Only
/// certificates: a CTL or a store export carries its own roles, and `builtin`/`system` are
/// trusted material already, so each is refused rather than read as something else.
pub fn load_vouched(store: &mut TrustStore, specs: &[String], notes: &mut dyn Write) -> Result<(), Error> {
    for spec in specs {
        if spec == "builtin" || spec == "system" {
            return Err(Error::VouchTrusted { spec: spec.clone() });
        }
        let mut read = TrustStore::new();
        load_trust(&mut read, spec, Role::Anchors, "--vouch", notes)?;
        if !read.trust_lists().is_empty() {
            return Err(Error::VouchTrustList { spec: spec.clone() });
        }
        let certificates: Vec<_> = read.anchors().chain(read.intermediates()).cloned().collect();
        if certificates.is_empty() {
            return Err(Error::VouchEmpty { spec: spec.clone() });
        }
        for c in certificates {
            store.vouch(c);
        }
    }
    Ok(())
}

/// The material `authverify summary` judges other machines' reports by: the CTLs given with
/// `--trust` (the built-in list is always consulted) and the `--vouch` certificates.
pub fn plan_trust(trust: &[String], vouch: &[String], notes: &mut dyn Write) -> Result<TrustStore, Error> {
    let mut store = TrustStore::new();
    for spec in trust {
        load_trust(&mut store, spec, Role::Anchors, "--trust", notes)?;
    }
    load_vouched(&mut store, vouch, notes)?;
    Ok(store)
}

/// The verifier and the evaluation time `options` describe. `--jobs` sizes rayon's global
/// pool (which only the first call in a process can do).
pub fn build_verifier(options: &VerifierOptions, notes: &mut dyn Write) -> Result<(Verifier, UnixTime), Error> {
    let trust = build_trust(options, notes)?;
    let at = parse_time(options.at.as_deref(), "--at")?;
    if let Some(jobs) = options.jobs {
        if jobs == 0 {
            return Err(Error::NoJobs);
        }
        // Only fails when a pool was already built, which this process never does first.
        let _ = rayon::ThreadPoolBuilder::new().num_threads(jobs).build_global();
    }
    let verifier = Verifier::new(trust, options.policy.clone());
    if options.catalogs.is_empty() {
        return Ok((verifier, at));
    }
    let index = load_catalogs(&options.catalogs, &verifier, at, notes)?;
    Ok((verifier.with_catalogs(std::sync::Arc::new(index)), at))
}

/// `--catalogs`: every `.cat` file named or found in the folders named, each verified once
/// at `at` with the verifier's trust. A file that is not a catalog is named in `notes` and
/// left out; a path that does not exist is an error.
fn load_catalogs(
    paths: &[String],
    verifier: &Verifier,
    at: UnixTime,
    notes: &mut dyn Write,
) -> Result<authverify::CatalogIndex, Error> {
    let loaded = catalog_index(paths, verifier, at)?;
    for problem in &loaded.not_used {
        note(notes, format_args!("--catalogs {}; not used", terminal(problem)));
    }
    note(
        notes,
        format_args!(
            "--catalogs: {} catalog(s) indexed, {} member(s)",
            loaded.index.len(),
            loaded.members
        ),
    );
    Ok(loaded.index)
}

/// Why `--catalogs system` has no CatRoot to read.
#[derive(Debug)]
#[non_exhaustive]
pub enum CatRootError {
    /// Not Windows.
    NotWindows,
    /// Neither `SystemRoot` nor `windir` is set.
    NoSystemRoot,
    /// `%SystemRoot%\System32\CatRoot` is not a folder.
    NotAFolder(PathBuf),
}

impl fmt::Display for CatRootError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotWindows => f.write_str(
                "--catalogs system reads the CatRoot of the Windows machine authverify runs on; \
                 here, copy that machine's C:\\Windows\\System32\\CatRoot and give its path",
            ),
            Self::NoSystemRoot => f.write_str("--catalogs system: neither SystemRoot nor windir is set"),
            Self::NotAFolder(path) => write!(f, "--catalogs system: {} is not a folder", path.display()),
        }
    }
}

/// `--catalogs system`: the catalog store of the Windows machine authverify runs on,
/// `%SystemRoot%\System32\CatRoot` (its `{GUID}` folders hold the `.cat` files Windows
/// verifies system files against; CatRoot2 is its database, not read).
#[cfg(windows)]
fn system_catroot() -> Result<PathBuf, CatRootError> {
    let root = std::env::var_os("SystemRoot")
        .or_else(|| std::env::var_os("windir"))
        .ok_or(CatRootError::NoSystemRoot)?;
    let catroot = Path::new(&root).join("System32").join("CatRoot");
    if catroot.is_dir() {
        Ok(catroot)
    } else {
        Err(CatRootError::NotAFolder(catroot))
    }
}

#[cfg(not(windows))]
fn system_catroot() -> Result<PathBuf, CatRootError> {
    Err(CatRootError::NotWindows)
}

/// Catalogs indexed from paths, and what was left out.
pub struct LoadedCatalogs {
    /// The catalogs that verified as catalogs (whatever their verdict).
    pub index: authverify::CatalogIndex,
    /// Members listed by the indexed catalogs.
    pub members: usize,
    /// `path: why` for every file that is not a readable catalog.
    pub not_used: Vec<String>,
}

/// Every `.cat` file named, or found under the folders named (in path order), verified at
/// `at` and indexed; `system` names the running Windows machine's CatRoot. A file that is
/// not a catalog is listed in `not_used`. A path that does not exist is an error
/// (`--catalogs PATH: no such file or directory`).
pub fn catalog_index(paths: &[String], verifier: &Verifier, at: UnixTime) -> Result<LoadedCatalogs, Error> {
    let mut files = Vec::new();
    for spec in paths {
        let system;
        let path = if spec == "system" {
            system = system_catroot().map_err(Error::CatRoot)?;
            system.as_path()
        } else {
            Path::new(spec)
        };
        if path.is_dir() {
            let mut found: Vec<PathBuf> = walkdir::WalkDir::new(path)
                .follow_links(false)
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .map(walkdir::DirEntry::into_path)
                .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("cat")))
                .collect();
            found.sort();
            files.extend(found);
        } else if path.is_file() {
            files.push(path.to_path_buf());
        } else {
            return Err(Error::CatalogsNotFound { spec: spec.clone() });
        }
    }
    let mut loaded = LoadedCatalogs {
        index: authverify::CatalogIndex::new(),
        members: 0,
        not_used: Vec::new(),
    };
    // Verifying and reading a catalog is most of the work: a few per thread at a time, in
    // parallel, then indexed in path order (a chunk at a time, so that parsed members
    // waiting to be indexed stay few).
    use rayon::prelude::*;
    let chunk = rayon::current_num_threads().saturating_mul(2).max(1);
    for files in files.chunks(chunk) {
        let verified: Vec<(String, Result<authverify::VerifiedCatalog, String>)> = files
            .par_iter()
            .map(|file| {
                let name = file.display().to_string();
                let v = std::fs::read(file).map_err(|e| e.to_string()).and_then(|bytes| {
                    authverify::CatalogIndex::verify(&name, &bytes, verifier, at).map_err(|e| e.to_string())
                });
                (name, v)
            })
            .collect();
        for (name, v) in verified {
            match v.and_then(|v| loaded.index.insert(v).map_err(|e| e.to_string())) {
                Ok(report) => loaded.members = loaded.members.saturating_add(report.catalog.map_or(0, |c| c.members)),
                Err(e) => loaded.not_used.push(format!("{name}: {e}")),
            }
        }
    }
    Ok(loaded)
}

/// `s` as an evaluation time (RFC 3339 UTC or a date), or now when there is none; `flag`
/// names the option in the error.
pub fn parse_time(s: Option<&str>, flag: &str) -> Result<UnixTime, Error> {
    match s {
        Some(s) => s.parse::<UnixTime>().map_err(|source| Error::Time {
            flag: flag.to_string(),
            source,
        }),
        None => Ok(now()),
    }
}

/// Front ends are where the clock is read: the library only takes times as inputs.
pub fn now() -> UnixTime {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    UnixTime::from_secs(secs)
}
