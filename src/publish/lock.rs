//! One publish per stack at a time: a lock object `<prefix>/.sds-lock/<stack>.json` in the staging
//! bucket, written only if absent (PutObject with `If-None-Match: *`), holding who took it (user,
//! host, pid), when, and when it expires. It is deleted at the end, on error and on Ctrl-C too
//! (DeleteObject with `If-Match` on its ETag, so a lock taken over meanwhile is left alone). A run
//! killed with SIGKILL leaves it behind: once expired, the next run takes it over with a
//! conditional write on its ETag (`If-Match`), so two runs cannot both take over the same lock.
//!
//! The expiry is short (minutes) and a live run keeps pushing it forward ([`Lock::keep_alive`],
//! every third of it, again conditional on the ETag), so a waiting prompt or a long deployment
//! keeps its lock while a killed run blocks the stack only until its last expiry.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use anyhow::{anyhow, bail};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;

use super::progress::Progress;
use super::s3::{describe, status};

/// The lock object's key for a stack.
pub fn key(prefix: &str, stack: &str) -> String {
    if prefix.is_empty() {
        format!(".sds-lock/{stack}.json")
    } else {
        format!("{prefix}/.sds-lock/{stack}.json")
    }
}

/// A lock this run holds.
#[derive(Debug, Clone)]
pub struct Lock {
    s3: Client,
    bucket: String,
    account: String,
    key: String,
    /// What the object says (its expiry moves forward as it is renewed).
    holder: Holder,
    /// The ETag of our latest write: every renewal and the release are conditional on it.
    etag: Arc<Mutex<String>>,
    /// The task renewing the lock, stopped on release.
    renewing: Arc<Mutex<Option<tokio::task::AbortHandle>>>,
}

/// What a lock object says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub user: String,
    pub host: String,
    pub pid: u32,
    pub started: DateTime,
    pub expires: DateTime,
}

fn rfc3339(t: DateTime) -> String {
    t.fmt(Format::DateTime).unwrap_or_else(|_| t.secs().to_string())
}

impl Holder {
    /// This process, from now until `ttl` from now.
    pub fn me(ttl: Duration) -> Holder {
        let now = SystemTime::now();
        let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into());
        let host = std::env::var("HOSTNAME")
            .ok()
            .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "unknown".into());
        Holder { user, host, pid: std::process::id(), started: DateTime::from(now), expires: DateTime::from(now + ttl) }
    }

    pub fn to_json(&self) -> String {
        serde_json::json!({
            "holder": { "user": self.user, "host": self.host, "pid": self.pid },
            "started": rfc3339(self.started),
            "expires": rfc3339(self.expires),
        })
        .to_string()
    }

    pub fn from_json(text: &str) -> Option<Holder> {
        let v: serde_json::Value = serde_json::from_str(text).ok()?;
        let time = |k: &str| DateTime::from_str(v[k].as_str()?, Format::DateTime).ok();
        Some(Holder {
            user: v["holder"]["user"].as_str()?.to_string(),
            host: v["holder"]["host"].as_str()?.to_string(),
            pid: u32::try_from(v["holder"]["pid"].as_u64()?).ok()?,
            started: time("started")?,
            expires: time("expires")?,
        })
    }

    fn expired(&self) -> bool {
        self.expires.secs() <= DateTime::from(SystemTime::now()).secs()
    }
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{} (pid {}) since {}", self.user, self.host, self.pid, rfc3339(self.started))
    }
}

/// Takes the lock of `stack`, or says who holds it (an error: exit 2).
pub async fn acquire(
    s3: &Client,
    bucket: &str,
    account: &str,
    key: &str,
    stack: &str,
    ttl: Duration,
    progress: &dyn Progress,
) -> anyhow::Result<Lock> {
    let me = Holder::me(ttl);
    let lock = |etag: Option<&str>| -> anyhow::Result<Lock> {
        Ok(Lock {
            s3: s3.clone(),
            bucket: bucket.to_string(),
            account: account.to_string(),
            key: key.to_string(),
            holder: me.clone(),
            etag: Arc::new(Mutex::new(
                etag.ok_or_else(|| anyhow!("S3 returned no ETag for the lock s3://{bucket}/{key}"))?.to_string(),
            )),
            renewing: Arc::default(),
        })
    };
    let put = || {
        s3.put_object()
            .bucket(bucket)
            .key(key)
            .expected_bucket_owner(account)
            .content_type("application/json")
            .body(ByteStream::from(me.to_json().into_bytes()))
    };
    // Three tries: the lock may be released or taken over between two requests.
    for _ in 0..3 {
        match put().if_none_match("*").send().await {
            Ok(out) => return lock(out.e_tag()),
            // 412: it exists; 409: a concurrent conditional write, look again.
            Err(e) if matches!(status(&e), Some(412 | 409)) => {}
            Err(e) => bail!("cannot take the publish lock s3://{bucket}/{key}: {}", describe(&e)),
        }
        let current = match s3.get_object().bucket(bucket).key(key).expected_bucket_owner(account).send().await {
            Ok(o) => o,
            Err(e) if status(&e) == Some(404) => continue,
            Err(e) => bail!("cannot read the publish lock s3://{bucket}/{key}: {}", describe(&e)),
        };
        let etag = current.e_tag().unwrap_or_default().to_string();
        let body = current
            .body
            .collect()
            .await
            .map_err(|e| anyhow!("cannot read the publish lock s3://{bucket}/{key}: {e}"))?
            .into_bytes();
        let Some(holder) = Holder::from_json(&String::from_utf8_lossy(&body)) else {
            bail!(
                "s3://{bucket}/{key} is not an sds publish lock: if no publish of stack {stack} is running, delete it and publish again"
            );
        };
        if !holder.expired() {
            bail!(
                "stack {stack} is being published by {holder}; its lock expires at {}.\nWait for that run to finish, or if it is dead, delete s3://{bucket}/{key} and publish again",
                rfc3339(holder.expires)
            );
        }
        match put().if_match(&etag).send().await {
            Ok(out) => {
                progress.step(&format!(
                    "took over the expired publish lock of stack {stack} held by {holder} (expired {})",
                    rfc3339(holder.expires)
                ));
                return lock(out.e_tag());
            }
            Err(e) if matches!(status(&e), Some(412 | 409 | 404)) => {}
            Err(e) => bail!("cannot take over the publish lock s3://{bucket}/{key}: {}", describe(&e)),
        }
    }
    bail!("cannot take the publish lock s3://{bucket}/{key}: other runs keep changing it")
}

