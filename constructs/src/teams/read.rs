//! The configuration's `teams` key: reading the list of teams and their users, and every check a
//! declared team must pass before anything is synthesized — names as AWS and the team environment
//! product accept them, every name the templates build from them within AWS's limits (through
//! [`crate::names`], the functions the templates use), no team and environment twice, no user
//! twice in the Studio domain, known variants, instance types. Depends on the model, `names` and
//! the configuration's instance-type rule only.

use std::collections::HashMap;

use crate::cfn::read::excerpt;
use crate::cfn::Value;
use crate::names::{TEAM_NAMES, USER_NAMES};
use crate::user_profile::Variant;

use super::{logical_id, Team, TeamInstanceTypes, TeamUser};

/// The keys of one team, and of one user.
pub const TEAM_KEYS: &[(&str, &str)] = &[
    ("name", "team name: lower case letters, digits and hyphens (required)"),
    ("env", "environment (the team environment's EnvType): lower case letters, digits and hyphens (required)"),
    ("users", "the team's Studio users: a list of {name, variant?}; default none"),
    ("instance_types", "instance types the team's Studio apps may use (hardened profile); default: user_profile.instance_types"),
    (
        "job_instance_types",
        "instance types the team's training, processing, transform, tuning and AutoML jobs may use (hardened profile); default: user_profile.job_instance_types",
    ),
    (
        "deployment_instance_types",
        "instance types the team's models may be deployed on (hardened profile); default: user_profile.deployment_instance_types",
    ),
];
pub const USER_KEYS: &[(&str, &str)] = &[
    ("name", "Studio user profile name, unique in the Studio domain (required)"),
    ("variant", "v1 or v2; default: user_profile.variant"),
];

/// Team and environment names: what the team environment product's `AllowedPattern` accepts,
/// not empty. Pattern for the schema.
pub const LOWER_NAME_PATTERN: &str = "^[a-z0-9-]+$";
/// SageMaker's `UserProfileName` pattern.
/// See: <https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateUserProfile.html>
pub const USER_NAME_PATTERN: &str = "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$";

fn lower_name(s: &str) -> Result<(), String> {
    let ok = !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    ok.then_some(()).ok_or_else(|| "must be lower case letters, digits and hyphens".into())
}

fn user_name(s: &str) -> Result<(), String> {
    let ok = (1..=63).contains(&s.len())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    ok.then_some(()).ok_or_else(|| {
        "is not a Studio user profile name (1-63 letters, digits and hyphens, starting and ending with a letter or digit)"
            .into()
    })
}

/// Reports a problem at a dotted key (`teams.0.users.1.name`).
pub type Fail<'a> = &'a mut dyn FnMut(&str, String);

/// Reads `teams` (at `key`) and checks it; problems go to `fail`, and the teams that passed are
/// returned.
pub fn read(v: &Value, key: &str, fail: Fail) -> Vec<Team> {
    let Value::List(items) = v else {
        fail(key, format!("{key} must be a list of {{name, env, users}}"));
        return Vec::new();
    };
    let mut teams = Vec::new();
    // Every name built, the first key that built it: two teams must not build one role name.
    let mut built: HashMap<String, String> = HashMap::new();
    let mut users_seen: HashMap<String, String> = HashMap::new();
    let mut declared: HashMap<(String, String), String> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("{key}.{i}");
        let Some(team) = read_team(item, &at, fail) else { continue };
        if let Some(first) = declared.insert(team.key_pair(), at.clone()) {
            fail(&at, format!("{at}: team {:?} in {:?} is already declared at {first}", team.name, team.env));
            continue;
        }
        // One message per team: the first name that breaks a rule, or is another team's.
        let mut ok = true;
        for n in TEAM_NAMES {
            let rendered = n.render(&team.name, &team.env, "");
            // Names that end in the stack-id suffix differ between stacks.
            let unique = n.pattern.contains("{stack}");
            let problem = match (n.check(&team.name, &team.env, ""), built.get(&rendered).filter(|_| !unique)) {
                (Err(why), _) => Some((format!("{at}.name"), why)),
                (Ok(()), Some(first)) => {
                    Some((at.clone(), format!("makes the {} {rendered:?} as {first} does", n.what)))
                }
                _ => None,
            };
            if let Some((key, why)) = problem {
                fail(&key, format!("{at}: team {:?} in {:?} {why}", team.name, team.env));
                ok = false;
                break;
            }
        }
        if ok {
            for n in TEAM_NAMES {
                built.insert(n.render(&team.name, &team.env, ""), at.clone());
            }
        }
        let mut ids: HashMap<String, &str> = HashMap::new();
        for (j, u) in team.users.iter().enumerate() {
            let uat = format!("{at}.users.{j}");
            if let Some(first) = users_seen.get(&u.name) {
                fail(
                    &format!("{uat}.name"),
                    format!("{uat}.name: user {:?} is already declared at {first}; Studio user profile names are unique in the domain", u.name),
                );
                ok = false;
                continue;
            }
            users_seen.insert(u.name.clone(), uat.clone());
            if let Some(other) = ids.insert(logical_id(&u.name), &u.name) {
                fail(
                    &format!("{uat}.name"),
                    format!(
                        "{uat}.name: users {other:?} and {:?} would have the same logical id in the team's template",
                        u.name
                    ),
                );
                ok = false;
            }
            for n in USER_NAMES {
                let rendered = n.render(&team.name, &team.env, &u.name);
                if let Err(why) = n.check(&team.name, &team.env, &u.name) {
                    fail(
                        &format!("{uat}.name"),
                        format!("{uat}.name: user {:?} of team {:?} in {:?} {why}", u.name, team.name, team.env),
                    );
                    ok = false;
                } else if let Some(first) = built.get(&rendered) {
                    fail(
                        &format!("{uat}.name"),
                        format!("{uat}.name: makes the {} {rendered:?}, as {first} does", n.what),
                    );
                    ok = false;
                } else {
                    built.insert(rendered, uat.clone());
                }
            }
        }
        if ok {
            teams.push(team);
        }
    }
    teams
}

