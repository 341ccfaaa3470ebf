//! The hardened profile (`examples/hardened`): its committed output is current, `sds access` finds
//! no violation in it, and the user journeys of issue 16, one test each, decided by the access
//! evaluator on the committed templates with a closed request context (every key the request
//! carries is given; the rest are absent), so each answer is allow or deny, never "it depends".

use std::sync::OnceLock;

use sds_constructs::access::graph::{Principal, Target};
use sds_constructs::access::instance::{instantiate, Instance, ACCOUNT};
use sds_constructs::access::matrix::{decide_with, edges, reachable};
use sds_constructs::access::{analyze, Analysis};
use sds_constructs::cfn::{read_template, Format, Template, Value};
use sds_constructs::iam::{Context, Decision, ResourceKind};
use sds_constructs::platform::Platform;

use crate::support::{root, sds, stderr, stdout};

const ROOT: &str = "ds_administration.yaml";

fn templates_in(dir: &str) -> Vec<(String, Template)> {
    let mut files: Vec<_> = std::fs::read_dir(root().join(dir)).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            let text = std::fs::read_to_string(p).unwrap();
            (name.clone(), read_template(&text, &name, Format::Yaml).unwrap().template)
        })
        .collect()
}

struct Platformed {
    analysis: Analysis,
    instances: Vec<Instance>,
}

fn hardened() -> &'static Platformed {
    static H: OnceLock<Platformed> = OnceLock::new();
    H.get_or_init(|| {
        let templates = templates_in("examples/hardened/out");
        let analysis = analyze(&templates, ROOT);
        let instances = instantiate(&templates, &analysis.launches);
        Platformed { analysis, instances }
    })
}

fn reference() -> &'static Analysis {
    static R: OnceLock<Analysis> = OnceLock::new();
    R.get_or_init(|| analyze(&Platform::default().synth().unwrap().templates, ROOT))
}

fn principal<'a>(a: &'a Analysis, instance: &str, id: &str) -> &'a Principal {
    let found = a.graph.principals.iter().find(|p| p.origin.instance == instance && p.origin.logical_id == id);
    found.unwrap_or_else(|| panic!("no principal {instance}/{id}"))
}

fn target<'a>(a: &'a Analysis, instance: &str, id: &str) -> &'a Target {
    let found = a.graph.targets.iter().find(|t| t.origin.instance == instance && t.origin.logical_id == id);
    found.unwrap_or_else(|| panic!("no resource {instance}/{id}"))
}

/// A resolved property of a resource of the hardened platform.
fn property(instance: &str, id: &str, pointer: &[&str]) -> Value {
    property_in(&hardened().instances, instance, id, pointer)
}

fn property_in(instances: &[Instance], instance: &str, id: &str, pointer: &[&str]) -> Value {
    let r = instances
        .iter()
        .filter(|i| i.name == instance)
        .flat_map(|i| &i.resources)
        .find(|r| r.logical_id == id)
        .unwrap_or_else(|| panic!("no resource {instance}/{id}"));
    let mut v = Value::Map(r.properties.clone());
    for key in pointer {
        v = match v {
            Value::Map(m) => m[*key].clone(),
            Value::List(l) => l[key.parse::<usize>().unwrap()].clone(),
            other => panic!("{other:?} has no {key}"),
        };
    }
    v
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::List(l) => l.iter().map(|s| s.as_str().unwrap().to_string()).collect(),
        other => vec![other.as_str().unwrap().to_string()],
    }
}

/// The platform's S3 endpoint, subnets and SageMaker security group, as deployed.
fn network() -> (String, Vec<String>, String) {
    network_of(&hardened().instances, ALICE)
}

