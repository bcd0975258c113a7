//! `--export-missing DIR`: the certificates to install as DER `<sha1>.crt` files (the names
//! `CertUtil -syncWithWU` uses), with a README.txt saying where each goes.

use std::fmt::Write as _;
use std::path::Path;

use authverify::catalog;
use authverify::{Store, Verifier};

use crate::summary::Summary;

pub(crate) struct Exported {
    pub(crate) written: usize,
    pub(crate) unavailable: usize,
}

/// The DER of a missing certificate: from the catalog, or from a file verified in this run
/// (the verifier's certificate cache).
fn der_of(sha1: Option<&str>, sha256: Option<&str>, verifier: &Verifier) -> Option<Vec<u8>> {
    let from_hex = |s: &str| hex::decode(s).ok();
    if let Some(c) = sha1
        .and_then(from_hex)
        .and_then(|b| <[u8; 20]>::try_from(b).ok())
        .and_then(|b| catalog::by_sha1(&b))
    {
        return Some(c.entry.der.to_vec());
    }
    sha256
        .and_then(from_hex)
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .and_then(|b| verifier.certificate_cache().get(&b))
        .map(|c| c.der().to_vec())
}

pub(crate) fn write(dir: &Path, summary: &Summary, verifier: &Verifier) -> std::io::Result<Exported> {
    std::fs::create_dir_all(dir)?;
    let mut readme = String::from(
        "Certificates these files need, written by `authverify verify --export-missing`.\n\
         Import each into the Local Computer store named below, e.g. (elevated):\n\
         \x20 certutil -addstore -f Root <file>     (Trusted Root Certification Authorities)\n\
         \x20 certutil -addstore -f CA <file>       (Intermediate Certification Authorities)\n\n",
    );
    let mut exported = Exported {
        written: 0,
        unavailable: 0,
    };
    let mut missing_lines = String::new();
    for item in &summary.install {
        let certutil_store = match item.store {
            Store::Root => "Root",
            _ => "CA",
        };
        let der = der_of(item.sha1.as_deref(), item.sha256.as_deref(), verifier);
        match (der, &item.file_name) {
            (Some(der), Some(file)) => {
                std::fs::write(dir.join(file), der)?;
                exported.written += 1;
                let _ = writeln!(
                    readme,
                    "{file}\n  {}\n  store: {} -> certutil -addstore -f {certutil_store} {file}\n  needed by {} file(s), e.g. {}\n",
                    item.name, item.store_name, item.files, item.example
                );
            }
            _ => {
                exported.unavailable += 1;
                let source = match &item.sha1 {
                    Some(sha1) => format!(
                        "known from the root program as SHA-1 {sha1}: on a connected machine `CertUtil -syncWithWU DIR` writes it as {sha1}.crt (or download http://ctldl.windowsupdate.com/msdownload/update/v3/static/trustedr/en/{sha1}.crt)"
                    ),
                    None => format!(
                        "not known to authverify; ask the publisher for the CA certificate with this subject and key id {}",
                        item.key_id.as_deref().unwrap_or("(none)")
                    ),
                };
                let _ = writeln!(
                    missing_lines,
                    "{}\n  subject: {}\n  store: {}\n  {source}\n  needed by {} file(s), e.g. {}\n",
                    item.name, item.subject, item.store_name, item.files, item.example
                );
            }
        }
    }
    if !missing_lines.is_empty() {
        readme.push_str("Not provided here (authverify does not hold these certificates):\n\n");
        readme.push_str(&missing_lines);
    }
    if summary.install.is_empty() {
        readme.push_str("Nothing to install: no file failed for want of a certificate.\n");
    }
    std::fs::write(dir.join("README.txt"), readme)?;
    Ok(exported)
}
