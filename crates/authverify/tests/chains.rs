//! Generated hierarchies mirroring the real families (test-vectors/chains/manifest.json):
//! every case's verdict, the chain status, the anchor reached, and exactly which
//! certificates are named as missing, as the generator built them.

mod common;

use std::sync::Arc;

use authverify::trust::Role;
use authverify::{Certificate, FileStatus, Policy, TrustStore, UnixTime, Verifier};
use authverify_testgen::manifest::{ChainCase, ChainsManifest, NeededBy};

fn chains_dir() -> std::path::PathBuf {
    common::vectors_dir().join("chains")
}

fn manifest() -> ChainsManifest {
    common::manifest::read(&chains_dir().join("manifest.json")).expect("chains manifest")
}

fn store_for(case: &ChainCase) -> TrustStore {
    let t = &case.trust;
    let mut store = TrustStore::new();
    let publishers: Vec<Arc<Certificate>> = t
        .publishers
        .iter()
        .map(|p| {
            Arc::new(Certificate::from_der(&std::fs::read(chains_dir().join(p)).expect("read")).expect("publisher"))
        })
        .collect();
    store.set_trust_list_publishers(publishers);
    for (paths, role) in [
        (&t.anchors, Role::Anchors),
        (&t.intermediates, Role::Intermediates),
        (&t.distrusted, Role::Distrusted),
        (&t.trust_lists, Role::Anchors),
    ] {
        for p in paths.iter().map(|p| chains_dir().join(p)) {
            store.load(&p, role).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        }
    }
    store
}

