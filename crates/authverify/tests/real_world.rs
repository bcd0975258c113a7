//! Real signed files (test-vectors/real-world/corpus.tsv, fetched by pinned version by
//! scripts/fetch-real-world.py; skipped with a printed count when absent).

mod common;

use std::process::Command;

use authverify::report::{TimeSource, TimestampKind};
use authverify::{FileStatus, Policy, TrustStore, UnixTime, Verifier};

/// Pinned verification time: the day this corpus was last reviewed.
const AT: u64 = 1_795_564_800; // 2026-11-25T00:00:00Z

fn builtin() -> Verifier {
    Verifier::new(TrustStore::builtin(), Policy::windows())
}

/// "Jul  4 07:28:23 2020 GMT" → Unix seconds.
fn parse_openssl_time(s: &str) -> Option<u64> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == parts[0])?
        + 1;
    let day: u8 = parts[1].parse().ok()?;
    let hms: Vec<u8> = parts[2].split(':').map(|x| x.parse().ok()).collect::<Option<_>>()?;
    let year: u16 = parts[3].parse().ok()?;
    let rfc = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        hms[0], hms[1], hms[2]
    );
    rfc.parse::<UnixTime>().ok().map(UnixTime::as_secs)
}

/// Per osslsigncode "Signature Index" block, the timestamp time it prints (if any).
fn osslsigncode_timestamp_times(path: &std::path::Path) -> Option<Vec<Option<u64>>> {
    let text = common::osslsigncode_verify(path)?;
    let mut blocks: Vec<Option<u64>> = Vec::new();
    for line in text.lines() {
        if line.starts_with("Signature Index:") {
            blocks.push(None);
        } else if let Some(t) = line.trim().strip_prefix("Timestamp time: ") {
            if let Some(last) = blocks.last_mut() {
                if last.is_none() {
                    *last = parse_openssl_time(t);
                }
            }
        }
    }
    Some(blocks)
}

#[test]
fn timestamp_times_agree_with_osslsigncode_to_the_second() {
    if Command::new("osslsigncode").arg("--version").output().is_err() {
        eprintln!("SKIPPED: osslsigncode not installed");
        return;
    }
    let (files, missing) = common::real_world_files();
    eprintln!("real-world: {} files, {missing} not fetched", files.len());
    let verifier = builtin();
    let mut compared = 0;
    let mut errors = Vec::new();
    for (path, _) in &files {
        let bytes = std::fs::read(path).expect("read");
        let Ok(report) = verifier.verify_bytes(&bytes, UnixTime::from_secs(AT)) else {
            continue;
        };
        let ours: Vec<Option<u64>> = report
            .signatures
            .iter()
            .filter(|s| common::nesting_depth(&report.signatures, s) <= 1)
            .map(|s| s.timestamp.as_ref().and_then(|t| t.time).map(UnixTime::as_secs))
            .collect();
        let theirs = osslsigncode_timestamp_times(path).unwrap_or_default();
        if theirs.is_empty() {
            continue; // osslsigncode reads no signature here (docs/conformance.md)
        }
        if ours != theirs {
            errors.push(format!("{}: ours {ours:?} vs osslsigncode {theirs:?}", path.display()));
        }
        compared += ours.iter().flatten().count();
    }
    eprintln!("real-world: {compared} timestamp times agree with osslsigncode");
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    if !files.is_empty() {
        assert!(compared >= 30, "only {compared} timestamps compared");
    }
}

#[test]
fn expired_signers_with_valid_timestamps_are_judged_at_the_timestamp() {
    let verified = common::verify_real_world(&builtin(), UnixTime::from_secs(AT));
    let mut seen = 0;
    for (path, report) in &verified {
        for s in &report.signatures {
            let (Some(ts), Some(signer), Some(at)) = (&s.timestamp, &s.signer, &s.evaluated_at) else {
                continue;
            };
            if ts.valid && signer.not_after.as_secs() < AT {
                seen += 1;
                assert_eq!(
                    at.source,
                    TimeSource::Timestamp,
                    "{} sig {}: {at:?}",
                    path.display(),
                    s.index
                );
                assert_eq!(Some(at.time), ts.time);
            }
        }
    }
    if !verified.is_empty() {
        assert!(seen >= 10, "only {seen} expired signers with valid timestamps seen");
    }
}

