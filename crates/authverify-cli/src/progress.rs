//! A progress bar on stderr, only when stderr is a terminal, the run is not `--quiet`, and it
//! has lasted more than a moment: short runs and pipes stay silent.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a run must last before the bar appears.
const MOMENT: Duration = Duration::from_millis(500);

pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    shown: AtomicBool,
}

impl Progress {
    /// A bar over `total` files, or a counter when the total is not known in advance (a
    /// streamed file set).
    pub(crate) fn new(total: Option<usize>, quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(total.map(|t| t as u64), ProgressDrawTarget::hidden());
            let template = match total {
                Some(_) => "{bar:40} {pos}/{len} files, {per_sec}, {eta} left",
                None => "{spinner} {pos} files, {per_sec}",
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            bar
        });
        Self {
            bar,
            started: Instant::now(),
            shown: AtomicBool::new(false),
        }
    }

    pub(crate) fn tick(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            if self.started.elapsed() > MOMENT && !self.shown.swap(true, Ordering::Relaxed) {
                bar.set_draw_target(ProgressDrawTarget::stderr());
            }
        }
    }

    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