#[test]
fn every_chain_case_gets_its_built_verdict() {
    let m = manifest();
    let at: UnixTime = common::time(&m.evaluated_at);
    assert!(m.cases.len() >= 20, "the generator wrote {} cases", m.cases.len());
    let mut errors = Vec::new();
    for case in &m.cases {
        let name = case.name.as_str();
        let verifier = Verifier::new(store_for(case), Policy::windows());
        let bytes = std::fs::read(chains_dir().join(&case.file)).expect("read vector");
        let at = case.at.as_deref().map_or(at, common::time);
        let report = verifier.verify_bytes(&bytes, at).expect("verify");
        let chain = report.signatures[0].chain.as_ref().expect("chain");
        let status = report.status.as_str();
        if status != case.status.as_str() || chain.status.name() != case.chain {
            errors.push(format!(
                "{name}: {status}/{} ({:?}), expected {:?}/{}; alternatives: {:?}",
                chain.status.name(),
                chain.detail,
                case.status,
                case.chain,
                chain
                    .alternatives
                    .iter()
                    .map(|a| (a.status.name(), a.detail.clone()))
                    .collect::<Vec<_>>()
            ));
            continue;
        }
        if let Some(want) = case.timestamp_chain.as_deref() {
            let got = report.signatures[0]
                .timestamp
                .as_ref()
                .and_then(|t| t.chain.as_ref())
                .map(|c| c.status.name());
            if got != Some(want) {
                errors.push(format!("{name}: timestamp chain {got:?}, expected {want}"));
            }
        }
        if let Some(anchor) = &case.anchor_sha1 {
            let got = &chain.certificates.last().expect("path").sha1;
            if got != anchor {
                errors.push(format!("{name}: anchor {got}, expected {anchor}"));
            }
        }
        // The file-level list names exactly the expected certificates, each with the
        // chains that need it.
        let expected = &case.missing;
        if report.missing.len() != expected.len() {
            errors.push(format!(
                "{name}: {} missing certificates {:?}, expected {}",
                report.missing.len(),
                report.missing,
                expected.len()
            ));
            continue;
        }
        for (got, want) in report.missing.iter().zip(expected) {
            let store = serde_json::to_value(got.store).expect("store");
            let mut ok = store == want.store.as_str() && got.key_id.as_deref() == Some(want.key_id.as_str());
            if let Some(sha1) = &want.sha1 {
                ok &= got.sha1.as_ref() == Some(sha1) && got.file_name.as_deref() == Some(&format!("{sha1}.crt"));
            }
            if let Some(cn) = &want.subject_cn {
                ok &= got.subject.contains(&format!("CN={cn}"));
            }
            let needed: Vec<NeededBy> =
                serde_json::from_value(serde_json::to_value(&got.needed_by).expect("needed_by")).expect("needed_by");
            ok &= Some(&needed) == want.needed_by.as_ref();
            if !ok {
                errors.push(format!("{name}: missing {got:?}, expected {want:?}"));
            }
        }
        if report.status == FileStatus::Valid && !report.missing.is_empty() {
            errors.push(format!("{name}: valid but names missing certificates"));
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn a_ctl_not_signed_by_a_publisher_root_is_rejected() {
    // Without the test publisher, a test CTL must not be accepted as Microsoft's.
    let mut store = TrustStore::new();
    let err = store
        .load(&chains_dir().join("ctl/iv-listed.stl"), Role::Anchors)
        .expect_err("CTL from an unknown publisher");
    let text = err.to_string();
    assert!(text.contains("does not chain to a Microsoft root"), "{text}");
}

#[test]
fn a_tampered_ctl_fails_its_signature() {
    let mut bytes = std::fs::read(chains_dir().join("ctl/iv-listed.stl")).expect("read");
    // Flip a byte inside the SHA-1 thumbprint of the first subject.
    let id = common::hex_decode(
        &authverify::DigestAlgorithm::Sha1
            .hash(&std::fs::read(chains_dir().join("certs/iv-root.crt")).expect("root"))
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
    );
    let pos = bytes
        .windows(id.len())
        .position(|w| w == id.as_slice())
        .expect("thumbprint in CTL");
    bytes[pos] ^= 1;
    let err = authverify::TrustList::parse(&bytes).expect_err("tampered");
    assert!(err.to_string().contains("messageDigest"), "{err}");
}

#[test]
fn a_ten_thousand_certificate_bag_ends_in_a_typed_budget_result() {
    // 10,000 certificates named like the real intermediate, with the same key identifier,
    // whose signatures do not verify (serial changed after signing), offered first by the
    // trust store: the search stops at its link budget with a typed status.
    let m = common::manifest();
    let at = common::manifest_time(&m);
    let inter = std::fs::read(common::vectors_dir().join("pki/intermediate.crt")).expect("intermediate");
    let serial = [0x02, 0x02, 0x20, 0x01];
    let pos = inter
        .windows(4)
        .position(|w| w == serial)
        .expect("serial 0x2001 in the DER");
    let mut store = TrustStore::new();
    store
        .load_anchors(&common::vectors_dir().join("pki/root.crt"))
        .expect("root");
    for i in 0..10_000u16 {
        let mut der = inter.clone();
        let [hi, lo] = i.wrapping_add(0x3000).to_be_bytes();
        der[pos + 2] = hi;
        der[pos + 3] = lo;
        store.add_intermediate(Arc::new(Certificate::from_der(&der).expect("variant parses")));
    }
    assert_eq!(store.intermediates().len(), 10_000);
    let bytes = std::fs::read(common::vectors_dir().join("pe32plus-rsa2048-sha256.exe")).expect("vector");
    let verifier = Verifier::new(store, Policy::windows());
    let report = verifier.verify_bytes(&bytes, at).expect("verify");
    let chain = report.signatures[0].chain.as_ref().expect("chain");
    assert_eq!(
        chain.status,
        authverify::ChainStatus::BudgetExceeded,
        "{:?}",
        chain.detail
    );
    assert_eq!(
        chain.detail.as_ref().map(|d| d.rule),
        Some(authverify::Rule::ChainBudget),
        "{:?}",
        chain.detail
    );
    assert_eq!(report.status, FileStatus::Untrusted);
    // The links tried are now cached. A warm cache must not make them free: the same file
    // again tries the same links (none new in the cache) and gets the same report. (When
    // cache hits cost nothing, each run checked 256 more look-alikes.)
    let links = verifier.link_cache().len();
    assert!((200..=256).contains(&links), "{links}");
    for _ in 0..2 {
        let again = verifier.verify_bytes(&bytes, at).expect("verify");
        assert_eq!(verifier.link_cache().len(), links, "no new link tried");
        assert_eq!(
            format!("{:?}", again.signatures[0].chain),
            format!("{:?}", report.signatures[0].chain)
        );
    }
}

#[test]
fn a_verifier_parses_and_checks_shared_certificates_once() {
    // Two files signed under one hierarchy: the second adds no link and only its own leaf
    // to the caches; a third, identical verification adds nothing.
    let m = common::manifest();
    let at = common::manifest_time(&m);
    let verifier = common::manifest_verifier(&m);
    let read = |n: &str| std::fs::read(common::vectors_dir().join(n)).expect("vector");
    let first = verifier
        .verify_bytes(&read("pe32plus-rsa2048-sha256.exe"), at)
        .expect("verify");
    assert_eq!(first.status, FileStatus::Valid);
    let links = verifier.link_cache().len();
    let certs = verifier.certificate_cache().len();
    assert_eq!(links, 2, "leaf->intermediate and intermediate->root");
    assert_eq!(certs, 2, "leaf and intermediate");
    let second = verifier
        .verify_bytes(&read("pe32-rsa2048-sha256.exe"), at)
        .expect("verify");
    assert_eq!(second.status, FileStatus::Valid);
    assert_eq!(verifier.certificate_cache().len(), certs, "same leaf and intermediate");
    assert_eq!(verifier.link_cache().len(), links);
    let clone = verifier.clone();
    clone
        .verify_bytes(&read("pe32plus-rsa2048-sha256.exe"), at)
        .expect("verify");
    assert_eq!(verifier.link_cache().len(), links, "clones share the caches");
}

#[test]
fn the_newest_ctl_decides_under_both_presets_whatever_the_load_order() {
    // Issue 14: the four cases load an older and a newer list of the same program in both
    // orders; the newer one decides, and the preset does not change that.
    let m = manifest();
    let at: UnixTime = common::time(&m.evaluated_at);
    let mut checked = 0;
    for case in &m.cases {
        let name = case.name.as_str();
        if !name.starts_with("iv-ctl-newest") {
            continue;
        }
        let bytes = std::fs::read(chains_dir().join(&case.file)).expect("read");
        for policy in [Policy::windows(), Policy::strict()] {
            let report = Verifier::new(store_for(case), policy)
                .verify_bytes(&bytes, at)
                .expect("verify");
            let chain = report.signatures[0].chain.as_ref().expect("chain");
            assert_eq!(report.status.as_str(), case.status.as_str(), "{name}");
            assert_eq!(chain.status.name(), case.chain, "{name}: {:?}", chain.detail);
            checked += 1;
        }
    }
    assert_eq!(checked, 8, "four cases under two presets");
}

/// Issue 26: who vouches for the root a chain lacks follows the root-program CTL in force,
/// as of the verification time — not the (earlier) instant a timestamp moves the chain to.
/// The IV family's file carries its root; the CTLs below list that root as the generator
/// wrote them (test-vectors/chains/ctl/).
#[test]
fn vouching_follows_the_ctl_as_of_the_verification_time() {
    use authverify::VouchedBy;
    let file = std::fs::read(chains_dir().join("iv-signed-root-embedded.exe")).expect("vector");
    let publisher = Arc::new(
        Certificate::from_der(&std::fs::read(chains_dir().join("certs/publisher-root.crt")).expect("read"))
            .expect("publisher"),
    );
    // The instant every chains case is judged at (testgen chains::AT).
    let at: UnixTime = "2026-06-01T00:00:00Z".parse().expect("time");
    let vouched = |list: Option<&str>| {
        let mut store = TrustStore::new();
        store.set_trust_list_publishers(vec![publisher.clone()]);
        if let Some(list) = list {
            store
                .load(&chains_dir().join("ctl").join(list), Role::Anchors)
                .expect("CTL");
        }
        let report = Verifier::new(store, Policy::windows())
            .verify_bytes(&file, at)
            .expect("verify");
        assert_eq!(report.status, FileStatus::Untrusted, "{list:?}");
        let chain = report.signatures[0].chain.as_ref().expect("signer chain");
        chain.missing[0].vouched_by
    };
    assert_eq!(vouched(None), VouchedBy::None, "a root only the file carries");
    assert_eq!(vouched(Some("iv-listed.stl")), VouchedBy::TrustList);
    // Disabled on 2026-04-01, before the verification time: not vouched for, though the
    // signature's timestamp (before that date) would let Windows accept it.
    assert_eq!(vouched(Some("iv-disabled-2026-04-01.stl")), VouchedBy::None);
    // NotBefore 2026-01-01: a leaf issued now would not be trusted.
    assert_eq!(vouched(Some("iv-notbefore-2026-01-01.stl")), VouchedBy::None);
    // Listed for time stamping only: not for the signer's chain.
    assert_eq!(vouched(Some("iv-timestamping-only.stl")), VouchedBy::None);
}
