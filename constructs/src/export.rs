//! Names that cross stacks: CloudFormation exports. Each is one constant on the construct that
//! exports it (`SharedNetwork::VPC`, `TeamPrincipals::ADMIN_ROLE_ARN`, ...); the exporter calls
//! `name`, every importer calls `import` on the same constant, so the two sides cannot drift.
//! The parameters are passed in because each template names its own (`StackSetName` in some,
//! `SharedServiceStackSetName` in others).
//!
//! Depends only on the model and the stack builder.

use crate::cfn::value::{import_value, sub, Value};
use crate::stack::ParamRef;

/// An export of the shared services, named after the stack set: `{}` in the pattern is the
/// stack-set name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Export(&'static str);

impl Export {
    pub const fn new(pattern: &'static str) -> Export {
        Export(pattern)
    }

    /// The export name in a template whose stack-set parameter is `set`.
    pub fn name(&self, set: &ParamRef) -> Value {
        sub(self.0.replace("{}", &format!("${{{}}}", set.name())))
    }

    /// `Fn::ImportValue` of it.
    pub fn import(&self, set: &ParamRef) -> Value {
        import_value(self.name(set))
    }
}

/// An export of a team environment: `{team}` and `{env}` in the pattern are the team and
/// environment names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TeamExport(&'static str);

impl TeamExport {
    pub const fn new(pattern: &'static str) -> TeamExport {
        TeamExport(pattern)
    }

    pub fn name(&self, team: &ParamRef, env: &ParamRef) -> Value {
        let var = |p: &ParamRef| format!("${{{}}}", p.name());
        sub(self.0.replace("{team}", &var(team)).replace("{env}", &var(env)))
    }

    pub fn import(&self, team: &ParamRef, env: &ParamRef) -> Value {
        import_value(self.name(team, env))
    }
}
