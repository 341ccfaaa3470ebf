//! AWS clients from the standard chain (environment, profiles, SSO, IMDS; `AWS_ENDPOINT_URL`
//! honoured, with path-style S3 addressing then, so LocalStack and moto work), and an optional
//! request log: with `SDS_REQUEST_LOG=FILE`, every STS, S3, CloudFormation and SageMaker request is appended
//! to FILE as a JSON line (the SDK's service and operation, method, URI,
//! `x-amz-expected-bucket-owner`, `If-None-Match`, `If-Match`), to check what was sent where a
//! local server does not enforce it, and that every call is in `sds policy`'s table.
//!
//! Every answer carries the call it answers ([`Called`]), so an AccessDenied names the IAM
//! actions the call needs, from that table.
//!
//! Every call has connect, read, per-attempt and overall timeouts (`Timeouts`; all scaled from
//! `SDS_AWS_TIMEOUT_MS` for tests), and errors are described with the endpoint they came from.

use std::fs::OpenOptions;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use anyhow::{anyhow, Context};
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::Provider;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextMut, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, Metadata};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// The clients publishing needs, and where they point.
#[derive(Clone)]
pub struct Aws {
    pub s3: aws_sdk_s3::Client,
    pub cfn: aws_sdk_cloudformation::Client,
    pub sts: aws_sdk_sts::Client,
    /// SageMaker (`sds destroy` only: the Studio apps, spaces and user profiles of the domain).
    pub sagemaker: super::sagemaker::SageMaker,
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
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let r = context.request();
        // CloudFormation's query protocol names the action and the stack in the form body.
        let form = r.body().bytes().map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
        let field = |name: &str| {
            form.split('&')
                .find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
                .map(|v| v.replace("%2F", "/").replace("%3A", ":"))
        };
        let millis =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
        let operation = cfg.load::<Metadata>().map(|m| m.name().to_string());
        let line = serde_json::json!({
            "service": self.service,
            "operation": operation,
            "at_ms": millis as u64,
            "action": field("Action"),
            "stack": field("StackName"),
            "change_set": field("ChangeSetName"),
            "role_arn": field("RoleARN"),
            "method": r.method(),
            "uri": r.uri(),
            "expected_bucket_owner": r.headers().get("x-amz-expected-bucket-owner"),
            "target": r.headers().get("x-amz-target"),
            "if_none_match": r.headers().get("if-none-match"),
            "if_match": r.headers().get("if-match"),
            // JSON protocols (SageMaker) name what a call is on in a JSON body.
            "input": serde_json::from_str::<serde_json::Value>(&form).ok(),
        });
        let mut f = self.file.lock().map_err(|_| "request log lock poisoned")?;
        writeln!(f, "{line}")?;
        Ok(())
    }
}

/// The call an answer is for (the SDK's service and operation names), attached to every answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Called {
    pub service: String,
    pub operation: String,
}

/// Attaches [`Called`] to each answer before it is read.
#[derive(Debug)]
struct MarkCalls;

impl Intercept for MarkCalls {
    fn name(&self) -> &'static str {
        "sds-mark-calls"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(m) = cfg.load::<Metadata>() {
            let called = Called { service: m.service().to_string(), operation: m.name().to_string() };
            context.response_mut().add_extension(called);
        }
        Ok(())
    }
}

/// For an answer that denies access: which IAM actions the call needs (from `sds policy`'s
/// table) and how to get the whole policy; empty otherwise.
pub fn denied_hint(response: Option<&HttpResponse>, code: Option<&str>) -> String {
    let Some(r) = response else { return String::new() };
    let Some(called) = r.extension::<Called>().filter(|_| denied(r.status().as_u16(), code)) else {
        return String::new();
    };
    needs(&called.service, &called.operation)
}

/// Whether an answer denies access.
pub(crate) fn denied(status: u16, code: Option<&str>) -> bool {
    status == 403 || matches!(code, Some("AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation"))
}

