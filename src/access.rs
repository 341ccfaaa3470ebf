//! `sds access`: who can reach what in an app (the synthesized platform, or templates given as
//! paths), from `sds_constructs::access`; the report as JSON, or rendered for people (terminal or
//! markdown) with the minijinja templates in `templates/`, embedded in the binary.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use serde_json::{json, Value as J};

use sds_constructs::access::graph::{Graph, Kind, Origin};
use sds_constructs::access::invariants::{Target, Violation, RULES};
use sds_constructs::access::matrix::{explain, Level};
use sds_constructs::access::{analyze_full, analyze_with, symmetry, AccessConfig, Analysis};
use sds_constructs::cfn::{read_template, Format, SourceMap, Template};
use sds_constructs::config::Suppression;
use sds_constructs::construct::App;
use sds_constructs::iam::{Decision, Effect};

use crate::cli::{AccessArgs, AccessFormat};
use crate::{files, PlatformFn};

const HUMAN: &str = include_str!("../templates/access.txt.j2");
const MARKDOWN: &str = include_str!("../templates/access.md.j2");
const EXPLAIN: &str = include_str!("../templates/access_explain.txt.j2");

/// The templates to analyze, where their lines come from for explanations, and what the
/// configuration says of them.
struct Loaded {
    templates: Vec<(String, Template)>,
    /// Source maps of templates read from files.
    maps: BTreeMap<String, SourceMap>,
    /// The platform was synthesized: its source maps are made only when `--explain` needs
    /// lines, from the text `sds synth` writes.
    synthesized: bool,
    /// The configuration's suppressions and the platform's accepted findings.
    suppressions: Vec<Suppression>,
    access: AccessConfig,
}

impl Loaded {
    fn maps(&self) -> anyhow::Result<BTreeMap<String, SourceMap>> {
        let mut maps = self.maps.clone();
        if self.synthesized {
            let app = App { templates: self.templates.clone(), accepted: Vec::new() };
            for (name, text) in crate::synth::render(&app) {
                let parsed = read_template(&text, &name, Format::Yaml).with_context(|| format!("re-reading {name}"))?;
                maps.insert(name, parsed.source_map);
            }
        }
        Ok(maps)
    }
}

/// The app (the synthesized platform, or the templates at the paths) and the configuration's
/// suppressions and assertions. The platform's accepted findings apply to its templates however
/// they are given (they match by file name and logical id).
fn templates(args: &AccessArgs, platform: PlatformFn) -> anyhow::Result<Loaded> {
    let config = crate::synth::load_config(args.config.as_deref())?;
    crate::validate::refuse_unknown_suppressions(&config.suppressions)?;
    let suppressions = [config.suppressions.clone(), platform(&config).accepted].concat();
    let mut out = Loaded {
        templates: Vec::new(),
        maps: BTreeMap::new(),
        synthesized: args.paths.is_empty(),
        suppressions,
        access: AccessConfig::from_config(&config),
    };
    if args.paths.is_empty() {
        out.templates = crate::synth::build(&config, platform)?.templates;
        return Ok(out);
    }
    for l in files::load_paths(&args.paths)? {
        let name = files::file_name(&l.path);
        if out.maps.contains_key(&name) {
            bail!("two templates are named {name}: analyze them separately");
        }
        out.maps.insert(name.clone(), l.parsed.source_map);
        out.templates.push((name, l.parsed.template));
    }
    Ok(out)
}

/// The root: as given, else the app's own (see [`sds_constructs::access::root`]).
fn root(args: &AccessArgs, templates: &[(String, Template)]) -> anyhow::Result<String> {
    if let Some(r) = &args.root {
        if !templates.iter().any(|(n, _)| n == r) {
            let names: Vec<&str> = templates.iter().map(|(n, _)| n.as_str()).collect();
            bail!("--root {r}: no such template (have: {})", names.join(", "));
        }
        return Ok(r.clone());
    }
    sds_constructs::access::root(templates).map_err(|roots| {
        anyhow::anyhow!("several templates could be the root ({}): say which with --root", roots.join(", "))
    })
}

