//! `sds validate`: checks templates before any upload: the template's structure, resource
//! schemas, intrinsic function arguments, references, the app's imports/exports and nested stacks,
//! CloudFormation and IAM limits, and the platform's security rules. `sds synth` runs it on what
//! it is about to write.
//!
//! Depends on the model (and the constructs' reference walker) only; the rules are in `rules`.

mod access;
mod app;
pub mod command;
mod eval;
mod functions;
mod iam_data;
mod instance;
mod limits;
mod pattern;
mod raw_schema;
mod refs;
pub mod report;
pub mod rules;
mod run;
mod sam;
pub mod schema;
mod security;
mod structure;
mod transforms;
mod types;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use sds_constructs::access::AccessConfig;
use sds_constructs::cfn::foreach;
use sds_constructs::cfn::value::is_function_key;
use sds_constructs::cfn::{Location, Map, SourceMap, Template, Value};
use sds_constructs::config::Suppression;

use eval::Ctx;
pub use rules::Severity;
pub use schema::source as schema_source;

/// One template to validate.
pub struct Input {
    /// File name; nested `TemplateURL`s and product URLs are matched against it.
    pub name: String,
    /// The template, shared with the caller where it keeps it (`sds review` validates the sets
    /// it compares without copying them).
    pub template: Arc<Template>,
    /// Where values came from, for templates read from disk.
    pub source_map: Option<SourceMap>,
    /// Size of the template body in bytes.
    pub body_len: usize,
    /// Path shown in reports (the file as given), or the name.
    pub display: String,
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub template: String,
    /// JSON pointer of the offending value inside the template ("" for the template as a whole).
    pub pointer: String,
    pub location: Option<Location>,
    pub message: String,
    /// The finding may not hold for what is deployed: it holds for the parameters' default
    /// values only (another value may be given at deployment), it is about a value a macro of the
    /// template's own may still rewrite, or it is between templates not known to be deployed
    /// together (an import another stack may export). (On templates sds did not write it is a warning; see
    /// [`apply_severities`].)
    pub provisional: bool,
}

impl Finding {
    /// The logical id the finding is about (`/Resources/X/...` → X), if any.
    pub fn logical_id(&self) -> Option<&str> {
        let mut parts = self.pointer.split('/').skip(1);
        match (parts.next(), parts.next()) {
            (Some("Resources" | "Parameters" | "Outputs" | "Conditions" | "Mappings"), Some(id)) => Some(id),
            _ => None,
        }
    }
}

/// The outcome: findings, and those suppressed by the configuration with their reasons.
#[derive(Debug, Default)]
pub struct Report {
    pub templates: Vec<String>,
    pub findings: Vec<Finding>,
    pub suppressed: Vec<(Finding, String)>,
}

impl Report {
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }

    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }
}

/// Messages longer than this many bytes lose their middle: they quote values, and a value can be
/// megabytes long (and repeated in every finding about a parameter that flows into it).
const MAX_MESSAGE: usize = 1024;

/// `message` without its middle: its first and last few hundred bytes around how much is left out.
fn elided(message: &str) -> String {
    let mut head = MAX_MESSAGE / 2;
    while !message.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = message.len() - MAX_MESSAGE / 4;
    while !message.is_char_boundary(tail) {
        tail += 1;
    }
    format!("{} … {} bytes left out … {}", &message[..head], tail - head, &message[tail..])
}

/// Collects findings, each once.
#[derive(Default)]
pub struct Sink {
    findings: Vec<Finding>,
    /// (rule, template, pointer, message) of every finding pushed: a finding is as many
    /// comparisons as there are findings otherwise, and hostile templates give 100,000s.
    seen: HashSet<(&'static str, String, String, String)>,
}

impl Sink {
    pub fn push(&mut self, rule: &'static str, template: &str, pointer: &str, message: String) {
        self.push_finding(rule, template, pointer, message, false);
    }

    /// A finding that may not hold for what is deployed ([`Finding::provisional`]).
    pub fn push_provisional(&mut self, rule: &'static str, template: &str, pointer: &str, message: String) {
        self.push_finding(rule, template, pointer, message, true);
    }

    fn push_finding(
        &mut self,
        rule: &'static str,
        template: &str,
        pointer: &str,
        mut message: String,
        provisional: bool,
    ) {
        if message.len() > MAX_MESSAGE {
            message = elided(&message);
        }
        if !self.seen.insert((rule, template.to_string(), pointer.to_string(), message.clone())) {
            return;
        }
        let severity = rules::find(rule).map_or(Severity::Error, |r| r.severity);
        self.findings.push(Finding {
            rule,
            severity,
            template: template.to_string(),
            pointer: pointer.to_string(),
            location: None,
            message,
            provisional,
        });
    }

