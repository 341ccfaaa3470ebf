//! The staging bucket's existence and settings. Every run reads the settings back (public access
//! block, default encryption, versioning, ownership controls and, except against a plain-HTTP
//! endpoint, the TLS-only policy: five cheap GETs at once) and sets only what is missing or weaker,
//! so a run interrupted between CreateBucket and the settings is repaired by the next one. Every
//! request carries ExpectedBucketOwner (CreateBucket has no such parameter: it creates in the
//! caller's account).

use anyhow::{anyhow, bail};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, ObjectOwnership, OwnershipControls,
    OwnershipControlsRule, PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, VersioningConfiguration,
};
use aws_sdk_s3::Client;

use super::progress::Progress;
use super::s3::{describe, status};

/// The Sid of the statement that denies requests without TLS.
const TLS_SID: &str = "DenyInsecureTransport";

/// Makes sure `bucket` exists in `account` with the settings above; true when it was just created.
pub async fn ensure_bucket(
    s3: &Client,
    bucket: &str,
    account: &str,
    region: &str,
    plain_http: bool,
    progress: &dyn Progress,
) -> anyhow::Result<bool> {
    let created = match s3.head_bucket().bucket(bucket).expected_bucket_owner(account).send().await {
        Ok(_) => false,
        Err(e) => match status(&e) {
            Some(404) => create(s3, bucket, region, progress).await?,
            Some(403) => bail!(
                "the staging bucket {bucket} answers access denied: it exists but is not owned by account {account}, or these credentials may not read it (HeadBucket needs {}): choose another with --bucket, or see `sds policy publish`",
                crate::policy::calls::actions_of("s3", "HeadBucket").join(" and ")
            ),
            Some(301) => bail!("the staging bucket {bucket} is in another region than {region}: pass its region with --region"),
            _ => bail!("cannot check the staging bucket {bucket}: {}", describe(&e)),
        },
    };
    repair(s3, bucket, account, plain_http, progress).await?;
    Ok(created)
}

async fn create(s3: &Client, bucket: &str, region: &str, progress: &dyn Progress) -> anyhow::Result<bool> {
    progress.step(&format!("creating staging bucket {bucket}"));
    let mut create = s3.create_bucket().bucket(bucket).object_ownership(ObjectOwnership::BucketOwnerEnforced);
    if region != "us-east-1" {
        let location =
            CreateBucketConfiguration::builder().location_constraint(BucketLocationConstraint::from(region)).build();
        create = create.create_bucket_configuration(location);
    }
    match create.send().await {
        Ok(_) => Ok(true),
        Err(e) if e.code() == Some("BucketAlreadyOwnedByYou") => Ok(false),
        Err(e) => bail!("cannot create the staging bucket {bucket}: {}", describe(&e)),
    }
}

/// None when the setting is absent (a 404 such as NoSuchBucketPolicy), the value otherwise.
fn absent_or<T, E>(r: Result<T, SdkError<E>>, what: &str, bucket: &str) -> anyhow::Result<Option<T>>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if status(&e) == Some(404) => Ok(None),
        Err(e) => bail!("cannot read the {what} of the staging bucket {bucket}: {}", describe(&e)),
    }
}

