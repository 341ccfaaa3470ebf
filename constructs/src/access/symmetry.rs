//! The analysis at scale, by symmetry. Every team environment is launched from the same product
//! templates with only its names changed (`TeamName`, and `StudioUserProfileName` per user), so
//! what a principal of one team (or user) can do to a resource of another depends only on how
//! the two relate — same team or not, same user or not — not on which teams they are. The
//! analysis then launches [`REPRESENTATIVES`] teams of as many users, and each principal ×
//! resource pair of the whole stands for one *canonical* pair of the representatives (its teams
//! renamed to the first and second representative team in order of mention, its users likewise
//! within their team); the representatives' results are counted for every pair they stand for.
//!
//! Three teams of three users, not two: a path may run through a third team's (or user's) role,
//! and a chain of roles can always be recoloured with three teams (each step relates only two
//! neighbours), so every path of the whole has a counterpart among the representatives.
//!
//! The symmetry is checked, not assumed ([`representatives`], [`isomorphic`]), and the analysis
//! falls back to launching every team when it does not hold:
//! - no `access.deny` assertions (their patterns may name one team);
//! - every team in one environment, with the same number of users or at least three each;
//! - team and user names are opaque: none contains a wildcard or another name, so that no
//!   pattern written for one team (`ds-${TeamName}*`) matches another's;
//! - the platform's own instances name no team or user, and every team's (and user's)
//!   instances are those of the first team with its names put in place, value for value.
//!
//! What the check does not look for: a constant wildcard pattern in a template that matches
//! part of some names and not of others (say `arn:aws:s3:::*-00*` with teams `team-001` and
//! `team-100`). The platform writes none.

use std::collections::HashMap;

use super::graph::Graph;
use super::instance::{Instance, Launch};
use super::invariants::{Target, Violation};
use super::matrix::Cell;
use super::{AccessConfig, TeamSpec};

/// How many teams, and users per team, the analysis launches when it carries results over.
pub const REPRESENTATIVES: usize = 3;

/// How the representatives' analysis stands for all the declared teams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scale {
    /// Declared teams and users.
    pub teams: usize,
    pub users: usize,
    /// In the whole app: principals, resources and grants.
    pub principals: u64,
    pub targets: u64,
    pub grants: u64,
    /// For each violation of the representatives' analysis, how many violations of the whole
    /// it stands for (0: it mirrors a canonical one and is counted there).
    pub violations: Vec<u64>,
    /// Likewise for each cell of the matrix.
    pub cells: Vec<u64>,
}

/// The representatives to analyze instead of `config`'s teams, when the symmetry can hold (the
/// rest is checked by [`isomorphic`] on the instances); `None` when every team is to be
/// launched: the configuration is small, asserts `access.deny`, or its names are not opaque.
pub fn representatives(config: &AccessConfig) -> Option<AccessConfig> {
    let teams = &config.teams;
    let r = REPRESENTATIVES;
    let sizes: Vec<usize> = teams.iter().map(|t| t.users.len()).collect();
    if !config.denials.is_empty() || (teams.len() <= r && sizes.iter().all(|&u| u <= r)) {
        return None;
    }
    let uniform = sizes.windows(2).all(|w| w[0] == w[1]);
    if !(uniform || sizes.iter().all(|&u| u >= r)) || teams.iter().any(|t| t.env != teams[0].env) {
        return None;
    }
    // Teams with their own launch parameters (instance types) are not renames of each other.
    if teams.iter().any(|t| t.user_parameters != teams[0].user_parameters) {
        return None;
    }
    let names: Vec<&str> =
        teams.iter().flat_map(|t| std::iter::once(&t.name).chain(&t.users)).map(String::as_str).collect();
    if !opaque(&names) {
        return None;
    }
    let reps = teams
        .iter()
        .take(r)
        .map(|t| TeamSpec {
            name: t.name.clone(),
            env: t.env.clone(),
            users: t.users.iter().take(r).cloned().collect(),
            user_parameters: t.user_parameters.clone(),
        })
        .collect();
    Some(AccessConfig { teams: reps, denials: Vec::new() })
}

