//! The access invariants of `sds access` as validation findings: on an app whose root launches
//! products per team (the platform, or anything built like it), every violation is a finding of
//! its rule, placed on the principal that reaches too far (its template and logical id), with
//! the path that lets it.

use sds_constructs::access::{analyze_with, has_teams, launches_for, root, AccessConfig};
use sds_constructs::cfn::template::pointer_segment;
use sds_constructs::cfn::Template;
use sds_constructs::iam::Decision;

use super::{Input, Sink};

pub(super) fn check(inputs: &[Input], config: &AccessConfig, sink: &mut Sink) {
    let templates: Vec<(String, Template)> =
        inputs.iter().map(|i| (i.name.clone(), Template::clone(&i.template))).collect();
    let Ok(root) = root(&templates) else { return };
    if !has_teams(&launches_for(&templates, &root, &config.teams)) && config.denials.is_empty() {
        return;
    }
    let a = analyze_with(&templates, &root, config);
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
