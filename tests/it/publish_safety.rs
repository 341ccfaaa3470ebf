//! `sds publish` when things go wrong: silent and non-AWS endpoints, Ctrl-C and SIGKILL in each
//! phase, the per-stack lock, the staging bucket's settings repaired, the wait limit, failures
//! reported by stack events, and options that would be ignored. moto where it can produce the
//! state; the stand-ins of `stand_in.rs` where it cannot.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use crate::moto::{small_app, Moto};
use crate::stand_in::{self, Script};
use crate::support::{stderr, stdout};

const BUCKET: &str = "sds-staging-123456789012-us-east-1";

fn run(cmd: &mut assert_cmd::Command) -> (i32, String, String) {
    let o = cmd.output().unwrap();
    (o.status.code().unwrap_or(-1), stdout(&o), stderr(&o))
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
}

/// An `sds` child whose standard error arrives line by line.
pub(crate) struct Running {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    pub(crate) fn spawn(mut c: Command) -> Running {
        let mut child = c.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let (tx, lines) = channel();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Running { child, lines, seen: Vec::new() }
    }

    /// Waits for a line of standard error containing `needle`.
    fn wait_for(&mut self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(100)) {
                let found = line.contains(needle);
                self.seen.push(line);
                if found {
                    return;
                }
            }
        }
        let _ = self.child.kill();
        panic!("no line with {needle:?} on stderr: {:#?}", self.seen);
    }

    fn signal(&self, signal: &str) {
        let ok = Command::new("kill").args([signal, &self.child.id().to_string()]).status().unwrap().success();
        assert!(ok, "kill {signal} failed");
    }

    /// Waits at most `limit` for the exit: (code, stdout, stderr, time taken).
    pub(crate) fn finish(mut self, limit: Duration) -> (i32, String, String, Duration) {
        let started = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if started.elapsed() > limit {
                let _ = self.child.kill();
                panic!("sds did not exit within {limit:?}; stderr so far: {:#?}", self.seen);
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut out = String::new();
        self.child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
        self.seen.extend(self.lines.try_iter());
        (status.code().unwrap_or(-1), out, self.seen.join("\n"), started.elapsed())
    }
}

/// `sds` against an endpoint that is not moto, with test credentials.
fn against(endpoint: &str) -> assert_cmd::Command {
    let mut c = crate::support::sds();
    c.env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE");
    c
}

#[test]
fn an_endpoint_that_never_answers_times_out_naming_it() {
    let (_listener, port) = stand_in::silent();
    let started = Instant::now();
    let (code, _, err) = run(against(&format!("http://127.0.0.1:{port}"))
        .env("SDS_AWS_TIMEOUT_MS", "300")
        .timeout(Duration::from_secs(60))
        .args(["publish", "--no-deploy"]));
    let took = started.elapsed();
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("http://127.0.0.1:{port}")), "the endpoint is named: {err}");
    assert!(err.contains("did not answer in time") || err.contains("timed out"), "{err}");
    assert!(took < Duration::from_secs(20), "took {took:?}");
    eprintln!("silent endpoint: exit 2 after {took:?}");
}

