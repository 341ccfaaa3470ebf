//! `sds review`: realistic changes to the platform (`out/` against an edited copy or a synth with
//! another configuration), rendered as markdown, human text and JSON; `--fail-on` gates; `--git`
//! on a throwaway repository; `--stack` against moto; the README's example.

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::{root, sds, stderr, stdout};

/// A scratch directory holding `old` (a copy of `out/`) and `new` (a copy to edit).
fn scratch() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for side in ["old", "new"] {
        let dir = tmp.path().join(side);
        fs::create_dir_all(&dir).unwrap();
        for e in fs::read_dir(root().join("out")).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "yaml") {
                fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
            }
        }
    }
    tmp
}

/// Replaces `from` (which must be there) with `to` in `new/<file>`.
fn edit(tmp: &Path, file: &str, from: &str, to: &str) {
    let p = tmp.join("new").join(file);
    let text = fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{file} no longer contains {from:?}: update the test");
    fs::write(&p, text.replacen(from, to, 1)).unwrap();
}

/// `new/` replaced by what `sds synth` writes with `config`.
fn synth_new(tmp: &Path, config: &str) {
    let cfg = tmp.join("config.yaml");
    fs::write(&cfg, config).unwrap();
    fs::remove_dir_all(tmp.join("new")).unwrap();
    let o = sds()
        .args(["synth", "--no-validate", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(tmp.join("new"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Runs `sds review old new` in `tmp` (so the labels are `old` and `new`) in one format.
fn review(tmp: &Path, format: &str, extra: &[&str]) -> (i32, String) {
    let o = sds().current_dir(tmp).args(["review", "old", "new", "--format", format]).args(extra).output().unwrap();
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    (o.status.code().unwrap(), stdout(&o))
}

/// Snapshots the three renderings and returns the JSON report.
fn snapshots(tmp: &Path, name: &str, expected_code: i32) -> serde_json::Value {
    let mut json = serde_json::Value::Null;
    for format in ["markdown", "human", "json"] {
        let (code, text) = review(tmp, format, &[]);
        assert_eq!(code, expected_code, "{format}:\n{text}");
        insta::assert_snapshot!(format!("{name}_{format}"), text);
        if format == "json" {
            json = serde_json::from_str(&text).unwrap();
        }
    }
    json
}

fn find<'a>(list: &'a serde_json::Value, key: &str, value: &str) -> &'a serde_json::Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x[key] == value)
        .unwrap_or_else(|| panic!("no {key} = {value} in {list:#}"))
}

#[test]
fn subnet_cidr_changed_replaces_the_subnet() {
    let tmp = scratch();
    synth_new(tmp.path(), "network:\n  subnet_cidrs: [10.2.11.0/24, 10.2.2.0/24, 10.2.3.0/24]\n");
    let r = snapshots(tmp.path(), "subnet_cidr", 1);
    let subnet = find(&r["replacements"], "id", "PrivateSubnetA");
    assert_eq!(subnet["action"], "replaced");
    assert_eq!(subnet["template"], "ds_shared_sagemaker_network.yaml");
    assert_eq!(find(&r["replacements"], "id", "PrivateSubnetRouteTableAssociation1")["action"], "may be replaced");
}

#[test]
fn widened_role_policy_is_marked() {
    let tmp = scratch();
    edit(
        tmp.path(),
        "ds_admin_principals.yaml",
        "                  - kms:DescribeKey\n",
        "                  - kms:DescribeKey\n                  - s3:*\n",
    );
    let r = snapshots(tmp.path(), "policy_widened", 1);
    let added = find(&r["access"], "change", "added");
    assert_eq!(added["holder"], "DataScienceAdministrator");
    assert!(added["widening"].to_string().contains("s3:*"), "{added:#}");
    assert_eq!(r["summary"]["iam_widenings"], 1);
    // Gates: only what the team chose blocks.
    assert_eq!(review(tmp.path(), "json", &["--fail-on", "replacement"]).0, 0);
    assert_eq!(review(tmp.path(), "json", &["--fail-on", "replacement,access"]).0, 1);
    assert_eq!(review(tmp.path(), "json", &["--fail-on", "removal", "--fail-on", "findings"]).0, 0);
}

#[test]
fn bucket_name_changed_replaces_a_stateful_resource() {
    let tmp = scratch();
    edit(tmp.path(), "ds_shared_data_lake.yaml", "        - - ds-data-lake-\n", "        - - ds-lake-\n");
    let r = snapshots(tmp.path(), "bucket_renamed", 1);
    let bucket = find(&r["replacements"], "id", "DataLakeBucket");
    assert_eq!((bucket["action"].as_str(), bucket["loses_state"].as_bool()), (Some("replaced"), Some(true)));
    assert!(r["summary"]["verdict"].as_str().unwrap().contains("1 replacement of a stateful resource"));
    assert_eq!(review(tmp.path(), "json", &["--fail-on", "replacement"]).0, 1);
}

#[test]
fn removed_export_that_a_product_imports_is_an_error() {
    let tmp = scratch();
    edit(
        tmp.path(),
        "ds_shared_sagemaker_network.yaml",
        "    Export:\n      Name: !Sub 'ds-subnet1-${SharedServiceStackSetName}'\n",
        "",
    );
    let r = snapshots(tmp.path(), "export_removed", 1);
    let export = find(&r["interface"], "kind", "export");
    assert_eq!((export["change"].as_str(), export["severity"].as_str()), (Some("removed"), Some("error")));
    let users = export["imported_by"].to_string();
    assert!(users.contains("ds_env_sagemaker_studio.yaml/") && users.contains("ds_env_studio_user_profile_v1.yaml/"));
    assert_eq!(review(tmp.path(), "json", &["--fail-on", "findings"]).0, 1);
    assert_eq!(review(tmp.path(), "json", &["--fail-on", "removal"]).0, 1);
}

#[test]
fn nested_stack_parameter_added() {
    let tmp = scratch();
    edit(
        tmp.path(),
        "ds_administration.yaml",
        "        ECRRepositoryName: !Ref SharedECRRepositoryName\n",
        "        ECRRepositoryName: !Ref SharedECRRepositoryName\n        ScanOnPush: 'true'\n",
    );
    edit(
        tmp.path(),
        "ds_shared_ecr.yaml",
        "  ECRRepositoryName:\n",
        "  ScanOnPush:\n    Type: String\n    Default: 'false'\n    AllowedValues: ['true', 'false']\n\n  ECRRepositoryName:\n",
    );
    let r = snapshots(tmp.path(), "nested_parameter", 1);
    let p = find(&r["interface"], "name", "ScanOnPush");
    assert_eq!((p["template"].as_str(), p["change"].as_str()), (Some("ds_shared_ecr.yaml"), Some("added")));
    // The child is reported under its parent.
    let ecr = find(&r["templates"], "name", "ds_shared_ecr.yaml");
    assert_eq!((ecr["parent"].as_str(), ecr["depth"].as_i64()), (Some("ds_administration.yaml"), Some(1)));
    // The unused parameter is a new validation warning.
    assert!(r["findings"]["introduced"].to_string().contains("ref/unused-parameter"));
}

#[test]
fn user_profile_variant_v2() {
    let tmp = scratch();
    synth_new(tmp.path(), "user_profile:\n  variant: v2\n");
    let r = snapshots(tmp.path(), "user_profile_v2", 1);
    assert_ne!(r["summary"]["templates_changed"], 0);
}

/// Every mapping's keys in reverse order.
fn reversed(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            let mut items: Vec<(String, serde_json::Value)> = m.into_iter().collect();
            items.reverse();
            serde_json::Value::Object(items.into_iter().map(|(k, v)| (k, reversed(v))).collect())
        }
        serde_json::Value::Array(a) => serde_json::Value::Array(a.into_iter().map(reversed).collect()),
        v => v,
    }
}

#[test]
fn an_import_of_an_export_whose_value_changes_may_be_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let exporter = |cidr: &str| {
        format!(
            "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: {cidr}\nOutputs:\n  VpcId:\n    Value: !Ref Vpc\n    Export:\n      Name: shared-vpc\n"
        )
    };
    let importer = "Resources:\n  Group:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: x\n      VpcId: !ImportValue shared-vpc\n";
    for (side, cidr) in [("old", "10.0.0.0/16"), ("new", "10.1.0.0/16")] {
        fs::create_dir_all(tmp.path().join(side)).unwrap();
        fs::write(tmp.path().join(side).join("network.yaml"), exporter(cidr)).unwrap();
        fs::write(tmp.path().join(side).join("app.yaml"), importer).unwrap();
    }
    let (code, text) = review(tmp.path(), "json", &[]);
    assert_eq!(code, 1, "{text}");
    let r: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(find(&r["replacements"], "id", "Vpc")["action"], "replaced");
    let group = find(&r["replacements"], "id", "Group");
    assert_eq!(group["action"], "may be replaced", "{group:#}");
    assert!(group["reason"].as_str().unwrap().contains("imports shared-vpc"), "{group:#}");
}

