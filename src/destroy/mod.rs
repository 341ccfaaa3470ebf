//! `sds destroy`: deletes the platform's stacks in dependency order, and says what is left.
//!
//! 1. Takes stock before deleting anything ([`inventory`]): the root stack, its team stacks
//!    (tagged with it by publish), the Studio domain it exports, and every resource those stacks
//!    (nested stacks and the stacks of their provisioned products included) keep on deletion.
//! 2. Prints the plan. Without `--yes` it stops there (exit 1), saying how to proceed.
//! 3. Deletes the Studio apps ([`studio`]), then the team stacks (each deletes its user profiles'
//!    provisioned products before its team environment's: they depend on it), then the user
//!    profiles and spaces still in the domain, then the root (its nested stacks go with it).
//! 4. Lists what is left: the retained resources (logical and physical ids) and every resource
//!    whose deletion failed, with the reason (a data bucket that still holds objects: sds never
//!    empties one).
//!
//! A second run finds nothing and says so (exit 0). Publish's clients, progress and team-stack
//! deletion are reused; this module owns the order and the report.

pub mod inventory;
pub mod studio;

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail};
use aws_sdk_cloudformation::types::StackStatus;
use serde_json::json;

use crate::cli::DestroyArgs;
use crate::publish::table::{Outcome, Table};
use crate::publish::{aws, deploy, progress, teams};
use inventory::Inventory;

const REPORT: &str = include_str!("../../templates/destroy.txt.j2");

/// How long to wait and how often to look.
struct Timing {
    poll: Duration,
    deadline: tokio::time::Instant,
    wait: Duration,
}

pub fn run(args: &DestroyArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let stack = args.stack_name.clone().unwrap_or_else(|| crate::policy::DEFAULT_STACK.to_string());
    crate::policy::check_stack_name("--stack-name", &stack)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let result = runtime.block_on(destroy(args, &stack, out));
    runtime.shutdown_background();
    result
}

