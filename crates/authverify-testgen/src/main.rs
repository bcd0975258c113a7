//! authverify-testgen: writes the signed test vectors and their manifest (the library's
//! `vectors::write_all`), or with `bench-set DIR N` / `hostile-big DIR` the large inputs
//! that are not committed.
//!
//! Usage: `cargo run -p authverify-testgen -- [OUT_DIR]` (default: test-vectors).

use std::path::PathBuf;

fn main() {
    // `bench-set DIR N`: the benchmark file set (issue 7), not committed.
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("bench-set") {
        let dir = PathBuf::from(args.get(2).map_or("target/bench-set", String::as_str));
        let count = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(10_000);
        let set = authverify_testgen::bench_set::ensure(&dir, count).expect("write the bench set");
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
    let dir = args.get(1).map_or_else(|| PathBuf::from("test-vectors"), PathBuf::from);
    authverify_testgen::vectors::write_all(&dir);
}
