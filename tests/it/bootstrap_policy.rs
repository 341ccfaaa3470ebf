//! `sds policy bootstrap` against what `sds bootstrap` does, on moto: every request it sends is a
//! row of the table and allowed by the printed policy under our evaluator; with IAM enforcement,
//! a user holding only the printed policy bootstraps, and without either CloudFormation statement
//! bootstrap fails naming an action of it.
//!
//! What moto (5.2) cannot show: CloudFormation creates the stack's bucket and roles without
//! authorizing the caller, so removing the BootstrapBucket or BootstrapRoles statement changes
//! nothing there (the test says so by requiring exactly that). Those rows come from the
//! CloudFormation registry handlers' permissions (src/policy/calls/bootstrap.rs); that each
//! action exists is checked against IAM's list, not that the list is complete.

use serde_json::Value;

use sds::policy::calls::{self, Command};

use crate::moto::Moto;
use crate::policy_moto::{actions_of_statement, moto_dialect, moto_with_user, resources};
use crate::support::{sds, stderr, stdout};

fn printed() -> Value {
    let o = sds()
        .args(["policy", "bootstrap", "--format", "json", "--account", "123456789012", "--region", "us-east-1"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn bootstrap(moto: &Moto, key: Option<(&str, &str)>) -> (i32, String) {
    let mut c = moto.sds();
    if let Some((id, secret)) = key {
        c.env("AWS_ACCESS_KEY_ID", id).env("AWS_SECRET_ACCESS_KEY", secret).env("SDS_AWS_TIMEOUT_MS", "20000");
    }
    let o = c.args(["bootstrap", "--yes"]).output().unwrap();
    (o.status.code().unwrap_or(-1), format!("{}\n{}", stdout(&o), stderr(&o)))
}

#[test]
fn every_request_bootstrap_sends_is_in_the_table_and_allowed() {
    let moto = Moto::start();
    // Created, up to date, then updated (a permissions boundary).
    for extra in [None, None, Some("arn:aws:iam::aws:policy/PowerUserAccess")] {
        let mut c = moto.sds();
        c.args(["bootstrap", "--yes"]);
        if let Some(b) = extra {
            c.args(["--permissions-boundary", b]);
        }
        let o = c.output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    }
    let doc = printed();
    let ctx = sds_constructs::iam::Context::new();
    let mut seen = std::collections::BTreeSet::new();
    for r in moto.requests() {
        let (service, operation) = (r["service"].as_str().unwrap(), r["operation"].as_str().unwrap_or("?"));
        assert!(
            calls::of(Command::Bootstrap).any(|c| c.service == service && c.operation == operation),
            "bootstrap sent {service}:{operation}, which the table does not list: {r}"
        );
        seen.insert(format!("{service}:{operation}"));
        for action in calls::actions_of(service, operation) {
            // Only the resources IAM authorizes the action on (a change-set action: the stack).
            for resource in resources(&r).into_iter().filter(|res| crate::policy::acts_on(action, res)) {
                let d = crate::policy::decide(&doc, action, &resource, &ctx);
                assert_eq!(d, sds_constructs::iam::Decision::Allow, "{action} on {resource}: {r}");
            }
        }
    }
    let table: std::collections::BTreeSet<String> =
        calls::of(Command::Bootstrap).map(|c| format!("{}:{}", c.service, c.operation)).collect();
    assert_eq!(seen, table, "every row of the table was exercised, and nothing else");
}

#[test]
fn a_user_with_only_the_printed_policy_bootstraps_and_needs_each_cloudformation_statement() {
    let doc = printed();
    let (moto, id, secret) = moto_with_user(&moto_dialect(&doc));
    let (code, out) = bootstrap(&moto, Some((&id, &secret)));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("stack sds-bootstrap CREATE_COMPLETE"), "{out}");
    drop(moto);

    let statements = doc["Statement"].as_array().unwrap();
    let mut unseen_by_moto = Vec::new();
    for (i, removed) in statements.iter().enumerate() {
        let sid = removed["Sid"].as_str().unwrap().to_string();
        let mut reduced = doc.clone();
        reduced["Statement"].as_array_mut().unwrap().remove(i);
        let (moto, id, secret) = moto_with_user(&moto_dialect(&reduced));
        let (code, out) = bootstrap(&moto, Some((&id, &secret)));
        let actions = actions_of_statement(removed);
        if actions.iter().all(|a| !a.starts_with("cloudformation:")) {
            // What CloudFormation does as the caller: moto does not authorize it.
            assert_eq!(code, 0, "{sid}: {out}");
            unseen_by_moto.push(sid);
            continue;
        }
        assert_eq!(code, 2, "without {sid} bootstrap fails: {out}");
        assert!(
            actions.iter().any(|a| out.contains(&format!("needs {a}")) || out.contains(&format!("perform: {a}"))),
            "without {sid}, the denial names none of {actions:?}: {out}"
        );
    }
    assert_eq!(unseen_by_moto, ["BootstrapBucket", "BootstrapRoles"]);
}
