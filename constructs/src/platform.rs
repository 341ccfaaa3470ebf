//! The platform as a value: [`Platform`] is the tree of constructs the configuration describes
//! (the reference platform by default), open to changes in code before it is synthesized.
//! `sds synth`, `validate`, `diff` and `publish` all synthesize a `Platform`.

use crate::config::{Config, Suppression};
use crate::construct::{App, Construct, Profile, Synth};
use crate::service_catalog::{user_profile_version, ServiceCatalogPortfolio, USER_PROFILE_PRODUCT};
use crate::shared_ecr::SharedEcr;
use crate::shared_network::SharedNetwork;
use crate::shared_services::SharedServices;
use crate::stack::SynthError;
use crate::teams::TeamStack;
use crate::user_profile::{UserProfile, Variant};

/// Every template of the platform: the root with its nested stacks and portfolio products, and
/// the stacks beside it.
///
/// ```
/// use sds_constructs::platform::Platform;
/// use sds_constructs::shared_network::InterfaceEndpoint;
///
/// let mut platform = Platform::default();
/// platform.root.network.interface_endpoints.push(InterfaceEndpoint::new("VPCEndpointSNS", "sns"));
/// let app = platform.synth().unwrap();
/// assert_eq!(app.templates.len(), 13);
/// ```
#[derive(Debug)]
pub struct Platform {
    /// The common root of shared-service names and exports, which every template that names
    /// the shared services uses. Default `DSSharedServices`.
    pub stack_set_name: String,
    /// `ds_administration.yaml` and everything it nests or offers.
    pub root: SharedServices,
    /// Templates beside the root: synthesized, validated and written with it, but not deployed
    /// by `sds publish` (which deploys the root and what it nests or offers); deploy one with
    /// `sds publish --templates out --root FILE --stack-name NAME`. Default: the user profile
    /// variant the portfolio does not offer (kept as a template, as the reference has both).
    pub stacks: Vec<Box<dyn Construct>>,
    /// Findings this platform accepts on purpose, each with its reason: listed as suppressed by
    /// `sds validate`, `sds synth` and `sds access`, never hidden. Default: the reference design's
    /// access defects ([`crate::known_defects::reference`]).
    pub accepted: Vec<Suppression>,
    /// The declared teams (the configuration's `teams`), each synthesized into
    /// `teams/<name>-<env>.yaml` ([`TeamStack`]), deployed by `sds publish` after the root.
    /// Default none. `Platform::from_config` also prepares the portfolio for them
    /// ([`ServiceCatalogPortfolio::team_stacks`], and the user profile variant it does not offer
    /// as a second version when a user asks for it).
    pub teams: Vec<TeamStack>,
    /// Which platform the constructs build. Default [`Profile::Reference`].
    pub profile: Profile,
}

impl Default for Platform {
    fn default() -> Self {
        Platform::from_config(&Config::default())
    }
}

impl Platform {
    /// The platform `config` describes.
    pub fn from_config(config: &Config) -> Platform {
        let shared = &config.shared;
        let profile = |variant| UserProfile { variant, instance_types: config.user_profile.clone() };
        let offered = config.user_profile_variant;
        let other = match offered {
            Variant::V1 => Variant::V2,
            Variant::V2 => Variant::V1,
        };
        let mut root = SharedServices {
            network: SharedNetwork {
                vpc_cidr: shared.network.vpc_cidr.clone(),
                subnet_cidrs: shared.network.subnet_cidrs.clone(),
                ..SharedNetwork::default()
            },
            ecr: SharedEcr { repository_name: shared.ecr_repository_name.clone() },
            code_artifact: config.code_artifact.clone(),
            detective: config.detective.clone(),
            portfolio: ServiceCatalogPortfolio::with_studio(config.studio.clone(), profile(offered)),
            ..SharedServices::default()
        };
        let teams: Vec<TeamStack> =
            config.teams.iter().map(|t| TeamStack { team: t.clone(), default_variant: offered }).collect();
        if !teams.is_empty() {
            root.portfolio.team_stacks = true;
            let wanted = teams.iter().flat_map(|t| &t.team.users).any(|u| u.variant == Some(other));
            let user_profile = root.portfolio.products.iter_mut().find(|p| p.name == USER_PROFILE_PRODUCT);
            if let (true, Some(product)) = (wanted, user_profile) {
                product.more_versions.push((user_profile_version(other), Box::new(profile(other))));
            }
        }
        Platform {
            stack_set_name: shared.stack_set_name.clone(),
            root,
            stacks: vec![Box::new(profile(other))],
            teams,
            accepted: match config.profile {
                Profile::Reference => crate::known_defects::reference(),
                Profile::Hardened => Vec::new(),
            },
            profile: config.profile,
        }
    }

