//! Access analysis over an app's templates: the app instantiated as it would stand deployed
//! ([`instance`]), the principals and resources it declares ([`graph`]), and who can reach what
//! ([`matrix`]), evaluated with [`crate::iam`].

pub mod assertions;
pub mod created;
pub mod graph;
pub mod instance;
pub mod invariants;
pub mod matrix;
pub mod symmetry;

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};

use serde_json::value::RawValue;

use crate::cfn::{Template, Value};
use crate::config::Denial;
use instance::Launch;

/// A team environment the analysis launches the products for: the team's name, its
/// environment, and its users' profile names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamSpec {
    pub name: String,
    pub env: String,
    pub users: Vec<String>,
    /// Further parameters of the team's user profile launches (the team's own instance types).
    pub user_parameters: Vec<(String, String)>,
}

/// The teams and users the analysis launches the products for when the configuration declares
/// none: two teams with two users each, so that isolation between them can be checked.
pub fn sample_teams() -> Vec<TeamSpec> {
    let team = |name: &str, users: &[&str]| TeamSpec {
        name: name.into(),
        env: "dev".into(),
        users: users.iter().map(|u| u.to_string()).collect(),
        user_parameters: Vec::new(),
    };
    vec![team("team-a", &["alice", "bob"]), team("team-b", &["carol", "dan"])]
}

/// The product templates the root's Service Catalog products load, by file name: each product's
/// first version (the one the portfolio offers; a user launched from a second version, e.g. the
/// other user profile variant, is analyzed as launched from the first).
fn products(root: &Template) -> Vec<String> {
    let mut files = Vec::new();
    for r in root.resources.values().filter(|r| r.type_ == "AWS::ServiceCatalog::CloudFormationProduct") {
        let Some(Value::List(artifacts)) = r.properties.get("ProvisioningArtifactParameters") else { continue };
        for a in artifacts.iter().take(1) {
            let url = a
                .as_map()
                .and_then(|m| m.get("Info"))
                .and_then(Value::as_map)
                .and_then(|m| m.get("LoadTemplateFromURL"));
            if let Some(Value::String(url)) = url {
                files.extend(url.rsplit('/').next().map(str::to_string));
            }
        }
    }
    files
}

/// How the platform is launched for analysis with the sample teams ([`launches_for`]).
pub fn launches(templates: &[(String, Template)], root: &str) -> Vec<Launch> {
    launches_for(templates, root, &sample_teams())
}

/// How the platform is launched for analysis: the root, and each product the portfolio offers —
/// once, or per team of `teams` (a product with `TeamName`), or per user (with
/// `StudioUserProfileName`).
pub fn launches_for<T: Borrow<Template>>(templates: &[(String, T)], root: &str, teams: &[TeamSpec]) -> Vec<Launch> {
    let get = |f: &str| templates.iter().find(|(n, _)| n == f).map(|(_, t)| t.borrow());
    let mut out = vec![Launch { name: "root".into(), file: root.into(), parameters: BTreeMap::new() }];
    let Some(root_template) = get(root) else { return out };
    for file in products(root_template) {
        let Some(t) = get(&file) else { continue };
        let params = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        match (t.parameters.contains_key("TeamName"), t.parameters.contains_key("StudioUserProfileName")) {
            (true, true) => {
                for t in teams {
                    for user in &t.users {
                        out.push(Launch {
                            name: format!("{}-{}/{user}", t.name, t.env),
                            file: file.clone(),
                            parameters: params(&[
                                ("TeamName", &t.name),
                                ("EnvType", &t.env),
                                ("StudioUserProfileName", user),
                            ])
                            .into_iter()
                            .chain(t.user_parameters.iter().cloned())
                            .collect(),
                        });
                    }
                }
            }
            (true, false) => {
                for t in teams {
                    out.push(Launch {
                        name: format!("{}-{}", t.name, t.env),
                        file: file.clone(),
                        parameters: params(&[("TeamName", &t.name), ("EnvType", &t.env)]),
                    });
                }
            }
            _ => {
                let stem = file.trim_end_matches(".yaml").trim_end_matches(".json").to_string();
                out.push(Launch { name: stem, file: file.clone(), parameters: BTreeMap::new() });
            }
        }
    }
    out
}

