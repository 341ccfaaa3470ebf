//! `StudioDomain` → `ds_env_sagemaker_studio.yaml` (Service Catalog product "SageMaker Studio
//! Product"): the Studio domain, VPC-only in the shared subnets, its EFS KMS key, a custom
//! kernel image with its version and app image config, and the default data scientist role.

use crate::admin_principals::aws_managed;
use crate::admin_principals::AdminPrincipals;
use crate::cfn::value::sub;
use crate::cfn::{Parameter, Value};
use crate::common::{
    described, exported, kms_key_policy, sagemaker_access_policy, shared_stack_set_parameter, ssm_string, tag,
    trust_account_and_service,
};
use crate::construct::{Construct, Synth};
use crate::export::Export;
use crate::shared_network::SharedNetwork;
use crate::stack::Stack;
use crate::{list, map};

pub const FILE: &str = "ds_env_sagemaker_studio.yaml";

/// SageMaker's rule for domain names.
/// See: <https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateDomain.html>
pub const DOMAIN_NAME_PATTERN: &str = "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}";

/// The SageMaker Studio domain (a Service Catalog product): VPC-only in the shared subnets, its
/// EFS encrypted with its own KMS key, a custom kernel image and the default data scientist role.
///
/// ```
/// use sds_constructs::construct::Synth;
/// use sds_constructs::studio_domain::StudioDomain;
///
/// let studio = StudioDomain { domain_name: "research".into(), ..StudioDomain::default() };
/// let mut app = Synth::new("DSSharedServices");
/// app.add(&studio);
/// let app = app.finish().unwrap();
/// let t = app.get("ds_env_sagemaker_studio.yaml").unwrap();
/// let domain = &t.resources["SageMakerStudioDomain"].properties;
/// assert_eq!(domain["AppNetworkAccessType"].as_str(), Some("VpcOnly"));
/// assert_eq!(t.parameters["StudioDomainName"].attributes["Default"].as_str(), Some("research"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct StudioDomain {
    /// Default `ds-studio-domain`.
    pub domain_name: String,
    /// Alias of the EFS key, without `alias/`. Default `ds-sagemaker-studio-kms`.
    pub kms_alias: String,
}

/// The configuration's `studio` section sets these properties.
pub type StudioProps = StudioDomain;

impl Default for StudioDomain {
    fn default() -> Self {
        StudioDomain { domain_name: "ds-studio-domain".into(), kms_alias: "ds-sagemaker-studio-kms".into() }
    }
}

impl StudioDomain {
    /// The domain's id.
    pub const DOMAIN_ID: Export = Export::new("ds-sagemaker-studio-{}-domain-id");
    /// The ARN of the key that encrypts the domain's EFS.
    pub const KEY_ARN: Export = Export::new("ds-sagemaker-studio-kms-cmk-{}-arn");
}

impl Construct for StudioDomain {
    fn synth(&self, app: &mut Synth) -> Stack {
        studio_domain(self, app.hardened())
    }
}

const DEFAULT_ROLE_ACTIONS: &[&str] = &[
    "sagemaker:UpdateCodeRepository",
    "sagemaker:DeleteCodeRepository",
    "sagemaker:CreateCodeRepository",
    "sagemaker:StartNotebookInstance",
    "sagemaker:StopNotebookInstance",
    "sagemaker:CreateApp",
    "sagemaker:AddTags",
    "sagemaker:DeleteApp",
    "sagemaker:GetSagemakerServicecatalogPortfolioStatus",
    "codecommit:BatchGetRepositories",
    "codecommit:GitPull",
    "codecommit:GitPush",
    "codecommit:CreateBranch",
    "codecommit:DeleteBranch",
    "codecommit:GetBranch",
    "codecommit:ListBranches",
    "codecommit:CreatePullRequest",
    "codecommit:CreatePullRequestApproval",
    "codecommit:GetPullRequest",
    "codecommit:CreateCommit",
    "codecommit:GetCommit",
    "codecommit:GetCommitHistory",
    "codecommit:GetDifferences",
    "codecommit:GetReferences",
    "codecommit:CreateRepository",
    "codecommit:GetRepository",
    "codecommit:ListRepositories",
    "iam:TagRole",
    "kms:CreateGrant",
    "kms:DescribeKey",
    "servicecatalog:ListAcceptedPortfolioShares",
];

