//! `UserProfile` → `ds_env_studio_user_profile_v1.yaml` (Service Catalog product "Data Science
//! Studio User Profile") and, with the preventive control, `_v2.yaml`: a Studio user profile
//! with its own execution role, whose policies only allow SageMaker jobs inside the platform's
//! subnets and security group, with KMS keys, and deployments on allowed instance types.
//!
//! v2 adds the preventive control: an explicit deny of job creation without VPC subnets, which
//! lets it allow `sagemaker:*` under the VPC condition instead of listing actions.

use crate::admin_principals::aws_managed;
use crate::cfn::value::sub;
use crate::cfn::{Map, Parameter, Value};
use crate::common::{
    described, join, pass_role_statement, policy_document, shared_stack_set_parameter, tag, team_tags, Statement,
    COMMON_ROOT_NAME, KMS_USE,
};
use crate::construct::{Construct, Synth};
use crate::names::{self, Params};
use crate::shared_data_lake::SharedDataLake;
use crate::shared_ecr::SharedEcr;
use crate::shared_network::SharedNetwork;
use crate::stack::Stack;
use crate::studio_domain::StudioDomain;
use crate::team_backing_store::TeamBackingStore;
use crate::team_environment::{env_parameter, team_parameter, TEAM_DESCRIPTION, TEAM_PATTERN};
use crate::team_principals::team_repository_arn;
use crate::{list, map};

/// Which template: the reference's portfolio offers v1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Variant {
    #[default]
    V1,
    /// With the preventive control.
    V2,
}

impl Variant {
    pub fn file(self) -> &'static str {
        match self {
            Variant::V1 => "ds_env_studio_user_profile_v1.yaml",
            Variant::V2 => "ds_env_studio_user_profile_v2.yaml",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Variant::V1 => "v1",
            Variant::V2 => "v2",
        }
    }
}

/// A Studio user profile (a Service Catalog product, launched once per user) with its own
/// execution role, confined to the platform's subnets, security groups and keys.
///
/// ```
/// use sds_constructs::construct::Synth;
/// use sds_constructs::user_profile::{UserProfile, Variant};
///
/// let mut profile = UserProfile { variant: Variant::V2, ..UserProfile::default() };
/// profile.instance_types.default_instance_type = "ml.t3.large".into();
/// let mut app = Synth::new("DSSharedServices");
/// app.add(&profile);
/// let app = app.finish().unwrap();
/// let t = app.get("ds_env_studio_user_profile_v2.yaml").unwrap();
/// assert_eq!(t.parameters["InstanceType"].attributes["Default"].as_str(), Some("ml.t3.large"));
/// assert_eq!(t.resources["SageMakerStudioUserProfile"].type_, "AWS::SageMaker::UserProfile");
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserProfile {
    /// Default v1 (as the reference's portfolio offers).
    pub variant: Variant,
    pub instance_types: InstanceTypes,
}

impl Construct for UserProfile {
    fn synth(&self, app: &mut Synth) -> Stack {
        if app.hardened() {
            return crate::user_profile_hardened::user_profile(&self.instance_types, self.variant, &app.stack_set_name);
        }
        user_profile(&self.instance_types, self.variant, &app.stack_set_name)
    }
}

/// The configuration's `user_profile` section sets the instance types.
pub type UserProfileProps = InstanceTypes;

/// Instance types a user profile may pick (parameter allow-lists and defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceTypes {
    /// `InstanceType` allowed values. Default: the reference's 15 (`ml.m5.*`, `ml.p3.*`, `ml.t3.*`, `system`).
    pub instance_types: Vec<String>,
    /// Default `ml.t3.medium`.
    pub default_instance_type: String,
    /// `DeploymentInstanceType` allowed values. Default `ml.m5.2xlarge`, `ml.m5.4xlarge`, `ml.m5.8xlarge`, `ml.c5.large`, `ml.t3.medium`.
    pub deployment_instance_types: Vec<String>,
    /// Default `ml.c5.large`.
    pub default_deployment_instance_type: String,
    /// Instance types jobs (training, processing, transform, tuning, AutoML) may use; the hardened
    /// profile enforces it. Default `ml.m5.large`, `ml.m5.xlarge`, `ml.m5.2xlarge`, `ml.m5.4xlarge`,
    /// `ml.c5.xlarge`, `ml.c5.2xlarge`, `ml.g4dn.xlarge`, `ml.p3.2xlarge`.
    pub job_instance_types: Vec<String>,
}

