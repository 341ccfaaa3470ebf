//! `TeamEnvironment` → `ds_environment.yaml` (Service Catalog product "Data Science Team
//! Environment", itself a root) and its nested `ds_env_principals.yaml`: the team's
//! administrator and data scientist roles. The backing store lives in `team_backing_store`.

use crate::admin_principals::admin_managed_policies;
use crate::cfn::value::sub;
use crate::cfn::{Parameter, Value};
use crate::common::{
    described, exported, sagemaker_access_policy, shared_stack_set_parameter, ssm_string, switch_role_url, team_tags,
    trust_account_and_service, Statement, COMMON_ROOT_NAME, KMS_USE,
};
use crate::shared_services::DEFAULT_STACK_SET_NAME;
use crate::stack::{ParamRef, Stack};
use crate::studio_domain::data_scientist_managed_policies;
use crate::{list, map, names};

pub const FILE: &str = "ds_environment.yaml";
pub const PRINCIPALS_FILE: &str = "ds_env_principals.yaml";

/// Team names as nested team templates accept them. Upper case passes here but breaks the S3
/// bucket names built from it (a known defect of the reference, kept for parity).
pub const TEAM_PATTERN: &str = r"[A-Za-z0-9\-]*";
/// Team and environment names as the team environment product accepts them.
pub const LOWER_CASE_PATTERN: &str = r"[a-z0-9\-]*";
/// How nested team templates describe `TeamName`.
pub const TEAM_DESCRIPTION: &str = "Please specify your team name.  Used as a suffix for team's resource names.";

/// Declares `TeamName`.
pub fn team_parameter(s: &mut Stack, description: &str, pattern: &str) -> ParamRef {
    s.parameter("TeamName", Parameter::new("String").with("AllowedPattern", pattern).with("Description", description))
}

/// Declares `EnvType` (default `dev`).
pub fn env_parameter(s: &mut Stack, description: &str, pattern: Option<&str>) -> ParamRef {
    let mut p = Parameter::new("String").with("Description", description);
    if let Some(pattern) = pattern {
        p = p.with("AllowedPattern", pattern);
    }
    s.parameter("EnvType", p.with("Default", "dev"))
}

/// Builds `ds_environment.yaml` around its two children.
pub fn team_environment(principals: &Stack, backing_store: &Stack) -> Stack {
    let mut s = Stack::new(FILE, "Data Science Environment");
    let team = team_parameter(
        &mut s,
        "Please specify your Team Name.  Used as a suffix for team resource names. Mandatory LOWER CASE.",
        LOWER_CASE_PATTERN,
    );
    let env = env_parameter(
        &mut s,
        "Please specify the target Environment. Used for tagging and resource names. Mandatory LOWER CASE.",
        Some(LOWER_CASE_PATTERN),
    );
    let set = shared_stack_set_parameter(&mut s, COMMON_ROOT_NAME, Some(DEFAULT_STACK_SET_NAME));
    let tags = team_tags(&team, &env);

    let p = s.nested_stack(
        "DSEnvironmentPrincipals",
        principals,
        vec![("TeamName", team.r()), ("EnvType", env.r())],
        Some(tags.clone()),
    );
    let store = s.nested_stack(
        "DSEnvironmentBackingStore",
        backing_store,
        vec![("SharedServiceStackSetName", set.r()), ("TeamName", team.r()), ("EnvType", env.r())],
        Some(tags.clone()),
    );
    // The backing store's key policy imports the team admin role the principals export.
    s.depends_on(&store.resource(), &p.resource());

    let (t, e) = (format!("${{{}}}", team.name()), format!("${{{}}}", env.name()));
    let tag_filter = |key: &str, var: &str| Value::Map(map! { "Key" => key, "Values" => list![sub(var)] });
    let query = map! {
        "ResourceTypeFilters" => list!["AWS::AllSupported"],
        "TagFilters" => list![tag_filter("TeamName", &t), tag_filter("EnvironmentType", &e)],
    };
    s.add(
        "DSEnvironmentResourceGroup",
        "AWS::ResourceGroups::Group",
        map! {
            "Name" => sub(format!("ds-{t}-{e}-resource-group")),
            "Description" => sub(format!("AWS Resources belonging to {t} in its {e} environment.")),
            "ResourceQuery" => Value::Map(map! { "Type" => "TAG_FILTERS_1_0", "Query" => Value::Map(query) }),
            "Tags" => tags,
        },
    );

    let admin_url = p.output(&mut s, "AssumeDataScienceAdminRole");
    s.output(
        "AssumeDataScienceAdminRole",
        described(admin_url, "URL for assuming the role of a data science admininstrator"),
    );
    let user_url = p.output(&mut s, "AssumeDataScientistUserRole");
    s.output("AssumeDataScientistUserRole", described(user_url, "URL for assuming the role of a data science user"));
    s
}

