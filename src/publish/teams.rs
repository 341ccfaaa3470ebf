//! Deploying the team stacks (`teams/<name>-<env>.yaml`) after the root: each a stack of its own,
//! named `<root stack>-team-<name>-<env>` and tagged with the root stack and the team, deployed
//! through its own change set, at most `concurrency` at once; one team's failure never stops
//! another's. Stacks tagged with the root whose team is no longer declared are listed, and deleted
//! only with `--prune`.
//!
//! Converges after an interruption at any moment (SIGKILL included): a stack still in progress is
//! waited for, a first creation that failed or never ran (`ROLLBACK_COMPLETE`, `REVIEW_IN_PROGRESS`:
//! no resources) is deleted and created again, and
//! change sets an earlier run left behind (named `sds-team-*`) are deleted before a new one is made.
//! Unreachable endpoints are errors of the whole run (exit 2), not failures of a team.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail};
use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use aws_sdk_cloudformation::types::{ChangeSetStatus, ChangeSetType, ExecutionStatus, StackStatus, Tag};
use aws_sdk_cloudformation::Client;
use tokio::sync::Semaphore;

use super::table::{Outcome, Row, Table};

/// Tags that mark a team stack: which root it belongs to, and which team it is.
pub const ROOT_TAG: &str = "sds:root-stack";
pub const TEAM_TAG: &str = "sds:team";
/// Prefix of the change sets this module makes.
const CHANGE_SET_PREFIX: &str = "sds-team-";
/// CloudFormation's limit on a template passed in the request.
/// See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html>
const MAX_BODY: usize = 51_200;

/// A team template to deploy.
#[derive(Debug, Clone)]
pub struct TeamTemplate {
    /// `<name>-<env>`.
    pub team: String,
    pub body: String,
}

/// How to deploy.
#[derive(Debug, Clone)]
pub struct Options {
    pub root_stack: String,
    pub concurrency: usize,
    pub prune: bool,
    /// The role CloudFormation deploys the team stacks with (the root's output), if any.
    pub role_arn: Option<String>,
    pub poll: Duration,
    /// How long one stack may take, in all.
    pub wait: Duration,
}

/// The stack name of a team.
pub fn stack_name(root: &str, team: &str) -> String {
    format!("{root}-team-{team}")
}

fn brief<E: ProvideErrorMetadata + std::error::Error + 'static>(
    e: &aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
) -> String {
    super::aws::describe("cloudformation", e)
}

/// Deploys `teams` (and lists or prunes the stacks of teams no longer declared, unless `only`
/// restricts the run to some teams). `Err` only when the run cannot go on (the endpoint is
/// unreachable, a listing fails); each team's own failure is its row.
pub async fn publish(
    cfn: &Client,
    teams: Vec<TeamTemplate>,
    only: bool,
    opts: &Options,
    table: Arc<Table>,
) -> anyhow::Result<Vec<Row>> {
    for t in &teams {
        if t.body.len() > MAX_BODY {
            bail!("teams/{}.yaml is {} bytes; CloudFormation takes at most {MAX_BODY} in a request (split the team's users)", t.team, t.body.len());
        }
    }
    let gone = if only { Vec::new() } else { removed(cfn, &opts.root_stack, &teams).await? };
    let limit = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, t) in teams.into_iter().enumerate() {
        let (cfn, opts, table, limit) = (cfn.clone(), opts.clone(), table.clone(), limit.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let stack = stack_name(&opts.root_stack, &t.team);
            table.set(&stack, "starting");
            let outcome = deploy_one(&cfn, &t, &stack, &opts, &table).await;
            if let Ok(o) = &outcome {
                table.done(&stack, o.word());
            }
            (i, Row { team: t.team, stack, outcome: Outcome::Unchanged }, outcome)
        });
    }
    for (i, (team, stack)) in gone.into_iter().enumerate() {
        let (cfn, opts, table, limit) = (cfn.clone(), opts.clone(), table.clone(), limit.clone());
        tasks.spawn(async move {
            let outcome = if opts.prune {
                let _permit = limit.acquire_owned().await;
                table.set(&stack, "deleting");
                delete(&cfn, &stack, &opts).await
            } else {
                Ok(Outcome::WouldBeDeleted)
            };
            if let Ok(o) = &outcome {
                table.done(&stack, o.word());
            }
            (usize::MAX - 1_000_000 + i, Row { team, stack, outcome: Outcome::Unchanged }, outcome)
        });
    }
    let mut rows = Vec::new();
    let mut fatal = None;
    while let Some(joined) = tasks.join_next().await {
        let (i, mut row, outcome) = match joined {
            Ok(done) => done,
            // Aborted after another team's error of the run.
            Err(e) if e.is_cancelled() => continue,
            Err(e) => bail!("a team deployment task failed: {e}"),
        };
        match outcome {
            Ok(o) => {
                row.outcome = o;
                rows.push((i, row));
            }
            Err(e) => {
                // Unreachable or failing endpoint: stop every other team too.
                fatal.get_or_insert(anyhow!("stack {}: {e:#}", row.stack));
                tasks.abort_all();
            }
        }
    }
    if let Some(e) = fatal {
        return Err(e);
    }
    rows.sort_by_key(|(i, _)| *i);
    Ok(rows.into_iter().map(|(_, r)| r).collect())
}

