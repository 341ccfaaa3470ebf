//! A small SageMaker client for the few calls `sds destroy` makes (list and delete Studio apps,
//! user profiles and spaces), speaking SageMaker's JSON protocol directly: a signed `POST /` with
//! `X-Amz-Target: SageMaker.<Operation>` and a JSON body.
//!
//! Why not `aws-sdk-sagemaker`: the generated crate covers SageMaker's whole API (its rlib is
//! about five times aws-sdk-cloudformation's) and alone would add minutes to a fresh release build
//! on two cores, for six operations. This client reuses what the SDK already brings: credentials
//! and region from the same `SdkConfig` (so profiles, SSO and roles work the same), SigV4 from
//! `aws-sigv4`, and the same hyper/rustls connector. It keeps the SDK clients' behaviour where
//! `sds` relies on it: the endpoint override (`AWS_ENDPOINT_URL_SAGEMAKER`, then
//! `AWS_ENDPOINT_URL`, or a profile's `endpoint_url`), connect/read/attempt/overall timeouts,
//! retries of throttling and transient errors, the request log (`SDS_REQUEST_LOG`) and an
//! AccessDenied that names the IAM actions the call needs.
//! See: <https://docs.aws.amazon.com/sagemaker/latest/APIReference/CommonParameters.html>
//! See: <https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html>

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::Provider;
use aws_smithy_http_client::Connector;
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings};
use aws_smithy_runtime_api::client::identity::Identity;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use serde_json::Value;

use super::aws::{denied, error_chain, needs, not_an_aws_error, secs, Timeouts};

/// The signing name and service id of SageMaker.
const SERVICE: &str = "sagemaker";

/// Attempts per call (throttling, 5xx and transport errors are retried).
const MAX_ATTEMPTS: u32 = 3;

/// The SageMaker client.
#[derive(Clone)]
pub struct SageMaker {
    credentials: Option<SharedCredentialsProvider>,
    region: String,
    /// `https://api.sagemaker.<region>.amazonaws.com`, or the override.
    endpoint: String,
    /// Made on the first call: publish and bootstrap build this client but never call it.
    connector: Arc<OnceLock<Connector>>,
    timeouts: Timeouts,
    backoff: Duration,
    log: Option<Arc<Mutex<std::fs::File>>>,
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    /// The service's error code (`ResourceNotFound`, `AccessDeniedException`), if it sent one.
    pub code: Option<String>,
    /// What to print: the code and message, or the transport failure with the endpoint.
    pub text: String,
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for CallError {}

/// One attempt's outcome: an answer, or an error and whether to try again.
enum Attempt {
    Answer(Value),
    Failed { error: CallError, retry: bool },
}

impl SageMaker {
    /// A client on the configuration the SDK clients are built from.
    pub fn new(
        conf: &aws_types::SdkConfig,
        region: &str,
        timeouts: Timeouts,
        backoff: Option<Duration>,
        log: Option<Arc<Mutex<std::fs::File>>>,
    ) -> SageMaker {
        let key = aws_types::service_config::ServiceConfigKey::builder()
            .service_id("SageMaker")
            .env("AWS_ENDPOINT_URL")
            .profile("endpoint_url")
            .build();
        let endpoint = key
            .ok()
            .and_then(|key| conf.service_config().and_then(|c| c.load_config(key)))
            .or_else(|| conf.endpoint_url().map(str::to_string))
            .unwrap_or_else(|| format!("https://api.{SERVICE}.{region}.amazonaws.com"));
        SageMaker {
            credentials: conf.credentials_provider(),
            region: region.to_string(),
            endpoint: endpoint.trim_end_matches('/').to_string(),
            connector: Arc::new(OnceLock::new()),
            timeouts,
            backoff: backoff.unwrap_or(Duration::from_millis(200)),
            log,
        }
    }

