//! Names built from a team, its environment and (for user profiles) a user: bucket, role, policy,
//! repository and provisioned-product names. Each is one [`Name`], used both by the template that
//! builds it (as a `Fn::Sub` or, with the stack-id suffix, a `Fn::Join`) and by the configuration
//! check of declared teams ([`Name::check`]), so the limits checked are those of the names the
//! templates really build. Depends on the model and the stack builder only.

use crate::cfn::value::sub;
use crate::cfn::Value;
use crate::common::{join, stack_id_suffix};
use crate::stack::ParamRef;

/// Characters of the stack-id suffix (the last group of the stack's UUID) that
/// [`crate::common::with_stack_suffix`] appends.
pub const STACK_SUFFIX_LEN: usize = 12;

/// A name pattern: `{team}`, `{env}`, `{user}` and `{stack}` (the stack-id suffix) stand for the
/// values; `max` is AWS's limit in characters; `lower` says whether AWS requires lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Name {
    pub pattern: &'static str,
    /// What AWS calls it, for messages.
    pub what: &'static str,
    pub max: usize,
    pub lower: bool,
}

/// The parameters a template names the values with.
#[derive(Debug, Clone, Copy)]
pub struct Params<'a> {
    pub team: &'a ParamRef,
    pub env: &'a ParamRef,
    pub user: Option<&'a ParamRef>,
}

/// A piece of a pattern.
enum Piece<'a> {
    Text(&'a str),
    Team,
    Env,
    User,
    Stack,
}

fn pieces(pattern: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            out.push(Piece::Text(&rest[..open]));
        }
        let Some(close) = rest[open..].find('}') else { break };
        out.push(match &rest[open + 1..open + close] {
            "team" => Piece::Team,
            "env" => Piece::Env,
            "user" => Piece::User,
            _ => Piece::Stack,
        });
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

impl Name {
    pub const fn new(pattern: &'static str, what: &'static str, max: usize, lower: bool) -> Name {
        Name { pattern, what, max, lower }
    }

    /// The name in a template: `Fn::Join` of its pieces when it ends in the stack-id suffix,
    /// otherwise `Fn::Sub` of the pattern with the parameters as variables.
    pub fn template(&self, p: Params) -> Value {
        let var = |r: Option<&ParamRef>| r.map(|r| r.name().to_string()).unwrap_or_default();
        let pieces = pieces(self.pattern);
        if pieces.iter().any(|x| matches!(x, Piece::Stack)) {
            let parts = pieces
                .iter()
                .map(|x| match x {
                    Piece::Text(t) => Value::str(*t),
                    Piece::Team => p.team.r(),
                    Piece::Env => p.env.r(),
                    Piece::User => p.user.map(ParamRef::r).unwrap_or(Value::Null),
                    Piece::Stack => stack_id_suffix(),
                })
                .collect();
            return join(parts);
        }
        let text: String = pieces
            .iter()
            .map(|x| match x {
                Piece::Text(t) => t.to_string(),
                Piece::Team => format!("${{{}}}", p.team.name()),
                Piece::Env => format!("${{{}}}", p.env.name()),
                Piece::User => format!("${{{}}}", var(p.user)),
                Piece::Stack => String::new(),
            })
            .collect();
        sub(text)
    }

    /// The name for these values; the stack-id suffix is shown as its length in `x`s.
    pub fn render(&self, team: &str, env: &str, user: &str) -> String {
        pieces(self.pattern)
            .iter()
            .map(|x| match x {
                Piece::Text(t) => t.to_string(),
                Piece::Team => team.to_string(),
                Piece::Env => env.to_string(),
                Piece::User => user.to_string(),
                Piece::Stack => "x".repeat(STACK_SUFFIX_LEN),
            })
            .collect()
    }

    /// `Err` says why the name these values build breaks AWS's rule for it.
    pub fn check(&self, team: &str, env: &str, user: &str) -> Result<(), String> {
        let name = self.render(team, env, user);
        let len = name.chars().count();
        if len > self.max {
            return Err(format!(
                "makes the {} {name:?} of {len} characters; AWS allows at most {}",
                self.what, self.max
            ));
        }
        if self.lower && name.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(format!("makes the {} {name:?}, which must be lower case", self.what));
        }
        Ok(())
    }
}