fn decision(d: &Decision) -> (&'static str, Vec<String>) {
    match d {
        Decision::Allow => ("allow", Vec::new()),
        Decision::Conditional(keys) => ("conditional", keys.iter().cloned().collect()),
        Decision::ExplicitDeny => ("explicit deny", Vec::new()),
        Decision::ImplicitDeny => ("implicit deny", Vec::new()),
    }
}

fn kind(k: Kind) -> &'static str {
    match k {
        Kind::Bucket => "bucket",
        Kind::Key => "key",
        Kind::UserProfile => "user profile",
        Kind::Role => "role",
    }
}

/// How the report names a principal or resource: `instance/logical id`.
fn name(o: &Origin) -> String {
    format!("{}/{}", o.instance, o.logical_id)
}

/// The suppression that accepts violation `v`, if any: matched by rule, the principal's
/// template and logical id, as validation findings are.
fn suppression<'a>(a: &Analysis, v: &Violation, suppressions: &'a [Suppression]) -> Option<&'a Suppression> {
    let origin = v.principal.map(|p| &a.graph.principals[p].origin);
    let (file, id) = origin.map_or(("", None), |o| (o.file.as_str(), Some(o.logical_id.as_str())));
    suppressions.iter().find(|s| s.matches(v.rule, file, id))
}

/// The report as JSON: the document `--format json` prints and the templates render. Violations
/// a suppression accepts are listed with its reason and not counted as violations. When
/// representatives stood for many teams (`a.scale`), the counts are for all of them and the
/// lists for the representatives, each violation with how many it `stands_for`.
pub fn report(a: &Analysis, suppressions: &[Suppression]) -> J {
    let g = &a.graph;
    let accepted: Vec<Option<&Suppression>> = a.violations.iter().map(|v| suppression(a, v, suppressions)).collect();
    // How many violations of the whole each one stands for (1 each without representatives).
    let weight = |i: usize| a.scale.as_ref().map_or(1, |s| s.violations[i]);
    let violations: Vec<J> = a
        .violations
        .iter()
        .zip(&accepted)
        .enumerate()
        .map(|(i, (v, accepted))| {
            let (d, conditions) = decision(&v.decision);
            let target = match &v.target {
                Target::Resource(t) => name(&g.targets[*t].origin),
                Target::Role(r) => name(&g.principals[*r].origin),
                Target::Arn(arn) => arn.clone(),
            };
            json!({
                "rule": v.rule,
                "principal": v.principal.map(|p| name(&g.principals[p].origin)),
                "target": target,
                "level": v.level.map(Level::as_str),
                "decision": d,
                "conditions": conditions,
                "message": v.message,
                "suppressed": accepted.map(|s| &s.reason),
                "stands_for": weight(i),
            })
        })
        .collect();
    let matrix: Vec<J> = a
        .cells
        .iter()
        .map(|c| {
            let (d, conditions) = decision(&c.decision);
            let via: Vec<J> =
                c.path.iter().map(|s| json!({"role": name(&g.principals[s.role].origin), "how": s.how})).collect();
            json!({
                "principal": name(&g.principals[c.principal].origin),
                "resource": name(&g.targets[c.target].origin),
                "kind": kind(g.targets[c.target].kind),
                "level": c.level.as_str(),
                "decision": d,
                "conditions": conditions,
                "via": via,
            })
        })
        .collect();
    let rules: Vec<J> = RULES
        .iter()
        .map(|(id, what)| {
            let of_rule = || a.violations.iter().zip(&accepted).enumerate().filter(|(_, (v, _))| v.rule == *id);
            let count = |suppressed: bool| -> u64 {
                of_rule().filter(|(_, (_, s))| s.is_some() == suppressed).map(|(i, _)| weight(i)).sum()
            };
            // Suppressed violations grouped by the reason they are accepted for, in first-seen order.
            let mut groups: Vec<(&str, Vec<String>)> = Vec::new();
            for (_, (v, s)) in of_rule() {
                let Some(s) = s else { continue };
                let message = match decision(&v.decision) {
                    ("conditional", keys) => format!("{} (if {})", v.message, keys.join(", ")),
                    _ => v.message.clone(),
                };
                match groups.iter_mut().find(|(r, _)| *r == s.reason) {
                    Some((_, messages)) => messages.push(message),
                    None => groups.push((&s.reason, vec![message])),
                }
            }
            let groups: Vec<J> = groups.iter().map(|(r, m)| json!({"reason": r, "violations": m})).collect();
            json!({
                "rule": id,
                "protects": what,
                "violations": count(false),
                "suppressed": count(true),
                "suppressed_by_reason": groups,
            })
        })
        .collect();
    let suppressed: u64 = accepted.iter().enumerate().filter(|(_, s)| s.is_some()).map(|(i, _)| weight(i)).sum();
    let all: u64 = (0..a.violations.len()).map(weight).sum();
    let (principals, resources, grants) = match &a.scale {
        Some(s) => (s.principals, s.targets, s.grants),
        None => (g.principals.len() as u64, g.targets.len() as u64, a.cells.len() as u64),
    };
    let scale = a.scale.as_ref().map(|s| json!({"teams": s.teams, "users": s.users}));
    let not_evaluated: Vec<J> = g
        .principals
        .iter()
        .filter(|p| !p.unknown_managed.is_empty())
        .map(|p| json!({"principal": name(&p.origin), "managed_policies": p.unknown_managed}))
        .collect();
    json!({
        "summary": {
            "principals": principals,
            "resources": resources,
            "grants": grants,
            "violations": all - suppressed,
            "suppressed": suppressed,
        },
        "representatives_of": scale,
        "launches": a.launches.iter().map(|l| json!({"name": l.name, "template": l.file, "parameters": l.parameters})).collect::<Vec<_>>(),
        "rules": rules,
        "violations": violations,
        "matrix": matrix,
        "not_evaluated": not_evaluated,
        "problems": g.problems,
    })
}

