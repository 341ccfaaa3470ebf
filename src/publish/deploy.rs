//! Deploying the root template through a change set: create (CREATE or UPDATE), summarize,
//! confirm, execute, then follow the stack's events (root and nested) until it settles. An empty
//! change set means "up to date" and is deleted. Waiting is bounded (`Deploy::wait`); giving up
//! waiting, like Ctrl-C (handled by the caller, at any moment), never cancels the stack operation.

use std::collections::BTreeSet;
use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail};
use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use aws_sdk_cloudformation::types::{Capability, ChangeSetStatus, ChangeSetType, Parameter, StackEvent, StackStatus};
use aws_sdk_cloudformation::Client;
use serde_json::json;

use super::progress::Progress;
use super::{Phase, Tracker};

pub struct Deploy {
    pub stack: String,
    pub template_url: String,
    /// The template itself instead of its URL (a small stack of sds's own: the bootstrap).
    pub template_body: Option<String>,
    pub parameters: Vec<(String, String)>,
    /// The role CloudFormation creates the stack's resources with (`--role-arn`); without it,
    /// the caller's credentials (or the role the stack was last given).
    pub role_arn: Option<String>,
    /// Stop after creating the change set.
    pub no_execute: bool,
    /// Execute without asking.
    pub yes: bool,
    /// How often to poll.
    pub poll: Duration,
    /// How long to wait for the change set and the stack operation, in all.
    pub wait: Duration,
}

impl Deploy {
    /// How to follow the stack operation from elsewhere.
    pub fn follow_hint(&self) -> String {
        format!("follow it with: aws cloudformation describe-stack-events --stack-name {}", self.stack)
    }
}

/// A short account of a CloudFormation error (see `aws::describe`).
fn brief<E: ProvideErrorMetadata + std::error::Error + 'static>(
    e: &aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
) -> String {
    super::aws::describe("cloudformation", e)
}

/// Statuses a stack settles in after an operation, and whether that means success.
fn settled(status: &StackStatus) -> Option<bool> {
    use StackStatus as S;
    match status {
        S::CreateComplete | S::UpdateComplete | S::ImportComplete => Some(true),
        S::CreateFailed
        | S::RollbackComplete
        | S::RollbackFailed
        | S::UpdateRollbackComplete
        | S::UpdateRollbackFailed
        | S::DeleteComplete
        | S::DeleteFailed
        | S::ImportRollbackComplete
        | S::ImportRollbackFailed => Some(false),
        _ => None,
    }
}

/// The stack's status, or `None` when it does not exist.
pub async fn stack_status(cfn: &Client, stack: &str) -> anyhow::Result<Option<StackStatus>> {
    match cfn.describe_stacks().stack_name(stack).send().await {
        Ok(out) => Ok(out.stacks().first().and_then(|s| s.stack_status().cloned())),
        Err(e) if e.message().is_some_and(|m| m.contains("does not exist")) => Ok(None),
        Err(e) => bail!("cannot describe stack {stack}: {}", brief(&e)),
    }
}

