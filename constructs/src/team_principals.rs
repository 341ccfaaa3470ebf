//! `TeamPrincipals` → `ds_env_principals.yaml` (nested in the team environment): the team's
//! administrator and data scientist roles.

use crate::admin_principals::admin_managed_policies;
use crate::cfn::value::sub;
use crate::cfn::Value;
use crate::common::{
    described, exported, inline_policy, policy_document, sagemaker_access_policy, shared_stack_set_parameter,
    ssm_string, switch_role_url, team_tags, trust_account_and_service, Statement, COMMON_ROOT_NAME, KMS_USE,
};
use crate::construct::{Construct, Synth};
use crate::export::TeamExport;
use crate::hardened;
use crate::names::{self, Params};
use crate::stack::{ParamRef, ResRef, Stack};
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
    fn synth(&self, app: &mut Synth) -> Stack {
        team_principals(app.hardened(), &app.stack_set_name)
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

/// The team user's actions in the hardened profile: no Studio actions (each user opens their own
/// profile with their own Studio role), no `CreateCodeRepository` on `*`.
/// Notebook instances are started and stopped only when tagged with the team
/// ([`hardened::team_notebooks_statement`]); tags are added except the keys that decide access
/// ([`hardened::tagging_statement`]).
const HARDENED_USER_ACTIONS: &[&str] = &[
    "sagemaker:GetSagemakerServicecatalogPortfolioStatus",
    "codecommit:BatchGetRepositories",
    "codecommit:ListRepositories",
    "servicecatalog:ListAcceptedPortfolioShares",
    "servicecatalog:ListPrincipalsForPortfolio",
];

/// The ARN of the team's CodeCommit repository.
pub fn team_repository_arn(team: &ParamRef, env: &ParamRef) -> Value {
    sub(format!(
        "arn:aws:codecommit:${{AWS::Region}}:${{AWS::AccountId}}:ds-source-${{{}}}-${{{}}}",
        team.name(),
        env.name()
    ))
}

fn team_principals(hardened: bool, stack_set_name: &str) -> Stack {
    let mut s =
        Stack::new(FILE, "Template to create IAM principals for operation within the data science environment.");
    let pattern = if hardened { hardened::TEAM_PATTERN } else { TEAM_PATTERN };
    let team = team_parameter(&mut s, TEAM_DESCRIPTION, pattern);
    let env = env_parameter(&mut s, "System Environment", None);
    let (t, e) = (team.name().to_string(), env.name().to_string());
    if hardened {
        let set = shared_stack_set_parameter(&mut s, COMMON_ROOT_NAME, Some(stack_set_name));
        return hardened_team_principals(s, &team, &env, &set);
    }
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

    outputs(&mut s, &team, &env, &admin, &user);
    s
}

/// The hardened team roles: administrators trust the account only (no service a user can pass
/// roles to); the user role loses the managed S3 read policy and Studio actions, uses KMS only on
/// the team's key (by alias) and passes only the team's roles.
fn hardened_team_principals(mut s: Stack, team: &ParamRef, env: &ParamRef, set: &ParamRef) -> Stack {
    let (t, e) = (team.name().to_string(), env.name().to_string());
    let te = format!("${{{t}}}-${{{e}}}");
    let team_roles = hardened::team_role_patterns(team, env);
    let pass_team_roles = || hardened::pass_own_roles(vec![team_roles[1].clone(), team_roles[2].clone()]);
    // The reference's team administration actions, each where it acts: SageMaker resources of the
    // platform's account and region, the team's roles, the team's key.
    let sagemaker: Vec<&str> = TEAM_ADMIN_ACTIONS.iter().copied().filter(|a| a.starts_with("sagemaker:")).collect();
    let admin_policy = policy_document(
        [
            vec![
                Statement::allow()
                    .sid("DSAdminAdditionalPolicies")
                    .actions(&sagemaker)
                    .resource(hardened::local_arn("sagemaker", "*"))
                    .build(),
                Statement::allow()
                    .sid("TagTeamRoles")
                    .action("iam:TagRole")
                    .resource(Value::List(team_roles.clone()))
                    .build(),
                hardened::team_key_statement("TeamKeyGrants", &["kms:CreateGrant", "kms:DescribeKey"], team, env),
                pass_team_roles(),
                hardened::deny_passing_other_roles(vec![team_roles[1].clone(), team_roles[2].clone()]),
            ],
            hardened::deny_retagging_other_teams(team, env),
        ]
        .concat(),
    );
    let admin = s.add(
        "DataScientistAdminRole",
        "AWS::IAM::Role",
        map! {
            "AssumeRolePolicyDocument" => hardened::trust_account(),
            "RoleName" => sub(format!("ds-admin-role-{te}")),
            "Policies" => inline_policy("SageMakerAccessInlinePolicy", admin_policy),
            "ManagedPolicyArns" => admin_managed_policies(true),
            "PermissionsBoundary" => hardened::boundary_arn(set),
            "Tags" => team_tags(team, env),
        },
    );
    let team_key = hardened::team_key_statement("TeamKeyUse", hardened::KMS_USE, team, env);
    let repository_access = Statement::allow()
        .sid("CodeCommitAccess")
        .actions(&hardened::known_actions(TEAM_CODECOMMIT_ACTIONS))
        .resource(list![team_repository_arn(team, env)])
        .build();
    let user_policy = policy_document(vec![
        Statement::allow().sid("DataScientistAdditionalPolicies").actions(HARDENED_USER_ACTIONS).any_resource().build(),
        hardened::team_notebooks_statement(team, env),
        hardened::tagging_statement(),
        team_key,
        repository_access,
        pass_team_roles(),
    ]);
    let user = s.add(
        "DataScientistRole",
        "AWS::IAM::Role",
        map! {
            "AssumeRolePolicyDocument" => trust_account_and_service("sagemaker.amazonaws.com", "SageMakerTrustRelationship"),
            "RoleName" => sub(format!("ds-user-role-{te}")),
            "Policies" => inline_policy("SageMakerAccessInlinePolicy", user_policy),
            "ManagedPolicyArns" => hardened::data_scientist_managed_policies("AmazonSageMakerReadOnly"),
            "PermissionsBoundary" => hardened::boundary_arn(set),
            "Tags" => team_tags(team, env),
        },
    );
    s.add(
        "DataScientistRoleArn",
        "AWS::SSM::Parameter",
        ssm_string(sub(format!("ds-user-role-{te}-arn")), user.arn(), "SSM-Parameter - DataScientist Role Arn"),
    );
    outputs(&mut s, team, env, &admin, &user);
    s
}

fn outputs(s: &mut Stack, team: &ParamRef, env: &ParamRef, admin: &ResRef, user: &ResRef) {
    s.output(
        "DataScientistAdminRoleArn",
        exported(
            admin.arn(),
            "ARN of the data science administration role for this project",
            TeamPrincipals::ADMIN_ROLE_ARN.name(team, env),
        ),
    );
    s.output(
        "DataScientistUserRoleArn",
        exported(
            user.arn(),
            "ARN of the data science user role for this project",
            TeamPrincipals::USER_ROLE_ARN.name(team, env),
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
}
