//! `TeamPrincipals` → `ds_env_principals.yaml` (nested in the team environment): the team's
//! administrator and data scientist roles.

use crate::admin_principals::admin_managed_policies;
use crate::cfn::value::sub;
use crate::cfn::Value;
use crate::common::{
    described, exported, sagemaker_access_policy, ssm_string, switch_role_url, team_tags, trust_account_and_service,
    Statement, KMS_USE,
};
use crate::construct::{Construct, Synth};
use crate::export::TeamExport;
use crate::names::{self, Params};
use crate::stack::{ParamRef, Stack};
use crate::studio_domain::data_scientist_managed_policies;
use crate::team_environment::{env_parameter, team_parameter, TEAM_DESCRIPTION, TEAM_PATTERN};
use crate::{list, map};

pub const FILE: &str = "ds_env_principals.yaml";

/// A team's administrator and data scientist roles, named after the team and environment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TeamPrincipals {}

impl TeamPrincipals {
    pub const ADMIN_ROLE_ARN: TeamExport = TeamExport::new("ds-admin-role-{team}-{env}-arn");
    pub const USER_ROLE_ARN: TeamExport = TeamExport::new("ds-user-role-{team}-{env}-arn");
    /// Nested-stack outputs the team environment reads: console links that switch into the roles.
    pub const ADMIN_URL_OUTPUT: &'static str = "AssumeDataScienceAdminRole";
    pub const USER_URL_OUTPUT: &'static str = "AssumeDataScientistUserRole";
}

impl Construct for TeamPrincipals {
    fn synth(&self, _: &mut Synth) -> Stack {
        team_principals()
    }
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

fn team_principals() -> Stack {
    let mut s =
        Stack::new(FILE, "Template to create IAM principals for operation within the data science environment.");
    let team = team_parameter(&mut s, TEAM_DESCRIPTION, TEAM_PATTERN);
    let env = env_parameter(&mut s, "System Environment", None);
    let (t, e) = (team.name().to_string(), env.name().to_string());
    let admin = s.add(
        "DataScientistAdminRole",
        "AWS::IAM::Role",
        map! {
            "AssumeRolePolicyDocument" => trust_account_and_service("sagemaker.amazonaws.com", "SageMakerTrustRelantionship"),
            "RoleName" => names::ADMIN_ROLE.template(Params { team: &team, env: &env, user: None }),
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
            "RoleName" => names::USER_ROLE.template(Params { team: &team, env: &env, user: None }),
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
            TeamPrincipals::ADMIN_ROLE_ARN.name(&team, &env),
        ),
    );
    s.output(
        "DataScientistUserRoleArn",
        exported(
            user.arn(),
            "ARN of the data science user role for this project",
            TeamPrincipals::USER_ROLE_ARN.name(&team, &env),
        ),
    );
    s.output(
        TeamPrincipals::ADMIN_URL_OUTPUT,
        described(
            switch_role_url(&format!("${{{}}}", admin.id())),
            "URL for assuming the role of a data science admin",
        ),
    );
    s.output(
        TeamPrincipals::USER_URL_OUTPUT,
        described(switch_role_url(&format!("${{{}}}", user.id())), "URL for assuming the role of a data science user"),
    );
    s
}
