//! Policy statements held against the IAM service-authorization data
//! (`sds_constructs::iam::servauth`): a condition on a service's key that none of the
//! statement's actions carries in its request context (`sec/iam-condition-key-not-applicable`),
//! and a resource ARN of no type any of the statement's actions acts on
//! (`sec/iam-resource-not-applicable`). Both make a statement that can never match as its author
//! meant: IAM Access Analyzer's policy validation reports the same. Reads the template model
//! only; knows nothing of the access analysis.
//! See: <https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>

use sds_constructs::cfn::{Intrinsic, Map, Value};
use sds_constructs::iam::servauth::{self, key_matches, Action, Service};

use super::Sink;

/// The statement's actions as the data has them: every action each `Action` pattern names
/// (`sagemaker:Create*` is all of them), with its service. `None` when the statement uses
/// `NotAction` or `*`, or names no action the data has: nothing to hold the statement against.
fn named_actions(actions: &[&str]) -> Option<Vec<(&'static Service, &'static Action)>> {
    let mut out = Vec::new();
    for a in actions {
        let (prefix, name) = a.split_once(':')?;
        let Some(service) = servauth::service(prefix) else { continue };
        if name.contains(['*', '?']) {
            out.extend(service.actions_matching(name).into_iter().map(|x| (service, x)));
        } else if let Some(action) = service.action(name) {
            out.push((service, action));
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Checks one policy statement (`m`, at JSON pointer `place`) of template `name`.
pub fn statement(name: &str, place: &str, m: &Map, actions: &[&str], sink: &mut Sink) {
    if m.contains_key("NotAction") {
        return;
    }
    // What the data is needed for, from the statement's own text: a service key of a service
    // the actions belong to, or an ARN resource of the one service they all belong to. Else the
    // data (a service's whole list) is not read.
    let prefixes: Vec<&str> = actions.iter().filter_map(|a| a.split_once(':').map(|(p, _)| p)).collect();
    let own_key = |key: &str| {
        key.split_once(':')
            .is_some_and(|(p, _)| !p.eq_ignore_ascii_case("aws") && prefixes.iter().any(|a| a.eq_ignore_ascii_case(p)))
    };
    let keys = match m.get("Condition") {
        Some(Value::Map(conditions)) => {
            conditions.values().filter_map(Value::as_map).any(|k| k.keys().any(|k| own_key(k)))
        }
        _ => false,
    };
    let one_service = |r: &Value| {
        resource_shape(r)
            .and_then(|arn| arn_service(&arn))
            .is_some_and(|s| prefixes.iter().all(|p| p.as_bytes().eq_ignore_ascii_case(&s)))
    };
    let resources = m.get("Resource").is_some_and(|r| match r {
        Value::List(items) => items.iter().any(one_service),
        one => one_service(one),
    });
    if !(keys || resources) {
        return;
    }
    let Some(named) = named_actions(actions) else { return };
    if let Some(Value::Map(conditions)) = m.get("Condition") {
        for (operator, keys) in conditions {
            let Value::Map(keys) = keys else { continue };
            for key in keys.keys() {
                if let Some(why) = key_not_applicable(key, &named) {
                    sink.push(
                        "sec/iam-condition-key-not-applicable",
                        name,
                        &format!("{place}/Condition/{operator}/{key}"),
                        why,
                    );
                }
            }
        }
    }
    if let Some(resources) = m.get("Resource") {
        let list = match resources {
            Value::List(items) => items.iter().collect(),
            one => vec![one],
        };
        for (i, r) in list.into_iter().enumerate() {
            let Some(arn) = resource_shape(r) else { continue };
            if let Some(why) = resource_not_applicable(&arn, &named) {
                let at = if matches!(resources, Value::List(_)) {
                    format!("{place}/Resource/{i}")
                } else {
                    format!("{place}/Resource")
                };
                sink.push("sec/iam-resource-not-applicable", name, &at, why);
            }
        }
    }
}

/// Why a condition on `key` never sees the key, if it does not: `key` is a service's key (not a
/// global `aws:` key, whose presence depends on the request), the statement names actions of that
/// service, and none of the statement's actions carries it (by the action, or the resource types
/// it acts on). A key of a service none of the statement's actions belongs to is left alone: it
/// may be a cross-service key that another service adds to requests it makes.
fn key_not_applicable(key: &str, named: &[(&'static Service, &'static Action)]) -> Option<String> {
    let (prefix, _) = key.split_once(':')?;
    if prefix.eq_ignore_ascii_case("aws") || !named.iter().any(|(s, _)| s.prefix.eq_ignore_ascii_case(prefix)) {
        return None;
    }
    if named.iter().any(|(s, a)| s.supports(a, key)) {
        return None;
    }
    let own: Vec<String> = named
        .iter()
        .filter(|(s, _)| s.prefix.eq_ignore_ascii_case(prefix))
        .map(|(s, a)| format!("{}:{}", s.prefix, a.name))
        .collect();
    let service = named.iter().map(|(s, _)| *s).find(|s| s.prefix.eq_ignore_ascii_case(prefix))?;
    let listed = service.condition_keys.iter().any(|(k, _)| key_matches(k, key));
    // A key of the service the actions do carry, spelled like this one (`...Arn`).
    let hint = named
        .iter()
        .flat_map(|(s, a)| {
            a.condition_keys.iter().chain(s.resource_types_of(a).flat_map(|r| &r.condition_keys)).copied()
        })
        .find(|k| k.len() > key.len() && k.get(..key.len()).is_some_and(|h| h.eq_ignore_ascii_case(key)))
        .map(|k| format!(" (did you mean {k}?)"))
        .unwrap_or_default();
    let what = if listed {
        format!("is a key of {} that none of these actions carries", service.prefix)
    } else {
        format!("is not a key of {}", service.prefix)
    };
    Some(format!(
        "{key} {what}: no request for {} has it, so the condition never holds as intended (an absent key fails \
         every operator but Null, IfExists, the negated ones and ForAllValues){hint}",
        elide(&own)
    ))
}

/// Up to three names, and how many more.
fn elide(names: &[String]) -> String {
    match names.len() {
        0..=3 => names.join(", "),
        n => format!("{} and {} more", names[..3].join(", "), n - 3),
    }
}

/// The service segment of an ARN, read past placeholders (`arn:${AWS::Partition}:s3:::...`);
/// `None` when it is not literal.
fn arn_service(arn: &str) -> Option<Vec<u8>> {
    tokens(arn, Tok::Var)
        .split(|t| *t == Tok::Lit(b':'))
        .nth(2)?
        .iter()
        .map(|t| if let Tok::Lit(c) = t { Some(*c) } else { None })
        .collect()
}

/// A statement resource as an ARN shape: the text, with `Fn::Sub` variables (`${Bucket}`) left
/// as `${...}` placeholders (taken as any text without `/`: a name, an id, an account); `None` for
/// `*`, other intrinsics and what is not an ARN.
fn resource_shape(v: &Value) -> Option<String> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Fn(f) => match &**f {
            Intrinsic::Sub { template, .. } => template.clone(),
            _ => return None,
        },
        _ => return None,
    };
    text.starts_with("arn:").then_some(text)
}

/// Why `arn` is no resource any of the statement's actions acts on, if so. Only checked when
/// the ARN's service is the service of every named action (a statement mixing services lists
/// resources for each).
fn resource_not_applicable(arn: &str, named: &[(&'static Service, &'static Action)]) -> Option<String> {
    let service = arn_service(arn)?;
    if !named.iter().all(|(s, _)| s.prefix.as_bytes() == service.as_slice()) {
        return None;
    }
    // Every resource type the actions act on, once each (a pattern names hundreds of actions).
    let types: std::collections::BTreeSet<&str> =
        named.iter().flat_map(|(_, a)| a.resource_types.iter().map(|(t, _)| *t)).collect();
    let service = named.first()?.0;
    let shape = Shape::new(arn);
    if types.iter().filter_map(|t| service.resource_type(t)).flat_map(|r| &r.arns).any(|f| shape.overlaps(f)) {
        return None;
    }
    let names: Vec<String> = named.iter().map(|(s, a)| format!("{}:{}", s.prefix, a.name)).collect();
    let types: Vec<&str> = types.into_iter().collect();
    let on = if types.is_empty() {
        "act on no resource (they need Resource: *)".to_string()
    } else {
        format!("act on {}", types.join(", "))
    };
    Some(format!(
        "{arn} is of no resource type {} acts on: they {on}; the statement grants nothing on it",
        elide(&names)
    ))
}

/// A policy resource (with `*`, `?` wildcards and `${...}` placeholders, any text without `/`),
/// read once to hold against ARN formats.
struct Shape<'a> {
    text: &'a str,
    /// Its segments as tokens, when it has wildcards or placeholders.
    segments: Option<Vec<Vec<Tok>>>,
}

