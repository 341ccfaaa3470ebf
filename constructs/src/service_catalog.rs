//! `ServiceCatalogPortfolio` (inside `ds_administration.yaml`): the portfolio through which data
//! science administrators launch the Studio domain, team environments and user profiles; one
//! product per template, each associated with the portfolio and launched with the launch role.

use crate::assets::STAGING_BUCKET_PATH;
use crate::cfn::Value;
use crate::construct::{Construct, Synth};
use crate::stack::{ResRef, Stack};
use crate::studio_domain::StudioDomain;
use crate::team_environment::TeamEnvironment;
use crate::user_profile::{UserProfile, Variant};
use crate::{list, map};

/// Name and version (provisioning artifact name) of the team environment product, by which team
/// templates ([`crate::teams`]) launch it.
pub const TEAM_ENVIRONMENT_PRODUCT: &str = "Data Science Team Environment";
pub const TEAM_ENVIRONMENT_VERSION: &str = "DS Environment v1";
/// Name of the user profile product; its versions are [`user_profile_version`].
pub const USER_PROFILE_PRODUCT: &str = "Data Science Studio User Profile";

/// The user profile product's version (provisioning artifact name) of `variant`.
pub fn user_profile_version(variant: Variant) -> String {
    format!("DS SageMaker Studio User Profile {}", variant.label())
}

/// One product of the portfolio.
#[derive(Debug)]
pub struct Product {
    /// Logical-id stem: the product is `<key>Product`, its constraint `<key>ProductLaunchRoleConstraint`.
    pub key: String,
    /// Logical id of the product's portfolio association.
    pub association_id: String,
    pub name: String,
    pub description: String,
    /// Name of the provisioning artifact (the product version).
    pub artifact_name: String,
    /// The product's template, synthesized into the app with the portfolio; packaging uploads it
    /// under the staging prefix.
    pub template: Box<dyn Construct>,
    /// Further versions offered beside it: (provisioning artifact name, template). Default none.
    pub more_versions: Vec<(String, Box<dyn Construct>)>,
}

impl Product {
    /// A product of `template`, its association named `SCPortfolio<key>ProductAssociation`.
    pub fn new(key: &str, name: &str, description: &str, version: &str, template: impl Construct + 'static) -> Product {
        Product {
            key: key.into(),
            association_id: format!("SCPortfolio{key}ProductAssociation"),
            name: name.into(),
            description: description.into(),
            artifact_name: version.into(),
            template: Box::new(template),
            more_versions: Vec::new(),
        }
    }
}

/// The Service Catalog portfolio (in the root, quickstart deployments only) through which data
/// science administrators launch the Studio domain, team environments and user profiles. Add a
/// [`Product`] to offer a template of your own.
///
/// ```
/// use sds_constructs::service_catalog::ServiceCatalogPortfolio;
/// use sds_constructs::user_profile::{UserProfile, Variant};
///
/// let portfolio = ServiceCatalogPortfolio::default();
/// let names: Vec<&str> = portfolio.products.iter().map(|p| p.name.as_str()).collect();
/// assert_eq!(names, ["SageMaker Studio Product", "Data Science Team Environment", "Data Science Studio User Profile"]);
///
/// // Offer the user profile with the preventive control instead.
/// let portfolio = ServiceCatalogPortfolio::reference(UserProfile { variant: Variant::V2, ..UserProfile::default() });
/// assert_eq!(portfolio.products[2].artifact_name, "DS SageMaker Studio User Profile v2");
/// ```
#[derive(Debug)]
pub struct ServiceCatalogPortfolio {
    /// Default: the reference's three (Studio domain, team environment, user profile v1).
    pub products: Vec<Product>,
    /// Whether team stacks ([`crate::teams`]) launch the products: adds the role CloudFormation
    /// deploys them with, allowed to launch the portfolio's products (a principal association).
    /// Default false (the reference's root).
    pub team_stacks: bool,
}

impl Default for ServiceCatalogPortfolio {
    fn default() -> Self {
        ServiceCatalogPortfolio::reference(UserProfile::default())
    }
}