/// AWS managed policies of data scientists (the Studio default role and the team user role);
/// the last but one differs: full SageMaker access here, read-only for team users.
pub fn data_scientist_managed_policies(sagemaker: &str) -> Value {
    aws_managed(&[
        "AWSServiceCatalogEndUserFullAccess",
        "AmazonS3ReadOnlyAccess",
        "AWSCloudFormationReadOnlyAccess",
        "AmazonSSMReadOnlyAccess",
        "AWSLambda_ReadOnlyAccess",
        "AWSCodeCommitReadOnly",
        "AWSCodeArtifactReadOnlyAccess",
        sagemaker,
        "AmazonEC2ContainerRegistryReadOnly",
    ])
}

/// The default role's inline policy in the hardened profile: the reference's actions, each where
/// it acts (SageMaker resources of the platform's account and region, the platform's repositories
/// and roles, the domain's own key `key`), `*` only for actions without resource-level
/// permissions; `iam:PassRole` only on itself.
fn hardened_default_role_policy(set: &str, key: Value) -> Value {
    use crate::common::Statement;
    use crate::hardened::{local_arn, platform_role_patterns};
    let own = sub(format!("arn:aws:iam::${{AWS::AccountId}}:role/ds-default-user-role-${{{set}}}"));
    let actions = crate::hardened::known_actions(DEFAULT_ROLE_ACTIONS);
    let of = |f: &dyn Fn(&str) -> bool| -> Vec<&str> { actions.iter().copied().filter(|a| f(a)).collect() };
    let code_repositories = of(&|a| a.ends_with("CodeRepository"));
    let notebooks = of(&|a| a.ends_with("NotebookInstance"));
    let apps = of(&|a| a.ends_with("App"));
    let unscoped = [
        "sagemaker:AddTags",
        "sagemaker:GetSagemakerServicecatalogPortfolioStatus",
        "codecommit:ListRepositories",
        "servicecatalog:ListAcceptedPortfolioShares",
    ];
    let repositories = of(&|a| a.starts_with("codecommit:") && !unscoped.contains(&a));
    crate::common::inline_policy(
        "SageMakerAccessInlinePolicy",
        crate::common::policy_document(vec![
            Statement::allow().sid("DataScientistAdditionalPolicies").actions(&unscoped).any_resource().build(),
            Statement::allow()
                .sid("CodeRepositoriesNotebooksAndApps")
                .actions(&[code_repositories, notebooks, apps].concat())
                .resource(list![
                    local_arn("sagemaker", "code-repository/*"),
                    local_arn("sagemaker", "notebook-instance/*"),
                    local_arn("sagemaker", "app/*"),
                ])
                .build(),
            Statement::allow()
                .sid("PlatformRepositories")
                .actions(&repositories)
                .resource(local_arn("codecommit", "ds-*"))
                .build(),
            Statement::allow()
                .sid("TagPlatformRoles")
                .action("iam:TagRole")
                .resource(Value::List(platform_role_patterns()))
                .build(),
            Statement::allow()
                .sid("DomainKeyGrants")
                .actions(&["kms:CreateGrant", "kms:DescribeKey"])
                .resource(key)
                .build(),
            crate::hardened::pass_own_roles(vec![own.clone()]),
            crate::hardened::deny_passing_other_roles(vec![own]),
        ]),
    )
}

fn text(description: &str) -> Parameter {
    Parameter::new("String").with("Description", description)
}

