//! `sds access`: the platform's access report, its formats, `--explain`, and bad input.

use serde_json::Value;

use crate::support::{reference_dir, root, sds, stderr, stdout};

fn json(args: &[&str]) -> (Option<i32>, Value) {
    let o = sds().arg("access").args(args).args(["--format", "json"]).output().unwrap();
    let doc = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    (o.status.code(), doc)
}

#[test]
fn the_reference_platform_breaks_every_invariant() {
    let (code, doc) = json(&[]);
    assert_eq!(code, Some(1), "violations exit 1");
    for rule in doc["rules"].as_array().unwrap() {
        assert!(rule["violations"].as_u64().unwrap() > 0, "{rule}");
    }
    let violations = doc["violations"].as_array().unwrap();
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
    assert_eq!(code, Some(1));
    assert_eq!(synthesized["summary"], reference["summary"]);
    assert_eq!(synthesized["violations"], reference["violations"]);
}

#[test]
fn markdown_matrix() {
    let o = sds().args(["access", "--format", "markdown"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
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
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(text.starts_with("12 principals, 25 resources"), "{text}");
    assert!(text.contains("FAIL access/escalation"), "{text}");

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
        (
            vec!["--config", "tests/fixtures/upstream-parity.yaml", "out"],
            "--config configures the synthesized platform",
        ),
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