impl ServiceCatalogPortfolio {
    /// The reference's products, offering `user_profile` (and the default Studio domain).
    pub fn reference(user_profile: UserProfile) -> ServiceCatalogPortfolio {
        ServiceCatalogPortfolio::with_studio(StudioDomain::default(), user_profile)
    }

    /// The reference's products around `studio` and `user_profile`.
    pub fn with_studio(studio: StudioDomain, user_profile: UserProfile) -> ServiceCatalogPortfolio {
        let version = user_profile_version(user_profile.variant);
        let mut products = vec![
            Product::new(
                "DSSageMakerStudio",
                "SageMaker Studio Product",
                "Onboards SageMaker Studio Domain to the AWS Account.",
                "DS SageMaker Studio v1",
                studio,
            ),
            Product::new(
                "DSEnvironment",
                TEAM_ENVIRONMENT_PRODUCT,
                "S3 buckets for hosting data and model, KMS Key and AWS Code Commit git repository to support data science teams.",
                TEAM_ENVIRONMENT_VERSION,
                TeamEnvironment::default(),
            ),
            Product::new(
                "DSUserProfile",
                USER_PROFILE_PRODUCT,
                "Creates a SageMaker Studio User Profile.",
                &version,
                user_profile,
            ),
        ];
        // The reference drops the `DS` of this one's key.
        products[0].association_id = "SCPortfolioSageMakerStudioProductAssociation".into();
        ServiceCatalogPortfolio { products, team_stacks: false }
    }

    /// Synthesizes the products' templates into `app` and adds the portfolio to `s`.
    pub fn add_to(
        &self,
        app: &mut Synth,
        s: &mut Stack,
        condition: &str,
        administrator_arn: Value,
        launch_role_arn: Value,
    ) {
        let files: Vec<Vec<String>> = self
            .products
            .iter()
            .map(|p| {
                let mut files = vec![app.add(&*p.template).file_name];
                files.extend(p.more_versions.iter().map(|(_, t)| app.add(&**t).file_name));
                files
            })
            .collect();
        service_catalog_portfolio(s, condition, administrator_arn, launch_role_arn, &self.products, &files);
        if self.team_stacks {
            team_stacks_deployer(s, condition);
        }
    }
}

/// Portfolio texts.
const OWNER: &str = "Data Science Administration Office";

/// Adds the portfolio, its products (templates in `files`), associations, the administrator's
/// principal association and a launch-role constraint per product, all under `condition`.
fn service_catalog_portfolio(
    s: &mut Stack,
    condition: &str,
    administrator_arn: Value,
    launch_role_arn: Value,
    products: &[Product],
    files: &[Vec<String>],
) {
    let portfolio = s.add(
        "DataScienceAdministratorPortfolio",
        "AWS::ServiceCatalog::Portfolio",
        map! {
            "ProviderName" => "Cloud Operations Team",
            "Description" => "This portfolio is a collection of products designed to support managing data science teams",
            "DisplayName" => "Data Science Administrator Portfolio",
        },
    );
    s.set_condition(&portfolio, condition);
    let mut added: Vec<(ResRef, ResRef, &Product)> = Vec::new();
    for (p, files) in products.iter().zip(files) {
        let names = std::iter::once(p.artifact_name.as_str()).chain(p.more_versions.iter().map(|(n, _)| n.as_str()));
        let artifacts = names
            .zip(files)
            .map(|(name, file)| {
                Value::Map(map! {
                    "Name" => name,
                    "Info" => Value::Map(map! {
                        "LoadTemplateFromURL" => format!("https://s3.amazonaws.com/{STAGING_BUCKET_PATH}/{file}"),
                    }),
                })
            })
            .collect();
        let product = s.add(
            &format!("{}Product", p.key),
            "AWS::ServiceCatalog::CloudFormationProduct",
            map! {
                "Name" => p.name.as_str(),
                "Description" => p.description.as_str(),
                "Owner" => OWNER,
                "ProvisioningArtifactParameters" => Value::List(artifacts),
            },
        );
        s.set_condition(&product, condition);
        added.push((product, portfolio.clone(), p));
    }
    let mut associations = Vec::new();
    for (product, portfolio, p) in &added {
        let a = s.add(
            &p.association_id,
            "AWS::ServiceCatalog::PortfolioProductAssociation",
            map! { "PortfolioId" => portfolio.r(), "ProductId" => product.r() },
        );
        s.set_condition(&a, condition);
        associations.push(a);
    }
    let principal = s.add(
        "DSAdminPortfolioPrincipleAssociation",
        "AWS::ServiceCatalog::PortfolioPrincipalAssociation",
        map! { "PortfolioId" => portfolio.r(), "PrincipalARN" => administrator_arn, "PrincipalType" => "IAM" },
    );
    s.set_condition(&principal, condition);
    for ((product, portfolio, p), association) in added.iter().zip(&associations) {
        let c = s.add(
            &format!("{}ProductLaunchRoleConstraint", p.key),
            "AWS::ServiceCatalog::LaunchRoleConstraint",
            map! {
                "Description" => "The Launch Role SC uses to launch product",
                "PortfolioId" => portfolio.r(),
                "ProductId" => product.r(),
                "RoleArn" => launch_role_arn.clone(),
            },
        );
        s.set_condition(&c, condition);
        s.depends_on(&c, association);
    }
}

