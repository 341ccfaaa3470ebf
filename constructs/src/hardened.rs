//! The hardened profile (`profile: hardened`): the shapes the constructs use instead of the
//! reference's when [`crate::construct::Synth::hardened`] is set — isolating key and bucket
//! policies, pass-role statements scoped to a team's own roles, the per-user Studio role, cost
//! guards on every compute-creating action, write actions scoped to where they act
//! ([`local_arn`], [`team_key_statement`], [`team_notebooks_statement`]), the permissions boundary
//! of every role the launch role creates ([`boundary_document`], [`launch_role_policy`]), and the
//! reference's defects fixed. The reference profile (the default) is untouched by it. Depends on
//! the model, the stack builder and [`crate::common`] only.
//!
//! What removes each class of violation `sds access` finds on the reference platform (112 with two
//! teams of two users; 0 on the hardened platform, with no suppressions):
//!
//! | invariant | cause on the reference | hardened fix |
//! |---|---|---|
//! | `access/team-isolation` (keys) | the team key's policy delegates use to the whole account (`Allow access for Key Users` to `:root`), and team roles hold `kms:*` actions on `*` | [`key_policy`]: key users only by `aws:PrincipalArn` of the team's roles ([`team_role_patterns`]); team roles' KMS statements scoped to the team key (alias) and the platform keys |
//! | `access/team-isolation` (buckets) | `AmazonS3ReadOnlyAccess` / `AmazonS3FullAccess` / `AmazonSageMakerFullAccess` read and write every bucket, and the bucket policy fences only the network path | [`bucket_policy`]: deny object access to every principal but the team's roles and the platform administrator; the managed S3 read policy removed from data scientist roles |
//! | `access/team-isolation` (Studio default role) | the Studio domain's default role holds S3 read on `*` and the account-delegated keys | same key and bucket policies; the default role loses `AmazonS3ReadOnlyAccess` |
//! | `access/escalation` | execution and team roles may `iam:PassRole` on `*` to SageMaker, and the administrator roles trust `sagemaker.amazonaws.com` | [`pass_own_roles`]: a user passes only their own execution role, a team role only its team's; administrator roles trust the account only (no service a user can pass roles to) |
//! | `access/studio-user-isolation` | the team user role may `CreatePresignedDomainUrl` on `*`; execution roles reach it by passing roles | the per-user Studio role ([`studio_user_statements`]): open, create and delete apps only on the principal's own user profile (by ARN, and by the `studiouserid` tag); the team user role loses those actions |
//! | `access/network-path` | the data lake bucket has no bucket policy | [`bucket_policy`] on the data lake: only through the platform's S3 endpoint, TLS only |

use crate::cfn::value::sub;
use crate::cfn::{Map, Value};
use crate::common::{account_root_arn, policy_document, Statement, KEY_ADMIN_ACTIONS};
use crate::stack::{ParamRef, ResRef, Stack};
use crate::{list, map};

/// Which platform the constructs build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// The reference platform, reproduced faithfully (its weaknesses included).
    #[default]
    Reference,
    /// The guidance's access model: isolation, cost guards, least privilege, data protection.
    Hardened,
}

impl Profile {
    pub fn label(self) -> &'static str {
        match self {
            Profile::Reference => "reference",
            Profile::Hardened => "hardened",
        }
    }

    pub fn from_label(s: &str) -> Option<Profile> {
        match s {
            "reference" => Some(Profile::Reference),
            "hardened" => Some(Profile::Hardened),
            _ => None,
        }
    }
}

/// Using a KMS key: the reference's list with `kms:ReEncrypt` (not an IAM action) replaced by the
/// two actions it stands for.
/// See: <https://docs.aws.amazon.com/kms/latest/developerguide/kms-api-permissions-reference.html>
pub const KMS_USE: &[&str] = &[
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
];

/// Object access, which the bucket policies fence.
const OBJECT_ACTIONS: &[&str] =
    &["s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*", "s3:ListBucket*", "s3:RestoreObject"];

