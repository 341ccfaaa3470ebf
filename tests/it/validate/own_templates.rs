//! `sds validate` of one's own templates (not written by `sds synth`): the platform's controls,
//! findings between templates, findings for default values only and values a macro rewrites are
//! warnings unless the configuration says otherwise; the platform's own output keeps them errors.

use std::fs;

use super::{findings, generated};
use crate::support::{sds, stderr};

#[test]
fn the_configuration_sets_severities_for_other_templates() {
    let (tmp, bucket) = generated("bucket.yaml", "Resources:\n  Data:\n    Type: AWS::S3::Bucket\n");
    let config = tmp.path().join("sds.yaml");
    fs::write(&config, "validation:\n  severity:\n    sec/s3-encryption: warning\n    sec/s3-public-access: info\n")
        .unwrap();
    // Not the platform's output: its controls are advice (warnings), unless configured.
    let (code, doc) = findings(&[&bucket]);
    assert_eq!(code, 0, "{doc:#}");
    let severities = |doc: &serde_json::Value| -> Vec<(String, String)> {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["rule"].as_str().unwrap().to_string(), f["severity"].as_str().unwrap().to_string()))
            .collect()
    };
    assert_eq!(
        severities(&doc),
        [("sec/s3-encryption".into(), "warning".into()), ("sec/s3-public-access".into(), "warning".into())]
    );
    fs::write(&config, "validation:\n  severity:\n    sec/s3-encryption: error\n").unwrap();
    let (code, doc) = findings(&["--config", config.to_str().unwrap(), &bucket]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(
        severities(&doc),
        [("sec/s3-encryption".into(), "error".into()), ("sec/s3-public-access".into(), "warning".into())]
    );
    // A template `sds synth` wrote keeps the platform's controls as errors.
    let platform = tmp.path().join("ds_shared_data_lake.yaml");
    let text = fs::read_to_string("out/ds_shared_data_lake.yaml").unwrap();
    assert!(text.contains("SSEAlgorithm: aws:kms"));
    fs::write(&platform, text.replace("SSEAlgorithm: aws:kms", "SSEAlgorithm: AES256")).unwrap();
    let (code, doc) = findings(&[platform.to_str().unwrap()]);
    assert_eq!(code, 1, "{doc:#}");
    assert!(severities(&doc).contains(&("sec/s3-encryption".into(), "error".into())), "{doc:#}");
    // ... also checked out with CRLF line ends and a byte-order mark
    let edited = fs::read_to_string(&platform).unwrap();
    fs::write(&platform, format!("\u{feff}{}", edited.replace('\n', "\r\n"))).unwrap();
    let (code, doc) = findings(&[platform.to_str().unwrap()]);
    assert_eq!(code, 1, "{doc:#}");
    assert!(severities(&doc).contains(&("sec/s3-encryption".into(), "error".into())), "{doc:#}");
    fs::write(&config, "validation:\n  severity:\n    sec/s3-encryption: warning\n    sec/s3-public-access: info\n")
        .unwrap();
    let (code, doc) = findings(&["--config", config.to_str().unwrap(), &bucket]);
    assert_eq!(code, 0, "{doc:#}");
    let severities: Vec<(&str, &str)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["severity"].as_str().unwrap()))
        .collect();
    assert_eq!(severities, [("sec/s3-encryption", "warning"), ("sec/s3-public-access", "info")]);
    // a rule that does not exist, or a word that is no severity, is refused where it is written
    fs::write(&config, "validation:\n  severity:\n    sec/s3-encryptoin: warning\n    sec/kms-rotation: low\n")
        .unwrap();
    let o = sds().args(["validate", "--config", config.to_str().unwrap(), &bucket]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("sds.yaml:3:5") && err.contains("unknown rule sec/s3-encryptoin"), "{err}");
    assert!(err.contains("sec/kms-rotation is \"low\""), "{err}");
}

