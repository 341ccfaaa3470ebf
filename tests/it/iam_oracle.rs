//! Differential test of the IAM evaluator (`sds_constructs::iam`) against an independent
//! simulator, @cloud-copilot/iam-simulate (npm, pinned in scripts/iam-oracle; installed by
//! scripts/test and .ci/run). Thousands of generated (policies, request) cases, from a fixed seed;
//! every verdict must agree. `SDS_ORACLE_CASES` sets the count (default 3,000).

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

use sds_constructs::iam::{evaluate, Caller, Context, Decision, Policies, Policy, Request, ResourceKind};

use crate::support::root;

/// A small deterministic generator (xorshift64*), so every run tests the same cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const ACCOUNT: &str = "111111111111";
const ROLE: &str = "arn:aws:iam::111111111111:role/Team";
const OTHER_ROLE: &str = "arn:aws:iam::111111111111:role/Other";
const FOREIGN_ROLE: &str = "arn:aws:iam::222222222222:role/Foreign";

/// (action, resource ARN, resource kind) the requests draw from.
const TARGETS: &[(&str, &str, ResourceKind)] = &[
    ("s3:GetObject", "arn:aws:s3:::data/key", ResourceKind::Ordinary),
    ("s3:PutObject", "arn:aws:s3:::models/a/b", ResourceKind::Ordinary),
    ("s3:ListBucket", "arn:aws:s3:::data", ResourceKind::Ordinary),
    ("kms:Decrypt", "arn:aws:kms:us-east-1:111111111111:key/k1", ResourceKind::KmsKey),
    ("kms:GenerateDataKey", "arn:aws:kms:us-east-1:111111111111:key/k2", ResourceKind::KmsKey),
    (
        "sagemaker:CreatePresignedDomainUrl",
        "arn:aws:sagemaker:us-east-1:111111111111:user-profile/d-1/alice",
        ResourceKind::Ordinary,
    ),
    ("iam:PassRole", "arn:aws:iam::111111111111:role/Exec", ResourceKind::Ordinary),
    // From the service-authorization data: an action on no resource type (asked on `*`), and one
    // with service keys, some of which it cannot carry (`sagemaker:VolumeKmsKey`, deprecated).
    ("s3:ListAllMyBuckets", "*", ResourceKind::Ordinary),
    ("sagemaker:CreateTrainingJob", "arn:aws:sagemaker:us-east-1:111111111111:training-job/j", ResourceKind::Ordinary),
];

const ACTIONS: &[&str] = &[
    "*",
    "s3:*",
    "s3:Get*",
    "s3:GetObject",
    "s3:getobject",
    "s3:PutObject",
    "s3:List*",
    "kms:*",
    "kms:Decrypt",
    "kms:GenerateDataKey*",
    "sagemaker:CreatePresigned*",
    "sagemaker:*",
    "iam:PassRole",
    "iam:*",
    "s3:?etObject",
    "s3:ListAllMyBuckets",
    "sagemaker:CreateTrainingJob",
];

const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::data/*",
    "arn:aws:s3:::data",
    "arn:aws:s3:::*",
    "arn:aws:s3:::models/*",
    "arn:aws:kms:*:111111111111:key/*",
    "arn:aws:kms:us-east-1:111111111111:key/k1",
    "arn:aws:sagemaker:*:*:user-profile/*/alice",
    "arn:aws:sagemaker:us-east-1:111111111111:user-profile/d-1/*",
    "arn:aws:iam::111111111111:role/*",
    "arn:aws:iam::*:role/Exec",
    "arn:aws:sagemaker:*:*:training-job/*",
];

/// (operator, key, candidate policy values).
const CONDITIONS: &[(&str, &str, &[&str])] = &[
    ("StringEquals", "aws:SourceVpce", &["vpce-1", "vpce-2"]),
    ("StringNotEquals", "aws:SourceVpce", &["vpce-1"]),
    ("StringEqualsIfExists", "aws:SourceVpce", &["vpce-1"]),
    ("StringLike", "aws:PrincipalTag/team", &["fraud*", "risk"]),
    ("StringNotLike", "aws:PrincipalTag/team", &["fr?ud"]),
    ("StringEqualsIgnoreCase", "aws:PrincipalTag/team", &["FRAUD"]),
    ("ForAllValues:StringEquals", "aws:TagKeys", &["team", "env"]),
    ("ForAnyValue:StringEquals", "aws:TagKeys", &["team"]),
    ("ForAnyValue:StringLike", "aws:TagKeys", &["te*"]),
    ("Bool", "aws:SecureTransport", &["true"]),
    ("Bool", "aws:SecureTransport", &["false"]),
    ("IpAddress", "aws:SourceIp", &["10.0.0.0/8", "203.0.113.0/24"]),
    ("NotIpAddress", "aws:SourceIp", &["10.0.0.0/8"]),
    ("NumericLessThan", "aws:MultiFactorAuthAge", &["3600"]),
    ("NumericGreaterThanEquals", "aws:MultiFactorAuthAge", &["60"]),
    ("DateGreaterThan", "aws:CurrentTime", &["2026-01-01T00:00:00Z"]),
    ("DateLessThan", "aws:CurrentTime", &["2026-06-01T00:00:00Z"]),
    ("ArnLike", "aws:PrincipalArn", &["arn:aws:iam::*:role/Team", "arn:aws:iam::111111111111:role/A*"]),
    ("ArnNotLike", "aws:PrincipalArn", &["arn:aws:iam::111111111111:role/Other"]),
    ("Null", "aws:SourceVpce", &["true"]),
    ("Null", "aws:PrincipalTag/team", &["false"]),
    ("Null", "sagemaker:VolumeKmsKey", &["false"]),
    ("Null", "sagemaker:VolumeKmsKeyArn", &["false"]),
    ("StringEqualsIfExists", "sagemaker:VolumeKmsKey", &["arn:aws:kms:us-east-1:111111111111:key/k1"]),
    ("ArnLike", "sagemaker:VolumeKmsKeyArn", &["arn:aws:kms:*:111111111111:key/*"]),
];