fn env() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    // Templates are embedded: adding them cannot fail at run time unless they are broken, which
    // the tests catch.
    for (n, t) in [("access.txt", HUMAN), ("access.md", MARKDOWN), ("access_explain.txt", EXPLAIN)] {
        if let Err(e) = env.add_template(n, t) {
            panic!("embedded template {n}: {e}");
        }
    }
    env
}

fn render(template: &str, ctx: minijinja::Value) -> anyhow::Result<String> {
    let env = env();
    let t = env.get_template(template)?;
    Ok(t.render(ctx)?)
}

/// Finds a principal or resource by `instance/logical id`, or by logical id when that is unique.
fn find<'a>(what: &str, query: &str, origins: impl Iterator<Item = &'a Origin>) -> anyhow::Result<usize> {
    let all: Vec<&Origin> = origins.collect();
    let exact: Vec<usize> = all.iter().enumerate().filter(|(_, o)| name(o) == query).map(|(i, _)| i).collect();
    if let [one] = exact.as_slice() {
        return Ok(*one);
    }
    let by_id: Vec<usize> = all.iter().enumerate().filter(|(_, o)| o.logical_id == query).map(|(i, _)| i).collect();
    match by_id.as_slice() {
        [one] => Ok(*one),
        [] => bail!("no {what} {query} (run `sds access --format json` for the names)"),
        many => {
            let names: Vec<String> = many.iter().map(|i| name(all[*i])).collect();
            bail!("{what} {query} is ambiguous: one of {}", names.join(", "))
        }
    }
}

