//! Progress of the long commands: one spinner per system on standard error, drawn only when standard error
//! is a terminal (nothing at all in scripts, pipes and tests). Results go to standard output as before.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    multi: MultiProgress,
}

impl Progress {
    pub fn new() -> Self {
        let target =
            if std::io::stderr().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        Self { multi: MultiProgress::with_draw_target(target) }
    }

    /// Draws nothing (background passes).
    pub fn hidden() -> Self {
        Self { multi: MultiProgress::with_draw_target(ProgressDrawTarget::hidden()) }
    }

    /// A spinner counting the records of `system`.
    pub fn system(&self, system: &str) -> ProgressBar {
        let bar = self.multi.add(ProgressBar::new_spinner());
        let style = ProgressStyle::with_template(
            "{spinner} {prefix:<10} {human_pos:>9} records  {per_sec:0}  {elapsed:>4}  {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.set_prefix(system.to_owned());
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    }

    /// Prints a line above the bars (or plainly, when they are hidden).
    pub fn note(&self, line: &str) {
        if self.multi.is_hidden() {
            eprintln!("{line}");
        } else {
            let _ = self.multi.println(line);
        }
    }
}
