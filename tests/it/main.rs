//! Integration tests: one binary, one module per command. They run the built `sds` binary from
//! the repository root, so paths in messages are the relative ones given here.

mod assets;
mod config_reach;
mod corpus;
mod diff;
mod example;
mod fmt;
mod fuzz;
mod moto;
mod publish;
mod publish_safety;
mod safety;
mod stand_in;
mod support;
mod synth;
mod validate;
mod yaml11;
