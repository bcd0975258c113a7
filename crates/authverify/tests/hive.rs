//! Issue 16: an offline machine's registry hive as trust. test-vectors/registry/*.hiv were
//! written by libhivex (`scripts/make-test-hive.py`) from the committed `reg export`, so the
//! truth each hive must give is that export's: the same certificates in the same roles,
//! the same verdicts, and for SOFTWARE.hiv the real authroot.stl as `EncodedCtl`.
//! Variants Windows writes and hivex does not (big data records, a hive copied while in
//! use) and hostile ones are made here by editing the hivex output.

mod common;

use authverify::error::TrustError;
use authverify::fuzzing::{parse_material, read_cabinet};
use authverify::trust::{Role, TrustMaterial};
use authverify::{Policy, TrustStore, Verifier};

fn registry(name: &str) -> Vec<u8> {
    std::fs::read(common::vectors_dir().join("registry").join(name)).expect(name)
}

fn export_of(bytes: &[u8], name: &str) -> authverify::registry::RegistryExport {
    match parse_material(bytes, name) {
        Ok(TrustMaterial::Registry(export)) => export,
        Ok(_) => panic!("{name}: not read as registry material"),
        Err(e) => panic!("{name}: {e}"),
    }
}

/// Certificates as (role, DER, key path below the store parent) sorted, to compare sources.
fn certificates(export: &authverify::registry::RegistryExport) -> Vec<(String, Vec<u8>, String)> {
    let mut out: Vec<_> = export
        .certificates
        .iter()
        .map(|(role, cert, key)| {
            // The .reg names keys from HKEY_LOCAL_MACHINE\SOFTWARE, the hives from their root.
            let key = key.to_ascii_lowercase();
            let tail = key
                .split_once("microsoft\\")
                .map_or(key.clone(), |(_, t)| t.to_string());
            (format!("{role:?}"), cert.der().to_vec(), tail)
        })
        .collect();
    out.sort();
    out
}

fn authroot_stl() -> Vec<u8> {
    let cab = std::fs::read(common::vectors_dir().join("trust/authrootstl.cab")).expect("cab");
    let members = read_cabinet(&cab, "authrootstl.cab").expect("cabinet");
    members.into_iter().find(|(n, _)| n.ends_with(".stl")).expect("stl").1
}

