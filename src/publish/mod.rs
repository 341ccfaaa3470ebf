//! `sds publish`: synthesizes (or reads) the templates, builds the asset zips, packages and
//! uploads them to the staging bucket, and deploys the root through a change set. Replaces the
//! bash publish script. The only async code: clients and the progress sink are passed down.
//!
//! Ctrl-C is honoured at any moment of the network part (one `select!` around all of it): the run
//! stops, says what goes on server-side and how to follow it, releases the lock, exits 130.

pub mod aws;
pub mod bootstrap;
pub mod bucket;
pub mod deploy;
pub mod execution;
pub mod lock;
pub mod package;
pub mod progress;
pub mod s3;
pub mod sagemaker;
pub mod table;
pub mod teams;
pub mod zip;

use sds_constructs::access::AccessConfig;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{anyhow, bail};
use sds_constructs::cfn::Template;

use serde_json::json;

use crate::cli::{PublishArgs, ReportFormat};
use crate::files;
use package::{package, Staging};

/// The stack name the reference flow used (owned by `sds policy`, whose policy names it).
pub use crate::policy::DEFAULT_STACK;

/// What the network part of a run is doing, for the message on Ctrl-C.
#[derive(Debug, Clone, Default)]
pub enum Phase {
    /// Resolving the account, checking the bucket, taking the lock: nothing sent that matters.
    #[default]
    Preparing,
    Uploading {
        bucket: String,
    },
    /// Creating or waiting for a change set, or asking to execute it.
    ChangeSet {
        stack: String,
        name: String,
    },
    /// The change set was executed (or is being); the client asks the stack's status on Ctrl-C.
    Deploying {
        stack: String,
        cfn: aws_sdk_cloudformation::Client,
    },
}

/// The phase and the lock of a run, shared between the run and its Ctrl-C handler, and what the
/// run did, for `--format json`.
#[derive(Debug, Default)]
pub struct Tracker {
    phase: Mutex<Phase>,
    lock: Mutex<Option<lock::Lock>>,
    report: Mutex<serde_json::Map<String, serde_json::Value>>,
}

/// The keys of the `--format json` document, in order (README: "Output for machines").
const REPORT_KEYS: &[&str] =
    &["outcome", "stack", "bucket", "root_url", "uploads", "change_set", "status", "failures", "outputs", "teams"];

impl Tracker {
    /// Records one fact of the JSON document (one of `REPORT_KEYS`).
    pub fn record(&self, key: &str, value: serde_json::Value) {
        if let Ok(mut r) = self.report.lock() {
            r.insert(key.to_string(), value);
        }
    }

    /// The JSON document: every key of [`REPORT_KEYS`], null where the run did not get there.
    fn report(&self) -> serde_json::Value {
        let recorded = self.report.lock().map(|r| r.clone()).unwrap_or_default();
        let doc: serde_json::Map<String, serde_json::Value> = REPORT_KEYS
            .iter()
            .map(|k| (k.to_string(), recorded.get(*k).cloned().unwrap_or(serde_json::Value::Null)))
            .collect();
        serde_json::Value::Object(doc)
    }

    pub fn set(&self, phase: Phase) {
        if let Ok(mut p) = self.phase.lock() {
            *p = phase;
        }
    }

    fn phase(&self) -> Phase {
        self.phase.lock().map(|p| p.clone()).unwrap_or_default()
    }

    fn hold(&self, lock: lock::Lock) {
        if let Ok(mut l) = self.lock.lock() {
            *l = Some(lock);
        }
    }

    /// The outcome recorded so far (`deployed`, `up_to_date`, ...).
    fn outcome(&self) -> Option<String> {
        self.report.lock().ok().and_then(|r| r.get("outcome").and_then(|o| o.as_str()).map(str::to_string))
    }

    fn take_lock(&self) -> Option<lock::Lock> {
        self.lock.lock().ok().and_then(|mut l| l.take())
    }
}