/// The file name of the platform's root template.
pub const DEFAULT_ROOT: &str = "ds_administration.yaml";

/// The root of an app: the platform's root when present, else the one template no other nests;
/// the candidates when several could be.
pub fn root<T: Borrow<Template>>(templates: &[(String, T)]) -> Result<String, Vec<String>> {
    if templates.iter().any(|(n, _)| n == DEFAULT_ROOT) {
        return Ok(DEFAULT_ROOT.into());
    }
    let nested: Vec<&str> = templates
        .iter()
        .flat_map(|(_, t)| t.borrow().resources.values())
        .filter(|r| r.type_ == "AWS::CloudFormation::Stack")
        .filter_map(|r| match r.properties.get("TemplateURL") {
            Some(Value::String(u)) => u.rsplit('/').next(),
            _ => None,
        })
        .collect();
    let roots: Vec<String> =
        templates.iter().map(|(n, _)| n.clone()).filter(|n| !nested.contains(&n.as_str())).collect();
    match <[String; 1]>::try_from(roots) {
        Ok([one]) => Ok(one),
        Err(several) => Err(several),
    }
}

/// Whether the app launches products per team: the apps the invariants are about (the platform
/// and what is built like it). Invariants on an app without teams would only say that its
/// buckets lack the platform's endpoint.
pub fn has_teams(launches: &[Launch]) -> bool {
    launches.iter().any(|l| l.parameters.contains_key("TeamName"))
}

/// The vendored AWS managed policy documents (`scripts/refresh-managed-policies`).
const MANAGED: &str = include_str!("../../data/aws-managed-policies.json");

/// The vendored policies: `{ARN: {"document": ..., ...}}`, documents left unparsed.
type Vendored = HashMap<&'static str, HashMap<&'static str, &'static RawValue>>;

/// The document of an AWS managed policy, if vendored. The file (`{"policies": ..., ...}`) is
/// indexed once; only the documents asked for are parsed.
pub fn managed_policy(arn: &str) -> Option<serde_json::Value> {
    static DATA: std::sync::OnceLock<Vendored> = std::sync::OnceLock::new();
    let data = DATA.get_or_init(|| {
        let file: HashMap<&str, &RawValue> = serde_json::from_str(MANAGED).unwrap_or_default();
        file.get("policies").and_then(|p| serde_json::from_str(p.get()).ok()).unwrap_or_default()
    });
    serde_json::from_str(data.get(arn)?.get("document")?.get()).ok()
}

/// The whole analysis of an app.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub launches: Vec<Launch>,
    pub graph: graph::Graph,
    pub cells: Vec<matrix::Cell>,
    pub violations: Vec<invariants::Violation>,
    /// When the analysis launched representatives of the declared teams ([`symmetry`]): how
    /// its cells and violations count for all of them. `None`: every team was launched.
    pub scale: Option<symmetry::Scale>,
}

/// Analyzes the app whose root is `root`: launches its products for the sample teams and users,
/// builds the graph, the matrix and checks the invariants.
pub fn analyze(templates: &[(String, Template)], root: &str) -> Analysis {
    analyze_with(templates, root, &AccessConfig::default())
}

/// What the configuration says to the analysis: the teams to launch the products for, and the
/// accesses that must be impossible (`access.deny`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessConfig {
    pub teams: Vec<TeamSpec>,
    pub denials: Vec<Denial>,
}

impl Default for AccessConfig {
    fn default() -> Self {
        AccessConfig { teams: sample_teams(), denials: Vec::new() }
    }
}

impl AccessConfig {
    /// The configuration's assertions, and its declared teams (`teams`) or, when it declares
    /// none, the sample teams.
    pub fn from_config(config: &crate::config::Config) -> AccessConfig {
        let teams = if config.teams.is_empty() {
            sample_teams()
        } else {
            config
                .teams
                .iter()
                .map(|t| TeamSpec {
                    name: t.name.clone(),
                    env: t.env.clone(),
                    users: t.users.iter().map(|u| u.name.clone()).collect(),
                    user_parameters: t.instance_types.parameters(),
                })
                .collect()
        };
        AccessConfig { teams, denials: config.access_deny.clone() }
    }

