//! `sds policy destroy` enforced on moto: a user holding only the printed policy destroys the
//! platform (published by an administrator), and with any one statement removed destroy fails
//! naming an action of it, or, where moto cannot tell, our evaluator denies a request that was
//! sent (and only requests of that statement's actions).
//!
//! What moto (5.2) cannot tell, beside what tests/it/policy_moto.rs says (CloudFormation
//! authorized on `*` only, so a statement whose actions another CloudFormation statement also
//! holds is not missed): the Studio calls go to the SageMaker stand-in of tests/it/destroy.rs,
//! which enforces nothing, so the Studio statements are checked by the evaluator only.

use serde_json::Value;

use crate::destroy::{app, studio_stand_in};
use crate::moto::Moto;
use crate::policy_moto::{blind_and_denied_by_the_evaluator, denied_by_the_evaluator, moto_dialect};
use crate::support::{sds, stderr, stdout};

/// A fresh moto enforcing IAM from its seventh request on, with a user `admin` allowed
/// everything and a user `destroyer` holding only `policy`: their access keys.
fn moto_with_users(policy: &Value) -> (Moto, [(String, String); 2]) {
    let moto = Moto::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", "6")]);
    let script = r#"
import sys, json, boto3
iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
admin = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
for user, policy in (("admin", admin), ("destroyer", sys.argv[2])):
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=policy)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    print(key["AccessKeyId"], key["SecretAccessKey"])
"#;
    let o = std::process::Command::new("python3")
        .args(["-c", script, &moto.endpoint(), &policy.to_string()])
        .output()
        .expect("python3 with boto3 (moto's dependency)");
    assert!(o.status.success(), "{}", stderr(&o));
    let keys: Vec<(String, String)> = stdout(&o)
        .lines()
        .map(|l| l.split_once(' ').map(|(a, b)| (a.to_string(), b.to_string())).expect("an access key"))
        .collect();
    (moto, [keys[0].clone(), keys[1].clone()])
}

/// Publishes the app of tests/it/destroy.rs and the stack exporting the domain as `admin`, then
/// destroys as `destroyer`: exit code and output, and the requests destroy sent.
fn publish_then_destroy(policy: &Value) -> (i32, String, Vec<Value>) {
    let (moto, [admin, destroyer]) = moto_with_users(policy);
    let dir = app(&moto);
    let as_user = |c: &mut assert_cmd::Command, (id, secret): &(String, String)| {
        c.env("AWS_ACCESS_KEY_ID", id).env("AWS_SECRET_ACCESS_KEY", secret).env("SDS_AWS_TIMEOUT_MS", "20000");
    };
    let mut c = moto.sds();
    as_user(&mut c, &admin);
    let o = c
        .args(["publish", "--yes", "--root", "root.yaml", "--stack-name", "plat", "--templates"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let studio = "{\"Resources\":{\"P\":{\"Type\":\"AWS::SSM::Parameter\",\"Properties\":{\"Type\":\"String\",\"Value\":\"x\"}}},\"Outputs\":{\"Domain\":{\"Value\":\"d-test\",\"Export\":{\"Name\":\"ds-sagemaker-studio-Test-domain-id\"}}}}";
    // With the Rust SDK (moto's signature check is patched for its encoding, tests/it/moto.rs).
    let creds = aws_sdk_cloudformation::config::Credentials::new(&admin.0, &admin.1, None, None, "tests");
    let conf = aws_sdk_cloudformation::config::Builder::new()
        .behavior_version_latest()
        .region(aws_sdk_cloudformation::config::Region::new("us-east-1"))
        .endpoint_url(moto.endpoint())
        .credentials_provider(creds)
        .http_client(sds::publish::aws::http_client())
        .build();
    let cfn = aws_sdk_cloudformation::Client::from_conf(conf);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    // moto answers the first attempt with an internal error after creating the stack, and the
    // SDK's retry with AlreadyExists: what counts is the export.
    let _ = rt.block_on(async { cfn.create_stack().stack_name("plat-Studio").template_body(studio).send().await });
    let exports = rt.block_on(async { cfn.list_exports().send().await }).unwrap();
    assert_eq!(exports.exports().iter().filter_map(|e| e.value()).collect::<Vec<_>>(), ["d-test"]);
    let before = moto.requests().len();
    let (port, _) = studio_stand_in();
    let mut c = moto.sds();
    as_user(&mut c, &destroyer);
    let o = c
        .env("AWS_ENDPOINT_URL_SAGEMAKER", format!("http://127.0.0.1:{port}"))
        .args(["destroy", "--yes", "--stack-name", "plat"])
        .output()
        .unwrap();
    let requests = moto.requests()[before..].to_vec();
    (o.status.code().unwrap_or(-1), format!("{}\n{}", stdout(&o), stderr(&o)), requests)
}

#[test]
fn a_user_with_only_the_printed_policy_destroys_and_needs_every_statement() {
    let o = sds()
        .args(["policy", "destroy", "--format", "json", "--account", "123456789012", "--region", "us-east-1"])
        .args(["--stack-name", "plat"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let (code, out, _) = publish_then_destroy(&moto_dialect(&doc));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("destroyed: stack plat and 2 team stack(s)"), "{out}");

    let statements = doc["Statement"].as_array().unwrap();
    let (mut enforced, mut blind, mut studio) = (Vec::new(), Vec::new(), Vec::new());
    for (i, removed) in statements.iter().enumerate() {
        let sid = removed["Sid"].as_str().unwrap().to_string();
        let mut reduced = doc.clone();
        reduced["Statement"].as_array_mut().unwrap().remove(i);
        let (code, out, requests) = publish_then_destroy(&moto_dialect(&reduced));
        let actions = crate::policy_moto::actions_of_statement(removed);
        if actions.iter().all(|a| a.starts_with("sagemaker:")) {
            assert_eq!(code, 0, "{sid}: the stand-in enforces nothing: {out}");
            denied_by_the_evaluator(&reduced, removed, &requests);
            studio.push(sid);
            continue;
        }
        if blind_and_denied_by_the_evaluator(&reduced, removed, &requests) {
            assert_eq!(code, 0, "{sid}: {out}");
            blind.push(sid);
            continue;
        }
        assert_eq!(code, 2, "without {sid} destroy fails: {out}");
        assert!(
            actions.iter().any(|a| out.contains(&format!("needs {a}")) || out.contains(&format!("perform: {a}"))),
            "without {sid}, the denial names none of {actions:?}: {out}"
        );
        enforced.push(sid);
    }
    assert_eq!(enforced, ["NoResourceLevelPermission", "RootStackNestedStacksProductStacks"]);
    assert_eq!(blind, ["RootStack", "TeamStacks", "RootStackNestedStacks"], "checked by the evaluator");
    assert_eq!(studio, ["StudioApps", "StudioUserProfiles", "StudioSpaces"], "checked by the evaluator");
}
