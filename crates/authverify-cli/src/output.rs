//! Printers: they consume results and never decide anything.

pub(crate) mod json;
pub(crate) mod text;
