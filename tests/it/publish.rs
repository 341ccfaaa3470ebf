//! `sds publish` against moto: packaging and upload of the full platform (read back from the
//! server), the deploy flow on a small app moto can create, and the error paths.

use std::collections::BTreeMap;

use sds_constructs::cfn::{read_template, Format, Value};

use crate::moto::{small_app, Moto};
use crate::support::{stderr, stdout};

const ACCOUNT: &str = "123456789012";
const BUCKET: &str = "sds-staging-123456789012-us-east-1";

fn run(cmd: &mut assert_cmd::Command) -> (i32, String, String) {
    let o = cmd.output().unwrap();
    (o.status.code().unwrap_or(-1), stdout(&o), stderr(&o))
}

/// Every object of the staging bucket: key → body.
fn objects(moto: &Moto) -> BTreeMap<String, Vec<u8>> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let s3 = moto.s3();
        let list = s3.list_objects_v2().bucket(BUCKET).send().await.unwrap();
        let mut out = BTreeMap::new();
        for o in list.contents() {
            let key = o.key().unwrap().to_string();
            let body = s3.get_object().bucket(BUCKET).key(&key).send().await.unwrap().body.collect().await.unwrap();
            out.insert(key, body.into_bytes().to_vec());
        }
        out
    })
}

fn template_urls(text: &str) -> Vec<String> {
    let t = read_template(text, "t.yaml", Format::Yaml).unwrap().template;
    let mut urls = Vec::new();
    for r in t.resources.values() {
        if let Some(Value::String(u)) = r.properties.get("TemplateURL") {
            urls.push(u.clone());
        }
        if let Some(Value::Map(code)) = r.properties.get("Code") {
            if let Some(Value::String(k)) = code.get("S3Key") {
                urls.push(k.clone());
            }
        }
    }
    urls
}

