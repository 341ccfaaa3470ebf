//! The JSON instance of a resource's properties that `schema` checks: intrinsic functions stand
//! for values of the type the schema expects. An expression whose text is known with default
//! values (see `eval`) is that text (a list parameter or a mapping's list, its items); `Fn::If`
//! takes one branch per instance; anything else becomes a stand-in whose only checkable property
//! is its kind (string, list), or, where even that is unknown (what a macro or a custom resource
//! returns, a local path packaging rewrites), a stand-in nothing below is checked against.
//!
//! Depends on the model, the evaluator and the schemas' attribute kinds only.

use std::collections::BTreeMap;

use sds_constructs::cfn::json::to_serde;
use sds_constructs::cfn::yaml::inline;
use sds_constructs::cfn::{Intrinsic, Part, Parts, Resource, Value};
use serde_json::Value as J;

use super::eval::Ctx;
use super::schema::{in_registry, is_custom, Schemas};

/// A resource's properties as JSON, and what in them stands for values not known yet.
pub(super) struct Instance {
    pub json: J,
    /// Pointers of stand-ins: only their kind (string or list) is known.
    pub stand_ins: Vec<String>,
    /// Stand-ins that may be of any kind: nothing at or below them is checked.
    pub anything: Vec<String>,
    /// Pointer → the expression evaluated there, and whether it involves parameters.
    pub evaluated: BTreeMap<String, (String, bool)>,
    /// Whether a `Fn::If` chose a branch (the other branch needs an instance of its own).
    pub has_if: bool,
}

impl Instance {
    /// `r`'s properties, each `Fn::If` taking its `then` branch when `branch` (else `else`).
    pub fn of(
        r: &Resource,
        ctx: &Ctx,
        types: &BTreeMap<String, String>,
        schemas: &mut Schemas,
        branch: bool,
    ) -> Instance {
        let mut b = Builder {
            ctx,
            type_: &r.type_,
            types,
            schemas,
            branch,
            stand_ins: Vec::new(),
            anything: Vec::new(),
            evaluated: BTreeMap::new(),
            has_if: false,
        };
        let json = b.object(&r.properties, "");
        Instance { json, stand_ins: b.stand_ins, anything: b.anything, evaluated: b.evaluated, has_if: b.has_if }
    }
}

/// Whether `s` holds a dynamic reference, resolved only at deployment.
/// Any `{{` may open one (`{{{{resolve:ssm:x}}}}` holds one inside extra braces).
pub fn is_dynamic_reference(s: &str) -> bool {
    s.match_indices("{{").any(|(i, _)| s[i + 2..].trim_start().starts_with("resolve:"))
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
    /// Stand-ins that may be of any kind (what a macro's `Fn::Transform` returns): nothing at or
    /// below them is checked.
    anything: Vec<String>,
    /// Pointer → the expression evaluated there, and whether it involves parameters.
    evaluated: BTreeMap<String, (String, bool)>,
    has_if: bool,
}

pub(super) const STAND_IN: &str = "sds-unresolved";

/// Properties that may name a local file or directory which packaging uploads (as
/// `aws cloudformation package` does), by type and pointer below `Properties`: the template then
/// holds its S3 location, in the property's own shape (a URL, `{S3Bucket, S3Key}`, `{Bucket, Key}`).
/// See: <https://docs.aws.amazon.com/cli/latest/reference/cloudformation/package.html>
pub const PACKAGED: &[(&str, &str)] = &[
    ("AWS::ApiGateway::RestApi", "/BodyS3Location"),
    ("AWS::AppSync::FunctionConfiguration", "/RequestMappingTemplateS3Location"),
    ("AWS::AppSync::FunctionConfiguration", "/ResponseMappingTemplateS3Location"),
    ("AWS::AppSync::GraphQLSchema", "/DefinitionS3Location"),
    ("AWS::AppSync::Resolver", "/RequestMappingTemplateS3Location"),
    ("AWS::AppSync::Resolver", "/ResponseMappingTemplateS3Location"),
    ("AWS::CloudFormation::Stack", "/TemplateURL"),
    ("AWS::CodeCommit::Repository", "/Code/S3"),
    ("AWS::ElasticBeanstalk::ApplicationVersion", "/SourceBundle"),
    ("AWS::Glue::Job", "/Command/ScriptLocation"),
    ("AWS::Lambda::Function", "/Code"),
    ("AWS::Lambda::LayerVersion", "/Content"),
    ("AWS::StepFunctions::StateMachine", "/DefinitionS3Location"),
];

