//! Who gains or loses permissions: the IAM statements of roles (trust and inline policies,
//! attached managed policies), managed and inline policies, key policies, bucket and queue
//! policies and VPC endpoint policies, compared statement by statement per policy. An added
//! statement widens access when it allows an action or resource that no statement of the old
//! policy allowed (with no more conditions), uses `*`, or drops a condition; a removed `Deny`
//! widens access too.
//!
//! Depends on the model only.

use std::collections::BTreeSet;

use sds_constructs::cfn::yaml::inline;
use sds_constructs::cfn::{Template, Value};

use super::sets::Set;

/// One IAM statement, normalized for comparison (lists sorted, values as one-line text).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Statement {
    pub effect: String,
    pub principals: Vec<String>,
    /// `NotAction` members are prefixed with `not `.
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    pub conditions: Vec<String>,
}

/// One statement added or removed.
#[derive(Debug, Clone)]
pub struct AccessChange {
    pub template: String,
    /// The resource holding the policy, and its type.
    pub holder: String,
    pub holder_type: String,
    /// Which policy of it: `trust policy`, `inline policy NAME`, `key policy`, ...
    pub policy: String,
    /// Who the policy applies to, when it is attached elsewhere (`Roles: [..]`).
    pub attached_to: String,
    /// The principals (roles, users, groups: logical ids, or names as written) whose access the
    /// statement changes: the holder itself for a role's own policies; for a managed or inline
    /// policy resource, the principals it is attached to (its `Roles`/`Users`/`Groups`, and the
    /// roles that list it in `ManagedPolicyArns`). Empty for resource policies (key, bucket...),
    /// whose principals are in the statement.
    pub applies_to: Vec<String>,
    pub added: bool,
    pub statement: Statement,
    /// Why it widens access; empty when it does not.
    pub widening: Vec<String>,
}

/// A policy of a resource: (label, attached to, statements).
type Policy = (String, String, Vec<Statement>);

fn strings(v: Option<&Value>) -> Vec<String> {
    let mut out: Vec<String> = match v {
        None => Vec::new(),
        Some(Value::List(l)) => l.iter().map(text).collect(),
        Some(v) => vec![text(v)],
    };
    out.sort();
    out.dedup();
    out
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) | Value::Number(s) => s.clone(),
        v => inline(v),
    }
}

