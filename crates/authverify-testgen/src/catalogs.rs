//! Catalog files (issue 17), written to test-vectors/catalogs/ with manifest.json: a folder
//! of "driver" files (a PE image, an INF, a text file) and catalogs that list them by hash —
//! member version 1 with SHA-1 and version 2 with SHA-256, signed by the test leaf — plus an
//! unsigned catalog (for osslsigncode to sign), one whose signature is broken, and a file
//! changed after it was catalogued. Expected verdicts come from how each was built.

use std::path::Path;

use crate::asn1::{ctx, int, octets, oid, seq, set, tlv, unix};
use crate::manifest::{self, CatalogVector, CatalogedFile, CatalogsManifest, Status};
use crate::pe;
pub use crate::pki::Hash;
use crate::sign;
use crate::vectors::Pki;

const CATALOG_LIST: &str = "1.3.6.1.4.1.311.12.1.1";
const CATALOG_LIST_MEMBER: &str = "1.3.6.1.4.1.311.12.1.2";
const CATALOG_LIST_MEMBER2: &str = "1.3.6.1.4.1.311.12.1.3";
const NAME_VALUE: &str = "1.3.6.1.4.1.311.12.2.1";
const MEMBER_INFO: &str = "1.3.6.1.4.1.311.12.2.2";
const SPC_INDIRECT_DATA: &str = "1.3.6.1.4.1.311.2.1.4";
const SPC_PE_IMAGE_DATA: &str = "1.3.6.1.4.1.311.2.1.15";
const SPC_CAB_DATA: &str = "1.3.6.1.4.1.311.2.1.25";
const SPC_SIPINFO: &str = "1.3.6.1.4.1.311.2.1.30";
/// The subject interface packages Windows hashes PE images, flat files, cabinets and MSI
/// packages with.
const PE_SIP: &str = "{C689AAB8-8E78-11D0-8C47-00C04FC295EE}";
const FLAT_SIP: &str = "{DE351A42-8E59-11D0-8C47-00C04FC295EE}";
const CAB_SIP: &str = "{C689AABA-8E78-11D0-8C47-00C04FC295EE}";
const MSI_SIP: &str = "{000C10F1-0000-0000-C000-000000000046}";
/// The OS attributes every member carries (Windows 7 to 10, as Inf2Cat writes them).
pub(crate) const OS_ATTR: &str = "2:6.1,2:6.2,2:6.3,2:10.0";

/// How a member's hash was computed, and so how the member describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listed {
    /// A PE image's Authenticode digest (SPC_PE_IMAGE_DATA, the PE SIP).
    Pe,
    /// The hash of a file's bytes (SPC_CAB_DATA, the flat-file SIP).
    Flat,
    /// A cabinet's digest (SPC_CAB_DATA, the cabinet SIP).
    Cabinet,
    /// An MSI package's content digest (SPC_SIPINFO naming the MSI SIP).
    Msi,
}

impl Listed {
    /// The name `authverify-testgen catalog` takes (`pe`, `flat`, `cab`, `msi`).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "pe" => Self::Pe,
            "flat" => Self::Flat,
            "cab" => Self::Cabinet,
            "msi" => Self::Msi,
            _ => return None,
        })
    }
}

/// A file to list: its name, what its hash is of, and the hash.
pub struct Member {
    pub name: String,
    pub listed: Listed,
    pub digest: Vec<u8>,
}

impl Member {
    /// A member of the driver folder, hashed here.
    fn hashed(name: &str, bytes: &[u8], pe: bool, h: Hash) -> Self {
        let (listed, digest) = if pe {
            (Listed::Pe, pe::authenticode_digest(bytes, None, h))
        } else {
            (Listed::Flat, h.digest(bytes))
        };
        Self {
            name: name.into(),
            listed,
            digest,
        }
    }
}

fn bmp(s: &str) -> Vec<u8> {
    let be: Vec<u8> = s.encode_utf16().flat_map(u16::to_be_bytes).collect();
    tlv(der::Tag::BmpString, &be)
}

