//! `sds bootstrap`: a small stack of sds's own, deployed through the same change-set flow as
//! publish (the template passed in the request): a staging bucket hardened as publish hardens
//! its own, and a CloudFormation execution role whose policy is derived from the platform
//! ([`super::execution`]). Its outputs name them and the bootstrap version; `sds publish` finds the stack
//! by name, then stages in its bucket and passes its role to CloudFormation, and refuses a
//! bootstrap older than it needs.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{anyhow, bail};
use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use serde_json::{json, Value};

use super::{aws, deploy, env_ms, progress, Tracker};
use crate::cli::BootstrapArgs;
use sds_constructs::config::BootstrapProps;

/// The platform's root template: the execution role is derived from it and its nested stacks.
const ROOT: &str = "ds_administration.yaml";

/// The bootstrap stack's default name.
pub const STACK: &str = "sds-bootstrap";

/// The version this sds deploys and needs: raised whenever the stack changes in a way publish
/// relies on.
pub const VERSION: u32 = 1;

pub const BUCKET_OUTPUT: &str = "StagingBucketName";
pub const ROLE_OUTPUT: &str = "ExecutionRoleArn";
pub const VERSION_OUTPUT: &str = "BootstrapVersion";
pub const PUBLISH_ROLE_OUTPUT: &str = "PublishRoleArn";

/// What the publish role may do: `sds policy publish --bootstrap` for the platform's stack, with
/// the account and region the stack is deployed in (`Fn::Sub` of the pseudo parameters).
pub fn publish_policy(platform_stack: &str, teams: bool) -> Value {
    let target = crate::policy::Target {
        account: Some("${AWS::AccountId}".into()),
        region: Some("${AWS::Region}".into()),
        stack: platform_stack.to_string(),
        bucket: None,
        prefix: crate::policy::DEFAULT_PREFIX.to_string(),
        teams,
        role_arn: None,
        bootstrap: true,
        github_provider: false,
    };
    let doc = crate::policy::document(&crate::policy::statements(crate::policy::calls::Command::Publish, &target));
    fn sub(v: Value) -> Value {
        match v {
            Value::String(s) if s.contains("${AWS::") => json!({ "Fn::Sub": s }),
            Value::Array(a) => Value::Array(a.into_iter().map(sub).collect()),
            Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, sub(v))).collect()),
            other => other,
        }
    }
    sub(doc)
}

/// The staging bucket of a bootstrap: one per account and region.
pub use crate::policy::bootstrap_bucket as bucket_name;

/// A managed policy's ARN (`arn:<partition>:iam::<12 digits or aws>:policy/<path and name>`), or
/// a clear error.
pub fn check_policy_arn(arn: &str) -> anyhow::Result<()> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = match parts.as_slice() {
        ["arn", partition, "iam", "", account, resource] => {
            partition.starts_with("aws")
                && (*account == "aws" || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())))
                && resource.strip_prefix("policy/").is_some_and(|name| {
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
                })
        }
        _ => false,
    };
    if !ok {
        bail!("--permissions-boundary {arn:?}: not a managed policy ARN (arn:aws:iam::123456789012:policy/NAME)");
    }
    Ok(())
}

/// GitHub's OIDC issuer, and the audience its tokens carry for AWS.
/// See: <https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services>
pub use crate::policy::GITHUB_ISSUER;
pub const GITHUB_AUDIENCE: &str = "sts.amazonaws.com";
pub const GITHUB_PROVIDER_OUTPUT: &str = "GitHubOidcProviderArn";

/// The publish role's trust for GitHub Actions runs of one repository's branch: web identity
/// through `provider`, the audience and the subject matched exactly (StringEquals, no wildcard).
pub fn github_trust(repository: &str, branch: &str, provider: Value) -> Value {
    json!({
        "Sid": "GitHubActions",
        "Effect": "Allow",
        "Principal": { "Federated": provider },
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {
                format!("{GITHUB_ISSUER}:aud"): GITHUB_AUDIENCE,
                format!("{GITHUB_ISSUER}:sub"): format!("repo:{repository}:ref:refs/heads/{branch}"),
            }
        }
    })
}

