//! Resource properties against the CloudFormation resource provider schemas of their types,
//! vendored in `data/resources/` (see `scripts/refresh-schemas` and `data/SOURCE.json`).
//!
//! Intrinsic functions stand for values of the type the schema expects: an expression whose text
//! is known with default values (see `eval`) is checked as that text; `Fn::If` is checked with
//! each branch; anything else becomes a stand-in whose only checkable property is its kind
//! (string, list). CloudFormation's scalar coercions are honoured (`"443"` for an integer,
//! `"true"` for a boolean, a number for a string).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{JsonType, Keyword, ValidationError, Validator};
use sds_constructs::cfn::json::to_serde;
use sds_constructs::cfn::yaml::inline;
use sds_constructs::cfn::{Intrinsic, Resource, Value};
use serde_json::Value as J;

use super::eval::Ctx;

/// (type, schema) of every vendored type.
const SCHEMAS: &[(&str, &str)] = &[
    ("AWS::CloudFormation::Stack", include_str!("data/resources/AWS_CloudFormation_Stack.json")),
    ("AWS::CloudWatch::Alarm", include_str!("data/resources/AWS_CloudWatch_Alarm.json")),
    ("AWS::CodeArtifact::Domain", include_str!("data/resources/AWS_CodeArtifact_Domain.json")),
    ("AWS::CodeArtifact::Repository", include_str!("data/resources/AWS_CodeArtifact_Repository.json")),
    ("AWS::CodeCommit::Repository", include_str!("data/resources/AWS_CodeCommit_Repository.json")),
    ("AWS::EC2::EIP", include_str!("data/resources/AWS_EC2_EIP.json")),
    ("AWS::EC2::InternetGateway", include_str!("data/resources/AWS_EC2_InternetGateway.json")),
    ("AWS::EC2::NatGateway", include_str!("data/resources/AWS_EC2_NatGateway.json")),
    ("AWS::EC2::Route", include_str!("data/resources/AWS_EC2_Route.json")),
    ("AWS::EC2::RouteTable", include_str!("data/resources/AWS_EC2_RouteTable.json")),
    ("AWS::EC2::SecurityGroup", include_str!("data/resources/AWS_EC2_SecurityGroup.json")),
    ("AWS::EC2::SecurityGroupIngress", include_str!("data/resources/AWS_EC2_SecurityGroupIngress.json")),
    ("AWS::EC2::Subnet", include_str!("data/resources/AWS_EC2_Subnet.json")),
    ("AWS::EC2::SubnetRouteTableAssociation", include_str!("data/resources/AWS_EC2_SubnetRouteTableAssociation.json")),
    ("AWS::EC2::VPC", include_str!("data/resources/AWS_EC2_VPC.json")),
    ("AWS::EC2::VPCEndpoint", include_str!("data/resources/AWS_EC2_VPCEndpoint.json")),
    ("AWS::EC2::VPCGatewayAttachment", include_str!("data/resources/AWS_EC2_VPCGatewayAttachment.json")),
    ("AWS::ECR::Repository", include_str!("data/resources/AWS_ECR_Repository.json")),
    ("AWS::Events::Rule", include_str!("data/resources/AWS_Events_Rule.json")),
    ("AWS::IAM::InstanceProfile", include_str!("data/resources/AWS_IAM_InstanceProfile.json")),
    ("AWS::IAM::ManagedPolicy", include_str!("data/resources/AWS_IAM_ManagedPolicy.json")),
    ("AWS::IAM::Policy", include_str!("data/resources/AWS_IAM_Policy.json")),
    ("AWS::IAM::Role", include_str!("data/resources/AWS_IAM_Role.json")),
    ("AWS::KMS::Alias", include_str!("data/resources/AWS_KMS_Alias.json")),
    ("AWS::KMS::Key", include_str!("data/resources/AWS_KMS_Key.json")),
    ("AWS::Lambda::Function", include_str!("data/resources/AWS_Lambda_Function.json")),
    ("AWS::Lambda::LayerVersion", include_str!("data/resources/AWS_Lambda_LayerVersion.json")),
    ("AWS::Lambda::Permission", include_str!("data/resources/AWS_Lambda_Permission.json")),
    ("AWS::Logs::LogGroup", include_str!("data/resources/AWS_Logs_LogGroup.json")),
    ("AWS::ResourceGroups::Group", include_str!("data/resources/AWS_ResourceGroups_Group.json")),
    ("AWS::S3::Bucket", include_str!("data/resources/AWS_S3_Bucket.json")),
    ("AWS::S3::BucketPolicy", include_str!("data/resources/AWS_S3_BucketPolicy.json")),
    ("AWS::SNS::Topic", include_str!("data/resources/AWS_SNS_Topic.json")),
    ("AWS::SQS::Queue", include_str!("data/resources/AWS_SQS_Queue.json")),
    ("AWS::SSM::Parameter", include_str!("data/resources/AWS_SSM_Parameter.json")),
    ("AWS::SageMaker::AppImageConfig", include_str!("data/resources/AWS_SageMaker_AppImageConfig.json")),
    ("AWS::SageMaker::Domain", include_str!("data/resources/AWS_SageMaker_Domain.json")),
    ("AWS::SageMaker::Image", include_str!("data/resources/AWS_SageMaker_Image.json")),
    ("AWS::SageMaker::ImageVersion", include_str!("data/resources/AWS_SageMaker_ImageVersion.json")),
    ("AWS::SageMaker::NotebookInstance", include_str!("data/resources/AWS_SageMaker_NotebookInstance.json")),
    ("AWS::SageMaker::UserProfile", include_str!("data/resources/AWS_SageMaker_UserProfile.json")),
    (
        "AWS::ServiceCatalog::CloudFormationProduct",
        include_str!("data/resources/AWS_ServiceCatalog_CloudFormationProduct.json"),
    ),
    (
        "AWS::ServiceCatalog::LaunchRoleConstraint",
        include_str!("data/resources/AWS_ServiceCatalog_LaunchRoleConstraint.json"),
    ),
    ("AWS::ServiceCatalog::Portfolio", include_str!("data/resources/AWS_ServiceCatalog_Portfolio.json")),
    (
        "AWS::ServiceCatalog::PortfolioPrincipalAssociation",
        include_str!("data/resources/AWS_ServiceCatalog_PortfolioPrincipalAssociation.json"),
    ),
    (
        "AWS::ServiceCatalog::PortfolioProductAssociation",
        include_str!("data/resources/AWS_ServiceCatalog_PortfolioProductAssociation.json"),
    ),
];