impl Lock {
    fn etag(&self) -> String {
        self.etag.lock().map(|e| e.clone()).unwrap_or_default()
    }

    /// Pushes the expiry to `ttl` from now, if the lock is still ours.
    async fn renew(&self, ttl: Duration) -> Result<(), String> {
        let mut holder = self.holder.clone();
        holder.expires = DateTime::from(SystemTime::now() + ttl);
        let written = self
            .s3
            .put_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .expected_bucket_owner(&self.account)
            .content_type("application/json")
            .if_match(self.etag())
            .body(ByteStream::from(holder.to_json().into_bytes()))
            .send()
            .await;
        match written {
            Ok(out) => {
                if let (Some(tag), Ok(mut etag)) = (out.e_tag(), self.etag.lock()) {
                    *etag = tag.to_string();
                }
                Ok(())
            }
            Err(e) if matches!(status(&e), Some(412 | 404)) => {
                Err("it was taken over by another run after it expired".into())
            }
            Err(e) => Err(describe(&e)),
        }
    }

    /// Renews the lock every third of `ttl` until it is released; a failed renewal is a warning
    /// (the next one may succeed before the expiry), a lock taken over ends the renewals.
    pub fn keep_alive(&self, ttl: Duration) {
        let lock = self.clone();
        let task = tokio::spawn(async move {
            loop {
                tokio::time::sleep(ttl / 3).await;
                if let Err(why) = lock.renew(ttl).await {
                    eprintln!("warning: cannot renew the publish lock s3://{}/{}: {why}", lock.bucket, lock.key);
                    if why.contains("taken over") {
                        return;
                    }
                }
            }
        });
        if let Ok(mut r) = self.renewing.lock() {
            *r = Some(task.abort_handle());
        }
    }

    /// Deletes the lock if it is still ours; a failure is a warning (the lock then expires).
    pub async fn release(&self) {
        if let Some(task) = self.renewing.lock().ok().and_then(|mut r| r.take()) {
            task.abort();
        }
        let delete = |etag: String| {
            self.s3
                .delete_object()
                .bucket(&self.bucket)
                .key(&self.key)
                .expected_bucket_owner(&self.account)
                .if_match(etag)
                .send()
        };
        let mut deleted = delete(self.etag()).await.map(|_| ());
        if deleted.as_ref().err().and_then(status) == Some(412) {
            // A renewal may have landed just before it was stopped: delete it if it is ours.
            if let Some(etag) = self.current_if_ours().await {
                deleted = delete(etag).await.map(|_| ());
            }
        }
        if let Err(e) = deleted {
            let why = if status(&e) == Some(412) {
                "it was taken over by another run after it expired".to_string()
            } else {
                describe(&e)
            };
            eprintln!("warning: cannot release the publish lock s3://{}/{}: {why}", self.bucket, self.key);
        }
    }

    /// The lock object's ETag when it still names this run.
    async fn current_if_ours(&self) -> Option<String> {
        let o = self.s3.get_object().bucket(&self.bucket).key(&self.key).expected_bucket_owner(&self.account);
        let o = o.send().await.ok()?;
        let etag = o.e_tag()?.to_string();
        let body = o.body.collect().await.ok()?.into_bytes();
        let holder = Holder::from_json(&String::from_utf8_lossy(&body))?;
        let mine = (&holder.host, holder.pid, holder.started.secs())
            == (&self.holder.host, self.holder.pid, self.holder.started.secs());
        mine.then_some(etag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_holder_reads_back_and_expires() {
        let me = Holder::me(Duration::from_secs(60));
        let back = Holder::from_json(&me.to_json()).unwrap();
        assert_eq!(back.user, me.user);
        assert_eq!(back.pid, std::process::id());
        assert_eq!(back.expires.secs(), me.expires.secs());
        assert!(!back.expired());
        assert!(Holder::me(Duration::ZERO).expired());
        assert_eq!(Holder::from_json("{}"), None);
        assert_eq!(key("", "s"), ".sds-lock/s.json");
        assert_eq!(key("a/b", "s"), "a/b/.sds-lock/s.json");
    }
}