/// Stacks tagged with this root whose team is not among `teams`: (team, stack).
async fn removed(cfn: &Client, root: &str, teams: &[TeamTemplate]) -> anyhow::Result<Vec<(String, String)>> {
    Ok(of_root(cfn, root).await?.into_iter().filter(|(team, _)| !teams.iter().any(|x| &x.team == team)).collect())
}

/// Every team stack of this root that is not deleted (tagged with it): (team, stack), sorted.
pub async fn of_root(cfn: &Client, root: &str) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut next = None;
    loop {
        let page = cfn
            .describe_stacks()
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| anyhow!("cannot list the stacks: {}", brief(&e)))?;
        for s in page.stacks() {
            let tag =
                |k: &str| s.tags().iter().find(|t| t.key() == Some(k)).and_then(|t| t.value()).map(str::to_string);
            if tag(ROOT_TAG).as_deref() != Some(root) || s.stack_status() == Some(&StackStatus::DeleteComplete) {
                continue;
            }
            if let Some(team) = tag(TEAM_TAG) {
                out.push((team, s.stack_name().unwrap_or_default().to_string()));
            }
        }
        next = page.next_token().map(str::to_string);
        if next.is_none() {
            break;
        }
    }
    out.sort();
    Ok(out)
}

/// The stack's status (`None`: it does not exist).
async fn status(cfn: &Client, stack: &str) -> anyhow::Result<Option<StackStatus>> {
    super::deploy::stack_status(cfn, stack).await
}

/// Waits until the stack is not in progress; its settled status (`None`: gone).
async fn settle(
    cfn: &Client,
    stack: &str,
    opts: &Options,
    table: &Table,
    deadline: tokio::time::Instant,
) -> anyhow::Result<Option<StackStatus>> {
    loop {
        let now = status(cfn, stack).await?;
        match &now {
            Some(s) if s.as_str().ends_with("_IN_PROGRESS") && *s != StackStatus::ReviewInProgress => {
                table.set(stack, &format!("waiting: {}", s.as_str()));
                if tokio::time::Instant::now() >= deadline {
                    bail!("gave up waiting for stack {stack} ({}): it goes on server-side", s.as_str());
                }
                tokio::time::sleep(opts.poll).await;
            }
            _ => return Ok(now),
        }
    }
}

/// Why the stack's last operation failed: the first failed resource's reason.
async fn failure_reason(cfn: &Client, stack: &str, status: &StackStatus) -> String {
    let events = cfn.describe_stack_events().stack_name(stack).send().await;
    let first = events.ok().and_then(|page| {
        let mut failed: Vec<_> = page
            .stack_events()
            .iter()
            .filter(|e| e.resource_status().is_some_and(|s| s.as_str().ends_with("_FAILED")))
            .filter_map(|e| {
                Some((
                    e.timestamp()?.secs(),
                    e.logical_resource_id()?.to_string(),
                    e.resource_status_reason()?.to_string(),
                ))
            })
            .collect();
        failed.sort();
        failed.into_iter().next()
    });
    match first {
        Some((_, id, reason)) => format!("{}: {id}: {reason}", status.as_str()),
        None => status.as_str().to_string(),
    }
}

/// Deletes change sets an earlier run left on the stack.
async fn clean_change_sets(cfn: &Client, stack: &str) -> anyhow::Result<()> {
    let listed = match cfn.list_change_sets().stack_name(stack).send().await {
        Ok(l) => l,
        Err(e) if super::aws::is_transport(&e) => bail!("cannot list the change sets of {stack}: {}", brief(&e)),
        Err(_) => return Ok(()),
    };
    // Only this stack's (some servers list every stack's), and only those not executed.
    let left = listed.summaries().iter().filter(|cs| {
        cs.stack_name() == Some(stack) && cs.execution_status() != Some(&ExecutionStatus::ExecuteComplete)
    });
    for cs in left {
        if let Some(name) = cs.change_set_name().filter(|n| n.starts_with(CHANGE_SET_PREFIX)) {
            if let Err(e) = cfn.delete_change_set().stack_name(stack).change_set_name(name).send().await {
                if super::aws::is_transport(&e) {
                    bail!("cannot delete change set {name} of {stack}: {}", brief(&e));
                }
            }
        }
    }
    Ok(())
}