#[test]
fn the_platform_is_packaged_and_uploaded_completely_and_once() {
    let moto = Moto::start();
    let (code, out, err) = run(moto.sds().args(["publish", "--no-deploy"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("14 of 14 objects uploaded"), "{out}");
    assert!(out.contains(&format!("--template-url {}/{BUCKET}/sds/ds_administration.yaml", moto.endpoint())), "{out}");

    let stored = objects(&moto);
    assert_eq!(stored.len(), 14);
    for (key, body) in &stored {
        if !key.ends_with(".yaml") {
            continue;
        }
        let text = String::from_utf8(body.clone()).unwrap();
        assert!(!text.contains("< S3_CFN_STAGING"), "{key} still has a placeholder");
        for reference in template_urls(&text) {
            let key_of = reference.trim_start_matches(&format!("{}/{BUCKET}/", moto.endpoint()));
            assert!(stored.contains_key(key_of), "{key} references {reference}, which was not uploaded");
            if key_of.ends_with(".yaml") {
                read_template(&String::from_utf8(stored[key_of].clone()).unwrap(), key_of, Format::Yaml).unwrap();
            }
        }
    }
    let seed = String::from_utf8(stored["sds/ds_environment.yaml"].clone()).unwrap();
    assert!(seed.contains("TemplateURL: http://localhost:"), "product templates are packaged roots: {seed}");

    // Every S3 request names the expected owner; CreateBucket has no such parameter.
    let requests = moto.requests();
    let s3: Vec<_> = requests.iter().filter(|r| r["service"] == "s3").collect();
    let is_object = |r: &serde_json::Value| {
        let uri = r["uri"].as_str().unwrap();
        uri.contains("/sds/") && !uri.contains("/sds/.sds-lock/")
    };
    let puts = s3.iter().filter(|r| r["method"] == "PUT" && is_object(r)).count();
    assert_eq!(puts, 14, "one upload per object");
    for r in &s3 {
        let create_bucket = r["method"] == "PUT" && r["uri"].as_str().unwrap().ends_with(&format!("/{BUCKET}/"));
        if !create_bucket {
            assert_eq!(r["expected_bucket_owner"], ACCOUNT, "{r}");
        }
    }

    // Republishing with nothing changed uploads nothing.
    let (code, out, err) = run(moto.sds().args(["publish", "--no-deploy"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("0 of 14 objects uploaded"), "{out}");
    assert_eq!(objects(&moto), stored, "a republish changed stored objects");
}

#[test]
fn package_only_is_offline_and_reproducible() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for dir in [&a, &b] {
        let mut cmd = crate::support::sds();
        cmd.args(["publish", "--package-only"]).arg(dir).args(["--bucket", "review-bucket"]);
        // No endpoint and no credentials: nothing may try the network.
        cmd.env("AWS_ENDPOINT_URL", "http://127.0.0.1:9").env_remove("AWS_ACCESS_KEY_ID");
        let (code, _, err) = run(&mut cmd);
        assert_eq!(code, 0, "{err}");
    }
    let list = |d: &std::path::Path| -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        let mut stack = vec![d.to_path_buf()];
        while let Some(p) = stack.pop() {
            for e in std::fs::read_dir(&p).unwrap() {
                let path = e.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    out.insert(path.strip_prefix(d).unwrap().display().to_string(), std::fs::read(&path).unwrap());
                }
            }
        }
        out
    };
    let (la, lb) = (list(&a), list(&b));
    assert_eq!(la, lb, "two packagings differ");
    assert_eq!(la.keys().filter(|k| k.ends_with(".zip")).count(), 2);
    let root = String::from_utf8(la["sds/ds_administration.yaml"].clone()).unwrap();
    assert!(root.contains("https://s3.us-east-1.amazonaws.com/review-bucket/sds/templates/"));
}

#[test]
fn deploy_create_no_change_update_and_failure() {
    let moto = Moto::start();
    let app = small_app(moto.dir.path(), "dev", "");
    let publish = |extra: &[&str]| {
        let mut c = moto.sds();
        c.args(["publish", "--templates"]).arg(&app).args(["--root", "root.yaml", "--stack-name", "small"]).args(extra);
        run(&mut c)
    };
    let (code, out, err) = publish(&["--yes"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("(CREATE)")
            && out.contains("Add    Topic AWS::SNS::Topic")
            && out.contains("Add    Child AWS::CloudFormation::Stack"),
        "{out}"
    );
    assert!(out.contains("2 to add, 0 to modify, 0 to remove"), "{out}");
    assert!(out.contains("stack small CREATE_COMPLETE"), "{out}");
    assert!(err.contains("CREATE_COMPLETE"), "events are streamed: {err}");

    let (code, out, _) = publish(&["--yes"]);
    assert_eq!(code, 0);
    assert!(out.contains("0 of 2 objects uploaded") && out.contains("stack small is up to date"), "{out}");

    let app = small_app(moto.dir.path(), "prod", "");
    let (code, out, err) = publish(&["--yes"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("(UPDATE)") && out.contains("stack small UPDATE_COMPLETE"), "{out}");
    assert!(app.exists());

    // An SSM parameter of a type that does not exist: the deployment fails, with the reason.
    small_app(moto.dir.path(), "prod", "  Bad:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Name: bad\n      Type: NotAType\n      Value: v\n");
    let (code, out, err) = publish(&["--yes"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("deployment of stack small failed"), "{out}");
    assert!(out.contains("NotAType"), "the reason is shown: {out}");
}

#[test]
fn no_execute_stops_after_the_change_set() {
    let moto = Moto::start();
    let app = small_app(moto.dir.path(), "dev", "");
    let (code, out, err) = run(moto.sds().args(["publish", "--no-execute", "--templates"]).arg(&app).args([
        "--root",
        "root.yaml",
        "--stack-name",
        "held",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("not executed (--no-execute)") && out.contains("execute-change-set --stack-name held"),
        "{out}"
    );
    assert!(!out.contains("CREATE_COMPLETE"));
}

#[test]
fn without_a_terminal_deploying_needs_yes_and_nothing_is_sent() {
    let moto = Moto::start();
    let app = small_app(moto.dir.path(), "dev", "");
    let (code, _, err) = run(moto.sds().args(["publish", "--templates"]).arg(&app).args(["--root", "root.yaml"]));
    assert_eq!(code, 2);
    assert!(err.contains("pass --yes"), "{err}");
    assert!(moto.requests().is_empty(), "requests were sent before refusing");
}

#[test]
fn errors_are_clear_and_deploy_nothing() {
    let moto = Moto::start();
    // No credentials anywhere.
    let (code, _, err) = run(moto
        .sds()
        .args(["publish", "--no-deploy"])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY"));
    assert_eq!(code, 2);
    assert!(err.contains("cannot find out which AWS account"), "{err}");

    // Nothing listening at the endpoint.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (code, _, err) =
        run(moto.sds().args(["publish", "--no-deploy"]).env("AWS_ENDPOINT_URL", format!("http://localhost:{dead}")));
    assert_eq!(code, 2);
    assert!(err.contains("cannot find out which AWS account"), "{err}");

    // A packaged template over 1 MB: refused before any request (the log holds the STS requests
    // of the runs above).
    let _ = std::fs::remove_file(moto.request_log());
    let app = small_app(
        moto.dir.path(),
        "dev",
        &format!("  Big:\n    Type: AWS::SNS::Topic\n    Metadata:\n      Note: '{}'\n", "x".repeat(1_100_000)),
    );
    let (code, _, err) =
        run(moto.sds().args(["publish", "--yes", "--templates"]).arg(&app).args(["--root", "root.yaml"]));
    assert_eq!(code, 2);
    assert!(err.contains("at most 1 MB"), "{err}");
    assert!(moto.requests().is_empty(), "requests were sent for a template that cannot be deployed");
}
