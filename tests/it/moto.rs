//! A real local AWS API server for the tests: moto (PyPI `moto[server]`, pinned in
//! scripts/requirements-test.txt), one per test on a free loopback port, stopped when dropped.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command as Cmd;

/// With IAM enforcement on (`INITIAL_NO_AUTH_ACTION_COUNT`), moto checks the signature of a
/// form-encoded request (CloudFormation, IAM) on a body it re-encodes from the parsed form, with
/// `+` for a space, where the SDK sent `%20` (RFC 3986): a request with a space in a value
/// (a change set's description, a template body) fails as SignatureDoesNotMatch. This re-encodes it
/// the SDK's way; without enforcement it is never called.
const SIGNATURE_PATCH: &str = r#"
import urllib.parse
from moto.iam import access_control as _ac
_create = _ac.IAMRequestBase._create_aws_request
def _sdk_encoded(self):
    if not self._body and isinstance(self._data, dict):
        pairs = [(k, v) for k, vs in self._data.items() for v in (vs if isinstance(vs, list) else [vs])]
        self._body = urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote, safe="-_.~")
    return _create(self)
_ac.IAMRequestBase._create_aws_request = _sdk_encoded
"#;

pub struct Moto {
    child: Child,
    pub port: u16,
    /// Scratch directory of the test (request log, app).
    pub dir: tempfile::TempDir,
}

impl Moto {
    pub fn start() -> Moto {
        Moto::start_with(&[])
    }

    /// A server with these environment variables (`INITIAL_NO_AUTH_ACTION_COUNT`: after that
    /// many requests, moto authorizes each against IAM).
    pub fn start_with(env: &[(&str, &str)]) -> Moto {
        let port =
            TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port");
        let child = Command::new("python3")
            .args(["-c", &format!("{SIGNATURE_PATCH}\nfrom moto.server import main; main()")])
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 with moto[server] (scripts/test installs it)");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "moto did not start on port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Moto { child, port, dir: tempfile::tempdir().expect("temp dir") }
    }

    pub fn endpoint(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    pub fn request_log(&self) -> PathBuf {
        self.dir.path().join("requests.jsonl")
    }

    /// The environment that points `sds` at this server with test credentials and nothing from
    /// the user's AWS files.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let path = |p: PathBuf| p.display().to_string();
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_CONFIG_FILE", path(self.dir.path().join("no-config"))),
            ("AWS_SHARED_CREDENTIALS_FILE", path(self.dir.path().join("no-credentials"))),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
            ("SDS_POLL_MS", "200".into()),
            ("SDS_REQUEST_LOG", path(self.request_log())),
        ]
    }

    /// `sds` pointed at this server.
    pub fn sds(&self) -> Cmd {
        let mut c = crate::support::sds();
        c.envs(self.env()).env_remove("AWS_PROFILE");
        c
    }

    /// The same as a plain process, to spawn and signal.
    pub fn process(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sds"));
        c.current_dir(crate::support::root()).env("NO_COLOR", "1").envs(self.env()).env_remove("AWS_PROFILE");
        c
    }

    /// The logged requests, as JSON values.
    pub fn requests(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(self.request_log()).unwrap_or_default();
        text.lines().map(|l| serde_json::from_str(l).expect("request log line")).collect()
    }

    /// An S3 client for reading back what was uploaded.
    pub fn s3(&self) -> aws_sdk_s3::Client {
        let creds = aws_sdk_s3::config::Credentials::new("testing", "testing", None, None, "tests");
        let conf = aws_sdk_s3::config::Builder::new()
            .behavior_version_latest()
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .endpoint_url(self.endpoint())
            .credentials_provider(creds)
            .http_client(sds::publish::aws::http_client())
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }
}

impl Moto {
    /// A CloudFormation client for reading back what was deployed.
    pub fn cfn(&self) -> aws_sdk_cloudformation::Client {
        let creds = aws_sdk_cloudformation::config::Credentials::new("testing", "testing", None, None, "tests");
        let conf = aws_sdk_cloudformation::config::Builder::new()
            .behavior_version_latest()
            .region(aws_sdk_cloudformation::config::Region::new("us-east-1"))
            .endpoint_url(self.endpoint())
            .credentials_provider(creds)
            .http_client(sds::publish::aws::http_client())
            .build();
        aws_sdk_cloudformation::Client::from_conf(conf)
    }

    /// Stops the server now (the test's own child process).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Writes a small app of our own that moto can create: a root with an SNS topic and a nested
/// stack holding an SSM parameter.
pub fn small_app(dir: &Path, env_default: &str, extra: &str) -> PathBuf {
    let app = dir.join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("root.yaml"),
        format!(
            "Parameters:\n  Env:\n    Type: String\n    Default: {env_default}\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Sub 'alerts-${{Env}}'\n  Child:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: child.yaml\n      Parameters:\n        Name: !Sub 'sds-${{Env}}'\n{extra}Outputs:\n  TopicArn:\n    Value: !Ref Topic\n"
        ),
    )
    .unwrap();
    std::fs::write(
        app.join("child.yaml"),
        "Parameters:\n  Name:\n    Type: String\nResources:\n  Param:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Name: !Ref Name\n      Type: String\n      Value: hello\nOutputs:\n  ParamName:\n    Value: !Ref Param\n",
    )
    .unwrap();
    app
}