    /// Adds findings another sink collected (each once, as [`Sink::push`] does).
    fn extend(&mut self, findings: impl IntoIterator<Item = Finding>) {
        for f in findings {
            if self.seen.insert((f.rule, f.template.clone(), f.pointer.clone(), f.message.clone())) {
                self.findings.push(f);
            }
        }
    }
}

/// Every value a template computes (resource properties and attributes, outputs), with the
/// pointer of its resource or output.
fn value_places(t: &Template) -> Vec<(String, &Value)> {
    let mut places: Vec<(String, &Value)> = Vec::new();
    for (id, r) in &t.resources {
        places.extend(r.properties.values().chain(r.attributes.values()).map(|v| (format!("/Resources/{id}"), v)));
    }
    for (id, o) in &t.outputs {
        places.push((format!("/Outputs/{id}"), &o.value));
    }
    places
}

/// Rule ids that suppressions name but no rule has.
pub fn unknown_suppressions(suppressions: &[Suppression]) -> Vec<&Suppression> {
    suppressions.iter().filter(|s| rules::find(&s.rule).is_none()).collect()
}

/// Fails, naming each with where it was written, when suppressions name rules that do not exist
/// (a typo would otherwise silence nothing and go unnoticed). Every command that reads a
/// configuration calls this.
pub fn refuse_unknown_suppressions(suppressions: &[Suppression]) -> anyhow::Result<()> {
    let unknown = unknown_suppressions(suppressions);
    if unknown.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = unknown
        .iter()
        .map(|s| {
            let origin = s.origin.as_deref().map(|o| format!("{o}: ")).unwrap_or_default();
            format!("{origin}the configuration suppresses an unknown rule {} (see `sds validate --list-rules`)", s.rule)
        })
        .collect();
    anyhow::bail!("{}", lines.join("\n"))
}

/// The severities the configuration sets (`validation.severity`), checked: a rule that does not
/// exist or a word other than error, warning or info fails, naming where it was written.
pub fn severity_profile(
    overrides: &[(String, String, Option<String>)],
) -> anyhow::Result<Vec<(&'static str, Severity)>> {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (rule, word, origin) in overrides {
        let origin = origin.as_deref().map(|o| format!("{o}: ")).unwrap_or_default();
        let severity = match word.as_str() {
            "error" => Severity::Error,
            "warning" => Severity::Warning,
            "info" => Severity::Info,
            _ => {
                bad.push(format!("{origin}validation.severity.{rule} is {word:?}: use error, warning or info"));
                continue;
            }
        };
        match rules::find(rule) {
            Some(r) => out.push((r.id, severity)),
            None => bad.push(format!(
                "{origin}the configuration sets the severity of an unknown rule {rule} (see `sds validate --list-rules`)"
            )),
        }
    }
    if !bad.is_empty() {
        anyhow::bail!("{}", bad.join("\n"));
    }
    Ok(out)
}

