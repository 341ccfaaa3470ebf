//! Where publishing reports progress: a live spinner with a status line on a terminal, plain
//! lines elsewhere (CI logs). Both write to standard error; results go to standard output.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

pub trait Progress: Send + Sync {
    /// Something done, worth a line.
    fn step(&self, line: &str);
    /// The current state, replacing the previous one (a line of its own when not on a terminal).
    fn status(&self, line: &str);
    /// Stops live output.
    fn finish(&self);
}

/// Plain lines on standard error.
pub struct Lines;

impl Progress for Lines {
    fn step(&self, line: &str) {
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }

    fn status(&self, line: &str) {
        self.step(line);
    }

    fn finish(&self) {}
}

/// A spinner with the current status; steps print above it.
pub struct Live {
    bar: ProgressBar,
}

impl Live {
    pub fn new() -> Live {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        Live { bar }
    }
}

impl Default for Live {
    fn default() -> Self {
        Live::new()
    }
}

impl Progress for Live {
    fn step(&self, line: &str) {
        self.bar.println(line);
    }

    fn status(&self, line: &str) {
        self.bar.set_message(line.to_string());
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Live on a terminal, lines elsewhere.
pub fn for_stderr() -> std::sync::Arc<dyn Progress> {
    if std::io::stderr().is_terminal() {
        std::sync::Arc::new(Live::new())
    } else {
        std::sync::Arc::new(Lines)
    }
}
