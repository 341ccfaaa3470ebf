//! `sds policy`: the least-privilege IAM policy a principal needs to run an sds command, built
//! from the table of the calls the command makes ([`calls`]) with the ARNs filled in from the
//! flags and the configuration. No network and no SDK: works without the `publish` feature.
//!
//! Owns the defaults publish shares with it (the stack name, the staging bucket's name), so the
//! policy names what publish touches.

pub mod calls;

use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;
use indexmap::IndexMap;
use serde_json::{json, Value};

use crate::cli::{PolicyArgs, PolicyCommand, ReportFormat};
use calls::{Command, On, When};

/// GitHub's OIDC issuer (`sds bootstrap` with `bootstrap.github`).
pub const GITHUB_ISSUER: &str = "token.actions.githubusercontent.com";

/// The stack name the reference flow used; publish's default.
pub const DEFAULT_STACK: &str = "secure-ds-shared-service";

/// Key prefix in the staging bucket; publish's default.
pub const DEFAULT_PREFIX: &str = "sds";

const HUMAN: &str = include_str!("../../templates/policy.txt.j2");

/// The default staging bucket: one per account and region, named after them (not random, so
/// every publish of an account finds it again).
pub fn default_bucket(account: &str, region: &str) -> String {
    format!("sds-staging-{account}-{region}")
}

/// The staging bucket of a bootstrap stack (`sds bootstrap`): one per account and region.
pub fn bootstrap_bucket(account: &str, region: &str) -> String {
    format!("sds-bootstrap-{account}-{region}")
}

/// What the policy is for: `None` account or region stands for any (`*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub account: Option<String>,
    pub region: Option<String>,
    pub stack: String,
    /// The staging bucket; default: [`default_bucket`] (with `*` for what is not known).
    pub bucket: Option<String>,
    /// Without slashes at either end; may be empty.
    pub prefix: String,
    /// Include the calls of the team stacks.
    pub teams: bool,
    /// The execution role publish passes to CloudFormation, if any.
    pub role_arn: Option<String>,
    /// Publishing through the bootstrap stack: its bucket and its execution role.
    pub bootstrap: bool,
    /// Bootstrapping declares GitHub's OIDC provider (`bootstrap.github` without `provider_arn`).
    pub github_provider: bool,
}

/// One statement of the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sid: String,
    pub actions: Vec<&'static str>,
    pub resources: Vec<String>,
    /// `iam:PassRole` only to CloudFormation.
    pub passed_to: Option<&'static str>,
}

impl Target {
    /// Whether the command makes the calls made `when`.
    pub fn makes(&self, when: When) -> bool {
        match when {
            When::Always => true,
            When::Teams => self.teams,
            When::ExecutionRole => self.role_arn.is_some(),
            When::Bootstrap => self.bootstrap,
            When::GitHubProvider => self.github_provider,
        }
    }

    fn account(&self) -> &str {
        self.account.as_deref().unwrap_or("*")
    }

    fn region(&self) -> &str {
        self.region.as_deref().unwrap_or("*")
    }

    pub fn bucket(&self) -> String {
        match (&self.bucket, self.bootstrap) {
            (Some(b), _) => b.clone(),
            (None, true) => bootstrap_bucket(self.account(), self.region()),
            (None, false) => default_bucket(self.account(), self.region()),
        }
    }

    fn under_prefix(&self, rest: &str) -> String {
        if self.prefix.is_empty() {
            format!("arn:aws:s3:::{}/{rest}", self.bucket())
        } else {
            format!("arn:aws:s3:::{}/{}/{rest}", self.bucket(), self.prefix)
        }
    }