const TEAM_ADMIN_ACTIONS: &[&str] = &[
    "sagemaker:AddTags",
    "sagemaker:CreateUserProfile",
    "sagemaker:CreateNotebookInstance",
    "sagemaker:CreateNotebookInstanceLifecycleConfig",
    "sagemaker:CreateApp",
    "sagemaker:CreateAppImageConfig",
    "sagemaker:CreateImage",
    "sagemaker:CreateImageVersion",
    "sagemaker:DeleteImage",
    "sagemaker:DeleteImageVersion",
    "sagemaker:DeleteUserProfile",
    "sagemaker:DeleteApp",
    "sagemaker:DeleteNotebookInstance",
    "sagemaker:DeleteAppImageConfig",
    "sagemaker:DeleteNotebookInstanceLifecycleConfig",
    "sagemaker:DeleteTags",
    "sagemaker:UpdateNotebookInstance",
    "sagemaker:UpdateAppImageConfig",
    "sagemaker:UpdateNotebookInstanceLifecycleConfig",
    "sagemaker:UpdateDomain",
    "sagemaker:UpdateUserProfile",
    "iam:TagRole",
    "kms:CreateGrant",
    "kms:DescribeKey",
];

/// The team user's actions, around [`KMS_USE`].
const TEAM_USER_ACTIONS_BEFORE_KMS: &[&str] = &[
    "sagemaker:UpdateCodeRepository",
    "sagemaker:DeleteCodeRepository",
    "sagemaker:CreateCodeRepository",
    "sagemaker:StartNotebookInstance",
    "sagemaker:StopNotebookInstance",
    "sagemaker:CreatePresignedDomainUrl",
    "sagemaker:CreatePresignedNotebookInstanceUrl",
    "sagemaker:CreateApp",
    "sagemaker:AddTags",
    "sagemaker:DeleteApp",
    "sagemaker:GetSagemakerServicecatalogPortfolioStatus",
    "codecommit:BatchGetRepositories",
    "codecommit:ListRepositories",
    "iam:TagRole",
];
const TEAM_USER_ACTIONS_AFTER_KMS: &[&str] =
    &["servicecatalog:ListAcceptedPortfolioShares", "servicecatalog:ListPrincipalsForPortfolio"];

/// Git work on the team repository.
const TEAM_CODECOMMIT_ACTIONS: &[&str] = &[
    "codecommit:GitPull",
    "codecommit:GitPush",
    "codecommit:CreateBranch",
    "codecommit:DeleteBranch",
    "codecommit:GetBranch",
    "codecommit:ListBranches",
    "codecommit:UpdateDefaultBranch",
    "codecommit:CreatePullRequest",
    "codecommit:CreatePullRequestApproval",
    "codecommit:GetPullRequest*",
    "codecommit:ListPullRequests",
    "codecommit:UpdatePullRequest*",
    "codecommit:DescribePullRequestEvents",
    "codecommit:CreateCommit",
    "codecommit:GetCommit",
    "codecommit:BatchGetCommits",
    "codecommit:GetCommitHistory",
    "codecommit:GetDifferences",
    "codecommit:GetReferences",
    "codecommit:GetRepository",
    "codecommit:GetMerge*",
    "codecommit:Merge*",
    "codecommit:DescribeMergeConflicts",
    "codecommit:GetComment*",
    "codecommit:PostComment*",
    "codecommit:PutCommentReaction",
    "codecommit:UpdateComment*",
    "codecommit:PutFile",
    "codecommit:GetFile",
    "codecommit:DeleteFile",
    "codecommit:GetFolder",
    "codecommit:GetBlob",
];

