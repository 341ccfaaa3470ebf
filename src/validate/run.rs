//! Running a validation: the access analysis of each app and each template's own checks are
//! independent jobs, run on the machine's cores ([`crate::par`]), each with its own findings,
//! merged in the jobs' order and then sorted, so the report is the same whatever the number of
//! workers. Several apps (the two sides of a review) are validated as one list of jobs, and a job
//! whose templates are unchanged from the first app's is run once.

use std::collections::{BTreeMap, HashMap};

use sds_constructs::access::AccessConfig;
use sds_constructs::cfn::template::pointer_segment;
use sds_constructs::cfn::Map;
use sds_constructs::config::Suppression;

use super::eval::Ctx;
use super::schema::{is_custom, Schemas};
use super::{
    access, app, context, functions, limits, parents, prepare, refs, sam, security, structure, transforms, types,
    Finding, Input, Report, Sink,
};

/// One job: the access analysis of app `.0`, or the checks of one of its templates.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Job {
    Access(usize),
    Template(usize, usize),
}

/// The names of template `i` and of the ancestors [`context`] reads parameters from.
fn chain(i: usize, inputs: &[Input], parents: &BTreeMap<&str, (usize, &Map)>) -> Vec<String> {
    let mut out = vec![inputs[i].name.clone()];
    let mut at = i;
    while let Some(&(p, _)) = parents.get(inputs[at].name.as_str()) {
        // `context` follows at most 8 parents, and never a template to itself.
        if out.len() > 8 || p == at {
            break;
        }
        out.push(inputs[p].name.clone());
        at = p;
    }
    out
}

/// Validates each of `apps` (each as one app) on `workers` threads. A job of a later app whose
/// templates are all `unchanged` and named as in the first app (the same template and ancestors;
/// for the access analysis, the same templates) takes the first app's findings.
pub(super) fn validate_on(
    apps: &[&[Input]],
    suppressions: &[Suppression],
    access: &AccessConfig,
    unchanged: &(dyn Fn(&str) -> bool + Sync),
    workers: usize,
) -> Vec<Report> {
    let mut sinks: Vec<Sink> = apps.iter().map(|_| Sink::default()).collect();
    let expanded: Vec<Option<Vec<Input>>> = apps.iter().zip(&mut sinks).map(|(a, sink)| prepare(a, sink)).collect();
    let inputs: Vec<&[Input]> = apps.iter().zip(&expanded).map(|(a, x)| x.as_deref().unwrap_or(a)).collect();
    let parents: Vec<_> = inputs.iter().map(|i| parents(i)).collect();
    let names: Vec<Vec<String>> = inputs.iter().map(|i| i.iter().map(|i| i.name.clone()).collect()).collect();
    let chains: Vec<Vec<Vec<String>>> =
        inputs.iter().zip(&parents).map(|(i, p)| (0..i.len()).map(|t| chain(t, i, p)).collect()).collect();
    // The first app's job whose findings a job takes, if it is one of a later app's.
    let first: HashMap<&str, usize> =
        names.first().map_or_else(HashMap::new, |n| n.iter().enumerate().rev().map(|(i, n)| (n.as_str(), i)).collect());
    let copy_of = |job: Job| -> Option<Job> {
        match job {
            Job::Access(k) if k > 0 => {
                (names[k] == names[0] && names[k].iter().all(|n| unchanged(n))).then_some(Job::Access(0))
            }
            Job::Template(k, i) if k > 0 => {
                let i0 = *first.get(inputs[k][i].name.as_str())?;
                (chains[k][i] == chains[0][i0] && chains[k][i].iter().all(|n| unchanged(n)))
                    .then_some(Job::Template(0, i0))
            }
            _ => None,
        }
    };
    // The access analyses first: they are the longest jobs.
    let all: Vec<Job> = (0..apps.len())
        .map(Job::Access)
        .chain((0..apps.len()).flat_map(|k| (0..inputs[k].len()).map(move |i| Job::Template(k, i))))
        .collect();
    let run: Vec<Job> = all.iter().copied().filter(|j| copy_of(*j).is_none()).collect();
    let done = crate::par::map_with(
        &run,
        workers,
        || (Schemas::default(), security::Catalog::default()),
        |(schemas, catalog), job| {
            let mut sink = Sink::default();
            match *job {
                Job::Access(k) => access::check(inputs[k], access, &mut sink),
                Job::Template(k, i) => {
                    let ctx = context(i, inputs[k], &parents[k], 0);
                    check_template(&inputs[k][i], &apps[k][i], &ctx, schemas, catalog, &mut sink);
                }
            }
            sink.findings
        },
    );
    let done: HashMap<Job, Vec<Finding>> = run.into_iter().zip(done).collect();
    for job in all {
        let k = match job {
            Job::Access(k) | Job::Template(k, _) => k,
        };
        if let Some(findings) = done.get(&copy_of(job).unwrap_or(job)) {
            sinks[k].extend(findings.iter().cloned());
        }
    }
    let mut reports = Vec::new();
    for (k, mut sink) in sinks.into_iter().enumerate() {
        let contexts: Vec<Ctx> = (0..inputs[k].len()).map(|i| context(i, inputs[k], &parents[k], 0)).collect();
        app::check(inputs[k], &contexts, &mut sink);
        reports.push(super::report(inputs[k], sink.findings, suppressions));
    }
    reports
}

