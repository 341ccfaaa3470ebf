//! Checks inside one template: every reference resolves, `Fn::GetAtt` names an attribute the
//! type has, resources do not depend on each other in a cycle, nor conditions, and every parameter
//! is used.

use std::collections::{BTreeMap, BTreeSet};

use sds_constructs::cfn::template::pointer_segment;
use sds_constructs::cfn::{Intrinsic, Template, Value};
use sds_constructs::stack::{check_references, sub_variables, visit};

use super::schema::{is_custom, Schemas};
use super::Sink;

pub fn check(name: &str, t: &Template, schemas: &mut Schemas, sink: &mut Sink) {
    let mut missing = Vec::new();
    check_references(t, &mut missing);
    for (place, target) in missing {
        sink.push(
            "ref/undefined",
            name,
            &format!("/{place}"),
            format!("{place} refers to {target}, which is not declared"),
        );
    }
    attributes(name, t, schemas, sink);
    cycles(name, t, sink);
    condition_cycles(name, t, sink);
    unused_parameters(name, t, sink);
}

/// Every value of a resource: properties and other attributes.
fn resource_values(r: &sds_constructs::cfn::Resource) -> impl Iterator<Item = &Value> {
    r.properties.values().chain(r.attributes.values())
}

fn attributes(name: &str, t: &Template, schemas: &mut Schemas, sink: &mut Sink) {
    let mut seen = BTreeSet::new();
    let mut check = |place: String, resource: &str, attribute: &str, sink: &mut Sink| {
        let Some(target) = t.resources.get(resource) else { return };
        if target.type_ == "AWS::CloudFormation::Stack" && attribute.starts_with("Outputs.") || is_custom(&target.type_)
        {
            return;
        }
        if schemas.has_attribute(&target.type_, attribute) != Some(false) {
            return;
        }
        let read_only = schemas.read_only(&target.type_).unwrap_or_default();
        if seen.insert((place.clone(), resource.to_string(), attribute.to_string())) {
            let known: Vec<&str> = read_only.iter().filter_map(|p| p.strip_prefix("/properties/")).collect();
            sink.push(
                "ref/attribute",
                name,
                &place,
                format!("{resource} ({}) has no attribute {attribute} (it has {})", target.type_, known.join(", ")),
            );
        }
    };
    for (place, v) in super::value_places(t) {
        let mut found = Vec::new();
        visit(v, &mut |f| match f {
            Intrinsic::GetAtt { resource, attribute: Value::String(a) } => found.push((resource.clone(), a.clone())),
            Intrinsic::Sub { template, variables } => {
                for var in sub_variables(template) {
                    let bound = variables.as_ref().is_some_and(|vs| vs.contains_key(&var));
                    if let (false, Some((r, a))) = (bound, var.split_once('.')) {
                        found.push((r.to_string(), a.to_string()));
                    }
                }
            }
            _ => {}
        });
        for (r, a) in found {
            check(place.clone(), &r, &a, sink);
        }
    }
}

/// Resources each resource depends on: DependsOn, Ref, Fn::GetAtt and Fn::Sub variables.
pub fn dependencies(t: &Template) -> BTreeMap<&str, BTreeSet<String>> {
    let mut deps = BTreeMap::new();
    for (id, r) in &t.resources {
        let mut d: BTreeSet<String> = r.depends_on.iter().cloned().collect();
        for v in resource_values(r) {
            visit(v, &mut |f| match f {
                Intrinsic::Ref(n) => {
                    d.insert(n.clone());
                }
                Intrinsic::GetAtt { resource, .. } => {
                    d.insert(resource.clone());
                }
                Intrinsic::Sub { template, .. } => {
                    d.extend(sub_variables(template).iter().map(|v| v.split('.').next().unwrap_or(v).to_string()));
                }
                _ => {}
            });
        }
        d.retain(|n| t.resources.contains_key(n));
        deps.insert(id.as_str(), d);
    }
    deps
}

