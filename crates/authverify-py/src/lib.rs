//! Python binding of authverify (imported as `authverify`; the Python package in
//! `python/authverify` re-exports this module and carries the type stubs).
//!
//! Reports cross into Python as the JSON format's data: each is serialised with the same
//! serde code the CLI's `--format json` uses and decoded by Python's `json` module, so a
//! report dict equals the CLI's JSON object by construction, field names included.
//! Verification runs with the GIL released (`Python::detach`), so threads and the
//! parallel `verify_paths` really run in parallel.

use std::path::PathBuf;
use std::sync::Arc;

use authverify::{Policy, Role, SignatureSelection, TrustStore, UnixTime, Verifier as Inner};
use authverify_fleet::config::{catalog_index, load_trust};
use authverify_fleet::files::verify_named;
use authverify_fleet::gate::{Gate, GateCounts, GateOptions};
use authverify_fleet::output::json::{line_text as jsonl_line, summary_line_text as jsonl_summary_line};
use authverify_fleet::summary::{Builder as SummaryBuilder, SCHEMA};
use authverify_fleet::{FileResult, Summary as InnerSummary};
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use rayon::prelude::*;

pyo3::create_exception!(
    _authverify,
    AuthverifyError,
    PyException,
    "A file or trust material that authverify could not read; the message is the library's."
);

fn error(msg: impl ToString) -> PyErr {
    AuthverifyError::new_err(msg.to_string())
}

/// serde data → Python objects, through the `json` module (the JSON format, exactly).
fn to_python<T: serde::Serialize>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    let text = serde_json::to_string(value).map_err(error)?;
    Ok(py.import("json")?.call_method1("loads", (text,))?.unbind())
}

/// `at`: None (now, read from the clock here: the library never reads it), an RFC 3339
/// string, seconds since the epoch, or an aware `datetime`.
fn evaluation_time(at: Option<&Bound<'_, PyAny>>) -> PyResult<UnixTime> {
    let Some(at) = at.filter(|a| !a.is_none()) else {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(error)?
            .as_secs();
        return Ok(UnixTime::from_secs(secs));
    };
    if let Ok(text) = at.extract::<String>() {
        return text
            .parse::<UnixTime>()
            .map_err(|e| error(format!("at: {e} (expected RFC 3339 UTC, e.g. 2026-04-13T00:00:00Z)")));
    }
    if let Ok(secs) = at.extract::<u64>() {
        return Ok(UnixTime::from_secs(secs));
    }
    if at.hasattr("timestamp")? {
        if at.getattr("tzinfo")?.is_none() {
            return Err(error(
                "at: a naive datetime is ambiguous; give it a timezone (e.g. timezone.utc)",
            ));
        }
        let secs: f64 = at.call_method0("timestamp")?.extract()?;
        if !(0.0..=(u64::MAX as f64)).contains(&secs) {
            return Err(error("at: before 1970 or too far ahead"));
        }
        return Ok(UnixTime::from_secs(secs.floor() as u64));
    }
    Err(error(
        "at: expected None, an RFC 3339 string, seconds since the epoch or a datetime",
    ))
}

/// A verifier: trust material, policy and caches, built once and shared by every file
/// (and thread) it verifies.
///
/// `trust`, `intermediates` and `distrust` take what the CLI's `--trust`,
/// `--intermediates` and `--distrust` take: "builtin" (Microsoft's root program as
/// shipped with authverify) or a path to certificates, a bundle, .p7b, .sst,
/// authroot.stl, a CertUtil folder. With no `trust`, the built-in set is used, as the CLI
/// does. `policy` is "windows" or "strict"; `signatures` is "primary", "all" or "any".
/// `catalogs` takes what `--catalogs` takes (.cat files, folders of them): each is verified
/// once, here, at `catalogs_at` (any form `at` takes; None: now), and every file verified
/// is looked up in them; `catalog_problems` lists the files that were not catalogs.
/// `require_signer`, `require_timestamp` and `exclude_from` are the CLI's release gate
/// (`--require-signer`, `--require-timestamp`, `--exclude-from`): with any of them, the
/// records of `verify_paths`, `verify_batch` and `verify_lines` carry `gate` as the CLI's
/// JSON lines do, and the summary the gate's counts.
/// `crl` takes what `--crl` takes (DER or PEM CRL files, folders of .crl files).
/// Picklable: a pickled verifier is rebuilt from these arguments, `catalogs_at` as the
/// instant it resolved to (caches start empty).
#[pyclass(module = "authverify", frozen)]
struct Verifier {
    inner: Arc<Inner>,
    gate: Arc<Gate>,
    args: Args,
    catalog_problems: Vec<String>,
}

