//! `sds diff`: equal and different templates and directories, human and JSON output, errors.

use std::fs;

use crate::support::{reference_copy, reference_dir, sds, stderr, stdout};

#[test]
fn reference_against_itself_is_equal() {
    let o = sds().arg("diff").arg(reference_dir()).arg(reference_dir()).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).ends_with("13 templates compared: 13 equal\n"));
}

#[test]
fn a_changed_default_is_reported_with_path_and_values() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = reference_copy(tmp.path());
    let root = copy.join("ds_administration.yaml");
    let text = fs::read_to_string(&root).unwrap();
    let changed = text.replacen("Default: 10.2.1.0/24", "Default: 10.9.1.0/24", 1);
    assert_ne!(text, changed, "the reference default moved");
    fs::write(&root, changed).unwrap();

    let o = sds().arg("diff").arg(reference_dir()).arg(&copy).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().filter(|l| !l.ends_with(": equal")).collect();
    insta::assert_snapshot!("changed_default", lines.join("\n"));

    let o = sds().arg("diff").arg(reference_dir()).arg(&copy).args(["--format", "json"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["equal"], false);
    assert_eq!(doc["summary"]["different"], 1);
    let t = doc["templates"].as_array().unwrap().iter().find(|t| t["status"] == "different").unwrap();
    assert_eq!(t["name"], "ds_administration.yaml");
    assert_eq!(t["changes"][0]["path"], "Parameters/SageMakerStudioSubnet1CIDR/Default");
    assert_eq!(t["changes"][0]["old"], "10.2.1.0/24");
    assert_eq!(t["changes"][0]["new"], "10.9.1.0/24");
}

#[test]
fn added_removed_and_changed_entries_and_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = (tmp.path().join("old"), tmp.path().join("new"));
    fs::create_dir_all(&old).unwrap();
    fs::create_dir_all(&new).unwrap();
    let mixed = fs::read_to_string("tests/fixtures/good/mixed.yaml").unwrap();
    fs::write(old.join("a.yaml"), &mixed).unwrap();
    fs::write(old.join("gone.yaml"), "Resources:\n  T:\n    Type: AWS::SNS::Topic\n").unwrap();
    let edited = mixed
        .replace("      EnableKeyRotation: true\n", "      EnableKeyRotation: false\n")
        .replace("Outputs:\n", "Outputs:\n  Extra:\n    Value: !Ref Key\n")
        .replace("        - Key: Mode\n          Value: 0777\n", "")
        .replace("    DependsOn: [Key]\n", "    DependsOn: [Key, Other]\n")
        .replace("Description: Mixed forms", "Description: Mixed forms, edited");
    fs::write(new.join("a.yaml"), edited).unwrap();
    fs::write(new.join("new.json"), r#"{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}"#).unwrap();

    let o = sds().arg("diff").arg(&old).arg(&new).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!("entries_and_files", stdout(&o));
}

#[test]
fn json_and_yaml_of_one_template_are_equal() {
    let o = sds().args(["diff", "tests/fixtures/good/mixed.yaml", "tests/fixtures/good/mixed.json"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let changed = tmp.path().join("mixed.yaml");
    fs::write(&changed, fs::read_to_string("tests/fixtures/good/mixed.yaml").unwrap().replace("prod]", "production]"))
        .unwrap();
    // Different files (which would be coloured on a terminal), but standard output is a pipe,
    // and `auto` must not colour it, with or without NO_COLOR.
    for no_color in [true, false] {
        let mut cmd = sds();
        if !no_color {
            cmd.env_remove("NO_COLOR");
        }
        let o = cmd.args(["diff", "tests/fixtures/good/mixed.yaml"]).arg(&changed).output().unwrap();
        assert_eq!(o.status.code(), Some(1));
        assert!(stdout(&o).contains("production"), "{}", stdout(&o));
        assert!(!stdout(&o).contains('\x1b'), "{}", stdout(&o));
    }
    let o = sds().args(["diff", "--color", "always", "tests/fixtures/good/mixed.yaml"]).arg(&changed).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("\x1b[31m"), "{}", stdout(&o));
}

#[test]
fn errors() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    let o = sds().arg("diff").arg(&empty).arg(reference_dir()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no templates"), "{}", stderr(&o));

    let o = sds().arg("diff").arg(reference_dir()).arg("tests/fixtures/good/mixed.yaml").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot compare the directory"), "{}", stderr(&o));

    let o =
        sds().args(["diff", "tests/fixtures/good/missing.yaml", "tests/fixtures/good/mixed.yaml"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read tests/fixtures/good/missing.yaml"), "{}", stderr(&o));

    let o = sds().args(["diff", "only-one-argument"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "usage errors exit 2");
}

/// YAML 1.1's number forms are the numbers CloudFormation reads: `1_024` is 1024, `1:30` is 90,
/// `0b11` is 3, `0777` is 511; a real change among them is still seen.
#[test]
fn yaml_1_1_numbers_compare_by_value() {
    let tmp = tempfile::tempdir().unwrap();
    let queue = |props: &str| format!("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n{props}");
    let (a, b, c) = (tmp.path().join("a.yaml"), tmp.path().join("b.yaml"), tmp.path().join("c.yaml"));
    fs::write(&a, queue("      MaximumMessageSize: 1_024\n      VisibilityTimeout: 1:30\n      DelaySeconds: 0b11\n"))
        .unwrap();
    fs::write(&b, queue("      MaximumMessageSize: 1024\n      VisibilityTimeout: 90\n      DelaySeconds: 3\n"))
        .unwrap();
    fs::write(&c, queue("      MaximumMessageSize: 1024\n      VisibilityTimeout: 91\n      DelaySeconds: 3\n"))
        .unwrap();
    let o = sds().arg("diff").arg(&a).arg(&b).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let o = sds().arg("diff").arg(&a).arg(&c).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("VisibilityTimeout: 1:30 → 91"), "{}", stdout(&o));
}
