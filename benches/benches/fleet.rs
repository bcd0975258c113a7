//! The fleet path over small files (issue 32): a folder walked, each file opened and read
//! once, verified on 1 or 2 threads, and every report written as a JSON line (to a sink),
//! in path order through `stream::verify_ordered_events`. 500 files of
//! `authverify-testgen small-set` (8–23 KB, one RSA-4096 signature each, chain cached after
//! the first file); `scripts/bench-smallfiles.sh` compares the same work with OpenSSL.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use authverify::{Policy, TrustStore, UnixTime, Verifier};
use authverify_fleet::output::json;
use authverify_fleet::stream::{self, Printed, Walk};

const FILES: usize = 500;

fn fleet(c: &mut Criterion) {
    let cache = std::env::var_os("AUTHVERIFY_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/authverify"));
    let set = authverify_testgen::bench_set::ensure_kind(
        &cache.join(format!("small-set-{FILES}")),
        FILES,
        authverify_testgen::bench_set::Kind::Small,
    )
    .expect("small set");
    let at: UnixTime = authverify_testgen::bench_set::AT.parse().expect("time");
    let mut trust = TrustStore::builtin();
    trust.load_anchors(&set.root_pem).expect("root");
    let verifier = Verifier::new(trust, Policy::windows());
    let dir = set.dir.join("files");
    let run = |jobs: usize| {
        let mut out = std::io::sink();
        let mut valid = 0usize;
        let inputs = stream::inputs(std::slice::from_ref(&dir), &Walk::default());
        stream::verify_ordered_events(inputs, &verifier, at, jobs, |event| match event {
            Printed::Result(r) => {
                valid += usize::from(r.status() == authverify::FileStatus::Valid);
                json::line(&mut out, &r)
            }
            Printed::Waiting => Ok(()),
        })
        .expect("sink");
        valid
    };
    assert_eq!(run(1), FILES, "every file of the set is valid");
    let mut g = c.benchmark_group("fleet_small_500");
    g.throughput(Throughput::Elements(u64::try_from(FILES).unwrap_or(u64::MAX)));
    g.sample_size(10);
    for jobs in [1, 2] {
        g.bench_function(format!("{jobs}_thread"), |b| b.iter(|| run(jobs)));
    }
    g.finish();
}

criterion_group!(benches, fleet);
criterion_main!(benches);