async fn deploy_one(
    cfn: &Client,
    t: &TeamTemplate,
    stack: &str,
    opts: &Options,
    table: &Table,
) -> anyhow::Result<Outcome> {
    let deadline = tokio::time::Instant::now() + opts.wait;
    let mut existing = settle(cfn, stack, opts, table, deadline).await?;
    if matches!(
        existing,
        Some(StackStatus::RollbackComplete | StackStatus::RollbackFailed | StackStatus::ReviewInProgress)
    ) {
        // A first creation that failed (or was never executed: the stack holds no resource)
        // cannot be updated: delete it, then create it again.
        table.set(stack, "deleting the failed first creation");
        if let Outcome::DeleteFailed(why) = delete(cfn, stack, opts).await? {
            return Ok(Outcome::Failed(format!("cannot delete the failed first creation: {why}")));
        }
        existing = None;
    }
    clean_change_sets(cfn, stack).await?;
    let kind = match existing {
        None => ChangeSetType::Create,
        Some(_) => ChangeSetType::Update,
    };
    let millis = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    // Named after the team too: change set names are per stack, but some servers (moto) look
    // them up by name alone.
    let name = format!("{CHANGE_SET_PREFIX}{}-{millis}", t.team);
    table.set(stack, &format!("creating change set ({})", kind.as_str()));
    let tags = [
        Tag::builder().key(ROOT_TAG).value(&opts.root_stack).build(),
        Tag::builder().key(TEAM_TAG).value(&t.team).build(),
    ];
    let created = cfn
        .create_change_set()
        .stack_name(stack)
        .change_set_name(&name)
        .change_set_type(kind.clone())
        .template_body(&t.body)
        .set_role_arn(opts.role_arn.clone())
        .set_tags(Some(tags.to_vec()))
        .description("created by sds publish (team stack)")
        .send()
        .await;
    if let Err(e) = created {
        if super::aws::is_transport(&e) {
            bail!("cannot create a change set: {}", brief(&e));
        }
        return Ok(Outcome::Failed(format!("creating the change set: {}", brief(&e))));
    }
    loop {
        let cs = cfn.describe_change_set().stack_name(stack).change_set_name(&name).send().await;
        let cs = match cs {
            Ok(cs) => cs,
            Err(e) if super::aws::is_transport(&e) => bail!("cannot describe change set {name}: {}", brief(&e)),
            Err(e) => return Ok(Outcome::Failed(format!("change set {name}: {}", brief(&e)))),
        };
        match cs.status() {
            Some(ChangeSetStatus::CreateComplete) => break,
            Some(ChangeSetStatus::Failed) => {
                let reason = cs.status_reason().unwrap_or_default().to_string();
                if reason.contains("didn't contain changes") || reason.contains("No updates are to be performed") {
                    let _ = cfn.delete_change_set().stack_name(stack).change_set_name(&name).send().await;
                    return Ok(Outcome::Unchanged);
                }
                return Ok(Outcome::Failed(format!("change set {name} failed: {reason}")));
            }
            _ if tokio::time::Instant::now() >= deadline => {
                return Ok(Outcome::Failed(format!("gave up waiting for change set {name}")))
            }
            _ => tokio::time::sleep(opts.poll).await,
        }
    }
    table.set(stack, "executing");
    if let Err(e) = cfn.execute_change_set().stack_name(stack).change_set_name(&name).send().await {
        if super::aws::is_transport(&e) {
            bail!("cannot execute change set {name}: {}", brief(&e));
        }
        // Some servers (moto) run the change set during this call and report its failure here.
        return Ok(Outcome::Failed(format!("executing change set {name}: {}", brief(&e))));
    }
    let Some(now) = settle(cfn, stack, opts, table, deadline).await? else {
        return Ok(Outcome::Failed("the stack disappeared while deploying".into()));
    };
    Ok(match now {
        StackStatus::CreateComplete => Outcome::Created,
        StackStatus::UpdateComplete => Outcome::Updated,
        other => Outcome::Failed(failure_reason(cfn, stack, &other).await),
    })
}

/// Deletes a team stack and waits until it is gone. Team data buckets are never emptied: a
/// deletion that fails on a bucket that still holds objects says so.
pub async fn delete(cfn: &Client, stack: &str, opts: &Options) -> anyhow::Result<Outcome> {
    if let Err(e) = cfn.delete_stack().stack_name(stack).send().await {
        if super::aws::is_transport(&e) {
            bail!("cannot delete stack {stack}: {}", brief(&e));
        }
        return Ok(Outcome::DeleteFailed(brief(&e)));
    }
    let deadline = tokio::time::Instant::now() + opts.wait;
    loop {
        match status(cfn, stack).await? {
            None | Some(StackStatus::DeleteComplete) => return Ok(Outcome::Deleted),
            Some(StackStatus::DeleteFailed) => {
                let reason = failure_reason(cfn, stack, &StackStatus::DeleteFailed).await;
                let lower = reason.to_lowercase();
                let bucket = lower.contains("bucketnotempty") || lower.contains("not empty");
                return Ok(Outcome::DeleteFailed(if bucket {
                    format!("{reason} (a team bucket still holds objects: sds never empties team data buckets; empty or keep it, then delete the stack)")
                } else {
                    reason
                }));
            }
            Some(_) if tokio::time::Instant::now() >= deadline => {
                return Ok(Outcome::DeleteFailed("gave up waiting for the deletion".into()))
            }
            Some(_) => tokio::time::sleep(opts.poll).await,
        }
    }
}
