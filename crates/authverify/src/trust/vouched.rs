//! Who vouches for a certificate (issue 26): the word the install plan, the reports and
//! the merged summary share. Judged by the path builder for chains (`path::vouch`) and by
//! [`super::plan`] for a SHA-1 named in another host's report.

/// Who vouches for a missing certificate: whether it may enter an install plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum VouchedBy {
    /// Microsoft's root program as the built-in set and its pinned CTL know it (or a
    /// root Windows ships in its image), for the purpose and at the time the chain needs.
    Builtin,
    /// A root-program CTL the user loaded (`--trust authroot.stl`, a CertUtil folder).
    TrustList,
    /// The user vouches for this exact certificate (`--vouch`).
    User,
    /// An intermediate whose path ends at a trust anchor or at roots vouched for.
    Chain,
    /// Nobody: not part of any install plan.
    None,
}

impl VouchedBy {
    /// `builtin`, `trust_list`, `user`, `chain`, `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Builtin => "builtin",
            Self::TrustList => "trust_list",
            Self::User => "user",
            Self::Chain => "chain",
            Self::None => "none",
        }
    }

    /// Whether anybody vouches: the certificate may enter an install plan.
    pub fn is_vouched(self) -> bool {
        self != Self::None
    }

    /// The stronger of two judgements of the same certificate (needed by two chains:
    /// vouched for one purpose is vouched).
    pub(crate) fn or(self, other: Self) -> Self {
        if self.is_vouched() {
            self
        } else {
            other
        }
    }
}
