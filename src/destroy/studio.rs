//! The Studio domain's contents that block deleting the platform: apps (running notebooks and
//! kernels, of user profiles and of spaces) block deleting their user profile or space, and user
//! profiles and spaces block deleting the domain. CloudFormation deletes neither apps (users
//! start them) nor profiles it did not create, so `sds destroy` lists them, deletes the apps
//! before the team stacks (whose provisioned products delete the user profiles), then the user
//! profiles and spaces still left, before the root (which deletes the domain).
//! See: <https://docs.aws.amazon.com/sagemaker/latest/dg/gs-studio-delete-domain.html>

use std::time::Duration;

use anyhow::{anyhow, bail};
use serde_json::{json, Value};

use crate::publish::progress::Progress;
use crate::publish::sagemaker::SageMaker as Client;

/// A Studio app of a user profile or a space.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct App {
    /// `user alice` or `space shared`.
    pub owner: Owner,
    pub app_type: String,
    pub name: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Owner {
    User(String),
    Space(String),
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Owner::User(u) => write!(f, "user profile {u}"),
            Owner::Space(s) => write!(f, "space {s}"),
        }
    }
}

/// What the domain holds that is not deleted yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contents {
    /// Apps not deleted (Deleting included: they are waited for).
    pub apps: Vec<App>,
    /// User profiles and spaces, with their status.
    pub profiles: Vec<(Owner, String)>,
}

/// Every item of a paginated List call's `field`, following `NextToken`.
async fn list_all(sm: &Client, operation: &'static str, domain: &str, field: &str) -> anyhow::Result<Vec<Value>> {
    let mut items = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut input = json!({ "DomainIdEquals": domain });
        if let Some(token) = &next {
            input["NextToken"] = json!(token);
        }
        let page =
            sm.call(operation, input).await.map_err(|e| anyhow!("cannot list ({operation}) domain {domain}: {e}"))?;
        items.extend(page.get(field).and_then(Value::as_array).cloned().unwrap_or_default());
        next = page.get("NextToken").and_then(Value::as_str).filter(|t| !t.is_empty()).map(str::to_string);
        if next.is_none() {
            return Ok(items);
        }
    }
}

fn text<'a>(v: &'a Value, field: &str) -> &'a str {
    v.get(field).and_then(Value::as_str).unwrap_or_default()
}

/// The apps, user profiles and spaces of the domain that are not deleted.
pub async fn list(sm: &Client, domain: &str) -> anyhow::Result<Contents> {
    let mut c = Contents::default();
    for a in list_all(sm, "ListApps", domain, "Apps").await? {
        if text(&a, "Status") == "Deleted" {
            continue;
        }
        let owner = match (text(&a, "UserProfileName"), text(&a, "SpaceName")) {
            (u, _) if !u.is_empty() => Owner::User(u.to_string()),
            (_, s) if !s.is_empty() => Owner::Space(s.to_string()),
            _ => continue,
        };
        c.apps.push(App {
            owner,
            app_type: text(&a, "AppType").to_string(),
            name: text(&a, "AppName").to_string(),
            status: text(&a, "Status").to_string(),
        });
    }
    for u in list_all(sm, "ListUserProfiles", domain, "UserProfiles").await? {
        c.profiles.push((Owner::User(text(&u, "UserProfileName").to_string()), text(&u, "Status").to_string()));
    }
    for s in list_all(sm, "ListSpaces", domain, "Spaces").await? {
        c.profiles.push((Owner::Space(text(&s, "SpaceName").to_string()), text(&s, "Status").to_string()));
    }
    c.apps.sort();
    c.profiles.sort();
    Ok(c)
}

/// Deletes every app of the domain and waits until none is left.
pub async fn delete_apps(
    sm: &Client,
    domain: &str,
    apps: &[App],
    progress: &dyn Progress,
    poll: Duration,
    deadline: tokio::time::Instant,
) -> anyhow::Result<()> {
    for a in apps.iter().filter(|a| a.status != "Deleting") {
        progress.step(&format!("deleting Studio app {} {} of {}", a.app_type, a.name, a.owner));
        let mut input = json!({ "DomainId": domain, "AppType": a.app_type, "AppName": a.name });
        match &a.owner {
            Owner::User(u) => input["UserProfileName"] = json!(u),
            Owner::Space(s) => input["SpaceName"] = json!(s),
        }
        sm.call("DeleteApp", input)
            .await
            .map_err(|e| anyhow!("cannot delete Studio app {} of {}: {e}", a.name, a.owner))?;
    }
    loop {
        let left = list(sm, domain).await?.apps;
        if left.is_empty() {
            return Ok(());
        }
        progress.status(&format!("waiting for {} Studio app(s) to be deleted", left.len()));
        if tokio::time::Instant::now() >= deadline {
            bail!("gave up waiting for {} Studio app(s) of domain {domain} to be deleted", left.len());
        }
        tokio::time::sleep(poll).await;
    }
}

/// Deletes the spaces and user profiles still in the domain (none of a stack's: those went with
/// the team stacks) and waits until they are gone.
pub async fn delete_profiles(
    sm: &Client,
    domain: &str,
    progress: &dyn Progress,
    poll: Duration,
    deadline: tokio::time::Instant,
) -> anyhow::Result<Vec<Owner>> {
    let left = list(sm, domain).await?;
    if !left.apps.is_empty() {
        bail!("domain {domain} has Studio apps again ({} started since): run sds destroy again", left.apps.len());
    }
    let deleting = ["Deleting"];
    // Spaces first: a private space belongs to a user profile.
    let mut order = left.profiles.clone();
    order.sort_by_key(|(o, _)| matches!(o, Owner::User(_)));
    for (owner, status) in order.iter().filter(|(_, s)| !deleting.contains(&s.as_str())) {
        progress.step(&format!("deleting Studio {owner} (status {status})"));
        let cannot = |why: String| anyhow!("cannot delete Studio {owner}: {why}");
        match owner {
            Owner::User(u) => {
                sm.call("DeleteUserProfile", json!({ "DomainId": domain, "UserProfileName": u }))
                    .await
                    .map_err(|e| cannot(e.to_string()))?;
            }
            Owner::Space(s) => {
                sm.call("DeleteSpace", json!({ "DomainId": domain, "SpaceName": s }))
                    .await
                    .map_err(|e| cannot(e.to_string()))?;
            }
        }
    }
    loop {
        let now = list(sm, domain).await?.profiles;
        if now.is_empty() {
            return Ok(order.into_iter().map(|(o, _)| o).collect());
        }
        // Only a failed deletion: a profile that was Failed before is being deleted now.
        // See: <https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UserProfileDetails.html>
        let delete_failed = ["Delete_Failed"];
        if let Some((o, s)) = now.iter().find(|(_, s)| delete_failed.contains(&s.as_str())) {
            bail!("Studio {o} could not be deleted (status {s})");
        }
        progress.status(&format!("waiting for {} Studio user profile(s) and space(s) to be deleted", now.len()));
        if tokio::time::Instant::now() >= deadline {
            bail!("gave up waiting for the user profiles and spaces of domain {domain} to be deleted");
        }
        tokio::time::sleep(poll).await;
    }
}
