//! The platform's access invariants, checked on the matrix:
//!
//! 1. `access/team-isolation`: a team's buckets and keys are read, written or decrypted only by
//!    that team's principals and the platform's (the root's) — directly or through roles acted as;
//! 2. `access/escalation`: no data-science user principal can act as an administrator role or as
//!    another team's role;
//! 3. `access/studio-user-isolation`: a user's principals open only their own Studio user profile;
//! 4. `access/network-path`: buckets are read and written only through the platform's S3 VPC
//!    endpoint (a request from another endpoint, or from none, is refused).
//!
//! Who is who comes from the instance names (see [`super::launches`]): `root...` is the platform,
//! a team launch (`team-a-dev`) and what it nests is the team, a user launch (`team-a-dev/alice`)
//! the user. A team principal whose logical id names it an administrator (`...Admin...`) is the
//! team's administrator; the other team and user principals are data-science users.

use super::graph::{Graph, Kind, Principal};
use super::matrix::{grants, reachable, Cell, Level};
use crate::iam::{Context, Decision};

/// One broken invariant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub rule: &'static str,
    pub principal: usize,
    /// The resource (index in `Graph::targets`), or the role acted as (index in `principals`).
    pub target: Target,
    pub level: Option<Level>,
    pub decision: Decision,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Resource(usize),
    Role(usize),
}

/// The rules, with what each protects (for reports and `--list-rules`).
pub const RULES: &[(&str, &str)] = &[
    (
        "access/team-isolation",
        "a team's buckets and keys are reachable only by the team and the platform administrators",
    ),
    ("access/escalation", "no data-science user can act as an administrator role or another team's role"),
    ("access/studio-user-isolation", "a user opens only their own Studio user profile"),
    ("access/network-path", "buckets are reachable only through the platform's S3 VPC endpoint"),
];

/// Where an instance belongs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope<'a> {
    /// The team launch (`team-a-dev`), if any.
    pub team: Option<&'a str>,
    /// The user launch (`team-a-dev/alice`), if any.
    pub user: Option<&'a str>,
    pub platform: bool,
}

/// The scope of `instance`, given the team and user launch names.
pub fn scope<'a>(instance: &str, teams: &'a [String], users: &'a [String]) -> Scope<'a> {
    let within = |launch: &str| instance == launch || instance.starts_with(&format!("{launch}/"));
    Scope {
        team: teams.iter().find(|t| within(t)).map(String::as_str),
        user: users.iter().find(|u| within(u)).map(String::as_str),
        platform: within("root"),
    }
}

fn is_admin(p: &Principal, s: &Scope) -> bool {
    s.platform || (s.team.is_some() && s.user.is_none() && p.origin.logical_id.contains("Admin"))
}

fn is_user(p: &Principal, s: &Scope) -> bool {
    s.team.is_some() && !is_admin(p, s)
}

/// Every violation of the four invariants.
pub fn check(g: &Graph, cells: &[Cell], teams: &[String], users: &[String]) -> Vec<Violation> {
    let scope_of = |instance: &str| scope(instance, teams, users);
    let mut out = Vec::new();
    for c in cells {
        let p = &g.principals[c.principal];
        let t = &g.targets[c.target];
        let (ps, ts) = (scope_of(&p.origin.instance), scope_of(&t.origin.instance));
        let data = matches!(c.level, Level::Read | Level::Write | Level::Decrypt);
        if data && matches!(t.kind, Kind::Bucket | Kind::Key) {
            if let Some(team) = ts.team {
                if ps.team != Some(team) && !ps.platform {
                    out.push(Violation {
                        rule: "access/team-isolation",
                        principal: c.principal,
                        target: Target::Resource(c.target),
                        level: Some(c.level),
                        decision: c.decision.clone(),
                        message: format!(
                            "{} of team {team} can be {} by {}",
                            t.origin.logical_id,
                            past(c.level),
                            p.origin
                        ),
                    });
                }
            }
        }
        if c.level == Level::Open && is_user(p, &ps) && ts.user.is_some() && ps.user != ts.user {
            out.push(Violation {
                rule: "access/studio-user-isolation",
                principal: c.principal,
                target: Target::Resource(c.target),
                level: Some(c.level),
                decision: c.decision.clone(),
                message: format!("{} can open the Studio user profile of {}", p.origin, ts.user.unwrap_or("")),
            });
        }
        if t.kind == Kind::Bucket && matches!(c.level, Level::Read | Level::Write) && c.path.is_empty() {
            if let Some(elsewhere) = outside_endpoint(g, c) {
                out.push(Violation {
                    rule: "access/network-path",
                    principal: c.principal,
                    target: Target::Resource(c.target),
                    level: Some(c.level),
                    decision: elsewhere,
                    message: format!(
                        "{} can {} {} without the platform's S3 endpoint",
                        p.origin,
                        c.level.as_str(),
                        t.origin
                    ),
                });
            }
        }
    }
    for (pi, p) in g.principals.iter().enumerate() {
        let ps = scope_of(&p.origin.instance);
        if !is_user(p, &ps) {
            continue;
        }
        for (ri, path) in reachable(g, pi) {
            let r = &g.principals[ri];
            let rs = scope_of(&r.origin.instance);
            let other_team = rs.team.is_some() && rs.team != ps.team;
            if !(is_admin(r, &rs) || other_team) {
                continue;
            }
            let how: Vec<String> =
                path.iter().map(|s| format!("{} → {}", s.how, g.principals[s.role].origin.logical_id)).collect();
            let decision =
                path.iter().skip(1).fold(path[0].decision.clone(), |a, s| super::matrix::combine(&a, &s.decision));
            out.push(Violation {
                rule: "access/escalation",
                principal: pi,
                target: Target::Role(ri),
                level: None,
                decision,
                message: format!("{} can act as {}: {}", p.origin, r.origin, how.join(", ")),
            });
        }
    }
    out
}

fn past(level: Level) -> &'static str {
    match level {
        Level::Read => "read",
        Level::Write => "written",
        Level::Decrypt => "decrypted",
        _ => level.as_str(),
    }
}

/// Whether the cell's access also works from another VPC endpoint, or from none: the decision
/// that grants it then.
fn outside_endpoint(g: &Graph, c: &Cell) -> Option<Decision> {
    let p = &g.principals[c.principal];
    let t = &g.targets[c.target];
    let (action, resource) = match c.level {
        Level::Read => ("s3:GetObject", format!("{}/key", t.arn)),
        _ => ("s3:PutObject", format!("{}/key", t.arn)),
    };
    let base = || Context::open().set("aws:PrincipalArn", &[&p.arn]).absent("aws:SourceVpc");
    for ctx in [base().set("aws:SourceVpce", &["vpce-elsewhere"]), base().absent("aws:SourceVpce")] {
        let d = super::matrix::decide_with(p, action, &resource, Some(t), crate::iam::ResourceKind::Ordinary, ctx);
        if grants(&d) {
            return Some(d);
        }
    }
    None
}