fn explanation(g: &Graph, pi: usize, ti: usize, maps: &BTreeMap<String, SourceMap>) -> J {
    let levels: Vec<J> = explain(g, pi, ti)
        .into_iter()
        .map(|(level, d, statements)| {
            let (d, conditions) = decision(&d);
            let statements: Vec<J> = statements
                .iter()
                .map(|s| {
                    let line = maps
                        .get(&s.origin.file)
                        .and_then(|m| m.locate(&format!("/Resources/{}", s.origin.logical_id)))
                        .map(|l| l.line);
                    json!({
                        "effect": if s.effect == Effect::Allow { "Allow" } else { "Deny" },
                        "policy": s.policy,
                        "statement": s.index,
                        "sid": s.sid,
                        "template": s.origin.file,
                        "instance": s.origin.instance,
                        "logical_id": s.origin.logical_id,
                        "line": line,
                    })
                })
                .collect();
            json!({"level": level.as_str(), "decision": d, "conditions": conditions, "statements": statements})
        })
        .collect();
    json!({
        "principal": name(&g.principals[pi].origin),
        "resource": name(&g.targets[ti].origin),
        "kind": kind(g.targets[ti].kind),
        "levels": levels,
    })
}

/// Users beyond which `sds access` does not launch every team unless asked (`--full`): without
/// the symmetry, the analysis is quadratic in principals. Measured on the reference platform,
/// teams alternating dev and prod: 20 teams × 10 users 8.4 s and 1.6 GB; 100 × 10 ran out of
/// 24 GB after 9 minutes.
const FULL_USERS_UNASKED: usize = 200;

/// Refuses, before any work, an analysis that would launch every one of many teams unasked.
fn refuse_unasked_full(config: &AccessConfig, full: bool) -> anyhow::Result<()> {
    let users: usize = config.teams.iter().map(|t| t.users.len()).sum();
    if full || users <= FULL_USERS_UNASKED || symmetry::representatives(config).is_some() {
        return Ok(());
    }
    bail!(
        "{} teams with {users} users cannot be analysed by symmetry (it needs every team in one environment, the same number of users or at least three each, names that do not contain one another, and no access.deny assertion) and in full the analysis is quadratic in users (on the reference platform 20 teams × 10 users take about 8 s and 1.6 GB, 100 × 10 more than 24 GB): pass --full to analyse every team anyway, or analyse fewer teams at a time",
        config.teams.len()
    )
}

pub fn run(args: &AccessArgs, platform: PlatformFn, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    if args.matrix && args.format != AccessFormat::Human {
        bail!("--matrix applies to the human output (json and markdown always list every grant)");
    }
    if args.explain.is_some() && (args.matrix || args.format == AccessFormat::Markdown) {
        bail!("--explain prints one principal's access: human or json, without --matrix");
    }
    let loaded = templates(args, platform)?;
    let root = root(args, &loaded.templates)?;
    refuse_unasked_full(&loaded.access, args.full)?;
    let analysis = if args.full { analyze_full } else { analyze_with }(&loaded.templates, &root, &loaded.access);
    if let Some(pair) = &args.explain {
        let g = &analysis.graph;
        let pi = find("principal", &pair[0], g.principals.iter().map(|p| &p.origin))?;
        let ti = find("resource", &pair[1], g.targets.iter().map(|t| &t.origin))?;
        let e = explanation(g, pi, ti, &loaded.maps()?);
        match args.format {
            AccessFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&e)?)?,
            _ => write!(out, "{}", render("access_explain.txt", crate::review::render::value(&e))?)?,
        }
        return Ok(ExitCode::SUCCESS);
    }
    let r = report(&analysis, &loaded.suppressions);
    let failing = r["summary"]["violations"].as_u64().unwrap_or(0);
    let ctx = minijinja::context! { r => crate::review::render::value(&r), matrix => args.matrix };
    match args.format {
        AccessFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&r)?)?,
        AccessFormat::Human => write!(out, "{}", render("access.txt", ctx)?)?,
        AccessFormat::Markdown => write!(out, "{}", render("access.md", ctx)?)?,
    }
    Ok(if failing == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
