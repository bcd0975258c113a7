//! `verify --payload`: the files a container carries (cabinet, MSI package, ZIP-based
//! package), each an ordinary [`FileResult`] with `container` and `member` set, so that
//! everything downstream (text, JSON, summary, gates) takes members as it takes files.

use std::path::Path;

use authverify::payload::{container_kind, ContainerKind};
use authverify::{MemberReport, UnixTime, Verifier};

use crate::files::{FileResult, Outcome};

/// How a member's `path` joins its containers and itself (`setup.msi » ViGEmBus.sys`).
pub const SEPARATOR: &str = " » ";

/// The largest container read for its payload. A ZIP archive (and any container of at most
/// [`authverify::READ_WHOLE_LIMIT`] bytes) is held in memory whole; a larger cabinet or MSI
/// package is walked from the file in parts ([`Verifier::verify_payload_reader`]).
pub const MAX_CONTAINER_BYTES: u64 = 4 << 30;

/// A container read for its payload.
pub struct Container {
    path: String,
    /// Its bytes, or `None` for one walked from the file (a cabinet or MSI package over
    /// `READ_WHOLE_LIMIT`).
    bytes: Option<Vec<u8>>,
    file: std::path::PathBuf,
    kind: ContainerKind,
}

/// The container at `path` (a regular file), read whole; `None` when it is not a container
/// whose payload is walked, or when it cannot be read (its own verification says why).
/// A container larger than [`MAX_CONTAINER_BYTES`] is a result saying so.
pub fn open(path: &Path) -> Option<Result<Container, FileResult>> {
    let meta = std::fs::metadata(path).ok().filter(std::fs::Metadata::is_file)?;
    let shown = path.display().to_string();
    let mut head = [0u8; 8];
    {
        use std::io::Read;
        std::fs::File::open(path).ok()?.read_exact(&mut head).ok()?;
    }
    let named_container = container_kind(&shown, &head).is_some()
        || (head.starts_with(b"PK\x03\x04") && crate::files::named(path, &authverify::appx::PACKAGE_EXTENSIONS));
    if !named_container {
        return None;
    }
    if meta.len() > MAX_CONTAINER_BYTES {
        let why = format!(
            "a container of {} bytes (at most {MAX_CONTAINER_BYTES} are read for its payload)",
            meta.len()
        );
        return Some(Err(walk_error(&shown, why)));
    }
    let by_head = container_kind(&shown, &head);
    if meta.len() > authverify::READ_WHOLE_LIMIT {
        if let Some(kind @ (ContainerKind::Cabinet | ContainerKind::Msi)) = by_head {
            return Some(Ok(Container {
                path: shown,
                bytes: None,
                file: path.to_path_buf(),
                kind,
            }));
        }
    }
    let bytes = std::fs::read(path).ok()?;
    let kind = container_kind(&shown, &bytes)?;
    Some(Ok(Container {
        path: shown,
        bytes: Some(bytes),
        file: path.to_path_buf(),
        kind,
    }))
}

fn walk_error(path: &str, error: String) -> FileResult {
    FileResult {
        path: path.to_string(),
        label: None,
        container: vec![path.to_string()],
        member: None,
        outcome: Outcome::Error {
            status: authverify::FileStatus::Error,
            error,
            error_rule: "file.payload",
        },
        gate: None,
    }
}

impl Container {
    /// A ZIP archive of no signed format (`.zip .nupkg .vsix .whl .jar`, not an APPX/MSIX
    /// package): it has no verdict of its own, only its members are reported.
    pub fn is_plain_archive(&self) -> bool {
        self.kind == ContainerKind::Zip && self.bytes.as_deref().is_some_and(|b| !authverify::appx::is_package(b))
    }

    /// Verifies every file the container carries and hands each result to `sink`, in the
    /// container's order.
    pub fn verify(&self, verifier: &Verifier, at: UnixTime, sink: &mut dyn FnMut(FileResult)) {
        let mut each = |m| sink(result_of(m));
        match &self.bytes {
            Some(bytes) => {
                verifier.verify_payload(bytes, &self.path, at, &mut each);
            }
            None => match std::fs::File::open(&self.file) {
                Ok(mut file) => {
                    verifier.verify_payload_reader(&mut file, &self.path, at, &mut each);
                }
                Err(e) => each(MemberReport {
                    container: vec![self.path.clone()],
                    member: None,
                    result: Err(authverify::Error::Read { message: e.to_string() }),
                }),
            },
        }
    }
}

/// A member's report as a [`FileResult`]: `path` shows the chain (`setup.msi » x.sys`).
fn result_of(m: MemberReport) -> FileResult {
    let mut shown = m.container.join(SEPARATOR);
    if let Some(member) = &m.member {
        shown.push_str(SEPARATOR);
        shown.push_str(member);
    }
    let outcome = match m.result {
        Ok(report) => Outcome::Report(report),
        Err(e) => Outcome::Error {
            status: authverify::FileStatus::Error,
            error: e.to_string(),
            error_rule: e.rule(),
        },
    };
    FileResult {
        path: shown,
        label: None,
        container: m.container,
        member: m.member,
        outcome,
        gate: None,
    }
}

/// Whether a folder walk with `--payload` takes the file: a container by its name (ZIP-based
/// packages have no signature a folder walk would pick them by).
pub(crate) fn is_container_name(path: &Path) -> bool {
    crate::files::named(path, &authverify::payload::ZIP_EXTENSIONS)
}
