//! Access analysis over an app's templates: the app instantiated as it would stand deployed
//! ([`instance`]), the principals and resources it declares ([`graph`]), and who can reach what
//! ([`matrix`]), evaluated with [`crate::iam`].

pub mod graph;
pub mod instance;
pub mod invariants;
pub mod matrix;

use std::collections::BTreeMap;

use crate::cfn::{Template, Value};
use instance::Launch;

/// The teams and users the analysis launches the products for when the app declares none: two
/// teams with two users each, so that isolation between them can be checked.
pub const SAMPLE_TEAMS: &[(&str, &str, &[&str])] =
    &[("team-a", "dev", &["alice", "bob"]), ("team-b", "dev", &["carol", "dan"])];

/// The product templates the root's Service Catalog products load, by file name.
fn products(root: &Template) -> Vec<String> {
    let mut files = Vec::new();
    for r in root.resources.values().filter(|r| r.type_ == "AWS::ServiceCatalog::CloudFormationProduct") {
        let Some(Value::List(artifacts)) = r.properties.get("ProvisioningArtifactParameters") else { continue };
        for a in artifacts {
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

/// How the platform is launched for analysis: the root, and each product the portfolio offers —
/// once, or per team (a product with `TeamName`), or per user (with `StudioUserProfileName`).
pub fn launches(templates: &[(String, Template)], root: &str) -> Vec<Launch> {
    let get = |f: &str| templates.iter().find(|(n, _)| n == f).map(|(_, t)| t);
    let mut out = vec![Launch { name: "root".into(), file: root.into(), parameters: BTreeMap::new() }];
    let Some(root_template) = get(root) else { return out };
    for file in products(root_template) {
        let Some(t) = get(&file) else { continue };
        let params = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        match (t.parameters.contains_key("TeamName"), t.parameters.contains_key("StudioUserProfileName")) {
            (true, true) => {
                for (team, env, users) in SAMPLE_TEAMS {
                    for user in *users {
                        out.push(Launch {
                            name: format!("{team}-{env}/{user}"),
                            file: file.clone(),
                            parameters: params(&[
                                ("TeamName", team),
                                ("EnvType", env),
                                ("StudioUserProfileName", user),
                            ]),
                        });
                    }
                }
            }
            (true, false) => {
                for (team, env, _) in SAMPLE_TEAMS {
                    out.push(Launch {
                        name: format!("{team}-{env}"),
                        file: file.clone(),
                        parameters: params(&[("TeamName", team), ("EnvType", env)]),
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

/// The vendored AWS managed policy documents (`scripts/refresh-managed-policies`).
const MANAGED: &str = include_str!("../../data/aws-managed-policies.json");

/// The document of an AWS managed policy, if vendored.
pub fn managed_policy(arn: &str) -> Option<serde_json::Value> {
    static DATA: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    let data = DATA.get_or_init(|| serde_json::from_str(MANAGED).unwrap_or(serde_json::Value::Null));
    data.get("policies")?.get(arn)?.get("document").cloned()
}

/// The whole analysis of an app.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub launches: Vec<Launch>,
    pub graph: graph::Graph,
    pub cells: Vec<matrix::Cell>,
    pub violations: Vec<invariants::Violation>,
}

/// Analyzes the app whose root is `root`: launches its products for the sample teams and users,
/// builds the graph, the matrix and checks the invariants.
pub fn analyze(templates: &[(String, Template)], root: &str) -> Analysis {
    let launches = launches(templates, root);
    let instances = instance::instantiate(templates, &launches);
    let graph = graph::build(&instances, &managed_policy);
    let edges = matrix::edges(&graph);
    let cells = matrix::matrix(&graph, &edges);
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
    let violations = invariants::check(&graph, &edges, &cells, &teams, &users);
    Analysis { launches, graph, cells, violations }
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
