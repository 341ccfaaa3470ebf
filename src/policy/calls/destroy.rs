//! The calls `sds destroy` makes (see [`super`]). The stacks are deleted with the roles they were
//! deployed with, if any (CloudFormation keeps using a stack's role; deleting needs no
//! `iam:PassRole`); the Studio apps, user profiles and spaces are deleted with the caller's
//! credentials.
//! See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html>

use super::On::*;
use super::When::{self, *};
use super::{Call, Command, On};

const fn destroy(
    service: &'static str,
    operation: &'static str,
    actions: &'static [&'static str],
    on: &'static [On],
    when: When,
    why: &'static str,
) -> Call {
    Call { command: Command::Destroy, service, operation, actions, on, when, why }
}

const DESCRIBE: &[&str] = &["cloudformation:DescribeStacks"];
const TEMPLATE: &[&str] = &["cloudformation:GetTemplate"];
const RESOURCES: &[&str] = &["cloudformation:ListStackResources"];
const EVENTS: &[&str] = &["cloudformation:DescribeStackEvents"];
const ALL_STACKS: &[On] = &[RootStack, NestedStacks, ProductStacks];

/// Listing stacks and exports, and SageMaker's List* calls, have no resource-level permission.
/// See: <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudformation.html>
/// See: <https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html>
pub const CALLS: &[Call] = &[
    destroy("sts", "GetCallerIdentity", &[], &[Any], Always, "finds the account, which the product stacks' names hold"),
    destroy("cloudformation", "DescribeStacks", DESCRIBE, &[RootStack], Always, "reads the root stack's status"),
    destroy("cloudformation", "DescribeStacks", DESCRIBE, &[Any], Always, "lists the stacks to find the team stacks"),
    destroy(
        "cloudformation",
        "ListExports",
        &["cloudformation:ListExports"],
        &[Any],
        Always,
        "finds the Studio domain",
    ),
    destroy("cloudformation", "GetTemplate", TEMPLATE, ALL_STACKS, Always, "reads which resources are retained"),
    destroy("cloudformation", "ListStackResources", RESOURCES, ALL_STACKS, Always, "finds the retained resources' ids"),
    destroy("sagemaker", "ListApps", &["sagemaker:ListApps"], &[Any], Always, "lists the Studio apps"),
    destroy(
        "sagemaker",
        "ListUserProfiles",
        &["sagemaker:ListUserProfiles"],
        &[Any],
        Always,
        "lists the user profiles",
    ),
    destroy("sagemaker", "ListSpaces", &["sagemaker:ListSpaces"], &[Any], Always, "lists the Studio spaces"),
    destroy("sagemaker", "DeleteApp", &["sagemaker:DeleteApp"], &[StudioApps], Always, "deletes the Studio apps"),
    destroy(
        "cloudformation",
        "DeleteStack",
        &["cloudformation:DeleteStack"],
        &[TeamStacks],
        Always,
        "deletes the team stacks (their provisioned products)",
    ),
    destroy("cloudformation", "DescribeStacks", DESCRIBE, &[TeamStacks], Always, "waits for the team stacks"),
    destroy("cloudformation", "DescribeStackEvents", EVENTS, &[TeamStacks], Always, "says why a team stack failed"),
    destroy(
        "sagemaker",
        "DeleteUserProfile",
        &["sagemaker:DeleteUserProfile"],
        &[StudioUserProfiles],
        Always,
        "deletes the user profiles no stack deleted",
    ),
    destroy("sagemaker", "DeleteSpace", &["sagemaker:DeleteSpace"], &[StudioSpaces], Always, "deletes the spaces"),
    destroy("cloudformation", "DeleteStack", &["cloudformation:DeleteStack"], &[RootStack], Always, "deletes the root"),
    destroy(
        "cloudformation",
        "DescribeStackEvents",
        EVENTS,
        &[RootStack, NestedStacks],
        Always,
        "follows the deletion of the root and its nested stacks",
    ),
];
