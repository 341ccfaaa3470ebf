//! The IAM resources a root stack and its nested stacks create, as ARN patterns known before
//! deploy: what a CloudFormation execution role needs IAM permissions on, and nothing else.
//!
//! Names are resolved by [`super::instance`] (parameters at the values the templates default
//! them to, mappings, conditions, `Fn::Sub`/`Fn::Join`); what only deploy makes becomes `*`: the
//! stack id's suffix, a nested stack's generated suffix, other resources' generated names. A name
//! CloudFormation generates (no `RoleName`) starts with the stack's name
//! (`<stack>-<logical id>-<suffix>`, nested: `<root>-<nested logical id>-<suffix>-...`) as long as
//! it fits IAM's 64 characters; past that CloudFormation shortens the parts, and the pattern is
//! the path's `*`. Product launches (team stacks, user profiles) are not here: Service Catalog
//! creates them with its launch role. Pure: no network, no files.

use std::collections::BTreeMap;

use super::instance::{instantiate, token, Instance, Launch, ACCOUNT, REGION};
use crate::cfn::value::scalar_text;
use crate::cfn::{Template, Value};

/// IAM's limit on a role's or a policy's name.
const MAX_NAME: usize = 64;
/// The length of the suffix CloudFormation appends to a generated name (`-` and 12 or 13
/// characters; 13 taken).
const GENERATED_SUFFIX: usize = 14;

/// The kind of IAM resource, named as the service-authorization data names its resource types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Role,
    Policy,
    InstanceProfile,
}

impl Kind {
    /// The resource type's name in the service-authorization data (`role`, `policy`,
    /// `instance-profile`).
    pub fn resource_type(self) -> &'static str {
        match self {
            Kind::Role => "role",
            Kind::Policy => "policy",
            Kind::InstanceProfile => "instance-profile",
        }
    }
}

/// One IAM resource a stack creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// The stack instance (`<root stack>`, `<root stack>/<nested logical id>`).
    pub instance: String,
    pub file: String,
    pub logical_id: String,
    pub kind: Kind,
    /// The ARN pattern, with `${AWS::Partition}` and `${AWS::AccountId}` for `Fn::Sub`
    /// (`arn:${AWS::Partition}:iam::${AWS::AccountId}:role/DSSharedServices-Admin-*`).
    pub pattern: String,
    /// A role's permissions boundary (`PermissionsBoundary`), as an ARN pattern like `pattern`.
    pub boundary: Option<String>,
    /// The ARN as [`super::instance`] resolves it for account [`ACCOUNT`]: one value the pattern
    /// must match.
    pub example: String,
}

/// The IAM resources `root` (a file of `templates`) and its nested stacks create when deployed as
/// stack `stack`, in instance then logical-id order.
pub fn iam_resources<T: std::borrow::Borrow<Template>>(
    templates: &[(String, T)],
    root: &str,
    stack: &str,
) -> Vec<Created> {
    let launch = Launch { name: stack.to_string(), file: root.to_string(), parameters: BTreeMap::new() };
    let instances = instantiate(templates, &[launch]);
    let mut out = Vec::new();
    for i in &instances {
        for r in &i.resources {
            let kind = match r.type_.as_str() {
                "AWS::IAM::Role" => Kind::Role,
                "AWS::IAM::ManagedPolicy" => Kind::Policy,
                "AWS::IAM::InstanceProfile" => Kind::InstanceProfile,
                "AWS::IAM::ServiceLinkedRole" => {
                    let service = text(r.properties.get("AWSServiceName")).unwrap_or_default();
                    let service = if service.is_empty() || service.contains(':') { "*".into() } else { service };
                    out.push(Created {
                        instance: i.name.clone(),
                        file: r.file.clone(),
                        logical_id: r.logical_id.clone(),
                        kind: Kind::Role,
                        pattern: arn("role", &format!("/aws-service-role/{service}/"), "*"),
                        boundary: None,
                        example: format!("arn:aws:iam::{ACCOUNT}:role/aws-service-role/{service}/AWSServiceRole"),
                    });
                    continue;
                }
                _ => continue,
            };
            let name_key = match kind {
                Kind::Role => "RoleName",
                Kind::Policy => "ManagedPolicyName",
                Kind::InstanceProfile => "InstanceProfileName",
            };
            let path = text(r.properties.get("Path")).filter(|p| p.starts_with('/') && p.ends_with('/'));
            let path = path.unwrap_or_else(|| "/".into());
            let given = text(r.properties.get(name_key));
            let name = match &given {
                Some(n) => pattern_of(i, n),
                None => generated(stack, &i.name, &r.logical_id),
            };
            // The resolver's generated names are lower case (bucket-shaped); CloudFormation's
            // IAM names keep the case: the example is made in CloudFormation's shape.
            let example_name = given.unwrap_or_else(|| generated_example(&i.name, &r.logical_id));
            let example = format!("arn:aws:iam::{ACCOUNT}:{}{path}{example_name}", kind.resource_type());
            out.push(Created {
                instance: i.name.clone(),
                file: r.file.clone(),
                logical_id: r.logical_id.clone(),
                kind,
                pattern: arn(kind.resource_type(), &path, &name),
                boundary: text(r.properties.get("PermissionsBoundary")).map(|b| {
                    if UNRESOLVED.iter().any(|u| b.contains(u)) {
                        "*".to_string()
                    } else {
                        deploy_pattern(i, &b)
                    }
                }),
                example,
            });
        }
    }
    out
}