    /// The ARNs a kind of resource stands for.
    pub fn arns(&self, on: On) -> Vec<String> {
        let cfn = |rest: String| format!("arn:aws:cloudformation:{}:{}:{rest}", self.region(), self.account());
        match on {
            On::Bucket => vec![format!("arn:aws:s3:::{}", self.bucket())],
            On::Objects => vec![self.under_prefix("*")],
            On::LockObjects => vec![self.under_prefix(".sds-lock/*")],
            On::RootStack => vec![cfn(format!("stack/{}/*", self.stack))],
            On::NestedStacks => vec![cfn(format!("stack/{}-*/*", self.stack))],
            On::TeamStacks => vec![cfn(format!("stack/{}-team-*/*", self.stack))],
            On::RootChangeSets => vec![cfn("changeSet/sds-publish-*/*".into())],
            On::TeamChangeSets => vec![cfn("changeSet/sds-team-*/*".into())],
            On::TeamStacksRole => vec![format!("arn:aws:iam::{}:role/{}-*", self.account(), self.stack)],
            On::ExecutionRole => self.role_arn.iter().cloned().collect(),
            On::BootstrapStack => vec![cfn("stack/sds-bootstrap/*".into())],
            On::BootstrapRole => vec![format!("arn:aws:iam::{}:role/sds-bootstrap-ExecutionRole-*", self.account())],
            On::BootstrapBucket => vec![format!("arn:aws:s3:::{}", bootstrap_bucket(self.account(), self.region()))],
            On::BootstrapRoles => vec![format!("arn:aws:iam::{}:role/sds-bootstrap-*", self.account())],
            On::GitHubProvider => {
                vec![format!("arn:aws:iam::{}:oidc-provider/{}", self.account(), crate::policy::GITHUB_ISSUER)]
            }
            On::ProductStacks => vec![cfn(format!("stack/SC-{}-pp-*/*", self.account()))],
            On::StudioApps => vec![self.sagemaker("app/*")],
            On::StudioUserProfiles => vec![self.sagemaker("user-profile/*")],
            On::StudioSpaces => vec![self.sagemaker("space/*")],
            On::Any => vec!["*".into()],
        }
    }

    fn sagemaker(&self, rest: &str) -> String {
        format!("arn:aws:sagemaker:{}:{}:{rest}", self.region(), self.account())
    }
}

/// A statement's Sid from what it is on.
fn sid(on: &[On]) -> String {
    on.iter()
        .map(|o| match o {
            On::Bucket => "StagingBucket",
            On::Objects => "StagingObjects",
            On::LockObjects => "PublishLock",
            On::RootStack => "RootStack",
            On::NestedStacks => "NestedStacks",
            On::TeamStacks => "TeamStacks",
            On::RootChangeSets | On::TeamChangeSets => "ChangeSets",
            On::TeamStacksRole => "PassTeamStacksRole",
            On::ExecutionRole => "PassExecutionRole",
            On::BootstrapStack => "BootstrapStack",
            On::BootstrapRole => "PassBootstrapRole",
            On::BootstrapBucket => "BootstrapBucket",
            On::BootstrapRoles => "BootstrapRoles",
            On::GitHubProvider => "GitHubOidcProvider",
            On::ProductStacks => "ProductStacks",
            On::StudioApps => "StudioApps",
            On::StudioUserProfiles => "StudioUserProfiles",
            On::StudioSpaces => "StudioSpaces",
            On::Any => "NoResourceLevelPermission",
        })
        .collect()
}

/// The statements of a command's policy: one per set of resources, in the table's order, each
/// with the actions of every row made on exactly that set.
pub fn statements(command: Command, target: &Target) -> Vec<Statement> {
    let mut grouped: IndexMap<&[On], Vec<&'static str>> = IndexMap::new();
    for c in calls::of(command).filter(|c| !c.actions.is_empty() && target.makes(c.when)) {
        let actions = grouped.entry(c.on).or_default();
        for a in c.actions {
            if !actions.contains(a) {
                actions.push(a);
            }
        }
    }
    grouped
        .into_iter()
        .map(|(on, mut actions)| {
            actions.sort_unstable();
            let passed_to = actions.contains(&"iam:PassRole").then_some("cloudformation.amazonaws.com");
            Statement { sid: sid(on), actions, resources: on.iter().flat_map(|o| target.arns(*o)).collect(), passed_to }
        })
        .collect()
}