#[test]
fn a_hive_holds_what_the_export_holds() {
    let reg = export_of(&registry("system-certificates.reg"), "system-certificates.reg");
    assert_eq!(reg.certificates.len(), 3);
    let stl = authroot_stl();
    let TrustMaterial::TrustList(direct) = parse_material(&stl, "authroot.stl").expect("stl") else {
        panic!("not a trust list");
    };
    for name in ["SOFTWARE.hiv", "NTUSER.hiv"] {
        let hive = export_of(&registry(name), name);
        assert_eq!(certificates(&hive), certificates(&reg), "{name}");
        assert_eq!(hive.ignored.len(), reg.ignored.len(), "{name}: {:?}", hive.ignored);
        assert!(hive.ignored[0]
            .0
            .ends_with(r"SystemCertificates\My\Certificates\06A8BE2301B2F0309777D2076AA9D35089877435"));
        assert!(hive.warnings.is_empty(), "{name}: {:?}", hive.warnings);
        if name == "SOFTWARE.hiv" {
            // 204,675 bytes in one value: read whole and parsed as the same list.
            assert_eq!(hive.trust_lists.len(), 1);
            let (list, key) = &hive.trust_lists[0];
            assert_eq!(key, r"Microsoft\SystemCertificates\AuthRoot\AutoUpdate");
            assert_eq!(list.sequence_number, direct.sequence_number);
            assert_eq!(list.this_update, direct.this_update);
            assert_eq!(list.entries.len(), direct.entries.len());
            assert!(list.entries.len() > 400, "{}", list.entries.len());
        } else {
            assert!(hive.trust_lists.is_empty());
            assert!(
                hive.certificates.iter().all(|(_, _, k)| k.starts_with(r"SOFTWARE\")),
                "{:?}",
                hive.certificates.iter().map(|c| &c.2).collect::<Vec<_>>()
            );
        }
    }
}

#[test]
fn a_hive_gives_the_verdicts_of_the_export() {
    let m = common::manifest();
    let at = common::manifest_time(&m);
    let verifier = |name: &str| {
        let mut store = TrustStore::new();
        let summary = store
            .load(&common::vectors_dir().join("registry").join(name), Role::Distrusted)
            .expect(name);
        assert_eq!(
            (summary.anchors, summary.intermediates, summary.distrusted),
            (1, 1, 1),
            "{name}"
        );
        Verifier::new(store, Policy::windows())
    };
    let by_reg = verifier("system-certificates.reg");
    let by_hives = [verifier("SOFTWARE.hiv"), verifier("NTUSER.hiv")];
    let mut checked = 0;
    for v in &m.vectors {
        let file = common::vectors_dir().join(&v.file);
        let want = format!("{:?}", by_reg.verify_path(&file, at).map(|r| r.status));
        for by_hive in &by_hives {
            let got = format!("{:?}", by_hive.verify_path(&file, at).map(|r| r.status));
            assert_eq!(got, want, "{}", file.display());
            checked += 1;
        }
    }
    assert!(checked >= 60, "{checked}");
}

// ---- editing hivex's output --------------------------------------------------------------

const BASE: usize = 4096;

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// The cell offset (from the hive bins) of the record with `signature` whose name, at
/// `name_at` within the record, is `name` (Latin-1, as hivex writes ASCII names).
fn record(hive: &[u8], signature: &[u8; 2], name_at: usize, name: &str) -> u32 {
    let needle = name.as_bytes();
    for at in (BASE..hive.len() - name_at - needle.len()).step_by(8) {
        // Cells are 8-aligned; the record follows the 4-byte size.
        let rec = at + 4;
        if &hive[rec..rec + 2] == signature && &hive[rec + name_at..rec + name_at + needle.len()] == needle {
            return (at - BASE) as u32;
        }
    }
    panic!("no {} record named {name}", String::from_utf8_lossy(signature));
}

/// Appends a hive bin holding `cells` (payloads; each gets its size header) and returns
/// their cell offsets.
fn append_bin(hive: &mut Vec<u8>, cells: &[Vec<u8>]) -> Vec<u32> {
    let bins = u32_at(hive, 0x28) as usize;
    assert_eq!(hive.len(), BASE + bins, "hivex writes no trailing data");
    let mut body = Vec::new();
    let mut offsets = Vec::new();
    for payload in cells {
        let size = (payload.len() + 4).div_ceil(8) * 8;
        offsets.push((bins + 32 + body.len()) as u32);
        body.extend_from_slice(&(-(size as i32)).to_le_bytes());
        body.extend_from_slice(payload);
        body.resize(body.len() + size - 4 - payload.len(), 0);
    }
    let bin_size = (32 + body.len() + 8).div_ceil(4096) * 4096;
    let free = bin_size - 32 - body.len();
    let mut bin = b"hbin".to_vec();
    bin.extend_from_slice(&(bins as u32).to_le_bytes());
    bin.extend_from_slice(&(bin_size as u32).to_le_bytes());
    bin.resize(32, 0);
    bin.extend_from_slice(&body);
    bin.extend_from_slice(&(free as i32).to_le_bytes());
    bin.resize(bin_size, 0);
    hive.extend_from_slice(&bin);
    put_u32(hive, 0x28, (bins + bin_size) as u32);
    authverify::fuzzing::fix_hive_checksum(hive);
    offsets
}

/// SOFTWARE.hiv with `EncodedCtl` moved into big data segments, as Windows stores values
/// over 16,344 bytes in hives of version 1.4 and later.
fn with_big_data(segment: usize) -> Vec<u8> {
    let mut hive = registry("SOFTWARE.hiv");
    let stl = authroot_stl();
    let vk = record(&hive, b"vk", 20, "EncodedCtl") as usize;
    assert_eq!(u32_at(&hive, BASE + vk + 4 + 4) as usize, stl.len());
    let parts: Vec<Vec<u8>> = stl.chunks(segment).map(<[u8]>::to_vec).collect();
    let count = parts.len();
    let segments = append_bin(&mut hive, &parts);
    let list: Vec<u8> = segments.iter().flat_map(|o| o.to_le_bytes()).collect();
    let list_offset = append_bin(&mut hive, &[list])[0];
    let mut db = b"db".to_vec();
    db.extend_from_slice(&(count as u16).to_le_bytes());
    db.extend_from_slice(&list_offset.to_le_bytes());
    let db_offset = append_bin(&mut hive, &[db])[0];
    put_u32(&mut hive, BASE + vk + 4 + 8, db_offset);
    authverify::fuzzing::fix_hive_checksum(&mut hive);
    hive
}

#[test]
fn big_data_records_are_read_as_one_value() {
    let hive = with_big_data(16_344);
    let export = export_of(&hive, "big-data.hiv");
    let direct = export_of(&registry("SOFTWARE.hiv"), "SOFTWARE.hiv");
    assert_eq!(export.trust_lists.len(), 1);
    assert_eq!(export.trust_lists[0].0.entries, direct.trust_lists[0].0.entries);
    assert_eq!(certificates(&export), certificates(&direct));
    // Segments shorter than 16,344 bytes do not hold the value: a typed error, not a
    // shorter list.
    match parse_material(&with_big_data(16_000), "short-segments.hiv") {
        Err(TrustError::Hive { detail, offset, .. }) => {
            assert!(detail.contains("EncodedCtl") && detail.contains("big data"), "{detail}");
            assert!(offset > 4096);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_hive_copied_while_in_use_loads_with_a_warning() {
    let mut hive = registry("NTUSER.hiv");
    let primary = u32_at(&hive, 4);
    put_u32(&mut hive, 8, primary + 1);
    authverify::fuzzing::fix_hive_checksum(&mut hive);
    let path = std::env::temp_dir().join(format!("authverify-dirty-{}.hiv", std::process::id()));
    std::fs::write(&path, &hive).unwrap();
    let mut store = TrustStore::new();
    let summary = store.load(&path, Role::Anchors);
    std::fs::remove_file(&path).ok();
    let summary = summary.expect("a dirty hive still loads");
    assert_eq!((summary.anchors, summary.intermediates, summary.distrusted), (1, 1, 1));
    assert_eq!(summary.warnings.len(), 1, "{:?}", summary.warnings);
    assert!(
        summary.warnings[0].contains("copied while in use"),
        "{}",
        summary.warnings[0]
    );
    assert!(summary.warnings[0].contains(".LOG1"), "{}", summary.warnings[0]);
}

fn hive_error(bytes: &[u8], case: &str) -> (u64, String) {
    match parse_material(bytes, case) {
        Err(TrustError::Hive { offset, detail, path }) => {
            assert_eq!(path, case);
            (offset, detail)
        }
        other => panic!("{case}: {other:?}"),
    }
}

#[test]
fn damaged_hives_are_typed_errors_with_the_offset() {
    let good = registry("NTUSER.hiv");
    let mut bad_sum = good.clone();
    bad_sum[0x30] ^= 1;
    let (offset, detail) = hive_error(&bad_sum, "checksum");
    assert_eq!(offset, 0x1fc);
    assert!(detail.contains("checksum"), "{detail}");

    let mut log = good.clone();
    put_u32(&mut log, 0x1c, 1);
    authverify::fuzzing::fix_hive_checksum(&mut log);
    assert!(hive_error(&log, "log").1.contains("transaction log"));

    let (offset, detail) = hive_error(&good[..good.len() - 4096], "truncated");
    assert_eq!(offset, 0x28);
    assert!(detail.contains("truncated"), "{detail}");

    // A subkey list entry pointing past the bins, and one pointing at a free cell.
    let certs = record(&good, b"nk", 76, "Certificates") as usize;
    let list = u32_at(&good, BASE + certs + 4 + 28) as usize;
    for (target, want) in [
        (0x7fff_fff0u32, "past the hive bins"),
        ((good.len() - BASE - 8) as u32, "free"),
    ] {
        let mut h = good.clone();
        put_u32(&mut h, BASE + list + 4 + 4, target);
        let (offset, detail) = hive_error(&h, want);
        assert!(detail.contains(want), "{detail}");
        assert_eq!(offset, u64::from(target) + 4096);
    }

    // Not a hive at all beyond its signature.
    assert!(hive_error(b"regf", "short").1.contains("base block truncated"));
}

/// Every prefix of a real hive, and every byte of its first bins flipped: an answer for
/// each, never a panic (the fuzz target `registry_hive` does the same at random).
#[test]
fn every_prefix_and_flipped_byte_is_handled() {
    let good = registry("NTUSER.hiv");
    let mut answers = 0;
    for len in (0..good.len()).step_by(61) {
        let mut h = good[..len].to_vec();
        authverify::fuzzing::fix_hive_checksum(&mut h);
        assert!(parse_material(&h, "prefix").is_err(), "{len}");
        answers += 1;
    }
    let mut loaded = 0;
    for at in BASE..good.len() {
        let mut h = good.clone();
        h[at] ^= 0x5a;
        loaded += usize::from(parse_material(&h, "flipped").is_ok());
        answers += 1;
    }
    assert!(answers > 12_000, "{answers}");
    // Flips in padding, timestamps and unused fields change nothing.
    assert!(loaded > 1_000, "{loaded}");
}

/// A crafted key lists one store 65,535 times: each visit reads the store's certificates
/// again, so the walk would cost far more than the file's size. The budget stops it with a
/// typed error.
#[test]
fn keys_that_repeat_cells_run_out_of_budget() {
    let mut hive = registry("SOFTWARE.hiv");
    let parent = record(&hive, b"nk", 76, "SystemCertificates") as usize;
    let root_store = record(&hive, b"nk", 76, "ROOT");
    let mut lf = b"lf".to_vec();
    lf.extend_from_slice(&u16::MAX.to_le_bytes());
    for _ in 0..u16::MAX {
        lf.extend_from_slice(&root_store.to_le_bytes());
        lf.extend_from_slice(b"ROOT");
    }
    let list = append_bin(&mut hive, &[lf])[0];
    put_u32(&mut hive, BASE + parent + 4 + 20, u32::from(u16::MAX));
    put_u32(&mut hive, BASE + parent + 4 + 28, list);
    authverify::fuzzing::fix_hive_checksum(&mut hive);
    let (_, detail) = hive_error(&hive, "repeated");
    assert!(detail.contains("over and over"), "{detail}");
}
