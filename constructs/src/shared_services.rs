//! `SharedServices` → `ds_administration.yaml`, the root: the platform's parameters, the
//! `IsAQuickstart` condition, the nested shared-service stacks, the Service Catalog portfolio
//! (quickstart only) and the outputs.

use crate::admin_principals::AdminPrincipals;
use crate::cfn::value::{get_att, ref_, sub, Intrinsic};
use crate::cfn::{Parameter, Value};
use crate::common::{described, exported, switch_role_url, tag};
use crate::construct::{Construct, Synth};
use crate::detective_control::DetectiveControl;
use crate::export::Export;
use crate::list;
use crate::service_catalog::ServiceCatalogPortfolio;
use crate::shared_code_artifact::SharedCodeArtifact;
use crate::shared_data_lake::SharedDataLake;
use crate::shared_ecr::SharedEcr;
use crate::shared_network::{cidr_description, cidr_parameter_name, NetworkProps, SharedNetwork};
use crate::stack::{ParamRef, ResRef, Stack};

pub const FILE: &str = "ds_administration.yaml";

/// Default name of the stack set, the common root of shared-service names and exports.
pub const DEFAULT_STACK_SET_NAME: &str = "DSSharedServices";

/// An IPv4 CIDR block.
pub const CIDR_PATTERN: &str = r"^(([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\.){3}([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])(\/([0-9]|[1-2][0-9]|3[0-2]))$";

/// The configuration's top-level settings of the shared services (stack-set name, network
/// ranges, ECR repository name), which `Platform::from_config` hands to the constructs.
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
            ecr_repository_name: SharedEcr::default().repository_name,
        }
    }
}

/// A nested stack of your own under the root: a construct and the parameters the root passes it.
/// Values may refer to the root's parameters ([`SharedServices::stack_set_name`]) and to other
/// nested stacks' outputs ([`SharedServices::nested_output`]); both are checked at synth time.
#[derive(Debug)]
pub struct NestedStack {
    /// Logical id in the root.
    pub id: String,
    pub construct: Box<dyn Construct>,
    pub parameters: Vec<(String, Value)>,
    /// Logical ids of root resources (nested stacks) to deploy first.
    pub depends_on: Vec<String>,
}

impl NestedStack {
    pub fn new(id: &str, construct: impl Construct + 'static) -> NestedStack {
        NestedStack { id: id.into(), construct: Box::new(construct), parameters: Vec::new(), depends_on: Vec::new() }
    }

    /// Passes `value` as parameter `name`.
    pub fn parameter(mut self, name: &str, value: impl Into<Value>) -> NestedStack {
        self.parameters.push((name.into(), value.into()));
        self
    }

    /// Deploys after the root resource `id`.
    pub fn depends_on(mut self, id: &str) -> NestedStack {
        self.depends_on.push(id.into());
        self
    }
}

/// The root of the platform, `ds_administration.yaml`: the platform's parameters, the shared
/// services as nested stacks, the Service Catalog portfolio (quickstart deployments) and the
/// outputs. Its fields are the nested constructs; `nested` holds stacks of your own.
///
/// ```
/// use sds_constructs::construct::Synth;
/// use sds_constructs::shared_services::SharedServices;
///
/// let mut root = SharedServices::default();
/// root.network.vpc_cidr = "10.8.0.0/16".into();
/// let mut app = Synth::new("DSSharedServices");
/// app.add(&root);
/// let app = app.finish().unwrap();
/// assert_eq!(app.templates.len(), 12, "the root, 6 nested stacks, 3 products and the team's 2");
/// let t = app.get("ds_administration.yaml").unwrap();
/// assert_eq!(t.parameters["SageMakerStudioVpcCIDR"].attributes["Default"].as_str(), Some("10.8.0.0/16"));
/// ```
#[derive(Debug, Default)]
pub struct SharedServices {
    pub principals: AdminPrincipals,
    pub code_artifact: SharedCodeArtifact,
    pub ecr: SharedEcr,
    pub network: SharedNetwork,
    pub data_lake: SharedDataLake,
    pub detective: DetectiveControl,
    pub portfolio: ServiceCatalogPortfolio,
    /// Nested stacks of your own, declared after the reference's. Default none.
    pub nested: Vec<NestedStack>,
}