    /// Where the requests go.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Calls `operation` with `input`; the answer's JSON body.
    pub async fn call(&self, operation: &'static str, input: Value) -> Result<Value, CallError> {
        let body = input.to_string();
        let all = async {
            let mut attempt = 1;
            loop {
                let once = tokio::time::timeout(self.timeouts.attempt, self.attempt(operation, &body)).await;
                let (error, retry) = match once {
                    Ok(Attempt::Answer(v)) => return Ok(v),
                    Ok(Attempt::Failed { error, retry }) => (error, retry),
                    Err(_) => (self.transport(format!("did not answer in {}", secs(self.timeouts.attempt))), true),
                };
                if !retry || attempt >= MAX_ATTEMPTS {
                    return Err(error);
                }
                tokio::time::sleep(self.backoff * 2u32.pow(attempt - 1)).await;
                attempt += 1;
            }
        };
        match tokio::time::timeout(self.timeouts.operation, all).await {
            Ok(r) => r,
            Err(_) => Err(self.transport(format!(
                "did not answer in time (timeouts: {} per attempt, {} in all)",
                secs(self.timeouts.attempt),
                secs(self.timeouts.operation)
            ))),
        }
    }

    fn transport(&self, what: String) -> CallError {
        CallError { code: None, text: format!("{} {what}", self.endpoint) }
    }

    async fn attempt(&self, operation: &'static str, body: &str) -> Attempt {
        let request = match self.signed(operation, body).await {
            Ok(r) => r,
            Err(text) => return Attempt::Failed { error: CallError { code: None, text }, retry: false },
        };
        self.record(operation, body);
        let connector = self.connector.get_or_init(|| {
            let t = &self.timeouts;
            let settings = HttpConnectorSettings::builder().connect_timeout(t.connect).read_timeout(t.read).build();
            Connector::builder().connector_settings(settings).tls_provider(Provider::Rustls(CryptoMode::Ring)).build()
        });
        let response = match connector.call(request).await {
            Ok(r) => r,
            Err(e) => {
                let why = if e.is_timeout() {
                    format!(
                        "timed out (connect timeout {}, read timeout {}): {}",
                        secs(self.timeouts.connect),
                        secs(self.timeouts.read),
                        error_chain(&e)
                    )
                } else {
                    format!("cannot be reached: {}", error_chain(&e))
                };
                return Attempt::Failed { error: self.transport(why), retry: true };
            }
        };
        let status = response.status().as_u16();
        let kind = response.headers().get("content-type").map(str::to_string);
        let response_code = response.headers().get("x-amzn-errortype").map(str::to_string);
        let bytes = match ByteStream::new(response.into_body()).collect().await {
            Ok(b) => b.into_bytes(),
            Err(e) => {
                return Attempt::Failed {
                    error: self.transport(format!("answer cut short: {}", error_chain(&e))),
                    retry: true,
                }
            }
        };
        let json: Option<Value> = serde_json::from_slice(&bytes).ok();
        if (200..300).contains(&status) {
            return match json {
                Some(v) => Attempt::Answer(v),
                None => Attempt::Failed {
                    error: self.transport(format!("sent an unreadable answer (HTTP {status})")),
                    retry: false,
                },
            };
        }
        let header_code = response_code.map(Value::String);
        let xml = String::from_utf8_lossy(&bytes);
        let code = json
            .as_ref()
            .and_then(error_code)
            .or_else(|| header_code.as_ref().and_then(|c| error_code(&serde_json::json!({ "code": c }))))
            .or_else(|| xml_field(&xml, "Code"));
        let message = json
            .as_ref()
            .and_then(|v| v.get("message").or_else(|| v.get("Message")).and_then(Value::as_str).map(str::to_string))
            .or_else(|| xml_field(&xml, "Message"));
        let retry = status >= 500
            || status == 429
            || code.as_deref().is_some_and(|c| c.contains("Throttl") || c == "ServiceUnavailable");
        let mut text = match (&code, message) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (Some(c), None) => format!("{c} (HTTP {status})"),
            (None, _) => not_an_aws_error(status, kind.as_deref(), &self.endpoint),
        };
        if denied(status, code.as_deref()) {
            text.push_str(&needs(SERVICE, operation));
        }
        Attempt::Failed { error: CallError { code, text }, retry }
    }

