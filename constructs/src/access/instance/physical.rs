//! The physical id and ARN each resource type gets in an instance: its name property where it has
//! one, else a name shaped like CloudFormation's generated ones, unique to the instance.

use super::{service, token, Resolver, ACCOUNT, REGION};
use crate::cfn::Map;

/// The physical id and ARN a resource gets: from its name property where it has one, else a
/// token. Needs the other resources' names already resolved only for names built from them.
pub(super) fn physical(r: &Resolver, id: &str, type_: &str, props: &Map) -> (String, String) {
    let named = |key: &str| props.get(key).map(|v| r.text(v)).filter(|s| !s.is_empty());
    let t = token(&[r.instance, id]);
    // Made only where a name is missing.
    let generated = || format!("{}-{id}-{t}", r.instance.replace('/', "-")).to_ascii_lowercase();
    match type_ {
        "AWS::S3::Bucket" => {
            let name = named("BucketName").unwrap_or_else(generated);
            (name.clone(), format!("arn:aws:s3:::{name}"))
        }
        "AWS::IAM::Role" => {
            let name = named("RoleName").unwrap_or_else(generated);
            let path = named("Path").unwrap_or_else(|| "/".into());
            (name.clone(), format!("arn:aws:iam::{ACCOUNT}:role{path}{name}"))
        }
        "AWS::IAM::ManagedPolicy" => {
            let name = named("ManagedPolicyName").unwrap_or_else(generated);
            let arn = format!("arn:aws:iam::{ACCOUNT}:policy/{name}");
            (arn.clone(), arn)
        }
        "AWS::KMS::Key" => {
            let key = format!("{}-0000-0000-0000-{t}", &t[..8]);
            (key.clone(), format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{key}"))
        }
        "AWS::KMS::Alias" => {
            let name = named("AliasName").unwrap_or_else(generated);
            (name.clone(), format!("arn:aws:kms:{REGION}:{ACCOUNT}:{name}"))
        }
        "AWS::EC2::VPCEndpoint" => {
            (format!("vpce-{t}"), format!("arn:aws:ec2:{REGION}:{ACCOUNT}:vpc-endpoint/vpce-{t}"))
        }
        "AWS::EC2::VPC" => (format!("vpc-{t}"), format!("arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/vpc-{t}")),
        "AWS::EC2::Subnet" => (format!("subnet-{t}"), format!("arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/subnet-{t}")),
        "AWS::EC2::SecurityGroup" => {
            (format!("sg-{t}"), format!("arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/sg-{t}"))
        }
        "AWS::SageMaker::Domain" => {
            let domain = format!("d-{t}");
            (domain.clone(), format!("arn:aws:sagemaker:{REGION}:{ACCOUNT}:domain/{domain}"))
        }
        "AWS::SageMaker::UserProfile" => {
            let domain = named("DomainId").unwrap_or_else(|| "d-unknown".into());
            let name = named("UserProfileName").unwrap_or_else(generated);
            let arn = format!("arn:aws:sagemaker:{REGION}:{ACCOUNT}:user-profile/{domain}/{name}");
            (arn.clone(), arn)
        }
        "AWS::ECR::Repository" => {
            let name = named("RepositoryName").unwrap_or_else(generated);
            (name.clone(), format!("arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{name}"))
        }
        "AWS::CodeCommit::Repository" => {
            let name = named("RepositoryName").unwrap_or_else(generated);
            (name.clone(), format!("arn:aws:codecommit:{REGION}:{ACCOUNT}:{name}"))
        }
        "AWS::Lambda::Function" => {
            let name = named("FunctionName").unwrap_or_else(generated);
            (name.clone(), format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"))
        }
        "AWS::SSM::Parameter" => {
            let name = named("Name").unwrap_or_else(generated);
            (name.clone(), format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{}", name.trim_start_matches('/')))
        }
        _ => {
            let kind = type_.rsplit("::").next().unwrap_or("resource").to_ascii_lowercase();
            let generated = generated();
            (generated.clone(), format!("arn:aws:{}:{REGION}:{ACCOUNT}:{kind}/{generated}", service(type_)))
        }
    }
}