/// `arn:aws:iam::<account>:role/<path+name>`.
fn role_arn(path_and_name: String) -> Value {
    sub(format!("arn:aws:iam::${{AWS::AccountId}}:role/{path_and_name}"))
}

/// ARN patterns of every role of team `team`/`env`: the administrator and user roles, the users'
/// execution roles and the users' Studio roles.
pub fn team_role_patterns(team: &ParamRef, env: &ParamRef) -> Vec<Value> {
    let te = format!("${{{}}}-${{{}}}", team.name(), env.name());
    vec![
        role_arn(format!("ds-admin-role-{te}")),
        role_arn(format!("ds-user-role-{te}")),
        role_arn(format!("service-role/ds-notebook-role-{te}-*")),
        role_arn(format!("ds-studio-user-{te}-*")),
    ]
}

/// ARN of a user's execution role (as the user profile product names it).
pub fn execution_role_arn(team: &ParamRef, env: &ParamRef, user: &ParamRef) -> Value {
    role_arn(format!("service-role/ds-notebook-role-${{{}}}-${{{}}}-${{{}}}", team.name(), env.name(), user.name()))
}

/// `arn:aws:<service>:<this region>:<this account>:<rest>`: a resource of the platform's own
/// account and region.
pub fn local_arn(service: &str, rest: &str) -> Value {
    sub(format!("arn:aws:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{rest}"))
}

/// ARN patterns of the platform's roles (`ds-` names, with or without the `service-role/` path).
pub fn platform_role_patterns() -> Vec<Value> {
    vec![role_arn("ds-*".into()), role_arn("service-role/ds-*".into())]
}

/// `actions` on the team's key only: any key of the account and region whose alias is the team's.
pub fn team_key_statement(sid: &str, actions: &[&str], team: &ParamRef, env: &ParamRef) -> Value {
    Statement::allow()
        .sid(sid)
        .actions(actions)
        .resource(local_arn("kms", "key/*"))
        .condition_on(
            "ForAnyValue:StringEquals",
            "kms:ResourceAliases",
            sub(format!("alias/ds-s3-kms-cmk-${{{}}}-${{{}}}", team.name(), env.name())),
        )
        .build()
}

/// Starting and stopping notebook instances: only those of the account and region tagged with the
/// team (`TeamName`, `EnvironmentType`), the guidance's attribute-based isolation.
pub fn team_notebooks_statement(team: &ParamRef, env: &ParamRef) -> Value {
    Statement::allow()
        .sid("TeamNotebookInstances")
        .actions(&["sagemaker:StartNotebookInstance", "sagemaker:StopNotebookInstance"])
        .resource(local_arn("sagemaker", "notebook-instance/*"))
        .condition(map! { "StringEquals" => Value::Map(map! {
            "aws:ResourceTag/TeamName" => team.r(),
            "aws:ResourceTag/EnvironmentType" => env.r(),
        }) })
        .build()
}

/// The tag keys that decide access (team notebooks, Studio user profiles): a user who could set
/// them could tag another team's notebook, or another user's profile, into reach.
pub const ACCESS_TAG_KEYS: &[&str] = &["TeamName", "EnvironmentType", "studiouserid"];

/// `sagemaker:AddTags` on any resource, for any tag but [`ACCESS_TAG_KEYS`] (the reference
/// allows every tag on `*`).
/// See: <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_tags.html#access_tags_control-tag-keys>
pub fn tagging_statement() -> Value {
    let keys = Value::List(ACCESS_TAG_KEYS.iter().map(|k| Value::str(*k)).collect());
    Statement::allow()
        .sid("TagsOtherThanAccessTags")
        .actions(&["sagemaker:AddTags"])
        .any_resource()
        .condition_on("ForAllValues:StringNotEqualsIgnoreCase", "aws:TagKeys", keys)
        .build()
}

