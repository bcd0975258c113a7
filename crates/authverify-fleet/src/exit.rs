//! The exit code of a run, decided here for every command and front end:
//!
//! | code | [`Exit`]     | when                                                                 |
//! |------|--------------|----------------------------------------------------------------------|
//! | 0    | `Success`    | every file valid; a fleet summary with nothing to install or fix; a closed output pipe |
//! | 1    | `Failures`   | some file not valid (with a gate option: some file failing the gate), a summary naming work to do, a restore asked for and not done |
//! | 2    | `Error`      | the run could not go to the end ([`crate::Error`]), or no file could be verified at all |

use authverify::FileStatus;

use crate::files::FileResult;
use crate::output::text::Counts;
use crate::rescan::{Action, Entry};
use crate::summary::Summary;

/// How a run ended, as its exit code says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: nothing to act on.
    Success,
    /// 1: the run went through and found something to act on.
    Failures,
    /// 2: the run could not do its work.
    Error,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Failures => 1,
            Self::Error => 2,
        }
    }

    /// Verdicts of a run: `Error` when none could be verified (every one an error),
    /// `Success` when all are valid, `Failures` otherwise.
    pub fn of_verdicts(verdicts: impl IntoIterator<Item = FileStatus>) -> Self {
        let (mut verified_any, mut all_valid) = (false, true);
        for status in verdicts {
            verified_any |= status != FileStatus::Error;
            all_valid &= status == FileStatus::Valid;
        }
        Self::of_tally(verified_any, all_valid)
    }

    /// [`Exit::of_verdicts`] of a streamed run, from its counts (the verdicts themselves
    /// are not kept).
    pub fn of_counts(counts: &Counts) -> Self {
        Self::of_tally(counts.verified() > 0, counts.valid() == counts.files)
    }

    fn of_tally(verified_any: bool, all_valid: bool) -> Self {
        if !verified_any {
            Self::Error
        } else if all_valid {
            Self::Success
        } else {
            Self::Failures
        }
    }

    /// A run with a gate (issue 31): the gate decides, not the verdicts (an excluded file
    /// that is not valid fails nothing), except that a run that verified no file at all is
    /// still an error.
    pub fn of_gate(counts: &Counts, gate: &crate::gate::GateCounts) -> Self {
        if counts.verified() == 0 {
            Self::Error
        } else if gate.failed > 0 {
            Self::Failures
        } else {
            Self::Success
        }
    }

    /// A merged fleet summary: `Success` when it names nothing to install, vouch for or fix.
    pub fn of_summary(summary: &Summary) -> Self {
        let clean = summary.install.is_empty() && summary.unvouched.is_empty() && summary.other_failures.is_empty();
        if clean {
            Self::Success
        } else {
            Self::Failures
        }
    }

    /// A rescan of quarantined files. Like `mv`, a restore asked for and not done is a
    /// failure, whatever the verdicts; otherwise the verdicts decide.
    pub fn of_rescan(entries: &[Entry], results: &[FileResult], restore: bool) -> Self {
        let not_restored = restore
            && entries
                .iter()
                .any(|e| e.status == FileStatus::Valid && e.action != Action::Restored);
        if not_restored {
            Self::Failures
        } else {
            Self::of_verdicts(results.iter().map(FileResult::status))
        }
    }

    /// A run that ended with `error`: `Error`, except for a closed output pipe, which is
    /// the reader having seen enough ([`crate::Error::is_closed_pipe`]).
    pub fn of_error(error: &crate::Error) -> Self {
        if error.is_closed_pipe() {
            Self::Success
        } else {
            Self::Error
        }
    }
}

#[cfg(test)]
mod tests {
    use authverify::FileStatus;

    use super::Exit;

    #[test]
    fn verdicts_decide_zero_one_or_two() {
        assert_eq!(Exit::of_verdicts([FileStatus::Valid, FileStatus::Valid]), Exit::Success);
        assert_eq!(
            Exit::of_verdicts([FileStatus::Valid, FileStatus::Error]),
            Exit::Failures
        );
        assert_eq!(Exit::of_verdicts([FileStatus::Untrusted]), Exit::Failures);
        assert_eq!(Exit::of_verdicts([FileStatus::Error, FileStatus::Error]), Exit::Error);
        assert_eq!(Exit::of_verdicts([]), Exit::Error);
        assert_eq!(
            (Exit::Success.code(), Exit::Failures.code(), Exit::Error.code()),
            (0, 1, 2)
        );
    }

    #[test]
    fn with_a_gate_the_gate_decides_except_when_nothing_was_verified() {
        use crate::gate::GateCounts;
        use crate::output::text::Counts;
        let mut counts = Counts::default();
        counts.add(FileStatus::Unsigned); // excluded, say: the gate passed it
        let passed = GateCounts {
            passed: 1,
            excluded: 1,
            ..GateCounts::default()
        };
        assert_eq!(Exit::of_counts(&counts), Exit::Failures);
        assert_eq!(Exit::of_gate(&counts, &passed), Exit::Success);
        let failed = GateCounts {
            failed: 1,
            ..GateCounts::default()
        };
        assert_eq!(Exit::of_gate(&counts, &failed), Exit::Failures);
        let mut errors = Counts::default();
        errors.add(FileStatus::Error);
        assert_eq!(Exit::of_gate(&errors, &passed), Exit::Error);
    }

    #[test]
    fn a_closed_pipe_ends_quietly_and_other_errors_with_two() {
        let closed = crate::Error::output(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert_eq!(Exit::of_error(&closed), Exit::Success);
        let full = crate::Error::output(std::io::Error::other("disk full"));
        assert_eq!(Exit::of_error(&full), Exit::Error);
        assert_eq!(Exit::of_error(&crate::Error::NoJobs), Exit::Error);
    }
}