    /// Builds every template, or reports every synth-time mistake.
    pub fn synth(&self) -> Result<App, Vec<SynthError>> {
        let mut app = Synth::new(&self.stack_set_name);
        app.profile = self.profile;
        app.add(&self.root);
        for s in &self.stacks {
            app.add(&**s);
        }
        for t in &self.teams {
            app.add(t);
        }
        let mut app = app.finish()?;
        app.accepted = self.accepted.clone();
        Ok(app)
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirteen_templates_with_the_reference_names() {
        let app = Platform::default().synth().unwrap();
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
        let app = Platform::default().synth().unwrap();
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
        let app = Platform::default().synth().unwrap();
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
        let app = Platform::from_config(&config).synth().unwrap();
        let root = crate::cfn::yaml::to_yaml(app.get("ds_administration.yaml").unwrap());
        assert!(root.contains("/ds_env_studio_user_profile_v2.yaml"));
        assert!(!root.contains("/ds_env_studio_user_profile_v1.yaml"));
    }

    /// A construct of one topic, its parameter required.
    #[derive(Debug)]
    struct Topic(&'static str);

    impl Construct for Topic {
        fn synth(&self, _: &mut Synth) -> crate::stack::Stack {
            let mut s = crate::stack::Stack::new(self.0, "topic");
            let name = s.parameter("StackSetName", crate::cfn::Parameter::new("String"));
            s.add("Topic", "AWS::SNS::Topic", crate::map! { "TopicName" => name.r() });
            s
        }
    }

    fn errors_of(platform: &Platform) -> Vec<String> {
        platform.synth().unwrap_err().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_nested_stack_of_our_own_is_checked_like_the_reference() {
        use crate::shared_services::{NestedStack, SharedServices};
        let mut platform = Platform::default();
        platform.root.nested.push(
            NestedStack::new("Ops", Topic("ops.yaml"))
                .parameter("StackSetName", SharedServices::stack_set_name())
                .depends_on(SharedServices::DETECTIVE_ID),
        );
        let app = platform.synth().unwrap();
        assert_eq!(app.templates.len(), 14);
        let root = crate::cfn::yaml::to_yaml(app.get("ds_administration.yaml").unwrap());
        assert!(root.contains("TemplateURL: ops.yaml"), "{root}");

        let mut platform = Platform::default();
        platform.root.nested.push(
            NestedStack::new("Ops", Topic("ops.yaml"))
                .parameter("Typo", crate::cfn::ref_("NoSuchParameter"))
                .parameter("StackSetName", SharedServices::nested_output(SharedServices::NETWORK_ID, "Nope"))
                .depends_on("NoSuchStack"),
        );
        platform.root.nested.push(NestedStack::new(SharedServices::DATA_LAKE_ID, Topic("ops2.yaml")));
        assert_eq!(
            errors_of(&platform),
            [
                "ds_administration.yaml: nested stack Ops (ops.yaml) has no parameter Typo",
                "ds_administration.yaml: nested stack SharedDataLake (ops2.yaml) needs a value for parameter StackSetName, which has no default",
                "ds_administration.yaml: logical id SharedDataLake is declared twice",
                "ds_administration.yaml: Resources/Ops refers to NoSuchParameter, which is not declared",
                "ds_administration.yaml: Resources/Ops/DependsOn refers to NoSuchStack, which is not declared",
                "ds_administration.yaml: nested stack SharedSageMakerNetwork (ds_shared_sagemaker_network.yaml) has no output Nope",
            ]
        );
    }

    #[test]
    fn a_stack_beside_the_root_and_a_product_of_our_own() {
        use crate::service_catalog::Product;
        let mut platform = Platform::default();
        platform.stacks.push(Box::new(Topic("beside.yaml")));
        platform.root.portfolio.products.push(Product::new(
            "Alerts",
            "Alerts",
            "Team alerts",
            "v1",
            Topic("alerts.yaml"),
        ));
        let app = platform.synth().unwrap();
        assert!(app.get("beside.yaml").is_some() && app.get("alerts.yaml").is_some());
        let root = app.get("ds_administration.yaml").unwrap();
        assert!(root.resources.contains_key("AlertsProduct"));
        assert!(root.resources.contains_key("SCPortfolioAlertsProductAssociation"));
        assert!(root.resources.contains_key("AlertsProductLaunchRoleConstraint"));

        // A second, different template under a name already taken.
        platform.stacks.push(Box::new(Topic("ds_shared_ecr.yaml")));
        assert_eq!(errors_of(&platform), ["ds_shared_ecr.yaml: two different templates have this file name"]);
    }
}
