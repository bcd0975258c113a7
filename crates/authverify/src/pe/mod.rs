//! The PE image: headers, digest ranges and page hashes ([`image`]), and the certificate
//! table's WIN_CERTIFICATE entries ([`cert_table`]).

pub mod cert_table;
pub mod image;
