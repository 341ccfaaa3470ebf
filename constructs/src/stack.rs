//! Building one template: typed handles for parameters, resources and nested stacks, so that
//! constructs reach attributes through accessors (`bucket.arn()`, `child.output("X")`) instead of
//! hand-typed strings, and every mistake that can be caught at synth time is (duplicate logical
//! ids, unknown nested parameters or outputs, references to nothing).
//!
//! Depends only on the model (`cfn`).

use std::collections::BTreeMap;

use crate::cfn::template::{Output, Parameter, Resource, Template};
use crate::cfn::value::{get_att, ref_, Intrinsic, Map, Value};
use crate::construct::Child;

/// A mistake in the constructs (or their configuration) found while synthesizing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SynthError {
    #[error("{template}: logical id {id} is declared twice")]
    DuplicateLogicalId { template: String, id: String },
    #[error("{template}: nested stack {stack} ({child}) has no parameter {parameter}")]
    UnknownNestedParameter { template: String, stack: String, child: String, parameter: String },
    #[error(
        "{template}: nested stack {stack} ({child}) needs a value for parameter {parameter}, which has no default"
    )]
    MissingNestedParameter { template: String, stack: String, child: String, parameter: String },
    #[error("{template}: nested stack {stack} ({child}) has no output {output}")]
    UnknownNestedOutput { template: String, stack: String, child: String, output: String },
    #[error("{template}: {place} refers to {target}, which is not declared")]
    MissingReference { template: String, place: String, target: String },
    #[error("{file}: two different templates have this file name")]
    DuplicateTemplate { file: String },
}

/// A template being built, named by its file name.
#[derive(Debug, Clone)]
pub struct Stack {
    pub file_name: String,
    pub template: Template,
    /// Nested stacks declared so far: logical id → the child's interface.
    nested: BTreeMap<String, Child>,
    errors: Vec<SynthError>,
}

/// A declared parameter.
#[derive(Debug, Clone)]
pub struct ParamRef(String);

impl ParamRef {
    pub fn name(&self) -> &str {
        &self.0
    }

    /// `!Ref Parameter`.
    pub fn r(&self) -> Value {
        ref_(&self.0)
    }
}

/// A declared resource.
#[derive(Debug, Clone)]
pub struct ResRef(String);

impl ResRef {
    /// A handle to a resource declared further down the same template (a cycle-free forward
    /// reference). `Stack::finish` fails if it never is.
    pub fn later(id: &str) -> ResRef {
        ResRef(id.to_string())
    }

    pub fn id(&self) -> &str {
        &self.0
    }

    /// `!Ref Resource`.
    pub fn r(&self) -> Value {
        ref_(&self.0)
    }

    /// `!GetAtt Resource.Attribute`.
    pub fn att(&self, attribute: &str) -> Value {
        get_att(&self.0, attribute)
    }

    pub fn arn(&self) -> Value {
        self.att("Arn")
    }
}

/// A nested stack.
#[derive(Debug, Clone)]
pub struct NestedRef {
    id: String,
}

impl NestedRef {
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The resource handle of the `AWS::CloudFormation::Stack`.
    pub fn resource(&self) -> ResRef {
        ResRef(self.id.clone())
    }

    /// `!GetAtt Stack.Outputs.Name`. `Stack::finish` checks that the child declares the output
    /// (as it does for every `Outputs.` reference to a nested stack, however it was written).
    pub fn output(&self, name: &str) -> Value {
        get_att(&self.id, format!("Outputs.{name}"))
    }

    /// `${Stack.Outputs.Name}` for use inside `Fn::Sub`, checked like [`NestedRef::output`].
    pub fn sub_output(&self, name: &str) -> String {
        format!("${{{}.Outputs.{name}}}", self.id)
    }
}