/// Denies changing the access tags of a resource another team's tags name (its managed policies
/// let a team administrator tag anything): a resource tagged with a team keeps that team.
/// Untagged resources (new ones, tagged as they are created) are left to the other statements.
/// The same for another environment of the team (its dev administrators may not pull its prod
/// resources into dev): one statement per tag, as the conditions of one statement all must hold.
pub fn deny_retagging_other_teams(team: &ParamRef, env: &ParamRef) -> Vec<Value> {
    let keys = Value::List(ACCESS_TAG_KEYS.iter().map(|k| Value::str(*k)).collect());
    [
        ("DenyRetaggingOtherTeams", "aws:ResourceTag/TeamName", team),
        ("DenyRetaggingOtherEnvironments", "aws:ResourceTag/EnvironmentType", env),
    ]
    .into_iter()
    .map(|(sid, key, owner)| {
        Statement::deny()
            .sid(sid)
            .actions(&["sagemaker:AddTags", "sagemaker:DeleteTags"])
            .any_resource()
            .condition(map! {
                "ForAnyValue:StringEqualsIgnoreCase" => Value::Map(map! { "aws:TagKeys" => keys.clone() }),
                "Null" => Value::Map(map! { key => "false" }),
                "StringNotEquals" => Value::Map(map! { key => owner.r() }),
            })
            .build()
    })
    .collect()
}

/// A key policy that names who may use the key: the account administers it through IAM (no use),
/// `administrators` administer it, and only principals whose ARN matches one of `users` use it.
/// Without `users`, principals of the account use it as their IAM policies allow (platform keys
/// every team shares).
pub fn key_policy(policy_id: &str, administrators: Value, users: Option<Vec<Value>>) -> Value {
    let mut use_key =
        Statement::allow().sid("AllowKeyUse").aws_principal(account_root_arn()).actions(KMS_USE).any_resource();
    if let Some(users) = users {
        use_key = use_key.condition_on("ArnLike", "aws:PrincipalArn", Value::List(users));
    }
    let statements = vec![
        Statement::allow()
            .sid("AllowAccountKeyAdministration")
            .aws_principal(account_root_arn())
            .actions(KEY_ADMIN_ACTIONS)
            .any_resource()
            .build(),
        Statement::allow()
            .sid("AllowKeyAdministrators")
            .aws_principal(administrators)
            .actions(KEY_ADMIN_ACTIONS)
            .any_resource()
            .build(),
        use_key.build(),
    ];
    let mut doc = map! { "Id" => policy_id };
    if let Value::Map(m) = policy_document(statements) {
        doc.extend(m);
    }
    Value::Map(doc)
}

/// Who a bucket admits.
#[derive(Debug, Clone)]
pub enum Admits {
    /// Every principal of the account its IAM policies allow (a platform bucket).
    Account,
    /// Only principals whose ARN matches one of these (a team bucket).
    Only(Vec<Value>),
    /// Access logs: written by S3's log delivery for this account, read by the principals whose
    /// ARN matches one of these.
    Logs(Vec<Value>),
}

