//! Template values and intrinsic functions.
//!
//! `Value` is what a property, a parameter default or an output holds; `Intrinsic` is the closed set
//! of CloudFormation functions. Both are plain data: reading and writing live in `read`/`yaml`/`json`,
//! comparison in `compare`. This module must not depend on any serialization crate.

use indexmap::IndexMap;

/// An ordered map of template values.
pub type Map = IndexMap<String, Value>;

/// A template value, as CloudFormation reads it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    /// A number, kept as the text it was written with (`443`, `1.5`), so that writing it back
    /// gives the same digits.
    Number(String),
    String(String),
    List(Vec<Value>),
    Map(Map),
    Fn(Box<Intrinsic>),
}

/// Every intrinsic and condition function CloudFormation knows.
///
/// Arguments are normalized when read: `!GetAtt A.B` and `Fn::GetAtt: [A, B]` give the same
/// `GetAtt`, `Fn::Sub` with an empty variable map gives `Sub` without variables.
#[derive(Debug, Clone, PartialEq)]
pub enum Intrinsic {
    /// `Ref`: a parameter, a resource or a pseudo parameter (`AWS::Region`).
    Ref(String),
    /// `Fn::GetAtt`: the attribute name is usually a string, but may be a `Ref`.
    GetAtt {
        resource: String,
        attribute: Value,
    },
    /// `Fn::Sub`, with or without a variable map.
    Sub {
        template: String,
        variables: Option<Map>,
    },
    Join {
        delimiter: String,
        values: Value,
    },
    Select {
        index: Value,
        list: Value,
    },
    Split {
        delimiter: String,
        source: Value,
    },
    ImportValue(Value),
    /// `Fn::FindInMap`, with the `DefaultValue` option of the language extensions.
    FindInMap {
        map: Value,
        top: Value,
        second: Value,
        default: Option<Value>,
    },
    GetAZs(Value),
    Base64(Value),
    Cidr {
        block: Value,
        count: Value,
        bits: Value,
    },
    If {
        condition: String,
        then: Value,
        otherwise: Value,
    },
    Equals(Value, Value),
    And(Vec<Value>),
    Or(Vec<Value>),
    Not(Value),
    /// `Condition`: a reference to a named condition inside a condition function.
    Condition(String),
    Length(Value),
    ToJsonString(Value),
    /// `Fn::Transform`: `{Name, Parameters}` (Parameters optional), or a list of those, kept as
    /// written.
    Transform(Value),
    /// A function whose argument is kept as written, with its long-form key: the functions of
    /// the `Rules` section (`Fn::Contains`, `Fn::EachMemberEquals`, `Fn::EachMemberIn`,
    /// `Fn::RefAll`, `Fn::ValueOf`, `Fn::ValueOfAll`), and `Fn::GetAtt` of a logical id that is
    /// itself computed (`!GetAtt [!Sub 'Bucket${Name}', Arn]` in a `Fn::ForEach` loop).
    /// See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/rules-section-structure.html>
    Kept {
        name: &'static str,
        argument: Value,
    },
}

/// How one intrinsic is spelled: its long-form key and, where CloudFormation has one, its short tag.
pub struct FnSpelling {
    pub long: &'static str,
    pub short: Option<&'static str>,
}

