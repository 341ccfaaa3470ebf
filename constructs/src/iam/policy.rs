//! Policy documents as IAM reads them: statements with an effect, principals, actions, resources
//! and conditions, parsed from JSON values (identity, resource, trust and key policies alike).
//! See: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Action` or `NotAction` (and likewise for resources and principals): the patterns, and
/// whether the element is the negated form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patterns {
    pub values: Vec<String>,
    pub not: bool,
    /// For action patterns: the indexes of `values` by lower-case service prefix (sorted by
    /// prefix, for a binary search), and those whose service part has a wildcard — so that
    /// matching an action looks at its service's patterns only (AWS managed policies list
    /// thousands).
    by_service: Vec<(String, Vec<usize>)>,
    wild: Vec<usize>,
}

impl Patterns {
    pub fn new(values: Vec<String>, not: bool) -> Patterns {
        use std::borrow::Cow;
        // (lower-case service, index), sorted by service and, within one, by index (a stable
        // sort); one string allocated per service, not per pattern (AWS managed policies list
        // thousands of actions of a few services, already in lower case).
        let mut keyed: Vec<(Cow<str>, usize)> = Vec::new();
        let mut wild = Vec::new();
        for (i, v) in values.iter().enumerate() {
            match super::pattern::split_colons(v) {
                Some([service, _]) if !service.contains(['*', '?']) => {
                    let lower = if service.bytes().any(|b| b.is_ascii_uppercase()) {
                        Cow::Owned(service.to_ascii_lowercase())
                    } else {
                        Cow::Borrowed(service)
                    };
                    keyed.push((lower, i));
                }
                _ => wild.push(i),
            }
        }
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        let mut by_service: Vec<(String, Vec<usize>)> = Vec::new();
        for (service, i) in keyed {
            match by_service.last_mut() {
                Some((s, list)) if *s == *service => list.push(i),
                _ => by_service.push((service.into_owned(), vec![i])),
            }
        }
        Patterns { values, not, by_service, wild }
    }

    /// The patterns that can match `action` (all of them for resource patterns, which have no
    /// service prefix of this form).
    pub fn candidates<'a>(&'a self, action: &str) -> impl Iterator<Item = &'a str> + 'a {
        let service = super::pattern::split_colons(action).map_or("", |[s, _]| s);
        let find = |service: &str| self.by_service.binary_search_by(|(s, _)| s.as_str().cmp(service)).ok();
        let at = if service.bytes().any(|b| b.is_ascii_uppercase()) {
            find(&service.to_ascii_lowercase())
        } else {
            find(service)
        };
        let listed = at.map_or(&[][..], |i| self.by_service[i].1.as_slice());
        listed.iter().chain(&self.wild).map(|i| self.values[*i].as_str())
    }
}

/// Who a resource-policy statement is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `"*"` or `{"AWS": "*"}`: anyone.
    Anyone,
    /// `{"AWS": [...], "Service": [...], "Federated": [...]}`, each value as written.
    Some { aws: Vec<String>, service: Vec<String>, federated: Vec<String> },
}

/// One condition: `operator` (without `IfExists` and set prefix) on `key` against `values`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub operator: String,
    pub if_exists: bool,
    pub set: Option<SetOperator>,
    pub key: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOperator {
    ForAllValues,
    ForAnyValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    /// `Principal` / `NotPrincipal`: present in resource policies only.
    pub principal: Option<(Principal, bool)>,
    pub action: Patterns,
    /// Absent in trust policies.
    pub resource: Option<Patterns>,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    pub statements: Vec<Statement>,
}

/// A policy document that IAM would reject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pointer}: {message}")]
pub struct PolicyError {
    /// JSON pointer into the document.
    pub pointer: String,
    pub message: String,
}

fn err(pointer: String, message: impl Into<String>) -> PolicyError {
    PolicyError { pointer, message: message.into() }
}

