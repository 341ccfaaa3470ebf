//! The staging bucket and uploads. Every request that takes it carries ExpectedBucketOwner (the
//! caller's account), so a bucket of the same name in another account is refused by S3 instead
//! of receiving the templates. (CreateBucket has no such parameter: it creates in the caller's
//! account.)

use std::sync::Arc;

use anyhow::{anyhow, bail};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, ObjectOwnership,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, VersioningConfiguration,
};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::package::Object;
use super::progress::Progress;

/// How many uploads run at once.
const PARALLEL_UPLOADS: usize = 8;

/// The default staging bucket: one per account and region, named after them (not random, so
/// every publish of an account finds it again).
pub fn default_bucket(account: &str, region: &str) -> String {
    format!("sds-staging-{account}-{region}")
}

fn status<E>(e: &SdkError<E>) -> Option<u16> {
    e.raw_response().map(|r| r.status().as_u16())
}

/// A short account of an S3 error: the service's code and message, else the HTTP status, else
/// the SDK's own description (no credentials, connection refused, ...).
fn describe<E: ProvideErrorMetadata + std::error::Error + 'static>(e: &SdkError<E>) -> String {
    match (e.code(), e.message(), status(e)) {
        (Some(code), Some(message), _) => format!("{code}: {message}"),
        (Some(code), None, _) => code.to_string(),
        (None, _, Some(403)) => "access denied (HTTP 403)".to_string(),
        (None, _, Some(s)) => format!("HTTP {s}"),
        _ => super::aws::error_chain(e),
    }
}

/// Makes sure `bucket` exists in `account` (true when it was just created): created if missing, with all public access blocked,
/// default encryption, bucket-owner-enforced ownership, versioning and a TLS-only policy (except
/// against a plain-HTTP endpoint such as a local test server).
pub async fn ensure_bucket(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    account: &str,
    region: &str,
    plain_http: bool,
    progress: &dyn Progress,
) -> anyhow::Result<bool> {
    match s3.head_bucket().bucket(bucket).expected_bucket_owner(account).send().await {
        Ok(_) => return Ok(false),
        Err(e) => match status(&e) {
            Some(404) => {}
            Some(403) => bail!(
                "the staging bucket {bucket} exists but is not owned by account {account} (or it may not be read): choose another with --bucket"
            ),
            Some(301) => bail!("the staging bucket {bucket} is in another region than {region}: pass its region with --region"),
            _ => bail!("cannot check the staging bucket {bucket}: {}", describe(&e)),
        },
    }
    progress.step(&format!("creating staging bucket {bucket}"));
    let mut create = s3.create_bucket().bucket(bucket).object_ownership(ObjectOwnership::BucketOwnerEnforced);
    if region != "us-east-1" {
        let location =
            CreateBucketConfiguration::builder().location_constraint(BucketLocationConstraint::from(region)).build();
        create = create.create_bucket_configuration(location);
    }
    if let Err(e) = create.send().await {
        if e.code() != Some("BucketAlreadyOwnedByYou") {
            bail!("cannot create the staging bucket {bucket}: {}", describe(&e));
        }
    }
    let fail = |what: &str, e: &dyn std::fmt::Display| anyhow!("cannot {what} on the staging bucket {bucket}: {e}");
    let block = PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .block_public_policy(true)
        .ignore_public_acls(true)
        .restrict_public_buckets(true)
        .build();
    let by_default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(ServerSideEncryption::Aes256)
        .build()
        .map_err(|e| fail("set encryption", &e))?;
    let rule = ServerSideEncryptionRule::builder().apply_server_side_encryption_by_default(by_default).build();
    let encryption =
        ServerSideEncryptionConfiguration::builder().rules(rule).build().map_err(|e| fail("set encryption", &e))?;
    let versioning = VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build();
    // The settings are independent of each other: apply them at once.
    let public = async {
        s3.put_public_access_block()
            .bucket(bucket)
            .expected_bucket_owner(account)
            .public_access_block_configuration(block)
            .send()
            .await
            .map_err(|e| fail("block public access", &describe(&e)))
    };
    let encrypt = async {
        s3.put_bucket_encryption()
            .bucket(bucket)
            .expected_bucket_owner(account)
            .server_side_encryption_configuration(encryption)
            .send()
            .await
            .map_err(|e| fail("set default encryption", &describe(&e)))
    };
    let version = async {
        s3.put_bucket_versioning()
            .bucket(bucket)
            .expected_bucket_owner(account)
            .versioning_configuration(versioning)
            .send()
            .await
            .map_err(|e| fail("enable versioning", &describe(&e)))
    };
    tokio::try_join!(public, encrypt, version)?;
    if plain_http {
        // A local test server over plain HTTP (moto enforces the policy): every request would be denied.
        progress.step("not setting the TLS-only bucket policy: the S3 endpoint is plain HTTP");
        return Ok(true);
    }
    s3.put_bucket_policy()
        .bucket(bucket)
        .expected_bucket_owner(account)
        .policy(tls_only_policy(bucket))
        .send()
        .await
        .map_err(|e| fail("set the TLS-only policy", &describe(&e)))?;
    Ok(true)
}

/// Denies every request that does not use TLS.
pub fn tls_only_policy(bucket: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
            "Condition": { "Bool": { "aws:SecureTransport": "false" } },
        }],
    })
    .to_string()
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
