//! `sds validate` on large, well-formed templates and on small ones that expand (issue #14):
//! each must finish with its findings, neither overflowing the stack (a crash, exit 134) nor
//! taking quadratic or exponential time. How fast is for the benchmarks; the generous timeout
//! only turns a hang into a failure.

use std::fs;

use super::{findings_of, rules_of};
use crate::support::{sds, stderr, stdout};

/// Validates `files` (name, JSON document) written to one temporary directory, as one app.
fn validate_generated(files: &[(String, serde_json::Value)]) -> (i32, serde_json::Value) {
    let tmp = tempfile::tempdir().unwrap();
    for (name, doc) in files {
        fs::write(tmp.path().join(name), doc.to_string()).unwrap();
    }
    let o = sds()
        .arg("validate")
        .arg(tmp.path())
        .args(["--format", "json"])
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .expect("validate finishes");
    let code = o.status.code().unwrap_or(-1);
    assert!(code == 0 || code == 1, "validate failed to run (exit {code}): {}", stderr(&o));
    (code, serde_json::from_str(&stdout(&o)).unwrap())
}

fn one(name: &str, doc: serde_json::Value) -> (i32, serde_json::Value) {
    validate_generated(&[(name.to_string(), doc)])
}

fn topic() -> serde_json::Value {
    serde_json::json!({"Type": "AWS::SNS::Topic"})
}

#[test]
fn a_dependency_chain_of_60000_resources_is_searched_without_recursion() {
    let n = 60_000;
    let resources: serde_json::Map<String, serde_json::Value> = (0..n)
        .map(|i| {
            let next: Vec<String> = if i + 1 < n { vec![format!("R{}", i + 1)] } else { vec![] };
            let sub = format!("${{AWS::StackName}}-${{R{}}}", (i + 2) % n);
            let r = serde_json::json!({"Type": "AWS::SNS::Topic", "DependsOn": next,
                "Properties": {"TopicName": {"Fn::Sub": sub}}});
            (format!("R{i}"), r)
        })
        .collect();
    let (code, doc) = one("chain.json", serde_json::json!({ "Resources": resources }));
    assert_eq!(code, 1);
    let counts = findings_of(&doc, "limit/count");
    assert_eq!(counts, [("/Resources".to_string(), "60000 Resources; the limit is 500".to_string())]);
    // R58 Subs R0 and R59999 Subs R1: two rings through (almost) every resource, shown by their ends.
    let cycles = findings_of(&doc, "ref/cycle");
    let pointers: Vec<&str> = cycles.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(pointers, ["/Resources/R0", "/Resources/R1"], "{cycles:?}");
    for (_, m) in &cycles {
        assert!(m.contains(" → … 59976 more … → ") && m.len() < 400, "{m}");
    }
}

#[test]
fn twenty_thousand_conditions_in_a_chain_are_no_cycle_and_in_a_ring_are_one() {
    let n = 20_000;
    let chain: serde_json::Map<String, serde_json::Value> = (0..n)
        .map(|i| {
            let c = if i + 2 < n {
                serde_json::json!({"Fn::Or": [{"Condition": format!("C{}", i + 1)}, {"Condition": format!("C{}", i + 2)}]})
            } else {
                serde_json::json!({"Fn::Equals": ["a", "b"]})
            };
            (format!("C{i}"), c)
        })
        .collect();
    let resources = serde_json::json!({"A": {"Type": "AWS::SNS::Topic", "Condition": "C0"}});
    let (code, doc) = one("conds.json", serde_json::json!({"Conditions": chain, "Resources": resources}));
    // 1.4 MB is over the 1 MB limit; nothing else is wrong.
    assert_eq!((code, rules_of(&doc)), (1, vec!["limit/template-body".to_string()]), "{doc:#}");

    let ring: serde_json::Map<String, serde_json::Value> = (0..n)
        .map(|i| (format!("C{i}"), serde_json::json!({"Fn::Not": [{"Condition": format!("C{}", (i + 1) % n)}]})))
        .collect();
    let (code, doc) = one("ring.json", serde_json::json!({"Conditions": ring, "Resources": resources}));
    assert_eq!(code, 1);
    let cycles = findings_of(&doc, "ref/condition-cycle");
    assert_eq!(cycles.len(), 1, "{cycles:?}");
    let (pointer, message) = &cycles[0];
    assert_eq!(pointer, "/Conditions/C0");
    assert!(
        message.starts_with("conditions C0, C1, C2, C3, C4, C5, C6, C7, C8, C9, … 19980 more …, C19990, ")
            && message.ends_with(" → … 19981 more … → C19991 → C19992 → C19993 → C19994 → C19995 → C19996 → C19997 → C19998 → C19999 → C0"),
        "{message}"
    );
}