/// No name is empty, holds a wildcard, or occurs in another (which also makes them distinct).
fn opaque(names: &[&str]) -> bool {
    let mut by_length: Vec<&str> = names.to_vec();
    by_length.sort_by_key(|n| std::cmp::Reverse(n.len()));
    if names.iter().any(|n| n.is_empty() || n.contains(['*', '?'])) {
        return false;
    }
    // Longest first: a name can occur only in those before it.
    by_length.iter().enumerate().all(|(i, n)| by_length[..i].iter().all(|longer| !longer.contains(n)))
}

/// How many teams of each kind, and users of each team, validation launches ([`sample`]).
pub const SAMPLED: usize = 2;

/// The teams validation launches for the invariants on every synth, a few whatever the number
/// declared: of each kind of team (one environment and the same launch parameters) the first
/// [`SAMPLED`], with their first [`SAMPLED`] users; and every team and user an `access.deny`
/// assertion names (its name is in the assertion's principal or resource), so that an assertion
/// about a team beyond those is checked on it instead of matching nothing. Teams of one kind are
/// the same templates under other names, so what one team (or user) can do to another shows
/// between two of them; each kind is represented, and so is each pair of kinds. Names that are
/// not opaque (one holds another, or a wildcard) launch every team: a pattern written for one
/// may reach another. Not checked here, unlike `sds access` ([`isomorphic`], which instantiates
/// every team): a platform template that names a team.
pub fn sample(config: &AccessConfig) -> AccessConfig {
    let teams = &config.teams;
    let names: Vec<&str> =
        teams.iter().flat_map(|t| std::iter::once(&t.name).chain(&t.users)).map(String::as_str).collect();
    if !opaque(&names) {
        return config.clone();
    }
    let named = |name: &str| config.denials.iter().any(|d| d.principal.contains(name) || d.resource.contains(name));
    // By kind: the environment and the launch parameters.
    type Kind<'a> = (&'a str, &'a [(String, String)]);
    let mut per_kind: HashMap<Kind, usize> = HashMap::new();
    let mut out = Vec::new();
    for t in teams {
        let seen = per_kind.entry((t.env.as_str(), t.user_parameters.as_slice())).or_default();
        let representative = *seen < SAMPLED;
        *seen += 1;
        let users: Vec<String> =
            t.users.iter().enumerate().filter(|(i, u)| *i < SAMPLED || named(u)).map(|(_, u)| u.clone()).collect();
        let users_named = users.iter().skip(SAMPLED).count() > 0 || t.users.iter().take(SAMPLED).any(|u| named(u));
        if representative || named(&t.name) || users_named {
            out.push(TeamSpec { users, ..t.clone() });
        }
    }
    AccessConfig { teams: out, denials: config.denials.clone() }
}

/// The launch names of the teams (`team-dev`) and of their users (`team-dev/user`).
fn launch_names(teams: &[TeamSpec]) -> (Vec<String>, Vec<Vec<String>>) {
    let team = |t: &TeamSpec| format!("{}-{}", t.name, t.env);
    let users = teams.iter().map(|t| t.users.iter().map(|u| format!("{}/{u}", team(t))).collect()).collect();
    (teams.iter().map(team).collect(), users)
}

/// Whether the instances of the whole app (launched for `teams`) are symmetric: the platform's
/// name no team or user, and every team's and user's are the same once their names are put
/// in place (deploy-time tokens, which hash the instance name, aside).
pub fn isomorphic(instances: &[Instance], launches: &[Launch], teams: &[TeamSpec]) -> bool {
    let (team_launches, user_launches) = launch_names(teams);
    let names: Vec<&str> =
        teams.iter().flat_map(|t| std::iter::once(&t.name).chain(&t.users)).map(String::as_str).collect();
    // The shape every team's (or user's) instance must have, by its name within the launch.
    let mut shapes: HashMap<(bool, String, String), String> = HashMap::new();
    let by_name: HashMap<&str, &Launch> = launches.iter().map(|l| (l.name.as_str(), l)).collect();
    let team_of: HashMap<&str, usize> = team_launches.iter().enumerate().map(|(i, t)| (t.as_str(), i)).collect();
    // The launch an instance belongs to: the longest launch name it is, or is nested in.
    let launch_of = |instance: &str| {
        let mut at = instance;
        loop {
            if let Some(l) = by_name.get(at) {
                return Some(*l);
            }
            at = &at[..at.rfind('/')?];
        }
    };
    for i in instances {
        let Some(l) = launch_of(&i.name) else { return false };
        let text = serde_json::to_string(&shape_of(i)).unwrap_or_default();
        let team = l.name.split('/').next().unwrap_or("");
        let Some(&ti) = team_of.get(team) else {
            // The platform: it must name no team and no user.
            if names_any(&text, &names) {
                return false;
            }
            continue;
        };
        let user = user_launches[ti].iter().position(|u| *u == l.name).map(|ui| teams[ti].users[ui].as_str());
        let mut text = text.replace(&team_launches[ti], "\u{1}L").replace(&teams[ti].name, "\u{1}T");
        if let Some(u) = user {
            text = text.replace(u, "\u{1}U");
        }
        let text = mask_tokens(&text);
        let within = i.name[l.name.len()..].to_string();
        let key = (user.is_some(), i.file.clone(), within);
        match shapes.get(&key) {
            Some(first) if *first != text => return false,
            Some(_) => {}
            None => {
                shapes.insert(key, text);
            }
        }
    }
    true
}

