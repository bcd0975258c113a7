//! A machine's certificate stores as `reg export` writes them (issue 16: what an admin can
//! carry off an offline machine). Windows keeps each store under
//! `...\SystemCertificates\<store>\Certificates\<SHA-1>` (also under
//! `Policies\Microsoft\SystemCertificates` for group policy and `EnterpriseCertificates`),
//! one value `Blob` per certificate: the certificate's properties and the certificate
//! itself as `{u32 id, u32 reserved, u32 length, value}` elements, id 0x20 being the
//! certificate ([MS-GPEF] §2.2.1.1.1.1 "Certificate BLOB Properties"; the element layout of
//! a serialized store, [MS-OSHARED] §2.3.2.5). The machine's cached authroot.stl is the
//! value `EncodedCtl` under `AuthRoot\AutoUpdate`.
//!
//! Roles follow the store: `Root` and `AuthRoot` hold anchors, `CA` intermediates,
//! `Disallowed` distrusted certificates; other stores (`My`, `TrustedPublisher`, ...) are
//! not trust for code signing chains and are listed as ignored.
//!
//! The text format (regedit's export): UTF-16LE with a byte-order mark ("Windows Registry
//! Editor Version 5.00") or ANSI ("REGEDIT4"); `[key]` lines open a key; values are
//! `"name"=hex:01,02,...` with lines continued by a trailing backslash. Parsing is linear
//! in the input and decoded values are never larger than it.

use std::collections::HashMap;

use crate::error::{CertificateError, TrustError, TrustListError};
use crate::trust::ctl::TrustList;
use crate::trust::hive::{same_name, Hive, HiveError, Key};
use crate::trust::Role;
use crate::x509::certificate::Certificate;

/// What a registry export holds for path building.
#[derive(Debug, Default)]
pub struct RegistryExport {
    /// Certificates with the role their store gives them, and the key they came from.
    pub certificates: Vec<(Role, Certificate, String)>,
    /// Cached trust lists (`AuthRoot\AutoUpdate\EncodedCtl`), with their key.
    pub trust_lists: Vec<(TrustList, String)>,
    /// Certificate keys of stores that are not chain trust, and why each was left out.
    pub ignored: Vec<(String, String)>,
    /// What the reader could read but a user should know (a hive copied while in use).
    pub warnings: Vec<String>,
}

/// What a value of a key is to us, decided before its data is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wanted {
    /// A certificate `Blob` of a store with this role.
    Certificate(Role),
    /// A certificate `Blob` of a store that is not chain trust.
    Ignored,
    /// The cached authroot.stl.
    TrustList,
}

/// Neither format found anything to use.
const NOTHING_FOUND: &str = "no certificate of a Root, AuthRoot, CA or Disallowed store (export HKLM\\SOFTWARE\\Microsoft\\SystemCertificates, or give the machine's SOFTWARE hive)";

impl RegistryExport {
    /// Whether the value `name` of `key` is trust material: a certificate `Blob` under
    /// `...\<store>\Certificates\<thumbprint>`, or `EncodedCtl` under `AuthRoot\AutoUpdate`.
    fn wants(&self, key: &str, name: &str) -> Option<Wanted> {
        if name.eq_ignore_ascii_case("Blob") {
            let store = store_of_certificate_key(key)?;
            return Some(role_of_store(store).map_or(Wanted::Ignored, Wanted::Certificate));
        }
        let auto_update = key.to_ascii_lowercase().ends_with("\\authroot\\autoupdate");
        (name.eq_ignore_ascii_case("EncodedCtl") && auto_update).then_some(Wanted::TrustList)
    }

    /// Adds the value's data; the error names the key, the caller says where it is.
    fn accept(&mut self, wanted: Wanted, key: &str, data: &[u8]) -> Result<(), UnusableValue> {
        let key_name = || key.to_string();
        match wanted {
            Wanted::Certificate(role) => {
                let der = certificate_of_blob(data).map_err(|source| UnusableValue::Blob {
                    key: key_name(),
                    source,
                })?;
                let cert = Certificate::from_der(der).map_err(|source| UnusableValue::Certificate {
                    key: key_name(),
                    source,
                })?;
                self.certificates.push((role, cert, key.to_string()));
            }
            Wanted::Ignored => {
                let store = store_of_certificate_key(key).unwrap_or_default();
                self.ignored
                    .push((key.to_string(), format!("store {store} is not chain trust")));
            }
            Wanted::TrustList => {
                let list = TrustList::parse(data).map_err(|source| UnusableValue::TrustList {
                    key: key_name(),
                    source,
                })?;
                self.trust_lists.push((list, key.to_string()));
            }
        }
        Ok(())
    }

