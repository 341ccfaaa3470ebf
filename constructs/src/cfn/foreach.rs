//! Expanding `Fn::ForEach` loops of the language extensions (`Transform: AWS::LanguageExtensions`)
//! into what CloudFormation would deploy: one copy of the fragment per item of the collection,
//! with `${Identifier}` and `&{Identifier}` replaced in keys and `Fn::Sub` strings and
//! `Ref: Identifier` replaced by the item. Loops may be nested, and may stand in `Resources`,
//! `Outputs`, `Conditions` or inside a resource's properties.
//!
//! The caller says what a collection holds (a literal list, a parameter's default): a loop whose
//! collection it cannot tell is left out of the expansion and named in [`Expanded::unresolved`].
//! Depends on the model only.
//! See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-foreach.html>

use super::template::{Output, Resource, Template};
use super::value::{Intrinsic, Map, Value, FOR_EACH};

/// The items of a loop's collection, if they are known before deployment.
pub type Resolve<'a> = &'a dyn Fn(&Value) -> Option<Vec<String>>;

/// A template with its loops expanded.
#[derive(Debug, Default)]
pub struct Expanded {
    pub template: Template,
    /// JSON pointers of the loops whose collection could not be resolved.
    pub unresolved: Vec<String>,
    /// JSON pointers of expanded entries that do not make a resource or output, with why.
    pub malformed: Vec<(String, String)>,
}

/// At most this many entries come out of one template's loops (CloudFormation allows 500
/// resources; a hostile template could nest loops to billions).
const MAX_EXPANDED: usize = 10_000;

/// Whether `t` has a loop anywhere a loop may stand.
pub fn has_loops(t: &Template) -> bool {
    t.resource_loops.keys().any(|k| k.starts_with(FOR_EACH))
        || t.output_loops.keys().any(|k| k.starts_with(FOR_EACH))
        || t.conditions.keys().any(|k| k.starts_with(FOR_EACH))
        || t.resources.values().any(|r| r.properties.iter().any(|(k, v)| k.starts_with(FOR_EACH) || contains_loop(v)))
}

fn contains_loop(v: &Value) -> bool {
    match v {
        Value::Map(m) => m.iter().any(|(k, v)| k.starts_with(FOR_EACH) || contains_loop(v)),
        Value::List(items) => items.iter().any(contains_loop),
        _ => false,
    }
}

/// `t` with every loop expanded, as far as `resolve` can tell the collections.
pub fn expand(t: &Template, resolve: Resolve) -> Expanded {
    let mut x = Expander { resolve, unresolved: Vec::new(), produced: 0 };
    // The loops stay as written beside what they make (`resources` and `outputs` hold only what
    // they make).
    let mut out = t.clone();
    let mut malformed = Vec::new();
    for (id, v) in x.map(&t.resource_loops, "/Resources") {
        let pointer = format!("/Resources/{id}");
        match Resource::from_entry(v, &pointer, &id) {
            Ok(r) => {
                out.resources.insert(id, r);
            }
            Err(e) => malformed.push((pointer, e.to_string())),
        }
    }
    for (id, v) in x.map(&t.output_loops, "/Outputs") {
        let pointer = format!("/Outputs/{id}");
        match Output::from_entry(v, &pointer, &id) {
            Ok(o) => {
                out.outputs.insert(id, o);
            }
            Err(e) => malformed.push((pointer, e.to_string())),
        }
    }
    if t.conditions.keys().any(|k| k.starts_with(FOR_EACH)) {
        out.conditions = x.map(&t.conditions, "/Conditions");
    }
    for (id, r) in out.resources.iter_mut() {
        if r.properties.iter().any(|(k, v)| k.starts_with(FOR_EACH) || contains_loop(v)) {
            r.properties = x.map(&r.properties, &format!("/Resources/{id}/Properties"));
        }
    }
    Expanded { template: out, unresolved: x.unresolved, malformed }
}

struct Expander<'a> {
    resolve: Resolve<'a>,
    unresolved: Vec<String>,
    produced: usize,
}

impl Expander<'_> {
    /// `m` with its loop entries replaced by what they expand to, and loops inside values expanded.
    fn map(&mut self, m: &Map, pointer: &str) -> Map {
        let mut out = Map::new();
        for (k, v) in m {
            let p = format!("{pointer}/{}", super::template::pointer_segment(k));
            if super::template::is_macro_entry(k, v) && (pointer == "/Resources" || pointer == "/Outputs") {
                // what a macro fills in: checked only after it has run
                continue;
            }
            if !k.starts_with(FOR_EACH) {
                out.insert(k.clone(), self.value(v, &p));
                continue;
            }
            let Value::List(parts) = v else { continue };
            let [Value::String(identifier), collection, Value::Map(fragment)] = parts.as_slice() else { continue };
            let Some(items) = (self.resolve)(collection) else {
                self.unresolved.push(p);
                continue;
            };
            for item in items {
                if self.produced >= MAX_EXPANDED {
                    self.unresolved.push(p);
                    return out;
                }
                let copy = substitute_map(fragment, identifier, &item);
                for (ek, ev) in self.map(&copy, &p) {
                    self.produced += 1;
                    out.insert(ek, ev);
                }
            }
        }
        out
    }

    fn value(&mut self, v: &Value, pointer: &str) -> Value {
        match v {
            Value::Map(m) if m.iter().any(|(k, v)| k.starts_with(FOR_EACH) || contains_loop(v)) => {
                Value::Map(self.map(m, pointer))
            }
            Value::List(items) if items.iter().any(contains_loop) => Value::List(
                items.iter().enumerate().map(|(i, item)| self.value(item, &format!("{pointer}/{i}"))).collect(),
            ),
            other => other.clone(),
        }
    }
}

