//! CloudFormation and IAM limits: template size, counts, logical ids, policy sizes, and
//! parameters that could break a name AWS constrains. (Names computed from default values are
//! checked against the property schemas in `schema`; their findings carry `limit/name`.)

use std::collections::BTreeMap;

use sds_constructs::cfn::{Template, Value};

use super::eval::{parameters_in, Ctx};
use super::refs::shown;
use super::schema::{is_custom, Schemas};
use super::{Input, Sink};

/// See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html>
const INLINE_BODY: usize = 51_200;
const S3_BODY: usize = 1_000_000;
const MAX_RESOURCES: usize = 500;
const MAX_PARAMETERS: usize = 200;
const MAX_OUTPUTS: usize = 200;
const MAX_MAPPINGS: usize = 200;
/// See: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>
const MANAGED_POLICY: usize = 6_144;
const ROLE_INLINE_POLICIES: usize = 10_240;
/// Length limits up to this are names worth warning about.
const NAME_LENGTH: u64 = 64;

pub fn check(input: &Input, ctx: &Ctx, schemas: &mut Schemas, sink: &mut Sink) {
    let (name, t) = (input.name.as_str(), &input.template);
    if input.body_len > S3_BODY {
        sink.push(
            "limit/template-body",
            name,
            "",
            format!("the template is {} bytes; the limit is 1 MB", input.body_len),
        );
    } else if input.body_len > INLINE_BODY {
        sink.push(
            "limit/template-body-s3",
            name,
            "",
            format!("the template is {} bytes (over 51,200): it can only be deployed from S3", input.body_len),
        );
    }
    for (section, n, max) in [
        ("Resources", t.resources.len(), MAX_RESOURCES),
        ("Parameters", t.parameters.len(), MAX_PARAMETERS),
        ("Outputs", t.outputs.len(), MAX_OUTPUTS),
        ("Mappings", t.mappings.len(), MAX_MAPPINGS),
    ] {
        if n > max {
            sink.push("limit/count", name, &format!("/{section}"), format!("{n} {section}; the limit is {max}"));
        }
    }
    let ids = [
        ("Resources", t.resources.keys().collect::<Vec<_>>()),
        ("Parameters", t.parameters.keys().collect()),
        ("Outputs", t.outputs.keys().collect()),
        // Condition names are not held to it: AWS's own Quick Start templates name conditions
        // `NATGateway&3AZCondition`, and CloudFormation deploys them.
        // An `Fn::Transform` key stands for what a macro (AWS::Include) fills in.
        ("Mappings", t.mappings.keys().filter(|k| *k != "Fn::Transform").collect()),
    ];
    for (section, keys) in ids {
        for id in keys {
            if id.is_empty() || id.len() > 255 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
                sink.push(
                    "limit/logical-id",
                    name,
                    &format!("/{section}/{}", id.replace('~', "~0").replace('/', "~1")),
                    format!("{id:?} is not a logical id (1-255 characters A-Za-z0-9)"),
                );
            }
        }
    }
    policy_sizes(name, t, ctx, sink);
    unbounded_parameters(name, t, schemas, sink);
}

/// Characters of a policy document as IAM counts them: its JSON without whitespace. Values known
/// only at deploy time count as 20 characters.
fn policy_chars(v: &Value, ctx: &Ctx) -> usize {
    fn strip(v: &Value, ctx: &Ctx) -> serde_json::Value {
        match v {
            Value::Map(m) => serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), strip(v, ctx))).collect()),
            Value::List(items) => serde_json::Value::Array(items.iter().map(|i| strip(i, ctx)).collect()),
            Value::Fn(_) => serde_json::Value::String(ctx.eval(v).unwrap_or_else(|| "x".repeat(20))),
            other => sds_constructs::cfn::json::to_serde(other),
        }
    }
    let text = serde_json::to_string(&strip(v, ctx)).unwrap_or_default();
    text.chars().filter(|c| !c.is_whitespace()).count()
}

