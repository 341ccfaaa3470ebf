//! Teams as code (`teams` in the configuration): the three kinds of output (the 13 platform
//! templates, the root's additions, one template per team and environment), a snapshot of a team
//! template, byte stability, and located errors for bad names with nothing written.

use std::fs;

use crate::support::{sds, stderr, stdout, template_names};

const TEAMS: &str = "tests/fixtures/teams.yaml";

fn synth(out: &std::path::Path, config: Option<&str>) {
    let mut cmd = sds();
    cmd.arg("synth").arg("--out").arg(out);
    if let Some(c) = config {
        cmd.args(["--config", c]);
    }
    let o = cmd.output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn teams_add_one_template_each_and_only_the_documented_root_additions() {
    let tmp = tempfile::tempdir().unwrap();
    let (plain, teams) = (tmp.path().join("plain"), tmp.path().join("teams"));
    synth(&plain, None);
    synth(&teams, Some(TEAMS));
    assert_eq!(template_names(&plain), template_names(&teams), "the same 13 platform templates");
    assert_eq!(template_names(&teams.join("teams")), ["fraud-detection-dev.yaml", "fraud-detection-prod.yaml"]);
    for name in template_names(&plain).iter().filter(|n| *n != "ds_administration.yaml") {
        assert_eq!(fs::read(plain.join(name)).unwrap(), fs::read(teams.join(name)).unwrap(), "{name} changed");
    }
    // The root: the role team stacks are deployed with, its portfolio association and output, and
    // the v2 user profile as a second version of the product (bob asks for it).
    let o = sds()
        .arg("diff")
        .arg(plain.join("ds_administration.yaml"))
        .arg(teams.join("ds_administration.yaml"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let mut paths: Vec<String> = doc["templates"][0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {}", c["kind"].as_str().unwrap_or("?"), c["path"].as_str().unwrap()))
        .collect();
    paths.sort();
    insta::assert_snapshot!("root_additions", paths.join("\n"));
}

#[test]
fn team_template() {
    let tmp = tempfile::tempdir().unwrap();
    synth(&tmp.path().join("a"), Some(TEAMS));
    synth(&tmp.path().join("b"), Some(TEAMS));
    let text = fs::read_to_string(tmp.path().join("a/teams/fraud-detection-dev.yaml")).unwrap();
    assert_eq!(text.as_bytes(), fs::read(tmp.path().join("b/teams/fraud-detection-dev.yaml")).unwrap(), "byte-stable");
    insta::assert_snapshot!("team_template", text);
    let o = sds().args(["synth", "--check", "--config", TEAMS, "--out"]).arg(tmp.path().join("a")).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    fs::write(tmp.path().join("a/teams/gone-dev.yaml"), text).unwrap();
    let o = sds().args(["synth", "--check", "--config", TEAMS, "--out"]).arg(tmp.path().join("a")).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("teams/gone-dev.yaml: not produced by synth"), "{}", stdout(&o));
}

#[test]
fn bad_team_names_are_located_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        ("teams:\n  - name: Fraud\n    env: dev\n", "c.yaml:2:5: teams.0.name: \"Fraud\" must be lower case"),
        ("teams:\n  - env: dev\n", "c.yaml:2:5: teams.0 needs a name"),
        ("teams:\n  - name: a\n    env: dev\n  - name: a\n    env: dev\n", "c.yaml:4:5: teams.1: team \"a\" in \"dev\" is already declared at teams.0"),
        (
            "teams:\n  - name: a\n    env: dev\n    users: [{name: x}]\n  - name: b\n    env: dev\n    users: [{name: x}]\n",
            "c.yaml:7:14: teams.1.users.0.name: user \"x\" is already declared at teams.0.users.0",
        ),
        ("teams:\n  - name: a\n    env: dev\n    users: [{name: x, variant: v9}]\n", "c.yaml:4:23: teams.0.users.0.variant: \"v9\" is not a user profile variant"),
        (
            "teams:\n  - name: the-fraud-detection-team-of-the-year\n    env: dev\n",
            "c.yaml:2:5: teams.0: team \"the-fraud-detection-team-of-the-year\" in \"dev\" makes the S3 bucket name",
        ),
        (
            "teams:\n  - name: fraud\n    env: dev\n    users: [{name: alexandra-maria-von-und-zu-lichtenstein}]\n",
            "makes the IAM role name \"ds-notebook-role-fraud-dev-alexandra-maria-von-und-zu-lichtenstein\" of 66 characters; AWS allows at most 64",
        ),
        ("teams:\n  - name: a\n    env: dev\n    users: [{name: _x}]\n", "is not a Studio user profile name"),
    ];
    for (text, expected) in cases {
        let dir = tmp.path().join("case");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("c.yaml"), text).unwrap();
        let out = dir.join("out");
        let o = sds().current_dir(&dir).args(["synth", "--config", "c.yaml", "--out", "out"]).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{text}: {}", stderr(&o));
        assert!(stderr(&o).contains(expected), "{text}: {}", stderr(&o));
        assert!(!out.exists(), "{text}: something was written");
        fs::remove_dir_all(&dir).unwrap();
    }
}
