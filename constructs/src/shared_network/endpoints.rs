//! `SharedNetwork`'s interface endpoints: what one is, the reference's 14, and the properties each
//! gets (every private subnet, behind the endpoint security group).

use crate::cfn::value::sub;
use crate::cfn::{Map, Value};
use crate::common::{policy_document, Statement};
use crate::list;
use crate::map;
use crate::stack::ResRef;

/// Read access to CodeArtifact, for its endpoints.
const CODE_ARTIFACT_READ: &[&str] =
    &["codeartifact:Describe*", "codeartifact:Get*", "codeartifact:List*", "codeartifact:ReadFromRepository"];

/// How an interface endpoint's policy reads.
#[derive(Debug, Clone, PartialEq)]
pub enum EndpointPolicy {
    /// No policy: the service's default (full access).
    None,
    /// An explicit allow-everything policy.
    AllowAll,
    Custom(Value),
}

/// An interface endpoint, in every private subnet, behind the endpoint security group.
#[derive(Debug, Clone, PartialEq)]
pub struct InterfaceEndpoint {
    /// Logical id.
    pub id: String,
    /// The service's name after `com.amazonaws.<region>.` (`sns`), or a full `Fn::Sub` pattern.
    pub service: String,
    pub policy: EndpointPolicy,
    pub private_dns: bool,
}

impl InterfaceEndpoint {
    /// An endpoint for `service` with private DNS and the service's default policy.
    pub fn new(id: &str, service: &str) -> InterfaceEndpoint {
        InterfaceEndpoint { id: id.into(), service: service.into(), policy: EndpointPolicy::None, private_dns: true }
    }
}

pub(super) fn reference_interface_endpoints() -> Vec<InterfaceEndpoint> {
    let code_artifact_read = Statement::allow().anyone().actions(CODE_ARTIFACT_READ).any_resource().build();
    let bearer_token = Statement::allow()
        .anyone()
        .action("sts:GetServiceBearerToken")
        .any_resource()
        .condition_on("StringEquals", "sts:AWSServiceName", "codeartifact.amazonaws.com")
        .build();
    vec![
        InterfaceEndpoint {
            id: "VPCEndpointSSM".into(),
            service: "ssm".into(),
            policy: EndpointPolicy::None,
            private_dns: true,
        },
        InterfaceEndpoint {
            id: "VPCEndpointCW".into(),
            service: "monitoring".into(),
            policy: EndpointPolicy::AllowAll,
            private_dns: true,
        },
        InterfaceEndpoint {
            id: "VPCEndpointCWL".into(),
            service: "logs".into(),
            policy: EndpointPolicy::AllowAll,
            private_dns: true,
        },
        InterfaceEndpoint {
            id: "VPCEndpointSagemakerAPI".into(),
            service: "sagemaker.api".into(),
            policy: EndpointPolicy::AllowAll,
            private_dns: true,
        },
        InterfaceEndpoint {
            id: "VPCEndpointSageMakerRuntime".into(),
            service: "sagemaker.runtime".into(),
            policy: EndpointPolicy::AllowAll,
            private_dns: true,
        },
        // Studio's notebook endpoint has its own naming scheme.
        // See: https://docs.aws.amazon.com/sagemaker/latest/dg/studio-interface-endpoint.html
        InterfaceEndpoint {
            id: "VPCEndpointSageMakerNotebook".into(),
            service: "aws.sagemaker.${AWS::Region}.notebook".into(),
            policy: EndpointPolicy::AllowAll,
            private_dns: true,
        },
        InterfaceEndpoint {
            id: "VPCEndpointSTS".into(),
            service: "sts".into(),
            policy: EndpointPolicy::AllowAll,
            private_dns: true,
        },
        InterfaceEndpoint {
            id: "VPCEndpointCodeCommit".into(),
            service: "git-codecommit".into(),
            policy: EndpointPolicy::AllowAll,
            private_dns: true,
        },
        InterfaceEndpoint {
            id: "VPCEndpointCodeCommitAPI".into(),
            service: "codecommit".into(),
            policy: EndpointPolicy::AllowAll,
            private_dns: true,
        },
        // Private DNS stays off for the CodeArtifact API endpoint; clients use its DNS name (SSM below).
        InterfaceEndpoint {
            id: "VPCEndpointCodeArtifactApi".into(),
            service: "codeartifact.api".into(),
            policy: EndpointPolicy::Custom(policy_document(vec![code_artifact_read.clone(), bearer_token])),
            private_dns: false,
        },
        InterfaceEndpoint {
            id: "VPCEndpointCodeArtifactRepository".into(),
            service: "codeartifact.repositories".into(),
            policy: EndpointPolicy::Custom(policy_document(vec![code_artifact_read])),
            private_dns: true,
        },
        InterfaceEndpoint {
            id: "VPCEndpointECR".into(),
            service: "ecr.dkr".into(),
            policy: EndpointPolicy::AllowAll,
            private_dns: true,
        },
        InterfaceEndpoint {
            id: "VPCEndpointECRAPI".into(),
            service: "ecr.api".into(),
            policy: EndpointPolicy::AllowAll,
            private_dns: true,
        },
        InterfaceEndpoint {
            id: "VPCEndpointKMS".into(),
            service: "kms".into(),
            policy: EndpointPolicy::AllowAll,
            private_dns: true,
        },
    ]
}

/// Properties of an interface endpoint in every private subnet, behind the endpoint security group.
pub(super) fn interface_endpoint(e: &InterfaceEndpoint, vpc: &ResRef, subnets: &[ResRef], sg: &ResRef) -> Map {
    let mut m = Map::new();
    match &e.policy {
        EndpointPolicy::None => {}
        EndpointPolicy::AllowAll => {
            let allow_all = Statement::allow().anyone().action("*").any_resource().build();
            m.insert("PolicyDocument".into(), policy_document(vec![allow_all]));
        }
        EndpointPolicy::Custom(p) => {
            m.insert("PolicyDocument".into(), p.clone());
        }
    }
    let service = if e.service.contains("${") {
        e.service.clone()
    } else {
        format!("com.amazonaws.${{AWS::Region}}.{}", e.service)
    };
    m.extend(map! {
        "VpcEndpointType" => "Interface",
        "PrivateDnsEnabled" => e.private_dns,
        "SubnetIds" => Value::List(subnets.iter().map(ResRef::r).collect()),
        "SecurityGroupIds" => list![sg.r()],
        "ServiceName" => sub(service),
        "VpcId" => vpc.r(),
    });
    m
}
