//! An `sds` of your own: the reference platform, extended in code, with every `sds` command.
//!
//! The extension (in `operations.rs`): an operations stack nested under the root (an encrypted
//! SNS topic and a CloudWatch alarm on the detective control's Lambda errors), and an interface
//! VPC endpoint for SNS in the shared network, so notebooks and jobs reach the topic privately.
//!
//! Run it as you would run `sds`:
//!
//! ```sh
//! cargo run --example operations -- synth --out out-operations
//! cargo run --example operations -- validate
//! ```

use std::process::ExitCode;

mod operations;

fn main() -> ExitCode {
    sds::main_with(&operations::platform)
}
