//! `sds destroy` against moto: the plan without `--yes` (nothing deleted, exit 1), the order of
//! the deletions (read from the request log: team stacks before the root), the retained
//! resources listed with their physical ids (and still there), and a second run that finds
//! nothing to destroy.
//!
//! moto has no Studio apps, user profiles or spaces (its SageMaker knows domains only), so the
//! Studio part runs against a recorded-response SageMaker stand-in on loopback
//! (`AWS_ENDPOINT_URL_SAGEMAKER`), which answers from its own state and records every request;
//! CloudFormation stays moto. moto also deletes a bucket that holds objects, so the "bucket not
//! empty" report is not exercised here.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::moto::Moto;
use crate::support::{stderr, stdout};

/// The app: a root with a retained parameter and a nested stack with a retained one; and two
/// team stacks.
pub(crate) fn app(moto: &Moto) -> PathBuf {
    let dir = crate::publish_teams::app(moto, 2);
    std::fs::write(
        dir.join("root.yaml"),
        "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n  Kept:\n    Type: AWS::SSM::Parameter\n    DeletionPolicy: Retain\n    Properties:\n      Name: kept-root\n      Type: String\n      Value: x\n  Child:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: child.yaml\nOutputs:\n  TopicArn:\n    Value: !Ref Topic\n"
    )
    .unwrap();
    std::fs::write(
        dir.join("child.yaml"),
        "Resources:\n  Gone:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Name: gone-child\n      Type: String\n      Value: x\n  KeptToo:\n    Type: AWS::SSM::Parameter\n    DeletionPolicy: Retain\n    Properties:\n      Name: kept-child\n      Type: String\n      Value: x\n",
    )
    .unwrap();
    dir
}

pub(crate) fn publish(moto: &Moto, app: &Path) {
    let o = moto
        .sds()
        .args(["publish", "--yes", "--root", "root.yaml", "--stack-name", "plat", "--templates"])
        .arg(app)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
}

fn destroy(moto: &Moto, extra: &[&str], env: &[(&str, String)]) -> (i32, String, String) {
    let mut c = moto.sds();
    c.args(["destroy", "--stack-name", "plat"]).args(extra);
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    (o.status.code().unwrap_or(-1), stdout(&o), stderr(&o))
}

/// The deletions sent, in order: `DeleteStack <stack>`, `DeleteApp <name>`, ...
pub(crate) fn deletions(moto: &Moto) -> Vec<String> {
    moto.requests()
        .iter()
        .filter(|r| r["operation"].as_str().is_some_and(|o| o.starts_with("Delete") && o != "DeleteObject"))
        .map(|r| {
            let what = r["stack"].as_str().map(str::to_string).unwrap_or_else(|| {
                let i = &r["input"];
                [&i["AppName"], &i["SpaceName"], &i["UserProfileName"]]
                    .iter()
                    .find_map(|v| v.as_str())
                    .unwrap_or("?")
                    .to_string()
            });
            format!("{} {what}", r["operation"].as_str().unwrap())
        })
        .collect()
}

/// Whether moto still holds the SSM parameter (a retained resource is never deleted).
fn parameter_exists(moto: &Moto, name: &str) -> bool {
    // moto's SSM answers on the same endpoint, without checking the signature (no enforcement).
    let body = json!({ "Name": name }).to_string();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", moto.port)).unwrap();
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: AmazonSSM.GetParameter\r\nContent-Type: application/x-amz-json-1.1\r\nAuthorization: AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/ssm/aws4_request, SignedHeaders=host, Signature=0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    answer.starts_with("HTTP/1.1 200")
}