pub async fn deploy(
    cfn: &Client,
    d: &Deploy,
    tracker: &Tracker,
    progress: Arc<dyn Progress>,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let deadline = tokio::time::Instant::now() + d.wait;
    let existing = stack_status(cfn, &d.stack).await?;
    let kind = match &existing {
        None | Some(StackStatus::ReviewInProgress) => ChangeSetType::Create,
        Some(StackStatus::RollbackComplete) => bail!(
            "stack {} is in ROLLBACK_COMPLETE: its first creation failed and it cannot be updated; delete it, then publish again",
            d.stack
        ),
        Some(s) if s.as_str().ends_with("_IN_PROGRESS") => {
            bail!("stack {} is busy ({}): wait for the operation to finish, then publish again", d.stack, s.as_str())
        }
        Some(_) => ChangeSetType::Update,
    };
    let name = format!(
        "sds-publish-{}",
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|t| t.as_millis()).unwrap_or(0)
    );
    progress.status(&format!("creating change set {name} ({})", kind.as_str()));
    tracker.set(Phase::ChangeSet { stack: d.stack.clone(), name: name.clone() });
    let parameters: Vec<Parameter> =
        d.parameters.iter().map(|(k, v)| Parameter::builder().parameter_key(k).parameter_value(v).build()).collect();
    cfn.create_change_set()
        .stack_name(&d.stack)
        .change_set_name(&name)
        .change_set_type(kind.clone())
        .set_template_url(d.template_body.is_none().then(|| d.template_url.clone()))
        .set_template_body(d.template_body.clone())
        .set_parameters(Some(parameters))
        .set_role_arn(d.role_arn.clone())
        .capabilities(Capability::CapabilityNamedIam)
        .capabilities(Capability::CapabilityAutoExpand)
        .description("created by sds publish")
        .send()
        .await
        .map_err(|e| anyhow!("cannot create a change set for stack {}: {}", d.stack, brief(&e)))?;

    // Wait for the change set.
    let waiting = async {
        loop {
            let cs = cfn
                .describe_change_set()
                .stack_name(&d.stack)
                .change_set_name(&name)
                .send()
                .await
                .map_err(|e| anyhow!("cannot describe change set {name}: {}", brief(&e)))?;
            match cs.status() {
                Some(ChangeSetStatus::CreateComplete) => return anyhow::Ok(Some(cs)),
                Some(ChangeSetStatus::Failed) => {
                    let reason = cs.status_reason().unwrap_or_default().to_string();
                    if reason.contains("didn't contain changes") || reason.contains("No updates are to be performed") {
                        return Ok(None);
                    }
                    progress.finish();
                    bail!("change set {name} failed: {reason}");
                }
                _ => tokio::time::sleep(d.poll).await,
            }
        }
    };
    let described = match tokio::time::timeout_at(deadline, waiting).await {
        Ok(Ok(Some(cs))) => cs,
        Ok(Ok(None)) => {
            let deleted = cfn.delete_change_set().stack_name(&d.stack).change_set_name(&name).send().await;
            progress.finish();
            if let Err(e) = deleted {
                eprintln!("warning: cannot delete the empty change set {name} of stack {}: {}", d.stack, brief(&e));
            }
            tracker.record("outcome", json!("up_to_date"));
            writeln!(out, "stack {} is up to date: nothing to deploy", d.stack)?;
            return Ok(ExitCode::SUCCESS);
        }
        Ok(Err(e)) => return Err(e),
        Err(_) => {
            progress.finish();
            bail!(
                "gave up waiting for change set {name} of stack {} after {} (--wait-timeout); it is not executed: review it in the console or delete it with\n  aws cloudformation delete-change-set --stack-name {} --change-set-name {name}",
                d.stack,
                minutes(d.wait),
                d.stack
            );
        }
    };

    // Summary.
    let (mut add, mut modify, mut remove, mut replace) = (0, 0, 0, 0);
    let mut lines = Vec::new();
    let mut changes = Vec::new();
    for c in described.changes() {
        let Some(rc) = c.resource_change() else { continue };
        let action = rc.action().map(|a| a.as_str()).unwrap_or("?");
        let replacement = rc.replacement().map(|r| r.as_str()).unwrap_or("");
        match action {
            "Add" => add += 1,
            "Modify" => modify += 1,
            "Remove" => remove += 1,
            _ => {}
        }
        if replacement == "True" || replacement == "Conditional" {
            replace += 1;
        }
        let replaced = match replacement {
            "True" => " (replacement)",
            "Conditional" => " (may be replaced)",
            _ => "",
        };
        changes.push(json!({
            "action": action,
            "logical_id": rc.logical_resource_id(),
            "resource_type": rc.resource_type(),
            "replacement": rc.replacement().map(|r| r.as_str()),
        }));
        lines.push(format!(
            "  {action:<6} {} {}{replaced}",
            rc.logical_resource_id().unwrap_or("?"),
            rc.resource_type().unwrap_or("")
        ));
    }
    progress.finish();
    let change_set = |executed: bool| {
        json!({
            "name": name, "type": kind.as_str(), "changes": changes,
            "add": add, "modify": modify, "remove": remove, "replace": replace, "executed": executed,
        })
    };
    tracker.record("change_set", change_set(false));
    writeln!(out, "change set {name} for stack {} ({}):", d.stack, kind.as_str())?;
    for l in &lines {
        writeln!(out, "{l}")?;
    }
    writeln!(out, "{add} to add, {modify} to modify, {remove} to remove, {replace} replaced or possibly replaced")?;
    if d.no_execute {
        tracker.record("outcome", json!("not_executed"));
        writeln!(out, "not executed (--no-execute): review it in the console, or run")?;
        writeln!(out, "  aws cloudformation execute-change-set --stack-name {} --change-set-name {name}", d.stack)?;
        return Ok(ExitCode::SUCCESS);
    }
    let question = format!("Deploy change set {name} to stack {}?", d.stack);
    let confirmed = d.yes
        || tokio::task::spawn_blocking(move || confirm(&question))
            .await
            .map_err(|e| anyhow!("the confirmation prompt failed: {e}"))??;
    if !confirmed {
        tracker.record("outcome", json!("declined"));
        writeln!(out, "not deployed; the change set {name} is left for review")?;
        return Ok(ExitCode::SUCCESS);
    }
    out.flush()?;

    let started = aws_smithy_types::DateTime::from(std::time::SystemTime::now() - Duration::from_secs(5));
    tracker.set(Phase::Deploying { stack: d.stack.clone(), cfn: cfn.clone() });
    tracker.record("change_set", change_set(true));
    if let Err(e) = cfn.execute_change_set().stack_name(&d.stack).change_set_name(&name).send().await {
        if super::aws::is_transport(&e) {
            bail!(
                "cannot execute change set {name} of stack {}: {}; it may have started: {}",
                d.stack,
                brief(&e),
                d.follow_hint()
            );
        }
        // Some servers (moto) create the resources during this call and report a failure here
        // instead of in stack events.
        let reason = brief(&e);
        tracker.record("outcome", json!("failed"));
        tracker.record(
            "failures",
            json!([{"stack": d.stack, "reason": format!("executing change set {name}: {reason}")}]),
        );
        writeln!(out, "deployment of stack {} failed: executing change set {name}: {reason}", d.stack)?;
        return Ok(ExitCode::from(1));
    }
    // A fresh live status: the previous one was finished before the summary and the question.
    let progress = super::progress::for_stderr();
    match tokio::time::timeout_at(deadline, follow(cfn, d, started, tracker, progress.clone(), out)).await {
        Ok(done) => done,
        Err(_) => {
            progress.finish();
            let now = tokio::time::timeout(Duration::from_secs(10), stack_status(cfn, &d.stack)).await;
            let now = now.ok().and_then(Result::ok).flatten();
            bail!(
                "gave up waiting for stack {} after {} (--wait-timeout): the stack operation goes on server-side (status {}); {}",
                d.stack,
                minutes(d.wait),
                now.as_ref().map(|s| s.as_str()).unwrap_or("unknown"),
                d.follow_hint()
            );
        }
    }
}

