//! Policy statements held against the IAM service-authorization data
//! (`sds_constructs::iam::servauth`): a condition on a service's key that none of the
//! statement's actions carries in its request context (`sec/iam-condition-key-not-applicable`),
//! and a resource ARN of no type any of the statement's actions acts on
//! (`sec/iam-resource-not-applicable`). Both make a statement that can never match as its author
//! meant: IAM Access Analyzer's policy validation reports the same. Reads the template model
//! only; knows nothing of the access analysis.
//! See: <https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>

use sds_constructs::cfn::{Intrinsic, Map, Value};
use sds_constructs::iam::pattern::action_matches;
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
            out.extend(
                service.actions().filter(|x| action_matches(a, &format!("{prefix}:{}", x.name))).map(|x| (service, x)),
            );
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
        format!("is a {} key that none of these actions carries", service.prefix)
    } else {
        format!("is not a {} key", service.prefix)
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

/// A statement resource as an ARN shape: the text, with `Fn::Sub` variables (`${Bucket}`) as
/// `${...}` placeholders that match any text; `None` for `*`, other intrinsics and non-ARNs.
fn resource_shape(v: &Value) -> Option<String> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Fn(f) => match &**f {
            Intrinsic::Sub { template, .. } => template.clone(),
            _ => return None,
        },
        _ => return None,
    };
    (text.starts_with("arn:") && text.split(':').count() >= 6).then_some(text)
}

/// Why `arn` is no resource any of the statement's actions acts on, if so. Only checked when
/// the ARN's service is the service of every named action (a statement mixing services lists
/// resources for each).
fn resource_not_applicable(arn: &str, named: &[(&'static Service, &'static Action)]) -> Option<String> {
    let service = arn.split(':').nth(2)?;
    if service.contains(['*', '?', '$']) || !named.iter().all(|(s, _)| s.prefix == service) {
        return None;
    }
    let fits = |(s, a): &(&Service, &Action)| {
        if a.resource_types.is_empty() {
            return false;
        }
        s.resource_types_of(a).flat_map(|r| &r.arns).any(|f| shapes_overlap(f, arn))
    };
    if named.iter().any(fits) {
        return None;
    }
    let names: Vec<String> = named.iter().map(|(s, a)| format!("{}:{}", s.prefix, a.name)).collect();
    let types: Vec<&str> = named
        .iter()
        .flat_map(|(s, a)| s.resource_types_of(a).map(|r| r.name))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
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

/// Whether a policy resource (with `*`, `?` wildcards and `${...}` placeholders, which match any
/// text) and an ARN format (whose `${...}` variables match any text without `/`, but the last one
/// after a path) can name the same ARN. Wildcards of the policy side make this lenient: a doubt
/// is an overlap.
fn shapes_overlap(format: &str, resource: &str) -> bool {
    // The policy side as a glob over the format's own literal text: every `${...}` of the format
    // is made a `*` too, so the question is whether two globs intersect; checked by matching
    // each against the other's text with wildcards taken as any text (sound for these shapes,
    // where wildcards stand in for names).
    let glob = |s: &str| -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            out.push('*');
            rest = rest[i..].find('}').map_or("", |j| &rest[i + j + 1..]);
        }
        out.push_str(rest);
        out
    };
    let (f, r) = (glob(format), glob(resource));
    if !r.contains(['*', '?']) {
        return servauth::arn_format_matches(format, resource);
    }
    // As IAM matches ARNs: the first five segments one by one (a wildcard stays in its
    // segment), the resource part as a whole.
    let (fs, rs): (Vec<&str>, Vec<&str>) = (f.splitn(6, ':').collect(), r.splitn(6, ':').collect());
    fs.len() == rs.len() && fs.iter().zip(&rs).all(|(a, b)| intersects(a.as_bytes(), b.as_bytes()))
}

/// Whether two globs (`*` any run, `?` one byte) match a common text.
fn intersects(a: &[u8], b: &[u8]) -> bool {
    let (n, m) = (a.len(), b.len());
    // reach[i][j]: a[..i] and b[..j] can be matched against a common prefix.
    let mut reach = vec![vec![false; m + 1]; n + 1];
    reach[0][0] = true;
    for i in 0..=n {
        for j in 0..=m {
            if !reach[i][j] {
                continue;
            }
            if i < n && a[i] == b'*' {
                reach[i + 1][j] = true;
            }
            if j < m && b[j] == b'*' {
                reach[i][j + 1] = true;
            }
            if i < n && j < m {
                let one = |c: u8| c == b'*' || c == b'?';
                if a[i] == b[j] || one(a[i]) || one(b[j]) {
                    reach[i + 1][j + 1] = true;
                    // A star stays to take more.
                    if a[i] == b'*' {
                        reach[i][j + 1] = true;
                    }
                    if b[j] == b'*' {
                        reach[i + 1][j] = true;
                    }
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
        assert!(why.contains("did you mean sagemaker:VolumeKmsKeyArn?") && why.contains("no action supports"), "{why}");
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
    fn glob_intersection() {
        assert!(intersects(b"a*c", b"ab*"));
        assert!(!intersects(b"a*c", b"b*"));
        assert!(intersects(b"*", b"anything"));
        assert!(!intersects(b"arn:*:s3:::*/*", b"arn:aws:s3:::data"));
        assert!(intersects(b"arn:*:s3:::*/*", b"arn:aws:s3:::data*"));
    }
}
