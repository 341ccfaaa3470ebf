//! The platform's security rules: encrypted, private buckets; rotating keys; no path to the
//! internet; a VPC-only Studio domain; supported Lambda runtimes; no IAM administrator grants;
//! no IAM actions that do not exist.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use sds_constructs::cfn::{Template, Value};

use super::Sink;
use crate::par::{once_per_key, Cells};

const IAM_ACTIONS: &str = include_str!("data/iam-actions.txt");
const LAMBDA_RUNTIMES: &str = include_str!("data/lambda-runtimes.json");
const SOURCE: &str = include_str!("data/SOURCE.json");

/// The actions of one service, as AWS spells them (`ReEncryptFrom`) in the list's order, the same
/// in lower case (IAM matches actions case-insensitively), and a set of those for exact look-ups.
struct Service {
    actions: Vec<&'static str>,
    lower: Vec<String>,
    set: HashSet<String>,
}

/// The actions of the service with prefix `prefix` (lower case), read from the embedded list
/// once per process: the list's lines are indexed by prefix on first use, and each service's
/// actions when it first comes up (the workers of a validation share them).
fn service(prefix: &str) -> Option<&'static Service> {
    static LINES: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    static SERVICES: Cells<&'static str, Service> = OnceLock::new();
    let lines = LINES.get_or_init(|| IAM_ACTIONS.lines().filter_map(|l| Some((l.split(' ').next()?, l))).collect());
    let (&prefix, &line) = lines.get_key_value(prefix)?;
    Some(once_per_key(&SERVICES, prefix, || {
        let actions: Vec<&'static str> = line.split(' ').skip(1).collect();
        let lower: Vec<String> = actions.iter().map(|a| a.to_ascii_lowercase()).collect();
        Service { set: lower.iter().cloned().collect(), lower, actions }
    }))
}

/// The verdicts on IAM actions one worker has given (the actions themselves are shared, see
/// [`service`]), and the Lambda runtimes.
#[derive(Default)]
pub struct Catalog {
    verdicts: HashMap<String, Option<String>>,
    /// Lambda runtime lifecycle, parsed on first use.
    runtimes: Option<serde_json::Value>,
    today: Option<String>,
}

impl Catalog {
    /// Why `action` is not an IAM action, if it is not.
    pub fn unknown(&mut self, action: &str) -> Option<String> {
        if let Some(v) = self.verdicts.get(action) {
            return v.clone();
        }
        let verdict = self.judge(action);
        self.verdicts.insert(action.to_string(), verdict.clone());
        verdict
    }

    fn judge(&mut self, action: &str) -> Option<String> {
        if action == "*" {
            return None;
        }
        let Some((prefix, name)) = action.split_once(':') else {
            return Some(format!("{action} is not of the form service:Action"));
        };
        let Some(service) = service(&prefix.to_ascii_lowercase()) else {
            return Some(format!("{action}: no AWS service has the prefix {prefix}"));
        };
        let name = name.to_ascii_lowercase();
        let wildcard = name.contains(['*', '?']);
        if service.set.contains(name.as_str())
            || wildcard && service.lower.iter().any(|a| glob(name.as_bytes(), a.as_bytes()))
        {
            return None;
        }
        // Hints are spelled as AWS spells the actions, not as the lower-case look-up keys.
        let close: Vec<String> = service
            .lower
            .iter()
            .zip(&service.actions)
            .filter(|(a, _)| a.starts_with(name.as_str()) || name.starts_with(a.as_str()))
            .take(3)
            .map(|(_, spelled)| format!("{prefix}:{spelled}"))
            .collect();
        let hint = if close.is_empty() { String::new() } else { format!(" (did you mean {}?)", close.join(", ")) };
        Some(format!("{action} is not an action of {prefix}{hint}"))
    }
}

/// `*` and `?` wildcards, as IAM matches actions.
fn glob(p: &[u8], t: &[u8]) -> bool {
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == b'*')
}

/// A function's runtime that can no longer be used to create functions (an error), or that is
/// deprecated (a warning), by the vendored lifecycle dates.
fn lambda_runtime(name: &str, pointer: &str, runtime: &str, catalog: &mut Catalog, sink: &mut Sink) {
    let today = catalog.today.get_or_insert_with(data_date).clone();
    let runtimes = catalog.runtimes.get_or_insert_with(|| serde_json::from_str(LAMBDA_RUNTIMES).unwrap_or_default());
    let Some(life) = runtimes.get(runtime).cloned() else { return };
    let date = |k: &str| life.get(k).and_then(serde_json::Value::as_str).map(str::to_string);
    let successor =
        life.get("successor").and_then(serde_json::Value::as_str).map(|s| format!("; use {s}")).unwrap_or_default();
    if let Some(block) = date("create-block").filter(|d| *d <= today) {
        let message = format!("{runtime} can no longer be used to create functions (since {block}){successor}");
        sink.push("sec/lambda-runtime-blocked", name, pointer, message);
    } else if let Some(dep) = date("deprecated").filter(|d| *d <= today) {
        let message = format!("{runtime} is deprecated since {dep}{successor}");
        sink.push("sec/lambda-runtime-deprecated", name, pointer, message);
    }
}

