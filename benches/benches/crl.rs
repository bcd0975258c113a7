//! What revocation checking adds per file (issue 30): the same signed vector verified with
//! no list, with the 301-entry list that revokes its signer (test-vectors/crl/many-entries.crl),
//! and with a list of the root's that lists another certificate (the path is checked, nothing
//! found). The verifier is reused, as a fleet run does: each list's signature is checked
//! once per issuer, then each certificate of each path is a binary search.

use criterion::{criterion_group, criterion_main, Criterion};

use authverify::{Policy, TrustStore, UnixTime, Verifier};

fn crl(c: &mut Criterion) {
    let vectors = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-vectors");
    let at: UnixTime = "2026-06-01T00:00:00Z".parse().expect("time");
    let data = std::fs::read(vectors.join("pe32plus-rsa2048-sha256.exe")).expect("vector");
    let mut g = c.benchmark_group("crl");
    for (name, list) in [
        ("no_list", None),
        ("revoked_among_301", Some("crl/many-entries.crl")),
        ("checked_not_listed", Some("crl/tsa-revoked-2021.crl")),
    ] {
        let mut trust = TrustStore::new();
        trust.load_anchors(&vectors.join("pki/root.crt")).expect("root");
        if let Some(list) = list {
            trust.load_crls(&vectors.join(list)).expect("crl");
        }
        let verifier = Verifier::new(trust, Policy::windows());
        let report = verifier.verify_bytes(&data, at).expect("verify");
        eprintln!("crl/{name}: {:?}", report.status);
        g.bench_function(name, |b| b.iter(|| verifier.verify_bytes(&data, at)));
    }
    g.finish();
}

criterion_group!(benches, crl);
criterion_main!(benches);
