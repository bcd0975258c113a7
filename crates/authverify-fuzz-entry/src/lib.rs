//! Entry points of the fuzz targets (`fuzz/fuzz_targets/*.rs` call these), kept in an
//! ordinary crate so that `tests/replay.rs` can run every corpus and regression file through
//! exactly the same code with `cargo test`, without libFuzzer or sanitizers.
//!
//! Each entry takes arbitrary bytes and must return normally: a panic, a hang or unbounded
//! allocation is a bug.

#![forbid(unsafe_code)]

use std::sync::{Arc, OnceLock};

use authverify::cert_table::CertTableIter;
use authverify::fuzzing::{parse_crl_file, parse_material, parse_sst, payload_in_parts, read_cabinet, verify_in_parts};
use authverify::{Certificate, DigestAlgorithm, PeImage, Policy, TrustList, TrustStore, UnixTime, Verifier};

/// The instant every entry verifies at (fixed: no clock in fuzzing).
pub const AT: UnixTime = UnixTime::from_secs(1_780_272_000); // 2026-06-01

/// A small unsigned PE32+ image (the shipped test vector) that the signature entries wrap
/// around their input.
pub const BASE_IMAGE: &[u8] = include_bytes!("../../../test-vectors/unsigned.exe");
/// The test PKI root the generated vectors chain to.
pub const TEST_ROOT: &[u8] = include_bytes!("../../../test-vectors/pki/root.crt");
/// A valid signed vector whose chain the chain_builder entry rebuilds against fuzzed stores.
pub const SIGNED_VECTOR: &[u8] = include_bytes!("../../../test-vectors/pe32plus-rsa2048-sha256.exe");

/// The names of the entries, as the fuzz targets and corpus directories are named.
pub const ENTRIES: [&str; 14] = [
    "pe_image",
    "signed_data",
    "trust_material",
    "chain_builder",
    "verify_file",
    "registry_hive",
    "cabinet",
    "msi",
    "catalog",
    "appx",
    "script",
    "crl",
    "payload",
    "reader_parts",
];

fn verifier() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(|| {
        let mut trust = TrustStore::builtin();
        if let Ok(root) = Certificate::from_der(TEST_ROOT) {
            trust.add_anchor(Arc::new(root));
        }
        Verifier::new(trust, Policy::windows())
    })
}

/// Runs the entry called `name` on `data`. Unknown names do nothing.
pub fn run(name: &str, data: &[u8]) {
    match name {
        "pe_image" => pe_image(data),
        "signed_data" => signed_data(data),
        "trust_material" => trust_material(data),
        "chain_builder" => chain_builder(data),
        "verify_file" => verify_file(data),
        "registry_hive" => registry_hive(data),
        "cabinet" => cabinet(data),
        "msi" => msi(data),
        "catalog" => catalog(data),
        "appx" => appx(data),
        "script" => script(data),
        "crl" => crl(data),
        "payload" => payload(data),
        "reader_parts" => reader_parts(data),
        _ => {}
    }
}

/// Headers, data directories, the certificate table, digest ranges and page hashes.
pub fn pe_image(data: &[u8]) {
    let Ok(image) = PeImage::parse(data) else {
        return;
    };
    let _ = image.digest_ranges();
    let _ = image.authenticode_digests(&[DigestAlgorithm::Sha1, DigestAlgorithm::Sha256]);
    let _ = image.page_hashes(DigestAlgorithm::Sha256);
    for entry in CertTableIter::new(&image).take(1_000) {
        if entry.is_err() {
            break;
        }
    }
}

/// `data` as the PKCS#7 of a WIN_CERTIFICATE in a valid image: CMS, signers, attributes,
/// nested signatures, timestamps.
pub fn signed_data(data: &[u8]) {
    let image = wrap_signature(data);
    let _ = verifier().verify_bytes(&image, AT);
}