/// The IAM policy document of the statements.
pub fn document(statements: &[Statement]) -> Value {
    let statements: Vec<Value> = statements
        .iter()
        .map(|s| {
            let one_or_list = |v: Vec<String>| if v.len() == 1 { json!(v[0]) } else { json!(v) };
            let mut st = json!({
                "Sid": s.sid,
                "Effect": "Allow",
                "Action": one_or_list(s.actions.iter().map(|a| a.to_string()).collect()),
                "Resource": one_or_list(s.resources.clone()),
            });
            if let Some(service) = s.passed_to {
                st["Condition"] = json!({ "StringEquals": { "iam:PassedToService": service } });
            }
            st
        })
        .collect();
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// The first character that `allowed` refuses, for a located error.
fn check(
    what: &str,
    value: &str,
    ok_len: std::ops::RangeInclusive<usize>,
    allowed: fn(char) -> bool,
) -> anyhow::Result<()> {
    if let Some((i, c)) = value.char_indices().find(|(_, c)| !allowed(*c)) {
        bail!("{what} {value:?}: character {c:?} at {} is not allowed", i + 1);
    }
    if !ok_len.contains(&value.len()) {
        bail!("{what} {value:?}: {} characters, expected {} to {}", value.len(), ok_len.start(), ok_len.end());
    }
    Ok(())
}

/// An IAM role's ARN (`arn:<partition>:iam::<12 digits>:role/<path and name>`), or a clear error.
pub fn check_role_arn(arn: &str) -> anyhow::Result<()> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = match parts.as_slice() {
        ["arn", partition, "iam", "", account, resource] => {
            partition.starts_with("aws")
                && account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && resource.strip_prefix("role/").is_some_and(|name| {
                    !name.is_empty()
                        && name.len() <= 512
                        && name.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
                })
        }
        _ => false,
    };
    if !ok {
        bail!("--role-arn {arn:?}: not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)");
    }
    Ok(())
}

/// A CloudFormation stack name (a letter, then letters, digits and `-`; at most 128), or a clear
/// error naming the flag.
pub fn check_stack_name(flag: &str, stack: &str) -> anyhow::Result<()> {
    check(flag, stack, 1..=128, |c| c.is_ascii_alphanumeric() || c == '-')?;
    if !stack.starts_with(|c: char| c.is_ascii_alphabetic()) {
        bail!("{flag} {stack:?}: a stack name starts with a letter");
    }
    Ok(())
}

