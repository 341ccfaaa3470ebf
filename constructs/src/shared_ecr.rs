//! `SharedEcr` → `ds_shared_ecr.yaml`: the KMS-encrypted, scanned ECR repository shared by all
//! data science projects.

use crate::cfn::Parameter;
use crate::common::{exported, shared_stack_set_parameter, tag, COMMON_ROOT_NAME};
use crate::stack::Stack;
use crate::{list, map, names};

pub const FILE: &str = "ds_shared_ecr.yaml";

/// ECR's own rule for repository names.
/// See: https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html
pub const REPOSITORY_NAME_PATTERN: &str = "(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*";

/// Builds `ds_shared_ecr.yaml`. The repository name comes from the root stack.
pub fn shared_ecr() -> Stack {
    let mut s = Stack::new(FILE, "Create a shared service ECR repository.");
    let set = shared_stack_set_parameter(&mut s, COMMON_ROOT_NAME, None);
    let name = s.parameter(
        "ECRRepositoryName",
        Parameter::new("String").with("AllowedPattern", REPOSITORY_NAME_PATTERN).with(
            "Description",
            "Shared ECR Repository name for data science projects, see Amazon ECR documentation for details on allow patterns for name",
        ),
    );
    s.add(
        "DSECRRepository",
        "AWS::ECR::Repository",
        map! {
            "EncryptionConfiguration" => crate::cfn::Value::Map(map! { "EncryptionType" => "KMS" }),
            "ImageScanningConfiguration" => crate::cfn::Value::Map(map! { "ScanOnPush" => true }),
            "ImageTagMutability" => "MUTABLE",
            "RepositoryName" => name.r(),
            "Tags" => list![tag("SharedServiceStackSetName", set.r())],
        },
    );
    s.output(
        "DSECRRepositoryName",
        exported(name.r(), "The name of the Data Science Shared ECR Repository", names::ecr_repository(&set)),
    );
    s
}