/// Adds GitHub OIDC to the template: the provider (unless an existing one is given) and the
/// publish role's trust of the repository's branch.
fn add_github(doc: &mut Value, github: &BootstrapProps) {
    let (Some(repository), Some(branch)) = (&github.github_repository, &github.github_branch) else { return };
    let provider = match &github.github_provider_arn {
        Some(arn) => json!(arn),
        None => {
            // The thumbprint list is optional: IAM trusts GitHub's certificate authority itself.
            // See: <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc_verify-thumbprint.html>
            doc["Resources"]["GitHubOidcProvider"] = json!({
                "Type": "AWS::IAM::OIDCProvider",
                "Properties": { "Url": format!("https://{GITHUB_ISSUER}"), "ClientIdList": [GITHUB_AUDIENCE] }
            });
            json!({ "Ref": "GitHubOidcProvider" })
        }
    };
    doc["Outputs"][GITHUB_PROVIDER_OUTPUT] = json!({ "Value": provider.clone() });
    if let Some(statements) =
        doc["Resources"]["PublishRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"].as_array_mut()
    {
        statements.push(github_trust(repository, branch, provider));
    }
}

/// The bootstrap template (JSON, deterministic); `boundary`: the execution role's permissions
/// boundary; `github`: the repository and branch whose GitHub Actions runs may assume the publish
/// role (`bootstrap.github`).
pub fn template(
    bucket: &str,
    execution_policy: Value,
    boundary: Option<&str>,
    publish_policy: Value,
    github: &BootstrapProps,
) -> String {
    let doc = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!("sds bootstrap, version {VERSION}: the staging bucket and the role CloudFormation deploys the platform with"),
        "Resources": {
            "StagingBucket": {
                "Type": "AWS::S3::Bucket",
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Properties": {
                    "BucketName": bucket,
                    "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": true, "BlockPublicPolicy": true,
                        "IgnorePublicAcls": true, "RestrictPublicBuckets": true
                    },
                    "BucketEncryption": { "ServerSideEncryptionConfiguration": [
                        { "ServerSideEncryptionByDefault": { "SSEAlgorithm": "AES256" } }
                    ] },
                    "VersioningConfiguration": { "Status": "Enabled" },
                    "OwnershipControls": { "Rules": [ { "ObjectOwnership": "BucketOwnerEnforced" } ] }
                }
            },
            "StagingBucketPolicy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": { "Ref": "StagingBucket" },
                    "PolicyDocument": serde_json::from_str::<Value>(&super::bucket::tls_only_policy(bucket)).unwrap_or(Value::Null)
                }
            },
            "ExecutionRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Description": "CloudFormation deploys the sds platform with this role (sds publish passes it)",
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Effect": "Allow",
                            "Principal": { "Service": "cloudformation.amazonaws.com" },
                            "Action": "sts:AssumeRole"
                        }]
                    },
                    "Policies": [{
                        "PolicyName": "PlatformServices",
                        "PolicyDocument": execution_policy
                    }]
                }
            },
            "PublishRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Description": "Runs sds publish with least privilege (sds policy publish --bootstrap); principals of the account allowed to assume it may",
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Effect": "Allow",
                            "Principal": { "AWS": { "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" } },
                            "Action": "sts:AssumeRole"
                        }]
                    },
                    "Policies": [{ "PolicyName": "SdsPublish", "PolicyDocument": publish_policy }]
                }
            }
        },
        "Outputs": {
            PUBLISH_ROLE_OUTPUT: { "Value": { "Fn::GetAtt": ["PublishRole", "Arn"] } },
            BUCKET_OUTPUT: { "Value": { "Ref": "StagingBucket" } },
            ROLE_OUTPUT: { "Value": { "Fn::GetAtt": ["ExecutionRole", "Arn"] } },
            VERSION_OUTPUT: { "Value": VERSION.to_string() }
        }
    });
    let mut doc = doc;
    if let Some(b) = boundary {
        doc["Resources"]["ExecutionRole"]["Properties"]["PermissionsBoundary"] = json!(b);
    }
    add_github(&mut doc, github);
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// What a deployed bootstrap offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub bucket: String,
    pub execution_role: String,
    pub version: u32,
}

