//! The `sds review` command: turns the CLI's arguments into the two sides, reviews them, writes
//! the report and maps the outcome to an exit code (0 no changes, 1 changes or a `--fail-on` gate
//! hit, 2 error).

use std::collections::BTreeSet;
use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;
use sds_constructs::cfn::Value;

use super::sets::{self, Set};
use super::{render, review, Gate};
use crate::cli::{ColorChoice, FailOn, ReviewArgs, ReviewFormat};
use crate::style::Paint;

/// The templates of `set` that `root` deploys: itself and its nested stacks, recursively
/// (Service Catalog products are provisioned separately, so they are not part of the stack).
fn deployed_part(set: &Set, root: &str) -> Set {
    let mut keep = BTreeSet::new();
    let mut todo = vec![root.to_string()];
    while let Some(name) = todo.pop() {
        let Some(e) = set.get(&name) else { continue };
        if !keep.insert(name) {
            continue;
        }
        for r in e.template.resources.values().filter(|r| r.type_ == "AWS::CloudFormation::Stack") {
            if let Some(url) = r.properties.get("TemplateURL").and_then(Value::as_str) {
                todo.push(url.rsplit('/').next().unwrap_or(url).to_string());
            }
        }
    }
    set.iter().filter(|(n, _)| keep.contains(*n)).map(|(n, e)| (n.clone(), e.clone())).collect()
}

/// What was read from the account: the deployed templates, parameter drift, notes.
type Fetched = (Set, Vec<super::ParameterDrift>, Vec<String>);

#[cfg(feature = "publish")]
fn fetch(stack: &str, args: &ReviewArgs, ours: &Set, root: &str) -> anyhow::Result<Fetched> {
    let mut passed = sds_constructs::cfn::Map::new();
    for p in &args.parameter {
        let Some((k, v)) = p.split_once('=') else { bail!("--parameter {p}: expected KEY=VALUE") };
        passed.insert(k.to_string(), sds_constructs::cfn::Value::String(v.to_string()));
    }
    let d = super::stack::fetch(stack, args.region.as_deref(), args.profile.as_deref(), ours, root, passed)?;
    Ok((d.set, d.drift, d.notes))
}

#[cfg(not(feature = "publish"))]
fn fetch(_: &str, _: &ReviewArgs, _: &Set, _: &str) -> anyhow::Result<Fetched> {
    bail!("--stack reads the deployed stack through the AWS SDK: this sds was built without the publish feature")
}

pub fn run(args: &ReviewArgs, platform: crate::PlatformFn, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    if args.format != ReviewFormat::Human && args.color.is_some() {
        bail!("--color applies to the human output");
    }
    let config = crate::synth::load_config(args.config.as_deref())?;
    crate::validate::refuse_unknown_suppressions(&config.suppressions)?;
    let profile = crate::validate::severity_profile(&config.severities)?;
    let (old, new, labels, drift, notes) = match (&args.old, &args.new, &args.git, &args.stack) {
        (Some(old), Some(new), None, None) => {
            let (a, b) = sets::from_paths(old, new)?;
            (a, b, (old.display().to_string(), new.display().to_string()), Vec::new(), Vec::new())
        }
        (None, None, Some(rev), None) => {
            let old = sets::from_git(rev, &args.dir)?;
            let new = sets::from_dir(&args.dir)?;
            let labels = (format!("{rev}:{}", args.dir.display()), format!("{} (working tree)", args.dir.display()));
            (old, new, labels, Vec::new(), Vec::new())
        }
        (None, None, None, Some(stack)) => {
            let (ours, root) = match &args.templates {
                Some(dir) => (sets::from_dir(dir)?, args.root.clone()),
                None => {
                    let app = crate::synth::build(&config, platform)?;
                    (sets::from_rendered(&crate::synth::render(&app))?, args.root.clone())
                }
            };
            if !ours.contains_key(&root) {
                bail!("the root template {root} is not among ours (pass --root FILE)");
            }
            let ours = deployed_part(&ours, &root);
            let deployed = fetch(stack, args, &ours, &root)?;
            let label = match &args.templates {
                Some(d) => d.display().to_string(),
                None => "sds synth".to_string(),
            };
            (deployed.0, ours, (format!("stack {stack} (deployed)"), label), deployed.1, deployed.2)
        }
        (Some(_), None, _, _) => bail!("give both OLD and NEW"),
        (None, None, None, None) => bail!("nothing to review: give OLD NEW, --git REF or --stack NAME"),
        _ => bail!("give one of OLD NEW, --git REF or --stack NAME"),
    };
    // The platform's accepted findings count on both sides (they match its file names only).
    let suppressions = [config.suppressions.clone(), platform(&config).accepted].concat();
    let access = sds_constructs::access::AccessConfig::representatives(&config);
    let mut r = review(&old, &new, &suppressions, &access, &profile, (&labels.0, &labels.1));
    r.drift = drift;
    r.notes = notes;
    let report = r.to_json();
    let text = match args.format {
        ReviewFormat::Json => render::json(&report)?,
        ReviewFormat::Markdown => render::markdown(&report, render::COMMENT_LIMIT)?,
        ReviewFormat::Human => {
            let paint = Paint::for_stdout(args.color.unwrap_or(ColorChoice::Auto));
            render::human(&report, paint.enabled())?
        }
    };
    out.write_all(text.as_bytes())?;
    let hit = if args.fail_on.is_empty() {
        r.changed() || !r.drift.is_empty()
    } else {
        args.fail_on.iter().any(|g| {
            r.hits(match g {
                FailOn::Replacement => Gate::Replacement,
                FailOn::Access => Gate::Access,
                FailOn::Removal => Gate::Removal,
                FailOn::Findings => Gate::Findings,
            })
        })
    };
    Ok(if hit { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
