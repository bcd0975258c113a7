//! Distinguished-name comparison for issuer matching.
//!
//! Exact DER equality decides first. RFC 5280 §7.1 then allows names that differ only in
//! string encoding (PrintableString vs UTF8String vs BMPString), letter case and runs of
//! white space to match; RFC 4158 §5.4 warns path builders not to rely on one encoding, and
//! name-rollover certificates rely on it. The comparison key folds exactly those
//! differences; anything it cannot decode is compared byte for byte.

use der::Tag;

use crate::asn1::RawReader;

/// Canonical bytes for `name_der`: per RDN, its attributes sorted, each as the attribute
/// type's DER followed by the folded value. `None` when the name does not parse (then only
/// exact bytes can match).
pub(crate) fn name_key(name_der: &[u8]) -> Option<Vec<u8>> {
    Some(rdn_keys(name_der)?.concat())
}

/// [`name_key`] per RDN, in order: what a directoryName subtree compares (RFC 5280
/// §4.2.1.10: a name is within the subtree when the subtree's RDNs are its leading RDNs).
pub(crate) fn rdn_keys(name_der: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut outer = RawReader::new(name_der, 0);
    let name = outer.expect_tag(Tag::Sequence, "Name").ok()?;
    outer.finish("Name").ok()?;
    let mut keys = Vec::new();
    let mut rdns = name.contents();
    while !rdns.is_empty() {
        let mut key = Vec::new();
        let rdn = rdns.expect_tag(Tag::Set, "RelativeDistinguishedName").ok()?;
        let mut atvs = rdn.contents();
        let mut parts: Vec<Vec<u8>> = Vec::new();
        while !atvs.is_empty() {
            let atv = atvs.expect_tag(Tag::Sequence, "AttributeTypeAndValue").ok()?;
            let mut a = atv.contents();
            let ty = a.expect_tag(Tag::ObjectIdentifier, "AttributeType").ok()?;
            let value = a.read("AttributeValue").ok()?;
            a.finish("AttributeTypeAndValue").ok()?;
            let mut part = ty.raw.to_vec();
            match decode_string(value.tag, value.value) {
                Some(s) => {
                    part.push(0x0c);
                    part.extend_from_slice(fold(&s).as_bytes());
                }
                None => {
                    part.push(0xff);
                    part.extend_from_slice(value.raw);
                }
            }
            parts.push(part);
        }
        parts.sort();
        key.push(0x31);
        for p in parts {
            // Length-prefix each part so that concatenations cannot collide.
            key.extend_from_slice(&crate::num::len_u64(&p).to_be_bytes());
            key.extend_from_slice(&p);
        }
        keys.push(key);
    }
    Some(keys)
}

/// The emailAddress attributes (1.2.840.113549.1.9.1) of a Name, which RFC 5280 §4.2.1.10
/// subjects to rfc822Name constraints.
pub(crate) fn email_addresses(name_der: &[u8]) -> Vec<String> {
    const EMAIL: &[u8] = &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01];
    let mut out = Vec::new();
    let mut outer = RawReader::new(name_der, 0);
    let Ok(name) = outer.expect_tag(Tag::Sequence, "Name") else {
        return out;
    };
    let mut rdns = name.contents();
    while let Ok(rdn) = rdns.expect_tag(Tag::Set, "RelativeDistinguishedName") {
        let mut atvs = rdn.contents();
        while let Ok(atv) = atvs.expect_tag(Tag::Sequence, "AttributeTypeAndValue") {
            let mut a = atv.contents();
            let (Ok(ty), Ok(value)) = (a.read("AttributeType"), a.read("AttributeValue")) else {
                continue;
            };
            if ty.raw == EMAIL {
                if let Some(v) = decode_string(value.tag, value.value) {
                    out.push(v);
                }
            }
        }
    }
    out
}

/// A GeneralName (RFC 5280 §4.2.1.6), as far as name constraints need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum GeneralName {
    /// [1] rfc822Name.
    Email(String),
    /// [2] dNSName.
    Dns(String),
    /// [4] directoryName: the Name's DER.
    Directory(Vec<u8>),
    /// Any other form, by its context tag number (0 otherName, 3 x400Address, 5
    /// ediPartyName, 6 URI, 7 iPAddress, 8 registeredID): not evaluated, so a constraint of
    /// such a form on a certificate that has such a name fails (Windows reports
    /// CERT_TRUST_HAS_NOT_SUPPORTED_NAME_CONSTRAINT likewise).
    Other(u8),
}

impl GeneralName {
    /// Reads one GeneralName element.
    pub(crate) fn read(t: &crate::asn1::Tlv<'_>) -> Option<Self> {
        let (number, constructed) = match t.tag {
            Tag::ContextSpecific { number, constructed } => (number.value(), constructed),
            _ => return None,
        };
        let text = || std::str::from_utf8(t.value).ok().map(str::to_string);
        Some(match (number, constructed) {
            (1, false) => Self::Email(text()?),
            (2, false) => Self::Dns(text()?),
            (4, true) => Self::Directory(t.value.to_vec()),
            (n, _) => Self::Other(u8::try_from(n).unwrap_or(u8::MAX)),
        })
    }

