//! `sds publish`: synthesizes (or reads) the templates, builds the asset zips, packages and
//! uploads them to the staging bucket, and deploys the root through a change set. Replaces the
//! bash publish script. The only async code: clients and the progress sink are passed down.

pub mod aws;
pub mod deploy;
pub mod package;
pub mod progress;
pub mod s3;
pub mod zip;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{anyhow, bail};
use sds_constructs::cfn::Template;

use crate::cli::PublishArgs;
use crate::files;
use package::{package, Staging};

/// The stack name the reference flow used.
pub const DEFAULT_STACK: &str = "secure-ds-shared-service";

/// `K=V` pairs.
fn parameters(args: &PublishArgs) -> anyhow::Result<Vec<(String, String)>> {
    args.parameter
        .iter()
        .map(|p| match p.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => bail!("--parameter {p:?} is not KEY=VALUE"),
        })
        .collect()
}

/// Templates by file name.
type Templates = Vec<(String, Template)>;

/// The templates to publish: a directory's, or the synthesized platform's with the validation
/// still to run on them (it runs while the AWS clients start).
fn templates(args: &PublishArgs) -> anyhow::Result<(Templates, Option<Validation>)> {
    if let Some(dir) = &args.templates {
        let loaded = files::load_all(&files::template_files(dir)?)?;
        return Ok((loaded.into_iter().map(|l| (files::file_name(&l.path), l.parsed.template)).collect(), None));
    }
    let config = crate::synth::load_config(args.config.as_deref())?;
    let app = crate::synth::build(&config)?;
    let inputs = crate::validate::command::inputs_from_rendered(&crate::synth::render(&app), &app);
    Ok((app.templates, Some(Validation { inputs, suppressions: config.suppressions })))
}

/// Validation of the synthesized platform, to run before anything is written to S3.
struct Validation {
    inputs: Vec<crate::validate::Input>,
    suppressions: Vec<sds_constructs::config::Suppression>,
}

impl Validation {
    fn run(self) -> anyhow::Result<()> {
        let report = crate::validate::validate(&self.inputs, &self.suppressions);
        if report.has_errors() {
            let mut err = std::io::stderr().lock();
            crate::validate::report::write_human(&report, &mut err)?;
            bail!("not published: the templates have validation errors");
        }
        Ok(())
    }
}

/// Writes the packaged objects under `dir` (keys become paths), replacing what sds wrote there
/// before, all at once (see `files::replace_dir_atomically`: a directory holding anything else,
/// or an input, is refused).
fn write_package(dir: &Path, objects: &[package::Object], inputs: &[PathBuf]) -> anyhow::Result<()> {
    let outputs = objects.iter().map(|o| (o.key.clone(), o.body.clone())).collect();
    files::replace_dir_atomically(dir, outputs, inputs)
}

pub fn run(args: &PublishArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let params = parameters(args)?;
    let deploying = !args.no_deploy && args.package_only.is_none();
    if deploying && !args.no_execute && !args.yes && !std::io::stdin().is_terminal() {
        bail!("deploying needs a confirmation and standard input is not a terminal: pass --yes (or --no-execute to only create the change set)");
    }
    let (templates, validation) = templates(args)?;
    let root = args.root.clone();
    if !templates.iter().any(|(n, _)| *n == root) {
        bail!("the root template {root} is not among the templates");
    }
    let assets = zip::build_all()?;
    let prefix = args.prefix.trim_matches('/').to_string();

    if let Some(dir) = &args.package_only {
        if let Some(v) = validation {
            v.run()?;
        }
        let region = args.region.clone().unwrap_or_else(|| "us-east-1".into());
        let bucket = args.bucket.clone().unwrap_or_else(|| "STAGING-BUCKET".into());
        let staging = Staging { bucket, prefix, endpoint: format!("https://s3.{region}.amazonaws.com") };
        let packaged = package(&templates, &root, &assets, &staging)?;
        let inputs: Vec<PathBuf> = args.config.iter().chain(&args.templates).cloned().collect();
        write_package(dir, &packaged.objects, &inputs)?;
        writeln!(out, "packaged {} objects into {} (no upload)", packaged.objects.len(), dir.display())?;
        writeln!(out, "root template: {}", packaged.root_url)?;
        return Ok(ExitCode::SUCCESS);
    }

    // Package once with a stand-in location first: a template over 1 MB, a missing asset or a
    // leftover placeholder fails here, before any request is sent.
    let dry = Staging {
        bucket: "sds-check".into(),
        prefix: prefix.clone(),
        endpoint: "https://s3.us-east-1.amazonaws.com".into(),
    };
    package(&templates, &root, &assets, &dry)?;

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async {
        let progress = progress::for_stderr();
        let checking = validation.map(|v| tokio::task::spawn_blocking(move || v.run()));
        let aws = aws::connect(args.region.as_deref(), args.profile.as_deref()).await?;
        let account = aws::account(&aws).await?;
        if let Some(check) = checking {
            check.await.map_err(|e| anyhow!("validation did not finish: {e}"))??;
        }
        let bucket = args.bucket.clone().unwrap_or_else(|| s3::default_bucket(&account, &aws.region));
        progress.status(&format!("staging bucket {bucket}"));
        let plain_http = aws.endpoint.as_deref().is_some_and(|e| e.starts_with("http://"));
        let created = s3::ensure_bucket(&aws.s3, &bucket, &account, &aws.region, plain_http, progress.as_ref()).await?;
        let staging = Staging { bucket: bucket.clone(), prefix, endpoint: aws.s3_url() };
        let packaged = package(&templates, &root, &assets, &staging)?;
        let total = packaged.objects.len();
        let up = s3::upload(&aws.s3, &bucket, &account, packaged.objects, created, progress.clone()).await?;
        progress.finish();
        writeln!(out, "{} of {total} objects uploaded to s3://{bucket}/ ({} unchanged)", up.uploaded, up.unchanged)?;
        if !deploying {
            writeln!(out, "root template: {}", packaged.root_url)?;
            writeln!(out, "deploy it with:")?;
            let params: String = params.iter().map(|(k, v)| format!(" ParameterKey={k},ParameterValue={v}")).collect();
            let params = if params.is_empty() { String::new() } else { format!(" \\\n    --parameters{params}") };
            writeln!(
                out,
                "  aws cloudformation create-stack --stack-name {} --template-url {} \\\n    --capabilities CAPABILITY_NAMED_IAM CAPABILITY_AUTO_EXPAND --region {}{params}",
                args.stack_name, packaged.root_url, aws.region
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        let poll = std::env::var("SDS_POLL_MS").ok().and_then(|v| v.parse().ok()).map_or(Duration::from_secs(3), Duration::from_millis);
        let d = deploy::Deploy {
            stack: args.stack_name.clone(),
            template_url: packaged.root_url.clone(),
            parameters: params,
            no_execute: args.no_execute,
            yes: args.yes,
            poll,
        };
        let progress = progress::for_stderr();
        deploy::deploy(&aws.cfn, &d, progress, out).await
    })
    .map_err(|e: anyhow::Error| anyhow!(e))
}
