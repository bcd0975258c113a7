//! `--export-missing DIR`: the certificates to install as DER `<sha1>.crt` files (the names
//! `CertUtil -syncWithWU` uses), with a README.txt saying where each goes, `install.ps1`
//! (PowerShell's Import-Certificate) and `install.cmd` (certutil) that install them into the
//! Local Computer stores, and one certificates-only PKCS#7 per store (`Root.p7b`, `CA.p7b`)
//! for a Group Policy import (issue 16).

use std::fmt::Write as _;
use std::path::Path;

use authverify::builtin;
use authverify::Store;

use crate::summary::{parse_sha1, Install, Summary};

/// What [`write()`] wrote.
pub struct Exported {
    /// Certificates written.
    pub written: usize,
    /// Certificates named but not provided (listed in README.txt).
    pub unavailable: usize,
}

/// A certificate this run may write: its DER, parsed again here so that the file name and
/// the SHA-1 in every script line are computed from the bytes written, never taken from a
/// report or a name.
struct Held {
    der: Vec<u8>,
    sha1: String,
}

/// The DER of a vouched certificate to install: carried by this run's own report (the
/// library vouched for it), else the built-in certificate with that SHA-1. Never bytes a
/// report from elsewhere carried: a summary read back from JSON holds none.
fn held(item: &Install) -> Option<Held> {
    let der = match &item.der {
        Some(der) => der.to_vec(),
        None => item
            .sha1
            .as_deref()
            .and_then(parse_sha1)
            .and_then(|b| builtin::by_sha1(&b))
            .map(|c| c.entry.der.to_vec())?,
    };
    let cert = authverify::Certificate::from_der(&der).ok()?;
    Some(Held {
        sha1: cert.sha1_hex(),
        der,
    })
}

/// A name reduced to what is inert in a cmd.exe `rem` line and a PowerShell comment: cmd
/// expands `%` and `!` and treats `^ & | < >` before it runs `rem`; a line break ends a
/// comment in both. Letters, digits, spaces and `. , - _ ( ) ' /` stay; anything else
/// becomes `_`.
fn script_comment(name: &str) -> String {
    name.chars()
        .take(200)
        .map(|c| {
            if c.is_ascii_alphanumeric() || " .,-_()'/".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A string from a certificate or a file name, on one line of README.txt: control, line
/// and bidi characters shown as escapes, so that no name can start a line of its own.
fn readme_text(s: &str) -> String {
    crate::escape::terminal(s).into_owned()
}

/// Writes `name` in `dir` without following what may already be there: the bytes go to a
/// new file (`create_new`: O_EXCL, which a planted symlink cannot redirect) that is then
/// renamed over `name` (a rename replaces a symlink, never its target). An export folder an
/// attacker could write to must not make an elevated run overwrite another file.
fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let staged = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&staged)?;
    let written = f.write_all(bytes).and_then(|()| f.sync_all());
    drop(f);
    match written.and_then(|()| std::fs::rename(&staged, dir.join(name))) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&staged);
            Err(e)
        }
    }
}

/// `--export-missing DIR` as the command does it: [`write()`], then the line saying what was
/// written, on `notes`.
pub fn export_missing(dir: &Path, summary: &Summary, notes: &mut dyn std::io::Write) -> Result<(), crate::Error> {
    let exported = write(dir, summary).map_err(|source| crate::Error::Export {
        dir: dir.to_path_buf(),
        source,
    })?;
    let _ = writeln!(
        notes,
        "authverify: wrote {} certificate(s) to {} (see README.txt there){}",
        exported.written,
        crate::escape::terminal(&dir.display().to_string()),
        if exported.unavailable > 0 {
            format!("; {} could not be provided, listed in README.txt", exported.unavailable)
        } else {
            String::new()
        }
    );
    Ok(())
}