/// ` (Operation needs service:Action; ...)`: the IAM actions a denied call needs, from `sds
/// policy`'s table; empty when the table has none for it.
pub(crate) fn needs(service: &str, operation: &str) -> String {
    let actions = crate::policy::calls::actions_of(service, operation);
    if actions.is_empty() {
        return String::new();
    }
    format!(" ({operation} needs {}; `sds policy` prints the policies sds needs)", actions.join(" and "))
}

/// An answer with an HTTP error status but no AWS error in it (a proxy's or web server's page).
pub(crate) fn not_an_aws_error(status: u16, content_type: Option<&str>, endpoint: &str) -> String {
    let kind = content_type.map(|c| format!(", {c}")).unwrap_or_default();
    let reason = match status {
        403 => " (access denied)",
        404 => " (not found: is this an AWS endpoint?)",
        _ => "",
    };
    format!("HTTP {status}{reason} from {endpoint} without an AWS error{kind}")
}

/// How long any AWS call may take: to connect, to receive data once connected, per attempt, and in
/// all (retries included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    pub read: Duration,
    pub attempt: Duration,
    pub operation: Duration,
}

impl Timeouts {
    /// 10 s to connect, 60 s without data, 2 min per attempt, 5 min in all; with
    /// `SDS_AWS_TIMEOUT_MS=T` (tests): T to connect, to read and per attempt, 3 T in all.
    pub fn from_env() -> Timeouts {
        match std::env::var("SDS_AWS_TIMEOUT_MS").ok().and_then(|v| v.parse::<u64>().ok()) {
            Some(ms) => {
                let t = Duration::from_millis(ms.max(1));
                Timeouts { connect: t, read: t, attempt: t, operation: t * 3 }
            }
            None => Timeouts {
                connect: Duration::from_secs(10),
                read: Duration::from_secs(60),
                attempt: Duration::from_secs(120),
                operation: Duration::from_secs(300),
            },
        }
    }

    fn config(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect)
            .read_timeout(self.read)
            .operation_attempt_timeout(self.attempt)
            .operation_timeout(self.operation)
            .build()
    }
}

/// Attempts of a CloudFormation call of the team stacks (throttling and transient errors are
/// retried).
pub const CFN_MAX_ATTEMPTS: u32 = 8;

/// The CloudFormation client for the team stacks: CloudFormation throttles bursts (many team
/// stacks at once), so their calls are retried more, with exponential backoff (jittered, from
/// 1 s; `SDS_RETRY_BACKOFF_MS` in tests).
/// See: <https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html>
pub fn patient(cfn: &aws_sdk_cloudformation::Client) -> aws_sdk_cloudformation::Client {
    let retry = aws_config::retry::RetryConfig::standard()
        .with_max_attempts(CFN_MAX_ATTEMPTS)
        .with_initial_backoff(env_backoff().unwrap_or(Duration::from_secs(1)));
    aws_sdk_cloudformation::Client::from_conf(cfn.config().to_builder().retry_config(retry).build())
}

/// The first retry's backoff, from `SDS_RETRY_BACKOFF_MS` (tests).
pub(crate) fn env_backoff() -> Option<Duration> {
    std::env::var("SDS_RETRY_BACKOFF_MS").ok().and_then(|v| v.parse().ok()).map(Duration::from_millis)
}

/// Where requests go and with which timeouts, for error messages (set once by `connect`).
#[derive(Debug)]
struct Transport {
    endpoint: Option<String>,
    region: String,
    timeouts: Timeouts,
}

static TRANSPORT: OnceLock<Transport> = OnceLock::new();

/// The endpoint a service's requests go to.
pub fn endpoint_of(service: &str) -> String {
    match TRANSPORT.get() {
        Some(Transport { endpoint: Some(e), .. }) => e.clone(),
        Some(t) => format!("https://{service}.{}.amazonaws.com", t.region),
        None => format!("the {service} endpoint"),
    }
}

