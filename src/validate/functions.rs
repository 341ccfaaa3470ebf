//! Arguments of intrinsic functions that CloudFormation rejects: `Fn::Select` out of its list,
//! `Fn::Join` of something that is not a list, `Fn::FindInMap` of a map or key the template
//! does not have, `Fn::Sub` strings with an unclosed or empty `${}`.
//!
//! Findings point at the argument in long form (`.../Fn::Select/0`); the source map places a
//! short-form argument at its nearest located ancestor. Depends on the model and `eval` only.

use sds_constructs::cfn::template::pointer_segment;
use sds_constructs::cfn::{Intrinsic, Part, Parts, Template, Value};

use super::eval::Ctx;
use super::Sink;

/// Calls `f` with every intrinsic inside `v` (outermost first) and its JSON pointer.
fn walk(v: &Value, pointer: &str, f: &mut dyn FnMut(&Intrinsic, &str)) {
    match v {
        Value::List(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{pointer}/{i}"), f);
            }
        }
        Value::Map(m) => {
            for (k, item) in m {
                walk(item, &format!("{pointer}/{}", pointer_segment(k)), f);
            }
        }
        Value::Fn(i) => {
            f(i, pointer);
            // The argument as `argument()` gives it, walked without copying it.
            let at = format!("{pointer}/{}", i.name());
            let mut part = |p: Part, at: &str| match p {
                Part::Text(_) => {}
                Part::Value(v) => walk(v, at, f),
                Part::Map(m) => {
                    for (k, item) in m {
                        walk(item, &format!("{at}/{}", pointer_segment(k)), f);
                    }
                }
            };
            match i.parts() {
                Parts::One(p) => part(p, &at),
                Parts::List(items) => items.into_iter().enumerate().for_each(|(n, p)| part(p, &format!("{at}/{n}"))),
            }
        }
        _ => {}
    }
}

/// Every value of the template that may hold functions, with its pointer.
fn places(t: &Template) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for (id, r) in &t.resources {
        let id = pointer_segment(id);
        out.extend(r.properties.iter().map(|(k, v)| (format!("/Resources/{id}/Properties/{}", pointer_segment(k)), v)));
        out.extend(r.attributes.iter().map(|(k, v)| (format!("/Resources/{id}/{}", pointer_segment(k)), v)));
    }
    for (id, o) in &t.outputs {
        let id = pointer_segment(id);
        out.push((format!("/Outputs/{id}/Value"), &o.value));
        if let Some(e) = &o.export_name {
            out.push((format!("/Outputs/{id}/Export/Name"), e));
        }
    }
    out.extend(t.conditions.iter().map(|(k, v)| (format!("/Conditions/{}", pointer_segment(k)), v)));
    out
}

pub fn check(name: &str, t: &Template, ctx: &Ctx, sink: &mut Sink) {
    for (place, v) in places(t) {
        walk(v, &place, &mut |f, p| match f {
            Intrinsic::Select { index, list } => select(name, p, index, list, ctx, sink),
            Intrinsic::Join { values, .. } => {
                if let Some(what) = not_a_list(values, t) {
                    sink.push(
                        "fn/join-list",
                        name,
                        &format!("{p}/Fn::Join/1"),
                        format!("the values Fn::Join joins must be a list (or a function giving one), not {what}"),
                    );
                }
            }
            Intrinsic::FindInMap { map, top, second, default } => {
                find_in_map(name, p, t, [map, top, second], default.is_some(), sink)
            }
            Intrinsic::Sub { template, .. } => {
                if let Some(problem) = sub_problem(template) {
                    sink.push("fn/sub-syntax", name, &format!("{p}/Fn::Sub"), problem);
                }
            }
            _ => {}
        });
    }
}

/// What the index of `Fn::Select` is wrong with, if it is: not a whole number, negative, or past
/// the end of a list whose length is known (`len`).
fn index_problem(index: &str, len: Option<usize>) -> Option<String> {
    let Ok(i) = index.trim().parse::<i64>() else {
        return Some(format!("the index {index:?} is not a whole number"));
    };
    if i < 0 {
        return Some(format!("the index {i} is negative"));
    }
    match len {
        Some(n) if i as u64 >= n as u64 => {
            Some(format!("the index {i} is out of range: the list has {n} item{}", if n == 1 { "" } else { "s" }))
        }
        _ => None,
    }
}

fn select(name: &str, p: &str, index: &Value, list: &Value, ctx: &Ctx, sink: &mut Sink) {
    if matches!(list, Value::List(items) if items.is_empty()) {
        sink.push("fn/select-index", name, &format!("{p}/Fn::Select/1"), "Fn::Select from an empty list".to_string());
        return;
    }
    let (text, evaluated) = match index {
        Value::Number(s) | Value::String(s) => (s.clone(), false),
        Value::Fn(_) => match ctx.eval(index) {
            Some(s) => (s, true),
            None => return,
        },
        other => (sds_constructs::cfn::yaml::inline(other), false),
    };
    // The length of a literal list, or of a split string known with default values. (Fn::GetAZs
    // is left out: the number of zones depends on the region.)
    let (len, len_evaluated) = match list {
        Value::List(items) => (Some(items.len()), false),
        Value::Fn(f) => match &**f {
            Intrinsic::Split { delimiter, source } if !delimiter.is_empty() => {
                (ctx.eval(source).map(|s| s.split(delimiter.as_str()).count()), true)
            }
            _ => (None, false),
        },
        _ => (None, false),
    };
    if let Some(problem) = index_problem(&text, len) {
        let assumed = (evaluated || len_evaluated)
            && !(super::eval::parameters_in(index, ctx.template).is_empty()
                && super::eval::parameters_in(list, ctx.template).is_empty());
        let note = if evaluated || len_evaluated { " (with default values)" } else { "" };
        let (pointer, message) = (format!("{p}/Fn::Select/0"), format!("Fn::Select: {problem}{note}"));
        if assumed {
            sink.push_provisional("fn/select-index", name, &pointer, message);
        } else {
            sink.push("fn/select-index", name, &pointer, message);
        }
    }
}

