//! `sds publish` of team stacks against moto: parallel creation within the concurrency bound, a
//! rerun with no change, a team added, a team removed (listed; deleted only with `--prune`), a
//! failing team stack beside succeeding ones, SIGKILL mid-run then a rerun that converges, the
//! server stopped mid-run, and CloudFormation throttling retried with backoff (a forwarding stand-in
//! in front of moto answers `Throttling` to the first calls).
//!
//! moto stores the team stacks but creates no Service Catalog provisioned products (it keeps
//! placeholder rows for them), so these tests are about the orchestration; the root here is a
//! small one (an SNS topic), and the team templates are synthesized by `sds synth`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::moto::Moto;
use crate::support::{sds, stderr, stdout};

/// An app directory: `root.yaml` and `teams/` holding the templates of `teams` synthesized teams
/// (`team-00-dev`, ...; two users each).
pub(crate) fn app(moto: &Moto, teams: usize) -> PathBuf {
    let dir = moto.dir.path().join("app");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("teams")).unwrap();
    std::fs::write(dir.join("root.yaml"), "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n").unwrap();
    let mut config = String::from("teams:\n");
    for t in 0..teams {
        config
            .push_str(&format!("  - name: team-{t:02}\n    env: dev\n    users: [{{name: u{t}a}}, {{name: u{t}b}}]\n"));
    }
    let cfg = moto.dir.path().join("teams.yaml");
    std::fs::write(&cfg, config).unwrap();
    let out = moto.dir.path().join("synth");
    let o = sds().args(["synth", "--no-validate", "--config"]).arg(&cfg).arg("--out").arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for e in std::fs::read_dir(out.join("teams")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join("teams").join(p.file_name().unwrap())).unwrap();
    }
    dir
}

fn publish(moto: &Moto, app: &Path, extra: &[&str]) -> std::process::Output {
    moto.sds()
        .args(["publish", "--yes", "--root", "root.yaml", "--stack-name", "plat", "--templates"])
        .arg(app)
        .args(extra)
        .output()
        .unwrap()
}

/// The request log, leniently: a line being appended while it is read is skipped.
fn requests(moto: &Moto) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(moto.request_log()).unwrap_or_default();
    text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

/// Status of every stack moto holds, by name.
fn stacks(moto: &Moto) -> std::collections::BTreeMap<String, String> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let cfn = moto.cfn();
        let mut out = std::collections::BTreeMap::new();
        for s in cfn.describe_stacks().send().await.unwrap().stacks() {
            out.insert(s.stack_name().unwrap().to_string(), s.stack_status().unwrap().as_str().to_string());
        }
        out
    })
}

/// Change sets of team stacks that were never executed.
fn pending_change_sets(moto: &Moto) -> Vec<String> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let cfn = moto.cfn();
        let listed = cfn.list_change_sets().stack_name("plat-team-team-00-dev").send().await.unwrap();
        listed
            .summaries()
            .iter()
            .filter(|c| c.stack_name().is_some_and(|s| s.starts_with("plat-team-")))
            .filter(|c| c.execution_status().map(|e| e.as_str()) != Some("EXECUTE_COMPLETE"))
            .map(|c| format!("{} {}", c.stack_name().unwrap(), c.change_set_name().unwrap()))
            .collect()
    })
}

/// The largest number of team stacks whose requests overlapped in time: each stack's window runs
/// from its first request to its last.
fn max_overlap(moto: &Moto) -> usize {
    let mut windows: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
    for r in requests(moto) {
        let (Some(stack), Some(at)) = (r["stack"].as_str(), r["at_ms"].as_u64()) else { continue };
        if !stack.starts_with("plat-team-") || r["action"] == "DescribeStacks" && r["stack"].is_null() {
            continue;
        }
        let w = windows.entry(stack.to_string()).or_insert((at, at));
        w.0 = w.0.min(at);
        w.1 = w.1.max(at);
    }
    let mut points: Vec<(u64, i32)> = windows.values().flat_map(|(a, b)| [(*a, 1), (*b + 1, -1)]).collect();
    points.sort();
    let (mut now, mut max) = (0, 0);
    for (_, d) in points {
        now += d;
        max = max.max(now);
    }
    max as usize
}