#[test]
fn a_web_server_answering_html_404_is_named_with_the_status() {
    let port = stand_in::html_404();
    let (code, _, err) = run(against(&format!("http://127.0.0.1:{port}")).args(["publish", "--no-deploy"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("HTTP 404") && err.contains(&format!("http://127.0.0.1:{port}")), "{err}");
    assert!(err.contains("text/html"), "{err}");
    assert!(!err.contains("unhandled error"), "{err}");
}

/// GetBucketVersioning through plain HTTP: moto's answer has a root element the SDK refuses.
fn versioning(moto: &Moto, bucket: &str) -> String {
    use std::io::Write;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", moto.port)).unwrap();
    write!(s, "GET /{bucket}?versioning HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    text
}

/// The four settings read back with the SDK (versioning over plain HTTP).
fn settings(moto: &Moto, bucket: &str) -> (bool, bool, bool, bool) {
    let s3 = moto.s3();
    block_on(async {
        let public = s3.get_public_access_block().bucket(bucket).send().await.ok().and_then(|p| {
            p.public_access_block_configuration().map(|c| {
                [c.block_public_acls(), c.ignore_public_acls(), c.block_public_policy(), c.restrict_public_buckets()]
                    .iter()
                    .all(|b| *b == Some(true))
            })
        });
        let encrypted = s3.get_bucket_encryption().bucket(bucket).send().await.is_ok();
        let owner = s3.get_bucket_ownership_controls().bucket(bucket).send().await.ok().is_some_and(|o| {
            o.ownership_controls()
                .is_some_and(|c| c.rules().iter().any(|r| r.object_ownership().as_str() == "BucketOwnerEnforced"))
        });
        let versioned = versioning(moto, bucket).contains("<Status>Enabled</Status>");
        (public == Some(true), encrypted, owner, versioned)
    })
}

#[test]
fn the_staging_bucket_settings_are_checked_and_repaired_on_every_run() {
    let moto = Moto::start();
    let app = small_app(moto.dir.path(), "dev", "");
    // A bucket left bare by a run killed after CreateBucket, with a weaker public access block.
    let s3 = moto.s3();
    block_on(async {
        s3.create_bucket().bucket(BUCKET).send().await.unwrap();
        let weak = aws_sdk_s3::types::PublicAccessBlockConfiguration::builder().block_public_acls(true).build();
        s3.put_public_access_block().bucket(BUCKET).public_access_block_configuration(weak).send().await.unwrap();
    });
    assert_eq!(settings(&moto, BUCKET), (false, false, false, false));
    let publish = || {
        let mut c = moto.sds();
        c.args(["publish", "--no-deploy", "--templates"]).arg(&app).args(["--root", "root.yaml"]);
        run(&mut c)
    };
    let (code, out, err) = publish();
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(!err.contains("creating staging bucket"), "{err}");
    assert_eq!(settings(&moto, BUCKET), (true, true, true, true), "{err}");
    for line in ["blocking all public access", "setting default encryption", "enforcing bucket-owner ownership"] {
        assert!(err.contains(line), "{line}: {err}");
    }
    // Nothing is missing any more: only the reads are sent (versioning aside: see versioning()).
    let (code, _, err) = publish();
    assert_eq!(code, 0, "{err}");
    for line in ["blocking all public access", "setting default encryption", "enforcing bucket-owner ownership"] {
        assert!(!err.contains(line), "{line} again: {err}");
    }
}

#[test]
fn a_live_lock_refuses_and_an_expired_one_is_taken_over() {
    let moto = Moto::start();
    let app = small_app(moto.dir.path(), "dev", "");
    let key = "sds/.sds-lock/locked.json";
    let s3 = moto.s3();
    let lock = |expires: &str| {
        let body = format!(
            r#"{{"holder":{{"user":"ghost","host":"elsewhere","pid":4242}},"started":"2026-01-01T00:00:00Z","expires":"{expires}"}}"#
        );
        block_on(async {
            let _ = s3.create_bucket().bucket(BUCKET).send().await;
            s3.put_object().bucket(BUCKET).key(key).body(body.into_bytes().into()).send().await.unwrap();
        })
    };
    let publish = || {
        let mut c = moto.sds();
        c.args(["publish", "--yes", "--templates"]).arg(&app).args(["--root", "root.yaml", "--stack-name", "locked"]);
        run(&mut c)
    };
    lock("2999-01-01T00:00:00Z");
    let (code, out, err) = publish();
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(
        err.contains("stack locked is being published by ghost@elsewhere (pid 4242) since 2026-01-01T00:00:00Z")
            && err.contains("expires at 2999-01-01T00:00:00Z"),
        "{err}"
    );
    assert!(!out.contains("uploaded"), "{out}");

    lock("2020-01-01T00:00:00Z");
    let (code, out, err) = publish();
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(err.contains("took over the expired publish lock of stack locked held by ghost@elsewhere"), "{err}");
    // The lock is released at the end.
    let left = block_on(async { s3.head_object().bucket(BUCKET).key(key).send().await.is_ok() });
    assert!(!left, "the lock is still there");
    // What was sent: a create-only write, then a write conditional on the old lock's ETag, then a
    // delete conditional on ours (moto 5.2.5 honours all three; the log shows they were asked).
    let requests = moto.requests();
    let on_lock: Vec<_> =
        requests.iter().filter(|r| r["uri"].as_str().unwrap().contains(".sds-lock/locked.json")).collect();
    assert!(on_lock.iter().any(|r| r["method"] == "PUT" && r["if_none_match"] == "*"), "{on_lock:#?}");
    assert!(on_lock.iter().any(|r| r["method"] == "PUT" && r["if_match"].is_string()), "{on_lock:#?}");
    assert!(on_lock.iter().any(|r| r["method"] == "DELETE" && r["if_match"].is_string()), "{on_lock:#?}");
}

/// `sds publish --yes` of the small app, S3 and STS on moto, CloudFormation on a stand-in.
pub(crate) fn with_stand_in(moto: &Moto, cfn_port: u16, app: &std::path::Path) -> Command {
    let mut c = moto.process();
    c.env("AWS_ENDPOINT_URL_CLOUDFORMATION", format!("http://127.0.0.1:{cfn_port}"))
        .args(["publish", "--yes", "--templates"])
        .arg(app)
        .args(["--root", "root.yaml", "--stack-name", "standin"]);
    c
}

/// One `sds publish --yes` of `app` against a stand-in playing `script`, to its end:
/// (exit code, stdout, stderr, the CloudFormation actions the stand-in received).
fn publish_to_stand_in(moto: &Moto, app: &std::path::Path, script: Script) -> (i32, String, String, stand_in::Calls) {
    let (port, calls) = stand_in::cloudformation(script);
    let (code, out, err, _) = Running::spawn(with_stand_in(moto, port, app)).finish(Duration::from_secs(30));
    (code, out, err, calls)
}

#[test]
fn one_publish_per_stack_and_ctrl_c_between_two_polls() {
    let moto = Moto::start();
    let app = small_app(moto.dir.path(), "dev", "");
    let (port, _) = stand_in::cloudformation(Script::InProgress);
    let mut first = with_stand_in(&moto, port, &app);
    // A poll a minute apart: Ctrl-C lands between two polls. The lock expires after 3 s unless
    // the live run renews it.
    first.env("SDS_POLL_MS", "60000").env("SDS_LOCK_TTL_MS", "3000");
    let mut first = Running::spawn(first);
    first.wait_for("standin UPDATE_IN_PROGRESS");
    std::thread::sleep(Duration::from_millis(7000));

    let mut second = with_stand_in(&moto, port, &app);
    let o = second.output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("stack standin is being published by") && err.contains("its lock expires at"), "{err}");

    first.signal("-INT");
    let (code, out, err, took) = first.finish(Duration::from_secs(10));
    assert_eq!(code, 130, "{out}\n{err}");
    assert!(out.contains("the stack operation goes on server-side (status UPDATE_IN_PROGRESS)"), "{out}");
    assert!(out.contains("aws cloudformation describe-stack-events --stack-name standin"), "{out}");
    assert!(took < Duration::from_secs(5), "Ctrl-C took {took:?}");
    eprintln!("Ctrl-C between two polls: exit 130 after {took:?}");
    let left = block_on(async {
        moto.s3().head_object().bucket(BUCKET).key("sds/.sds-lock/standin.json").send().await.is_ok()
    });
    assert!(!left, "the lock was not released on Ctrl-C");
}

#[test]
fn the_wait_limit_gives_up_and_says_how_to_follow() {
    let moto = Moto::start();
    let app = small_app(moto.dir.path(), "dev", "");
    let (port, _) = stand_in::cloudformation(Script::InProgress);
    let mut c = with_stand_in(&moto, port, &app);
    c.env("SDS_WAIT_TIMEOUT_MS", "1500");
    let (code, out, err, _) = Running::spawn(c).finish(Duration::from_secs(30));
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(
        err.contains("gave up waiting for stack standin after 1500 ms (--wait-timeout): the stack operation goes on server-side (status UPDATE_IN_PROGRESS)"),
        "{err}"
    );
    assert!(err.contains("describe-stack-events --stack-name standin"), "{err}");
}

#[test]
fn a_rollback_reported_by_stack_events_exits_1_with_the_reason() {
    let moto = Moto::start();
    let app = small_app(moto.dir.path(), "dev", "");
    let (code, out, err, _) = publish_to_stand_in(&moto, &app, Script::Rollback);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("deployment of stack standin failed: UPDATE_ROLLBACK_COMPLETE"), "{out}");
    assert!(out.contains("Topic AWS::SNS::Topic UPDATE_FAILED: Topic name is already taken by the stand-in"), "{out}");
}

#[test]
fn outputs_are_printed_and_failures_to_read_them_or_delete_a_change_set_are_not_swallowed() {
    let moto = Moto::start();
    let app = small_app(moto.dir.path(), "dev", "");
    let (code, out, err, _) = publish_to_stand_in(&moto, &app, Script::OutputsFail);
    assert_eq!(code, 0, "deployed: {out}\n{err}");
    assert!(out.contains("stack standin UPDATE_COMPLETE"), "{out}");
    assert!(err.contains("warning: stack standin is deployed but its outputs cannot be read: Throttling"), "{err}");
    assert!(!out.contains("outputs:"), "{out}");

    let (code, out, err, _) = publish_to_stand_in(&moto, &app, Script::Complete);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("stack standin UPDATE_COMPLETE\noutputs:\n  Answer: 42\n"), "{out}");

    let (code, out, err, calls) = publish_to_stand_in(&moto, &app, Script::EmptyDeleteFails);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("stack standin is up to date"), "{out}");
    assert!(err.contains("warning: cannot delete the empty change set"), "{err}");
    assert!(calls.lock().unwrap().iter().any(|c| c == "DeleteChangeSet"));
}