fn studio_domain(props: &StudioDomain, hardened: bool) -> Stack {
    let mut s = Stack::new(FILE, "CloudFormation template for creating and onboarding SageMaker Studio");
    let set =
        shared_stack_set_parameter(&mut s, "Shared Service stack set name, common across data science stacks", None);
    let domain_name = s.parameter(
        "StudioDomainName",
        text("Studio domain name")
            .with("AllowedPattern", DOMAIN_NAME_PATTERN)
            .with("Default", props.domain_name.as_str()),
    );
    let alias = s.parameter("KMSAlias", Parameter::new("String").with("Default", props.kms_alias.as_str()));
    let image_uri = s.parameter(
        "CustomImageEcrUri",
        text(
            "Custom Images URI in ECR of format ACCOUNT_ID.dkr.ecr.REGION.amazonaws.com/ECR_REPOSITORY_NAME:IMAGE_NAME",
        ),
    );
    let image_name = s.parameter("CustomImageName", text("Custom Image name"));
    let image_description = s.parameter("CustomImageDescription", text("Custom Image description"));
    let app_config_name = s.parameter("AppImageConfigName", text("App image config name for SageMaker custom image"));
    let kernel_name = s.parameter(
        "KernelSpecsName",
        text("Jupyter kernel name for SageMaker custom image, kernel name must match the name in custom name per to Jupyter kernel specs https://jupyter-client.readthedocs.io/en/stable/kernels.html")
            .with("Default", "python3"),
    );
    let kernel_display = s.parameter(
        "KernelSpecsDisplayName",
        text("Jupyter kernel display name, this name is displayed in custom images in Studio")
            .with("Default", "Python 3"),
    );
    let tags = list![tag("StudioDomainName", domain_name.r()), tag("StackSetName", set.r())];
    let admin_role = AdminPrincipals::ADMIN_ROLE_ARN.import(&set);

    let key = s.add(
        "SagemakerStudioKMS",
        "AWS::KMS::Key",
        map! {
            "Description" => "Generated KMS Key for Sagemaker Studio's EFS encryption",
            "EnableKeyRotation" => true,
            "Enabled" => true,
            "KeyPolicy" => if hardened {
                crate::hardened::key_policy("KmsKey-EfsSagemakerStudioKey", admin_role.clone(), None)
            } else {
                kms_key_policy("KmsKey-EfsSagemakerStudioKey", admin_role.clone(), SharedNetwork::S3_ENDPOINT_ID.import(&set))
            },
            "Tags" => tags.clone(),
        },
    );
    if hardened {
        crate::hardened::retain(&mut s, &key);
    }
    s.add(
        "KeyAlias",
        "AWS::KMS::Alias",
        map! { "AliasName" => sub(format!("alias/${{{}}}", alias.name())), "TargetKeyId" => key.r() },
    );
    let image = s.add(
        "SageMakerCustomImage",
        "AWS::SageMaker::Image",
        map! {
            "ImageDescription" => image_description.r(),
            "ImageDisplayName" => image_description.r(),
            "ImageName" => image_name.r(),
            "ImageRoleArn" => admin_role,
            "Tags" => tags.clone(),
        },
    );
    let version = s.add(
        "SageMakerCustomImageVersion",
        "AWS::SageMaker::ImageVersion",
        map! { "BaseImage" => image_uri.r(), "ImageName" => image_name.r() },
    );
    s.depends_on(&version, &image);
    let kernel_config = map! {
        "FileSystemConfig" => Value::Map(map! { "DefaultGid" => 100, "DefaultUid" => 1000, "MountPath" => "/home/jovyan/work" }),
        "KernelSpecs" => list![Value::Map(map! { "DisplayName" => kernel_display.r(), "Name" => kernel_name.r() })],
    };
    let app_config = s.add(
        "SageMakerCustomImageAppConfig",
        "AWS::SageMaker::AppImageConfig",
        map! { "AppImageConfigName" => app_config_name.r(), "KernelGatewayImageConfig" => Value::Map(kernel_config), "Tags" => tags.clone() },
    );
    s.depends_on(&app_config, &version);

    let role = s.add(
        "DataScientistDefaultRole",
        "AWS::IAM::Role",
        map! {
            "AssumeRolePolicyDocument" => trust_account_and_service("sagemaker.amazonaws.com", "SageMakerTrustRelationship"),
            "RoleName" => sub(format!("ds-default-user-role-${{{}}}", set.name())),
            "Policies" => if hardened {
                hardened_default_role_policy(set.name(), key.arn())
            } else {
                sagemaker_access_policy("DataScientistAdditionalPolicies", DEFAULT_ROLE_ACTIONS, vec![])
            },
            "ManagedPolicyArns" => if hardened {
                crate::hardened::data_scientist_managed_policies("AmazonSageMakerFullAccess")
            } else {
                data_scientist_managed_policies("AmazonSageMakerFullAccess")
            },
            "Tags" => tags,
        },
    );
    if hardened {
        if let Some(r) = s.template.resources.get_mut(role.id()) {
            let tags = r.properties.shift_remove("Tags");
            r.properties.insert("PermissionsBoundary".into(), crate::hardened::boundary_arn(&set));
            if let Some(tags) = tags {
                r.properties.insert("Tags".into(), tags);
            }
        }
    }
    s.add(
        "DataScientistDefaultRoleArn",
        "AWS::SSM::Parameter",
        ssm_string(
            sub(format!("ds-default-user-role-${{{}}}-arn", set.name())),
            role.arn(),
            "SSM-Parameter - Default DataScientist Role Arn",
        ),
    );

    let user_settings = map! {
        "ExecutionRole" => role.arn(),
        "SecurityGroups" => list![SharedNetwork::SAGEMAKER_SECURITY_GROUP.import(&set)],
        "SharingSettings" => Value::Map(map! { "NotebookOutputOption" => "Disabled" }),
        "KernelGatewayAppSettings" => Value::Map(map! {
            "CustomImages" => list![Value::Map(map! { "AppImageConfigName" => app_config_name.r(), "ImageName" => image_name.r() })],
            "DefaultResourceSpec" => Value::Map(map! {
                "InstanceType" => "ml.t3.medium",
                "SageMakerImageArn" => image.r(),
                "SageMakerImageVersionArn" => version.att("ImageVersionArn"),
            }),
        }),
    };
    let subnets: Vec<Value> = SharedNetwork::SUBNETS.iter().map(|e| e.import(&set)).collect();
    let domain = s.add(
        "SageMakerStudioDomain",
        "AWS::SageMaker::Domain",
        map! {
            "AppNetworkAccessType" => "VpcOnly",
            "AuthMode" => "IAM",
            "DefaultUserSettings" => Value::Map(user_settings),
            "DomainName" => domain_name.r(),
            "KmsKeyId" => key.r(),
            "SubnetIds" => Value::List(subnets),
            "VpcId" => SharedNetwork::VPC.import(&set),
            "Tags" => list![tag("StackSetName", set.r())],
        },
    );
    s.depends_on(&domain, &app_config);

    s.output("StudioDomainId", exported(domain.r(), "SageMaker Studio Domain ID", StudioDomain::DOMAIN_ID.name(&set)));
    s.output("StudioUrl", described(domain.att("Url"), "Link to open SageMaker Studio"));
    s.output("EFSKmsKeyId", described(key.r(), "KMS Key Id for the Studio EFS encryption"));
    s.output(
        "EFSKmsKeyArn",
        exported(key.arn(), "KMS Key ARN for the Studio EFS encryption", StudioDomain::KEY_ARN.name(&set)),
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_is_vpc_only_with_a_kms_key() {
        let t = studio_domain(&StudioDomain::default(), false).finish().unwrap().1;
        let d = &t.resources["SageMakerStudioDomain"].properties;
        assert_eq!(d["AppNetworkAccessType"], Value::str("VpcOnly"));
        assert_eq!(d["KmsKeyId"], crate::cfn::ref_("SagemakerStudioKMS"));
        assert_eq!(t.resources["SagemakerStudioKMS"].properties["EnableKeyRotation"], Value::Bool(true));
    }

    /// Scoping the hardened default role keeps every one of the reference's (known) actions, once.
    #[test]
    fn the_hardened_default_role_keeps_every_action_once() {
        let t = studio_domain(&StudioDomain::default(), true).finish().unwrap().1;
        let role = &t.resources["DataScientistDefaultRole"].properties;
        let doc = crate::cfn::yaml::inline(&role["Policies"]);
        for a in crate::hardened::known_actions(DEFAULT_ROLE_ACTIONS) {
            let n = doc.matches(&format!("'{a}'")).count();
            assert_eq!(n, 1, "{a} in {doc}");
        }
        assert!(!doc.contains("CreatePullRequestApproval"), "{doc}");
        assert!(role.contains_key("PermissionsBoundary"));
    }
}
