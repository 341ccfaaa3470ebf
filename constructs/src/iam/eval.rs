//! IAM's policy evaluation logic within one account (and the cross-account rule), for one
//! request: an explicit deny anywhere wins; otherwise an allow in an identity policy or a
//! resource policy allows — except where the resource policy must allow itself: a KMS key policy
//! and a role's trust policy, which grant either directly or by delegating to the account (then
//! an identity policy must allow too). Conditions that depend on context not known make the
//! decision `Conditional`, never a silent allow or deny.
//! See: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>

use std::collections::BTreeSet;

use super::condition::{evaluate_all, substitute, Context, Tri};
use super::pattern::{action_matches, arn_matches};
use super::policy::{Effect, Policy, Principal, Statement};
use super::presence::Asked;
use super::servauth;

/// Who asks: an IAM role or user (or a role session), or a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// An IAM principal's ARN (`arn:aws:iam::111111111111:role/R`, or the session's
    /// `arn:aws:sts::111111111111:assumed-role/R/s`).
    Iam(String),
    /// A service principal (`sagemaker.amazonaws.com`).
    Service(String),
}

impl Caller {
    fn account(&self) -> Option<&str> {
        match self {
            Caller::Iam(arn) => {
                super::pattern::split_colons::<5>(arn).map(|[.., rest]| super::pattern::before_colon(rest))
            }
            Caller::Service(_) => None,
        }
    }

    /// The principal ARN a resource policy names for this caller: a role session is its role.
    fn principal_arn(&self) -> Option<String> {
        let Caller::Iam(arn) = self else { return None };
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        match parts.as_slice() {
            [_, partition, "sts", _, account, rest] if rest.starts_with("assumed-role/") => {
                let role = rest.trim_start_matches("assumed-role/").split('/').next().unwrap_or("");
                Some(format!("arn:{partition}:iam::{account}:role/{role}"))
            }
            _ => Some(arn.clone()),
        }
    }
}

/// What kind of resource policy, if any, governs the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// Buckets, repositories, topics...: a resource policy may grant on its own.
    Ordinary,
    /// A KMS key: its key policy must allow, directly or by delegation to the account.
    KmsKey,
    /// A role, for `sts:AssumeRole`: its trust policy must allow, directly or by delegation.
    RoleTrust,
}

/// One request.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub caller: Caller,
    pub action: &'a str,
    pub resource: &'a str,
    /// The account that owns the resource.
    pub resource_account: &'a str,
    pub context: &'a Context,
}

/// The policies that apply to a request.
#[derive(Debug, Clone, Copy)]
pub struct Policies<'a> {
    /// The caller's identity policies, by name.
    pub identity: &'a [(&'a str, &'a Policy)],
    /// The resource's policy (bucket policy, key policy, trust policy), by name.
    pub resource: Option<(&'a str, &'a Policy)>,
    pub kind: ResourceKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
    /// The answer depends on these context keys, not known before deploy.
    Conditional(BTreeSet<String>),
}

/// A statement that took part in a decision: the policy's name, which policy it is (the index in
/// `Policies::identity`, or `None` for the resource policy) and the statement's index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cited {
    pub policy: String,
    pub identity: Option<usize>,
    pub statement: usize,
    pub effect: Effect,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub decision: Decision,
    /// The statements that apply (fully or conditionally), allows and denies.
    pub cited: Vec<Cited>,
}

/// How a resource-policy statement's principal relates to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Named {
    No,
    /// The caller itself, its role, a service it is, or anyone.
    Directly,
    /// The caller's account (`111111111111` or `arn:aws:iam::111111111111:root`): a delegation
    /// to the account's IAM policies.
    Account,
}

fn named(p: &Principal, caller: &Caller) -> Named {
    let Principal::Some { aws, service, .. } = p else { return Named::Directly };
    match caller {
        Caller::Service(s) => {
            if service.iter().any(|x| x == s) {
                Named::Directly
            } else {
                Named::No
            }
        }
        Caller::Iam(arn) => {
            let own = caller.principal_arn();
            if aws.iter().any(|x| x == arn || Some(x) == own.as_ref()) {
                return Named::Directly;
            }
            let account = caller.account().unwrap_or("");
            let root = format!("arn:aws:iam::{account}:root");
            if aws.iter().any(|x| x == account || *x == root) {
                Named::Account
            } else {
                Named::No
            }
        }
    }
}