impl Default for InstanceTypes {
    fn default() -> Self {
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        InstanceTypes {
            instance_types: owned(&[
                "ml.m5.2xlarge",
                "ml.m5.4xlarge",
                "ml.m5.8xlarge",
                "ml.m5.large",
                "ml.m5.xlarge",
                "ml.p3.16xlarge",
                "ml.p3.2xlarge",
                "ml.p3.8xlarge",
                "ml.t3.2xlarge",
                "ml.t3.large",
                "ml.t3.medium",
                "ml.t3.micro",
                "ml.t3.small",
                "ml.t3.xlarge",
                "system",
            ]),
            default_instance_type: "ml.t3.medium".into(),
            deployment_instance_types: owned(&[
                "ml.m5.2xlarge",
                "ml.m5.4xlarge",
                "ml.m5.8xlarge",
                "ml.c5.large",
                "ml.t3.medium",
            ]),
            default_deployment_instance_type: "ml.c5.large".into(),
            job_instance_types: owned(&[
                "ml.m5.large",
                "ml.m5.xlarge",
                "ml.m5.2xlarge",
                "ml.m5.4xlarge",
                "ml.c5.xlarge",
                "ml.c5.2xlarge",
                "ml.g4dn.xlarge",
                "ml.p3.2xlarge",
            ]),
        }
    }
}

/// Job creation that must be encrypted (and, in v2, inside the VPC).
pub(crate) const JOB_CREATION: &[&str] = &[
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateAutoMLJob",
    "sagemaker:CreateTransformJob",
];

/// What v1 allows inside the VPC (v2 allows `sagemaker:*` there).
pub(crate) const IN_VPC_ACTIONS: &[&str] = &[
    "sagemaker:AssociateTrialComponent",
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateAutoMLJob",
    "sagemaker:CreateModel",
    "sagemaker:CreateExperiment",
    "sagemaker:CreateModelPackage",
    "sagemaker:CreateModelPackageGroup",
    "sagemaker:CreateTrial",
    "sagemaker:CreateTrialComponent",
    "sagemaker:CreateApp",
    "sagemaker:DeleteApp",
    "sagemaker:DescribeApp",
    "sagemaker:DeleteExperiment",
    "sagemaker:DeleteEndpointConfig",
    "sagemaker:DeleteEndpoint",
    "sagemaker:DeleteModel",
    "sagemaker:DeleteModelPackage",
    "sagemaker:DeleteModelPackageGroup",
    "sagemaker:DeleteTrial",
    "sagemaker:DeleteTrialComponent",
    "sagemaker:StopAutoMLJob",
    "sagemaker:StopHyperParameterTuningJob",
    "sagemaker:StopTransformJob",
    "sagemaker:UpdateEndpoint",
    "sagemaker:UpdateEndpointWeightsAndCapacities",
    "sagemaker:UpdateExperiment",
    "sagemaker:UpdateTrial",
    "sagemaker:UpdateTrialComponent",
];

/// Read-only SageMaker actions that v1 lists with the supporting services.
const SAGEMAKER_READ: &[&str] = &["sagemaker:List*", "sagemaker:Describe*", "sagemaker:Search"];

/// Supporting services: autoscaling, metrics, networking, logs.
pub(crate) const SUPPORTING_ACTIONS: &[&str] = &[
    "application-autoscaling:DeleteScalingPolicy",
    "application-autoscaling:DeleteScheduledAction",
    "application-autoscaling:DeregisterScalableTarget",
    "application-autoscaling:DescribeScalableTargets",
    "application-autoscaling:DescribeScalingActivities",
    "application-autoscaling:DescribeScalingPolicies",
    "application-autoscaling:DescribeScheduledActions",
    "application-autoscaling:PutScalingPolicy",
    "application-autoscaling:PutScheduledAction",
    "application-autoscaling:RegisterScalableTarget",
    "cloudwatch:DeleteAlarms",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:GetMetricData",
    "cloudwatch:GetMetricStatistics",
    "cloudwatch:ListMetrics",
    "cloudwatch:PutMetricAlarm",
    "cloudwatch:PutMetricData",
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeVpcs",
    "elastic-inference:Connect",
    "iam:ListRoles",
    "lambda:ListFunctions",
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:DescribeLogStreams",
    "logs:GetLogEvents",
    "logs:PutLogEvents",
    "sns:ListTopics",
    "codecommit:BatchGetRepositories",
    "codecommit:ListRepositories",
];

pub(crate) const CODECOMMIT_WORK: &[&str] = &[
    "codecommit:GitPull",
    "codecommit:GitPush",
    "codecommit:*Branch*",
    "codecommit:*PullRequest*",
    "codecommit:*Commit*",
    "codecommit:GetDifferences",
    "codecommit:GetReferences",
    "codecommit:GetRepository",
    "codecommit:GetMerge*",
    "codecommit:Merge*",
    "codecommit:DescribeMergeConflicts",
    "codecommit:*Comment*",
    "codecommit:*File",
    "codecommit:GetFolder",
    "codecommit:GetBlob",
];

