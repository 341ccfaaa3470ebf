//! The user profile product in the hardened profile (`profile: hardened`): the same files as
//! [`crate::user_profile`], built for isolation and cost control. Per user: an execution role
//! that passes only itself, reads and writes only the team's and the data lake's buckets, uses
//! only the team's and the platform's keys, and creates jobs only inside the VPC, encrypted, on
//! allowed instance types; and a Studio role (`ds-studio-user-<team>-<env>-<user>`, tagged
//! `studiouserid`) that opens only the user's own profile and creates apps in it on allowed
//! instance types. Depends on the model, the stack builder, [`crate::common`] and
//! [`crate::hardened`].

use crate::admin_principals::aws_managed;
use crate::cfn::value::sub;
use crate::cfn::{Map, Parameter, Value};
use crate::common::{
    described, inline_policy, join, policy_document, shared_stack_set_parameter, tag, team_tags, Statement,
    COMMON_ROOT_NAME,
};
use crate::hardened::{self, instance_types_condition};
use crate::shared_data_lake::SharedDataLake;
use crate::shared_ecr::SharedEcr;
use crate::shared_network::SharedNetwork;
use crate::stack::Stack;
use crate::studio_domain::StudioDomain;
use crate::team_backing_store::TeamBackingStore;
use crate::team_environment::{env_parameter, team_parameter, TEAM_DESCRIPTION};
use crate::team_principals::team_repository_arn;
use crate::teams::{APP_INSTANCE_TYPES, DEPLOYMENT_INSTANCE_TYPES, JOB_INSTANCE_TYPES};
use crate::user_profile::{
    strings, InstanceTypes, Variant, CODECOMMIT_WORK, ECR_PULL, IN_VPC_ACTIONS, JOB_CREATION, SUPPORTING_ACTIONS,
};
use crate::{list, map};

/// Supporting actions the hardened role drops: Elastic Inference is deprecated (its action no
/// longer exists for new accounts).
const DROPPED: &[&str] = &["elastic-inference:Connect"];

/// Supporting actions with resource-level permissions (Service Authorization Reference), each
/// group on the platform's resources: network interfaces in the platform's subnets and security
/// groups, SageMaker's log groups, endpoint scaling targets and alarms of the account and region.
const SCOPED_SUPPORT: &[(&str, &[&str])] = &[
    (
        "NetworkInterfacesInThePlatformVpc",
        &[
            "ec2:CreateNetworkInterface",
            "ec2:CreateNetworkInterfacePermission",
            "ec2:DeleteNetworkInterface",
            "ec2:DeleteNetworkInterfacePermission",
        ],
    ),
    (
        "SageMakerLogs",
        &[
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:DescribeLogStreams",
            "logs:GetLogEvents",
            "logs:PutLogEvents",
        ],
    ),
    (
        "EndpointScaling",
        &[
            "application-autoscaling:DeleteScalingPolicy",
            "application-autoscaling:DeleteScheduledAction",
            "application-autoscaling:DeregisterScalableTarget",
            "application-autoscaling:PutScalingPolicy",
            "application-autoscaling:PutScheduledAction",
            "application-autoscaling:RegisterScalableTarget",
        ],
    ),
    ("EndpointAlarms", &["cloudwatch:DeleteAlarms", "cloudwatch:PutMetricAlarm"]),
];

/// In-VPC actions the execution role is allowed besides job creation (which has its own
/// statement): the reference's v1 list without Studio apps (the Studio role's) and with
/// `CreateEndpoint` (deploying; the endpoint config carries the instance type guard).
fn in_vpc_actions() -> Vec<&'static str> {
    let mut v: Vec<&str> = IN_VPC_ACTIONS
        .iter()
        .copied()
        .filter(|a| !JOB_CREATION.contains(a) && !matches!(*a, "sagemaker:CreateApp" | "sagemaker:DeleteApp"))
        .collect();
    v.push("sagemaker:CreateEndpoint");
    v
}

