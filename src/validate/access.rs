//! The access invariants of `sds access` as validation findings: on an app whose root launches
//! products per team (the platform, or anything built like it), every violation is a finding of
//! its rule, placed on the principal that reaches too far (its template and logical id), with
//! the path that lets it.

use std::collections::{HashMap, HashSet};

use sds_constructs::access::{has_teams, launches_for, root, violations, AccessConfig, DEFAULT_ROOT};
use sds_constructs::cfn::template::pointer_segment;
use sds_constructs::cfn::{Template, Value};
use sds_constructs::iam::Decision;

use super::{Input, Sink};

pub(super) fn check(inputs: &[Input], config: &AccessConfig, sink: &mut Sink) {
    let templates = app_of(inputs);
    let Ok(root) = root(&templates) else { return };
    if !has_teams(&launches_for(&templates, &root, &config.teams)) && config.denials.is_empty() {
        return;
    }
    let a = violations(&templates, &root, config);
    for v in &a.violations {
        // An assertion that matches no principal is about the configuration: it is placed on the root.
        let (file, logical_id) = match v.principal {
            Some(p) => (a.graph.principals[p].origin.file.as_str(), a.graph.principals[p].origin.logical_id.as_str()),
            None => (root.as_str(), ""),
        };
        let pointer =
            if logical_id.is_empty() { String::new() } else { format!("/Resources/{}", pointer_segment(logical_id)) };
        let when = match &v.decision {
            Decision::Conditional(keys) => {
                format!(" (conditional on {})", keys.iter().cloned().collect::<Vec<_>>().join(", "))
            }
            _ => String::new(),
        };
        sink.push(v.rule, file, &pointer, format!("{}{when}", v.message));
    }
}

/// The templates the analysis reads: with the platform's root among the inputs, the root and
/// what it nests or offers (not, say, a thousand team stacks, which launch products and declare
/// no principal); otherwise all of them.
fn app_of<'a>(inputs: &'a [Input]) -> Vec<(String, &'a Template)> {
    let borrowed = |i: &'a Input| (i.name.clone(), &*i.template);
    let by_name: HashMap<&str, &Input> = inputs.iter().map(|i| (i.name.as_str(), i)).collect();
    let Some(root) = by_name.get(DEFAULT_ROOT) else { return inputs.iter().map(borrowed).collect() };
    let mut seen: HashSet<&str> = HashSet::from([DEFAULT_ROOT]);
    let mut todo = vec![*root];
    let mut out = Vec::new();
    while let Some(input) = todo.pop() {
        out.push(borrowed(input));
        let mut urls = Vec::new();
        for r in input.template.resources.values() {
            urls.extend(r.properties.get("TemplateURL"));
            if let Some(Value::List(artifacts)) = r.properties.get("ProvisioningArtifactParameters") {
                let info =
                    artifacts.iter().filter_map(|a| a.as_map()?.get("Info")?.as_map()?.get("LoadTemplateFromURL"));
                urls.extend(info);
            }
        }
        for url in urls {
            let Value::String(url) = url else { continue };
            let Some(file) = url.rsplit('/').next() else { continue };
            if let Some(next) = by_name.get(file) {
                if seen.insert(next.name.as_str()) {
                    todo.push(next);
                }
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}
