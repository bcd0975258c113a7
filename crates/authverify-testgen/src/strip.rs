//! Removes one certificate from the certificate bag of a signed PE's first signature.
//!
//! The bag is not covered by the signer's signature (RFC 5652 §5.1: `certificates` is
//! outside SignedAttributes and the content), so the signature still verifies: a real file
//! with its intermediate taken out is what a machine meets when the publisher shipped an
//! incomplete chain and the intermediate must be installed. Dev-only; panics on input that
//! is not a well-formed signed PE (the callers hand it real signed files).

use sha1::Digest;

use crate::{pe, sign};

/// (tag, header length, content length) of the DER element at the start of `b`.
fn header(b: &[u8]) -> (u8, usize, usize) {
    let first = b[1];
    if first < 0x80 {
        return (b[0], 2, first as usize);
    }
    let n = (first & 0x7f) as usize;
    let len = b[2..2 + n].iter().fold(0usize, |acc, x| (acc << 8) | *x as usize);
    (b[0], 2 + n, len)
}

/// The elements of a constructed element's content.
fn children(content: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = content;
    while !rest.is_empty() {
        let (_, h, l) = header(rest);
        out.push(&rest[..h + l]);
        rest = &rest[h + l..];
    }
    out
}

fn content(tlv: &[u8]) -> &[u8] {
    let (_, h, l) = header(tlv);
    &tlv[h..h + l]
}

/// `tag` with definite-length DER encoding around `content`.
fn wrap(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// `signed` with the certificate whose SHA-1 is `sha1_hex` removed from the first
/// signature's bag; `None` when the bag does not hold it.
pub fn without_certificate(signed: &[u8], sha1_hex: &str) -> Option<Vec<u8>> {
    let (_, sd) = pe::field_offsets(signed);
    let table = u32::from_le_bytes(signed[sd..sd + 4].try_into().ok()?) as usize;
    let entry_len = u32::from_le_bytes(signed[table..table + 4].try_into().ok()?) as usize;
    let content_info = &signed[table + 8..table + entry_len];
    let (_, h, l) = header(content_info);
    let ci_parts = children(&content_info[h..h + l]);
    let signed_data = content(ci_parts[1]);
    let sd_parts = children(content(signed_data));
    let mut removed = false;
    let mut rebuilt_sd = Vec::new();
    for part in &sd_parts {
        if part[0] == 0xa0 {
            let kept: Vec<u8> = children(content(part))
                .into_iter()
                .filter(|c| {
                    let hit = hex::encode(sha1::Sha1::digest(c)) == sha1_hex;
                    removed |= hit;
                    !hit
                })
                .flatten()
                .copied()
                .collect();
            rebuilt_sd.extend(wrap(0xa0, &kept));
        } else {
            rebuilt_sd.extend_from_slice(part);
        }
    }
    if !removed {
        return None;
    }
    let sd_seq = wrap(0x30, &rebuilt_sd);
    let mut ci = ci_parts[0].to_vec();
    ci.extend(wrap(0xa0, &sd_seq));
    let ci = wrap(0x30, &ci);
    Some(sign::attach(&signed[..table], &[ci]))
}
