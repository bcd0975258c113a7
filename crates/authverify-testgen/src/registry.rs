//! `reg export` files of certificate stores, as regedit writes them (issue 16): the
//! registry layout `HKLM\SOFTWARE\Microsoft\SystemCertificates\<store>\Certificates\<SHA-1>`
//! with a `Blob` value of serialized properties (SHA-1 hash property, id 3) followed by the
//! certificate element (id 0x20), `hex:` values wrapped at 80 columns with `\`
//! continuations, CRLF line ends, UTF-16LE with a byte-order mark ("Windows Registry Editor
//! Version 5.00") or ANSI ("REGEDIT4").

use sha1::Digest as _;

/// Where a certificate goes: the registry root under HKLM and the store name.
pub struct Entry<'a> {
    pub root: &'a str,
    pub store: &'a str,
    pub der: &'a [u8],
}

/// The root every Windows machine has for its own stores.
pub const MACHINE: &str = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\SystemCertificates";
/// Group policy's stores.
pub const POLICIES: &str = r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\SystemCertificates";

fn element(id: u32, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + value.len());
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&(value.len() as u32).to_le_bytes());
    out.extend_from_slice(value);
    out
}

/// A certificate's `Blob`: its SHA-1 property, then the certificate.
pub fn blob(der: &[u8]) -> Vec<u8> {
    let mut out = element(3, &sha1::Sha1::digest(der));
    out.extend(element(0x20, der));
    out
}

/// `"name"=hex:..` wrapped as regedit wraps it (at most 80 columns, two-space indent).
fn hex_value(name: &str, bytes: &[u8]) -> String {
    let mut out = format!("\"{name}\"=hex:");
    let mut column = out.len();
    for (i, b) in bytes.iter().enumerate() {
        let piece = if i + 1 == bytes.len() {
            format!("{b:02x}")
        } else {
            format!("{b:02x},")
        };
        if column + piece.len() > 78 {
            out.push_str("\\\r\n  ");
            column = 2;
        }
        out.push_str(&piece);
        column += piece.len();
    }
    out
}

/// The export's text.
pub fn text(entries: &[Entry<'_>], regedit4: bool) -> String {
    let mut out = String::from(if regedit4 {
        "REGEDIT4\r\n\r\n"
    } else {
        "Windows Registry Editor Version 5.00\r\n\r\n"
    });
    for e in entries {
        let thumbprint = hex::encode_upper(sha1::Sha1::digest(e.der));
        out.push_str(&format!("[{}\\{}]\r\n\r\n", e.root, e.store));
        out.push_str(&format!("[{}\\{}\\Certificates]\r\n\r\n", e.root, e.store));
        out.push_str(&format!("[{}\\{}\\Certificates\\{}]\r\n", e.root, e.store, thumbprint));
        out.push_str(&hex_value("Blob", &blob(e.der)));
        out.push_str("\r\n\r\n");
    }
    out
}

/// The export as regedit writes the file: UTF-16LE with a BOM (version 5), or ANSI.
pub fn file(entries: &[Entry<'_>], regedit4: bool) -> Vec<u8> {
    let text = text(entries, regedit4);
    if regedit4 {
        return text.into_bytes();
    }
    let mut out = vec![0xff, 0xfe];
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}
