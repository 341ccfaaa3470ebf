//! `SharedEcr` → `ds_shared_ecr.yaml`: the KMS-encrypted, scanned ECR repository shared by all
//! data science projects.

use crate::cfn::Parameter;
use crate::common::{exported, shared_stack_set_parameter, tag, COMMON_ROOT_NAME};
use crate::construct::{Construct, Synth};
use crate::export::Export;
use crate::list;
use crate::map;
use crate::stack::Stack;

pub const FILE: &str = "ds_shared_ecr.yaml";

/// ECR's own rule for repository names.
/// See: <https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html>
pub const REPOSITORY_NAME_PATTERN: &str = "(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*";

/// The shared ECR repository. Its template takes the name from the root, which declares it as a
/// parameter defaulting to `repository_name`.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedEcr {
    /// Default `ds-shared-container-images`.
    pub repository_name: String,
}

impl Default for SharedEcr {
    fn default() -> Self {
        SharedEcr { repository_name: "ds-shared-container-images".into() }
    }
}

impl SharedEcr {
    /// The repository's name.
    pub const REPOSITORY: Export = Export::new("ds-shared-ecr-repository-{}");
}

impl Construct for SharedEcr {
    fn synth(&self, app: &mut Synth) -> Stack {
        shared_ecr(app.hardened())
    }
}

/// Untagged images expire after this many days (hardened profile).
const UNTAGGED_DAYS: u32 = 14;

fn shared_ecr(hardened: bool) -> Stack {
    let mut s = Stack::new(FILE, "Create a shared service ECR repository.");
    let set = shared_stack_set_parameter(&mut s, COMMON_ROOT_NAME, None);
    let name = s.parameter(
        "ECRRepositoryName",
        Parameter::new("String").with("AllowedPattern", REPOSITORY_NAME_PATTERN).with(
            "Description",
            "Shared ECR Repository name for data science projects, see Amazon ECR documentation for details on allow patterns for name",
        ),
    );
    let mut props = map! {
        "EncryptionConfiguration" => crate::cfn::Value::Map(map! { "EncryptionType" => "KMS" }),
        "ImageScanningConfiguration" => crate::cfn::Value::Map(map! { "ScanOnPush" => true }),
        "ImageTagMutability" => if hardened { "IMMUTABLE" } else { "MUTABLE" },
        "RepositoryName" => name.r(),
        "Tags" => list![tag("SharedServiceStackSetName", set.r())],
    };
    if hardened {
        // See: <https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_examples.html>
        let rule = format!(
            r#"{{"rules":[{{"rulePriority":1,"description":"Expire untagged images","selection":{{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":{UNTAGGED_DAYS}}},"action":{{"type":"expire"}}}}]}}"#
        );
        props.insert("LifecyclePolicy".into(), crate::cfn::Value::Map(map! { "LifecyclePolicyText" => rule }));
    }
    s.add("DSECRRepository", "AWS::ECR::Repository", props);
    s.output(
        "DSECRRepositoryName",
        exported(name.r(), "The name of the Data Science Shared ECR Repository", SharedEcr::REPOSITORY.name(&set)),
    );
    s
}