/// Reads the five settings at once, then sets what is missing or weaker, at once.
async fn repair(
    s3: &Client,
    bucket: &str,
    account: &str,
    plain_http: bool,
    progress: &dyn Progress,
) -> anyhow::Result<()> {
    let (public, encryption, versioning, ownership, policy) = tokio::join!(
        s3.get_public_access_block().bucket(bucket).expected_bucket_owner(account).send(),
        s3.get_bucket_encryption().bucket(bucket).expected_bucket_owner(account).send(),
        async { s3.get_bucket_versioning().bucket(bucket).expected_bucket_owner(account).send().await.map(Some) },
        s3.get_bucket_ownership_controls().bucket(bucket).expected_bucket_owner(account).send(),
        async {
            if plain_http {
                None
            } else {
                Some(s3.get_bucket_policy().bucket(bucket).expected_bucket_owner(account).send().await)
            }
        },
    );
    let public_ok = absent_or(public, "public access block", bucket)?
        .and_then(|p| p.public_access_block_configuration().cloned())
        .is_some_and(|c| {
            [c.block_public_acls(), c.ignore_public_acls(), c.block_public_policy(), c.restrict_public_buckets()]
                .iter()
                .all(|b| *b == Some(true))
        });
    let encryption_ok = absent_or(encryption, "default encryption", bucket)?
        .and_then(|e| e.server_side_encryption_configuration().cloned())
        .is_some_and(|c| c.rules().iter().any(|r| r.apply_server_side_encryption_by_default().is_some()));
    // moto answers GetBucketVersioning with a root element the SDK does not accept
    // (GetBucketVersioningResponse): an unreadable answer counts as "not enabled", and enabling
    // versioning again is harmless.
    let versioning = match versioning {
        Err(e) if matches!(e, SdkError::ResponseError(_)) || status(&e) == Some(200) => Ok(None),
        r => absent_or(r, "versioning", bucket),
    };
    let versioning_ok = versioning?.flatten().is_some_and(|v| v.status() == Some(&BucketVersioningStatus::Enabled));
    let ownership_ok = absent_or(ownership, "ownership controls", bucket)?
        .and_then(|o| o.ownership_controls().cloned())
        .is_some_and(|c| c.rules().iter().any(|r| r.object_ownership() == &ObjectOwnership::BucketOwnerEnforced));
    // The policy to put: None when the current one denies plain HTTP already (or is not wanted).
    let policy = match policy {
        None => None,
        Some(r) => {
            let current = absent_or(r, "bucket policy", bucket)?.and_then(|p| p.policy().map(str::to_string));
            with_tls_only(bucket, current.as_deref())?
        }
    };

    let fail = |what: &str, e: String| anyhow!("cannot {what} on the staging bucket {bucket}: {e}");
    let set_public = async {
        if public_ok {
            return Ok(());
        }
        progress.step(&format!("staging bucket {bucket}: blocking all public access"));
        let block = PublicAccessBlockConfiguration::builder()
            .block_public_acls(true)
            .block_public_policy(true)
            .ignore_public_acls(true)
            .restrict_public_buckets(true)
            .build();
        s3.put_public_access_block()
            .bucket(bucket)
            .expected_bucket_owner(account)
            .public_access_block_configuration(block)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| fail("block public access", describe(&e)))
    };
    let set_encryption = async {
        if encryption_ok {
            return Ok(());
        }
        progress.step(&format!("staging bucket {bucket}: setting default encryption"));
        let by_default = ServerSideEncryptionByDefault::builder()
            .sse_algorithm(ServerSideEncryption::Aes256)
            .build()
            .map_err(|e| fail("set encryption", e.to_string()))?;
        let rule = ServerSideEncryptionRule::builder().apply_server_side_encryption_by_default(by_default).build();
        let config = ServerSideEncryptionConfiguration::builder()
            .rules(rule)
            .build()
            .map_err(|e| fail("set encryption", e.to_string()))?;
        s3.put_bucket_encryption()
            .bucket(bucket)
            .expected_bucket_owner(account)
            .server_side_encryption_configuration(config)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| fail("set default encryption", describe(&e)))
    };
    let set_versioning = async {
        if versioning_ok {
            return Ok(());
        }
        progress.step(&format!("staging bucket {bucket}: enabling versioning"));
        s3.put_bucket_versioning()
            .bucket(bucket)
            .expected_bucket_owner(account)
            .versioning_configuration(
                VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build(),
            )
            .send()
            .await
            .map(|_| ())
            .map_err(|e| fail("enable versioning", describe(&e)))
    };
    let set_ownership = async {
        if ownership_ok {
            return Ok(());
        }
        progress.step(&format!("staging bucket {bucket}: enforcing bucket-owner ownership"));
        let rule = OwnershipControlsRule::builder()
            .object_ownership(ObjectOwnership::BucketOwnerEnforced)
            .build()
            .map_err(|e| fail("set ownership controls", e.to_string()))?;
        let controls = OwnershipControls::builder()
            .rules(rule)
            .build()
            .map_err(|e| fail("set ownership controls", e.to_string()))?;
        s3.put_bucket_ownership_controls()
            .bucket(bucket)
            .expected_bucket_owner(account)
            .ownership_controls(controls)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| fail("set ownership controls", describe(&e)))
    };
    let set_policy = async {
        let Some(policy) = &policy else { return Ok(()) };
        progress.step(&format!("staging bucket {bucket}: denying requests without TLS"));
        s3.put_bucket_policy()
            .bucket(bucket)
            .expected_bucket_owner(account)
            .policy(policy)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| fail("set the TLS-only policy", describe(&e)))
    };
    tokio::try_join!(set_public, set_encryption, set_versioning, set_ownership, set_policy)?;
    if plain_http {
        // A local test server over plain HTTP (moto enforces the policy): every request would be denied.
        progress.step("not checking the TLS-only bucket policy: the S3 endpoint is plain HTTP");
    }
    Ok(())
}

