//! Teams and user profiles as code: the configuration's `teams` ([`Team`], read and checked in
//! [`read`]) and [`TeamStack`], one template per team and environment (`teams/<name>-<env>.yaml`,
//! a root of its own) that launches the portfolio's products the way a person would in the
//! console, but declaratively: one `AWS::ServiceCatalog::CloudFormationProvisionedProduct` of the
//! team environment product, and one of the user profile product per user, each depending on its
//! team. Products are addressed by product and provisioning artifact name, which stay the same
//! when the portfolio is republished. Depends on the model, the stack builder, `names` and the
//! portfolio's product names.

pub mod read;

use crate::cfn::Value;
use crate::common::{described, tag};
use crate::construct::{Construct, Synth};
use crate::names::{TEAM_PRODUCT, USER_PRODUCT};
use crate::service_catalog::{
    user_profile_version, TEAM_ENVIRONMENT_PRODUCT, TEAM_ENVIRONMENT_VERSION, USER_PROFILE_PRODUCT,
};
use crate::stack::Stack;
use crate::user_profile::Variant;
use crate::{list, map};

/// A team and one of its environments, with its Studio users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    /// Lower case letters, digits and hyphens (the team environment product's `TeamName`).
    pub name: String,
    /// Lower case letters, digits and hyphens (the product's `EnvType`).
    pub env: String,
    /// Default none.
    pub users: Vec<TeamUser>,
    /// The team's own instance-type allow-lists (hardened profile). Default: the platform's.
    pub instance_types: TeamInstanceTypes,
}

/// A team's own instance-type allow-lists, passed to its users' profile launches (the hardened
/// user profile's `AppInstanceTypes`, `JobInstanceTypes`, `DeploymentInstanceTypes`). Each
/// `None` keeps the platform's list (`user_profile.instance_types`, `job_instance_types`,
/// `deployment_instance_types`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamInstanceTypes {
    /// Studio apps (`instance_types`). Default: the platform's.
    pub apps: Option<Vec<String>>,
    /// Training, processing, transform, tuning and AutoML jobs (`job_instance_types`). Default: the platform's.
    pub jobs: Option<Vec<String>>,
    /// Endpoint configurations (`deployment_instance_types`). Default: the platform's.
    pub deployments: Option<Vec<String>>,
}

impl TeamInstanceTypes {
    /// The config key, the user profile parameter and the list, for each list the team sets.
    pub fn set(&self) -> Vec<(&'static str, &'static str, &[String])> {
        [
            ("instance_types", APP_INSTANCE_TYPES, &self.apps),
            ("job_instance_types", JOB_INSTANCE_TYPES, &self.jobs),
            ("deployment_instance_types", DEPLOYMENT_INSTANCE_TYPES, &self.deployments),
        ]
        .into_iter()
        .filter_map(|(key, parameter, list)| list.as_deref().map(|l| (key, parameter, l)))
        .collect()
    }

    /// The user profile launch parameters for the lists the team sets: comma-separated, as
    /// CloudFormation passes a `CommaDelimitedList`.
    pub fn parameters(&self) -> Vec<(String, String)> {
        self.set().into_iter().map(|(_, p, l)| (p.to_string(), l.join(","))).collect()
    }
}

/// The hardened user profile's parameters that carry the instance-type allow-lists.
pub const APP_INSTANCE_TYPES: &str = "AppInstanceTypes";
pub const JOB_INSTANCE_TYPES: &str = "JobInstanceTypes";
pub const DEPLOYMENT_INSTANCE_TYPES: &str = "DeploymentInstanceTypes";

/// A Studio user of a team: one user profile, named after the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamUser {
    /// The Studio user profile name (unique in the domain).
    pub name: String,
    /// Which user profile template. Default: the one the portfolio offers (`user_profile.variant`).
    pub variant: Option<Variant>,
}

impl Team {
    /// The file of the team's template: `teams/<name>-<env>.yaml`.
    pub fn file_name(&self) -> String {
        format!("teams/{}-{}.yaml", self.name, self.env)
    }

