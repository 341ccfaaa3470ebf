//! The bootstrap's CloudFormation execution role policy, derived from the synthesized platform:
//! IAM only on the roles, managed policies and instance profiles the root stack and its nested
//! stacks create ([`sds_constructs::access::created`]), with the actions the service-authorization
//! data says act on those resource types; IAM's list actions that act on no resource on `*`;
//! nothing else of IAM. Every other service of the resource types of the root and its nested
//! stacks: `<service>:*` on `*` (not narrowed by resource yet). Product launches (team stacks,
//! user profiles) are created by Service Catalog's launch role and the team-stacks role, not by
//! this one: their services are not granted. Pure: no network.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use sds_constructs::access::created::{iam_resources, Created, Kind};
use sds_constructs::access::instance::{instantiate, Launch};
use sds_constructs::cfn::Template;
use sds_constructs::iam::servauth::{self, AccessLevel};

/// The IAM service prefix of a resource type (`AWS::SageMaker::Domain` → `sagemaker`); custom
/// resources are Lambda invocations.
fn service_of(resource_type: &str) -> Option<String> {
    if resource_type.starts_with("Custom::") || resource_type == "AWS::CloudFormation::CustomResource" {
        return Some("lambda".into());
    }
    let service = resource_type.strip_prefix("AWS::")?.split("::").next()?;
    Some(match service {
        "ResourceGroups" => "resource-groups".into(),
        other => other.to_ascii_lowercase(),
    })
}

/// The services whose resources `root` and its nested stacks declare (conditional ones
/// included), sorted. Product templates are not among them: Service Catalog's launch role and
/// the team-stacks role create those.
pub fn services(templates: &[(String, Template)], root: &str, stack: &str) -> Vec<String> {
    let launch = Launch { name: stack.to_string(), file: root.to_string(), parameters: BTreeMap::new() };
    let files: BTreeSet<String> = instantiate(templates, &[launch]).into_iter().map(|i| i.file).collect();
    let set: BTreeSet<String> = templates
        .iter()
        .filter(|(name, _)| files.contains(name))
        .flat_map(|(_, t)| t.resources.values())
        .filter_map(|r| service_of(&r.type_))
        .collect();
    set.into_iter().collect()
}

/// IAM's actions that act on resource type `kind`, as `iam:Name`, sorted.
fn iam_actions_on(kind: Kind) -> Vec<String> {
    let Some(iam) = servauth::service("iam") else { return Vec::new() };
    let mut out: Vec<String> = iam
        .actions()
        .filter(|a| a.resource_types.iter().any(|(t, _)| *t == kind.resource_type()))
        .map(|a| format!("iam:{}", a.name))
        .collect();
    out.sort();
    out
}

/// IAM's list actions that act on no resource type (granted only on `*`), sorted.
fn iam_listing() -> Vec<String> {
    let Some(iam) = servauth::service("iam") else { return Vec::new() };
    let mut out: Vec<String> = iam
        .actions()
        .filter(|a| a.level == AccessLevel::List && a.resource_types.is_empty())
        .map(|a| format!("iam:{}", a.name))
        .collect();
    out.sort();
    out
}

/// The execution role's policy document for the platform `templates` whose root file is `root`,
/// deployed as stack `stack`. Resources are `Fn::Sub` of the partition and account.
pub fn policy(templates: &[(String, Template)], root: &str, stack: &str) -> Value {
    let created = iam_resources(templates, root, stack);
    policy_of(&services(templates, root, stack), &created)
}