/// The vendored resource provider schema of a type (JSON text), if there is one. `sds review`
/// reads its `createOnlyProperties`.
pub fn source(type_: &str) -> Option<&'static str> {
    SCHEMAS.iter().find(|(t, _)| *t == type_).map(|(_, text)| *text)
}

/// Types whose properties are not checked: custom resources have no schema.
pub fn is_custom(type_: &str) -> bool {
    type_.starts_with("Custom::") || type_ == "AWS::CloudFormation::CustomResource"
}

/// Parsed schemas and compiled validators, built on first use of each type.
#[derive(Default)]
pub struct Schemas {
    cache: HashMap<String, Option<Compiled>>,
}

struct Compiled {
    schema: J,
    validator: Option<Validator>,
}

/// One schema violation, relative to the resource's `Properties`.
pub struct Violation {
    /// JSON pointer inside `Properties`.
    pub pointer: String,
    pub message: String,
    /// The value there came from evaluating an expression with default values.
    pub evaluated: Option<String>,
    pub keyword: String,
}

impl Schemas {
    fn get(&mut self, type_: &str) -> Option<&Compiled> {
        if !self.cache.contains_key(type_) {
            let compiled = SCHEMAS.iter().find(|(t, _)| *t == type_).and_then(|(_, text)| {
                let schema: J = serde_json::from_str(text).ok()?;
                let validator =
                    jsonschema::draft7::options().with_keyword("lazyPattern", lazy_pattern).build(&schema).ok();
                Some(Compiled { schema, validator })
            });
            self.cache.insert(type_.to_string(), compiled);
        }
        self.cache.get(type_).and_then(Option::as_ref)
    }

    pub fn knows(&mut self, type_: &str) -> bool {
        self.get(type_).is_some()
    }