    fn key_pair(&self) -> (String, String) {
        (self.name.clone(), self.env.clone())
    }

    /// The stem of the file name, `<name>-<env>`, which `sds publish --team` matches.
    pub fn key(&self) -> String {
        format!("{}-{}", self.name, self.env)
    }
}

/// Logical id of a user's provisioned product: `User` and the name in Pascal case.
pub fn logical_id(user: &str) -> String {
    let mut id = String::from("User");
    for part in user.split('-').filter(|p| !p.is_empty()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            id.push(first.to_ascii_uppercase());
            id.extend(chars);
        }
    }
    id
}

/// Logical id of the team environment's provisioned product.
pub const TEAM_ENVIRONMENT_ID: &str = "TeamEnvironment";

/// One team's template: its team environment and its users' profiles, launched from the
/// portfolio.
///
/// ```
/// use sds_constructs::construct::Synth;
/// use sds_constructs::teams::{Team, TeamStack, TeamUser};
/// use sds_constructs::user_profile::Variant;
///
/// let users = vec![TeamUser { name: "alice".into(), variant: None }];
/// let team = Team { name: "fraud".into(), env: "dev".into(), users, instance_types: Default::default() };
/// let mut app = Synth::new("DSSharedServices");
/// app.add(&TeamStack { team, default_variant: Variant::V1 });
/// let app = app.finish().unwrap();
/// let t = app.get("teams/fraud-dev.yaml").unwrap();
/// assert_eq!(t.resources["UserAlice"].type_, "AWS::ServiceCatalog::CloudFormationProvisionedProduct");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamStack {
    pub team: Team,
    /// The variant of users that name none: the one the portfolio offers.
    pub default_variant: Variant,
}

fn parameters(pairs: &[(&str, &str)]) -> Value {
    Value::List(pairs.iter().map(|(k, v)| Value::Map(map! { "Key" => *k, "Value" => *v })).collect())
}

