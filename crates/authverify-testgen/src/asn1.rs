//! DER composition for test vectors. Primitives come from `der`; this file only
//! concatenates already-encoded elements so that vectors can be built byte-exact, including
//! deliberately unusual ones (unsorted attributes, padding, odd versions).

use der::asn1::{BitStringRef, Null, OctetStringRef, Uint, UtcTime};
use der::{DateTime, Encode, Header, Length, Tag, TagNumber};

pub(crate) fn tlv(tag: Tag, content: &[u8]) -> Vec<u8> {
    let len = Length::try_from(content.len()).expect("content fits a DER length");
    let mut out = Header::new(tag, len).to_der().expect("header encodes");
    out.extend_from_slice(content);
    out
}

pub(crate) fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

pub(crate) fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(Tag::Sequence, &cat(parts))
}

pub(crate) fn set(parts: &[&[u8]]) -> Vec<u8> {
    tlv(Tag::Set, &cat(parts))
}

/// SET OF in DER order (ascending encodings).
pub(crate) fn set_sorted(parts: &[Vec<u8>]) -> Vec<u8> {
    let mut v: Vec<&Vec<u8>> = parts.iter().collect();
    v.sort();
    let refs: Vec<&[u8]> = v.iter().map(|p| p.as_slice()).collect();
    set(&refs)
}

pub(crate) fn ctx(n: u32, constructed: bool, content: &[u8]) -> Vec<u8> {
    tlv(TagNumber(n).context_specific(constructed), content)
}

pub(crate) fn oid(s: &str) -> Vec<u8> {
    der::oid::ObjectIdentifier::new(s)
        .expect("valid OID")
        .to_der()
        .expect("OID encodes")
}

pub(crate) fn int_bytes(be: &[u8]) -> Vec<u8> {
    Uint::new(be).expect("uint").to_der().expect("uint encodes")
}

pub(crate) fn int(v: u64) -> Vec<u8> {
    int_bytes(&v.to_be_bytes())
}

pub(crate) fn octets(b: &[u8]) -> Vec<u8> {
    OctetStringRef::new(b).expect("octets").to_der().expect("octets encode")
}

pub(crate) fn bits(b: &[u8]) -> Vec<u8> {
    BitStringRef::from_bytes(b)
        .expect("bits")
        .to_der()
        .expect("bits encode")
}

pub(crate) fn null() -> Vec<u8> {
    Null.to_der().expect("null encodes")
}

pub(crate) fn boolean(v: bool) -> Vec<u8> {
    v.to_der().expect("bool encodes")
}

pub(crate) fn utf8(s: &str) -> Vec<u8> {
    der::asn1::Utf8StringRef::new(s)
        .expect("utf8")
        .to_der()
        .expect("utf8 encodes")
}

/// UTCTime for 1950..2049, GeneralizedTime after (RFC 5280 §4.1.2.5).
pub(crate) fn time(unix: u64) -> Vec<u8> {
    let dt = DateTime::from_unix_duration(std::time::Duration::from_secs(unix)).expect("time in range");
    if dt.year() < 2050 {
        UtcTime::from_date_time(dt).expect("utc").to_der().expect("utc encodes")
    } else {
        der::asn1::GeneralizedTime::from_date_time(dt)
            .to_der()
            .expect("gt encodes")
    }
}

pub(crate) fn unix(y: u16, m: u8, d: u8) -> u64 {
    DateTime::new(y, m, d, 0, 0, 0).expect("date").unix_duration().as_secs()
}

/// AlgorithmIdentifier with NULL parameters (RSA and hash algorithms).
pub(crate) fn alg_null(o: &str) -> Vec<u8> {
    seq(&[&oid(o), &null()])
}

/// AlgorithmIdentifier without parameters (ECDSA).
pub(crate) fn alg(o: &str) -> Vec<u8> {
    seq(&[&oid(o)])
}

/// Name: CN (and O) as UTF8String.
pub(crate) fn name(cn: &str) -> Vec<u8> {
    let o = set(&[&seq(&[&oid("2.5.4.10"), &utf8("Authverify Test PKI")])]);
    let cn = set(&[&seq(&[&oid("2.5.4.3"), &utf8(cn)])]);
    seq(&[&o, &cn])
}
