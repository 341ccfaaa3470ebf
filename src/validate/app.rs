//! Checks across the templates validated together (an app): every `Fn::ImportValue` is exported
//! by some template and no name twice; nested stacks pass the parameters their child declares and
//! read only outputs it has; Service Catalog products point at templates of the app.
//!
//! Nested stacks must not include each other in a cycle.
//!
//! Export names are compared with every `${Parameter}` as a wildcard, since parameters take their
//! values at deploy time (`ds-vpc-${SharedServiceStackSetName}` matches `ds-vpc-${StackSetName}`),
//! and, for duplicate exports, also as evaluated with default values (`!Sub ${Prefix}-x` and the
//! literal `dev-x` collide when Prefix defaults to dev).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use sds_constructs::cfn::template::pointer_segment;
use sds_constructs::cfn::{Intrinsic, Template, Value};
use sds_constructs::stack::{sub_variables, visit};

use super::eval::Ctx;
use super::refs::{find_cycles, shown};
use super::{value_places, Input, Sink};

/// An export name as a pattern: literal text with `*` for each parameter, or `None` when it cannot
/// be told before deployment.
fn name_pattern(v: &Value, t: &Template) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Fn(f) => match &**f {
            Intrinsic::Sub { template, variables: None } => {
                let vars: HashSet<String> = sub_variables(template).into_iter().collect();
                if !vars.iter().all(|var| t.parameters.contains_key(var) || var.starts_with("AWS::")) {
                    return None;
                }
                // Each `${Var}` written exactly so becomes `*`, in one pass over the text.
                let mut out = String::with_capacity(template.len());
                let mut rest = template.as_str();
                while let Some(i) = rest.find("${") {
                    out.push_str(&rest[..i]);
                    let after = &rest[i + 2..];
                    match after.find('}').filter(|j| vars.contains(&after[..*j])) {
                        Some(j) => {
                            out.push('*');
                            rest = &after[j + 1..];
                        }
                        None => {
                            out.push_str("${");
                            rest = after;
                        }
                    }
                }
                out.push_str(rest);
                Some(out)
            }
            Intrinsic::Ref(p) if t.parameters.contains_key(p) => Some("*".into()),
            _ => None,
        },
        _ => None,
    }
}

/// Parameters a nested stack does not pass that are reported one by one; more are reported
/// together.
const MAX_NEEDED: usize = 20;

/// The file name a `TemplateURL` or `LoadTemplateFromURL` names (its last path segment).
fn file_of(url: &Value) -> Option<&str> {
    url.as_str().map(|u| u.rsplit('/').next().unwrap_or(u))
}

/// Ends the message of an export name repeated by another template: a conflict only where both
/// are deployed to one account and region. Such a finding (and an import no given template
/// exports: another stack may) is provisional: the paths given are not known to be one app.
const ACROSS: &str = ", another template (a conflict where both are deployed to one account and region)";

/// `contexts[i]` evaluates `inputs[i]`.
pub fn check(inputs: &[Input], contexts: &[Ctx], sink: &mut Sink) {
    let by_name: BTreeMap<&str, &Input> = inputs.iter().map(|i| (i.name.as_str(), i)).collect();
    exports_and_imports(inputs, contexts, sink);
    for input in inputs {
        nested(input, &by_name, sink);
    }
    nested_cycles(inputs, &by_name, sink);
}

/// An output of a template: (logical id, pointer of its export name).
type Place<'a> = (&'a str, String);

