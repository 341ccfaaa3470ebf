//! Integration tests: one binary, one module per command. They run the built `sds` binary from
//! the repository root, so paths in messages are the relative ones given here.

mod access;
mod assets;
#[cfg(feature = "publish")]
mod bootstrap;
#[cfg(feature = "publish")]
mod bootstrap_policy;
mod config_reach;
mod corpus;
#[cfg(feature = "publish")]
mod destroy;
#[cfg(feature = "publish")]
mod destroy_policy;
mod diff;
mod docs;
mod example;
mod fmt;
mod fuzz;
mod hardened;
mod iam_oracle;
mod json_output;
#[cfg(feature = "publish")]
mod moto;
mod policy;
#[cfg(feature = "publish")]
mod policy_moto;
#[cfg(feature = "publish")]
mod publish;
#[cfg(feature = "publish")]
mod publish_json;
#[cfg(feature = "publish")]
mod publish_safety;
#[cfg(feature = "publish")]
mod publish_teams;
mod review;
mod safety;
#[cfg(feature = "publish")]
mod sagemaker_client;
#[cfg(feature = "publish")]
mod stand_in;
mod support;
mod synth;
mod teams;
mod validate;
mod yaml11;