/// Places `pkcs7` in the certificate table of [`BASE_IMAGE`].
pub fn wrap_signature(pkcs7: &[u8]) -> Vec<u8> {
    let mut f = BASE_IMAGE.to_vec();
    f.resize(f.len().div_ceil(8) * 8, 0);
    let table = f.len();
    let len = u32::try_from(pkcs7.len().saturating_add(8)).unwrap_or(u32::MAX);
    f.extend_from_slice(&len.to_le_bytes());
    f.extend_from_slice(&0x0200u16.to_le_bytes());
    f.extend_from_slice(&2u16.to_le_bytes());
    f.extend_from_slice(pkcs7);
    f.resize(f.len().div_ceil(8) * 8, 0);
    let size = u32::try_from(f.len() - table).unwrap_or(u32::MAX);
    // The security directory entry: e_lfanew + 24 + 144 for PE32+ (the base image is PE32+).
    let e = u32::from_le_bytes([f[0x3c], f[0x3d], f[0x3e], f[0x3f]]) as usize;
    let dir = e + 24 + 144;
    f[dir..dir + 4].copy_from_slice(&(table as u32).to_le_bytes());
    f[dir + 4..dir + 8].copy_from_slice(&size.to_le_bytes());
    f
}

/// Every trust-material reader: format detection, PEM, DER, PKCS#7, SST, CTL, cabinet.
pub fn trust_material(data: &[u8]) {
    let _ = parse_material(data, "fuzz");
    let _ = parse_sst(data, "fuzz");
    let _ = TrustList::parse(data);
    if data.starts_with(b"MSCF") {
        let _ = read_cabinet(data, "fuzz");
    }
}

/// Revocation lists: a CRL file (DER or PEM) parsed, each list's fields read, its
/// signature checked against the test root, and a serial looked up.
pub fn crl(data: &[u8]) {
    let lists = match parse_crl_file(data, "fuzz") {
        Ok(lists) => lists,
        Err(_) => return,
    };
    let root = Certificate::from_der(TEST_ROOT).ok();
    for l in &lists {
        let _ = l.issuer();
        let _ = l.entry_for(&[0x30, 0x01]);
        if let Some(root) = &root {
            let _ = l.names_issuer_by_name(root);
            let _ = l.verify_signed_by(root);
        }
    }
}

/// A random certificate bag as the trust store (length-prefixed DER blobs; the first byte
/// of each says anchor, intermediate or distrusted), then the chain of a real signed vector
/// built against it.
pub fn chain_builder(data: &[u8]) {
    let mut store = TrustStore::new();
    let mut rest = data;
    let mut count = 0;
    while let [role, hi, lo, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*hi, *lo]));
        let (blob, next) = tail.split_at(len.min(tail.len()));
        rest = next;
        count += 1;
        if count > 2_000 {
            break;
        }
        let Ok(cert) = Certificate::from_der(blob) else {
            continue;
        };
        let cert = Arc::new(cert);
        match role % 3 {
            0 => store.add_anchor(cert),
            1 => store.add_intermediate(cert),
            _ => store.distrust(cert),
        }
    }
    let _ = Verifier::new(store, Policy::windows()).verify_bytes(SIGNED_VECTOR, AT);
}

/// The whole pipeline on `data` as a file, with the built-in certificate set and the test root.
pub fn verify_file(data: &[u8]) {
    let _ = verifier().verify_bytes(data, AT);
}

/// `data` as an offline registry hive (`SOFTWARE`): its base block checksum made right
/// first, so mutations reach the key, list, value and big data records behind it.
pub fn registry_hive(data: &[u8]) {
    let mut hive = data.to_vec();
    authverify::fuzzing::fix_hive_checksum(&mut hive);
    let _ = parse_material(&hive, "fuzz");
}

/// `data` as a signed cabinet: `MSCF` put in front when missing, so that every mutation
/// reaches the header's reserve, the signature's place, the digest layout and the
/// signature itself; then its members, as a trust-list cabinet would be read.
pub fn cabinet(data: &[u8]) {
    let cab: std::borrow::Cow<'_, [u8]> = if data.starts_with(b"MSCF") {
        data.into()
    } else {
        [b"MSCF".as_slice(), data].concat().into()
    };
    let _ = authverify::cab::signature::CabinetSignature::parse(&cab);
    let _ = verifier().verify_bytes(&cab, AT);
    let _ = read_cabinet(&cab, "fuzz");
}

/// `data` as an MSI package: the compound file signature put in front when missing, then
/// the package's directory, signature streams and content digest (with the metadata
/// pre-hash), and the whole verification.
pub fn msi(data: &[u8]) {
    const MAGIC: [u8; 8] = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
    let file: std::borrow::Cow<'_, [u8]> = if data.starts_with(&MAGIC) {
        data.into()
    } else {
        [MAGIC.as_slice(), data].concat().into()
    };
    if let Ok(package) = authverify::msi::MsiPackage::parse(&file) {
        let _ = package.digests(&[DigestAlgorithm::Sha256]);
        let _ = package.metadata_prehash(DigestAlgorithm::Sha1);
    }
    let _ = verifier().verify_bytes(&file, AT);
}