#[test]
fn reordered_keys_are_no_change() {
    let tmp = scratch();
    // The network template as long-form JSON with every mapping's keys reversed (JSON is YAML).
    let o = sds()
        .args(["fmt", "--format", "json", "--out"])
        .arg(tmp.path().join("json"))
        .arg(tmp.path().join("new/ds_shared_sagemaker_network.yaml"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let text = fs::read_to_string(tmp.path().join("json/ds_shared_sagemaker_network.json")).unwrap();
    let doc = reversed(serde_json::from_str(&text).unwrap());
    let out = serde_json::to_string_pretty(&doc).unwrap();
    assert_ne!(out, text);
    fs::write(tmp.path().join("new/ds_shared_sagemaker_network.yaml"), out).unwrap();
    let r = snapshots(tmp.path(), "reordered", 0);
    assert_eq!(r["changed"], false);
}

#[test]
fn oversized_markdown_is_cut_in_the_details_only() {
    let tmp = scratch();
    let mut params = String::from("Resources:\n");
    for i in 0..1500 {
        params.push_str(&format!(
            "  Extra{i}:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Type: String\n      Value: '{}'\n",
            "v".repeat(40)
        ));
    }
    edit(tmp.path(), "ds_shared_ecr.yaml", "Resources:\n", &params);
    edit(tmp.path(), "ds_shared_data_lake.yaml", "        - - ds-data-lake-\n", "        - - ds-lake-\n");
    let (code, md) = review(tmp.path(), "markdown", &[]);
    assert_eq!(code, 1);
    assert!(md.chars().count() <= 65_536, "{} characters", md.chars().count());
    let (summary, details) = md.split_once("### Details").unwrap();
    // The summary is whole: both templates' changes are counted and the replacement is listed.
    assert!(summary.contains("resources: 1500 added, 0 modified, 0 removed, **1 replaced**"), "{summary}");
    assert!(summary.contains("| `DataLakeBucket` |"));
    assert!(details.contains("**Details truncated**"));
    let note = details.lines().find(|l| l.contains("Details truncated")).unwrap();
    insta::assert_snapshot!("oversized_summary", format!("{summary}### Details\n…\n{note}\n"));
    // Every <details> block that was opened is closed.
    assert_eq!(details.matches("<details>").count(), details.matches("</details>").count());
    // Human and JSON are never cut.
    let (_, json) = review(tmp.path(), "json", &[]);
    assert!(json.contains("Extra1499"));
}

fn git(dir: &Path, args: &[&str]) {
    let o = std::process::Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn git_compares_a_commit_with_the_working_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    let out = repo.join("out");
    fs::create_dir_all(&out).unwrap();
    git(repo, &["init", "-q"]);
    fs::copy(root().join("out/ds_shared_ecr.yaml"), out.join("ds_shared_ecr.yaml")).unwrap();
    fs::copy(root().join("out/ds_shared_data_lake.yaml"), out.join("ds_shared_data_lake.yaml")).unwrap();
    fs::write(repo.join("README"), "x\n").unwrap();
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "first"]);
    // Second commit: the ECR repository's scanning turned off.
    let ecr = fs::read_to_string(out.join("ds_shared_ecr.yaml")).unwrap();
    let ecr2 = ecr.replace("ScanOnPush: true", "ScanOnPush: false");
    assert_ne!(ecr, ecr2);
    fs::write(out.join("ds_shared_ecr.yaml"), ecr2).unwrap();
    git(repo, &["commit", "-q", "-am", "second"]);
    // Uncommitted: the bucket renamed.
    let lake = fs::read_to_string(out.join("ds_shared_data_lake.yaml")).unwrap();
    fs::write(out.join("ds_shared_data_lake.yaml"), lake.replace("- - ds-data-lake-", "- - ds-lake-")).unwrap();

    // HEAD~1 against the working tree: both changes.
    let o = sds().current_dir(repo).args(["review", "--git", "HEAD~1", "--format", "json"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!((r["old"].as_str(), r["new"].as_str()), (Some("HEAD~1:out"), Some("out (working tree)")));
    assert_eq!(r["summary"]["templates_changed"], 2);
    assert_eq!(find(&r["replacements"], "id", "DataLakeBucket")["action"], "replaced");
    // HEAD against the working tree: only the uncommitted change.
    let o = sds().current_dir(repo).args(["review", "--git", "HEAD", "--format", "json"]).output().unwrap();
    let r: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(r["summary"]["templates_changed"], 1);
    // What CI runs, from a subdirectory's point of view too: --dir is relative to where sds runs.
    let o = sds().current_dir(repo).args(["review", "--git", "HEAD", "--format", "markdown"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).starts_with("<!-- sds-review -->\n## sds review: 1 replacement of a stateful resource"),
        "{}",
        stdout(&o)
    );
    // Nothing was checked out: the working tree keeps the uncommitted change.
    assert!(fs::read_to_string(out.join("ds_shared_data_lake.yaml")).unwrap().contains("ds-lake-"));
    // A revision that does not exist is an error.
    let o = sds().current_dir(repo).args(["review", "--git", "no-such-branch"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no-such-branch"), "{}", stderr(&o));
}

#[test]
fn bad_input_is_a_located_error() {
    let tmp = scratch();
    fs::write(tmp.path().join("new/ds_shared_ecr.yaml"), "Resources:\n  A: !Foo x\n").unwrap();
    let o = sds().current_dir(tmp.path()).args(["review", "old", "new"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("new/ds_shared_ecr.yaml:2:"), "{}", stderr(&o));
    let o = sds().current_dir(tmp.path()).args(["review"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nothing to review"));
}

#[test]
fn same_sets_exit_zero() {
    let tmp = scratch();
    let (code, text) = review(tmp.path(), "human", &[]);
    assert_eq!(code, 0);
    assert!(text.contains("no changes (13 templates compared)"), "{text}");
}

/// The README's example: the markdown of a realistic change, generated. `SDS_UPDATE_README=1`
/// rewrites it; otherwise a stale example fails the test.
#[test]
fn readme_example_is_current() {
    let tmp = scratch();
    edit(tmp.path(), "ds_shared_data_lake.yaml", "        - - ds-data-lake-\n", "        - - ds-lake-\n");
    edit(
        tmp.path(),
        "ds_admin_principals.yaml",
        "                  - kms:DescribeKey\n",
        "                  - kms:DescribeKey\n                  - s3:*\n",
    );
    let (_, md) = review(tmp.path(), "markdown", &[]);
    let readme_path: PathBuf = root().join("README.md");
    let readme = fs::read_to_string(&readme_path).unwrap();
    let (start, end) = ("<!-- review-example:start -->\n", "<!-- review-example:end -->");
    let (Some(a), Some(b)) = (readme.find(start), readme.find(end)) else {
        panic!("README.md lacks the review example markers");
    };
    let block = format!("````markdown\n{md}````\n");
    let current = &readme[a + start.len()..b];
    if current != block {
        if std::env::var_os("SDS_UPDATE_README").is_some() {
            fs::write(&readme_path, format!("{}{block}{}", &readme[..a + start.len()], &readme[b..])).unwrap();
        } else {
            panic!("the README's review example is stale: run SDS_UPDATE_README=1 cargo test --test it review::readme");
        }
    }
}

/// `--stack` against moto: a root with two nested stacks deployed with `sds publish`, then changed
/// locally. Each nested stack is found and matched by logical id; packaged `TemplateURL`s are not
/// reported as changes; the deployed parameter value that differs from ours is listed.
///
/// What moto's GetTemplate cannot show (checked against moto 5.2.5): it ignores `TemplateStage`
/// and returns the body as submitted for `Processed` too, without `StagesAvailable`, so a
/// template with a transform (`AWS::Serverless`, `AWS::LanguageExtensions`, macros) is never seen
/// expanded; and DescribeStacks gives an SSM-typed parameter's resolved value as its
/// `ParameterValue` (AWS gives the parameter's name there, and the value as `ResolvedValue`), so
/// against moto such a parameter would be listed as differing. This app uses neither.
#[test]
#[cfg(feature = "publish")]
fn stack_compares_the_deployed_app_with_ours() {
    use crate::moto::{small_app, Moto};
    let moto = Moto::start();
    let other = "  Other:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: other.yaml\n";
    let app = small_app(moto.dir.path(), "dev", other);
    fs::write(
        app.join("other.yaml"),
        "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: sds-review-queue\n",
    )
    .unwrap();
    let o = moto
        .sds()
        .args(["publish", "--yes", "--templates"])
        .arg(&app)
        .args(["--root", "root.yaml", "--stack-name", "rev", "--parameter", "Env=test"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));

    let review = |format: &str| {
        let o = moto
            .sds()
            .args(["review", "--stack", "rev", "--templates"])
            .arg(&app)
            .args(["--root", "root.yaml", "--format", format])
            .output()
            .unwrap();
        (o.status.code(), stdout(&o), stderr(&o))
    };
    // Unchanged: nothing but the parameter passed at deploy time differs.
    let (code, out, err) = review("json");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}\n{err}"));
    assert_eq!(r["changed"], false, "{out}");
    let names: Vec<&str> = r["templates"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["root.yaml", "child.yaml", "other.yaml"]);
    let drift = &r["deployed_parameters"][0];
    assert_eq!(
        (drift["name"].as_str(), drift["deployed"].as_str(), drift["ours"].as_str()),
        (Some("Env"), Some("test"), Some("dev"))
    );
    assert_eq!(code, Some(1), "a deployed value that differs is a change to review");
    // The value publish passed, passed to review too: nothing differs.
    let o = moto
        .sds()
        .args(["review", "--stack", "rev", "--templates"])
        .arg(&app)
        .args(["--root", "root.yaml", "--format", "json", "--parameter", "Env=test"])
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap_or_else(|_| panic!("{}", stderr(&o)));
    assert_eq!(r["deployed_parameters"], serde_json::json!([]), "{}", stdout(&o));
    assert_eq!(o.status.code(), Some(0));

    // Changed locally: the queue's name (create-only: replaced) and the child's value.
    fs::write(
        app.join("other.yaml"),
        "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: sds-review-queue-2\n",
    )
    .unwrap();
    let child = fs::read_to_string(app.join("child.yaml")).unwrap();
    fs::write(app.join("child.yaml"), child.replace("Value: hello", "Value: world")).unwrap();
    let (code, out, err) = review("json");
    assert_eq!(code, Some(1), "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    let queue = find(&r["replacements"], "id", "Queue");
    assert_eq!((queue["template"].as_str(), queue["action"].as_str()), (Some("other.yaml"), Some("replaced")));
    assert_eq!(queue["loses_state"], true);
    let child = find(&r["templates"], "name", "child.yaml");
    assert_eq!((child["status"].as_str(), child["parent"].as_str()), (Some("changed"), Some("root.yaml")));
    assert_eq!(find(&r["templates"], "name", "root.yaml")["status"], "equal", "packaged TemplateURLs are not changes");
    let (_, md, _) = review("markdown");
    let md = md.replace(&app.display().to_string(), "[APP]");
    insta::assert_snapshot!("stack_markdown", md);
}

/// The access section is per principal: a managed policy's statements are shown on the roles it
/// is attached to (by its `Roles`, or by their `ManagedPolicyArns`), via the policy; and an
/// `access.deny` assertion of `--config` that a change breaks is shown as introduced there.
#[test]
fn access_changes_are_per_principal_with_the_assertions_they_break() {
    let tmp = tempfile::tempdir().unwrap();
    let app = |statement: &str| {
        format!(
            "Resources:
  Reader:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {{Statement: [{{Effect: Allow, Principal: {{Service: ec2.amazonaws.com}}, Action: 'sts:AssumeRole'}}]}}
      ManagedPolicyArns: [!Ref Shared]
  Writer:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {{Statement: [{{Effect: Allow, Principal: {{Service: ec2.amazonaws.com}}, Action: 'sts:AssumeRole'}}]}}
  Shared:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Roles: [!Ref Writer]
      PolicyDocument: {{Statement: [{{Effect: Allow, Action: 's3:ListBucket', Resource: '*'}}{statement}]}}
"
        )
    };
    for (side, statement) in [("old", ""), ("new", ", {Effect: Allow, Action: 's3:GetObject', Resource: '*'}")] {
        fs::create_dir_all(tmp.path().join(side)).unwrap();
        fs::write(tmp.path().join(side).join("app.yaml"), app(statement)).unwrap();
    }
    fs::write(
        tmp.path().join("sds.yaml"),
        "access:\n  deny:\n    - principal: root/Reader\n      action: s3:GetObject\n      resource: arn:aws:s3:::payroll/*\n",
    )
    .unwrap();
    let (code, text) = review(tmp.path(), "json", &["--config", "sds.yaml"]);
    assert_eq!(code, 1, "{text}");
    let r: serde_json::Value = serde_json::from_str(&text).unwrap();
    let added = find(&r["access"], "change", "added");
    assert_eq!(added["holder"], "Shared");
    assert_eq!(added["applies_to"], serde_json::json!(["Reader", "Writer"]), "{added:#}");
    let introduced = r["access_findings"]["introduced"].as_array().unwrap();
    assert!(
        introduced.iter().any(|f| f["rule"] == "access/deny"
            && f["message"]
                .as_str()
                .unwrap()
                .contains("root/Reader (app.yaml) can s3:GetObject on arn:aws:s3:::payroll/*")),
        "{introduced:#?}"
    );
    assert!(r["access_findings"]["fixed"].as_array().unwrap().is_empty());
    let (_, md) = review(tmp.path(), "markdown", &["--config", "sds.yaml"]);
    assert!(md.contains("- ❌ introduced `access/deny`: "), "{md}");
    assert!(md.contains("`Reader, Writer` via `Shared` (AWS::IAM::ManagedPolicy)"), "{md}");
    let (_, human) = review(tmp.path(), "human", &["--config", "sds.yaml"]);
    assert!(human.contains("Reader, Writer via Shared (AWS::IAM::ManagedPolicy)"), "{human}");
}
