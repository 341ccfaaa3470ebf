//! Names that cross stacks: CloudFormation export names. Each is made by one function, which
//! exporter and importer both call, so the two sides cannot drift. The stack-set or team
//! parameters are passed in because each template names its own (`StackSetName` in some,
//! `SharedServiceStackSetName` in others).
//!
//! Depends only on the model and the stack builder.

use crate::cfn::value::{import_value, sub, Value};
use crate::stack::ParamRef;

/// An export name: a `Fn::Sub` of `pattern` with `{}` replaced by `${param}`.
fn named(pattern: &str, param: &ParamRef) -> Value {
    sub(pattern.replace("{}", &format!("${{{}}}", param.name())))
}

/// An export name of a team environment: `{team}` and `{env}` replaced.
fn team_named(pattern: &str, team: &ParamRef, env: &ParamRef) -> Value {
    sub(pattern.replace("{team}", &format!("${{{}}}", team.name())).replace("{env}", &format!("${{{}}}", env.name())))
}

/// `Fn::ImportValue` of an export name.
pub fn import(name: Value) -> Value {
    import_value(name)
}

// Shared services (stack set `s`).
pub fn admin_role_arn(s: &ParamRef) -> Value {
    named("ds-administrator-role-{}-arn", s)
}
pub fn code_artifact_domain(s: &ParamRef) -> Value {
    named("ds-shared-code-artifact-domain-{}", s)
}
pub fn code_artifact_repository(s: &ParamRef) -> Value {
    named("ds-shared-code-artifact-repository-{}", s)
}
pub fn ecr_repository(s: &ParamRef) -> Value {
    named("ds-shared-ecr-repository-{}", s)
}
pub fn s3_endpoint_id(s: &ParamRef) -> Value {
    named("ds-s3-endpoint-{}-id", s)
}
pub fn code_artifact_api_dns(s: &ParamRef) -> Value {
    named("ds-codeartifact-api-endpoint-{}-dns", s)
}
pub fn code_artifact_repository_dns(s: &ParamRef) -> Value {
    named("ds-codeartifact-repository-endpoint-{}-dns", s)
}
pub fn vpc(s: &ParamRef) -> Value {
    named("ds-vpc-{}", s)
}
/// Subnet `n` (1, 2 or 3).
pub fn subnet(n: usize, s: &ParamRef) -> Value {
    named(&format!("ds-subnet{n}-{{}}"), s)
}
pub fn sagemaker_security_group(s: &ParamRef) -> Value {
    named("ds-sagemaker-vpc-sg-{}", s)
}
pub fn user_profile_security_group(s: &ParamRef) -> Value {
    named("ds-userprofile-sg-{}", s)
}
pub fn data_lake_key_arn(s: &ParamRef) -> Value {
    named("ds-data-lake-kms-cmk-{}-arn", s)
}
pub fn data_lake_bucket(s: &ParamRef) -> Value {
    named("ds-s3-data-lake-{}", s)
}
pub fn quickstart_mode(s: &ParamRef) -> Value {
    named("{}-QuickstartMode", s)
}
pub fn studio_domain_id(s: &ParamRef) -> Value {
    named("ds-sagemaker-studio-{}-domain-id", s)
}
pub fn studio_key_arn(s: &ParamRef) -> Value {
    named("ds-sagemaker-studio-kms-cmk-{}-arn", s)
}

// Team environments (team `t`, environment type `e`).
pub fn team_admin_role_arn(t: &ParamRef, e: &ParamRef) -> Value {
    team_named("ds-admin-role-{team}-{env}-arn", t, e)
}
pub fn team_user_role_arn(t: &ParamRef, e: &ParamRef) -> Value {
    team_named("ds-user-role-{team}-{env}-arn", t, e)
}
pub fn team_key_arn(t: &ParamRef, e: &ParamRef) -> Value {
    team_named("ds-kms-cmk-{team}-{env}-arn", t, e)
}
pub fn team_data_bucket(t: &ParamRef, e: &ParamRef) -> Value {
    team_named("ds-s3-data-{team}-{env}", t, e)
}
pub fn team_model_bucket(t: &ParamRef, e: &ParamRef) -> Value {
    team_named("ds-s3-models-{team}-{env}", t, e)
}
pub fn team_repository_url(t: &ParamRef, e: &ParamRef) -> Value {
    team_named("ds-source-{team}-{env}-url", t, e)
}