impl SharedServices {
    /// The root's stack-set parameter, as nested stacks are passed it.
    pub const STACK_SET_PARAMETER: &'static str = "SharedServiceStackSetName";
    /// Logical ids of the reference's nested stacks.
    pub const PRINCIPALS_ID: &'static str = "DataSciencePrincipals";
    pub const CODE_ARTIFACT_ID: &'static str = "SharedCloudArtifactRepository";
    pub const ECR_ID: &'static str = "SharedDataScienceECR";
    pub const NETWORK_ID: &'static str = "SharedSageMakerNetwork";
    pub const DATA_LAKE_ID: &'static str = "SharedDataLake";
    pub const DETECTIVE_ID: &'static str = "SageMakerDetectiveControl";
    /// The quickstart's exported mode.
    pub const QUICKSTART_MODE: Export = Export::new("{}-QuickstartMode");

    /// `!Ref SharedServiceStackSetName`: the stack-set name, for a nested stack's parameter.
    pub fn stack_set_name() -> Value {
        ref_(Self::STACK_SET_PARAMETER)
    }

    /// `!GetAtt <nested>.Outputs.<output>`: another nested stack's output, for a nested stack's
    /// parameter (checked against that stack's outputs at synth time).
    pub fn nested_output(nested: &str, output: &str) -> Value {
        get_att(nested, format!("Outputs.{output}"))
    }
}

impl Construct for SharedServices {
    fn synth(&self, app: &mut Synth) -> Stack {
        shared_services(self, app)
    }
}

fn shared_services(root: &SharedServices, app: &mut Synth) -> Stack {
    let principals_child = app.add(&root.principals);
    let code_artifact_child = app.add(&root.code_artifact);
    let ecr_child = app.add(&root.ecr);
    let network_child = app.add(&root.network);
    let data_lake_child = app.add(&root.data_lake);
    let detective_child = app.add(&root.detective);
    let mut s = Stack::new(FILE, "Creates Data Science Shared Service Infrastructure");
    let set = s.parameter(
        SharedServices::STACK_SET_PARAMETER,
        Parameter::new("String").with("Default", app.stack_set_name.as_str()).with(
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
    cidrs.push((name.clone(), s.parameter(&name, cidr(&root.network.vpc_cidr, None))));
    for n in 1..=3 {
        let name = cidr_parameter_name(Some(n));
        cidrs.push((name.clone(), s.parameter(&name, cidr(&root.network.subnet_cidrs[n - 1], Some(n)))));
    }
    let ecr_name = s.parameter(
        "SharedECRRepositoryName",
        Parameter::new("String").with("Default", root.ecr.repository_name.as_str()).with(
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
        s.nested_stack(SharedServices::PRINCIPALS_ID, &principals_child, vec![("StackSetName", set.r())], None);
    let admin_arn = principals.output(AdminPrincipals::ADMIN_ARN_OUTPUT);
    let launch_role_arn = principals.output(AdminPrincipals::LAUNCH_ROLE_ARN_OUTPUT);
    root.portfolio.add_to(app, &mut s, &is_quickstart, admin_arn, launch_role_arn);

    s.nested_stack(SharedServices::CODE_ARTIFACT_ID, &code_artifact_child, vec![("StackSetName", set.r())], None);
    s.nested_stack(
        SharedServices::ECR_ID,
        &ecr_child,
        vec![("SharedServiceStackSetName", set.r()), ("ECRRepositoryName", ecr_name.r())],
        None,
    );
    let mut network_params = vec![("SharedServiceStackSetName", set.r())];
    network_params.extend(cidrs.iter().map(|(n, p)| (n.as_str(), p.r())));
    let network = s.nested_stack(
        SharedServices::NETWORK_ID,
        &network_child,
        network_params,
        Some(list![tag("Name", sub(format!("ds-vpc-${{{}}}", set.name())))]),
    );
    // The data lake imports the network's S3 endpoint, so it waits for the network.
    let lake = s.nested_stack(
        SharedServices::DATA_LAKE_ID,
        &data_lake_child,
        vec![("SharedServiceStackSetName", set.r())],
        None,
    );
    s.depends_on(&lake.resource(), &network.resource());
    let detective =
        s.nested_stack(SharedServices::DETECTIVE_ID, &detective_child, vec![("StackSetName", set.r())], None);
    if app.hardened() {
        // The hardened detective control runs in the network's subnets, which it imports.
        s.depends_on(&detective.resource(), &network.resource());
    }

    for n in &root.nested {
        let child = app.add(&*n.construct);
        let params = n.parameters.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        let nested = s.nested_stack(&n.id, &child, params, None);
        for d in &n.depends_on {
            s.depends_on(&nested.resource(), &ResRef::later(d));
        }
    }

    let admin_name = principals.sub_output(AdminPrincipals::ADMIN_NAME_OUTPUT);
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
            SharedServices::QUICKSTART_MODE.name(&set),
        ),
    );
    s
}
