//! The package publisher check: AppxManifest.xml's `Identity/@Publisher` must equal the
//! signing certificate's subject in the string form Windows gives it.
//!
//! That form is CryptoAPI's `CertNameToStr(X509_ASN_ENCODING, subject, CERT_X500_NAME_STR |
//! CERT_NAME_STR_REVERSE_FLAG)`, which the MSIX SDK's Win32 signature validator calls to get
//! the publisher it compares (microsoft/msix-packaging,
//! src/msix/PAL/Signature/Win32/SignatureValidator.cpp, `GetPublisherName`): relative
//! distinguished names last-first, joined by `", "`, the values of a multi-valued one by
//! `" + "`, each `KEY=value` with CryptoAPI's X.500 keys (`CN`, `O`, `S` for the state, `E`
//! for the e-mail address, `OID.n.n` for the rest), and a value put in double quotes (inner
//! quotes doubled) when it is empty, starts or ends with a space, or holds one of
//! `, + = " \r \n < > # ;`. Signing tools refuse a package whose Publisher is not that
//! string exactly, so the comparison is exact.

use der::Tag;

use crate::asn1::{RawReader, Tlv};

/// CryptoAPI's X.500 keys (the ones AppxManifest's `ST_Publisher` pattern admits).
const KEYS: [(&str, &str); 20] = [
    ("2.5.4.3", "CN"),
    ("2.5.4.7", "L"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("1.2.840.113549.1.9.1", "E"),
    ("2.5.4.6", "C"),
    ("2.5.4.8", "S"),
    ("2.5.4.9", "STREET"),
    ("2.5.4.12", "T"),
    ("2.5.4.42", "G"),
    ("2.5.4.43", "I"),
    ("2.5.4.4", "SN"),
    ("0.9.2342.19200300.100.1.25", "DC"),
    ("2.5.4.5", "SERIALNUMBER"),
    ("2.5.4.17", "PostalCode"),
    ("2.5.4.13", "Description"),
    ("2.5.4.18", "POBox"),
    ("2.5.4.20", "Phone"),
    ("2.5.4.24", "X21Address"),
    ("2.5.4.46", "dnQualifier"),
];

const SPECIAL: [char; 10] = [',', '+', '=', '"', '\r', '\n', '<', '>', '#', ';'];

fn key(oid: &const_oid::ObjectIdentifier) -> String {
    let dotted = oid.to_string();
    KEYS.iter()
        .find(|(o, _)| *o == dotted)
        .map_or_else(|| format!("OID.{dotted}"), |(_, k)| (*k).to_string())
}

/// A directory string's text (UTF-16BE for BMPString, Latin-1 for T61String); another type renders as `#` and its DER in hex, as CryptoAPI does.
fn value_text(t: &Tlv<'_>) -> String {
    match t.tag {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::NumericString | Tag::VisibleString => {
            String::from_utf8_lossy(t.value).into_owned()
        }
        Tag::TeletexString => t.value.iter().map(|&b| char::from(b)).collect(),
        Tag::BmpString => char::decode_utf16(
            t.value
                .chunks_exact(2)
                .filter_map(|c| <[u8; 2]>::try_from(c).ok())
                .map(u16::from_be_bytes),
        )
        .map(|c| c.unwrap_or('\u{fffd}'))
        .collect(),
        _ => format!("#{}", hex::encode(t.raw)),
    }
}

fn quoted(v: &str) -> String {
    let needs = v.is_empty() || v.starts_with(' ') || v.ends_with(' ') || v.contains(SPECIAL);
    if needs {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_string()
    }
}

fn rdn(set: &Tlv<'_>) -> Option<String> {
    let mut parts = Vec::new();
    let mut r = set.contents();
    while !r.is_empty() {
        let atv = r.expect_tag(Tag::Sequence, "AttributeTypeAndValue").ok()?;
        let mut f = atv.contents();
        let oid = f
            .expect_tag(Tag::ObjectIdentifier, "attribute type")
            .ok()?
            .decode::<const_oid::ObjectIdentifier>("attribute type")
            .ok()?;
        let value = f.read("attribute value").ok()?;
        parts.push(format!("{}={}", key(&oid), quoted(&value_text(&value))));
    }
    Some(parts.join(" + "))
}

/// The subject `name_der` (a DER Name) as Windows writes a package publisher, or `None`
/// when it is not a Name.
pub fn publisher_string(name_der: &[u8]) -> Option<String> {
    let name = Tlv::parse_exact(name_der, 0, "Name")
        .ok()?
        .expect_tag(Tag::Sequence, "Name")
        .ok()?;
    let mut r: RawReader<'_> = name.contents();
    let mut rdns = Vec::new();
    while !r.is_empty() {
        rdns.push(rdn(&r.expect_tag(Tag::Set, "RelativeDistinguishedName").ok()?)?);
    }
    rdns.reverse();
    Some(rdns.join(", "))
}

/// Whether the manifest's `publisher` is the signer's subject `name_der` as Windows writes it.
pub fn publisher_matches(publisher: &str, name_der: &[u8]) -> bool {
    publisher_string(name_der).is_some_and(|s| s == publisher)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects, clippy::as_conversions)]
mod tests {
    use super::*;

    /// DER of `tag` with `value` (short lengths only: the test names are small).
    fn der(tag: u8, value: &[u8]) -> Vec<u8> {
        [&[tag, value.len() as u8][..], value].concat()
    }

    fn atv(oid: &[u8], tag: u8, text: &[u8]) -> Vec<u8> {
        der(0x30, &[der(0x06, oid), der(tag, text)].concat())
    }

    const CN: &[u8] = &[0x55, 0x04, 0x03];
    const C: &[u8] = &[0x55, 0x04, 0x06];
    const ST: &[u8] = &[0x55, 0x04, 0x08];
    const O: &[u8] = &[0x55, 0x04, 0x0a];

    #[test]
    fn rdns_come_last_first_with_cryptoapi_keys() {
        let name = der(
            0x30,
            &[
                der(0x31, &atv(C, 0x13, b"DE")),
                der(0x31, &atv(ST, 0x0c, b"Bayern")),
                der(0x31, &atv(O, 0x0c, b"Open Source Developer")),
                der(0x31, &atv(CN, 0x0c, b"Open Source Developer, Michael Rittmeister")),
            ]
            .concat(),
        );
        // The form microsoft/msix-packaging issue 593 gives for a CN holding a comma.
        let want = "CN=\"Open Source Developer, Michael Rittmeister\", O=Open Source Developer, S=Bayern, C=DE";
        assert_eq!(publisher_string(&name).as_deref(), Some(want));
        assert!(publisher_matches(want, &name));
        assert!(!publisher_matches(
            "CN=Open Source Developer, Michael Rittmeister, O=Open Source Developer, S=Bayern, C=DE",
            &name
        ));
    }

    #[test]
    fn multi_valued_rdns_unknown_types_and_quotes() {
        let rdn = [atv(CN, 0x0c, b"a \"b\""), atv(&[0x2a, 0x03], 0x0c, b" x")].concat();
        let name = der(0x30, &der(0x31, &rdn));
        assert_eq!(
            publisher_string(&name).as_deref(),
            Some("CN=\"a \"\"b\"\"\" + OID.1.2.3=\" x\"")
        );
        assert_eq!(publisher_string(b"\x04\x00"), None);
    }
}
