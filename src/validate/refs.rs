//! Checks inside one template: every reference resolves, `Fn::GetAtt` names an attribute the
//! type has, resources do not depend on each other in a cycle, nor conditions, and every parameter
//! is used.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use sds_constructs::cfn::template::pointer_segment;
use sds_constructs::cfn::{Intrinsic, Template, Value};
use sds_constructs::stack::{check_references, sub_variables, visit};

use super::schema::{is_custom, Schemas};
use super::Sink;

/// `declared_elsewhere`: whether an undeclared name may be declared by a macro sds does not expand
/// (SAM's generated `ServerlessRestApi`, `<Function>Role`; anything, under a template's own macro).
pub fn check(
    name: &str,
    t: &Template,
    schemas: &mut Schemas,
    sink: &mut Sink,
    declared_elsewhere: &dyn Fn(&str) -> bool,
) {
    let mut missing = Vec::new();
    check_references(t, &mut missing);
    for (place, target) in missing.into_iter().filter(|(_, target)| !declared_elsewhere(target)) {
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
        // A stack's (or a provisioned product's stack's) outputs are `Outputs.<key>`.
        let stack_like = matches!(
            target.type_.as_str(),
            "AWS::CloudFormation::Stack" | "AWS::ServiceCatalog::CloudFormationProvisionedProduct"
        );
        if stack_like && attribute.starts_with("Outputs.") || is_custom(&target.type_) {
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
        // SAM moves what a serverless resource's events, deployment preference and connectors
        // refer to onto the resources it generates (permissions, event source mappings, a
        // CodeDeploy deployment group): the serverless resource itself does not depend on them.
        // See: https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-generated-resources.html
        let generated = |k: &str| {
            r.type_.starts_with("AWS::Serverless::") && matches!(k, "Events" | "DeploymentPreference" | "Connectors")
        };
        let values = r.properties.iter().filter(|(k, _)| !generated(k)).map(|(_, v)| v).chain(r.attributes.values());
        for v in values {
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

/// At most this many cycles of one graph are reported...
const MAX_CYCLES: usize = 100;
/// ...and the search stops once the cycles it met have this many nodes in all, so that a graph
/// with many long cycles costs neither quadratic time nor memory.
const CYCLE_WORK: usize = 1_000_000;
/// Cycles and member lists longer than this are shown by their ends.
const SHOWN: usize = 20;

/// The cycles [`find_cycles`] found, and whether it stopped before looking at every edge.
pub struct Cycles<'a> {
    pub found: Vec<Vec<&'a str>>,
    pub truncated: bool,
}

/// Every cycle of a graph (node → nodes it points at), each once whatever node it is entered
/// from: the path from its first node back to it (`[A, B, A]`; a self-reference is `[A, A]`).
/// Depth-first with an explicit stack (a chain of 100,000 resources is no deeper for it), and
/// bounded by [`MAX_CYCLES`] and [`CYCLE_WORK`].
pub fn find_cycles<'a>(graph: &'a BTreeMap<&'a str, BTreeSet<String>>) -> Cycles<'a> {
    let mut out = Cycles { found: Vec::new(), truncated: false };
    // node → its index in `stack` while it is on the current path; nodes fully explored
    let mut on_path: HashMap<&'a str, usize> = HashMap::new();
    let mut done: HashSet<&'a str> = HashSet::new();
    let mut reported: HashSet<Vec<&'a str>> = HashSet::new();
    let mut work = 0;
    for (root, deps) in graph {
        if done.contains(root) {
            continue;
        }
        // the current path: each node with the dependencies it has yet to follow
        let mut stack: Vec<(&'a str, std::collections::btree_set::Iter<'a, String>)> = vec![(root, deps.iter())];
        on_path.insert(root, 0);
        while let Some((n, deps)) = stack.last_mut() {
            let n = *n;
            let Some(d) = deps.next() else {
                on_path.remove(n);
                done.insert(n);
                stack.pop();
                continue;
            };
            let d = d.as_str();
            if let Some(&start) = on_path.get(d) {
                work += stack.len() - start;
                if work > CYCLE_WORK {
                    out.truncated = true;
                    return out;
                }
                let mut cycle: Vec<&'a str> = stack[start..].iter().map(|(p, _)| *p).collect();
                let mut key = cycle.clone();
                key.sort_unstable();
                if reported.insert(key) {
                    if out.found.len() == MAX_CYCLES {
                        out.truncated = true;
                        return out;
                    }
                    cycle.push(cycle[0]);
                    out.found.push(cycle);
                }
            } else if !done.contains(d) {
                if let Some((k, deps)) = graph.get_key_value(d) {
                    on_path.insert(k, stack.len());
                    stack.push((k, deps.iter()));
                }
            }
        }
    }
    out
}

/// `items` joined by `separator`, or, when there are more than [`SHOWN`], the first and last few
/// around how many are left out.
pub fn shown(items: &[&str], separator: &str) -> String {
    if items.len() <= SHOWN {
        return items.join(separator);
    }
    let half = SHOWN / 2;
    let more = items.len() - 2 * half;
    format!(
        "{}{separator}… {more} more …{separator}{}",
        items[..half].join(separator),
        items[items.len() - half..].join(separator)
    )
}

/// A finding saying the cycle search stopped early, when it did.
fn more_cycles(cycles: &Cycles, rule: &'static str, name: &str, section: &str, sink: &mut Sink) {
    if cycles.truncated {
        sink.push(
            rule,
            name,
            &format!("/{section}"),
            format!(
                "there are more cycles than the {} reported (the search stops at {MAX_CYCLES}, or at {CYCLE_WORK} nodes along them)",
                cycles.found.len()
            ),
        );
    }
}

fn cycles(name: &str, t: &Template, sink: &mut Sink) {
    let graph = dependencies(t);
    let cycles = find_cycles(&graph);
    for cycle in &cycles.found {
        sink.push(
            "ref/cycle",
            name,
            &format!("/Resources/{}", cycle[0]),
            format!("circular dependency: {}", shown(cycle, " → ")),
        );
    }
    more_cycles(&cycles, "ref/cycle", name, "Resources", sink);
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
    let cycles = find_cycles(&graph);
    for cycle in &cycles.found {
        let message = match &cycle[..cycle.len() - 1] {
            [one] => format!("condition {one} refers to itself"),
            members => {
                format!("conditions {} refer to each other in a cycle: {}", shown(members, ", "), shown(cycle, " → "))
            }
        };
        sink.push("ref/condition-cycle", name, &format!("/Conditions/{}", pointer_segment(cycle[0])), message);
    }
    more_cycles(&cycles, "ref/condition-cycle", name, "Conditions", sink);
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
    // Loops as written: their collections (`!Ref Names`) and what they make.
    let loops = t.resource_loops.values().chain(t.output_loops.values());
    t.conditions.values().chain(t.rules.values()).chain(t.metadata.values()).chain(loops).for_each(&mut mark);
    // A macro may use any parameter (SAM's Globals, a template's own macro).
    t.globals.values().for_each(&mut mark);
    t.hooks.values().for_each(&mut mark);
    for p in t.parameters.keys().filter(|p| !used.contains(*p)) {
        sink.push("ref/unused-parameter", name, &format!("/Parameters/{p}"), format!("parameter {p} is not used"));
    }
}
