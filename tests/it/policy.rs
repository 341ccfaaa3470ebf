//! `sds policy`: the printed policy (snapshots), checked with our own IAM evaluator
//! (`sds_constructs::iam`): every (action, resource) of the table is allowed by it, and what is
//! not in the table (another action, the same action on another resource) is not. Bad flags are
//! located errors (exit 2). No network.

use sds::policy::calls::{self, Command, On, When};
use sds::policy::{document, statements, Target};
use std::collections::BTreeSet;

use sds_constructs::iam::servauth;
use sds_constructs::iam::{evaluate, Caller, Context, Decision, Policies, Policy, Request, ResourceKind};

use crate::support::{sds, stderr, stdout};

const ACCOUNT: &str = "123456789012";

const ROLE: &str = "arn:aws:iam::123456789012:role/cfn-exec";

fn target(teams: bool) -> Target {
    Target {
        account: Some(ACCOUNT.into()),
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

/// The printed policy's decision for one request by a user holding only it.
pub fn decide(doc: &serde_json::Value, action: &str, resource: &str, ctx: &Context) -> Decision {
    let policy = Policy::from_json(doc).expect("the printed policy reads as an IAM policy");
    let identity = [("sds-policy", &policy)];
    let req = Request {
        caller: Caller::Iam(format!("arn:aws:iam::{ACCOUNT}:user/publisher")),
        action,
        resource,
        resource_account: ACCOUNT,
        context: ctx,
    };
    evaluate(&req, &Policies { identity: &identity, resource: None, kind: ResourceKind::Ordinary }).decision
}

/// A concrete ARN of each kind of resource, as the calls name them.
fn example(on: On) -> &'static str {
    match on {
        On::Bucket => "arn:aws:s3:::sds-staging-123456789012-eu-west-1",
        On::Objects => "arn:aws:s3:::sds-staging-123456789012-eu-west-1/sds/templates/0a1b2c.yaml",
        On::LockObjects => "arn:aws:s3:::sds-staging-123456789012-eu-west-1/sds/.sds-lock/plat.json",
        On::RootStack => "arn:aws:cloudformation:eu-west-1:123456789012:stack/plat/6c1e2f40-0000-11ef-9a3b-0a1b2c3d4e5f",
        On::NestedStacks => {
            "arn:aws:cloudformation:eu-west-1:123456789012:stack/plat-Child-1A2B3C4D5E6F/6c1e2f40-0000-11ef-9a3b-0a1b2c3d4e5f"
        }
        On::TeamStacks => {
            "arn:aws:cloudformation:eu-west-1:123456789012:stack/plat-team-a-dev/6c1e2f40-0000-11ef-9a3b-0a1b2c3d4e5f"
        }
        On::RootChangeSets => {
            "arn:aws:cloudformation:eu-west-1:123456789012:changeSet/sds-publish-1733600000000/9d8e7f60-0000-11ef-9a3b-0a1b2c3d4e5f"
        }
        On::TeamChangeSets => {
            "arn:aws:cloudformation:eu-west-1:123456789012:changeSet/sds-team-a-dev-1733600000000/9d8e7f60-0000-11ef-9a3b-0a1b2c3d4e5f"
        }
        On::TeamStacksRole => "arn:aws:iam::123456789012:role/plat-DSSharedServices-TeamStacksDeploymentRole-1A2B3C",
        On::ExecutionRole => ROLE,
        On::BootstrapStack => "arn:aws:cloudformation:eu-west-1:123456789012:stack/sds-bootstrap/6c1e2f40-0000-11ef-9a3b-0a1b2c3d4e5f",
        On::BootstrapRole => "arn:aws:iam::123456789012:role/sds-bootstrap-ExecutionRole-1A2B3C4D",
        On::BootstrapBucket => "arn:aws:s3:::sds-bootstrap-123456789012-eu-west-1",
        On::BootstrapRoles => "arn:aws:iam::123456789012:role/sds-bootstrap-ExecutionRole-1A2B3C4D",
        On::GitHubProvider => "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
        On::ProductStacks => {
            "arn:aws:cloudformation:eu-west-1:123456789012:stack/SC-123456789012-pp-abcdefghijklm/6c1e2f40-0000-11ef-9a3b-0a1b2c3d4e5f"
        }
        On::StudioApps => "arn:aws:sagemaker:eu-west-1:123456789012:app/d-abc123/alice/jupyterserver/default",
        On::StudioUserProfiles => "arn:aws:sagemaker:eu-west-1:123456789012:user-profile/d-abc123/alice",
        On::StudioSpaces => "arn:aws:sagemaker:eu-west-1:123456789012:space/d-abc123/shared",
        On::Any => "*",
    }
}

fn passed_to_cloudformation() -> Context {
    Context::new().set("iam:PassedToService", &["cloudformation.amazonaws.com"])
}

#[test]
fn every_call_of_the_table_is_allowed_by_the_printed_policy() {
    let mut not_acted_on = BTreeSet::new();
    for (teams, role, bootstrap) in
        [(false, None, false), (true, None, false), (false, Some(ROLE.to_string()), false), (true, None, true)]
    {
        let t = Target { role_arn: role, bootstrap, ..target(teams) };
        let doc = document(&statements(Command::Publish, &t));
        let mut checked = 0;
        for c in calls::of(Command::Publish).filter(|c| t.makes(c.when)) {
            for a in c.actions {
                for on in c.on {
                    let arn = if bootstrap {
                        example(*on).replace("sds-staging-", "sds-bootstrap-")
                    } else {
                        example(*on).to_string()
                    };
                    if !acts_on(a, &arn) {
                        not_acted_on.insert(format!("{a} on {on:?}"));
                        continue;
                    }
                    let d = decide(&doc, a, &arn, &passed_to_cloudformation());
                    assert_eq!(d, Decision::Allow, "{}:{} needs {a} on {:?}", c.service, c.operation, on);
                    checked += 1;
                }
            }
        }
        assert!(checked > 25, "{checked}");
    }
    // IAM authorizes the change-set actions on the stack only (the Service Authorization
    // Reference lists `stack` as their one resource type; `cloudformation:ChangeSetName` is how
    // a policy names the change set): the table's change-set ARNs for them are requests IAM
    // never sees, and the printed policy's grants on them are unused. Listed here so that the
    // table's next change sees them; the grants on the stacks are checked above.
    let expected: BTreeSet<String> = ["CreateChangeSet", "DescribeChangeSet", "ExecuteChangeSet", "DeleteChangeSet"]
        .iter()
        .flat_map(|a| ["RootChangeSets", "TeamChangeSets"].map(|on| format!("cloudformation:{a} on {on}")))
        .collect();
    assert_eq!(not_acted_on, expected);
}

/// Whether `action` acts on `arn`'s resource type, as the service-authorization data says
/// (`sds_constructs::iam::servauth`); an action it does not have, yes.
pub fn acts_on(action: &str, arn: &str) -> bool {
    servauth::action(action).is_none_or(|(s, a)| a.resource_types.is_empty() || s.fits(a, arn))
}

/// IAM's limit on a managed policy, in characters without whitespace (a role's inline policies
/// may hold 10,240, a user's 2,048).
/// See: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>
const MANAGED_POLICY_LIMIT: usize = 6_144;

#[test]
fn the_largest_policy_fits_a_managed_policy() {
    let t = Target { role_arn: Some(ROLE.into()), ..target(true) };
    let compact = serde_json::to_string(&document(&statements(Command::Publish, &t))).unwrap();
    assert!(compact.len() <= MANAGED_POLICY_LIMIT, "{} characters", compact.len());
    assert!(compact.len() > 2_048, "the README says it exceeds a user's inline policy: update it");
}

#[test]
fn what_is_not_in_the_table_is_denied() {
    let with_teams = document(&statements(Command::Publish, &target(true)));
    let without = document(&statements(Command::Publish, &target(false)));
    let ctx = passed_to_cloudformation();
    let denied = |doc: &serde_json::Value, action: &str, resource: &str| {
        assert_eq!(decide(doc, action, resource, &ctx), Decision::ImplicitDeny, "{action} on {resource}");
    };
    // Actions sds never calls.
    denied(&with_teams, "s3:DeleteBucket", example(On::Bucket));
    denied(&with_teams, "s3:PutBucketAcl", example(On::Bucket));
    denied(&with_teams, "cloudformation:DeleteStack", example(On::RootStack));
    denied(&with_teams, "cloudformation:UpdateStack", example(On::RootStack));
    denied(&with_teams, "iam:CreateRole", "arn:aws:iam::123456789012:role/anything");
    // Team stacks' calls only with teams.
    denied(&without, "cloudformation:DeleteStack", example(On::TeamStacks));
    // Nested stacks are CloudFormation's: sds only reads their events.
    denied(&with_teams, "cloudformation:DeleteStack", example(On::NestedStacks));
    denied(&with_teams, "cloudformation:ExecuteChangeSet", example(On::NestedStacks));
    denied(
        &with_teams,
        "cloudformation:ExecuteChangeSet",
        "arn:aws:cloudformation:eu-west-1:123456789012:changeSet/other/1",
    );
    denied(&without, "iam:PassRole", example(On::TeamStacksRole));
    denied(&without, "cloudformation:DescribeStacks", "*");
    // The execution role only when given, and only it.
    denied(&with_teams, "iam:PassRole", ROLE);
    let with_role = document(&statements(Command::Publish, &Target { role_arn: Some(ROLE.into()), ..target(false) }));
    denied(&with_role, "iam:PassRole", "arn:aws:iam::123456789012:role/cfn-exec-2");
    denied(&with_role, "iam:PassRole", example(On::TeamStacksRole));
    // The right action on another resource.
    denied(&with_teams, "s3:PutObject", "arn:aws:s3:::someone-elses-bucket/sds/x.yaml");
    denied(&with_teams, "s3:PutObject", "arn:aws:s3:::sds-staging-123456789012-eu-west-1/other/x.yaml");
    denied(&with_teams, "s3:DeleteObject", example(On::Objects));
    denied(&with_teams, "s3:ListBucket", "arn:aws:s3:::sds-staging-123456789012-us-east-1");
    denied(
        &with_teams,
        "cloudformation:ExecuteChangeSet",
        "arn:aws:cloudformation:eu-west-1:123456789012:stack/other/1",
    );
    denied(
        &with_teams,
        "cloudformation:ExecuteChangeSet",
        "arn:aws:cloudformation:eu-west-1:210987654321:stack/plat/1",
    );
    denied(&with_teams, "iam:PassRole", "arn:aws:iam::123456789012:role/admin");
    // The team stacks' role is passed to CloudFormation only.
    let to_ec2 = Context::new().set("iam:PassedToService", &["ec2.amazonaws.com"]);
    assert_eq!(decide(&with_teams, "iam:PassRole", example(On::TeamStacksRole), &to_ec2), Decision::ImplicitDeny);
}

fn policy(args: &[&str]) -> std::process::Output {
    sds().arg("policy").args(args).output().unwrap()
}

#[test]
fn the_publish_policy_as_printed() {
    let flags = ["publish", "--account", ACCOUNT, "--region", "eu-west-1", "--stack-name", "plat"];
    let o = policy(&flags);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("publish_human", stdout(&o));
    let o = policy(&[&flags[..], &["--format", "json", "--teams"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("publish_json_teams", stdout(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc, document(&statements(Command::Publish, &target(true))), "the JSON is the policy document alone");
}

#[test]
fn declared_teams_add_the_team_stacks_calls() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("sds.yaml");
    std::fs::write(&cfg, "teams:\n  - name: a\n    env: dev\n    users: [{name: u1}]\n").unwrap();
    let o = policy(&["publish", "--format", "json", "--config", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("iam:PassRole"), "{}", stdout(&o));
    let o = policy(&["publish", "--format", "json"]);
    assert!(!stdout(&o).contains("iam:PassRole"), "the default platform declares no team");
    // Unknown account and region are wildcards, said so for people.
    let o = policy(&["publish"]);
    assert!(stdout(&o).contains("arn:aws:s3:::sds-staging-*-*"), "{}", stdout(&o));
    assert!(stdout(&o).contains("account * (pass --account)"), "{}", stdout(&o));
    assert!(stdout(&o).contains("with the caller's own credentials"), "{}", stdout(&o));
    // An execution role: passed to CloudFormation only, and said so.
    let o = policy(&["publish", "--role-arn", ROLE]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("PassExecutionRole\n  allow iam:PassRole\n  on    arn:aws:iam::123456789012:role/cfn-exec\n  only when passed to cloudformation.amazonaws.com"), "{}", stdout(&o));
    assert!(stdout(&o).contains("with the execution role arn:aws:iam::123456789012:role/cfn-exec"), "{}", stdout(&o));
}

#[test]
fn bad_flags_are_located_errors() {
    for (args, says) in [
        (vec!["--account", "12345"], "--account \"12345\": an AWS account id is 12 digits"),
        (vec!["--region", "eu west"], "--region \"eu west\": character ' ' at 3 is not allowed"),
        (vec!["--stack-name", "1plat"], "a stack name starts with a letter"),
        (vec!["--stack-name", "pl_at"], "character '_' at 3"),
        (vec!["--bucket", "Upper"], "--bucket \"Upper\": character 'U' at 1"),
        (vec!["--prefix", "a*"], "--prefix \"a*\": character '*' at 2"),
        (vec!["--config", "no/such.yaml"], "no/such.yaml"),
        (
            vec!["--role-arn", "arn:aws:iam::1234:role/x"],
            "--role-arn \"arn:aws:iam::1234:role/x\": not an IAM role ARN",
        ),
        (vec!["--role-arn", "arn:aws:iam::123456789012:user/x"], "not an IAM role ARN"),
    ] {
        let o = policy(&[&["publish"][..], &args[..]].concat());
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{args:?}: nothing printed on error");
    }
}

#[test]
fn the_destroy_policy_allows_its_calls_and_nothing_that_deletes_more() {
    let doc = document(&statements(Command::Destroy, &target(false)));
    let mut checked = 0;
    for c in calls::of(Command::Destroy) {
        for a in c.actions {
            for on in c.on {
                assert_eq!(decide(&doc, a, example(*on), &Context::new()), Decision::Allow, "{a} on {on:?}");
                checked += 1;
            }
        }
    }
    assert!(checked > 15, "{checked}");
    let denied = |action: &str, resource: &str| {
        assert_eq!(decide(&doc, action, resource, &Context::new()), Decision::ImplicitDeny, "{action} on {resource}");
    };
    // Nested and product stacks go with their parents: sds deletes only the root and team stacks.
    denied("cloudformation:DeleteStack", example(On::NestedStacks));
    denied("cloudformation:DeleteStack", example(On::ProductStacks));
    denied("cloudformation:DeleteStack", "arn:aws:cloudformation:eu-west-1:123456789012:stack/other/1");
    // Never the data: no bucket or object deletion, no domain deletion (the root's), no PassRole.
    denied("s3:DeleteBucket", "arn:aws:s3:::ds-data-bucket-a-dev-123");
    denied("s3:DeleteObject", "arn:aws:s3:::ds-data-bucket-a-dev-123/x");
    denied("sagemaker:DeleteDomain", "arn:aws:sagemaker:eu-west-1:123456789012:domain/d-abc123");
    denied("iam:PassRole", "arn:aws:iam::123456789012:role/plat-x");
    denied("sagemaker:DeleteApp", "arn:aws:sagemaker:eu-west-1:210987654321:app/d-abc123/alice/jupyterserver/default");
    let o = policy(&["destroy", "--account", ACCOUNT, "--region", "eu-west-1", "--stack-name", "plat"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("destroy_human", stdout(&o));
}

#[test]
fn the_bootstrap_policy_allows_its_calls_and_only_on_the_bootstraps_resources() {
    let github = document(&statements(Command::Bootstrap, &Target { github_provider: true, ..target(false) }));
    let provider = example(On::GitHubProvider);
    assert_eq!(decide(&github, "iam:CreateOpenIDConnectProvider", provider, &Context::new()), Decision::Allow);
    let doc = document(&statements(Command::Bootstrap, &target(false)));
    assert_eq!(decide(&doc, "iam:CreateOpenIDConnectProvider", provider, &Context::new()), Decision::ImplicitDeny);
    let other = "arn:aws:iam::123456789012:oidc-provider/example.com";
    assert_eq!(decide(&github, "iam:CreateOpenIDConnectProvider", other, &Context::new()), Decision::ImplicitDeny);
    let mut checked = 0;
    for c in calls::of(Command::Bootstrap).filter(|c| !matches!(c.when, When::GitHubProvider)) {
        for a in c.actions {
            for on in c.on {
                if !acts_on(a, example(*on)) {
                    // As for publish: IAM authorizes the change-set actions on the stack only.
                    assert!(a.ends_with("ChangeSet") && format!("{on:?}").ends_with("ChangeSets"), "{a} on {on:?}");
                    continue;
                }
                assert_eq!(decide(&doc, a, example(*on), &Context::new()), Decision::Allow, "{a} on {on:?}");
                checked += 1;
            }
        }
    }
    assert!(checked > 30, "{checked}");
    let denied = |action: &str, resource: &str| {
        assert_eq!(decide(&doc, action, resource, &Context::new()), Decision::ImplicitDeny, "{action} on {resource}");
    };
    denied("iam:CreateRole", "arn:aws:iam::123456789012:role/admin");
    denied("iam:PutRolePolicy", "arn:aws:iam::123456789012:role/plat-x");
    denied("iam:PassRole", example(On::BootstrapRoles));
    denied("s3:DeleteBucket", example(On::BootstrapBucket));
    denied("s3:PutObject", "arn:aws:s3:::sds-bootstrap-123456789012-eu-west-1/x");
    denied("s3:CreateBucket", "arn:aws:s3:::sds-staging-123456789012-eu-west-1");
    denied("cloudformation:CreateChangeSet", example(On::RootStack));
    denied("cloudformation:DeleteStack", example(On::BootstrapStack));
    let o = policy(&["bootstrap", "--account", ACCOUNT, "--region", "eu-west-1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("bootstrap_human", stdout(&o));
}