/// A duration in milliseconds from an environment variable (test hooks).
fn env_ms(name: &str) -> Option<Duration> {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).map(Duration::from_millis)
}

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
fn templates(
    args: &PublishArgs,
    platform: crate::PlatformFn,
) -> anyhow::Result<(Templates, Vec<teams::TeamTemplate>, Option<Validation>)> {
    let team_of = |name: &str| {
        name.strip_prefix(crate::synth::TEAMS_DIR)
            .and_then(|n| n.strip_prefix('/'))
            .and_then(|n| n.strip_suffix(".yaml"))
            .map(str::to_string)
    };
    if let Some(dir) = &args.templates {
        let loaded = files::load_all(&files::template_files(dir)?)?;
        let mut team_templates = Vec::new();
        let teams_dir = dir.join(crate::synth::TEAMS_DIR);
        if teams_dir.is_dir() {
            for l in files::load_all(&files::template_files(&teams_dir)?)? {
                let name = files::file_name(&l.path);
                let team = name.rsplit_once('.').map(|(stem, _)| stem.to_string()).unwrap_or(name);
                team_templates.push(teams::TeamTemplate { team, body: l.text });
            }
        }
        let templates = loaded.into_iter().map(|l| (files::file_name(&l.path), l.parsed.template)).collect();
        return Ok((templates, team_templates, None));
    }
    let config = crate::synth::load_config(args.config.as_deref())?;
    crate::validate::refuse_unknown_suppressions(&config.suppressions)?;
    let app = crate::synth::build(&config, platform)?;
    let rendered = crate::synth::render(&app);
    let team_templates = rendered
        .iter()
        .filter_map(|(name, text)| team_of(name).map(|team| teams::TeamTemplate { team, body: text.clone() }))
        .collect();
    let inputs = crate::validate::command::inputs_from_rendered(&rendered, &app);
    let suppressions = [config.suppressions.clone(), app.accepted].concat();
    let access = AccessConfig::representatives(&config);
    Ok((app.templates, team_templates, Some(Validation { inputs, suppressions, access })))
}

/// The team templates `--team` selects (NAME or NAME-ENV); every one given must match.
fn select_teams(all: Vec<teams::TeamTemplate>, wanted: &[String]) -> anyhow::Result<Vec<teams::TeamTemplate>> {
    if wanted.is_empty() {
        return Ok(all);
    }
    let matches = |t: &teams::TeamTemplate, w: &str| {
        t.team == w || t.team.strip_prefix(w).is_some_and(|rest| rest.starts_with('-') && !rest[1..].contains('-'))
    };
    if let Some(w) = wanted.iter().find(|w| !all.iter().any(|t| matches(t, w))) {
        let known: Vec<&str> = all.iter().map(|t| t.team.as_str()).take(10).collect();
        bail!(
            "--team {w}: no such team (declared: {})",
            if known.is_empty() { "none".into() } else { known.join(", ") }
        );
    }
    Ok(all.into_iter().filter(|t| wanted.iter().any(|w| matches(t, w))).collect())
}

/// Validation of the synthesized platform, to run before anything is written to S3.
struct Validation {
    inputs: Vec<crate::validate::Input>,
    suppressions: Vec<sds_constructs::config::Suppression>,
    access: AccessConfig,
}

