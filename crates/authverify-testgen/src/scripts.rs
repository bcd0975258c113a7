//! Signatures for scripts: an SpcIndirectDataContent naming a script SIP over a digest
//! the caller computed (scripts/make-script-vectors.py computes the WSH digests from the
//! documented form, independently of the library), signed by the test leaf.

use crate::pki::Hash;
use crate::sign::{signed_content, sip_indirect_data, Signer};

/// A ContentInfo(SignedData) by the test leaf (leaf and intermediate embedded) whose
/// SpcSipInfo names `guid` (as stored) and `version`, over `digest` in `hash` (`sha1` or
/// `sha256`; None for another name).
pub fn sip_signature(guid: &[u8; 16], version: u64, hash: &str, digest: &[u8]) -> Option<Vec<u8>> {
    let h = match hash {
        "sha1" => Hash::Sha1,
        "sha256" => Hash::Sha256,
        _ => return None,
    };
    let p = crate::vectors::build_pki();
    let signer = Signer {
        hash: h,
        ..Signer::new(&p.leaf_key, &p.leaf, vec![&p.leaf, &p.inter])
    };
    Some(signed_content(
        &signer,
        &sip_indirect_data(h, digest, guid, version),
        &[],
    ))
}