pub(crate) const ECR_PULL: &[&str] = &[
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:GetRepositoryPolicy",
    "ecr:DescribeRepositories",
    "ecr:DescribeImages",
    "ecr:ListImages",
    "ecr:BatchGetImage",
    "ecr:GetLifecyclePolicy",
    "ecr:GetLifecyclePolicyPreview",
    "ecr:ListTagsForResource",
    "ecr:DescribeImageScanFindings",
];

pub(crate) fn strings(v: &[String]) -> Value {
    Value::List(v.iter().map(|s| Value::str(s.as_str())).collect())
}

fn user_profile(props: &InstanceTypes, variant: Variant, stack_set_name: &str) -> Stack {
    let mut s = Stack::new(
        variant.file(),
        "CloudFormation template for creating SageMaker Studio UserProfiles for data science project and environment combination.",
    );
    // v2 of the reference misspells "team"; kept for parity.
    let team_description = match variant {
        Variant::V1 => TEAM_DESCRIPTION.to_string(),
        Variant::V2 => TEAM_DESCRIPTION.replace("your team name", "your tean name"),
    };
    let team = team_parameter(&mut s, &team_description, TEAM_PATTERN);
    let env =
        env_parameter(&mut s, "System Environment. Used as a suffix for team and environment resource names.", None);
    let set = shared_stack_set_parameter(&mut s, COMMON_ROOT_NAME, Some(stack_set_name));
    let profile_name =
        s.parameter("StudioUserProfileName", Parameter::new("String").with("Description", "Studio user profile name"));
    // Declared by the reference but used by nothing (a known defect, kept for parity).
    s.parameter(
        "InstanceType",
        Parameter::new("String")
            .with(
                "Description",
                "The instance type for the SageMaker notebook. If creating Jupyter server, you may not modify the default.",
            )
            .with("Default", props.default_instance_type.as_str())
            .with("AllowedValues", strings(&props.instance_types)),
    );
    let deployment_type = s.parameter(
        "DeploymentInstanceType",
        Parameter::new("String")
            .with("Description", "Allowed Instance Type to Deploy Models")
            .with("Default", props.default_deployment_instance_type.as_str())
            .with("AllowedValues", strings(&props.deployment_instance_types)),
    );
    let (t, e) = (team.name(), env.name());
    let per_user_names = Params { team: &team, env: &env, user: Some(&profile_name) };

    let in_vpc = map! {
        "ForAllValues:StringEqualsIfExists" => Value::Map(map! {
            "sagemaker:VpcSubnets" => Value::List(SharedNetwork::SUBNETS.iter().map(|e| e.import(&set)).collect()),
            "sagemaker:VpcSecurityGroupIds" => list![SharedNetwork::SAGEMAKER_SECURITY_GROUP.import(&set)],
        }),
    };
    let mut jobs: Vec<Value> = vec![
        Statement::allow()
            .actions(&["ssm:GetParameters", "ssm:GetParameter"])
            .resource(sub("arn:aws:ssm:${AWS::Region}:${AWS::AccountId}:parameter/ds-*"))
            .build(),
        Statement::allow()
            .actions(JOB_CREATION)
            .any_resource()
            .condition(map! {
                "BoolIfExists" => Value::Map(map! { "sagemaker:InterContainerTrafficEncryption" => "true" }),
                "Null" => Value::Map(map! { "sagemaker:VolumeKmsKey" => "false", "sagemaker:OutputKmsKey" => "false" }),
            })
            .build(),
    ];
    if variant == Variant::V2 {
        // The preventive control: no job without VPC subnets.
        jobs.push(
            Statement::deny()
                .actions(JOB_CREATION)
                .any_resource()
                .condition_on("Null", "sagemaker:VpcSubnets", "true")
                .build(),
        );
    }
    jobs.push(
        Statement::allow()
            .actions(&["sagemaker:CreateEndpointConfig"])
            .any_resource()
            .condition(map! {
                "Null" => Value::Map(map! { "sagemaker:VolumeKmsKey" => "false" }),
                "ForAllValues:StringLike" => Value::Map(map! { "sagemaker:InstanceTypes" => deployment_type.r() }),
            })
            .build(),
    );
    let (vpc_actions, other_actions): (Vec<&str>, Vec<&str>) = match variant {
        Variant::V1 => (IN_VPC_ACTIONS.to_vec(), SAGEMAKER_READ.iter().chain(SUPPORTING_ACTIONS).copied().collect()),
        Variant::V2 => (vec!["sagemaker:*"], SUPPORTING_ACTIONS.to_vec()),
    };
    jobs.push(Statement::allow().actions(&vpc_actions).any_resource().condition(in_vpc).build());
    jobs.push(Statement::allow().actions(&other_actions).any_resource().build());
    let policy1 = s.add(
        "SageMakerExecPolicy1",
        "AWS::IAM::ManagedPolicy",
        map! { "ManagedPolicyName" => names::NOTEBOOK_POLICY_1.template(per_user_names), "PolicyDocument" => policy_document(jobs) },
    );

    let team_bucket = |kind: &str, objects: bool| {
        sub(format!("arn:aws:s3:::ds-{kind}-bucket-${{{t}}}-${{{e}}}-*{}", if objects { "/*" } else { "" }))
    };
    let access = vec![
        Statement::allow()
            .sid("KMSKeyAccess")
            .actions(KMS_USE)
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
        Statement::allow().actions(&["s3:GetObject"]).resource(list!["arn:aws:s3:::sagemaker-*/*"]).build(),
        Statement::allow()
            .actions(&["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"])
            .resource(list![
                team_bucket("data", false),
                team_bucket("data", true),
                team_bucket("model", false),
                team_bucket("model", true),
                "arn:aws:s3:::ds-data-lake*",
                "arn:aws:s3:::ds-data-lake*/*",
            ])
            .build(),
        Statement::allow().actions(&["s3:GetBucketLocation", "s3:ListBucket*", "s3:ListAllMyBuckets"]).any_resource().build(),
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
        pass_role_statement().build(),
    ];
    let policy2 = s.add(
        "SageMakerExecPolicy2",
        "AWS::IAM::ManagedPolicy",
        map! { "ManagedPolicyName" => names::NOTEBOOK_POLICY_2.template(per_user_names), "PolicyDocument" => policy_document(access) },
    );

    let mut managed = vec![policy1.r(), policy2.r()];
    if let Value::List(aws) = aws_managed(&["AmazonS3ReadOnlyAccess", "AWSCodeArtifactReadOnlyAccess"]) {
        managed.extend(aws);
    }
    let trust = policy_document(vec![Statement::allow()
        .principal(Value::Map(map! { "Service" => list!["sagemaker.amazonaws.com"] }))
        .actions(&["sts:AssumeRole"])
        .build()]);
    let role = s.add(
        "SageMakerExecRole",
        "AWS::IAM::Role",
        map! {
            "AssumeRolePolicyDocument" => trust,
            "Path" => "/service-role/",
            "RoleName" => names::NOTEBOOK_ROLE.template(per_user_names),
            "ManagedPolicyArns" => Value::List(managed),
            "Tags" => team_tags(&team, &env),
        },
    );

    let mut tags = vec![tag("StackSetName", set.r())];
    if let Value::List(team_tags) = team_tags(&team, &env) {
        tags.extend(team_tags);
    }
    let settings: Map = map! {
        "ExecutionRole" => role.arn(),
        "SharingSettings" => Value::Map(map! { "NotebookOutputOption" => "Disabled" }),
        "SecurityGroups" => list![
            SharedNetwork::SAGEMAKER_SECURITY_GROUP.import(&set),
            SharedNetwork::USER_PROFILE_SECURITY_GROUP.import(&set),
        ],
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
    s.output("StudioUserProfileName", described(profile.r(), "name of created user profile"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::yaml::inline;

    fn policy(variant: Variant) -> String {
        let t = user_profile(&InstanceTypes::default(), variant, "S").finish().unwrap().1;
        inline(&t.resources["SageMakerExecPolicy1"].properties["PolicyDocument"])
    }

    #[test]
    fn only_v2_denies_jobs_outside_the_vpc() {
        assert!(!policy(Variant::V1).contains("Effect: Deny"));
        assert!(policy(Variant::V2).contains("{Effect: Deny, Action: ['sagemaker:CreateHyperParameterTuningJob'"));
        assert!(policy(Variant::V2).contains("'Null': {'sagemaker:VpcSubnets': 'true'}"));
    }

    #[test]
    fn instance_types_come_from_props() {
        let props =
            UserProfileProps { deployment_instance_types: vec!["ml.g5.xlarge".into()], ..UserProfileProps::default() };
        let t = user_profile(&props, Variant::V1, "S").finish().unwrap().1;
        assert_eq!(t.parameters["DeploymentInstanceType"].attributes["AllowedValues"], list!["ml.g5.xlarge"]);
    }
}
