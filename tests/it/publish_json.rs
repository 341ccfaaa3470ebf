//! `sds publish --format json`: one JSON document on standard output, in the shape the README
//! documents (snapshots), with the human lines and the progress on standard error.

use std::time::Duration;

use crate::json_output::json;
use crate::moto::{small_app, Moto};
use crate::publish_safety::{with_stand_in, Running};
use crate::stand_in::{self, Script};
use crate::support::{sds, stderr, stdout};

/// The files under `dir`, recursively, but the manifest sds keeps there.
fn files_under(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| if p.is_dir() { files_under(&p) } else { usize::from(!p.ends_with(".sds-manifest")) })
        .sum()
}

#[test]
fn publish_package_only_json() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pkg");
    let o = sds()
        .args(["publish", "--format", "json", "--bucket", "review-bucket", "--package-only"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("packaged "), "the human lines go to stderr: {}", stderr(&o));
    let doc = json(&stdout(&o));
    assert_eq!(doc["uploads"]["objects"], files_under(&dir), "one object per file written");
    insta::with_settings!({filters => vec![(r#""dir": ".*""#, r#""dir": "[tmp]/pkg""#)]}, {
        insta::assert_snapshot!("publish_package_only_json", stdout(&o));
    });
}

/// Filters for what changes from run to run: ports, change set names.
fn publish_filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
        (r"localhost:\d+", "localhost:[port]"),
        (r"sds-publish-\d+", "sds-publish-[ms]"),
    ]
}

#[test]
fn publish_json_deployed_and_rolled_back() {
    let moto = Moto::start();
    let app = small_app(moto.dir.path(), "dev", "");
    let (port, _) = stand_in::cloudformation(Script::Complete);
    let mut c = with_stand_in(&moto, port, &app);
    c.args(["--format", "json"]);
    let (code, out, err, _) = Running::spawn(c).finish(Duration::from_secs(30));
    assert_eq!(code, 0, "{out}\n{err}");
    let doc = json(&out);
    assert_eq!(doc["outcome"], "deployed");
    assert_eq!(doc["outputs"]["Answer"], "42");
    assert!(err.contains("stack standin UPDATE_COMPLETE"), "human lines on stderr: {err}");
    insta::with_settings!({filters => publish_filters()}, {
        insta::assert_snapshot!("publish_json_deployed", out);
    });

    let (port, _) = stand_in::cloudformation(Script::Rollback);
    let mut c = with_stand_in(&moto, port, &app);
    c.args(["--format", "json"]);
    let (code, out, err, _) = Running::spawn(c).finish(Duration::from_secs(30));
    assert_eq!(code, 1, "{out}\n{err}");
    insta::with_settings!({filters => publish_filters()}, {
        insta::assert_snapshot!("publish_json_rolled_back", out);
    });
}

#[test]
fn publish_no_deploy_accepts_yes_and_reports_the_uploads() {
    let moto = Moto::start();
    let app = small_app(moto.dir.path(), "dev", "");
    let publish = || {
        let o = moto
            .sds()
            .args(["publish", "--no-deploy", "--yes", "--format", "json", "--templates"])
            .arg(&app)
            .args(["--root", "root.yaml"])
            .output()
            .unwrap();
        (o.status.code(), json(&stdout(&o)), stderr(&o))
    };
    let (code, doc, err) = publish();
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(doc["outcome"], "uploaded");
    assert_eq!(doc["uploads"], serde_json::json!({"objects": 2, "uploaded": 2, "unchanged": 0}));
    assert!(err.contains("create-stack"), "{err}");
    let (_, doc, _) = publish();
    assert_eq!(doc["uploads"], serde_json::json!({"objects": 2, "uploaded": 0, "unchanged": 2}));
    insta::with_settings!({filters => publish_filters()}, {
        insta::assert_snapshot!("publish_json_no_deploy", serde_json::to_string_pretty(&doc).unwrap());
    });
}
