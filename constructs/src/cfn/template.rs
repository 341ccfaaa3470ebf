//! The template: sections, parameters, resources and outputs.
//!
//! Section and attribute order live in the tables below and nowhere else: `to_value` lays a
//! template out in that order for every writer, `from_value` checks a read value against the same
//! names. This module must not depend on any serialization crate.

use indexmap::IndexMap;

use super::value::{Intrinsic, Map, Value, FOR_EACH};

/// Top-level sections, in the order they are written.
pub const SECTIONS: &[&str] = &[
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
    "Transform",
    "Globals",
    "Hooks",
    "Resources",
    "Outputs",
];

/// Parameter attributes, in the order they are written.
/// See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html>
pub const PARAMETER_ATTRIBUTES: &[&str] = &[
    "Type",
    "Default",
    "Description",
    "AllowedPattern",
    "AllowedValues",
    "MinLength",
    "MaxLength",
    "MinValue",
    "MaxValue",
    "ConstraintDescription",
    "NoEcho",
];

/// Resource attributes, in the order they are written.
/// See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-product-attribute-reference.html>
pub const RESOURCE_ATTRIBUTES: &[&str] = &[
    "Type",
    // Legacy; CloudFormation still accepts it.
    "Version",
    "Condition",
    "DependsOn",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "CreationPolicy",
    "UpdatePolicy",
    "Metadata",
    "Properties",
];

/// Output attributes, in the order they are written.
pub const OUTPUT_ATTRIBUTES: &[&str] = &["Description", "Condition", "Value", "Export"];

/// A CloudFormation template.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Template {
    pub format_version: Option<String>,
    pub description: Option<String>,
    pub metadata: Map,
    pub parameters: IndexMap<String, Parameter>,
    pub rules: Map,
    pub mappings: Map,
    pub conditions: Map,
    pub transform: Option<Value>,
    /// SAM's `Globals` section (`Transform: AWS::Serverless-2016-10-31`), as written.
    pub globals: Map,
    /// The `Hooks` section (ECS blue/green deployments through CodeDeploy, with
    /// `Transform: AWS::CodeDeployBlueGreen`), as written.
    /// See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/blue-green.html>
    pub hooks: Map,
    pub resources: IndexMap<String, Resource>,
    /// `Fn::ForEach::Name` entries of `Resources` (language extensions), as written: the loop
    /// key → `[identifier, collection, {logical id template: resource}]`. Written after the
    /// resources; validation expands them. Also what a macro fills in, as written: an
    /// `Fn::Transform` key among the resources, a resource given as `{Fn::Transform: ...}`, or
    /// the whole section given so (`AWS::Include`).
    pub resource_loops: Map,
    pub outputs: IndexMap<String, Output>,
    /// `Fn::ForEach::Name` entries of `Outputs`, and what a macro fills in, as written (as for
    /// resources).
    pub output_loops: Map,
}

/// The transforms that are macros sds does not expand, which may give resources attributes
/// CloudFormation does not know (everything but the language extensions).
fn has_macro(transform: Option<&Value>) -> bool {
    let is_macro = |v: &Value| match v {
        Value::String(s) => s != "AWS::LanguageExtensions",
        _ => true,
    };
    match transform {
        None => false,
        Some(Value::List(items)) => items.iter().any(is_macro),
        Some(v) => is_macro(v),
    }
}

/// A template parameter. Attributes other than `Type` are absent unless set.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parameter {
    pub type_: String,
    /// Every other attribute, keyed by its CloudFormation name (one of `PARAMETER_ATTRIBUTES`).
    pub attributes: Map,
}

/// A resource.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resource {
    pub type_: String,
    pub condition: Option<String>,
    /// Written as a single name when there is one, as a list otherwise.
    pub depends_on: Vec<String>,
    pub properties: Map,
    /// `DeletionPolicy`, `UpdateReplacePolicy`, `CreationPolicy`, `UpdatePolicy`, `Metadata`,
    /// `Version`, attributes a macro handles, and `Properties` when it is a function
    /// (`!If [Cond, {...}, {...}]`) rather than a mapping.
    pub attributes: Map,
}

/// A template output.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub value: Value,
    pub description: Option<String>,
    pub export_name: Option<Value>,
    pub condition: Option<String>,
}

