//! `sds validate` under SAM (`Transform: AWS::Serverless-2016-10-31`): what SAM generates may be
//! referred to, any other undeclared name is an error as elsewhere; serverless functions' runtimes
//! (their own, or `Globals: Function: Runtime`) are checked like Lambda functions'.

use super::{findings, generated};

const FIXTURE: &str = "tests/fixtures/corpus/features/sam-generated.yaml";

/// (rule, pointer) of every finding that is not a note.
fn found(doc: &serde_json::Value) -> Vec<(String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "info")
        .map(|f| (f["rule"].as_str().unwrap().to_string(), f["pointer"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn names_sam_generates_are_declared() {
    let (code, doc) = findings(&[FIXTURE]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(found(&doc), Vec::<(String, String)>::new());
}

#[test]
fn other_undeclared_names_are_errors_under_sam() {
    let text = std::fs::read_to_string(FIXTURE).unwrap();
    let cases = [
        // a resource no one declares or generates
        ("!GetAtt OrdersRole.Arn", "!GetAtt OrderRole.Arn", "/Outputs/Role"),
        // a referenceable property of a resource that is not serverless
        ("!Ref Orders.Version", "!Ref Alarm.Version", "/Outputs/Version"),
        // a condition SAM does not make
        ("  Deployments:\n", "  Deployments:\n    Condition: Prod\n", "/Outputs/Deployments/Condition"),
        // a name that only starts with a simple table's (SAM makes nothing more for it)
        ("DependsOn: OrdersNightlyPermission", "DependsOn: TableNightlyPermission", "/Resources/Alarm/DependsOn"),
    ];
    for (from, to, pointer) in cases {
        assert!(text.contains(from), "{from}");
        let (_tmp, path) = generated("sam.yaml", &text.replace(from, to));
        let (code, doc) = findings(&[&path]);
        assert_eq!(code, 1, "{to}: {doc:#}");
        assert_eq!(found(&doc), [("ref/undefined".to_string(), pointer.to_string())], "{to}");
    }
    // SAM makes no role for a function given one
    let given = text.replace(
        "      AutoPublishAlias: live\n",
        "      AutoPublishAlias: live\n      Role: !GetAtt OrdersRole.Arn\n",
    );
    let (_tmp, path) = generated("sam.yaml", &given);
    let (_, doc) = findings(&[&path]);
    let undefined: Vec<_> = found(&doc).into_iter().filter(|f| f.0 == "ref/undefined").collect();
    // the function's own Role, the output, and both variables of the Fn::Sub
    assert_eq!(undefined.len(), 4, "{doc:#}");
}

#[test]
fn serverless_runtimes_are_checked_like_lambda_functions() {
    let text = std::fs::read_to_string(FIXTURE).unwrap();
    // from Globals, for the functions that do not set their own ...
    let (_tmp, path) = generated("sam.yaml", &text.replace("Runtime: python3.13", "Runtime: nodejs10.x"));
    let (code, doc) = findings(&[&path]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(found(&doc), [("sec/lambda-runtime-blocked".to_string(), "/Globals/Function/Runtime".to_string())]);
    // ... not where each sets its own, which is checked
    let own = text
        .replace("    Runtime: python3.13\n", "    Runtime: nodejs10.x\n")
        .replace("      Handler: app.handler\n", "      Handler: app.handler\n      Runtime: python3.6\n");
    let (_tmp, path) = generated("sam.yaml", &own);
    let (_, doc) = findings(&[&path]);
    let blocked = ("sec/lambda-runtime-blocked".to_string(), "/Resources/Orders/Properties/Runtime".to_string());
    assert_eq!(found(&doc), [blocked]);
    // ... nor for a container image, which has no runtime
    let image = text.replace("    Runtime: python3.13\n", "    Runtime: nodejs10.x\n").replace(
        "      Handler: app.handler\n      CodeUri: ./orders\n",
        "      PackageType: Image\n      ImageUri: x\n",
    );
    let (_tmp, path) = generated("sam.yaml", &image);
    let (_, doc) = findings(&[&path]);
    assert_eq!(found(&doc), Vec::<(String, String)>::new());
}