#[test]
fn fifty_thousand_outputs_with_100_export_names_give_one_finding_per_name() {
    let outputs: serde_json::Map<String, serde_json::Value> = (0..50_000)
        .map(|i| {
            let name = format!("${{AWS::StackName}}-{}", i % 100);
            (format!("O{i}"), serde_json::json!({"Value": "x", "Export": {"Name": {"Fn::Sub": name}}}))
        })
        .collect();
    let (code, doc) = one("exports.json", serde_json::json!({"Resources": {"A": topic()}, "Outputs": outputs}));
    assert_eq!(code, 1);
    let duplicates = findings_of(&doc, "app/duplicate-export");
    assert_eq!(duplicates.len(), 100);
    let first = duplicates.iter().find(|(p, _)| p == "/Outputs/O100/Export/Name").expect("O100 repeats O0");
    assert_eq!(
        first.1,
        "export name *-0 is also exported by exports.json (output O0); 498 more outputs of exports.json export it \
         too: O200, O300, O400, O500, O600, O700, O800, O900, O1000, O1100, … 478 more …, O49000, O49100, O49200, \
         O49300, O49400, O49500, O49600, O49700, O49800, O49900"
    );
}

#[test]
fn a_role_with_50000_policy_statements_is_checked_statement_by_statement() {
    let statements: Vec<serde_json::Value> = (0..50_000)
        .map(|i| serde_json::json!({"Effect": "Allow", "Action": [format!("s3:GetObject{i}")], "Resource": "*"}))
        .collect();
    let role = serde_json::json!({"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {},
        "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": statements}}]}});
    let (code, doc) = one("policy.json", serde_json::json!({"Resources": {"R": role}}));
    assert_eq!(code, 1);
    assert_eq!(findings_of(&doc, "sec/iam-unknown-action").len(), 50_000);
    assert_eq!(findings_of(&doc, "limit/policy-size").len(), 1);
    assert_eq!(findings_of(&doc, "sec/iam-wildcard").len(), 0);
}

