//! A template's interface: parameters and outputs added or removed, and exports added, removed
//! or renamed. A removed or renamed export that a template of the new set still imports is an
//! error: the stack update would fail (CloudFormation refuses to remove an export in use), or
//! the importer could not be created.
//!
//! Export and import names are compared as patterns: each `${Variable}` of a `Fn::Sub` (and
//! every part of a `Fn::Join` that is not text) matches anything, the way `sds validate`'s
//! `app/duplicate-export` reads them.
//!
//! Depends on the model only.

use std::collections::BTreeMap;

use sds_constructs::cfn::yaml::inline;
use sds_constructs::cfn::{semantic_eq, Intrinsic, Template, Value};

use super::sets::Set;

/// One change to a template's interface.
#[derive(Debug, Clone)]
pub struct InterfaceChange {
    pub template: String,
    /// `parameter`, `output` or `export`.
    pub kind: &'static str,
    pub name: String,
    /// `added`, `removed`, `renamed` or `default changed`.
    pub change: &'static str,
    /// Old → new for a rename or a changed default; the export name otherwise.
    pub detail: String,
    /// For a removed or renamed export: the imports in the new set that still need it
    /// (`template/logical id`). Non-empty is an error.
    pub imported_by: Vec<String>,
}

/// An export or import name as a pattern: text with `*` for what is only known at deploy time.
pub fn pattern(v: &Value) -> String {
    match v {
        Value::String(s) | Value::Number(s) => s.clone(),
        Value::Fn(f) => match f.as_ref() {
            Intrinsic::Sub { template, .. } => {
                let mut out = String::new();
                let mut rest = template.as_str();
                while let Some(i) = rest.find("${") {
                    out.push_str(&rest[..i]);
                    match rest[i + 2..].find('}') {
                        Some(j) if !rest[i + 2..].starts_with('!') => {
                            out.push('*');
                            rest = &rest[i + 2 + j + 1..];
                        }
                        _ => {
                            out.push_str("${");
                            rest = &rest[i + 2..];
                        }
                    }
                }
                out.push_str(rest);
                out
            }
            Intrinsic::Join { delimiter, values: Value::List(parts) } => {
                parts.iter().map(pattern).collect::<Vec<_>>().join(delimiter)
            }
            _ => "*".to_string(),
        },
        _ => "*".to_string(),
    }
}

/// Whether two patterns can name the same export.
pub fn may_match(a: &str, b: &str) -> bool {
    fn go(a: &[u8], b: &[u8], budget: &mut u32) -> bool {
        if *budget == 0 {
            return true;
        }
        *budget -= 1;
        match (a.first(), b.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&a[1..], b, budget) || (!b.is_empty() && go(a, &b[1..], budget)),
            (_, Some(b'*')) => go(a, &b[1..], budget) || (!a.is_empty() && go(&a[1..], b, budget)),
            (Some(x), Some(y)) if x == y => go(&a[1..], &b[1..], budget),
            _ => false,
        }
    }
    go(a.as_bytes(), b.as_bytes(), &mut 100_000)
}

fn exports(t: &Template) -> BTreeMap<String, Value> {
    t.outputs.iter().filter_map(|(id, o)| o.export_name.clone().map(|n| (id.clone(), n))).collect()
}