#[test]
fn node_exe_azure_trusted_signing_is_valid_against_the_builtin_anchors() {
    let (files, _) = common::real_world_files();
    let Some((path, _)) = files
        .iter()
        .find(|(p, _)| p.ends_with("node-win-x86-22.23.2__node.exe"))
    else {
        eprintln!("SKIPPED: node.exe not fetched");
        return;
    };
    let report = builtin()
        .verify_bytes(&std::fs::read(path).expect("read"), UnixTime::from_secs(AT))
        .expect("verify");
    assert_eq!(report.status, FileStatus::Valid, "{report:#?}");
    let s = &report.signatures[0];
    let chain = s.chain.as_ref().expect("chain");
    let top = chain.certificates.last().expect("anchor");
    assert_eq!(
        top.sha1, "f40042e2e5f7e8ef8189fed15519aece42c3bfa2",
        "Microsoft Identity Verification Root CA 2020"
    );
    assert!(
        chain.certificates.iter().any(|c| c.subject.contains("AOC CA 03")),
        "{chain:#?}"
    );
    let ts = s.timestamp.as_ref().expect("timestamp");
    assert!(ts.valid);
    assert_eq!(s.evaluated_at.as_ref().map(|e| e.source), Some(TimeSource::Timestamp));
    // The 3-day leaf has long expired at the verification time.
    assert!(s.signer.as_ref().expect("signer").not_after.as_secs() < AT);
}

#[test]
fn legacy_countersignatures_verify() {
    let verified = common::verify_real_world(&builtin(), UnixTime::from_secs(AT));
    let mut bare = 0;
    let mut pkcs9 = 0;
    for (path, report) in &verified {
        for s in &report.signatures {
            let Some(ts) = s.timestamp.as_ref().filter(|t| t.kind == TimestampKind::Pkcs9) else {
                continue;
            };
            pkcs9 += 1;
            assert!(
                !ts.notes.iter().any(|n| n.starts_with("timestamp signature")),
                "{} sig {}: countersignature does not verify: {:?}",
                path.display(),
                s.index,
                ts.notes
            );
            if ts.notes.iter().any(|n| n.contains("bare hash")) {
                bare += 1;
                assert!(ts.valid, "{}: {:?}", path.display(), ts.notes);
            }
        }
    }
    if !verified.is_empty() {
        assert!(pkcs9 >= 10, "{pkcs9} PKCS#9 countersignatures");
        assert_eq!(
            bare, 2,
            "the two Symantec Time Stamping Services Signer - G4 countersignatures"
        );
    }
}

#[test]
fn shim_reports_both_certificate_table_entries() {
    let (files, _) = common::real_world_files();
    let Some((path, _)) = files.iter().find(|(p, _)| p.ends_with("shimx64.efi.signed")) else {
        eprintln!("SKIPPED: shimx64.efi.signed not fetched");
        return;
    };
    let report = builtin()
        .verify_bytes(&std::fs::read(path).expect("read"), UnixTime::from_secs(AT))
        .expect("verify");
    let entries: Vec<usize> = report.signatures.iter().map(|s| s.table_entry).collect();
    assert_eq!(entries, vec![0, 1]);
    assert!(report.signatures.iter().all(|s| s.digest_matches && s.signature_valid));
}

#[test]
fn real_files_get_their_recorded_verdicts() {
    let expected = std::fs::read_to_string(common::repo_root().join("test-vectors/real-world/expected.tsv"))
        .expect("expected.tsv");
    let (files, _) = common::real_world_files();
    let verifier = builtin();
    let mut errors = Vec::new();
    let mut checked = 0;
    for line in expected
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("file\t"))
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let (name, status, chain) = (cols[0], cols[1], cols[2]);
        let Some((path, corpus_row)) = files
            .iter()
            .find(|(p, _)| p.file_name().and_then(|n| n.to_str()) == Some(name))
        else {
            continue;
        };
        let report = verifier
            .verify_bytes(&std::fs::read(path).expect("read"), UnixTime::from_secs(AT))
            .expect("verify");
        let got_status = format!("{:?}", report.status).to_lowercase();
        let got_chain = report
            .signatures
            .first()
            .and_then(|s| s.chain.as_ref())
            .map_or("-", |c| c.status.name());
        if got_status != status || got_chain != chain {
            errors.push(format!(
                "{name}: {got_status}/{got_chain}, expected {status}/{chain} ({})",
                cols[3]
            ));
        }
        // Independent truth: the corpus says which files are signed.
        let signed = corpus_row.split('\t').nth(5) == Some("y");
        if signed == (report.status == FileStatus::Unsigned) {
            errors.push(format!("{name}: corpus says signed={signed}, we say {got_status}"));
        }
        checked += 1;
    }
    eprintln!("real-world: {checked} recorded verdicts checked");
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}
