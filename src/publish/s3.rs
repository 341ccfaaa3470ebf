//! Uploads to the staging bucket. Every request carries ExpectedBucketOwner (the caller's
//! account), so a bucket of the same name in another account is refused by S3 instead of
//! receiving the templates.

use std::sync::Arc;

use anyhow::{anyhow, bail};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::package::Object;
use super::progress::Progress;

/// How many uploads run at once.
const PARALLEL_UPLOADS: usize = 8;

/// The default staging bucket (owned by `sds policy`, whose policy names it).
pub use crate::policy::default_bucket;

/// The HTTP status of the answer, if one came.
pub fn status<E>(e: &SdkError<E>) -> Option<u16> {
    e.raw_response().map(|r| r.status().as_u16())
}

/// A short account of an S3 error (see `aws::describe`).
pub fn describe<E: ProvideErrorMetadata + std::error::Error + 'static>(e: &SdkError<E>) -> String {
    super::aws::describe("s3", e)
}

/// What an upload did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Uploaded {
    pub uploaded: usize,
    pub unchanged: usize,
}

/// The metadata key holding an object's sha256, to tell an unchanged object from a changed one
/// at a stable key.
const SHA_METADATA: &str = "sha256";

/// Uploads what is missing or changed: first every object is checked (unless the bucket is new) (HeadObject, all at once up
/// to `PARALLEL_UPLOADS`), then what needs it is put wave by wave (assets, then templates after
/// the templates and assets they reference).
pub async fn upload(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    account: &str,
    objects: Vec<Object>,
    fresh_bucket: bool,
    progress: Arc<dyn Progress>,
) -> anyhow::Result<Uploaded> {
    let limit = Arc::new(Semaphore::new(PARALLEL_UPLOADS));
    let mut checks = JoinSet::new();
    // A bucket created a moment ago holds nothing: no need to ask.
    for (i, o) in objects.iter().enumerate().filter(|_| !fresh_bucket) {
        let (s3, bucket, account, limit, key, sha) =
            (s3.clone(), bucket.to_string(), account.to_string(), limit.clone(), o.key.clone(), o.sha256.clone());
        checks.spawn(async move {
            let _permit = limit.acquire_owned().await.map_err(|e| anyhow!("upload pool closed: {e}"))?;
            match s3.head_object().bucket(&bucket).key(&key).expected_bucket_owner(&account).send().await {
                Ok(h) => Ok::<_, anyhow::Error>((
                    i,
                    h.metadata().and_then(|m| m.get(SHA_METADATA)).is_some_and(|s| *s == sha),
                )),
                Err(e) if status(&e) == Some(404) => Ok((i, false)),
                Err(e) => bail!("cannot check s3://{bucket}/{key}: {}", describe(&e)),
            }
        });
    }
    let mut current = vec![false; objects.len()];
    while let Some(done) = checks.join_next().await {
        let (i, same) = done.map_err(|e| anyhow!("upload task failed: {e}"))??;
        current[i] = same;
    }
    let unchanged = current.iter().filter(|c| **c).count();
    let mut pending: Vec<Object> = objects.into_iter().zip(current).filter(|(_, same)| !same).map(|(o, _)| o).collect();
    let uploaded = pending.len();
    let last_wave = pending.iter().map(|o| o.wave).max().unwrap_or(0);
    for wave in 0..=last_wave {
        let (this, rest): (Vec<Object>, Vec<Object>) = pending.into_iter().partition(|o| o.wave == wave);
        pending = rest;
        let mut puts = JoinSet::new();
        for o in this {
            let (s3, bucket, account, limit, progress) =
                (s3.clone(), bucket.to_string(), account.to_string(), limit.clone(), progress.clone());
            puts.spawn(async move {
                let _permit = limit.acquire_owned().await.map_err(|e| anyhow!("upload pool closed: {e}"))?;
                s3.put_object()
                    .bucket(&bucket)
                    .key(&o.key)
                    .expected_bucket_owner(&account)
                    .content_type(o.content_type)
                    .metadata(SHA_METADATA, &o.sha256)
                    .body(ByteStream::from(o.body))
                    .send()
                    .await
                    .map_err(|e| anyhow!("cannot upload {} to s3://{bucket}/{}: {}", o.source, o.key, describe(&e)))?;
                progress.step(&format!("uploaded {} → s3://{bucket}/{}", o.source, o.key));
                anyhow::Ok(())
            });
        }
        while let Some(done) = puts.join_next().await {
            done.map_err(|e| anyhow!("upload task failed: {e}"))??;
        }
    }
    Ok(Uploaded { uploaded, unchanged })
}