/// A wait limit in words.
fn minutes(d: Duration) -> String {
    match (d.as_secs(), d.subsec_millis()) {
        (s, 0) if s % 60 == 0 && s > 0 => format!("{} min", s / 60),
        (s, 0) if s > 0 => format!("{s} s"),
        _ => format!("{} ms", d.as_millis()),
    }
}

/// Asks on the terminal; never called without one (checked before anything is uploaded).
fn confirm(question: &str) -> anyhow::Result<bool> {
    let mut err = std::io::stderr().lock();
    write!(err, "{question} [y/N] ")?;
    err.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}

/// The events of `stacks` (a root and the nested stacks found so far) that are not older than
/// `started` and not yet `seen`, oldest first. A nested stack's event adds that stack to `stacks`,
/// so its own events are read from the next call on. A stack whose events cannot be read is given
/// to `unreadable` with why (a deleted stack's events can no longer be read).
pub(crate) async fn new_events(
    cfn: &Client,
    stacks: &mut Vec<String>,
    started: aws_smithy_types::DateTime,
    seen: &mut BTreeSet<String>,
    unreadable: impl Fn(&str, String),
) -> Vec<StackEvent> {
    let mut events = Vec::new();
    for s in stacks.iter() {
        match cfn.describe_stack_events().stack_name(s).send().await {
            Ok(page) => events.extend(page.stack_events().iter().cloned()),
            Err(e) => unreadable(s, brief(&e)),
        }
    }
    events.sort_by_key(|e| e.timestamp().map(|t| (t.secs(), t.subsec_nanos())));
    events.retain(|e| {
        let old = e.timestamp().is_some_and(|t| t.secs() < started.secs());
        !old && seen.insert(e.event_id().unwrap_or_default().to_string())
    });
    for e in &events {
        if e.resource_type() == Some("AWS::CloudFormation::Stack") {
            if let Some(physical) = e.physical_resource_id().filter(|p| p.starts_with("arn:")) {
                if !stacks.iter().any(|s| s == physical) {
                    stacks.push(physical.to_string());
                }
            }
        }
    }
    events
}

