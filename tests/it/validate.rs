//! `sds validate`: the broken-template corpus (one or more per check), generated limit cases,
//! the platform and the reference templates, report formats, suppressions, and `sds synth`
//! refusing to write templates with errors. Large and expanding inputs are in `large`; the
//! severities of templates `sds synth` did not write in `own_templates`.

use std::fs;

use crate::support::{reference_dir, sds, stderr, stdout};

mod iam_data;
mod large;
mod own_templates;
mod sam;

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

/// The severity each rule is meant to have, written here and not read from the code under test,
/// so that a rule whose severity changes (or a fixture that fails for another reason) fails.
const EXPECTED_SEVERITY: &[(&str, &str)] = &[
    ("template/format-version", "error"),
    ("template/resources-required", "error"),
    ("template/parameter-type", "error"),
    ("template/resource-policy", "error"),
    ("template/transform", "info"),
    ("template/yaml-octal", "warning"),
    ("template/yaml-boolean-key", "warning"),
    ("template/yaml-alias", "warning"),
    ("schema/unknown-type", "error"),
    ("schema/unregistered-type", "warning"),
    ("schema/custom-service-token", "error"),
    ("schema/property", "error"),
    ("fn/select-index", "error"),
    ("fn/join-list", "error"),
    ("fn/find-in-map", "error"),
    ("fn/sub-syntax", "error"),
    ("ref/undefined", "error"),
    ("ref/attribute", "error"),
    ("ref/cycle", "error"),
    ("ref/condition-cycle", "error"),
    ("ref/unused-parameter", "warning"),
    ("app/import-unresolved", "error"),
    ("app/duplicate-export", "error"),
    ("app/nested-parameter", "error"),
    ("app/nested-output", "error"),
    ("app/nested-cycle", "error"),
    ("app/product-template", "warning"),
    ("limit/logical-id", "error"),
    ("limit/name", "error"),
    ("limit/unbounded-parameter", "warning"),
    ("sec/s3-encryption", "error"),
    ("sec/s3-public-access", "error"),
    ("sec/kms-rotation", "error"),
    ("sec/internet-egress", "error"),
    ("sec/studio-vpc-only", "error"),
    ("sec/lambda-runtime-blocked", "error"),
    ("sec/lambda-runtime-deprecated", "warning"),
    ("sec/iam-wildcard", "error"),
    ("sec/iam-unknown-action", "warning"),
];

/// The platform's controls, and what two templates of the platform may not do to each other
/// (the fixtures of these two are pairs of templates): errors on the platform, warnings by
/// default on templates `sds synth` did not write (the fixtures), errors again where the
/// configuration says so.
const PLATFORM_CONTROLS: &[&str] = &[
    "sec/s3-encryption",
    "sec/s3-public-access",
    "sec/kms-rotation",
    "sec/internet-egress",
    "sec/studio-vpc-only",
    "sec/iam-wildcard",
    "app/import-unresolved",
    "app/duplicate-export",
];

/// Fixtures whose findings hold for default parameter values only: warnings on one's own
/// templates by default, errors where the configuration says so (and on the platform).
const DEFAULTS_ONLY: &[(&str, &str)] =
    &[("fn__select-index.evaluated.yaml", "fn/select-index"), ("limit__name.yaml", "limit/name")];

/// A configuration that makes the platform's controls errors on one's own templates too.
fn controls_as_errors() -> (tempfile::TempDir, String) {
    let rules = PLATFORM_CONTROLS.iter().chain(DEFAULTS_ONLY.iter().map(|(_, r)| r));
    let lines: Vec<String> = rules.map(|r| format!("    {r}: error\n")).collect();
    generated("sds.yaml", &format!("validation:\n  severity:\n{}", lines.concat()))
}