/// The constructor's arguments, kept for pickling and repr.
#[derive(Clone)]
struct Args {
    trust: Vec<String>,
    intermediates: Vec<String>,
    distrust: Vec<String>,
    policy: String,
    signatures: String,
    catalogs: Vec<String>,
    crl: Vec<String>,
    /// Seconds since the epoch the catalogs were verified at (None without catalogs).
    catalogs_at: Option<u64>,
    require_signer: Vec<String>,
    require_timestamp: bool,
    exclude_from: Vec<PathBuf>,
}

fn policy_of(policy: &str, signatures: &str) -> PyResult<Policy> {
    let mut rules = match policy {
        "windows" => Policy::windows(),
        "strict" => Policy::strict(),
        other => return Err(error(format!("policy: {other:?} is not \"windows\" or \"strict\""))),
    };
    rules.signatures = match signatures {
        "primary" => SignatureSelection::Primary,
        "all" => SignatureSelection::All,
        "any" => SignatureSelection::Any,
        other => {
            return Err(error(format!(
                "signatures: {other:?} is not \"primary\", \"all\" or \"any\""
            )))
        }
    };
    Ok(rules)
}

#[pymethods]
impl Verifier {
    #[new]
    #[pyo3(signature = (trust=None, intermediates=Vec::new(), distrust=Vec::new(), policy="windows".to_string(), signatures="primary".to_string(), catalogs=Vec::new(), catalogs_at=None, require_signer=Vec::new(), require_timestamp=false, exclude_from=Vec::new(), crl=Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        trust: Option<Vec<String>>,
        intermediates: Vec<String>,
        distrust: Vec<String>,
        policy: String,
        signatures: String,
        catalogs: Vec<String>,
        catalogs_at: Option<&Bound<'_, PyAny>>,
        require_signer: Vec<String>,
        require_timestamp: bool,
        exclude_from: Vec<PathBuf>,
        crl: Vec<String>,
    ) -> PyResult<Self> {
        let rules = policy_of(&policy, &signatures)?;
        let gate_options = GateOptions {
            require_signer: require_signer.clone(),
            require_timestamp,
            exclude_from: exclude_from.clone(),
            signatures: rules.signatures,
        };
        let gate = py
            .detach(|| Gate::build(&gate_options, &mut std::io::stderr()))
            .map_err(error)?;
        let trust = trust.unwrap_or_else(|| vec!["builtin".to_string()]);
        let store = py.detach(|| -> Result<TrustStore, authverify_fleet::Error> {
            let mut store = TrustStore::new();
            for (specs, role, flag) in [
                (&trust, Role::Anchors, "trust"),
                (&intermediates, Role::Intermediates, "intermediates"),
                (&distrust, Role::Distrusted, "distrust"),
            ] {
                for spec in specs {
                    // Warnings and files not used go to stderr, as the command's do.
                    load_trust(&mut store, spec, role, flag, &mut std::io::stderr())?;
                }
            }
            for spec in &crl {
                authverify_fleet::config::load_crls(&mut store, spec, &mut std::io::stderr())?;
            }
            Ok(store)
        });
        let mut inner = Inner::new(store.map_err(error)?, rules);
        let mut catalog_problems = Vec::new();
        let mut resolved_at = None;
        if !catalogs.is_empty() {
            let at = evaluation_time(catalogs_at)?;
            let loaded = py.detach(|| catalog_index(&catalogs, &inner, at)).map_err(error)?;
            catalog_problems = loaded.not_used;
            inner = inner.with_catalogs(Arc::new(loaded.index));
            resolved_at = Some(at.as_secs());
        }
        Ok(Self {
            inner: Arc::new(inner),
            gate: Arc::new(gate),
            args: Args {
                trust,
                intermediates,
                distrust,
                policy,
                signatures,
                catalogs,
                crl,
                catalogs_at: resolved_at,
                require_signer,
                require_timestamp,
                exclude_from,
            },
            catalog_problems,
        })
    }

    /// `path: why` for every file given in `catalogs` (or found in its folders) that is not
    /// a readable catalog and so is not used.
    #[getter]
    fn catalog_problems(&self) -> Vec<String> {
        self.catalog_problems.clone()
    }

    /// Verifies one file; returns its report as the JSON format's object (a dict).
    /// Raises AuthverifyError when the file cannot be read or is of no format authverify
    /// verifies (PE image, cabinet, MSI package, catalog; with `catalogs`, any file is).
    #[pyo3(signature = (path, at=None))]
    fn verify_path(&self, py: Python<'_>, path: PathBuf, at: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let at = evaluation_time(at)?;
        let inner = self.inner.clone();
        let report = py.detach(move || inner.verify_path(&path, at)).map_err(error)?;
        to_python(py, &report)
    }

    /// Verifies a file's bytes; returns its report as a dict. Raises AuthverifyError when
    /// they are of no format authverify verifies (with `catalogs`, any bytes are).
    #[pyo3(signature = (data, at=None))]
    fn verify_bytes(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyBytes>,
        at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let at = evaluation_time(at)?;
        let bytes = data.as_bytes();
        let inner = self.inner.clone();
        let report = py.detach(|| inner.verify_bytes(bytes, at)).map_err(error)?;
        to_python(py, &report)
    }

    /// Verifies many files in parallel (all cores, GIL released). Returns one record per
    /// path, in the order given, exactly as `authverify verify --format jsonl --files-from`
    /// writes the line of a listed file: {"path": ..., <report fields>} or {"path": ...,
    /// "status": "error", "error": ...}. A file that is missing or cannot be read is such a
    /// record, never an exception. Paths name files (a directory is an error record; walk
    /// it with os.walk, or give it to the CLI).
    #[pyo3(signature = (paths, at=None))]
    fn verify_paths(&self, py: Python<'_>, paths: Vec<PathBuf>, at: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let at = evaluation_time(at)?;
        let results = self.run(py, paths, at);
        to_python(py, &results)
    }

    /// `verify_paths` and the summary of the same files: (records, Summary). Partial
    /// summaries from batches verified apart combine with `Summary.append`.
    #[pyo3(signature = (paths, at=None))]
    fn verify_batch(
        &self,
        py: Python<'_>,
        paths: Vec<PathBuf>,
        at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(Py<PyAny>, Summary)> {
        let at = evaluation_time(at)?;
        let (results, summary) = self.run_with_summary(py, paths, at);
        Ok((to_python(py, &results)?, Summary { inner: summary }))
    }

    /// `verify_batch` for pipelines that write JSON lines: (lines, Summary), each line the
    /// exact text `authverify verify --format jsonl` writes for the file (no newline), with
    /// no Python objects built for the reports (what a cluster job ships back).
    #[pyo3(signature = (paths, at=None))]
    fn verify_lines(
        &self,
        py: Python<'_>,
        paths: Vec<PathBuf>,
        at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(Vec<String>, Summary)> {
        let at = evaluation_time(at)?;
        let (results, summary) = self.run_with_summary(py, paths, at);
        let lines = py.detach(|| results.iter().map(jsonl_line).collect::<std::io::Result<Vec<String>>>());
        Ok((lines.map_err(error)?, Summary { inner: summary }))
    }

    /// Rebuilt from its arguments when unpickled (a worker builds its own caches).
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let class = py.get_type::<Verifier>();
        let a = self.args.clone();
        let args = PyTuple::new(
            py,
            [
                a.trust.into_pyobject(py)?.into_any(),
                a.intermediates.into_pyobject(py)?.into_any(),
                a.distrust.into_pyobject(py)?.into_any(),
                a.policy.into_pyobject(py)?.into_any(),
                a.signatures.into_pyobject(py)?.into_any(),
                a.catalogs.into_pyobject(py)?.into_any(),
                a.catalogs_at.into_pyobject(py)?.into_any(),
                a.require_signer.into_pyobject(py)?.into_any(),
                a.require_timestamp.into_pyobject(py)?.to_owned().into_any(),
                a.exclude_from.into_pyobject(py)?.into_any(),
                a.crl.into_pyobject(py)?.into_any(),
            ],
        )?;
        PyTuple::new(py, [class.into_any(), args.into_any()])
    }

    fn __repr__(&self) -> String {
        let a = &self.args;
        let crl = if a.crl.is_empty() {
            String::new()
        } else {
            format!(", crl={:?}", a.crl)
        };
        let catalogs = if a.catalogs.is_empty() {
            String::new()
        } else {
            format!(
                ", catalogs={:?}, catalogs_at={:?}",
                a.catalogs,
                a.catalogs_at.unwrap_or_default()
            )
        };
        let gate = if self.gate.asked() {
            format!(
                ", require_signer={:?}, require_timestamp={}, exclude_from={:?}",
                a.require_signer, a.require_timestamp, a.exclude_from
            )
        } else {
            String::new()
        };
        format!(
            "Verifier(trust={:?}, intermediates={:?}, distrust={:?}, policy={:?}, signatures={:?}{catalogs}{crl}{gate})",
            a.trust, a.intermediates, a.distrust, a.policy, a.signatures
        )
    }
}