#[test]
fn ctrl_c_before_anything_is_sent_says_so() {
    let (_listener, port) = stand_in::silent();
    let mut c = Command::new(env!("CARGO_BIN_EXE_sds"));
    c.current_dir(crate::support::root())
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"))
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("SDS_AWS_TIMEOUT_MS", "60000")
        .env_remove("AWS_PROFILE")
        .args(["publish", "--no-deploy"]);
    let mut running = Running::spawn(c);
    running.wait_for("resolving the account");
    running.signal("-INT");
    let (code, out, err, took) = running.finish(Duration::from_secs(10));
    assert_eq!(code, 130, "{out}\n{err}");
    assert!(out.contains("interrupted: nothing was uploaded or deployed"), "{out}");
    assert!(took < Duration::from_secs(5), "Ctrl-C took {took:?}");
}

#[test]
fn ctrl_c_while_the_change_set_is_created_says_how_to_delete_it() {
    let moto = Moto::start();
    let app = small_app(moto.dir.path(), "dev", "");
    let (port, calls) = stand_in::cloudformation(Script::ChangeSetPending);
    let mut c = with_stand_in(&moto, port, &app);
    c.env("SDS_POLL_MS", "60000");
    let mut running = Running::spawn(c);
    running.wait_for("creating change set");
    // The CreateChangeSet request may still be on its way: wait until the stand-in has it.
    let started = std::time::Instant::now();
    while !calls.lock().unwrap().iter().any(|c| c == "DescribeChangeSet") {
        assert!(started.elapsed() < Duration::from_secs(10), "no DescribeChangeSet: {:?}", calls.lock().unwrap());
        std::thread::sleep(Duration::from_millis(20));
    }
    running.signal("-INT");
    let (code, out, err, took) = running.finish(Duration::from_secs(10));
    assert_eq!(code, 130, "{out}\n{err}");
    assert!(
        out.contains("is not executed") && out.contains("aws cloudformation delete-change-set --stack-name standin"),
        "{out}"
    );
    assert!(!calls.lock().unwrap().iter().any(|c| c == "ExecuteChangeSet"), "{:?}", calls.lock().unwrap());
    assert!(took < Duration::from_secs(5), "Ctrl-C took {took:?}");
    let left = block_on(async {
        moto.s3().head_object().bucket(BUCKET).key("sds/.sds-lock/standin.json").send().await.is_ok()
    });
    assert!(!left, "the lock was not released on Ctrl-C");
}