/// What `v` is when it cannot be the list `Fn::Join` joins; `None` when it is or may be one.
fn not_a_list(v: &Value, t: &Template) -> Option<String> {
    match v {
        Value::List(_) => None,
        Value::Null => Some("null".to_string()),
        Value::Bool(_) | Value::Number(_) | Value::String(_) => Some("a scalar".to_string()),
        Value::Map(_) => Some("a mapping".to_string()),
        Value::Fn(f) => match &**f {
            // Functions whose value is a string, number or boolean.
            Intrinsic::Sub { .. }
            | Intrinsic::Join { .. }
            | Intrinsic::Base64(_)
            | Intrinsic::ToJsonString(_)
            | Intrinsic::Length(_)
            | Intrinsic::Equals(..)
            | Intrinsic::And(_)
            | Intrinsic::Or(_)
            | Intrinsic::Not(_)
            | Intrinsic::Condition(_) => Some(f.name().to_string()),
            Intrinsic::Ref(n) => {
                let scalar_parameter = t.parameters.get(n).is_some_and(|p| !p.is_list());
                let scalar_pseudo = n.starts_with("AWS::") && n != "AWS::NotificationARNs" && n != "AWS::NoValue";
                (scalar_parameter || scalar_pseudo).then(|| format!("Ref {n}, a single value"))
            }
            Intrinsic::If { then, otherwise, .. } => not_a_list(then, t).or_else(|| not_a_list(otherwise, t)),
            _ => None,
        },
    }
}

/// A literal key (a string or number), if the argument is one.
fn literal(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) | Value::Number(s) => Some(s),
        _ => None,
    }
}

fn find_in_map(name: &str, p: &str, t: &Template, args: [&Value; 3], has_default: bool, sink: &mut Sink) {
    let [map, top, second] = args;
    let Some(map_name) = literal(map) else { return };
    let Some(m) = t.mappings.get(map_name) else {
        let known: Vec<&str> = t.mappings.keys().map(String::as_str).collect();
        let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
        sink.push(
            "fn/find-in-map",
            name,
            &format!("{p}/Fn::FindInMap/0"),
            format!("Fn::FindInMap names mapping {map_name}, which the template does not declare (it has {known})"),
        );
        return;
    };
    // With a DefaultValue (language extensions), missing keys give the default.
    if has_default {
        return;
    }
    let Some((top_key, entries)) = literal(top).zip(m.as_map()) else { return };
    let Some(inner) = entries.get(top_key) else {
        sink.push(
            "fn/find-in-map",
            name,
            &format!("{p}/Fn::FindInMap/1"),
            format!("mapping {map_name} has no top-level key {top_key}"),
        );
        return;
    };
    let Some((second_key, inner)) = literal(second).zip(inner.as_map()) else { return };
    if !inner.contains_key(second_key) {
        sink.push(
            "fn/find-in-map",
            name,
            &format!("{p}/Fn::FindInMap/2"),
            format!("mapping {map_name} has no key {second_key} under {top_key}"),
        );
    }
}

/// What is wrong with a `Fn::Sub` string: a `${` never closed, or an empty `${}`. `${!Literal}`
/// is an escape for the text `${Literal}`.
/// See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-sub.html>
pub fn sub_problem(s: &str) -> Option<String> {
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        if let Some(escaped) = after.strip_prefix('!') {
            rest = escaped;
            continue;
        }
        let Some(j) = after.find('}') else {
            return Some(format!("Fn::Sub: `${{` without a closing `}}` in {s:?}"));
        };
        if after[..j].trim().is_empty() {
            return Some(format!("Fn::Sub: empty variable `${{}}` in {s:?}"));
        }
        rest = &after[j + 1..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_strings() {
        for ok in ["plain", "${A}-${B.Arn}", "${!Literal}", "${!Literal", "a $ { } b", "${ A }"] {
            assert_eq!(sub_problem(ok), None, "{ok}");
        }
        for bad in ["${A", "x-${A}-${B", "${}", "${  }", "${!L}${}"] {
            assert!(sub_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn select_indexes() {
        assert_eq!(index_problem("0", Some(1)), None);
        assert_eq!(index_problem("2", None), None);
        assert!(index_problem("1", Some(1)).unwrap().contains("out of range"));
        assert!(index_problem("-1", Some(3)).unwrap().contains("negative"));
        assert!(index_problem("one", Some(3)).unwrap().contains("not a whole number"));
        assert!(index_problem("1.5", None).unwrap().contains("not a whole number"));
    }
}
