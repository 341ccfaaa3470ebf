//! Who can reach what: every principal × resource × level evaluated with [`crate::iam`], directly
//! and through the roles a principal can act as (assuming a role, or passing it to a service the
//! role trusts together with that service's create action), with the path that grants it.

use std::collections::{BTreeSet, VecDeque};

use super::graph::{Graph, Kind, Principal, Target};
use super::instance::ACCOUNT;
use crate::iam::{evaluate, Caller, Context, Decision, Policies, Policy, Request, ResourceKind};

/// What a principal can do to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Read,
    Write,
    Decrypt,
    Manage,
    /// Open a Studio user profile (`CreatePresignedDomainUrl`).
    Open,
    /// `sts:AssumeRole`.
    Assume,
    /// `iam:PassRole`.
    Pass,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Read => "read",
            Level::Write => "write",
            Level::Decrypt => "decrypt",
            Level::Manage => "manage",
            Level::Open => "open",
            Level::Assume => "assume",
            Level::Pass => "pass",
        }
    }
}

/// The request that stands for `level` on `t`: (action, resource ARN, kind of resource policy).
pub fn probes(t: &Target) -> Vec<(Level, &'static str, String, ResourceKind)> {
    let object = format!("{}/key", t.arn);
    match t.kind {
        Kind::Bucket => vec![
            (Level::Read, "s3:GetObject", object.clone(), ResourceKind::Ordinary),
            (Level::Write, "s3:PutObject", object, ResourceKind::Ordinary),
            (Level::Manage, "s3:PutBucketPolicy", t.arn.clone(), ResourceKind::Ordinary),
        ],
        Kind::Key => vec![
            (Level::Decrypt, "kms:Decrypt", t.arn.clone(), ResourceKind::KmsKey),
            (Level::Manage, "kms:PutKeyPolicy", t.arn.clone(), ResourceKind::KmsKey),
        ],
        Kind::UserProfile => {
            vec![(Level::Open, "sagemaker:CreatePresignedDomainUrl", t.arn.clone(), ResourceKind::Ordinary)]
        }
        Kind::Role => vec![
            (Level::Assume, "sts:AssumeRole", t.arn.clone(), ResourceKind::RoleTrust),
            (Level::Pass, "iam:PassRole", t.arn.clone(), ResourceKind::Ordinary),
        ],
    }
}

/// Services a role may trust, and the action that makes each act as a role passed to it.
pub const SERVICE_ACTIONS: &[(&str, &str, &str)] = &[
    (
        "sagemaker.amazonaws.com",
        "sagemaker:CreateTrainingJob",
        "arn:aws:sagemaker:us-east-1:111111111111:training-job/job",
    ),
    ("lambda.amazonaws.com", "lambda:CreateFunction", "arn:aws:lambda:us-east-1:111111111111:function:f"),
    (
        "servicecatalog.amazonaws.com",
        "servicecatalog:ProvisionProduct",
        "arn:aws:catalog:us-east-1:111111111111:product/p",
    ),
    (
        "cloudformation.amazonaws.com",
        "cloudformation:CreateStack",
        "arn:aws:cloudformation:us-east-1:111111111111:stack/s/*",
    ),
];

/// The context of a request by `p`, before deploy: its own ARN and account known, every other
/// key unknown.
fn context(p: &Principal) -> Context {
    Context::open().set("aws:PrincipalArn", &[&p.arn]).set("aws:PrincipalAccount", &[ACCOUNT])
}

/// One principal's decision on one request.
pub fn decide(p: &Principal, action: &str, resource: &str, t: Option<&Target>, kind: ResourceKind) -> Decision {
    decide_with(p, action, resource, t, kind, context(p))
}