#[test]
fn a_sub_with_100000_variables_reports_each_undeclared_one() {
    let parameters: serde_json::Map<String, serde_json::Value> =
        (0..200).map(|i| (format!("P{i}"), serde_json::json!({"Type": "String", "Default": "x"}))).collect();
    let text: String = (0..100_000).map(|i| format!("${{P{i}}}")).collect();
    let resources =
        serde_json::json!({"A": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Fn::Sub": text}}}});
    let (code, doc) = one("sub.json", serde_json::json!({"Parameters": parameters, "Resources": resources}));
    assert_eq!(code, 1);
    let undefined = findings_of(&doc, "ref/undefined");
    assert_eq!(undefined.len(), 99_800);
    assert!(undefined.iter().any(|(_, m)| m == "Resources/A refers to P99999, which is not declared"));
    assert!(findings_of(&doc, "ref/unused-parameter").is_empty());
}

#[test]
fn thirty_thousand_dependency_rings_are_reported_up_to_a_bound() {
    let mut resources = serde_json::Map::new();
    for i in 0..30_000 {
        resources
            .insert(format!("A{i}"), serde_json::json!({"Type": "AWS::SNS::Topic", "DependsOn": [format!("B{i}")]}));
        resources
            .insert(format!("B{i}"), serde_json::json!({"Type": "AWS::SNS::Topic", "DependsOn": [format!("A{i}")]}));
    }
    let (code, doc) = one("pairs.json", serde_json::json!({ "Resources": resources }));
    assert_eq!(code, 1);
    let cycles = findings_of(&doc, "ref/cycle");
    assert_eq!(cycles.len(), 101);
    assert!(cycles.contains(&(
        "/Resources".to_string(),
        "there are more cycles than the 100 reported (the search stops at 100, or at 1000000 nodes along them)"
            .to_string()
    )));
    assert!(cycles.contains(&("/Resources/A0".to_string(), "circular dependency: A0 → B0 → A0".to_string())));
}

#[test]
fn an_app_of_400_templates_importing_and_nesting_each_other_is_checked_as_one() {
    let n = 400;
    let files: Vec<(String, serde_json::Value)> = (0..n)
        .map(|i| {
            let export = |t: usize, k: usize| serde_json::json!({"Fn::Sub": format!("${{AWS::StackName}}-t{t}-{k}")});
            let outputs: serde_json::Map<String, serde_json::Value> = (0..20)
                .map(|k| (format!("O{k}"), serde_json::json!({"Value": "x", "Export": {"Name": export(i, k)}})))
                .collect();
            let mut tags: Vec<serde_json::Value> = (0..20)
                .map(|k| serde_json::json!({"Key": format!("k{k}"), "Value": {"Fn::ImportValue": export((i + 1) % n, k)}}))
                .collect();
            tags.push(serde_json::json!({"Key": "u", "Value": {"Fn::ImportValue": format!("nothing-{i}")}}));
            let url = format!("https://bucket.s3.amazonaws.com/t{}.json", (i + 1) % n);
            let resources = serde_json::json!({
                "A": {"Type": "AWS::SNS::Topic", "Properties": {"Tags": tags}},
                "N": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": url}},
            });
            (format!("t{i}.json"), serde_json::json!({"Resources": resources, "Outputs": outputs}))
        })
        .collect();
    let (code, doc) = validate_generated(&files);
    assert_eq!(code, 1);
    assert_eq!(findings_of(&doc, "app/import-unresolved").len(), n);
    assert!(findings_of(&doc, "app/duplicate-export").is_empty());
    let rings = findings_of(&doc, "app/nested-cycle");
    assert_eq!(rings.len(), 1, "{rings:?}");
    assert!(rings[0].1.starts_with("nested stacks include each other in a cycle: t0.json → t1.json → "), "{rings:?}");
    assert!(rings[0].1.contains(" → … 381 more … → "), "{rings:?}");
}

/// `Fn::Sub` of `${A}` ten times, where `A` is such a Sub, `depth` deep, around "xx".
fn repeated_sub(depth: usize) -> serde_json::Value {
    (0..depth)
        .fold(serde_json::json!("xx"), |inner, _| serde_json::json!({"Fn::Sub": ["${A}".repeat(10), {"A": inner}]}))
}

#[test]
fn expressions_that_expand_or_name_themselves_are_evaluated_once_and_bounded() {
    let topic =
        |name: serde_json::Value| serde_json::json!({"Type": "AWS::SNS::Topic", "Properties": {"TopicName": name}});
    let doc = serde_json::json!({
        "Mappings": {"M": {"a": {"b": {"Fn::FindInMap": ["M", "a", "b"]}}}},
        "Resources": {
            // 2,000 characters: too long for a topic name
            "Three": topic(repeated_sub(3)),
            // 2 * 10^12 characters: not known (over 1 MiB)
            "Twelve": topic(repeated_sub(12)),
            // CloudFormation allows no functions in mappings: not known either
            "Mapped": topic(serde_json::json!({"Fn::FindInMap": ["M", "a", "b"]})),
            // 100,000 empty strings joined by 100,000 characters: 10^10 characters, not known
            "Joined": topic(serde_json::json!({"Fn::Join": ["-".repeat(100_000), vec![""; 100_000]]})),
        }
    });
    let (code, doc) = one("expand.json", doc);
    // (400 KB: deployable from S3 only)
    assert_eq!(rules_of(&doc), ["limit/name", "limit/template-body-s3"], "{doc:#}");
    assert_eq!(code, 1);
    let names = findings_of(&doc, "limit/name");
    assert_eq!(names.len(), 1);
    assert_eq!(names[0].0, "/Resources/Three/Properties/TopicName");
}

#[test]
fn nested_stacks_multiplying_a_parameter_are_evaluated_once_per_template() {
    // t0 nests t1 ... nests t8, each passing its P ten times over: t_i's P is 2 * 10^i characters.
    let files: Vec<(String, serde_json::Value)> = (0..9)
        .map(|i| {
            let mut resources = serde_json::json!({"T": topic_named("${P}")});
            if i < 8 {
                resources["N"] = serde_json::json!({"Type": "AWS::CloudFormation::Stack", "Properties": {
                    "TemplateURL": format!("https://bucket.s3.amazonaws.com/t{}.json", i + 1),
                    "Parameters": {"P": {"Fn::Sub": "${P}".repeat(10)}}}});
            }
            let mut p = serde_json::json!({"Type": "String", "MaxLength": 10});
            if i == 0 {
                p["Default"] = "xx".into();
            }
            (format!("t{i}.json"), serde_json::json!({"Parameters": {"P": p}, "Resources": resources}))
        })
        .collect();
    let (code, doc) = validate_generated(&files);
    // warnings: the names are too long for t0's default value only
    assert_eq!(code, 0);
    assert!(doc["findings"].as_array().unwrap().iter().all(|f| f["severity"] == "warning"), "{doc:#}");
    let found: Vec<(String, usize)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["template"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
            (format!("{file} {}", f["rule"].as_str().unwrap()), f["message"].as_str().unwrap().len())
        })
        .collect();
    // t3 to t5 are too long for a topic name; t6 on (over 1 MiB) are not known.
    let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["t3.json limit/name", "t4.json limit/name", "t5.json limit/name"], "{doc:#}");
    // The 200,000-character value loses its middle in the message, which still says what is wrong.
    assert!(found.iter().all(|(_, len)| *len < 1100), "{found:?}");
    let t5 = doc["findings"][2]["message"].as_str().unwrap();
    assert!(t5.contains(" bytes left out … ") && t5.ends_with("is longer than 256 characters"), "{t5}");
}