/// The bootstrap stack's outputs, or `None` when there is no such stack.
pub async fn find(cfn: &aws_sdk_cloudformation::Client, stack: &str) -> anyhow::Result<Option<Found>> {
    let described = match cfn.describe_stacks().stack_name(stack).send().await {
        Ok(d) => d,
        Err(e) if e.message().is_some_and(|m| m.contains("does not exist")) => return Ok(None),
        Err(e) => bail!("cannot look for the bootstrap stack {stack}: {}", aws::describe("cloudformation", &e)),
    };
    let Some(s) = described.stacks().first() else { return Ok(None) };
    let output = |k: &str| s.outputs().iter().find(|o| o.output_key() == Some(k)).and_then(|o| o.output_value());
    let version = output(VERSION_OUTPUT).and_then(|v| v.parse().ok()).unwrap_or(0);
    match (output(BUCKET_OUTPUT), output(ROLE_OUTPUT)) {
        (Some(b), Some(r)) => Ok(Some(Found { bucket: b.to_string(), execution_role: r.to_string(), version })),
        _ => Ok(Some(Found { bucket: String::new(), execution_role: String::new(), version })),
    }
}

/// Refuses a bootstrap older than this sds needs, saying how to update it.
pub fn check_version(found: &Found, stack: &str) -> anyhow::Result<()> {
    if found.version < VERSION || found.bucket.is_empty() || found.execution_role.is_empty() {
        bail!(
            "the bootstrap stack {stack} is version {}; this sds needs version {VERSION}: update it with `sds bootstrap` (same account and region), then publish again",
            found.version
        );
    }
    Ok(())
}

