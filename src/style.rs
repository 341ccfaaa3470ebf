//! Colour for terminal output: on only for a terminal (or when asked), off under NO_COLOR.

use std::io::IsTerminal;

use crate::cli::ColorChoice;

#[derive(Debug, Clone, Copy)]
pub struct Paint {
    enabled: bool,
}

impl Paint {
    /// Decides for standard output.
    pub fn for_stdout(choice: ColorChoice) -> Paint {
        let enabled = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        };
        Paint { enabled }
    }

    pub fn enabled(self) -> bool {
        self.enabled
    }

    fn wrap(self, code: &str, s: &str) -> String {
        if self.enabled {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    pub fn red(self, s: &str) -> String {
        self.wrap("31", s)
    }

    pub fn green(self, s: &str) -> String {
        self.wrap("32", s)
    }

    pub fn yellow(self, s: &str) -> String {
        self.wrap("33", s)
    }

    pub fn bold(self, s: &str) -> String {
        self.wrap("1", s)
    }
}