impl Verifier {
    fn run(&self, py: Python<'_>, paths: Vec<PathBuf>, at: UnixTime) -> Vec<FileResult> {
        let inner = self.inner.clone();
        let gate = self.gate.clone();
        py.detach(move || {
            paths
                .par_iter()
                .map(|p| {
                    let mut r = verify_named(&inner, p, at);
                    r.gate = gate.asked().then(|| Box::new(gate.evaluate(&r)));
                    r
                })
                .collect()
        })
    }

    /// The results and their summary, built with the GIL released.
    fn run_with_summary(&self, py: Python<'_>, paths: Vec<PathBuf>, at: UnixTime) -> (Vec<FileResult>, InnerSummary) {
        let results = self.run(py, paths, at);
        py.detach(|| {
            let mut builder = SummaryBuilder::default();
            let mut gate = GateCounts::default();
            for r in &results {
                builder.add(r);
                if let Some(g) = &r.gate {
                    gate.add(g);
                }
            }
            let mut summary = builder.finish();
            summary.gate = self.gate.asked().then_some(gate);
            (results, summary)
        })
    }
}

/// What to install across a set of files and why the others fail: the CLI's `--summary`.
/// `to_dict()` gives the JSON format's `summary` object.
#[pyclass(module = "authverify")]
struct Summary {
    inner: InnerSummary,
}

