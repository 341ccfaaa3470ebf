//! Tests of the reader (`read.rs`): forms, locations, errors, limits; and the YAML helpers
//! other modules' tests share.

use super::*;

pub(crate) fn yaml(s: &str) -> Value {
    read_value(s, "t.yaml", Format::Yaml).unwrap().0
}

pub(crate) fn yaml_err(s: &str) -> ReadError {
    read_value(s, "t.yaml", Format::Yaml).unwrap_err()
}

#[test]
fn core_numbers() {
    for n in ["0", "443", "-1", "+2", "1.5", ".5", "1e3", "1.0e+3", "0o17", "0x1F", ".inf", "-.Inf", ".nan", "0777"] {
        assert!(is_core_number(n), "{n}");
    }
    for s in ["", ".", "e3", "1.2.3", "10.2.0.0/16", "2012-10-17", "0x", "1e", "yes", "0b101", "1_000"] {
        assert!(!is_core_number(s), "{s}");
    }
}

#[test]
fn plain_scalars_resolve_by_yaml_1_2_and_cloudformations_booleans() {
    // CloudFormation reads YAML 1.1's yes/no/on/off as booleans (a tag `Value: YES` deploys as
    // "true"); y and n stay text, as in PyYAML and SnakeYAML.
    for (text, b) in [("yes", true), ("Yes", true), ("YES", true), ("on", true), ("On", true), ("ON", true)]
        .into_iter()
        .chain([("no", false), ("No", false), ("NO", false), ("off", false), ("Off", false), ("OFF", false)])
    {
        assert_eq!(yaml(&format!("a: {text}")).as_map().unwrap()["a"], Value::Bool(b), "{text}");
        assert_eq!(yaml(&format!("a: '{text}'")).as_map().unwrap()["a"], Value::str(text), "{text}");
    }
    for text in ["y", "n", "Y", "N", "yES", "oN"] {
        assert_eq!(yaml(&format!("a: {text}")).as_map().unwrap()["a"], Value::str(text), "{text}");
    }
    // keys are booleans too: their text in JSON, with the key as written kept for a warning
    let (v, map) = read_value("on: 1\nM:\n  NO: x\n  'yes': y\n  true: z\n", "t.yaml", Format::Yaml).unwrap();
    assert_eq!(v, yaml("'true': 1\nM: {'false': x, 'yes': y, 'true': z}"));
    assert_eq!(map.boolean_keys(), [("/true".to_string(), "on".to_string()), ("/M/false".into(), "NO".into())]);
    assert_eq!(yaml("a: 2012-10-17").as_map().unwrap()["a"], Value::str("2012-10-17"));
    assert_eq!(yaml("a: 443").as_map().unwrap()["a"], Value::Number("443".into()));
    assert_eq!(yaml("a: '443'").as_map().unwrap()["a"], Value::str("443"));
    assert_eq!(yaml("a: TRUE").as_map().unwrap()["a"], Value::Bool(true));
    assert_eq!(yaml("a: !!str 443").as_map().unwrap()["a"], Value::str("443"));
    assert_eq!(yaml("a: !!bool \"yes\"").as_map().unwrap()["a"], Value::Bool(true));
    assert_eq!(yaml("a: !!float 1").as_map().unwrap()["a"], Value::Number("1.0".into()));
}

#[test]
fn condition_key_with_a_map_is_not_a_function() {
    let v = yaml("Condition:\n  StringEquals:\n    a: b\n");
    assert!(v.as_map().unwrap().contains_key("Condition"));
}

#[test]
fn errors_are_located() {
    let e = yaml_err("a: 1\nb:\n  c: !Select [1]\n");
    assert_eq!(e.location, Some(Location { line: 3, column: 6 }));
    assert!(matches!(*e.kind, ReadErrorKind::Intrinsic(IntrinsicError::Arity { .. })));
    let e = yaml_err("a: 1\na: 2\n");
    assert_eq!(
        (e.location, *e.kind),
        (Some(Location { line: 2, column: 1 }), ReadErrorKind::DuplicateKey("\"a\"".into(), 1))
    );
    let e = yaml_err("a: !Foo x\n");
    assert_eq!(*e.kind, ReadErrorKind::UnknownTag("!Foo".into()));
    let e = yaml_err("a: !Length [1]\n");
    assert_eq!(*e.kind, ReadErrorKind::NoShortForm("Fn::Length"));
    let e = yaml_err("a:\n  b: !Base64 !Sub x\n");
    assert!(matches!(*e.kind, ReadErrorKind::TagInTag { .. }), "{e}");
    assert_eq!(e.location.map(|l| l.line), Some(2));
}

