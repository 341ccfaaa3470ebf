//! `sds access`: the platform's access report, its formats, `--explain`, and bad input.

use serde_json::Value;

use crate::support::{reference_dir, root, sds, stderr, stdout};

fn json(args: &[&str]) -> (Option<i32>, Value) {
    let o = sds().arg("access").args(args).args(["--format", "json"]).output().unwrap();
    let doc = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    (o.status.code(), doc)
}

#[test]
fn the_reference_platform_breaks_every_invariant_and_accepts_each_with_a_reason() {
    let (code, doc) = json(&[]);
    assert_eq!(code, Some(0), "every violation is an accepted defect of the reference design");
    assert_eq!(doc["summary"]["violations"], 0);
    assert_eq!(doc["summary"]["suppressed"], 112);
    for rule in doc["rules"].as_array().unwrap().iter().filter(|r| r["rule"] != "access/deny") {
        assert!(rule["suppressed"].as_u64().unwrap() > 0, "{rule}");
        assert_eq!(rule["violations"], 0, "{rule}");
    }
    let violations = doc["violations"].as_array().unwrap();
    for v in violations {
        let reason = v["suppressed"].as_str().unwrap_or_else(|| panic!("not accepted: {v}"));
        assert!(
            reason.starts_with("reference design: ") && reason.contains("`profile: hardened` fixes it: "),
            "{reason}"
        );
    }
    let has = |rule: &str, needle: &str| {
        violations.iter().any(|v| v["rule"] == rule && v["message"].as_str().unwrap_or("").contains(needle))
    };
    // One of each, as the closing note of the issue reports them.
    assert!(has(
        "access/team-isolation",
        "KMSCMK of team team-b-dev can be decrypted by team-a-dev/DSEnvironmentPrincipals/DataScientistRole"
    ));
    assert!(has("access/escalation", "team-a-dev/alice/SageMakerExecRole (ds_env_studio_user_profile_v1.yaml) can act as root/DataSciencePrincipals/DataScienceAdministrator"));
    assert!(has("access/studio-user-isolation", "team-a-dev/DSEnvironmentPrincipals/DataScientistRole (ds_env_principals.yaml) can open the Studio user profile of team-b-dev/carol"));
    assert!(has("access/network-path", "root/SharedDataLake/DataLakeBucket"));
    assert!(doc["not_evaluated"].as_array().unwrap().is_empty(), "every managed policy is vendored");
    assert!(doc["problems"].as_array().unwrap().is_empty());
}

#[test]
fn the_reference_templates_give_the_same_report() {
    let (_, synthesized) = json(&[]);
    let (code, reference) = json(&[reference_dir().to_str().unwrap()]);
    assert_eq!(code, Some(0));
    assert_eq!(synthesized["summary"], reference["summary"]);
    assert_eq!(synthesized["violations"], reference["violations"]);
}

