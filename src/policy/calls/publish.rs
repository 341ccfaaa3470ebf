//! The calls `sds publish` makes (see [`super`]).

use super::On::*;
use super::When::{self, *};
use super::{Call, Command, On};

const fn publish(
    service: &'static str,
    operation: &'static str,
    actions: &'static [&'static str],
    on: &'static [On],
    when: When,
    why: &'static str,
) -> Call {
    Call { command: Command::Publish, service, operation, actions, on, when, why }
}

/// The S3 action names differ from the operation names for a few bucket settings.
/// See: <https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html>
/// See: <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudformation.html>
pub const CALLS: &[Call] = &[
    // No permission is needed, and an explicit deny does not stop it.
    // See: <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html>
    publish("sts", "GetCallerIdentity", &[], &[Any], Always, "finds the account to publish to"),
    // HeadBucket is authorized as s3:ListBucket.
    publish(
        "cloudformation",
        "DescribeStacks",
        &["cloudformation:DescribeStacks"],
        &[BootstrapStack],
        Always,
        "looks for the bootstrap stack, its bucket and execution role",
    ),
    publish("s3", "HeadBucket", &["s3:ListBucket"], &[Bucket], Always, "checks the staging bucket exists and is ours"),
    // Creating a bucket with ObjectOwnership also needs s3:PutBucketOwnershipControls.
    // See: <https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html>
    publish(
        "s3",
        "CreateBucket",
        &["s3:CreateBucket", "s3:PutBucketOwnershipControls"],
        &[Bucket],
        Always,
        "creates the staging bucket when missing",
    ),
    publish(
        "s3",
        "GetPublicAccessBlock",
        &["s3:GetBucketPublicAccessBlock"],
        &[Bucket],
        Always,
        "reads the bucket's settings",
    ),
    publish(
        "s3",
        "GetBucketEncryption",
        &["s3:GetEncryptionConfiguration"],
        &[Bucket],
        Always,
        "reads the bucket's settings",
    ),
    publish("s3", "GetBucketVersioning", &["s3:GetBucketVersioning"], &[Bucket], Always, "reads the bucket's settings"),
    publish(
        "s3",
        "GetBucketOwnershipControls",
        &["s3:GetBucketOwnershipControls"],
        &[Bucket],
        Always,
        "reads the bucket's settings",
    ),
    publish("s3", "GetBucketPolicy", &["s3:GetBucketPolicy"], &[Bucket], Always, "reads the bucket's TLS-only policy"),
    publish(
        "s3",
        "PutPublicAccessBlock",
        &["s3:PutBucketPublicAccessBlock"],
        &[Bucket],
        Always,
        "blocks public access when not blocked",
    ),
    publish(
        "s3",
        "PutBucketEncryption",
        &["s3:PutEncryptionConfiguration"],
        &[Bucket],
        Always,
        "sets default encryption when missing",
    ),
    publish("s3", "PutBucketVersioning", &["s3:PutBucketVersioning"], &[Bucket], Always, "enables versioning when off"),
    publish(
        "s3",
        "PutBucketOwnershipControls",
        &["s3:PutBucketOwnershipControls"],
        &[Bucket],
        Always,
        "enforces bucket-owner ownership when not enforced",
    ),
    publish(
        "s3",
        "PutBucketPolicy",
        &["s3:PutBucketPolicy"],
        &[Bucket],
        Always,
        "adds the TLS-only statement when missing",
    ),
    // HeadObject is authorized as s3:GetObject (a missing key answers 404 only with s3:ListBucket).
    publish("s3", "HeadObject", &["s3:GetObject"], &[Objects], Always, "skips objects already uploaded"),
    publish("s3", "PutObject", &["s3:PutObject"], &[Objects], Always, "uploads templates and assets; writes the lock"),
    publish("s3", "GetObject", &["s3:GetObject"], &[Objects], Always, "reads who holds the publish lock"),
    publish("s3", "DeleteObject", &["s3:DeleteObject"], &[LockObjects], Always, "releases the publish lock"),
    publish(
        "cloudformation",
        "DescribeStacks",
        &["cloudformation:DescribeStacks"],
        &[RootStack],
        Always,
        "reads the root stack's status and outputs",
    ),
    publish(
        "cloudformation",
        "CreateChangeSet",
        &["cloudformation:CreateChangeSet"],
        &[RootStack, RootChangeSets],
        Always,
        "creates the root's change set",
    ),
    // CloudFormation reads the TemplateURL (and the nested templates) with the caller's
    // credentials.
    // See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-template.html>
    publish(
        "cloudformation",
        "CreateChangeSet",
        &["s3:GetObject"],
        &[Objects],
        Always,
        "CloudFormation reads the uploaded templates as the caller",
    ),
    publish(
        "cloudformation",
        "CreateChangeSet",
        &["iam:PassRole"],
        &[BootstrapRole],
        When::Bootstrap,
        "passes the bootstrap's execution role to CloudFormation",
    ),
    publish(
        "cloudformation",
        "CreateChangeSet",
        &["iam:PassRole"],
        &[On::ExecutionRole],
        When::ExecutionRole,
        "passes the execution role (--role-arn) to CloudFormation",
    ),
    publish(
        "cloudformation",
        "DescribeChangeSet",
        &["cloudformation:DescribeChangeSet"],
        &[RootStack, RootChangeSets],
        Always,
        "waits for the change set and summarizes it",
    ),
    publish(
        "cloudformation",
        "ExecuteChangeSet",
        &["cloudformation:ExecuteChangeSet"],
        &[RootStack, RootChangeSets],
        Always,
        "deploys the change set",
    ),
    publish(
        "cloudformation",
        "DeleteChangeSet",
        &["cloudformation:DeleteChangeSet"],
        &[RootStack, RootChangeSets],
        Always,
        "deletes an empty change set",
    ),
    publish(
        "cloudformation",
        "DescribeStackEvents",
        &["cloudformation:DescribeStackEvents"],
        &[RootStack, NestedStacks],
        Always,
        "follows the deployment of the root and its nested stacks",
    ),
    // Listing every stack (DescribeStacks without a stack name) is authorized on "*".
    // See: <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudformation.html>
    publish(
        "cloudformation",
        "DescribeStacks",
        &["cloudformation:DescribeStacks"],
        &[Any],
        Teams,
        "lists the stacks to find team stacks no longer declared",
    ),
    publish(
        "cloudformation",
        "DescribeStacks",
        &["cloudformation:DescribeStacks"],
        &[TeamStacks],
        Teams,
        "reads the team stacks' status",
    ),
    publish(
        "cloudformation",
        "ListChangeSets",
        &["cloudformation:ListChangeSets"],
        &[TeamStacks],
        Teams,
        "finds change sets an interrupted run left",
    ),
    publish(
        "cloudformation",
        "CreateChangeSet",
        &["cloudformation:CreateChangeSet"],
        &[TeamStacks, TeamChangeSets],
        Teams,
        "creates a team stack's change set",
    ),
    publish(
        "cloudformation",
        "CreateChangeSet",
        &["iam:PassRole"],
        &[TeamStacksRole],
        Teams,
        "passes the root's team-stacks role to CloudFormation",
    ),
    publish(
        "cloudformation",
        "DescribeChangeSet",
        &["cloudformation:DescribeChangeSet"],
        &[TeamStacks, TeamChangeSets],
        Teams,
        "waits for a team stack's change set",
    ),
    publish(
        "cloudformation",
        "ExecuteChangeSet",
        &["cloudformation:ExecuteChangeSet"],
        &[TeamStacks, TeamChangeSets],
        Teams,
        "deploys a team stack",
    ),
    publish(
        "cloudformation",
        "DeleteChangeSet",
        &["cloudformation:DeleteChangeSet"],
        &[TeamStacks, TeamChangeSets],
        Teams,
        "deletes left-over or empty change sets",
    ),
    publish(
        "cloudformation",
        "DescribeStackEvents",
        &["cloudformation:DescribeStackEvents"],
        &[TeamStacks],
        Teams,
        "says why a team stack failed",
    ),
    publish(
        "cloudformation",
        "DeleteStack",
        &["cloudformation:DeleteStack"],
        &[TeamStacks],
        Teams,
        "deletes a failed first creation, or with --prune a team no longer declared",
    ),
];
