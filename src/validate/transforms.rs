//! The transforms (macros) a template declares, and the note saying what sds leaves to them.
//! `AWS::LanguageExtensions` is expanded by sds itself (`Fn::ForEach` in the model); SAM's
//! serverless resources and any other macro's output are checked only after the macro runs.
//!
//! Depends on the model only.

use sds_constructs::cfn::foreach;
use sds_constructs::cfn::template::pointer_segment;
use sds_constructs::cfn::value::FOR_EACH;
use sds_constructs::cfn::{Map, Part, Parts, Template, Value};
use std::fmt::Write as _;

use super::types::SAM;
use super::Sink;

/// The language extensions transform, which sds expands.
/// See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/transform-aws-languageextensions.html>
pub const LANGUAGE_EXTENSIONS: &str = "AWS::LanguageExtensions";

/// What a template's `Transform` section names.
#[derive(Debug, Default)]
pub struct Declared {
    pub sam: bool,
    pub language_extensions: bool,
    /// Every other macro, as written.
    pub others: Vec<String>,
}

/// The transforms of `t`: a name, a list of names, or `{Name, Parameters}` entries (AWS::Include).
pub fn declared(t: &Template) -> Declared {
    let mut d = Declared::default();
    let mut add = |v: &Value| {
        let name = match v {
            Value::String(s) => s.clone(),
            Value::Map(m) => match m.get("Name") {
                Some(Value::String(s)) => s.clone(),
                _ => return,
            },
            _ => return,
        };
        match name.as_str() {
            SAM => d.sam = true,
            LANGUAGE_EXTENSIONS => d.language_extensions = true,
            _ => d.others.push(name),
        }
    };
    match &t.transform {
        Some(Value::List(items)) => items.iter().for_each(&mut add),
        Some(v) => add(v),
        None => {}
    }
    d
}

/// One note per template for what is left to a macro.
pub fn note(name: &str, d: &Declared, t: &Template, sink: &mut Sink) {
    if d.sam {
        let serverless: Vec<&str> = t
            .resources
            .iter()
            .filter(|(_, r)| r.type_.starts_with("AWS::Serverless::"))
            .map(|(id, _)| id.as_str())
            .collect();
        let what = if serverless.is_empty() {
            "no serverless resources".to_string()
        } else {
            format!("{} serverless resource(s) not expanded ({})", serverless.len(), list(&serverless))
        };
        sink.push(
            "template/transform",
            name,
            "/Transform",
            format!("{SAM}: {what}; the other resources are checked, the serverless ones (and Globals) only after SAM expands them"),
        );
    }
    if !d.others.is_empty() {
        sink.push(
            "template/transform",
            name,
            "/Transform",
            format!(
                "macro {}: attributes, functions and types the macro handles are accepted as written{}; what it produces is checked only after it runs",
                d.others.join(", "),
                if d.others.iter().any(|m| !m.starts_with("AWS::")) {
                    ", property values it may rewrite are checked as warnings"
                } else {
                    ""
                }
            ),
        );
    }
}

/// Functions CloudFormation does not have (`Fn::Foo`, read as a one-key mapping), unless a macro
/// the template names may handle them; `Fn::ForEach` without the language extensions.
pub fn unknown_functions(name: &str, d: &Declared, t: &Template, original: &Template, sink: &mut Sink) {
    if foreach::has_loops(original) && !d.language_extensions {
        sink.push("fn/unknown", name, "/Transform", format!("Fn::ForEach needs `Transform: {LANGUAGE_EXTENSIONS}`"));
    }
    if !d.others.is_empty() {
        return;
    }
    let mut found: Vec<(String, String)> = Vec::new();
    for (id, r) in &t.resources {
        let base = format!("/Resources/{}", pointer_segment(id));
        for (k, v) in &r.properties {
            walk(v, &mut format!("{base}/Properties/{}", pointer_segment(k)), &mut found);
        }
        for (k, v) in &r.attributes {
            walk(v, &mut format!("{base}/{}", pointer_segment(k)), &mut found);
        }
    }
    let sections = [
        ("Outputs", t.outputs.iter().map(|(k, o)| (k, &o.value)).collect::<Vec<_>>()),
        ("Conditions", t.conditions.iter().collect()),
        ("Rules", t.rules.iter().collect()),
    ];
    for (section, entries) in sections {
        for (id, v) in entries {
            walk(v, &mut format!("/{section}/{}", pointer_segment(id)), &mut found);
        }
    }
    for (pointer, key) in found {
        sink.push("fn/unknown", name, &pointer, format!("{key} is not a function CloudFormation has"));
    }
}

/// Finds one-key mappings named like functions inside `v`, at `pointer` (a buffer each level
/// extends and restores, rather than a string per value).
fn walk(v: &Value, pointer: &mut String, found: &mut Vec<(String, String)>) {
    let at = pointer.len();
    match v {
        Value::Map(m) => walk_map(m, pointer, found),
        Value::List(items) => {
            for (i, v) in items.iter().enumerate() {
                let _ = write!(pointer, "/{i}");
                walk(v, pointer, found);
                pointer.truncate(at);
            }
        }
        Value::Fn(f) => {
            pointer.push('/');
            pointer.push_str(f.name());
            // The argument in long form, as `argument()` gives it.
            match f.parts() {
                Parts::One(p) => walk_part(p, pointer, found),
                Parts::List(items) => {
                    let inside = pointer.len();
                    for (i, p) in items.into_iter().enumerate() {
                        let _ = write!(pointer, "/{i}");
                        walk_part(p, pointer, found);
                        pointer.truncate(inside);
                    }
                }
            }
            pointer.truncate(at);
        }
        _ => {}
    }
}

fn walk_part(p: Part, pointer: &mut String, found: &mut Vec<(String, String)>) {
    match p {
        Part::Text(_) => {}
        Part::Value(v) => walk(v, pointer, found),
        Part::Map(m) => walk_map(m, pointer, found),
    }
}

fn walk_map(m: &Map, pointer: &mut String, found: &mut Vec<(String, String)>) {
    if m.len() == 1 {
        if let Some((k, _)) = m.first().filter(|(k, _)| k.starts_with("Fn::") && !k.starts_with(FOR_EACH)) {
            found.push((pointer.clone(), k.clone()));
        }
    }
    let at = pointer.len();
    for (k, v) in m {
        pointer.push('/');
        pointer.push_str(&pointer_segment(k));
        walk(v, pointer, found);
        pointer.truncate(at);
    }
}

/// At most 10 names, then how many more.
fn list(names: &[&str]) -> String {
    if names.len() <= 10 {
        return names.join(", ");
    }
    format!("{}, and {} more", names[..10].join(", "), names.len() - 10)
}