    /// The read-only properties (attributes) of a type, as `/properties/...` pointers.
    pub fn read_only(&mut self, type_: &str) -> Option<Vec<String>> {
        let c = self.get(type_)?;
        let list = c.schema.get("readOnlyProperties")?.as_array()?;
        Some(list.iter().filter_map(|p| p.as_str().map(str::to_string)).collect())
    }

    /// Whether `Fn::GetAtt` can read `attribute` of `type_`: a read-only property, or a property
    /// the type does not declare write-only (registry types return those from their read handler).
    pub fn has_attribute(&mut self, type_: &str, attribute: &str) -> Option<bool> {
        let c = self.get(type_)?;
        let pointer = format!("/properties/{}", attribute.replace('.', "/properties/"));
        let listed = |key: &str, wanted: &str| {
            c.schema.get(key).and_then(J::as_array).is_some_and(|l| l.iter().any(|p| p.as_str() == Some(wanted)))
        };
        let flat = format!("/properties/{}", attribute.replace('.', "/"));
        if listed("readOnlyProperties", &flat) {
            return Some(true);
        }
        Some(c.schema.pointer(&pointer).is_some() && !listed("writeOnlyProperties", &flat))
    }

    /// The JSON type of attribute `attribute` of `type_`, where the schema says.
    fn attribute_is_list(&mut self, type_: &str, attribute: &str) -> bool {
        let Some(c) = self.get(type_) else { return false };
        let prop = c.schema.pointer(&format!("/properties/{}", attribute.replace('.', "/properties/")));
        prop.and_then(|p| p.get("type")).is_some_and(|t| t == "array")
    }

    /// The schema of top-level property `name` of `type_`, `$ref` followed once.
    pub fn property(&mut self, type_: &str, name: &str) -> Option<J> {
        let c = self.get(type_)?;
        let p = c.schema.get("properties")?.get(name)?;
        match p.get("$ref").and_then(J::as_str) {
            Some(r) => c.schema.pointer(r.trim_start_matches('#')).cloned(),
            None => Some(p.clone()),
        }
    }

    /// Every violation of `r`'s properties, with each `Fn::If` branch taken in turn.
    pub fn check(&mut self, r: &Resource, ctx: &Ctx, types: &BTreeMap<String, String>) -> Vec<Violation> {
        let mut out: Vec<Violation> = Vec::new();
        let mut seen: HashSet<(String, String)> = HashSet::new();
        for branch in [true, false] {
            let mut b = Builder {
                ctx,
                type_: &r.type_,
                types,
                schemas: self,
                branch,
                stand_ins: Vec::new(),
                evaluated: BTreeMap::new(),
                has_if: false,
            };
            let instance = b.object(&r.properties, "");
            let (stand_ins, evaluated, has_if) = (b.stand_ins, b.evaluated, b.has_if);
            let stand_ins: HashSet<&str> = stand_ins.iter().map(String::as_str).collect();
            let Some(c) = self.get(&r.type_) else { return out };
            let Some(validator) = &c.validator else { return out };
            for e in validator.iter_errors(&instance) {
                let pointer = e.instance_path().as_str().to_string();
                if ignorable(&e, &pointer, &stand_ins) {
                    continue;
                }
                let message = e.to_string();
                if !seen.insert((pointer.clone(), message.clone())) {
                    continue;
                }
                out.push(Violation {
                    evaluated: evaluated.get(&pointer).cloned(),
                    keyword: e.kind().keyword().to_string(),
                    pointer,
                    message,
                });
            }
            if !has_if {
                break;
            }
        }
        out
    }
}

/// `pattern`, compiled when a value first reaches it: the schemas hold hundreds of patterns
/// (many with large Unicode classes) and a platform's values reach a few dozen, so compiling
/// them all up front would cost most of the validation time. Compiled patterns are shared.
struct LazyPattern {
    source: String,
}

fn regex(source: &str) -> Option<Arc<fancy_regex::Regex>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<Arc<fancy_regex::Regex>>>>> = OnceLock::new();
    let mut cache = CACHE.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    cache
        .entry(source.to_string())
        .or_insert_with(|| {
            // JSON Schema patterns are ECMA 262; translate as the jsonschema crate does.
            let rust = jsonschema_regex::to_rust_regex(source).ok()?;
            fancy_regex::Regex::new(&rust).ok().map(Arc::new)
        })
        .clone()
}

