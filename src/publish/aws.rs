//! AWS clients from the standard chain (environment, profiles, SSO, IMDS; `AWS_ENDPOINT_URL`
//! honoured, with path-style S3 addressing then, so LocalStack and moto work), and an optional
//! request log: with `SDS_REQUEST_LOG=FILE`, every S3 and CloudFormation request is appended to
//! FILE as a JSON line (service, method, URI, `x-amz-expected-bucket-owner`), to check what was
//! sent where a local server does not enforce it.

use std::fs::OpenOptions;
use std::io::Write;
use std::sync::{Arc, Mutex};

use anyhow::{anyhow, Context};
use aws_config::{BehaviorVersion, Region};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// The clients publishing needs, and where they point.
#[derive(Clone)]
pub struct Aws {
    pub s3: aws_sdk_s3::Client,
    pub cfn: aws_sdk_cloudformation::Client,
    pub sts: aws_sdk_sts::Client,
    pub region: String,
    /// The endpoint override (`AWS_ENDPOINT_URL`), if any.
    pub endpoint: Option<String>,
}

impl Aws {
    /// The S3 endpoint URL that templates use to point at uploaded objects.
    pub fn s3_url(&self) -> String {
        match &self.endpoint {
            Some(e) => e.trim_end_matches('/').to_string(),
            None => format!("https://s3.{}.amazonaws.com", self.region),
        }
    }
}

/// Appends each request to a file.
#[derive(Debug, Clone)]
struct RequestLog {
    service: &'static str,
    file: Arc<Mutex<std::fs::File>>,
}

impl Intercept for RequestLog {
    fn name(&self) -> &'static str {
        "sds-request-log"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let r = context.request();
        let line = serde_json::json!({
            "service": self.service,
            "method": r.method(),
            "uri": r.uri(),
            "expected_bucket_owner": r.headers().get("x-amz-expected-bucket-owner"),
            "target": r.headers().get("x-amz-target"),
        });
        let mut f = self.file.lock().map_err(|_| "request log lock poisoned")?;
        writeln!(f, "{line}")?;
        Ok(())
    }
}

/// Loads the configuration and builds the clients.
pub async fn connect(region: Option<&str>, profile: Option<&str>) -> anyhow::Result<Aws> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(r) = region {
        loader = loader.region(Region::new(r.to_string()));
    }
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    let conf = loader.load().await;
    let region = conf
        .region()
        .map(|r| r.to_string())
        .ok_or_else(|| anyhow!("no AWS region: pass --region, or set AWS_REGION or a region in your profile"))?;
    let endpoint = conf.endpoint_url().map(str::to_string);
    let log = match std::env::var_os("SDS_REQUEST_LOG") {
        Some(path) => {
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .with_context(|| format!("cannot open SDS_REQUEST_LOG {}", path.to_string_lossy()))?;
            Some(Arc::new(Mutex::new(f)))
        }
        None => None,
    };
    let mut s3 = aws_sdk_s3::config::Builder::from(&conf).force_path_style(endpoint.is_some());
    let mut cfn = aws_sdk_cloudformation::config::Builder::from(&conf);
    if let Some(file) = &log {
        s3 = s3.interceptor(RequestLog { service: "s3", file: file.clone() });
        cfn = cfn.interceptor(RequestLog { service: "cloudformation", file: file.clone() });
    }
    Ok(Aws {
        s3: aws_sdk_s3::Client::from_conf(s3.build()),
        cfn: aws_sdk_cloudformation::Client::from_conf(cfn.build()),
        sts: aws_sdk_sts::Client::new(&conf),
        region,
        endpoint,
    })
}

/// An error and its sources, one after the other, without the SDK's debug dump.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// The account the credentials belong to.
pub async fn account(aws: &Aws) -> anyhow::Result<String> {
    let who = aws.sts.get_caller_identity().send().await.map_err(|e| {
        let text = error_chain(&e);
        let hint = if text.contains("no credentials") {
            " (configure credentials: environment variables, --profile, SSO or an instance role)"
        } else if text.contains("Connection refused") || text.contains("dns error") {
            " (is the endpoint reachable? check AWS_ENDPOINT_URL and the network)"
        } else {
            ""
        };
        anyhow!("cannot find out which AWS account to publish to (STS GetCallerIdentity): {text}{hint}")
    })?;
    who.account().map(str::to_string).ok_or_else(|| anyhow!("STS GetCallerIdentity returned no account"))
}
