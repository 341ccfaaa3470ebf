//! The configuration file's keys: [`KEYS`], the one description of the format, which the reader
//! walks and the JSON Schema is generated from. Each key names its rule and where its value lives
//! in [`Config`].

use super::rules::{self, Rule};
use super::{Config, Denial, Suppression};
use crate::user_profile::Variant;

/// A configuration key: its name, what it means, and what it holds. The tree of them,
/// [`KEYS`], is the one description of the file format: the reader walks it, and
/// [`super::schema::json_schema`] turns it into the JSON Schema editors use.
#[derive(Debug)]
pub struct Key {
    pub name: &'static str,
    pub doc: &'static str,
    pub kind: Kind,
}

/// What a key holds.
#[derive(Debug)]
pub enum Kind {
    /// A mapping of these keys (any other key is an error).
    Section(&'static [Key]),
    /// A string following the rule.
    Text(&'static Rule, Field<String>),
    /// A string following the rule, with no default (`None` when not given).
    OptionalText(&'static Rule, Field<Option<String>>),
    /// A non-empty list of distinct strings, each following the rule, of exactly `len` items when
    /// given (`len.1` says what they are).
    List { rule: &'static Rule, len: Option<(usize, &'static str)>, field: Field<Vec<String>> },
    /// A list of records of text fields: `validation.suppress`, `access.deny`.
    Records(&'static Records),
    /// `validation.severity`: a mapping of rule id to `error`, `warning` or `info`.
    Severities,
    /// `teams`: a list of `{name, env, users: [{name, variant?}]}` (see [`crate::teams::read`]).
    Teams,
}

/// Where a value lives in [`Config`]: read for the schema's defaults, written by the reader.
#[derive(Debug)]
pub struct Field<T> {
    pub get: fn(&Config) -> T,
    pub set: fn(&mut Config, T),
}

/// A list of records whose fields are non-blank strings.
#[derive(Debug)]
pub struct Records {
    /// Each field: name, whether it is required, what it means.
    pub fields: &'static [(&'static str, bool, &'static str)],
    /// Adds one record (its fields in the order of `fields`, every required one present) and
    /// where it was written (`file:line:column`).
    pub add: fn(&mut Config, Vec<Option<String>>, String),
}

/// `validation.suppress`.
pub const SUPPRESSIONS: Records = Records {
    fields: SUPPRESSION_KEYS,
    add: |c, f, origin| {
        let mut f = f.into_iter();
        let mut next = || f.next().flatten();
        let (rule, template, resource, reason) = (next(), next(), next(), next());
        if let (Some(rule), Some(reason)) = (rule, reason) {
            c.suppressions.push(Suppression { rule, template, resource, reason, origin: Some(origin) });
        }
    },
};

/// `access.deny`.
pub const DENIALS: Records = Records {
    fields: &[
        ("principal", true, "who: `instance/LogicalId` as `sds access` names principals, or a role ARN; * and ? match any text or one character"),
        ("action", true, "the IAM action (service:Name) that must be denied"),
        ("resource", true, "on what: `instance/LogicalId` as `sds access` names resources, or an ARN; * and ? as for principal"),
        ("reason", false, "why the access must be denied"),
    ],
    add: |c, f, origin| {
        let mut f = f.into_iter();
        let mut next = || f.next().flatten();
        let (principal, action, resource, reason) = (next(), next(), next(), next());
        if let (Some(principal), Some(action), Some(resource)) = (principal, action, resource) {
            c.access_deny.push(Denial { principal, action, resource, reason, origin });
        }
    },
};

/// The keys of a suppression, with whether each is required.
pub const SUPPRESSION_KEYS: &[(&str, bool, &str)] = &[
    ("rule", true, "id of the rule (`sds validate --list-rules`)"),
    ("template", false, "file name of the template (e.g. ds_admin_detective.yaml); all templates when absent"),
    ("resource", false, "logical id of the resource, parameter or output; all when absent"),
    ("reason", true, "why the finding is accepted"),
];

/// The configuration file: every key, documented, in the order the README lists them.
pub const KEYS: &[Key] = &[
    Key {
        name: "stack_set_name",
        doc: "common root of shared-service names and exports",
        kind: Kind::Text(
            &rules::STACK_SET_NAME,
            Field { get: |c| c.shared.stack_set_name.clone(), set: |c, v| c.shared.stack_set_name = v },
        ),
    },
    Key {
        name: "network",
        doc: "the shared VPC",
        kind: Kind::Section(&[
            Key {
                name: "vpc_cidr",
                doc: "VPC range",
                kind: Kind::Text(
                    &rules::CIDR,
                    Field { get: |c| c.shared.network.vpc_cidr.clone(), set: |c, v| c.shared.network.vpc_cidr = v },
                ),
            },
            Key {
                name: "subnet_cidrs",
                doc: "three subnet ranges (one per availability zone) inside the VPC, not overlapping",
                kind: Kind::List {
                    rule: &rules::CIDR,
                    len: Some((3, "ranges (one per subnet)")),
                    field: Field {
                        get: |c| c.shared.network.subnet_cidrs.to_vec(),
                        set: |c, v| {
                            if let Ok(three) = <[String; 3]>::try_from(v) {
                                c.shared.network.subnet_cidrs = three;
                            }
                        },
                    },
                },
            },
        ]),
    },
    Key {
        name: "ecr",
        doc: "the shared container image repository",
        kind: Kind::Section(&[Key {
            name: "repository_name",
            doc: "shared ECR repository",
            kind: Kind::Text(
                &rules::ECR_NAME,
                Field { get: |c| c.shared.ecr_repository_name.clone(), set: |c, v| c.shared.ecr_repository_name = v },
            ),
        }]),
    },
    Key {
        name: "code_artifact",
        doc: "the shared package repository",
        kind: Kind::Section(&[
            Key {
                name: "domain_name",
                doc: "CodeArtifact domain",
                kind: Kind::Text(
                    &rules::CODE_ARTIFACT_DOMAIN,
                    Field { get: |c| c.code_artifact.domain_name.clone(), set: |c, v| c.code_artifact.domain_name = v },
                ),
            },
            Key {
                name: "repository_name",
                doc: "shared repository",
                kind: Kind::Text(
                    &rules::CODE_ARTIFACT_REPO,
                    Field {
                        get: |c| c.code_artifact.repository_name.clone(),
                        set: |c, v| c.code_artifact.repository_name = v,
                    },
                ),
            },
            Key {
                name: "upstream_repository_name",
                doc: "PyPI upstream repository",
                kind: Kind::Text(
                    &rules::CODE_ARTIFACT_REPO,
                    Field {
                        get: |c| c.code_artifact.upstream_repository_name.clone(),
                        set: |c, v| c.code_artifact.upstream_repository_name = v,
                    },
                ),
            },
        ]),
    },
    Key {
        name: "studio",
        doc: "the SageMaker Studio domain",
        kind: Kind::Section(&[
            Key {
                name: "domain_name",
                doc: "Studio domain",
                kind: Kind::Text(
                    &rules::STUDIO_DOMAIN,
                    Field { get: |c| c.studio.domain_name.clone(), set: |c, v| c.studio.domain_name = v },
                ),
            },
            Key {
                name: "kms_alias",
                doc: "alias of Studio's EFS key, without alias/",
                kind: Kind::Text(
                    &rules::KMS_ALIAS,
                    Field { get: |c| c.studio.kms_alias.clone(), set: |c, v| c.studio.kms_alias = v },
                ),
            },
        ]),
    },
    Key {
        name: "detective_control",
        doc: "the Lambda that stops training jobs and deletes models outside the VPC",
        kind: Kind::Section(&[Key {
            name: "lambda_runtime",
            doc: "Python runtime of the detective control",
            kind: Kind::Text(
                &rules::RUNTIME,
                Field { get: |c| c.detective.runtime.clone(), set: |c, v| c.detective.runtime = v },
            ),
        }]),
    },
    Key {
        name: "user_profile",
        doc: "the Studio user profile product",
        kind: Kind::Section(&[
            Key {
                name: "variant",
                doc: "v1 or v2 (v2 adds the preventive control); the portfolio offers this one",
                kind: Kind::Text(
                    &rules::VARIANT,
                    Field {
                        get: |c| match c.user_profile_variant {
                            Variant::V1 => "v1".into(),
                            Variant::V2 => "v2".into(),
                        },
                        set: |c, v| c.user_profile_variant = if v == "v2" { Variant::V2 } else { Variant::V1 },
                    },
                ),
            },
            Key {
                name: "instance_types",
                doc: "allowed notebook instance types",
                kind: Kind::List {
                    rule: &rules::INSTANCE_TYPE,
                    len: None,
                    field: Field {
                        get: |c| c.user_profile.instance_types.clone(),
                        set: |c, v| c.user_profile.instance_types = v,
                    },
                },
            },
            Key {
                name: "default_instance_type",
                doc: "default notebook instance type (one of instance_types)",
                kind: Kind::Text(
                    &rules::INSTANCE_TYPE,
                    Field {
                        get: |c| c.user_profile.default_instance_type.clone(),
                        set: |c, v| c.user_profile.default_instance_type = v,
                    },
                ),
            },
            Key {
                name: "deployment_instance_types",
                doc: "instance types models may be deployed on",
                kind: Kind::List {
                    rule: &rules::INSTANCE_TYPE,
                    len: None,
                    field: Field {
                        get: |c| c.user_profile.deployment_instance_types.clone(),
                        set: |c, v| c.user_profile.deployment_instance_types = v,
                    },
                },
            },
            Key {
                name: "job_instance_types",
                doc: "instance types training, processing, transform, tuning and AutoML jobs may use (hardened profile)",
                kind: Kind::List {
                    rule: &rules::INSTANCE_TYPE,
                    len: None,
                    field: Field {
                        get: |c| c.user_profile.job_instance_types.clone(),
                        set: |c, v| c.user_profile.job_instance_types = v,
                    },
                },
            },
            Key {
                name: "default_deployment_instance_type",
                doc: "default deployment instance type (one of deployment_instance_types)",
                kind: Kind::Text(
                    &rules::INSTANCE_TYPE,
                    Field {
                        get: |c| c.user_profile.default_deployment_instance_type.clone(),
                        set: |c, v| c.user_profile.default_deployment_instance_type = v,
                    },
                ),
            },
        ]),
    },
    Key {
        name: "validation",
        doc: "how `sds validate` (and synth and publish, which validate) treat findings",
        kind: Kind::Section(&[
            Key {
                name: "suppress",
                doc: "findings accepted on purpose: a list of {rule, template?, resource?, reason}",
                kind: Kind::Records(&SUPPRESSIONS),
            },
            Key {
                name: "severity",
                doc: "rule id -> error, warning or info, for templates other than the platform's (sds validate PATH)",
                kind: Kind::Severities,
            },
        ]),
    },
    Key {
        name: "access",
        doc: "what `sds access` (and validate, synth and publish) check beyond the platform's invariants",
        kind: Kind::Section(&[Key {
            name: "deny",
            doc: "accesses that must be impossible, directly or through roles acted as: a list of {principal, action, resource, reason?}",
            kind: Kind::Records(&DENIALS),
        }]),
    },
    Key {
        name: "teams",
        doc: "teams and their Studio users, each team and environment deployed as its own stack (teams/<name>-<env>.yaml) that launches the portfolio's products",
        kind: Kind::Teams,
    },
    Key {
        name: "bootstrap",
        doc: "what `sds bootstrap` deploys beyond the staging bucket and the roles",
        kind: Kind::Section(&[Key {
            name: "github",
            doc: "CI without long-lived keys: the publish role trusts GitHub Actions runs of one repository's branch (OIDC)",
            kind: Kind::Section(&[
                Key {
                    name: "repository",
                    doc: "the repository whose workflows may assume the publish role, owner/name",
                    kind: Kind::OptionalText(
                        &rules::GITHUB_REPOSITORY,
                        Field { get: |c| c.bootstrap.github_repository.clone(), set: |c, v| c.bootstrap.github_repository = v },
                    ),
                },
                Key {
                    name: "branch",
                    doc: "the branch whose runs may assume it, matched exactly (refs/heads/<branch>)",
                    kind: Kind::OptionalText(
                        &rules::GIT_BRANCH,
                        Field { get: |c| c.bootstrap.github_branch.clone(), set: |c, v| c.bootstrap.github_branch = v },
                    ),
                },
                Key {
                    name: "provider_arn",
                    doc: "an existing OIDC provider of token.actions.githubusercontent.com in the account (one per account); without it the bootstrap stack declares one",
                    kind: Kind::OptionalText(
                        &rules::GITHUB_PROVIDER_ARN,
                        Field {
                            get: |c| c.bootstrap.github_provider_arn.clone(),
                            set: |c, v| c.bootstrap.github_provider_arn = v,
                        },
                    ),
                },
            ]),
        }]),
    },
    Key {
        name: "profile",
        doc: "reference (the reference platform, weaknesses included) or hardened (isolation, cost guards, least privilege, data protection; recommended for production)",
        kind: Kind::Text(
            &rules::PROFILE,
            Field {
                get: |c| c.profile.label().into(),
                set: |c, v| c.profile = crate::hardened::Profile::from_label(&v).unwrap_or_default(),
            },
        ),
    },
];
