//! The `sds` command library: one module per verb, plus the file handling they share.
//! Commands write to the writers they are given and return an exit code; only `main` touches
//! the process.
//!
//! # Your own platform, every command
//!
//! `sds` builds the platform the configuration describes with
//! [`Platform::from_config`](sds_constructs::platform::Platform::from_config). A binary of your
//! own gets every command (`synth`, `validate`, `diff`, `fmt`, `publish`) for a platform you
//! extend in code by handing [`main_with`] the function that builds it:
//!
//! ```no_run
//! use sds_constructs::platform::Platform;
//! use sds_constructs::shared_network::InterfaceEndpoint;
//!
//! fn main() -> std::process::ExitCode {
//!     sds::main_with(&|config| {
//!         let mut platform = Platform::from_config(config);
//!         platform.root.network.interface_endpoints.push(InterfaceEndpoint::new("VPCEndpointSNS", "sns"));
//!         platform
//!     })
//! }
//! ```
//!
//! `examples/operations` is a complete one.

pub mod access;
pub mod cli;
#[cfg(feature = "publish")]
pub mod destroy;
pub mod diff;
pub mod docs;
pub mod files;
pub mod fmt;
mod par;
pub mod policy;
#[cfg(feature = "publish")]
pub mod publish;
pub mod review;
mod style;
pub mod synth;
pub mod validate;

use std::process::ExitCode;

use cli::{Cli, Command};
use sds_constructs::config::Config;
use sds_constructs::platform::Platform;

/// How the commands get the platform: from the configuration (the embedded default, or
/// `--config FILE`), through this function.
pub type PlatformFn<'a> = &'a dyn Fn(&Config) -> Platform;

/// Runs one command on the platform `sds` itself builds, with the process's standard output.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    run_with(cli, &Platform::from_config)
}

/// Runs one command on the platform `platform` builds, with the process's standard output.
pub fn run_with(cli: Cli, platform: PlatformFn) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Fmt(args) => fmt::run(&args, &mut out),
        Command::Diff(args) => diff::run(&args, &mut out),
        Command::Synth(args) => synth::run(&args, platform, &mut out),
        #[cfg(feature = "publish")]
        Command::Publish(args) => publish::run(&args, platform, &mut out),
        #[cfg(feature = "publish")]
        Command::Bootstrap(args) => publish::bootstrap::run(&args, platform, &mut out),
        #[cfg(feature = "publish")]
        Command::Destroy(args) => destroy::run(&args, &mut out),
        Command::Validate(args) => validate::command::run(&args, platform, &mut out),
        Command::Access(args) => access::run(&args, platform, &mut out),
        Command::Review(args) => review::command::run(&args, platform, &mut out),
        Command::Policy(args) => policy::run(&args, &mut out),
        Command::Schema(args) => docs::schema(&args, &mut out),
        Command::Completions(args) => docs::completions(&args, &mut out),
        Command::Man(args) => docs::man(&args, &mut out),
    }
}

/// A whole `sds` binary for the platform `platform` builds: parses the arguments, runs the
/// command, prints errors one per line, and maps the outcome to the exit code (0 success,
/// 1 differences or findings, 2 error).
pub fn main_with(platform: PlatformFn) -> ExitCode {
    let cli = cli::parse();
    match run_with(cli, platform) {
        Ok(code) => code,
        Err(e) => {
            // One line per problem, each marked, so lists of located errors read well.
            for line in format!("{e:#}").lines() {
                eprintln!("error: {line}");
            }
            ExitCode::from(2)
        }
    }
}
