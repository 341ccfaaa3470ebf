//! An app as it would stand deployed, for access analysis: every stack instance (the root, its
//! nested stacks, and each launch of a product template) with every value resolved to a
//! representative of what CloudFormation would produce.
//!
//! Values known before deploy (parameters, pseudo parameters, `Fn::Sub`, `Fn::Join`, mappings,
//! conditions) resolve to their text. Values made at deploy time (a bucket's generated name, a
//! key id, a stack id) resolve to a token unique to the stack instance and logical id, shaped like
//! the real value (`arn:aws:kms:us-east-1:111111111111:key/<token>`), so that two launches stay
//! distinct and a pattern like `ds-data-bucket-*` matches both. Imports resolve to what the
//! exporting instance exports; an import nothing exports stays a token (`import:<name>`).

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};

use crate::cfn::value::scalar_text;
use crate::cfn::{Intrinsic, Map, Template, Value};

mod physical;
use physical::physical;

/// The account and region the analysis deploys into.
pub const ACCOUNT: &str = "111111111111";
pub const REGION: &str = "us-east-1";

/// One deployment of a template: the root, a nested stack, or a launch of a product.
#[derive(Debug, Clone)]
pub struct Launch {
    /// Unique name (`root`, `team-a-dev`, `team-a-dev/alice`); nested instances are named
    /// `<parent>/<logical id>`.
    pub name: String,
    pub file: String,
    /// Parameter values passed (launch parameters); the rest take their defaults.
    pub parameters: BTreeMap<String, String>,
}

/// A resource of an instance, resolved.
#[derive(Debug, Clone)]
pub struct Resource {
    pub instance: String,
    pub file: String,
    pub logical_id: String,
    pub type_: String,
    /// Properties with every intrinsic resolved (`Null` where a condition removed a value).
    pub properties: Map,
    /// What `Ref` returns.
    pub id: String,
    /// Its ARN (`Fn::GetAtt X.Arn`), shaped after the type.
    pub arn: String,
}

/// A stack instance, resolved.
#[derive(Debug, Clone)]
pub struct Instance {
    pub name: String,
    pub file: String,
    pub resources: Vec<Resource>,
    pub outputs: BTreeMap<String, Value>,
}

/// FNV-1a, for tokens that are the same on every machine.
pub(crate) fn token(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{:012x}", h & 0xffff_ffff_ffff)
}

/// The service part of a type (`AWS::S3::Bucket` → `s3`).
fn service(type_: &str) -> String {
    type_.split("::").nth(1).unwrap_or("unknown").to_ascii_lowercase()
}

struct Resolver<'a> {
    template: &'a Template,
    instance: &'a str,
    parameters: HashMap<String, Value>,
    exports: &'a BTreeMap<String, Value>,
    /// Outputs of this instance's nested stacks, by logical id.
    nested: &'a HashMap<String, BTreeMap<String, Value>>,
    /// Physical ids and ARNs of this instance's resources, named by property where they are set.
    physical: HashMap<String, (String, String)>,
    /// Whether resolving has looked up a physical id or ARN since this was last cleared.
    used_physical: Cell<bool>,
}