impl<'i> Keyword<'i> for LazyPattern {
    fn validate(&self, instance: &'i J) -> Result<(), ValidationError<'i>> {
        if self.is_valid(instance) {
            Ok(())
        } else {
            Err(ValidationError::custom(format!("{instance} does not match {:?}", self.source)))
        }
    }

    fn is_valid(&self, instance: &'i J) -> bool {
        let J::String(text) = instance else { return true };
        // A pattern the engine cannot compile checks nothing (every vendored one compiles: tested).
        regex(&self.source).is_none_or(|r| r.is_match(text).unwrap_or(true))
    }
}

fn lazy_pattern<'a>(
    _: &'a serde_json::Map<String, J>,
    value: &'a J,
    _: jsonschema::paths::Location,
) -> Result<Box<dyn for<'i> Keyword<'i>>, ValidationError<'a>> {
    let source = value.as_str().unwrap_or_default().to_string();
    Ok(Box::new(LazyPattern { source }))
}

/// Whether an error is about something CloudFormation would accept or that cannot be known yet.
fn ignorable(e: &jsonschema::ValidationError, pointer: &str, stand_ins: &HashSet<&str>) -> bool {
    // at a stand-in or inside one: the pointer or one of its ancestors is a stand-in
    let at_stand_in = stand_ins.contains(pointer)
        || pointer.char_indices().any(|(i, c)| c == '/' && stand_ins.contains(&pointer[..i]));
    let instance = e.instance();
    match e.kind() {
        ValidationErrorKind::Type { kind } => {
            let expected: Vec<JsonType> = match kind {
                TypeKind::Single(t) => vec![*t],
                TypeKind::Multiple(set) => set.iter().collect(),
            };
            let scalar_expected = expected
                .iter()
                .any(|t| matches!(t, JsonType::String | JsonType::Integer | JsonType::Number | JsonType::Boolean));
            if at_stand_in {
                // A stand-in only knows whether it is a list or a scalar.
                return scalar_expected && !instance.is_array()
                    || expected.contains(&JsonType::Array) && instance.is_array();
            }
            coercible(instance, &expected)
        }
        _ => at_stand_in,
    }
}

/// CloudFormation passes scalars as text: "443" is an integer, "true" a boolean, 1 a string.
fn coercible(instance: &J, expected: &[JsonType]) -> bool {
    expected.iter().any(|t| match (t, instance) {
        (JsonType::String, J::Number(_) | J::Bool(_)) => true,
        (JsonType::Integer, J::String(s)) => s.trim().parse::<i64>().is_ok(),
        (JsonType::Number, J::String(s)) => s.trim().parse::<f64>().is_ok(),
        (JsonType::Boolean, J::String(s)) => s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false"),
        (JsonType::Integer, J::Number(n)) => n.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => false,
    })
}

/// Builds the JSON instance of a resource's properties.
struct Builder<'a, 'b> {
    ctx: &'a Ctx<'a>,
    type_: &'a str,
    /// Logical id → type, for attribute kinds.
    types: &'a BTreeMap<String, String>,
    schemas: &'b mut Schemas,
    /// Take the `then` branch of every `Fn::If` (else the `else` branch).
    branch: bool,
    stand_ins: Vec<String>,
    evaluated: BTreeMap<String, String>,
    has_if: bool,
}

const STAND_IN: &str = "sds-unresolved";

/// Properties that may name a local file which packaging uploads (as `aws cloudformation package`
/// does): the template then holds its S3 location.
/// See: <https://docs.aws.amazon.com/cli/latest/reference/cloudformation/package.html>
pub const PACKAGED: &[(&str, &str)] = &[
    ("AWS::Lambda::Function", "Code"),
    ("AWS::Lambda::LayerVersion", "Content"),
    ("AWS::CloudFormation::Stack", "TemplateURL"),
];

impl Builder<'_, '_> {
    fn object(&mut self, m: &sds_constructs::cfn::Map, ptr: &str) -> J {
        let mut out = serde_json::Map::new();
        for (k, v) in m {
            let p = format!("{ptr}/{}", k.replace('~', "~0").replace('/', "~1"));
            if ptr.is_empty() && PACKAGED.contains(&(self.type_, k.as_str())) && matches!(v, Value::String(_)) {
                // A local path that packaging replaces with its S3 location.
                let location = serde_json::json!({ "S3Bucket": STAND_IN, "S3Key": STAND_IN });
                self.stand_ins.push(p);
                out.insert(k.clone(), location);
                continue;
            }
            if let Some(j) = self.value(v, &p) {
                out.insert(k.clone(), j);
            }
        }
        J::Object(out)
    }