/// The checks of one template on its own (with its parents' parameters): transforms, resource
/// schemas, structure, functions, references, limits and the security rules. `original` is the
/// template as written, before `Fn::ForEach` loops were expanded.
fn check_template(
    input: &Input,
    original: &Input,
    ctx: &Ctx,
    schemas: &mut Schemas,
    catalog: &mut security::Catalog,
    sink: &mut Sink,
) {
    let (name, t) = (input.name.as_str(), &input.template);
    let types: BTreeMap<String, String> = t.resources.iter().map(|(id, r)| (id.clone(), r.type_.clone())).collect();
    let transforms = transforms::declared(t);
    let own_macro = transforms.others.iter().any(|m| !m.starts_with("AWS::"));
    transforms::note(name, &transforms, t, sink);
    transforms::unknown_functions(name, &transforms, t, &original.template, sink);
    for (id, r) in &t.resources {
        if is_custom(&r.type_) {
            if !r.properties.contains_key("ServiceToken") {
                sink.push(
                    "schema/custom-service-token",
                    name,
                    &format!("/Resources/{}/Properties", pointer_segment(id)),
                    format!("custom resource {id} ({}) has no ServiceToken", r.type_),
                );
            }
            continue;
        }
        if !schemas.knows(&r.type_) {
            types::unknown(name, id, &r.type_, &transforms, sink);
            continue;
        }
        if r.attributes.contains_key("Properties") {
            // `Properties: !If [...]`: which properties the resource gets is decided at deployment.
            continue;
        }
        for v in schemas.check(r, ctx, &types) {
            let pointer = format!("/Resources/{id}/Properties{}", v.pointer);
            let name_rule = matches!(v.keyword.as_str(), "maxLength" | "minLength" | "lazyPattern");
            let (rule, message) = match v.evaluated {
                Some(expr) if name_rule => {
                    ("limit/name", format!("{expr} evaluates to a value that breaks the rule: {}", v.message))
                }
                Some(expr) => ("schema/property", format!("{expr}: {}", v.message)),
                None => ("schema/property", v.message),
            };
            // A macro of the template's own (not AWS's) may rewrite any value before CloudFormation
            // checks it (`RetentionInDays: "!Explode Retention"`).
            if v.provisional || own_macro {
                sink.push_provisional(rule, name, &pointer, message);
            } else {
                sink.push(rule, name, &pointer, message);
            }
        }
    }
    structure::check(name, t, ctx, sink);
    if let Some(map) = &original.source_map {
        structure::boolean_keys(name, map, sink);
        structure::aliases(name, map, sink);
    }
    functions::check(name, t, ctx, sink);
    // Modules (`Type: Org::Thing::MODULE`) declare resources named after the module's id.
    let modules = t.resources.values().any(|r| r.type_.ends_with("::MODULE"));
    // SAM declares the names it generates; another macro or a module may declare anything.
    let any = !transforms.others.is_empty() || modules;
    let sam = transforms.sam.then(|| sam::Generated::new(t));
    let declared_elsewhere = |n: &str| any || sam.as_ref().is_some_and(|g| g.contains(n));
    refs::check(name, t, schemas, sink, &declared_elsewhere);
    limits::check(input, ctx, schemas, sink);
    security::check(name, t, catalog, sink);
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn inputs(dir: &str) -> Vec<Input> {
        crate::files::load_paths(&[dir.into()])
            .unwrap()
            .into_iter()
            .map(|l| Input {
                name: crate::files::file_name(&l.path),
                body_len: l.text.len(),
                display: l.path.display().to_string(),
                template: Arc::new(l.parsed.template),
                source_map: Some(l.parsed.source_map),
            })
            .collect()
    }

    fn shown(r: &Report) -> String {
        format!("{:?}\n{:?}", r.findings, r.suppressed)
    }

    #[test]
    fn the_report_is_the_same_whatever_the_number_of_workers() {
        let platform = inputs("out");
        let suppressions = sds_constructs::platform::Platform::default().accepted;
        let one = validate_on(&[&platform], &suppressions, &AccessConfig::default(), &|_| false, 1);
        assert!(!one[0].findings.is_empty() && !one[0].suppressed.is_empty(), "nothing to compare");
        for workers in [2, 3, 4] {
            let many = validate_on(&[&platform], &suppressions, &AccessConfig::default(), &|_| false, workers);
            assert_eq!(shown(&many[0]), shown(&one[0]), "{workers} workers");
        }
    }

    #[test]
    fn checks_of_unchanged_templates_count_on_both_sides() {
        // The platform against the reference: some templates differ, some do not.
        let (old, new) = (inputs("out"), inputs("../shared/reference/upstream/cloudformation"));
        let alone = |i: &[Input]| validate_on(&[i], &[], &AccessConfig::default(), &|_| false, 1).remove(0);
        let (a, b) = (alone(&old), alone(&new));
        let text = |dir: &str, n: &str| std::fs::read(format!("{dir}/{n}")).ok();
        let unchanged = |n: &str| {
            text("out", n).is_some() && text("out", n) == text("../shared/reference/upstream/cloudformation", n)
        };
        let pair = validate_on(&[&old, &new], &[], &AccessConfig::default(), &unchanged, 2);
        // Locations and displayed paths differ by side: compare what was found where.
        let found =
            |r: &Report| r.findings.iter().map(|f| (f.rule, f.pointer.clone(), f.message.clone())).collect::<Vec<_>>();
        assert_eq!(found(&pair[0]), found(&a));
        assert_eq!(found(&pair[1]), found(&b));
        // Reusing a side's findings for a template that did change would be wrong: everything
        // called unchanged gives the old side's findings where the new side has others.
        let wrong = validate_on(&[&old, &new], &[], &AccessConfig::default(), &|_| true, 2);
        assert_ne!(found(&wrong[1]), found(&b), "the comparison cannot tell reuse from validation");
    }
}