fn action_applies(s: &Statement, action: &str) -> bool {
    s.action.candidates(action).any(|p| action_matches(p, action)) != s.action.not
}

fn resource_applies(s: &Statement, resource: &str, ctx: &Context) -> bool {
    let Some(r) = &s.resource else { return true };
    let hit = r.values.iter().filter_map(|p| substitute(p, ctx)).any(|p| arn_matches(&p, resource));
    hit != r.not
}

/// Whether `s` applies to the request: action, resource, then conditions.
fn applies(s: &Statement, req: &Request) -> Tri {
    if !action_applies(s, req.action) || !resource_applies(s, req.resource, req.context) {
        return Tri::False;
    }
    let asked = Asked { action: req.action, by_iam_principal: matches!(req.caller, Caller::Iam(_)) };
    evaluate_all(&s.conditions, req.context, Some(asked))
}

fn or(a: Tri, b: Tri) -> Tri {
    match (a, b) {
        (Tri::True, _) | (_, Tri::True) => Tri::True,
        (Tri::False, x) | (x, Tri::False) => x,
        (Tri::Unknown(mut a), Tri::Unknown(b)) => {
            a.extend(b);
            Tri::Unknown(a)
        }
    }
}

/// Evaluates `req` against `policies`. The request's resource is first held against the
/// resource types the action acts on (the service-authorization data, [`servauth`]): a resource
/// of none of them is no request the action makes, and nothing grants it (`s3:GetObject` on a
/// bucket's ARN); an action that acts on no resource type is asked on `*`, which only a
/// statement with `Resource: *` (or a `NotResource`) matches.
/// See: <https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>
pub fn evaluate(req: &Request, policies: &Policies) -> Evaluation {
    match servauth::action(req.action) {
        Some((_, action)) if action.resource_types.is_empty() && req.resource != "*" => {
            return evaluate_checked(&Request { resource: "*", ..req.clone() }, policies);
        }
        Some((service, action)) if !service.fits(action, req.resource) => {
            return Evaluation { decision: Decision::ImplicitDeny, cited: Vec::new() };
        }
        _ => {}
    }
    evaluate_checked(req, policies)
}