/// The date the vendored data describes (`YYYY-MM-DD`): runtime deadlines are compared with it,
/// not with the clock, so the same input always gives the same findings.
pub fn data_date() -> String {
    let source: serde_json::Value = serde_json::from_str(SOURCE).unwrap_or_default();
    source["schema_date"].as_str().unwrap_or("1970-01-01").chars().take(10).collect()
}

pub fn check(name: &str, t: &Template, catalog: &mut Catalog, sink: &mut Sink) {
    // SAM's `Globals: Function: Runtime`, for the serverless functions that do not set their own
    // (a container image has none).
    // See: https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-template-anatomy-globals.html
    let global = t.globals.get("Function").and_then(Value::as_map).and_then(|g| g.get("Runtime"));
    if let Some(runtime) = global.and_then(Value::as_str) {
        let inherited = t
            .resources
            .values()
            .filter(|r| r.type_ == "AWS::Serverless::Function" && !r.properties.contains_key("Runtime"))
            .any(|r| r.properties.get("PackageType").and_then(Value::as_str) != Some("Image"));
        if inherited {
            lambda_runtime(name, "/Globals/Function/Runtime", runtime, catalog, sink);
        }
    }
    for (id, r) in &t.resources {
        if r.properties.is_empty() && r.attributes.contains_key("Properties") {
            // `Properties: !Transform ...`: what the resource gets is known only at deployment.
            continue;
        }
        let at = |p: &str| format!("/Resources/{id}/Properties{p}");
        let prop = |k: &str| r.properties.get(k);
        match r.type_.as_str() {
            "AWS::S3::Bucket" => {
                let sse = prop("BucketEncryption").and_then(|e| {
                    lookup(
                        e,
                        &["ServerSideEncryptionConfiguration", "0", "ServerSideEncryptionByDefault", "SSEAlgorithm"],
                    )
                });
                if !sse.and_then(Value::as_str).is_some_and(|a| a.starts_with("aws:kms")) {
                    sink.push(
                        "sec/s3-encryption",
                        name,
                        &at("/BucketEncryption"),
                        format!("bucket {id} is not encrypted with a KMS key (SSEAlgorithm aws:kms)"),
                    );
                }
                let block = prop("PublicAccessBlockConfiguration").and_then(Value::as_map);
                let missing: Vec<&str> =
                    ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"]
                        .into_iter()
                        .filter(|k| !block.and_then(|b| b.get(*k)).is_some_and(is_true))
                        .collect();
                if !missing.is_empty() {
                    sink.push(
                        "sec/s3-public-access",
                        name,
                        &at("/PublicAccessBlockConfiguration"),
                        format!("bucket {id} does not set {} to true", missing.join(", ")),
                    );
                }
            }
            "AWS::KMS::Key" => {
                let symmetric = prop("KeySpec").and_then(Value::as_str).is_none_or(|s| s == "SYMMETRIC_DEFAULT");
                if symmetric && !prop("EnableKeyRotation").is_some_and(is_true) {
                    sink.push(
                        "sec/kms-rotation",
                        name,
                        &at("/EnableKeyRotation"),
                        format!("key {id} does not rotate (EnableKeyRotation: true)"),
                    );
                }
                if let Some(policy) = prop("KeyPolicy") {
                    actions(name, &at("/KeyPolicy"), policy, false, catalog, sink);
                }
            }
            "AWS::EC2::InternetGateway" | "AWS::EC2::EgressOnlyInternetGateway" | "AWS::EC2::NatGateway" => {
                sink.push(
                    "sec/internet-egress",
                    name,
                    &format!("/Resources/{id}"),
                    format!("{id} is a {}: the platform VPC has no way out to the internet", r.type_),
                );
            }
            "AWS::EC2::Route" => {
                for k in ["GatewayId", "NatGatewayId", "EgressOnlyInternetGatewayId"] {
                    if prop(k).is_some() {
                        sink.push(
                            "sec/internet-egress",
                            name,
                            &at(&format!("/{k}")),
                            format!("route {id} goes through a gateway ({k})"),
                        );
                    }
                }
            }
            "AWS::SageMaker::Domain" if prop("AppNetworkAccessType").and_then(Value::as_str) != Some("VpcOnly") => {
                sink.push(
                    "sec/studio-vpc-only",
                    name,
                    &at("/AppNetworkAccessType"),
                    format!("Studio domain {id} is not VpcOnly"),
                );
            }
            "AWS::SageMaker::NotebookInstance"
                if prop("DirectInternetAccess").and_then(Value::as_str) != Some("Disabled") =>
            {
                let message = format!("notebook instance {id} has direct internet access");
                sink.push("sec/internet-egress", name, &at("/DirectInternetAccess"), message);
            }
            "AWS::Lambda::Function" | "AWS::Serverless::Function" => {
                if let Some(runtime) = prop("Runtime").and_then(Value::as_str) {
                    lambda_runtime(name, &at("/Runtime"), runtime, catalog, sink);
                }
            }
            "AWS::IAM::Role" => {
                if let Some(trust) = prop("AssumeRolePolicyDocument") {
                    actions(name, &at("/AssumeRolePolicyDocument"), trust, false, catalog, sink);
                }
                if let Some(Value::List(policies)) = prop("Policies") {
                    for (i, p) in policies.iter().enumerate() {
                        if let Some(doc) = p.as_map().and_then(|m| m.get("PolicyDocument")) {
                            actions(name, &at(&format!("/Policies/{i}/PolicyDocument")), doc, true, catalog, sink);
                        }
                    }
                }
            }
            "AWS::IAM::ManagedPolicy" | "AWS::IAM::Policy" => {
                if let Some(doc) = prop("PolicyDocument") {
                    actions(name, &at("/PolicyDocument"), doc, true, catalog, sink);
                }
            }
            "AWS::S3::BucketPolicy" | "AWS::EC2::VPCEndpoint" => {
                if let Some(doc) = prop("PolicyDocument").filter(|d| d.as_map().is_some()) {
                    actions(name, &at("/PolicyDocument"), doc, false, catalog, sink);
                }
            }
            _ => {}
        }
    }
}