impl Validation {
    fn run(self) -> anyhow::Result<()> {
        let report = crate::validate::validate_app(&self.inputs, &self.suppressions, &self.access);
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

pub fn run(args: &PublishArgs, platform: crate::PlatformFn, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let tracker = Tracker::default();
    if args.format == ReportFormat::Human {
        return run_tracked(args, platform, &tracker, out);
    }
    // One JSON document on standard output; the human lines join the progress on standard error.
    let code = run_tracked(args, platform, &tracker, &mut std::io::stderr())?;
    serde_json::to_writer_pretty(&mut *out, &tracker.report())?;
    writeln!(out)?;
    Ok(code)
}

fn run_tracked(
    args: &PublishArgs,
    platform: crate::PlatformFn,
    tracker: &Tracker,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let params = parameters(args)?;
    if let Some(arn) = &args.role_arn {
        crate::policy::check_role_arn(arn)?;
    }
    let deploying = !args.no_deploy && args.package_only.is_none();
    if deploying && !args.no_execute && !args.yes && !std::io::stdin().is_terminal() {
        bail!("deploying needs a confirmation and standard input is not a terminal: pass --yes (or --no-execute to only create the change set)");
    }
    let (templates, team_templates, validation) = templates(args, platform)?;
    let team_templates = select_teams(team_templates, &args.team)?;
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
        tracker.record("outcome", json!("packaged"));
        tracker.record("bucket", json!(staging.bucket));
        tracker.record("root_url", json!(packaged.root_url));
        tracker.record(
            "uploads",
            json!({"objects": packaged.objects.len(), "uploaded": 0, "unchanged": 0, "dir": dir.display().to_string()}),
        );
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
    let stack = args.stack_name.clone().unwrap_or_else(|| DEFAULT_STACK.to_string());
    let net = Network { args, params, templates, team_templates, validation, root, assets, prefix, deploying, stack };
    let result = runtime.block_on(async {
        let progress = progress::for_stderr();
        // Installed before the run prints or sends anything, so no Ctrl-C falls through to the
        // default handler (`ctrl_c()` would only install it when first polled).
        let interrupt = interrupt_signal()?;
        let outcome = tokio::select! {
            r = net.run(tracker, progress.clone(), out) => Some(r),
            _ = interrupt => None,
        };
        let outcome = match outcome {
            Some(r) => r,
            None => {
                progress.finish();
                interrupted(tracker, out).await
            }
        };
        if let Some(lock) = tracker.take_lock() {
            lock.release().await;
        }
        outcome
    });
    // A confirmation prompt may still wait for a line of input: do not wait for it.
    runtime.shutdown_background();
    result
}

/// A future that completes on Ctrl-C, with the handler already installed.
#[cfg(unix)]
fn interrupt_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut sigint = signal(SignalKind::interrupt()).map_err(|e| anyhow!("cannot handle Ctrl-C: {e}"))?;
    Ok(async move {
        sigint.recv().await;
    })
}

#[cfg(not(unix))]
fn interrupt_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

/// Says what goes on after Ctrl-C and how to follow it; exit 130.
async fn interrupted(tracker: &Tracker, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    tracker.record("outcome", json!("interrupted"));
    match tracker.phase() {
        Phase::Preparing => writeln!(out, "interrupted: nothing was uploaded or deployed")?,
        Phase::Uploading { bucket } => writeln!(
            out,
            "interrupted during the upload: nothing was deployed; what was uploaded stays in s3://{bucket}/ and the next run skips it"
        )?,
        Phase::ChangeSet { stack, name } => {
            writeln!(out, "interrupted: change set {name} of stack {stack} is not executed (it may exist: review it, or delete it with")?;
            writeln!(out, "  aws cloudformation delete-change-set --stack-name {stack} --change-set-name {name})")?;
        }
        Phase::Deploying { stack, cfn } => {
            let now = tokio::time::timeout(Duration::from_secs(5), deploy::stack_status(&cfn, &stack)).await;
            let now = now.ok().and_then(Result::ok).flatten();
            tracker.record("status", json!(now.as_ref().map(|s| s.as_str())));
            writeln!(
                out,
                "interrupted: the stack operation goes on server-side (status {}); Ctrl-C does not cancel it",
                now.as_ref().map(|s| s.as_str()).unwrap_or("unknown")
            )?;
            writeln!(out, "follow it with: aws cloudformation describe-stack-events --stack-name {stack}")?;
        }
    }
    Ok(ExitCode::from(130))
}

/// The network part of a run.
struct Network<'a> {
    args: &'a PublishArgs,
    params: Vec<(String, String)>,
    templates: Templates,
    team_templates: Vec<teams::TeamTemplate>,
    validation: Option<Validation>,
    root: String,
    assets: Vec<(String, Vec<u8>)>,
    prefix: String,
    deploying: bool,
    stack: String,
}