/// [`evaluate`] of a request whose resource is of the action's resource types.
fn evaluate_checked(req: &Request, policies: &Policies) -> Evaluation {
    let mut cited = Vec::new();
    let mut deny = Tri::False;
    let mut identity_allow = Tri::False;
    let (mut resource_direct, mut resource_account) = (Tri::False, Tri::False);

    if matches!(req.caller, Caller::Iam(_)) {
        for (k, (name, policy)) in policies.identity.iter().enumerate() {
            for (i, s) in policy.statements.iter().enumerate() {
                let t = applies(s, req);
                if t == Tri::False {
                    continue;
                }
                cited.push(Cited { policy: name.to_string(), identity: Some(k), statement: i, effect: s.effect });
                match s.effect {
                    Effect::Deny => deny = or(deny, t),
                    Effect::Allow => identity_allow = or(identity_allow, t),
                }
            }
        }
    }
    if let Some((name, policy)) = policies.resource {
        for (i, s) in policy.statements.iter().enumerate() {
            let who = match &s.principal {
                None => Named::No,
                Some((p, false)) => named(p, &req.caller),
                Some((p, true)) => {
                    if named(p, &req.caller) == Named::No {
                        Named::Directly
                    } else {
                        Named::No
                    }
                }
            };
            if who == Named::No {
                continue;
            }
            let t = applies(s, req);
            if t == Tri::False {
                continue;
            }
            cited.push(Cited { policy: name.to_string(), identity: None, statement: i, effect: s.effect });
            match (s.effect, who) {
                (Effect::Deny, _) => deny = or(deny, t),
                (Effect::Allow, Named::Directly) => resource_direct = or(resource_direct, t),
                (Effect::Allow, _) => resource_account = or(resource_account, t),
            }
        }
    }

    let same_account = req.caller.account().is_none_or(|a| a == req.resource_account);
    let allow = match policies.kind {
        // Across accounts both sides must allow, whatever the resource.
        _ if !same_account => identity_allow.and(or(resource_direct, resource_account)),
        ResourceKind::KmsKey | ResourceKind::RoleTrust => or(resource_direct, resource_account.and(identity_allow)),
        ResourceKind::Ordinary => or(identity_allow, resource_direct),
    };
    let decision = match (deny, allow) {
        (Tri::True, _) => Decision::ExplicitDeny,
        (_, Tri::False) => Decision::ImplicitDeny,
        (Tri::False, Tri::True) => Decision::Allow,
        (Tri::Unknown(d), Tri::True) => Decision::Conditional(d),
        (Tri::False, Tri::Unknown(a)) => Decision::Conditional(a),
        (Tri::Unknown(mut d), Tri::Unknown(a)) => {
            d.extend(a);
            Decision::Conditional(d)
        }
    };
    Evaluation { decision, cited }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ROLE: &str = "arn:aws:iam::111111111111:role/Team";
    const OBJECT: &str = "arn:aws:s3:::data/key";
    const KEY: &str = "arn:aws:kms:us-east-1:111111111111:key/k";

    fn policy(statements: serde_json::Value) -> Policy {
        Policy::from_json(&json!({"Version": "2012-10-17", "Statement": statements})).unwrap()
    }

    fn decide(
        action: &str,
        resource: &str,
        identity: &[&Policy],
        res: Option<&Policy>,
        kind: ResourceKind,
    ) -> Decision {
        decide_as(Caller::Iam(ROLE.into()), action, resource, identity, res, kind, &Context::new())
    }

    fn decide_as(
        caller: Caller,
        action: &str,
        resource: &str,
        identity: &[&Policy],
        res: Option<&Policy>,
        kind: ResourceKind,
        ctx: &Context,
    ) -> Decision {
        let named: Vec<(&str, &Policy)> = identity.iter().map(|p| ("identity", *p)).collect();
        let req = Request { caller, action, resource, resource_account: "111111111111", context: ctx };
        let policies = Policies { identity: &named, resource: res.map(|p| ("resource", p)), kind };
        evaluate(&req, &policies).decision
    }

    #[test]
    fn no_allow_is_an_implicit_deny() {
        assert_eq!(decide("s3:GetObject", OBJECT, &[], None, ResourceKind::Ordinary), Decision::ImplicitDeny);
    }

    #[test]
    fn an_explicit_deny_overrides_any_allow() {
        let allow = policy(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]));
        let deny = policy(json!([{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}]));
        assert_eq!(decide("s3:GetObject", OBJECT, &[&allow], None, ResourceKind::Ordinary), Decision::Allow);
        assert_eq!(
            decide("s3:GetObject", OBJECT, &[&allow, &deny], None, ResourceKind::Ordinary),
            Decision::ExplicitDeny
        );
        // A deny in the resource policy wins over the identity allow too.
        let bucket =
            policy(json!([{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::data/*"}]));
        assert_eq!(
            decide("s3:GetObject", OBJECT, &[&allow], Some(&bucket), ResourceKind::Ordinary),
            Decision::ExplicitDeny
        );
    }

    #[test]
    fn not_action_and_not_resource() {
        let p = policy(json!([{"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::secret/*"}]));
        assert_eq!(decide("s3:GetObject", OBJECT, &[&p], None, ResourceKind::Ordinary), Decision::Allow);
        assert_eq!(decide("iam:PassRole", ROLE, &[&p], None, ResourceKind::Ordinary), Decision::ImplicitDeny);
        assert_eq!(
            decide("s3:GetObject", "arn:aws:s3:::secret/x", &[&p], None, ResourceKind::Ordinary),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn a_resource_policy_naming_the_principal_grants_on_its_own() {
        let bucket = policy(
            json!([{"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}]),
        );
        assert_eq!(decide("s3:GetObject", OBJECT, &[], Some(&bucket), ResourceKind::Ordinary), Decision::Allow);
        // A session of the role is the role.
        let session = Caller::Iam("arn:aws:sts::111111111111:assumed-role/Team/alice".into());
        let d = decide_as(session, "s3:GetObject", OBJECT, &[], Some(&bucket), ResourceKind::Ordinary, &Context::new());
        assert_eq!(d, Decision::Allow);
    }

    #[test]
    fn a_key_policy_must_allow_directly_or_by_delegation() {
        let identity = policy(json!([{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]));
        let no_delegation = policy(
            json!([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:role/Admin"}, "Action": "kms:*", "Resource": "*"}]),
        );
        let delegation = policy(
            json!([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*"}]),
        );
        let direct =
            policy(json!([{"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt", "Resource": "*"}]));
        let kms = ResourceKind::KmsKey;
        assert_eq!(decide("kms:Decrypt", KEY, &[&identity], Some(&no_delegation), kms), Decision::ImplicitDeny);
        assert_eq!(decide("kms:Decrypt", KEY, &[&identity], Some(&delegation), kms), Decision::Allow);
        assert_eq!(
            decide("kms:Decrypt", KEY, &[], Some(&delegation), kms),
            Decision::ImplicitDeny,
            "delegation needs IAM"
        );
        assert_eq!(decide("kms:Decrypt", KEY, &[], Some(&direct), kms), Decision::Allow);
    }

    #[test]
    fn a_trust_policy_admits_services_and_principals() {
        let trust = policy(
            json!([{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]),
        );
        let sagemaker = Caller::Service("sagemaker.amazonaws.com".into());
        let d =
            decide_as(sagemaker, "sts:AssumeRole", ROLE, &[], Some(&trust), ResourceKind::RoleTrust, &Context::new());
        assert_eq!(d, Decision::Allow);
        let lambda = Caller::Service("lambda.amazonaws.com".into());
        let d = decide_as(lambda, "sts:AssumeRole", ROLE, &[], Some(&trust), ResourceKind::RoleTrust, &Context::new());
        assert_eq!(d, Decision::ImplicitDeny);
        // An identity policy alone cannot assume a role whose trust policy does not admit it.
        let any = policy(json!([{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]));
        assert_eq!(
            decide("sts:AssumeRole", ROLE, &[&any], Some(&trust), ResourceKind::RoleTrust),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn not_principal_denies_everyone_else() {
        let bucket = policy(
            json!([{"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111111111111:role/Admin"}, "Action": "s3:*", "Resource": "*"}]),
        );
        let allow = policy(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]));
        assert_eq!(
            decide("s3:GetObject", OBJECT, &[&allow], Some(&bucket), ResourceKind::Ordinary),
            Decision::ExplicitDeny
        );
    }

    #[test]
    fn cross_account_needs_both_sides() {
        let allow = policy(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]));
        let other = Caller::Iam("arn:aws:iam::222222222222:role/Other".into());
        let d =
            decide_as(other.clone(), "s3:GetObject", OBJECT, &[&allow], None, ResourceKind::Ordinary, &Context::new());
        assert_eq!(d, Decision::ImplicitDeny);
        let bucket = policy(
            json!([{"Effect": "Allow", "Principal": {"AWS": "222222222222"}, "Action": "s3:GetObject", "Resource": "*"}]),
        );
        let d =
            decide_as(other, "s3:GetObject", OBJECT, &[&allow], Some(&bucket), ResourceKind::Ordinary, &Context::new());
        assert_eq!(d, Decision::Allow);
    }

    #[test]
    fn unknown_conditions_make_a_conditional_decision() {
        let p = policy(
            json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}]),
        );
        let ctx = Context::new().unknown("aws:SourceVpce");
        let d = decide_as(Caller::Iam(ROLE.into()), "s3:GetObject", OBJECT, &[&p], None, ResourceKind::Ordinary, &ctx);
        assert_eq!(d, Decision::Conditional(BTreeSet::from(["aws:SourceVpce".into()])));
        let known = Context::new().set("aws:SourceVpce", &["vpce-2"]);
        let d =
            decide_as(Caller::Iam(ROLE.into()), "s3:GetObject", OBJECT, &[&p], None, ResourceKind::Ordinary, &known);
        assert_eq!(d, Decision::ImplicitDeny);
    }

    #[test]
    fn a_resource_of_no_type_of_the_action_is_granted_nothing() {
        // s3:GetObject acts on objects: a statement on the bucket's ARN grants it nowhere.
        let bucket_only =
            policy(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data"}]));
        let d = decide("s3:GetObject", "arn:aws:s3:::data", &[&bucket_only], None, ResourceKind::Ordinary);
        assert_eq!(d, Decision::ImplicitDeny);
        let objects = policy(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::data/*"}]));
        assert_eq!(decide("s3:GetObject", OBJECT, &[&objects], None, ResourceKind::Ordinary), Decision::Allow);
        // An action on no resource type is granted by `Resource: *` only.
        let all_buckets =
            policy(json!([{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "arn:aws:s3:::*"}]));
        let any = policy(json!([{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]));
        let list = |p: &Policy| decide("s3:ListAllMyBuckets", "arn:aws:s3:::data", &[p], None, ResourceKind::Ordinary);
        assert_eq!(list(&all_buckets), Decision::ImplicitDeny);
        assert_eq!(list(&any), Decision::Allow);
    }

    #[test]
    fn a_key_the_action_never_carries_is_absent() {
        let job = |condition: serde_json::Value| {
            let p = policy(
                json!([{"Effect": "Allow", "Action": "sagemaker:CreateTrainingJob", "Resource": "*", "Condition": condition}]),
            );
            let resource = "arn:aws:sagemaker:us-east-1:111111111111:training-job/j";
            let ctx = Context::open();
            decide_as(
                Caller::Iam(ROLE.into()),
                "sagemaker:CreateTrainingJob",
                resource,
                &[&p],
                None,
                ResourceKind::Ordinary,
                &ctx,
            )
        };
        // The deprecated key no action lists: absent, so `Null: false` fails and the statement
        // never applies; `Null: true` and IfExists hold.
        assert_eq!(job(json!({"Null": {"sagemaker:VolumeKmsKey": "false"}})), Decision::ImplicitDeny);
        assert_eq!(job(json!({"Null": {"sagemaker:VolumeKmsKey": "true"}})), Decision::Allow);
        assert_eq!(job(json!({"StringEqualsIfExists": {"sagemaker:VolumeKmsKey": "k"}})), Decision::Allow);
        assert_eq!(job(json!({"StringEquals": {"sagemaker:VolumeKmsKey": "k"}})), Decision::ImplicitDeny);
        // Its successor may be in the request: unknown, named.
        assert_eq!(
            job(json!({"Null": {"sagemaker:VolumeKmsKeyArn": "false"}})),
            Decision::Conditional(BTreeSet::from(["sagemaker:VolumeKmsKeyArn".into()]))
        );
        // Request tags: CreateTrainingJob takes them (unknown); ForAllValues on an absent key holds.
        assert!(matches!(job(json!({"StringEquals": {"aws:RequestTag/team": "a"}})), Decision::Conditional(_)));
        let p = policy(
            json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}}]),
        );
        let ctx = Context::open();
        let d = decide_as(Caller::Iam(ROLE.into()), "s3:GetObject", OBJECT, &[&p], None, ResourceKind::Ordinary, &ctx);
        assert_eq!(d, Decision::Allow, "GetObject tags nothing: aws:TagKeys is absent");
        // Given a value, a key the action cannot carry is still absent (IAM never sees it).
        let p = policy(
            json!([{"Effect": "Allow", "Action": "sagemaker:CreateTrainingJob", "Resource": "*", "Condition": {"Null": {"sagemaker:VolumeKmsKey": "false"}}}]),
        );
        let given = Context::new().set("sagemaker:VolumeKmsKey", &[KEY]);
        let resource = "arn:aws:sagemaker:us-east-1:111111111111:training-job/j";
        let d = decide_as(
            Caller::Iam(ROLE.into()),
            "sagemaker:CreateTrainingJob",
            resource,
            &[&p],
            None,
            ResourceKind::Ordinary,
            &given,
        );
        assert_eq!(d, Decision::ImplicitDeny);
        // A global key every signed request carries: Null decides, other operators stay unknown.
        assert_eq!(job(json!({"Null": {"aws:PrincipalArn": "true"}})), Decision::ImplicitDeny);
        assert!(matches!(job(json!({"StringEquals": {"aws:SourceVpce": "vpce-1"}})), Decision::Conditional(_)));
    }
}
