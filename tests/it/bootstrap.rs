//! `sds bootstrap` against moto: the stack is created through a change set with the staging
//! bucket, its policy and the execution role, and a rerun changes nothing; a bootstrap older than
//! this sds is refused by publish with how to update it, `sds bootstrap` updates it in place, and
//! publish then stages in its bucket and passes its role (read from the request log: moto does
//! not check `iam:PassRole`).
//!
//! moto gives no outputs to a stack created or updated by executing a change set (it computes
//! them on CreateStack and UpdateStack only): the test of publish through a bootstrap creates the
//! same template (`bootstrap::template`) with CreateStack.

use crate::moto::{small_app, Moto};
use crate::support::{stderr, stdout};

const BUCKET: &str = "sds-bootstrap-123456789012-us-east-1";

fn run(cmd: &mut assert_cmd::Command) -> (i32, String) {
    let o = cmd.output().unwrap();
    (o.status.code().unwrap_or(-1), format!("{}\n{}", stdout(&o), stderr(&o)))
}

#[test]
fn bootstrap_is_created_through_a_change_set_and_a_rerun_changes_nothing() {
    let moto = Moto::start();
    let (code, out) = run(moto.sds().args(["bootstrap", "--yes"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("change set sds-publish-") && out.contains("(CREATE)"), "{out}");
    for added in
        ["StagingBucket AWS::S3::Bucket", "StagingBucketPolicy AWS::S3::BucketPolicy", "ExecutionRole AWS::IAM::Role"]
    {
        assert!(out.contains(&format!("Add    {added}")), "{added}: {out}");
    }
    assert!(out.contains("stack sds-bootstrap CREATE_COMPLETE"), "{out}");
    // The execution role as deployed: IAM only on the platform's own roles (moto filled in the
    // account; it does not enforce the role on CloudFormation's resource creation).
    let doc = execution_policy(&moto);
    let ctx = sds_constructs::iam::condition::Context::new();
    let role = |name: &str| format!("arn:aws:iam::123456789012:role/{name}");
    let allowed = role("DSSharedServices-DataScienceAdministrator-3f1c2a9be0d4");
    assert_eq!(crate::policy::decide(&doc, "iam:CreateRole", &allowed, &ctx), sds_constructs::iam::Decision::Allow);
    assert_eq!(crate::policy::decide(&doc, "iam:PassRole", &allowed, &ctx), sds_constructs::iam::Decision::Allow);
    for (action, resource) in [
        ("iam:CreateRole", role("Admin")),
        ("iam:CreateUser", "arn:aws:iam::123456789012:user/mallory".to_string()),
        ("iam:CreateAccessKey", "arn:aws:iam::123456789012:user/mallory".to_string()),
    ] {
        let decision = crate::policy::decide(&doc, action, &resource, &ctx);
        assert_eq!(decision, sds_constructs::iam::Decision::ImplicitDeny, "{action} {resource}: {doc}");
    }
    let (code, out) = run(moto.sds().args(["bootstrap", "--yes"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("stack sds-bootstrap is up to date"), "{out}");
    // Without a terminal and without --yes, or with a malformed boundary, nothing is sent.
    let before = moto.requests().len();
    let (code, out) =
        run(moto.sds().args(["bootstrap", "--yes", "--permissions-boundary", "arn:aws:iam::123456789012:role/x"]));
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("--permissions-boundary \"arn:aws:iam::123456789012:role/x\": not a managed policy ARN"),
        "{out}"
    );
    let (code, out) = run(moto.sds().args(["bootstrap"]));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("pass --yes"), "{out}");
    assert_eq!(moto.requests().len(), before);
}

#[test]
fn an_older_bootstrap_is_refused_by_publish_and_updated_in_place() {
    let moto = Moto::start();
    let old = r#"{"Resources":{"StagingBucket":{"Type":"AWS::S3::Bucket","Properties":{"BucketName":"sds-bootstrap-123456789012-us-east-1"}}},"Outputs":{"StagingBucketName":{"Value":{"Ref":"StagingBucket"}},"BootstrapVersion":{"Value":"0"}}}"#;
    create_stack(&moto, old);
    let app = small_app(moto.dir.path(), "dev", "");
    let mut c = moto.sds();
    c.args(["publish", "--yes", "--root", "root.yaml", "--stack-name", "small", "--templates"]).arg(&app);
    let (code, out) = run(&mut c);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains(
            "the bootstrap stack sds-bootstrap is version 0; this sds needs version 1: update it with `sds bootstrap`"
        ),
        "{out}"
    );
    assert!(!moto.requests().iter().any(|r| r["service"] == "s3"), "nothing was staged");

    // Updated in place, the execution role bounded this time.
    let boundary = "arn:aws:iam::aws:policy/PowerUserAccess";
    let (code, out) = run(moto.sds().args(["bootstrap", "--yes", "--permissions-boundary", boundary]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("(UPDATE)") && out.contains("stack sds-bootstrap UPDATE_COMPLETE"), "{out}");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let body = rt.block_on(async {
        moto.cfn().get_template().stack_name("sds-bootstrap").send().await.unwrap().template_body().unwrap().to_string()
    });
    assert!(body.contains(&format!("\"PermissionsBoundary\": \"{boundary}\"")), "{body}");
    assert!(out.contains("Add    ExecutionRole AWS::IAM::Role") && out.contains("Modify StagingBucket"), "{out}");
}

/// A stack made with CreateStack (moto computes outputs for those only).
fn create_stack(moto: &Moto, body: &str) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        moto.cfn().create_stack().stack_name("sds-bootstrap").template_body(body).send().await.unwrap()
    });
}

