//! The configuration's own access assertions (`access.deny`): accesses that must be impossible,
//! checked like the invariants — directly and through every role the principal can act as —
//! and reported as violations of `access/deny`. An assertion that names no principal or no
//! resource of the app is a violation too: a check that matches nothing cannot fail.

use super::graph::{Graph, Kind, Origin, Target as Resource};
use super::invariants::{Target, Violation};
use super::matrix::{combine, decide, describe, grants, routes, Step};
use crate::config::Denial;
use crate::iam::pattern::glob;
use crate::iam::{Decision, ResourceKind};

/// The rule the assertions' violations belong to.
pub const RULE: &str = "access/deny";

/// What a pattern is matched against: the name `sds access` shows (`instance/LogicalId`) and
/// the ARN.
fn matches(pattern: &str, origin: &Origin, arn: &str) -> bool {
    glob(pattern, &format!("{}/{}", origin.instance, origin.logical_id), false) || glob(pattern, arn, false)
}

/// The request `action` makes on resource `t`: the ARN (an object in a bucket for S3 object
/// actions) and which resource policy takes part.
fn request(action: &str, t: &Resource) -> (String, ResourceKind) {
    let (service, name) = action.split_once(':').unwrap_or((action, ""));
    match t.kind {
        Kind::Bucket
            if service.eq_ignore_ascii_case("s3") && (name.contains("Object") || name.contains("Multipart")) =>
        {
            (format!("{}/key", t.arn), ResourceKind::Ordinary)
        }
        Kind::Key if service.eq_ignore_ascii_case("kms") => (t.arn.clone(), ResourceKind::KmsKey),
        Kind::Role if action.eq_ignore_ascii_case("sts:AssumeRole") => (t.arn.clone(), ResourceKind::RoleTrust),
        _ => (t.arn.clone(), ResourceKind::Ordinary),
    }
}

/// Every breach of `denials` in graph `g` (with the act-as `edges`).
pub fn check(g: &Graph, edges: &[Vec<Step>], denials: &[Denial]) -> Vec<Violation> {
    let mut out = Vec::new();
    for d in denials {
        let said = match &d.reason {
            Some(r) => format!("access.deny at {} ({r})", d.origin),
            None => format!("access.deny at {}", d.origin),
        };
        let principals: Vec<usize> = (0..g.principals.len())
            .filter(|&i| matches(&d.principal, &g.principals[i].origin, &g.principals[i].arn))
            .collect();
        let targets: Vec<usize> =
            (0..g.targets.len()).filter(|&i| matches(&d.resource, &g.targets[i].origin, &g.targets[i].arn)).collect();
        // An ARN outside the app is checked against the identity policies alone.
        let outside = (targets.is_empty() && d.resource.starts_with("arn:")).then(|| d.resource.clone());
        if principals.is_empty() || (targets.is_empty() && outside.is_none()) {
            let what = if principals.is_empty() { ("principal", &d.principal) } else { ("resource", &d.resource) };
            out.push(Violation {
                rule: RULE,
                principal: principals.first().copied(),
                target: Target::Arn(String::new()),
                level: None,
                decision: Decision::ImplicitDeny,
                message: format!(
                    "{said}: {} {} matches nothing in the app (see `sds access --format json`)",
                    what.0, what.1
                ),
            });
            continue;
        }
        for &pi in &principals {
            let routes = routes(edges, pi);
            let mut check_one =
                |target: Target, arn: &str, resource: Option<&Resource>, kind: ResourceKind, shown: String| {
                    for (via, path) in &routes {
                        let decision = decide(&g.principals[*via], &d.action, arn, resource, kind);
                        if !grants(&decision) {
                            continue;
                        }
                        let decision = path.iter().fold(decision, |acc, s| combine(&acc, &s.decision));
                        let route =
                            if path.is_empty() { String::new() } else { format!(" through {}", describe(g, path)) };
                        out.push(Violation {
                            rule: RULE,
                            principal: Some(pi),
                            target,
                            level: None,
                            decision,
                            message: format!(
                                "{} can {} on {shown}{route}, which {said} forbids",
                                g.principals[pi].origin, d.action
                            ),
                        });
                        return;
                    }
                };
            for &ti in &targets {
                let t = &g.targets[ti];
                let (arn, kind) = request(&d.action, t);
                check_one(Target::Resource(ti), &arn, Some(t), kind, t.origin.to_string());
            }
            if let Some(arn) = &outside {
                check_one(Target::Arn(arn.clone()), arn, None, ResourceKind::Ordinary, arn.clone());
            }
        }
    }
    out
}
