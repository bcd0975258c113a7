//! X.509: certificates ([`certificate`]), names compared as RFC 5280 says ([`name`]),
//! algorithms and public keys ([`algorithms`]), and the RSA public operation
//! ([`rsa_public`]).

pub mod algorithms;
pub(crate) mod cache;
pub mod certificate;
pub mod crl;
pub(crate) mod name;
pub(crate) mod rsa_public;
