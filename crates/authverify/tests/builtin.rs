//! The built-in certificate set holds exactly the roots the field article lists, by their published
//! SHA-1 thumbprints (docs/offline-roots.md), and every entry's bytes match its name.

use authverify::builtin;

/// Published in the vendor article (../shared/docs/offline-roots.md): the 13 roots admins
/// install on offline machines.
const PUBLISHED_ROOTS: &[(&str, &str)] = &[
    (
        "4eb6d578499b1ccf5f581ead56be3d9b6744a5e5",
        "VeriSign Class 3 Public Primary Certification Authority - G5",
    ),
    (
        "3679ca35668772304d30a5fb873b0fa77bb70d54",
        "VeriSign Universal Root Certification Authority",
    ),
    ("be36a4562fb2ee05dbb3d32323adf445084ed656", "Thawte Timestamping CA"),
    (
        "3b1efd3a66ea28b16697394703a72ca340a05bd5",
        "Microsoft Root Certificate Authority 2010",
    ),
    ("02faf3e291435468607857694df5e45b68851868", "AddTrust External CA Root"),
    ("e12dfb4b41d7d9c32b30514bac1d81d8385e2d46", "UTN-USERFirst-Object"),
    (
        "5fb7ee0633e259dbad0c4c9ae6d38f1a61c7dc25",
        "DigiCert High Assurance EV Root CA",
    ),
    (
        "0563b8630d62d75abbc8ab1e4bdfb5a899b24d43",
        "DigiCert Assured ID Root CA",
    ),
    (
        "2b8f1b57330dbba2d07a6c51f70ee90ddab9ad8e",
        "USERTrust RSA Certification Authority",
    ),
    ("ddfb16cd4931c973a2037d3fc83a4d7d775d05e4", "DigiCert Trusted Root G4"),
    (
        "f40042e2e5f7e8ef8189fed15519aece42c3bfa2",
        "Microsoft Identity Verification Root Certificate Authority 2020",
    ),
    ("91c6d6ee3e8ac86384e548c299295c756c817b81", "thawte Primary Root CA"),
    ("d69b561148f01c77c54578c10926df5b856976ad", "GlobalSign"),
];

#[test]
fn every_published_root_is_in_the_builtin_set_with_matching_bytes() {
    let parsed = builtin::certificates();
    assert_eq!(parsed.len(), builtin::entries().len(), "every entry parses");
    for (sha1, cn) in PUBLISHED_ROOTS {
        let c = parsed
            .iter()
            .find(|c| c.entry.sha1 == *sha1)
            .unwrap_or_else(|| panic!("{cn} ({sha1}) missing"));
        assert_eq!(c.certificate.sha1_hex(), *sha1, "bytes of {cn}");
        assert_eq!(c.entry.store, authverify::Store::Root);
        assert!(
            c.certificate.subject().contains(cn),
            "{} vs {cn}",
            c.certificate.subject()
        );
        assert!(c.certificate.is_self_issued(), "{cn} is a root");
        c.certificate
            .verify_signed_by(&c.certificate)
            .unwrap_or_else(|e| panic!("{cn} self-signature: {e}"));
    }
}
