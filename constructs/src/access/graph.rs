//! The access graph of an instantiated app: its principals (IAM roles, with trust policy and
//! identity policies — inline, customer managed from the app, AWS managed from the vendored
//! documents) and the resources access is asked about (buckets with their bucket policies, KMS
//! keys with their key policies, Studio user profiles, roles as something to assume or pass).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value as Json;

use super::instance::{Instance, Resource};
use crate::cfn::Value;
use crate::iam::Policy;

/// Where a policy or a resource comes from, for explanations: `instance/logical id (file)`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Origin {
    pub instance: String,
    pub logical_id: String,
    pub file: String,
}

impl Origin {
    fn of(r: &Resource) -> Origin {
        Origin { instance: r.instance.clone(), logical_id: r.logical_id.clone(), file: r.file.clone() }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{} ({})", self.instance, self.logical_id, self.file)
    }
}

/// A policy document with its name and origin.
#[derive(Debug, Clone)]
pub struct Named {
    pub name: String,
    pub origin: Origin,
    /// Shared: one managed policy is attached to many principals.
    pub policy: Arc<Policy>,
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub origin: Origin,
    pub arn: String,
    pub trust: Option<Named>,
    pub policies: Vec<Named>,
    /// AWS managed policies attached but without a vendored document (evaluated as absent).
    pub unknown_managed: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Bucket,
    Key,
    UserProfile,
    Role,
}

#[derive(Debug, Clone)]
pub struct Target {
    pub origin: Origin,
    pub kind: Kind,
    pub arn: String,
    pub policy: Option<Named>,
}

#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub principals: Vec<Principal>,
    pub targets: Vec<Target>,
    /// Policies that could not be read, with where they are.
    pub problems: Vec<String>,
}