fn exports_and_imports(inputs: &[Input], contexts: &[Ctx], sink: &mut Sink) {
    // pattern, and name evaluated with default values → first exporter (template, output id)
    let mut exports: HashMap<String, (String, String)> = HashMap::new();
    let mut evaluated: HashMap<String, (String, String)> = HashMap::new();
    // (template, what the output repeats, whether another template exports it first) → the
    // template's outputs that repeat it (id, pointer),
    // reported together at the first
    let mut duplicates: BTreeMap<(&str, String, bool), Vec<Place>> = BTreeMap::new();
    for (i, ctx) in inputs.iter().zip(contexts) {
        for (id, o) in &i.template.outputs {
            let Some(e) = o.export_name.as_ref() else { continue };
            let pointer = format!("/Outputs/{}/Export/Name", pointer_segment(id));
            let value = ctx.eval(e);
            let pattern = name_pattern(e, &i.template);
            let repeats = if let Some((other, other_id)) = pattern.as_ref().and_then(|p| exports.get(p)) {
                let p = pattern.as_deref().unwrap_or_default();
                let place = if *other == i.name { "" } else { ACROSS };
                Some((
                    format!("export name {p} is also exported by {other} (output {other_id}){place}"),
                    !place.is_empty(),
                ))
            } else if let Some((other, other_id)) = value.as_ref().and_then(|v| evaluated.get(v)) {
                let v = value.as_deref().unwrap_or_default();
                let place = if *other == i.name { "" } else { ACROSS };
                let message = format!(
                    "export name evaluates to {v} with default values, which {other} (output {other_id}) also exports{place}"
                );
                Some((message, !place.is_empty()))
            } else {
                None
            };
            if let Some((message, across)) = repeats {
                duplicates.entry((i.name.as_str(), message, across)).or_default().push((id.as_str(), pointer));
            }
            let first = (i.name.clone(), id.clone());
            if let Some(p) = pattern {
                exports.entry(p).or_insert_with(|| first.clone());
            }
            if let Some(v) = value {
                evaluated.entry(v).or_insert(first);
            }
        }
    }
    for ((name, message, across), outputs) in duplicates {
        let (_, pointer) = &outputs[0];
        let message = match &outputs[1..] {
            [] => message,
            more => {
                let ids: Vec<&str> = more.iter().map(|(id, _)| *id).collect();
                format!("{message}; {} more outputs of {name} export it too: {}", ids.len(), shown(&ids, ", "))
            }
        };
        if across {
            sink.push_provisional("app/duplicate-export", name, pointer, message);
        } else {
            sink.push("app/duplicate-export", name, pointer, message);
        }
    }
    if inputs.len() < 2 {
        return;
    }
    for i in inputs {
        let t = &i.template;
        for (place, v) in value_places(t) {
            let mut imports = Vec::new();
            visit(v, &mut |f| {
                if let Intrinsic::ImportValue(name) = f {
                    imports.push(name.clone());
                }
            });
            for name in imports {
                let Some(p) = name_pattern(&name, t) else { continue };
                if !exports.contains_key(&p) {
                    sink.push_provisional(
                        "app/import-unresolved",
                        &i.name,
                        &place,
                        format!("imports {p}, which no template of the app exports"),
                    );
                }
            }
        }
    }
}