impl Network<'_> {
    async fn run(
        self,
        tracker: &Tracker,
        progress: std::sync::Arc<dyn progress::Progress>,
        out: &mut dyn Write,
    ) -> anyhow::Result<ExitCode> {
        let Network { args, params, templates, team_templates, validation, root, assets, prefix, deploying, stack } =
            self;
        let checking = validation.map(|v| tokio::task::spawn_blocking(move || v.run()));
        let aws = aws::connect(args.region.as_deref(), args.profile.as_deref()).await?;
        let at = aws.endpoint.clone().unwrap_or_else(|| format!("region {}", aws.region));
        progress.status(&format!("resolving the account ({at})"));
        let account = aws::account(&aws).await?;
        if let Some(check) = checking {
            check.await.map_err(|e| anyhow!("validation did not finish: {e}"))??;
        }
        // A bootstrap stack, when there is one, gives the bucket and the execution role.
        progress.status(&format!("looking for the bootstrap stack {}", bootstrap::STACK));
        let boot = bootstrap::find(&aws.cfn, bootstrap::STACK).await?;
        if let Some(found) = &boot {
            bootstrap::check_version(found, bootstrap::STACK)?;
        }
        let bucket = args
            .bucket
            .clone()
            .or_else(|| boot.as_ref().map(|f| f.bucket.clone()))
            .unwrap_or_else(|| s3::default_bucket(&account, &aws.region));
        let role_arn = args.role_arn.clone().or_else(|| boot.as_ref().map(|f| f.execution_role.clone()));
        tracker.record("stack", json!(stack));
        tracker.record("bucket", json!(bucket));
        progress.status(&format!("staging bucket {bucket}"));
        let plain_http = aws.endpoint.as_deref().is_some_and(|e| e.starts_with("http://"));
        let created =
            bucket::ensure_bucket(&aws.s3, &bucket, &account, &aws.region, plain_http, progress.as_ref()).await?;
        let wait = env_ms("SDS_WAIT_TIMEOUT_MS").unwrap_or(Duration::from_secs(args.wait_timeout * 60));
        // A live run renews its lock; a killed one blocks the stack until this runs out.
        let ttl = env_ms("SDS_LOCK_TTL_MS").unwrap_or(Duration::from_secs(10 * 60));
        let key = lock::key(&prefix, &stack);
        let held = lock::acquire(&aws.s3, &bucket, &account, &key, &stack, ttl, progress.as_ref()).await?;
        held.keep_alive(ttl);
        tracker.hold(held);
        tracker.set(Phase::Uploading { bucket: bucket.clone() });
        let staging = Staging { bucket: bucket.clone(), prefix, endpoint: aws.s3_url() };
        let packaged = package(&templates, &root, &assets, &staging)?;
        let total = packaged.objects.len();
        let up = s3::upload(&aws.s3, &bucket, &account, packaged.objects, created, progress.clone()).await?;
        progress.finish();
        writeln!(out, "{} of {total} objects uploaded to s3://{bucket}/ ({} unchanged)", up.uploaded, up.unchanged)?;
        tracker.record("root_url", json!(packaged.root_url));
        tracker.record("uploads", json!({"objects": total, "uploaded": up.uploaded, "unchanged": up.unchanged}));
        if !deploying {
            tracker.record("outcome", json!("uploaded"));
            writeln!(out, "root template: {}", packaged.root_url)?;
            writeln!(out, "deploy it with:")?;
            let params: String = params.iter().map(|(k, v)| format!(" ParameterKey={k},ParameterValue={v}")).collect();
            let params = if params.is_empty() { String::new() } else { format!(" \\\n    --parameters{params}") };
            writeln!(
                out,
                "  aws cloudformation create-stack --stack-name {stack} --template-url {} \\\n    --capabilities CAPABILITY_NAMED_IAM CAPABILITY_AUTO_EXPAND --region {}{params}",
                packaged.root_url, aws.region
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        let d = deploy::Deploy {
            stack: stack.clone(),
            template_url: packaged.root_url.clone(),
            template_body: None,
            parameters: params,
            role_arn,
            no_execute: args.no_execute,
            yes: args.yes,
            poll: env_ms("SDS_POLL_MS").unwrap_or(Duration::from_secs(3)),
            wait,
        };
        let code = deploy::deploy(&aws.cfn, &d, tracker, progress::for_stderr(), out).await?;
        let root_ok = matches!(tracker.outcome().as_deref(), Some("deployed" | "up_to_date"));
        if !root_ok || (team_templates.is_empty() && !args.prune) {
            return Ok(code);
        }
        let opts = teams::Options {
            root_stack: stack.clone(),
            concurrency: usize::from(args.concurrency),
            prune: args.prune,
            role_arn: root_output(&aws.cfn, &stack, sds_constructs::service_catalog::TEAM_STACKS_ROLE_OUTPUT).await?,
            poll: d.poll,
            wait,
        };
        if opts.role_arn.is_none() && !team_templates.is_empty() {
            eprintln!(
                "note: stack {stack} has no {} output (QuickstartMode false, or not the sds root): the team stacks are deployed with your own credentials, which need access to the portfolio",
                sds_constructs::service_catalog::TEAM_STACKS_ROLE_OUTPUT
            );
        }
        let table = std::sync::Arc::new(table::Table::for_stderr(args.format == ReportFormat::Json));
        let rows = teams::publish(&aws::patient(&aws.cfn), team_templates, !args.team.is_empty(), &opts, table).await?;
        write!(out, "{}", table::summary(&rows)?)?;
        tracker.record("teams", json!(rows.iter().map(table::Row::json).collect::<Vec<_>>()));
        Ok(if rows.iter().all(|r| r.outcome.ok()) { code } else { ExitCode::from(1) })
    }
}

/// One output of a deployed stack.
async fn root_output(cfn: &aws_sdk_cloudformation::Client, stack: &str, key: &str) -> anyhow::Result<Option<String>> {
    let described =
        cfn.describe_stacks().stack_name(stack).send().await.map_err(|e| {
            anyhow!("cannot read the outputs of stack {stack}: {}", aws::describe("cloudformation", &e))
        })?;
    Ok(described
        .stacks()
        .iter()
        .flat_map(|s| s.outputs())
        .find(|o| o.output_key() == Some(key))
        .and_then(|o| o.output_value())
        .map(str::to_string))
}
