//! `SharedDataLake` → `ds_shared_data_lake.yaml`: the data lake's KMS key (with alias and an SSM
//! parameter for its ARN) and the encrypted, private data lake bucket.

use crate::cfn::value::sub;
use crate::cfn::Value;
use crate::common::{
    exported, kms_key_policy, private_kms_bucket, shared_stack_set_parameter, ssm_string, tag, with_stack_suffix,
    COMMON_ROOT_NAME,
};
use crate::stack::Stack;
use crate::{list, map, names};

pub const FILE: &str = "ds_shared_data_lake.yaml";

/// Builds `ds_shared_data_lake.yaml`. Imports the administrator role and the S3 endpoint, so it
/// is deployed after the principals and the network.
pub fn shared_data_lake() -> Stack {
    let mut s = Stack::new(FILE, "Shared S3 data storage to server as data lake for data science teams.");
    let set = shared_stack_set_parameter(&mut s, COMMON_ROOT_NAME, None);
    let tags = list![tag("SharedServiceStackSetName", set.r())];

    let key = s.add(
        "KMSCMK",
        "AWS::KMS::Key",
        map! {
            "Description" => "KMS key for S3 data lake bucket",
            "EnableKeyRotation" => true,
            "KeyPolicy" => kms_key_policy(
                "key-policy-1",
                names::import(names::admin_role_arn(&set)),
                names::import(names::s3_endpoint_id(&set)),
            ),
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
    let bucket = s.add(
        "DataLakeBucket",
        "AWS::S3::Bucket",
        private_kms_bucket(with_stack_suffix(vec![Value::str("ds-data-lake-")]), key.r(), tags),
    );
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
        exported(key.arn(), "KMS Key ARN for the shared data lake S3 bucket", names::data_lake_key_arn(&set)),
    );
    s.output(
        "DataLakeBucket",
        exported(bucket.r(), "Shared service data lake S3 bucket name", names::data_lake_bucket(&set)),
    );
    s
}
