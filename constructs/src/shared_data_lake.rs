//! `SharedDataLake` → `ds_shared_data_lake.yaml`: the data lake's KMS key (with alias and an SSM
//! parameter for its ARN) and the encrypted, private data lake bucket.

use crate::admin_principals::AdminPrincipals;
use crate::cfn::value::sub;
use crate::cfn::Value;
use crate::common::{
    exported, kms_key_policy, private_kms_bucket, shared_stack_set_parameter, ssm_string, tag, with_stack_suffix,
    COMMON_ROOT_NAME,
};
use crate::construct::{Construct, Synth};
use crate::export::Export;
use crate::hardened::{self, Admits};
use crate::shared_network::SharedNetwork;
use crate::stack::Stack;
use crate::{list, map};

pub const FILE: &str = "ds_shared_data_lake.yaml";

/// The shared data lake: a KMS key and a private bucket encrypted with it. It imports the
/// administrator role and the S3 endpoint, so it is deployed after the principals and the network.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SharedDataLake {}

impl SharedDataLake {
    /// The ARN of the data lake's key.
    pub const KEY_ARN: Export = Export::new("ds-data-lake-kms-cmk-{}-arn");
    /// The data lake bucket's name.
    pub const BUCKET: Export = Export::new("ds-s3-data-lake-{}");
}

impl Construct for SharedDataLake {
    fn synth(&self, app: &mut Synth) -> Stack {
        shared_data_lake(app.hardened())
    }
}

fn shared_data_lake(hardened: bool) -> Stack {
    let mut s = Stack::new(FILE, "Shared S3 data storage to server as data lake for data science teams.");
    let set = shared_stack_set_parameter(&mut s, COMMON_ROOT_NAME, None);
    let tags = list![tag("SharedServiceStackSetName", set.r())];

    let key = s.add(
        "KMSCMK",
        "AWS::KMS::Key",
        map! {
            "Description" => "KMS key for S3 data lake bucket",
            "EnableKeyRotation" => true,
            "KeyPolicy" => if hardened {
                hardened::key_policy("key-policy-1", AdminPrincipals::ADMIN_ROLE_ARN.import(&set), None)
            } else {
                kms_key_policy(
                    "key-policy-1",
                    AdminPrincipals::ADMIN_ROLE_ARN.import(&set),
                    SharedNetwork::S3_ENDPOINT_ID.import(&set),
                )
            },
            "Tags" => tags.clone(),
        },
    );
    let set_var = format!("${{{}}}", set.name());
    s.add(
        "KMSCMKAlias",
        "AWS::KMS::Alias",
        map! { "AliasName" => sub(format!("alias/ds-s3-data-lake-kms-cmk-{set_var}")), "TargetKeyId" => key.r() },
    );
    s.add(
        "KMSCMKArn",
        "AWS::SSM::Parameter",
        ssm_string(sub(format!("ds-s3-data-lake-kms-cmk-{set_var}-arn")), key.arn(), "SageMakerExecRole ARN"),
    );
    let logs = hardened.then(|| {
        let name = with_stack_suffix(vec![Value::str("ds-data-lake-logs-")]);
        let logs = s.add("AccessLogsBucket", "AWS::S3::Bucket", hardened::log_bucket(name, tags.clone()));
        let admin = vec![AdminPrincipals::ADMIN_ROLE_ARN.import(&set)];
        let policy = hardened::bucket_policy(&logs, SharedNetwork::S3_ENDPOINT_ID.import(&set), Admits::Logs(admin));
        s.add("AccessLogsBucketPolicy", "AWS::S3::BucketPolicy", policy);
        logs
    });
    let mut props = private_kms_bucket(with_stack_suffix(vec![Value::str("ds-data-lake-")]), key.r(), tags);
    if hardened {
        hardened::protect_bucket(&mut props, logs.as_ref().map(|l| (l, "data-lake/")));
    }
    let bucket = s.add("DataLakeBucket", "AWS::S3::Bucket", props);
    if hardened {
        let policy = hardened::bucket_policy(&bucket, SharedNetwork::S3_ENDPOINT_ID.import(&set), Admits::Account);
        s.add("DataLakeBucketPolicy", "AWS::S3::BucketPolicy", policy);
        hardened::retain(&mut s, &bucket);
        hardened::retain(&mut s, &key);
    }
    s.add(
        "S3DataLakeBucketNameSSMParameter",
        "AWS::SSM::Parameter",
        ssm_string(
            sub(format!("ds-s3-data-lake-bucket-{set_var}")),
            bucket.r(),
            "Shared S3 data lake bucket name for data science teams.",
        ),
    );

    s.output(
        "DataLakeKMSCMK",
        exported(key.arn(), "KMS Key ARN for the shared data lake S3 bucket", SharedDataLake::KEY_ARN.name(&set)),
    );
    s.output(
        "DataLakeBucket",
        exported(bucket.r(), "Shared service data lake S3 bucket name", SharedDataLake::BUCKET.name(&set)),
    );
    s
}