/// [`network`] of the platform `instances`, with the security group of `user`'s profile.
fn network_of(instances: &[Instance], user: &str) -> (String, Vec<String>, String) {
    let endpoint =
        instances.iter().flat_map(|i| &i.resources).find(|r| r.logical_id == "VPCEndpointS3").map(|r| r.id.clone());
    let mut subnets: Vec<String> = instances
        .iter()
        .filter(|i| i.name.starts_with("root"))
        .flat_map(|i| &i.resources)
        .filter(|r| r.type_ == "AWS::EC2::Subnet")
        .map(|r| r.id.clone())
        .collect();
    subnets.sort();
    assert_eq!(subnets.len(), 3);
    let sg =
        strings(&property_in(instances, user, "SageMakerStudioUserProfile", &["UserSettings", "SecurityGroups", "0"]));
    (endpoint.unwrap(), subnets, sg[0].clone())
}

/// A closed context for `p`: from inside the VPC through the S3 endpoint, over TLS.
fn context(p: &Principal) -> Context {
    let (endpoint, ..) = network();
    Context::new()
        .set("aws:PrincipalArn", &[&p.arn])
        .set("aws:PrincipalAccount", &[ACCOUNT])
        .set("aws:SecureTransport", &["true"])
        .set("aws:SourceVpce", &[&endpoint])
}

fn object(t: &Target) -> String {
    format!("{}/key", t.arn)
}

const ALICE: &str = "team-a-dev/alice";

/// A training job request of alice's execution role: in the VPC, with KMS keys, on `instance_type`.
fn training(in_vpc: bool, instance_type: &str) -> Decision {
    training_of(&hardened().analysis, &hardened().instances, ALICE, in_vpc, instance_type)
}

/// A training job request of `user`'s execution role on the platform `a` (`instances`).
fn training_of(a: &Analysis, instances: &[Instance], user: &str, in_vpc: bool, instance_type: &str) -> Decision {
    let exec = principal(a, user, "SageMakerExecRole");
    let (endpoint, subnets, sg) = network_of(instances, user);
    let subnets: Vec<&str> = subnets.iter().map(String::as_str).collect();
    let mut ctx = Context::new()
        .set("aws:PrincipalArn", &[&exec.arn])
        .set("aws:PrincipalAccount", &[ACCOUNT])
        .set("aws:SecureTransport", &["true"])
        .set("aws:SourceVpce", &[&endpoint])
        .set("sagemaker:VolumeKmsKeyArn", &["arn:aws:kms:us-east-1:111111111111:key/k"])
        .set("sagemaker:OutputKmsKeyArn", &["arn:aws:kms:us-east-1:111111111111:key/k"])
        .set("sagemaker:InterContainerTrafficEncryption", &["true"])
        .set("sagemaker:InstanceTypes", &[instance_type]);
    if in_vpc {
        ctx = ctx.set("sagemaker:VpcSubnets", &subnets).set("sagemaker:VpcSecurityGroupIds", &[&sg]);
    }
    let job = "arn:aws:sagemaker:us-east-1:111111111111:training-job/j";
    decide_with(exec, "sagemaker:CreateTrainingJob", job, None, ResourceKind::Ordinary, ctx)
}

#[test]
fn the_committed_hardened_output_is_current() {
    let o = sds()
        .args(["synth", "--config", "examples/hardened/sds.yaml", "--out", "examples/hardened/out", "--check"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "run `sds synth --config examples/hardened/sds.yaml --out examples/hardened/out`: {}{}",
        stdout(&o),
        stderr(&o)
    );
}

#[test]
fn sds_access_finds_no_violation_on_the_hardened_platform() {
    for args in [vec!["access", "--config", "examples/hardened/sds.yaml"], vec!["access", "examples/hardened/out"]] {
        let o = sds().args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stdout(&o));
        assert!(stdout(&o).contains("; 0 invariant violations"), "{}", stdout(&o));
    }
    let a = &hardened().analysis;
    assert!(a.violations.is_empty() && a.graph.problems.is_empty(), "{:?}", a.violations);
    assert!(a.graph.principals.iter().all(|p| p.unknown_managed.is_empty()), "every managed policy is vendored");
}

