//! `sds validate`: the broken-template corpus (one or more per check), generated limit cases,
//! the platform and the reference templates, report formats, suppressions, and `sds synth`
//! refusing to write templates with errors.

use std::fs;

use crate::support::{reference_dir, sds, stderr, stdout};

fn findings(args: &[&str]) -> (i32, serde_json::Value) {
    let o = sds().arg("validate").args(args).args(["--format", "json"]).output().unwrap();
    let code = o.status.code().unwrap_or(-1);
    assert!(code == 0 || code == 1, "validate failed to run: {}", stderr(&o));
    (code, serde_json::from_str(&stdout(&o)).unwrap())
}

fn rules_of(doc: &serde_json::Value) -> Vec<String> {
    let mut r: Vec<String> =
        doc["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect();
    r.sort();
    r.dedup();
    r
}

#[test]
fn every_broken_template_is_flagged_by_its_rule() {
    let mut entries: Vec<_> = fs::read_dir("tests/fixtures/validate").unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    assert!(entries.len() >= 20);
    for path in entries {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let expected = stem.replacen("__", "/", 1);
        let (code, doc) = findings(&[path.to_str().unwrap()]);
        let rules = rules_of(&doc);
        assert!(rules.contains(&expected), "{}: expected {expected}, found {rules:?}", path.display());
        let is_error = doc["findings"].as_array().unwrap().iter().any(|f| f["severity"] == "error");
        assert_eq!(code, if is_error { 1 } else { 0 }, "{}", path.display());
    }
}

fn generated(name: &str, text: &str) -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(name);
    fs::write(&path, text).unwrap();
    let p = path.to_str().unwrap().to_string();
    (tmp, p)
}

#[test]
fn size_and_count_limits() {
    let mut many = String::from("Resources:\n");
    for i in 0..501 {
        many.push_str(&format!(
            "  Topic{i}:\n    Type: AWS::SNS::Topic\n    Metadata:\n      Note: {}\n",
            "x".repeat(60)
        ));
    }
    let (_t, p) = generated("many.yaml", &many);
    let (code, doc) = findings(&[&p]);
    assert_eq!(code, 1);
    let rules = rules_of(&doc);
    assert!(rules.contains(&"limit/count".to_string()), "{rules:?}");
    assert!(rules.contains(&"limit/template-body-s3".to_string()), "{rules:?}");

    let actions: Vec<String> = (0..400).map(|i| format!("            - s3:GetObject{i:04}\n")).collect();
    let policy = format!(
        "Resources:\n  Big:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n            Resource: '*'\n            Action:\n{}",
        actions.concat()
    );
    let (_t2, p) = generated("policy.yaml", &policy);
    let (_, doc) = findings(&[&p]);
    assert!(rules_of(&doc).contains(&"limit/policy-size".to_string()));
}

#[test]
fn the_platform_validates_without_errors() {
    let (code, doc) = findings(&["out"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["summary"]["errors"], 0);
    let (code, synthesized) = findings(&[]);
    assert_eq!(code, 0);
    assert_eq!(synthesized["summary"], doc["summary"], "in-memory and written platform disagree");
}

#[test]
fn the_reference_shows_exactly_its_known_defects() {
    let reference = reference_dir();
    let (code, doc) = findings(&[reference.to_str().unwrap()]);
    assert_eq!(code, 1);
    let errors: Vec<(String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| (f["rule"].as_str().unwrap().to_string(), f["pointer"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        errors,
        [(
            "sec/lambda-runtime-blocked".to_string(),
            "/Resources/SageMakerVPCDetectiveControl/Properties/Runtime".to_string()
        )]
    );
    let messages: Vec<String> =
        doc["findings"].as_array().unwrap().iter().map(|f| f["message"].as_str().unwrap().to_string()).collect();
    assert!(messages.iter().filter(|m| m.starts_with("kms:ReEncrypt is not an action")).count() >= 5);
    assert_eq!(messages.iter().filter(|m| *m == "parameter InstanceType is not used").count(), 2);
    assert!(messages
        .iter()
        .any(|m| m.contains("TeamName") && m.contains("allows upper case") && m.contains("BucketName")));

    let o = sds().arg("validate").arg(&reference).output().unwrap();
    insta::assert_snapshot!("reference_report", stdout(&o).replace(reference.to_str().unwrap(), "<reference>"));
}

#[test]
fn sarif_and_json_reports() {
    let o = sds()
        .args(["validate", "tests/fixtures/validate/sec__kms-rotation.yaml", "--format", "sarif"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "sec/kms-rotation");
    assert_eq!(result["level"], "error");
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(4), Some(5)),
        "the closest located value: Properties"
    );
    let index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(run["tool"]["driver"]["rules"][index]["id"], "sec/kms-rotation");
}

#[test]
fn rules_are_listed() {
    let o = sds().args(["validate", "--list-rules"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    for id in ["schema/property", "ref/cycle", "app/import-unresolved", "limit/name", "sec/iam-wildcard"] {
        assert!(stdout(&o).contains(id), "{id}");
    }
}

#[test]
fn synth_refuses_to_write_templates_with_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    // The parity configuration brings back python3.7, which Lambda no longer accepts.
    let o =
        sds().args(["synth", "--config", "tests/fixtures/upstream-parity.yaml", "--out"]).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("sec/lambda-runtime-blocked"), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing written"));
    assert!(!out.exists());
    let o = sds()
        .args(["synth", "--no-validate", "--config", "tests/fixtures/upstream-parity.yaml", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(fs::read_dir(&out).unwrap().count(), 13);
}

#[test]
fn suppressions_need_known_rules_and_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("sds.yaml");
    fs::write(
        &config,
        "detective_control:\n  lambda_runtime: python3.7\nvalidation:\n  suppress:\n    - rule: sec/lambda-runtime-blocked\n      template: ds_admin_detective.yaml\n      reason: reviewing the reference as it is\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = sds().arg("synth").arg("--config").arg(&config).arg("--out").arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = sds().arg("validate").arg("--config").arg(&config).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("reason: reviewing the reference as it is"), "{}", stdout(&o));
    assert!(stdout(&o).contains("(1 suppressed)"));

    fs::write(&config, "validation:\n  suppress:\n    - rule: sec/no-such-rule\n      reason: typo\n").unwrap();
    let o = sds().arg("validate").arg("--config").arg(&config).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(":3:7: the configuration suppresses an unknown rule sec/no-such-rule"),
        "{}",
        stderr(&o)
    );
}