pub fn run(args: &BootstrapArgs, platform: crate::PlatformFn, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    if !args.no_execute && !args.yes && !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        bail!("deploying needs a confirmation and standard input is not a terminal: pass --yes (or --no-execute to only create the change set)");
    }
    if let Some(b) = &args.permissions_boundary {
        check_policy_arn(b)?;
    }
    let config = crate::synth::load_config(args.config.as_deref())?;
    let app = crate::synth::build(&config, platform)?;
    let stack = STACK.to_string();
    let platform_stack = args.platform_stack.clone().unwrap_or_else(|| crate::policy::DEFAULT_STACK.to_string());
    crate::policy::check_stack_name("--platform-stack", &platform_stack)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let tracker = Tracker::default();
    let result = runtime.block_on(async {
        let aws = aws::connect(args.region.as_deref(), args.profile.as_deref()).await?;
        let account = aws::account(&aws).await?;
        let d = deploy::Deploy {
            stack: stack.clone(),
            template_url: String::new(),
            template_body: Some(template(
                &bucket_name(&account, &aws.region),
                super::execution::policy(&app.templates, ROOT, &platform_stack),
                args.permissions_boundary.as_deref(),
                publish_policy(&platform_stack, !config.teams.is_empty()),
                &config.bootstrap,
            )),
            parameters: Vec::new(),
            role_arn: None,
            no_execute: args.no_execute,
            yes: args.yes,
            poll: env_ms("SDS_POLL_MS").unwrap_or(Duration::from_secs(3)),
            wait: env_ms("SDS_WAIT_TIMEOUT_MS").unwrap_or(Duration::from_secs(30 * 60)),
        };
        deploy::deploy(&aws.cfn, &d, &tracker, progress::for_stderr(), out).await
    });
    runtime.shutdown_background();
    result.map_err(|e| anyhow!("{e:#}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_execution_role_holds_the_given_policy_and_boundary() {
        let policy = json!({"Version": "2012-10-17", "Statement": []});
        let t: Value =
            serde_json::from_str(&template("b", policy.clone(), None, json!({}), &BootstrapProps::default())).unwrap();
        assert_eq!(t["Resources"]["ExecutionRole"]["Properties"]["Policies"][0]["PolicyDocument"], policy);
        assert!(t["Resources"]["ExecutionRole"]["Properties"].get("PermissionsBoundary").is_none());
        let bounded: Value = serde_json::from_str(&template(
            "b",
            json!({}),
            Some("arn:aws:iam::123456789012:policy/Bound"),
            json!({}),
            &BootstrapProps::default(),
        ))
        .unwrap();
        assert_eq!(
            bounded["Resources"]["ExecutionRole"]["Properties"]["PermissionsBoundary"],
            "arn:aws:iam::123456789012:policy/Bound"
        );
        assert!(check_policy_arn("arn:aws:iam::aws:policy/PowerUserAccess").is_ok());
        assert!(check_policy_arn("arn:aws:iam::123456789012:role/x").is_err());
        assert!(check_policy_arn("arn:aws:iam::12:policy/x").is_err());
    }

    #[test]
    fn the_publish_role_holds_the_printed_publish_policy() {
        let p = publish_policy("plat", false);
        let sids: Vec<&str> = p["Statement"].as_array().unwrap().iter().map(|s| s["Sid"].as_str().unwrap()).collect();
        assert!(sids.contains(&"PassBootstrapRole") && sids.contains(&"StagingObjects"), "{sids:?}");
        let objects = p["Statement"].as_array().unwrap().iter().find(|s| s["Sid"] == "StagingObjects").unwrap();
        assert_eq!(
            objects["Resource"],
            json!({ "Fn::Sub": "arn:aws:s3:::sds-bootstrap-${AWS::AccountId}-${AWS::Region}/sds/*" })
        );
        let t: Value =
            serde_json::from_str(&template("b", json!({}), None, p.clone(), &BootstrapProps::default())).unwrap();
        assert_eq!(t["Resources"]["PublishRole"]["Properties"]["Policies"][0]["PolicyDocument"], p);
        assert_eq!(t["Outputs"][VERSION_OUTPUT]["Value"], json!(VERSION.to_string()));
    }

    #[test]
    fn github_runs_of_one_branch_may_assume_the_publish_role() {
        let github = BootstrapProps {
            github_repository: Some("my-org/platform".into()),
            github_branch: Some("main".into()),
            github_provider_arn: None,
        };
        let t: Value = serde_json::from_str(&template("b", json!({}), None, json!({}), &github)).unwrap();
        assert_eq!(
            t["Resources"]["GitHubOidcProvider"],
            json!({"Type": "AWS::IAM::OIDCProvider", "Properties": {"Url": "https://token.actions.githubusercontent.com", "ClientIdList": ["sts.amazonaws.com"]}})
        );
        let trust = &t["Resources"]["PublishRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"];
        assert_eq!(trust.as_array().unwrap().len(), 2, "the account's principals, and GitHub");
        assert_eq!(
            trust[1],
            json!({
                "Sid": "GitHubActions",
                "Effect": "Allow",
                "Principal": {"Federated": {"Ref": "GitHubOidcProvider"}},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": "repo:my-org/platform:ref:refs/heads/main"
                }}
            })
        );
        assert_eq!(t["Outputs"][GITHUB_PROVIDER_OUTPUT]["Value"], json!({"Ref": "GitHubOidcProvider"}));
        // An existing provider: referenced by its ARN, none declared.
        let arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
        let existing = BootstrapProps { github_provider_arn: Some(arn.into()), ..github };
        let t: Value = serde_json::from_str(&template("b", json!({}), None, json!({}), &existing)).unwrap();
        assert!(t["Resources"].get("GitHubOidcProvider").is_none());
        let trust = &t["Resources"]["PublishRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][1];
        assert_eq!(trust["Principal"]["Federated"], arn);
        // Without bootstrap.github: the account's principals only.
        let t: Value =
            serde_json::from_str(&template("b", json!({}), None, json!({}), &BootstrapProps::default())).unwrap();
        let trust = &t["Resources"]["PublishRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"];
        assert_eq!(trust.as_array().unwrap().len(), 1);
        assert!(t["Outputs"].get(GITHUB_PROVIDER_OUTPUT).is_none());
    }
}
