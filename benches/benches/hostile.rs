//! How long each hostile input takes to verify (issue 8 asks < 100 ms each): the committed
//! vectors of test-vectors/hostile/ and those built on demand (10,000 certificates in one
//! SignedData, signatures nested 1,000 deep, and issue 14's amplification classes: 4,096
//! overlapping sections under 64 page-hashed signatures, a cabinet whose 64 folders share
//! one stream). Run:
//! `cargo bench -p authverify-benches --bench hostile -- --warm-up-time 1 --measurement-time 2`.

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};

use authverify::{Certificate, Policy, TrustStore, UnixTime, Verifier};
use authverify_benches::vectors_dir;

fn verifier(root_der: &[u8]) -> Verifier {
    let mut trust = TrustStore::new();
    trust.add_anchor(Arc::new(Certificate::from_der(root_der).expect("root")));
    Verifier::new(trust, Policy::windows())
}

fn hostile(c: &mut Criterion) {
    let at: UnixTime = "2026-06-01T00:00:00Z".parse().expect("time");
    let mut g = c.benchmark_group("hostile");
    g.sample_size(10);
    let many = authverify_testgen::hostile_big::many_certificates(10_000);
    let deep = authverify_testgen::hostile_big::deep_nesting(1_000);
    let overlapping = authverify_testgen::hostile_big::overlapping_sections(4096, 1 << 20, 64);
    let bomb_dir = std::env::temp_dir().join(format!("authverify-bench-cab-{}", std::process::id()));
    std::fs::create_dir_all(&bomb_dir).expect("mkdir");
    let bomb = bomb_dir.join("authrootstl.cab");
    std::fs::write(&bomb, authverify_testgen::hostile_big::cabinet_bomb(64, 2000)).expect("write");
    g.bench_function("cabinet_64_folders_one_stream", |b| {
        b.iter(|| TrustStore::new().load(&bomb, authverify::Role::Anchors))
    });
    for (name, h) in [
        ("10000_certificates", &many),
        ("nested_1000_deep", &deep),
        ("overlapping_sections_4096_x64_page_hashed", &overlapping),
    ] {
        // A fresh verifier each time: no cache carries work between iterations.
        g.bench_function(name, |b| b.iter(|| verifier(&h.root_der).verify_bytes(&h.image, at)));
    }
    let root = std::fs::read(vectors_dir().join("pki/root.crt")).expect("root");
    let mut files: Vec<_> = std::fs::read_dir(vectors_dir().join("hostile"))
        .expect("hostile vectors")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "exe"))
        .collect();
    files.sort();
    for f in files {
        let bytes = std::fs::read(&f).expect("read");
        let name = f.file_stem().and_then(|s| s.to_str()).unwrap_or("vector").to_string();
        g.bench_function(name, |b| b.iter(|| verifier(&root).verify_bytes(&bytes, at)));
    }
    g.finish();
}

criterion_group!(benches, hostile);
criterion_main!(benches);
