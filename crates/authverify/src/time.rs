//! Instants. The library never reads the clock: every evaluation time is an input.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Seconds since the Unix epoch, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(pub u64);

impl UnixTime {
    /// From seconds since the epoch.
    pub const fn from_secs(secs: u64) -> Self {
        Self(secs)
    }

    /// Seconds since the epoch.
    pub const fn as_secs(self) -> u64 {
        self.0
    }

    pub(crate) fn from_der_time(d: der::DateTime) -> Self {
        Self(d.unix_duration().as_secs())
    }
}

impl fmt::Display for UnixTime {
    /// RFC 3339, UTC, to the second (`2026-04-13T00:00:00Z`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match der::DateTime::from_unix_duration(Duration::from_secs(self.0)) {
            Ok(d) => write!(f, "{d}"),
            Err(_) => write!(f, "@{}", self.0),
        }
    }
}

/// The error of parsing an RFC 3339 time.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 3339 UTC time (expected e.g. 2026-04-13T00:00:00Z): {0}")]
pub struct TimeParseError(pub String);

impl FromStr for UnixTime {
    type Err = TimeParseError;

    /// Accepts `YYYY-MM-DDTHH:MM:SSZ` and `YYYY-MM-DD` (midnight UTC).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let full = if s.len() == 10 {
            format!("{s}T00:00:00Z")
        } else {
            s.to_string()
        };
        der::DateTime::from_str(&full)
            .map(Self::from_der_time)
            .map_err(|_| TimeParseError(s.to_string()))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for UnixTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
