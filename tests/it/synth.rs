//! `sds synth`: parity with the reference, the one intended difference, byte stability, --check,
//! a snapshot of every template, configuration, and configuration errors.

use std::fs;
use std::path::Path;

use crate::support::{reference_dir, root, sds, stderr, stdout, template_names};

fn synth_into(dir: &Path, config: Option<&str>) {
    let mut cmd = sds();
    cmd.arg("synth").arg("--out").arg(dir);
    if let Some(c) = config {
        cmd.args(["--config", c]);
    }
    if config == Some("tests/fixtures/upstream-parity.yaml") {
        // python3.7 fails validation (tests/it/validate.rs); parity is about the templates.
        cmd.arg("--no-validate");
    }
    let o = cmd.output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn parity_config_is_semantically_identical_to_the_reference() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("parity");
    synth_into(&out, Some("tests/fixtures/upstream-parity.yaml"));
    let o = sds().arg("diff").arg(reference_dir()).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).ends_with("13 templates compared: 13 equal\n"));
}

#[test]
fn default_differs_from_the_reference_only_in_the_lambda_runtime() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("default");
    synth_into(&out, None);
    let o = sds().arg("diff").arg(reference_dir()).arg(&out).args(["--format", "json"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let changes: Vec<(String, serde_json::Value)> = doc["templates"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["changes"].as_array().unwrap().iter().map(move |c| (t["name"].to_string(), c.clone())))
        .collect();
    assert_eq!(changes.len(), 1, "{changes:?}");
    let (template, c) = &changes[0];
    assert_eq!(template, "\"ds_admin_detective.yaml\"");
    assert_eq!(c["path"], "Resources/SageMakerVPCDetectiveControl/Properties/Runtime");
    assert_eq!((c["old"].as_str(), c["new"].as_str()), (Some("python3.7"), Some("python3.14")));
}

#[test]
fn committed_out_is_current() {
    let o = sds().args(["synth", "--check"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "out/ is stale; run `sds synth`: {}", stdout(&o));
}

#[test]
fn output_is_byte_stable_and_snapshotted() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    synth_into(&a, None);
    synth_into(&b, None);
    let names = template_names(&a);
    assert_eq!(names.len(), 13);
    assert_eq!(fs::read(a.join(".sds-manifest")).unwrap(), fs::read(b.join(".sds-manifest")).unwrap());
    for name in names {
        let text = fs::read_to_string(a.join(&name)).unwrap();
        assert_eq!(text, fs::read_to_string(b.join(&name)).unwrap(), "{name} is not byte-stable");
        insta::assert_snapshot!(name.trim_end_matches(".yaml").to_string(), text);
    }
}

#[test]
fn check_reports_changed_missing_and_extra_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    synth_into(&out, None);
    fs::write(out.join("ds_shared_ecr.yaml"), "Resources: {}\n").unwrap();
    fs::remove_file(out.join("ds_environment.yaml")).unwrap();
    fs::write(out.join("leftover.yaml"), "Resources: {}\n").unwrap();
    let o = sds().args(["synth", "--check", "--out"]).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    for needle in ["ds_shared_ecr.yaml: differs", "ds_environment.yaml: missing", "leftover.yaml: not produced"] {
        assert!(text.contains(needle), "{needle} not in {text}");
    }
    // Writing replaces the directory as a whole, so a file sds did not write stops it and stays.
    let o = sds().args(["synth", "--out"]).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("(leftover.yaml)"), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(out.join("leftover.yaml")).unwrap(), "Resources: {}\n");
    // Without it, the templates sds wrote (changed or not) are replaced, and current again.
    fs::remove_file(out.join("leftover.yaml")).unwrap();
    synth_into(&out, None);
    let o = sds().args(["synth", "--check", "--out"]).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn a_config_changes_what_platform_teams_change() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("custom");
    synth_into(&out, Some("tests/fixtures/config/custom.yaml"));
    let o = sds().arg("diff").arg(root().join("out")).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!("custom_config_diff", stdout(&o));
}

#[test]
fn bad_configs_are_located_errors_and_leave_out_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    synth_into(&out, None);
    let before: Vec<(String, String)> = {
        let mut v: Vec<_> = fs::read_dir(&out)
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                (p.display().to_string(), fs::read_to_string(&p).unwrap())
            })
            .collect();
        v.sort();
        v
    };
    let mut report = String::new();
    let mut bad: Vec<_> = fs::read_dir("tests/fixtures/config")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != "custom.yaml"))
        .collect();
    bad.sort();
    assert!(bad.len() >= 9);
    for path in bad {
        let rel = format!("tests/fixtures/config/{}", path.file_name().unwrap().to_string_lossy());
        let o = sds().args(["synth", "--config", &rel, "--out"]).arg(&out).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{rel}: {}", stderr(&o));
        report.push_str(&stderr(&o));
    }
    let mut after: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (p.display().to_string(), fs::read_to_string(&p).unwrap())
        })
        .collect();
    after.sort();
    assert_eq!(before, after, "a failed synth changed the output directory");
    insta::assert_snapshot!("bad_configs", report);
}

#[test]
fn missing_config_file_is_an_error() {
    let o = sds().args(["synth", "--check", "--config", "tests/fixtures/config/nope.yaml"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read tests/fixtures/config/nope.yaml"), "{}", stderr(&o));
}