fn utf16z(s: &str) -> Vec<u8> {
    s.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect()
}

fn attribute(o: &str, value: &[u8]) -> Vec<u8> {
    seq(&[&oid(o), &set(&[value])])
}

/// The SpcIndirectDataContent `data` a member of kind `listed` carries, and its SIP.
fn indirect_data_of(listed: Listed) -> (Vec<u8>, &'static str) {
    match listed {
        Listed::Pe => {
            // SpcPeImageData { flags BIT STRING {}, file [0] SpcLink: file [2] unicode [0] "<<<Obsolete>>>" }
            let obsolete: Vec<u8> = "<<<Obsolete>>>".encode_utf16().flat_map(u16::to_be_bytes).collect();
            let link = ctx(0, true, &ctx(2, true, &ctx(0, false, &obsolete)));
            let value = seq(&[&crate::asn1::bits(&[]), &link]);
            (seq(&[&oid(SPC_PE_IMAGE_DATA), &value]), PE_SIP)
        }
        Listed::Flat | Listed::Cabinet => {
            // SpcLink: file [2] unicode [0] "" (a flat file has no structure to describe;
            // a cabinet's signature data is described the same way).
            let sip = if listed == Listed::Flat { FLAT_SIP } else { CAB_SIP };
            (seq(&[&oid(SPC_CAB_DATA), &ctx(2, true, &ctx(0, false, &[]))]), sip)
        }
        Listed::Msi => {
            // SpcSipInfo { 1, the MSI SIP's GUID as stored (little-endian fields), 0 x 5 },
            // as a signed package's indirect data carries it.
            let guid = [
                0xf1, 0x10, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46,
            ];
            let zero = int(0);
            let info = seq(&[&int(1), &octets(&guid), &zero, &zero, &zero, &zero, &zero]);
            (seq(&[&oid(SPC_SIPINFO), &info]), MSI_SIP)
        }
    }
}

/// A TrustedSubject: the hash as the tag (hex text, UTF-16LE), the file name, the SIP, and
/// the hash as an SpcIndirectDataContent.
fn subject(m: &Member, h: Hash) -> Vec<u8> {
    let tag: Vec<u8> = hex::encode_upper(&m.digest)
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let (data, sip) = indirect_data_of(m.listed);
    let indirect = seq(&[&data, &seq(&[&crate::asn1::alg_null(h.oid()), &octets(&m.digest)])]);
    let file = seq(&[&bmp("File"), &int(0x1001_0001), &octets(&utf16z(&m.name))]);
    let os = seq(&[&bmp("OSAttr"), &int(0x1001_0001), &octets(&utf16z(OS_ATTR))]);
    let info = seq(&[&bmp(sip), &int(512)]);
    let mut attrs = [
        attribute(NAME_VALUE, &file),
        attribute(NAME_VALUE, &os),
        attribute(MEMBER_INFO, &info),
        attribute(SPC_INDIRECT_DATA, &indirect),
    ];
    attrs.sort();
    let refs: Vec<&[u8]> = attrs.iter().map(Vec::as_slice).collect();
    seq(&[&octets(&tag), &set(&refs)])
}

/// A CertificateTrustList of catalog kind listing `members` with hashes in `h`.
fn catalog_list(members: &[Member], h: Hash, list_id: u8) -> Vec<u8> {
    let member_alg = if h == Hash::Sha1 {
        CATALOG_LIST_MEMBER
    } else {
        CATALOG_LIST_MEMBER2
    };
    let subjects: Vec<Vec<u8>> = members.iter().map(|m| subject(m, h)).collect();
    let refs: Vec<&[u8]> = subjects.iter().map(Vec::as_slice).collect();
    seq(&[
        &seq(&[&oid(CATALOG_LIST)]),
        &octets(&[list_id; 16]),
        &crate::asn1::time(unix(2026, 1, 1)),
        &seq(&[&oid(member_alg), &crate::asn1::null()]),
        &seq(&refs),
    ])
}

