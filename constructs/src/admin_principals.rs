//! `AdminPrincipals` → `ds_admin_principals.yaml`: the data science administrator role (which
//! people switch into) and the role Service Catalog launches products with.

use crate::cfn::value::sub;
use crate::cfn::{Parameter, Value};
use crate::common::{
    described, exported, inline_policy, pass_role_to_sagemaker, policy_document, sagemaker_access_policy,
    trust_account_and_service, trust_service, with_stack_suffix, Statement,
};
use crate::construct::{Construct, Synth};
use crate::export::Export;
use crate::map;
use crate::stack::{ParamRef, Stack};

pub const FILE: &str = "ds_admin_principals.yaml";

/// The `StackSetName` parameter nested shared-service stacks take.
pub fn stack_set_parameter(stack: &mut Stack) -> ParamRef {
    stack.parameter(
        "StackSetName",
        Parameter::new("String").with("Description", "A name to be used across nested stacks"),
    )
}

/// `ManagedPolicyArns` entries from AWS managed policy names.
pub fn aws_managed(names: &[&str]) -> Value {
    Value::List(names.iter().map(|n| Value::str(format!("arn:aws:iam::aws:policy/{n}"))).collect())
}

/// AWS managed policies of administrators; team administrators also get full SageMaker access.
pub fn admin_managed_policies(with_sagemaker: bool) -> Value {
    let mut names = vec![
        "AWSServiceCatalogAdminFullAccess",
        "AWSKeyManagementServicePowerUser",
        "AmazonS3FullAccess",
        "AWSCloudFormationFullAccess",
        "ReadOnlyAccess",
        "AmazonSSMFullAccess",
        "AWSCodeCommitFullAccess",
        "AWSCodeArtifactAdminAccess",
    ];
    if with_sagemaker {
        names.push("AmazonSageMakerFullAccess");
    }
    names.push("AmazonEC2ContainerRegistryFullAccess");
    aws_managed(&names)
}

/// What the launch role needs to create, update and delete the portfolio's products.
pub(crate) const LAUNCH_ROLE_ACTIONS: &[&str] = &[
    "cloudformation:CreateStack",
    "cloudformation:UpdateStack",
    "cloudformation:DeleteStack",
    "cloudformation:DescribeStacks",
    "cloudformation:DescribeStackEvents",
    "cloudformation:GetTemplateSummary",
    "cloudformation:ValidateTemplate",
    "codecommit:CreateCommit",
    "codecommit:CreateRepository",
    "codecommit:DeleteRepository",
    "codecommit:GetRepository",
    "codecommit:ListRepositories",
    "codecommit:TagResource",
    "config:DescribeConfigurationRecorderStatus",
    "config:DescribeConfigurationRecorders",
    "ec2:AssociateRouteTable",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:CreateRouteTable",
    "ec2:CreateSecurityGroup",
    "ec2:CreateSubnet",
    "ec2:CreateTags",
    "ec2:CreateVpc",
    "ec2:CreateVpcEndpoint",
    "ec2:DeleteRouteTable",
    "ec2:DeleteSecurityGroup",
    "ec2:DeleteSubnet",
    "ec2:DeleteTags",
    "ec2:DeleteVpc",
    "ec2:DeleteVpcEndpoints",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeTags",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeVpcs",
    "ec2:DisassociateRouteTable",
    "ec2:ModifyVpcAttribute",
    "ec2:RevokeSecurityGroupIngress",
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:GetRepositoryPolicy",
    "ecr:SetRepositoryPolicy",
    "ecr:DescribeRepositories",
    "ecr:CreateRepository",
    "ecr:DeleteRepository",
    "ecr:DescribeRepositories",
    "ecr:ListImages",
    "ecr:PutImage",
    "ecr:DescribeImages",
    "ecr:BatchGetImage",
    "ecr:GetLifecyclePolicy",
    "ecr:GetLifecyclePolicyPreview",
    "ecr:ListTagsForResource",
    "ecr:TagResource",
    "ecr:UntagResource",
    "ecr:DescribeImageScanFindings",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "iam:AttachRolePolicy",
    "iam:GetPolicy",
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListPolicyVersions",
    "iam:PassRole",
    "iam:PutRolePolicy",
    "iam:CreateServiceLinkedRole",
    "iam:TagRole",
    "kms:CreateAlias",
    "kms:CreateGrant",
    "kms:CreateKey",
    "kms:Decrypt",
    "kms:DeleteAlias",
    "kms:DeleteCustomKeyStore",
    "kms:DeleteImportedKeyMaterial",
    "kms:DescribeKey",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GenerateDataKey",
    "kms:ListAliases",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UpdateAlias",
    "kms:UpdateCustomKeyStore",
    "kms:UpdateKeyDescription",
    "kms:GenerateDataKeyWithoutPlainText",
    "resource-groups:CreateGroup",
    "resource-groups:DeleteGroup",
    "resource-groups:Tag",
    "resource-groups:Untag",
    "s3:CreateBucket",
    "s3:DeleteBucket",
    "s3:DeleteBucketPolicy",
    "s3:GetBucketPolicy",
    "s3:GetEncryptionConfiguration",
    "s3:GetObject",
    "s3:ListBucket",
    "s3:PutBucketPolicy",
    "s3:PutBucketTagging",
    "s3:PutEncryptionConfiguration",
    "s3:PutBucketPublicAccessBlock",
    "servicecatalog:AssociatePrincipalWithPortfolio",
    "servicecatalog:AssociateProductWithPortfolio",
    "servicecatalog:CreateConstraint",
    "servicecatalog:CreatePortfolio",
    "servicecatalog:CreateProduct",
    "servicecatalog:DeleteConstraint",
    "servicecatalog:DeletePortfolio",
    "servicecatalog:DeleteProduct",
    "servicecatalog:DescribeConstraint",
    "servicecatalog:DescribeProductAsAdmin",
    "servicecatalog:DescribeProvisioningArtifact",
    "servicecatalog:DisassociatePrincipalFromPortfolio",
    "servicecatalog:DisassociateProductFromPortfolio",
    "ssm:AddTagsToResource",
    "ssm:DeleteParameter",
    "ssm:DeleteParameters",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:PutParameter",
    "ssm:RemoveTagsFromResource",
    "elasticfilesystem:CreateFileSystem",
    "elasticfilesystem:TagResource",
    "elasticfilesystem:UntagResource",
    "sagemaker:AddTags",
    "sagemaker:CreateDomain",
    "sagemaker:CreateUserProfile",
    "sagemaker:CreateApp",
    "sagemaker:CreateAppImageConfig",
    "sagemaker:CreateImage",
    "sagemaker:CreateImageVersion",
    "sagemaker:DescribeDomain",
    "sagemaker:DescribeImage",
    "sagemaker:DescribeImageVersion",
    "sagemaker:DescribeUserProfile",
    "sagemaker:DeleteDomain",
    "sagemaker:DeleteImage",
    "sagemaker:DeleteImageVersion",
    "sagemaker:DeleteUserProfile",
    "sagemaker:DeleteApp",
    "sagemaker:DeleteNotebookInstance",
    "sagemaker:DeleteAppImageConfig",
    "sagemaker:DeleteTags",
    "sagemaker:ListTags",
    "sagemaker:UpdateAppImageConfig",
    "sagemaker:UpdateNotebookInstanceLifecycleConfig",
    "sagemaker:UpdateDomain",
    "sagemaker:UpdateUserProfile",
    "sagemaker:UpdateImage",
];

