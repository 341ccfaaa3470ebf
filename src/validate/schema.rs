//! Resource properties against the CloudFormation resource provider schemas of their types,
//! vendored compressed in `data/resources.bin` for every type of the registry (see
//! `scripts/refresh-schemas` and `data/SOURCE.json`), inflated per type on first use.
//!
//! Intrinsic functions stand for values of the type the schema expects: an expression whose text
//! is known with default values (see `eval`) is checked as that text; `Fn::If` is checked with
//! each branch; anything else becomes a stand-in whose only checkable property is its kind
//! (string, list). CloudFormation's scalar coercions are honoured (`"443"` for an integer,
//! `"true"` for a boolean, a number for a string).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{JsonType, Validator};
use sds_constructs::cfn::Resource;
use serde_json::Value as J;

use super::eval::Ctx;
use super::instance::Instance;
use super::raw_schema::RawSchema;
use crate::par::{once_per_key, Cells};

/// `<type> <offset> <length>` per line, sorted by type: where each type's schema is in [`PACKED`].
const INDEX: &str = include_str!("data/resources.index");
/// Every type's pruned schema, each compressed on its own (raw deflate), so that validating a
/// template inflates the schemas of the types it uses and no others.
const PACKED: &[u8] = include_bytes!("data/resources.bin");

/// One entry of [`INDEX`].
struct Entry {
    type_: &'static str,
    offset: usize,
    len: usize,
}

/// The parsed index (about 1,900 lines, parsed once on first use).
fn index() -> &'static [Entry] {
    static INDEXED: OnceLock<Vec<Entry>> = OnceLock::new();
    INDEXED.get_or_init(|| {
        INDEX
            .lines()
            .filter_map(|line| {
                let mut parts = line.split(' ');
                let type_ = parts.next()?;
                let offset = parts.next()?.parse().ok()?;
                let len = parts.next()?.parse().ok()?;
                Some(Entry { type_, offset, len })
            })
            .collect()
    })
}

/// Every type the vendored registry has, sorted.
pub fn registry_types() -> impl Iterator<Item = &'static str> {
    index().iter().map(|e| e.type_)
}

/// Whether the vendored registry has `type_`, without inflating its schema.
pub fn in_registry(type_: &str) -> bool {
    index().binary_search_by(|e| e.type_.cmp(type_)).is_ok()
}

/// The vendored resource provider schema of a type (JSON text, pruned to what validation needs,
/// `readOnlyProperties`, `writeOnlyProperties` and `createOnlyProperties` kept), if the registry
/// has the type. Each type is inflated once per process and kept.
pub fn source(type_: &str) -> Option<&'static str> {
    static INFLATED: Cells<&'static str, Option<&'static str>> = OnceLock::new();
    let entry = index().binary_search_by(|e| e.type_.cmp(type_)).ok().map(|i| &index()[i])?;
    *once_per_key(&INFLATED, entry.type_, || {
        let packed = PACKED.get(entry.offset..entry.offset.checked_add(entry.len)?)?;
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::DeflateDecoder::new(packed), &mut text).ok()?;
        // At most one string per registry type for the life of the process: a bounded cache
        // that lets callers keep `&'static str`s.
        Some(&*Box::leak(text.into_boxed_str()))
    })
}

/// The `createOnlyProperties` of a type as its schema lists them (`/properties/Name` pointers),
/// if the registry has the type: changing one of these replaces the resource.
pub fn create_only_properties(type_: &str) -> Option<Vec<String>> {
    let schema: J = serde_json::from_str(source(type_)?).ok()?;
    let list = schema.get("createOnlyProperties").and_then(J::as_array).cloned().unwrap_or_default();
    Some(list.iter().filter_map(|p| p.as_str().map(str::to_string)).collect())
}

/// Types whose properties are not checked: custom resources have no schema.
pub fn is_custom(type_: &str) -> bool {
    type_.starts_with("Custom::") || type_ == "AWS::CloudFormation::CustomResource"
}

