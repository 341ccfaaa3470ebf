//! `SharedServices` → `ds_administration.yaml`, the root: the platform's parameters, the
//! `IsAQuickstart` condition, the nested shared-service stacks, the Service Catalog portfolio
//! (quickstart only) and the outputs.

use crate::cfn::value::{ref_, sub, Intrinsic};
use crate::cfn::{Parameter, Value};
use crate::common::{described, exported, switch_role_url, tag};
use crate::service_catalog::{service_catalog_portfolio, Product};
use crate::shared_network::{cidr_description, cidr_parameter_name, NetworkProps};
use crate::stack::{ParamRef, Stack};
use crate::{list, names};

pub const FILE: &str = "ds_administration.yaml";

/// Default name of the stack set, the common root of shared-service names and exports.
pub const DEFAULT_STACK_SET_NAME: &str = "DSSharedServices";

/// An IPv4 CIDR block.
pub const CIDR_PATTERN: &str = r"^(([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\.){3}([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])(\/([0-9]|[1-2][0-9]|3[0-2]))$";

/// What the root takes from the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedServicesProps {
    /// Default [`DEFAULT_STACK_SET_NAME`].
    pub stack_set_name: String,
    /// Default: see [`NetworkProps`].
    pub network: NetworkProps,
    /// Default `ds-shared-container-images`.
    pub ecr_repository_name: String,
}

impl Default for SharedServicesProps {
    fn default() -> Self {
        SharedServicesProps {
            stack_set_name: DEFAULT_STACK_SET_NAME.into(),
            network: NetworkProps::default(),
            ecr_repository_name: "ds-shared-container-images".into(),
        }
    }
}

/// The nested stacks the root deploys.
pub struct SharedChildren<'a> {
    pub principals: &'a Stack,
    pub code_artifact: &'a Stack,
    pub ecr: &'a Stack,
    pub network: &'a Stack,
    pub data_lake: &'a Stack,
    pub detective: &'a Stack,
}

/// Builds `ds_administration.yaml`.
pub fn shared_services(props: &SharedServicesProps, children: &SharedChildren, products: &[Product]) -> Stack {
    let mut s = Stack::new(FILE, "Creates Data Science Shared Service Infrastructure");
    let set = s.parameter(
        "SharedServiceStackSetName",
        Parameter::new("String").with("Default", props.stack_set_name.as_str()).with(
            "Description",
            "Name to be used as a common root across all shared service resources for reference from other Cloudformation stacks",
        ),
    );
    let cidr = |default: &str, subnet: Option<usize>| {
        Parameter::new("String")
            .with("Default", default)
            .with("Description", cidr_description(subnet))
            .with("AllowedPattern", CIDR_PATTERN)
    };
    let mut cidrs: Vec<(String, ParamRef)> = Vec::new();
    let name = cidr_parameter_name(None);
    cidrs.push((name.clone(), s.parameter(&name, cidr(&props.network.vpc_cidr, None))));
    for n in 1..=3 {
        let name = cidr_parameter_name(Some(n));
        cidrs.push((name.clone(), s.parameter(&name, cidr(&props.network.subnet_cidrs[n - 1], Some(n)))));
    }
    let ecr_name = s.parameter(
        "SharedECRRepositoryName",
        Parameter::new("String").with("Default", props.ecr_repository_name.as_str()).with(
            "Description",
            "Shared ECR Repository name to be used across all data science projects supported by this stack",
        ),
    );
    let quickstart = s.parameter(
        "QuickstartMode",
        Parameter::new("String")
            .with("Default", true)
            .with("AllowedValues", list![true, false])
            .with("Description", "true indicates a quickstart-style deployment, false indicates a workshop deployment"),
    );
    let is_quickstart = s.condition("IsAQuickstart", Intrinsic::Equals(quickstart.r(), Value::Bool(true)).into());

    let principals =
        s.nested_stack("DataSciencePrincipals", children.principals, vec![("StackSetName", set.r())], None);
    let admin_arn = principals.output(&mut s, "DSAdministratorArn");
    let launch_role_arn = principals.output(&mut s, "SCLaunchRoleArn");
    service_catalog_portfolio(&mut s, &is_quickstart, admin_arn, launch_role_arn, products);

    s.nested_stack("SharedCloudArtifactRepository", children.code_artifact, vec![("StackSetName", set.r())], None);
    s.nested_stack(
        "SharedDataScienceECR",
        children.ecr,
        vec![("SharedServiceStackSetName", set.r()), ("ECRRepositoryName", ecr_name.r())],
        None,
    );
    let mut network_params = vec![("SharedServiceStackSetName", set.r())];
    network_params.extend(cidrs.iter().map(|(n, p)| (n.as_str(), p.r())));
    let network = s.nested_stack(
        "SharedSageMakerNetwork",
        children.network,
        network_params,
        Some(list![tag("Name", sub(format!("ds-vpc-${{{}}}", set.name())))]),
    );
    // The data lake imports the network's S3 endpoint, so it waits for the network.
    let lake = s.nested_stack("SharedDataLake", children.data_lake, vec![("SharedServiceStackSetName", set.r())], None);
    s.depends_on(&lake.resource(), &network.resource());
    s.nested_stack("SageMakerDetectiveControl", children.detective, vec![("StackSetName", set.r())], None);

    let admin_name = principals.sub_output(&mut s, "DSAdministratorName");
    let url = switch_role_url(&admin_name);
    s.output(
        "AssumeDataScienceAdminRole",
        described(url, "URL for assuming the role of a data science admininstrator"),
    );
    s.output(
        "QuickstartMode",
        exported(
            ref_(quickstart.name()),
            "Whether this stack set was deployed as a quickstart",
            names::quickstart_mode(&set),
        ),
    );
    s
}
