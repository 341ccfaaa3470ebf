//! `TeamEnvironment`'s backing store → `ds_env_backing_store.yaml`: the team's KMS key, its data
//! and model buckets (encrypted, private, reachable only through the S3 endpoint), the team's
//! CodeCommit repository seeded from the `project_template.zip` asset, and SSM parameters.

use crate::admin_principals::AdminPrincipals;
use crate::assets::{PROJECT_TEMPLATE, STAGING_BUCKET, STAGING_PATH};
use crate::cfn::value::sub;
use crate::cfn::Value;
use crate::common::{
    endpoint_only_bucket_policy, exported, kms_key_policy, private_kms_bucket, shared_stack_set_parameter, ssm_string,
    team_tags, COMMON_ROOT_NAME,
};
use crate::construct::{Construct, Synth};
use crate::export::TeamExport;
use crate::hardened::{self, Admits};
use crate::map;
use crate::names::{self, Params};
use crate::shared_network::SharedNetwork;
use crate::stack::Stack;
use crate::team_environment::{env_parameter, team_parameter, TEAM_DESCRIPTION, TEAM_PATTERN};
use crate::team_principals::TeamPrincipals;

pub const FILE: &str = "ds_env_backing_store.yaml";

/// A team's backing store (nested in the team environment): its KMS key, data and model buckets
/// reachable only through the S3 endpoint, and its CodeCommit repository.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TeamBackingStore {}

impl TeamBackingStore {
    pub const KEY_ARN: TeamExport = TeamExport::new("ds-kms-cmk-{team}-{env}-arn");
    pub const DATA_BUCKET: TeamExport = TeamExport::new("ds-s3-data-{team}-{env}");
    pub const MODEL_BUCKET: TeamExport = TeamExport::new("ds-s3-models-{team}-{env}");
    pub const REPOSITORY_URL: TeamExport = TeamExport::new("ds-source-{team}-{env}-url");
}

impl Construct for TeamBackingStore {
    fn synth(&self, app: &mut Synth) -> Stack {
        team_backing_store(app.hardened())
    }
}

