//! `ServiceCatalogPortfolio` (inside `ds_administration.yaml`): the portfolio through which data
//! science administrators launch the Studio domain, team environments and user profiles; one
//! product per template, each associated with the portfolio and launched with the launch role.

use crate::assets::STAGING_BUCKET_PATH;
use crate::cfn::Value;
use crate::stack::{ResRef, Stack};
use crate::{list, map};

/// One product of the portfolio.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    /// Logical-id stem: the product is `<key>Product`, its constraint `<key>ProductLaunchRoleConstraint`.
    pub key: &'static str,
    /// Logical id of the product's portfolio association.
    pub association_id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    /// Name of the provisioning artifact (the product version).
    pub artifact_name: String,
    /// The product's template; packaging uploads it under the staging prefix.
    pub template_file: String,
}

/// Portfolio texts.
const OWNER: &str = "Data Science Administration Office";

/// Adds the portfolio, its products, associations, the administrator's principal association
/// and a launch-role constraint per product, all under `condition`.
pub fn service_catalog_portfolio(
    s: &mut Stack,
    condition: &str,
    administrator_arn: Value,
    launch_role_arn: Value,
    products: &[Product],
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
    for p in products {
        let artifact = map! {
            "Name" => p.artifact_name.as_str(),
            "Info" => Value::Map(map! {
                "LoadTemplateFromURL" => format!("https://s3.amazonaws.com/{STAGING_BUCKET_PATH}/{}", p.template_file),
            }),
        };
        let product = s.add(
            &format!("{}Product", p.key),
            "AWS::ServiceCatalog::CloudFormationProduct",
            map! {
                "Name" => p.name,
                "Description" => p.description,
                "Owner" => OWNER,
                "ProvisioningArtifactParameters" => list![Value::Map(artifact)],
            },
        );
        s.set_condition(&product, condition);
        added.push((product, portfolio.clone(), p));
    }
    let mut associations = Vec::new();
    for (product, portfolio, p) in &added {
        let a = s.add(
            p.association_id,
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