impl Builder<'_, '_> {
    fn involves_parameters(&self, v: &Value) -> bool {
        !super::eval::parameters_in(v, self.ctx.template).is_empty()
    }

    fn object(&mut self, m: &sds_constructs::cfn::Map, ptr: &str) -> J {
        let mut out = serde_json::Map::new();
        for (k, v) in m {
            let p = format!("{ptr}/{}", k.replace('~', "~0").replace('/', "~1"));
            if matches!(v, Value::String(_)) && PACKAGED.contains(&(self.type_, p.as_str())) {
                // A local path that packaging replaces with its S3 location.
                self.anything.push(p);
                out.insert(k.clone(), J::String(STAND_IN.to_string()));
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
            // `{Fn::Upper: ...}`: a function only a macro knows (fn/unknown says so otherwise).
            Value::Map(m) if m.len() == 1 && m.keys().all(|k| k.starts_with("Fn::")) => {
                self.anything.push(ptr.to_string());
                Some(J::String(STAND_IN.to_string()))
            }
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
            // A dynamic reference (`{{resolve:ssm:/name}}`) is resolved at deployment.
            // See: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html
            Value::String(s) if is_dynamic_reference(s) => {
                self.stand_ins.push(ptr.to_string());
                Some(J::String(format!("{STAND_IN}:{s}")))
            }
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
        // A custom resource's attributes are whatever its handler returns: a list, a number, text.
        let custom_attribute = matches!(f, Intrinsic::GetAtt { resource, .. }
            if self.types.get(resource).is_some_and(|t| is_custom(t) || !in_registry(t)));
        if custom_attribute
            || matches!(f, Intrinsic::Transform(_))
            || matches!(f.parts(), Parts::One(Part::Value(Value::Fn(g))) if matches!(**g, Intrinsic::Transform(_)))
        {
            self.anything.push(ptr.to_string());
            return Some(J::String(STAND_IN.to_string()));
        }
        // A list parameter or a list in a mapping, known before deployment: its items.
        if matches!(f, Intrinsic::Ref(_) | Intrinsic::FindInMap { .. }) {
            if let Some(items) = self.ctx.eval_list(v) {
                self.evaluated.insert(ptr.to_string(), (inline(v), self.involves_parameters(v)));
                return Some(J::Array(items.into_iter().map(J::String).collect()));
            }
        }
        if let Some(text) = self.ctx.eval(v) {
            self.evaluated.insert(ptr.to_string(), (inline(v), self.involves_parameters(v)));
            return Some(J::String(text));
        }
        let list = match f {
            Intrinsic::Split { .. } | Intrinsic::GetAZs(_) | Intrinsic::Cidr { .. } => true,
            Intrinsic::Ref(n) => self.ctx.template.parameters.get(n).is_some_and(|p| p.is_list()),
            // A mapping may give a list: where the second-level key it selects holds lists and
            // only lists, a list; where it may give either, anything.
            Intrinsic::FindInMap { map: Value::String(name), second, .. } => {
                let values: Vec<&Value> = match self.ctx.template.mappings.get(name).and_then(Value::as_map) {
                    Some(m) => m
                        .values()
                        .filter_map(Value::as_map)
                        .flat_map(|inner| match second {
                            Value::String(key) => inner.get(key).into_iter().collect::<Vec<_>>(),
                            _ => inner.values().collect(),
                        })
                        .collect(),
                    None => Vec::new(),
                };
                let lists = values.iter().filter(|v| matches!(v, Value::List(_))).count();
                if lists > 0 && lists < values.len() {
                    self.anything.push(ptr.to_string());
                    return Some(J::String(STAND_IN.to_string()));
                }
                lists > 0
            }
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
    fn dynamic_references_are_found_anywhere_in_text() {
        assert!(is_dynamic_reference("{{resolve:ssm:/a}}"));
        assert!(is_dynamic_reference("user-{{ resolve:secretsmanager:s:SecretString:name}}"));
        assert!(is_dynamic_reference("{{{{resolve:ssm:/redshift_admin_password}}}}"));
        assert!(!is_dynamic_reference("{{not}} resolve:ssm:/a"));
        assert!(!is_dynamic_reference("{resolve:ssm:/a}"));
    }
}
