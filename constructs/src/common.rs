//! Shapes the platform repeats, each written once: the stack-id name suffix, tags, IAM policy
//! documents and statements, trust policies, the three-statement KMS key policy, KMS-encrypted
//! private buckets, bucket policies that only admit the S3 endpoint, and SSM parameters that
//! publish an id.
//!
//! Depends only on the model (`cfn`) and the stack builder.

use crate::cfn::template::Output;
use crate::cfn::value::{ref_, sub, Intrinsic, Map, Value};
use crate::stack::ParamRef;
use crate::{list, map};

/// The IAM policy language version every document uses.
pub const POLICY_VERSION: &str = "2012-10-17";

/// A unique, stable suffix from the stack id: the last group of the stack's UUID
/// (`Select 4 (Split - (Select 2 (Split / AWS::StackId)))`).
pub fn stack_id_suffix() -> Value {
    let stack_uuid = select(2, split("/", ref_("AWS::StackId")));
    select(4, split("-", stack_uuid))
}

fn select(index: i64, list: Value) -> Value {
    Intrinsic::Select { index: Value::from(index), list }.into()
}

fn split(delimiter: &str, source: Value) -> Value {
    Intrinsic::Split { delimiter: delimiter.to_string(), source }.into()
}

/// `!Join ['', parts]`.
pub fn join(parts: Vec<Value>) -> Value {
    Intrinsic::Join { delimiter: String::new(), values: Value::List(parts) }.into()
}

/// `parts` followed by the stack-id suffix, joined: a name unique per stack.
pub fn with_stack_suffix(mut parts: Vec<Value>) -> Value {
    parts.push(stack_id_suffix());
    join(parts)
}

/// One `{Key, Value}` tag.
pub fn tag(key: &str, value: impl Into<Value>) -> Value {
    Value::Map(map! { "Key" => key, "Value" => value.into() })
}

/// The team tags every team resource carries.
pub fn team_tags(team: &ParamRef, env: &ParamRef) -> Value {
    list![tag("TeamName", team.r()), tag("EnvironmentType", env.r())]
}

/// `arn:aws:iam::<this account>:root`, the account principal.
pub fn account_root_arn() -> Value {
    sub("arn:aws:iam::${AWS::AccountId}:root")
}

/// `{Version: 2012-10-17, Statement: [...]}`.
pub fn policy_document(statements: Vec<Value>) -> Value {
    Value::Map(map! { "Version" => POLICY_VERSION, "Statement" => Value::List(statements) })
}

/// One IAM policy statement, written in the usual key order.
#[derive(Debug, Clone, Default)]
pub struct Statement {
    sid: Option<String>,
    effect: &'static str,
    principal: Option<Value>,
    action: Option<Value>,
    resource: Option<Value>,
    not_resource: Option<Value>,
    condition: Option<Value>,
}

impl Statement {
    pub fn allow() -> Statement {
        Statement { effect: "Allow", ..Statement::default() }
    }

    pub fn deny() -> Statement {
        Statement { effect: "Deny", ..Statement::default() }
    }

    pub fn sid(mut self, sid: &str) -> Statement {
        self.sid = Some(sid.to_string());
        self
    }

    pub fn principal(mut self, p: Value) -> Statement {
        self.principal = Some(p);
        self
    }

    /// `Principal: {AWS: arn}`.
    pub fn aws_principal(self, arn: Value) -> Statement {
        self.principal(Value::Map(map! { "AWS" => arn }))
    }

    /// `Principal: '*'`.
    pub fn anyone(self) -> Statement {
        self.principal(Value::str("*"))
    }

    /// One action, written as a single string.
    pub fn action(mut self, a: &str) -> Statement {
        self.action = Some(Value::str(a));
        self
    }

    /// Actions, written as a list (even of one).
    pub fn actions(mut self, actions: &[&str]) -> Statement {
        self.action = Some(Value::List(actions.iter().map(|a| Value::str(*a)).collect()));
        self
    }

    pub fn resource(mut self, r: impl Into<Value>) -> Statement {
        self.resource = Some(r.into());
        self
    }

    /// `NotResource: r`: every resource but these.
    pub fn not_resource(mut self, r: impl Into<Value>) -> Statement {
        self.not_resource = Some(r.into());
        self
    }

    /// `Resource: '*'`.
    pub fn any_resource(self) -> Statement {
        self.resource("*")
    }

    pub fn condition(mut self, c: Map) -> Statement {
        self.condition = Some(Value::Map(c));
        self
    }