    /// [`AccessConfig::from_config`] with a few teams of a few users, for the invariants that
    /// validation checks on every synth ([`symmetry::sample`]): two teams of each kind with two
    /// users each, and the teams and users `access.deny` names; the analysis stays small however
    /// many teams are declared. `sds access` analyzes them all (or carries its representatives'
    /// results over to all, where it has checked that the symmetry holds).
    pub fn representatives(config: &crate::config::Config) -> AccessConfig {
        symmetry::sample(&AccessConfig::from_config(config))
    }
}

/// [`analyze`] as `config` says: with many teams or users, the analysis of representatives
/// carried over to all of them where the symmetry holds ([`symmetry`]), else [`analyze_full`].
pub fn analyze_with(templates: &[(String, Template)], root: &str, config: &AccessConfig) -> Analysis {
    if let Some(reps) = symmetry::representatives(config) {
        let launches = launches_for(templates, root, &config.teams);
        let instances = instance::instantiate(templates, &launches);
        if has_teams(&launches) && symmetry::isomorphic(&instances, &launches, &config.teams) {
            let mut a = analysis(templates, root, &reps, &|_| true);
            a.scale = Some(symmetry::scale(&a.graph, &a.cells, &a.violations, &reps.teams, &config.teams));
            return a;
        }
    }
    analyze_full(templates, root, config)
}

/// [`analyze`] as `config` says, launching every declared team and user (quadratic in them).
pub fn analyze_full(templates: &[(String, Template)], root: &str, config: &AccessConfig) -> Analysis {
    analysis(templates, root, config, &|_| true)
}

/// [`analyze_with`] for the violations only: the matrix holds the cells the invariants read
/// (data reads, writes and decrypts, and opening Studio profiles), not who manages or assumes
/// what — roles acted as come from the act-as edges all the same. What validation runs, on the
/// templates it holds (borrowed: `T` is `&Template`, or the template itself).
pub fn violations<T: Borrow<Template>>(templates: &[(String, T)], root: &str, config: &AccessConfig) -> Analysis {
    analysis(templates, root, config, &|level| {
        matches!(level, matrix::Level::Read | matrix::Level::Write | matrix::Level::Decrypt | matrix::Level::Open)
    })
}

fn analysis<T: Borrow<Template>>(
    templates: &[(String, T)],
    root: &str,
    config: &AccessConfig,
    keep: &dyn Fn(matrix::Level) -> bool,
) -> Analysis {
    let (teams, denials) = (&config.teams, &config.denials);
    let launches = launches_for(templates, root, teams);
    let instances = instance::instantiate(templates, &launches);
    let graph = graph::build(&instances, &managed_policy);
    let edges = matrix::edges(&graph);
    let cells = matrix::matrix_of(&graph, &edges, keep);
    let users: Vec<String> = launches
        .iter()
        .filter(|l| l.parameters.contains_key("StudioUserProfileName"))
        .map(|l| l.name.clone())
        .collect();
    // A team is a team launch, or the team a user launch belongs to (`team-a-dev/alice`).
    let mut teams: Vec<String> = launches
        .iter()
        .filter(|l| l.parameters.contains_key("TeamName") && !l.parameters.contains_key("StudioUserProfileName"))
        .map(|l| l.name.clone())
        .chain(users.iter().filter_map(|u| u.split_once('/').map(|(t, _)| t.to_string())))
        .collect();
    teams.sort();
    teams.dedup();
    let mut violations = invariants::check(&graph, &edges, &cells, &teams, &users);
    violations.extend(assertions::check(&graph, &edges, denials));
    Analysis { launches, graph, cells, violations, scale: None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::Platform;

    #[test]
    fn every_managed_policy_the_platform_attaches_is_vendored() {
        let app = Platform::default().synth().unwrap();
        let a = analyze(&app.templates, "ds_administration.yaml");
        let unknown: Vec<&String> = a.graph.principals.iter().flat_map(|p| &p.unknown_managed).collect();
        assert!(unknown.is_empty(), "run scripts/refresh-managed-policies: {unknown:?}");
        assert!(a.graph.problems.is_empty(), "{:?}", a.graph.problems);
    }
}
