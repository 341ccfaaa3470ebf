//! `sds-constructs`: the CloudFormation model (`cfn`) and the constructs that build the secure
//! data-science platform from it, one construct per file, put together by `app`.
//!
//! A pure library: no network, no async runtime, no AWS SDK, no command-line parsing, no files
//! on disk beyond the assets it embeds.

pub mod cfn;

pub mod admin_principals;
pub mod app;
pub mod assets;
pub mod common;
pub mod config;
pub mod detective_control;
pub mod names;
pub mod service_catalog;
pub mod shared_code_artifact;
pub mod shared_data_lake;
pub mod shared_ecr;
pub mod shared_network;
pub mod shared_services;
pub mod stack;
pub mod studio_domain;
pub mod team_backing_store;
pub mod team_environment;
pub mod user_profile;

/// An ordered map of template values: `map! { "Key" => value, ... }` (values: anything `Into<Value>`).
#[macro_export]
macro_rules! map {
    () => { $crate::cfn::Map::new() };
    ($($k:expr => $v:expr),+ $(,)?) => {{
        let mut m = $crate::cfn::Map::new();
        $( m.insert(($k).to_string(), $crate::cfn::Value::from($v)); )+
        m
    }};
}

/// A list value: `list![a, b]` (items: anything `Into<Value>`).
#[macro_export]
macro_rules! list {
    () => { $crate::cfn::Value::List(Vec::new()) };
    ($($v:expr),+ $(,)?) => { $crate::cfn::Value::List(vec![$($crate::cfn::Value::from($v)),+]) };
}