#[test]
fn a_data_scientist_opens_their_own_studio_profile_only() {
    let a = &hardened().analysis;
    let role = principal(a, ALICE, "StudioUserRole");
    let open = |user: &str| {
        let profile = target(a, user, "SageMakerStudioUserProfile");
        let name = user.rsplit('/').next().unwrap();
        let ctx = context(role)
            .set("aws:PrincipalTag/studiouserid", &["alice"])
            .set("sagemaker:ResourceTag/studiouserid", &[name]);
        decide_with(
            role,
            "sagemaker:CreatePresignedDomainUrl",
            &profile.arn,
            Some(profile),
            ResourceKind::Ordinary,
            ctx,
        )
    };
    assert_eq!(open(ALICE), Decision::Allow);
    for other in ["team-a-dev/bob", "team-b-dev/carol"] {
        assert_eq!(open(other), Decision::ImplicitDeny, "{other}");
    }
}

#[test]
fn a_data_scientist_reads_and_writes_their_team_data_only() {
    let a = &hardened().analysis;
    let exec = principal(a, ALICE, "SageMakerExecRole");
    for (team, expected) in [("team-a-dev", Decision::Allow), ("team-b-dev", Decision::ExplicitDeny)] {
        let bucket = target(a, &format!("{team}/DSEnvironmentBackingStore"), "DataBucket");
        for action in ["s3:GetObject", "s3:PutObject"] {
            let d = decide_with(exec, action, &object(bucket), Some(bucket), ResourceKind::Ordinary, context(exec));
            assert_eq!(d, expected, "{action} on {team}");
        }
        let key = target(a, &format!("{team}/DSEnvironmentBackingStore"), "KMSCMK");
        let d = decide_with(exec, "kms:Decrypt", &key.arn, Some(key), ResourceKind::KmsKey, context(exec));
        let expected = if team == "team-a-dev" { Decision::Allow } else { Decision::ImplicitDeny };
        assert_eq!(d, expected, "decrypt with the key of {team}");
    }
    // Not even the team-b bucket's other routes: outside the endpoint, own data is refused too.
    let own = target(a, "team-a-dev/DSEnvironmentBackingStore", "DataBucket");
    let outside = context(exec).set("aws:SourceVpce", &["vpce-elsewhere"]);
    assert_eq!(
        decide_with(exec, "s3:GetObject", &object(own), Some(own), ResourceKind::Ordinary, outside),
        Decision::ExplicitDeny
    );
    let plain = context(exec).set("aws:SecureTransport", &["false"]);
    assert_eq!(
        decide_with(exec, "s3:GetObject", &object(own), Some(own), ResourceKind::Ordinary, plain),
        Decision::ExplicitDeny
    );
}

#[test]
fn a_data_scientist_trains_in_the_vpc_with_kms_keys() {
    assert_eq!(training(true, "ml.m5.xlarge"), Decision::Allow);
    let a = &hardened().analysis;
    let exec = principal(a, ALICE, "SageMakerExecRole");
    let pass = context(exec).set("iam:PassedToService", &["sagemaker.amazonaws.com"]);
    assert_eq!(decide_with(exec, "iam:PassRole", &exec.arn, None, ResourceKind::Ordinary, pass), Decision::Allow);
}

#[test]
fn a_data_scientist_cannot_train_outside_the_vpc() {
    assert_eq!(training(false, "ml.m5.xlarge"), Decision::ExplicitDeny);
}

#[test]
fn a_data_scientist_cannot_train_on_a_disallowed_instance_type() {
    assert_eq!(training(true, "ml.p4d.24xlarge"), Decision::ImplicitDeny);
}

#[test]
fn a_data_scientist_deploys_to_allowed_instance_types_only() {
    let a = &hardened().analysis;
    let exec = principal(a, ALICE, "SageMakerExecRole");
    let config = |instance_type: &str| {
        let ctx = context(exec)
            .set("sagemaker:InstanceTypes", &[instance_type])
            .set("sagemaker:VolumeKmsKeyArn", &["arn:aws:kms:us-east-1:111111111111:key/k"]);
        let arn = "arn:aws:sagemaker:us-east-1:111111111111:endpoint-config/c";
        decide_with(exec, "sagemaker:CreateEndpointConfig", arn, None, ResourceKind::Ordinary, ctx)
    };
    assert_eq!(config("ml.c5.large"), Decision::Allow);
    assert_eq!(config("ml.p4d.24xlarge"), Decision::ImplicitDeny);
    let endpoint = "arn:aws:sagemaker:us-east-1:111111111111:endpoint/e";
    assert_eq!(
        decide_with(exec, "sagemaker:CreateEndpoint", endpoint, None, ResourceKind::Ordinary, context(exec)),
        Decision::Allow
    );
}

