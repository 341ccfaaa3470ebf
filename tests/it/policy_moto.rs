//! `sds policy publish` against what `sds publish` really does, on moto.
//!
//! 1. The table cannot drift: every request publish sends (root and nested stacks, team stacks,
//!    a prune) is logged with its SDK service and operation (`SDS_REQUEST_LOG`); each must be a row
//!    of the table, and our IAM evaluator must allow it, on the resource it was made on, under
//!    the printed policy.
//! 2. Enforcement: moto authorizes requests against IAM after `INITIAL_NO_AUTH_ACTION_COUNT`
//!    requests. A user holding only the printed policy publishes; with any one statement removed,
//!    publish reports the AccessDenied and names an action of that statement. The same for the
//!    team stacks (created, then one pruned) and the statements only they need; where moto
//!    cannot tell (below), the evaluator must deny a request that was sent instead.
//!
//! What moto (5.2) does not enforce, and how these tests make up for it:
//! - CloudFormation (and every non-S3 service) is authorized against the resource `*`: a statement
//!   naming stack ARNs never matches there. The enforcement test gives the CloudFormation
//!   statements `Resource: "*"`; their ARNs are checked by test 1 (the evaluator) instead.
//! - moto names some S3 requests with other actions than IAM does: HeadBucket is `s3:HeadBucket`
//!   (IAM: s3:ListBucket); GetPublicAccessBlock, GetBucketEncryption and
//!   GetBucketOwnershipControls are `s3:ListBucket`; PutPublicAccessBlock, PutBucketEncryption and
//!   PutBucketOwnershipControls are `s3:CreateBucket`. The enforcement test adds moto's name next
//!   to IAM's in the same statement ([`moto_dialect`]).
//! - sts:GetCallerIdentity is always allowed (as in AWS); CloudFormation reads the templates from
//!   S3 without the caller's credentials, and iam:PassRole is not checked on CreateChangeSet.

use std::path::Path;

use serde_json::{json, Value};

use sds::policy::calls::{self, Command};
use sds_constructs::iam::{Context, Decision};

use crate::moto::{small_app, Moto};
use crate::policy::{acts_on, decide};
use crate::support::{sds, stderr, stdout};

const ACCOUNT: &str = "123456789012";

/// The printed policy document (`sds policy publish --format json`).
const ROLE: &str = "arn:aws:iam::123456789012:role/cfn-exec";