/// `text` with `${identifier}` replaced by `item` and `&{identifier}` by its letters and digits.
fn substitute_text(text: &str, identifier: &str, item: &str) -> String {
    let alphanumeric: String = item.chars().filter(char::is_ascii_alphanumeric).collect();
    text.replace(&format!("${{{identifier}}}"), item).replace(&format!("&{{{identifier}}}"), &alphanumeric)
}

fn substitute_map(m: &Map, identifier: &str, item: &str) -> Map {
    m.iter().map(|(k, v)| (substitute_text(k, identifier, item), substitute(v, identifier, item))).collect()
}

/// `v` with the loop identifier bound to `item`.
fn substitute(v: &Value, identifier: &str, item: &str) -> Value {
    match v {
        Value::Map(m) => Value::Map(substitute_map(m, identifier, item)),
        Value::List(items) => Value::List(items.iter().map(|i| substitute(i, identifier, item)).collect()),
        Value::Fn(f) => match &**f {
            Intrinsic::Ref(n) if n == identifier => Value::String(item.to_string()),
            Intrinsic::Sub { template, variables } => {
                let bound = variables.as_ref().is_some_and(|vs| vs.contains_key(identifier));
                let template = if bound { template.clone() } else { substitute_text(template, identifier, item) };
                let variables = variables.as_ref().map(|vs| substitute_map(vs, identifier, item));
                // Once bound, a `Fn::Sub` with nothing left to substitute is its text: where only
                // text is allowed (`Condition: !Sub 'Cond${Id}'`, `DependsOn`) it then reads as such.
                // See: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-foreach-example-conditions.html
                if variables.is_none() && !template.contains("${") {
                    return Value::String(template);
                }
                Intrinsic::Sub { template, variables }.into()
            }
            Intrinsic::Kept { name: "Fn::GetAtt", argument } => {
                // `!GetAtt [!Sub 'Bucket${Name}', Arn]`: once bound, the logical id is plain text.
                let mut argument = substitute(argument, identifier, item);
                if let Value::List(parts) = &mut argument {
                    if let Some(Value::Fn(f)) = parts.first() {
                        if let Intrinsic::Sub { template, variables: None } = &**f {
                            if !template.contains("${") {
                                parts[0] = Value::String(template.clone());
                            }
                        }
                    }
                }
                Intrinsic::from_long("Fn::GetAtt", argument).map_or_else(|_| v.clone(), Value::from)
            }
            other => {
                let argument = substitute(&other.argument(), identifier, item);
                Intrinsic::from_long(other.name(), argument).map_or_else(|_| v.clone(), Value::from)
            }
        },
        scalar => scalar.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::read::{read_template, Format};

    fn literal(v: &Value) -> Option<Vec<String>> {
        match v {
            Value::List(items) => items.iter().map(|i| i.as_str().map(str::to_string)).collect(),
            _ => None,
        }
    }

    #[test]
    fn resources_outputs_and_properties_expand() {
        let t = read_template(
            r#"Transform: AWS::LanguageExtensions
Resources:
  Fn::ForEach::Topics:
    - Name
    - [Success, Failure]
    - Topic${Name}:
        Type: AWS::SNS::Topic
        Properties:
          TopicName: !Sub 'orders-${Name}'
          DisplayName: !Ref Name
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      Tags:
        - Key: a
          Value: b
Outputs:
  Fn::ForEach::Arns:
    - Name
    - [Success, Failure]
    - '&{Name}Arn':
        Value: !GetAtt [!Sub 'Topic${Name}', TopicArn]
"#,
            "t.yaml",
            Format::Yaml,
        )
        .unwrap()
        .template;
        assert!(has_loops(&t));
        let x = expand(&t, &literal);
        assert!(x.unresolved.is_empty() && x.malformed.is_empty(), "{:?} {:?}", x.unresolved, x.malformed);
        let ids: Vec<&str> = x.template.resources.keys().map(String::as_str).collect();
        assert_eq!(ids, ["Bucket", "TopicSuccess", "TopicFailure"]);
        let p = &x.template.resources["TopicFailure"].properties;
        assert_eq!(p["DisplayName"], Value::str("Failure"));
        // a bound `Fn::Sub` with nothing left to substitute is its text
        assert_eq!(p["TopicName"], Value::str("orders-Failure"));
        let arn = &x.template.outputs["SuccessArn"].value;
        assert_eq!(arn, &crate::cfn::get_att("TopicSuccess", "TopicArn"));
    }

    #[test]
    fn unknown_collections_are_named_and_nested_loops_multiply() {
        let t = read_template(
            "Resources:\n  Fn::ForEach::A:\n    - X\n    - !Ref Things\n    - R${X}:\n        Type: AWS::SNS::Topic\n  Fn::ForEach::B:\n    - X\n    - [a, b]\n    - Fn::ForEach::C:\n        - Y\n        - [c, d]\n        - R${X}${Y}:\n            Type: AWS::SNS::Topic\n",
            "t.yaml",
            Format::Yaml,
        )
        .unwrap()
        .template;
        let x = expand(&t, &literal);
        assert_eq!(x.unresolved, ["/Resources/Fn::ForEach::A"]);
        let ids: Vec<&str> = x.template.resources.keys().map(String::as_str).collect();
        assert_eq!(ids, ["Rac", "Rad", "Rbc", "Rbd"]);
    }

    #[test]
    fn ampersand_keeps_letters_and_digits() {
        assert_eq!(substitute_text("Net&{C}", "C", "10.0.1.0/24"), "Net1001024");
        assert_eq!(substitute_text("${C}-${D}", "C", "x"), "x-${D}");
    }
}