#[test]
fn a_data_scientist_cannot_act_as_an_administrator_role() {
    let h = &hardened().analysis;
    let all_edges = edges(&h.graph);
    for id in ["SageMakerExecRole", "StudioUserRole"] {
        let p = principal(h, ALICE, id);
        let from = h.graph.principals.iter().position(|q| q.arn == p.arn).unwrap();
        let reached: Vec<&str> =
            reachable(&all_edges, from).iter().map(|(r, _)| h.graph.principals[*r].arn.as_str()).collect();
        assert!(reached.is_empty(), "{id} acts as {reached:?}");
        for (instance, admin) in [
            ("root/DataSciencePrincipals", "DataScienceAdministrator"),
            ("team-a-dev/DSEnvironmentPrincipals", "DataScientistAdminRole"),
        ] {
            let admin = target(h, instance, admin);
            let pass = context(p).set("iam:PassedToService", &["sagemaker.amazonaws.com"]);
            assert_eq!(
                decide_with(p, "iam:PassRole", &admin.arn, None, ResourceKind::Ordinary, pass),
                Decision::ImplicitDeny
            );
            let assume = decide_with(p, "sts:AssumeRole", &admin.arn, Some(admin), ResourceKind::RoleTrust, context(p));
            assert_eq!(assume, Decision::ImplicitDeny, "{id} assumes {}", admin.arn);
        }
    }
}

/// What the reference's platform administrator does, the hardened one still does.
#[test]
fn the_administrator_keeps_the_reference_administrators_powers() {
    let probes: &[(&str, &str)] = &[
        ("sagemaker:CreateDomain", "arn:aws:sagemaker:us-east-1:111111111111:domain/d"),
        ("sagemaker:CreateTrainingJob", "arn:aws:sagemaker:us-east-1:111111111111:training-job/j"),
        ("sagemaker:CreatePresignedDomainUrl", "arn:aws:sagemaker:us-east-1:111111111111:user-profile/d/alice"),
        ("servicecatalog:CreatePortfolio", "*"),
        ("cloudformation:CreateStack", "arn:aws:cloudformation:us-east-1:111111111111:stack/s/1"),
        ("ssm:PutParameter", "arn:aws:ssm:us-east-1:111111111111:parameter/ds-x"),
        ("codecommit:CreateRepository", "arn:aws:codecommit:us-east-1:111111111111:ds-source-x"),
        ("ecr:PutImage", "arn:aws:ecr:us-east-1:111111111111:repository/ds-shared-container-images"),
    ];
    let (h, r) = (&hardened().analysis, reference());
    let admin = |a: &'static Analysis| principal(a, "root/DataSciencePrincipals", "DataScienceAdministrator");
    for (action, resource) in probes {
        let ctx =
            |p: &Principal| Context::new().set("aws:PrincipalArn", &[&p.arn]).set("aws:SecureTransport", &["true"]);
        let before = decide_with(admin(r), action, resource, None, ResourceKind::Ordinary, ctx(admin(r)));
        let after = decide_with(admin(h), action, resource, None, ResourceKind::Ordinary, ctx(admin(h)));
        assert_eq!(before, Decision::Allow, "{action} (reference)");
        assert_eq!(after, before, "{action}");
    }
    // Manage team buckets, and read the data lake through the endpoint.
    for (instance, id, action, kind) in [
        ("team-a-dev/DSEnvironmentBackingStore", "DataBucket", "s3:PutBucketPolicy", ResourceKind::Ordinary),
        ("root/SharedDataLake", "DataLakeBucket", "s3:GetObject", ResourceKind::Ordinary),
    ] {
        let t = target(h, instance, id);
        let resource = if action == "s3:GetObject" { object(t) } else { t.arn.clone() };
        let d = decide_with(admin(h), action, &resource, Some(t), kind, context(admin(h)));
        assert_eq!(d, Decision::Allow, "{action} on {instance}/{id}");
    }
}