    /// `Condition: {operator: {key: value}}`.
    pub fn condition_on(self, operator: &str, key: &str, value: impl Into<Value>) -> Statement {
        self.condition(map! { operator => Value::Map(map! { key => value.into() }) })
    }

    pub fn build(self) -> Value {
        let mut m = Map::new();
        if let Some(s) = self.sid {
            m.insert("Sid".into(), Value::String(s));
        }
        m.insert("Effect".into(), Value::str(self.effect));
        for (k, v) in [
            ("Principal", self.principal),
            ("Action", self.action),
            ("Resource", self.resource),
            ("NotResource", self.not_resource),
            ("Condition", self.condition),
        ] {
            if let Some(v) = v {
                m.insert(k.into(), v);
            }
        }
        Value::Map(m)
    }
}

/// Allows passing roles, to SageMaker only.
pub fn pass_role_statement() -> Statement {
    Statement::allow().actions(&["iam:PassRole"]).any_resource().condition_on(
        "StringEquals",
        "iam:PassedToService",
        list!["sagemaker.amazonaws.com"],
    )
}

/// [`pass_role_statement`] with its usual Sid.
pub fn pass_role_to_sagemaker() -> Value {
    pass_role_statement().sid("SageMakerIamPassRole").build()
}

/// `Policies: [{PolicyName: name, PolicyDocument: document}]`: one inline policy.
pub fn inline_policy(name: &str, document: Value) -> Value {
    list![Value::Map(map! { "PolicyName" => name, "PolicyDocument" => document })]
}

/// The inline policy of SageMaker users and administrators: `actions` on any resource (as
/// statement `sid`), then `more` statements, then passing roles to SageMaker.
pub fn sagemaker_access_policy(sid: &str, actions: &[&str], more: Vec<Value>) -> Value {
    let mut statements = vec![Statement::allow().sid(sid).actions(actions).any_resource().build()];
    statements.extend(more);
    statements.push(pass_role_to_sagemaker());
    inline_policy("SageMakerAccessInlinePolicy", policy_document(statements))
}

/// Using a KMS key (data keys, grants, aliases).
pub const KMS_USE: &[&str] = &[
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:ReEncrypt",
    "kms:GenerateDataKey",
    "kms:ListAliases",
];

/// A trust policy for the account root (so people can switch into the role) and `service`
/// (`Principal: {Service: [service]}`); `sid` names the service statement.
pub fn trust_account_and_service(service: &str, sid: &str) -> Value {
    policy_document(vec![
        Statement::allow().aws_principal(account_root_arn()).actions(&["sts:AssumeRole"]).build(),
        Statement::allow()
            .sid(sid)
            .principal(Value::Map(map! { "Service" => list![service] }))
            .actions(&["sts:AssumeRole"])
            .build(),
    ])
}

/// A trust policy for one service, written as single strings (`Service: x`, `Action: y`).
pub fn trust_service(service: &str) -> Value {
    policy_document(vec![Statement::allow()
        .principal(Value::Map(map! { "Service" => service }))
        .action("sts:AssumeRole")
        .build()])
}

/// Actions of the key administrators statement.
pub(crate) const KEY_ADMIN_ACTIONS: &[&str] = &[
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
];

/// Actions of the key users statement. `kms:ReEncrypt` is not an IAM action (the reference has
/// it; `kms:ReEncryptFrom`/`kms:ReEncryptTo` are meant) — kept for parity, flagged by validation.
const KEY_USER_ACTIONS: &[&str] =
    &["kms:Encrypt", "kms:Decrypt", "kms:CreateGrant", "kms:ReEncrypt", "kms:GenerateDataKey", "kms:DescribeKey"];

/// The platform's key policy: the account may manage the key through IAM; `administrators`
/// administer it; principals of the account use it, except through the S3 endpoint `s3_endpoint`.
pub fn kms_key_policy(policy_id: &str, administrators: Value, s3_endpoint: Value) -> Value {
    let statements = vec![
        Statement::allow()
            .sid("Enable IAM User Permissions")
            .aws_principal(account_root_arn())
            .action("kms:*")
            .any_resource()
            .build(),
        Statement::allow()
            .sid("Allow access for Key Administrators")
            .aws_principal(administrators)
            .actions(KEY_ADMIN_ACTIONS)
            .any_resource()
            .build(),
        Statement::allow()
            .sid("Allow access for Key Users")
            .aws_principal(account_root_arn())
            .actions(KEY_USER_ACTIONS)
            .any_resource()
            .condition_on("StringNotEquals", "aws:SourceVpce", s3_endpoint)
            .build(),
    ];
    let mut doc = map! { "Id" => policy_id };
    if let Value::Map(m) = policy_document(statements) {
        doc.extend(m);
    }
    Value::Map(doc)
}