    fn is_empty(&self) -> bool {
        self.certificates.is_empty() && self.trust_lists.is_empty()
    }
}

/// Whether `bytes` look like a `reg export` file.
pub fn is_reg_export(bytes: &[u8]) -> bool {
    let head = text_of(bytes, 40);
    let head = head.trim_start();
    head.starts_with("Windows Registry Editor Version 5.00") || head.starts_with("REGEDIT4")
}

/// The file's text, at most `max_chars` characters of it: UTF-16LE after a byte-order mark
/// (regedit version 5), else UTF-8/ANSI (REGEDIT4).
fn text_of(bytes: &[u8], max_chars: usize) -> String {
    match bytes.strip_prefix(&[0xff, 0xfe]) {
        Some(utf16) => crate::num::utf16le(utf16.get(..max_chars.saturating_mul(2)).unwrap_or(utf16)).collect(),
        None => {
            let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
            String::from_utf8_lossy(text.get(..max_chars).unwrap_or(text)).into_owned()
        }
    }
}

/// One `"name"=value` of a key: the name and the value's text after `=`.
fn value_assignment(line: &str) -> Option<(String, &str)> {
    let rest = line.strip_prefix('"')?;
    // Names may contain \" and \\; certificate value names never do, but skip them right.
    let mut name = String::new();
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, escaped)) = chars.next() {
                    name.push(escaped);
                }
            }
            '"' => return rest.get(i.saturating_add(1)..)?.strip_prefix('=').map(|v| (name, v)),
            c => name.push(c),
        }
    }
    None
}

/// Why a value that should hold trust material is not usable (reported with the line of a
/// `reg export` or the offset in a hive).
#[derive(Debug, thiserror::Error)]
enum UnusableValue {
    /// A certificate `Blob` without a readable certificate element.
    #[error("{key}: {source}")]
    Blob { key: String, source: BlobError },
    /// The certificate element does not parse.
    #[error("{key}: {source}")]
    Certificate { key: String, source: CertificateError },
    /// `EncodedCtl` is not a CTL.
    #[error("{key}\\EncodedCtl: {source}")]
    TrustList { key: String, source: TrustListError },
}

/// Why a `reg export` value is not `hex:` bytes.
#[derive(Debug, thiserror::Error)]
enum HexValueError {
    /// Another type (`dword:`, a string).
    #[error("not a binary value ({head})")]
    NotBinary { head: String },
    /// A byte that is not two hex digits.
    #[error("{part:?} is not a hex byte")]
    NotHexByte { part: String },
}

/// `hex:01,02,...` (REG_BINARY) into bytes.
fn hex_value(value: &str) -> Result<Vec<u8>, HexValueError> {
    let digits = value.strip_prefix("hex:").ok_or_else(|| HexValueError::NotBinary {
        head: value.chars().take(12).collect(),
    })?;
    let mut out = Vec::with_capacity(digits.len().div_ceil(3));
    for part in digits.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let byte = u8::from_str_radix(part, 16).map_err(|_| HexValueError::NotHexByte { part: part.to_string() })?;
        out.push(byte);
    }
    Ok(out)
}

/// The store a certificate key belongs to: `...\<store>\Certificates\<thumbprint>`.
fn store_of_certificate_key(key: &str) -> Option<&str> {
    let mut parts = key.rsplit('\\');
    let _thumbprint = parts.next()?;
    if !parts.next()?.eq_ignore_ascii_case("Certificates") {
        return None;
    }
    parts.next()
}

fn role_of_store(store: &str) -> Option<Role> {
    match store.to_ascii_lowercase().as_str() {
        "root" | "authroot" => Some(Role::Anchors),
        "ca" => Some(Role::Intermediates),
        "disallowed" => Some(Role::Distrusted),
        _ => None,
    }
}

/// Why a registry `Blob` yields no certificate.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlobError {
    /// Fewer than 12 header bytes at `offset`.
    #[error("truncated property header at offset {offset}")]
    Truncated {
        /// Where the property starts.
        offset: usize,
    },
    /// A property claims more bytes than the blob holds.
    #[error("property {id:#x} of {len} bytes runs past the end of the blob")]
    PastEnd {
        /// The property's id.
        id: u32,
        /// The length it claims.
        len: u32,
    },
    /// No element with id 0x20.
    #[error("no certificate element (0x20) in the blob")]
    NoCertificate,
}