impl Construct for TeamStack {
    fn synth(&self, app: &mut Synth) -> Stack {
        let t = &self.team;
        let mut s = Stack::new(
            &t.file_name(),
            &format!(
                "Team {} in {}: its team environment and {} Studio user profile(s), launched from the Data Science Administrator Portfolio.",
                t.name,
                t.env,
                t.users.len()
            ),
        );
        let tags = list![tag("TeamName", t.name.as_str()), tag("EnvironmentType", t.env.as_str())];
        let set = app.stack_set_name.as_str();
        let env = s.add(
            TEAM_ENVIRONMENT_ID,
            "AWS::ServiceCatalog::CloudFormationProvisionedProduct",
            map! {
                "ProductName" => TEAM_ENVIRONMENT_PRODUCT,
                "ProvisioningArtifactName" => TEAM_ENVIRONMENT_VERSION,
                "ProvisionedProductName" => TEAM_PRODUCT.render(&t.name, &t.env, ""),
                "ProvisioningParameters" => parameters(&[("TeamName", &t.name), ("EnvType", &t.env), ("SharedServiceStackSetName", set)]),
                "Tags" => tags.clone(),
            },
        );
        s.output(
            "TeamEnvironmentProvisionedProductId",
            described(env.r(), "Service Catalog provisioned product of the team environment"),
        );
        for u in &t.users {
            let variant = u.variant.unwrap_or(self.default_variant);
            let own_types = t.instance_types.parameters();
            let user = s.add(
                &logical_id(&u.name),
                "AWS::ServiceCatalog::CloudFormationProvisionedProduct",
                map! {
                    "ProductName" => USER_PROFILE_PRODUCT,
                    "ProvisioningArtifactName" => user_profile_version(variant),
                    "ProvisionedProductName" => USER_PRODUCT.render(&t.name, &t.env, &u.name),
                    "ProvisioningParameters" => parameters(
                        &[
                            ("TeamName", t.name.as_str()),
                            ("EnvType", &t.env),
                            ("SharedServiceStackSetName", set),
                            ("StudioUserProfileName", &u.name),
                        ]
                        .into_iter()
                        .chain(own_types.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                        .collect::<Vec<_>>(),
                    ),
                    "Tags" => tags.clone(),
                },
            );
            // The profile's policies import the team's key and reach its buckets.
            s.depends_on(&user, &env);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    const ISSUE: &str = "teams:
  - name: fraud-detection
    env: dev
    users:
      - name: alice
      - name: bob
        variant: v2
  - name: fraud-detection
    env: prod
    users:
      - name: carol
";

    fn errors(text: &str) -> Vec<String> {
        Config::from_yaml(text, "sds.yaml").unwrap_err().0.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn the_issue_example_reads() {
        let c = Config::from_yaml(ISSUE, "sds.yaml").unwrap();
        assert_eq!(c.teams.len(), 2);
        assert_eq!(c.teams[0].users[1], TeamUser { name: "bob".into(), variant: Some(Variant::V2) });
        assert_eq!(c.teams[1].key(), "fraud-detection-prod");
        assert_eq!(Config::from_yaml("teams: []\n", "sds.yaml").unwrap(), Config::default());
    }

    #[test]
    fn bad_names_are_located() {
        assert_eq!(
            errors("teams:\n  - name: Fraud\n    env: dev\n"),
            ["sds.yaml:2:5: teams.0.name: \"Fraud\" must be lower case letters, digits and hyphens"]
        );
        assert_eq!(errors("teams:\n  - env: dev\n"), ["sds.yaml:2:5: teams.0 needs a name"]);
        assert_eq!(errors("teams:\n  - name: a\n"), ["sds.yaml:2:5: teams.0 needs a env"]);
        assert_eq!(
            errors("teams:\n  - name: a\n    env: b\n    users:\n      - variant: v1\n"),
            ["sds.yaml:5:9: teams.0.users.0 needs a name"]
        );
        let long = "a".repeat(40);
        assert_eq!(errors(&format!("teams:\n  - name: {long}\n    env: dev\n")), [format!(
            "sds.yaml:2:5: teams.0: team \"{long}\" in \"dev\" makes the S3 bucket name \"ds-data-bucket-{long}-dev-xxxxxxxxxxxx\" of 72 characters; AWS allows at most 63"
        )]);
        let e = errors("teams:\n  - name: fraud-detection\n    env: dev\n    users:\n      - name: a-very-long-user-name-for-a-role\n");
        assert_eq!(e, ["sds.yaml:5:9: teams.0.users.0.name: user \"a-very-long-user-name-for-a-role\" of team \"fraud-detection\" in \"dev\" makes the IAM role name \"ds-notebook-role-fraud-detection-dev-a-very-long-user-name-for-a-role\" of 69 characters; AWS allows at most 64"]);
        assert!(errors("teams:\n  - name: a\n    env: b\n    users:\n      - name: -x\n")[0]
            .contains("not a Studio user profile name"));
        assert!(errors("teams:\n  - name: a\n    env: b\n    users:\n      - name: x\n        variant: v3\n")[0]
            .starts_with("sds.yaml:6:9: teams.0.users.0.variant: \"v3\" is not a user profile variant"));
        assert!(errors("teams:\n  - name: a\n    env: b\n    user: []\n")[0]
            .starts_with("sds.yaml:4:5: unknown key teams.0.user"));
        assert!(errors("teams: {}\n")[0].starts_with("sds.yaml:1:1: teams must be a list"));
    }

    #[test]
    fn duplicates_are_located() {
        let e = errors("teams:\n  - name: a\n    env: dev\n  - name: a\n    env: dev\n");
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("sds.yaml:4:5: teams.1: team \"a\" in \"dev\" is already declared at teams.0"),
            "{e:?}"
        );
        // Different teams whose names join into the same ones.
        let e = errors("teams:\n  - name: a-b\n    env: c\n  - name: a\n    env: b-c\n");
        assert!(e[0].starts_with("sds.yaml:4:5: teams.1:") && e[0].contains("as teams.0 does"), "{e:?}");
        let e = errors("teams:\n  - name: a\n    env: dev\n    users: [{name: alice}]\n  - name: b\n    env: dev\n    users: [{name: alice}]\n");
        assert_eq!(e, ["sds.yaml:7:14: teams.1.users.0.name: user \"alice\" is already declared at teams.0.users.0; Studio user profile names are unique in the domain"]);
        let e = errors("teams:\n  - name: a\n    env: dev\n    users: [{name: a-b}, {name: aB}]\n");
        assert!(e[0].contains("same logical id"), "{e:?}");
    }

    #[test]
    fn a_team_template_launches_the_portfolio_products_by_name() {
        let c = Config::from_yaml(ISSUE, "sds.yaml").unwrap();
        let mut app = Synth::new("DSSharedServices");
        app.add(&TeamStack { team: c.teams[0].clone(), default_variant: Variant::V1 });
        let app = app.finish().unwrap();
        let t = app.get("teams/fraud-detection-dev.yaml").unwrap();
        let ids: Vec<&str> = t.resources.keys().map(String::as_str).collect();
        assert_eq!(ids, ["TeamEnvironment", "UserAlice", "UserBob"]);
        let bob = &t.resources["UserBob"];
        assert_eq!(bob.properties["ProvisioningArtifactName"].as_str(), Some("DS SageMaker Studio User Profile v2"));
        assert_eq!(
            t.resources["UserAlice"].properties["ProvisioningArtifactName"].as_str(),
            Some("DS SageMaker Studio User Profile v1")
        );
        assert_eq!(bob.depends_on, ["TeamEnvironment"]);
    }

    #[test]
    fn team_instance_types_are_read_and_checked() {
        let text = "profile: hardened\nteams:\n  - name: a\n    env: dev\n    job_instance_types: [ml.g5.xlarge, ml.g5.2xlarge]\n";
        let c = Config::from_yaml(text, "sds.yaml").unwrap();
        let own = &c.teams[0].instance_types;
        assert_eq!(own.jobs.as_deref(), Some(&["ml.g5.xlarge".to_string(), "ml.g5.2xlarge".to_string()][..]));
        assert_eq!((own.apps.clone(), own.deployments.clone()), (None, None));
        assert_eq!(own.parameters(), [("JobInstanceTypes".to_string(), "ml.g5.xlarge,ml.g5.2xlarge".to_string())]);
        let team = |lines: &str| format!("profile: hardened\nteams:\n  - name: a\n    env: dev\n{lines}");
        assert_eq!(
            errors(&team("    job_instance_types: [ml.g5.xlarge, g5.xlarge]\n")),
            ["sds.yaml:5:40: teams.0.job_instance_types.1: \"g5.xlarge\" is not a SageMaker instance type (ml.<family>.<size>, or system)"]
        );
        assert_eq!(
            errors(&team("    deployment_instance_types: []\n")),
            ["sds.yaml:5:5: teams.0.deployment_instance_types must list at least one instance type (leave it out for the platform's)"]
        );
        assert_eq!(
            errors(&team("    instance_types: ml.t3.medium\n")),
            ["sds.yaml:5:5: teams.0.instance_types must be a list of instance types"]
        );
        assert_eq!(
            errors(&team("    instance_types: [system, ml.m5.large]\n")),
            ["sds.yaml:5:5: teams.0.instance_types must include user_profile.default_instance_type ml.t3.medium (the default of the team's Studio apps)"]
        );
        let reference = "teams:\n  - name: a\n    env: dev\n    job_instance_types: [ml.g5.xlarge]\n";
        assert_eq!(
            errors(reference),
            ["sds.yaml:4:5: teams.0.job_instance_types: a team's own instance types need `profile: hardened` (the reference's user profile takes none)"]
        );
    }

    #[test]
    fn logical_ids() {
        assert_eq!(logical_id("alice"), "UserAlice");
        assert_eq!(logical_id("jean-luc2"), "UserJeanLuc2");
    }
}