/// Parsed schemas and compiled validators, built on first use of each type and kept for the
/// life of the process (shared by every validation in it: `sds review` validates both sides).
#[derive(Default)]
pub struct Schemas {
    cache: HashMap<String, Option<&'static Compiled>>,
}

struct Compiled {
    /// The type's schema as vendored, parsed piece by piece as checks read it.
    schema: RawSchema,
}

/// The parsed schema of `type_`, parsed once per process: at most one per registry type, a
/// bounded cache (as [`source`]'s) that is never freed, so that a second validation in the same
/// process (the other side of a review) parses nothing again and the process does not spend its
/// last milliseconds freeing schemas.
fn compiled(type_: &str) -> Option<&'static Compiled> {
    static COMPILED: Cells<&'static str, Option<Compiled>> = OnceLock::new();
    let entry = index().binary_search_by(|e| e.type_.cmp(type_)).ok().map(|i| &index()[i])?;
    once_per_key(&COMPILED, entry.type_, || Some(Compiled { schema: RawSchema::new(source(entry.type_)?)? })).as_ref()
}

/// Compiles a (sub)schema with the lazily compiled `pattern` keyword.
fn build(schema: &J) -> Option<Validator> {
    jsonschema::draft7::options().with_keyword("lazyPattern", super::pattern::lazy_pattern).build(schema).ok()
}