/// A string or a list of strings (IAM accepts both wherever lists are allowed).
fn strings(v: &Value, at: &str) -> Result<Vec<String>, PolicyError> {
    // The place is formatted only for an error: policies list thousands of actions.
    let scalar = |v: &Value, at: &dyn Fn() -> String| match v {
        Value::String(s) => Ok(s.clone()),
        // Policies written in YAML carry numbers and booleans where IAM reads their text.
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(err(at(), "must be a string")),
    };
    match v {
        Value::Array(items) => items.iter().enumerate().map(|(i, x)| scalar(x, &|| format!("{at}/{i}"))).collect(),
        other => Ok(vec![scalar(other, &|| at.to_string())?]),
    }
}

impl Policy {
    /// Reads a policy document (`{"Version": ..., "Statement": [...]}`; a single statement object
    /// is accepted as IAM does).
    pub fn from_json(doc: &Value) -> Result<Policy, PolicyError> {
        let Some(obj) = doc.as_object() else { return Err(err(String::new(), "a policy must be an object")) };
        let statements = match obj.get("Statement") {
            Some(Value::Array(items)) => {
                items.iter().enumerate().map(|(i, s)| (format!("/Statement/{i}"), s)).collect()
            }
            Some(one @ Value::Object(_)) => vec![("/Statement".to_string(), one)],
            _ => return Err(err("/Statement".into(), "a policy needs a Statement list")),
        };
        let statements =
            statements.into_iter().map(|(at, s)| Statement::from_json(s, &at)).collect::<Result<_, _>>()?;
        Ok(Policy { statements })
    }
}

impl Statement {
    fn from_json(v: &Value, at: &str) -> Result<Statement, PolicyError> {
        let Some(s) = v.as_object() else { return Err(err(at.into(), "a statement must be an object")) };
        let effect = match s.get("Effect").and_then(Value::as_str) {
            Some("Allow") => Effect::Allow,
            Some("Deny") => Effect::Deny,
            _ => return Err(err(format!("{at}/Effect"), "Effect must be Allow or Deny")),
        };
        let pair = |yes: &str, no: &str| -> Result<Option<Patterns>, PolicyError> {
            match (s.get(yes), s.get(no)) {
                (Some(_), Some(_)) => Err(err(at.into(), format!("{yes} and {no} cannot both be given"))),
                (Some(v), None) => Ok(Some(Patterns::new(strings(v, &format!("{at}/{yes}"))?, false))),
                (None, Some(v)) => Ok(Some(Patterns::new(strings(v, &format!("{at}/{no}"))?, true))),
                (None, None) => Ok(None),
            }
        };
        let action =
            pair("Action", "NotAction")?.ok_or_else(|| err(at.into(), "a statement needs Action or NotAction"))?;
        let resource = pair("Resource", "NotResource")?;
        let principal = match (s.get("Principal"), s.get("NotPrincipal")) {
            (Some(_), Some(_)) => return Err(err(at.into(), "Principal and NotPrincipal cannot both be given")),
            (Some(p), None) => Some((principal(p, &format!("{at}/Principal"))?, false)),
            (None, Some(p)) => Some((principal(p, &format!("{at}/NotPrincipal"))?, true)),
            (None, None) => None,
        };
        let conditions = match s.get("Condition") {
            None => Vec::new(),
            Some(c) => conditions(c, &format!("{at}/Condition"))?,
        };
        let sid = s.get("Sid").and_then(Value::as_str).map(str::to_string);
        Ok(Statement { sid, effect, principal, action, resource, conditions })
    }
}

fn principal(v: &Value, at: &str) -> Result<Principal, PolicyError> {
    match v {
        Value::String(s) if s == "*" => Ok(Principal::Anyone),
        Value::Object(m) => {
            let mut aws = Vec::new();
            let mut service = Vec::new();
            let mut federated = Vec::new();
            for (k, v) in m {
                let list = strings(v, &format!("{at}/{k}"))?;
                match k.as_str() {
                    "AWS" if list.iter().any(|p| p == "*") => return Ok(Principal::Anyone),
                    "AWS" => aws.extend(list),
                    "Service" => service.extend(list),
                    "Federated" => federated.extend(list),
                    "CanonicalUser" => {}
                    other => return Err(err(format!("{at}/{other}"), "unknown principal type")),
                }
            }
            Ok(Principal::Some { aws, service, federated })
        }
        _ => Err(err(at.into(), "Principal must be \"*\" or an object")),
    }
}