/// (key, candidate request values); each case sets a random subset.
const CONTEXT: &[(&str, &[&[&str]])] = &[
    ("aws:SourceVpce", &[&["vpce-1"], &["vpce-2"], &["vpce-9"]]),
    ("aws:PrincipalTag/team", &[&["fraud"], &["fraud-detection"], &["risk"], &["Fraud"]]),
    ("aws:TagKeys", &[&["team"], &["team", "env"], &["team", "cost"], &["cost"]]),
    ("aws:SecureTransport", &[&["true"], &["false"]]),
    ("aws:SourceIp", &[&["10.1.2.3"], &["203.0.113.9"], &["192.0.2.1"]]),
    ("aws:MultiFactorAuthAge", &[&["30"], &["600"], &["7200"]]),
    ("aws:CurrentTime", &[&["2026-03-01T12:00:00Z"], &["2026-11-23T09:00:00Z"]]),
    // Service keys, set for their own service's requests only (below).
    ("sagemaker:VolumeKmsKey", &[&["arn:aws:kms:us-east-1:111111111111:key/k1"]]),
    (
        "sagemaker:VolumeKmsKeyArn",
        &[&["arn:aws:kms:us-east-1:111111111111:key/k1"], &["arn:aws:kms:us-east-1:222222222222:key/k"]],
    ),
];

fn statement(rng: &mut Rng, resource_policy: bool, caller: &str, target: usize) -> Value {
    let (action, resource, _) = TARGETS[target];
    let service_wide = format!("{}:*", action.split(':').next().unwrap_or("*"));
    let mut s = serde_json::Map::new();
    s.insert("Effect".into(), json!(if rng.chance(25) { "Deny" } else { "Allow" }));
    if resource_policy {
        let principals = [
            json!("*"),
            json!({"AWS": caller}),
            json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}),
            json!({"AWS": ACCOUNT}),
            json!({"AWS": OTHER_ROLE}),
            json!({"AWS": "222222222222"}),
        ];
        let key = if rng.chance(10) { "NotPrincipal" } else { "Principal" };
        s.insert(key.into(), rng.pick(&principals).clone());
    }
    // Half the picks aim at the request, so that every verdict is common.
    let mut actions: Vec<String> = (0..1 + rng.below(2)).map(|_| rng.pick(ACTIONS).to_string()).collect();
    if rng.chance(50) {
        actions[0] = rng.pick(&[action.to_string(), service_wide.clone()]).clone();
    }
    s.insert((if rng.chance(10) { "NotAction" } else { "Action" }).into(), json!(actions));
    let mut resources: Vec<String> = (0..1 + rng.below(2)).map(|_| rng.pick(RESOURCES).to_string()).collect();
    if rng.chance(50) {
        resources[0] = rng.pick(&["*".to_string(), resource.to_string()]).clone();
    }
    s.insert((if rng.chance(10) { "NotResource" } else { "Resource" }).into(), json!(resources));
    if rng.chance(40) {
        let mut cond = serde_json::Map::new();
        for _ in 0..1 + rng.below(2) {
            let (op, key, values) = rng.pick(CONDITIONS);
            let n = 1 + rng.below(values.len());
            let chosen: Vec<&str> = values[..n].to_vec();
            let entry = cond.entry(op.to_string()).or_insert_with(|| json!({}));
            entry[key] = json!(chosen);
        }
        s.insert("Condition".into(), Value::Object(cond));
    }
    Value::Object(s)
}