/// Each fixture `<area>__<rule>[.<variant>].yaml` (or a directory, for app rules) breaks exactly
/// its rule: only that rule fires, with the severity above, and the exit code follows from it.
/// A platform control is checked twice: as a warning by default, as an error when configured so.
#[test]
fn every_broken_template_is_flagged_by_its_rule() {
    let mut entries: Vec<_> = fs::read_dir("tests/fixtures/validate").unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    assert!(entries.len() >= 40);
    let (_config_dir, config) = controls_as_errors();
    let mut runs = Vec::new();
    for path in entries {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let expected = file.split('.').next().unwrap().replacen("__", "/", 1);
        if PLATFORM_CONTROLS.contains(&expected.as_str()) || DEFAULTS_ONLY.iter().any(|(f, _)| *f == file) {
            runs.push((path.clone(), file.clone(), expected.clone(), Some("warning")));
        }
        runs.push((path, file, expected, None));
    }
    let mut failures = Vec::new();
    for (path, file, expected, default_severity) in runs {
        let Some(&(_, severity)) = EXPECTED_SEVERITY.iter().find(|(r, _)| *r == expected) else {
            failures.push(format!("{file}: no expected severity for {expected}"));
            continue;
        };
        let (code, doc) = match default_severity {
            Some(_) => findings(&[path.to_str().unwrap()]),
            None => findings(&["--config", &config, path.to_str().unwrap()]),
        };
        let rules = rules_of(&doc);
        if rules != [expected.clone()] {
            failures.push(format!("{file}: expected only {expected}, found {rules:?}"));
        }
        let mut errors = 0;
        for f in doc["findings"].as_array().unwrap() {
            // an export name repeated within one template stays an error everywhere
            let within =
                expected == "app/duplicate-export" && !f["message"].as_str().unwrap().contains("another template");
            let severity = if within { severity } else { default_severity.unwrap_or(severity) };
            errors += usize::from(severity == "error");
            if f["severity"] != severity || f["line"].as_u64().is_none() {
                failures.push(format!("{file}: expected a located {severity}, found {f}"));
            }
        }
        let expected_code = if errors > 0 { 1 } else { 0 };
        if code != expected_code {
            failures.push(format!("{file}: exit code {code}, expected {expected_code}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
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
    let (_config_dir, config) = controls_as_errors();
    let o = sds()
        .args(["validate", "tests/fixtures/validate/sec__kms-rotation.yaml", "--format", "sarif", "--config", &config])
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
    for id in [
        "schema/property",
        "ref/cycle",
        "app/import-unresolved",
        "limit/name",
        "sec/iam-wildcard",
        "template/parameter-type",
        "fn/select-index",
        "ref/condition-cycle",
        "app/nested-cycle",
    ] {
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
    // The output is staged beside its directory while it is validated: nothing staged is left.
    let beside: Vec<_> = fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(beside.is_empty(), "left beside the output: {beside:?}");
    let o = sds()
        .args(["synth", "--no-validate", "--config", "tests/fixtures/upstream-parity.yaml", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let templates =
        fs::read_dir(&out).unwrap().filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "yaml"));
    assert_eq!(templates.count(), 13);
    assert!(out.join(".sds-manifest").is_file());
    // Refused over an existing output: it stays as it was, and nothing is left beside it.
    let before = fs::read(out.join("ds_admin_detective.yaml")).unwrap();
    let o =
        sds().args(["synth", "--config", "tests/fixtures/upstream-parity.yaml", "--out"]).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(fs::read(out.join("ds_admin_detective.yaml")).unwrap(), before);
    let beside: Vec<_> = fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(beside, ["out"], "left beside the output");
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
    // Its own, the reference design's 112 accepted access violations and its 6 conditions on
    // deprecated SageMaker keys.
    assert!(stdout(&o).contains("(119 suppressed)"), "{}", stdout(&o));

    fs::write(&config, "validation:\n  suppress:\n    - rule: sec/no-such-rule\n      reason: typo\n").unwrap();
    let o = sds().arg("validate").arg("--config").arg(&config).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(":3:7: the configuration suppresses an unknown rule sec/no-such-rule"),
        "{}",
        stderr(&o)
    );
}

/// The findings of `rule` as (pointer, message).
fn findings_of(doc: &serde_json::Value, rule: &str) -> Vec<(String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| (f["pointer"].as_str().unwrap().to_string(), f["message"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn condition_cycles_are_reported_once_with_their_members() {
    let (_t, p) = generated(
        "conditions.yaml",
        "Parameters:\n  Env:\n    Type: String\n    Default: dev\nConditions:\n  Base: !Equals [!Ref Env, prod]\n  Self: !Not [!Condition Self]\n  PairA: !And [!Condition Base, !Condition PairB]\n  PairB: !Or [!Condition PairA, !Condition Base]\n  RingA: !Not [!Condition RingB]\n  RingB: !Not [!Condition RingC]\n  RingC: !Not [!Condition RingA]\n  Fine: !And [!Condition Base, !Condition Base]\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Condition: Fine\n",
    );
    let (code, doc) = findings(&[&p]);
    assert_eq!(code, 1);
    let found = findings_of(&doc, "ref/condition-cycle");
    let messages: Vec<&str> = found.iter().map(|(_, m)| m.as_str()).collect();
    assert_eq!(
        messages,
        [
            "conditions PairA, PairB refer to each other in a cycle: PairA → PairB → PairA",
            "conditions RingA, RingB, RingC refer to each other in a cycle: RingA → RingB → RingC → RingA",
            "condition Self refers to itself",
        ],
        "{doc:#}"
    );
    assert_eq!(found[0].0, "/Conditions/PairA");
}

#[test]
fn nested_stacks_in_a_ring_are_reported_once() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = |child: &str| {
        format!("Resources:\n  Child:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: https://bucket.s3.amazonaws.com/{child}\n")
    };
    for (name, child) in [("a.yaml", "b.yaml"), ("b.yaml", "c.yaml"), ("c.yaml", "a.yaml"), ("self.yaml", "self.yaml")]
    {
        fs::write(tmp.path().join(name), stack(child)).unwrap();
    }
    let (code, doc) = findings(&[tmp.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    let found: Vec<(String, String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "app/nested-cycle")
        .map(|f| {
            let file = f["template"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
            (file, f["pointer"].as_str().unwrap().to_string(), f["message"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "a.yaml".to_string(),
                "/Resources/Child/Properties/TemplateURL".to_string(),
                "nested stacks include each other in a cycle: a.yaml → b.yaml → c.yaml → a.yaml".to_string()
            ),
            (
                "self.yaml".to_string(),
                "/Resources/Child/Properties/TemplateURL".to_string(),
                "nested stacks include each other in a cycle: self.yaml → self.yaml".to_string()
            ),
        ]
    );
}

#[test]
fn evaluated_export_names_collide_within_and_across_templates() {
    let (code, doc) = findings(&["tests/fixtures/validate/app__duplicate-export.evaluated"]);
    assert_eq!(code, 1);
    let found: Vec<String> = findings_of(&doc, "app/duplicate-export").into_iter().map(|(p, _)| p).collect();
    assert_eq!(found, ["/Outputs/TopicName/Export/Name", "/Outputs/QueueArn/Export/Name"], "{doc:#}");
    // Alone, the second template has nothing to collide with.
    let (code, doc) = findings(&["tests/fixtures/validate/app__duplicate-export.evaluated/two.yaml"]);
    assert_eq!((code, rules_of(&doc)), (0, Vec::<String>::new()));
}

#[test]
fn what_cloudformation_accepts_is_not_flagged() {
    let (_t, p) = generated(
        "accepted.yaml",
        r#"AWSTemplateFormatVersion: 2010-09-09
Parameters:
  Subnets:
    Type: List<AWS::EC2::Subnet::Id>
  Names:
    Type: CommaDelimitedList
    Default: a,b
  Image:
    Type: AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>
    Default: /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64
  Env:
    Type: String
    Default: dev
  Days:
    Type: Number
    Default: "3"
Mappings:
  Regions:
    us-east-1:
      Size: '7'
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Either: !Or [!Condition IsProd, !Condition IsDev]
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Condition: Either
    DeletionPolicy: RetainExceptOnCreate
    UpdateReplacePolicy: Snapshot
    Properties:
      DisplayName: !Sub 'price in ${!Currency} for ${Env}'
      TopicName: !Join ['-', [!Select [5, !GetAZs ''], !Select [1, !Ref Names], !Join [',', !Ref Subnets], !Select ['0', !Split [',', !Ref Names]], !Ref Image]]
      Tags:
        - Key: size
          Value: !FindInMap [Regions, !Ref 'AWS::Region', Size]
        - Key: joined
          Value: !Join [',', !If [IsProd, [a], !Split [',', 'b,c']]]
  # issue 11: "3" (parameters are text) against RetentionInDays' enum of integers
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: !Ref Days
  MoreLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: "5"
  Instance:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: !Ref Image
      SubnetId: !Select [0, !Ref Subnets]
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      ComparisonOperator: GreaterThanThreshold
      EvaluationPeriods: "1"
      MetricName: CPUUtilization
      Namespace: AWS/EC2
      Period: 60
      Statistic: Average
      Threshold: "80"
  Lookup:
    Type: Custom::Lookup
    Properties:
      ServiceToken: !Sub 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:lookup'
  # A custom resource's attribute is whatever its handler returns (here a list of groups).
  Server:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: !Ref Image
      SecurityGroupIds: !GetAtt Lookup.Groups
  # A dynamic reference inside other braces is still resolved at deployment.
  Secret:
    Type: AWS::RedshiftServerless::Namespace
    Properties:
      NamespaceName: analytics
      AdminUsername: admin
      AdminUserPassword: '{{{{resolve:ssm:/redshift_admin_password}}}}'
Outputs:
  One:
    Value: !Ref Topic
    Export:
      Name: !Sub '${Env}-one'
  Two:
    Value: !Ref Topic
    Export:
      Name: !Sub '${Env}-two'
"#,
    );
    let (code, doc) = findings(&[&p]);
    let errors: Vec<&serde_json::Value> =
        doc["findings"].as_array().unwrap().iter().filter(|f| f["severity"] == "error").collect();
    assert_eq!((code, errors.len()), (0, 0), "{doc:#}");
}

#[test]
fn function_findings_point_at_the_argument_in_short_and_long_form() {
    for (fixture, line, column) in [("fn__select-index.yaml", 5, 27), ("fn__select-index.negative.yaml", 6, 22)] {
        let (_, doc) = findings(&[&format!("tests/fixtures/validate/{fixture}")]);
        let f = &doc["findings"][0];
        assert_eq!(f["pointer"], "/Resources/Topic/Properties/TopicName/Fn::Select/0", "{fixture}");
        assert_eq!((f["line"].as_u64(), f["column"].as_u64()), (Some(line), Some(column)), "{fixture}");
    }
}