#[test]
fn ctrl_c_during_the_upload_stops_and_releases_the_lock() {
    let moto = Moto::start();
    let mut c = moto.process();
    c.args(["publish", "--no-deploy"]);
    let mut running = Running::spawn(c);
    running.wait_for("uploaded ");
    running.signal("-INT");
    let (code, out, err, took) = running.finish(Duration::from_secs(10));
    assert_eq!(code, 130, "{out}\n{err}");
    assert!(out.contains("interrupted during the upload: nothing was deployed"), "{out}");
    eprintln!("Ctrl-C during the upload: exit 130 after {took:?}");
    let left = block_on(async {
        moto.s3().head_object().bucket(BUCKET).key("sds/.sds-lock/secure-ds-shared-service.json").send().await.is_ok()
    });
    assert!(!left, "the lock was not released on Ctrl-C");
}

#[test]
fn after_sigkill_in_each_phase_a_rerun_succeeds() {
    let moto = Moto::start();
    let app = moto.dir.path().join("app");
    let publish = || {
        let mut c = moto.process();
        c.env("SDS_LOCK_TTL_MS", "1500").args(["publish", "--yes", "--templates"]).arg(&app).args([
            "--root",
            "root.yaml",
            "--stack-name",
            "killed",
        ]);
        c
    };
    for (i, phase) in ["creating staging bucket", "uploaded ", "creating change set"].into_iter().enumerate() {
        // A changed root each time, so that there is something to upload and deploy.
        small_app(moto.dir.path(), &format!("v{i}"), "");
        let mut running = Running::spawn(publish());
        running.wait_for(phase);
        running.signal("-KILL");
        let (code, _, _, _) = running.finish(Duration::from_secs(10));
        assert_eq!(code, -1, "killed by a signal");
        // The dead run's lock (if it took it) expires after 1.5 s.
        std::thread::sleep(Duration::from_millis(1600));
        let (code, out, err, _) = Running::spawn(publish()).finish(Duration::from_secs(60));
        assert_eq!(code, 0, "rerun after SIGKILL at {phase:?}:\n{out}\n{err}");
        assert_eq!(settings(&moto, BUCKET), (true, true, true, true), "after SIGKILL at {phase:?}");
        if phase != "creating staging bucket" {
            assert!(err.contains("took over the expired publish lock"), "{phase}: {err}");
        }
    }
}