/// Where in a template a value broke the model, as a JSON pointer, and how.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pointer}: {kind}")]
pub struct ModelError {
    pub pointer: String,
    pub kind: ModelErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelErrorKind {
    #[error("the top level of a template must be a mapping")]
    NotAMapping,
    #[error("unknown section {0} (expected one of {list})", list = SECTIONS.join(", "))]
    UnknownSection(String),
    #[error("unknown {what} attribute {name} (expected one of {expected})")]
    UnknownAttribute { what: &'static str, name: String, expected: String },
    #[error("{what} must be {expected}")]
    WrongType { what: String, expected: &'static str },
    #[error("{what} is required")]
    Missing { what: String },
}

/// Escapes one JSON pointer segment (RFC 6901).
pub fn pointer_segment(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn err(pointer: String, kind: ModelErrorKind) -> ModelError {
    ModelError { pointer, kind }
}

fn wrong(pointer: &str, what: &str, expected: &'static str) -> ModelError {
    err(pointer.to_string(), ModelErrorKind::WrongType { what: what.to_string(), expected })
}

/// A section's mapping. A section given wholly by a macro (`Mappings: {Fn::Transform: ...}`,
/// `AWS::Include`) is kept as that one entry, as written.
/// See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/transform-aws-include.html>
fn take_map(v: Value, pointer: &str, what: &str) -> Result<Map, ModelError> {
    match v {
        Value::Map(m) => Ok(m),
        Value::Null => Ok(Map::new()),
        Value::Fn(f) if is_transform(&f) => Ok(Map::from_iter([(f.name().to_string(), f.argument())])),
        _ => Err(wrong(pointer, what, "a mapping")),
    }
}

fn is_transform(f: &Intrinsic) -> bool {
    matches!(f, Intrinsic::Transform(_))
}

/// Whether an entry of `Resources` or `Outputs` is what a macro fills in.
pub fn is_macro_entry(key: &str, v: &Value) -> bool {
    key == "Fn::Transform" || matches!(v, Value::Fn(f) if is_transform(f))
}

fn take_string(v: Value, pointer: &str, what: &str) -> Result<String, ModelError> {
    match v {
        Value::String(s) | Value::Number(s) => Ok(s),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(wrong(pointer, what, "a string")),
    }
}

fn check_attributes(m: &Map, pointer: &str, what: &'static str, known: &[&str]) -> Result<(), ModelError> {
    for name in m.keys() {
        if !known.contains(&name.as_str()) {
            return Err(err(
                format!("{pointer}/{}", pointer_segment(name)),
                ModelErrorKind::UnknownAttribute { what, name: name.clone(), expected: known.join(", ") },
            ));
        }
    }
    Ok(())
}

/// The entries of a section, and its `Fn::ForEach::Name` loops as written.
fn entries<T>(
    v: Value,
    section: &str,
    mut f: impl FnMut(Value, &str, &str) -> Result<T, ModelError>,
) -> Result<(IndexMap<String, T>, Map), ModelError> {
    let pointer = format!("/{section}");
    let m = take_map(v, &pointer, section)?;
    let mut out = IndexMap::with_capacity(m.len());
    let mut loops = Map::new();
    for (k, v) in m {
        let p = format!("{pointer}/{}", pointer_segment(&k));
        if k.starts_with(FOR_EACH) {
            check_loop(&v, &p)?;
            loops.insert(k, v);
            continue;
        }
        if section != "Parameters" && is_macro_entry(&k, &v) {
            loops.insert(k, v);
            continue;
        }
        let item = f(v, &p, &k)?;
        out.insert(k, item);
    }
    Ok((out, loops))
}

/// `Fn::ForEach::Name: [identifier, collection, {key: fragment}]`.
/// See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-foreach.html>
pub fn check_loop(v: &Value, pointer: &str) -> Result<(), ModelError> {
    match v {
        Value::List(items)
            if items.len() == 3 && matches!(items[0], Value::String(_)) && matches!(items[2], Value::Map(_)) =>
        {
            Ok(())
        }
        _ => Err(wrong(pointer, "Fn::ForEach", "[identifier, collection, {output key: fragment}]")),
    }
}

impl Template {
    /// Checks a read value against the template structure.
    pub fn from_value(v: Value) -> Result<Template, ModelError> {
        let Value::Map(top) = v else {
            return Err(err(String::new(), ModelErrorKind::NotAMapping));
        };
        let mut t = Template::default();
        let lenient = has_macro(top.get("Transform"));
        for (section, v) in top {
            let p = format!("/{}", pointer_segment(&section));
            match section.as_str() {
                "AWSTemplateFormatVersion" => t.format_version = Some(take_string(v, &p, &section)?),
                "Description" => t.description = Some(take_string(v, &p, &section)?),
                "Metadata" => t.metadata = take_map(v, &p, &section)?,
                "Rules" => t.rules = take_map(v, &p, &section)?,
                "Mappings" => t.mappings = take_map(v, &p, &section)?,
                "Conditions" => t.conditions = take_map(v, &p, &section)?,
                "Transform" => t.transform = Some(v),
                "Globals" => t.globals = take_map(v, &p, &section)?,
                "Hooks" => t.hooks = take_map(v, &p, &section)?,
                "Parameters" => t.parameters = entries(v, "Parameters", Parameter::from_value)?.0,
                "Resources" => {
                    (t.resources, t.resource_loops) =
                        entries(v, "Resources", |v, p, id| Resource::from_value(v, p, id, lenient))?
                }
                "Outputs" => (t.outputs, t.output_loops) = entries(v, "Outputs", Output::from_value)?,
                _ => return Err(err(p, ModelErrorKind::UnknownSection(section))),
            }
        }
        Ok(t)
    }

    /// The template as one value, sections and attributes in table order; empty sections left out.
    pub fn to_value(&self) -> Value {
        let mut top = Map::new();
        for &section in SECTIONS {
            let v = match section {
                "AWSTemplateFormatVersion" => self.format_version.clone().map(Value::String),
                "Description" => self.description.clone().map(Value::String),
                "Metadata" => non_empty(&self.metadata),
                "Rules" => non_empty(&self.rules),
                "Mappings" => non_empty(&self.mappings),
                "Conditions" => non_empty(&self.conditions),
                "Transform" => self.transform.clone(),
                "Globals" => non_empty(&self.globals),
                "Hooks" => non_empty(&self.hooks),
                "Parameters" => collect(&self.parameters, Parameter::to_value),
                "Resources" => with_loops(collect(&self.resources, Resource::to_value), &self.resource_loops),
                "Outputs" => with_loops(collect(&self.outputs, Output::to_value), &self.output_loops),
                _ => None,
            };
            if let Some(v) = v {
                top.insert(section.to_string(), v);
            }
        }
        Value::Map(top)
    }
}

/// A section's entries followed by its loops.
fn with_loops(entries: Option<Value>, loops: &Map) -> Option<Value> {
    if loops.is_empty() {
        return entries;
    }
    let mut m = match entries {
        Some(Value::Map(m)) => m,
        _ => Map::new(),
    };
    m.extend(loops.iter().map(|(k, v)| (k.clone(), v.clone())));
    Some(Value::Map(m))
}

fn non_empty(m: &Map) -> Option<Value> {
    (!m.is_empty()).then(|| Value::Map(m.clone()))
}

fn collect<T>(items: &IndexMap<String, T>, f: impl Fn(&T) -> Value) -> Option<Value> {
    (!items.is_empty()).then(|| Value::Map(items.iter().map(|(k, v)| (k.clone(), f(v))).collect()))
}

impl Parameter {
    pub fn new(type_: impl Into<String>) -> Parameter {
        Parameter { type_: type_.into(), attributes: Map::new() }
    }

    /// Whether a `Ref` to the parameter is a list: `CommaDelimitedList`, `List<...>`, and the SSM
    /// types that hold one (`AWS::SSM::Parameter::Value<List<...>>`, `...<CommaDelimitedList>`).
    pub fn is_list(&self) -> bool {
        let t = self.type_.strip_prefix("AWS::SSM::Parameter::Value<").and_then(|t| t.strip_suffix('>'));
        let t = t.unwrap_or(&self.type_);
        t == "CommaDelimitedList" || t.starts_with("List<")
    }

    /// Whether the parameter's value is looked up in the Systems Manager Parameter Store at
    /// deployment (`AWS::SSM::Parameter::Value<...>`): its default is the name of what is looked
    /// up, not the value.
    pub fn is_ssm_value(&self) -> bool {
        self.type_.starts_with("AWS::SSM::Parameter::Value<")
    }

    /// Sets one attribute (a name from `PARAMETER_ATTRIBUTES`).
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Parameter {
        self.attributes.insert(name.to_string(), value.into());
        self
    }

    fn from_value(v: Value, pointer: &str, id: &str) -> Result<Parameter, ModelError> {
        let mut m = take_map(v, pointer, &format!("parameter {id}"))?;
        check_attributes(&m, pointer, "parameter", PARAMETER_ATTRIBUTES)?;
        let type_ = match m.shift_remove("Type") {
            Some(t) => take_string(t, &format!("{pointer}/Type"), "Type")?,
            None => {
                return Err(err(
                    pointer.to_string(),
                    ModelErrorKind::Missing { what: format!("Type of parameter {id}") },
                ))
            }
        };
        Ok(Parameter { type_, attributes: m })
    }

    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        for &name in PARAMETER_ATTRIBUTES {
            if name == "Type" {
                m.insert(name.to_string(), Value::String(self.type_.clone()));
            } else if let Some(v) = self.attributes.get(name) {
                m.insert(name.to_string(), v.clone());
            }
        }
        Value::Map(m)
    }
}

impl Resource {
    pub fn new(type_: impl Into<String>) -> Resource {
        Resource { type_: type_.into(), ..Resource::default() }
    }

    /// Reads one resource entry (`{Type, Properties, ...}`) found at `pointer`.
    pub fn from_entry(v: Value, pointer: &str, id: &str) -> Result<Resource, ModelError> {
        Resource::from_value(v, pointer, id, false)
    }

    /// `lenient`: the template names a macro, which may handle attributes CloudFormation does
    /// not know; they are kept (and written after the known ones).
    fn from_value(v: Value, pointer: &str, id: &str, lenient: bool) -> Result<Resource, ModelError> {
        let mut m = take_map(v, pointer, &format!("resource {id}"))?;
        if !lenient {
            check_attributes(&m, pointer, "resource", RESOURCE_ATTRIBUTES)?;
        }
        let type_ = match m.shift_remove("Type") {
            Some(t) => take_string(t, &format!("{pointer}/Type"), "Type")?,
            None => {
                return Err(err(
                    pointer.to_string(),
                    ModelErrorKind::Missing { what: format!("Type of resource {id}") },
                ))
            }
        };
        let condition = m
            .shift_remove("Condition")
            .map(|c| take_string(c, &format!("{pointer}/Condition"), "Condition"))
            .transpose()?;
        let depends_on = match m.shift_remove("DependsOn") {
            None => Vec::new(),
            Some(Value::List(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, d)| take_string(d, &format!("{pointer}/DependsOn/{i}"), "DependsOn"))
                .collect::<Result<_, _>>()?,
            Some(d) => vec![take_string(d, &format!("{pointer}/DependsOn"), "DependsOn")?],
        };
        let properties = match m.shift_remove("Properties") {
            // `Properties: !If [Cond, {...}, {...}]`: kept as written among the attributes.
            Some(p @ Value::Fn(_)) => {
                m.insert("Properties".to_string(), p);
                Map::new()
            }
            Some(p) => take_map(p, &format!("{pointer}/Properties"), "Properties")?,
            None => Map::new(),
        };
        Ok(Resource { type_, condition, depends_on, properties, attributes: m })
    }

    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        for &name in RESOURCE_ATTRIBUTES {
            let v = match name {
                "Type" => Some(Value::String(self.type_.clone())),
                "Condition" => self.condition.clone().map(Value::String),
                "DependsOn" => match self.depends_on.as_slice() {
                    [] => None,
                    [one] => Some(Value::String(one.clone())),
                    many => Some(Value::List(many.iter().cloned().map(Value::String).collect())),
                },
                "Properties" => non_empty(&self.properties).or_else(|| self.attributes.get("Properties").cloned()),
                other => self.attributes.get(other).cloned(),
            };
            if let Some(v) = v {
                m.insert(name.to_string(), v);
            }
        }
        // attributes only a macro knows
        for (k, v) in &self.attributes {
            if !RESOURCE_ATTRIBUTES.contains(&k.as_str()) {
                m.insert(k.clone(), v.clone());
            }
        }
        Value::Map(m)
    }
}

impl Output {
    pub fn new(value: impl Into<Value>) -> Output {
        Output { value: value.into(), description: None, export_name: None, condition: None }
    }

    /// Reads one output entry (`{Value, Export, ...}`) found at `pointer`.
    pub fn from_entry(v: Value, pointer: &str, id: &str) -> Result<Output, ModelError> {
        Output::from_value(v, pointer, id)
    }

    fn from_value(v: Value, pointer: &str, id: &str) -> Result<Output, ModelError> {
        let mut m = take_map(v, pointer, &format!("output {id}"))?;
        check_attributes(&m, pointer, "output", OUTPUT_ATTRIBUTES)?;
        let Some(value) = m.shift_remove("Value") else {
            return Err(err(pointer.to_string(), ModelErrorKind::Missing { what: format!("Value of output {id}") }));
        };
        let description = m
            .shift_remove("Description")
            .map(|d| take_string(d, &format!("{pointer}/Description"), "Description"))
            .transpose()?;
        let condition = m
            .shift_remove("Condition")
            .map(|c| take_string(c, &format!("{pointer}/Condition"), "Condition"))
            .transpose()?;
        let export_name = match m.shift_remove("Export") {
            None => None,
            Some(e) => {
                let p = format!("{pointer}/Export");
                let mut e = take_map(e, &p, "Export")?;
                check_attributes(&e, &p, "export", &["Name"])?;
                match e.shift_remove("Name") {
                    Some(n) => Some(n),
                    None => return Err(err(p, ModelErrorKind::Missing { what: "Export Name".into() })),
                }
            }
        };
        Ok(Output { value, description, export_name, condition })
    }

    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        for &name in OUTPUT_ATTRIBUTES {
            let v = match name {
                "Description" => self.description.clone().map(Value::String),
                "Condition" => self.condition.clone().map(Value::String),
                "Value" => Some(self.value.clone()),
                _ => self.export_name.clone().map(|n| {
                    let mut e = Map::new();
                    e.insert("Name".to_string(), n);
                    Value::Map(e)
                }),
            };
            if let Some(v) = v {
                m.insert(name.to_string(), v);
            }
        }
        Value::Map(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, Value)]) -> Value {
        Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    #[test]
    fn depends_on_scalar_and_list_read_the_same() {
        let a = map(&[("Type", "AWS::S3::Bucket".into()), ("DependsOn", "X".into())]);
        let b = map(&[("Type", "AWS::S3::Bucket".into()), ("DependsOn", vec!["X"].into())]);
        let a = Resource::from_value(a, "/Resources/A", "A", false).unwrap();
        let b = Resource::from_value(b, "/Resources/A", "A", false).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.depends_on, vec!["X".to_string()]);
    }