pub fn user_profile(props: &InstanceTypes, variant: Variant, stack_set_name: &str) -> Stack {
    let mut s = Stack::new(
        variant.file(),
        "CloudFormation template for creating SageMaker Studio UserProfiles for data science project and environment combination (hardened profile).",
    );
    let team = team_parameter(&mut s, TEAM_DESCRIPTION, hardened::TEAM_PATTERN);
    let env =
        env_parameter(&mut s, "System Environment. Used as a suffix for team and environment resource names.", None);
    let set = shared_stack_set_parameter(&mut s, COMMON_ROOT_NAME, Some(stack_set_name));
    let profile_name =
        s.parameter("StudioUserProfileName", Parameter::new("String").with("Description", "Studio user profile name"));
    let app_types: Vec<String> = props.instance_types.iter().filter(|t| *t != "system").cloned().collect();
    let instance_type = s.parameter(
        "InstanceType",
        Parameter::new("String")
            .with("Description", "The default instance type of the user's Studio kernel gateway apps.")
            .with("Default", props.default_instance_type.as_str())
            .with("AllowedValues", strings(&app_types)),
    );
    // No `DeploymentInstanceType`: the endpoint config statement allows the whole list.
    // The allow-lists: the platform's by default, a team's own when its launches pass them.
    let mut allow_list = |name: &str, what: &str, types: &[String]| {
        let description = format!("Instance types {what} may use (default: the platform's; a team may set its own).");
        s.parameter(
            name,
            Parameter::new("CommaDelimitedList").with("Description", description).with("Default", types.join(",")),
        )
        .r()
    };
    let app_list = allow_list(APP_INSTANCE_TYPES, "the user's Studio apps", &props.instance_types);
    let job_list = allow_list(
        JOB_INSTANCE_TYPES,
        "training, processing, transform, tuning and AutoML jobs",
        &props.job_instance_types,
    );
    let deployment_list =
        allow_list(DEPLOYMENT_INSTANCE_TYPES, "endpoint configurations", &props.deployment_instance_types);
    let (t, e, p) = (team.name(), env.name(), profile_name.name());
    let per_user = format!("${{{t}}}-${{{e}}}-${{{p}}}");
    let subnets = Value::List(SharedNetwork::SUBNETS.iter().map(|x| x.import(&set)).collect());
    let security_group = list![SharedNetwork::SAGEMAKER_SECURITY_GROUP.import(&set)];

    // Jobs: in the VPC, encrypted, on allowed instance types. The KMS keys by their current
    // names: the reference's `sagemaker:VolumeKmsKey`/`OutputKmsKey` are deprecated keys no action
    // carries, so a statement requiring them never applies (sec/iam-condition-key-not-applicable).
    let mut job_conditions: Map = map! {
        "BoolIfExists" => Value::Map(map! { "sagemaker:InterContainerTrafficEncryption" => "true" }),
        "Null" => Value::Map(map! {
            "sagemaker:VolumeKmsKeyArn" => "false",
            "sagemaker:OutputKmsKeyArn" => "false",
            "sagemaker:VpcSubnets" => "false",
            "sagemaker:InstanceTypes" => "false",
        }),
        "ForAllValues:StringEquals" => Value::Map(map! {
            "sagemaker:VpcSubnets" => subnets.clone(),
            "sagemaker:VpcSecurityGroupIds" => security_group.clone(),
        }),
    };
    if let Some(Value::Map(types)) = instance_types_condition(job_list).shift_remove("ForAllValues:StringLike") {
        job_conditions.insert("ForAllValues:StringLike".into(), Value::Map(types));
    }
    let in_vpc = map! {
        "ForAllValues:StringEqualsIfExists" => Value::Map(map! {
            "sagemaker:VpcSubnets" => subnets,
            "sagemaker:VpcSecurityGroupIds" => security_group,
        }),
    };
    let mut endpoint_config = instance_types_condition(deployment_list);
    if let Some(Value::Map(null)) = endpoint_config.get_mut("Null") {
        null.insert("sagemaker:VolumeKmsKeyArn".into(), Value::str("false"));
    }
    let supporting: Vec<&str> = SUPPORTING_ACTIONS
        .iter()
        .copied()
        .filter(|a| !DROPPED.contains(a) && !SCOPED_SUPPORT.iter().any(|(_, actions)| actions.contains(a)))
        .collect();
    let read: Vec<&str> =
        ["sagemaker:List*", "sagemaker:Describe*", "sagemaker:Search"].into_iter().chain(supporting).collect();
    let platform_network = |kind: &str, ids: Vec<Value>| -> Vec<Value> {
        let prefix = hardened::local_arn("ec2", &format!("{kind}/"));
        ids.into_iter().map(|id| join(vec![prefix.clone(), id])).collect()
    };
    let mut interfaces = vec![hardened::local_arn("ec2", "network-interface/*")];
    interfaces.extend(platform_network("subnet", SharedNetwork::SUBNETS.iter().map(|x| x.import(&set)).collect()));
    interfaces.extend(platform_network(
        "security-group",
        vec![
            SharedNetwork::SAGEMAKER_SECURITY_GROUP.import(&set),
            SharedNetwork::USER_PROFILE_SECURITY_GROUP.import(&set),
        ],
    ));
    let scoped = SCOPED_SUPPORT.iter().map(|(sid, actions)| {
        let resource = match *sid {
            "NetworkInterfacesInThePlatformVpc" => Value::List(interfaces.clone()),
            "SageMakerLogs" => hardened::local_arn("logs", "log-group:/aws/sagemaker/*"),
            "EndpointScaling" => hardened::local_arn("application-autoscaling", "scalable-target/*"),
            _ => hardened::local_arn("cloudwatch", "alarm:*"),
        };
        Statement::allow().sid(sid).actions(actions).resource(resource).build()
    });
    let jobs = vec![
        Statement::allow()
            .actions(&["ssm:GetParameters", "ssm:GetParameter"])
            .resource(sub("arn:aws:ssm:${AWS::Region}:${AWS::AccountId}:parameter/ds-*"))
            .build(),
        Statement::allow()
            .sid("JobsInVpcEncryptedOnAllowedTypes")
            .actions(JOB_CREATION)
            .any_resource()
            .condition(job_conditions)
            .build(),
        Statement::deny()
            .sid("NoJobOutsideTheVpc")
            .actions(JOB_CREATION)
            .any_resource()
            .condition_on("Null", "sagemaker:VpcSubnets", "true")
            .build(),
        Statement::allow()
            .sid("EndpointsOnAllowedTypes")
            .actions(&["sagemaker:CreateEndpointConfig"])
            .any_resource()
            .condition(endpoint_config)
            .build(),
        Statement::allow().actions(&in_vpc_actions()).any_resource().condition(in_vpc).build(),
        Statement::allow().actions(&read).any_resource().build(),
    ]
    .into_iter()
    .chain(scoped)
    .collect::<Vec<_>>();
    let policy1 = s.add(
        "SageMakerExecPolicy1",
        "AWS::IAM::ManagedPolicy",
        map! { "ManagedPolicyName" => sub(format!("ds-notebook-policy-{per_user}-1")), "PolicyDocument" => policy_document(jobs) },
    );

    let team_bucket = |kind: &str, objects: bool| {
        sub(format!("arn:aws:s3:::ds-{kind}-bucket-${{{t}}}-${{{e}}}-*{}", if objects { "/*" } else { "" }))
    };
    let role_arn = hardened::execution_role_arn(&team, &env, &profile_name);
    let access = vec![
        Statement::allow()
            .sid("KMSKeyAccess")
            .actions(hardened::KMS_USE)
            .resource(list![
                TeamBackingStore::KEY_ARN.import(&team, &env),
                StudioDomain::KEY_ARN.import(&set),
                SharedDataLake::KEY_ARN.import(&set),
            ])
            .build(),
        Statement::allow().sid("CodeCommitAccess").actions(CODECOMMIT_WORK).resource(list![team_repository_arn(&team, &env)]).build(),
        Statement::allow()
            .sid("ECRAccess")
            .actions(ECR_PULL)
            .resource(list![
                "arn:aws:ecr:*:*:repository/*sagemaker*",
                join(vec![Value::str("arn:aws:ecr:*:*:repository/"), SharedEcr::REPOSITORY.import(&set)]),
            ])
            .build(),
        Statement::allow().sid("ECRAuthTokenAccess").actions(&["ecr:GetAuthorizationToken"]).any_resource().build(),
        Statement::allow()
            .sid("SageMakerBucketsOfTheAccount")
            .actions(&["s3:GetObject"])
            .resource(list!["arn:aws:s3:::sagemaker-*/*"])
            .condition_on("StringEquals", "aws:ResourceAccount", sub("${AWS::AccountId}"))
            .build(),
        Statement::allow()
            .sid("TeamAndDataLakeObjects")
            .actions(&["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"])
            .resource(list![
                team_bucket("data", false),
                team_bucket("data", true),
                team_bucket("model", false),
                team_bucket("model", true),
                "arn:aws:s3:::ds-data-lake-*",
                "arn:aws:s3:::ds-data-lake-*/*",
            ])
            .build(),
        Statement::allow().actions(&["s3:GetBucketLocation", "s3:ListAllMyBuckets"]).any_resource().build(),
        Statement::allow()
            .actions(&["lambda:InvokeFunction"])
            .resource(list![
                "arn:aws:lambda:*:*:function:*SageMaker*",
                "arn:aws:lambda:*:*:function:*sagemaker*",
                "arn:aws:lambda:*:*:function:*Sagemaker*",
                "arn:aws:lambda:*:*:function:*LabelingFunction*",
            ])
            .build(),
        Statement::allow()
            .action("iam:CreateServiceLinkedRole")
            .resource("arn:aws:iam::*:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint")
            .condition_on("StringLike", "iam:AWSServiceName", "sagemaker.application-autoscaling.amazonaws.com")
            .build(),
        Statement::allow()
            .actions(&["sns:Subscribe", "sns:CreateTopic"])
            .resource(list!["arn:aws:sns:*:*:*SageMaker*", "arn:aws:sns:*:*:*Sagemaker*", "arn:aws:sns:*:*:*sagemaker*"])
            .build(),
        hardened::pass_own_roles(vec![role_arn]),
    ];
    let policy2 = s.add(
        "SageMakerExecPolicy2",
        "AWS::IAM::ManagedPolicy",
        map! { "ManagedPolicyName" => sub(format!("ds-notebook-policy-{per_user}-2")), "PolicyDocument" => policy_document(access) },
    );

    let mut managed = vec![policy1.r(), policy2.r()];
    if let Value::List(aws) = aws_managed(&["AWSCodeArtifactReadOnlyAccess"]) {
        managed.extend(aws);
    }
    let trust = policy_document(vec![Statement::allow()
        .principal(Value::Map(map! { "Service" => list!["sagemaker.amazonaws.com"] }))
        .actions(&["sts:AssumeRole"])
        .build()]);
    let mut user_tags = vec![tag("studiouserid", profile_name.r())];
    if let Value::List(team_tags) = team_tags(&team, &env) {
        user_tags.extend(team_tags);
    }
    let role = s.add(
        "SageMakerExecRole",
        "AWS::IAM::Role",
        map! {
            "AssumeRolePolicyDocument" => trust,
            "Path" => "/service-role/",
            "RoleName" => sub(format!("ds-notebook-role-{per_user}")),
            "ManagedPolicyArns" => Value::List(managed),
            "PermissionsBoundary" => hardened::boundary_arn(&set),
            "Tags" => team_tags(&team, &env),
        },
    );

    let mut tags = vec![tag("StackSetName", set.r())];
    tags.extend(user_tags.iter().cloned());
    let settings: Map = map! {
        "ExecutionRole" => role.arn(),
        "SharingSettings" => Value::Map(map! { "NotebookOutputOption" => "Disabled" }),
        "SecurityGroups" => list![
            SharedNetwork::SAGEMAKER_SECURITY_GROUP.import(&set),
            SharedNetwork::USER_PROFILE_SECURITY_GROUP.import(&set),
        ],
        "KernelGatewayAppSettings" => Value::Map(map! {
            "DefaultResourceSpec" => Value::Map(map! { "InstanceType" => instance_type.r() }),
        }),
    };
    let profile = s.add(
        "SageMakerStudioUserProfile",
        "AWS::SageMaker::UserProfile",
        map! {
            "DomainId" => StudioDomain::DOMAIN_ID.import(&set),
            "UserProfileName" => profile_name.r(),
            "UserSettings" => Value::Map(settings),
            "Tags" => Value::List(tags),
        },
    );

    // The user's own way into Studio.
    let apps = join(vec![
        sub("arn:aws:sagemaker:${AWS::Region}:${AWS::AccountId}:app/"),
        StudioDomain::DOMAIN_ID.import(&set),
        sub(format!("/${{{p}}}/*")),
    ]);
    let studio = hardened::studio_user_statements(profile.att("UserProfileArn"), apps, app_list);
    let studio_role = s.add(
        "StudioUserRole",
        "AWS::IAM::Role",
        map! {
            "AssumeRolePolicyDocument" => hardened::trust_account(),
            "RoleName" => sub(format!("ds-studio-user-{per_user}")),
            "Policies" => inline_policy("StudioUserAccess", policy_document(studio)),
            "PermissionsBoundary" => hardened::boundary_arn(&set),
            "Tags" => Value::List(user_tags),
        },
    );
    s.output("StudioUserProfileName", described(profile.r(), "name of created user profile"));
    s.output("StudioUserRoleArn", described(studio_role.arn(), "the role this user opens their Studio profile with"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::yaml::inline;

    #[test]
    fn jobs_are_guarded_by_the_configured_instance_types() {
        let props = InstanceTypes { job_instance_types: vec!["ml.m5.large".into()], ..InstanceTypes::default() };
        let t = user_profile(&props, Variant::V1, "S").finish().unwrap().1;
        let doc = inline(&t.resources["SageMakerExecPolicy1"].properties["PolicyDocument"]);
        assert!(doc.contains("'ForAllValues:StringLike': {'sagemaker:InstanceTypes': !Ref JobInstanceTypes}"), "{doc}");
        assert_eq!(t.parameters["JobInstanceTypes"].attributes["Default"].as_str(), Some("ml.m5.large"));
        assert!(doc.contains("Sid: NoJobOutsideTheVpc, Effect: Deny"), "{doc}");
        assert!(!doc.contains("elastic-inference"), "{doc}");
    }

    /// The supporting actions scoped to the platform's resources are the reference's own, and
    /// every supporting action is still granted, once.
    #[test]
    fn supporting_actions_are_kept_once_and_scoped_where_they_act() {
        for a in SCOPED_SUPPORT.iter().flat_map(|(_, actions)| actions.iter()) {
            assert!(SUPPORTING_ACTIONS.contains(a), "{a}");
        }
        let t = user_profile(&InstanceTypes::default(), Variant::V1, "S").finish().unwrap().1;
        let doc = inline(&t.resources["SageMakerExecPolicy1"].properties["PolicyDocument"]);
        for a in SUPPORTING_ACTIONS.iter().filter(|a| !DROPPED.contains(a)) {
            let n = doc.matches(&format!("'{a}'")).count();
            assert_eq!(n, 1, "{a} in {doc}");
        }
        assert!(doc.contains("Sid: SageMakerLogs"), "{doc}");
    }
}
