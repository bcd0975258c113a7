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
    let mut outer = RawReader::new(name_der, 0);
    let name = outer.expect_tag(Tag::Sequence, "Name").ok()?;
    outer.finish("Name").ok()?;
    let mut key = Vec::with_capacity(name_der.len());
    let mut rdns = name.contents();
    while !rdns.is_empty() {
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
            key.extend_from_slice(&(p.len() as u64).to_be_bytes());
            key.extend_from_slice(&p);
        }
    }
    Some(key)
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