fn is_true(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::String(s) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// The value at `path` (map keys and list indexes) inside `v`.
fn lookup<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| match v {
        Value::Map(m) => m.get(*k),
        Value::List(l) => k.parse::<usize>().ok().and_then(|i| l.get(i)),
        _ => None,
    })
}

/// Statements of a policy document (a single statement or a list).
fn statements(doc: &Value) -> Vec<&Value> {
    match doc.as_map().and_then(|m| m.get("Statement")) {
        Some(Value::List(items)) => items.iter().collect(),
        Some(one @ Value::Map(_)) => vec![one],
        _ => Vec::new(),
    }
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::List(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Unknown actions in a policy document, condition keys and resources its actions never see
/// ([`super::iam_data`]) and, for identity policies, `*` on `*`.
fn actions(name: &str, at: &str, doc: &Value, identity: bool, catalog: &mut Catalog, sink: &mut Sink) {
    for (i, st) in statements(doc).into_iter().enumerate() {
        let Some(m) = st.as_map() else { continue };
        let place = format!("{at}/Statement/{i}");
        for key in ["Action", "NotAction"] {
            for a in strings(m.get(key)) {
                if let Some(why) = catalog.unknown(a) {
                    sink.push("sec/iam-unknown-action", name, &format!("{place}/{key}"), why);
                }
            }
        }
        super::iam_data::statement(name, &place, m, &strings(m.get("Action")), sink);
        let allow = m.get("Effect").and_then(Value::as_str) == Some("Allow");
        let all_actions = strings(m.get("Action")).contains(&"*");
        let all_resources = strings(m.get("Resource")).contains(&"*");
        if identity && allow && all_actions && all_resources && !m.contains_key("Condition") {
            sink.push(
                "sec/iam-wildcard",
                name,
                &place,
                "the statement allows every action (*) on every resource (*)".to_string(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_looked_up_with_wildcards() {
        let mut c = Catalog::default();
        assert_eq!(c.unknown("kms:Decrypt"), None);
        assert_eq!(c.unknown("KMS:decrypt"), None);
        assert_eq!(c.unknown("sagemaker:*"), None);
        assert_eq!(c.unknown("codecommit:*PullRequest*"), None);
        assert_eq!(c.unknown("*"), None);
        let why = c.unknown("kms:ReEncrypt").unwrap();
        // hints are spelled as AWS spells the actions (issue 11: they used to be lower case)
        assert!(why.contains("kms:ReEncryptFrom") && why.contains("kms:ReEncryptTo"), "{why}");
        assert!(!why.contains("reencrypt"), "{why}");
        let why = c.unknown("s3:getobjec").unwrap();
        assert!(why.contains("s3:GetObject"), "{why}");
        assert!(c.unknown("nosuchservice:Get").unwrap().contains("no AWS service"));
        assert!(c.unknown("s3:Nope*").is_some());
    }

    #[test]
    fn glob_matching() {
        assert!(glob(b"get*", b"getobject"));
        assert!(glob(b"*commit*", b"createcommit"));
        assert!(glob(b"g?t*", b"getx"));
        assert!(!glob(b"put*", b"getobject"));
    }

    #[test]
    fn the_data_date_is_a_date() {
        let d = data_date();
        assert_eq!(d.len(), 10);
        assert!(d.as_str() > "2025-01-01");
    }
}