/// Every cycle of a graph (node → nodes it points at), each once whatever node it is entered
/// from: the path from its first node back to it (`[A, B, A]`; a self-reference is `[A, A]`).
pub fn find_cycles(graph: &BTreeMap<&str, BTreeSet<String>>) -> Vec<Vec<String>> {
    // 0 = unvisited, 1 = on the stack, 2 = done
    fn dfs<'a>(
        n: &'a str,
        graph: &'a BTreeMap<&str, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, u8>,
        path: &mut Vec<&'a str>,
        found: &mut Vec<Vec<String>>,
    ) {
        state.insert(n, 1);
        path.push(n);
        for d in graph.get(n).into_iter().flatten() {
            let d = d.as_str();
            match state.get(d).copied().unwrap_or(0) {
                0 => {
                    if let Some((k, _)) = graph.get_key_value(d) {
                        dfs(k, graph, state, path, found);
                    }
                }
                1 => {
                    let start = path.iter().position(|p| *p == d).unwrap_or(0);
                    let mut cycle: Vec<String> = path[start..].iter().map(|s| s.to_string()).collect();
                    cycle.push(d.to_string());
                    found.push(cycle);
                }
                _ => {}
            }
        }
        path.pop();
        state.insert(n, 2);
    }
    let mut state: BTreeMap<&str, u8> = BTreeMap::new();
    let mut found = Vec::new();
    for n in graph.keys() {
        if state.get(n).copied().unwrap_or(0) == 0 {
            dfs(n, graph, &mut state, &mut Vec::new(), &mut found);
        }
    }
    let mut reported = BTreeSet::new();
    found.retain(|cycle| {
        let mut key: Vec<String> = cycle[..cycle.len() - 1].to_vec();
        key.sort();
        reported.insert(key)
    });
    found
}

fn cycles(name: &str, t: &Template, sink: &mut Sink) {
    for cycle in find_cycles(&dependencies(t)) {
        sink.push(
            "ref/cycle",
            name,
            &format!("/Resources/{}", cycle[0]),
            format!("circular dependency: {}", cycle.join(" → ")),
        );
    }
}

/// Conditions that name each other through `Condition` (inside `Fn::And`, `Fn::Or`, `Fn::Not`)
/// or `Fn::If`: CloudFormation cannot evaluate them.
fn condition_cycles(name: &str, t: &Template, sink: &mut Sink) {
    let mut graph: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (c, v) in &t.conditions {
        let mut uses = BTreeSet::new();
        visit(v, &mut |f| match f {
            Intrinsic::Condition(n) | Intrinsic::If { condition: n, .. } if t.conditions.contains_key(n) => {
                uses.insert(n.clone());
            }
            _ => {}
        });
        graph.insert(c.as_str(), uses);
    }
    for cycle in find_cycles(&graph) {
        let message = match &cycle[..cycle.len() - 1] {
            [one] => format!("condition {one} refers to itself"),
            members => {
                format!("conditions {} refer to each other in a cycle: {}", members.join(", "), cycle.join(" → "))
            }
        };
        sink.push("ref/condition-cycle", name, &format!("/Conditions/{}", pointer_segment(&cycle[0])), message);
    }
}

fn unused_parameters(name: &str, t: &Template, sink: &mut Sink) {
    let mut used = BTreeSet::new();
    let mut mark = |v: &Value| {
        visit(v, &mut |f| match f {
            Intrinsic::Ref(n) => {
                used.insert(n.clone());
            }
            Intrinsic::Sub { template, .. } => {
                used.extend(sub_variables(template));
            }
            _ => {}
        })
    };
    for r in t.resources.values() {
        resource_values(r).for_each(&mut mark);
    }
    for o in t.outputs.values() {
        mark(&o.value);
        if let Some(e) = &o.export_name {
            mark(e);
        }
    }
    t.conditions.values().chain(t.rules.values()).chain(t.metadata.values()).for_each(&mut mark);
    for p in t.parameters.keys().filter(|p| !used.contains(*p)) {
        sink.push("ref/unused-parameter", name, &format!("/Parameters/{p}"), format!("parameter {p} is not used"));
    }
}