/// Gives each finding of a rule the profile names that severity (templates that are not the
/// platform's own output: the platform's controls stay errors on the platform).
///
/// On templates in `foreign` (not written by `sds synth`), the platform's controls
/// ([`rules::PLATFORM_CONTROLS`]) and provisional findings (for default parameter values only: a
/// placeholder default meant to be replaced, which CloudFormation accepts; on values a macro may
/// rewrite; between templates not known to be one app) the profile does not name are warnings.
pub fn apply_severities(report: &mut Report, profile: &[(&'static str, Severity)], foreign: &BTreeSet<String>) {
    let all = report.findings.iter_mut().chain(report.suppressed.iter_mut().map(|(f, _)| f));
    for f in all {
        if let Some((_, s)) = profile.iter().find(|(r, _)| *r == f.rule) {
            f.severity = *s;
        } else if (rules::PLATFORM_CONTROLS.contains(&f.rule) || f.provisional) && foreign.contains(&f.template) {
            f.severity = f.severity.min(Severity::Warning);
        }
    }
}

/// For each template nested by another of the inputs: (parent index, parameters it passes).
fn parents(inputs: &[Input]) -> BTreeMap<&str, (usize, &Map)> {
    let mut out = BTreeMap::new();
    for (i, input) in inputs.iter().enumerate() {
        for r in input.template.resources.values().filter(|r| r.type_ == "AWS::CloudFormation::Stack") {
            let child =
                r.properties.get("TemplateURL").and_then(Value::as_str).map(|u| u.rsplit('/').next().unwrap_or(u));
            let params = r.properties.get("Parameters").and_then(Value::as_map);
            if let (Some(child), Some(params)) = (child, params) {
                out.entry(child).or_insert((i, params));
            }
        }
    }
    out
}

fn context<'a>(i: usize, inputs: &'a [Input], parents: &BTreeMap<&str, (usize, &'a Map)>, depth: usize) -> Ctx<'a> {
    let template = &inputs[i].template;
    let parent = match parents.get(inputs[i].name.as_str()) {
        Some(&(p, params)) if depth < 8 && p != i => Some((Box::new(context(p, inputs, parents, depth + 1)), params)),
        _ => None,
    };
    Ctx::new(template, parent)
}

/// Where the value at `pointer` starts in the source. Findings name function arguments in long
/// form (`.../Fn::Select/0`); written in short form (`!Select [...]`) the source has no such key,
/// so a function segment the source map does not know is skipped (`.../0`).
fn locate(map: &SourceMap, pointer: &str) -> Option<Location> {
    let mut known = String::new();
    for segment in pointer.split('/').skip(1) {
        let candidate = format!("{known}/{segment}");
        if is_function_key(segment) && map.locate(&candidate) == map.locate(&known) {
            continue;
        }
        known = candidate;
    }
    map.locate(&known)
}

/// The items of a `Fn::ForEach` collection known before deployment: a literal list, a split
/// of known text, or a list parameter's default.
fn collection(ctx: &Ctx, v: &Value) -> Option<Vec<String>> {
    if let Some(items) = ctx.eval_list(v) {
        return Some(items);
    }
    match v {
        Value::Fn(f) => match &**f {
            sds_constructs::cfn::Intrinsic::Ref(n) if ctx.template.parameters.contains_key(n) => {
                Some(ctx.parameter(n)?.split(',').map(|s| s.trim().to_string()).collect())
            }
            _ => None,
        },
        _ => None,
    }
}

/// Whether a resource's `Properties` is a function (`!If [Cond, {...}, {...}]`).
fn conditional_properties(t: &Template) -> bool {
    t.resources.values().any(|r| r.attributes.contains_key("Properties"))
}

/// `inputs` as CloudFormation would deploy them, if that differs from how they are written:
/// `Fn::ForEach` loops expanded (loops whose collection is unknown are noted), and a
/// `Properties: !If [...]` checked as its first branch.
fn prepare(inputs: &[Input], sink: &mut Sink) -> Option<Vec<Input>> {
    if !inputs.iter().any(|i| foreach::has_loops(&i.template) || conditional_properties(&i.template)) {
        return None;
    }
    let mut out = Vec::with_capacity(inputs.len());
    for input in inputs {
        let ctx = Ctx::new(&input.template, None);
        let mut x = foreach::expand(&input.template, &|v| collection(&ctx, v));
        for r in x.template.resources.values_mut() {
            if let Some(Value::Fn(f)) = r.attributes.get("Properties") {
                if let sds_constructs::cfn::Intrinsic::If { then: Value::Map(m), .. } = &**f {
                    r.properties = m.clone();
                }
            }
        }
        for pointer in x.unresolved {
            sink.push(
                "template/for-each",
                &input.name,
                &pointer,
                "the loop's collection is not known before deployment: what it makes is not checked".to_string(),
            );
        }
        for (pointer, why) in x.malformed {
            sink.push("schema/property", &input.name, &pointer, format!("Fn::ForEach makes {why}"));
        }
        out.push(Input {
            name: input.name.clone(),
            template: Arc::new(x.template),
            source_map: input.source_map.clone(),
            body_len: input.body_len,
            display: input.display.clone(),
        });
    }
    Some(out)
}

/// Validates `inputs` as one app.
pub fn validate(inputs: &[Input], suppressions: &[Suppression]) -> Report {
    validate_app(inputs, suppressions, &AccessConfig::default())
}

/// [`validate`], with the access invariants checked for the configuration's teams, and its
/// `access.deny` assertions.
pub fn validate_app(inputs: &[Input], suppressions: &[Suppression], access: &AccessConfig) -> Report {
    let mut reports = run::validate_on(&[inputs], suppressions, access, &|_| false, crate::par::workers());
    reports.pop().unwrap_or_default()
}

/// [`validate`] of the two sides of a change at once, on the machine's cores: a check whose
/// templates are all `unchanged` (by name: the same text on both sides) is run once and its
/// findings count on both sides (a template's own checks when it and the ancestors it reads
/// parameters from are unchanged; the access analysis when every template is).
pub fn validate_pair(
    old: &[Input],
    new: &[Input],
    suppressions: &[Suppression],
    access: &AccessConfig,
    unchanged: &(dyn Fn(&str) -> bool + Sync),
) -> (Report, Report) {
    let mut reports = run::validate_on(&[old, new], suppressions, access, unchanged, crate::par::workers());
    let b = reports.pop().unwrap_or_default();
    (reports.pop().unwrap_or_default(), b)
}

/// The report of an app's findings: placed in their sources, suppressed where the configuration
/// says, sorted.
fn report(inputs: &[Input], findings: Vec<Finding>, suppressions: &[Suppression]) -> Report {
    let mut report = Report { templates: inputs.iter().map(|i| i.name.clone()).collect(), ..Report::default() };
    let by_name: HashMap<&str, &Input> = inputs.iter().rev().map(|i| (i.name.as_str(), i)).collect();
    for mut f in findings {
        if let Some(input) = by_name.get(f.template.as_str()) {
            f.location = input.source_map.as_ref().and_then(|m| locate(m, &f.pointer));
            f.template = input.display.clone();
        }
        let matched = suppressions.iter().find(|s| s.matches(f.rule, &f.template, f.logical_id()));
        match matched {
            Some(s) => report.suppressed.push((f, s.reason.clone())),
            None => report.findings.push(f),
        }
    }
    fn key(f: &Finding) -> (&str, &str, &str, &str) {
        (&f.template, &f.pointer, f.rule, &f.message)
    }
    report.findings.sort_by(|a, b| key(a).cmp(&key(b)));
    report.suppressed.sort_by(|(a, _), (b, _)| key(a).cmp(&key(b)));
    report
}
