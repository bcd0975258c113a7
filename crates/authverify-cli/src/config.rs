//! Configuration: the trust store, policy, evaluation time and thread count the options
//! describe. The CLI is where the clock is read: the library only takes times as inputs.

use std::path::Path;

use authverify::{Policy, Role, SignatureSelection, TrustStore, UnixTime, Verifier};

use crate::args::{PolicyName, Signatures, TrustOptions};
use crate::error::CliError;
use crate::escape::terminal;
use crate::system_store;

/// Loads one `--trust`-style argument (`builtin` or a path) into `store`; every file a
/// folder holds but that is not used is named on stderr.
pub fn load_trust(store: &mut TrustStore, spec: &str, role: Role, flag: &str) -> Result<(), String> {
    load_trust_as(store, spec, role, flag).map_err(|e| e.to_string())
}

/// [`load_trust`] with the command's error type.
pub(crate) fn load_trust_as(store: &mut TrustStore, spec: &str, role: Role, flag: &str) -> Result<(), CliError> {
    if spec == "builtin" {
        store.add_builtin();
        return Ok(());
    }
    if spec == "system" {
        if role != Role::Anchors {
            return Err(CliError::Usage(format!(
                "{flag} system: the machine's stores give each certificate its role; use --trust system"
            )));
        }
        let loaded = system_store::load(store).map_err(CliError::Trust)?;
        let ctl = match &loaded.cached_ctl {
            Some((sequence, date)) => format!(
                "; its cached authroot.stl is sequence {} of {date} (an offline machine's list is as old as its last sync)",
                terminal(sequence)
            ),
            None => "; it has no cached authroot.stl".to_string(),
        };
        eprintln!(
            "authverify: --trust system: {} root(s), {} intermediate(s), {} distrusted from this machine's stores{ctl}",
            loaded.anchors, loaded.intermediates, loaded.distrusted
        );
        for problem in &loaded.unreadable {
            eprintln!("authverify: --trust system: not used: {}", terminal(problem));
        }
        return Ok(());
    }
    let summary = store
        .load(Path::new(spec), role)
        .map_err(|e| CliError::TrustUnloadable {
            message: format!("cannot load {flag} {spec}: {e}"),
            flag: flag.to_string(),
        })?;
    for warning in &summary.warnings {
        eprintln!("authverify: {flag} {}: warning: {}", terminal(spec), terminal(warning));
    }
    for skipped in &summary.skipped {
        eprintln!(
            "authverify: {flag} {}: not used: {}: {}",
            terminal(spec),
            terminal(&skipped.path),
            terminal(&skipped.reason)
        );
    }
    let contributed =
        summary.anchors > 0 || summary.intermediates > 0 || summary.distrusted > 0 || !summary.trust_lists.is_empty();
    if !contributed {
        let what = nothing_loaded(Path::new(spec), &summary);
        // A --trust path is what files are verified against: trusting nothing from it is a
        // mistake to stop at (a wrong folder, an export of the wrong key), not a run where
        // every file comes out untrusted. The others only add to or take from it.
        if flag == "--trust" {
            return Err(CliError::Trust(format!("{flag} {spec}: {what}")));
        }
        eprintln!("authverify: {flag} {}: warning: {what}", terminal(spec));
    }
    Ok(())
}

/// Says that nothing was loaded from `path`, and what it held instead.
fn nothing_loaded(path: &Path, summary: &authverify::LoadSummary) -> String {
    if !path.is_dir() {
        return "nothing loaded: it holds no certificate, trust list or certificate store".into();
    }
    match summary.skipped.len() {
        0 => "nothing loaded: the folder holds no file".into(),
        n => format!(
            "nothing loaded: none of the {n} entries of the folder (each named above, with the reason) is a certificate, trust list or certificate store"
        ),
    }
}

pub(crate) fn build_trust(options: &TrustOptions) -> Result<TrustStore, CliError> {
    let mut store = TrustStore::new();
    if options.trust.is_empty() {
        store.add_builtin();
    }
    for spec in &options.trust {
        load_trust_as(&mut store, spec, Role::Anchors, "--trust")?;
    }
    for spec in &options.intermediates {
        load_trust_as(&mut store, spec, Role::Intermediates, "--intermediates")?;
    }
    for spec in &options.distrust {
        load_trust_as(&mut store, spec, Role::Distrusted, "--distrust")?;
    }
    load_vouched(&mut store, &options.vouch)?;
    Ok(store)
}

/// `--vouch`: certificates the user vouches for, by their exact bytes (issue 26). Only
/// certificates: a CTL or a store export carries its own roles, and `builtin`/`system` are
/// trusted material already, so each is refused rather than read as something else.
pub(crate) fn load_vouched(store: &mut TrustStore, specs: &[String]) -> Result<(), CliError> {
    for spec in specs {
        if spec == "builtin" || spec == "system" {
            return Err(CliError::Usage(format!(
                "--vouch {spec}: --vouch takes certificate files; the built-in set and the machine's stores are vouched for already"
            )));
        }
        let mut read = TrustStore::new();
        load_trust_as(&mut read, spec, Role::Anchors, "--vouch")?;
        if !read.trust_lists().is_empty() {
            return Err(CliError::Usage(format!(
                "--vouch {spec}: a CTL vouches through --trust; --vouch takes certificate files"
            )));
        }
        let certificates: Vec<_> = read.anchors().chain(read.intermediates()).cloned().collect();
        if certificates.is_empty() {
            return Err(CliError::Usage(format!("--vouch {spec}: no certificate in it")));
        }
        for c in certificates {
            store.vouch(c);
        }
    }
    Ok(())
}

