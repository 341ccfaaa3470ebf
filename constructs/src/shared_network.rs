//! `SharedNetwork` → `ds_shared_sagemaker_network.yaml`: the VPC that SageMaker Studio and the
//! teams' jobs run in. Three private subnets, one route table, no internet or NAT gateway; every
//! AWS service is reached through VPC endpoints (one S3 gateway endpoint, 14 interface endpoints);
//! security groups for endpoints, SageMaker and user profiles; SSM parameters and exports that
//! publish the ids.

use crate::cfn::value::{ref_, sub, Intrinsic};
use crate::cfn::{Map, Parameter, Value};
use crate::common::{exported, shared_stack_set_parameter, ssm_string, tag};
use crate::construct::{Construct, Synth};
use crate::export::Export;
use crate::stack::{ParamRef, ResRef, Stack};
use crate::{list, map};

mod endpoints;

use endpoints::{interface_endpoint, reference_interface_endpoints};
pub use endpoints::{EndpointPolicy, InterfaceEndpoint};

pub const FILE: &str = "ds_shared_sagemaker_network.yaml";

/// The VPC and subnet ranges: the configuration's `network` section (parameter defaults of the
/// root and of the network template).
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkProps {
    /// Default `10.2.0.0/16`.
    pub vpc_cidr: String,
    /// Subnets A, B and C, one per availability zone. Default `10.2.1.0/24`, `10.2.2.0/24`, `10.2.3.0/24`.
    pub subnet_cidrs: [String; 3],
}

impl Default for NetworkProps {
    fn default() -> Self {
        NetworkProps {
            vpc_cidr: "10.2.0.0/16".into(),
            subnet_cidrs: ["10.2.1.0/24".into(), "10.2.2.0/24".into(), "10.2.3.0/24".into()],
        }
    }
}

/// The subnets: logical-id letter, zone letter, and the word the outputs use.
const SUBNETS: [(&str, &str, &str); 3] = [("A", "a", "first"), ("B", "b", "second"), ("C", "c", "third")];

/// Parameter name of the CIDR of the VPC (`None`) or of subnet `n` (1-based).
pub fn cidr_parameter_name(subnet: Option<usize>) -> String {
    match subnet {
        None => "SageMakerStudioVpcCIDR".into(),
        Some(n) => format!("SageMakerStudioSubnet{n}CIDR"),
    }
}

/// Description of those parameters.
pub fn cidr_description(subnet: Option<usize>) -> String {
    match subnet {
        None => "CIDR range for SageMaker Studio VPC".into(),
        Some(n) => format!("CIDR range for SageMaker Studio Subnet {}", SUBNETS[n - 1].0),
    }
}

/// CodeArtifact keeps package assets in one S3 bucket per region; the S3 endpoint must admit it.
/// See: <https://docs.aws.amazon.com/codeartifact/latest/ug/create-s3-gateway-endpoint.html>
const CODE_ARTIFACT_ASSET_BUCKETS: &[(&str, &str)] = &[
    ("us-east-1", "arn:aws:s3:::assets-193858265520-us-east-1"),
    ("us-east-2", "arn:aws:s3:::assets-250872398865-us-east-2"),
    ("us-west-2", "arn:aws:s3:::assets-787052242323-us-west-2"),
    ("eu-west-1", "arn:aws:s3:::assets-438097961670-eu-west-1"),
    ("eu-west-2", "arn:aws:s3:::assets-247805302724-eu-west-2"),
    ("eu-west-3", "arn:aws:s3:::assets-762466490029-eu-west-3"),
    ("eu-north-1", "arn:aws:s3:::assets-611884512288-eu-north-1"),
    ("eu-south-1", "arn:aws:s3:::assets-484130244270-eu-south-1"),
    ("eu-central-1", "arn:aws:s3:::assets-769407342218-eu-central-1"),
    ("ap-northeast-1", "arn:aws:s3:::assets-660291247815-ap-northeast-1"),
    ("ap-southeast-1", "arn:aws:s3:::assets-421485864821-ap-southeast-1"),
    ("ap-southeast-2", "arn:aws:s3:::assets-860415559748-ap-southeast-2"),
    ("ap-south-1", "arn:aws:s3:::assets-681137435769-ap-south-1"),
];

