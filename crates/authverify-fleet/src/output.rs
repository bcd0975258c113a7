//! Printers: they consume results and never decide anything. Each writes to the writer it
//! is given; a failed write is the caller's to judge ([`crate::Error::output`],
//! [`crate::Exit::of_error`]).

pub mod json;
pub mod junit;
pub mod rescan;
pub mod text;
pub mod trust;