impl<'a> Shape<'a> {
    fn new(text: &'a str) -> Shape<'a> {
        let segments = text.contains(['*', '?', '$']).then(|| segments(&tokens(text, Tok::Var)));
        Shape { text, segments }
    }

    /// Whether the resource and ARN format `format` (whose `${...}` variables are taken as any
    /// text) can name the same ARN: the first five segments one by one (a wildcard stays in its
    /// segment, as IAM matches ARNs), the resource part as a whole. Lenient where in doubt.
    fn overlaps(&self, format: &str) -> bool {
        let Some(rs) = &self.segments else { return servauth::arn_format_matches(format, self.text) };
        let fs = segments(&tokens(format, Tok::Star));
        fs.len() == rs.len() && fs.iter().zip(rs).all(|(a, b)| intersects(a, b))
    }
}

/// Tokens split at the first five `:`.
fn segments(t: &[Tok]) -> Vec<Vec<Tok>> {
    let mut parts = vec![Vec::new()];
    for &x in t {
        if x == Tok::Lit(b':') && parts.len() < 6 {
            parts.push(Vec::new());
        } else if let Some(last) = parts.last_mut() {
            last.push(x);
        }
    }
    parts
}

/// One element of a pattern: a byte, `?`, `*`, or a placeholder (any run without `/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Lit(u8),
    One,
    Star,
    Var,
}