/// A bucket policy: objects only through the S3 endpoint `s3_endpoint` and over TLS, and only for
/// the principals `admits` names.
pub fn bucket_policy(bucket: &ResRef, s3_endpoint: Value, admits: Admits) -> Map {
    let id = bucket.id();
    let resources = || list![sub(format!("arn:aws:s3:::${{{id}}}")), sub(format!("arn:aws:s3:::${{{id}}}/*"))];
    let in_account = sub("arn:aws:iam::${AWS::AccountId}:*");
    let mut outside = map! { "StringNotEquals" => Value::Map(map! { "aws:SourceVpce" => s3_endpoint }) };
    if matches!(admits, Admits::Logs(_)) {
        // S3's log delivery writes from outside any endpoint: the fence holds for the account's
        // principals (a key absent from the request fails `ArnLike`).
        outside.insert("ArnLike".into(), Value::Map(map! { "aws:PrincipalArn" => in_account }));
    }
    let mut statements = vec![
        Statement::deny()
            .sid("DenyOutsideTheS3Endpoint")
            .anyone()
            .actions(OBJECT_ACTIONS)
            .resource(resources())
            .condition(outside)
            .build(),
        Statement::deny()
            .sid("DenyInsecureTransport")
            .anyone()
            .action("s3:*")
            .resource(resources())
            .condition_on("Bool", "aws:SecureTransport", "false")
            .build(),
    ];
    if matches!(admits, Admits::Logs(_)) {
        statements.push(log_delivery_statement(bucket));
    }
    match admits {
        Admits::Account => {}
        Admits::Only(users) | Admits::Logs(users) => {
            statements.push(
                Statement::deny()
                    .sid("DenyOtherPrincipals")
                    .anyone()
                    .actions(OBJECT_ACTIONS)
                    .resource(resources())
                    .condition(map! {
                        "ArnNotLike" => Value::Map(map! { "aws:PrincipalArn" => Value::List(users) }),
                        "Null" => Value::Map(map! { "aws:PrincipalArn" => "false" }),
                    })
                    .build(),
            );
        }
    }
    map! { "Bucket" => bucket.r(), "PolicyDocument" => policy_document(statements) }
}

/// The statement that lets S3's log delivery write access logs into `bucket` for this account.
/// See: <https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html>
pub fn log_delivery_statement(bucket: &ResRef) -> Value {
    Statement::allow()
        .sid("AllowS3LogDelivery")
        .principal(Value::Map(map! { "Service" => "logging.s3.amazonaws.com" }))
        .action("s3:PutObject")
        .resource(sub(format!("arn:aws:s3:::${{{}}}/*", bucket.id())))
        .condition_on("StringEquals", "aws:SourceAccount", sub("${AWS::AccountId}"))
        .build()
}

/// `iam:PassRole` on `roles` only, to SageMaker only.
pub fn pass_own_roles(roles: Vec<Value>) -> Value {
    Statement::allow()
        .sid("PassOwnRolesToSageMaker")
        .action("iam:PassRole")
        .resource(Value::List(roles))
        .condition_on("StringEquals", "iam:PassedToService", "sagemaker.amazonaws.com")
        .build()
}

/// A trust policy for the account only (people switch into the role; no service assumes it).
pub fn trust_account() -> Value {
    policy_document(vec![Statement::allow().aws_principal(account_root_arn()).action("sts:AssumeRole").build()])
}

/// `ForAllValues:StringLike {sagemaker:InstanceTypes: types}` (a list, or a `Ref` to a
/// `CommaDelimitedList` parameter) with the key required: a request
/// without instance types, or with one not listed, does not match.
pub fn instance_types_condition(types: Value) -> Map {
    map! {
        "ForAllValues:StringLike" => Value::Map(map! { "sagemaker:InstanceTypes" => types }),
        "Null" => Value::Map(map! { "sagemaker:InstanceTypes" => "false" }),
    }
}

/// What a user's Studio role may do: open their own user profile and create and delete apps in
/// it (by ARN; opening also by the `studiouserid` tag the profile and the role carry), apps on
/// allowed instance types.
pub fn studio_user_statements(profile_arn: Value, apps_arn: Value, instance_types: Value) -> Vec<Value> {
    let own = map! { "StringEquals" => Value::Map(map! {
        "sagemaker:ResourceTag/studiouserid" => "${aws:PrincipalTag/studiouserid}",
    }) };
    vec![
        Statement::allow()
            .sid("OpenOwnUserProfile")
            .actions(&["sagemaker:CreatePresignedDomainUrl", "sagemaker:DescribeUserProfile"])
            .resource(profile_arn)
            .condition(own)
            .build(),
        Statement::allow()
            .sid("CreateAppsInOwnUserProfile")
            .action("sagemaker:CreateApp")
            .resource(apps_arn.clone())
            .condition(instance_types_condition(instance_types))
            .build(),
        Statement::allow()
            .sid("ManageAppsInOwnUserProfile")
            .actions(&["sagemaker:DeleteApp", "sagemaker:DescribeApp"])
            .resource(apps_arn)
            .build(),
        Statement::allow()
            .sid("ListStudio")
            .actions(&["sagemaker:ListApps", "sagemaker:ListUserProfiles", "sagemaker:DescribeDomain"])
            .any_resource()
            .build(),
    ]
}