/// Writes the certificates `summary` says to install into `dir` (created if need be), with
/// README.txt, the install scripts and the per-store PKCS#7 files.
pub fn write(dir: &Path, summary: &Summary) -> std::io::Result<Exported> {
    std::fs::create_dir_all(dir)?;
    let mut readme = String::from(
        "Certificates these files need, written by `authverify verify --export-missing`.\n\
         Only certificates a root program or you (--vouch) vouch for are here.\n\
         Import each into the Local Computer store named below, e.g. (elevated):\n\
         \x20 certutil -addstore -f Root <file>     (Trusted Root Certification Authorities)\n\
         \x20 certutil -addstore -f CA <file>       (Intermediate Certification Authorities)\n\n",
    );
    let mut exported = Exported {
        written: 0,
        unavailable: 0,
    };
    let mut missing_lines = String::new();
    let mut installs = Installs::default();
    // `install` holds only vouched certificates (summary.rs); checked again here, where
    // files and scripts are written.
    for item in summary.install.iter().filter(|i| i.vouched_by.is_vouched()) {
        match held(item) {
            Some(h) => {
                write_certificate(dir, item, h, &mut installs, &mut readme)?;
                exported.written += 1;
            }
            None => {
                exported.unavailable += 1;
                not_held(item, &mut missing_lines);
            }
        }
    }
    if !missing_lines.is_empty() {
        readme.push_str("Not provided here (authverify does not hold these certificates):\n\n");
        readme.push_str(&missing_lines);
    }
    unvouched_section(summary, &mut readme);
    if summary.install.is_empty() {
        readme.push_str("Nothing to install: no file failed for want of a certificate anybody vouches for.\n");
    }
    if exported.written > 0 {
        readme.push_str(INSTALL_HELP);
        installs.write(dir)?;
    }
    write_file(dir, "README.txt", readme.as_bytes())?;
    Ok(exported)
}

/// Writes one vouched certificate as `<sha1>.crt`, adds it to the scripts and bundles, and
/// says in the README where it goes.
fn write_certificate(
    dir: &Path,
    item: &Install,
    Held { der, sha1 }: Held,
    installs: &mut Installs,
    readme: &mut String,
) -> std::io::Result<()> {
    let certutil_store = match item.store {
        Store::Root => "Root",
        _ => "CA",
    };
    let file = format!("{sha1}.crt");
    write_file(dir, &file, &der)?;
    installs.add(certutil_store, &file, &script_comment(&item.name), der);
    let _ = writeln!(
        readme,
        "{file}\n  {}\n  store: {} -> certutil -addstore -f {certutil_store} {file}\n  vouched for by: {}\n  needed by {} file(s), e.g. {}\n",
        readme_text(&item.name),
        item.store_name,
        item.vouched_by.as_str(),
        item.files,
        readme_text(&item.example)
    );
    Ok(())
}

/// A vouched certificate authverify does not hold: where to get it.
fn not_held(item: &Install, lines: &mut String) {
    let source = match item.sha1.as_deref().filter(|s| parse_sha1(s).is_some()) {
        Some(sha1) => format!(
            "known from the root program as SHA-1 {sha1}: on a connected machine `CertUtil -syncWithWU DIR` writes it as {sha1}.crt (or download http://ctldl.windowsupdate.com/msdownload/update/v3/static/trustedr/en/{sha1}.crt)"
        ),
        None => "not held by authverify".to_string(),
    };
    let _ = writeln!(
        lines,
        "{}\n  subject: {}\n  store: {}\n  {source}\n  needed by {} file(s), e.g. {}\n",
        readme_text(&item.name),
        readme_text(&item.subject),
        item.store_name,
        item.files,
        readme_text(&item.example)
    );
}

/// The README's list of what nobody vouches for: named, never exported.
fn unvouched_section(summary: &Summary, readme: &mut String) {
    if summary.unvouched.is_empty() {
        return;
    }
    readme.push_str(
        "Not exported: no root program and no --vouch vouches for these; trusting one trusts whoever\n\
         holds its key. Ask the publisher, and vouch with --vouch only for a certificate you know:\n\n",
    );
    for item in &summary.unvouched {
        let impostor = item.impostor_of.as_ref().map_or_else(String::new, |i| {
            format!(
                "  IMPOSTOR: takes the name of the root program's \"{}\" (SHA-1 {}) with another key\n",
                readme_text(&i.name),
                readme_text(&i.sha1)
            )
        });
        let _ = writeln!(
            readme,
            "{}\n{impostor}  SHA-1 {}, SHA-256 {}, key id {}\n  needed by {} file(s), e.g. {}\n",
            readme_text(&item.subject),
            readme_text(item.sha1.as_deref().unwrap_or("(unknown)")),
            readme_text(item.sha256.as_deref().unwrap_or("(unknown)")),
            readme_text(item.key_id.as_deref().unwrap_or("(none)")),
            item.files,
            readme_text(&item.example)
        );
    }
}

