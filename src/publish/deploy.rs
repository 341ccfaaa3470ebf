//! Deploying the root template through a change set: create (CREATE or UPDATE), summarize,
//! confirm, execute, then follow the stack's events (root and nested) until it settles. An empty
//! change set means "up to date" and is deleted. Interrupting while waiting never cancels the
//! stack operation.

use std::collections::BTreeSet;
use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail};
use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use aws_sdk_cloudformation::types::{Capability, ChangeSetStatus, ChangeSetType, Parameter, StackStatus};
use aws_sdk_cloudformation::Client;

use super::progress::Progress;

pub struct Deploy {
    pub stack: String,
    pub template_url: String,
    pub parameters: Vec<(String, String)>,
    /// Stop after creating the change set.
    pub no_execute: bool,
    /// Execute without asking.
    pub yes: bool,
    /// How often to poll.
    pub poll: Duration,
}

/// A short account of a CloudFormation error: the service's code and message when it sent one.
fn brief<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug + 'static>(
    e: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> String {
    match (e.code(), e.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        _ => super::aws::error_chain(e),
    }
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
async fn stack_status(cfn: &Client, stack: &str) -> anyhow::Result<Option<StackStatus>> {
    match cfn.describe_stacks().stack_name(stack).send().await {
        Ok(out) => Ok(out.stacks().first().and_then(|s| s.stack_status().cloned())),
        Err(e) if e.message().is_some_and(|m| m.contains("does not exist")) => Ok(None),
        Err(e) => bail!("cannot describe stack {stack}: {}", brief(&e)),
    }
}

pub async fn deploy(
    cfn: &Client,
    d: &Deploy,
    progress: Arc<dyn Progress>,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
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
    let parameters: Vec<Parameter> =
        d.parameters.iter().map(|(k, v)| Parameter::builder().parameter_key(k).parameter_value(v).build()).collect();
    cfn.create_change_set()
        .stack_name(&d.stack)
        .change_set_name(&name)
        .change_set_type(kind.clone())
        .template_url(&d.template_url)
        .set_parameters(Some(parameters))
        .capabilities(Capability::CapabilityNamedIam)
        .capabilities(Capability::CapabilityAutoExpand)
        .description("created by sds publish")
        .send()
        .await
        .map_err(|e| anyhow!("cannot create a change set for stack {}: {}", d.stack, brief(&e)))?;

    // Wait for the change set.
    let described = loop {
        let cs = cfn
            .describe_change_set()
            .stack_name(&d.stack)
            .change_set_name(&name)
            .send()
            .await
            .map_err(|e| anyhow!("cannot describe change set {name}: {}", brief(&e)))?;
        match cs.status() {
            Some(ChangeSetStatus::CreateComplete) => break cs,
            Some(ChangeSetStatus::Failed) => {
                let reason = cs.status_reason().unwrap_or_default().to_string();
                if reason.contains("didn't contain changes") || reason.contains("No updates are to be performed") {
                    let _ = cfn.delete_change_set().stack_name(&d.stack).change_set_name(&name).send().await;
                    progress.finish();
                    writeln!(out, "stack {} is up to date: nothing to deploy", d.stack)?;
                    return Ok(ExitCode::SUCCESS);
                }
                progress.finish();
                bail!("change set {name} failed: {reason}");
            }
            _ => tokio::time::sleep(d.poll).await,
        }
    };

    // Summary.
    let (mut add, mut modify, mut remove, mut replace) = (0, 0, 0, 0);
    let mut lines = Vec::new();
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
        lines.push(format!(
            "  {action:<6} {} {}{replaced}",
            rc.logical_resource_id().unwrap_or("?"),
            rc.resource_type().unwrap_or("")
        ));
    }
    progress.finish();
    writeln!(out, "change set {name} for stack {} ({}):", d.stack, kind.as_str())?;
    for l in &lines {
        writeln!(out, "{l}")?;
    }
    writeln!(out, "{add} to add, {modify} to modify, {remove} to remove, {replace} replaced or possibly replaced")?;
    if d.no_execute {
        writeln!(out, "not executed (--no-execute): review it in the console, or run")?;
        writeln!(out, "  aws cloudformation execute-change-set --stack-name {} --change-set-name {name}", d.stack)?;
        return Ok(ExitCode::SUCCESS);
    }
    if !d.yes && !confirm(&format!("Deploy change set {name} to stack {}?", d.stack))? {
        writeln!(out, "not deployed; the change set {name} is left for review")?;
        return Ok(ExitCode::SUCCESS);
    }
    out.flush()?;

    let started = aws_smithy_types::DateTime::from(std::time::SystemTime::now() - Duration::from_secs(5));
    if let Err(e) = cfn.execute_change_set().stack_name(&d.stack).change_set_name(&name).send().await {
        // Some servers (moto) create the resources during this call and report a failure here
        // instead of in stack events.
        let reason = brief(&e);
        writeln!(out, "deployment of stack {} failed: executing change set {name}: {reason}", d.stack)?;
        return Ok(ExitCode::from(1));
    }
    follow(cfn, d, started, progress, out).await
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

/// Streams events until the stack settles; prints the outputs or the failures.
async fn follow(
    cfn: &Client,
    d: &Deploy,
    started: aws_smithy_types::DateTime,
    progress: Arc<dyn Progress>,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let mut seen = BTreeSet::new();
    let mut stacks: Vec<String> = vec![d.stack.clone()];
    let mut failures: Vec<String> = Vec::new();
    loop {
        let poll = async {
            // Events of the root and of every nested stack seen so far, oldest first.
            let mut events = Vec::new();
            for s in stacks.clone() {
                if let Ok(page) = cfn.describe_stack_events().stack_name(&s).send().await {
                    events.extend(page.stack_events().iter().cloned());
                }
            }
            events.sort_by_key(|e| e.timestamp().map(|t| (t.secs(), t.subsec_nanos())));
            for e in events {
                let id = e.event_id().unwrap_or_default().to_string();
                if e.timestamp().is_some_and(|t| t.secs() < started.secs()) || !seen.insert(id) {
                    continue;
                }
                let status = e.resource_status().map(|s| s.as_str()).unwrap_or("");
                let reason = e.resource_status_reason().map(|r| format!(": {r}")).unwrap_or_default();
                let line = format!(
                    "{} {} {} {status}{reason}",
                    e.stack_name().unwrap_or(""),
                    e.logical_resource_id().unwrap_or(""),
                    e.resource_type().unwrap_or("")
                );
                if status.ends_with("_FAILED") {
                    failures.push(line.clone());
                }
                if e.resource_type() == Some("AWS::CloudFormation::Stack") {
                    if let Some(physical) = e.physical_resource_id().filter(|p| p.starts_with("arn:")) {
                        if !stacks.iter().any(|s| s == physical) {
                            stacks.push(physical.to_string());
                        }
                    }
                }
                progress.step(&line);
            }
            let status = stack_status(cfn, &d.stack).await?;
            anyhow::Ok(status)
        };
        let status = tokio::select! {
            s = poll => s?,
            _ = tokio::signal::ctrl_c() => {
                progress.finish();
                let now = stack_status(cfn, &d.stack).await.ok().flatten();
                writeln!(out, "interrupted: the stack operation goes on (status {})", now.as_ref().map(|s| s.as_str()).unwrap_or("unknown"))?;
                writeln!(out, "follow it with: aws cloudformation describe-stack-events --stack-name {}", d.stack)?;
                return Ok(ExitCode::from(130));
            }
        };
        let Some(status) = status else { bail!("stack {} disappeared while deploying", d.stack) };
        progress.status(&format!("{} {}", d.stack, status.as_str()));
        if let Some(ok) = settled(&status) {
            progress.finish();
            if !ok {
                writeln!(out, "deployment of stack {} failed: {}", d.stack, status.as_str())?;
                for f in &failures {
                    writeln!(out, "  {f}")?;
                }
                return Ok(ExitCode::from(1));
            }
            writeln!(out, "stack {} {}", d.stack, status.as_str())?;
            let described = cfn.describe_stacks().stack_name(&d.stack).send().await.ok();
            let outputs: Vec<_> = described.iter().flat_map(|s| s.stacks()).flat_map(|s| s.outputs()).collect();
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