/// The statement that denies every request without TLS.
fn tls_statement(bucket: &str) -> serde_json::Value {
    serde_json::json!({
        "Sid": TLS_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
        "Condition": { "Bool": { "aws:SecureTransport": "false" } },
    })
}

/// Denies every request that does not use TLS.
pub fn tls_only_policy(bucket: &str) -> String {
    serde_json::json!({ "Version": "2012-10-17", "Statement": [tls_statement(bucket)] }).to_string()
}

/// Whether a statement denies every action on the bucket without TLS.
fn denies_plain_http(s: &serde_json::Value) -> bool {
    let secure = &s["Condition"]["Bool"]["aws:SecureTransport"];
    s["Effect"] == "Deny"
        && (s["Action"] == "s3:*" || s["Action"].as_array().is_some_and(|a| a.iter().any(|x| x == "s3:*")))
        && (*secure == "false" || *secure == false)
}

/// The policy to put so that the bucket denies plain HTTP: None when `current` does already,
/// else `current` with the TLS-only statement added (or the TLS-only policy when there is none).
pub fn with_tls_only(bucket: &str, current: Option<&str>) -> anyhow::Result<Option<String>> {
    let Some(current) = current else { return Ok(Some(tls_only_policy(bucket))) };
    let mut policy: serde_json::Value = serde_json::from_str(current)
        .map_err(|e| anyhow!("the policy of the staging bucket {bucket} is not JSON: {e}"))?;
    let statements = match &policy["Statement"] {
        serde_json::Value::Array(a) => a.clone(),
        serde_json::Value::Object(_) => vec![policy["Statement"].clone()],
        _ => Vec::new(),
    };
    if statements.iter().any(denies_plain_http) {
        return Ok(None);
    }
    let mut statements = statements;
    statements.push(tls_statement(bucket));
    policy["Statement"] = serde_json::Value::Array(statements);
    Ok(Some(policy.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tls_statement_is_added_once_and_kept() {
        let ours = tls_only_policy("b");
        assert_eq!(with_tls_only("b", None).unwrap(), Some(ours.clone()));
        assert_eq!(with_tls_only("b", Some(&ours)).unwrap(), None);
        let other = r#"{"Version":"2012-10-17","Statement":{"Sid":"Read","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#;
        let merged: serde_json::Value =
            serde_json::from_str(&with_tls_only("b", Some(other)).unwrap().unwrap()).unwrap();
        let statements = merged["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[0]["Sid"], "Read");
        assert!(denies_plain_http(&statements[1]));
        assert!(with_tls_only("b", Some("not json")).is_err());
    }
}