const INSTALL_HELP: &str = "Which to use:\n\
  - One machine, PowerShell (elevated): .\\install.ps1 (Import-Certificate into\n\
    Cert:\\LocalMachine\\Root and Cert:\\LocalMachine\\CA).\n\
  - One machine, cmd.exe or no PowerShell (elevated): install.cmd (certutil -addstore).\n\
  - Many machines, a domain: Group Policy Management -> Computer Configuration -> Policies ->\n\
    Windows Settings -> Security Settings -> Public Key Policies -> \"Trusted Root\n\
    Certification Authorities\" (Root.p7b) or \"Intermediate Certification Authorities\"\n\
    (CA.p7b) -> Import. The machines pick them up at their next policy refresh.\n";

/// What the install scripts and the per-store bundles hold, in the README's order.
#[derive(Default)]
struct Installs {
    /// (store, file, name).
    lines: Vec<(&'static str, String, String)>,
    root: Vec<Vec<u8>>,
    ca: Vec<Vec<u8>>,
}

impl Installs {
    fn add(&mut self, store: &'static str, file: &str, name: &str, der: Vec<u8>) {
        self.lines.push((store, file.to_string(), name.to_string()));
        if store == "Root" {
            self.root.push(der);
        } else {
            self.ca.push(der);
        }
    }

    fn write(&self, dir: &Path) -> std::io::Result<()> {
        let mut ps1 = String::from(
            "# Installs the certificates authverify found missing into the Local Computer stores.\r\n\
             # Run elevated: powershell -ExecutionPolicy Bypass -File install.ps1\r\n\
             #Requires -RunAsAdministrator\r\n$ErrorActionPreference = 'Stop'\r\n",
        );
        let mut cmd = String::from(
            "@echo off\r\nrem Installs the certificates authverify found missing into the Local Computer stores.\r\n\
             rem Run from an elevated command prompt.\r\n",
        );
        for (store, file, name) in &self.lines {
            let _ = write!(
                ps1,
                "# {name}\r\nImport-Certificate -FilePath (Join-Path $PSScriptRoot '{file}') -CertStoreLocation Cert:\\LocalMachine\\{store} | Out-Null\r\n"
            );
            let _ = write!(
                cmd,
                "rem {name}\r\ncertutil -addstore -f {store} \"%~dp0{file}\" || exit /b 1\r\n"
            );
        }
        ps1.push_str("Write-Host 'Installed.'\r\n");
        cmd.push_str("echo Installed.\r\n");
        write_file(dir, "install.ps1", ps1.as_bytes())?;
        write_file(dir, "install.cmd", cmd.as_bytes())?;
        for (file, certs) in [("Root.p7b", &self.root), ("CA.p7b", &self.ca)] {
            if !certs.is_empty() {
                write_file(
                    dir,
                    file,
                    &certificates_only_pkcs7(certs).map_err(std::io::Error::other)?,
                )?;
            }
        }
        Ok(())
    }
}

/// A certificates-only ("degenerate") PKCS#7 SignedData, as `certutil -exportPFX`-less
/// tools and Group Policy import it: ContentInfo { signedData, [0] SignedData { version 1,
/// digestAlgorithms {}, encapContentInfo { data }, certificates [0] IMPLICIT SET OF
/// Certificate, signerInfos {} } } (RFC 5652 §5.1). The certificates are in DER SET OF
/// order (sorted by encoding).
fn certificates_only_pkcs7(certs: &[Vec<u8>]) -> der::Result<Vec<u8>> {
    use der::asn1::{ObjectIdentifier, SetOfVec};
    use der::{Encode, Tag, TagNumber};
    fn wrap(tag: Tag, body: &[u8]) -> der::Result<Vec<u8>> {
        let mut out = Vec::new();
        der::Header::new(tag, der::Length::try_from(body.len())?).encode_to_vec(&mut out)?;
        out.extend_from_slice(body);
        Ok(out)
    }
    let context0 = Tag::ContextSpecific {
        constructed: true,
        number: TagNumber(0),
    };
    let mut sorted: Vec<&Vec<u8>> = certs.iter().collect();
    sorted.sort();
    sorted.dedup();
    let cert_bytes: Vec<u8> = sorted.iter().flat_map(|c| c.iter().copied()).collect();
    let empty_set = SetOfVec::<der::Any>::new().to_der()?;
    let mut signed = 1u8.to_der()?;
    signed.extend_from_slice(&empty_set);
    signed.extend(wrap(
        Tag::Sequence,
        &ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1").to_der()?,
    )?);
    signed.extend(wrap(context0, &cert_bytes)?);
    signed.extend_from_slice(&empty_set);
    let mut info = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2").to_der()?;
    info.extend(wrap(context0, &wrap(Tag::Sequence, &signed)?)?);
    wrap(Tag::Sequence, &info)
}