/// `data` as a catalog file: its members, its verification as a file, and indexing it for
/// lookups (then a lookup of the base image's digest through it).
pub fn catalog(data: &[u8]) {
    let _ = authverify::catalog::Catalog::parse(data);
    let _ = verifier().verify_bytes(data, AT);
    let mut index = authverify::CatalogIndex::new();
    if index.add("fuzz.cat", data, verifier(), AT).is_ok() {
        let with = verifier().clone().with_catalogs(Arc::new(index));
        let _ = with.verify_bytes(BASE_IMAGE, AT);
        let _ = with.verify_bytes(b"a flat file", AT);
    }
}

/// `data` as an APPX/MSIX package or bundle: the ZIP reader, the block map and every member
/// against it, the manifests, the digests; then the signature's content judged against the
/// package (with the package's own bytes as the digest blob and subject, which must not
/// panic either), and the whole file through the verifier.
pub fn appx(data: &[u8]) {
    use authverify::appx::{publisher, signature, AppxPackage};
    if let Ok(package) = AppxPackage::parse(data) {
        let _ = package.compare(data.get(..256).unwrap_or(data));
        if let Some(sig) = &package.signature {
            let _ = signature::read_sip_info(sig);
            let _ = package.check_signed_content(signature::SIP_INFO_OID, sig, package.digest_algorithm(), sig, sig);
        }
        for inner in &package.inner {
            let _ = inner.package.block_map_findings();
        }
    }
    let _ = publisher::publisher_string(data);
    let _ = verifier().verify_bytes(data, AT);
}

/// `data` as a script in every language: the encoding and signature block, the digest the
/// language's SIP computes, the catalog hash, and the SpcSipInfo check on whatever the
/// block decodes to.
pub fn script(data: &[u8]) {
    use authverify::script::{sip_info_names, Script, ScriptLanguage};
    let _ = ScriptLanguage::detect(None, data);
    for ext in ["ps1", "ps1xml", "mof", "js", "vbs", "wsf"] {
        let Some(language) = ScriptLanguage::from_extension(ext) else {
            continue;
        };
        let Ok(script) = Script::parse(data, language) else {
            continue;
        };
        let _ = script.digests(&[DigestAlgorithm::Sha1, DigestAlgorithm::Sha256]);
        let _ = script.catalog_digests(&[DigestAlgorithm::Sha256]);
        let _ = script.text_after_block();
        if let Some(signature) = script.signature() {
            let _ = sip_info_names(signature, &language.sip());
        }
    }
}

/// `data` as the payload of a container (`verify --payload`): as a cabinet (`MSCF` put in
/// front), as an LZX cabinet built around it ([`lzx_cabinet`]: the `lzxd` decoder on
/// arbitrary blocks), as a ZIP archive and as an MSI package; every member is verified.
pub fn payload(data: &[u8]) {
    let mut members = 0usize;
    let mut count = |_: authverify::MemberReport| members = members.saturating_add(1);
    let cab: std::borrow::Cow<'_, [u8]> = if data.starts_with(b"MSCF") {
        data.into()
    } else {
        [b"MSCF".as_slice(), data].concat().into()
    };
    verifier().verify_payload(&cab, "fuzz.cab", AT, &mut count);
    verifier().verify_payload(&lzx_cabinet(data), "fuzz.cab", AT, &mut count);
    verifier().verify_payload(data, "fuzz.zip", AT, &mut count);
    verifier().verify_payload(data, "fuzz.msi", AT, &mut count);
}

