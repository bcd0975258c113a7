//! Issue 14, "inputs that change under us": `Verifier::verify_reader` reads with ordinary
//! reads, gives the same report as `verify_bytes` on the same bytes (small files read whole,
//! large ones in parts with streamed digests and page hashes), and reports a file that is
//! rewritten or truncated while it is read as `Error::Changed`, never a verdict.

mod common;

use std::io::Cursor;
use std::sync::Arc;

use authverify::{Certificate, Error, FileStatus, Policy, TrustStore, Verifier, READ_WHOLE_LIMIT};

fn verifier(root_der: &[u8]) -> Verifier {
    let mut trust = TrustStore::new();
    trust.add_anchor(Arc::new(Certificate::from_der(root_der).expect("root")));
    Verifier::new(trust, Policy::windows())
}

fn at() -> authverify::UnixTime {
    "2026-06-01T00:00:00Z".parse().expect("time")
}

#[test]
fn a_large_file_read_in_parts_gets_the_report_of_its_bytes() {
    let h = authverify_testgen::hostile_big::large_signed(12 << 20);
    assert!(h.image.len() as u64 > READ_WHOLE_LIMIT, "takes the streaming path");
    let v = verifier(&h.root_der);
    let from_bytes = v.verify_bytes(&h.image, at()).expect("bytes");
    assert_eq!(from_bytes.status, FileStatus::Valid, "{:?}", from_bytes.notes);
    assert!(from_bytes.signatures[0]
        .page_hashes
        .as_ref()
        .is_some_and(|p| p.matches && p.pages > 3000));
    let from_reader = v.verify_reader(&mut Cursor::new(&h.image), at()).expect("reader");
    assert_eq!(from_reader, from_bytes);
}

#[test]
fn a_small_file_is_read_whole_and_gets_the_report_of_its_bytes() {
    let h = authverify_testgen::hostile_big::large_signed(64 << 10);
    let v = verifier(&h.root_der);
    let from_reader = v.verify_reader(&mut Cursor::new(&h.image), at()).expect("reader");
    assert_eq!(from_reader, v.verify_bytes(&h.image, at()).expect("bytes"));
    assert_eq!(from_reader.status, FileStatus::Valid);
}

#[test]
fn a_file_rewritten_or_truncated_while_read_is_reported_changed() {
    let h = authverify_testgen::hostile_big::large_signed(12 << 20);
    let v = verifier(&h.root_der);
    // Headers rewritten after the head was read (the digest then reads other bytes).
    let mut r = common::changing(&h.image, 4 << 20, |f| f[0x40] ^= 0xff);
    match v.verify_reader(&mut r, at()) {
        Err(Error::Changed { detail }) => assert!(detail.contains("differ"), "{detail}"),
        other => panic!("rewritten headers: {:?}", other.map(|r| r.status)),
    }
    // Truncated in the middle of the digest.
    let mut r = common::changing(&h.image, 6 << 20, |f| f.truncate(5 << 20));
    assert!(
        matches!(v.verify_reader(&mut r, at()), Err(Error::Changed { .. })),
        "truncated file"
    );
    // Grown at the end.
    let mut r = common::changing(&h.image, 6 << 20, |f| f.extend_from_slice(&[0; 4096]));
    assert!(
        matches!(v.verify_reader(&mut r, at()), Err(Error::Changed { .. })),
        "grown file"
    );
    // A small file truncated while it is read whole.
    let small = authverify_testgen::hostile_big::large_signed(64 << 10);
    let mut r = common::changing(&small.image, 1, |f| f.truncate(1000));
    assert!(matches!(
        verifier(&small.root_der).verify_reader(&mut r, at()),
        Err(Error::Changed { .. })
    ));
}
