//! Hostile inputs too large to commit, built on demand by the tests and benches: a
//! SignedData carrying 10,000 certificates, signatures nested 1,000 deep, and a file whose
//! sections all overlap under 64 page-hashed signatures; an MSI package with a million
//! directory entries; certificates named with control characters.

use crate::asn1::unix;
use crate::pe;
use crate::pki::{ca_spec, issue, leaf_spec, Cert, CertSpec, Key};
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
    pki_named("Authverify Hostile Root", "Authverify Hostile Signer")
}

/// The module's PKI with the root's and the signer's common names given.
fn pki_named(root_cn: &str, signer_cn: &str) -> Pki {
    let root_key = Key::rsa(include_str!("../keys/root-rsa2048.pem"));
    let inter_key = Key::rsa(include_str!("../keys/inter-rsa2048.pem"));
    let leaf_key = Key::rsa(include_str!("../keys/leaf-rsa2048.pem"));
    let root = issue(
        &CertSpec {
            subject: root_cn,
            ..ca_spec(0xc001, "", None)
        },
        &root_key,
        None,
    );
    let inter = issue(
        &ca_spec(0xc002, "Authverify Hostile CA", Some(0)),
        &inter_key,
        Some((&root, &root_key)),
    );
    let leaf = issue(
        &CertSpec {
            subject: signer_cn,
            ..leaf_spec(0xc003, "", unix(2025, 1, 1), unix(2028, 1, 1))
        },
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

/// A PE32+ image of about `data_len` bytes whose section table holds `sections` headers that
/// all point at the same raw data, signed by a primary and `nested - 1` nested signatures
/// that each carry page hashes (SHA-256). The signatures were made while NumberOfSections
/// said 1 (so the generator hashes one section), then it is set to `sections`: every
/// digest mismatches, and a verifier that recomputes page hashes section by section would
/// hash `sections * data_len` bytes per signature (issue 14: 168 s of CPU for 4,096 x 1 MB x
/// 64 before the fix).
pub fn overlapping_sections(sections: u16, data_len: usize, nested: usize) -> Hostile {
    let p = pki();
    let _ = &p.root_key;
    let e_lfanew = 0x80usize;
    let opt_size = 240usize;
    let table = e_lfanew + 24 + opt_size;
    let headers = 0x400usize; // SizeOfHeaders: the section table runs past it, as it may
    let data_start = (table + 40 * usize::from(sections)).div_ceil(0x200) * 0x200;
    let mut f = vec![0u8; data_start + data_len];
    f[0..2].copy_from_slice(b"MZ");
    f[0x3c..0x40].copy_from_slice(&(e_lfanew as u32).to_le_bytes());
    f[e_lfanew..e_lfanew + 4].copy_from_slice(b"PE\0\0");
    let coff = e_lfanew + 4;
    f[coff..coff + 2].copy_from_slice(&0x8664u16.to_le_bytes());
    f[coff + 2..coff + 4].copy_from_slice(&1u16.to_le_bytes());
    f[coff + 16..coff + 18].copy_from_slice(&(opt_size as u16).to_le_bytes());
    f[coff + 18..coff + 20].copy_from_slice(&0x22u16.to_le_bytes());
    let opt = coff + 20;
    f[opt..opt + 2].copy_from_slice(&0x20bu16.to_le_bytes());
    f[opt + 32..opt + 36].copy_from_slice(&0x1000u32.to_le_bytes()); // SectionAlignment
    f[opt + 36..opt + 40].copy_from_slice(&0x200u32.to_le_bytes()); // FileAlignment
    f[opt + 60..opt + 64].copy_from_slice(&(headers as u32).to_le_bytes());
    f[opt + 68..opt + 70].copy_from_slice(&3u16.to_le_bytes()); // console subsystem
    f[opt + 108..opt + 112].copy_from_slice(&16u32.to_le_bytes());
    for i in 0..usize::from(sections) {
        let h = table + i * 40;
        f[h..h + 5].copy_from_slice(b".text");
        f[h + 8..h + 12].copy_from_slice(&(data_len as u32).to_le_bytes());
        f[h + 12..h + 16].copy_from_slice(&0x1000u32.to_le_bytes());
        f[h + 16..h + 20].copy_from_slice(&(data_len as u32).to_le_bytes());
        f[h + 20..h + 24].copy_from_slice(&(data_start as u32).to_le_bytes());
    }
    f[data_start..].copy_from_slice(&pe::filler(91, data_len));
    let s = Signer {
        form: sign::Form {
            page_hashes: Some(crate::pki::Hash::Sha256),
            ..sign::Form::default()
        },
        ..Signer::new(&p.leaf_key, &p.leaf, vec![&p.leaf, &p.inter])
    };
    let others: Vec<&Signer<'_>> = std::iter::repeat_n(&s, nested.saturating_sub(1)).collect();
    let mut image = sign::sign_all_with_page_hashes(&f, &s, &others);
    image[coff + 2..coff + 4].copy_from_slice(&sections.to_le_bytes());
    Hostile {
        image,
        root_der: p.root.der.clone(),
    }
}

/// A cabinet of `folders` MSZIP folders that all share one data stream of `blocks` blocks,
/// each block 32 KiB of zeros deflated to a few dozen bytes, with one member per folder:
/// about 50 bytes per block on disk, `folders * blocks * 32 KiB` if every folder is
/// inflated in full (issue 14: a 115 KB cabinet reached 2.1 GB RSS).
pub fn cabinet_bomb(folders: u16, blocks: u16) -> Vec<u8> {
    const BLOCK: usize = 32 * 1024;
    let deflated = miniz_oxide::deflate::compress_to_vec(&[0u8; BLOCK], 9);
    let files_offset = 36 + 8 * usize::from(folders);
    let names: Vec<String> = (0..folders).map(|i| format!("m{i}.stl")).collect();
    let files_len: usize = names.iter().map(|n| 16 + n.len() + 1).sum();
    let data_offset = files_offset + files_len;
    let mut b = Vec::new();
    b.extend_from_slice(b"MSCF");
    b.extend_from_slice(&0u32.to_le_bytes());
    let total_at = b.len();
    b.extend_from_slice(&0u32.to_le_bytes()); // cbCabinet, set below
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&(files_offset as u32).to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&[3, 1]);
    b.extend_from_slice(&folders.to_le_bytes());
    b.extend_from_slice(&folders.to_le_bytes()); // one member per folder
    b.extend_from_slice(&0u16.to_le_bytes()); // flags
    b.extend_from_slice(&0u16.to_le_bytes());
    b.extend_from_slice(&0u16.to_le_bytes());
    for _ in 0..folders {
        b.extend_from_slice(&(data_offset as u32).to_le_bytes()); // all share one stream
        b.extend_from_slice(&blocks.to_le_bytes());
        b.extend_from_slice(&1u16.to_le_bytes()); // MSZIP
    }
    for (i, name) in names.iter().enumerate() {
        b.extend_from_slice(&(BLOCK as u32).to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&(i as u16).to_le_bytes());
        b.extend_from_slice(&[0; 6]);
        b.extend_from_slice(name.as_bytes());
        b.push(0);
    }
    for _ in 0..blocks {
        b.extend_from_slice(&0u32.to_le_bytes()); // checksum (0: not computed)
        b.extend_from_slice(&((deflated.len() + 2) as u16).to_le_bytes());
        b.extend_from_slice(&(BLOCK as u16).to_le_bytes());
        b.extend_from_slice(b"CK");
        b.extend_from_slice(&deflated);
    }
    let total = b.len() as u32;
    b[total_at..total_at + 4].copy_from_slice(&total.to_le_bytes());
    b
}

/// A well-formed signed PE32+ of about `data_len` bytes carrying SHA-256 page hashes,
/// valid under this module's root: for the paths that read large files in parts.
pub fn large_signed(data_len: usize) -> Hostile {
    let p = pki();
    let _ = &p.root_key;
    let image = pe::build(&pe::PeSpec {
        pe32_plus: true,
        data_len,
        seed: 1234,
        overlay: 0,
    });
    let s = Signer {
        form: sign::Form {
            page_hashes: Some(crate::pki::Hash::Sha256),
            ..sign::Form::default()
        },
        ..Signer::new(&p.leaf_key, &p.leaf, vec![&p.leaf, &p.inter])
    };
    Hostile {
        image: sign::sign(&image, &s, &[]),
        root_der: p.root.der.clone(),
    }
}

/// A valid signed PE32+ image whose root and signer certificates have the common names
/// given, whatever characters they hold: a certificate's name is raw DER (a UTF8String may
/// hold ESC, CR or U+202E), and it is printed by every verifier (issue 27).
pub fn named_signer(root_cn: &str, signer_cn: &str) -> Hostile {
    let p = pki_named(root_cn, signer_cn);
    let _ = &p.root_key;
    let s = Signer::new(&p.leaf_key, &p.leaf, vec![&p.leaf, &p.inter]);
    Hostile {
        image: sign::sign(&image(), &s, &[]),
        root_der: p.root.der.clone(),
    }
}

/// A signed MSI package whose root storage holds `empty` empty streams beside two with
/// data (one in the mini stream, one in regular sectors), valid under this module's root:
/// every directory entry costs a parser whatever its stream holds (issue 27: a million
/// entries, 123 MiB, reached 610 MB peak RSS). The signature is over osslsigncode's content
/// digest, computed here from the construction: the streams with data in the order of
/// their UTF-16LE names (`data1` before `data2`; empty streams add nothing), then the root
/// storage's CLSID.
pub fn many_entries_package(empty: u32) -> Hostile {
    use crate::compound::{self, Stream};
    let p = pki();
    let _ = &p.root_key;
    // The Windows Installer package CLSID {000C1084-0000-0000-C000-000000000046}, as stored.
    let clsid = [
        0x84, 0x10, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46,
    ];
    let large = pe::filler(5, 10_000);
    let small = pe::filler(6, 300);
    let digest = crate::pki::Hash::Sha256.digest(&[large.as_slice(), &small, &clsid].concat());
    let s = Signer::new(&p.leaf_key, &p.leaf, vec![&p.leaf, &p.inter]);
    let signature = sign::signed_data(&s, &digest, &[]);
    let names: Vec<String> = (0..empty).map(|i| format!("e{i:07}")).collect();
    let mut streams = vec![
        Stream {
            name: "\u{5}DigitalSignature",
            data: &signature,
        },
        Stream {
            name: "data1",
            data: &large,
        },
        Stream {
            name: "data2",
            data: &small,
        },
    ];
    streams.extend(names.iter().map(|name| Stream { name, data: &[] }));
    Hostile {
        image: compound::write(clsid, &streams),
        root_der: p.root.der.clone(),
    }
}