/// `schema` cut down to what checks an object with top-level properties `keys`: those
/// properties' schemas and the definitions they reach (every other keyword kept). It accepts
/// and refuses such an object exactly as the whole schema does (a property that is absent is
/// checked by nothing but `required` and the combinators, which are kept; `additionalProperties`
/// sees the same unknown keys), and compiles in a fraction of the time: a type's schema
/// describes dozens of properties, a resource sets a few. (What validation compiles is
/// [`RawSchema::narrowed`], which builds the same from the pieces it keeps: this is its reference.)
#[cfg(test)]
fn narrowed(schema: &J, keys: &[&str]) -> J {
    let Some(whole) = schema.as_object() else { return schema.clone() };
    let mut out = serde_json::Map::new();
    for (k, v) in whole {
        match k.as_str() {
            "definitions" | "typeName" | "readOnlyProperties" | "writeOnlyProperties" | "createOnlyProperties" => {}
            "properties" => {
                let kept = v.as_object().map(|m| {
                    m.iter().filter(|(name, _)| keys.contains(&name.as_str())).map(|(n, s)| (n.clone(), s.clone()))
                });
                out.insert(k.clone(), J::Object(kept.into_iter().flatten().collect()));
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    let Some(definitions) = whole.get("definitions").and_then(J::as_object) else { return J::Object(out) };
    // The definitions the kept schema reaches, through definitions that reach others.
    let mut reached: Vec<&str> = Vec::new();
    let mut todo: Vec<&J> = out.values().collect();
    while let Some(v) = todo.pop() {
        match v {
            J::Object(m) => {
                if let Some(J::String(r)) = m.get("$ref") {
                    let Some(name) = r.strip_prefix("#/definitions/").map(|n| n.split('/').next().unwrap_or(n)) else {
                        // A reference elsewhere: keep every definition.
                        out.insert("definitions".into(), J::Object(definitions.clone()));
                        return J::Object(out);
                    };
                    if let Some((name, d)) = definitions.get_key_value(name) {
                        if !reached.contains(&name.as_str()) {
                            reached.push(name);
                            todo.push(d);
                        }
                    }
                }
                todo.extend(m.values());
            }
            J::Array(items) => todo.extend(items),
            _ => {}
        }
    }
    let kept = definitions.iter().filter(|(n, _)| reached.contains(&n.as_str()));
    out.insert("definitions".into(), J::Object(kept.map(|(n, d)| (n.clone(), d.clone())).collect()));
    J::Object(out)
}

/// The validator of `type_` for objects with top-level properties `keys` (see [`narrowed`]),
/// compiled once per process for each set of keys (resources of a type mostly set the same).
fn validator(type_: &str, c: &Compiled, keys: &[&str]) -> Option<&'static Validator> {
    static VALIDATORS: Cells<String, Option<Validator>> = OnceLock::new();
    let mut sorted = keys.to_vec();
    sorted.sort_unstable();
    let key = format!("{type_} {}", sorted.join(" "));
    once_per_key(&VALIDATORS, key, || build(&c.schema.narrowed(&sorted))).as_ref()
}

/// One schema violation, relative to the resource's `Properties`.
pub struct Violation {
    /// JSON pointer inside `Properties`.
    pub pointer: String,
    pub message: String,
    /// The value there came from evaluating an expression with default values.
    pub evaluated: Option<String>,
    /// That expression involves parameters: the value is what their defaults (or what a parent
    /// passes) give, and another value may be given at deployment.
    pub provisional: bool,
    pub keyword: String,
}

impl Schemas {
    fn get(&mut self, type_: &str) -> Option<&'static Compiled> {
        if let Some(c) = self.cache.get(type_) {
            return *c;
        }
        let c = compiled(type_);
        self.cache.insert(type_.to_string(), c);
        c
    }

    pub fn knows(&mut self, type_: &str) -> bool {
        self.get(type_).is_some()
    }

    /// The read-only properties (attributes) of a type, as `/properties/...` pointers.
    pub fn read_only(&mut self, type_: &str) -> Option<Vec<String>> {
        let c = self.get(type_)?;
        let list = c.schema.get("readOnlyProperties")?;
        Some(list.as_array()?.iter().filter_map(|p| p.as_str().map(str::to_string)).collect())
    }

    /// Whether `Fn::GetAtt` can read `attribute` of `type_`: a read-only property, or a property
    /// the type does not declare write-only (registry types return those from their read handler).
    pub fn has_attribute(&mut self, type_: &str, attribute: &str) -> Option<bool> {
        let c = self.get(type_)?;
        let pointer = format!("/properties/{}", attribute.replace('.', "/properties/"));
        let listed = |key: &str, wanted: &str| {
            c.schema
                .get(key)
                .as_ref()
                .and_then(J::as_array)
                .is_some_and(|l| l.iter().any(|p| p.as_str() == Some(wanted)))
        };
        let flat = format!("/properties/{}", attribute.replace('.', "/"));
        if listed("readOnlyProperties", &flat) {
            return Some(true);
        }
        Some(c.schema.pointer(&pointer).is_some() && !listed("writeOnlyProperties", &flat))
    }

    /// The JSON type of attribute `attribute` of `type_`, where the schema says.
    pub(super) fn attribute_is_list(&mut self, type_: &str, attribute: &str) -> bool {
        let Some(c) = self.get(type_) else { return false };
        let prop = c.schema.pointer(&format!("/properties/{}", attribute.replace('.', "/properties/")));
        prop.is_some_and(|p| p.get("type").is_some_and(|t| t == "array"))
    }

    /// The schema of top-level property `name` of `type_`, `$ref` followed once.
    pub fn property(&mut self, type_: &str, name: &str) -> Option<J> {
        let c = self.get(type_)?;
        let p = c.schema.property(name)?;
        match p.get("$ref").and_then(J::as_str) {
            Some(r) => c.schema.pointer(r.trim_start_matches('#')),
            None => Some(p),
        }
    }

    /// Every violation of `r`'s properties, with each `Fn::If` branch taken in turn.
    pub fn check(&mut self, r: &Resource, ctx: &Ctx, types: &BTreeMap<String, String>) -> Vec<Violation> {
        let mut out: Vec<Violation> = Vec::new();
        let mut seen: HashSet<(String, String)> = HashSet::new();
        for branch in [true, false] {
            let Instance { json: instance, stand_ins, anything, evaluated, has_if } =
                Instance::of(r, ctx, types, self, branch);
            let stand_ins: HashSet<&str> = stand_ins.iter().map(String::as_str).collect();
            let Some(c) = self.get(&r.type_) else { return out };
            let keys: Vec<&str> = instance.as_object().into_iter().flat_map(|m| m.keys().map(String::as_str)).collect();
            let Some(validator) = validator(&r.type_, c, &keys) else { return out };
            for e in validator.iter_errors(&instance) {
                let pointer = e.instance_path().as_str().to_string();
                let inside = |p: &String| pointer == *p || pointer.starts_with(&format!("{p}/"));
                if anything.iter().any(inside) || ignorable(&e, &pointer, &stand_ins) {
                    continue;
                }
                let message = readable(&e);
                if !seen.insert((pointer.clone(), message.clone())) {
                    continue;
                }
                let (evaluated, provisional) = match evaluated.get(&pointer) {
                    Some((expr, parameters)) => (Some(expr.clone()), *parameters),
                    None => (None, false),
                };
                out.push(Violation {
                    evaluated,
                    provisional,
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

/// The error's message, with a stand-in for an expression shown as the expression it stands
/// for (`!Ref Name (one value)`, or inside a value shown whole `{"Arn":!Sub '...'}`), not as the
/// stand-in's text.
fn readable(e: &jsonschema::ValidationError) -> String {
    let message = e.to_string();
    let stand_in = e.instance().as_str().and_then(|s| s.strip_prefix(super::instance::STAND_IN)?.strip_prefix(':'));
    if let (Some(expr), Ok(quoted)) = (stand_in, serde_json::to_string(e.instance().as_ref())) {
        return message.replacen(&quoted, &format!("{expr} (one value)"), 1);
    }
    // each `"sds-unresolved:..."` JSON string in the message: its expression, unquoted
    let marker = format!("\"{}:", super::instance::STAND_IN);
    let mut out = String::with_capacity(message.len());
    let mut rest = message.as_str();
    while let Some(start) = rest.find(&marker) {
        out.push_str(&rest[..start]);
        let body = &rest[start + marker.len()..];
        let mut escaped = false;
        let end = body.char_indices().find(|&(_, c)| {
            let close = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            close
        });
        let Some((end, _)) = end else {
            out.push_str(&rest[start..]);
            return out;
        };
        let text: String =
            serde_json::from_str(&format!("\"{}\"", &body[..end])).unwrap_or_else(|_| body[..end].to_string());
        out.push_str(&text);
        rest = &body[end + 1..];
    }
    out.push_str(rest);
    out
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
        // "3" for an enum of integers (a parameter's value is text): the same scalar.
        ValidationErrorKind::Enum { options } => {
            at_stand_in || options.as_array().is_some_and(|o| o.iter().any(|o| same_scalar(instance, o)))
        }
        ValidationErrorKind::Constant { expected_value } => at_stand_in || same_scalar(instance, expected_value),
        _ => at_stand_in,
    }
}

/// Whether two scalars are the same value once CloudFormation has coerced them: `"3"` and `3`,
/// `"true"` and `true`, `"1.0"` and `1`. A value of the same JSON type was compared already.
fn same_scalar(a: &J, b: &J) -> bool {
    let text = |v: &J| match v {
        J::String(s) => Some(s.trim().to_string()),
        J::Number(n) => Some(n.to_string()),
        J::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    if std::mem::discriminant(a) == std::mem::discriminant(b) {
        return false;
    }
    let (Some(x), Some(y)) = (text(a), text(b)) else { return false };
    match (x.parse::<f64>(), y.parse::<f64>()) {
        (Ok(x), Ok(y)) => x == y,
        _ => x.eq_ignore_ascii_case(&y) && (a.is_boolean() || b.is_boolean()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vendored_schema_compiles() {
        for t in registry_types() {
            // not cached: compiled validators are large, 1,900 of them together more so
            let schema: J = serde_json::from_str(source(t).unwrap()).unwrap_or_else(|e| panic!("{t}: {e}"));
            assert!(build(&schema).is_some(), "{t} does not compile");
        }
    }

    #[test]
    fn a_narrowed_schema_judges_as_the_whole_one() {
        // Every property of a few types, each alone, valid and invalid; and an unknown one.
        for t in ["AWS::S3::Bucket", "AWS::EC2::VPCEndpoint", "AWS::SageMaker::Domain", "AWS::IAM::Role"] {
            let schema: J = serde_json::from_str(source(t).unwrap()).unwrap();
            let whole = build(&schema).unwrap();
            let names: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
            for name in names {
                for value in [serde_json::json!("x"), serde_json::json!([{"Key": 1}]), serde_json::json!({"A": true})] {
                    let instance = serde_json::json!({ name.as_str(): value, "Unknown": 1 });
                    let keys = [name.as_str(), "Unknown"];
                    let part = build(&narrowed(&schema, &keys)).unwrap();
                    let errors = |v: &Validator| v.iter_errors(&instance).map(|e| e.to_string()).collect::<Vec<_>>();
                    assert_eq!(errors(&part), errors(&whole), "{t}.{name}");
                }
            }
        }
        // Only what the kept properties reach is kept.
        let schema: J = serde_json::from_str(source("AWS::EC2::VPCEndpoint").unwrap()).unwrap();
        let part = narrowed(&schema, &["VpcId"]);
        assert_eq!(part["properties"].as_object().unwrap().len(), 1);
        assert!(part["definitions"].as_object().unwrap().is_empty());
        let part = narrowed(&schema, &["DnsOptions"]);
        assert!(part["definitions"].get("DnsOptionsSpecification").is_some());
    }

    #[test]
    fn the_schema_read_piece_by_piece_is_the_schema() {
        // Every vendored type: narrowed for no property, each property alone (with an unknown
        // one), and all of them, as the whole schema narrowed; and pointers into it.
        for t in registry_types() {
            let text = source(t).unwrap();
            let whole: J = serde_json::from_str(text).unwrap();
            let raw = RawSchema::new(text).unwrap_or_else(|| panic!("{t} is not an object"));
            let names: Vec<&str> = whole["properties"].as_object().unwrap().keys().map(String::as_str).collect();
            let mut sets: Vec<Vec<&str>> = vec![Vec::new(), names.clone()];
            sets.extend(names.iter().map(|n| vec![*n, "Unknown"]));
            for keys in sets {
                assert_eq!(raw.narrowed(&keys), narrowed(&whole, &keys), "{t} {keys:?}");
            }
            for name in &names {
                assert_eq!(raw.property(name).as_ref(), whole["properties"].get(*name), "{t}.{name}");
                let pointer = format!("/properties/{}", name.replace('~', "~0").replace('/', "~1"));
                assert_eq!(raw.pointer(&pointer).as_ref(), whole.pointer(&pointer), "{t} {pointer}");
                assert_eq!(raw.pointer(&format!("{pointer}/type")).as_ref(), whole.pointer(&format!("{pointer}/type")));
            }
            for key in ["readOnlyProperties", "writeOnlyProperties", "required", "nothing"] {
                assert_eq!(raw.get(key).as_ref(), whole.get(key), "{t} {key}");
            }
            if let Some(defs) = whole.get("definitions").and_then(J::as_object) {
                for d in defs.keys() {
                    let pointer = format!("/definitions/{d}");
                    assert_eq!(raw.pointer(&pointer).as_ref(), whole.pointer(&pointer), "{t} {pointer}");
                }
            }
            assert_eq!(raw.pointer("").as_ref(), Some(&whole));
        }
    }

    #[test]
    fn an_expression_is_shown_as_written_not_as_its_stand_in() {
        let text = "Parameters:\n  Address: {Type: String}\nResources:\n  R:\n    Type: AWS::Route53::RecordSet\n    Properties:\n      Name: a.example.com\n      Type: CNAME\n      HostedZoneName: example.com.\n      ResourceRecords: !Ref Address\n";
        let t = sds_constructs::cfn::read_template(text, "t.yaml", sds_constructs::cfn::Format::Yaml).unwrap().template;
        let ctx = Ctx::new(&t, None);
        let types = BTreeMap::new();
        let found = Schemas::default().check(&t.resources["R"], &ctx, &types);
        let messages: Vec<&str> = found.iter().map(|v| v.message.as_str()).collect();
        assert_eq!(messages, [r#"!Ref Address (one value) is not of type "array""#]);
        // inside a value shown whole
        let text = "Parameters:\n  Name: {Type: String}\nResources:\n  P:\n    Type: AWS::CloudFormation::PublicTypeVersion\n    Properties:\n      Arn: !Sub 'arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:type/hook/x'\n      Type: HOOK\n      TypeName: !Ref Name\n";
        let t = sds_constructs::cfn::read_template(text, "t.yaml", sds_constructs::cfn::Format::Yaml).unwrap().template;
        let found = Schemas::default().check(&t.resources["P"], &Ctx::new(&t, None), &types);
        let messages: Vec<&str> = found.iter().map(|v| v.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                r#"{"Arn":"arn:aws:cloudformation:us-east-1:123456789012:type/hook/x","Type":"HOOK","TypeName":!Ref Name} is valid under more than one of the schemas listed in the 'oneOf' keyword"#
            ]
        );
    }

    #[test]
    fn coerced_scalars_match_enums() {
        // issue 11: a parameter default "3" against an integer enum was "not one of 1, 3, ..."
        assert!(same_scalar(&serde_json::json!("3"), &serde_json::json!(3)));
        assert!(same_scalar(&serde_json::json!(3), &serde_json::json!("3")));
        assert!(same_scalar(&serde_json::json!("true"), &serde_json::json!(true)));
        assert!(!same_scalar(&serde_json::json!("4"), &serde_json::json!(3)));
        assert!(!same_scalar(&serde_json::json!("Abc"), &serde_json::json!("abc")));
        assert!(!same_scalar(&serde_json::json!("yes"), &serde_json::json!(true)));
    }

    #[test]
    fn the_index_matches_the_source_record_and_the_packed_data() {
        let source: J = serde_json::from_str(include_str!("data/SOURCE.json")).unwrap();
        let types: Vec<&str> = registry_types().collect();
        assert_eq!(Some(types.len() as u64), source["types"].as_u64(), "SOURCE.json and resources.index differ");
        assert!(types.windows(2).all(|w| w[0] < w[1]), "resources.index is not sorted");
        let end = index().last().map(|e| e.offset + e.len);
        assert_eq!(end, Some(PACKED.len()), "resources.index and resources.bin differ");
        for t in ["AWS::EC2::Instance", "AWS::CloudWatch::Alarm", "AWS::IAM::RolePolicy", "AWS::Glue::Database"] {
            assert!(in_registry(t), "{t}");
        }
        assert!(!in_registry("AWS::Serverless::Function") && !in_registry("Custom::Thing"));
    }

    #[test]
    fn create_only_properties_come_from_the_schema() {
        let bucket = create_only_properties("AWS::S3::Bucket").unwrap();
        assert!(bucket.contains(&"/properties/BucketName".to_string()), "{bucket:?}");
        assert_eq!(create_only_properties("Custom::Thing"), None);
        // inflated once: the same text both times
        assert!(std::ptr::eq(source("AWS::S3::Bucket").unwrap(), source("AWS::S3::Bucket").unwrap()));
    }
}