/// The S3 gateway endpoint's policy, as JSON text for `Fn::Sub`: team and data lake buckets,
/// CodeArtifact's asset bucket and ECR's layer bucket. Kept as the hand-written text (its
/// spacing included) so that the template stays equal to the reference.
const S3_ENDPOINT_POLICY: &str = r#"{
  "Version":"2012-10-17",
  "Statement":[{
    "Effect":"Allow",
    "Principal": "*",
    "Action":[
      "s3:GetObject",
      "s3:PutObject",
      "s3:ListBucket"
    ],
    "Resource":[
      "arn:aws:s3:::ds-model-bucket-*",
      "arn:aws:s3:::ds-data-bucket-*",
      "arn:aws:s3:::ds-model-bucket-*/*",
      "arn:aws:s3:::ds-data-bucket-*/*",
      "arn:aws:s3:::*ds-data-lake*",
      "arn:aws:s3:::*ds-data-lake*/*"
      ]
  },
  {
    "Sid": "S3PolicyForCodeArtifact",
    "Principal": "*",
    "Action": [
        "s3:GetObject"
      ],
    "Effect": "Allow",
    "Resource": ["${CODE_ARTIFACT_ASSET_S3_BUCKET}/*"]
  },
  {
    "Sid": "S3AccessToEcrSpecificBucket",
    "Principal": "*",
    "Action": [
      "s3:GetObject"
    ],
    "Effect": "Allow",
    "Resource": ["arn:aws:s3:::prod-${AWS::Region}-starport-layer-bucket/*"]
  }
  ]
}
"#;

/// The shared VPC: three private subnets, one route table with local routes only, no internet or
/// NAT gateway, an S3 gateway endpoint and the interface endpoints listed here.
///
/// ```
/// use sds_constructs::construct::Synth;
/// use sds_constructs::shared_network::{InterfaceEndpoint, SharedNetwork};
///
/// let mut network = SharedNetwork::default();
/// network.interface_endpoints.push(InterfaceEndpoint::new("VPCEndpointSNS", "sns"));
/// let mut app = Synth::new("DSSharedServices");
/// app.add(&network);
/// let app = app.finish().unwrap();
/// let t = app.get("ds_shared_sagemaker_network.yaml").unwrap();
/// assert_eq!(t.resources["VPCEndpointSNS"].type_, "AWS::EC2::VPCEndpoint");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SharedNetwork {
    /// Default `10.2.0.0/16`.
    pub vpc_cidr: String,
    /// Subnets A, B and C, one per availability zone. Default `10.2.1.0/24`, `10.2.2.0/24`, `10.2.3.0/24`.
    pub subnet_cidrs: [String; 3],
    /// Default: the reference's 14 (SSM, CloudWatch, logs, SageMaker API, runtime and notebook,
    /// STS, CodeCommit git and API, CodeArtifact API and repositories, ECR, ECR API, KMS).
    pub interface_endpoints: Vec<InterfaceEndpoint>,
}

impl Default for SharedNetwork {
    fn default() -> Self {
        let ranges = NetworkProps::default();
        SharedNetwork {
            vpc_cidr: ranges.vpc_cidr,
            subnet_cidrs: ranges.subnet_cidrs,
            interface_endpoints: reference_interface_endpoints(),
        }
    }
}

impl SharedNetwork {
    pub const VPC: Export = Export::new("ds-vpc-{}");
    /// Subnets 1, 2 and 3.
    pub const SUBNETS: [Export; 3] =
        [Export::new("ds-subnet1-{}"), Export::new("ds-subnet2-{}"), Export::new("ds-subnet3-{}")];
    pub const SAGEMAKER_SECURITY_GROUP: Export = Export::new("ds-sagemaker-vpc-sg-{}");
    pub const USER_PROFILE_SECURITY_GROUP: Export = Export::new("ds-userprofile-sg-{}");
    pub const S3_ENDPOINT_ID: Export = Export::new("ds-s3-endpoint-{}-id");
    pub const CODE_ARTIFACT_API_DNS: Export = Export::new("ds-codeartifact-api-endpoint-{}-dns");
    pub const CODE_ARTIFACT_REPOSITORY_DNS: Export = Export::new("ds-codeartifact-repository-endpoint-{}-dns");
}

impl Construct for SharedNetwork {
    fn synth(&self, app: &mut Synth) -> Stack {
        shared_network(self, app.hardened())
    }
}