fn policy_doc(rng: &mut Rng, resource_policy: bool, caller: &str, target: usize) -> Value {
    let statements: Vec<Value> =
        (0..1 + rng.below(3)).map(|_| statement(rng, resource_policy, caller, target)).collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

struct Case {
    caller: String,
    target: usize,
    identity: Vec<Value>,
    resource: Option<Value>,
    context: Vec<(&'static str, Vec<&'static str>)>,
}

fn generate(rng: &mut Rng) -> Case {
    let caller = if rng.chance(10) { FOREIGN_ROLE } else { ROLE };
    let target = rng.below(TARGETS.len());
    let identity = (0..rng.below(3)).map(|_| policy_doc(rng, false, caller, target)).collect();
    let resource = (rng.chance(60)).then(|| policy_doc(rng, true, caller, target));
    let mut context = Vec::new();
    // A service's key only in its own service's requests: another service's key may be a
    // cross-service key (`ec2:SourceInstanceARN`), which sds takes as given and the simulator
    // keeps or drops by its own list; not what this test compares.
    let service = TARGETS[target].0.split(':').next().unwrap_or("");
    for (k, values) in CONTEXT {
        let own = k.split(':').next().is_some_and(|p| p == "aws" || p == service);
        if rng.chance(50) && own {
            context.push((*k, rng.pick(values).to_vec()));
        }
    }
    Case { caller: caller.into(), target, identity, resource, context }
}

fn simulation(c: &Case) -> Value {
    let (action, resource, _) = TARGETS[c.target];
    let mut ctx = serde_json::Map::new();
    for (k, v) in &c.context {
        // The simulator takes single-valued keys as strings.
        ctx.insert(k.to_string(), if *k == "aws:TagKeys" { json!(v) } else { json!(v[0]) });
    }
    let identity: Vec<Value> =
        c.identity.iter().enumerate().map(|(i, p)| json!({"name": format!("p{i}"), "policy": p})).collect();
    let mut sim = json!({
        "request": {
            "principal": c.caller,
            "action": action,
            "resource": {"resource": resource, "accountId": ACCOUNT},
            "contextVariables": Value::Object(ctx),
        },
        "identityPolicies": identity,
        "serviceControlPolicies": [],
        "resourceControlPolicies": [],
    });
    if let Some(r) = &c.resource {
        sim["resourcePolicy"] = r.clone();
    }
    sim
}

fn ours(c: &Case) -> &'static str {
    let (action, resource, kind) = TARGETS[c.target];
    let mut ctx = Context::new();
    for (k, v) in &c.context {
        ctx = ctx.set(k, v);
    }
    let identity: Vec<Policy> = c.identity.iter().map(|p| Policy::from_json(p).expect("generated policy")).collect();
    let named: Vec<(&str, &Policy)> = identity.iter().map(|p| ("p", p)).collect();
    let resource_policy = c.resource.as_ref().map(|p| Policy::from_json(p).expect("generated policy"));
    let req =
        Request { caller: Caller::Iam(c.caller.clone()), action, resource, resource_account: ACCOUNT, context: &ctx };
    let policies = Policies { identity: &named, resource: resource_policy.as_ref().map(|p| ("r", p)), kind };
    match evaluate(&req, &policies).decision {
        Decision::Allow => "Allowed",
        Decision::ExplicitDeny => "ExplicitlyDenied",
        Decision::ImplicitDeny => "ImplicitlyDenied",
        Decision::Conditional(_) => "Conditional",
    }
}

#[test]
fn verdicts_agree_with_an_independent_simulator() {
    let dir = root().join("scripts/iam-oracle");
    assert!(
        dir.join("node_modules/@cloud-copilot/iam-simulate").is_dir(),
        "the oracle is not installed: run `npm ci --prefix scripts/iam-oracle` (scripts/test does)"
    );
    let count: usize = std::env::var("SDS_ORACLE_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(3000);
    let mut rng = Rng(0x5d5_2026_1123);
    let cases: Vec<Case> = (0..count).map(|_| generate(&mut rng)).collect();
    let input = Value::Array(cases.iter().map(simulation).collect()).to_string();

    let mut child = Command::new("node")
        .arg(dir.join("oracle.js"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write cases");
    let out = child.wait_with_output().expect("oracle output");
    assert!(out.status.success(), "the oracle failed");
    let verdicts: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(verdicts.len(), cases.len());

    let mut refused = 0;
    let mut seen = std::collections::BTreeMap::new();
    let mut disagreements = Vec::new();
    for (c, v) in cases.iter().zip(&verdicts) {
        let Some(theirs) = v["result"].as_str() else {
            refused += 1;
            continue;
        };
        let mine = ours(c);
        *seen.entry(theirs.to_string()).or_insert(0) += 1;
        if mine != theirs {
            disagreements.push(format!("ours {mine}, simulator {theirs}: {}", simulation(c)));
        }
    }
    eprintln!("{count} cases: {refused} refused by the simulator, verdicts {seen:?}");
    assert!(refused * 20 < count, "the simulator refused {refused} of {count} cases: the generator is off");
    // Each verdict must be well represented, or the comparison proves little.
    for verdict in ["Allowed", "ExplicitlyDenied", "ImplicitlyDenied"] {
        assert!(seen.get(verdict).copied().unwrap_or(0) * 8 > count, "too few {verdict} cases: {seen:?}");
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} verdicts differ; first ones:\n{}",
        disagreements.len(),
        count - refused,
        disagreements.iter().take(5).cloned().collect::<Vec<_>>().join("\n")
    );
}