#[test]
fn destroy_shows_the_plan_then_deletes_in_order_and_lists_what_is_retained_then_finds_nothing() {
    let moto = Moto::start();
    let dir = app(&moto);
    publish(&moto, &dir);
    assert!(parameter_exists(&moto, "kept-root") && parameter_exists(&moto, "gone-child"));

    // Without --yes: the plan, nothing deleted, exit 1.
    let (code, out, err) = destroy(&moto, &[], &[]);
    assert_eq!(code, 1, "{out}\n{err}");
    for line in [
        "sds destroy of stack plat (account 123456789012, us-east-1), in this order:",
        "  1. no Studio app to delete\n",
        "  2. delete 2 team stack(s): each deletes its user profiles' provisioned products, then its team environment's:\n       plat-team-team-00-dev\n       plat-team-team-01-dev\n",
        "  4. delete stack plat (CREATE_COMPLETE) and its nested stacks\n",
        "kept (DeletionPolicy Retain: CloudFormation leaves them; sds never deletes them):\n",
        "  plat Kept AWS::SSM::Parameter kept-root\n",
        "KeptToo AWS::SSM::Parameter kept-child\n",
        "nothing deleted: run again with --yes to delete all of the above\n",
    ] {
        assert!(out.contains(line), "{line:?} in:\n{out}");
    }
    assert!(!out.contains("Gone"), "a deleted resource is not listed as kept: {out}");
    assert!(deletions(&moto).is_empty(), "{:?}", deletions(&moto));

    // With --yes: the team stacks, then the root.
    let (code, out, err) = destroy(&moto, &["--yes"], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    let sent = deletions(&moto);
    assert_eq!(sent.len(), 3, "{sent:?}");
    let mut teams = sent[..2].to_vec();
    teams.sort();
    assert_eq!(teams, ["DeleteStack plat-team-team-00-dev", "DeleteStack plat-team-team-01-dev"], "{sent:?}");
    assert_eq!(sent[2], "DeleteStack plat", "the root last: {sent:?}");
    assert!(out.contains("destroyed: stack plat and 2 team stack(s)\n"), "{out}");
    assert!(out.contains("left, because their DeletionPolicy is Retain:\n"), "{out}");
    assert!(out.contains("  plat Kept AWS::SSM::Parameter kept-root\n"), "{out}");
    assert!(parameter_exists(&moto, "kept-root") && parameter_exists(&moto, "kept-child"), "retained: still there");
    assert!(!parameter_exists(&moto, "gone-child"), "the nested stack's other resource went with the root");

    // A second run: nothing to destroy, nothing sent that deletes.
    let (code, out, err) = destroy(&moto, &["--yes"], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(out, "nothing to destroy: no stack plat and no team stack of it in account 123456789012, us-east-1\n");
    assert_eq!(deletions(&moto).len(), 3);
}

/// A SageMaker stand-in: a domain `d-test` with apps of alice (JupyterServer, KernelGateway),
/// one of a space, the user profiles alice (deleted by her team's stack in a real account; here
/// by nobody, so sds deletes her) and carol, and the space `shared`. DeleteApp marks an app
/// Deleted; DeleteUserProfile and DeleteSpace remove the profile. Records the operations.
pub(crate) fn studio_stand_in() -> (u16, Arc<Mutex<Vec<String>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let state = Arc::new(Mutex::new((
        vec![
            json!({"DomainId": "d-test", "UserProfileName": "alice", "AppType": "JupyterServer", "AppName": "default", "Status": "InService"}),
            json!({"DomainId": "d-test", "UserProfileName": "alice", "AppType": "KernelGateway", "AppName": "datascience-1", "Status": "InService"}),
            json!({"DomainId": "d-test", "SpaceName": "shared", "AppType": "JupyterLab", "AppName": "default", "Status": "InService"}),
        ],
        vec!["alice".to_string(), "carol".to_string()],
        vec!["shared".to_string()],
    )));
    std::thread::spawn(move || {
        for stream in l.incoming().flatten() {
            let mut r = BufReader::new(&stream);
            let mut target = String::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    match k.to_ascii_lowercase().as_str() {
                        "content-length" => length = v.trim().parse().unwrap_or(0),
                        "x-amz-target" => target = v.trim().trim_start_matches("SageMaker.").to_string(),
                        _ => {}
                    }
                }
            }
            let mut body = vec![0; length];
            let _ = r.read_exact(&mut body);
            let input: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let mut s = state.lock().unwrap();
            let answer = match target.as_str() {
                "ListApps" => json!({"Apps": s.0}),
                "ListUserProfiles" => {
                    json!({"UserProfiles": s.1.iter().map(|u| json!({"DomainId": "d-test", "UserProfileName": u, "Status": "InService"})).collect::<Vec<_>>()})
                }
                "ListSpaces" => {
                    json!({"Spaces": s.2.iter().map(|n| json!({"DomainId": "d-test", "SpaceName": n, "Status": "InService"})).collect::<Vec<_>>()})
                }
                "DeleteApp" => {
                    for a in
                        s.0.iter_mut().filter(|a| a["AppName"] == input["AppName"] && a["AppType"] == input["AppType"])
                    {
                        a["Status"] = json!("Deleted");
                    }
                    json!({})
                }
                "DeleteUserProfile" => {
                    s.1.retain(|u| input["UserProfileName"] != json!(u));
                    json!({})
                }
                "DeleteSpace" => {
                    s.2.retain(|n| input["SpaceName"] != json!(n));
                    json!({})
                }
                _ => json!({}),
            };
            log.lock().unwrap().push(target.clone());
            let text = answer.to_string();
            let _ = write!(
                &stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    });
    (port, seen)
}

#[test]
fn studio_apps_go_first_then_team_stacks_then_profiles_left_then_the_root() {
    let moto = Moto::start();
    let dir = app(&moto);
    publish(&moto, &dir);
    // The export the platform's Studio stack (nested in the root) names its domain with. moto
    // gives no outputs, hence no exports, to a stack made by a change set: a stack of the root's
    // name prefix made with CreateStack exports it instead.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let studio = "Resources:\n  P:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Type: String\n      Value: x\nOutputs:\n  Domain:\n    Value: d-test\n    Export:\n      Name: ds-sagemaker-studio-Test-domain-id\n";
    // (The SDK may retry the creation after moto took it, which then answers AlreadyExists.)
    let _ =
        rt.block_on(async { moto.cfn().create_stack().stack_name("plat-Studio").template_body(studio).send().await });
    let exports = rt.block_on(async { moto.cfn().list_exports().send().await.unwrap() });
    assert_eq!(exports.exports().iter().filter_map(|e| e.value()).collect::<Vec<_>>(), ["d-test"]);
    let (port, seen) = studio_stand_in();
    let env = [("AWS_ENDPOINT_URL_SAGEMAKER", format!("http://127.0.0.1:{port}"))];
    let published = moto.requests().len();

    let (code, out, err) = destroy(&moto, &[], &env);
    assert_eq!(code, 1, "{out}\n{err}");
    for line in [
        "  1. delete 3 Studio app(s) of domain d-test (they block deleting their user profiles):\n",
        "       JupyterServer default of user profile alice (InService)\n",
        "       JupyterLab default of space shared (InService)\n",
        "  3. delete the Studio user profiles and spaces still in domain d-test after that (they block deleting the domain); now:\n",
        "       user profile carol (InService)\n",
        "       space shared (InService)\n",
    ] {
        assert!(out.contains(line), "{line:?} in:\n{out}");
    }
    assert!(!seen.lock().unwrap().iter().any(|op| op.starts_with("Delete")), "nothing deleted without --yes");

    let (code, out, err) = destroy(&moto, &["--yes"], &env);
    assert_eq!(code, 0, "{out}\n{err}");
    let sent = deletions(&moto);
    let at = |what: &str| sent.iter().position(|s| s == what).unwrap_or_else(|| panic!("{what} not sent: {sent:?}"));
    let apps = [at("DeleteApp default"), at("DeleteApp datascience-1")];
    let teams = [at("DeleteStack plat-team-team-00-dev"), at("DeleteStack plat-team-team-01-dev")];
    let (space, carol, root) = (at("DeleteSpace shared"), at("DeleteUserProfile carol"), at("DeleteStack plat"));
    assert!(apps.iter().all(|a| teams.iter().all(|t| a < t)), "apps before the team stacks: {sent:?}");
    assert!(teams.iter().all(|t| *t < space && *t < carol), "team stacks before the profiles left: {sent:?}");
    assert!(space < carol, "a space before the user profiles (a private space is a user's): {sent:?}");
    assert!(carol < root, "every profile before the root (which deletes the domain): {sent:?}");
    assert_eq!(sent.iter().filter(|s| s.starts_with("DeleteApp")).count(), 3, "{sent:?}");
    assert!(out.contains("destroyed: stack plat and 2 team stack(s)"), "{out}");

    let (code, out, _) = destroy(&moto, &["--yes"], &env);
    assert_eq!(code, 0);
    assert!(out.starts_with("nothing to destroy"), "{out}");
    every_request_is_in_the_table_and_allowed(&moto.requests()[published..]);
}

/// Every request destroy sent is a row of its table and allowed, on the resource it was made on,
/// by `sds policy destroy` under our IAM evaluator (moto does not check SageMaker, and checks
/// CloudFormation against `*` only).
fn every_request_is_in_the_table_and_allowed(requests: &[Value]) {
    use sds::policy::calls::{self, Command};
    let o = crate::support::sds()
        .args(["policy", "destroy", "--format", "json", "--account", "123456789012", "--region", "us-east-1"])
        .args(["--stack-name", "plat"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let ctx = sds_constructs::iam::Context::new();
    let mut seen = std::collections::BTreeSet::new();
    for r in requests {
        let (service, operation) = (r["service"].as_str().unwrap(), r["operation"].as_str().unwrap_or("?"));
        assert!(
            calls::of(Command::Destroy).any(|c| c.service == service && c.operation == operation),
            "destroy sent {service}:{operation}, which the table of calls does not list: {r}"
        );
        seen.insert(format!("{service}:{operation}"));
        for action in calls::actions_of(service, operation) {
            for resource in crate::policy_moto::resources(r) {
                let d = crate::policy::decide(&doc, action, &resource, &ctx);
                assert_eq!(d, sds_constructs::iam::Decision::Allow, "{action} on {resource}: {r}");
            }
        }
    }
    let table: std::collections::BTreeSet<String> =
        calls::of(Command::Destroy).map(|c| format!("{}:{}", c.service, c.operation)).collect();
    assert_eq!(seen, table, "every row of the table was exercised, and nothing else");
}