/// The spelling table, in one place for reader and writer.
/// See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html>
pub const SPELLINGS: &[FnSpelling] = &[
    FnSpelling { long: "Ref", short: Some("Ref") },
    FnSpelling { long: "Fn::GetAtt", short: Some("GetAtt") },
    FnSpelling { long: "Fn::Sub", short: Some("Sub") },
    FnSpelling { long: "Fn::Join", short: Some("Join") },
    FnSpelling { long: "Fn::Select", short: Some("Select") },
    FnSpelling { long: "Fn::Split", short: Some("Split") },
    FnSpelling { long: "Fn::ImportValue", short: Some("ImportValue") },
    FnSpelling { long: "Fn::FindInMap", short: Some("FindInMap") },
    FnSpelling { long: "Fn::GetAZs", short: Some("GetAZs") },
    FnSpelling { long: "Fn::Base64", short: Some("Base64") },
    FnSpelling { long: "Fn::Cidr", short: Some("Cidr") },
    FnSpelling { long: "Fn::If", short: Some("If") },
    FnSpelling { long: "Fn::Equals", short: Some("Equals") },
    FnSpelling { long: "Fn::And", short: Some("And") },
    FnSpelling { long: "Fn::Or", short: Some("Or") },
    FnSpelling { long: "Fn::Not", short: Some("Not") },
    FnSpelling { long: "Condition", short: Some("Condition") },
    // Language-extension functions have no short form.
    // See: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-length.html
    FnSpelling { long: "Fn::Length", short: None },
    FnSpelling { long: "Fn::ToJsonString", short: None },
    FnSpelling { long: "Fn::Transform", short: Some("Transform") },
    // See: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getstackoutput.html
    FnSpelling { long: "Fn::GetStackOutput", short: None },
    // Rule-specific functions, valid in the Rules section.
    // See: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/rules-section-structure.html#rules-specific-intrinsic-section-structure
    FnSpelling { long: "Fn::Contains", short: Some("Contains") },
    FnSpelling { long: "Fn::EachMemberEquals", short: Some("EachMemberEquals") },
    FnSpelling { long: "Fn::EachMemberIn", short: Some("EachMemberIn") },
    FnSpelling { long: "Fn::RefAll", short: Some("RefAll") },
    FnSpelling { long: "Fn::ValueOf", short: Some("ValueOf") },
    FnSpelling { long: "Fn::ValueOfAll", short: Some("ValueOfAll") },
];

/// The prefix of a `Fn::ForEach` loop key (`Fn::ForEach::Topics`) of the language extensions:
/// an entry of a section or a mapping, not a function value.
/// See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-foreach.html>
pub const FOR_EACH: &str = "Fn::ForEach::";

/// The long-form key for a short tag (`Sub` → `Fn::Sub`).
pub fn long_name_of_tag(tag: &str) -> Option<&'static str> {
    SPELLINGS.iter().find(|s| s.short == Some(tag)).map(|s| s.long)
}

/// Whether `key` is the long-form key of a known function.
pub fn is_function_key(key: &str) -> bool {
    SPELLINGS.iter().any(|s| s.long == key)
}

/// Why an intrinsic's argument was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntrinsicError {
    #[error("unknown intrinsic function {0}")]
    Unknown(String),
    #[error("{function} takes {expected}, found {found}")]
    Arity { function: &'static str, expected: &'static str, found: String },
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(_) => "a number".into(),
        Value::String(_) => "a string".into(),
        Value::List(items) => format!("a list of {}", items.len()),
        Value::Map(_) => "a mapping".into(),
        Value::Fn(f) => f.name().to_string(),
    }
}

impl Intrinsic {
    /// Builds a function from its long-form key and argument, checking the argument's shape.
    /// An argument of the wrong shape that is itself computed is kept as written: a macro's
    /// `Fn::Transform` stands for whatever argument it returns, and with the language extensions
    /// `Ref` takes a computed name (`Ref: !Sub 'Param${Id}'`).
    pub fn from_long(name: &str, arg: Value) -> Result<Intrinsic, IntrinsicError> {
        let computed = match &arg {
            Value::Fn(f) => matches!(**f, Intrinsic::Transform(_)) || name == "Ref",
            _ => false,
        };
        if !computed {
            return Intrinsic::from_long_checked(name, arg);
        }
        Intrinsic::from_long_checked(name, arg.clone()).or_else(|e| match SPELLINGS.iter().find(|s| s.long == name) {
            Some(s) => Ok(Intrinsic::Kept { name: s.long, argument: arg }),
            None => Err(e),
        })
    }

