//! Progress bar on stderr for long scans; off when stderr is not a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use palisade_scanner::Progress;

#[derive(Debug)]
pub struct Bar(ProgressBar);

impl Bar {
    pub fn new(enabled: bool) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if !enabled || !std::io::stderr().is_terminal() {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        bar.set_style(
            ProgressStyle::with_template("{spinner} scanning {bytes} ({bytes_per_sec}) {elapsed}")
                .expect("static template is valid"),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Self(bar)
    }

    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for Bar {
    fn set_total(&self, bytes: u64) {
        self.0.set_length(bytes);
        self.0.set_style(
            ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta})")
                .expect("static template is valid"),
        );
    }

    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }
}