/// An event as progress shows it: `stack logical-id type STATUS: reason`.
pub(crate) fn event_line(e: &StackEvent) -> String {
    let reason = e.resource_status_reason().filter(|r| !r.is_empty()).map(|r| format!(": {r}")).unwrap_or_default();
    format!(
        "{} {} {} {}{reason}",
        e.stack_name().unwrap_or(""),
        e.logical_resource_id().unwrap_or(""),
        e.resource_type().unwrap_or(""),
        e.resource_status().map(|s| s.as_str()).unwrap_or("")
    )
}

/// Streams events until the stack settles; prints the outputs or the failures.
async fn follow(
    cfn: &Client,
    d: &Deploy,
    started: aws_smithy_types::DateTime,
    tracker: &Tracker,
    progress: Arc<dyn Progress>,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let mut seen = BTreeSet::new();
    let mut stacks: Vec<String> = vec![d.stack.clone()];
    let mut failures: Vec<String> = Vec::new();
    let mut failed_json = Vec::new();
    loop {
        let poll = async {
            let warn =
                |s: &str, why: String| progress.step(&format!("warning: cannot read the events of stack {s}: {why}"));
            for e in new_events(cfn, &mut stacks, started, &mut seen, warn).await {
                let status = e.resource_status().map(|s| s.as_str()).unwrap_or("");
                let line = event_line(&e);
                if status.ends_with("_FAILED") {
                    failed_json.push(json!({
                        "stack": e.stack_name(),
                        "logical_id": e.logical_resource_id(),
                        "resource_type": e.resource_type(),
                        "status": status,
                        "reason": e.resource_status_reason(),
                    }));
                    failures.push(line.clone());
                }
                progress.step(&line);
            }
            let status = stack_status(cfn, &d.stack).await?;
            anyhow::Ok(status)
        };
        let status = poll.await?;
        let Some(status) = status else { bail!("stack {} disappeared while deploying", d.stack) };
        progress.status(&format!("{} {}", d.stack, status.as_str()));
        if let Some(ok) = settled(&status) {
            progress.finish();
            tracker.record("status", json!(status.as_str()));
            tracker.record("failures", json!(failed_json));
            tracker.record("outcome", json!(if ok { "deployed" } else { "failed" }));
            if !ok {
                writeln!(out, "deployment of stack {} failed: {}", d.stack, status.as_str())?;
                for f in &failures {
                    writeln!(out, "  {f}")?;
                }
                return Ok(ExitCode::from(1));
            }
            writeln!(out, "stack {} {}", d.stack, status.as_str())?;
            // The deployment succeeded whatever happens here: a failure to read the outputs is a
            // warning, not a failed publish (which CI would retry).
            let described = match cfn.describe_stacks().stack_name(&d.stack).send().await {
                Ok(s) => Some(s),
                Err(e) => {
                    eprintln!(
                        "warning: stack {} is deployed but its outputs cannot be read: {}; see them with: aws cloudformation describe-stacks --stack-name {}",
                        d.stack,
                        brief(&e),
                        d.stack
                    );
                    None
                }
            };
            let outputs: Vec<_> = described.iter().flat_map(|s| s.stacks()).flat_map(|s| s.outputs()).collect();
            let by_key: serde_json::Map<String, serde_json::Value> = outputs
                .iter()
                .map(|o| (o.output_key().unwrap_or("").to_string(), json!(o.output_value().unwrap_or(""))))
                .collect();
            tracker.record("outputs", serde_json::Value::Object(by_key));
            if !outputs.is_empty() {
                writeln!(out, "outputs:")?;
                for o in outputs {
                    writeln!(out, "  {}: {}", o.output_key().unwrap_or(""), o.output_value().unwrap_or(""))?;
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        tokio::time::sleep(d.poll).await;
    }
}
