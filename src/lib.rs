//! The `sds` command library: one module per verb, plus the file handling they share.
//! Commands write to the writers they are given and return an exit code; only `main` touches
//! the process.

pub mod cli;
pub mod diff;
pub mod docs;
pub mod files;
pub mod fmt;
#[cfg(feature = "publish")]
pub mod publish;
mod style;
pub mod synth;
pub mod validate;

use std::process::ExitCode;

use cli::{Cli, Command};

/// Runs one command with the process's standard output.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Fmt(args) => fmt::run(&args, &mut out),
        Command::Diff(args) => diff::run(&args, &mut out),
        Command::Synth(args) => synth::run(&args, &mut out),
        #[cfg(feature = "publish")]
        Command::Publish(args) => publish::run(&args, &mut out),
        Command::Validate(args) => validate::command::run(&args, &mut out),
        Command::Schema(args) => docs::schema(&args, &mut out),
        Command::Completions(args) => docs::completions(&args, &mut out),
        Command::Man(args) => docs::man(&args, &mut out),
    }
}
