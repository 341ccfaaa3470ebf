//! The `sds` binary: parses arguments, runs the command, maps the outcome to an exit code
//! (0 success, 1 differences or findings, 2 error).

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = sds::cli::parse();
    match sds::run(cli) {
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