fn shared_network(props: &SharedNetwork, app_hardened: bool) -> Stack {
    let mut s =
        Stack::new(FILE, "Create a secure VPC designed to host SageMaker Studio and data science project teams.");
    let set = shared_stack_set_parameter(&mut s, "The data science shared services stack set name", None);
    let vpc_cidr = s.parameter(
        &cidr_parameter_name(None),
        Parameter::new("String").with("Default", props.vpc_cidr.as_str()).with("Description", cidr_description(None)),
    );
    let subnet_cidrs: Vec<ParamRef> = (1..=3)
        .map(|n| {
            let p = Parameter::new("String")
                .with("Default", props.subnet_cidrs[n - 1].as_str())
                .with("Description", cidr_description(Some(n)));
            s.parameter(&cidr_parameter_name(Some(n)), p)
        })
        .collect();
    let var = format!("${{{}}}", set.name());
    let name_tag = |pattern: &str| list![tag("Name", sub(pattern.replace("{}", &var)))];
    let ssm_name = |pattern: &str| sub(pattern.replace("{}", &var));

    // VPC and subnets
    let vpc = s.add(
        "SageMakerVPC",
        "AWS::EC2::VPC",
        map! {
            "CidrBlock" => vpc_cidr.r(),
            "InstanceTenancy" => "default",
            "EnableDnsSupport" => true,
            "EnableDnsHostnames" => true,
            "Tags" => name_tag("ds-vpc-{}"),
        },
    );
    s.add("SageMakerVPCId", "AWS::SSM::Parameter", ssm_string(ssm_name("ds-vpc-{}-id"), vpc.r(), "SageMaker VPC ID"));
    let mut subnets = Vec::new();
    for ((letter, zone, _), cidr) in SUBNETS.iter().zip(&subnet_cidrs) {
        let subnet = s.add(
            &format!("PrivateSubnet{letter}"),
            "AWS::EC2::Subnet",
            map! {
                "VpcId" => vpc.r(),
                "CidrBlock" => cidr.r(),
                "AvailabilityZone" => sub(format!("${{AWS::Region}}{zone}")),
                "Tags" => name_tag(&format!("ds-subnet-{zone}-{{}}")),
            },
        );
        // The reference describes subnet C's parameter as "Subnet-B" too; kept for parity.
        let described = if *letter == "C" { "B" } else { letter };
        s.add(
            &format!("PrivateSubnet{letter}Id"),
            "AWS::SSM::Parameter",
            ssm_string(
                ssm_name(&format!("ds-subnet-{zone}-{{}}-id")),
                subnet.r(),
                &format!("Private Subnet-{described} ID"),
            ),
        );
        subnets.push(subnet);
    }

    // Route table: local routes only, no route to the internet.
    let route_table = s.add(
        "PrivateRouteTable",
        "AWS::EC2::RouteTable",
        map! { "VpcId" => vpc.r(), "Tags" => name_tag("ds-vpc-rt-{}") },
    );
    for (i, subnet) in subnets.iter().enumerate() {
        s.add(
            &format!("PrivateSubnetRouteTableAssociation{}", i + 1),
            "AWS::EC2::SubnetRouteTableAssociation",
            map! { "RouteTableId" => route_table.r(), "SubnetId" => subnet.r() },
        );
    }

    // Security groups
    let sagemaker_sg_id = ResRef::later("SageMakerSecurityGroup").att("GroupId");
    let ingress_from_sagemaker = |port: i64| {
        let mut rule = map! {
            "IpProtocol" => "tcp",
            "FromPort" => port,
            "ToPort" => port,
            "SourceSecurityGroupId" => sagemaker_sg_id.clone(),
        };
        if app_hardened {
            rule.insert("Description".into(), Value::str(format!("port {port} from SageMaker's security group")));
        }
        list![Value::Map(rule)]
    };
    let endpoint_sg = s.add(
        "VPCEndpointSecurityGroup",
        "AWS::EC2::SecurityGroup",
        map! {
            "GroupDescription" => "Allow TLS for VPC Endpoint",
            "VpcId" => vpc.r(),
            "SecurityGroupIngress" => ingress_from_sagemaker(443),
            "Tags" => name_tag("ds-vpc-https-ingress-sg-{}"),
        },
    );
    let sagemaker_sg = s.add(
        "SageMakerSecurityGroup",
        "AWS::EC2::SecurityGroup",
        map! {
            "GroupDescription" => "Security Group for SageMaker Studio Notebook, Training Job and Hosting Endpoint",
            "VpcId" => vpc.r(),
            "Tags" => name_tag("ds-sagemaker-vpc-sg-{}"),
        },
    );
    s.add(
        "SageMakerSecurityGroupId",
        "AWS::SSM::Parameter",
        ssm_string(ssm_name("ds-sagemaker-vpc-sg-{}-id"), sagemaker_sg.att("GroupId"), "SageMaker Security Group ID"),
    );
    s.add(
        "SharedServicesVPCEndpointSecurityGroup",
        "AWS::EC2::SecurityGroup",
        map! {
            "GroupDescription" => "Allow HTTP for VPC Endpoint",
            "VpcId" => vpc.r(),
            "SecurityGroupIngress" => ingress_from_sagemaker(80),
            "Tags" => name_tag("ds-vpc-http-ingress-sg-{}"),
        },
    );
    let profile_sg = s.add(
        "UserProfileSecurityGroup",
        "AWS::EC2::SecurityGroup",
        map! {
            "GroupDescription" => "Security Group for SageMaker Studio User Profile.",
            "VpcId" => vpc.r(),
            "Tags" => name_tag("ds-userprofile-sg-{}"),
        },
    );
    s.add("UserProfileSecurityGroupIngress", "AWS::EC2::SecurityGroupIngress", {
        let mut rule =
            map! { "IpProtocol" => "-1", "GroupId" => profile_sg.r(), "SourceSecurityGroupId" => profile_sg.r() };
        if app_hardened {
            rule.insert("Description".into(), Value::str("Studio user profiles reach each other"));
        }
        rule
    });
    s.add(
        "UserProfileSecurityGroupId",
        "AWS::SSM::Parameter",
        ssm_string(
            ssm_name("ds-userprofile-sg-{}-id"),
            profile_sg.att("GroupId"),
            "SageMaker User Profile Security Group ID per user",
        ),
    );

    // VPC endpoints
    s.template.mappings.insert("RegionMap".into(), region_map());
    let code_artifact_bucket = Intrinsic::FindInMap {
        map: Value::str("RegionMap"),
        top: ref_("AWS::Region"),
        second: Value::str("S3BUCKETARN"),
        default: None,
    };
    // Hardened: the platform's buckets only in this account (same-named buckets elsewhere are
    // not reachable through the endpoint).
    let endpoint_policy = if app_hardened {
        S3_ENDPOINT_POLICY.replacen(
            "      ]\n  },",
            "      ],\n    \"Condition\": {\"StringEquals\": {\"aws:ResourceAccount\": \"${AWS::AccountId}\"}}\n  },",
            1,
        )
    } else {
        S3_ENDPOINT_POLICY.to_string()
    };
    let s3_policy = Intrinsic::Sub {
        template: endpoint_policy,
        variables: Some(map! { "CODE_ARTIFACT_ASSET_S3_BUCKET" => Value::from(code_artifact_bucket) }),
    };
    let s3 = s.add(
        "VPCEndpointS3",
        "AWS::EC2::VPCEndpoint",
        map! {
            "ServiceName" => sub("com.amazonaws.${AWS::Region}.s3"),
            "VpcEndpointType" => "Gateway",
            "VpcId" => vpc.r(),
            "PolicyDocument" => Value::from(s3_policy),
            "RouteTableIds" => list![route_table.r()],
        },
    );
    s.add(
        "VPCEndpointS3Id",
        "AWS::SSM::Parameter",
        ssm_string(ssm_name("ds-s3-endpoint-{}-id"), s3.r(), "S3 VPC Endpoint ID"),
    );

    let mut endpoints = Vec::new();
    for e in &props.interface_endpoints {
        let props = interface_endpoint(e, &vpc, &subnets, &endpoint_sg);
        endpoints.push(s.add(&e.id, "AWS::EC2::VPCEndpoint", props));
    }
    let endpoint = |id: &str| endpoints.iter().find(|e| e.id() == id).cloned();
    let (Some(ca_api), Some(ca_repo)) =
        (endpoint("VPCEndpointCodeArtifactApi"), endpoint("VPCEndpointCodeArtifactRepository"))
    else {
        return s;
    };
    let first_dns_entry =
        |e: &ResRef| Value::from(Intrinsic::Select { index: Value::from(0), list: e.att("DnsEntries") });
    // A DNS entry reads `<zone id>:<dns name>`; publish the name.
    let dns_name = Intrinsic::Select {
        index: Value::from(1),
        list: Intrinsic::Split { delimiter: ":".into(), source: first_dns_entry(&ca_api) }.into(),
    };
    s.add(
        "SSMCodeArtifactApiVPCEndpointDNS",
        "AWS::SSM::Parameter",
        ssm_string(
            "ds-codeartifact-api-dns",
            dns_name.into(),
            "Data Science CodeArtifact Service API VPC Endpoint DNS name",
        ),
    );

    let outputs = [
        ("S3VPCEndpointId", s3.r(), "The ID of the S3 VPC Endpoint", SharedNetwork::S3_ENDPOINT_ID.name(&set)),
        (
            "CodeArtifactAPIEndpointDNS",
            first_dns_entry(&ca_api),
            "DNS entries for the CodeArtifact API VPC endpoint",
            SharedNetwork::CODE_ARTIFACT_API_DNS.name(&set),
        ),
        (
            "CodeArtifactRepositoryEndpointDNS",
            first_dns_entry(&ca_repo),
            "DNS entries for the CodeArtifact Repository VPC endpoint",
            SharedNetwork::CODE_ARTIFACT_REPOSITORY_DNS.name(&set),
        ),
        ("SageMakerVPC", vpc.r(), "The SageMaker VPC ID", SharedNetwork::VPC.name(&set)),
    ];
    for (id, value, description, export) in outputs {
        s.output(id, exported(value, description, export));
    }
    for (i, ((_, _, ordinal), subnet)) in SUBNETS.iter().zip(&subnets).enumerate() {
        let description = format!("The ID of the {ordinal} Subnet");
        s.output(
            &format!("Subnet{}Id", i + 1),
            exported(subnet.r(), &description, SharedNetwork::SUBNETS[i].name(&set)),
        );
    }
    s.output(
        "SageMakerSecurityGroup",
        exported(
            sagemaker_sg.att("GroupId"),
            "Security Group ID for the SageMaker Resources",
            SharedNetwork::SAGEMAKER_SECURITY_GROUP.name(&set),
        ),
    );
    s.output(
        "UserProfileSecurityGroup",
        exported(
            profile_sg.att("GroupId"),
            "Security Group ID for the User Profile",
            SharedNetwork::USER_PROFILE_SECURITY_GROUP.name(&set),
        ),
    );
    s
}

