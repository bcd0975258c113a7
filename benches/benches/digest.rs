//! (a) Authenticode digest throughput vs raw SHA-256 over the same bytes; (d) parse-only
//! throughput; one full verification of a signed vector.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sha2::Digest as _;

use authverify::{DigestAlgorithm, PeImage, Policy, TrustStore, UnixTime, Verifier};
use authverify_benches::{big_unsigned_pe, vectors_dir};

fn digest(c: &mut Criterion) {
    let image = big_unsigned_pe(256 << 20);
    let mut g = c.benchmark_group("digest_256MiB");
    g.throughput(Throughput::Bytes(image.len() as u64));
    g.sample_size(10);
    g.bench_function("raw_sha256", |b| b.iter(|| sha2::Sha256::digest(&image)));
    g.bench_function("authenticode_sha256", |b| {
        b.iter(|| PeImage::parse(&image).map(|p| p.authenticode_digests(&[DigestAlgorithm::Sha256])))
    });
    g.bench_function("authenticode_sha1_and_sha256_one_pass", |b| {
        b.iter(|| {
            PeImage::parse(&image).map(|p| p.authenticode_digests(&[DigestAlgorithm::Sha1, DigestAlgorithm::Sha256]))
        })
    });
    g.finish();
}

fn parse_and_verify(c: &mut Criterion) {
    let signed = std::fs::read(vectors_dir().join("pe32plus-rsa2048-sha256.exe")).unwrap_or_default();
    let mut trust = TrustStore::new();
    let _ = trust.load_anchors(&vectors_dir().join("pki/root.crt"));
    let verifier = Verifier::new(trust, Policy::windows());
    let at = UnixTime::from_secs(1_780_272_000);
    c.bench_function("parse_headers", |b| {
        b.iter(|| PeImage::parse(&signed).map(|p| p.cert_table()))
    });
    c.bench_function("verify_signed_vector_rsa2048", |b| {
        b.iter(|| verifier.verify_bytes(&signed, at))
    });
}

criterion_group!(benches, digest, parse_and_verify);
criterion_main!(benches);