fn topic_named(sub: &str) -> serde_json::Value {
    serde_json::json!({"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Fn::Sub": sub}}})
}

#[test]
fn five_thousand_stacks_of_a_child_missing_1000_parameters_give_one_finding_each() {
    let parameters: serde_json::Map<String, serde_json::Value> =
        (0..1000).map(|i| (format!("P{i}"), serde_json::json!({"Type": "String"}))).collect();
    let refs: Vec<serde_json::Value> = (0..1000).map(|i| serde_json::json!({"Ref": format!("P{i}")})).collect();
    let child = serde_json::json!({"Parameters": parameters, "Resources": {"A": {"Type": "AWS::SNS::Topic",
        "Properties": {"TopicName": {"Fn::Join": ["", refs]}}}}});
    let stacks: serde_json::Map<String, serde_json::Value> = (0..5000)
        .map(|i| {
            let url = "https://bucket.s3.amazonaws.com/child.json";
            (
                format!("S{i}"),
                serde_json::json!({"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": url}}),
            )
        })
        .collect();
    let files =
        [("child.json".to_string(), child), ("parent.json".to_string(), serde_json::json!({"Resources": stacks}))];
    let (code, doc) = validate_generated(&files);
    assert_eq!(code, 1);
    let needed = findings_of(&doc, "app/nested-parameter");
    assert_eq!(needed.len(), 5000);
    assert_eq!(
        needed[0],
        (
            "/Resources/S0/Properties/Parameters".to_string(),
            "child.json needs 1000 parameters which have no default and are not passed: P0, P1, P2, P3, P4, P5, \
             P6, P7, P8, P9, … 980 more …, P990, P991, P992, P993, P994, P995, P996, P997, P998, P999"
                .to_string()
        )
    );
}
