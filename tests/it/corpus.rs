//! The template corpus in `tests/fixtures/corpus/`: templates written from the CloudFormation
//! documentation for every part of the language (`features/`), and the valid templates cfn-lint
//! ships in its source distribution (`cfn-lint/`, MIT-0, see SOURCE.md there). Every one is read,
//! written back in both formats and read again equal (diff empty), and validated: none is
//! refused, no type or function is unknown, and errors are the platform's `sec/*` controls or
//! the few listed below, each something CloudFormation would reject too.

use std::fs;
use std::path::{Path, PathBuf};

use sds_constructs::cfn::{
    diff_templates, format_of, read_template, templates_equal, to_json, to_yaml, Format, Template,
};

use crate::support::{sds, stderr, stdout};

const CORPUS: &str = "tests/fixtures/corpus";

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml" || e == "json") {
            out.push(p);
        }
    }
}

fn corpus() -> Vec<PathBuf> {
    let mut out = Vec::new();
    files(Path::new(CORPUS), &mut out);
    assert!(out.len() >= 120, "{} templates", out.len());
    out
}

fn read(text: &str, name: &str, format: Format) -> Template {
    read_template(text, name, format).unwrap_or_else(|e| panic!("{name}: {e}")).template
}

#[test]
fn every_template_reads_and_writes_back_the_same() {
    for path in corpus() {
        let name = path.display().to_string();
        let text = fs::read_to_string(&path).unwrap();
        let t = read(&text, &name, format_of(&name));
        let yaml = to_yaml(&t);
        let from_yaml = read(&yaml, &format!("{name} as YAML"), Format::Yaml);
        let from_json = read(&to_json(&t), &format!("{name} as JSON"), Format::Json);
        for (form, back) in [("YAML", &from_yaml), ("JSON", &from_json)] {
            assert!(templates_equal(&t, back), "{name}: the {form} written differs:\n{yaml}");
            let changes = diff_templates(&t, back);
            assert!(changes.is_empty(), "{name}: diff of the {form} written is not empty: {changes:?}");
        }
        // Writing is stable: what was written reads and writes the same text again.
        assert_eq!(to_yaml(&from_yaml), yaml, "{name}: YAML not stable");
    }
}

#[test]
fn fmt_then_diff_of_the_features_is_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = format!("{CORPUS}/features");
    let o = sds().args(["fmt", "--out"]).arg(tmp.path()).arg(&dir).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let o = sds().arg("diff").arg(&dir).arg(tmp.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // and a real change is seen through the loops and rules
    let foreach = tmp.path().join("foreach.yaml");
    let text = fs::read_to_string(&foreach).unwrap().replace("'${Name}-events'", "'${Name}-changed'");
    fs::write(&foreach, text).unwrap();
    let o = sds().arg("diff").arg(format!("{dir}/foreach.yaml")).arg(&foreach).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("Fn::ForEach::Topics"), "{}", stdout(&o));
}

/// Errors the corpus has besides the `sec/*` rules: (file, rule), each a template CloudFormation
/// would refuse (cfn-lint's fixtures test cfn-lint's rules, not deployments).
const EXPECTED_ERRORS: &[(&str, &str)] = &[
    // no resources: cfn-lint configuration fixtures
    ("cfn-lint/good/core/config_cfn_lint.json", "template/resources-required"),
    ("cfn-lint/good/core/config_cfn_lint.yaml", "template/resources-required"),
    ("cfn-lint/good/core/config_only_i1002.yaml", "template/resources-required"),
    ("cfn-lint/good/core/config_only_i1003.yaml", "template/resources-required"),
    ("cfn-lint/good/core/config_parameters.yaml", "template/resources-required"),
    ("cfn-lint/good/decode/parsing.json", "template/resources-required"),
    ("cfn-lint/good/mappings/name.yaml", "template/resources-required"),
    ("cfn-lint/good/parameters/default.yaml", "template/resources-required"),
    ("cfn-lint/good/resources/cloudformation/stack_nested.yaml", "template/resources-required"),
    // a Lambda function without its required Role
    ("cfn-lint/good/core/conditions.yaml", "schema/property"),
    ("cfn-lint/good/functions/relationship_conditions.yaml", "schema/property"),
    // Environment.Variables given an ARN; a stack with Service Catalog's properties; a role name
    // with `${Stage}` in plain text
    ("cfn-lint/good/custom/is-not-defined.yaml", "schema/property"),
    ("cfn-lint/good/functions/sub.yaml", "schema/property"),
    ("cfn-lint/good/functions/sub_needed_custom_excludes.yaml", "schema/property"),
    // refers to resources the template does not declare
    ("cfn-lint/good/functions/sub_needed.yaml", "ref/undefined"),
];

