//! `examples/operations`: a platform extended in code (an operations stack nested under the
//! root, one more VPC endpoint) run as its own `sds` binary. `cargo test` builds the example.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::support::{root, sds, stderr, stdout, template_names};

/// The example binary, next to the test binary's directory (`target/<profile>/examples`).
fn operations() -> Command {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(|deps| deps.parent()).expect("target dir").join("examples");
    let bin: PathBuf = dir.join(format!("operations{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.is_file(), "{} is missing: `cargo test` builds the examples", bin.display());
    let mut c = Command::new(bin);
    c.current_dir(root()).env("NO_COLOR", "1");
    c
}

#[test]
fn the_extended_platform_synthesizes_one_more_template() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = operations().args(["synth", "--out"]).arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let mut expected = template_names(&root().join("out"));
    expected.push("ds_shared_operations.yaml".into());
    expected.sort();
    assert_eq!(template_names(&out), expected);
    let ops = std::fs::read_to_string(out.join("ds_shared_operations.yaml")).unwrap();
    insta::assert_snapshot!("operations_template", ops);

    // What the extension changes in the reference platform, as `sds diff` shows it.
    let o = sds().args(["diff", "out"]).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let shown = stdout(&o).replace(&out.display().to_string(), "EXTENDED");
    insta::assert_snapshot!("operations_diff", shown);
}

/// Findings of the (synthesized) platform, as `(template, rule)` with the summary.
fn findings(mut cmd: Command) -> (Vec<(String, String)>, Value) {
    let o = cmd.args(["validate", "--format", "json"]).output().unwrap();
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    let list = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| (f["template"].as_str().unwrap_or("").to_string(), f["rule"].as_str().unwrap_or("").to_string()))
        .collect();
    (list, doc["summary"].clone())
}

#[test]
fn the_extension_validates_clean() {
    let (extended, summary) = findings(operations());
    assert_eq!(summary["errors"], 0, "{summary}");
    let (reference, _) = findings(Command::new(assert_cmd::cargo::cargo_bin("sds")));
    assert_eq!(extended, reference, "the extension adds no finding of its own");
}

#[test]
fn the_extension_is_packaged_with_the_platform() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("staged");
    let o = operations().args(["publish", "--package-only"]).arg(&dir).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let root = std::fs::read_to_string(dir.join("sds/ds_administration.yaml")).unwrap();
    let nested = root.split("SharedOperations:").nth(1).expect("the operations stack is nested in the root");
    let url = nested.lines().find_map(|l| l.trim().strip_prefix("TemplateURL: ")).expect("its TemplateURL");
    let key = url.split("/STAGING-BUCKET/").nth(1).unwrap_or_else(|| panic!("a staging URL: {url}"));
    let child = std::fs::read_to_string(dir.join(key)).unwrap_or_else(|e| panic!("{key}: {e}"));
    assert!(child.contains("DetectiveControlErrorsAlarm"), "{child}");
}
