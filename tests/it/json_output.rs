//! `sds synth --format json`: one JSON document on standard output, in the shape the README
//! documents (snapshots), with the human report on standard error.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::{sds, stderr, stdout};

pub fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not one JSON document ({e}):\n{text}"))
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn synth_json_lists_the_files_written_and_the_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = sds().args(["synth", "--format", "json", "--out"]).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc = json(&stdout(&o));
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 13);
    for f in files {
        let written = std::fs::read(out.join(f["name"].as_str().unwrap())).unwrap();
        assert_eq!(f["sha256"], sha256(&written), "{f}");
        assert_eq!(f["bytes"], written.len(), "{f}");
    }
    assert_eq!(doc["written"], true);
    assert_eq!(doc["findings"]["errors"], 0);
    // The counts are those `sds validate` reports of the same platform.
    let v = json(&stdout(&sds().args(["validate", "--format", "json"]).output().unwrap()));
    assert_eq!(doc["findings"]["warnings"], v["summary"]["warnings"]);
    assert_eq!(doc["findings"]["suppressed"], v["summary"]["suppressed"]);
    insta::with_settings!({filters => vec![
        (r#""sha256": "[0-9a-f]{64}""#, r#""sha256": "[sha256]""#),
        (r#""bytes": \d+"#, r#""bytes": "[bytes]""#),
        (r#""warnings": \d+"#, r#""warnings": "[n]""#),
        (r#""out": ".*""#, r#""out": "[tmp]/out""#),
    ]}, {
        insta::assert_snapshot!("synth_json", stdout(&o));
    });

    // --no-validate: no findings counted; --check: what is stale, exit 1.
    let o = sds().args(["synth", "--no-validate", "--format", "json", "--out"]).arg(&out).output().unwrap();
    assert_eq!(json(&stdout(&o))["findings"], Value::Null);
    std::fs::write(out.join("ds_shared_ecr.yaml"), "changed").unwrap();
    std::fs::remove_file(out.join("ds_admin_detective.yaml")).unwrap();
    let o = sds().args(["synth", "--check", "--format", "json", "--out"]).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    insta::with_settings!({filters => vec![(r#""out": ".*""#, r#""out": "[tmp]/out""#)]}, {
        insta::assert_snapshot!("synth_check_json", stdout(&o));
    });
    let o = sds().args(["synth", "--check", "--format", "json"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(json(&stdout(&o))["current"], true);
}

#[test]
fn synth_json_when_validation_fails_writes_nothing_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = sds()
        .args(["synth", "--format", "json", "--config", "tests/fixtures/upstream-parity.yaml", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let doc = json(&stdout(&o));
    assert_eq!(doc["written"], false);
    assert!(doc["findings"]["errors"].as_u64().unwrap() > 0, "{doc}");
    assert_eq!(doc["files"], serde_json::json!([]));
    assert!(stderr(&o).contains("nothing written"), "the human report stays on stderr");
    assert!(!out.exists());
}
