//! `sds schema config`, `sds completions`, `sds man`, `sds --version`: the committed schema is
//! current, every example configuration in the repository validates against it (and the bad
//! ones the schema can describe do not), the schema's patterns agree with the reader's checks,
//! and the shells' scripts and the manual page name every command.

use std::path::{Path, PathBuf};

use sds_constructs::cfn::json::to_serde;
use sds_constructs::cfn::read::{read_value, Format};
use sds_constructs::config::{Config, Key, Kind, KEYS};
use serde_json::Value;

use crate::support::{root, sds, stderr, stdout};

fn committed_schema() -> Value {
    let text = std::fs::read_to_string(root().join(sds_constructs::config::schema::PATH)).expect("schema committed");
    serde_json::from_str(&text).expect("schema is JSON")
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft7::new(&committed_schema()).expect("the schema compiles")
}

/// A YAML configuration as JSON, the way an editor's YAML language server sees it.
fn as_json(text: &str, name: &str) -> Value {
    let (value, _) = read_value(text, name, Format::Yaml).unwrap_or_else(|e| panic!("{name}: {e}"));
    to_serde(&value)
}

fn schema_errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

#[test]
fn the_committed_schema_is_what_sds_schema_prints() {
    let o = sds().args(["schema", "config"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let committed = std::fs::read_to_string(root().join(sds_constructs::config::schema::PATH)).unwrap();
    assert!(
        stdout(&o) == committed,
        "{} is stale: run `cargo run -- schema config > {}` and commit it",
        sds_constructs::config::schema::PATH,
        sds_constructs::config::schema::PATH
    );
    let schema = committed_schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert_eq!(schema.pointer("/properties/network/properties/vpc_cidr/default"), Some(&Value::from("10.2.0.0/16")));
}

/// The README's configuration block.
fn readme_config() -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = &readme[readme.find("#### Configuration").expect("README has a Configuration section")..];
    let start = section.find("```yaml\n").expect("a yaml block") + "```yaml\n".len();
    section[start..start + section[start..].find("```").unwrap()].to_string()
}

/// Every configuration file in the repository: fixtures, the fuzz corpus's, the README's.
fn example_configs() -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/config"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .chain([
            root().join("tests/fixtures/upstream-parity.yaml"),
            root().join("tests/fixtures/teams.yaml"),
            root().join("examples/hardened/sds.yaml"),
        ])
        .chain(
            std::fs::read_dir(root().join("tests/fuzz/corpus"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("config-")),
        )
        .collect();
    files.sort();
    let mut out: Vec<(String, String)> =
        files.iter().map(|p| (rel(p), String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())).collect();
    out.push(("README.md".into(), readme_config()));
    out
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

#[test]
fn every_configuration_sds_accepts_validates_against_the_schema() {
    let v = validator();
    let mut accepted = Vec::new();
    for (name, text) in example_configs() {
        if Config::from_yaml(&text, &name).is_err() {
            continue;
        }
        let errors = schema_errors(&v, &as_json(&text, &name));
        assert!(errors.is_empty(), "{name} is accepted by sds but not by the schema: {errors:#?}");
        accepted.push(name);
    }
    for must in [
        "README.md",
        "tests/fixtures/config/custom.yaml",
        "tests/fixtures/upstream-parity.yaml",
        "examples/hardened/sds.yaml",
    ] {
        assert!(accepted.iter().any(|a| a == must), "{must} should be a valid configuration: {accepted:?}");
    }
    assert!(accepted.len() >= 5, "{accepted:?}");
}

#[test]
fn bad_configurations_the_schema_can_describe_are_refused_by_it() {
    let v = validator();
    // Overlapping subnets, host bits and malformed YAML are the reader's alone.
    for name in [
        "bad_cidr",
        "bad_domain_name",
        "bad_ecr_name",
        "bad_runtime",
        "bad_team_name",
        "bad_variant",
        "long_stack_set_name",
        "unknown_key",
        "wrong_type",
    ] {
        let path = format!("tests/fixtures/config/{name}.yaml");
        let text = std::fs::read_to_string(root().join(&path)).unwrap();
        assert!(Config::from_yaml(&text, &path).is_err(), "{path}");
        assert!(!v.is_valid(&as_json(&text, &path)), "{path} passes the schema");
    }
    for (text, why) in [
        ("network:\n  subnet_cidrs: [10.2.1.0/24]\n", "three subnets"),
        ("user_profile:\n  instance_types: []\n", "empty list"),
        ("user_profile:\n  instance_types: [ml.t3.medium, ml.t3.medium]\n", "duplicates"),
        ("studio:\n  kms_alias: alias/x\n", "alias/ prefix"),
        ("validation:\n  suppress:\n    - rule: sec/x\n", "a reason is required"),
        ("validation:\n  suppress:\n    - rule: sec/x\n      reason: '  '\n", "a blank reason"),
        ("access:\n  deny:\n    - principal: a/*\n      action: s3:GetObject\n", "a resource is required"),
        ("access:\n  deny:\n    - {principal: a, action: s3:GetObject, resource: b, who: c}\n", "an unknown field"),
    ] {
        assert!(Config::from_yaml(text, "t.yaml").is_err(), "{why}");
        assert!(!v.is_valid(&as_json(text, "t.yaml")), "{why}: passes the schema");
    }
}

fn texts<'a>(keys: &'a [Key], prefix: &str, out: &mut Vec<(String, &'a sds_constructs::config::rules::Rule)>) {
    for k in keys {
        let full = if prefix.is_empty() { k.name.to_string() } else { format!("{prefix}.{}", k.name) };
        match &k.kind {
            Kind::Section(sub) => texts(sub, &full, out),
            Kind::Text(rule, _) | Kind::OptionalText(rule, _) => out.push((full, rule)),
            Kind::List { rule, .. } => out.push((full, rule)),
            Kind::Records(_) | Kind::Severities | Kind::Teams => {}
        }
    }
}

#[test]
fn the_schema_says_what_the_reader_checks() {
    let schema = committed_schema();
    let long = |n: usize| "a".repeat(n);
    let mut samples: Vec<String> = [
        "",
        "a",
        "ab",
        "A",
        "Team-A",
        "1team",
        "-x",
        "x-",
        "x y",
        "ü",
        "a_b",
        "a__b",
        ".x",
        "x.",
        "a.b",
        "a/b",
        "a//b",
        "/a",
        "ds-domain",
        "DS",
        "10.2.0.0/16",
        "10.2.0.0/28",
        "10.2.0.0/29",
        "10.2.0.0/15",
        "10.2.0.0/33",
        "010.2.0.0/16",
        "256.0.0.0/16",
        "10.2.0/16",
        "10.2.0.0",
        "10.+2.0.0/16",
        "python3.14",
        "python3.",
        "python3.x",
        "python2.7",
        "v1",
        "v2",
        "v3",
        "ml.t3.medium",
        "system",
        "ml.t3",
        "ML.t3.medium",
        "ml.t3.medium.x",
        "alias/x",
        "aws/x",
        "team/key",
        "analytics/images",
        "my-org/platform",
        "my-org/.github",
        "a/.",
        "a/..",
        "-a/b",
        "a-/b",
        "a/b/c",
        "main",
        "release/1.2",
        "feature/x..y",
        "main.lock",
        "main/",
        "release/.x",
        "main*",
        "refs/heads/main",
        "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
        "arn:aws:iam::12345678901:oidc-provider/token.actions.githubusercontent.com",
        "arn:aws:iam::123456789012:oidc-provider/example.com",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    samples.extend([23, 24, 25, 49, 50, 51, 62, 63, 64, 99, 100, 101, 250, 251, 256, 257].map(long));
    let mut rules = Vec::new();
    texts(KEYS, "", &mut rules);
    assert!(rules.len() >= 14);
    for (key, rule) in rules {
        let pointer: String = key.split('.').map(|k| format!("/properties/{k}")).collect();
        let mut node = schema.pointer(&pointer).unwrap_or_else(|| panic!("{key}")).clone();
        if node["type"] == "array" {
            node = node["items"].clone();
        }
        let v = jsonschema::draft7::new(&node).unwrap();
        for s in &samples {
            let by_reader = (rule.check)(s).is_ok();
            let by_schema = v.is_valid(&Value::from(s.as_str()));
            if rule.also.is_some() {
                // The schema may accept more (what it cannot say), never less.
                assert!(!by_reader || by_schema, "{key}: {s:?}: reader accepts, schema refuses");
            } else {
                assert_eq!(by_reader, by_schema, "{key}: {s:?}: reader {by_reader}, schema {by_schema}");
            }
        }
    }
    // What the CIDR pattern cannot say: host bits.
    assert!((sds_constructs::config::rules::CIDR.check)("10.2.0.1/16").is_err());
}

#[test]
fn completions_for_every_shell_name_every_command() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let o = sds().args(["completions", shell]).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        let script = stdout(&o);
        for word in ["synth", "publish", "validate", "diff", "fmt", "completions", "no-deploy", "format"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    // The bash script is valid bash.
    let o = sds().args(["completions", "bash"]).output().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("sds.bash");
    std::fs::write(&file, &o.stdout).unwrap();
    let check = std::process::Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    let o = sds().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn the_manual_page_describes_every_command() {
    let o = sds().arg("man").output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = stdout(&o);
    assert!(page.starts_with(".ie") || page.contains(".TH sds 1"), "{}", &page[..200.min(page.len())]);
    for word in ["synth", "publish", "validate", "diff", "fmt", "schema", "completions"] {
        assert!(page.contains(word), "man page lacks {word}");
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("man1");
    let o = sds().args(["man", "--dir"]).arg(&dir).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let publish = std::fs::read_to_string(dir.join("sds-publish.1")).expect("a page per command");
    assert!(publish.contains("no\\-deploy"), "{publish}");
    assert!(dir.join("sds.1").is_file());
}

#[test]
fn version_names_the_vendored_resource_schemas() {
    let source: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("src/validate/data/SOURCE.json")).unwrap()).unwrap();
    let o = sds().arg("--version").output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(text.starts_with(&format!("sds {}\n", env!("CARGO_PKG_VERSION"))), "{text}");
    for field in ["package", "version", "schema_date"] {
        let v = source[field].as_str().unwrap();
        assert!(text.contains(v), "--version lacks the {field} {v}: {text}");
    }
    let iam: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("constructs/data/iam-services.SOURCE.json")).unwrap(),
    )
    .unwrap();
    for field in ["package", "version", "updated"] {
        let v = iam[field].as_str().unwrap();
        assert!(text.contains(v), "--version lacks the IAM data's {field} {v}: {text}");
    }
    insta::assert_snapshot!("version", text);
}