#[test]
fn publish_stages_in_the_bootstraps_bucket_and_passes_its_role() {
    let moto = Moto::start();
    let execution = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["cloudformation:*", "s3:*", "sns:*", "ssm:*"], "Resource": "*"}
    ]});
    let policy = sds::publish::bootstrap::publish_policy("small", false);
    create_stack(&moto, &sds::publish::bootstrap::template(BUCKET, execution, None, policy, &Default::default()));
    let role = {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let described =
            rt.block_on(async { moto.cfn().describe_stacks().stack_name("sds-bootstrap").send().await.unwrap() });
        let outputs = described.stacks()[0].outputs().to_vec();
        let get = |k: &str| {
            outputs.iter().find(|o| o.output_key() == Some(k)).and_then(|o| o.output_value()).unwrap().to_string()
        };
        assert_eq!(get("StagingBucketName"), BUCKET);
        assert_eq!(get("BootstrapVersion"), "1");
        get("ExecutionRoleArn")
    };
    let app = small_app(moto.dir.path(), "dev", "");
    let mut c = moto.sds();
    c.args(["publish", "--yes", "--root", "root.yaml", "--stack-name", "small", "--templates"]).arg(&app);
    let (code, out) = run(&mut c);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("uploaded to s3://{BUCKET}/")), "{out}");
    let requests = moto.requests();
    let create = requests
        .iter()
        .find(|r| r["operation"] == "CreateChangeSet" && r["stack"] == "small")
        .expect("the root's change set");
    assert_eq!(create["role_arn"], role.as_str(), "{create}");
    // The policy printed for publishing through the bootstrap allows passing that role.
    let o = crate::support::sds()
        .args([
            "policy",
            "publish",
            "--bootstrap",
            "--format",
            "json",
            "--account",
            "123456789012",
            "--region",
            "us-east-1",
        ])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ctx = sds_constructs::iam::Context::new().set("iam:PassedToService", &["cloudformation.amazonaws.com"]);
    assert_eq!(
        crate::policy::decide(&doc, "iam:PassRole", &role, &ctx),
        sds_constructs::iam::Decision::Allow,
        "{role}"
    );
    assert_eq!(
        crate::policy::decide(&doc, "s3:PutObject", &format!("arn:aws:s3:::{BUCKET}/sds/root.yaml"), &ctx),
        sds_constructs::iam::Decision::Allow
    );
}