fn conditions(v: &Value, at: &str) -> Result<Vec<Condition>, PolicyError> {
    let Some(ops) = v.as_object() else { return Err(err(at.into(), "Condition must be an object")) };
    let mut out = Vec::new();
    for (op, keys) in ops {
        let Some(keys) = keys.as_object() else {
            return Err(err(format!("{at}/{op}"), "a condition operator takes an object of keys"));
        };
        let (set, rest) = if let Some(r) = op.strip_prefix("ForAllValues:") {
            (Some(SetOperator::ForAllValues), r)
        } else if let Some(r) = op.strip_prefix("ForAnyValue:") {
            (Some(SetOperator::ForAnyValue), r)
        } else {
            (None, op.as_str())
        };
        let (operator, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (rest, false),
        };
        if !super::condition::is_operator(operator) {
            return Err(err(format!("{at}/{op}"), format!("unknown condition operator {op}")));
        }
        for (key, values) in keys {
            let values = strings(values, &format!("{at}/{op}/{key}"))?;
            out.push(Condition { operator: operator.to_string(), if_exists, set, key: key.clone(), values });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn action_patterns_are_grouped_by_lower_case_service_in_order() {
        let values: Vec<String> =
            ["s3:Get*", "*", "EC2:Describe*", "s3:Put*", "ec2:Run*", "kms:*", "s?:List*", "S3:x", "sts"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        let p = Patterns::new(values.clone(), false);
        // What a map from the lower-case service to its patterns' indexes, in order, gives.
        let mut want: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
        let mut wild = Vec::new();
        for (i, v) in values.iter().enumerate() {
            match v.split_once(':') {
                Some((s, _)) if !s.contains(['*', '?']) => want.entry(s.to_ascii_lowercase()).or_default().push(i),
                _ => wild.push(i),
            }
        }
        assert_eq!(p.by_service, want.into_iter().collect::<Vec<_>>());
        assert_eq!(p.wild, wild);
        assert_eq!(p.by_service.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>(), ["ec2", "kms", "s3"]);
        let s3: Vec<&str> = p.candidates("S3:GetObject").collect();
        assert_eq!(s3, ["s3:Get*", "s3:Put*", "S3:x", "*", "s?:List*", "sts"]);
    }

    #[test]
    fn reads_every_element() {
        let p = Policy::from_json(&json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "A", "Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::1:role/R"], "Service": "s.amazonaws.com"},
                "NotAction": "s3:*", "Resource": ["a", "b"],
                "Condition": {"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["x*"]}, "Bool": {"aws:SecureTransport": false}}
            }]
        }))
        .unwrap();
        let s = &p.statements[0];
        assert_eq!(s.effect, Effect::Deny);
        assert!(s.action.not && s.action.values == ["s3:*"]);
        assert_eq!(s.resource.as_ref().unwrap().values, ["a", "b"]);
        assert!(
            matches!(&s.principal, Some((Principal::Some { aws, service, .. }, true)) if aws.len() == 1 && service.len() == 1)
        );
        let c = &s.conditions;
        assert_eq!(c.len(), 2);
        assert_eq!(
            (c[0].operator.as_str(), c[0].if_exists, c[0].set),
            ("StringLike", true, Some(SetOperator::ForAnyValue))
        );
        assert_eq!(c[1].values, ["false"]);
    }

    #[test]
    fn rejects_what_iam_rejects() {
        for (doc, at) in [
            (json!({"Statement": [{"Effect": "Allow"}]}), "/Statement/0"),
            (json!({"Statement": [{"Effect": "Maybe", "Action": "*"}]}), "/Statement/0/Effect"),
            (json!({"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "*"}]}), "/Statement/0"),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"StringSorta": {"k": "v"}}}]}),
                "/Statement/0/Condition/StringSorta",
            ),
            (json!({"Statement": [{"Effect": "Allow", "Action": [1, {}]}]}), "/Statement/0/Action/1"),
        ] {
            assert_eq!(Policy::from_json(&doc).unwrap_err().pointer, at, "{doc}");
        }
    }
}