/// The ARN of the team's CodeCommit repository.
pub fn team_repository_arn(team: &ParamRef, env: &ParamRef) -> Value {
    sub(format!(
        "arn:aws:codecommit:${{AWS::Region}}:${{AWS::AccountId}}:ds-source-${{{}}}-${{{}}}",
        team.name(),
        env.name()
    ))
}

/// Builds `ds_env_principals.yaml`.
pub fn team_principals() -> Stack {
    let mut s = Stack::new(
        PRINCIPALS_FILE,
        "Template to create IAM principals for operation within the data science environment.",
    );
    let team = team_parameter(&mut s, TEAM_DESCRIPTION, TEAM_PATTERN);
    let env = env_parameter(&mut s, "System Environment", None);
    let (t, e) = (team.name().to_string(), env.name().to_string());
    let admin = s.add(
        "DataScientistAdminRole",
        "AWS::IAM::Role",
        map! {
            "AssumeRolePolicyDocument" => trust_account_and_service("sagemaker.amazonaws.com", "SageMakerTrustRelantionship"),
            "RoleName" => sub(format!("ds-admin-role-${{{t}}}-${{{e}}}")),
            "Policies" => sagemaker_access_policy("DSAdminAdditionalPolicies", TEAM_ADMIN_ACTIONS, vec![]),
            "ManagedPolicyArns" => admin_managed_policies(true),
            "Tags" => team_tags(&team, &env),
        },
    );
    let repository_access = Statement::allow()
        .sid("CodeCommitAccess")
        .actions(TEAM_CODECOMMIT_ACTIONS)
        .resource(list![team_repository_arn(&team, &env)])
        .build();
    let user_actions = [TEAM_USER_ACTIONS_BEFORE_KMS, KMS_USE, TEAM_USER_ACTIONS_AFTER_KMS].concat();
    let user = s.add(
        "DataScientistRole",
        "AWS::IAM::Role",
        map! {
            "AssumeRolePolicyDocument" => trust_account_and_service("sagemaker.amazonaws.com", "SageMakerTrustRelantionship"),
            "RoleName" => sub(format!("ds-user-role-${{{t}}}-${{{e}}}")),
            "Policies" => sagemaker_access_policy("DataScientistAdditionalPolicies", &user_actions, vec![repository_access]),
            "ManagedPolicyArns" => data_scientist_managed_policies("AmazonSageMakerReadOnly"),
            "Tags" => team_tags(&team, &env),
        },
    );
    s.add(
        "DataScientistRoleArn",
        "AWS::SSM::Parameter",
        ssm_string(
            sub(format!("ds-user-role-${{{t}}}-${{{e}}}-arn")),
            user.arn(),
            "SSM-Parameter - DataScientist Role Arn",
        ),
    );

    s.output(
        "DataScientistAdminRoleArn",
        exported(
            admin.arn(),
            "ARN of the data science administration role for this project",
            names::team_admin_role_arn(&team, &env),
        ),
    );
    s.output(
        "DataScientistUserRoleArn",
        exported(
            user.arn(),
            "ARN of the data science user role for this project",
            names::team_user_role_arn(&team, &env),
        ),
    );
    s.output(
        "AssumeDataScienceAdminRole",
        described(
            switch_role_url(&format!("${{{}}}", admin.id())),
            "URL for assuming the role of a data science admin",
        ),
    );
    s.output(
        "AssumeDataScientistUserRole",
        described(switch_role_url(&format!("${{{}}}", user.id())), "URL for assuming the role of a data science user"),
    );
    s
}