/// [`decide`] with a context of the caller's making.
pub fn decide_with(
    p: &Principal,
    action: &str,
    resource: &str,
    t: Option<&Target>,
    kind: ResourceKind,
    ctx: Context,
) -> Decision {
    let identity: Vec<(&str, &Policy)> = p.policies.iter().map(|n| (n.name.as_str(), &n.policy)).collect();
    let req =
        Request { caller: Caller::Iam(p.arn.clone()), action, resource, resource_account: ACCOUNT, context: &ctx };
    let resource_policy = t.and_then(|t| t.policy.as_ref()).map(|n| (n.name.as_str(), &n.policy));
    evaluate(&req, &Policies { identity: &identity, resource: resource_policy, kind }).decision
}

/// Whether a decision grants (fully, or under conditions not known before deploy).
pub fn grants(d: &Decision) -> bool {
    matches!(d, Decision::Allow | Decision::Conditional(_))
}

/// A step from one principal to a role it can act as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Index of the role (in `Graph::principals`).
    pub role: usize,
    /// How: `assume`, or `pass to <service> + <action>`.
    pub how: String,
    pub decision: Decision,
}

/// The roles principal `from` can act as, each with the shortest path.
pub fn reachable(g: &Graph, from: usize) -> Vec<(usize, Vec<Step>)> {
    let role_target = |i: usize| g.targets.iter().find(|t| t.kind == Kind::Role && t.arn == g.principals[i].arn);
    let mut seen = BTreeSet::from([from]);
    let mut queue = VecDeque::from([(from, Vec::<Step>::new())]);
    let mut out = Vec::new();
    while let Some((at, path)) = queue.pop_front() {
        let p = &g.principals[at];
        for (ri, r) in g.principals.iter().enumerate() {
            if seen.contains(&ri) {
                continue;
            }
            let Some(t) = role_target(ri) else { continue };
            let mut step = None;
            let assume = decide(p, "sts:AssumeRole", &r.arn, Some(t), ResourceKind::RoleTrust);
            if grants(&assume) {
                step = Some(Step { role: ri, how: "assume".into(), decision: assume });
            } else {
                for (service, action, resource) in SERVICE_ACTIONS {
                    if !trusts(t, service) {
                        continue;
                    }
                    // Passed to this service: the condition key PassRole policies test is known.
                    let ctx = context(p).set("iam:PassedToService", &[service]);
                    let pass = decide_with(p, "iam:PassRole", &r.arn, None, ResourceKind::Ordinary, ctx);
                    if grants(&pass) {
                        let create = decide(p, action, resource, None, ResourceKind::Ordinary);
                        if grants(&create) {
                            let decision = combine(&pass, &create);
                            step = Some(Step { role: ri, how: format!("pass to {service} + {action}"), decision });
                            break;
                        }
                    }
                }
            }
            if let Some(step) = step {
                seen.insert(ri);
                let mut next = path.clone();
                next.push(step);
                out.push((ri, next.clone()));
                queue.push_back((ri, next));
            }
        }
    }
    out
}

/// Whether role `t`'s trust policy lets `service` assume it.
fn trusts(t: &Target, service: &str) -> bool {
    let Some(trust) = &t.policy else { return false };
    let ctx = Context::open();
    let req = Request {
        caller: Caller::Service(service.into()),
        action: "sts:AssumeRole",
        resource: &t.arn,
        resource_account: ACCOUNT,
        context: &ctx,
    };
    let policies =
        Policies { identity: &[], resource: Some((trust.name.as_str(), &trust.policy)), kind: ResourceKind::RoleTrust };
    grants(&evaluate(&req, &policies).decision)
}

/// Both must hold: allow if both allow, conditional on the union of the keys otherwise.
pub fn combine(a: &Decision, b: &Decision) -> Decision {
    match (a, b) {
        (Decision::Allow, Decision::Allow) => Decision::Allow,
        (Decision::Conditional(x), Decision::Conditional(y)) => Decision::Conditional(x.union(y).cloned().collect()),
        (Decision::Conditional(x), _) | (_, Decision::Conditional(x)) => Decision::Conditional(x.clone()),
        _ => Decision::ImplicitDeny,
    }
}

