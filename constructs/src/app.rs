//! The platform: which templates exist, how they nest and which the Service Catalog portfolio
//! offers, built from a [`Config`]. `synthesize` is the one entry point `sds synth` and
//! `sds publish` share.

use crate::admin_principals::admin_principals;
use crate::cfn::Template;
use crate::config::Config;
use crate::detective_control::detective_control;
use crate::service_catalog::Product;
use crate::shared_code_artifact::shared_code_artifact;
use crate::shared_data_lake::shared_data_lake;
use crate::shared_ecr::shared_ecr;
use crate::shared_network::shared_network;
use crate::shared_services::{shared_services, SharedChildren};
use crate::stack::{Stack, SynthError};
use crate::studio_domain::{self, studio_domain};
use crate::team_backing_store::team_backing_store;
use crate::team_environment::{self, team_environment, team_principals};
use crate::user_profile::{user_profile, Variant};

/// The synthesized platform: every template by file name, sorted by file name.
#[derive(Debug, Clone)]
pub struct App {
    pub templates: Vec<(String, Template)>,
}

impl App {
    pub fn get(&self, file: &str) -> Option<&Template> {
        self.templates.iter().find(|(n, _)| n == file).map(|(_, t)| t)
    }
}

/// The portfolio's products for `config`.
pub fn products(config: &Config) -> Vec<Product> {
    let variant = config.user_profile_variant;
    vec![
        Product {
            key: "DSSageMakerStudio",
            association_id: "SCPortfolioSageMakerStudioProductAssociation",
            name: "SageMaker Studio Product",
            description: "Onboards SageMaker Studio Domain to the AWS Account.",
            artifact_name: "DS SageMaker Studio v1".into(),
            template_file: studio_domain::FILE.into(),
        },
        Product {
            key: "DSEnvironment",
            association_id: "SCPortfolioDSEnvironmentProductAssociation",
            name: "Data Science Team Environment",
            description: "S3 buckets for hosting data and model, KMS Key and AWS Code Commit git repository to support data science teams.",
            artifact_name: "DS Environment v1".into(),
            template_file: team_environment::FILE.into(),
        },
        Product {
            key: "DSUserProfile",
            association_id: "SCPortfolioDSUserProfileProductAssociation",
            name: "Data Science Studio User Profile",
            description: "Creates a SageMaker Studio User Profile.",
            artifact_name: format!("DS SageMaker Studio User Profile {}", variant.label()),
            template_file: variant.file().into(),
        },
    ]
}

/// Builds every template of the platform, or reports every synth-time mistake.
pub fn synthesize(config: &Config) -> Result<App, Vec<SynthError>> {
    let principals = admin_principals();
    let code_artifact = shared_code_artifact(&config.code_artifact);
    let ecr = shared_ecr();
    let network = shared_network(&config.shared.network);
    let data_lake = shared_data_lake();
    let detective = detective_control(&config.detective);
    let children = SharedChildren {
        principals: &principals,
        code_artifact: &code_artifact,
        ecr: &ecr,
        network: &network,
        data_lake: &data_lake,
        detective: &detective,
    };
    let root = shared_services(&config.shared, &children, &products(config));

    let team_principals = team_principals();
    let backing_store = team_backing_store();
    let environment = team_environment(&team_principals, &backing_store);

    let stacks: Vec<Stack> = vec![
        root,
        principals,
        code_artifact,
        ecr,
        network,
        data_lake,
        detective,
        studio_domain(&config.studio),
        environment,
        team_principals,
        backing_store,
        user_profile(&config.user_profile, Variant::V1),
        user_profile(&config.user_profile, Variant::V2),
    ];
    let mut templates = Vec::new();
    let mut errors = Vec::new();
    for s in stacks {
        match s.finish() {
            Ok(t) => templates.push(t),
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    templates.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(App { templates })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirteen_templates_with_the_reference_names() {
        let app = synthesize(&Config::default()).unwrap();
        let names: Vec<&str> = app.templates.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "ds_admin_detective.yaml",
                "ds_admin_principals.yaml",
                "ds_administration.yaml",
                "ds_env_backing_store.yaml",
                "ds_env_principals.yaml",
                "ds_env_sagemaker_studio.yaml",
                "ds_env_studio_user_profile_v1.yaml",
                "ds_env_studio_user_profile_v2.yaml",
                "ds_environment.yaml",
                "ds_shared_code_artifact.yaml",
                "ds_shared_data_lake.yaml",
                "ds_shared_ecr.yaml",
                "ds_shared_sagemaker_network.yaml",
            ]
        );
    }

    #[test]
    fn every_bucket_is_kms_encrypted_and_private() {
        let app = synthesize(&Config::default()).unwrap();
        let mut buckets = 0;
        for (_, t) in &app.templates {
            for r in t.resources.values().filter(|r| r.type_ == "AWS::S3::Bucket") {
                buckets += 1;
                let enc = crate::cfn::yaml::inline(&r.properties["BucketEncryption"]);
                assert!(enc.contains("SSEAlgorithm: 'aws:kms'") && enc.contains("KMSMasterKeyID"), "{enc}");
                let block = r.properties["PublicAccessBlockConfiguration"].as_map().unwrap();
                for k in ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"] {
                    assert_eq!(block[k], crate::cfn::Value::Bool(true), "{k}");
                }
            }
        }
        assert_eq!(buckets, 3, "data lake, team data, team models");
    }

    #[test]
    fn every_kms_key_rotates() {
        let app = synthesize(&Config::default()).unwrap();
        let keys: Vec<_> = app
            .templates
            .iter()
            .flat_map(|(_, t)| t.resources.values())
            .filter(|r| r.type_ == "AWS::KMS::Key")
            .collect();
        assert_eq!(keys.len(), 3);
        assert!(keys.iter().all(|k| k.properties["EnableKeyRotation"] == crate::cfn::Value::Bool(true)));
    }

    #[test]
    fn variant_v2_is_what_the_portfolio_offers_when_configured() {
        let config = Config { user_profile_variant: Variant::V2, ..Config::default() };
        let app = synthesize(&config).unwrap();
        let root = crate::cfn::yaml::to_yaml(app.get("ds_administration.yaml").unwrap());
        assert!(root.contains("/ds_env_studio_user_profile_v2.yaml"));
        assert!(!root.contains("/ds_env_studio_user_profile_v1.yaml"));
    }
}
