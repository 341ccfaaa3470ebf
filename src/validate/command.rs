//! The `sds validate` command: gathers the templates (files, directories, or the synthesized
//! platform), validates them as one app, and writes the report.

use sds_constructs::access::AccessConfig;
use std::collections::BTreeSet;
use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;

use super::{report, Input};
use crate::cli::{ValidateArgs, ValidateFormat};
use crate::files;

/// The inputs for the synthesized platform: the files `sds synth` would write.
pub fn inputs_from_rendered(rendered: &[(String, String)], app: &sds_constructs::construct::App) -> Vec<Input> {
    inputs_from_templates(rendered, app.templates.clone())
}

/// [`inputs_from_rendered`], taking the synthesized templates (no copy of them is made).
pub fn inputs_from_templates(
    rendered: &[(String, String)],
    templates: Vec<(String, sds_constructs::cfn::Template)>,
) -> Vec<Input> {
    templates
        .into_iter()
        .zip(rendered)
        .map(|((name, t), (_, text))| Input {
            display: name.clone(),
            name,
            template: std::sync::Arc::new(t),
            source_map: None,
            body_len: text.len(),
        })
        .collect()
}

pub fn run(args: &ValidateArgs, platform: crate::PlatformFn, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let config = crate::synth::load_config(args.config.as_deref())?;
    super::refuse_unknown_suppressions(&config.suppressions)?;
    let profile = super::severity_profile(&config.severities)?;
    if args.list_rules {
        for r in super::rules::RULES {
            writeln!(out, "{:<32} {:<8} {}\n{:<41} {}", r.id, r.severity.as_str(), r.title, "", r.rationale)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    // The findings this platform accepts on purpose apply to its templates however they are
    // given: synthesized, or read back from `out/` (suppressions match by file and logical id).
    let accepted = platform(&config).accepted;
    // Templates given as paths that `sds synth` did not write: the platform's controls are advice.
    let mut foreign = BTreeSet::new();
    let inputs = if args.paths.is_empty() {
        let app = crate::synth::build(&config, platform)?;
        inputs_from_templates(&crate::synth::render(&app), app.templates)
    } else {
        let loaded = files::load_paths(&args.paths)?;
        let mut names = BTreeSet::new();
        for l in &loaded {
            if !names.insert(files::file_name(&l.path)) {
                bail!("two templates are named {}: validate them separately", files::file_name(&l.path));
            }
        }
        // (findings name a template by the path it was given as)
        foreign.extend(
            loaded.iter().filter(|l| !crate::synth::written_by_synth(&l.text)).map(|l| l.path.display().to_string()),
        );
        loaded
            .into_iter()
            .map(|l| Input {
                name: files::file_name(&l.path),
                body_len: l.text.len(),
                display: l.path.display().to_string(),
                template: std::sync::Arc::new(l.parsed.template),
                source_map: Some(l.parsed.source_map),
            })
            .collect()
    };
    let mut report = super::validate_app(
        &inputs,
        &[config.suppressions.clone(), accepted].concat(),
        &AccessConfig::representatives(&config),
    );
    if !args.paths.is_empty() {
        // Templates of one's own: the configured severities, the platform's controls as
        // warnings unless configured. The platform's own output keeps the defaults.
        super::apply_severities(&mut report, &profile, &foreign);
    }
    match args.format {
        ValidateFormat::Human => report::write_human(&report, out)?,
        ValidateFormat::Json => report::write_json(&report, out)?,
        ValidateFormat::Sarif => report::write_sarif(&report, out)?,
    }
    Ok(if report.has_errors() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
