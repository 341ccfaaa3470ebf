//! The reference design's access and policy defects, which the default platform keeps on purpose so that
//! its output stays equivalent to the reference templates: each is accepted with the reason it
//! exists and the change of `profile: hardened` that removes it (that profile accepts none).
//! `sds access` and `sds validate` list them as suppressed, never hidden.

use crate::config::Suppression;

/// The user profile templates, whichever variant the portfolio offers.
const USER_PROFILES: &[&str] = &["ds_env_studio_user_profile_v1.yaml", "ds_env_studio_user_profile_v2.yaml"];

/// Why principals reach the data lake bucket from outside the platform's network.
const NETWORK: &str = "the shared data lake bucket (ds_shared_data_lake.yaml) has no bucket policy that limits \
         requests to the platform's S3 VPC endpoint, unlike the team buckets: principals allowed S3 on \
         it reach it from anywhere. `profile: hardened` fixes it: a data lake bucket policy that admits \
         requests only through the endpoint and over TLS (hardened::bucket_policy)";

/// The admin principals' template.
const ADMIN: &[&str] = &["ds_admin_principals.yaml"];
/// The team principals' template.
const TEAM: &[&str] = &["ds_env_principals.yaml"];
/// The team's Studio template.
const STUDIO: &[&str] = &["ds_env_sagemaker_studio.yaml"];

/// (rule, templates, principal or "" for all, reason) of each accepted defect.
const DEFECTS: &[(&str, &[&str], &str, &str)] = &[
    (
        "access/team-isolation",
        TEAM,
        "DataScientistAdminRole",
        "the team key's policy delegates to the whole account and the team roles are allowed KMS use on \
         every key, and the team buckets' policies only require the platform's S3 endpoint: another \
         team's roles decrypt this team's key and read (and write) its buckets through that endpoint. \
         `profile: hardened` fixes it: key users matched by aws:PrincipalArn against the team's role \
         patterns (hardened::key_policy), bucket policies that deny other principals \
         (hardened::bucket_policy)",
    ),
    (
        "access/team-isolation",
        TEAM,
        "DataScientistRole",
        "AmazonS3ReadOnlyAccess (every bucket in the account) plus KMS use on every key, against \
         team key policies that delegate to the account: another team's data scientists read and \
         decrypt this team's data. `profile: hardened` fixes it: no account-wide S3 managed policy on \
         data scientist roles (hardened::data_scientist_managed_policies), team key and bucket \
         policies that admit the team's roles only",
    ),
    (
        "access/team-isolation",
        STUDIO,
        "DataScientistDefaultRole",
        "the Studio domain's default execution role has AmazonSageMakerFullAccess and S3 and KMS \
         actions on every resource: it reads, writes and decrypts every team's data. `profile: hardened` \
         fixes it: team key and bucket policies that admit the team's roles only, and no passing of \
         other roles (hardened::deny_passing_other_roles)",
    ),
    (
        "access/escalation",
        USER_PROFILES,
        "SageMakerExecRole",
        "the user's execution role may iam:PassRole every role that trusts sagemaker.amazonaws.com \
         (Resource *, conditioned only on the service) and create training jobs: it acts as the \
         platform administrator, the Service Catalog launch role and other teams' and users' roles. \
         `profile: hardened` fixes it: PassRole for the user's own roles only \
         (hardened::pass_own_roles, hardened::deny_passing_other_roles), administrator roles trusted \
         by the account only (hardened::trust_account)",
    ),
    (
        "access/team-isolation",
        USER_PROFILES,
        "SageMakerExecRole",
        "the user's execution role uses KMS on every key and S3 on every ds-* bucket, and through \
         PassRole acts as other teams' roles: it reaches other teams' buckets and keys. `profile: hardened` \
         fixes it: key and bucket policies that admit the team's roles only, PassRole for its own \
         roles only (hardened::pass_own_roles)",
    ),
    (
        "access/studio-user-isolation",
        TEAM,
        "DataScientistRole",
        "the team's data scientist role may call sagemaker:CreatePresignedDomainUrl on every user \
         profile, other teams' included. `profile: hardened` fixes it: Studio actions removed from the \
         team role; a per-user StudioUserRole allowed only its own profile's ARN and studiouserid tag \
         (hardened::studio_user_statements)",
    ),
    (
        "access/studio-user-isolation",
        USER_PROFILES,
        "SageMakerExecRole",
        "the user's execution role opens other users' Studio profiles through the roles it can pass \
         (it acts as their execution roles and as the team roles). `profile: hardened` fixes it: \
         PassRole for its own roles only, presigned URLs for its own profile only \
         (hardened::studio_user_statements)",
    ),
    (
        "sec/iam-condition-key-not-applicable",
        USER_PROFILES,
        "SageMakerExecPolicy1",
        "the execution policy's job and endpoint-configuration statements require \
         sagemaker:VolumeKmsKey and sagemaker:OutputKmsKey (Null: false), deprecated keys that no \
         SageMaker action carries (the Service Authorization Reference lists VolumeKmsKeyArn and \
         OutputKmsKeyArn): those statements never apply, so the encryption they were meant to \
         require is not required of anything the role may create through its other statements and \
         managed policies. `profile: hardened` fixes it: the keys by their current names \
         (user_profile_hardened)",
    ),
    ("access/network-path", ADMIN, "", NETWORK),
    ("access/network-path", TEAM, "", NETWORK),
    ("access/network-path", STUDIO, "", NETWORK),
    ("access/network-path", USER_PROFILES, "", NETWORK),
];

/// The reference design's accepted access defects, as suppressions.
pub fn reference() -> Vec<Suppression> {
    let mut out = Vec::new();
    for &(rule, templates, resource, reason) in DEFECTS {
        for template in templates {
            out.push(Suppression {
                rule: rule.to_string(),
                template: Some(template.to_string()),
                resource: (!resource.is_empty()).then(|| resource.to_string()),
                reason: format!("reference design: {}", reason.split_whitespace().collect::<Vec<_>>().join(" ")),
                origin: Some("the reference platform's accepted defects (sds_constructs::known_defects)".into()),
            });
        }
    }
    out
}