    #[test]
    fn attributes_are_written_in_table_order() {
        let r = map(&[
            ("Properties", map(&[("A", "b".into())])),
            ("DependsOn", vec!["X", "Y"].into()),
            ("Type", "T".into()),
            ("Condition", "C".into()),
        ]);
        let r = Resource::from_value(r, "/Resources/R", "R", false).unwrap().to_value();
        let keys: Vec<_> = r.as_map().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["Type", "Condition", "DependsOn", "Properties"]);
    }

    #[test]
    fn unknown_attributes_and_sections_are_located() {
        let t = map(&[("Resources", map(&[("A", map(&[("Type", "T".into()), ("Propertys", Value::Null)]))]))]);
        let e = Template::from_value(t).unwrap_err();
        assert_eq!(e.pointer, "/Resources/A/Propertys");
        let e = Template::from_value(map(&[("Resource", Value::Null)])).unwrap_err();
        assert_eq!(e.kind, ModelErrorKind::UnknownSection("Resource".into()));
        let e = Template::from_value(Value::List(vec![])).unwrap_err();
        assert_eq!(e.kind, ModelErrorKind::NotAMapping);
    }

    #[test]
    fn missing_type_and_output_value_are_errors() {
        let t = map(&[("Resources", map(&[("A", map(&[("Properties", map(&[]))]))]))]);
        assert_eq!(Template::from_value(t).unwrap_err().pointer, "/Resources/A");
        let t = map(&[("Outputs", map(&[("O", map(&[("Description", "d".into())]))]))]);
        assert!(matches!(Template::from_value(t).unwrap_err().kind, ModelErrorKind::Missing { .. }));
    }

    #[test]
    fn pointer_segments_are_escaped() {
        assert_eq!(pointer_segment("a/b~c"), "a~1b~0c");
    }
}