    fn from_long_checked(name: &str, arg: Value) -> Result<Intrinsic, IntrinsicError> {
        let Some(spelling) = SPELLINGS.iter().find(|s| s.long == name) else {
            return Err(IntrinsicError::Unknown(name.to_string()));
        };
        let function = spelling.long;
        let bad =
            |expected: &'static str, arg: &Value| IntrinsicError::Arity { function, expected, found: describe(arg) };
        let fixed = |arg: Value, n: usize, expected: &'static str| -> Result<Vec<Value>, IntrinsicError> {
            match arg {
                Value::List(items) if items.len() == n => Ok(items),
                other => Err(bad(expected, &other)),
            }
        };
        Ok(match function {
            "Ref" => match arg {
                Value::String(s) => Intrinsic::Ref(s),
                other => return Err(bad("a logical id or parameter name", &other)),
            },
            "Condition" => match arg {
                Value::String(s) => Intrinsic::Condition(s),
                other => return Err(bad("a condition name", &other)),
            },
            "Fn::GetAtt" => match arg {
                Value::String(s) => match s.split_once('.') {
                    Some((r, a)) if !r.is_empty() && !a.is_empty() => {
                        Intrinsic::GetAtt { resource: r.to_string(), attribute: Value::String(a.to_string()) }
                    }
                    _ => return Err(bad("`Resource.Attribute` or [Resource, Attribute]", &Value::String(s))),
                },
                Value::List(items) if items.len() == 2 && matches!(items[0], Value::Fn(_)) => {
                    // See: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-foreach-example-outputs.html
                    Intrinsic::Kept { name: function, argument: Value::List(items) }
                }
                Value::List(items) if items.len() == 2 => {
                    let mut it = items.into_iter();
                    let (r, a) = (it.next(), it.next());
                    match (r, a) {
                        (Some(Value::String(r)), Some(a)) => Intrinsic::GetAtt { resource: r, attribute: a },
                        (r, a) => {
                            let l = Value::List(r.into_iter().chain(a).collect());
                            return Err(bad("[Resource, Attribute] with a string resource", &l));
                        }
                    }
                }
                other => return Err(bad("`Resource.Attribute` or [Resource, Attribute]", &other)),
            },
            "Fn::Sub" => match arg {
                Value::String(s) => Intrinsic::Sub { template: s, variables: None },
                Value::List(items) if items.len() == 2 => {
                    let mut it = items.into_iter();
                    match (it.next(), it.next()) {
                        (Some(Value::String(s)), Some(Value::Map(vars))) => {
                            Intrinsic::Sub { template: s, variables: if vars.is_empty() { None } else { Some(vars) } }
                        }
                        (a, b) => {
                            let l = Value::List(a.into_iter().chain(b).collect());
                            return Err(bad("a string, or [string, variable mapping]", &l));
                        }
                    }
                }
                other => return Err(bad("a string, or [string, variable mapping]", &other)),
            },
            "Fn::Join" => {
                let mut it = fixed(arg, 2, "[delimiter, list]")?.into_iter();
                let (d, values) = (it.next().unwrap_or(Value::Null), it.next().unwrap_or(Value::Null));
                let delimiter = scalar_text(&d).ok_or_else(|| bad("[delimiter, list] with a string delimiter", &d))?;
                Intrinsic::Join { delimiter, values }
            }
            "Fn::Select" => {
                let mut it = fixed(arg, 2, "[index, list]")?.into_iter();
                Intrinsic::Select { index: it.next().unwrap_or(Value::Null), list: it.next().unwrap_or(Value::Null) }
            }
            "Fn::Split" => {
                let mut it = fixed(arg, 2, "[delimiter, string]")?.into_iter();
                let (d, source) = (it.next().unwrap_or(Value::Null), it.next().unwrap_or(Value::Null));
                let delimiter =
                    scalar_text(&d).ok_or_else(|| bad("[delimiter, string] with a string delimiter", &d))?;
                Intrinsic::Split { delimiter, source }
            }
            "Fn::ImportValue" => Intrinsic::ImportValue(arg),
            "Fn::FindInMap" => match arg {
                Value::List(items) if items.len() == 3 || items.len() == 4 => {
                    let mut it = items.into_iter();
                    let map = it.next().unwrap_or(Value::Null);
                    let top = it.next().unwrap_or(Value::Null);
                    let second = it.next().unwrap_or(Value::Null);
                    Intrinsic::FindInMap { map, top, second, default: it.next() }
                }
                other => return Err(bad("[map, top-level key, second-level key] and an optional default", &other)),
            },
            "Fn::GetAZs" => Intrinsic::GetAZs(arg),
            "Fn::Base64" => Intrinsic::Base64(arg),
            "Fn::Cidr" => {
                let mut it = fixed(arg, 3, "[ip block, count, cidr bits]")?.into_iter();
                Intrinsic::Cidr {
                    block: it.next().unwrap_or(Value::Null),
                    count: it.next().unwrap_or(Value::Null),
                    bits: it.next().unwrap_or(Value::Null),
                }
            }
            "Fn::If" => {
                let mut it = fixed(arg, 3, "[condition, value if true, value if false]")?.into_iter();
                let c = it.next().unwrap_or(Value::Null);
                let Value::String(condition) = c else {
                    return Err(bad("[condition, value if true, value if false] with a condition name", &c));
                };
                Intrinsic::If {
                    condition,
                    then: it.next().unwrap_or(Value::Null),
                    otherwise: it.next().unwrap_or(Value::Null),
                }
            }
            "Fn::Equals" => {
                let mut it = fixed(arg, 2, "[value, value]")?.into_iter();
                Intrinsic::Equals(it.next().unwrap_or(Value::Null), it.next().unwrap_or(Value::Null))
            }
            "Fn::And" | "Fn::Or" => match arg {
                Value::List(items) if (2..=10).contains(&items.len()) => {
                    if function == "Fn::And" {
                        Intrinsic::And(items)
                    } else {
                        Intrinsic::Or(items)
                    }
                }
                other => return Err(bad("a list of 2 to 10 conditions", &other)),
            },
            "Fn::Not" => {
                let mut it = fixed(arg, 1, "a list of one condition")?.into_iter();
                Intrinsic::Not(it.next().unwrap_or(Value::Null))
            }
            "Fn::Length" => Intrinsic::Length(arg),
            "Fn::ToJsonString" => Intrinsic::ToJsonString(arg),
            "Fn::Transform" => {
                let expected = "a mapping with Name and Parameters, or a list of them";
                let one = |v: &Value| match v {
                    Value::Map(m) if m.contains_key("Name") => {
                        match m.keys().find(|k| *k != "Name" && *k != "Parameters") {
                            Some(k) => Err(IntrinsicError::Arity { function, expected, found: format!("the key {k}") }),
                            None => Ok(()),
                        }
                    }
                    other => Err(bad(expected, other)),
                };
                match &arg {
                    Value::List(items) if !items.is_empty() => items.iter().try_for_each(one)?,
                    other => one(other)?,
                }
                Intrinsic::Transform(arg)
            }
            "Fn::GetStackOutput" => match arg {
                Value::Map(ref m) if m.contains_key("StackName") && m.contains_key("OutputName") => {
                    Intrinsic::Kept { name: function, argument: arg }
                }
                other => return Err(bad("a mapping with StackName and OutputName", &other)),
            },
            "Fn::RefAll" => match arg {
                Value::String(_) => Intrinsic::Kept { name: function, argument: arg },
                other => return Err(bad("a parameter type", &other)),
            },
            "Fn::Contains" | "Fn::EachMemberEquals" | "Fn::EachMemberIn" | "Fn::ValueOf" | "Fn::ValueOfAll" => {
                let items = fixed(arg, 2, "a list of two")?;
                Intrinsic::Kept { name: function, argument: Value::List(items) }
            }
            _ => return Err(IntrinsicError::Unknown(name.to_string())),
        })
    }

    /// The long-form key (`Fn::Sub`, `Ref`).
    pub fn name(&self) -> &'static str {
        match self {
            Intrinsic::Ref(_) => "Ref",
            Intrinsic::GetAtt { .. } => "Fn::GetAtt",
            Intrinsic::Sub { .. } => "Fn::Sub",
            Intrinsic::Join { .. } => "Fn::Join",
            Intrinsic::Select { .. } => "Fn::Select",
            Intrinsic::Split { .. } => "Fn::Split",
            Intrinsic::ImportValue(_) => "Fn::ImportValue",
            Intrinsic::FindInMap { .. } => "Fn::FindInMap",
            Intrinsic::GetAZs(_) => "Fn::GetAZs",
            Intrinsic::Base64(_) => "Fn::Base64",
            Intrinsic::Cidr { .. } => "Fn::Cidr",
            Intrinsic::If { .. } => "Fn::If",
            Intrinsic::Equals(..) => "Fn::Equals",
            Intrinsic::And(_) => "Fn::And",
            Intrinsic::Or(_) => "Fn::Or",
            Intrinsic::Not(_) => "Fn::Not",
            Intrinsic::Condition(_) => "Condition",
            Intrinsic::Length(_) => "Fn::Length",
            Intrinsic::ToJsonString(_) => "Fn::ToJsonString",
            Intrinsic::Transform(_) => "Fn::Transform",
            Intrinsic::Kept { name, .. } => name,
        }
    }

    /// The short tag (`Sub`), where the function has one.
    pub fn short_tag(&self) -> Option<&'static str> {
        let name = self.name();
        SPELLINGS.iter().find(|s| s.long == name).and_then(|s| s.short)
    }

    /// The argument in long form, as JSON writes it: `Fn::GetAtt` always as a two-item list.
    pub fn argument(&self) -> Value {
        let s = |t: &str| Value::String(t.to_string());
        match self {
            Intrinsic::Ref(n) | Intrinsic::Condition(n) => s(n),
            Intrinsic::GetAtt { resource, attribute } => Value::List(vec![s(resource), attribute.clone()]),
            Intrinsic::Sub { template, variables: None } => s(template),
            Intrinsic::Sub { template, variables: Some(v) } => Value::List(vec![s(template), Value::Map(v.clone())]),
            Intrinsic::Join { delimiter, values } => Value::List(vec![s(delimiter), values.clone()]),
            Intrinsic::Select { index, list } => Value::List(vec![index.clone(), list.clone()]),
            Intrinsic::Split { delimiter, source } => Value::List(vec![s(delimiter), source.clone()]),
            Intrinsic::ImportValue(v)
            | Intrinsic::GetAZs(v)
            | Intrinsic::Base64(v)
            | Intrinsic::Length(v)
            | Intrinsic::ToJsonString(v)
            | Intrinsic::Transform(v)
            | Intrinsic::Kept { argument: v, .. } => v.clone(),
            Intrinsic::FindInMap { map, top, second, default } => {
                let mut items = vec![map.clone(), top.clone(), second.clone()];
                items.extend(default.iter().cloned());
                Value::List(items)
            }
            Intrinsic::Cidr { block, count, bits } => Value::List(vec![block.clone(), count.clone(), bits.clone()]),
            Intrinsic::If { condition, then, otherwise } => {
                Value::List(vec![s(condition), then.clone(), otherwise.clone()])
            }
            Intrinsic::Equals(a, b) => Value::List(vec![a.clone(), b.clone()]),
            Intrinsic::And(items) | Intrinsic::Or(items) => Value::List(items.clone()),
            Intrinsic::Not(c) => Value::List(vec![c.clone()]),
        }
    }
}