async fn destroy(args: &DestroyArgs, stack: &str, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let aws = aws::connect(args.region.as_deref(), args.profile.as_deref()).await?;
    let progress = progress::for_stderr();
    let at = aws.endpoint.clone().unwrap_or_else(|| format!("region {}", aws.region));
    progress.status(&format!("resolving the account ({at})"));
    let account = aws::account(&aws).await?;
    progress.status(&format!("looking for stack {stack}, its team stacks and what they retain"));
    let inv = inventory::take(&aws.cfn, stack, &account).await?;
    if let Some(s) = &inv.root {
        // A deletion in progress is waited for; a stack never executed (REVIEW_IN_PROGRESS) holds
        // nothing and is deleted.
        let busy = s.as_str().ends_with("_IN_PROGRESS")
            && !matches!(s, StackStatus::DeleteInProgress | StackStatus::ReviewInProgress);
        if busy {
            progress.finish();
            bail!("stack {stack} is busy ({}): wait for the operation to finish, then destroy again", s.as_str());
        }
    }
    let contents = match &inv.domain {
        Some(d) => {
            progress.status(&format!("listing the Studio apps, user profiles and spaces of domain {d}"));
            Some(studio::list(&aws.sagemaker, d).await?)
        }
        None => None,
    };
    progress.finish();
    let plan = plan_json(stack, &account, &aws.region, &inv, contents.as_ref());
    if inv.is_empty() {
        write!(out, "{}", render("nothing", &plan)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    write!(out, "{}", render("plan", &plan)?)?;
    if !args.yes {
        write!(out, "{}", render("refused", &plan)?)?;
        return Ok(ExitCode::from(1));
    }
    out.flush()?;

    let wait = env_ms("SDS_WAIT_TIMEOUT_MS").unwrap_or(Duration::from_secs(args.wait_timeout * 60));
    let t = Timing {
        poll: env_ms("SDS_POLL_MS").unwrap_or(Duration::from_secs(5)),
        deadline: tokio::time::Instant::now() + wait,
        wait,
    };
    let progress = progress::for_stderr();
    // 1. The Studio apps: they block deleting the user profiles.
    if let (Some(domain), Some(c)) = (&inv.domain, &contents) {
        if !c.apps.is_empty() {
            studio::delete_apps(&aws.sagemaker, domain, &c.apps, progress.as_ref(), t.poll, t.deadline).await?;
        }
    }
    progress.finish();
    // 2. The team stacks, at most `--concurrency` at once.
    let failed_teams = delete_team_stacks(&aws.cfn, stack, &inv, args, &t).await?;
    let mut failures: Vec<serde_json::Value> = failed_teams
        .iter()
        .map(|(s, why)| json!({"stack": s, "logical_id": null, "resource_type": "AWS::CloudFormation::Stack", "physical_id": s, "reason": why}))
        .collect();
    let mut root_deleted = false;
    if failed_teams.is_empty() {
        let progress = progress::for_stderr();
        // 3. User profiles and spaces no stack deleted (made by hand, or by a product launched
        //    from the console): they block deleting the domain.
        if let Some(domain) = &inv.domain {
            studio::delete_profiles(&aws.sagemaker, domain, progress.as_ref(), t.poll, t.deadline).await?;
        }
        // 4. The root, its nested stacks with it.
        if inv.root.is_some() {
            progress.status(&format!("deleting stack {stack}"));
            let (deleted, failed) = delete_root(&aws.cfn, stack, progress.as_ref(), &t).await?;
            root_deleted = deleted;
            failures.extend(failed);
        }
        progress.finish();
    }
    let mut result = plan;
    result["failures"] = json!(failures);
    result["root_deleted"] = json!(root_deleted || inv.root.is_none());
    result["teams_left"] = json!(failed_teams.iter().map(|(s, _)| s).collect::<Vec<_>>());
    write!(out, "{}", render("done", &result)?)?;
    Ok(if failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// A duration in milliseconds from an environment variable (test hooks, as publish's).
fn env_ms(name: &str) -> Option<Duration> {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).map(Duration::from_millis)
}

/// Deletes the team stacks; the ones that failed, with why.
async fn delete_team_stacks(
    cfn: &aws_sdk_cloudformation::Client,
    root: &str,
    inv: &Inventory,
    args: &DestroyArgs,
    t: &Timing,
) -> anyhow::Result<Vec<(String, String)>> {
    if inv.team_stacks.is_empty() {
        return Ok(Vec::new());
    }
    let cfn = aws::patient(cfn);
    let opts = teams::Options {
        root_stack: root.to_string(),
        concurrency: usize::from(args.concurrency),
        prune: true,
        role_arn: None,
        poll: t.poll,
        wait: t.wait,
    };
    let table = Arc::new(Table::for_stderr(false));
    let limit = Arc::new(tokio::sync::Semaphore::new(opts.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (_, s) in inv.team_stacks.clone() {
        let (cfn, opts, table, limit) = (cfn.clone(), opts.clone(), table.clone(), limit.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            table.set(&s, "deleting");
            let outcome = teams::delete(&cfn, &s, &opts).await;
            if let Ok(o) = &outcome {
                table.done(&s, o.word());
            }
            (s, outcome)
        });
    }
    let mut failed = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (s, outcome) = joined.map_err(|e| anyhow!("a team stack deletion task failed: {e}"))?;
        if let Outcome::DeleteFailed(why) = outcome? {
            failed.push((s, why));
        }
    }
    failed.sort();
    Ok(failed)
}

/// Deletes the root and follows its events (and its nested stacks') until it is gone or its
/// deletion failed: whether it is gone, and each resource whose deletion failed.
async fn delete_root(
    cfn: &aws_sdk_cloudformation::Client,
    stack: &str,
    progress: &dyn progress::Progress,
    t: &Timing,
) -> anyhow::Result<(bool, Vec<serde_json::Value>)> {
    let started = aws_smithy_types::DateTime::from(std::time::SystemTime::now() - Duration::from_secs(5));
    cfn.delete_stack()
        .stack_name(stack)
        .send()
        .await
        .map_err(|e| anyhow!("cannot delete stack {stack}: {}", aws::describe("cloudformation", &e)))?;
    let mut stacks = vec![stack.to_string()];
    let mut seen = std::collections::BTreeSet::new();
    let mut failed = Vec::new();
    loop {
        // A deleted nested stack's events can no longer be read: not a warning here.
        for e in deploy::new_events(cfn, &mut stacks, started, &mut seen, |_, _| {}).await {
            let status = e.resource_status().map(|s| s.as_str()).unwrap_or("");
            let reason = e.resource_status_reason().unwrap_or_default();
            progress.step(&deploy::event_line(&e));
            let nested = e.resource_type() == Some("AWS::CloudFormation::Stack");
            if status == "DELETE_FAILED" && !nested {
                failed.push(json!({
                    "stack": e.stack_name(),
                    "logical_id": e.logical_resource_id(),
                    "resource_type": e.resource_type(),
                    "physical_id": e.physical_resource_id(),
                    "reason": reason,
                    "bucket_not_empty": reason.contains("BucketNotEmpty") || reason.contains("not empty"),
                }));
            }
        }
        match deploy::stack_status(cfn, stack).await? {
            None | Some(StackStatus::DeleteComplete) => return Ok((true, failed)),
            Some(StackStatus::DeleteFailed) => {
                if failed.is_empty() {
                    failed.push(json!({"stack": stack, "logical_id": null, "resource_type": "AWS::CloudFormation::Stack", "physical_id": stack, "reason": "DELETE_FAILED", "bucket_not_empty": false}));
                }
                return Ok((false, failed));
            }
            Some(s) => progress.status(&format!("{stack} {}", s.as_str())),
        }
        if tokio::time::Instant::now() >= t.deadline {
            bail!(
                "gave up waiting for stack {stack} to be deleted (--wait-timeout): the deletion goes on server-side; follow it with: aws cloudformation describe-stack-events --stack-name {stack}"
            );
        }
        tokio::time::sleep(t.poll).await;
    }
}

/// The facts the report templates read.
fn plan_json(
    stack: &str,
    account: &str,
    region: &str,
    inv: &Inventory,
    contents: Option<&studio::Contents>,
) -> serde_json::Value {
    json!({
        "stack": stack,
        "account": account,
        "region": region,
        "root": inv.root.as_ref().map(|s| s.as_str()),
        "team_stacks": inv.team_stacks.iter().map(|(team, s)| json!({"team": team, "stack": s})).collect::<Vec<_>>(),
        "domain": inv.domain,
        "apps": contents.map(|c| c.apps.iter().map(|a| json!({
            "owner": a.owner.to_string(), "type": a.app_type, "name": a.name, "status": a.status,
        })).collect::<Vec<_>>()).unwrap_or_default(),
        "profiles": contents.map(|c| c.profiles.iter().map(|(o, s)| json!({"owner": o.to_string(), "status": s}))
            .collect::<Vec<_>>()).unwrap_or_default(),
        "retained": inv.retained.iter().map(|r| json!({
            "stack": r.stack, "logical_id": r.logical_id, "resource_type": r.resource_type,
            "physical_id": r.physical_id, "policy": r.policy,
        })).collect::<Vec<_>>(),
    })
}

/// One part of the report (`nothing`, `plan`, `refused`, `done`), from templates/destroy.txt.j2.
fn render(part: &str, facts: &serde_json::Value) -> anyhow::Result<String> {
    let mut env = minijinja::Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    env.add_template("destroy.txt", REPORT).map_err(|e| anyhow!("report template destroy.txt: {e:#}"))?;
    let mut ctx = facts.clone();
    ctx["part"] = json!(part);
    env.get_template("destroy.txt")
        .and_then(|t| t.render(crate::review::render::value(&ctx)))
        .map_err(|e| anyhow!("report template destroy.txt: {e:#}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The report of a run whose root deletion failed on a bucket that still holds objects (moto
    /// deletes such a bucket, so this part is not reached on it).
    #[test]
    fn what_is_left_says_why() {
        let inv = Inventory {
            root: Some(StackStatus::CreateComplete),
            team_stacks: vec![("a-dev".into(), "plat-team-a-dev".into())],
            domain: None,
            retained: vec![inventory::Retained {
                stack: "plat-DataLake-1".into(),
                logical_id: "AuditBucket".into(),
                resource_type: "AWS::S3::Bucket".into(),
                physical_id: Some("ds-audit-123".into()),
                policy: "Retain".into(),
            }],
        };
        let mut facts = plan_json("plat", "123456789012", "eu-west-1", &inv, None);
        facts["failures"] = json!([{
            "stack": "plat-DataLake-1", "logical_id": "DataBucket", "resource_type": "AWS::S3::Bucket",
            "physical_id": "ds-data-123", "reason": "The bucket you tried to delete is not empty", "bucket_not_empty": true,
        }]);
        facts["root_deleted"] = json!(false);
        facts["teams_left"] = json!([]);
        let text = render("done", &facts).unwrap();
        assert_eq!(
            text,
            "not destroyed: the deletion of stack plat failed\n\
             left, because their deletion failed:\n  \
             plat-DataLake-1 DataBucket AWS::S3::Bucket ds-data-123: The bucket you tried to delete is not empty (the bucket still holds objects: sds never empties a data bucket; empty it or keep it, then destroy again)\n\
             left, because their DeletionPolicy is Retain:\n  \
             plat-DataLake-1 AuditBucket AWS::S3::Bucket ds-audit-123\n"
        );
        let plan = render("plan", &plan_json("plat", "123456789012", "eu-west-1", &inv, None)).unwrap();
        assert!(plan.contains("  4. delete stack plat (CREATE_COMPLETE) and its nested stacks\n"), "{plan}");
        assert!(plan.contains("kept (DeletionPolicy Retain"), "{plan}");
    }
}
