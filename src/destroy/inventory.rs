//! What `sds destroy` finds before it deletes anything: the root stack, its team stacks (tagged
//! with it), the Studio domain it exports, and every resource of those stacks (nested stacks and
//! the stacks of the Service Catalog products they launched included) that CloudFormation keeps
//! on deletion (`DeletionPolicy: Retain`), with its physical id: after the deletion the stacks
//! are gone, and with them the only record of what was kept.
//!
//! Reads only (DescribeStacks, ListExports, ListStackResources, GetTemplate).

use anyhow::{anyhow, bail};
use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use aws_sdk_cloudformation::types::StackStatus;
use aws_sdk_cloudformation::Client;
use sds_constructs::cfn::{read_template, Format, Value};

use crate::publish::{aws, teams};

/// The export the platform's Studio stack names its domain with:
/// `ds-sagemaker-studio-<SharedServiceStackSetName>-domain-id`.
const DOMAIN_EXPORT: (&str, &str) = ("ds-sagemaker-studio-", "-domain-id");

/// The resource type of a provisioned product; its stack is `SC-<account>-<provisioned product id>`.
/// See: <https://docs.aws.amazon.com/servicecatalog/latest/adminguide/managing-provisioned-products.html>
const PROVISIONED_PRODUCT: &str = "AWS::ServiceCatalog::CloudFormationProvisionedProduct";

/// A resource CloudFormation keeps when its stack is deleted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Retained {
    pub stack: String,
    pub logical_id: String,
    pub resource_type: String,
    /// `None` when the resource was never created (its stack's creation failed, say).
    pub physical_id: Option<String>,
    /// `Retain` or `RetainExceptOnCreate`.
    pub policy: String,
}

/// What there is to destroy.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// The root stack's status, `None` when it does not exist.
    pub root: Option<StackStatus>,
    /// The team stacks of the root: (team, stack), sorted.
    pub team_stacks: Vec<(String, String)>,
    /// The Studio domain the root exports.
    pub domain: Option<String>,
    pub retained: Vec<Retained>,
}

impl Inventory {
    pub fn is_empty(&self) -> bool {
        self.root.is_none() && self.team_stacks.is_empty()
    }
}

fn brief<E: ProvideErrorMetadata + std::error::Error + 'static>(
    e: &aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
) -> String {
    aws::describe("cloudformation", e)
}

/// Finds the root, its team stacks, its domain and the resources they retain.
pub async fn take(cfn: &Client, root: &str, account: &str) -> anyhow::Result<Inventory> {
    let status = crate::publish::deploy::stack_status(cfn, root).await?;
    let root_status = status.filter(|s| *s != StackStatus::DeleteComplete);
    let team_stacks = teams::of_root(cfn, root).await?;
    let mut inv = Inventory { root: root_status, team_stacks, ..Inventory::default() };
    if inv.is_empty() {
        return Ok(inv);
    }
    inv.domain = domain(cfn, root).await?;
    let mut stacks: Vec<String> = inv.team_stacks.iter().map(|(_, s)| s.clone()).collect();
    if inv.root.is_some() {
        stacks.push(root.to_string());
    }
    let mut seen = std::collections::BTreeSet::new();
    while let Some(stack) = stacks.pop() {
        if !seen.insert(stack.clone()) {
            continue;
        }
        let (retained, children) = walk(cfn, &stack, account).await?;
        inv.retained.extend(retained);
        stacks.extend(children);
    }
    inv.retained.sort();
    Ok(inv)
}

/// The domain id the root (or one of its nested stacks) exports, if any.
async fn domain(cfn: &Client, root: &str) -> anyhow::Result<Option<String>> {
    let mut next = None;
    loop {
        let page = cfn
            .list_exports()
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| anyhow!("cannot list the exports: {}", brief(&e)))?;
        for e in page.exports() {
            let name = e.name().unwrap_or_default();
            let of_root = e.exporting_stack_id().is_some_and(|id| {
                let stack = id.split(':').nth(5).and_then(|r| r.strip_prefix("stack/")).unwrap_or_default();
                let stack = stack.split('/').next().unwrap_or_default();
                stack == root || stack.starts_with(&format!("{root}-"))
            });
            if of_root && name.starts_with(DOMAIN_EXPORT.0) && name.ends_with(DOMAIN_EXPORT.1) {
                return Ok(e.value().map(str::to_string));
            }
        }
        next = page.next_token().map(str::to_string);
        if next.is_none() {
            return Ok(None);
        }
    }
}

/// The retained resources of one stack and the stacks it holds (nested stacks, the stacks of its
/// provisioned products). A stack that no longer exists holds nothing.
async fn walk(cfn: &Client, stack: &str, account: &str) -> anyhow::Result<(Vec<Retained>, Vec<String>)> {
    let body = match cfn.get_template().stack_name(stack).send().await {
        Ok(t) => t.template_body().unwrap_or_default().to_string(),
        Err(e) if e.message().is_some_and(|m| m.contains("does not exist")) => return Ok((Vec::new(), Vec::new())),
        Err(e) => bail!("cannot read the template of stack {stack}: {}", brief(&e)),
    };
    let format = if body.trim_start().starts_with('{') { Format::Json } else { Format::Yaml };
    let template = read_template(&body, stack, format).map(|p| p.template).ok();
    let policy = |logical_id: &str| -> Option<String> {
        let r = template.as_ref()?.resources.get(logical_id)?;
        match r.attributes.get("DeletionPolicy") {
            Some(Value::String(p)) if p.starts_with("Retain") => Some(p.clone()),
            _ => None,
        }
    };
    let name = stack_name(stack);
    let mut retained = Vec::new();
    let mut children = Vec::new();
    let mut next = None;
    loop {
        let page = match cfn.list_stack_resources().stack_name(stack).set_next_token(next).send().await {
            Ok(p) => p,
            Err(e) if e.message().is_some_and(|m| m.contains("does not exist")) => break,
            Err(e) => bail!("cannot list the resources of stack {stack}: {}", brief(&e)),
        };
        for r in page.stack_resource_summaries() {
            let logical_id = r.logical_resource_id().unwrap_or_default().to_string();
            let physical = r.physical_resource_id().filter(|p| !p.is_empty()).map(str::to_string);
            let kind = r.resource_type().unwrap_or_default();
            match (kind, &physical) {
                ("AWS::CloudFormation::Stack", Some(p)) => children.push(p.clone()),
                (PROVISIONED_PRODUCT, Some(p)) if p.starts_with("pp-") => children.push(format!("SC-{account}-{p}")),
                _ => {}
            }
            if let Some(p) = policy(&logical_id) {
                retained.push(Retained {
                    stack: name.clone(),
                    logical_id,
                    resource_type: kind.to_string(),
                    physical_id: physical,
                    policy: p,
                });
            }
        }
        next = page.next_token().map(str::to_string);
        if next.is_none() {
            break;
        }
    }
    Ok((retained, children))
}

/// A stack's name from its name or ARN (`arn:...:stack/<name>/<id>`).
fn stack_name(stack: &str) -> String {
    stack.split(":stack/").nth(1).and_then(|r| r.split('/').next()).unwrap_or(stack).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_names_come_from_arns() {
        assert_eq!(stack_name("arn:aws:cloudformation:us-east-1:123456789012:stack/plat-Child-1/abc"), "plat-Child-1");
        assert_eq!(stack_name("plat"), "plat");
    }
}