/// Properties of an S3 bucket encrypted with `key` (KMS) and closed to the public.
pub fn private_kms_bucket(name: Value, key: Value, tags: Value) -> Map {
    map! {
        "BucketName" => name,
        "PublicAccessBlockConfiguration" => Value::Map(map! {
            "BlockPublicAcls" => true,
            "BlockPublicPolicy" => true,
            "IgnorePublicAcls" => true,
            "RestrictPublicBuckets" => true,
        }),
        "BucketEncryption" => Value::Map(map! {
            "ServerSideEncryptionConfiguration" => list![Value::Map(map! {
                "ServerSideEncryptionByDefault" => Value::Map(map! { "SSEAlgorithm" => "aws:kms", "KMSMasterKeyID" => key }),
            })],
        }),
        "Tags" => tags,
    }
}

/// Properties of a bucket policy that denies object access from anywhere but the S3 endpoint.
pub fn endpoint_only_bucket_policy(bucket: &crate::stack::ResRef, s3_endpoint: Value) -> Map {
    let id = bucket.id();
    let statement = Statement::deny()
        .anyone()
        .actions(&["s3:GetObject", "s3:PutObject", "s3:ListBucket"])
        .resource(list![sub(format!("arn:aws:s3:::${{{id}}}/*")), sub(format!("arn:aws:s3:::${{{id}}}"))])
        .condition_on("StringNotEquals", "aws:SourceVpce", s3_endpoint)
        .build();
    // This document has no Version (as in the reference): IAM then reads it as 2008-10-17.
    map! { "Bucket" => bucket.r(), "PolicyDocument" => Value::Map(map! { "Statement" => list![statement] }) }
}

/// Properties of a String SSM parameter that publishes `value` under `name`.
pub fn ssm_string(name: impl Into<Value>, value: Value, description: &str) -> Map {
    map! { "Name" => name.into(), "Type" => "String", "Value" => value, "Description" => description }
}

/// An output with a description.
pub fn described(value: Value, description: &str) -> Output {
    let mut o = Output::new(value);
    o.description = Some(description.to_string());
    o
}

/// An output with a description and an export name.
pub fn exported(value: Value, description: &str, export: Value) -> Output {
    let mut o = described(value, description);
    o.export_name = Some(export);
    o
}

/// The shared-services stack-set parameter, as the templates that take it declare it.
pub fn shared_stack_set_parameter(
    stack: &mut crate::stack::Stack,
    description: &str,
    default: Option<&str>,
) -> ParamRef {
    let mut p = crate::cfn::Parameter::new("String");
    if let Some(d) = default {
        p = p.with("Default", d);
    }
    stack.parameter("SharedServiceStackSetName", p.with("Description", description))
}

/// How most shared-service templates describe `SharedServiceStackSetName`.
pub const COMMON_ROOT_NAME: &str = "Common root name used across shared service cloudformation resources";

/// A console link that switches into the role named by the `Fn::Sub` variable `role_name`
/// (e.g. `${DataScientistRole}`).
pub fn switch_role_url(role_name: &str) -> Value {
    sub(format!(
        "https://signin.aws.amazon.com/switchrole?account=${{AWS::AccountId}}&roleName={role_name}&displayName={role_name}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::yaml::inline;

    #[test]
    fn suffix_is_the_last_uuid_group() {
        assert_eq!(
            inline(&stack_id_suffix()),
            "!Select [4, !Split ['-', !Select [2, !Split [/, !Ref 'AWS::StackId']]]]"
        );
    }

    #[test]
    fn statements_keep_scalar_and_list_actions_apart() {
        let one = Statement::allow().action("s3:GetObject").build();
        let many = Statement::allow().actions(&["s3:GetObject"]).build();
        assert_ne!(one, many);
        assert_eq!(inline(&one), "{Effect: Allow, Action: 's3:GetObject'}");
    }

    #[test]
    fn buckets_are_kms_encrypted_and_private() {
        let b = private_kms_bucket(Value::str("b"), ref_("Key"), list![]);
        let block = b["PublicAccessBlockConfiguration"].as_map().unwrap();
        assert_eq!(block.len(), 4);
        assert!(block.values().all(|v| *v == Value::Bool(true)));
        assert!(inline(&b["BucketEncryption"]).contains("SSEAlgorithm: 'aws:kms'"));
    }
}