/// The driver folder: a PE image, an INF and a text file, and the INF changed after
/// cataloguing; returns the three catalogued files' bytes.
fn driver_folder(dir: &Path) -> [Vec<u8>; 3] {
    std::fs::create_dir_all(dir.join("driver")).expect("mkdir catalogs");
    let sys = pe::build(&pe::PeSpec {
        pe32_plus: true,
        data_len: 24 * 1024,
        seed: 60,
        overlay: 0,
    });
    let inf = b"[Version]\r\nSignature=\"$Windows NT$\"\r\nCatalogFile=driver.cat\r\n".to_vec();
    let readme = b"authverify catalogued test driver\r\n".to_vec();
    for (name, bytes) in [("driver.sys", &sys), ("driver.inf", &inf), ("readme.txt", &readme)] {
        std::fs::write(dir.join("driver").join(name), bytes).expect("write member");
    }
    let mut changed = inf.clone();
    changed.extend_from_slice(b"; changed after cataloguing\r\n");
    std::fs::write(dir.join("driver/changed.inf"), &changed).expect("write changed");
    [sys, inf, readme]
}

/// The driver folder's files and the catalogs that list them.
fn catalogued_files() -> Vec<CatalogedFile> {
    let file = |catalogs: Vec<String>, file: &str, kind: &str, why: &str| CatalogedFile {
        catalogs,
        file: file.into(),
        kind: kind.into(),
        why: why.into(),
    };
    let both = || vec!["driver.cat".to_string(), "driver-sha256.cat".to_string()];
    vec![
        file(both(), "driver/driver.sys", "pe", "listed by its Authenticode digest"),
        file(both(), "driver/driver.inf", "flat", "listed by the hash of its bytes"),
        file(both(), "driver/readme.txt", "flat", "listed by the hash of its bytes"),
        file(
            vec![],
            "driver/changed.inf",
            "flat",
            "driver.inf changed after cataloguing: no catalog lists it",
        ),
    ]
}

pub(crate) fn write(dir: &Path, p: &'static Pki) {
    let [sys, inf, readme] = driver_folder(dir);
    let members = |h: Hash| {
        [
            Member::hashed("driver.sys", &sys, true, h),
            Member::hashed("driver.inf", &inf, false, h),
            Member::hashed("readme.txt", &readme, false, h),
        ]
    };
    let chain: &[&crate::pki::Cert] = &[&p.inter];
    let signer = Some((&p.leaf_key, &p.leaf, chain));
    let (sha1_members, sha256_members) = (members(Hash::Sha1), members(Hash::Sha256));
    let member_count = sha1_members.len();
    let sha1_list = catalog_list(&sha1_members, Hash::Sha1, 1);
    let sha256_list = catalog_list(&sha256_members, Hash::Sha256, 2);
    let mut catalogs = Vec::new();
    let mut put = |file: &str, bytes: Vec<u8>, status: Status, why: &str| {
        std::fs::write(dir.join(file), &bytes).expect("write catalog");
        catalogs.push(CatalogVector {
            file: file.into(),
            members: member_count,
            sha256: hex::encode(Hash::Sha256.digest(&bytes)),
            status,
            why: why.into(),
        });
    };
    put(
        "driver.cat",
        sign::signed_list(&sha1_list, signer),
        Status::Valid,
        "member version 1, SHA-1 hashes (PE: Authenticode digest; INF, text: flat), signed by the test leaf",
    );
    put(
        "driver-sha256.cat",
        sign::signed_list(&sha256_list, signer),
        Status::Valid,
        "member version 2, SHA-256 hashes, signed by the test leaf",
    );
    put(
        "unsigned.cat",
        sign::signed_list(&sha1_list, None),
        Status::Unsigned,
        "the SHA-1 list with no SignerInfo, as makecat writes it before signing",
    );
    let mut broken = sign::signed_list(&sha256_list, signer);
    let last = broken.len() - 1;
    broken[last] ^= 0x01;
    put(
        "signature-broken.cat",
        broken,
        Status::Invalid,
        "the SHA-256 catalog with the last byte of its RSA signature flipped",
    );
    // driver.inf's SHA-256 member hash changed after signing: the list no longer matches
    // its messageDigest, and the member no longer matches the file.
    let mut changed = sign::signed_list(&sha256_list, signer);
    let inf_hash = Hash::Sha256.digest(&inf);
    let at = changed
        .windows(inf_hash.len())
        .rposition(|w| w == inf_hash.as_slice())
        .expect("member hash in the catalog");
    changed[at] ^= 0x01;
    put(
        "member-hash-changed.cat",
        changed,
        Status::Invalid,
        "the SHA-256 catalog with driver.inf's member hash changed after signing",
    );
    let manifest = CatalogsManifest {
        catalogs,
        evaluated_at: crate::vectors::EVALUATED_AT.into(),
        files: catalogued_files(),
        generator: crate::vectors::GENERATOR.into(),
        trust: vec!["pki/root.crt".into()],
    };
    manifest::write(&dir.join("manifest.json"), &manifest);
}