/// The inline policy of the bootstrap's execution role as moto holds it (boto3: no IAM client in
/// sds).
fn execution_policy(moto: &Moto) -> serde_json::Value {
    let script = r#"
import ast, sys, json, boto3
iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
name = [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("sds-bootstrap-ExecutionRole-")][0]
doc = iam.get_role_policy(RoleName=name, PolicyName="PlatformServices")["PolicyDocument"]
if isinstance(doc, str):
    # moto keeps what CloudFormation passed it as Python's text of the object.
    doc = ast.literal_eval(doc)
print(json.dumps(doc))
"#;
    let o = std::process::Command::new("python3").args(["-c", script, &moto.endpoint()]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The trust policies of the roles moto holds, by role name (boto3: no IAM client in sds).
fn trust_policies(moto: &Moto) -> serde_json::Value {
    let script = r#"
import sys, json, boto3
iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
print(json.dumps({r["RoleName"]: r["AssumeRolePolicyDocument"] for r in iam.list_roles()["Roles"]}))
"#;
    let o = std::process::Command::new("python3").args(["-c", script, &moto.endpoint()]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn with_bootstrap_github_the_publish_role_trusts_that_repositorys_branch_only() {
    let moto = Moto::start();
    // An existing provider (one per account), referenced by its ARN.
    let o = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, boto3; boto3.client('iam', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='testing', aws_secret_access_key='testing').create_open_id_connect_provider(Url='https://token.actions.githubusercontent.com', ClientIDList=['sts.amazonaws.com'])",
            &moto.endpoint(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
    let cfg = moto.dir.path().join("sds.yaml");
    std::fs::write(
        &cfg,
        format!("bootstrap:\n  github:\n    repository: my-org/platform\n    branch: main\n    provider_arn: {arn}\n"),
    )
    .unwrap();
    let (code, out) = run(moto.sds().args(["bootstrap", "--yes", "--config"]).arg(&cfg));
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("GitHubOidcProvider AWS::IAM::OIDCProvider"), "the existing one is used: {out}");
    let trust = trust_policies(&moto);
    let (_, publish) =
        trust.as_object().unwrap().iter().find(|(k, _)| k.starts_with("sds-bootstrap-PublishRole-")).unwrap();
    let expected = sds::publish::bootstrap::github_trust("my-org/platform", "main", serde_json::json!(arn));
    assert_eq!(publish["Statement"][1], expected, "{publish}");
    assert_eq!(
        expected["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"],
        "repo:my-org/platform:ref:refs/heads/main"
    );
    assert!(expected["Condition"].get("StringLike").is_none(), "exact match, no wildcard");
    let (_, exec) =
        trust.as_object().unwrap().iter().find(|(k, _)| k.starts_with("sds-bootstrap-ExecutionRole-")).unwrap();
    assert_eq!(exec["Statement"].as_array().unwrap().len(), 1, "only the publish role trusts GitHub: {exec}");

    // Without provider_arn the stack declares the provider (moto keeps a placeholder for it).
    let moto = Moto::start();
    std::fs::write(&cfg, "bootstrap:\n  github:\n    repository: my-org/platform\n    branch: main\n").unwrap();
    let (code, out) = run(moto.sds().args(["bootstrap", "--yes", "--config"]).arg(&cfg));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Add    GitHubOidcProvider AWS::IAM::OIDCProvider"), "{out}");
    // A bad value: located, nothing sent.
    std::fs::write(&cfg, "bootstrap:\n  github:\n    repository: my-org/platform\n    branch: 'release/*'\n").unwrap();
    let before = moto.requests().len();
    let (code, out) = run(moto.sds().args(["bootstrap", "--yes", "--config"]).arg(&cfg));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("sds.yaml:4:5: bootstrap.github.branch: \"release/*\" is not a branch name"), "{out}");
    assert_eq!(moto.requests().len(), before);
}