/// One granted access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub principal: usize,
    pub target: usize,
    pub level: Level,
    pub decision: Decision,
    /// The roles acted as on the way (empty: directly).
    pub path: Vec<Step>,
}

/// Every access granted, directly or through roles acted as (the shortest path), in principal,
/// target, level order.
pub fn matrix(g: &Graph) -> Vec<Cell> {
    let mut cells = Vec::new();
    for pi in 0..g.principals.len() {
        let mut routes: Vec<(usize, Vec<Step>)> = vec![(pi, Vec::new())];
        routes.extend(reachable(g, pi));
        for (ti, t) in g.targets.iter().enumerate() {
            for (level, action, resource, kind) in probes(t) {
                for (via, path) in &routes {
                    let d = decide(&g.principals[*via], action, &resource, Some(t), kind);
                    if !grants(&d) {
                        continue;
                    }
                    let decision = path.iter().fold(d, |acc, s| combine(&acc, &s.decision));
                    cells.push(Cell { principal: pi, target: ti, level, decision, path: path.clone() });
                    break;
                }
            }
        }
    }
    cells
}

/// One statement that took part in a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The policy's name (`SageMakerAccessInlinePolicy`, `key policy`, an AWS managed ARN).
    pub policy: String,
    pub origin: super::graph::Origin,
    /// Index of the statement in the policy.
    pub index: usize,
    pub sid: Option<String>,
    pub effect: crate::iam::Effect,
}

/// Principal `pi`'s access to target `ti`, level by level, with the statements that decide it
/// (directly; access through roles acted as shows in the matrix's paths).
pub fn explain(g: &Graph, pi: usize, ti: usize) -> Vec<(Level, Decision, Vec<Statement>)> {
    let p = &g.principals[pi];
    let t = &g.targets[ti];
    let mut out = Vec::new();
    for (level, action, resource, kind) in probes(t) {
        let names: Vec<String> = (0..p.policies.len()).map(|i| i.to_string()).collect();
        let identity: Vec<(&str, &Policy)> =
            p.policies.iter().zip(&names).map(|(n, name)| (name.as_str(), &n.policy)).collect();
        let ctx = context(p);
        let req = Request {
            caller: Caller::Iam(p.arn.clone()),
            action,
            resource: &resource,
            resource_account: ACCOUNT,
            context: &ctx,
        };
        let resource_policy = t.policy.as_ref().map(|n| ("resource", &n.policy));
        let e = evaluate(&req, &Policies { identity: &identity, resource: resource_policy, kind });
        let statements = e
            .cited
            .iter()
            .filter_map(|c| {
                let named = match c.policy.as_str() {
                    "resource" => t.policy.as_ref()?,
                    i => p.policies.get(i.parse::<usize>().ok()?)?,
                };
                Some(Statement {
                    policy: named.name.clone(),
                    origin: named.origin.clone(),
                    index: c.statement,
                    sid: named.policy.statements.get(c.statement).and_then(|s| s.sid.clone()),
                    effect: c.effect,
                })
            })
            .collect();
        out.push((level, e.decision, statements));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{graph, instance, launches};
    use crate::platform::Platform;

    #[test]
    #[ignore]
    fn print_platform_matrix() {
        let app = Platform::default().synth().unwrap();
        let l = launches(&app.templates, "ds_administration.yaml");
        let inst = instance::instantiate(&app.templates, &l);
        let g = graph::build(&inst, &|_| None);
        eprintln!("problems: {:?}", g.problems);
        for c in matrix(&g) {
            let p = &g.principals[c.principal];
            let t = &g.targets[c.target];
            let path: Vec<String> =
                c.path.iter().map(|s| format!("{} {}", s.how, g.principals[s.role].origin.logical_id)).collect();
            eprintln!("{} -> {} {} {:?} {:?}", p.origin, t.origin, c.level.as_str(), c.decision, path);
        }
    }
}