    /// The form's tag number (for "same form" comparisons).
    pub(crate) fn form(&self) -> u8 {
        match self {
            Self::Email(_) => 1,
            Self::Dns(_) => 2,
            Self::Directory(_) => 4,
            Self::Other(n) => *n,
        }
    }

    /// Whether `self`, a name of the same form, lies within the subtree `base`.
    /// `None` when the form is not evaluated.
    pub(crate) fn within(&self, base: &Self) -> Option<bool> {
        match (self, base) {
            (Self::Directory(name), Self::Directory(tree)) => {
                let (name, tree) = (rdn_keys(name)?, rdn_keys(tree)?);
                Some(name.len() >= tree.len() && name.iter().zip(&tree).all(|(a, b)| a == b))
            }
            (Self::Dns(name), Self::Dns(tree)) => Some(dns_within(name, tree)),
            (Self::Email(name), Self::Email(tree)) => Some(email_within(name, tree)),
            _ => None,
        }
    }
}

/// RFC 5280 §4.2.1.10: a dNSName is within `tree` when it is `tree` or ends with
/// ".`tree`" (labels added on the left); a leading "." in `tree` admits subdomains only.
fn dns_within(name: &str, tree: &str) -> bool {
    let (name, tree) = (name.to_ascii_lowercase(), tree.to_ascii_lowercase());
    if tree.is_empty() {
        return true;
    }
    match tree.strip_prefix('.') {
        Some(_) => name.ends_with(&tree),
        None => name == tree || name.ends_with(&format!(".{tree}")),
    }
}

/// RFC 5280 §4.2.1.10: a mailbox (`a@b`) matches exactly; a host matches mailboxes on that
/// host; a leading "." matches mailboxes on its subdomains.
fn email_within(name: &str, tree: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let tree = tree.to_ascii_lowercase();
    let host = name.rsplit_once('@').map_or(name.as_str(), |(_, h)| h);
    if tree.contains('@') {
        name == tree
    } else if tree.starts_with('.') {
        host.ends_with(&tree)
    } else {
        host == tree
    }
}

/// Whether two DER names denote the same name (exact bytes, or RFC 5280 §7.1 equality).
pub(crate) fn names_match(a: &[u8], b: &[u8]) -> bool {
    a == b || matches!((name_key(a), name_key(b)), (Some(x), Some(y)) if x == y)
}

fn decode_string(tag: Tag, bytes: &[u8]) -> Option<String> {
    match tag {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::VisibleString => {
            std::str::from_utf8(bytes).ok().map(str::to_string)
        }
        // TeletexString in practice carries Latin-1.
        Tag::TeletexString => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        Tag::BmpString => {
            if !bytes.len().is_multiple_of(2) {
                return None;
            }
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .filter_map(|c| <[u8; 2]>::try_from(c).ok().map(u16::from_be_bytes))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

/// RFC 5280 §7.1 (after RFC 4518, simplified): case-insensitive, leading and trailing white
/// space removed, internal runs collapsed to one space.
fn fold(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

#[cfg(test)]
#[allow(clippy::as_conversions)] // test inputs built from small literals
mod tests {
    use super::*;

    fn name(cn_tag: u8, cn: &[u8]) -> Vec<u8> {
        // SEQUENCE { SET { SEQUENCE { OID 2.5.4.3, <tag> cn } } }
        let mut atv = vec![0x06, 0x03, 0x55, 0x04, 0x03, cn_tag, cn.len() as u8];
        atv.extend_from_slice(cn);
        let mut seq = vec![0x30, atv.len() as u8];
        seq.extend_from_slice(&atv);
        let mut set = vec![0x31, seq.len() as u8];
        set.extend_from_slice(&seq);
        let mut out = vec![0x30, set.len() as u8];
        out.extend_from_slice(&set);
        out
    }

    #[test]
    fn encodings_case_and_spaces_fold() {
        let printable = name(0x13, b"Test  Root CA");
        let utf8 = name(0x0c, b"test root ca ");
        let bmp: Vec<u8> = "TEST ROOT CA".encode_utf16().flat_map(u16::to_be_bytes).collect();
        let bmp = name(0x1e, &bmp);
        assert!(names_match(&printable, &utf8));
        assert!(names_match(&printable, &bmp));
        assert!(!names_match(&printable, &name(0x13, b"Test Root CA 2")));
    }

    #[test]
    fn unparsable_names_only_match_exactly() {
        assert!(names_match(&[0x30, 0x01], &[0x30, 0x01]));
        assert!(!names_match(&[0x30, 0x01], &[0x30, 0x02]));
    }
}