/// Whether `text` contains any of `names`: each position looked up in the names of each length
/// (few lengths, many names).
fn names_any(text: &str, names: &[&str]) -> bool {
    let set: std::collections::HashSet<&[u8]> = names.iter().map(|n| n.as_bytes()).collect();
    let mut lengths: Vec<usize> = names.iter().map(|n| n.len()).collect();
    lengths.sort_unstable();
    lengths.dedup();
    let bytes = text.as_bytes();
    (0..bytes.len()).any(|at| lengths.iter().any(|&l| bytes.get(at..at + l).is_some_and(|w| set.contains(w))))
}

/// An instance as JSON: its resources' logical ids, types, ids, ARNs and resolved properties.
fn shape_of(i: &Instance) -> serde_json::Value {
    let resources: Vec<serde_json::Value> = i
        .resources
        .iter()
        .map(|r| {
            let props = super::graph::to_json(&crate::cfn::Value::Map(r.properties.clone()));
            serde_json::json!([r.logical_id, r.type_, r.id, r.arn, props])
        })
        .collect();
    let outputs: Vec<serde_json::Value> =
        i.outputs.iter().map(|(k, v)| serde_json::json!([k, super::graph::to_json(v)])).collect();
    serde_json::json!([resources, outputs])
}

/// `text` with every run of eight or more lower-case hex digits (the deploy-time tokens of
/// [`super::instance`], which hash the instance's name) replaced by `#`.
fn mask_tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() || ('a'..='f').contains(&c) {
            run.push(c);
            continue;
        }
        out.push_str(if run.len() >= 8 { "#" } else { &run });
        run.clear();
        out.push(c);
    }
    out.push_str(if run.len() >= 8 { "#" } else { &run });
    out
}

/// Who an instance belongs to among the representatives: (team, user within the team).
type Binding = (Option<usize>, Option<usize>);

/// Counts the representatives' analysis `a` (of `reps`) for all of `teams`.
pub fn scale(g: &Graph, cells: &[Cell], violations: &[Violation], reps: &[TeamSpec], teams: &[TeamSpec]) -> Scale {
    let (team_launches, user_launches) = launch_names(reps);
    let binding = |instance: &str| -> Binding {
        let within = |l: &str| instance == l || instance.starts_with(&format!("{l}/"));
        let Some(t) = team_launches.iter().position(|l| within(l)) else { return (None, None) };
        (Some(t), user_launches[t].iter().position(|u| within(u)))
    };
    let sizes: Vec<u64> = teams.iter().map(|t| t.users.len() as u64).collect();
    let principals: Vec<Binding> = g.principals.iter().map(|p| binding(&p.origin.instance)).collect();
    let targets: Vec<Binding> = g.targets.iter().map(|t| binding(&t.origin.instance)).collect();
    let cell_weights: Vec<u64> =
        cells.iter().map(|c| weight(&[principals[c.principal], targets[c.target]], &sizes)).collect();
    let violation_weights = violations
        .iter()
        .map(|v| {
            let p = v.principal.map_or((None, None), |p| principals[p]);
            let t = match &v.target {
                Target::Resource(t) => targets[*t],
                Target::Role(r) => principals[*r],
                Target::Arn(_) => (None, None),
            };
            weight(&[p, t], &sizes)
        })
        .collect();
    Scale {
        teams: teams.len(),
        users: sizes.iter().sum::<u64>() as usize,
        principals: principals.iter().map(|b| weight(&[*b], &sizes)).sum(),
        targets: targets.iter().map(|b| weight(&[*b], &sizes)).sum(),
        grants: cell_weights.iter().sum(),
        violations: violation_weights,
        cells: cell_weights,
    }
}

