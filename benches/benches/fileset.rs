//! The file-set benchmarks of issue 7 over the generated set (see `file_set`):
//! (b) verify every file, one thread and all cores; (c) cold vs warm caches; (d) parse only.
//! Run: `cargo bench -p authverify-benches --bench fileset` (AUTHVERIFY_BENCH_FILES=N for a
//! smaller set).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use authverify::cert_table::CertTableIter;
use authverify::{FileStatus, PeImage, Policy, TrustStore, UnixTime, Verifier};
use authverify_benches::file_set;

fn trust(root_pem: &std::path::Path) -> TrustStore {
    let mut t = TrustStore::new();
    t.load_anchors(root_pem).expect("bench root");
    t
}

fn fileset(c: &mut Criterion) {
    let set = file_set();
    let at: UnixTime = authverify_testgen::bench_set::AT.parse().expect("time");
    let trust = trust(&set.root_pem);
    let verifier = Verifier::new(trust.clone(), Policy::windows());
    // Every file must verify: a benchmark of failures would measure the wrong thing.
    let statuses = verifier.verify_paths(&set.files, at);
    assert!(statuses
        .iter()
        .all(|r| r.as_ref().is_ok_and(|r| r.status == FileStatus::Valid)));

    let mut g = c.benchmark_group(format!("verify_{}_files", set.files.len()));
    g.throughput(Throughput::Bytes(set.bytes));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    g.bench_function("1_thread", |b| {
        b.iter(|| one.install(|| verifier.verify_paths(&set.files, at)))
    });
    let all = rayon::ThreadPoolBuilder::new().build().expect("pool");
    g.bench_function(format!("{}_threads", all.current_num_threads()), |b| {
        b.iter(|| all.install(|| verifier.verify_paths(&set.files, at)))
    });
    g.finish();

    // (c) The first 500 files with fresh caches each time (cold) and with a verifier that
    // has seen them (warm), in memory so that I/O does not blur the difference.
    let small: Vec<Vec<u8>> = set
        .files
        .iter()
        .take(500)
        .map(|f| std::fs::read(f).expect("read"))
        .collect();
    let bytes: u64 = small.iter().map(|b| b.len() as u64).sum();
    let mut g = c.benchmark_group("chain_cache_500_files");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);
    g.bench_function("cold", |b| {
        b.iter(|| {
            let v = Verifier::new(trust.clone(), Policy::windows());
            small.iter().filter(|f| v.verify_bytes(f, at).is_ok()).count()
        })
    });
    let warm = Verifier::new(trust.clone(), Policy::windows());
    small.iter().for_each(|f| drop(warm.verify_bytes(f, at)));
    g.bench_function("warm", |b| {
        b.iter(|| small.iter().filter(|f| warm.verify_bytes(f, at).is_ok()).count())
    });
    g.finish();

    // (d) Headers and certificate table only, no hashing.
    let mut g = c.benchmark_group("parse_only_500_files");
    g.throughput(Throughput::Elements(small.len() as u64));
    g.bench_function("headers_and_cert_table", |b| {
        b.iter(|| {
            small
                .iter()
                .filter_map(|f| PeImage::parse(f).ok())
                .map(|img| CertTableIter::new(&img).filter(Result::is_ok).count())
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, fileset);
criterion_main!(benches);