/// The target of `sds policy`, from its flags and the configuration.
pub fn target(args: &PolicyArgs) -> anyhow::Result<Target> {
    if let Some(a) = &args.account {
        if a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
            bail!("--account {a:?}: an AWS account id is 12 digits");
        }
    }
    if let Some(r) = &args.region {
        check("--region", r, 1..=32, |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')?;
    }
    let stack = args.stack_name.clone().unwrap_or_else(|| DEFAULT_STACK.to_string());
    check_stack_name("--stack-name", &stack)?;
    if let Some(b) = &args.bucket {
        check("--bucket", b, 3..=63, |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')?;
    }
    let prefix = args.prefix.trim_matches('/').to_string();
    check("--prefix", &prefix, 0..=512, |c| c.is_ascii_graphic() && c != '*' && c != '?')?;
    if let Some(arn) = &args.role_arn {
        check_role_arn(arn)?;
    }
    let config = crate::synth::load_config(args.config.as_deref())?;
    Ok(Target {
        account: args.account.clone(),
        region: args.region.clone(),
        stack,
        bucket: args.bucket.clone(),
        prefix,
        teams: args.teams || !config.teams.is_empty(),
        role_arn: args.role_arn.clone(),
        bootstrap: args.bootstrap,
        github_provider: config.bootstrap.github_repository.is_some() && config.bootstrap.github_provider_arn.is_none(),
    })
}

fn command(c: PolicyCommand) -> (Command, &'static str) {
    match c {
        PolicyCommand::Publish => (Command::Publish, "publish"),
        PolicyCommand::Bootstrap => (Command::Bootstrap, "bootstrap"),
        PolicyCommand::Destroy => (Command::Destroy, "destroy"),
    }
}

pub fn run(args: &PolicyArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let target = target(args)?;
    let (cmd, name) = command(args.command);
    let statements = statements(cmd, &target);
    let doc = document(&statements);
    if args.format == ReportFormat::Json {
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let calls: Vec<Value> = calls::of(cmd)
        .filter(|c| target.makes(c.when))
        .map(|c| {
            json!({
                "call": format!("{}:{}", c.service, c.operation),
                "actions": if c.actions.is_empty() { "none".to_string() } else { c.actions.join(", ") },
                "why": c.why,
            })
        })
        .collect();
    let ctx = json!({
        "command": name,
        "stack": target.stack,
        "of_stack": if cmd == Command::Bootstrap { String::new() } else { format!(" of stack {}", target.stack) },
        "bucket": target.bucket(),
        "account": target.account,
        "region": target.region,
        "teams": target.teams,
        "role_arn": target.role_arn,
        "statements": statements.iter().map(|s| json!({
            "sid": s.sid, "actions": s.actions, "resources": s.resources, "passed_to": s.passed_to,
        })).collect::<Vec<_>>(),
        "calls": calls,
        "document": serde_json::to_string_pretty(&doc)?,
    });
    let mut env = minijinja::Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    env.add_template("policy.txt", HUMAN).map_err(|e| anyhow::anyhow!("report template policy.txt: {e:#}"))?;
    let text = env
        .get_template("policy.txt")
        .and_then(|t| t.render(crate::review::render::value(&ctx)))
        .map_err(|e| anyhow::anyhow!("report template policy.txt: {e:#}"))?;
    out.write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(teams: bool) -> Target {
        Target {
            account: Some("123456789012".into()),
            region: Some("eu-west-1".into()),
            stack: "plat".into(),
            bucket: None,
            prefix: "sds".into(),
            teams,
            role_arn: None,
            bootstrap: false,
            github_provider: false,
        }
    }

    #[test]
    fn statements_group_the_table_by_resource() {
        let s = statements(Command::Publish, &target(false));
        let sids: Vec<&str> = s.iter().map(|s| s.sid.as_str()).collect();
        assert_eq!(
            sids,
            [
                "BootstrapStack",
                "StagingBucket",
                "StagingObjects",
                "PublishLock",
                "RootStack",
                "RootStackChangeSets",
                "RootStackNestedStacks"
            ]
        );
        assert_eq!(s[1].resources, ["arn:aws:s3:::sds-staging-123456789012-eu-west-1"]);
        assert_eq!(s[3].actions, ["s3:DeleteObject"]);
        assert_eq!(s[3].resources, ["arn:aws:s3:::sds-staging-123456789012-eu-west-1/sds/.sds-lock/*"]);
        assert!(s.iter().all(|s| !s.resources.contains(&"*".to_string())), "no team stacks: nothing on *");
        let with_teams = statements(Command::Publish, &target(true));
        let pass = with_teams.iter().find(|s| s.actions == ["iam:PassRole"]).unwrap();
        assert_eq!(pass.resources, ["arn:aws:iam::123456789012:role/plat-*"]);
        assert_eq!(pass.passed_to, Some("cloudformation.amazonaws.com"));
    }

    #[test]
    fn unknown_account_and_region_are_wildcards() {
        let t = Target { account: None, region: None, ..target(false) };
        assert_eq!(t.arns(On::Bucket), ["arn:aws:s3:::sds-staging-*-*"]);
        assert_eq!(t.arns(On::RootStack), ["arn:aws:cloudformation:*:*:stack/plat/*"]);
        let t = Target { prefix: String::new(), bucket: Some("b".into()), ..target(false) };
        assert_eq!(t.arns(On::Objects), ["arn:aws:s3:::b/*"]);
    }
}