fn policy_sizes(name: &str, t: &Template, ctx: &Ctx, sink: &mut Sink) {
    for (id, r) in &t.resources {
        match r.type_.as_str() {
            "AWS::IAM::ManagedPolicy" => {
                if let Some(doc) = r.properties.get("PolicyDocument") {
                    let n = policy_chars(doc, ctx);
                    if n > MANAGED_POLICY {
                        sink.push(
                            "limit/policy-size",
                            name,
                            &format!("/Resources/{id}/Properties/PolicyDocument"),
                            format!("the policy has {n} characters without whitespace; managed policies are limited to {MANAGED_POLICY}"),
                        );
                    }
                }
            }
            "AWS::IAM::Role" => {
                let Some(Value::List(policies)) = r.properties.get("Policies") else { continue };
                let n: usize = policies
                    .iter()
                    .filter_map(|p| p.as_map().and_then(|m| m.get("PolicyDocument")))
                    .map(|d| policy_chars(d, ctx))
                    .sum();
                if n > ROLE_INLINE_POLICIES {
                    sink.push(
                        "limit/policy-size",
                        name,
                        &format!("/Resources/{id}/Properties/Policies"),
                        format!("the inline policies have {n} characters without whitespace; a role's are limited to {ROLE_INLINE_POLICIES}"),
                    );
                }
            }
            _ => {}
        }
    }
}

/// Whether a regular expression admits upper-case letters (absent, or with an A-Z range or `\w`).
fn allows_upper_case(pattern: Option<&str>) -> bool {
    pattern.is_none_or(|p| p.contains("A-Z") || p.contains("\\w") || p.contains("\\p{L}"))
}

fn unbounded_parameters(name: &str, t: &Template, schemas: &mut Schemas, sink: &mut Sink) {
    // parameter → (reasons, names it reaches)
    let mut reaches: BTreeMap<String, (Vec<&'static str>, Vec<String>)> = BTreeMap::new();
    for (id, r) in &t.resources {
        if is_custom(&r.type_) {
            continue;
        }
        for (prop, v) in &r.properties {
            if !matches!(v, Value::Fn(_)) {
                continue;
            }
            let Some(schema) = schemas.property(&r.type_, prop) else { continue };
            // Names: short length limits (generous ones such as SSM's 2048 are left alone).
            let max = schema.get("maxLength").and_then(serde_json::Value::as_u64).filter(|m| *m <= NAME_LENGTH);
            let lower_only = schema
                .get("lazyPattern")
                .and_then(serde_json::Value::as_str)
                .is_some_and(|p| p.contains("a-z") && !allows_upper_case(Some(p)));
            if max.is_none() && !lower_only {
                continue;
            }
            for p in parameters_in(v, t) {
                let Some(decl) = t.parameters.get(&p) else { continue };
                let attr = |k: &str| decl.attributes.get(k);
                if attr("AllowedValues").is_some() {
                    continue;
                }
                let mut why = Vec::new();
                let bounded_pattern =
                    attr("AllowedPattern").and_then(Value::as_str).is_some_and(|p| p.contains(",") && p.contains('{'));
                if max.is_some() && attr("MaxLength").is_none() && !bounded_pattern {
                    why.push("has no MaxLength");
                }
                if lower_only && allows_upper_case(attr("AllowedPattern").and_then(Value::as_str)) {
                    why.push("allows upper case");
                }
                if why.is_empty() {
                    continue;
                }
                let limit = match (max, lower_only) {
                    (Some(m), true) => format!("{m} characters, lower case"),
                    (Some(m), false) => format!("{m} characters"),
                    (None, _) => "lower case".to_string(),
                };
                let entry = reaches.entry(p).or_default();
                for w in why {
                    if !entry.0.contains(&w) {
                        entry.0.push(w);
                    }
                }
                entry.1.push(format!("{prop} of {id} ({limit})"));
            }
        }
    }
    for (p, (why, targets)) in reaches {
        let targets: Vec<&str> = targets.iter().map(String::as_str).collect();
        sink.push(
            "limit/unbounded-parameter",
            name,
            &format!("/Parameters/{p}"),
            format!("parameter {p} {} and flows into {}", why.join(" and "), shown(&targets, ", ")),
        );
    }
}