/// A configuration's suppressions count like the platform's; an unsuppressed violation fails.
#[test]
fn suppressions_and_failures() {
    let tmp = tempfile::tempdir().unwrap();
    // Only the network-path violations of the team principals stay accepted when the team
    // template is renamed: the platform's reasons name the reference's file names.
    let dir = tmp.path().join("out");
    std::fs::create_dir(&dir).unwrap();
    for e in std::fs::read_dir(root().join("out")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().replace("ds_env_principals", "team_roles");
        let text = std::fs::read_to_string(&p).unwrap().replace("ds_env_principals.yaml", "team_roles.yaml");
        std::fs::write(dir.join(name), text).unwrap();
    }
    let (code, doc) = json(&[dir.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{}", doc["summary"]);
    let failing: Vec<&Value> =
        doc["violations"].as_array().unwrap().iter().filter(|v| v["suppressed"].is_null()).collect();
    assert!(!failing.is_empty());
    assert!(failing.iter().all(|v| v["message"].as_str().unwrap().contains("(team_roles.yaml)")), "{failing:?}");
    // The configuration accepts them, with its own reason.
    let config = tmp.path().join("sds.yaml");
    std::fs::write(
        &config,
        "validation:\n  suppress:\n    - rule: access/team-isolation\n      template: team_roles.yaml\n      reason: renamed\n    - {rule: access/studio-user-isolation, template: team_roles.yaml, reason: renamed}\n    - {rule: access/network-path, template: team_roles.yaml, reason: renamed}\n",
    )
    .unwrap();
    let (code, doc) = json(&["--config", config.to_str().unwrap(), dir.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{}", doc["summary"]);
    assert!(doc["violations"].as_array().unwrap().iter().any(|v| v["suppressed"] == "renamed"));
}

/// `access.deny`: each assertion is checked directly and through roles acted as; one that
/// matches nothing fails too; `sds validate` reports the same as rule access/deny.
#[test]
fn configured_denials() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("sds.yaml");
    let deny = |entries: &str| std::fs::write(&config, format!("access:\n  deny:\n{entries}")).unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["--config", config.to_str().unwrap()];
        args.extend(extra);
        json(&args)
    };
    let failing = |doc: &Value| -> Vec<String> {
        doc["violations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["rule"] == "access/deny")
            .map(|v| v["message"].as_str().unwrap().to_string())
            .collect()
    };
    // Holds: the team's data scientists cannot delete another team's bucket.
    deny("    - principal: team-a-dev/*/DataScientistRole\n      action: s3:DeleteBucket\n      resource: team-b-dev/*/DataBucket\n");
    let (code, doc) = run(&[]);
    assert_eq!((code, failing(&doc)), (Some(0), vec![]));
    // Broken: they read it (through the platform's endpoint), and a user's execution role
    // reaches the administrator's access through the roles it can pass.
    deny("    - principal: team-a-dev/*/DataScientistRole\n      action: s3:GetObject\n      resource: team-b-dev/*/DataBucket\n      reason: teams never read each other's data\n    - principal: team-a-dev/alice/SageMakerExecRole\n      action: s3:PutBucketPolicy\n      resource: root/*/DataLakeBucket\n");
    let (code, doc) = run(&[]);
    assert_eq!(code, Some(1));
    let f = failing(&doc);
    assert_eq!(f.len(), 2, "{f:?}");
    assert!(
        f[0].contains("can s3:GetObject on team-b-dev/DSEnvironmentBackingStore/DataBucket")
            && f[0].contains(":3:7 (teams never read each other's data) forbids"),
        "{f:?}"
    );
    assert!(
        f[1].contains("can s3:PutBucketPolicy on root/SharedDataLake/DataLakeBucket")
            && f[1].contains(" through pass to sagemaker.amazonaws.com"),
        "{f:?}"
    );
    // The same through validate, placed on the principal.
    let o = sds().args(["validate", "--format", "json", "--config", config.to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let deny_findings: Vec<&Value> =
        v["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "access/deny").collect();
    assert_eq!(deny_findings.len(), 2, "{deny_findings:?}");
    assert!(
        deny_findings
            .iter()
            .any(|f| f["template"] == "ds_env_principals.yaml" && f["pointer"] == "/Resources/DataScientistRole"),
        "{deny_findings:?}"
    );
    // An assertion about nothing in the app cannot pass.
    deny("    - principal: nobody/*\n      action: s3:GetObject\n      resource: '*'\n");
    let (code, doc) = run(&[]);
    assert_eq!(code, Some(1));
    assert!(failing(&doc)[0].contains("principal nobody/* matches nothing in the app"), "{:?}", failing(&doc));
    // A resource outside the app, by ARN: the identity policies decide.
    deny("    - principal: team-a-dev/*/DataScientistRole\n      action: s3:GetObject\n      resource: arn:aws:s3:::someone-elses-bucket/*\n");
    let (code, doc) = run(&[]);
    assert_eq!(code, Some(1));
    assert!(
        failing(&doc)[0].contains("can s3:GetObject on arn:aws:s3:::someone-elses-bucket/*"),
        "{:?}",
        failing(&doc)
    );
}

#[test]
fn markdown_matrix() {
    let o = sds().args(["access", "--format", "markdown"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    insta::assert_snapshot!("platform_markdown", stdout(&o));
}

/// The README shows the summary of the markdown report; keep it current.
#[test]
fn the_readme_excerpt_is_current() {
    let o = sds().args(["access", "--format", "markdown"]).output().unwrap();
    let text = stdout(&o);
    let summary = text.split("\n<details>").next().unwrap().trim_end();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let begin = "<!-- sds access: begin -->\n";
    let excerpt = readme.split(begin).nth(1).and_then(|r| r.split("\n<!-- sds access: end -->").next());
    assert_eq!(excerpt, Some(summary), "update the README between the sds access markers with:\n{summary}");
}

#[test]
fn human_report_and_explain() {
    let o = sds().arg("access").output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(text.starts_with("12 principals, 25 resources"), "{text}");
    assert!(text.contains("ok   access/escalation: no data-science user can act as an administrator role or another team's role [28 suppressed]"), "{text}");
    assert!(text.contains("  suppressed (28): reference design: the user's execution role may iam:PassRole"), "{text}");

    let o = sds()
        .args([
            "access",
            "--explain",
            "team-a-dev/DSEnvironmentPrincipals/DataScientistRole",
            "team-b-dev/DSEnvironmentBackingStore/KMSCMK",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("decrypt: allow"), "{text}");
    assert!(text.contains("(Enable IAM User Permissions): ds_env_backing_store.yaml:"), "{text}");
    assert!(
        text.contains(
            "SageMakerAccessInlinePolicy statement 0 (DataScientistAdditionalPolicies): ds_env_principals.yaml:"
        ),
        "{text}"
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    for (args, message) in [
        (vec!["--explain", "DataScientistRole", "KMSCMK"], "principal DataScientistRole is ambiguous"),
        (vec!["--explain", "Nobody", "KMSCMK"], "no principal Nobody"),
        (vec!["out", "--root", "missing.yaml"], "--root missing.yaml: no such template"),
        (vec!["--matrix", "--format", "json"], "--matrix applies to the human output"),
        (vec!["--explain", "A", "B", "--format", "markdown"], "--explain prints one principal's access"),
        (vec!["--explain", "A", "B", "--matrix"], "--explain prints one principal's access"),
    ] {
        let o = sds().arg("access").args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(message), "{args:?}: {}", stderr(&o));
    }
    // Templates where no single one is the root.
    let tmp = tempfile::tempdir().unwrap();
    for n in ["a.yaml", "b.yaml"] {
        std::fs::write(tmp.path().join(n), "Resources:\n  T:\n    Type: AWS::SNS::Topic\n").unwrap();
    }
    let o = sds().arg("access").arg(tmp.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("several templates could be the root (a.yaml, b.yaml): say which with --root"),
        "{}",
        stderr(&o)
    );
    let o = sds().arg("access").arg(tmp.path()).args(["--root", "a.yaml"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "nothing to violate: {}", stdout(&o));
}

/// Declared teams are the ones launched for analysis; validation (which runs on every synth)
/// launches two of them with two users each.
#[test]
fn declared_teams_are_analyzed() {
    let (code, doc) = json(&["--config", "tests/fixtures/teams.yaml"]);
    assert_eq!(code, Some(0));
    let launches: Vec<&str> = doc["launches"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
    for l in ["fraud-detection-dev", "fraud-detection-prod", "fraud-detection-dev/bob", "fraud-detection-prod/carol"] {
        assert!(launches.contains(&l), "{launches:?}");
    }
    assert!(!launches.iter().any(|l| l.starts_with("team-a")), "{launches:?}");
    // The same team across environments is two teams: their data stays apart.
    assert!(doc["violations"].as_array().unwrap().iter().any(|v| v["message"]
        .as_str()
        .unwrap()
        .contains("of team fraud-detection-prod can be decrypted by fraud-detection-dev/DSEnvironmentPrincipals/DataScientistRole")));
}

/// More than three teams (or users per team): three of three stand for all of them, the counts
/// are for all (the same as `--full` finds launching every team), the lists for the
/// representatives, each violation with how many it stands for.
#[test]
fn many_teams_are_counted_from_representatives() {
    let tmp = tempfile::tempdir().unwrap();
    let mut config = String::from("teams:\n");
    for t in 0..4 {
        config += &format!("  - name: team-{t:03}\n    env: dev\n    users:\n");
        for u in 0..4 {
            config += &format!("      - name: user-{t:03}-{u:02}\n");
        }
    }
    let path = tmp.path().join("sds.yaml");
    std::fs::write(&path, config).unwrap();
    let path = path.to_str().unwrap();
    let (code, fast) = json(&["--config", path]);
    let (full_code, full) = json(&["--config", path, "--full"]);
    assert_eq!((code, full_code), (Some(0), Some(0)));
    assert_eq!(fast["representatives_of"], serde_json::json!({"teams": 4, "users": 16}));
    assert!(full["representatives_of"].is_null());
    assert_eq!(fast["summary"], full["summary"]);
    assert!(fast["summary"]["suppressed"].as_u64().unwrap() > 0);
    for (a, b) in fast["rules"].as_array().unwrap().iter().zip(full["rules"].as_array().unwrap()) {
        assert_eq!((&a["violations"], &a["suppressed"]), (&b["violations"], &b["suppressed"]), "{}", a["rule"]);
    }
    let listed = fast["violations"].as_array().unwrap();
    let stands_for: u64 = listed.iter().map(|v| v["stands_for"].as_u64().unwrap()).sum();
    assert_eq!(stands_for, full["violations"].as_array().unwrap().len() as u64);
    assert!(listed.len() < full["violations"].as_array().unwrap().len());
    let launched = |doc: &Value| doc["launches"].as_array().unwrap().len();
    assert_eq!((launched(&fast), launched(&full)), (2 + 3 + 9, 2 + 4 + 16));
}

/// `sds validate` (and so every synth) launches a few teams for the invariants: two of each
/// kind, and those `access.deny` names. An assertion about the third of three teams is checked on
/// that team, as `sds access` checks it, instead of matching nothing (it used to: validation
/// launched the first two teams only).
#[test]
fn validation_checks_assertions_on_the_teams_they_name() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("sds.yaml");
    let team =
        |n: &str| format!("  - name: {n}\n    env: dev\n    users:\n      - name: {n}-u0\n      - name: {n}-u1\n");
    std::fs::write(
        &config,
        format!(
            "teams:\n{}{}{}access:\n  deny:\n    - principal: team-c-dev/*/DataScientistRole\n      action: s3:GetObject\n      resource: team-a-dev/*/DataBucket\n",
            team("team-a"),
            team("team-b"),
            team("team-c")
        ),
    )
    .unwrap();
    let o = sds().args(["validate", "--format", "json", "--config", config.to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let deny: Vec<&Value> = v["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "access/deny").collect();
    assert_eq!(deny.len(), 1, "{deny:?}");
    let message = deny[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("team-c-dev/DSEnvironmentPrincipals/DataScientistRole (ds_env_principals.yaml) can s3:GetObject on team-a-dev/"),
        "{message}"
    );
    assert_eq!(deny[0]["pointer"], "/Resources/DataScientistRole");
}

/// Many teams the symmetry cannot stand for (dev and prod) are not analysed in full unasked: the
/// analysis would be quadratic in users (100 × 10 ran out of 24 GB), so it stops at once, exit 2,
/// saying why and how to ask for it.
#[test]
fn many_teams_without_the_symmetry_need_full() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("sds.yaml");
    let mut text = String::from("teams:\n");
    for t in 0..30 {
        let env = if t % 2 == 0 { "dev" } else { "prod" };
        text.push_str(&format!("  - name: team-{t:02}\n    env: {env}\n    users:\n"));
        for u in 0..10 {
            text.push_str(&format!("      - name: t{t:02}-u{u}\n"));
        }
    }
    std::fs::write(&config, text).unwrap();
    let o = sds().args(["access", "--format", "json", "--config"]).arg(&config).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("30 teams with 300 users") && stderr(&o).contains("--full"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
}