pub(crate) fn secs(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// A short account of an AWS error: a timeout or an unreachable endpoint named with the endpoint
/// and the limit, the service's code and message when it sent one, the HTTP status and the endpoint
/// when the answer is not an AWS error (a web server's HTML page), else the error chain.
pub fn describe<E>(service: &str, e: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    format!("{}{}", account_of(service, e), denied_hint(e.raw_response(), e.code()))
}

fn account_of<E>(service: &str, e: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let endpoint = endpoint_of(service);
    let t = TRANSPORT.get().map(|t| t.timeouts).unwrap_or_else(Timeouts::from_env);
    match e {
        SdkError::TimeoutError(_) => {
            return format!(
                "{endpoint} did not answer in time (timeouts: {} per attempt, {} in all): {}",
                secs(t.attempt),
                secs(t.operation),
                error_chain(e)
            )
        }
        SdkError::DispatchFailure(d) if d.is_timeout() => {
            return format!(
                "{endpoint} timed out (connect timeout {}, read timeout {}): {}",
                secs(t.connect),
                secs(t.read),
                error_chain(e)
            )
        }
        SdkError::DispatchFailure(d) if d.is_io() => return format!("cannot reach {endpoint}: {}", error_chain(e)),
        SdkError::ResponseError(r) => {
            return format!(
                "unreadable answer from {endpoint} (HTTP {}): {}",
                r.raw().status().as_u16(),
                error_chain(e)
            )
        }
        _ => {}
    }
    match (e.code(), e.message(), e.raw_response()) {
        (Some(code), Some(message), _) => format!("{code}: {message}"),
        (Some(code), None, Some(r)) => format!("{code} (HTTP {})", r.status().as_u16()),
        (Some(code), None, None) => code.to_string(),
        (None, _, Some(r)) if r.status().is_success() => {
            format!("unreadable answer from {endpoint} (HTTP {}): {}", r.status().as_u16(), error_chain(e))
        }
        (None, _, Some(r)) => not_an_aws_error(r.status().as_u16(), r.headers().get("content-type"), &endpoint),
        _ => error_chain(e),
    }
}

/// True when the error is the transport's (timeout, unreachable endpoint), not the service's answer.
pub fn is_transport<E, R>(e: &SdkError<E, R>) -> bool {
    matches!(e, SdkError::TimeoutError(_) | SdkError::DispatchFailure(_))
}

/// The one HTTP client of every AWS call: hyper 1 with rustls on ring (the SDK's default features,
/// which would add aws-lc's C build, are off). It speaks plain `http://` too, for local servers.
pub fn http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring)).build_https()
}

/// Loads the configuration and builds the clients.
pub async fn connect(region: Option<&str>, profile: Option<&str>) -> anyhow::Result<Aws> {
    let timeouts = Timeouts::from_env();
    let mut loader =
        aws_config::defaults(BehaviorVersion::latest()).http_client(http_client()).timeout_config(timeouts.config());
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
    let _ = TRANSPORT.set(Transport { endpoint: endpoint.clone(), region: region.clone(), timeouts });
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
    let mut s3 = aws_sdk_s3::config::Builder::from(&conf).force_path_style(endpoint.is_some()).interceptor(MarkCalls);
    let mut cfn = aws_sdk_cloudformation::config::Builder::from(&conf).interceptor(MarkCalls);
    let mut sts = aws_sdk_sts::config::Builder::from(&conf).interceptor(MarkCalls);
    if let Some(file) = &log {
        s3 = s3.interceptor(RequestLog { service: "s3", file: file.clone() });
        cfn = cfn.interceptor(RequestLog { service: "cloudformation", file: file.clone() });
        sts = sts.interceptor(RequestLog { service: "sts", file: file.clone() });
    }
    Ok(Aws {
        s3: aws_sdk_s3::Client::from_conf(s3.build()),
        cfn: aws_sdk_cloudformation::Client::from_conf(cfn.build()),
        sts: aws_sdk_sts::Client::from_conf(sts.build()),
        sagemaker: super::sagemaker::SageMaker::new(&conf, &region, timeouts, env_backoff(), log.clone()),
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
        let text = describe("sts", &e);
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