#[test]
fn every_template_validates_without_unknowns_or_unexpected_errors() {
    let mut failures = Vec::new();
    for path in corpus() {
        let rel = path.strip_prefix(CORPUS).unwrap().display().to_string();
        let o = sds().args(["validate", "--format", "json"]).arg(&path).output().unwrap();
        if !matches!(o.status.code(), Some(0 | 1)) {
            failures.push(format!("{rel}: refused: {}", stderr(&o)));
            continue;
        }
        let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        for f in doc["findings"].as_array().unwrap() {
            let rule = f["rule"].as_str().unwrap();
            if rule == "schema/unknown-type" || rule == "fn/unknown" {
                failures.push(format!("{rel}: {rule} {}", f["message"]));
            }
            let expected = rule.starts_with("sec/") || EXPECTED_ERRORS.contains(&(rel.as_str(), rule));
            if f["severity"] == "error" && !expected {
                failures.push(format!("{rel}: unexpected {rule} at {}: {}", f["pointer"], f["message"]));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn findings(path: &str) -> Vec<(String, String, String)> {
    let o = sds().args(["validate", "--format", "json", path]).output().unwrap();
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
            (s("rule"), s("pointer"), s("message"))
        })
        .collect()
}

#[test]
fn loops_are_validated_as_expanded() {
    let tmp = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(format!("{CORPUS}/features/foreach.yaml")).unwrap();
    // a property the fragment breaks is found in every copy, named by the copy's logical id
    let broken = text.replace(
        "          Type: String\n          Value: !Ref Name",
        "          Type: Strin\n          Value: !Ref Name",
    );
    assert_ne!(broken, text);
    let path = tmp.path().join("foreach.yaml");
    fs::write(&path, broken).unwrap();
    let found = findings(path.to_str().unwrap());
    let pointers: Vec<&str> = found.iter().filter(|f| f.0 == "schema/property").map(|f| f.1.as_str()).collect();
    assert_eq!(
        pointers,
        ["/Resources/OrdersSetting/Properties/Type", "/Resources/PaymentsSetting/Properties/Type"],
        "{found:?}"
    );
    // a loop inside properties expands too: a tag key the fragment makes is checked
    let broken = text.replace("- ${Key}: !Sub '${Name}-${Key}'", "- ${Key}: [not, text]");
    assert_ne!(broken, text);
    fs::write(&path, broken).unwrap();
    let found = findings(path.to_str().unwrap());
    assert!(found.iter().any(|f| f.1.starts_with("/Resources/OrdersSetting/Properties/Tags")), "{found:?}");
    // a collection known only at deployment: a note, and nothing made up
    let unknown = text.replace("- !Ref Cidrs", "- !Split [',', !ImportValue cidrs]");
    fs::write(&path, unknown).unwrap();
    let found = findings(path.to_str().unwrap());
    assert!(found.iter().any(|f| f.0 == "template/for-each" && f.1 == "/Resources/Fn::ForEach::Subnets"), "{found:?}");
    // without the transform, CloudFormation has no Fn::ForEach
    fs::write(&path, text.replace("Transform: AWS::LanguageExtensions\n", "")).unwrap();
    assert!(findings(path.to_str().unwrap()).iter().any(|f| f.0 == "fn/unknown"));
}

#[test]
fn sam_and_macros_are_noted_once_and_the_rest_checked() {
    let found = findings(&format!("{CORPUS}/features/sam.yaml"));
    let notes: Vec<_> = found.iter().filter(|f| f.0 == "template/transform").collect();
    assert_eq!(notes.len(), 1, "{found:?}");
    assert!(notes[0].2.contains("OrdersFunction, Table"), "{notes:?}");
    let found = findings(&format!("{CORPUS}/features/macro.yaml"));
    assert_eq!(found.iter().filter(|f| f.0 == "template/transform").count(), 1, "{found:?}");
    // the macro's own attribute (Count), function (Fn::Upper) and type are accepted ...
    assert!(!found.iter().any(|f| f.0.starts_with("schema/") || f.0.starts_with("fn/")), "{found:?}");
    // ... and the bucket is still checked
    assert!(found.iter().any(|f| f.0 == "sec/s3-encryption"), "{found:?}");
    // an unknown function without a macro is an error
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("t.yaml");
    fs::write(
        &path,
        "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName:\n        Fn::Upper: x\n",
    )
    .unwrap();
    let found = findings(path.to_str().unwrap());
    assert_eq!(found.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(), ["fn/unknown"], "{found:?}");
}

#[test]
fn a_parameter_used_in_hooks_is_used() {
    let found = findings(&format!("{CORPUS}/features/include-and-hooks.yaml"));
    assert!(!found.iter().any(|f| f.0 == "ref/unused-parameter"), "{found:?}");
    assert!(found.iter().all(|f| f.0 == "template/transform"), "{found:?}");
}