impl Resolver<'_> {
    fn pseudo(&self, name: &str) -> Option<Value> {
        let stack_id = format!(
            "arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{}/00000000-0000-0000-0000-{}",
            self.instance.replace('/', "-"),
            token(&[self.instance])
        );
        Some(Value::String(match name {
            "AWS::AccountId" => ACCOUNT.into(),
            "AWS::Region" => REGION.into(),
            "AWS::Partition" => "aws".into(),
            "AWS::URLSuffix" => "amazonaws.com".into(),
            "AWS::StackName" => self.instance.replace('/', "-"),
            "AWS::StackId" => stack_id,
            "AWS::NoValue" => return Some(Value::Null),
            "AWS::NotificationARNs" => return Some(Value::List(Vec::new())),
            _ => return None,
        }))
    }

    fn reference(&self, name: &str) -> Value {
        if let Some(v) = self.parameters.get(name) {
            return v.clone();
        }
        if let Some(v) = self.pseudo(name) {
            return v;
        }
        self.used_physical.set(true);
        match self.physical.get(name) {
            Some((id, _)) => Value::String(id.clone()),
            None => Value::String(format!("ref:{name}")),
        }
    }

    fn attribute(&self, resource: &str, attribute: &str) -> Value {
        if let Some(output) = attribute.strip_prefix("Outputs.") {
            let found = self.nested.get(resource).and_then(|o| o.get(output));
            return found.cloned().unwrap_or_else(|| Value::String(format!("output:{resource}.{output}")));
        }
        self.used_physical.set(true);
        let Some((id, arn)) = self.physical.get(resource) else {
            return Value::String(format!("att:{resource}.{attribute}"));
        };
        let type_ = self.template.resources.get(resource).map(|r| r.type_.as_str()).unwrap_or("");
        Value::String(match (type_, attribute) {
            (_, "Arn")
            | ("AWS::SageMaker::UserProfile", "UserProfileArn")
            | ("AWS::SageMaker::Domain", "DomainArn") => arn.clone(),
            ("AWS::SageMaker::Domain", "DomainId") | ("AWS::IAM::Role", "RoleId") => id.clone(),
            ("AWS::EC2::SecurityGroup", "GroupId") => format!("sg-{}", token(&[self.instance, resource])),
            ("AWS::CodeCommit::Repository", "Name") => id.clone(),
            _ => format!("{resource}.{attribute}-{}", token(&[self.instance, resource])),
        })
    }

    fn condition(&self, name: &str) -> bool {
        self.template.conditions.get(name).is_some_and(|c| truthy(&self.resolve(c)))
    }

    /// Resolves every intrinsic in `v`.
    fn resolve(&self, v: &Value) -> Value {
        match v {
            Value::List(items) => {
                Value::List(items.iter().map(|i| self.resolve(i)).filter(|i| *i != Value::Null).collect())
            }
            Value::Map(m) => Value::Map(
                m.iter().map(|(k, v)| (k.clone(), self.resolve(v))).filter(|(_, v)| *v != Value::Null).collect(),
            ),
            Value::Fn(f) => self.function(f),
            other => other.clone(),
        }
    }

    fn text(&self, v: &Value) -> String {
        match self.resolve(v) {
            Value::List(items) => items.iter().map(|i| self.text(i)).collect::<Vec<_>>().join(","),
            other => scalar_text(&other).unwrap_or_default(),
        }
    }

    fn list(&self, v: &Value) -> Vec<Value> {
        match self.resolve(v) {
            Value::List(items) => items,
            Value::String(s) => s.split(',').map(|p| Value::String(p.to_string())).collect(),
            other => vec![other],
        }
    }

    fn function(&self, f: &Intrinsic) -> Value {
        match f {
            Intrinsic::Ref(n) => self.reference(n),
            Intrinsic::GetAtt { resource, attribute } => self.attribute(resource, &self.text(attribute)),
            Intrinsic::Sub { template, variables } => {
                let mut out = String::new();
                let mut rest = template.as_str();
                while let Some(i) = rest.find("${") {
                    out.push_str(&rest[..i]);
                    let after = &rest[i + 2..];
                    let Some(j) = after.find('}') else { break };
                    let name = after[..j].trim();
                    if let Some(literal) = name.strip_prefix('!') {
                        out.push_str("${");
                        out.push_str(literal);
                        out.push('}');
                    } else if let Some(v) = variables.as_ref().and_then(|vs| vs.get(name)) {
                        out.push_str(&self.text(v));
                    } else if let Some((r, a)) = name.split_once('.').filter(|_| !name.starts_with("AWS::")) {
                        out.push_str(&scalar_text(&self.attribute(r, a)).unwrap_or_default());
                    } else {
                        out.push_str(&scalar_text(&self.reference(name)).unwrap_or_default());
                    }
                    rest = &after[j + 1..];
                }
                out.push_str(rest);
                Value::String(out)
            }
            Intrinsic::Join { delimiter, values } => {
                let parts: Vec<String> = self.list(values).iter().map(|v| self.text(v)).collect();
                Value::String(parts.join(delimiter))
            }
            Intrinsic::Select { index, list } => {
                let i: usize = self.text(index).parse().unwrap_or(usize::MAX);
                self.list(list).into_iter().nth(i).unwrap_or(Value::Null)
            }
            Intrinsic::Split { delimiter, source } => {
                Value::List(self.text(source).split(delimiter.as_str()).map(|s| Value::String(s.into())).collect())
            }
            Intrinsic::ImportValue(name) => {
                let name = self.text(name);
                self.exports.get(&name).cloned().unwrap_or(Value::String(format!("import:{name}")))
            }
            Intrinsic::FindInMap { map, top, second, default } => {
                let found = self
                    .template
                    .mappings
                    .get(&self.text(map))
                    .and_then(Value::as_map)
                    .and_then(|m| m.get(&self.text(top)))
                    .and_then(Value::as_map)
                    .and_then(|m| m.get(&self.text(second)))
                    .cloned();
                found.or_else(|| default.as_ref().map(|d| self.resolve(d))).unwrap_or(Value::Null)
            }
            Intrinsic::If { condition, then, otherwise } => {
                self.resolve(if self.condition(condition) { then } else { otherwise })
            }
            Intrinsic::Equals(a, b) => Value::Bool(self.text(a) == self.text(b)),
            Intrinsic::And(items) => Value::Bool(items.iter().all(|i| truthy(&self.resolve(i)))),
            Intrinsic::Or(items) => Value::Bool(items.iter().any(|i| truthy(&self.resolve(i)))),
            Intrinsic::Not(c) => Value::Bool(!truthy(&self.resolve(c))),
            Intrinsic::Condition(name) => Value::Bool(self.condition(name)),
            Intrinsic::GetAZs(_) => {
                Value::List(["a", "b", "c"].iter().map(|z| Value::String(format!("{REGION}{z}"))).collect())
            }
            Intrinsic::Base64(v) => Value::String(self.text(v)),
            // Anything else is made at deploy time or by a transform: a token.
            other => Value::String(format!("fn:{}-{}", other.name(), token(&[self.instance]))),
        }
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::String(s) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

impl<'a> Resolver<'a> {
    /// The resolver of `launch` (an instance of `template`) with `passed` parameter values from
    /// its parent, the exports known so far and its nested instances' outputs.
    fn new(
        template: &'a Template,
        launch: &'a Launch,
        passed: &HashMap<String, Value>,
        exports: &'a BTreeMap<String, Value>,
        nested: &'a HashMap<String, BTreeMap<String, Value>>,
    ) -> Resolver<'a> {
        let mut r = Resolver {
            template,
            instance: &launch.name,
            parameters: HashMap::new(),
            exports,
            nested,
            physical: HashMap::new(),
            used_physical: Cell::new(false),
        };
        for (name, p) in &template.parameters {
            let value = passed
                .get(name)
                .cloned()
                .or_else(|| launch.parameters.get(name).map(|v| Value::String(v.clone())))
                .or_else(|| p.attributes.get("Default").cloned())
                .unwrap_or_else(|| Value::String(format!("param:{name}")));
            // A list parameter's `Ref` is a list: CloudFormation splits the text at commas.
            let value = match value {
                Value::String(text) if p.type_ == "CommaDelimitedList" || p.type_.starts_with("List<") => {
                    Value::List(text.split(',').map(|t| Value::String(t.trim().to_string())).collect())
                }
                other => other,
            };
            r.parameters.insert(name.clone(), value);
        }
        // Twice, so that names built from other resources' ids settle: the second time only for
        // the resources whose names looked other resources up the first time (the others come
        // out the same).
        let mut again = Vec::new();
        let mut first = HashMap::with_capacity(template.resources.len());
        for (id, res) in &template.resources {
            r.used_physical.set(false);
            first.insert(id.clone(), physical(&r, id, &res.type_, &res.properties));
            if r.used_physical.get() {
                again.push((id, res));
            }
        }
        r.physical = first;
        let second: Vec<_> =
            again.into_iter().map(|(id, res)| (id, physical(&r, id, &res.type_, &res.properties))).collect();
        for (id, p) in second {
            r.physical.insert(id.clone(), p);
        }
        r
    }

    fn included(&self, condition: Option<&String>) -> bool {
        condition.is_none_or(|c| self.condition(c))
    }

    fn instance(&self, file: &str) -> Instance {
        let mut resources = Vec::new();
        for (id, res) in &self.template.resources {
            if !self.included(res.condition.as_ref()) {
                continue;
            }
            let properties = res.properties.iter().map(|(k, v)| (k.clone(), self.resolve(v))).collect();
            let (pid, arn) = self.physical.get(id).cloned().unwrap_or_default();
            resources.push(Resource {
                instance: self.instance.to_string(),
                file: file.to_string(),
                logical_id: id.clone(),
                type_: res.type_.clone(),
                properties,
                id: pid,
                arn,
            });
        }
        Instance { name: self.instance.to_string(), file: file.to_string(), resources, outputs: self.outputs() }
    }

    /// The instance's outputs, resolved.
    fn outputs(&self) -> BTreeMap<String, Value> {
        let included = self.template.outputs.iter().filter(|(_, o)| self.included(o.condition.as_ref()));
        included.map(|(id, o)| (id.clone(), self.resolve(&o.value))).collect()
    }

    fn exports(&self, outputs: &BTreeMap<String, Value>) -> Vec<(String, Value)> {
        let t = self.template;
        let exported = t.outputs.iter().filter(|(_, o)| self.included(o.condition.as_ref()));
        exported.filter_map(|(id, o)| Some((self.text(o.export_name.as_ref()?), outputs.get(id)?.clone()))).collect()
    }
}

