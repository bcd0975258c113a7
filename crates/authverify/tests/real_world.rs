//! Real signed files (test-vectors/real-world/corpus.tsv, fetched by pinned version by
//! scripts/fetch-real-world.py; skipped with a printed count when absent).

mod common;

use authverify::report::{TimeSource, TimestampKind};
use authverify::{FileStatus, Policy, Rule, TrustStore, UnixTime, Verifier};

/// Pinned verification time: the day this corpus was last reviewed.
const AT: u64 = 1_795_564_800; // 2026-11-25T00:00:00Z

fn builtin() -> Verifier {
    Verifier::new(TrustStore::builtin(), Policy::windows())
}

#[test]
fn expired_signers_with_valid_timestamps_are_judged_at_the_timestamp() {
    let test = "expired_signers_with_valid_timestamps_are_judged_at_the_timestamp";
    let Some(verified) = common::verify_real_world(test, &builtin(), UnixTime::from_secs(AT)) else {
        return;
    };
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
    assert!(seen >= 10, "only {seen} expired signers with valid timestamps seen");
}

#[test]
fn node_exe_azure_trusted_signing_is_valid_against_the_builtin_anchors() {
    let (files, _) = common::real_world_files();
    let Some((path, _)) = files
        .iter()
        .find(|(p, _)| p.ends_with("node-win-x86-22.23.2__node.exe"))
    else {
        return common::skip_file(
            "node_exe_azure_trusted_signing_is_valid_against_the_builtin_anchors",
            "node.exe",
        );
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
    let Some(verified) =
        common::verify_real_world("legacy_countersignatures_verify", &builtin(), UnixTime::from_secs(AT))
    else {
        return;
    };
    let mut bare = 0;
    let mut pkcs9 = 0;
    for (path, report) in &verified {
        for s in &report.signatures {
            let Some(ts) = s.timestamp.as_ref().filter(|t| t.kind == TimestampKind::Pkcs9) else {
                continue;
            };
            pkcs9 += 1;
            assert!(
                !ts.notes.iter().any(|n| n.detail.starts_with("timestamp signature")),
                "{} sig {}: countersignature does not verify: {:?}",
                path.display(),
                s.index,
                ts.notes
            );
            if ts.notes.iter().any(|n| n.rule == Rule::AllowLegacyCountersignatureHash) {
                bare += 1;
                assert!(ts.valid, "{}: {:?}", path.display(), ts.notes);
            }
        }
    }
    assert!(pkcs9 >= 10, "{pkcs9} PKCS#9 countersignatures");
    assert_eq!(
        bare, 2,
        "the two Symantec Time Stamping Services Signer - G4 countersignatures"
    );
}

#[test]
fn shim_reports_both_certificate_table_entries() {
    let (files, _) = common::real_world_files();
    let Some((path, _)) = files
        .iter()
        .find(|(p, _)| p.to_string_lossy().ends_with("__shimx64.efi.signed"))
    else {
        return common::skip_file("shim_reports_both_certificate_table_entries", "shimx64.efi.signed");
    };
    let report = builtin()
        .verify_bytes(&std::fs::read(path).expect("read"), UnixTime::from_secs(AT))
        .expect("verify");
    let entries: Vec<usize> = report.signatures.iter().map(|s| s.table_entry).collect();
    assert_eq!(entries, vec![0, 1]);
    assert!(report.signatures.iter().all(|s| s.digest_matches && s.signature_valid));
}

#[test]
fn real_files_get_their_recorded_verdicts_under_both_presets() {
    let expected = std::fs::read_to_string(common::repo_root().join("test-vectors/real-world/expected.tsv"))
        .expect("expected.tsv");
    let Some(files) = common::real_world_files_or_skip("real_files_get_their_recorded_verdicts_under_both_presets")
    else {
        return;
    };
    // The manifest's trust: the built-in certificate set plus the UEFI db certificates.
    let mut trust = TrustStore::builtin();
    trust
        .load(&common::vectors_dir().join("trust/uefi-db"), authverify::Role::Anchors)
        .expect("uefi-db");
    let windows = Verifier::new(trust.clone(), Policy::windows());
    let strict = Verifier::new(trust, Policy::strict());
    let verdict = |v: &Verifier, bytes: &[u8]| {
        let report = v.verify_bytes(bytes, UnixTime::from_secs(AT)).expect("verify");
        let chain = report
            .signatures
            .first()
            .and_then(|s| s.chain.as_ref())
            .map_or("-", |c| c.status.name());
        (format!("{}/{chain}", report.status.as_str()), report.status)
    };
    let mut errors = Vec::new();
    let mut checked = 0;
    let rows: Vec<&str> = expected
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("file\t"))
        .collect();
    assert_eq!(rows.len(), common::real_world_corpus_len(), "one row per corpus file");
    for line in rows {
        let cols: Vec<&str> = line.split('\t').collect();
        let (name, want_windows, want_strict) = (cols[0], cols[1], cols[2]);
        assert!(cols.len() == 5 && !cols[4].is_empty(), "{name}: a reason per file");
        let Some((path, corpus_row)) = files
            .iter()
            .find(|(p, _)| p.file_name().and_then(|n| n.to_str()) == Some(name))
        else {
            continue;
        };
        let bytes = std::fs::read(path).expect("read");
        let (got_windows, status) = verdict(&windows, &bytes);
        let (got_strict, _) = verdict(&strict, &bytes);
        if got_windows != want_windows || got_strict != want_strict {
            errors.push(format!(
                "{name}: windows {got_windows} strict {got_strict}, expected {want_windows} / {want_strict} ({})",
                cols[4]
            ));
        }
        // Independent truth: the corpus says which files are signed.
        let signed = corpus_row.split('\t').nth(5) == Some("y");
        if signed == (status == FileStatus::Unsigned) {
            errors.push(format!("{name}: corpus says signed={signed}, we say {got_windows}"));
        }
        checked += 1;
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(checked, files.len(), "every fetched file has a recorded verdict");
}