fn entries<'v>(v: &'v Value, at: &str, known: &[(&str, &str)], fail: Fail) -> Option<&'v crate::cfn::Map> {
    let Value::Map(m) = v else {
        fail(at, format!("{at} must be a mapping"));
        return None;
    };
    let names: Vec<&str> = known.iter().map(|(k, _)| *k).collect();
    for k in m.keys().filter(|k| !names.contains(&k.as_str())) {
        fail(&format!("{at}.{k}"), format!("unknown key {at}.{k} (expected one of {})", names.join(", ")));
    }
    Some(m)
}

/// A required string checked by `rule`.
fn text(
    m: &crate::cfn::Map,
    at: &str,
    field: &str,
    rule: fn(&str) -> Result<(), String>,
    fail: Fail,
) -> Option<String> {
    let key = format!("{at}.{field}");
    match m.get(field) {
        None => {
            fail(at, format!("{at} needs a {field}"));
            None
        }
        Some(Value::String(s)) => match rule(s) {
            Ok(()) => Some(s.clone()),
            Err(why) => {
                fail(&key, format!("{key}: {} {why}", excerpt(s)));
                None
            }
        },
        Some(_) => {
            fail(&key, format!("{key} must be a string"));
            None
        }
    }
}

fn read_team(v: &Value, at: &str, fail: Fail) -> Option<Team> {
    let m = entries(v, at, TEAM_KEYS, fail)?;
    let name = text(m, at, "name", lower_name, fail);
    let env = text(m, at, "env", lower_name, fail);
    let mut users = Vec::new();
    let mut ok = true;
    match m.get("users") {
        None | Some(Value::Null) => {}
        Some(Value::List(items)) => {
            for (j, item) in items.iter().enumerate() {
                let uat = format!("{at}.users.{j}");
                match read_user(item, &uat, fail) {
                    Some(u) => users.push(u),
                    None => ok = false,
                }
            }
        }
        Some(_) => {
            fail(&format!("{at}.users"), format!("{at}.users must be a list of {{name, variant?}}"));
            ok = false;
        }
    }
    let mut instance_types = TeamInstanceTypes::default();
    for (field, list) in [
        ("instance_types", &mut instance_types.apps),
        ("job_instance_types", &mut instance_types.jobs),
        ("deployment_instance_types", &mut instance_types.deployments),
    ] {
        if let Some(v) = m.get(field) {
            *list = instance_type_list(v, &format!("{at}.{field}"), fail);
            ok &= list.is_some();
        }
    }
    Some(Team { name: name?, env: env?, users, instance_types }).filter(|_| ok)
}

/// A non-empty list of SageMaker instance types ([`crate::config::rules::INSTANCE_TYPE`]).
fn instance_type_list(v: &Value, key: &str, fail: Fail) -> Option<Vec<String>> {
    let Value::List(items) = v else {
        fail(key, format!("{key} must be a list of instance types"));
        return None;
    };
    if items.is_empty() {
        fail(key, format!("{key} must list at least one instance type (leave it out for the platform's)"));
        return None;
    }
    let mut out = Vec::new();
    for (k, item) in items.iter().enumerate() {
        let at = format!("{key}.{k}");
        match item {
            Value::String(t) => match (crate::config::rules::INSTANCE_TYPE.check)(t) {
                Ok(()) => out.push(t.clone()),
                Err(why) => fail(&at, format!("{at}: {} {why}", excerpt(t))),
            },
            _ => fail(&at, format!("{at} must be a string")),
        }
    }
    (out.len() == items.len()).then_some(out)
}

fn read_user(v: &Value, at: &str, fail: Fail) -> Option<TeamUser> {
    let m = entries(v, at, USER_KEYS, fail)?;
    let name = text(m, at, "name", user_name, fail);
    let variant = match m.get("variant") {
        None => Some(None),
        Some(Value::String(s)) if s == "v1" => Some(Some(Variant::V1)),
        Some(Value::String(s)) if s == "v2" => Some(Some(Variant::V2)),
        Some(other) => {
            let shown = match other {
                Value::String(s) => excerpt(s),
                _ => "this".into(),
            };
            fail(&format!("{at}.variant"), format!("{at}.variant: {shown} is not a user profile variant (v1 or v2)"));
            None
        }
    };
    Some(TeamUser { name: name?, variant: variant? })
}