#[test]
fn aliases_copy_their_anchor() {
    let v = yaml("a: &x [1, 2]\nb: *x\n");
    let m = v.as_map().unwrap();
    assert_eq!(m["a"], m["b"]);
}

#[test]
fn source_map_points_at_keys_and_items() {
    let (_, map) = read_value("A:\n  B:\n    - x\n    - y\n", "t", Format::Yaml).unwrap();
    assert_eq!(map.locate("/A/B"), Some(Location { line: 2, column: 3 }));
    assert_eq!(map.locate("/A/B/1"), Some(Location { line: 4, column: 7 }));
    assert_eq!(map.locate("/A/B/1/deeper"), Some(Location { line: 4, column: 7 }));
}

#[test]
fn non_ascii_text_keeps_locations_right() {
    let text = "Description: \"é😀\"\nA:\n  B: {x: 1}\n  C:\n    d: !Base64 !Sub x\n";
    let e = yaml_err(text);
    assert!(matches!(*e.kind, ReadErrorKind::TagInTag { .. }), "{e}");
    assert_eq!(e.location.map(|l| l.line), Some(5));
    let (_, map) = read_value("D: é😀\nA:\n  B:\n    - x\n", "t", Format::Yaml).unwrap();
    assert_eq!(map.locate("/A/B"), Some(Location { line: 3, column: 3 }));
    let e = yaml_err("D: é\nA: !Foo x\n");
    assert_eq!(e.location, Some(Location { line: 2, column: 4 }));
}

#[test]
fn json_syntax_errors_are_json_errors() {
    let e = read_value("{\"a\": 1,}", "t.json", Format::Json).unwrap_err();
    assert!(matches!(*e.kind, ReadErrorKind::Json(_)));
    assert_eq!(e.location.map(|l| l.line), Some(1));
}

#[test]
fn a_flow_collection_closed_at_its_keys_column_reads_as_pyyaml_reads_it() {
    // Every scalar quoted, the closing bracket at the key's column: the parser alone refuses it.
    let quoted = "T:\n  A: {\n    \"Ref\": \"B\"\n  }\n  L: [\n    \"x\",\n    \"y\"\n  ]\n  M: [{\n    \"Key\": \"k\"\n  }, {\"Key\": \"v\"}]\n";
    let plain = "T:\n  A: {Ref: B}\n  L: [x, y]\n  M: [{Key: k}, {Key: v}]\n";
    let (value, map) = read_value(quoted, "t.yaml", Format::Yaml).unwrap();
    assert_eq!(value, yaml(plain));
    // a value on a moved line is where it is in the text
    assert_eq!(map.locate("/T/M/1"), Some(Location { line: 11, column: 6 }));
    assert_eq!(map.locate("/T/M/1/Key"), Some(Location { line: 11, column: 7 }));
    // a closing bracket that starts a line outside any flow collection stays refused, where it is
    let e = yaml_err("A:\n  B: 1\n  }\n");
    assert_eq!(e.location.map(|l| (l.line, l.column)), Some((3, 3)), "{e}");
}

#[test]
fn merge_keys_and_aliases_are_expanded_and_kept_for_a_warning() {
    let text = "A: &a\n  x: 1\n  y: 1\nB:\n  <<: *a\n  y: 2\nC:\n  <<: [{z: 3}, *a]\n  x: 4\nD: *a\n";
    let (v, map) = read_value(text, "t.yaml", Format::Yaml).unwrap();
    assert_eq!(v, yaml("A: {x: 1, y: 1}\nB: {x: 1, y: 2}\nC: {z: 3, x: 4, y: 1}\nD: {x: 1, y: 1}\n"));
    let found: Vec<(&str, &str)> = map.aliases().iter().map(|(p, w)| (p.as_str(), w.as_str())).collect();
    assert_eq!(found, [("/B", "<<"), ("/C", "<<"), ("/D", "*a")]);
    // a quoted "<<" is a key like any other; a merge of text is an error
    assert!(yaml("'<<': 1").as_map().unwrap().contains_key("<<"));
    assert!(read_value("A: {<<: x}", "t.yaml", Format::Yaml).is_err());
}