fn region_map() -> Value {
    let regions: Map = CODE_ARTIFACT_ASSET_BUCKETS
        .iter()
        .map(|(region, arn)| (region.to_string(), Value::Map(map! { "S3BUCKETARN" => *arn })))
        .collect();
    Value::Map(regions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn network() -> crate::cfn::Template {
        shared_network(&SharedNetwork::default(), false).finish().expect("network synthesizes").1
    }

    #[test]
    fn no_internet_or_nat_gateway_and_no_routes_out() {
        let t = network();
        for r in t.resources.values() {
            assert!(
                !matches!(r.type_.as_str(), "AWS::EC2::InternetGateway" | "AWS::EC2::NatGateway" | "AWS::EC2::Route"),
                "{}",
                r.type_
            );
        }
    }

    #[test]
    fn fifteen_endpoints_all_private() {
        let t = network();
        let endpoints: Vec<_> = t.resources.values().filter(|r| r.type_ == "AWS::EC2::VPCEndpoint").collect();
        assert_eq!(endpoints.len(), 15);
        let interfaces = endpoints.iter().filter(|r| r.properties["VpcEndpointType"] == Value::str("Interface"));
        for e in interfaces {
            assert_eq!(
                e.properties["SubnetIds"].clone(),
                list![ref_("PrivateSubnetA"), ref_("PrivateSubnetB"), ref_("PrivateSubnetC")]
            );
        }
    }

    #[test]
    fn cidrs_come_from_props() {
        let props = SharedNetwork { vpc_cidr: "10.9.0.0/16".into(), ..SharedNetwork::default() };
        let t = shared_network(&props, false).finish().unwrap().1;
        assert_eq!(t.parameters["SageMakerStudioVpcCIDR"].attributes["Default"], Value::str("10.9.0.0/16"));
    }
}