/// A catalog whose signature is timestamped by a TSA under a root the trust (pki/root.crt)
/// lacks, and a file it lists (catalog-timestamp/): the file is valid through the catalog,
/// as the catalog is, and what both name as missing is that root (`tsa-root.crt`, written
/// beside them), needed by the timestamp of signature 0 — a catalog signature's chains are
/// planned like an embedded signature's (issue 28).
pub(crate) fn write_timestamped(dir: &Path, p: &'static Pki) {
    use crate::pki::{ca_spec, issue, CertSpec, Key, EKU_TIME_STAMPING};
    std::fs::create_dir_all(dir).expect("catalog-timestamp dir");
    let root_key = Key::rsa(include_str!("../keys/ca-tsaca.pem"));
    let root = issue(
        &ca_spec(0x7001, "Authverify Test Catalog Timestamp Root", None),
        &root_key,
        None,
    );
    let tsa = issue(
        &CertSpec {
            serial: 0x7002,
            subject: "Authverify Test Catalog TSA",
            not_before: unix(2025, 1, 1),
            not_after: unix(2030, 1, 1),
            ca: None,
            eku: &[EKU_TIME_STAMPING],
            hash: Hash::Sha256,
        },
        &p.tsa_key,
        Some((&root, &root_key)),
    );
    let listed = b"listed by timestamped.cat\r\n".to_vec();
    let members = [Member::hashed("listed.txt", &listed, false, Hash::Sha256)];
    let timestamp = sign::Timestamp {
        kind: sign::TimestampKind::Rfc3161,
        key: &p.tsa_key,
        cert: &tsa,
        time: unix(2026, 3, 2),
        wrong_imprint: false,
        chain: &[],
    };
    let chain: &[&crate::pki::Cert] = &[&p.inter];
    let catalog = sign::signed_list_timestamped(
        &catalog_list(&members, Hash::Sha256, 4),
        Some((&p.leaf_key, &p.leaf, chain)),
        Some(&timestamp),
    );
    for (file, bytes) in [
        ("timestamped.cat", catalog.as_slice()),
        ("listed.txt", &listed),
        ("tsa-root.crt", &root.der),
    ] {
        std::fs::write(dir.join(file), bytes).expect("write catalog-timestamp vector");
    }
}

/// A catalog listing `members` (hashes in `h`, given), signed by the test leaf: what
/// `authverify-testgen catalog` writes for scripts/make-container-vectors.py, whose cabinets
/// and packages only osslsigncode and the script can hash independently.
pub fn signed_catalog(members: &[Member], h: Hash) -> Vec<u8> {
    let p = crate::vectors::build_pki();
    let chain: &[&crate::pki::Cert] = &[&p.inter];
    sign::signed_list(&catalog_list(members, h, 3), Some((&p.leaf_key, &p.leaf, chain)))
}