/// Every `Fn::ImportValue` in a template: (logical id of the resource or output, name).
fn imports(t: &Template) -> Vec<(String, Value)> {
    fn walk(v: &Value, at: &str, out: &mut Vec<(String, Value)>) {
        match v {
            Value::List(l) => l.iter().for_each(|x| walk(x, at, out)),
            Value::Map(m) => m.values().for_each(|x| walk(x, at, out)),
            Value::Fn(f) => {
                if let Intrinsic::ImportValue(name) = f.as_ref() {
                    out.push((at.to_string(), name.clone()));
                }
                walk(&f.argument(), at, out);
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (id, r) in &t.resources {
        walk(&r.to_value(), id, &mut out);
    }
    for (id, o) in &t.outputs {
        walk(&o.value, id, &mut out);
    }
    out
}

/// Every interface change of the app, templates in `order`.
pub fn analyse(old: &Set, new: &Set, order: &[String]) -> Vec<InterfaceChange> {
    let empty = Template::default();
    let new_exports: Vec<String> =
        new.values().flat_map(|e| exports(&e.template).into_values()).map(|v| pattern(&v)).collect();
    let importers: Vec<(String, String, String)> = new
        .iter()
        .flat_map(|(name, e)| imports(&e.template).into_iter().map(move |(at, v)| (name.clone(), at, pattern(&v))))
        .collect();
    let users = |gone: &str| -> Vec<String> {
        if new_exports.iter().any(|e| e == gone) {
            return Vec::new();
        }
        let mut list: Vec<String> = importers
            .iter()
            .filter(|(_, _, imp)| may_match(imp, gone) && !new_exports.iter().any(|e| e == imp))
            .map(|(t, at, _)| format!("{t}/{at}"))
            .collect();
        list.dedup();
        list
    };
    let mut out = Vec::new();
    for name in order {
        let a = old.get(name).map_or(&empty, |e| &e.template);
        let b = new.get(name).map_or(&empty, |e| &e.template);
        let mut push = |kind, n: &str, change, detail: String, imported_by| {
            out.push(InterfaceChange { template: name.clone(), kind, name: n.to_string(), change, detail, imported_by })
        };
        for (p, def) in &a.parameters {
            match b.parameters.get(p) {
                None => push("parameter", p, "removed", String::new(), Vec::new()),
                Some(now) => {
                    let (x, y) = (def.attributes.get("Default"), now.attributes.get("Default"));
                    let same = match (x, y) {
                        (Some(x), Some(y)) => semantic_eq(x, y),
                        (None, None) => true,
                        _ => false,
                    };
                    if !same {
                        let show = |v: Option<&Value>| v.map(inline).unwrap_or_else(|| "(none)".into());
                        push("parameter", p, "default changed", format!("{} → {}", show(x), show(y)), Vec::new());
                    }
                }
            }
        }
        for (p, def) in b.parameters.iter().filter(|(p, _)| !a.parameters.contains_key(*p)) {
            let detail = match def.attributes.get("Default") {
                Some(d) => format!("{} (default {})", def.type_, inline(d)),
                None => format!("{} (required: no default)", def.type_),
            };
            push("parameter", p, "added", detail, Vec::new());
        }
        for o in a.outputs.keys().filter(|o| !b.outputs.contains_key(*o)) {
            push("output", o, "removed", String::new(), Vec::new());
        }
        for o in b.outputs.keys().filter(|o| !a.outputs.contains_key(*o)) {
            push("output", o, "added", String::new(), Vec::new());
        }
        let (ea, eb) = (exports(a), exports(b));
        for (o, n) in &ea {
            match eb.get(o) {
                None => push("export", o, "removed", inline(n), users(&pattern(n))),
                Some(m) if !semantic_eq(n, m) => {
                    push("export", o, "renamed", format!("{} → {}", inline(n), inline(m)), users(&pattern(n)))
                }
                Some(_) => {}
            }
        }
        for (o, n) in eb.iter().filter(|(o, _)| !ea.contains_key(*o)) {
            push("export", o, "added", inline(n), Vec::new());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sds_constructs::cfn::sub;

    #[test]
    fn sub_variables_match_anything() {
        assert_eq!(pattern(&sub("ds-vpc-${Name}")), "ds-vpc-*");
        assert!(may_match("ds-vpc-*", "ds-vpc-*"));
        assert!(may_match("ds-vpc-*", "ds-vpc-prod"));
        assert!(!may_match("ds-vpc-*", "ds-subnet1-*"));
    }
}