/// The certificate element (id 0x20) of a registry `Blob` (the serialized-store element
/// layout, `material::sst::elements`).
pub fn certificate_of_blob(blob: &[u8]) -> Result<&[u8], BlobError> {
    use crate::trust::material::sst::ElementError;
    for element in crate::trust::material::sst::elements(blob, 0) {
        let e = element.map_err(|e| match e {
            ElementError::Truncated { offset } => BlobError::Truncated { offset },
            ElementError::PastEnd { id, len, .. } => BlobError::PastEnd { id, len },
        })?;
        if e.id == 0x20 {
            return Ok(e.value);
        }
    }
    Err(BlobError::NoCertificate)
}

/// Parses a `reg export` of certificate stores.
pub fn parse_reg_export(bytes: &[u8], source: &str) -> Result<RegistryExport, TrustError> {
    let err = |line: usize, detail: String| TrustError::Registry {
        path: source.to_string(),
        line,
        detail,
    };
    if !is_reg_export(bytes) {
        return Err(err(
            1,
            "not a registry export (no \"Windows Registry Editor Version 5.00\" or \"REGEDIT4\" header)".into(),
        ));
    }
    let text = text_of(bytes, usize::MAX);
    let mut out = RegistryExport::default();
    let mut key = String::new();
    // Logical lines: a trailing backslash continues a value on the next line.
    let mut pending = String::new();
    let mut pending_line = 0usize;
    for (index, raw) in text.lines().enumerate() {
        let number = index.saturating_add(1);
        let line = raw.trim_end_matches('\r');
        if pending.is_empty() {
            pending_line = number;
        }
        match line.strip_suffix('\\') {
            Some(head) => {
                pending.push_str(head.trim());
                continue;
            }
            None => pending.push_str(line.trim()),
        }
        let logical = std::mem::take(&mut pending);
        if let Some(k) = logical.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            key = k.to_string();
            continue;
        }
        let Some((name, value)) = value_assignment(&logical) else {
            continue;
        };
        let Some(wanted) = out.wants(&key, &name) else {
            continue;
        };
        // Stores that are not chain trust are listed, their data left unread.
        let bytes = match wanted {
            Wanted::Ignored => Vec::new(),
            _ => hex_value(value).map_err(|d| err(pending_line, d.to_string()))?,
        };
        out.accept(wanted, &key, &bytes)
            .map_err(|d| err(pending_line, d.to_string()))?;
    }
    if out.is_empty() {
        return Err(err(1, NOTHING_FOUND.into()));
    }
    Ok(out)
}

/// Where certificate stores live, from the root of a hive: `SOFTWARE` (HKLM) holds the
/// first three, a user's `NTUSER.DAT` (HKCU) the last two.
const STORE_PARENTS: [&[&str]; 5] = [
    &["Microsoft", "SystemCertificates"],
    &["Policies", "Microsoft", "SystemCertificates"],
    &["Microsoft", "EnterpriseCertificates"],
    &["Software", "Microsoft", "SystemCertificates"],
    &["Software", "Policies", "Microsoft", "SystemCertificates"],
];

/// Reads the certificate stores of an offline registry hive file (`SOFTWARE`, or a user's
/// `NTUSER.DAT`): the same keys and values a `reg export` of them holds, with key paths
/// relative to the hive's root.
pub fn parse_hive(bytes: &[u8], source: &str) -> Result<RegistryExport, TrustError> {
    let err = |e: HiveError| TrustError::Hive {
        path: source.to_string(),
        offset: e.offset,
        detail: e.detail,
    };
    let mut hive = Hive::parse(bytes).map_err(err)?;
    let mut out = RegistryExport::default();
    if let Some((primary, secondary)) = hive.dirty {
        out.warnings.push(format!(
            "the hive was copied while in use (sequence numbers {primary} and {secondary}): changes still in its .LOG1/.LOG2 files are not read; `reg save HKLM\\SOFTWARE file` makes a clean copy"
        ));
    }
    let root = hive.root().map_err(err)?;
    // The five paths share their first keys (the root, `Microsoft`, `Software`): each
    // key's subkeys are read once.
    let mut children: HashMap<u32, Vec<Key>> = HashMap::new();
    for path in STORE_PARENTS {
        // Key paths are spelled as the hive spells them.
        let mut key = Some(root.clone());
        let mut names = Vec::new();
        for name in path {
            key = match key {
                Some(k) => {
                    let list = match children.entry(k.cell) {
                        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                        std::collections::hash_map::Entry::Vacant(e) => e.insert(hive.subkeys(&k).map_err(err)?),
                    };
                    list.iter().find(|c| same_name(&c.name, name)).cloned()
                }
                None => None,
            };
            names.extend(key.as_ref().map(|k| k.name.clone()));
        }
        if let Some(parent) = key {
            read_stores(&mut hive, &parent, &names.join("\\"), &mut out).map_err(err)?;
        }
    }
    if out.is_empty() {
        return Err(err(HiveError {
            offset: 0,
            detail: NOTHING_FOUND.into(),
        }));
    }
    Ok(out)
}

