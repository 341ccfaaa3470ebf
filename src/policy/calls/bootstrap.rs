//! The calls `sds bootstrap` makes (see [`super`]): the change-set flow on the stack
//! `sds-bootstrap`, with the template in the request (nothing staged), and no role passed, so
//! CloudFormation creates, updates and deletes the stack's bucket and roles with the caller's
//! credentials. Those rows list the actions of the CloudFormation registry handlers of
//! `AWS::S3::Bucket`, `AWS::S3::BucketPolicy` and `AWS::IAM::Role` that the template's properties
//! use (moto does not check them: it creates resources without authorizing the caller).
//! See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-template.html>
//! See: <https://github.com/aws-cloudformation/aws-cloudformation-resource-providers-iam>
//!
//! Whoever may bootstrap may create a role with any policy (the execution role): it is an
//! administrator's task, once per account and region; publish and destroy are not.

use super::On::*;
use super::When::{self, *};
use super::{Call, Command, On};

const fn bootstrap(
    service: &'static str,
    operation: &'static str,
    actions: &'static [&'static str],
    on: &'static [On],
    when: When,
    why: &'static str,
) -> Call {
    Call { command: Command::Bootstrap, service, operation, actions, on, when, why }
}

const CHANGE_SETS: &[On] = &[BootstrapStack, RootChangeSets];

pub const CALLS: &[Call] = &[
    bootstrap("sts", "GetCallerIdentity", &[], &[Any], Always, "finds the account the bucket is named after"),
    bootstrap(
        "cloudformation",
        "DescribeStacks",
        &["cloudformation:DescribeStacks"],
        &[BootstrapStack],
        Always,
        "reads the bootstrap stack's status and outputs",
    ),
    bootstrap(
        "cloudformation",
        "CreateChangeSet",
        &["cloudformation:CreateChangeSet"],
        CHANGE_SETS,
        Always,
        "creates the change set (CREATE or UPDATE)",
    ),
    bootstrap(
        "cloudformation",
        "DescribeChangeSet",
        &["cloudformation:DescribeChangeSet"],
        CHANGE_SETS,
        Always,
        "waits for the change set and summarizes it",
    ),
    bootstrap(
        "cloudformation",
        "ExecuteChangeSet",
        &["cloudformation:ExecuteChangeSet"],
        CHANGE_SETS,
        Always,
        "deploys the change set",
    ),
    bootstrap(
        "cloudformation",
        "DeleteChangeSet",
        &["cloudformation:DeleteChangeSet"],
        CHANGE_SETS,
        Always,
        "deletes an empty change set",
    ),
    bootstrap(
        "cloudformation",
        "DescribeStackEvents",
        &["cloudformation:DescribeStackEvents"],
        &[BootstrapStack],
        Always,
        "follows the deployment",
    ),
    bootstrap(
        "cloudformation",
        "ExecuteChangeSet",
        &[
            "s3:CreateBucket",
            "s3:ListBucket",
            "s3:PutBucketPublicAccessBlock",
            "s3:GetBucketPublicAccessBlock",
            "s3:PutEncryptionConfiguration",
            "s3:GetEncryptionConfiguration",
            "s3:PutBucketVersioning",
            "s3:GetBucketVersioning",
            "s3:PutBucketOwnershipControls",
            "s3:GetBucketOwnershipControls",
            "s3:PutBucketPolicy",
            "s3:GetBucketPolicy",
            "s3:DeleteBucketPolicy",
        ],
        &[BootstrapBucket],
        Always,
        "CloudFormation creates and hardens the staging bucket as the caller",
    ),
    bootstrap(
        "cloudformation",
        "ExecuteChangeSet",
        &[
            "iam:CreateRole",
            "iam:GetRole",
            "iam:UpdateRole",
            "iam:UpdateRoleDescription",
            "iam:UpdateAssumeRolePolicy",
            "iam:PutRolePolicy",
            "iam:GetRolePolicy",
            "iam:DeleteRolePolicy",
            "iam:ListRolePolicies",
            "iam:ListAttachedRolePolicies",
            "iam:PutRolePermissionsBoundary",
            "iam:DeleteRolePermissionsBoundary",
            "iam:TagRole",
            "iam:UntagRole",
            "iam:DeleteRole",
        ],
        &[BootstrapRoles],
        Always,
        "CloudFormation creates and updates the execution and publish roles as the caller",
    ),
    bootstrap(
        "cloudformation",
        "ExecuteChangeSet",
        &[
            "iam:CreateOpenIDConnectProvider",
            "iam:GetOpenIDConnectProvider",
            "iam:DeleteOpenIDConnectProvider",
            "iam:AddClientIDToOpenIDConnectProvider",
            "iam:RemoveClientIDFromOpenIDConnectProvider",
            "iam:UpdateOpenIDConnectProviderThumbprint",
            "iam:TagOpenIDConnectProvider",
            "iam:UntagOpenIDConnectProvider",
        ],
        &[On::GitHubProvider],
        When::GitHubProvider,
        "CloudFormation creates GitHub's OIDC provider as the caller (bootstrap.github)",
    ),
];