#[test]
fn many_teams_in_parallel_within_the_bound_then_nothing_then_added_then_removed() {
    let moto = Moto::start();
    let dir = app(&moto, 12);
    let o = publish(&moto, &dir, &["--concurrency", "3"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("team stacks: 12 created, 0 updated, 0 unchanged, 0 failed, 0 deleted (12 in all)"),
        "{}",
        stdout(&o)
    );
    let all = stacks(&moto);
    assert_eq!(all.keys().filter(|k| k.starts_with("plat-team-")).count(), 12, "{all:?}");
    assert!(all.iter().filter(|(k, _)| k.starts_with("plat-team-")).all(|(_, s)| s == "CREATE_COMPLETE"), "{all:?}");
    let overlap = max_overlap(&moto);
    assert!((2..=3).contains(&overlap), "at most 3 team stacks at once, and more than one: {overlap}");

    // Nothing changed: every team stack unchanged, no change set left.
    let o = publish(&moto, &dir, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("0 created, 0 updated, 12 unchanged, 0 failed"), "{}", stdout(&o));
    assert_eq!(pending_change_sets(&moto), Vec::<String>::new());

    // A team added: created; the others unchanged.
    let more = app(&moto, 13);
    let o = publish(&moto, &more, &[]);
    assert!(stdout(&o).contains("1 created, 0 updated, 12 unchanged"), "{}", stdout(&o));

    // Two teams removed: listed, not deleted; then deleted with --prune.
    let fewer = app(&moto, 11);
    let o = publish(&moto, &fewer, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("would be deleted (teams no longer declared; pass --prune to delete them):\n  plat-team-team-11-dev\n  plat-team-team-12-dev\n"),
        "{}",
        stdout(&o)
    );
    assert!(stacks(&moto).contains_key("plat-team-team-12-dev"));
    let o = publish(&moto, &fewer, &["--prune"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("11 unchanged, 0 failed, 2 deleted (13 in all)"), "{}", stdout(&o));
    let left = stacks(&moto);
    assert!(
        !left.contains_key("plat-team-team-12-dev") || left["plat-team-team-12-dev"] == "DELETE_COMPLETE",
        "{left:?}"
    );

    // --team limits the run to one team, and no other stack is listed.
    let o = publish(&moto, &fewer, &["--team", "team-03"]);
    assert!(stdout(&o).contains("0 created, 0 updated, 1 unchanged, 0 failed, 0 deleted (1 in all)"), "{}", stdout(&o));
    // For machines: one row per team stack.
    let o = publish(&moto, &fewer, &["--team", "team-03-dev", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        doc["teams"],
        serde_json::json!([{"team": "team-03-dev", "stack": "plat-team-team-03-dev", "outcome": "unchanged", "reason": null}])
    );
    let o = publish(&moto, &fewer, &["--team", "team-99"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--team team-99: no such team"), "{}", stderr(&o));
}

#[test]
fn one_failing_team_stack_does_not_stop_the_others() {
    let moto = Moto::start();
    let dir = app(&moto, 4);
    // moto refuses an SSM parameter of an unknown type when it executes the change set.
    let broken = dir.join("teams/team-02-dev.yaml");
    let text = std::fs::read_to_string(&broken).unwrap();
    let text = text.replace(
        "Resources:\n",
        "Resources:\n  Broken:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Name: broken\n      Type: NoSuchType\n      Value: x\n\n",
    );
    std::fs::write(&broken, text).unwrap();
    let o = publish(&moto, &dir, &[]);
    assert_eq!(o.status.code(), Some(1), "{}\n{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("team stacks: 3 created, 0 updated, 0 unchanged, 1 failed"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("failed:\n  plat-team-team-02-dev (failed): executing change set sds-team-"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("NoSuchType"), "the service's reason: {}", stdout(&o));
    // Fixed: the next run creates it, without being blocked by what the failed one left.
    std::fs::copy(moto.dir.path().join("synth/teams/team-02-dev.yaml"), &broken).unwrap();
    let o = publish(&moto, &dir, &[]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("1 created, 0 updated, 3 unchanged, 0 failed"), "{}", stdout(&o));
}

/// Waits until the request log shows `n` requests of `action` on team stacks.
fn wait_for(moto: &Moto, action: &str, n: usize) {
    let start = Instant::now();
    loop {
        let seen = requests(moto)
            .iter()
            .filter(|r| r["action"] == action && r["stack"].as_str().is_some_and(|s| s.starts_with("plat-team-")))
            .count();
        if seen >= n {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "no {action} on a team stack");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn killed_mid_run_then_run_again_converges() {
    let moto = Moto::start();
    let dir = app(&moto, 30);
    // A killed run leaves the publish lock of the root behind, which blocks the next run until it
    // expires (10 minutes; here 2 s).
    let mut child = moto
        .process()
        .args(["publish", "--yes", "--root", "root.yaml", "--stack-name", "plat", "--concurrency", "2", "--templates"])
        .arg(&dir)
        .env("SDS_LOCK_TTL_MS", "2000")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for(&moto, "CreateChangeSet", 3);
    // SIGKILL: no handler runs.
    child.kill().unwrap();
    child.wait().unwrap();
    let before = stacks(&moto).keys().filter(|k| k.starts_with("plat-team-")).count();
    assert!(before < 30, "the kill came too late to test anything ({before} stacks)");
    std::thread::sleep(Duration::from_millis(2100));
    let o = publish(&moto, &dir, &["--concurrency", "8"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("0 failed, 0 deleted (30 in all)"), "{}", stdout(&o));
    let all = stacks(&moto);
    let teams: Vec<_> = all.iter().filter(|(k, _)| k.starts_with("plat-team-")).collect();
    assert_eq!(teams.len(), 30, "no duplicate, none missing: {all:?}");
    assert!(teams.iter().all(|(_, s)| *s == "CREATE_COMPLETE"), "{teams:?}");
    assert_eq!(pending_change_sets(&moto), Vec::<String>::new(), "no change set left behind");
}

#[test]
fn the_server_stopped_mid_run_is_an_error_of_the_run() {
    let mut moto = Moto::start();
    let dir = app(&moto, 30);
    let mut child = moto
        .process()
        .args(["publish", "--yes", "--root", "root.yaml", "--stack-name", "plat", "--concurrency", "1", "--templates"])
        .arg(&dir)
        .env("SDS_RETRY_BACKOFF_MS", "20")
        .env("SDS_AWS_TIMEOUT_MS", "2000")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(&moto, "CreateChangeSet", 2);
    moto.stop();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(err.contains("cannot reach http://localhost:") || err.contains("did not answer in time"), "{err}");
    assert!(err.contains("stack plat-team-team-"), "names the stack it was at: {err}");
}

/// Forwards every request to moto, except the first `throttle` CreateChangeSet calls of team
/// stacks, which it answers with CloudFormation's `Throttling` error. Returns its port and the actions it saw.
fn throttling_proxy(moto_port: u16, throttle: usize) -> (u16, Arc<Mutex<Vec<String>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for mut client in l.incoming().flatten() {
            let Some(request) = read_http(&mut client) else { continue };
            let text = String::from_utf8_lossy(&request).into_owned();
            let action =
                text.split(['&', '\n']).find_map(|kv| kv.strip_prefix("Action=")).unwrap_or("").trim().to_string();
            let team = text.contains("StackName=plat-team-");
            let throttled = {
                let mut log = log.lock().unwrap();
                log.push(if team { format!("{action} (team)") } else { action.clone() });
                team && action == "CreateChangeSet" && action_is(&log, "CreateChangeSet (team)") <= throttle
            };
            if throttled {
                let body = "<ErrorResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>t</RequestId></ErrorResponse>";
                let _ = write!(client, "HTTP/1.1 400 Bad Request\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
                continue;
            }
            let Ok(mut upstream) = TcpStream::connect(("127.0.0.1", moto_port)) else { continue };
            // One request per connection: ask moto to close, then relay its answer.
            let request = String::from_utf8_lossy(&request).replacen("\r\n", "\r\nConnection: close\r\n", 1);
            let _ = upstream.write_all(request.as_bytes());
            let mut answer = Vec::new();
            let _ = upstream.read_to_end(&mut answer);
            let _ = client.write_all(&answer);
        }
    });
    (port, seen)
}

fn action_is(log: &[String], action: &str) -> usize {
    log.iter().filter(|a| *a == action).count()
}

/// One whole HTTP request (headers and a Content-Length body).
fn read_http(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = stream.read(&mut chunk).ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(buf);
        }
    }
}

#[test]
fn throttling_is_retried_with_backoff() {
    let moto = Moto::start();
    let dir = app(&moto, 1);
    let (port, seen) = throttling_proxy(moto.port, 3);
    let o = moto
        .sds()
        .env("AWS_ENDPOINT_URL_CLOUDFORMATION", format!("http://127.0.0.1:{port}"))
        .env("SDS_RETRY_BACKOFF_MS", "100")
        .args(["publish", "--yes", "--root", "root.yaml", "--stack-name", "plat", "--templates"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("team stacks: 1 created"), "{}", stdout(&o));
    // The team's change set was throttled 3 times, then went through on the 4th attempt.
    let creates = action_is(&seen.lock().unwrap(), "CreateChangeSet (team)");
    assert_eq!(creates, 4, "{:?}", seen.lock().unwrap());
    // What sds sent: the same call again, later each time (the SDK's backoff has jitter, so only
    // the order and that they were not sent at once is asserted).
    let times: Vec<u64> = moto
        .requests()
        .iter()
        .filter(|r| r["action"] == "CreateChangeSet" && r["stack"] == "plat-team-team-00-dev")
        .filter_map(|r| r["at_ms"].as_u64())
        .collect();
    assert_eq!(times.len(), 4, "{times:?}");
    assert!(times[3] - times[0] >= 20, "retries spread over time, not sent at once: {times:?}");
}