    /// The request, signed with SigV4 (credentials resolved, and refreshed, by the provider).
    async fn signed(
        &self,
        operation: &str,
        body: &str,
    ) -> Result<aws_smithy_runtime_api::client::orchestrator::HttpRequest, String> {
        let provider = self.credentials.as_ref().ok_or(
            "no credentials (configure credentials: environment variables, --profile, SSO or an instance role)",
        )?;
        let credentials =
            provider.provide_credentials().await.map_err(|e| format!("no credentials: {}", error_chain(&e)))?;
        let identity = Identity::from(credentials);
        let url = format!("{}/", self.endpoint);
        let target = format!("SageMaker.{operation}");
        let mut request = http::Request::builder()
            .method("POST")
            .uri(&url)
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", &target)
            .body(body.to_string())
            .map_err(|e| format!("cannot build the request to {url}: {e}"))?;
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(SERVICE)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| format!("cannot sign the request: {e}"))?
            .into();
        let headers: Vec<(&str, &str)> =
            request.headers().iter().filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?))).collect();
        let signable =
            SignableRequest::new("POST", url.as_str(), headers.into_iter(), SignableBody::Bytes(body.as_bytes()))
                .map_err(|e| format!("cannot sign the request: {e}"))?;
        let (instructions, _) =
            sign(signable, &params).map_err(|e| format!("cannot sign the request: {e}"))?.into_parts();
        instructions.apply_to_request_http1x(&mut request);
        let request = request.map(SdkBody::from);
        aws_smithy_runtime_api::client::orchestrator::HttpRequest::try_from(request)
            .map_err(|e| format!("cannot build the request to {url}: {e}"))
    }

    /// Appends the request to `SDS_REQUEST_LOG`, in the SDK clients' format.
    fn record(&self, operation: &str, body: &str) {
        let Some(file) = &self.log else { return };
        let millis = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
        let line = serde_json::json!({
            "service": SERVICE,
            "operation": operation,
            "at_ms": millis as u64,
            "method": "POST",
            "uri": format!("{}/", self.endpoint),
            "target": format!("SageMaker.{operation}"),
            "input": serde_json::from_str::<Value>(body).ok(),
        });
        if let Ok(mut f) = file.lock() {
            let _ = writeln!(f, "{line}");
        }
    }
}

/// The error code of a JSON-protocol error answer: `__type`, without a namespace
/// (`com.amazonaws.sagemaker#ResourceNotFound` → `ResourceNotFound`) or a `:` suffix.
/// See: <https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html#operation-error-serialization>
fn error_code(v: &Value) -> Option<String> {
    // Also the `X-Amzn-Errortype` header's value, passed as `code`.
    let raw = v.get("__type").or_else(|| v.get("code")).and_then(Value::as_str)?;
    let name = raw.rsplit('#').next().unwrap_or(raw);
    let name = name.split(':').next().unwrap_or(name);
    (!name.is_empty()).then(|| name.to_string())
}

/// A field of an XML error answer (`<Code>AccessDenied</Code>`), which some servers and proxies
/// send even to JSON-protocol requests.
fn xml_field(text: &str, field: &str) -> Option<String> {
    let open = format!("<{field}>");
    let start = text.find(&open)? + open.len();
    let end = start + text[start..].find(&format!("</{field}>"))?;
    let value = text[start..end].trim();
    (!value.is_empty()).then(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_lose_their_namespace_and_suffix() {
        let code = |s: &str| error_code(&serde_json::from_str(s).unwrap());
        assert_eq!(
            code(r#"{"__type":"com.amazonaws.sagemaker#ResourceNotFound"}"#).as_deref(),
            Some("ResourceNotFound")
        );
        assert_eq!(
            code(r#"{"__type":"AccessDeniedException:http://internal.amazon.com/"}"#).as_deref(),
            Some("AccessDeniedException")
        );
        assert_eq!(code(r#"{"code":"ThrottlingException"}"#).as_deref(), Some("ThrottlingException"));
        assert_eq!(code(r#"{"message":"x"}"#), None);
        let xml =
            "<ErrorResponse><Error><Code>AccessDeniedException</Code><Message>no</Message></Error></ErrorResponse>";
        assert_eq!(xml_field(xml, "Code").as_deref(), Some("AccessDeniedException"));
        assert_eq!(xml_field(xml, "Message").as_deref(), Some("no"));
        assert_eq!(xml_field("<html>502</html>", "Code"), None);
    }
}