/// Team names in the hardened profile: lower case, as the bucket names built from them require.
pub const TEAM_PATTERN: &str = r"[a-z0-9\-]*";

/// Keeps `r` when its stack is deleted or the resource replaced (keys and data).
/// See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html>
pub fn retain(s: &mut Stack, r: &ResRef) {
    if let Some(res) = s.template.resources.get_mut(r.id()) {
        res.attributes.insert("DeletionPolicy".into(), Value::str("Retain"));
        res.attributes.insert("UpdateReplacePolicy".into(), Value::str("Retain"));
    }
}

/// Adds versioning, a lifecycle for noncurrent versions and access logging into `logs` (under
/// `prefix`) to the bucket properties `props`.
pub fn protect_bucket(props: &mut Map, logs: Option<(&ResRef, &str)>) {
    props.insert("VersioningConfiguration".into(), Value::Map(map! { "Status" => "Enabled" }));
    props.insert(
        "LifecycleConfiguration".into(),
        Value::Map(map! { "Rules" => list![Value::Map(map! {
            "Id" => "ExpireNoncurrentVersions",
            "Status" => "Enabled",
            "NoncurrentVersionExpiration" => Value::Map(map! { "NoncurrentDays" => 90 }),
            "AbortIncompleteMultipartUpload" => Value::Map(map! { "DaysAfterInitiation" => 7 }),
        })] }),
    );
    if let Some((logs, prefix)) = logs {
        props.insert(
            "LoggingConfiguration".into(),
            Value::Map(map! { "DestinationBucketName" => logs.r(), "LogFilePrefix" => prefix }),
        );
    }
}

/// Properties of an access-log bucket: S3-managed encryption (log delivery cannot use KMS keys),
/// private, owner-enforced, versioned, logs expiring after a year.
/// See: <https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html>
pub fn log_bucket(name: Value, tags: Value) -> Map {
    let mut props = map! {
        "BucketName" => name,
        "PublicAccessBlockConfiguration" => Value::Map(map! {
            "BlockPublicAcls" => true,
            "BlockPublicPolicy" => true,
            "IgnorePublicAcls" => true,
            "RestrictPublicBuckets" => true,
        }),
        "BucketEncryption" => Value::Map(map! {
            "ServerSideEncryptionConfiguration" => list![Value::Map(map! {
                "ServerSideEncryptionByDefault" => Value::Map(map! { "SSEAlgorithm" => "AES256" }),
            })],
        }),
        "OwnershipControls" => Value::Map(map! { "Rules" => list![Value::Map(map! { "ObjectOwnership" => "BucketOwnerEnforced" })] }),
        "VersioningConfiguration" => Value::Map(map! { "Status" => "Enabled" }),
        "LifecycleConfiguration" => Value::Map(map! { "Rules" => list![Value::Map(map! {
            "Id" => "ExpireLogs",
            "Status" => "Enabled",
            "ExpirationInDays" => 365,
            "NoncurrentVersionExpiration" => Value::Map(map! { "NoncurrentDays" => 30 }),
        })] }),
    };
    props.insert("Tags".into(), tags);
    props
}

/// The data scientists' AWS managed policies without `AmazonS3ReadOnlyAccess` (read of every
/// bucket of the account): buckets are reached through the roles' own statements.
pub fn data_scientist_managed_policies(sagemaker: &str) -> Value {
    crate::admin_principals::aws_managed(&[
        "AWSServiceCatalogEndUserFullAccess",
        "AWSCloudFormationReadOnlyAccess",
        "AmazonSSMReadOnlyAccess",
        "AWSLambda_ReadOnlyAccess",
        "AWSCodeCommitReadOnly",
        "AWSCodeArtifactReadOnlyAccess",
        sagemaker,
        "AmazonEC2ContainerRegistryReadOnly",
    ])
}

