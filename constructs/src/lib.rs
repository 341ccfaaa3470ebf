//! `sds-constructs`: the CloudFormation model (`cfn`) and the constructs that build the secure
//! data-science platform from it.
//!
//! A pure library: no network, no async runtime, no AWS SDK, no command-line parsing.

pub mod cfn;