fn nested(input: &Input, by_name: &BTreeMap<&str, &Input>, sink: &mut Sink) {
    let t = &input.template;
    let mut children: BTreeMap<&str, &Template> = BTreeMap::new();
    for (id, r) in &t.resources {
        let place = format!("/Resources/{id}");
        match r.type_.as_str() {
            "AWS::CloudFormation::Stack" => {
                let Some(child) = r.properties.get("TemplateURL").and_then(file_of).and_then(|f| by_name.get(f)) else {
                    continue;
                };
                children.insert(id.as_str(), &child.template);
                let passed = r.properties.get("Parameters").and_then(Value::as_map).cloned().unwrap_or_default();
                for p in passed.keys().filter(|p| !child.template.parameters.contains_key(*p)) {
                    sink.push(
                        "app/nested-parameter",
                        &input.name,
                        &format!("{place}/Properties/Parameters/{p}"),
                        format!("{} has no parameter {p}", child.name),
                    );
                }
                let needed: Vec<&str> = child
                    .template
                    .parameters
                    .iter()
                    .filter(|(p, decl)| !passed.contains_key(*p) && !decl.attributes.contains_key("Default"))
                    .map(|(p, _)| p.as_str())
                    .collect();
                let at = format!("{place}/Properties/Parameters");
                // One finding a parameter, or, past MAX_NEEDED, one for all: every stack of a
                // template nesting one child many times would otherwise repeat them all.
                if needed.len() > MAX_NEEDED {
                    let message = format!(
                        "{} needs {} parameters which have no default and are not passed: {}",
                        child.name,
                        needed.len(),
                        shown(&needed, ", ")
                    );
                    sink.push("app/nested-parameter", &input.name, &at, message);
                } else {
                    for p in needed {
                        let message =
                            format!("{} needs parameter {p}, which has no default and is not passed", child.name);
                        sink.push("app/nested-parameter", &input.name, &at, message);
                    }
                }
            }
            "AWS::ServiceCatalog::CloudFormationProduct" => {
                let artifacts = r.properties.get("ProvisioningArtifactParameters");
                for (n, a) in artifacts
                    .and_then(|a| if let Value::List(l) = a { Some(l) } else { None })
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let url = a
                        .as_map()
                        .and_then(|m| m.get("Info"))
                        .and_then(Value::as_map)
                        .and_then(|m| m.get("LoadTemplateFromURL"));
                    if let Some(file) = url.and_then(file_of) {
                        if by_name.len() > 1 && !by_name.contains_key(file) {
                            sink.push(
                                "app/product-template",
                                &input.name,
                                &format!(
                                    "{place}/Properties/ProvisioningArtifactParameters/{n}/Info/LoadTemplateFromURL"
                                ),
                                format!("{file} is not one of the templates validated with {}", input.name),
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }
    // Outputs read from children: GetAtt Stack.Outputs.X and ${Stack.Outputs.X}.
    let mut reads: Vec<(String, String, String)> = Vec::new();
    for (place, v) in value_places(t) {
        visit(v, &mut |f| match f {
            Intrinsic::GetAtt { resource, attribute: Value::String(a) } => {
                if let Some(out) = a.strip_prefix("Outputs.") {
                    reads.push((place.clone(), resource.clone(), out.to_string()));
                }
            }
            Intrinsic::Sub { template, .. } => {
                for var in sub_variables(template) {
                    if let Some((stack, out)) = var.split_once(".Outputs.") {
                        reads.push((place.clone(), stack.to_string(), out.to_string()));
                    }
                }
            }
            _ => {}
        });
    }
    for (place, stack, out) in reads {
        if let Some(child) = children.get(stack.as_str()) {
            if !child.outputs.contains_key(&out) {
                sink.push(
                    "app/nested-output",
                    &input.name,
                    &place,
                    format!("nested stack {stack} has no output {out}"),
                );
            }
        }
    }
}

/// Templates whose nested stacks lead back to themselves: each ring once, reported at the
/// `TemplateURL` by which its first template nests the next.
fn nested_cycles(inputs: &[Input], by_name: &BTreeMap<&str, &Input>, sink: &mut Sink) {
    // template → (child template → the stack resource that nests it)
    let mut edges: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
    for input in inputs {
        let children = edges.entry(input.name.as_str()).or_default();
        for (id, r) in input.template.resources.iter().filter(|(_, r)| r.type_ == "AWS::CloudFormation::Stack") {
            if let Some(child) = r.properties.get("TemplateURL").and_then(file_of).filter(|f| by_name.contains_key(f)) {
                children.entry(child).or_insert(id.as_str());
            }
        }
    }
    let graph: BTreeMap<&str, BTreeSet<String>> =
        edges.iter().map(|(t, children)| (*t, children.keys().map(|c| c.to_string()).collect())).collect();
    let cycles = find_cycles(&graph);
    for cycle in &cycles.found {
        let (first, next) = (cycle[0], cycle[1]);
        let id = edges.get(first).and_then(|c| c.get(next)).copied().unwrap_or_default();
        sink.push(
            "app/nested-cycle",
            first,
            &format!("/Resources/{}/Properties/TemplateURL", pointer_segment(id)),
            format!("nested stacks include each other in a cycle: {}", shown(cycle, " → ")),
        );
    }
}