/// The material `authverify summary` judges other machines' reports by: the CTLs given with
/// `--trust` (the built-in list is always consulted) and the `--vouch` certificates.
pub(crate) fn plan_trust(trust: &[String], vouch: &[String]) -> Result<TrustStore, CliError> {
    let mut store = TrustStore::new();
    for spec in trust {
        load_trust_as(&mut store, spec, Role::Anchors, "--trust")?;
    }
    load_vouched(&mut store, vouch)?;
    Ok(store)
}

/// The verifier and the evaluation time the options describe.
pub(crate) fn build_verifier(options: &TrustOptions) -> Result<(Verifier, UnixTime), CliError> {
    let trust = build_trust(options)?;
    let at = parse_time(options.at.as_deref(), "--at")?;
    let mut policy = match options.policy {
        PolicyName::Windows => Policy::windows(),
        PolicyName::Strict => Policy::strict(),
    };
    policy.signatures = match options.signatures {
        Signatures::Primary => SignatureSelection::Primary,
        Signatures::All => SignatureSelection::All,
        Signatures::Any => SignatureSelection::Any,
    };
    if let Some(jobs) = options.jobs {
        if jobs == 0 {
            return Err(CliError::Usage("--jobs must be at least 1".into()));
        }
        // Only fails when a pool was already built, which this process never does first.
        let _ = rayon::ThreadPoolBuilder::new().num_threads(jobs).build_global();
    }
    let verifier = Verifier::new(trust, policy);
    if options.catalogs.is_empty() {
        return Ok((verifier, at));
    }
    let index = load_catalogs(&options.catalogs, &verifier, at)?;
    Ok((verifier.with_catalogs(std::sync::Arc::new(index)), at))
}

/// `--catalogs`: every `.cat` file named or found in the folders named, each verified once
/// at `at` with the verifier's trust. A file that is not a catalog is named on stderr and
/// left out; a path that does not exist is an error.
fn load_catalogs(paths: &[String], verifier: &Verifier, at: UnixTime) -> Result<authverify::CatalogIndex, CliError> {
    let loaded = catalog_index(paths, verifier, at).map_err(CliError::Trust)?;
    for problem in &loaded.not_used {
        eprintln!("authverify: --catalogs {}; not used", terminal(problem));
    }
    eprintln!(
        "authverify: --catalogs: {} catalog(s) indexed, {} member(s)",
        loaded.index.len(),
        loaded.members
    );
    Ok(loaded.index)
}

/// `--catalogs system`: the catalog store of the Windows machine authverify runs on,
/// `%SystemRoot%\System32\CatRoot` (its `{GUID}` folders hold the `.cat` files Windows
/// verifies system files against; CatRoot2 is its database, not read).
#[cfg(windows)]
fn system_catroot() -> Result<std::path::PathBuf, String> {
    let root = std::env::var_os("SystemRoot")
        .or_else(|| std::env::var_os("windir"))
        .ok_or("--catalogs system: neither SystemRoot nor windir is set")?;
    let catroot = Path::new(&root).join("System32").join("CatRoot");
    if catroot.is_dir() {
        Ok(catroot)
    } else {
        Err(format!("--catalogs system: {} is not a folder", catroot.display()))
    }
}

#[cfg(not(windows))]
fn system_catroot() -> Result<std::path::PathBuf, String> {
    Err(
        "--catalogs system reads the CatRoot of the Windows machine authverify runs on; \
         here, copy that machine's C:\\Windows\\System32\\CatRoot and give its path"
            .into(),
    )
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
pub fn catalog_index(paths: &[String], verifier: &Verifier, at: UnixTime) -> Result<LoadedCatalogs, String> {
    let mut files = Vec::new();
    for spec in paths {
        let system;
        let path = if spec == "system" {
            system = system_catroot()?;
            system.as_path()
        } else {
            Path::new(spec)
        };
        if path.is_dir() {
            let mut found: Vec<std::path::PathBuf> = walkdir::WalkDir::new(path)
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
            return Err(format!("--catalogs {spec}: no such file or directory"));
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

pub(crate) fn parse_time(s: Option<&str>, flag: &str) -> Result<UnixTime, CliError> {
    match s {
        Some(s) => s.parse::<UnixTime>().map_err(|e| {
            CliError::Usage(format!(
                "{flag}: {e} (expected RFC 3339 UTC, e.g. 2026-04-13T00:00:00Z)"
            ))
        }),
        None => Ok(now()),
    }
}

/// The CLI is where the clock is read: the library only takes times as inputs.
fn now() -> UnixTime {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    UnixTime::from_secs(secs)
}
