//! The benchmark file set of issue 7: N signed PE images of 100 KB–1 MB, RSA-2048 and
//! RSA-4096 leaves under a 3-certificate chain (leaf, intermediate, root), each with an
//! RFC 3161 timestamp; 30% also carry a nested SHA-1 signature next to the SHA-256 one.
//! Deterministic: the same count gives the same bytes. Written into a cache directory on
//! first use, never committed.

use std::path::{Path, PathBuf};

use crate::asn1::unix;
use crate::pe;
use crate::pki::{ca_spec, issue, leaf_spec, CertSpec, Hash, Key, EKU_TIME_STAMPING};
use crate::sign::{self, Signer, Timestamp, TimestampKind};

/// What was written.
pub struct BenchSet {
    /// The directory holding `files/` and `root.pem`.
    pub dir: PathBuf,
    /// The signed images, in order.
    pub files: Vec<PathBuf>,
    /// The root to trust (PEM).
    pub root_pem: PathBuf,
    /// Total bytes of the images.
    pub bytes: u64,
}

/// The evaluation time the set is valid at.
pub const AT: &str = "2026-06-01T00:00:00Z";

fn leak<T>(v: T) -> &'static T {
    Box::leak(Box::new(v))
}

/// Which set: the mixed set of issue 7, or the small-file set of issue 32.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 100 KB–1 MB images, RSA-2048 and RSA-4096 leaves, timestamps, 30% nested SHA-1.
    Mixed,
    /// 8–23 KB images, every one signed by the RSA-4096 leaf, SHA-256, no timestamp and no
    /// nested signature: per file, exactly one RSA-4096 verification and SHA-256 of the
    /// file once the chain is cached, so that OpenSSL's cost of the same work is
    /// `openssl speed rsa4096` plus hashing the bytes (issue 32's per-file overhead).
    Small,
}

/// Writes (or reuses) a set of `count` files under `dir`.
pub fn ensure(dir: &Path, count: usize) -> std::io::Result<BenchSet> {
    ensure_kind(dir, count, Kind::Mixed)
}

/// Writes (or reuses) a set of `count` files of `kind` under `dir`.
pub fn ensure_kind(dir: &Path, count: usize, kind: Kind) -> std::io::Result<BenchSet> {
    let files_dir = dir.join("files");
    let done = dir.join(format!("complete-{count}"));
    let files: Vec<PathBuf> = (0..count).map(|i| files_dir.join(format!("f{i:05}.exe"))).collect();
    let root_pem = dir.join("root.pem");
    if !done.exists() {
        std::fs::create_dir_all(&files_dir)?;
        write(&files, &root_pem, kind)?;
        std::fs::write(&done, b"")?;
    }
    let bytes = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()))
        .sum::<std::io::Result<u64>>()?;
    Ok(BenchSet {
        dir: dir.to_path_buf(),
        files,
        root_pem,
        bytes,
    })
}

fn write(files: &[PathBuf], root_pem: &Path, kind: Kind) -> std::io::Result<()> {
    let small = kind == Kind::Small;
    let root_key = leak(Key::rsa(include_str!("../keys/root-rsa2048.pem")));
    let inter_key = leak(Key::rsa(include_str!("../keys/inter-rsa2048.pem")));
    let leaf_key = leak(Key::rsa(include_str!("../keys/leaf-rsa2048.pem")));
    let leaf4096_key = leak(Key::rsa(include_str!("../keys/leaf-rsa4096.pem")));
    let tsa_key = leak(Key::rsa(include_str!("../keys/tsa-rsa2048.pem")));
    let ca = ca_spec;
    let root = leak(issue(&ca(0xb001, "Authverify Bench Root CA", None), root_key, None));
    let inter = leak(issue(
        &ca(0xb002, "Authverify Bench Code Signing CA", Some(0)),
        inter_key,
        Some((root, root_key)),
    ));
    let leaf = |serial, subject, key| {
        leak(issue(
            &leaf_spec(serial, subject, unix(2025, 1, 1), unix(2028, 1, 1)),
            key,
            Some((inter, inter_key)),
        ))
    };
    let leaf2048 = leaf(0xb003, "Authverify Bench Signer RSA-2048", leaf_key);
    let leaf4096 = leaf(0xb004, "Authverify Bench Signer RSA-4096", leaf4096_key);
    let tsa = leak(issue(
        &CertSpec {
            serial: 0xb005,
            subject: "Authverify Bench TSA",
            not_before: unix(2019, 1, 1),
            not_after: unix(2040, 1, 1),
            ca: None,
            eku: &[EKU_TIME_STAMPING],
            hash: Hash::Sha256,
        },
        tsa_key,
        Some((root, root_key)),
    ));
    std::fs::write(root_pem, crate::pki::pem(&root.der))?;
    for (i, path) in files.iter().enumerate() {
        let i = i as u64;
        // 100 KB to 1 MB, spread deterministically.
        let size = if small {
            8 * 1024 + ((i.wrapping_mul(2_654_435_761) % 16) as usize) * 1024
        } else {
            100 * 1024 + ((i.wrapping_mul(2_654_435_761) % 925) as usize) * 1024
        };
        let unsigned = pe::build(&pe::PeSpec {
            pe32_plus: !i.is_multiple_of(3),
            data_len: size,
            seed: 0x5eed ^ i,
            overlay: 0,
        });
        let (key, cert) = if small || i.is_multiple_of(5) {
            (leaf4096_key, leaf4096)
        } else {
            (leaf_key, leaf2048)
        };
        let timestamp = |hash_time| Timestamp {
            kind: TimestampKind::Rfc3161,
            key: tsa_key,
            cert: tsa,
            time: hash_time,
            wrong_imprint: false,
            chain: &[],
        };
        let signer = |hash| Signer {
            hash,
            timestamp: (!small).then(|| timestamp(unix(2026, 3, 1) + i)),
            ..Signer::new(key, cert, vec![cert, inter])
        };
        let primary = signer(Hash::Sha256);
        let bytes = if !small && i % 10 < 3 {
            // 30%: a SHA-1 signature nested in the SHA-256 one (signtool /as).
            let nested = signer(Hash::Sha1);
            sign::sign(&unsigned, &primary, &[&nested])
        } else {
            sign::sign(&unsigned, &primary, &[])
        };
        std::fs::write(path, bytes)?;
    }
    Ok(())
}
