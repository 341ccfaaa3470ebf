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
    evaluation(p, action, resource, t, kind, ctx).decision
}

/// The whole evaluation of one request by `p`, with the statements it cites.
fn evaluation(
    p: &Principal,
    action: &str,
    resource: &str,
    t: Option<&Target>,
    kind: ResourceKind,
    ctx: Context,
) -> crate::iam::Evaluation {
    let identity: Vec<(&str, &Policy)> = p.policies.iter().map(|n| (n.name.as_str(), &*n.policy)).collect();
    let req =
        Request { caller: Caller::Iam(p.arn.clone()), action, resource, resource_account: ACCOUNT, context: &ctx };
    let resource_policy = t.and_then(|t| t.policy.as_ref()).map(|n| (n.name.as_str(), &*n.policy));
    evaluate(&req, &Policies { identity: &identity, resource: resource_policy, kind })
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

/// What the act-as edges of every principal share: each role's target (its trust policy) and
/// the services it trusts, found once per role rather than once per principal and role.
struct Roles<'g> {
    targets: Vec<Option<&'g Target>>,
    /// Per role, the indexes in [`SERVICE_ACTIONS`] of the services its trust policy lets in.
    services: Vec<Vec<usize>>,
}

impl<'g> Roles<'g> {
    fn new(g: &'g Graph) -> Roles<'g> {
        let by_arn: std::collections::HashMap<&str, &Target> =
            g.targets.iter().rev().filter(|t| t.kind == Kind::Role).map(|t| (t.arn.as_str(), t)).collect();
        let targets: Vec<Option<&Target>> = g.principals.iter().map(|r| by_arn.get(r.arn.as_str()).copied()).collect();
        let services = targets
            .iter()
            .map(|t| {
                let Some(t) = t else { return Vec::new() };
                (0..SERVICE_ACTIONS.len()).filter(|&k| trusts(t, SERVICE_ACTIONS[k].0)).collect()
            })
            .collect();
        Roles { targets, services }
    }
}

/// How principal `p` can act as role `ri` in one step, if it can: assuming it, or passing it to
/// a service the role trusts together with that service's create action (`create[k]`: p's
/// decision on the create action of `SERVICE_ACTIONS[k]`, evaluated once per principal).
fn act_as(g: &Graph, roles: &Roles, p: &Principal, ri: usize, create: &mut [Option<Decision>]) -> Option<Step> {
    let r = &g.principals[ri];
    let t = roles.targets[ri]?;
    let assume = decide(p, "sts:AssumeRole", &r.arn, Some(t), ResourceKind::RoleTrust);
    if grants(&assume) {
        return Some(Step { role: ri, how: "assume".into(), decision: assume });
    }
    for &k in &roles.services[ri] {
        let (service, action, resource) = SERVICE_ACTIONS[k];
        // Passed to this service: the condition key PassRole policies test is known.
        let ctx = context(p).set("iam:PassedToService", &[service]);
        let pass = decide_with(p, "iam:PassRole", &r.arn, None, ResourceKind::Ordinary, ctx);
        if !grants(&pass) {
            continue;
        }
        let create = create[k].get_or_insert_with(|| decide(p, action, resource, None, ResourceKind::Ordinary));
        if grants(create) {
            let decision = combine(&pass, create);
            return Some(Step { role: ri, how: format!("pass to {service} + {action}"), decision });
        }
    }
    None
}

/// The one-step act-as edges of every principal (`edges[p]`), computed once.
pub fn edges(g: &Graph) -> Vec<Vec<Step>> {
    let n = g.principals.len();
    let roles = Roles::new(g);
    (0..n)
        .map(|pi| {
            let p = &g.principals[pi];
            let mut create = vec![None; SERVICE_ACTIONS.len()];
            (0..n).filter(|ri| *ri != pi).filter_map(|ri| act_as(g, &roles, p, ri, &mut create)).collect()
        })
        .collect()
}

/// The roles principal `from` can act as over `edges`, each with the shortest path.
pub fn reachable(edges: &[Vec<Step>], from: usize) -> Vec<(usize, Vec<Step>)> {
    let mut seen = BTreeSet::from([from]);
    let mut queue = VecDeque::from([(from, Vec::<Step>::new())]);
    let mut out = Vec::new();
    while let Some((at, path)) = queue.pop_front() {
        for step in &edges[at] {
            if !seen.insert(step.role) {
                continue;
            }
            let mut next = path.clone();
            next.push(step.clone());
            out.push((step.role, next.clone()));
            queue.push_back((step.role, next));
        }
    }
    out
}

/// The ways principal `from` acts: as itself (an empty path), then as every role it can act
/// as, each with its shortest path.
pub fn routes(edges: &[Vec<Step>], from: usize) -> Vec<(usize, Vec<Step>)> {
    let mut routes = vec![(from, Vec::new())];
    routes.extend(reachable(edges, from));
    routes
}

/// A path for people: `how → Role, how → Role`.
pub fn describe(g: &Graph, path: &[Step]) -> String {
    let steps: Vec<String> =
        path.iter().map(|s| format!("{} → {}", s.how, g.principals[s.role].origin.logical_id)).collect();
    steps.join(", ")
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
    let policies = Policies {
        identity: &[],
        resource: Some((trust.name.as_str(), &*trust.policy)),
        kind: ResourceKind::RoleTrust,
    };
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
/// target, level order. Each principal's own decisions are evaluated once and reused for every
/// principal that can act as it.
pub fn matrix(g: &Graph, edges: &[Vec<Step>]) -> Vec<Cell> {
    matrix_of(g, edges, &|_| true)
}

/// [`matrix`] for the levels `keep` accepts only.
pub fn matrix_of(g: &Graph, edges: &[Vec<Step>], keep: &dyn Fn(Level) -> bool) -> Vec<Cell> {
    let probes: Vec<Vec<_>> = g.targets.iter().map(|t| probes(t).into_iter().filter(|p| keep(p.0)).collect()).collect();
    let direct: Vec<Vec<Vec<Decision>>> = g
        .principals
        .iter()
        .map(|p| {
            g.targets
                .iter()
                .zip(&probes)
                .map(|(t, ps)| {
                    ps.iter().map(|(_, action, resource, kind)| decide(p, action, resource, Some(t), *kind)).collect()
                })
                .collect()
        })
        .collect();
    let mut cells = Vec::new();
    for pi in 0..g.principals.len() {
        let routes = routes(edges, pi);
        for (ti, ps) in probes.iter().enumerate() {
            for (k, (level, ..)) in ps.iter().enumerate() {
                let Some((via, path)) = routes.iter().find(|(via, _)| grants(&direct[*via][ti][k])) else { continue };
                let decision = path.iter().fold(direct[*via][ti][k].clone(), |acc, s| combine(&acc, &s.decision));
                cells.push(Cell { principal: pi, target: ti, level: *level, decision, path: path.clone() });
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
        let e = evaluation(p, action, &resource, Some(t), kind, context(p));
        let statements = e
            .cited
            .iter()
            .filter_map(|c| {
                let named = match c.identity {
                    None => t.policy.as_ref()?,
                    Some(i) => p.policies.get(i)?,
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
    use crate::access::{graph, instance};
    use crate::cfn::{read_template, Format};

    const APP: &str = "
Resources:
  A:
    Type: AWS::IAM::Role
    Properties:
      RoleName: a
      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: 'sts:AssumeRole'}]}
      Policies: [{PolicyName: hop, PolicyDocument: {Statement: [{Effect: Allow, Action: 'sts:AssumeRole', Resource: '*'}]}}]
  B:
    Type: AWS::IAM::Role
    Properties:
      RoleName: b
      AssumeRolePolicyDocument: {Statement: [{Sid: FromA, Effect: Allow, Principal: {AWS: !GetAtt A.Arn}, Action: 'sts:AssumeRole'}]}
      Policies: [{PolicyName: read, PolicyDocument: {Statement: [{Sid: Read, Effect: Allow, Action: 's3:GetObject', Resource: !Sub '${Data.Arn}/*'}]}}]
  Data:
    Type: AWS::S3::Bucket
    Properties: {BucketName: data}
";

    fn graph() -> Graph {
        let t = read_template(APP, "root.yaml", Format::Yaml).unwrap().template;
        let launches =
            [instance::Launch { name: "root".into(), file: "root.yaml".into(), parameters: Default::default() }];
        graph::build(&instance::instantiate(&[("root.yaml".into(), t)], &launches), &|_| None)
    }

    #[test]
    fn access_through_a_role_acted_as_carries_its_path() {
        let g = graph();
        let cells = matrix(&g, &edges(&g));
        let a = g.principals.iter().position(|p| p.origin.logical_id == "A").unwrap();
        let b = g.principals.iter().position(|p| p.origin.logical_id == "B").unwrap();
        let data = g.targets.iter().position(|t| t.origin.logical_id == "Data").unwrap();
        let read = |p: usize| cells.iter().find(|c| c.principal == p && c.target == data && c.level == Level::Read);
        assert_eq!(read(b).map(|c| (c.decision.clone(), c.path.len())), Some((Decision::Allow, 0)));
        let via = read(a).expect("A reads through B");
        assert_eq!(via.path.iter().map(|s| (s.role, s.how.as_str())).collect::<Vec<_>>(), [(b, "assume")]);
        // B cannot act as A: A trusts only EC2.
        assert!(read(b).is_some() && cells.iter().all(|c| !(c.principal == b && c.path.iter().any(|s| s.role == a))));
    }

    #[test]
    fn every_probe_is_a_request_its_action_makes() {
        // The service-authorization data grants nothing on a resource of no type the action acts
        // on: a probe of the wrong shape would find no access anywhere.
        for (_, action, resource) in SERVICE_ACTIONS {
            let (service, a) = crate::iam::servauth::action(action).expect(action);
            assert!(service.fits(a, resource), "{action} on {resource}");
        }
        let app = crate::platform::Platform::default().synth().unwrap();
        let g = crate::access::analyze(&app.templates, crate::access::DEFAULT_ROOT).graph;
        let kinds: std::collections::BTreeSet<String> = g.targets.iter().map(|t| format!("{:?}", t.kind)).collect();
        assert_eq!(kinds.len(), 4, "buckets, keys, user profiles and roles: {kinds:?}");
        for t in &g.targets {
            for (_, action, resource, _) in probes(t) {
                let (service, a) = crate::iam::servauth::action(action).expect(action);
                assert!(service.fits(a, &resource), "{action} on {resource}");
            }
        }
    }

    #[test]
    fn explain_cites_the_deciding_statements() {
        let g = graph();
        let b = g.principals.iter().position(|p| p.origin.logical_id == "B").unwrap();
        let data = g.targets.iter().position(|t| t.origin.logical_id == "Data").unwrap();
        let levels = explain(&g, b, data);
        let (level, decision, statements) = &levels[0];
        assert_eq!((*level, decision), (Level::Read, &Decision::Allow));
        assert_eq!(statements.iter().map(|s| s.sid.as_deref()).collect::<Vec<_>>(), [Some("Read")]);
        assert_eq!(statements[0].origin.logical_id, "B");
        assert!(levels.iter().any(|(l, d, s)| *l == Level::Write && *d == Decision::ImplicitDeny && s.is_empty()));
    }
}