fn policy_of(services: &[String], created: &[Created]) -> Value {
    let others: Vec<String> = services.iter().filter(|s| *s != "iam").map(|s| format!("{s}:*")).collect();
    let mut statements = Vec::new();
    if !others.is_empty() {
        statements.push(json!({ "Sid": "PlatformServices", "Effect": "Allow", "Action": others, "Resource": "*" }));
    }
    let mut by_kind: BTreeMap<Kind, BTreeSet<&str>> = BTreeMap::new();
    for c in created {
        by_kind.entry(c.kind).or_default().insert(c.pattern.as_str());
    }
    // Where every role the stacks create declares a permissions boundary, roles are created (and
    // their boundary set) only with one of those, and never have it removed.
    let roles: Vec<&Created> = created.iter().filter(|c| c.kind == Kind::Role).collect();
    let boundaries: Option<BTreeSet<&str>> = roles.iter().map(|c| c.boundary.as_deref()).collect();
    let boundaries = boundaries.filter(|b| !roles.is_empty() && !b.is_empty());
    const BOUNDED: &[&str] = &["iam:CreateRole", "iam:PutRolePermissionsBoundary"];
    for (kind, patterns) in &by_kind {
        let sid = match kind {
            Kind::Role => "IamOnPlatformRoles",
            Kind::Policy => "IamOnPlatformManagedPolicies",
            Kind::InstanceProfile => "IamOnPlatformInstanceProfiles",
        };
        let resources: Vec<Value> = patterns.iter().map(|p| json!({ "Fn::Sub": p })).collect();
        let mut actions = iam_actions_on(*kind);
        if let (Kind::Role, Some(boundaries)) = (kind, &boundaries) {
            actions.retain(|a| !BOUNDED.contains(&a.as_str()) && a != "iam:DeleteRolePermissionsBoundary");
            let allowed: Vec<Value> = boundaries.iter().map(|b| json!({ "Fn::Sub": b })).collect();
            statements.push(json!({
                "Sid": "CreatePlatformRolesWithTheirBoundary", "Effect": "Allow", "Action": BOUNDED,
                "Resource": resources.clone(),
                "Condition": { "ArnLike": { "iam:PermissionsBoundary": allowed } }
            }));
        }
        statements.push(json!({ "Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources }));
    }
    if !by_kind.is_empty() {
        statements.push(json!({ "Sid": "IamListing", "Effect": "Allow", "Action": iam_listing(), "Resource": "*" }));
    }
    json!({ "Version": "2012-10-17", "Statement": statements })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sds_constructs::access::instance::ACCOUNT;
    use sds_constructs::iam::condition::Context;
    use sds_constructs::iam::eval::{evaluate, Caller, Decision, Policies, Request, ResourceKind};
    use sds_constructs::iam::policy::Policy;

    /// The policy as deployed in account [`ACCOUNT`]: `Fn::Sub` filled in.
    fn deployed(doc: &Value) -> Policy {
        fn sub(v: &Value) -> Value {
            match v {
                Value::Object(o) if o.len() == 1 && o.contains_key("Fn::Sub") => {
                    let s = o["Fn::Sub"].as_str().unwrap_or_default();
                    json!(s.replace("${AWS::Partition}", "aws").replace("${AWS::AccountId}", ACCOUNT))
                }
                Value::Array(a) => Value::Array(a.iter().map(sub).collect()),
                Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), sub(v))).collect()),
                other => other.clone(),
            }
        }
        Policy::from_json(&sub(doc)).unwrap()
    }

    fn decide(p: &Policy, action: &str, resource: &str) -> Decision {
        let caller = Caller::Iam(format!("arn:aws:sts::{ACCOUNT}:assumed-role/sds-bootstrap-ExecutionRole/cfn"));
        let ctx = Context::new();
        let req = Request { caller, action, resource, resource_account: ACCOUNT, context: &ctx };
        let identity = [("execution", p)];
        evaluate(&req, &Policies { identity: &identity, resource: None, kind: ResourceKind::Ordinary }).decision
    }

    /// The platform of a configuration file (`None`: the defaults, the reference profile).
    fn platform(config: Option<&str>) -> Vec<(String, Template)> {
        let config = crate::synth::load_config(config.map(std::path::Path::new)).unwrap();
        crate::synth::build(&config, &sds_constructs::platform::Platform::from_config).unwrap().templates
    }

    const LIFECYCLE: &[&str] = &[
        "iam:CreateRole",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:GetRole",
        "iam:PutRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:AttachRolePolicy",
        "iam:DetachRolePolicy",
        "iam:UpdateAssumeRolePolicy",
        "iam:DeleteRole",
        "iam:PassRole",
    ];
    const POLICY_LIFECYCLE: &[&str] = &[
        "iam:CreatePolicy",
        "iam:CreatePolicyVersion",
        "iam:DeletePolicyVersion",
        "iam:GetPolicy",
        "iam:ListPolicyVersions",
        "iam:TagPolicy",
        "iam:DeletePolicy",
    ];

    #[test]
    fn the_execution_role_manages_the_platforms_iam_resources_and_nothing_else_of_iam() {
        for config in [None, Some("examples/hardened/sds.yaml"), Some("tests/fixtures/teams.yaml")] {
            let hardened = config == Some("examples/hardened/sds.yaml");
            let templates = platform(config);
            let doc = policy(&templates, "ds_administration.yaml", "secure-ds-shared-service");
            let p = deployed(&doc);
            let created = iam_resources(&templates, "ds_administration.yaml", "secure-ds-shared-service");
            assert!(created.iter().filter(|c| c.kind == Kind::Role).count() >= 3, "{created:#?}");
            assert_eq!(created.iter().any(|c| c.kind == Kind::Policy), hardened, "the hardened boundary policy");
            for c in &created {
                let actions = if c.kind == Kind::Policy { POLICY_LIFECYCLE } else { LIFECYCLE };
                for a in actions {
                    assert_eq!(decide(&p, a, &c.example), Decision::Allow, "{a} on {} ({})", c.example, c.logical_id);
                }
            }
            // The role publish deploys team stacks with: its name is generated, from the root's.
            let team_role = created.iter().find(|c| c.logical_id == "TeamStacksDeploymentRole");
            assert_eq!(team_role.is_some(), config == Some("tests/fixtures/teams.yaml"), "{created:#?}");
            if team_role.is_some() {
                let arn = format!(
                    "arn:aws:iam::{ACCOUNT}:role/secure-ds-shared-service-TeamStacksDeploymentRole-1U44TLUZ7OR55"
                );
                assert_eq!(decide(&p, "iam:CreateRole", &arn), Decision::Allow, "{arn}");
            }
            // Roles the templates pass (a Lambda function's role, the launch-role constraint's).
            for r in ["SageMaker-DetectiveControl", "ServiceCatalogLaunchRole"] {
                let arn = format!("arn:aws:iam::{ACCOUNT}:role/DSSharedServices-{r}-0a1b2c3d4e5f");
                assert_eq!(decide(&p, "iam:PassRole", &arn), Decision::Allow, "{arn}");
            }
            for (action, resource) in [
                ("iam:CreateRole", format!("arn:aws:iam::{ACCOUNT}:role/Admin")),
                ("iam:PassRole", format!("arn:aws:iam::{ACCOUNT}:role/Admin")),
                ("iam:AttachRolePolicy", format!("arn:aws:iam::{ACCOUNT}:role/OrganizationAccountAccessRole")),
                ("iam:CreateUser", format!("arn:aws:iam::{ACCOUNT}:user/mallory")),
                ("iam:CreateAccessKey", format!("arn:aws:iam::{ACCOUNT}:user/mallory")),
                ("iam:CreatePolicyVersion", "arn:aws:iam::aws:policy/ReadOnlyAccess".to_string()),
                ("iam:CreatePolicyVersion", format!("arn:aws:iam::{ACCOUNT}:policy/Other")),
                ("iam:UpdateAccountPasswordPolicy", "*".to_string()),
            ] {
                assert_eq!(decide(&p, action, &resource), Decision::ImplicitDeny, "{action} on {resource}");
            }
            // Listing is on `*`; the other services of the root and nested stacks on `*`, the
            // products' only services not (the domain and user profiles are launched products).
            assert_eq!(decide(&p, "iam:ListRoles", "*"), Decision::Allow);
            assert_eq!(decide(&p, "ec2:CreateVpc", "*"), Decision::Allow);
            assert_eq!(decide(&p, "sagemaker:CreateDomain", "*"), Decision::ImplicitDeny);
            assert_eq!(decide(&p, "codecommit:CreateRepository", "*"), Decision::ImplicitDeny);
            let actions = doc["Statement"].as_array().unwrap().iter().flat_map(|s| s["Action"].as_array().unwrap());
            assert!(!actions.clone().any(|a| a == "iam:*"), "no IAM wildcard");
            assert!(actions.clone().any(|a| a == "s3:*"));
        }
    }

    /// The bootstrap template of the reference platform, whole: the execution role's policy as
    /// deployed.
    #[test]
    fn bootstrap_template_of_the_reference_platform() {
        let templates = platform(None);
        let body = crate::publish::bootstrap::template(
            "sds-bootstrap-123456789012-eu-west-1",
            policy(&templates, "ds_administration.yaml", "secure-ds-shared-service"),
            None,
            crate::publish::bootstrap::publish_policy("secure-ds-shared-service", false),
            &Default::default(),
        );
        insta::assert_snapshot!("bootstrap_template_reference", body);
    }

    /// Roles that all declare a boundary are created only with it (the platform's root and nested
    /// roles declare none today: a platform whose roles do, made here by adding one to each).
    #[test]
    fn roles_that_declare_a_boundary_are_created_only_with_it() {
        use sds_constructs::cfn::Value as CfnValue;
        let boundary = format!("arn:aws:iam::{ACCOUNT}:policy/ds-boundary");
        let mut templates = platform(None);
        for (_, t) in &mut templates {
            for r in t.resources.values_mut().filter(|r| r.type_ == "AWS::IAM::Role") {
                r.properties.insert("PermissionsBoundary".into(), CfnValue::String(boundary.clone()));
            }
        }
        let doc = policy(&templates, "ds_administration.yaml", "secure-ds-shared-service");
        let p = deployed(&doc);
        let role = format!("arn:aws:iam::{ACCOUNT}:role/DSSharedServices-DataScienceAdministrator-0a1b2c3d4e5f");
        let with = |b: &str| Context::new().set("iam:PermissionsBoundary", &[b]);
        let decide_in = |action: &str, ctx: &Context| {
            let caller = Caller::Iam(format!("arn:aws:sts::{ACCOUNT}:assumed-role/exec/cfn"));
            let req = Request { caller, action, resource: &role, resource_account: ACCOUNT, context: ctx };
            let identity = [("execution", &p)];
            evaluate(&req, &Policies { identity: &identity, resource: None, kind: ResourceKind::Ordinary }).decision
        };
        assert_eq!(decide_in("iam:CreateRole", &with(&boundary)), Decision::Allow, "{doc}");
        let other = format!("arn:aws:iam::{ACCOUNT}:policy/Other");
        assert_eq!(decide_in("iam:CreateRole", &with(&other)), Decision::ImplicitDeny);
        assert_eq!(decide_in("iam:PutRolePermissionsBoundary", &with(&other)), Decision::ImplicitDeny);
        assert_eq!(decide(&p, "iam:DeleteRolePermissionsBoundary", &role), Decision::ImplicitDeny);
        assert_eq!(decide(&p, "iam:PutRolePolicy", &role), Decision::Allow);
        // Without boundaries in the templates: no condition.
        let plain = policy(&platform(None), "ds_administration.yaml", "secure-ds-shared-service");
        assert_eq!(decide(&deployed(&plain), "iam:CreateRole", &role), Decision::Allow);
    }

    #[test]
    fn iam_actions_come_from_the_service_authorization_data() {
        let roles = iam_actions_on(Kind::Role);
        assert!(roles.contains(&"iam:PassRole".to_string()) && roles.contains(&"iam:CreateRole".to_string()));
        assert!(!roles.iter().any(|a| a.contains("User") || a == "iam:CreateAccessKey"), "{roles:?}");
        let listing = iam_listing();
        assert!(listing.contains(&"iam:ListRoles".to_string()), "{listing:?}");
        assert!(!listing.iter().any(|a| a.starts_with("iam:Create")));
        assert_eq!(service_of("AWS::SageMaker::Domain").as_deref(), Some("sagemaker"));
        assert_eq!(service_of("AWS::ResourceGroups::Group").as_deref(), Some("resource-groups"));
        assert_eq!(service_of("Custom::Thing").as_deref(), Some("lambda"));
    }
}