/// The Service Catalog launch role creates roles, and puts or attaches policies to them, only
/// with the platform's permissions boundary, and cannot change the boundary; every role the
/// products create declares it.
#[test]
fn the_launch_role_creates_roles_only_with_the_permissions_boundary() {
    let a = &hardened().analysis;
    let launch = principal(a, "root/DataSciencePrincipals", "SCLaunchRole");
    let boundary = format!("arn:aws:iam::{ACCOUNT}:policy/ds-permissions-boundary-DSSharedServices");
    let other = format!("arn:aws:iam::{ACCOUNT}:policy/ds-notebook-policy-team-c-dev-eve-1");
    let role = format!("arn:aws:iam::{ACCOUNT}:role/ds-user-role-team-c-dev");
    let decide = |action: &str, resource: &str, with: Option<&str>| {
        let mut ctx = Context::new().set("aws:PrincipalArn", &[&launch.arn]);
        if let Some(b) = with {
            ctx = ctx.set("iam:PermissionsBoundary", &[b]);
        }
        decide_with(launch, action, resource, None, ResourceKind::Ordinary, ctx)
    };
    for action in ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"] {
        assert_eq!(decide(action, &role, Some(&boundary)), Decision::Allow, "{action} with the boundary");
        assert_eq!(decide(action, &role, None), Decision::ImplicitDeny, "{action} without a boundary");
        assert_eq!(decide(action, &role, Some(&other)), Decision::ImplicitDeny, "{action} with another boundary");
    }
    for action in ["iam:CreatePolicyVersion", "iam:DeletePolicy"] {
        assert_eq!(decide(action, &boundary, None), Decision::ExplicitDeny, "{action} on the boundary");
        assert_eq!(decide(action, &other, None), Decision::Allow, "{action} on a platform policy");
    }
    let roles: Vec<(String, String)> = hardened()
        .instances
        .iter()
        .filter(|i| !i.name.starts_with("root"))
        .flat_map(|i| {
            i.resources
                .iter()
                .filter(|r| r.type_ == "AWS::IAM::Role")
                .map(move |r| (i.name.clone(), r.logical_id.clone()))
        })
        .collect();
    assert_eq!(roles.len(), 2 + 2 + 1 + 4 * 2, "{roles:?}");
    // The Studio product is analyzed launched without its stack set name (no default).
    let unnamed = format!("arn:aws:iam::{ACCOUNT}:policy/ds-permissions-boundary-param:SharedServiceStackSetName");
    for (instance, id) in roles {
        let declared = strings(&property(&instance, &id, &["PermissionsBoundary"]));
        let expected = if instance == "ds_env_sagemaker_studio" { &unnamed } else { &boundary };
        assert_eq!(declared, std::slice::from_ref(expected), "{instance}/{id}");
    }
}

/// A team's own job instance types reach its users' launches: its users train on them and not
/// on the platform's others; the other team keeps the platform's.
#[test]
fn a_team_trains_on_its_own_instance_types() {
    use sds_constructs::access::{analyze_with, AccessConfig};
    use sds_constructs::config::Config;
    let text = "profile: hardened
teams:
  - name: vision
    env: dev
    job_instance_types: [ml.g5.xlarge]
    users: [{name: erin}]
  - name: fraud
    env: dev
    users: [{name: frank}]
";
    let config = Config::from_yaml(text, "sds.yaml").unwrap();
    let app = Platform::from_config(&config).synth().unwrap();
    let team = app.get("teams/vision-dev.yaml").unwrap();
    let passed = sds_constructs::cfn::yaml::inline(&team.resources["UserErin"].properties["ProvisioningParameters"]);
    assert!(passed.contains("{Key: JobInstanceTypes, Value: ml.g5.xlarge}"), "{passed}");
    let fraud = app.get("teams/fraud-dev.yaml").unwrap();
    let passed = sds_constructs::cfn::yaml::inline(&fraud.resources["UserFrank"].properties["ProvisioningParameters"]);
    assert!(!passed.contains("InstanceTypes"), "{passed}");

    let analysis = analyze_with(&app.templates, ROOT, &AccessConfig::from_config(&config));
    let instances = instantiate(&app.templates, &analysis.launches);
    let train = |user: &str, instance_type: &str| training_of(&analysis, &instances, user, true, instance_type);
    assert_eq!(train("vision-dev/erin", "ml.g5.xlarge"), Decision::Allow);
    assert_eq!(train("vision-dev/erin", "ml.m5.xlarge"), Decision::ImplicitDeny);
    assert_eq!(train("fraud-dev/frank", "ml.m5.xlarge"), Decision::Allow);
    assert_eq!(train("fraud-dev/frank", "ml.g5.xlarge"), Decision::ImplicitDeny);
}