    /// `None` removes the entry (`Ref AWS::NoValue`).
    fn value(&mut self, v: &Value, ptr: &str) -> Option<J> {
        match v {
            Value::Map(m) => Some(self.object(m, ptr)),
            Value::List(items) => {
                let mut out = Vec::new();
                for item in items {
                    if let Some(j) = self.value(item, &format!("{ptr}/{}", out.len())) {
                        out.push(j);
                    }
                }
                Some(J::Array(out))
            }
            Value::Fn(f) => self.function(v, f, ptr),
            scalar => Some(to_serde(scalar)),
        }
    }

    fn function(&mut self, v: &Value, f: &Intrinsic, ptr: &str) -> Option<J> {
        match f {
            Intrinsic::Ref(n) if n == "AWS::NoValue" => return None,
            Intrinsic::If { then, otherwise, .. } => {
                self.has_if = true;
                return self.value(if self.branch { then } else { otherwise }, ptr);
            }
            _ => {}
        }
        if let Some(text) = self.ctx.eval(v) {
            self.evaluated.insert(ptr.to_string(), inline(v));
            return Some(J::String(text));
        }
        let list = match f {
            Intrinsic::Split { .. } | Intrinsic::GetAZs(_) | Intrinsic::Cidr { .. } => true,
            Intrinsic::Ref(n) => self.ctx.template.parameters.get(n).is_some_and(|p| {
                p.type_.starts_with("List<") || p.type_ == "CommaDelimitedList" || p.type_.contains("<List<")
            }),
            Intrinsic::GetAtt { resource, attribute: Value::String(a) } => {
                self.types.get(resource).is_some_and(|t| self.schemas.attribute_is_list(t, a))
            }
            _ => false,
        };
        self.stand_ins.push(ptr.to_string());
        // The expression's own text: equal expressions stay equal (uniqueItems), others differ.
        let text = J::String(format!("{STAND_IN}:{}", inline(v)));
        Some(if list { J::Array(vec![text]) } else { text })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vendored_schema_compiles() {
        let mut s = Schemas::default();
        for (t, _) in SCHEMAS {
            let c = s.get(t).unwrap_or_else(|| panic!("{t} does not parse"));
            assert!(c.validator.is_some(), "{t} does not compile");
        }
    }

    #[test]
    fn every_vendored_pattern_compiles() {
        fn patterns(v: &J, out: &mut Vec<String>) {
            match v {
                J::Object(m) => {
                    if let Some(J::String(p)) = m.get("lazyPattern") {
                        out.push(p.clone());
                    }
                    m.values().for_each(|v| patterns(v, out));
                }
                J::Array(items) => items.iter().for_each(|v| patterns(v, out)),
                _ => {}
            }
        }
        let mut all = Vec::new();
        for (_, text) in SCHEMAS {
            patterns(&serde_json::from_str(text).unwrap(), &mut all);
        }
        assert!(all.len() > 100);
        for p in all {
            assert!(regex(&p).is_some(), "pattern {p:?} does not compile");
        }
    }

    #[test]
    fn lazy_patterns_check_strings_only() {
        let p = LazyPattern { source: "^[a-z]+$".into() };
        assert!(p.is_valid(&J::String("abc".into())));
        assert!(!p.is_valid(&J::String("ABC".into())));
        assert!(p.is_valid(&serde_json::json!(5)));
    }

    #[test]
    fn the_table_matches_the_source_record() {
        let source: J = serde_json::from_str(include_str!("data/SOURCE.json")).unwrap();
        let listed: Vec<&str> = source["types"].as_array().unwrap().iter().filter_map(J::as_str).collect();
        let mut table: Vec<&str> = SCHEMAS.iter().map(|(t, _)| *t).collect();
        table.sort();
        assert_eq!(table, listed, "src/validate/data/resources and SCHEMAS differ: update the table");
    }
}
