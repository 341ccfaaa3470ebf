//! `sds-constructs`: the CloudFormation model (`cfn`) and the constructs that build the secure
//! data-science platform from it, one construct per file, put together as a [`platform::Platform`].
//!
//! # Constructs
//!
//! A construct is a struct whose public fields are its properties; `Default` is the reference
//! platform's. It implements [`construct::Construct`]: `synth` declares its template with a
//! [`stack::Stack`], after synthesizing the templates it nests or offers through the
//! [`construct::Synth`] context it is given. What one template exports and others import is a
//! constant on the exporting type ([`shared_network::SharedNetwork::VPC`],
//! [`team_principals::TeamPrincipals::ADMIN_ROLE_ARN`], ...), used by both sides.
//!
//! The platform's tree: [`shared_services::SharedServices`] (the root) nests
//! [`admin_principals::AdminPrincipals`], [`shared_code_artifact::SharedCodeArtifact`],
//! [`shared_ecr::SharedEcr`], [`shared_network::SharedNetwork`],
//! [`shared_data_lake::SharedDataLake`] and [`detective_control::DetectiveControl`], and holds the
//! [`service_catalog::ServiceCatalogPortfolio`], whose products are
//! [`studio_domain::StudioDomain`], [`team_environment::TeamEnvironment`] (nesting
//! [`team_principals::TeamPrincipals`] and [`team_backing_store::TeamBackingStore`]) and
//! [`user_profile::UserProfile`].
//!
//! # Extending
//!
//! Change a construct's fields, push a [`shared_services::NestedStack`] of your own construct
//! onto `root.nested`, a [`service_catalog::Product`] onto `root.portfolio.products`, or a
//! construct onto [`platform::Platform::stacks`]. Synthesis checks the result as it checks the
//! reference: nested parameters and outputs, references to nothing, duplicate logical ids and
//! template names are errors.
//!
//! A pure library: no network, no async runtime, no AWS SDK, no command-line parsing, no files
//! on disk beyond the assets it embeds.

pub mod cfn;

pub mod access;
pub mod admin_principals;
pub mod assets;
pub mod common;
pub mod config;
pub mod construct;
pub mod detective_control;
pub mod export;
pub mod hardened;
pub mod iam;
pub mod known_defects;
pub mod names;
pub mod platform;
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
pub mod team_principals;
pub mod teams;
pub mod user_profile;
pub mod user_profile_hardened;

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