fn printed(stack: &str, teams: bool, role: Option<&str>) -> Value {
    let mut c = sds();
    c.args(["policy", "publish", "--format", "json", "--account", ACCOUNT, "--region", "us-east-1"]);
    c.args(["--stack-name", stack]);
    if let Some(role) = role {
        c.args(["--role-arn", role]);
    }
    if teams {
        c.arg("--teams");
    }
    let o = c.output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn decode(s: &str) -> String {
    s.replace("%2F", "/").replace("%3A", ":").replace("%2f", "/").replace("%3a", ":")
}

/// The resources a logged request is made on: the bucket or the object (path-style URI), or the
/// stack (and its change set) it names, the Studio app, user profile or space it deletes, or `*`
/// for a listing.
pub(crate) fn resources(r: &Value) -> Vec<String> {
    match r["service"].as_str().unwrap() {
        "s3" => {
            let uri = r["uri"].as_str().unwrap();
            let path = uri.split("://").nth(1).and_then(|rest| rest.split_once('/')).map(|(_, p)| p).unwrap_or("");
            let path = path.split('?').next().unwrap();
            let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
            let key = decode(key);
            vec![if key.is_empty() { format!("arn:aws:s3:::{bucket}") } else { format!("arn:aws:s3:::{bucket}/{key}") }]
        }
        "cloudformation" => {
            let cfn = |rest: String| format!("arn:aws:cloudformation:us-east-1:{ACCOUNT}:{rest}");
            let mut out = vec![match r["stack"].as_str() {
                Some(arn) if arn.starts_with("arn:") => arn.to_string(),
                Some(name) => cfn(format!("stack/{name}/00000000-0000-0000-0000-000000000000")),
                None => "*".to_string(),
            }];
            if let Some(cs) = r["change_set"].as_str() {
                out.push(cfn(format!("changeSet/{cs}/00000000-0000-0000-0000-000000000000")));
            }
            out
        }
        "sagemaker" => {
            let i = &r["input"];
            let s = |k: &str| i[k].as_str().unwrap_or_default().to_string();
            let owner = if i["SpaceName"].is_string() { s("SpaceName") } else { s("UserProfileName") };
            let sm = |rest: String| vec![format!("arn:aws:sagemaker:us-east-1:{ACCOUNT}:{rest}")];
            match r["operation"].as_str().unwrap_or_default() {
                "DeleteApp" => {
                    sm(format!("app/{}/{owner}/{}/{}", s("DomainId"), s("AppType").to_lowercase(), s("AppName")))
                }
                "DeleteUserProfile" => sm(format!("user-profile/{}/{}", s("DomainId"), s("UserProfileName"))),
                "DeleteSpace" => sm(format!("space/{}/{}", s("DomainId"), s("SpaceName"))),
                _ => vec!["*".to_string()],
            }
        }
        _ => vec!["*".to_string()],
    }
}

fn publish(moto: &Moto, app: &Path, extra: &[&str]) -> (i32, String) {
    let o = moto
        .sds()
        .args(["publish", "--yes", "--root", "root.yaml", "--stack-name", "plat", "--templates"])
        .arg(app)
        .args(extra)
        .output()
        .unwrap();
    (o.status.code().unwrap_or(-1), format!("{}\n{}", stdout(&o), stderr(&o)))
}

#[test]
fn every_request_publish_sends_is_in_the_table_and_allowed_by_the_policy() {
    let moto = Moto::start();
    let small = small_app(moto.dir.path(), "dev", "");
    // A malformed execution role is refused before any request.
    let (code, out) = publish(&moto, &small, &["--role-arn", "arn:aws:iam::123456789012:user/me"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("--role-arn \"arn:aws:iam::123456789012:user/me\": not an IAM role ARN"), "{out}");
    assert!(moto.requests().is_empty(), "requests were sent with a malformed --role-arn");
    // The root with a nested stack: created (with an execution role), then up to date.
    for extra in [&["--role-arn", ROLE][..], &[]] {
        let (code, out) = publish(&moto, &small, extra);
        assert_eq!(code, 0, "{out}");
    }
    // Team stacks: two, then one with --prune (the other's stack is deleted).
    let teams = crate::publish_teams::app(&moto, 2);
    let (code, out) = publish(&moto, &teams, &[]);
    assert_eq!(code, 0, "{out}");
    std::fs::remove_file(teams.join("teams/team-01-dev.yaml")).unwrap();
    let (code, out) = publish(&moto, &teams, &["--prune"]);
    assert_eq!(code, 0, "{out}");

    let doc = printed("plat", true, Some(ROLE));
    let ctx = Context::new().set("iam:PassedToService", &["cloudformation.amazonaws.com"]);
    let requests = moto.requests();
    let mut seen = std::collections::BTreeSet::new();
    for r in &requests {
        let (service, operation) = (r["service"].as_str().unwrap(), r["operation"].as_str().unwrap_or("?"));
        assert!(
            calls::of(Command::Publish).any(|c| c.service == service && c.operation == operation),
            "publish sent {service}:{operation}, which the table of calls does not list: {r}"
        );
        seen.insert(format!("{service}:{operation}"));
        if let Some(role) = r["role_arn"].as_str() {
            assert_eq!(role, ROLE, "{r}");
            assert_eq!(decide(&doc, "iam:PassRole", role, &ctx), Decision::Allow, "passing {role}: {r}");
            seen.insert("iam:PassRole".into());
        }
        for action in calls::actions_of(service, operation) {
            // Only the resources IAM authorizes the action on (a change-set action: the stack).
            for resource in resources(r).into_iter().filter(|res| acts_on(action, res)) {
                let d = decide(&doc, action, &resource, &ctx);
                assert_eq!(d, Decision::Allow, "{service}:{operation} needs {action} on {resource}: {r}");
            }
        }
    }
    // The runs above went through every path that matters here.
    for op in [
        "sts:GetCallerIdentity",
        "s3:HeadBucket",
        "s3:CreateBucket",
        "s3:PutBucketVersioning",
        "s3:HeadObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "cloudformation:DescribeStacks",
        "cloudformation:CreateChangeSet",
        "cloudformation:DescribeChangeSet",
        "cloudformation:ExecuteChangeSet",
        "cloudformation:DeleteChangeSet",
        "cloudformation:DescribeStackEvents",
        "cloudformation:ListChangeSets",
        "cloudformation:DeleteStack",
        "iam:PassRole",
    ] {
        assert!(seen.contains(op), "{op} was not exercised: {seen:?}");
    }
}

/// The statement's actions.
pub(crate) fn actions_of_statement(s: &Value) -> Vec<&str> {
    match &s["Action"] {
        Value::String(a) => vec![a.as_str()],
        v => v.as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect(),
    }
}

/// moto authorizes every CloudFormation request on "*": when each action of a removed statement
/// is in another CloudFormation statement (made "*" for moto), moto still allows it. Then our
/// evaluator, on the real reduced policy, must deny a request that was sent, and only requests
/// of the removed statement's actions. True when that was the case to check.
pub(crate) fn blind_and_denied_by_the_evaluator(reduced: &Value, removed: &Value, requests: &[Value]) -> bool {
    let actions = actions_of_statement(removed);
    let elsewhere =
        |a: &str| reduced["Statement"].as_array().unwrap().iter().any(|s| actions_of_statement(s).contains(&a));
    if !actions.iter().all(|a| !a.starts_with("s3:") && elsewhere(a)) {
        return false;
    }
    denied_by_the_evaluator(reduced, removed, requests);
    true
}

/// Our evaluator, on the reduced policy, denies a request that was sent, and only requests of the
/// removed statement's actions.
pub(crate) fn denied_by_the_evaluator(reduced: &Value, removed: &Value, requests: &[Value]) {
    let actions = actions_of_statement(removed);
    let ctx = Context::new();
    let denied: Vec<&Value> = requests
        .iter()
        .filter(|r| {
            calls::actions_of(r["service"].as_str().unwrap(), r["operation"].as_str().unwrap_or("?")).iter().any(|a| {
                resources(r)
                    .iter()
                    .filter(|res| acts_on(a, res))
                    .any(|res| decide(reduced, a, res, &ctx) != Decision::Allow)
            })
        })
        .collect();
    assert!(!denied.is_empty(), "without {}, the evaluator denies nothing that was sent", removed["Sid"]);
    for r in denied {
        let op = format!("{}:{}", r["service"].as_str().unwrap(), r["operation"].as_str().unwrap());
        assert!(actions.contains(&op.as_str()), "without {}, {op} is denied: {r}", removed["Sid"]);
    }
}

/// moto's names for the requests whose IAM action it names otherwise (see the module's comment).
const MOTO_NAMES: &[(&str, &str)] = &[
    ("s3:ListBucket", "s3:HeadBucket"),
    ("s3:GetBucketPublicAccessBlock", "s3:ListBucket"),
    ("s3:GetEncryptionConfiguration", "s3:ListBucket"),
    ("s3:GetBucketOwnershipControls", "s3:ListBucket"),
    ("s3:PutBucketPublicAccessBlock", "s3:CreateBucket"),
    ("s3:PutEncryptionConfiguration", "s3:CreateBucket"),
    ("s3:PutBucketOwnershipControls", "s3:CreateBucket"),
];

/// The policy as moto can enforce it: moto's action names added beside IAM's, and `*` as the
/// resource of the statements on other services than S3 (moto authorizes those on `*`).
pub(crate) fn moto_dialect(doc: &Value) -> Value {
    let mut doc = doc.clone();
    for s in doc["Statement"].as_array_mut().unwrap() {
        let actions: Vec<String> = match &s["Action"] {
            Value::String(a) => vec![a.clone()],
            v => v.as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect(),
        };
        let mut all = actions.clone();
        for (iam, moto) in MOTO_NAMES {
            if actions.iter().any(|a| a == iam) && !all.iter().any(|a| a == moto) {
                all.push(moto.to_string());
            }
        }
        s["Action"] = json!(all);
        if !actions.iter().all(|a| a.starts_with("s3:")) {
            s["Resource"] = json!("*");
        }
    }
    doc
}

/// A fresh moto enforcing IAM from its fourth request on, with a user holding only `policy`.
pub(crate) fn moto_with_user(policy: &Value) -> (Moto, String, String) {
    let moto = Moto::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", "3")]);
    // Three requests, before enforcement: CreateUser, PutUserPolicy, CreateAccessKey.
    let script = r#"
import sys, boto3
iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
iam.create_user(UserName="publisher")
iam.put_user_policy(UserName="publisher", PolicyName="sds-publish", PolicyDocument=sys.argv[2])
key = iam.create_access_key(UserName="publisher")["AccessKey"]
print(key["AccessKeyId"], key["SecretAccessKey"])
"#;
    let o = std::process::Command::new("python3")
        .args(["-c", script, &moto.endpoint(), &policy.to_string()])
        .output()
        .expect("python3 with boto3 (moto's dependency)");
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let (id, secret) = out.trim().split_once(' ').expect("an access key");
    (moto, id.to_string(), secret.to_string())
}

fn publish_as(moto: &Moto, id: &str, secret: &str) -> (i32, String) {
    let app = small_app(moto.dir.path(), "dev", "");
    let o = moto
        .sds()
        .env("AWS_ACCESS_KEY_ID", id)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("SDS_AWS_TIMEOUT_MS", "20000")
        .args(["publish", "--yes", "--root", "root.yaml", "--stack-name", "small", "--templates"])
        .arg(&app)
        .output()
        .unwrap();
    (o.status.code().unwrap_or(-1), format!("{}\n{}", stdout(&o), stderr(&o)))
}

/// Statements whose denial sds reports as a warning and goes on from, once the deployment is
/// done or while it is followed: releasing the lock (it then expires), reading the events.
const WARNED: &[&str] = &["PublishLock", "RootStackNestedStacks"];

#[test]
fn a_user_with_only_the_printed_policy_publishes_and_needs_every_statement() {
    let doc = printed("small", false, None);
    let (moto, id, secret) = moto_with_user(&moto_dialect(&doc));
    let (code, out) = publish_as(&moto, &id, &secret);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("stack small CREATE_COMPLETE"), "{out}");
    assert!(!out.contains("needs "), "nothing was denied: {out}");
    drop(moto);

    let statements = doc["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 7);
    let mut blind = Vec::new();
    for (i, removed) in statements.iter().enumerate() {
        let sid = removed["Sid"].as_str().unwrap();
        let mut reduced = doc.clone();
        reduced["Statement"].as_array_mut().unwrap().remove(i);
        let (moto, id, secret) = moto_with_user(&moto_dialect(&reduced));
        let (code, out) = publish_as(&moto, &id, &secret);
        if blind_and_denied_by_the_evaluator(&reduced, removed, &moto.requests()) {
            assert_eq!(code, 0, "{sid}: {out}");
            blind.push(sid.to_string());
            continue;
        }
        let actions: Vec<&str> = match &removed["Action"] {
            Value::String(a) => vec![a.as_str()],
            v => v.as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect(),
        };
        assert!(
            actions.iter().any(|a| out.contains(&format!("needs {a}")) || out.contains(&format!("perform: {a}"))),
            "without {sid}, the denial names none of {actions:?}: {out}"
        );
        let lower = out.to_lowercase();
        assert!(
            ["accessdenied", "access denied", "not authorized"].iter().any(|w| lower.contains(w)),
            "{sid}: the denial is not said: {out}"
        );
        if WARNED.contains(&sid) {
            assert_eq!(code, 0, "{sid}: {out}");
            assert!(out.contains("warning: cannot"), "{sid}: {out}");
        } else {
            assert_eq!(code, 2, "without {sid} publish fails: {out}");
        }
    }
    // DescribeStacks of the bootstrap stack and of the root: each statement allows the other's
    // for moto.
    assert_eq!(blind, ["BootstrapStack", "RootStack"], "checked by the evaluator");
}

fn publish_teams_as(moto: &Moto, id: &str, secret: &str, app: &Path, extra: &[&str]) -> (i32, String) {
    let o = moto
        .sds()
        .env("AWS_ACCESS_KEY_ID", id)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("SDS_AWS_TIMEOUT_MS", "20000")
        .args(["publish", "--yes", "--root", "root.yaml", "--stack-name", "plat", "--templates"])
        .arg(app)
        .args(extra)
        .output()
        .unwrap();
    (o.status.code().unwrap_or(-1), format!("{}\n{}", stdout(&o), stderr(&o)))
}

/// Two team stacks created, then one pruned, by a user holding only the printed `--teams` policy;
/// each statement only teams need, removed, makes a run report the denial naming its action.
#[test]
fn a_user_with_only_the_printed_teams_policy_deploys_and_prunes_team_stacks() {
    let doc = printed("plat", true, None);
    let run_both = |policy: &Value| {
        let (moto, id, secret) = moto_with_user(&moto_dialect(policy));
        let app = crate::publish_teams::app(&moto, 2);
        let (first, out1) = publish_teams_as(&moto, &id, &secret, &app, &[]);
        std::fs::remove_file(app.join("teams/team-01-dev.yaml")).unwrap();
        let (second, out2) = publish_teams_as(&moto, &id, &secret, &app, &["--prune"]);
        (first, second, format!("{out1}\n{out2}"), moto.requests())
    };
    let (first, second, out, _) = run_both(&doc);
    assert_eq!((first, second), (0, 0), "{out}");
    assert!(out.contains("2 created") && out.contains("1 deleted"), "{out}");

    let root_only = printed("plat", false, None);
    let root_sids: Vec<&Value> = root_only["Statement"].as_array().unwrap().iter().map(|s| &s["Sid"]).collect();
    let mut removed_any = 0;
    let mut blind = Vec::new();
    for (i, removed) in doc["Statement"].as_array().unwrap().iter().enumerate() {
        let sid = removed["Sid"].as_str().unwrap();
        if root_sids.contains(&&removed["Sid"]) {
            continue;
        }
        removed_any += 1;
        let mut reduced = doc.clone();
        reduced["Statement"].as_array_mut().unwrap().remove(i);
        let (first, second, out, requests) = run_both(&reduced);
        if sid == "PassTeamStacksRole" {
            // No role to pass here (the small root has no team-stacks role output), and moto does
            // not check iam:PassRole: the evaluator test covers it.
            assert_eq!((first, second), (0, 0), "{out}");
            continue;
        }
        let actions: Vec<&str> = match &removed["Action"] {
            Value::String(a) => vec![a.as_str()],
            v => v.as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect(),
        };
        if blind_and_denied_by_the_evaluator(&reduced, removed, &requests) {
            assert_eq!((first, second), (0, 0), "{out}");
            blind.push(sid.to_string());
            continue;
        }
        assert!(
            actions.iter().any(|a| out.contains(&format!("needs {a}"))),
            "without {sid}, no denial names one of {actions:?}: {out}"
        );
        assert!(first != 0 || second != 0, "without {sid} a run fails: {out}");
    }
    assert_eq!(removed_any, 4, "the statements only teams need");
    assert_eq!(blind, ["NoResourceLevelPermission", "TeamStacksChangeSets"], "checked by the evaluator");
}
