//! authverify-testgen: writes the signed test vectors and their manifest (the library's
//! `vectors::write_all`), or with `bench-set DIR N` / `hostile-big DIR` / `msi-entries DIR N` the large
//! inputs that are not committed; with `catalog OUT.cat sha1|sha256 NAME:KIND:HEX...` a catalog
//! listing the given hashes, signed by the test leaf (for scripts/make-container-vectors.py);
//! with `sip-signature OUT.der GUID VERSION sha1|sha256 HEX` a signature over a digest a
//! script SIP computed (for scripts/make-script-vectors.py).
//!
//! Usage: `cargo run -p authverify-testgen -- [OUT_DIR]` (default: test-vectors).

use std::path::PathBuf;

fn main() {
    // `bench-set DIR N`: the benchmark file set (issue 7), not committed.
    let args: Vec<String> = std::env::args().collect();
    // `small-set DIR N`: small files, one RSA-4096 signature each (issue 32).
    let which = args.get(1).map(String::as_str);
    if which == Some("bench-set") || which == Some("small-set") {
        use authverify_testgen::bench_set::{ensure_kind, Kind};
        let kind = if which == Some("small-set") {
            Kind::Small
        } else {
            Kind::Mixed
        };
        let dir = PathBuf::from(args.get(2).map_or("target/bench-set", String::as_str));
        let count = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(10_000);
        let set = ensure_kind(&dir, count, kind).expect("write the bench set");
        println!(
            "{} files, {} bytes in {} (trust {})",
            set.files.len(),
            set.bytes,
            set.dir.display(),
            set.root_pem.display()
        );
        return;
    }
    // `hostile-big DIR`: the amplification inputs of issue 14, for measuring peak RSS with
    // the CLI (`/usr/bin/time -v`); not committed (the tests build them in memory).
    if args.get(1).map(String::as_str) == Some("hostile-big") {
        let dir = PathBuf::from(args.get(2).map_or("target/hostile-big", String::as_str));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let h = authverify_testgen::hostile_big::overlapping_sections(4096, 1 << 20, 64);
        std::fs::write(dir.join("overlapping-sections.exe"), &h.image).expect("write");
        std::fs::write(dir.join("root.crt"), &h.root_der).expect("write");
        let bomb = authverify_testgen::hostile_big::cabinet_bomb(64, 2000);
        std::fs::write(dir.join("authrootstl.cab"), &bomb).expect("write");
        println!(
            "wrote overlapping-sections.exe, root.crt, authrootstl.cab to {}",
            dir.display()
        );
        return;
    }
    // `msi-entries DIR N`: a signed MSI package with N empty streams (issue 27, peak RSS of
    // a large directory), and the root it is valid under.
    if args.get(1).map(String::as_str) == Some("msi-entries") {
        let dir = PathBuf::from(args.get(2).map_or("target/msi-entries", String::as_str));
        let count = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let h = authverify_testgen::hostile_big::many_entries_package(count);
        std::fs::write(dir.join("many-entries.msi"), &h.image).expect("write");
        std::fs::write(dir.join("root.crt"), &h.root_der).expect("write");
        println!(
            "wrote many-entries.msi ({count} empty streams) and root.crt to {}",
            dir.display()
        );
        return;
    }
    if args.get(1).map(String::as_str) == Some("sip-signature") {
        write_sip_signature(args.get(2..).unwrap_or_default());
        return;
    }
    if args.get(1).map(String::as_str) == Some("catalog") {
        write_catalog(args.get(2..).unwrap_or_default());
        return;
    }
    let dir = args.get(1).map_or_else(|| PathBuf::from("test-vectors"), PathBuf::from);
    authverify_testgen::vectors::write_all(&dir);
}

/// `catalog OUT.cat HASH NAME:KIND:HEX...`: KIND is `pe`, `flat`, `cab` or `msi`, HEX the
/// member's hash in HASH (`sha1` or `sha256`), computed by the caller.
fn write_catalog(args: &[String]) {
    use authverify_testgen::catalogs::{signed_catalog, Listed, Member};
    let usage = "usage: authverify-testgen catalog OUT.cat sha1|sha256 NAME:KIND:HEX...";
    let [out, hash, members @ ..] = args else {
        panic!("{usage}")
    };
    let h = match hash.as_str() {
        "sha1" => authverify_testgen::catalogs::Hash::Sha1,
        "sha256" => authverify_testgen::catalogs::Hash::Sha256,
        other => panic!("{other}: not sha1 or sha256; {usage}"),
    };
    let members: Vec<Member> = members
        .iter()
        .map(|m| {
            let mut parts = m.rsplitn(3, ':');
            let (Some(digest), Some(kind), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
                panic!("{m}: not NAME:KIND:HEX; {usage}")
            };
            Member {
                name: name.into(),
                listed: Listed::from_name(kind).unwrap_or_else(|| panic!("{kind}: not pe, flat, cab or msi")),
                digest: hex::decode(digest).unwrap_or_else(|e| panic!("{digest}: {e}")),
            }
        })
        .collect();
    std::fs::write(out, signed_catalog(&members, h)).unwrap_or_else(|e| panic!("{out}: {e}"));
}

/// `sip-signature OUT.der GUID VERSION HASH HEX`: a PKCS#7 signed by the test leaf whose
/// SpcIndirectDataContent names the SIP `GUID` (32 hex digits, as SpcSipInfo stores it) and
/// carries `HEX`, the digest in `HASH` (`sha1` or `sha256`) the caller computed.
fn write_sip_signature(args: &[String]) {
    let usage = "usage: authverify-testgen sip-signature OUT.der GUID VERSION sha1|sha256 HEX";
    let [out, guid, version, hash, digest] = args else {
        panic!("{usage}")
    };
    let guid: [u8; 16] = hex::decode(guid)
        .ok()
        .and_then(|g| g.try_into().ok())
        .unwrap_or_else(|| panic!("{guid}: not 16 bytes of hex; {usage}"));
    let version: u64 = version.parse().unwrap_or_else(|e| panic!("{version}: {e}; {usage}"));
    let digest = hex::decode(digest).unwrap_or_else(|e| panic!("{digest}: {e}"));
    let der = authverify_testgen::scripts::sip_signature(&guid, version, hash, &digest)
        .unwrap_or_else(|| panic!("{hash}: not sha1 or sha256; {usage}"));
    std::fs::write(out, der).unwrap_or_else(|e| panic!("{out}: {e}"));
}