/// `text` as tokens, each `${...}` as `var`.
fn tokens(text: &str, var: Tok) -> Vec<Tok> {
    // Byte by byte: `?` stands for one byte here, a lenient reading of one character.
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if bytes[i..].starts_with(b"${") {
            if let Some(j) = bytes[i..].iter().position(|c| *c == b'}') {
                out.push(var);
                i += j + 1;
                continue;
            }
        }
        out.push(match b {
            b'*' => Tok::Star,
            b'?' => Tok::One,
            _ => Tok::Lit(b),
        });
        i += 1;
    }
    out
}

/// Whether two token patterns match a common text.
fn intersects(a: &[Tok], b: &[Tok]) -> bool {
    let runs = |t: Tok| matches!(t, Tok::Star | Tok::Var);
    // Whether some one character satisfies both.
    let common = |x: Tok, y: Tok| match (x, y) {
        (Tok::Lit(p), Tok::Lit(q)) => p == q,
        (Tok::Lit(c), Tok::Var) | (Tok::Var, Tok::Lit(c)) => c != b'/',
        _ => true,
    };
    let (n, m) = (a.len(), b.len());
    // reach[i][j]: a[..i] and b[..j] match a common text.
    let mut reach = vec![vec![false; m + 1]; n + 1];
    reach[0][0] = true;
    for i in 0..=n {
        for j in 0..=m {
            if !reach[i][j] {
                continue;
            }
            if i < n && runs(a[i]) {
                reach[i + 1][j] = true;
            }
            if j < m && runs(b[j]) {
                reach[i][j + 1] = true;
            }
            if i < n && j < m && common(a[i], b[j]) {
                // After one common character a run may take more: it stays.
                let (ni, nj) = (if runs(a[i]) { i } else { i + 1 }, if runs(b[j]) { j } else { j + 1 });
                if (ni, nj) != (i, j) {
                    reach[ni][nj] = true;
                }
            }
        }
    }
    reach[n][m]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(actions: &[&str]) -> Vec<(&'static Service, &'static Action)> {
        named_actions(actions).unwrap()
    }

    #[test]
    fn keys_no_action_carries() {
        let jobs = named(&["sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob"]);
        let why = key_not_applicable("sagemaker:VolumeKmsKey", &jobs).unwrap();
        assert!(
            why.contains("did you mean sagemaker:VolumeKmsKeyArn?") && why.contains("none of these actions carries"),
            "{why}"
        );
        assert_eq!(key_not_applicable("sagemaker:VolumeKmsKeyArn", &jobs), None);
        assert_eq!(key_not_applicable("aws:SourceVpce", &jobs), None, "global keys depend on the request");
        assert_eq!(key_not_applicable("ec2:SourceInstanceARN", &jobs), None, "maybe a cross-service key");
        assert_eq!(key_not_applicable("iam:PassedToService", &named(&["iam:PassRole"])), None);
        assert!(key_not_applicable("iam:PassedToService", &named(&["iam:GetRole"])).is_some());
        // A pattern names every action it matches: one that carries the key is enough.
        assert_eq!(key_not_applicable("sagemaker:InstanceTypes", &named(&["sagemaker:Create*"])), None);
        assert!(named_actions(&["*"]).is_none() && named_actions(&["nosuch:Get"]).is_none());
    }

    #[test]
    fn resources_no_action_acts_on() {
        let get = named(&["s3:GetObject"]);
        assert!(resource_not_applicable("arn:aws:s3:::data", &get).is_some(), "a bucket for an object action");
        assert_eq!(resource_not_applicable("arn:aws:s3:::data/*", &get), None);
        assert_eq!(resource_not_applicable("arn:aws:s3:::${Bucket}/*", &get), None);
        assert_eq!(resource_not_applicable("arn:aws:s3:::*", &get), None, "a wildcard may name objects");
        let both = named(&["s3:GetObject", "s3:ListBucket"]);
        assert_eq!(resource_not_applicable("arn:aws:s3:::data", &both), None);
        let list = named(&["s3:ListAllMyBuckets"]);
        assert!(resource_not_applicable("arn:aws:s3:::data", &list).unwrap().contains("need Resource: *"));
        // Another service's ARN in the statement: left alone.
        assert_eq!(resource_not_applicable("arn:aws:kms:us-east-1:111111111111:key/k", &get), None);
        let cs = named(&["cloudformation:CreateChangeSet"]);
        assert!(resource_not_applicable("arn:aws:cloudformation:*:*:changeSet/x/*", &cs).is_some());
        assert_eq!(resource_not_applicable("arn:aws:cloudformation:*:*:stack/x/*", &cs), None);
    }

    #[test]
    fn pattern_intersection() {
        let x = |a: &str, b: &str| intersects(&tokens(a, Tok::Star), &tokens(b, Tok::Var));
        assert!(x("a*c", "ab*"));
        assert!(!x("a*c", "b*"));
        assert!(x("*", "anything"));
        assert!(!x("*/*", "data"));
        assert!(x("*/*", "data*"));
        assert!(!x("*/*", "${Bucket}-data"), "a placeholder holds no /");
        assert!(x("*/*", "${Bucket}/${Key}"));
        assert!(x("${X}", "a?c"));
        assert!(x("caf*", "café*"), "text that is not ASCII is read by bytes, without panicking");
    }
}
