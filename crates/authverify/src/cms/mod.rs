//! CMS as Authenticode uses it: a ContentInfo,
//! SignedData, SignerInfo and SpcIndirectDataContent ([`signed_data`]), and the checks of a
//! signer over the bytes as received ([`signer`]).

pub(crate) mod signed_data;
pub(crate) mod signer;
