//! Every generated vector gets the verdict its construction implies (test-vectors/manifest.json,
//! written by authverify-testgen, never by running this crate).

mod common;

use authverify::{ChainStatus, Effect, FileStatus, PeImage, Rule};
use authverify_testgen::manifest::{ExpectedPageHashes, ExpectedSignature, Vector, VectorManifest};

/// Mismatches against the manifest, collected so that one run lists them all.
struct Checks<'a> {
    file: &'a str,
    failures: &'a mut Vec<String>,
}

impl Checks<'_> {
    fn check(&mut self, what: &str, ok: bool, detail: String) {
        if !ok {
            self.failures.push(format!("{}: {what}: {detail}", self.file));
        }
    }
}

#[test]
fn vectors_match_manifest() {
    let m = common::manifest();
    let verifier = common::manifest_verifier(&m);
    let at = common::manifest_time(&m);
    assert!(m.vectors.len() >= 14, "manifest lists {} vectors", m.vectors.len());
    let mut failures = Vec::new();
    for v in &m.vectors {
        let file = v.file.as_str();
        let bytes = std::fs::read(common::vectors_dir().join(file)).expect("vector file");
        let report = verifier
            .verify_bytes(&bytes, at)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let mut c = Checks {
            file,
            failures: &mut failures,
        };
        c.check(
            "status",
            FileStatus::as_str(report.status) == v.status.as_str(),
            format!("{:?} vs {:?}", report.status, v.status),
        );
        check_signatures(&mut c, &report, v, &m);
        check_missing(&mut c, &report, v);
        if let Some(d) = &v.unsigned_digests {
            let image = PeImage::parse(&bytes).expect("parse");
            for (alg, name) in [
                (authverify::DigestAlgorithm::Sha1, "sha1"),
                (authverify::DigestAlgorithm::Sha256, "sha256"),
            ] {
                let got = hex::encode(&image.authenticode_digests(&[alg])[0].1);
                c.check("unsigned digest", Some(&got) == d.get(name), got.clone());
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Each signature as the generator built it: count (and the error of one past the nesting
/// limit), digests, signer signature, chain, page hashes, timestamp.
fn check_signatures(c: &mut Checks<'_>, report: &authverify::FileReport, v: &Vector, m: &VectorManifest) {
    let expected = &v.signatures;
    let want_count = expected.len() + usize::from(v.extra_signature_error.is_some());
    c.check(
        "signature count",
        report.signatures.len() == want_count,
        format!("{} vs {want_count}", report.signatures.len()),
    );
    if let Some(want) = &v.extra_signature_error {
        let last = report.signatures.last().and_then(|s| s.error.as_ref());
        let ok = last.is_some_and(|e| {
            e.rule.as_str() == want.rule && e.effect.as_str() == want.effect && e.detail.contains(&want.detail_contains)
        });
        c.check("extra signature error", ok, format!("{last:?}"));
    }
    for (got, want) in report.signatures.iter().zip(expected) {
        c.check(
            "nested_in",
            got.nested_in == want.nested_in,
            format!("{:?}", got.nested_in),
        );
        c.check(
            "digest_algorithm",
            got.digest_algorithm.as_deref() == Some(want.digest_algorithm.as_str()),
            format!("{:?}", got.digest_algorithm),
        );
        c.check(
            "computed_digest",
            got.computed_digest.as_deref() == Some(want.computed_digest.as_str()),
            format!("{:?}", got.computed_digest),
        );
        c.check(
            "digest_matches",
            got.digest_matches == want.digest_matches,
            format!("{}", got.digest_matches),
        );
        c.check(
            "signature_valid",
            got.signature_valid == want.signature_valid,
            format!("{} {:?}", got.signature_valid, got.notes),
        );
        let chain = got.chain.as_ref().map(|c| c.status.name());
        c.check(
            "chain_status",
            chain == Some(want.chain_status.as_str()),
            format!("{chain:?}"),
        );
        // Page hashes: present exactly when the generator wrote them, with its page count
        // and whether they match.
        let got_pages = got.page_hashes.as_ref().map(|p| ExpectedPageHashes {
            algorithm: p.algorithm.to_string(),
            matches: p.matches,
            pages: p.pages,
        });
        c.check("page_hashes", got_pages == want.page_hashes, format!("{got_pages:?}"));
        check_timestamp(c, got, want, m);
    }
}

/// The timestamp's kind, time and validity, and the instant the chain was judged at: the
/// timestamp's when it is valid (and the leaf lacks the lifetime EKU), else the
/// verification time.
fn check_timestamp(
    c: &mut Checks<'_>,
    got: &authverify::SignatureReport,
    want: &ExpectedSignature,
    m: &VectorManifest,
) {
    match (&got.timestamp, &want.timestamp) {
        (None, None) => {}
        (Some(t), Some(w)) => {
            let kind = t.kind.as_str();
            c.check("timestamp kind", kind == w.kind, kind.to_string());
            let time = t.time.map(|t| t.to_string());
            c.check(
                "timestamp time",
                time.as_deref() == Some(w.time.as_str()),
                format!("{time:?}"),
            );
            c.check(
                "timestamp valid",
                t.valid == w.valid,
                format!("{} {:?}", t.valid, t.notes),
            );
            let at = got.evaluated_at.as_ref().map(|e| e.time.to_string());
            if t.valid && !c.file.starts_with("lifetime") {
                c.check("evaluated at the timestamp", at == time, format!("{at:?}"));
            } else {
                c.check(
                    "evaluated at the verification time",
                    at.as_deref() == Some(m.evaluated_at.as_str()),
                    format!("{at:?}"),
                );
            }
        }
        (got_ts, want_ts) => c.check("timestamp presence", false, format!("{got_ts:?} vs {want_ts:?}")),
    }
}

/// What to install: count, subject, key id and store of each.
fn check_missing(c: &mut Checks<'_>, report: &authverify::FileReport, v: &Vector) {
    let want_missing = &v.missing;
    c.check(
        "missing count",
        report.missing.len() == want_missing.len(),
        format!("{:?}", report.missing),
    );
    for (got, want) in report.missing.iter().zip(want_missing) {
        let cn = want
            .subject_cn
            .as_deref()
            .expect("the core vectors name missing issuers by CN");
        c.check(
            "missing subject",
            got.subject.contains(&format!("CN={cn}")),
            got.subject.clone(),
        );
        c.check(
            "missing key id",
            got.key_id.as_deref() == Some(want.key_id.as_str()),
            format!("{:?}", got.key_id),
        );
        c.check(
            "missing store",
            format!("{:?}", got.store).to_lowercase() == want.store,
            format!("{:?}", got.store),
        );
    }
}

#[test]
fn trusting_the_root_differently_changes_the_verdict() {
    // The same valid vector against the built-in certificate set (which lacks the test root) must
    // name the test root as missing: it is embedded nowhere, so the chain stops at the
    // intermediate whose issuer nobody has.
    let m = common::manifest();
    let bytes = std::fs::read(common::vectors_dir().join("pe32plus-rsa2048-sha256.exe")).expect("vector");
    let verifier = authverify::Verifier::new(authverify::TrustStore::builtin(), authverify::Policy::windows());
    let report = verifier
        .verify_bytes(&bytes, common::manifest_time(&m))
        .expect("verify");
    assert_eq!(report.status, FileStatus::Untrusted);
    let chain = report.signatures[0].chain.as_ref().expect("chain");
    // Nobody knows the test root: its store cannot be told (issue 13, never guess).
    assert_eq!(chain.status, ChainStatus::MissingIssuer);
    assert_eq!(report.missing[0].store, authverify::Store::Unknown);
    assert!(
        report.missing[0].subject.contains("CN=Authverify Test Root CA"),
        "{:?}",
        report.missing
    );
}

#[test]
fn expired_vector_is_valid_when_judged_inside_its_validity() {
    let m = common::manifest();
    let verifier = common::manifest_verifier(&m);
    let bytes = std::fs::read(common::vectors_dir().join("expired-no-timestamp.exe")).expect("vector");
    let report = verifier
        .verify_bytes(&bytes, "2020-06-01T00:00:00Z".parse().expect("time"))
        .expect("verify");
    assert_eq!(report.status, FileStatus::Valid);
}

#[test]
fn generator_is_deterministic() {
    // Regenerate the whole tree in this process and compare every file the generator
    // writes, byte for byte, with the committed one: the manifests' verdicts are only
    // meaningful for the files they describe, and a file the generator no longer writes
    // the same way is drift.
    let out = tempfile::tempdir().expect("tempdir");
    authverify_testgen::vectors::write_all(out.path());
    let mut compared = 0;
    let mut drift = Vec::new();
    let mut dirs = vec![out.path().to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let rel = path.strip_prefix(out.path()).expect("inside");
            let shipped = std::fs::read(common::vectors_dir().join(rel)).unwrap_or_default();
            if shipped != std::fs::read(&path).expect("fresh") {
                drift.push(rel.display().to_string());
            }
            compared += 1;
        }
    }
    assert!(
        drift.is_empty(),
        "differ from a fresh generation (run cargo run -p authverify-testgen): {drift:?}"
    );
    // Every vector of the three manifests, the PKI, the chains' certificates and CTLs,
    // the registry exports: 118 files when this was written.
    assert!(compared >= 118, "{compared} files compared");
}

#[test]
fn verify_paths_gives_each_file_its_verdict_in_order() {
    let m = common::manifest();
    let at = common::manifest_time(&m);
    let verifier = common::manifest_verifier(&m);
    let vectors = &m.vectors;
    let mut paths: Vec<std::path::PathBuf> = vectors.iter().map(|v| common::vectors_dir().join(&v.file)).collect();
    paths.push(common::vectors_dir().join("no-such-file.exe"));
    let results = verifier.verify_paths(&paths, at);
    assert_eq!(results.len(), paths.len());
    for (v, r) in vectors.iter().zip(&results) {
        let got = r.as_ref().expect("verified").status.as_str();
        assert_eq!(got, v.status.as_str(), "{}", v.file);
    }
    assert!(matches!(results.last(), Some(Err(authverify::Error::Io { .. }))));
}

#[test]
fn a_mismatching_signature_that_does_not_decide_follows_the_preset_and_selection() {
    // Issue 13: under `windows` only the deciding signatures decide (WinVerifyTrust judges
    // the primary); under `strict` any signature that does not match the file makes it
    // invalid. The expected verdicts are stated by the generator for each combination.
    use authverify::{Policy, SignatureSelection};
    let m = common::manifest();
    let at = common::manifest_time(&m);
    let trust = common::manifest_verifier(&m).trust().clone();
    let mut checked = 0;
    for v in &m.vectors {
        let Some(verdicts) = &v.verdicts else { continue };
        let file = v.file.as_str();
        let bytes = std::fs::read(common::vectors_dir().join(file)).expect("vector");
        for (preset, base, by_selection) in [
            ("windows", Policy::windows(), &verdicts.windows),
            ("strict", Policy::strict(), &verdicts.strict),
        ] {
            for (selection, which, want) in [
                ("primary", SignatureSelection::Primary, by_selection.primary),
                ("all", SignatureSelection::All, by_selection.all),
                ("any", SignatureSelection::Any, by_selection.any),
            ] {
                let mut policy = base.clone();
                policy.signatures = which;
                let report = authverify::Verifier::new(trust.clone(), policy)
                    .verify_bytes(&bytes, at)
                    .expect("verify");
                let want = want.as_str();
                assert_eq!(
                    FileStatus::as_str(report.status),
                    want,
                    "{file} {preset} {selection}: {:?}",
                    report.notes
                );
                // The mismatching signature is always reported, whatever decides.
                assert!(
                    report
                        .signatures
                        .iter()
                        .any(|s| s.status == FileStatus::Invalid && !s.digest_matches),
                    "{file}: the mismatching signature is reported invalid"
                );
                if want == "valid" {
                    assert!(
                        report
                            .notes
                            .iter()
                            .any(|n| n.rule == Rule::AcceptNonDecidingMismatch && n.effect == Effect::Leniency),
                        "{file} {preset} {selection}: a valid verdict names the ignored mismatch: {:?}",
                        report.notes
                    );
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 18, "three vectors × two presets × three selections");
}