#[test]
fn options_that_would_be_ignored_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("p");
    let dir = dir.to_str().unwrap();
    for extra in [["--parameter", "A=b"], ["--profile", "x"], ["--stack-name", "s"], ["--wait-timeout", "5"]] {
        let (code, _, err) = run(crate::support::sds().args(["publish", "--package-only", dir]).args(extra));
        assert_eq!(code, 2, "{extra:?}");
        assert!(err.contains("cannot be used with"), "{extra:?}: {err}");
    }
    let (code, _, err) = run(crate::support::sds().args(["publish", "--templates", dir, "--config", "missing.yaml"]));
    assert_eq!(code, 2);
    assert!(err.contains("cannot be used with"), "{err}");

    let config = tmp.path().join("c.yaml");
    std::fs::write(&config, "validation:\n  suppress:\n    - rule: NO-SUCH-RULE\n      reason: testing\n").unwrap();
    let (code, _, err) = run(crate::support::sds().args(["publish", "--package-only", dir, "--config"]).arg(&config));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("c.yaml:3:7: the configuration suppresses an unknown rule NO-SUCH-RULE"), "{err}");
}

#[test]
fn parameters_prefix_profile_and_region_reach_aws() {
    let moto = Moto::start();
    let app = small_app(moto.dir.path(), "dev", "");
    let config = moto.dir.path().join("aws-config");
    std::fs::write(&config, "[profile team]\nregion = eu-west-1\n").unwrap();
    let (code, out, err) = run(moto
        .sds()
        .env("AWS_CONFIG_FILE", &config)
        .env_remove("AWS_REGION")
        .args(["publish", "--yes", "--profile", "team", "--prefix", "/team/x/", "--parameter", "Env=qa"])
        .arg("--templates")
        .arg(&app)
        .args(["--root", "root.yaml", "--stack-name", "params"]));
    assert_eq!(code, 0, "{out}\n{err}");
    // The profile's region: the bucket, the keys under the prefix, the stack, its parameter and outputs.
    let bucket = "sds-staging-123456789012-eu-west-1";
    assert!(out.contains(&format!("2 of 2 objects uploaded to s3://{bucket}/")), "{out}");
    // (moto does not return the outputs of a stack created by a change set: see the stand-in test.)
    let keys = block_on(async {
        let list = moto.s3().list_objects_v2().bucket(bucket).send().await.unwrap();
        list.contents().iter().map(|o| o.key().unwrap().to_string()).collect::<Vec<_>>()
    });
    assert!(keys.iter().all(|k| k.starts_with("team/x/")) && keys.contains(&"team/x/root.yaml".into()), "{keys:?}");
    let creds = aws_sdk_cloudformation::config::Credentials::new("testing", "testing", None, None, "tests");
    let cfn = aws_sdk_cloudformation::Client::from_conf(
        aws_sdk_cloudformation::config::Builder::new()
            .behavior_version_latest()
            .region(aws_sdk_cloudformation::config::Region::new("eu-west-1"))
            .endpoint_url(moto.endpoint())
            .credentials_provider(creds)
            .http_client(sds::publish::aws::http_client())
            .build(),
    );
    let params = block_on(async {
        let s = cfn.describe_stacks().stack_name("params").send().await.unwrap();
        s.stacks()[0]
            .parameters()
            .iter()
            .map(|p| (p.parameter_key().unwrap().to_string(), p.parameter_value().unwrap().to_string()))
            .collect::<Vec<_>>()
    });
    assert_eq!(params, vec![("Env".to_string(), "qa".to_string())]);

    // --region wins over the profile's.
    let (code, out, err) = run(moto
        .sds()
        .env("AWS_CONFIG_FILE", &config)
        .env_remove("AWS_REGION")
        .args(["publish", "--no-deploy", "--profile", "team", "--region", "us-west-2", "--templates"])
        .arg(&app)
        .args(["--root", "root.yaml"]));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("s3://sds-staging-123456789012-us-west-2/") && out.contains("--region us-west-2"), "{out}");
}

