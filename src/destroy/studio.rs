//! The Studio domain's contents that block deleting the platform: apps (running notebooks and
//! kernels, of user profiles and of spaces) block deleting their user profile or space, and user
//! profiles and spaces block deleting the domain. CloudFormation deletes neither apps (users
//! start them) nor profiles it did not create, so `sds destroy` lists them, deletes the apps
//! before the team stacks (whose provisioned products delete the user profiles), then the user
//! profiles and spaces still left, before the root (which deletes the domain).
//! See: <https://docs.aws.amazon.com/sagemaker/latest/dg/gs-studio-delete-domain.html>

use std::time::Duration;

use anyhow::{anyhow, bail};
use aws_sdk_sagemaker::types::{AppStatus, SpaceStatus, UserProfileStatus};
use aws_sdk_sagemaker::Client;

use crate::publish::aws;
use crate::publish::progress::Progress;

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

fn brief<E: aws_sdk_sagemaker::error::ProvideErrorMetadata + std::error::Error + 'static>(
    e: &aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
) -> String {
    aws::describe("sagemaker", e)
}

/// The apps, user profiles and spaces of the domain that are not deleted.
pub async fn list(sm: &Client, domain: &str) -> anyhow::Result<Contents> {
    let mut c = Contents::default();
    let mut next = None;
    loop {
        let page = sm
            .list_apps()
            .domain_id_equals(domain)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| anyhow!("cannot list the Studio apps of domain {domain}: {}", brief(&e)))?;
        for a in page.apps() {
            if a.status() == Some(&AppStatus::Deleted) {
                continue;
            }
            let owner = match (a.user_profile_name(), a.space_name()) {
                (Some(u), _) => Owner::User(u.to_string()),
                (None, Some(s)) => Owner::Space(s.to_string()),
                (None, None) => continue,
            };
            c.apps.push(App {
                owner,
                app_type: a.app_type().map(|t| t.as_str()).unwrap_or_default().to_string(),
                name: a.app_name().unwrap_or_default().to_string(),
                status: a.status().map(|s| s.as_str()).unwrap_or_default().to_string(),
            });
        }
        next = page.next_token().map(str::to_string);
        if next.is_none() {
            break;
        }
    }
    let mut next = None;
    loop {
        let page = sm
            .list_user_profiles()
            .domain_id_equals(domain)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| anyhow!("cannot list the user profiles of domain {domain}: {}", brief(&e)))?;
        for u in page.user_profiles() {
            let status = u.status().map(|s| s.as_str()).unwrap_or_default().to_string();
            c.profiles.push((Owner::User(u.user_profile_name().unwrap_or_default().to_string()), status));
        }
        next = page.next_token().map(str::to_string);
        if next.is_none() {
            break;
        }
    }
    let mut next = None;
    loop {
        let page = sm
            .list_spaces()
            .domain_id_equals(domain)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| anyhow!("cannot list the spaces of domain {domain}: {}", brief(&e)))?;
        for s in page.spaces() {
            let status = s.status().map(|s| s.as_str()).unwrap_or_default().to_string();
            c.profiles.push((Owner::Space(s.space_name().unwrap_or_default().to_string()), status));
        }
        next = page.next_token().map(str::to_string);
        if next.is_none() {
            break;
        }
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
    for a in apps.iter().filter(|a| a.status != AppStatus::Deleting.as_str()) {
        progress.step(&format!("deleting Studio app {} {} of {}", a.app_type, a.name, a.owner));
        let call = sm.delete_app().domain_id(domain).app_type(a.app_type.as_str().into()).app_name(&a.name);
        let call = match &a.owner {
            Owner::User(u) => call.user_profile_name(u),
            Owner::Space(s) => call.space_name(s),
        };
        call.send().await.map_err(|e| anyhow!("cannot delete Studio app {} of {}: {}", a.name, a.owner, brief(&e)))?;
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
    let deleting = [UserProfileStatus::Deleting.as_str(), SpaceStatus::Deleting.as_str()];
    // Spaces first: a private space belongs to a user profile.
    let mut order = left.profiles.clone();
    order.sort_by_key(|(o, _)| matches!(o, Owner::User(_)));
    for (owner, status) in order.iter().filter(|(_, s)| !deleting.contains(&s.as_str())) {
        progress.step(&format!("deleting Studio {owner} (status {status})"));
        let cannot = |why: String| anyhow!("cannot delete Studio {owner}: {why}");
        match owner {
            Owner::User(u) => {
                sm.delete_user_profile()
                    .domain_id(domain)
                    .user_profile_name(u)
                    .send()
                    .await
                    .map_err(|e| cannot(brief(&e)))?;
            }
            Owner::Space(s) => {
                sm.delete_space().domain_id(domain).space_name(s).send().await.map_err(|e| cannot(brief(&e)))?;
            }
        }
    }
    loop {
        let now = list(sm, domain).await?.profiles;
        if now.is_empty() {
            return Ok(order.into_iter().map(|(o, _)| o).collect());
        }
        // Only a failed deletion: a profile that was Failed before is being deleted now.
        let delete_failed = [UserProfileStatus::DeleteFailed.as_str(), SpaceStatus::DeleteFailed.as_str()];
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