/// The text of a scalar (strings, numbers and booleans), as CloudFormation reads it.
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) | Value::Number(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Value {
    pub fn str(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn is_scalar(&self) -> bool {
        matches!(self, Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }
}

impl From<Intrinsic> for Value {
    fn from(f: Intrinsic) -> Value {
        Value::Fn(Box::new(f))
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Number(n.to_string())
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Value {
        Value::Map(m)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Value {
        Value::List(items.into_iter().map(Into::into).collect())
    }
}

/// `Ref`.
pub fn ref_(name: impl Into<String>) -> Value {
    Intrinsic::Ref(name.into()).into()
}

/// `Fn::Sub` without variables.
pub fn sub(template: impl Into<String>) -> Value {
    Intrinsic::Sub { template: template.into(), variables: None }.into()
}

/// `Fn::GetAtt` with a plain attribute name.
pub fn get_att(resource: impl Into<String>, attribute: impl Into<String>) -> Value {
    Intrinsic::GetAtt { resource: resource.into(), attribute: Value::String(attribute.into()) }.into()
}

/// `Fn::ImportValue`.
pub fn import_value(name: impl Into<Value>) -> Value {
    Intrinsic::ImportValue(name.into()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(items: Vec<Value>) -> Value {
        Value::List(items)
    }

    #[test]
    fn getatt_string_and_list_forms_agree() {
        let a = Intrinsic::from_long("Fn::GetAtt", Value::str("Child.Outputs.X")).unwrap();
        let b = Intrinsic::from_long("Fn::GetAtt", l(vec![Value::str("Child"), Value::str("Outputs.X")])).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.argument(), l(vec![Value::str("Child"), Value::str("Outputs.X")]));
    }

    #[test]
    fn sub_with_empty_variables_is_plain_sub() {
        let a = Intrinsic::from_long("Fn::Sub", l(vec![Value::str("x"), Value::Map(Map::new())])).unwrap();
        assert_eq!(a, Intrinsic::Sub { template: "x".into(), variables: None });
    }

    #[test]
    fn arity_is_checked() {
        let e = Intrinsic::from_long("Fn::Select", l(vec![Value::Number("1".into())])).unwrap_err();
        assert_eq!(e.to_string(), "Fn::Select takes [index, list], found a list of 1");
        assert!(Intrinsic::from_long("Fn::And", l(vec![Value::Bool(true)])).is_err());
        assert!(Intrinsic::from_long("Fn::Not", l(vec![])).is_err());
        assert!(Intrinsic::from_long("Fn::If", l(vec![Value::str("C"), Value::Null])).is_err());
        assert!(Intrinsic::from_long("Ref", l(vec![])).is_err());
        assert!(matches!(Intrinsic::from_long("Fn::Nope", Value::Null), Err(IntrinsicError::Unknown(_))));
        assert!(Intrinsic::from_long("Fn::ValueOf", l(vec![Value::str("P")])).is_err());
        assert!(Intrinsic::from_long("Fn::RefAll", l(vec![])).is_err());
        assert!(Intrinsic::from_long("Fn::Transform", Value::Map(Map::new())).is_err());
    }

    #[test]
    fn transform_keeps_its_form() {
        let mut one = Map::new();
        one.insert("Name".into(), Value::str("AWS::Include"));
        let list = l(vec![Value::Map(one.clone()), Value::Map(one.clone())]);
        let f = Intrinsic::from_long("Fn::Transform", list.clone()).unwrap();
        assert_eq!(f.argument(), list);
        let f = Intrinsic::from_long("Fn::Transform", Value::Map(one.clone())).unwrap();
        assert_eq!(f.argument(), Value::Map(one), "no Parameters added");
    }

    #[test]
    fn every_spelling_round_trips_through_name() {
        for s in SPELLINGS {
            if let Some(tag) = s.short {
                assert_eq!(long_name_of_tag(tag), Some(s.long));
            }
            assert!(is_function_key(s.long));
        }
    }
}