/// How many tuples of the whole the tuple of representatives `objects` stands for: 0 unless it
/// is canonical (its teams are the first representatives in order of mention, its users the
/// first of their team likewise); else the number of ways to pick distinct teams, and distinct
/// users within each, from the declared ones (`sizes`: users per team).
pub fn weight(objects: &[Binding], sizes: &[u64]) -> u64 {
    let mut teams: Vec<usize> = Vec::new();
    let mut users: Vec<Vec<usize>> = Vec::new();
    for (t, u) in objects {
        let Some(t) = t else { continue };
        let k = match teams.iter().position(|x| x == t) {
            Some(k) => k,
            None => {
                teams.push(*t);
                users.push(Vec::new());
                teams.len() - 1
            }
        };
        if let Some(u) = u {
            if !users[k].contains(u) {
                users[k].push(*u);
            }
        }
    }
    let canonical = teams.iter().enumerate().all(|(k, t)| k == *t)
        && users.iter().all(|us| us.iter().enumerate().all(|(j, u)| j == *u));
    if !canonical {
        return 0;
    }
    // Ways to pick m distinct users of a team of u.
    let falling = |u: u64, m: usize| (0..m as u64).map(|i| u.saturating_sub(i)).product::<u64>();
    let over = |m: usize| sizes.iter().map(|&u| falling(u, m)).sum::<u64>();
    match users.as_slice() {
        [] => 1,
        [a] => over(a.len()),
        [a, b] => {
            let same: u64 = sizes.iter().map(|&u| falling(u, a.len()) * falling(u, b.len())).sum();
            over(a.len()) * over(b.len()) - same
        }
        // Pairs mention two teams at most.
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{analyze_full, analyze_with, Analysis, DEFAULT_ROOT};
    use crate::config::Config;
    use crate::hardened::Profile;
    use crate::platform::Platform;

    #[test]
    fn validation_samples_each_kind_and_what_assertions_name() {
        let mut all = teams(7, &[4]);
        all[5].env = "prod".into();
        all[6].user_parameters = vec![("JobInstanceTypes".into(), "ml.m5.large".into())];
        let denial = |principal: &str, resource: &str| crate::config::Denial {
            principal: principal.into(),
            action: "s3:GetObject".into(),
            resource: resource.into(),
            reason: None,
            origin: "sds.yaml:1:1".into(),
        };
        let denials = vec![denial("team-002-dev/*/DataScientistRole", "*/user-003-03/SageMakerExecRole")];
        let sampled = sample(&AccessConfig { teams: all.clone(), denials: denials.clone() });
        let kept: Vec<(&str, Vec<&str>)> =
            sampled.teams.iter().map(|t| (t.name.as_str(), t.users.iter().map(String::as_str).collect())).collect();
        assert_eq!(
            kept,
            [
                ("team-000", vec!["user-000-00", "user-000-01"]),
                ("team-001", vec!["user-001-00", "user-001-01"]),
                ("team-002", vec!["user-002-00", "user-002-01"]),
                ("team-003", vec!["user-003-00", "user-003-01", "user-003-03"]),
                ("team-005", vec!["user-005-00", "user-005-01"]),
                ("team-006", vec!["user-006-00", "user-006-01"]),
            ]
        );
        assert_eq!(sampled.denials, denials);
        // Names one of which holds another: a pattern for one may reach the other, all launched.
        let mut clashing = teams(12, &[1]);
        clashing[1].name = "team-0".into();
        clashing[10].name = "team-01".into();
        assert_eq!(sample(&AccessConfig { teams: clashing.clone(), denials: Vec::new() }).teams, clashing);
    }

    fn teams(n: usize, users: &[usize]) -> Vec<TeamSpec> {
        (0..n)
            .map(|t| TeamSpec {
                name: format!("team-{t:03}"),
                env: "dev".into(),
                users: (0..users[t % users.len()]).map(|u| format!("user-{t:03}-{u:02}")).collect(),
                user_parameters: Vec::new(),
            })
            .collect()
    }

    /// `instance` of the whole renamed to the representatives' canonical names: teams in order
    /// of mention (`order`) become the first, second representative team, users likewise.
    fn canonical(
        instance: &str,
        all: &[TeamSpec],
        reps: &[TeamSpec],
        order: &mut Vec<usize>,
        users: &mut Vec<Vec<usize>>,
    ) -> String {
        let (teams, team_users) = launch_names(all);
        let (rep_teams, rep_users) = launch_names(reps);
        let within = |l: &str| instance == l || instance.starts_with(&format!("{l}/"));
        let Some(t) = teams.iter().position(|l| within(l)) else { return instance.to_string() };
        let k = order.iter().position(|x| *x == t).unwrap_or_else(|| {
            order.push(t);
            users.push(Vec::new());
            order.len() - 1
        });
        match team_users[t].iter().position(|l| within(l)) {
            Some(u) => {
                let j = users[k].iter().position(|x| *x == u).unwrap_or_else(|| {
                    users[k].push(u);
                    users[k].len() - 1
                });
                format!("{}{}", rep_users[k][j], &instance[team_users[t][u].len()..])
            }
            None => format!("{}{}", rep_teams[k], &instance[teams[t].len()..]),
        }
    }

    type Key = (String, String, String, String, String);

    /// Every cell and violation of `a` as (what, principal, target, level, decision) with the
    /// names made canonical; `weights` says how many each counts for (1 each when `None`).
    fn keys(a: &Analysis, all: &[TeamSpec], reps: &[TeamSpec], weights: Option<&Scale>) -> HashMap<Key, u64> {
        let g = &a.graph;
        let mut out: HashMap<Key, u64> = HashMap::new();
        let pair = |p: &super::super::graph::Origin, t: &super::super::graph::Origin| {
            let (mut order, mut users) = (Vec::new(), Vec::new());
            let p = format!("{}/{}", canonical(&p.instance, all, reps, &mut order, &mut users), p.logical_id);
            let t = format!("{}/{}", canonical(&t.instance, all, reps, &mut order, &mut users), t.logical_id);
            (p, t)
        };
        for (i, c) in a.cells.iter().enumerate() {
            let (p, t) = pair(&g.principals[c.principal].origin, &g.targets[c.target].origin);
            let key = (
                format!("grant, path of {}", c.path.len()),
                p,
                t,
                format!("{:?}", c.level),
                format!("{:?}", c.decision),
            );
            *out.entry(key).or_default() += weights.map_or(1, |w| w.cells[i]);
        }
        for (i, v) in a.violations.iter().enumerate() {
            let p = &g.principals[v.principal.expect("invariants name principals")].origin;
            let t = match &v.target {
                Target::Resource(t) => &g.targets[*t].origin,
                Target::Role(r) => &g.principals[*r].origin,
                Target::Arn(_) => unreachable!("no assertions here"),
            };
            let (p, t) = pair(p, t);
            let key = (v.rule.to_string(), p, t, format!("{:?}", v.level), format!("{:?}", v.decision));
            *out.entry(key).or_default() += weights.map_or(1, |w| w.violations[i]);
        }
        out.retain(|_, n| *n > 0);
        out
    }

    /// The representatives' analysis carried over gives what the analysis of every team gives:
    /// the same counts, and each grant and violation of the whole is one of the
    /// representatives' under canonical names, with the same level, decision and path length.
    fn agree(config: &Config, all: Vec<TeamSpec>) -> usize {
        let app = Platform::from_config(config).synth().unwrap();
        let access = AccessConfig { teams: all.clone(), denials: Vec::new() };
        let fast = analyze_with(&app.templates, DEFAULT_ROOT, &access);
        let scale = fast.scale.as_ref().expect("the symmetry holds");
        let full = analyze_full(&app.templates, DEFAULT_ROOT, &access);
        assert!(full.scale.is_none());
        assert_eq!(
            (scale.principals, scale.targets, scale.grants, scale.violations.iter().sum::<u64>()),
            (
                full.graph.principals.len() as u64,
                full.graph.targets.len() as u64,
                full.cells.len() as u64,
                full.violations.len() as u64
            )
        );
        let reps = representatives(&access).unwrap().teams;
        let (whole, carried) = (keys(&full, &all, &reps, None), keys(&fast, &reps, &reps, Some(scale)));
        let mut missing: Vec<_> = whole.iter().filter(|(k, n)| carried.get(*k) != Some(n)).collect();
        let mut extra: Vec<_> = carried.iter().filter(|(k, n)| whole.get(*k) != Some(n)).collect();
        missing.sort();
        extra.sort();
        assert!(missing.is_empty() && extra.is_empty(), "whole only: {missing:?}\ncarried only: {extra:?}");
        full.violations.len()
    }

    #[test]
    fn the_representatives_carried_over_agree_with_every_team_analyzed() {
        let reference = Config::default();
        assert!(agree(&reference, teams(4, &[4])) > 0);
        assert!(agree(&reference, teams(5, &[3, 4])) > 0);
        let hardened = Config { profile: Profile::Hardened, ..Config::default() };
        assert_eq!(agree(&hardened, teams(4, &[4])), 0);
    }

    #[test]
    fn without_the_symmetry_every_team_is_launched() {
        let app = Platform::default().synth().unwrap();
        let mut all = teams(4, &[2]);
        all[3].env = "prod".into();
        let a = analyze_with(&app.templates, DEFAULT_ROOT, &AccessConfig { teams: all, denials: Vec::new() });
        assert!(a.scale.is_none());
        assert_eq!(a.launches.iter().filter(|l| l.parameters.contains_key("StudioUserProfileName")).count(), 8);
        // Names that occur in each other: a pattern for one could match the other.
        let mut all = teams(4, &[2]);
        all[0].name = "team-00".into();
        assert!(representatives(&AccessConfig { teams: all.clone(), denials: Vec::new() }).is_none());
        // A small configuration is launched whole.
        assert!(representatives(&AccessConfig { teams: teams(3, &[3]), denials: Vec::new() }).is_none());
        // A team with its own instance types is no rename of the others.
        let mut all = teams(4, &[2]);
        assert!(representatives(&AccessConfig { teams: all.clone(), denials: Vec::new() }).is_some());
        all[2].user_parameters = vec![("JobInstanceTypes".into(), "ml.m5.large".into())];
        assert!(representatives(&AccessConfig { teams: all, denials: Vec::new() }).is_none());
    }

    #[test]
    fn weights_count_the_pairs_each_canonical_pair_stands_for() {
        // Three teams of 2, 3 and 4 users: 9 users.
        let sizes = [2, 3, 4];
        let (p, a, b) = ((None, None), (Some(0), None), (Some(1), None));
        assert_eq!(weight(&[p, p], &sizes), 1);
        assert_eq!(weight(&[p, a], &sizes), 3);
        assert_eq!(weight(&[a, a], &sizes), 3);
        assert_eq!(weight(&[a, b], &sizes), 6);
        assert_eq!(weight(&[b, a], &sizes), 0, "a mirror");
        let (a0, a1, b0) = ((Some(0), Some(0)), (Some(0), Some(1)), (Some(1), Some(0)));
        assert_eq!(weight(&[a0], &sizes), 9);
        assert_eq!(weight(&[a1], &sizes), 0);
        assert_eq!(weight(&[a0, a0], &sizes), 9);
        // Another user of the same team: 2·1 + 3·2 + 4·3.
        assert_eq!(weight(&[a0, a1], &sizes), 20);
        // A user of another team: 9·9 − (4 + 9 + 16).
        assert_eq!(weight(&[a0, b0], &sizes), 52);
        assert_eq!(weight(&[a0, b], &sizes), 9 * 3 - 9);
    }

    #[test]
    fn names_must_be_opaque() {
        assert!(opaque(&["team-001", "team-002", "alice", "bob"]));
        assert!(!opaque(&["team-1", "team-10"]));
        assert!(!opaque(&["ann", "joanna"]));
        assert!(!opaque(&["a", "a"]));
        assert!(!opaque(&["team-*"]));
    }

    #[test]
    fn names_are_found_in_text() {
        assert!(names_any("arn:aws:s3:::ds-team-007-data", &["bob", "team-007"]));
        assert!(!names_any("arn:aws:s3:::ds-team-00-data", &["bob", "team-007"]));
    }

    #[test]
    fn tokens_are_masked() {
        assert_eq!(mask_tokens("key/0123abcd-0000-0000-0000-0123456789ab"), "key/#-0000-0000-0000-#");
        assert_eq!(mask_tokens("deadbee bucket"), "deadbee bucket");
    }
}