/// A placeholder default meant to be replaced at deployment (`Default: MyProject` flowing into a
/// bucket name) breaks the template only if kept: on one's own templates that is a warning
/// (CloudFormation accepts the template), on the platform's output an error (it deploys with its
/// defaults). A value that breaks the rule whatever the parameters are stays an error.
#[test]
fn findings_that_hold_for_default_values_only_are_warnings_on_ones_own_templates() {
    let text = r#"Parameters:
  Project:
    Type: String
    Default: MyProject
    AllowedPattern: '[a-zA-Z]+'
    MaxLength: 20
  Retention:
    Type: String
    Default: CHANGE_ME
  Zones:
    Type: String
    Default: a,b
Resources:
  Artifacts:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub '${Project}-artifacts'
  Literal:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub 'Upper-${AWS::Region}'
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: !Ref Retention
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: vpc-12345678
      CidrBlock: 10.0.0.0/24
      AvailabilityZone: !Select [2, !Split [',', !Ref Zones]]
"#;
    let by_resource = |doc: &serde_json::Value| -> Vec<(String, String, String)> {
        let mut v: Vec<(String, String, String)> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| !f["rule"].as_str().unwrap().starts_with("sec/"))
            .map(|f| {
                let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
                (s("logical_id"), s("rule"), s("severity"))
            })
            .collect();
        v.sort();
        v
    };
    let (_tmp, own) = generated("own.yaml", text);
    let (code, doc) = findings(&[&own]);
    assert_eq!(code, 1, "{doc:#}");
    let expected = |defaults: &str| -> Vec<(String, String, String)> {
        let mut v: Vec<(String, String, String)> = [
            ("Artifacts", "limit/name", defaults),
            ("Literal", "limit/name", "error"),
            ("Logs", "schema/property", defaults),
            ("Logs", "schema/property", defaults),
            ("Project", "limit/unbounded-parameter", "warning"),
            ("Subnet", "fn/select-index", defaults),
        ]
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
        v.sort();
        v
    };
    assert_eq!(by_resource(&doc), expected("warning"), "{doc:#}");
    // the same template as the platform's output (the header `sds synth` writes)
    let header = "# Generated by `sds synth` from the sds constructs. Do not edit: change the constructs or the\n# configuration, then run `sds synth` again.\n\n";
    let (_tmp, platform) = generated("platform.yaml", &format!("{header}{text}"));
    let (code, doc) = findings(&[&platform]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(by_resource(&doc), expected("error"), "{doc:#}");
}

/// Under a macro of the template's own, a value the macro will rewrite (a placeholder) is not yet
/// what CloudFormation checks: a warning, where without the macro it is an error.
#[test]
fn values_under_a_templates_own_macro_are_checked_as_warnings() {
    let body = "Resources:\n  Logs:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      RetentionInDays: '!Explode Retention'\n";
    let (_tmp, with) = generated("with.yaml", &format!("Transform: Explode\n{body}"));
    let (code, doc) = findings(&[&with]);
    assert_eq!(code, 0, "{doc:#}");
    let schema: Vec<&serde_json::Value> =
        doc["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "schema/property").collect();
    assert!(!schema.is_empty() && schema.iter().all(|f| f["severity"] == "warning"), "{doc:#}");
    let (_tmp, without) = generated("without.yaml", body);
    let (code, doc) = findings(&[&without]);
    assert_eq!(code, 1, "{doc:#}");
    // AWS's own transforms rewrite no such values: the language extensions keep errors errors
    let (_tmp, aws) = generated("aws.yaml", &format!("Transform: AWS::LanguageExtensions\n{body}"));
    assert_eq!(findings(&[&aws]).0, 1);
}

/// `sds review` gives findings the severities `sds validate` of the same files gives: on
/// templates `sds synth` did not write, the platform's controls are warnings unless configured.
#[test]
fn review_gives_ones_own_templates_the_severities_of_validate() {
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = (tmp.path().join("old"), tmp.path().join("new"));
    fs::create_dir_all(&old).unwrap();
    fs::create_dir_all(&new).unwrap();
    fs::write(old.join("app.yaml"), "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n").unwrap();
    let bucket = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n  Data:\n    Type: AWS::S3::Bucket\n";
    fs::write(new.join("app.yaml"), bucket).unwrap();
    let review = |extra: &[&str]| {
        let o = sds()
            .args(["review", "--format", "json", "--fail-on", "findings"])
            .args(extra)
            .arg(&old)
            .arg(&new)
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_str(&crate::support::stdout(&o)).unwrap();
        let severity = |rule: &str| {
            let introduced = doc["findings"]["introduced"].as_array().unwrap();
            introduced.iter().find(|f| f["rule"] == rule).map(|f| f["severity"].as_str().unwrap().to_string())
        };
        (o.status.code(), severity("sec/s3-encryption"), severity("sec/s3-public-access"))
    };
    let warning = Some("warning".to_string());
    assert_eq!(review(&[]), (Some(0), warning.clone(), warning.clone()));
    let (_, validated) = findings(&[new.join("app.yaml").to_str().unwrap()]);
    assert!(validated["findings"].as_array().unwrap().iter().all(|f| f["severity"] != "error"), "{validated:#}");
    // the configuration's severity, as in validate
    let config = tmp.path().join("sds.yaml");
    fs::write(&config, "validation:\n  severity:\n    sec/s3-encryption: error\n").unwrap();
    assert_eq!(review(&["--config", config.to_str().unwrap()]), (Some(1), Some("error".to_string()), warning));
    // a template sds synth wrote keeps the platform's controls as errors
    let header = fs::read_to_string("out/ds_shared_data_lake.yaml").unwrap();
    let header: String = header.lines().take_while(|l| l.starts_with('#')).map(|l| format!("{l}\n")).collect();
    assert!(!header.is_empty());
    fs::write(new.join("app.yaml"), format!("{header}{bucket}")).unwrap();
    let error = Some("error".to_string());
    assert_eq!(review(&[]), (Some(1), error.clone(), error));
}
