//! One module per command: arguments → [`authverify_fleet`] → an [`authverify_fleet::Exit`].

pub(crate) mod rescan_invalid;
pub(crate) mod summary;
pub(crate) mod trust_show;
pub(crate) mod verify;

use authverify::{Policy, SignatureSelection};
use authverify_fleet::config::VerifierOptions;

use crate::args::{PolicyName, Signatures, TrustOptions};

/// The fleet's options from the command's.
pub(crate) fn verifier_options(options: &TrustOptions) -> VerifierOptions {
    let mut policy = match options.policy {
        PolicyName::Windows => Policy::windows(),
        PolicyName::Strict => Policy::strict(),
    };
    policy.signatures = match options.signatures {
        Signatures::Primary => SignatureSelection::Primary,
        Signatures::All => SignatureSelection::All,
        Signatures::Any => SignatureSelection::Any,
    };
    VerifierOptions {
        trust: options.trust.clone(),
        intermediates: options.intermediates.clone(),
        distrust: options.distrust.clone(),
        vouch: options.vouch.clone(),
        catalogs: options.catalogs.clone(),
        crl: options.crl.clone(),
        at: options.at.clone(),
        policy,
        jobs: options.jobs,
    }
}
