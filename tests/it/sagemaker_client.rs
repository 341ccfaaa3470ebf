//! sds's own SageMaker client (src/publish/sagemaker.rs) against moto with IAM enforcement on:
//! moto checks each request's SigV4 signature against the user's secret and authorizes the action,
//! so a call that succeeds proves the signing, and a denied one the error handling. moto's
//! SageMaker has no Studio apps, profiles or spaces (tests/it/destroy.rs uses a stand-in for
//! those): `ListDomains` is the call both sides know.

use sds::publish::aws::{http_client, Timeouts};
use sds::publish::sagemaker::SageMaker;
use serde_json::json;

use crate::moto::Moto;
use crate::support::{stderr, stdout};

/// A user allowed only `sagemaker:ListDomains`: its access key.
fn user(moto: &Moto) -> (String, String) {
    let script = r#"
import sys, json, boto3
iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sagemaker:ListDomains", "Resource": "*"}]}
iam.create_user(UserName="lister")
iam.put_user_policy(UserName="lister", PolicyName="p", PolicyDocument=json.dumps(policy))
key = iam.create_access_key(UserName="lister")["AccessKey"]
print(key["AccessKeyId"], key["SecretAccessKey"])
"#;
    let o = std::process::Command::new("python3").args(["-c", script, &moto.endpoint()]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let line = stdout(&o);
    let (id, secret) = line.trim().split_once(' ').expect("an access key");
    (id.to_string(), secret.to_string())
}

fn client(moto: &Moto, id: &str, secret: &str) -> SageMaker {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let conf = rt.block_on(
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(http_client())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(moto.endpoint())
            .credentials_provider(aws_credential_types::Credentials::new(id, secret, None, None, "test"))
            .load(),
    );
    SageMaker::new(&conf, "us-east-1", Timeouts::from_env(), Some(std::time::Duration::from_millis(10)), None)
}

#[test]
fn signed_requests_are_accepted_denials_name_the_action_and_a_wrong_secret_is_refused() {
    let moto = Moto::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", "3")]);
    let (id, secret) = user(&moto);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let sm = client(&moto, &id, &secret);
    assert_eq!(sm.endpoint(), moto.endpoint());

    let domains = rt.block_on(sm.call("ListDomains", json!({}))).expect("a signed, allowed call succeeds");
    assert!(domains.get("Domains").is_some_and(|d| d.is_array()), "{domains}");

    // Not allowed: moto authorizes before it looks for the operation.
    let denied = rt.block_on(sm.call("ListApps", json!({"DomainIdEquals": "d-x"}))).expect_err("not allowed");
    assert!(denied.code.as_deref().is_some_and(|c| c.starts_with("AccessDenied")), "{denied:?}");
    assert!(denied.text.contains("ListApps needs sagemaker:ListApps"), "{denied}");

    let forged = client(&moto, &id, "not-the-secret");
    let refused = rt.block_on(forged.call("ListDomains", json!({}))).expect_err("a wrong signature");
    assert!(refused.text.contains("Signature"), "{refused}");
}