/// The data science administrator role and the Service Catalog launch role.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AdminPrincipals {}

impl AdminPrincipals {
    /// The administrator role's ARN.
    pub const ADMIN_ROLE_ARN: Export = Export::new("ds-administrator-role-{}-arn");
    /// Nested-stack outputs the root reads.
    pub const ADMIN_NAME_OUTPUT: &'static str = "DSAdministratorName";
    pub const ADMIN_ARN_OUTPUT: &'static str = "DSAdministratorArn";
    pub const LAUNCH_ROLE_ARN_OUTPUT: &'static str = "SCLaunchRoleArn";
}

impl Construct for AdminPrincipals {
    fn synth(&self, app: &mut Synth) -> Stack {
        admin_principals(app.hardened())
    }
}

fn admin_principals(hardened: bool) -> Stack {
    let mut s = Stack::new(FILE, "Creates data science administrator role and service catalog launch role");
    let set = stack_set_parameter(&mut s);

    let admin = s.add(
        "DataScienceAdministrator",
        "AWS::IAM::Role",
        map! {
            "AssumeRolePolicyDocument" => if hardened {
                crate::hardened::trust_account()
            } else {
                trust_account_and_service("sagemaker.amazonaws.com", "SageMakerTrustRelantionship")
            },
            "RoleName" => with_stack_suffix(vec![sub(format!("${{{}}}-DataScienceAdministrator-", set.name()))]),
            "Policies" => sagemaker_access_policy(
                "SageMakerDSAdminAccess",
                &["sagemaker:*", "iam:TagRole", "kms:CreateGrant", "kms:DescribeKey"],
                vec![],
            ),
            "ManagedPolicyArns" => admin_managed_policies(false),
        },
    );

    let launch_policy = if hardened {
        crate::hardened::launch_role_policy(&set)
    } else {
        policy_document(vec![
            Statement::allow().sid("Policy1").actions(LAUNCH_ROLE_ACTIONS).any_resource().build(),
            pass_role_to_sagemaker(),
        ])
    };
    if hardened {
        s.add(
            "PlatformPermissionsBoundary",
            "AWS::IAM::ManagedPolicy",
            map! {
                "ManagedPolicyName" => crate::hardened::boundary_name(&set),
                "Description" => "The permissions boundary of every role the Service Catalog launch role creates",
                "PolicyDocument" => crate::hardened::boundary_document(),
            },
        );
    }
    let launch = s.add(
        "SCLaunchRole",
        "AWS::IAM::Role",
        map! {
            "AssumeRolePolicyDocument" => trust_service("servicecatalog.amazonaws.com"),
            "RoleName" => with_stack_suffix(vec![sub(format!("${{{}}}-ServiceCatalogLaunchRole-", set.name()))]),
            "Policies" => inline_policy("SCInlinePolicy", launch_policy),
        },
    );

    s.output(AdminPrincipals::ADMIN_NAME_OUTPUT, described(admin.r(), "The name of the DataScienceAdministrator role"));
    let arn = exported(
        admin.arn(),
        "The ARN of the DataScienceAdministrator role",
        AdminPrincipals::ADMIN_ROLE_ARN.name(&set),
    );
    s.output(AdminPrincipals::ADMIN_ARN_OUTPUT, arn);
    s.output(
        AdminPrincipals::LAUNCH_ROLE_ARN_OUTPUT,
        described(launch.arn(), "The ARN of the Service Catalog launch role"),
    );
    s
}