/// Instantiates an app: each launch (a root, or a product launched with parameters) with its
/// nested stacks, recursively. Imports resolve against the exports of all instances; resolving
/// repeats until they settle (three rounds: export chains in practice are one deep).
pub fn instantiate<T: std::borrow::Borrow<Template>>(templates: &[(String, T)], launches: &[Launch]) -> Vec<Instance> {
    let by_name: HashMap<&str, &Template> = templates.iter().map(|(n, t)| (n.as_str(), t.borrow())).collect();
    let run = |exports: &BTreeMap<String, Value>, full: bool| {
        let mut round = Round { templates: &by_name, exports, instances: Vec::new(), found: BTreeMap::new(), full };
        for launch in launches {
            round.walk(launch, &HashMap::new(), 0);
        }
        (round.instances, round.found)
    };
    // The first round, without exports, resolves outputs only. Each further round resolves every
    // resource with the exports the one before found, and is the last when it finds the same
    // exports (or is the third round with exports): the instances of the rounds that settle
    // the exports and of the last are one and the same.
    let (_, first) = run(&BTreeMap::new(), false);
    if first.is_empty() {
        return run(&first, true).0;
    }
    let (instances, second) = run(&first, true);
    if second == first {
        return instances;
    }
    run(&second, true).0
}