/// See: <https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html>
pub const DATA_BUCKET: Name = Name::new("ds-data-bucket-{team}-{env}-{stack}", "S3 bucket name", 63, true);
pub const MODEL_BUCKET: Name = Name::new("ds-model-bucket-{team}-{env}-{stack}", "S3 bucket name", 63, true);
/// The team's access log bucket (hardened profile).
pub const LOGS_BUCKET: Name = Name::new("ds-logs-bucket-{team}-{env}-{stack}", "S3 bucket name", 63, true);
/// See: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html>
pub const ADMIN_ROLE: Name = Name::new("ds-admin-role-{team}-{env}", "IAM role name", 64, false);
pub const USER_ROLE: Name = Name::new("ds-user-role-{team}-{env}", "IAM role name", 64, false);
pub const NOTEBOOK_ROLE: Name = Name::new("ds-notebook-role-{team}-{env}-{user}", "IAM role name", 64, false);
/// See: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html>
pub const NOTEBOOK_POLICY_1: Name =
    Name::new("ds-notebook-policy-{team}-{env}-{user}-1", "IAM managed policy name", 128, false);
pub const NOTEBOOK_POLICY_2: Name =
    Name::new("ds-notebook-policy-{team}-{env}-{user}-2", "IAM managed policy name", 128, false);
/// See: <https://docs.aws.amazon.com/codecommit/latest/APIReference/API_CreateRepository.html>
pub const REPOSITORY: Name = Name::new("ds-source-{team}-{env}", "CodeCommit repository name", 100, false);
/// See: <https://docs.aws.amazon.com/ARG/latest/APIReference/API_CreateGroup.html>
pub const RESOURCE_GROUP: Name = Name::new("ds-{team}-{env}-resource-group", "resource group name", 128, false);
/// Provisioned products of a team stack.
/// See: <https://docs.aws.amazon.com/servicecatalog/latest/dg/API_ProvisionProduct.html>
pub const TEAM_PRODUCT: Name = Name::new("ds-env-{team}-{env}", "provisioned product name", 128, false);
pub const USER_PRODUCT: Name = Name::new("ds-user-{team}-{env}-{user}", "provisioned product name", 128, false);

/// Every name a team environment builds (checked for each declared team).
pub const TEAM_NAMES: &[Name] =
    &[DATA_BUCKET, MODEL_BUCKET, LOGS_BUCKET, ADMIN_ROLE, USER_ROLE, REPOSITORY, RESOURCE_GROUP, TEAM_PRODUCT];
/// Every name a user profile builds (checked for each declared user).
pub const USER_NAMES: &[Name] = &[NOTEBOOK_ROLE, NOTEBOOK_POLICY_1, NOTEBOOK_POLICY_2, USER_PRODUCT];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::yaml::inline;
    use crate::stack::Stack;

    #[test]
    fn template_forms_are_the_ones_the_reference_writes() {
        let mut s = Stack::new("t.yaml", "t");
        let team = s.parameter("TeamName", crate::cfn::Parameter::new("String"));
        let env = s.parameter("EnvType", crate::cfn::Parameter::new("String"));
        let p = Params { team: &team, env: &env, user: None };
        assert_eq!(inline(&ADMIN_ROLE.template(p)), "!Sub 'ds-admin-role-${TeamName}-${EnvType}'");
        let bucket = inline(&DATA_BUCKET.template(p));
        assert!(
            bucket.starts_with("!Join ['', [ds-data-bucket-, !Ref TeamName, '-', !Ref EnvType, '-', !Select"),
            "{bucket}"
        );
    }

    #[test]
    fn limits_count_the_stack_suffix() {
        assert_eq!(DATA_BUCKET.render("a", "dev", ""), "ds-data-bucket-a-dev-xxxxxxxxxxxx");
        // 15 + 1 + 1 + 12 = 29 fixed characters with a one-letter env: 34 left for the team.
        assert!(DATA_BUCKET.check(&"a".repeat(33), "d", "").is_ok());
        assert!(DATA_BUCKET.check(&"a".repeat(34), "dd", "").unwrap_err().contains("at most 63"));
        assert!(DATA_BUCKET.check("Team", "dev", "").unwrap_err().contains("lower case"));
        assert!(NOTEBOOK_ROLE.check("fraud-detection", "dev", "alice").is_ok());
        assert!(NOTEBOOK_ROLE.check("fraud-detection", "dev", &"a".repeat(40)).unwrap_err().contains("at most 64"));
    }
}
