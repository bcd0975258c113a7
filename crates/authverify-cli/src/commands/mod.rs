//! One module per command.

pub(crate) mod rescan_invalid;
pub(crate) mod summary;
pub(crate) mod trust_show;
pub(crate) mod verify;