/// Where the Service Catalog launch role may act, by service prefix: the platform's name
/// prefixes (`ds-`, Service Catalog's `SC-` stacks); `*` only for actions without a resource.
const LAUNCH_SCOPES: &[(&str, &[&str])] = &[
    ("cloudformation", &["arn:aws:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/SC-*"]),
    ("codecommit", &["arn:aws:codecommit:${AWS::Region}:${AWS::AccountId}:ds-*"]),
    (
        "iam",
        &[
            "arn:aws:iam::${AWS::AccountId}:role/ds-*",
            "arn:aws:iam::${AWS::AccountId}:role/service-role/ds-*",
            "arn:aws:iam::${AWS::AccountId}:policy/ds-*",
        ],
    ),
    (
        "kms",
        &[
            "arn:aws:kms:${AWS::Region}:${AWS::AccountId}:key/*",
            "arn:aws:kms:${AWS::Region}:${AWS::AccountId}:alias/ds-*",
        ],
    ),
    ("resource-groups", &["arn:aws:resource-groups:${AWS::Region}:${AWS::AccountId}:group/ds-*"]),
    ("s3", &["arn:aws:s3:::ds-*"]),
    ("ssm", &["arn:aws:ssm:${AWS::Region}:${AWS::AccountId}:parameter/ds-*"]),
    ("sagemaker", &["arn:aws:sagemaker:${AWS::Region}:${AWS::AccountId}:*"]),
];

/// Role writes the launch role makes only on roles that carry the platform's permissions boundary
/// (`iam:PermissionsBoundary`: the boundary a new role is given, or an existing role has).
/// `iam:PutRolePermissionsBoundary` lets an update give a role launched before the boundary
/// existed that boundary (and no other).
/// See: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_PermissionsBoundary>
const BOUNDED_ROLE_WRITES: &[&str] =
    &["iam:AttachRolePolicy", "iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"];

/// Writes to the boundary policy itself, denied to the launch role (it may write the platform's
/// other `ds-` policies).
const BOUNDARY_WRITES: &[&str] =
    &["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"];

/// IAM writes no role of a team may make, whatever its other policies allow: creating or changing
/// roles, users and policies, or removing a boundary.
const NO_IAM_WRITES: &[&str] = &[
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:CreateRole",
    "iam:CreateUser",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteUserPermissionsBoundary",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:PutUserPermissionsBoundary",
    "iam:PutUserPolicy",
    "iam:SetDefaultPolicyVersion",
    "iam:UpdateAssumeRolePolicy",
];

/// The managed policy name of the platform's permissions boundary.
pub fn boundary_name(set: &ParamRef) -> Value {
    sub(format!("ds-permissions-boundary-${{{}}}", set.name()))
}

/// The ARN of the platform's permissions boundary, which every role the launch role creates
/// carries (`PermissionsBoundary`).
pub fn boundary_arn(set: &ParamRef) -> Value {
    sub(format!("arn:aws:iam::${{AWS::AccountId}}:policy/ds-permissions-boundary-${{{}}}", set.name()))
}

/// The permissions boundary's document: the most a team's role may ever do. Anything in the
/// platform's region (global services' reads and role passing through `us-east-1`, where IAM and
/// STS's global endpoint answer), and never an IAM write that makes or widens a role, user or
/// policy, or removes a boundary.
/// See: <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html>
pub fn boundary_document() -> Value {
    policy_document(vec![
        Statement::allow()
            .sid("WithinThePlatformRegion")
            .action("*")
            .any_resource()
            .condition_on("StringEquals", "aws:RequestedRegion", sub("${AWS::Region}"))
            .build(),
        Statement::allow()
            .sid("GlobalServices")
            .actions(&["iam:CreateServiceLinkedRole", "iam:Get*", "iam:List*", "iam:PassRole", "iam:TagRole", "sts:*"])
            .any_resource()
            .condition_on("StringEquals", "aws:RequestedRegion", "us-east-1")
            .build(),
        Statement::deny().sid("NoIamWrites").actions(NO_IAM_WRITES).any_resource().build(),
    ])
}