#[test]
fn on_a_terminal_the_change_set_waits_for_an_answer() {
    // util-linux `script` gives sds a terminal; the answer goes through it.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` (util-linux) to give sds a terminal");
        return;
    }
    let moto = Moto::start();
    let app = small_app(moto.dir.path(), "dev", "");
    let answer = |stack: &str, text: &str| {
        let line = format!(
            "{} publish --templates {} --root root.yaml --stack-name {stack}",
            env!("CARGO_BIN_EXE_sds"),
            app.display()
        );
        let mut c = Command::new("script");
        c.args(["-qec", &line, "/dev/null"]).envs(moto.env()).env_remove("AWS_PROFILE");
        c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        // The terminal keeps what is typed before the question; wait anyway, as a user would.
        std::thread::sleep(Duration::from_secs(3));
        std::io::Write::write_all(&mut input, text.as_bytes()).unwrap();
        drop(input);
        let o = child.wait_with_output().unwrap();
        (o.status.code().unwrap_or(-1), stdout(&o))
    };
    // (A separate stack each: moto leaves a stack whose first change set was not executed in
    // REVIEW_IN_PROGRESS even after a second one is.)
    let (code, out) = answer("tty-no", "n\n");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("to stack tty-no? [y/N]") && out.contains("not deployed; the change set"), "{out}");
    let (code, out) = answer("tty-yes", "y\n");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("to stack tty-yes? [y/N]") && out.contains("stack tty-yes CREATE_COMPLETE"), "{out}");
}