/// A template value as JSON (resolved values hold no intrinsics).
pub fn to_json(v: &Value) -> Json {
    match v {
        Value::Null | Value::Fn(_) => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => serde_json::from_str(n).unwrap_or_else(|_| Json::String(n.clone())),
        Value::String(s) => Json::String(s.clone()),
        Value::List(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(m) => Json::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    crate::cfn::value::scalar_text(v?)
}

/// The prefix of AWS managed policy ARNs.
pub const AWS_MANAGED: &str = "arn:aws:iam::aws:policy/";

/// Builds the graph; `managed` gives the document of an AWS managed policy by ARN.
pub fn build(instances: &[Instance], managed: &dyn Fn(&str) -> Option<Json>) -> Graph {
    let mut g = Graph::default();
    let resources: Vec<&Resource> = instances.iter().flat_map(|i| &i.resources).collect();
    let read = |doc: &Value, name: String, origin: &Origin, problems: &mut Vec<String>| -> Option<Named> {
        match Policy::from_json(&to_json(doc)) {
            Ok(policy) => Some(Named { name, origin: origin.clone(), policy: Arc::new(policy) }),
            Err(e) => {
                problems.push(format!("{origin}: policy {name}: {e}"));
                None
            }
        }
    };
    // Customer managed policies by ARN, and what they are attached to by role name.
    let mut customer: BTreeMap<String, Named> = BTreeMap::new();
    let mut attached: BTreeMap<String, Vec<Named>> = BTreeMap::new();
    for r in &resources {
        let origin = Origin::of(r);
        let doc = r.properties.get("PolicyDocument");
        match (r.type_.as_str(), doc) {
            ("AWS::IAM::ManagedPolicy", Some(doc)) => {
                if let Some(n) = read(doc, r.id.clone(), &origin, &mut g.problems) {
                    for role in list(r.properties.get("Roles")) {
                        attached.entry(role).or_default().push(n.clone());
                    }
                    customer.insert(r.id.clone(), n);
                }
            }
            ("AWS::IAM::Policy", Some(doc)) => {
                let name = text(r.properties.get("PolicyName")).unwrap_or_else(|| r.logical_id.clone());
                if let Some(n) = read(doc, name, &origin, &mut g.problems) {
                    for role in list(r.properties.get("Roles")) {
                        attached.entry(role).or_default().push(n.clone());
                    }
                }
            }
            _ => {}
        }
    }
    // AWS managed policies, each parsed once.
    let mut aws_policies: BTreeMap<String, Named> = BTreeMap::new();
    for r in &resources {
        let origin = Origin::of(r);
        match r.type_.as_str() {
            "AWS::IAM::Role" => {
                let trust = r
                    .properties
                    .get("AssumeRolePolicyDocument")
                    .and_then(|d| read(d, "trust policy".into(), &origin, &mut g.problems));
                let mut policies = Vec::new();
                if let Some(Value::List(inline)) = r.properties.get("Policies") {
                    for p in inline {
                        let Some(m) = p.as_map() else { continue };
                        let name = text(m.get("PolicyName")).unwrap_or_default();
                        if let Some(doc) = m.get("PolicyDocument") {
                            policies.extend(read(doc, name, &origin, &mut g.problems));
                        }
                    }
                }
                let mut unknown_managed = Vec::new();
                for arn in list(r.properties.get("ManagedPolicyArns")) {
                    if let Some(n) = customer.get(&arn) {
                        policies.push(n.clone());
                    } else if arn.starts_with(AWS_MANAGED) {
                        let aws =
                            Origin { instance: "aws".into(), logical_id: arn.clone(), file: "AWS managed".into() };
                        if let Some(n) = aws_policies.get(&arn) {
                            policies.push(n.clone());
                            continue;
                        }
                        match managed(&arn) {
                            Some(doc) => match Policy::from_json(&doc) {
                                Ok(policy) => {
                                    let n = Named { name: arn.clone(), origin: aws, policy: Arc::new(policy) };
                                    aws_policies.insert(arn, n.clone());
                                    policies.push(n);
                                }
                                Err(e) => g.problems.push(format!("{arn}: {e}")),
                            },
                            None => unknown_managed.push(arn),
                        }
                    } else {
                        g.problems.push(format!("{origin}: managed policy {arn} is not declared in the app"));
                    }
                }
                policies.extend(attached.get(&r.id).into_iter().flatten().cloned());
                g.principals.push(Principal {
                    origin: origin.clone(),
                    arn: r.arn.clone(),
                    trust: trust.clone(),
                    policies,
                    unknown_managed,
                });
                g.targets.push(Target { origin, kind: Kind::Role, arn: r.arn.clone(), policy: trust });
            }
            "AWS::S3::Bucket" => {
                let policy = resources
                    .iter()
                    .filter(|p| {
                        p.type_ == "AWS::S3::BucketPolicy" && text(p.properties.get("Bucket")) == Some(r.id.clone())
                    })
                    .find_map(|p| {
                        read(
                            p.properties.get("PolicyDocument")?,
                            "bucket policy".into(),
                            &Origin::of(p),
                            &mut g.problems,
                        )
                    });
                g.targets.push(Target { origin, kind: Kind::Bucket, arn: r.arn.clone(), policy });
            }
            "AWS::KMS::Key" => {
                let policy =
                    r.properties.get("KeyPolicy").and_then(|d| read(d, "key policy".into(), &origin, &mut g.problems));
                g.targets.push(Target { origin, kind: Kind::Key, arn: r.arn.clone(), policy });
            }
            "AWS::SageMaker::UserProfile" => {
                g.targets.push(Target { origin, kind: Kind::UserProfile, arn: r.arn.clone(), policy: None });
            }
            _ => {}
        }
    }
    g
}

/// The strings of a list property (a single string counts as one).
fn list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::List(items)) => items.iter().filter_map(crate::cfn::value::scalar_text).collect(),
        Some(other) => crate::cfn::value::scalar_text(other).into_iter().collect(),
        None => Vec::new(),
    }
}