/// A cabinet of one LZX folder holding one member, its data blocks cut from `data`: the
/// first byte picks the window (2^15 to 2^21), then each block is a 2-byte size to decode
/// (at most 32 KiB), a 2-byte stored length and that many bytes.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects, clippy::as_conversions)]
pub fn lzx_cabinet(data: &[u8]) -> Vec<u8> {
    let window = 15 + u16::from(data.first().copied().unwrap_or(0) % 7);
    let mut blocks: Vec<(u16, &[u8])> = Vec::new();
    let mut rest = data.get(1..).unwrap_or_default();
    while rest.len() >= 4 && blocks.len() < 64 {
        let size = u16::from_le_bytes([rest[0], rest[1]]) % 0x8001;
        let len = usize::from(u16::from_le_bytes([rest[2], rest[3]])).min(rest.len() - 4);
        blocks.push((size, &rest[4..4 + len]));
        rest = &rest[4 + len..];
    }
    let total: u32 = blocks.iter().map(|(s, _)| u32::from(*s)).sum();
    let name = b"member.bin\0";
    let files_offset = 36 + 8;
    let data_offset = files_offset + 16 + name.len();
    let mut b = Vec::new();
    b.extend_from_slice(b"MSCF");
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes()); // cbCabinet (not read)
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&(files_offset as u32).to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&[3, 1]);
    b.extend_from_slice(&1u16.to_le_bytes()); // folders
    b.extend_from_slice(&1u16.to_le_bytes()); // files
    b.extend_from_slice(&[0; 6]); // flags, set id, index
    b.extend_from_slice(&(data_offset as u32).to_le_bytes());
    b.extend_from_slice(&(blocks.len() as u16).to_le_bytes());
    b.extend_from_slice(&(3 | (window << 8)).to_le_bytes());
    b.extend_from_slice(&total.to_le_bytes()); // cbFile
    b.extend_from_slice(&0u32.to_le_bytes()); // uoffFolderStart
    b.extend_from_slice(&0u16.to_le_bytes()); // iFolder
    b.extend_from_slice(&[0; 6]);
    b.extend_from_slice(name);
    for (size, block) in blocks {
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&(block.len() as u16).to_le_bytes());
        b.extend_from_slice(&size.to_le_bytes());
        b.extend_from_slice(block);
    }
    b
}

/// The names `reader_parts` gives its input (the first byte picks one): every format the
/// reader holds in parts, and one it reads whole.
pub const PART_NAMES: [&str; 13] = [
    "fuzz.exe",
    "fuzz.cab",
    "fuzz.msi",
    "fuzz.appx",
    "fuzz.msixbundle",
    "fuzz.ps1",
    "fuzz.psm1",
    "fuzz.ps1xml",
    "fuzz.mof",
    "fuzz.js",
    "fuzz.vbs",
    "fuzz.wsf",
    "fuzz.cat",
];

/// Differential: a file verified from a reader in parts (as files over 8 MiB are: held
/// structure, the rest fed) gets the report its bytes get in memory, and a container's
/// payload walked from a reader in parts the member reports its bytes get. The first byte
/// names the file ([`PART_NAMES`]). A difference panics: a report must never depend on the
/// path taken.
pub fn reader_parts(data: &[u8]) {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let name = PART_NAMES[usize::from(pick) % PART_NAMES.len()];
    let v = verifier();
    let whole = v.verify_bytes_named(bytes, name, AT);
    let parts = verify_in_parts(v, bytes, name, AT);
    match (&whole, &parts) {
        (Ok(w), Ok(p)) => assert!(
            format!("{w:?}") == format!("{p:?}"),
            "{name}: in parts {p:?}, whole {w:?}"
        ),
        (Err(_), Err(_)) => {}
        _ => panic!("{name}: in parts {parts:?}, whole {whole:?}"), // allow-panic: a fuzz entry's failure signal (a report that depends on the path taken), not library code
    }
    if name == "fuzz.cab" || name == "fuzz.msi" {
        let outline = |m: authverify::MemberReport| match m.result {
            Ok(report) => format!("{:?} {:?} {report:?}", m.container, m.member),
            Err(_) => format!("{:?} {:?} error", m.container, m.member),
        };
        let mut in_memory = Vec::new();
        let walked = v.verify_payload(bytes, name, AT, &mut |m| in_memory.push(outline(m)));
        let mut in_parts = Vec::new();
        let walked_in_parts = payload_in_parts(v, bytes, name, AT, &mut |m| in_parts.push(outline(m)));
        assert!(
            walked == walked_in_parts,
            "{name}: walked {walked} in memory, {walked_in_parts} in parts"
        );
        assert!(
            in_memory == in_parts,
            "{name}: in parts {in_parts:?}, in memory {in_memory:?}"
        );
    }
}