#[pymethods]
impl Summary {
    /// An empty summary (no files).
    #[new]
    fn new() -> Self {
        Self {
            inner: InnerSummary::default(),
        }
    }

    /// Adds the summary of files that come after this one's (in order): the result is the
    /// summary one run over all of them would have printed.
    fn append(&mut self, other: &Summary) -> PyResult<()> {
        self.inner.append(other.inner.clone());
        Ok(())
    }

    /// The summary as the JSON format's `summary` object.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_python(py, &self.inner)
    }

    /// The summary line `authverify verify --summary --format jsonl` ends with (no newline).
    fn to_line(&self) -> PyResult<String> {
        jsonl_summary_line(&self.inner).map_err(error)
    }

    /// The summary as JSON text (what `from_json` reads).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(error)
    }

    /// A summary from `to_json`'s text.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        Ok(Self {
            inner: serde_json::from_str(text).map_err(error)?,
        })
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let from_json = py.get_type::<Summary>().getattr("from_json")?;
        PyTuple::new(py, [from_json, PyTuple::new(py, [self.to_json()?])?.into_any()])
    }

    fn __repr__(&self) -> String {
        format!("Summary(files={})", self.inner.files())
    }
}

/// The JSON lines schema version the summary line carries (`authverify summary` reads it).
#[pyfunction]
fn schema() -> u64 {
    SCHEMA
}

#[pymodule]
fn _authverify(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Verifier>()?;
    m.add_class::<Summary>()?;
    m.add_function(wrap_pyfunction!(schema, m)?)?;
    m.add("AuthverifyError", m.py().get_type::<AuthverifyError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