fn arn(resource_type: &str, path: &str, name: &str) -> String {
    format!("arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:{resource_type}{path}{name}")
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(scalar_text).filter(|s| !s.is_empty())
}

/// A name as CloudFormation generates it for `logical_id` in `instance` (`<stack>-<logical
/// id>-<13 characters>`, a nested stack's name with its own suffix), untruncated.
fn generated_example(instance: &str, logical_id: &str) -> String {
    let mut parts = instance.split('/');
    let mut stack = parts.next().unwrap_or_default().to_string();
    for nested in parts {
        stack = format!("{stack}-{nested}-ABCDEFGHIJKL");
    }
    format!("{stack}-{logical_id}-1U44TLUZ7OR55")
}

/// A resolved name with what only deploy knows made `*`: the tokens the resolver put for the
/// instance's stack id and its resources' generated ids, and a nested stack's name (which
/// CloudFormation suffixes). The account and region become pseudo parameters. A name still
/// holding something unresolved (the resolver's `param:`, `ref:`, `import:`... markers; IAM names
/// never hold `:`) is `*`.
fn pattern_of(instance: &Instance, name: &str) -> String {
    if name.contains(':') {
        return "*".into();
    }
    deploy_pattern(instance, name)
}

/// What the resolver leaves where a value is not known before deploy.
const UNRESOLVED: &[&str] = &["param:", "ref:", "att:", "output:", "import:", "fn:"];

/// A resolved value (a name or an ARN) with what only deploy knows made `*`, and the account,
/// region and partition made pseudo parameters (for `Fn::Sub`).
fn deploy_pattern(instance: &Instance, name: &str) -> String {
    let mut s = name.replace(&token(&[&instance.name]), "*");
    for r in &instance.resources {
        s = s.replace(&token(&[&instance.name, &r.logical_id]), "*");
    }
    if instance.name.contains('/') {
        let stack_name = instance.name.replace('/', "-");
        s = s.replace(&stack_name, &format!("{stack_name}-*"));
    }
    let s = s.replace(ACCOUNT, "${AWS::AccountId}").replace(REGION, "${AWS::Region}");
    let s = match s.strip_prefix("arn:aws:") {
        Some(rest) => format!("arn:${{AWS::Partition}}:{rest}"),
        None => s,
    };
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !(c == '*' && out.ends_with('*')) {
            out.push(c);
        }
    }
    out
}

/// The pattern of a name CloudFormation generates for `logical_id` in `instance` of root stack
/// `stack`: the stack's name, `-`, the logical id and the suffix when that fits IAM's limit (a
/// nested stack's name has a suffix of its own: then `<root>-<nested logical id>-*`, whatever
/// follows), else `*`.
fn generated(stack: &str, instance: &str, logical_id: &str) -> String {
    match instance.split_once('/') {
        None if stack.len() + 1 + logical_id.len() + GENERATED_SUFFIX <= MAX_NAME => {
            format!("{stack}-{logical_id}-*")
        }
        Some((_, nested)) if !nested.contains('/') => {
            let full = stack.len() + 1 + nested.len() + GENERATED_SUFFIX + 1 + logical_id.len() + GENERATED_SUFFIX;
            if full <= MAX_NAME {
                format!("{stack}-{nested}-*")
            } else {
                "*".into()
            }
        }
        _ => "*".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::pattern::arn_matches;
    use crate::platform::Platform;

    fn concrete(pattern: &str) -> String {
        pattern.replace("${AWS::Partition}", "aws").replace("${AWS::AccountId}", ACCOUNT)
    }

    #[test]
    fn the_platforms_roles_are_named_patterns_that_match_what_deploy_makes() {
        let app = Platform::default().synth().unwrap();
        let created = iam_resources(&app.templates, "ds_administration.yaml", "sds-root");
        let roles: Vec<(&str, &str)> = created.iter().map(|c| (c.logical_id.as_str(), c.pattern.as_str())).collect();
        assert!(
            roles.contains(&(
                "DataScienceAdministrator",
                "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/DSSharedServices-DataScienceAdministrator-*"
            )),
            "{roles:#?}"
        );
        assert!(roles.contains(&(
            "SageMakerDetectiveControlExecutionRole",
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/DSSharedServices-SageMaker-DetectiveControl-*"
        )));
        for c in &created {
            assert!(arn_matches(&concrete(&c.pattern), &c.example), "{c:?}");
            assert!(!c.pattern.ends_with(":role/*"), "not narrowed: {c:?}");
            assert!(!c.file.starts_with("ds_env"), "a product's resource: {c:?}");
        }
        // A real stack-id suffix, as CloudFormation makes it.
        let real = "arn:aws:iam::111111111111:role/DSSharedServices-DataScienceAdministrator-3f1c2a9be0d4";
        assert!(created.iter().any(|c| arn_matches(&concrete(&c.pattern), real)));
        assert!(!created.iter().any(|c| arn_matches(&concrete(&c.pattern), "arn:aws:iam::111111111111:role/Admin")));
    }

    #[test]
    fn generated_names_start_with_the_stack_while_they_fit() {
        assert_eq!(generated("sds", "sds", "Role"), "sds-Role-*");
        assert_eq!(generated("sds", "sds/Net", "Role"), "sds-Net-*");
        assert_eq!(generated_example("sds/Net", "Role"), "sds-Net-ABCDEFGHIJKL-Role-1U44TLUZ7OR55");
        assert_eq!(generated(&"s".repeat(60), &"s".repeat(60), "Role"), "*");
        assert_eq!(generated("sds", "sds/A/B", "Role"), "*");
    }
}