/// Pseudo parameters, which `Ref` and `Fn::Sub` may use without declaring them.
/// See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html>
pub const PSEUDO_PARAMETERS: &[&str] = &[
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

impl Stack {
    pub fn new(file_name: &str, description: &str) -> Stack {
        let template = Template { description: Some(description.to_string()), ..Template::default() };
        Stack { file_name: file_name.to_string(), template, nested: BTreeMap::new(), errors: Vec::new() }
    }

    fn claim(&mut self, id: &str) {
        let t = &self.template;
        if t.parameters.contains_key(id) || t.resources.contains_key(id) {
            self.errors.push(SynthError::DuplicateLogicalId { template: self.file_name.clone(), id: id.to_string() });
        }
    }

    pub fn parameter(&mut self, name: &str, p: Parameter) -> ParamRef {
        self.claim(name);
        self.template.parameters.insert(name.to_string(), p);
        ParamRef(name.to_string())
    }

    pub fn resource(&mut self, id: &str, r: Resource) -> ResRef {
        self.claim(id);
        self.template.resources.insert(id.to_string(), r);
        ResRef(id.to_string())
    }

    /// Adds a resource of `type_` with `properties`.
    pub fn add(&mut self, id: &str, type_: &str, properties: Map) -> ResRef {
        let mut r = Resource::new(type_);
        r.properties = properties;
        self.resource(id, r)
    }

    pub fn output(&mut self, id: &str, o: Output) {
        if self.template.outputs.contains_key(id) {
            self.errors
                .push(SynthError::DuplicateLogicalId { template: self.file_name.clone(), id: format!("Outputs/{id}") });
        }
        self.template.outputs.insert(id.to_string(), o);
    }

    pub fn condition(&mut self, name: &str, v: Value) -> String {
        self.template.conditions.insert(name.to_string(), v);
        name.to_string()
    }

    /// Declares an `AWS::CloudFormation::Stack` for `child`, passing `parameters` (checked
    /// against the child's: none unknown, none without default left out). `TemplateURL` is the
    /// child's file name; packaging replaces it with an S3 location.
    pub fn nested_stack(
        &mut self,
        id: &str,
        child: &Child,
        parameters: Vec<(&str, Value)>,
        tags: Option<Value>,
    ) -> NestedRef {
        let mut params = Map::new();
        for (name, v) in parameters {
            if !child.parameters.contains_key(name) {
                self.errors.push(SynthError::UnknownNestedParameter {
                    template: self.file_name.clone(),
                    stack: id.to_string(),
                    child: child.file_name.clone(),
                    parameter: name.to_string(),
                });
            }
            params.insert(name.to_string(), v);
        }
        for (name, has_default) in &child.parameters {
            if !params.contains_key(name) && !has_default {
                self.errors.push(SynthError::MissingNestedParameter {
                    template: self.file_name.clone(),
                    stack: id.to_string(),
                    child: child.file_name.clone(),
                    parameter: name.clone(),
                });
            }
        }
        let mut props = Map::new();
        props.insert("Parameters".into(), Value::Map(params));
        props.insert("TemplateURL".into(), Value::str(&child.file_name));
        if let Some(tags) = tags {
            props.insert("Tags".into(), tags);
        }
        self.add(id, "AWS::CloudFormation::Stack", props);
        self.nested.insert(id.to_string(), child.clone());
        NestedRef { id: id.to_string() }
    }

    /// Adds `DependsOn` to a declared resource.
    pub fn depends_on(&mut self, r: &ResRef, on: &ResRef) {
        if let Some(res) = self.template.resources.get_mut(&r.0) {
            res.depends_on.push(on.0.clone());
        }
    }

    /// Sets the `Condition` of a declared resource.
    pub fn set_condition(&mut self, r: &ResRef, condition: &str) {
        if let Some(res) = self.template.resources.get_mut(&r.0) {
            res.condition = Some(condition.to_string());
        }
    }

    /// The finished template, or every mistake found while building it and in its references.
    pub fn finish(mut self) -> Result<(String, Template), Vec<SynthError>> {
        let mut missing = Vec::new();
        check_references(&self.template, &mut missing);
        for (place, target) in missing {
            self.errors.push(SynthError::MissingReference { template: self.file_name.clone(), place, target });
        }
        for (stack, output) in nested_outputs(&self.template) {
            if let Some(child) = self.nested.get(&stack).filter(|c| !c.outputs.contains(&output)) {
                let child = child.file_name.clone();
                self.errors.push(SynthError::UnknownNestedOutput {
                    template: self.file_name.clone(),
                    stack,
                    child,
                    output,
                });
            }
        }
        if self.errors.is_empty() {
            Ok((self.file_name, self.template))
        } else {
            Err(self.errors)
        }
    }
}

/// Every `Ref`, `Fn::GetAtt`, `Fn::Sub` variable, `DependsOn`, `Condition` and `Fn::If`
/// condition that names nothing declared, as (place, target).
pub fn check_references(t: &Template, missing: &mut Vec<(String, String)>) {
    let refs = |name: &str| {
        t.parameters.contains_key(name) || t.resources.contains_key(name) || PSEUDO_PARAMETERS.contains(&name)
    };
    let walk = |place: &str, v: &Value, missing: &mut Vec<(String, String)>| {
        visit(v, &mut |f| match f {
            Intrinsic::Ref(n) if !refs(n) => missing.push((place.to_string(), n.clone())),
            Intrinsic::GetAtt { resource, .. } if !t.resources.contains_key(resource) => {
                missing.push((place.to_string(), resource.clone()))
            }
            Intrinsic::Sub { template, variables } => {
                for var in sub_variables(template) {
                    let head = var.split('.').next().unwrap_or(&var);
                    let known = variables.as_ref().is_some_and(|vs| vs.contains_key(&var))
                        || if var.contains('.') && !var.starts_with("AWS::") {
                            t.resources.contains_key(head)
                        } else {
                            refs(&var)
                        };
                    if !known {
                        missing.push((place.to_string(), var));
                    }
                }
            }
            Intrinsic::If { condition, .. } | Intrinsic::Condition(condition)
                if !t.conditions.contains_key(condition) =>
            {
                missing.push((place.to_string(), condition.clone()))
            }
            _ => {}
        });
    };
    for (id, r) in &t.resources {
        let place = format!("Resources/{id}");
        for v in r.properties.values().chain(r.attributes.values()) {
            walk(&place, v, missing);
        }
        for d in &r.depends_on {
            if !t.resources.contains_key(d) {
                missing.push((format!("{place}/DependsOn"), d.clone()));
            }
        }
        if let Some(c) = r.condition.as_ref().filter(|c| !t.conditions.contains_key(*c)) {
            missing.push((format!("{place}/Condition"), c.clone()));
        }
    }
    for (id, o) in &t.outputs {
        let place = format!("Outputs/{id}");
        walk(&place, &o.value, missing);
        if let Some(e) = &o.export_name {
            walk(&place, e, missing);
        }
        if let Some(c) = o.condition.as_ref().filter(|c| !t.conditions.contains_key(*c)) {
            missing.push((format!("{place}/Condition"), c.clone()));
        }
    }
    for (id, c) in &t.conditions {
        walk(&format!("Conditions/{id}"), c, missing);
    }
}

/// Every `Stack.Outputs.Name` the template reads (`Fn::GetAtt` or a `Fn::Sub` variable), as
/// (stack, name), in template order.
fn nested_outputs(t: &Template) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut take = |resource: &str, attribute: &str| {
        if let Some(name) = attribute.strip_prefix("Outputs.") {
            found.push((resource.to_string(), name.to_string()));
        }
    };
    let mut each = |v: &Value| {
        visit(v, &mut |f| match f {
            Intrinsic::GetAtt { resource, attribute: Value::String(a) } => take(resource, a),
            Intrinsic::Sub { template, .. } => {
                for var in sub_variables(template) {
                    if let Some((resource, attribute)) = var.split_once('.') {
                        take(resource, attribute)
                    }
                }
            }
            _ => {}
        })
    };
    for r in t.resources.values() {
        r.properties.values().chain(r.attributes.values()).for_each(&mut each);
    }
    for o in t.outputs.values() {
        each(&o.value);
        if let Some(e) = &o.export_name {
            each(e);
        }
    }
    t.conditions.values().for_each(&mut each);
    found
}