fn team_backing_store(hardened: bool) -> Stack {
    let mut s = Stack::new(FILE, "Data Science Environment S3 data storage");
    let set = shared_stack_set_parameter(&mut s, COMMON_ROOT_NAME, None);
    let pattern = if hardened { hardened::TEAM_PATTERN } else { TEAM_PATTERN };
    let team = team_parameter(&mut s, TEAM_DESCRIPTION, pattern);
    let env = env_parameter(&mut s, "System Environment", None);
    let (t, e) = (format!("${{{}}}", team.name()), format!("${{{}}}", env.name()));
    let tags = team_tags(&team, &env);
    let s3_endpoint = SharedNetwork::S3_ENDPOINT_ID.import(&set);
    let team_admin = TeamPrincipals::ADMIN_ROLE_ARN.import(&team, &env);
    // Hardened: the team's roles, and the platform's administrator.
    let mut team_roles = hardened::team_role_patterns(&team, &env);
    team_roles.push(AdminPrincipals::ADMIN_ROLE_ARN.import(&set));
    let key_policy = if hardened {
        hardened::key_policy("key-policy-1", team_admin, Some(team_roles.clone()))
    } else {
        kms_key_policy("key-policy-1", team_admin, s3_endpoint.clone())
    };

    let key = s.add(
        "KMSCMK",
        "AWS::KMS::Key",
        map! {
            "Description" => "KMS key for S3 buckets",
            "EnableKeyRotation" => true,
            "KeyPolicy" => key_policy,
            "Tags" => tags.clone(),
        },
    );
    s.add(
        "KMSCMKAlias",
        "AWS::KMS::Alias",
        map! { "AliasName" => sub(format!("alias/ds-s3-kms-cmk-{t}-{e}")), "TargetKeyId" => key.r() },
    );
    s.add(
        "KMSCMKArn",
        "AWS::SSM::Parameter",
        ssm_string(sub(format!("ds-kms-cmk-{t}-{e}-arn")), key.arn(), "SageMakerExecRole ARN"),
    );

    let names = Params { team: &team, env: &env, user: None };
    let logs = hardened.then(|| {
        let logs = s.add(
            "AccessLogsBucket",
            "AWS::S3::Bucket",
            hardened::log_bucket(names::LOGS_BUCKET.template(names), tags.clone()),
        );
        let policy = hardened::bucket_policy(&logs, s3_endpoint.clone(), Admits::Logs(team_roles.clone()));
        s.add("AccessLogsBucketPolicy", "AWS::S3::BucketPolicy", policy);
        logs
    });
    let bucket = |s: &mut Stack, id: &str, name: Value, log_prefix: &str| {
        let mut props = private_kms_bucket(name, key.r(), tags.clone());
        if hardened {
            hardened::protect_bucket(&mut props, logs.as_ref().map(|l| (l, log_prefix)));
        }
        let b = s.add(id, "AWS::S3::Bucket", props);
        let policy = if hardened {
            hardened::bucket_policy(&b, s3_endpoint.clone(), Admits::Only(team_roles.clone()))
        } else {
            endpoint_only_bucket_policy(&b, s3_endpoint.clone())
        };
        s.add(&format!("{id}Policy"), "AWS::S3::BucketPolicy", policy);
        if hardened {
            hardened::retain(s, &b);
        }
        b
    };
    let data = bucket(&mut s, "DataBucket", names::DATA_BUCKET.template(names), "data/");
    let models = bucket(&mut s, "ModelArtifactsBucket", names::MODEL_BUCKET.template(names), "models/");
    if hardened {
        hardened::retain(&mut s, &key);
    }

    // The seed code is uploaded by publishing; the placeholders name where.
    let seed = map! {
        "Bucket" => STAGING_BUCKET,
        "Key" => format!("{STAGING_PATH}/{}", PROJECT_TEMPLATE.zip_name),
    };
    let repo = s.add(
        "CodeCommitRepo",
        "AWS::CodeCommit::Repository",
        map! {
            "RepositoryName" => names::REPOSITORY.template(names),
            "RepositoryDescription" => "Data science project code repository",
            "Code" => Value::Map(map! { "S3" => Value::Map(seed) }),
            "Tags" => tags,
        },
    );
    let description = "Data Science S3 data bucket name for the project";
    s.add(
        "S3DataBucketNameSSMParameter",
        "AWS::SSM::Parameter",
        ssm_string(sub(format!("ds-s3-data-bucket-{t}-{e}")), data.r(), description),
    );
    s.add(
        "S3ModelBucketNameSSMParameter",
        "AWS::SSM::Parameter",
        ssm_string(sub(format!("ds-s3-model-artifact-bucket-{t}-{e}")), models.r(), description),
    );

    s.output(
        "KMSCMK",
        exported(key.arn(), "KMS Key ARN for the data and model buckets", TeamBackingStore::KEY_ARN.name(&team, &env)),
    );
    s.output("DataBucket", exported(data.r(), "Data bucket name", TeamBackingStore::DATA_BUCKET.name(&team, &env)));
    s.output(
        "ModelArtifactsBucket",
        exported(models.r(), "Model artifacts bucket", TeamBackingStore::MODEL_BUCKET.name(&team, &env)),
    );
    s.output(
        "CodeCommitUrl",
        exported(
            repo.att("CloneUrlHttp"),
            "Code Commit Repository",
            TeamBackingStore::REPOSITORY_URL.name(&team, &env),
        ),
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_buckets_are_encrypted_private_and_endpoint_only() {
        let t = team_backing_store(false).finish().unwrap().1;
        for (bucket, policy) in
            [("DataBucket", "DataBucketPolicy"), ("ModelArtifactsBucket", "ModelArtifactsBucketPolicy")]
        {
            let p = &t.resources[bucket].properties;
            assert!(p.contains_key("BucketEncryption") && p.contains_key("PublicAccessBlockConfiguration"));
            let doc = crate::cfn::yaml::inline(&t.resources[policy].properties["PolicyDocument"]);
            assert!(doc.contains("Effect: Deny") && doc.contains("aws:SourceVpce"), "{doc}");
        }
    }
}