/// Launch-role actions that take no resource (or create one not yet named), allowed on `*`.
const LAUNCH_UNSCOPED: &[&str] = &[
    "cloudformation:GetTemplateSummary",
    "cloudformation:ValidateTemplate",
    "codecommit:ListRepositories",
    "kms:CreateKey",
    "kms:ListAliases",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeVpcs",
    "ecr:GetAuthorizationToken",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:DescribeImages",
    "servicecatalog:DescribeProvisioningArtifact",
    "elasticfilesystem:CreateFileSystem",
    "elasticfilesystem:TagResource",
];

/// The Service Catalog launch role's policy in the hardened profile: the reference's actions on
/// the platform's name prefixes only; no IAM writes and no `iam:PassRole` on `*` (passing only the
/// platform's roles, to SageMaker); roles created, and policies put or attached to them, only with
/// the platform's permissions boundary ([`boundary_arn`]), which it may not change.
pub fn launch_role_policy(set: &ParamRef) -> Value {
    let actions = crate::admin_principals::LAUNCH_ROLE_ACTIONS;
    let mut statements = Vec::new();
    for (prefix, resources) in LAUNCH_SCOPES {
        let mut of: Vec<&str> = actions
            .iter()
            .copied()
            .filter(|a| a.split(':').next() == Some(prefix))
            .filter(|a| !LAUNCH_UNSCOPED.contains(a) && !BOUNDED_ROLE_WRITES.contains(a) && *a != "iam:PassRole")
            .collect();
        of.sort_unstable();
        of.dedup();
        let sid: String = prefix.split('-').map(|w| w[..1].to_uppercase() + &w[1..]).collect();
        statements.push(
            Statement::allow()
                .sid(&format!("{sid}OnPlatformResources"))
                .actions(&of)
                .resource(Value::List(
                    resources.iter().map(|r| if r.contains("${") { sub(*r) } else { Value::str(*r) }).collect(),
                ))
                .build(),
        );
    }
    statements.push(
        Statement::allow()
            .sid("RolesWithThePlatformBoundary")
            .actions(BOUNDED_ROLE_WRITES)
            .resource(Value::List(platform_role_patterns()))
            .condition_on("StringEquals", "iam:PermissionsBoundary", boundary_arn(set))
            .build(),
    );
    statements
        .push(Statement::deny().sid("KeepTheBoundary").actions(BOUNDARY_WRITES).resource(boundary_arn(set)).build());
    statements.push(Statement::allow().sid("Unscoped").actions(LAUNCH_UNSCOPED).any_resource().build());
    statements.push(pass_own_roles(vec![
        sub("arn:aws:iam::${AWS::AccountId}:role/ds-*"),
        sub("arn:aws:iam::${AWS::AccountId}:role/service-role/ds-*"),
    ]));
    policy_document(statements)
}

/// Denies passing any role but `roles`: managed policies such as `AmazonSageMakerFullAccess`
/// allow passing every role to SageMaker, which would let a team act as another team's roles.
pub fn deny_passing_other_roles(roles: Vec<Value>) -> Value {
    Statement::deny().sid("DenyPassingOtherRoles").action("iam:PassRole").not_resource(Value::List(roles)).build()
}

/// `actions` without the reference's unknown CodeCommit action (`CreatePullRequestApproval`:
/// approvals are `UpdatePullRequestApprovalState`).
/// See: <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodecommit.html>
pub fn known_actions(actions: &[&'static str]) -> Vec<&'static str> {
    actions.iter().copied().filter(|a| *a != "codecommit:CreatePullRequestApproval").collect()
}