/// Logical ids and output of what team stacks need in the root.
pub const TEAM_STACKS_ROLE_ID: &str = "TeamStacksDeploymentRole";
pub const TEAM_STACKS_ROLE_OUTPUT: &str = "TeamStacksDeploymentRoleArn";

/// What launching a product from a template takes: CloudFormation calls these as the role it
/// deploys the team stack with; the launch-role constraint does the rest.
/// See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-servicecatalog-cloudformationprovisionedproduct.html>
const PROVISIONING_ACTIONS: &[&str] = &[
    "servicecatalog:DescribeProduct",
    "servicecatalog:DescribeProductView",
    "servicecatalog:DescribeProvisioningArtifact",
    "servicecatalog:DescribeProvisioningParameters",
    "servicecatalog:DescribeProvisionedProduct",
    "servicecatalog:DescribeRecord",
    "servicecatalog:ListLaunchPaths",
    "servicecatalog:ListProvisioningArtifacts",
    "servicecatalog:ProvisionProduct",
    "servicecatalog:SearchProducts",
    "servicecatalog:TerminateProvisionedProduct",
    "servicecatalog:UpdateProvisionedProduct",
];

/// The role CloudFormation deploys team stacks with (`sds publish` passes it as the stacks' role),
/// associated with the portfolio so it may launch its products, and its ARN as a root output.
fn team_stacks_deployer(s: &mut Stack, condition: &str) {
    use crate::common::{described, policy_document, Statement};
    let trust = policy_document(vec![Statement::allow()
        .principal(Value::Map(map! { "Service" => list!["cloudformation.amazonaws.com"] }))
        .actions(&["sts:AssumeRole"])
        .build()]);
    let policy = Value::Map(map! {
        "PolicyName" => "LaunchPortfolioProducts",
        "PolicyDocument" => policy_document(vec![Statement::allow().actions(PROVISIONING_ACTIONS).any_resource().build()]),
    });
    let role = s.add(
        TEAM_STACKS_ROLE_ID,
        "AWS::IAM::Role",
        map! {
            "AssumeRolePolicyDocument" => trust,
            "Description" => "CloudFormation deploys the team stacks (teams/*.yaml) with this role; it launches the portfolio's products",
            "Policies" => list![policy],
        },
    );
    s.set_condition(&role, condition);
    let association = s.add(
        "TeamStacksPortfolioPrincipalAssociation",
        "AWS::ServiceCatalog::PortfolioPrincipalAssociation",
        map! {
            "PortfolioId" => crate::cfn::value::ref_("DataScienceAdministratorPortfolio"),
            "PrincipalARN" => role.arn(),
            "PrincipalType" => "IAM",
        },
    );
    s.set_condition(&association, condition);
    let mut output = described(role.arn(), "Role CloudFormation deploys the team stacks with (sds publish passes it)");
    output.condition = Some(condition.to_string());
    s.output(TEAM_STACKS_ROLE_OUTPUT, output);
}