/// Calls `f` on every intrinsic inside `v`, outermost first.
pub fn visit(v: &Value, f: &mut dyn FnMut(&Intrinsic)) {
    match v {
        Value::List(items) => items.iter().for_each(|i| visit(i, f)),
        Value::Map(m) => m.values().for_each(|i| visit(i, f)),
        Value::Fn(i) => {
            f(i);
            i.for_each_value(&mut |v| visit(v, f));
        }
        _ => {}
    }
}

/// The `${Name}` variables of a `Fn::Sub` string (`${!Literal}` is not one).
pub fn sub_variables(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        match after.find('}') {
            Some(j) => {
                let name = after[..j].trim();
                if !name.starts_with('!') && !name.is_empty() {
                    out.push(name.to_string());
                }
                rest = &after[j + 1..];
            }
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::value::sub;

    fn child() -> Stack {
        let mut c = Stack::new("child.yaml", "child");
        c.parameter("Needed", Parameter::new("String"));
        c.parameter("Optional", Parameter::new("String").with("Default", "x"));
        c.output("Out", Output::new(Value::str("v")));
        c
    }

    #[test]
    fn nested_parameters_and_outputs_are_checked() {
        let c = child();
        let c = Child::of(&c.file_name, &c.template);
        let mut s = Stack::new("root.yaml", "root");
        let n = s.nested_stack("Child", &c, vec![("Needed", Value::str("a")), ("Typo", Value::str("b"))], None);
        let ok = n.output("Out");
        assert_eq!(ok, get_att("Child", "Outputs.Out"));
        s.output("A", Output::new(ok));
        s.output("B", Output::new(n.output("Nope")));
        s.output("C", Output::new(sub(format!("x-{}", n.sub_output("AlsoNope")))));
        let errors = s.finish().unwrap_err();
        assert!(errors
            .iter()
            .any(|e| matches!(e, SynthError::UnknownNestedParameter { parameter, .. } if parameter == "Typo")));
        let unknown: Vec<&str> = errors
            .iter()
            .filter_map(|e| match e {
                SynthError::UnknownNestedOutput { output, .. } => Some(output.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(unknown, ["Nope", "AlsoNope"]);

        let mut s = Stack::new("root.yaml", "root");
        s.nested_stack("Child", &c, vec![], None);
        let errors = s.finish().unwrap_err();
        assert!(matches!(&errors[0], SynthError::MissingNestedParameter { parameter, .. } if parameter == "Needed"));
    }

    #[test]
    fn duplicate_logical_ids_are_errors() {
        let mut s = Stack::new("t.yaml", "t");
        s.add("A", "AWS::SNS::Topic", Map::new());
        s.add("A", "AWS::SQS::Queue", Map::new());
        let errors = s.finish().unwrap_err();
        assert_eq!(errors, vec![SynthError::DuplicateLogicalId { template: "t.yaml".into(), id: "A".into() }]);
    }

    #[test]
    fn references_to_nothing_are_errors() {
        let mut s = Stack::new("t.yaml", "t");
        let p = s.parameter("Name", Parameter::new("String"));
        let mut props = Map::new();
        props.insert("A".into(), p.r());
        props.insert("B".into(), sub("${Name}-${AWS::Region}-${Missing}-${!Literal}"));
        props.insert("C".into(), get_att("Ghost", "Arn"));
        let topic = s.add("Topic", "AWS::SNS::Topic", props);
        s.depends_on(&topic, &ResRef("Nowhere".into()));
        let errors = s.finish().unwrap_err();
        let targets: Vec<String> = errors
            .iter()
            .map(|e| match e {
                SynthError::MissingReference { target, .. } => target.clone(),
                other => panic!("unexpected {other}"),
            })
            .collect();
        assert_eq!(targets, ["Missing", "Ghost", "Nowhere"]);
    }

    #[test]
    fn sub_variables_skip_literals() {
        assert_eq!(sub_variables("a${X}b${!Y}${Z.Arn}"), ["X", "Z.Arn"]);
    }
}
