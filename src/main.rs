//! The `sds` binary: every command, on the platform the configuration describes.

use std::process::ExitCode;

use sds_constructs::platform::Platform;

fn main() -> ExitCode {
    sds::main_with(&Platform::from_config)
}
