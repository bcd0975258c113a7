//! Hostile inputs too large to commit, built on demand by the tests: a SignedData carrying
//! 10,000 certificates, and signatures nested 1,000 deep.

use crate::asn1::unix;
use crate::pe;
use crate::pki::{ca_spec, issue, leaf_spec, Cert, Key};
use crate::sign::{self, Signer};

/// An image and the DER of the root its chain ends at.
pub struct Hostile {
    pub image: Vec<u8>,
    pub root_der: Vec<u8>,
}

struct Pki {
    root_key: Key,
    inter_key: Key,
    leaf_key: Key,
    root: Cert,
    inter: Cert,
    leaf: Cert,
}

fn pki() -> Pki {
    let root_key = Key::rsa(include_str!("../keys/root-rsa2048.pem"));
    let inter_key = Key::rsa(include_str!("../keys/inter-rsa2048.pem"));
    let leaf_key = Key::rsa(include_str!("../keys/leaf-rsa2048.pem"));
    let root = issue(&ca_spec(0xc001, "Authverify Hostile Root", None), &root_key, None);
    let inter = issue(
        &ca_spec(0xc002, "Authverify Hostile CA", Some(0)),
        &inter_key,
        Some((&root, &root_key)),
    );
    let leaf = issue(
        &leaf_spec(0xc003, "Authverify Hostile Signer", unix(2025, 1, 1), unix(2028, 1, 1)),
        &leaf_key,
        Some((&inter, &inter_key)),
    );
    Pki {
        root_key,
        inter_key,
        leaf_key,
        root,
        inter,
        leaf,
    }
}

fn image() -> Vec<u8> {
    pe::build(&pe::PeSpec {
        pe32_plus: true,
        data_len: 8 * 1024,
        seed: 77,
        overlay: 0,
    })
}

/// A valid signature whose certificate bag also holds `extra` copies of the intermediate
/// with other serial numbers (same name and key id, signatures that no longer verify),
/// placed before the real intermediate.
pub fn many_certificates(extra: usize) -> Hostile {
    let p = pki();
    let _ = &p.root_key;
    // The serial INTEGER 02 03 00 c0 02 ("0xc002", padded) is rewritten in each copy.
    let pos = p
        .inter
        .der
        .windows(5)
        .position(|w| w == [0x02, 0x03, 0x00, 0xc0, 0x02])
        .expect("serial in the intermediate");
    let copies: Vec<Cert> = (0..extra)
        .map(|i| {
            let mut der = p.inter.der.clone();
            let [a, b] = (i as u16).to_be_bytes();
            der[pos + 3] = 0x80 | (a & 0x3f);
            der[pos + 4] = b;
            Cert { der, ..p.inter.clone() }
        })
        .collect();
    let mut chain: Vec<&Cert> = vec![&p.leaf];
    chain.extend(copies.iter());
    chain.push(&p.inter);
    let s = Signer::new(&p.leaf_key, &p.leaf, chain);
    Hostile {
        image: sign::sign(&image(), &s, &[]),
        root_der: p.root.der.clone(),
    }
}

/// Signatures nested `levels` deep (each level in the unsigned attributes of the one above).
pub fn deep_nesting(levels: usize) -> Hostile {
    let p = pki();
    let _ = &p.inter_key;
    let s = Signer::new(&p.leaf_key, &p.leaf, vec![&p.leaf, &p.inter]);
    let all: Vec<&Signer<'_>> = std::iter::repeat_n(&s, levels).collect();
    Hostile {
        image: sign::sign_nested_levels(&image(), &all),
        root_der: p.root.der.clone(),
    }
}