/// One resolving round over all launches.
struct Round<'a> {
    templates: &'a HashMap<&'a str, &'a Template>,
    exports: &'a BTreeMap<String, Value>,
    instances: Vec<Instance>,
    found: BTreeMap<String, Value>,
    /// Whether to resolve every resource (else outputs only).
    full: bool,
}

/// How deep nested stacks may go (CloudFormation's own nesting is bounded; a cycle stops here).
const MAX_NESTING: usize = 10;

impl Round<'_> {
    /// Instantiates `launch` and its nested stacks; returns its outputs.
    fn walk(&mut self, launch: &Launch, passed: &HashMap<String, Value>, depth: usize) -> BTreeMap<String, Value> {
        let Some(template) = self.templates.get(launch.file.as_str()).copied() else { return BTreeMap::new() };
        let none = HashMap::new();
        let mut children = Vec::new();
        let stacks = template.resources.values().any(|r| r.type_ == "AWS::CloudFormation::Stack");
        // What the nested stacks are (and are passed) needs a resolver of its own: only made
        // where there are nested stacks.
        let pre = stacks.then(|| Resolver::new(template, launch, passed, self.exports, &none));
        if let Some(pre) = &pre {
            for (id, res) in &template.resources {
                if res.type_ != "AWS::CloudFormation::Stack"
                    || !pre.included(res.condition.as_ref())
                    || depth >= MAX_NESTING
                {
                    continue;
                }
                let url = res.properties.get("TemplateURL").map(|u| pre.text(u)).unwrap_or_default();
                let file = url.rsplit('/').next().unwrap_or_default().to_string();
                let params: HashMap<String, Value> = match res.properties.get("Parameters").map(|p| pre.resolve(p)) {
                    Some(Value::Map(m)) => m.into_iter().collect(),
                    _ => HashMap::new(),
                };
                let child = Launch { name: format!("{}/{id}", launch.name), file, parameters: BTreeMap::new() };
                children.push((id.clone(), child, params));
            }
        }
        let mut nested = HashMap::new();
        for (id, child, params) in children {
            let outputs = self.walk(&child, &params, depth + 1);
            nested.insert(id, outputs);
        }
        let r = Resolver::new(template, launch, passed, self.exports, &nested);
        if !self.full {
            let outputs = r.outputs();
            self.found.extend(r.exports(&outputs));
            return outputs;
        }
        let instance = r.instance(&launch.file);
        self.found.extend(r.exports(&instance.outputs));
        let outputs = instance.outputs.clone();
        self.instances.push(instance);
        outputs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::Platform;

    fn launch(name: &str, file: &str, params: &[(&str, &str)]) -> Launch {
        let parameters = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Launch { name: name.into(), file: file.into(), parameters }
    }

    fn platform() -> Vec<Instance> {
        let app = Platform::default().synth().unwrap();
        fn team(t: &str) -> [(&str, &str); 3] {
            [("TeamName", t), ("EnvType", "dev"), ("SharedServiceStackSetName", "DSSharedServices")]
        }
        instantiate(
            &app.templates,
            &[
                launch("root", "ds_administration.yaml", &[]),
                launch(
                    "studio",
                    "ds_env_sagemaker_studio.yaml",
                    &[
                        ("SharedServiceStackSetName", "DSSharedServices"),
                        ("CustomImageEcrUri", "uri"),
                        ("CustomImageName", "img"),
                        ("CustomImageDescription", "d"),
                        ("AppImageConfigName", "cfg"),
                    ],
                ),
                launch("team-a-dev", "ds_environment.yaml", &team("team-a")),
                launch("team-b-dev", "ds_environment.yaml", &team("team-b")),
                launch(
                    "team-a-dev/alice",
                    "ds_env_studio_user_profile_v1.yaml",
                    &[("TeamName", "team-a"), ("EnvType", "dev"), ("StudioUserProfileName", "alice")],
                ),
            ],
        )
    }

    fn find<'a>(instances: &'a [Instance], instance: &str, id: &str) -> &'a Resource {
        instances
            .iter()
            .filter(|i| i.name == instance)
            .flat_map(|i| &i.resources)
            .find(|r| r.logical_id == id)
            .unwrap_or_else(|| panic!("{instance}/{id}"))
    }

    #[test]
    fn nested_stacks_and_launches_are_instances() {
        let all = platform();
        let names: Vec<&str> = all.iter().map(|i| i.name.as_str()).collect();
        for expected in [
            "root",
            "root/DataSciencePrincipals",
            "root/SharedSageMakerNetwork",
            "studio",
            "team-a-dev",
            "team-a-dev/DSEnvironmentPrincipals",
            "team-a-dev/DSEnvironmentBackingStore",
            "team-b-dev/DSEnvironmentBackingStore",
            "team-a-dev/alice",
        ] {
            assert!(names.contains(&expected), "{expected} in {names:?}");
        }
    }

    #[test]
    fn launches_stay_distinct_and_imports_resolve() {
        let all = platform();
        let a = find(&all, "team-a-dev/DSEnvironmentBackingStore", "DataBucket");
        let b = find(&all, "team-b-dev/DSEnvironmentBackingStore", "DataBucket");
        assert!(a.id.starts_with("ds-data-bucket-team-a-dev-"), "{}", a.id);
        assert!(b.id.starts_with("ds-data-bucket-team-b-dev-"), "{}", b.id);
        assert_ne!(a.id, b.id);
        // The team key's policy names the team's admin role, imported from the principals stack.
        let key = find(&all, "team-a-dev/DSEnvironmentBackingStore", "KMSCMK");
        let policy = crate::cfn::yaml::inline(&key.properties["KeyPolicy"]);
        assert!(policy.contains("arn:aws:iam::111111111111:role/ds-admin-role-team-a-dev"), "{policy}");
        assert!(!policy.contains("import:"), "every import resolves: {policy}");
        // The user profile is in the domain the Studio product created.
        let domain = find(&all, "studio", "SageMakerStudioDomain");
        let profile = find(&all, "team-a-dev/alice", "SageMakerStudioUserProfile");
        assert_eq!(profile.properties["DomainId"], Value::String(domain.id.clone()));
        assert_eq!(profile.arn, format!("arn:aws:sagemaker:us-east-1:111111111111:user-profile/{}/alice", domain.id));
    }

    #[test]
    fn conditions_decide_what_exists() {
        let all = platform();
        let root = all.iter().find(|i| i.name == "root").unwrap();
        assert!(root.resources.iter().any(|r| r.logical_id == "DataScienceAdministratorPortfolio"), "quickstart");
    }
}