fn statements(doc: Option<&Value>) -> Vec<Statement> {
    let list = match doc.and_then(Value::as_map).and_then(|m| m.get("Statement")) {
        Some(Value::List(l)) => l.clone(),
        Some(v) => vec![v.clone()],
        None => match doc {
            // A document that is itself an expression (`Fn::If`): one opaque statement.
            Some(v @ Value::Fn(_)) => vec![v.clone()],
            _ => Vec::new(),
        },
    };
    let mut out: Vec<Statement> = list
        .iter()
        .map(|s| match s.as_map() {
            Some(m) => {
                let mut actions = strings(m.get("Action"));
                actions.extend(strings(m.get("NotAction")).into_iter().map(|a| format!("not {a}")));
                let mut resources = strings(m.get("Resource"));
                resources.extend(strings(m.get("NotResource")).into_iter().map(|a| format!("not {a}")));
                let mut principals = principal_list(m.get("Principal"));
                principals.extend(principal_list(m.get("NotPrincipal")).into_iter().map(|a| format!("not {a}")));
                let conditions = match m.get("Condition").and_then(Value::as_map) {
                    Some(c) => c
                        .iter()
                        .flat_map(|(op, v)| match v.as_map() {
                            Some(keys) => keys.iter().map(|(k, v)| format!("{op} {k} {}", text(v))).collect::<Vec<_>>(),
                            None => vec![format!("{op} {}", text(v))],
                        })
                        .collect(),
                    None => m.get("Condition").map(|c| vec![text(c)]).unwrap_or_default(),
                };
                let effect = m.get("Effect").map(text).unwrap_or_else(|| "(no Effect)".into());
                Statement { effect, principals, actions, resources, conditions }
            }
            None => Statement {
                effect: "(expression)".into(),
                principals: Vec::new(),
                actions: vec![text(s)],
                resources: Vec::new(),
                conditions: Vec::new(),
            },
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn principal_list(v: Option<&Value>) -> Vec<String> {
    match v {
        None => Vec::new(),
        Some(Value::Map(m)) => {
            let mut out: Vec<String> = m
                .iter()
                .flat_map(|(kind, v)| strings(Some(v)).into_iter().map(move |p| format!("{kind}: {p}")))
                .collect();
            out.sort();
            out
        }
        Some(v) => vec![text(v)],
    }
}

/// The policies a template's resources hold, keyed by (resource, label).
fn policies(t: &Template) -> Vec<(String, String, Policy)> {
    let mut out = Vec::new();
    for (id, r) in &t.resources {
        let p = |k: &str| r.properties.get(k);
        let attached = |keys: &[&str]| {
            keys.iter()
                .filter_map(|k| p(k).map(|v| format!("{k}: {}", strings(Some(v)).join(", "))))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let mut add = |label: String, to: String, doc: Option<&Value>| {
            out.push((id.clone(), r.type_.clone(), (label, to, statements(doc))));
        };
        match r.type_.as_str() {
            "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
                if r.type_ == "AWS::IAM::Role" {
                    add("trust policy".into(), String::new(), p("AssumeRolePolicyDocument"));
                }
                if let Some(Value::List(list)) = p("Policies") {
                    for (i, pol) in list.iter().enumerate() {
                        let m = pol.as_map();
                        let name = m.and_then(|m| m.get("PolicyName")).map(text).unwrap_or_else(|| format!("#{i}"));
                        add(format!("inline policy {name}"), String::new(), m.and_then(|m| m.get("PolicyDocument")));
                    }
                }
                let arns = strings(p("ManagedPolicyArns"));
                if !arns.is_empty() {
                    let attach = arns
                        .into_iter()
                        .map(|a| Statement {
                            effect: "Attach".into(),
                            principals: Vec::new(),
                            actions: vec![a],
                            resources: Vec::new(),
                            conditions: Vec::new(),
                        })
                        .collect();
                    out.push((id.clone(), r.type_.clone(), ("managed policies".into(), String::new(), attach)));
                }
            }
            "AWS::IAM::ManagedPolicy" | "AWS::IAM::Policy" => {
                add("policy".into(), attached(&["Roles", "Users", "Groups"]), p("PolicyDocument"))
            }
            "AWS::KMS::Key" => add("key policy".into(), String::new(), p("KeyPolicy")),
            "AWS::S3::BucketPolicy" => add("bucket policy".into(), attached(&["Bucket"]), p("PolicyDocument")),
            "AWS::SQS::QueuePolicy" => add("queue policy".into(), attached(&["Queues"]), p("PolicyDocument")),
            "AWS::SNS::TopicPolicy" => add("topic policy".into(), attached(&["Topics"]), p("PolicyDocument")),
            "AWS::EC2::VPCEndpoint" => add("endpoint policy".into(), attached(&["ServiceName"]), p("PolicyDocument")),
            "AWS::ECR::Repository" => add("repository policy".into(), String::new(), p("RepositoryPolicyText")),
            "AWS::Lambda::Permission" => {
                let s = Statement {
                    effect: "Allow".into(),
                    principals: strings(p("Principal")),
                    actions: strings(p("Action")),
                    resources: strings(p("FunctionName")),
                    conditions: ["SourceArn", "SourceAccount"]
                        .iter()
                        .filter_map(|k| p(k).map(|v| format!("{k} {}", text(v))))
                        .collect(),
                };
                out.push((id.clone(), r.type_.clone(), ("invoke permission".into(), String::new(), vec![s])));
            }
            _ => {}
        }
    }
    out.retain(|(_, _, (_, _, s))| !s.is_empty());
    out
}

/// Whether `pattern` (IAM wildcards `*` and `?`, case-insensitive as IAM actions are) covers `s`.
/// The usual greedy match with one backtrack point: linear in practice, quadratic at worst.
fn covers(pattern: &str, s: &str) -> bool {
    let (p, s) = (pattern.as_bytes(), s.as_bytes());
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < s.len() {
        if i < p.len() && (p[i] == b'?' || p[i].eq_ignore_ascii_case(&s[j])) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == b'*' {
            star = Some((i, j));
            i += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == b'*')
}

/// The actions an old policy allowed: exact names (lower case) and wildcard patterns.
struct Allowed<'a> {
    exact: std::collections::HashSet<String>,
    patterns: Vec<&'a str>,
}

impl<'a> Allowed<'a> {
    fn new(allows: &[&'a Statement]) -> Allowed<'a> {
        let mut exact = std::collections::HashSet::new();
        let mut patterns = Vec::new();
        for a in allows.iter().flat_map(|o| &o.actions) {
            if a.contains(['*', '?']) {
                patterns.push(a.as_str());
            } else {
                exact.insert(a.to_ascii_lowercase());
            }
        }
        Allowed { exact, patterns }
    }

    fn covers(&self, action: &str) -> bool {
        self.exact.contains(&action.to_ascii_lowercase()) || self.patterns.iter().any(|p| covers(p, action))
    }
}

/// Why an added statement widens what `old` allowed.
fn widening(s: &Statement, old: &[Statement], removed: &[&Statement]) -> Vec<String> {
    if s.effect != "Allow" {
        return Vec::new();
    }
    let allows: Vec<&Statement> = old.iter().filter(|o| o.effect == "Allow").collect();
    let mut why = Vec::new();
    let wild = |l: &[String]| l.iter().any(|x| x == "*" || x.ends_with(":*"));
    if (wild(&s.actions) && !allows.iter().any(|o| wild(&o.actions)))
        || (s.resources.iter().any(|r| r == "*") && !allows.iter().any(|o| o.resources.iter().any(|r| r == "*")))
    {
        why.push("wildcard".to_string());
    }
    let allowed = Allowed::new(&allows);
    let new_actions: Vec<&String> = s.actions.iter().filter(|a| !allowed.covers(a)).collect();
    if !new_actions.is_empty() {
        let list: Vec<&str> = new_actions.iter().take(5).map(|a| a.as_str()).collect();
        let more = if new_actions.len() > 5 { format!(" and {} more", new_actions.len() - 5) } else { String::new() };
        why.push(format!("new action {}{more}", list.join(", ")));
    }
    let new_principals: Vec<&String> =
        s.principals.iter().filter(|p| !allows.iter().any(|o| o.principals.contains(p))).collect();
    if !new_principals.is_empty() {
        why.push(format!("new principal {}", new_principals.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")));
    }
    let same_grant =
        |o: &&&Statement| o.actions == s.actions && o.resources == s.resources && o.principals == s.principals;
    if removed.iter().filter(same_grant).any(|o| o.conditions.iter().any(|c| !s.conditions.contains(c))) {
        why.push("condition dropped".to_string());
    }
    // The same actions were allowed: perhaps not on these resources, or only under conditions.
    // (Bounded: a policy has at most a few hundred statements within IAM's size limits.)
    if why.is_empty() && allows.len() <= 1000 {
        let covered = s.actions.iter().all(|a| {
            s.resources.iter().all(|r| {
                allows.iter().any(|o| {
                    o.actions.iter().any(|p| covers(p, a))
                        && (o.resources.is_empty() || o.resources.iter().any(|p| covers(p, r)))
                        && o.conditions.iter().all(|c| s.conditions.contains(c))
                })
            })
        });
        if !covered {
            why.push("broader resources or fewer conditions".to_string());
        }
    }
    why
}

/// The logical id a `!Ref X` names, or the value as text.
fn referenced(v: &Value) -> String {
    match v {
        Value::Fn(f) => match &**f {
            sds_constructs::cfn::Intrinsic::Ref(id) => id.clone(),
            _ => text(v),
        },
        v => text(v),
    }
}

/// Per policy holder of `t`, the principals its statements apply to (see
/// [`AccessChange::applies_to`]).
fn principals_of(t: &Template) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut out: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
    let listed = |v: Option<&Value>| -> Vec<String> {
        match v {
            Some(Value::List(l)) => l.iter().map(referenced).collect(),
            Some(v) => vec![referenced(v)],
            None => Vec::new(),
        }
    };
    for (id, r) in &t.resources {
        match r.type_.as_str() {
            "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
                out.entry(id.clone()).or_default().push(id.clone());
                // A managed policy of the app attached by reference: it applies to this role.
                for arn in listed(r.properties.get("ManagedPolicyArns")) {
                    if t.resources.get(&arn).is_some_and(|p| p.type_ == "AWS::IAM::ManagedPolicy") {
                        out.entry(arn).or_default().push(id.clone());
                    }
                }
            }
            "AWS::IAM::ManagedPolicy" | "AWS::IAM::Policy" => {
                let to = ["Roles", "Users", "Groups"].iter().flat_map(|k| listed(r.properties.get(*k)));
                out.entry(id.clone()).or_default().extend(to);
            }
            _ => {}
        }
    }
    for v in out.values_mut() {
        v.sort();
        v.dedup();
    }
    out
}

/// Every statement added or removed in the app, templates in `order`.
pub fn analyse(old: &Set, new: &Set, order: &[String]) -> Vec<AccessChange> {
    let mut out = Vec::new();
    for name in order {
        let a = old.get(name).map(|e| policies(&e.template)).unwrap_or_default();
        let b = new.get(name).map(|e| policies(&e.template)).unwrap_or_default();
        let mut applies = old.get(name).map(|e| principals_of(&e.template)).unwrap_or_default();
        for (holder, to) in new.get(name).map(|e| principals_of(&e.template)).unwrap_or_default() {
            let all = applies.entry(holder).or_default();
            all.extend(to);
            all.sort();
            all.dedup();
        }
        // (resource, type, label) → the policy on each side, in order of appearance.
        let mut by_key: indexmap::IndexMap<(&str, &str, &str), [Option<&Policy>; 2]> = indexmap::IndexMap::new();
        for (side, list) in [&a, &b].into_iter().enumerate() {
            for (id, ty, p) in list {
                by_key.entry((id.as_str(), ty.as_str(), p.0.as_str())).or_default()[side] = Some(p);
            }
        }
        for ((id, ty, label), [before, after]) in by_key {
            let none = Vec::new();
            let old_s = before.map_or(&none, |p| &p.2);
            let new_s = after.map_or(&none, |p| &p.2);
            if old_s == new_s {
                continue;
            }
            let attached_to = after.or(before).map(|p| p.1.clone()).unwrap_or_default();
            let old_set: BTreeSet<&Statement> = old_s.iter().collect();
            let new_set: BTreeSet<&Statement> = new_s.iter().collect();
            let removed: Vec<&Statement> = old_s.iter().filter(|s| !new_set.contains(s)).collect();
            let base = |s: &Statement, added: bool, widening: Vec<String>| AccessChange {
                template: name.clone(),
                holder: id.to_string(),
                holder_type: ty.to_string(),
                policy: label.to_string(),
                attached_to: attached_to.clone(),
                applies_to: applies.get(id).cloned().unwrap_or_default(),
                added,
                statement: s.clone(),
                widening,
            };
            for s in &removed {
                let why = if s.effect == "Deny" { vec!["Deny removed".to_string()] } else { Vec::new() };
                out.push(base(s, false, why));
            }
            for s in new_s.iter().filter(|s| !old_set.contains(s)) {
                let why = if s.effect == "Attach" {
                    vec!["managed policy attached".to_string()]
                } else {
                    widening(s, old_s, &removed)
                };
                out.push(base(s, true, why));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_cover_actions() {
        assert!(covers("s3:*", "s3:GetObject"));
        assert!(covers("s3:Get*", "S3:getobject"));
        assert!(!covers("s3:Get*", "s3:PutObject"));
        assert!(covers("*", "kms:Decrypt"));
    }
}