/// The stores under one `SystemCertificates`-like key: `<store>\Certificates\<thumbprint>`
/// values `Blob`, and `AuthRoot\AutoUpdate` value `EncodedCtl`.
fn read_stores(hive: &mut Hive<'_>, parent: &Key, path: &str, out: &mut RegistryExport) -> Result<(), HiveError> {
    for store in hive.subkeys(parent)? {
        let store_path = format!("{path}\\{}", store.name);
        for child in hive.subkeys(&store)? {
            let child_path = format!("{store_path}\\{}", child.name);
            if child.name.eq_ignore_ascii_case("AutoUpdate") {
                take_value(hive, &child, &child_path, "EncodedCtl", out)?;
            } else if child.name.eq_ignore_ascii_case("Certificates") {
                for cert in hive.subkeys(&child)? {
                    take_value(hive, &cert, &format!("{child_path}\\{}", cert.name), "Blob", out)?;
                }
            }
        }
    }
    Ok(())
}

/// Reads value `name` of `key` when it is trust material.
fn take_value(
    hive: &mut Hive<'_>,
    key: &Key,
    path: &str,
    name: &str,
    out: &mut RegistryExport,
) -> Result<(), HiveError> {
    let Some(wanted) = out.wants(path, name) else {
        return Ok(());
    };
    let Some(value) = hive.value_named(key, name)? else {
        return Ok(());
    };
    let data = match wanted {
        Wanted::Ignored => Vec::new(),
        _ => hive.data(&value)?,
    };
    out.accept(wanted, path, &data).map_err(|detail| HiveError {
        offset: value.file_offset(),
        detail: detail.to_string(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn keys_give_stores_and_roles() {
        let k = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\SystemCertificates\ROOT\Certificates\CDD4EEAE6000AC7F40C3802C171E30148030C072";
        assert_eq!(store_of_certificate_key(k), Some("ROOT"));
        assert_eq!(role_of_store("ROOT"), Some(Role::Anchors));
        assert_eq!(role_of_store("AuthRoot"), Some(Role::Anchors));
        assert_eq!(role_of_store("CA"), Some(Role::Intermediates));
        assert_eq!(role_of_store("Disallowed"), Some(Role::Distrusted));
        assert_eq!(role_of_store("My"), None);
        assert_eq!(
            store_of_certificate_key(r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\SystemCertificates\ROOT"),
            None
        );
    }

    #[test]
    fn values_and_hex() {
        assert_eq!(
            value_assignment(r#""Blob"=hex:01,02"#),
            Some(("Blob".to_string(), "hex:01,02"))
        );
        assert_eq!(
            value_assignment(r#""a\"b"=dword:1"#),
            Some(("a\"b".to_string(), "dword:1"))
        );
        assert_eq!(hex_value("hex:00,ff,7a").unwrap(), [0, 0xff, 0x7a]);
        assert!(hex_value("hex:0g").is_err());
        assert!(hex_value("dword:00000001").is_err());
    }

    #[test]
    fn blob_elements_are_bounded() {
        // A property claiming more bytes than the blob has.
        let mut blob = vec![3, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f];
        assert!(matches!(certificate_of_blob(&blob), Err(BlobError::PastEnd { .. })));
        blob.truncate(10);
        assert!(matches!(certificate_of_blob(&blob), Err(BlobError::Truncated { .. })));
        let ok = [
            3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, 0x20, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0x30, 0,
        ];
        assert_eq!(certificate_of_blob(&ok).unwrap(), [0x30, 0]);
    }
}