/// ABAC holds only if users cannot set the tags it reads: a data scientist may tag, but not with
/// the team, environment or Studio user keys (else team b's notebook, tagged into team a, would
/// be team a's to start and stop).
#[test]
fn a_data_scientist_cannot_tag_a_resource_into_reach() {
    let a = &hardened().analysis;
    let role = principal(a, "team-a-dev/DSEnvironmentPrincipals", "DataScientistRole");
    let notebook = "arn:aws:sagemaker:us-east-1:111111111111:notebook-instance/team-b-notebook";
    let tag = |key: &str| {
        let ctx = context(role).set("aws:TagKeys", &[key]).set(&format!("aws:RequestTag/{key}"), &["team-a"]);
        decide_with(role, "sagemaker:AddTags", notebook, None, ResourceKind::Ordinary, ctx)
    };
    assert_eq!(tag("Project"), Decision::Allow);
    for key in ["TeamName", "EnvironmentType", "studiouserid", "teamname"] {
        assert_eq!(tag(key), Decision::ImplicitDeny, "{key}");
    }
}

/// The team administrator manages SageMaker resources (the managed policies allow any tag), yet
/// cannot move another team's resource into the team, nor take its team tag away.
#[test]
fn a_team_administrator_cannot_retag_another_teams_resources() {
    let a = &hardened().analysis;
    let admin = principal(a, "team-a-dev/DSEnvironmentPrincipals", "DataScientistAdminRole");
    let notebook = "arn:aws:sagemaker:us-east-1:111111111111:notebook-instance/n";
    let change = |action: &str, key: &str, owner: Option<&str>| {
        let mut ctx = context(admin).set("aws:TagKeys", &[key]).set(&format!("aws:RequestTag/{key}"), &["team-a"]);
        if let Some(owner) = owner {
            ctx = ctx.set("aws:ResourceTag/TeamName", &[owner]);
        }
        decide_with(admin, action, notebook, None, ResourceKind::Ordinary, ctx)
    };
    for action in ["sagemaker:AddTags", "sagemaker:DeleteTags"] {
        for key in ["TeamName", "EnvironmentType", "studiouserid"] {
            assert_eq!(change(action, key, Some("team-b")), Decision::ExplicitDeny, "{action} {key}");
            assert_eq!(change(action, key, Some("team-a")), Decision::Allow, "{action} {key} on its own");
        }
        assert_eq!(change(action, "Project", Some("team-b")), Decision::Allow, "{action} Project");
    }
    // a new resource, tagged as it is created
    assert_eq!(change("sagemaker:AddTags", "TeamName", None), Decision::Allow);
    // nor the team's resources of another environment (team-a's prod, from dev)
    let ctx = context(admin)
        .set("aws:TagKeys", &["EnvironmentType"])
        .set("aws:RequestTag/EnvironmentType", &["dev"])
        .set("aws:ResourceTag/TeamName", &["team-a"])
        .set("aws:ResourceTag/EnvironmentType", &["prod"]);
    let d = decide_with(admin, "sagemaker:AddTags", notebook, None, ResourceKind::Ordinary, ctx);
    assert_eq!(d, Decision::ExplicitDeny);
}
