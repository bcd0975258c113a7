//! Authenticode signing, built up from the spec (Authenticode_PE.docx §"Signed data").

use crate::asn1::*;
use crate::pe;
use crate::pki::{Cert, Hash, Key};

pub const SPC_INDIRECT_DATA: &str = "1.3.6.1.4.1.311.2.1.4";
pub const SPC_PE_IMAGE_DATA: &str = "1.3.6.1.4.1.311.2.1.15";
pub const SPC_SP_OPUS_INFO: &str = "1.3.6.1.4.1.311.2.1.12";
pub const SPC_STATEMENT_TYPE: &str = "1.3.6.1.4.1.311.2.1.11";
pub const NESTED_SIGNATURE: &str = "1.3.6.1.4.1.311.2.4.1";

pub struct Signer<'a> {
    pub key: &'a Key,
    pub cert: &'a Cert,
    /// Certificates to embed (leaf first).
    pub chain: Vec<&'a Cert>,
    pub hash: Hash,
    /// Flip a bit of the signature value after signing (a broken signature).
    pub corrupt_signature: bool,
}

/// SpcIndirectDataContent for a PE image digest.
pub fn indirect_data(h: Hash, digest: &[u8]) -> Vec<u8> {
    let obsolete: Vec<u8> = "<<<Obsolete>>>".encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
    let link = ctx(0, true, &ctx(2, true, &ctx(0, false, &obsolete)));
    let pe_image_data = seq(&[&bits(&[]), &link]);
    seq(&[
        &seq(&[&oid(SPC_PE_IMAGE_DATA), &pe_image_data]),
        &seq(&[&alg_null(h.oid()), &octets(digest)]),
    ])
}

fn attribute(o: &str, value: &[u8]) -> Vec<u8> {
    seq(&[&oid(o), &set(&[value])])
}

/// A complete ContentInfo(SignedData) over `file_digest`, with extra unsigned attributes
/// (already-encoded Attribute SEQUENCEs).
pub fn signed_data(s: &Signer<'_>, file_digest: &[u8], unsigned: &[Vec<u8>]) -> Vec<u8> {
    let content = indirect_data(s.hash, file_digest);
    // messageDigest covers the contents octets of the SpcIndirectDataContent SEQUENCE.
    let content_octets = &content[der_header_len(&content)..];
    let attrs = vec![
        attribute("1.2.840.113549.1.9.3", &oid(SPC_INDIRECT_DATA)),
        attribute(SPC_SP_OPUS_INFO, &seq(&[])),
        attribute(SPC_STATEMENT_TYPE, &seq(&[&oid("1.3.6.1.4.1.311.2.1.21")])),
        attribute("1.2.840.113549.1.9.4", &octets(&s.hash.digest(content_octets))),
    ];
    let signed_set = set_sorted(&attrs);
    let mut signature = s.key.sign(s.hash, &signed_set);
    if s.corrupt_signature {
        let last = signature.len() - 1;
        signature[last] ^= 0x01;
    }
    let signed_attrs = {
        let mut v = signed_set.clone();
        v[0] = 0xa0; // [0] IMPLICIT
        v
    };
    let unsigned_attrs = if unsigned.is_empty() {
        Vec::new()
    } else {
        let refs: Vec<&[u8]> = unsigned.iter().map(|u| u.as_slice()).collect();
        ctx(1, true, &cat(&refs))
    };
    let signer_info = seq(&[
        &int(1),
        &seq(&[&s.cert.name_issuer, &int(s.cert.serial)]),
        &alg_null(s.hash.oid()),
        &signed_attrs,
        &s.key.signer_sig_alg(s.hash),
        &octets(&signature),
        &unsigned_attrs,
    ]);
    let certs: Vec<&[u8]> = s.chain.iter().map(|c| c.der.as_slice()).collect();
    let sd = seq(&[
        &int(1),
        &set(&[&alg_null(s.hash.oid())]),
        &seq(&[&oid(SPC_INDIRECT_DATA), &ctx(0, true, &content)]),
        &ctx(0, true, &cat(&certs)),
        &set(&[&signer_info]),
    ]);
    seq(&[&oid("1.2.840.113549.1.7.2"), &ctx(0, true, &sd)])
}

pub fn der_header_len(tlv: &[u8]) -> usize {
    let l = tlv[1];
    if l < 0x80 {
        2
    } else {
        2 + (l & 0x7f) as usize
    }
}

/// Pads `unsigned` to 8 bytes and appends a certificate table holding `content_infos`,
/// one WIN_CERTIFICATE each; fixes the security directory and the checksum.
pub fn attach(unsigned: &[u8], content_infos: &[Vec<u8>]) -> Vec<u8> {
    let mut f = unsigned.to_vec();
    f.resize(f.len().div_ceil(8) * 8, 0);
    let table_start = f.len();
    for ci in content_infos {
        let len = 8 + ci.len();
        f.extend_from_slice(&(len as u32).to_le_bytes());
        f.extend_from_slice(&0x0200u16.to_le_bytes());
        f.extend_from_slice(&2u16.to_le_bytes());
        f.extend_from_slice(ci);
        f.resize(f.len().div_ceil(8) * 8, 0);
    }
    let size = f.len() - table_start;
    pe::set_security_dir(&mut f, table_start as u32, size as u32);
    pe::set_checksum(&mut f);
    f
}

/// The digest a signature over `unsigned` must carry: the image padded to 8 bytes, as it
/// will be once the table is attached.
pub fn digest_for(unsigned: &[u8], h: Hash) -> Vec<u8> {
    let mut f = unsigned.to_vec();
    f.resize(f.len().div_ceil(8) * 8, 0);
    let start = f.len();
    pe::authenticode_digest(&f, Some(start), h)
}

/// Signs `unsigned` with a primary signature and optional nested ones.
pub fn sign(unsigned: &[u8], primary: &Signer<'_>, nested: &[&Signer<'_>]) -> Vec<u8> {
    let nested_attrs: Vec<Vec<u8>> = nested
        .iter()
        .map(|n| {
            let ci = signed_data(n, &digest_for(unsigned, n.hash), &[]);
            seq(&[&oid(NESTED_SIGNATURE), &set(&[&ci])])
        })
        .collect();
    let ci = signed_data(primary, &digest_for(unsigned, primary.hash), &nested_attrs);
    attach(unsigned, &[ci])
}
