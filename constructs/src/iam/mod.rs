//! IAM policies and their evaluation, offline: the policy grammar ([`policy`]), wildcard matching
//! ([`pattern`]), condition operators in three-valued logic ([`condition`]) and the evaluation
//! logic for one request ([`eval`]), with what AWS says of each action ([`servauth`]). The building block of access analysis; checked against an
//! independent simulator by a differential test.

pub mod condition;
pub mod eval;
pub mod pattern;
pub mod policy;
pub mod presence;
pub mod servauth;

pub use condition::{Context, ContextValue, Tri};
pub use eval::{evaluate, Caller, Decision, Evaluation, Policies, Request, ResourceKind};
pub use policy::{Effect, Policy, PolicyError};
