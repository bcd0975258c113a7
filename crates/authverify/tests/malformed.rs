//! Every malformed-input path returns a typed error or a typed finding; nothing panics.

mod common;

use authverify::error::{CertTableError, ImageError};
use authverify::{Error, FileStatus, Policy, Rule, TrustStore, UnixTime, Verifier};

fn valid_vector() -> Vec<u8> {
    std::fs::read(common::vectors_dir().join("pe32plus-rsa2048-sha256.exe")).expect("vector")
}

fn verify(bytes: &[u8]) -> Result<authverify::FileReport, Error> {
    Verifier::new(TrustStore::builtin(), Policy::windows()).verify_bytes(bytes, UnixTime::from_secs(1_780_272_000))
}

fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Offsets in the generated PE32+ layout: e_lfanew 0x80, optional header at 0x98.
const SECDIR: usize = 0x98 + 144;

#[test]
fn empty_and_tiny_inputs() {
    assert_eq!(verify(&[]).unwrap_err(), Error::Image(ImageError::TooSmall { len: 0 }));
    assert_eq!(
        verify(&[b'M', b'Z', 0, 0]).unwrap_err(),
        Error::Image(ImageError::TooSmall { len: 4 })
    );
    assert_eq!(verify(&[0u8; 64]).unwrap_err(), Error::Image(ImageError::NotMz));
}

#[test]
fn truncated_headers_at_every_length() {
    let v = valid_vector();
    // Every prefix shorter than the end of the security directory entry is a typed image
    // error; none panics.
    for len in 0..SECDIR + 8 {
        match verify(&v[..len]) {
            Err(Error::Image(_)) => {}
            other => panic!("prefix of {len} bytes: {other:?}"),
        }
    }
}

#[test]
fn e_lfanew_past_eof() {
    let mut v = valid_vector();
    put32(&mut v, 0x3c, 0xffff_fff0);
    assert!(matches!(
        verify(&v),
        Err(Error::Image(ImageError::LfanewOutOfRange {
            e_lfanew: 0xffff_fff0,
            ..
        }))
    ));
}

#[test]
fn security_directory_past_eof_or_into_headers() {
    let mut v = valid_vector();
    let len = v.len() as u32;
    put32(&mut v, SECDIR + 4, len);
    assert!(matches!(
        verify(&v),
        Err(Error::Image(ImageError::CertTableOutOfRange { .. }))
    ));
    let mut v = valid_vector();
    put32(&mut v, SECDIR, 0x10);
    assert!(matches!(
        verify(&v),
        Err(Error::Image(ImageError::CertTableOutOfRange { offset: 0x10, .. }))
    ));
    let mut v = valid_vector();
    put32(&mut v, SECDIR + 4, 0);
    assert!(matches!(
        verify(&v),
        Err(Error::Image(ImageError::HalfEmptySecurityDirectory { .. }))
    ));
}

fn table_offset(v: &[u8]) -> usize {
    u32::from_le_bytes(v[SECDIR..SECDIR + 4].try_into().unwrap()) as usize
}

#[test]
fn dw_length_too_small_or_overflowing() {
    for bad in [0u32, 7] {
        let mut v = valid_vector();
        let t = table_offset(&v);
        put32(&mut v, t, bad);
        assert!(
            matches!(verify(&v), Err(Error::CertTable(CertTableError::LengthTooSmall { length, .. })) if length == bad)
        );
    }
    for bad in [u32::MAX, u32::MAX - 6, 0x8000_0000] {
        let mut v = valid_vector();
        let t = table_offset(&v);
        put32(&mut v, t, bad);
        assert!(
            matches!(verify(&v), Err(Error::CertTable(CertTableError::PastTableEnd { .. }))),
            "dwLength {bad:#x}"
        );
    }
}

#[test]
fn garbage_pkcs7_is_an_invalid_signature_with_a_reason() {
    let mut v = valid_vector();
    let t = table_offset(&v);
    for b in &mut v[t + 8..t + 40] {
        *b = 0x5a;
    }
    let report = verify(&v).expect("table still walks");
    assert_eq!(report.status, FileStatus::Invalid);
    let err = report.signatures[0].error.as_ref().expect("error");
    assert_eq!(err.rule, Rule::SignatureUnreadable);
    assert!(err.detail.contains("ContentInfo"), "{err}");
}

#[test]
fn truncated_pkcs7_is_an_invalid_signature() {
    let mut v = valid_vector();
    let t = table_offset(&v);
    let old = u32::from_le_bytes(v[t..t + 4].try_into().unwrap());
    // Shorten dwLength (and the table and file with it): the ContentInfo's DER length now
    // runs past bCertificate.
    let new_len = old - 100;
    let rounded = (new_len as usize).div_ceil(8) * 8;
    put32(&mut v, t, new_len);
    v.truncate(t + rounded);
    put32(&mut v, SECDIR + 4, rounded as u32);
    let report = verify(&v).expect("table still walks");
    assert_eq!(report.status, FileStatus::Invalid);
    assert!(
        report.signatures[0]
            .error
            .as_ref()
            .is_some_and(|e| e.rule == Rule::SignatureUnreadable && e.detail.contains("truncated")),
        "{:?}",
        report.signatures[0].error
    );
}

#[test]
fn every_single_byte_truncation_of_the_table_is_handled() {
    let v = valid_vector();
    let t = table_offset(&v);
    let dw_length = u32::from_le_bytes(v[t..t + 4].try_into().unwrap()) as usize;
    // Cut the file at every byte inside the table (the directory size following it). What
    // each cut must give follows from the WIN_CERTIFICATE layout: fewer bytes than its
    // header are stray bytes; fewer than dwLength, an entry past the table's end; only
    // padding cut leaves the signature whole.
    let mut checked = 0;
    for cut in t + 1..v.len() {
        let mut w = v[..cut].to_vec();
        let size = cut - t;
        put32(&mut w, SECDIR + 4, size as u32);
        let result = verify(&w);
        match (size, &result) {
            (1..=7, Err(Error::CertTable(CertTableError::StrayBytes { len, offset }))) => {
                assert_eq!((*len as usize, *offset as usize), (size, t), "cut {cut}");
            }
            (8.., Err(Error::CertTable(CertTableError::PastTableEnd { length, table_end, .. })))
                if size < dw_length =>
            {
                assert_eq!((*length as usize, *table_end as usize), (dw_length, cut), "cut {cut}");
            }
            (_, Ok(report)) if size >= dw_length => {
                // The builtin anchors do not hold the test root: whole and untrusted.
                assert_eq!(report.status, FileStatus::Untrusted, "cut {cut}");
                assert!(report.signatures[0].digest_matches && report.signatures[0].signature_valid);
            }
            other => panic!("cut {cut} (table of {size} bytes, dwLength {dw_length}): {other:?}"),
        }
        checked += 1;
    }
    assert_eq!(checked, v.len() - t - 1);
    assert!(
        v.len() - t > dw_length,
        "the vector's table is padded, so one cut keeps it whole"
    );
}

#[test]
fn non_pkcs7_entries_are_reported_not_skipped_silently() {
    let mut v = valid_vector();
    let t = table_offset(&v);
    v[t + 6] = 1; // WIN_CERT_TYPE_X509
    let report = verify(&v).expect("verify");
    assert_eq!(report.status, FileStatus::Unsigned);
    assert!(
        report.notes.iter().any(|n| n.rule == Rule::TableEntryNotPkcs7),
        "{:?}",
        report.notes
    );
}
