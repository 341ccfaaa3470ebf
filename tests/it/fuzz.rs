//! In-process fuzzing (issue #14): structured mutations of real templates and configurations, and
//! arbitrary bytes, through every reader and the code behind each command — read, write in both
//! formats and read back, diff, validate, configure, synthesize. A panic anywhere fails the
//! property; proptest shrinks the input and records it in `tests/proptest-regressions/fuzz.txt`
//! (committed: the regression corpus, replayed first on every run).
//!
//! Cases per property: `SDS_FUZZ_CASES` (default 64, so `scripts/test` stays quick; `.ci/run`
//! runs more). The CLI-level run over the hostile corpus, with time and memory limits, is
//! `scripts/fuzz`.

use std::path::PathBuf;
use std::sync::OnceLock;

use proptest::prelude::*;
use sds_constructs::cfn::read::read_value;
use sds_constructs::cfn::{
    diff_templates, read_template, templates_equal, to_json, to_yaml, Format, Intrinsic, Template, Value,
};
use sds_constructs::config::Config;
use sds_constructs::platform::Platform;

use crate::support::{reference_files, root};

/// Text that tends to matter to a YAML or CloudFormation reader.
const TOKENS: &[&str] = &[
    "\0",
    "\u{1b}",
    "\u{7f}",
    "\u{feff}",
    "é",
    "😀",
    "\u{2028}",
    "\r",
    "\t",
    "\n",
    "  ",
    "- ",
    ": ",
    "? ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "'",
    "\"",
    "#",
    "&a ",
    "*a",
    "<<: *a",
    "!Ref ",
    "!Sub '${",
    "!Sub ${}",
    "!GetAtt A.",
    "!Select [",
    "!Select [-1, [a]]",
    "!Join [x, y]",
    "!If [",
    "!FindInMap [M, a, b]",
    "!Base64 !Sub x",
    "!!binary ",
    "!!str ",
    "!Foo ",
    "Fn::If: ",
    "Condition: C",
    "Ref: ",
    "${AWS::Region}",
    "99999999999999999999999",
    "-1",
    "1e400",
    ".nan",
    "~",
    "null",
    "|",
    ">-",
    "|+",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "Type: ",
    "DependsOn: ",
    "Resources: ",
    "Outputs: ",
];

fn seeds(dir: &str, ext: &[&str]) -> Vec<String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.retain(|p| p.extension().is_some_and(|e| ext.iter().any(|x| e == *x)));
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read_to_string(p).ok()).collect()
}

/// Real templates: the reference, what synth writes, the test fixtures.
fn templates() -> &'static [String] {
    static T: OnceLock<Vec<String>> = OnceLock::new();
    T.get_or_init(|| {
        let mut t: Vec<String> = reference_files().iter().filter_map(|p| std::fs::read_to_string(p).ok()).collect();
        for dir in ["out", "tests/fixtures/good", "tests/fixtures/bad", "tests/fixtures/validate"] {
            t.extend(seeds(dir, &["yaml", "json"]));
        }
        t
    })
}

fn configs() -> &'static [String] {
    static C: OnceLock<Vec<String>> = OnceLock::new();
    C.get_or_init(|| {
        let mut c = seeds("tests/fixtures/config", &["yaml"]);
        c.extend(seeds("tests/fixtures", &["yaml"]));
        c
    })
}

/// One edit of a text.
#[derive(Debug, Clone)]
enum Edit {
    Insert { at: usize, token: usize },
    Delete { at: usize, len: usize },
    Duplicate { at: usize, len: usize, to: usize },
    Truncate { at: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, token)| Edit::Insert { at, token }),
        2 => (any::<usize>(), 1usize..40).prop_map(|(at, len)| Edit::Delete { at, len }),
        2 => (any::<usize>(), 1usize..200, any::<usize>()).prop_map(|(at, len, to)| Edit::Duplicate { at, len, to }),
        1 => any::<usize>().prop_map(|at| Edit::Truncate { at }),
    ]
}

/// The nearest char boundary at or before `i % (len + 1)`.
fn boundary(s: &str, i: usize) -> usize {
    let mut i = i % (s.len() + 1);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut s = text.to_string();
    for e in edits {
        match *e {
            Edit::Insert { at, token } => {
                let at = boundary(&s, at);
                s.insert_str(at, TOKENS[token]);
            }
            Edit::Delete { at, len } => {
                let a = boundary(&s, at);
                let b = boundary(&s, a + len.min(s.len() - a));
                s.replace_range(a..b, "");
            }
            Edit::Duplicate { at, len, to } => {
                let a = boundary(&s, at);
                let b = boundary(&s, a + len.min(s.len() - a));
                let piece = s[a..b].to_string();
                let to = boundary(&s, to);
                s.insert_str(to, &piece);
            }
            Edit::Truncate { at } => {
                let at = boundary(&s, at);
                s.truncate(at);
            }
        }
    }
    s
}

/// Values that CloudFormation treats specially or rejects, put in place of any node of a real
/// template: the reader accepts them all, so they reach validation.
const VALUES: &[&str] = &[
    "!Select [-1, [a]]",
    "!Select [x, [a]]",
    "!Select [5, [a]]",
    "!Select [0, []]",
    "!Join [',', x]",
    "!FindInMap [Nope, a, b]",
    "!Sub '${'",
    "!Sub '${}'",
    "!Sub '${!Literal}-${AWS::Region}'",
    "!Ref Nope",
    "!Ref AWS::NoValue",
    "!GetAtt Nope.Arn",
    "!If [Nope, a, b]",
    "!Condition Nope",
    "!ImportValue x",
    "!Cidr [a, b, c]",
    "!GetAZs ''",
    "!Base64 x",
    "!Split [',', !Ref AWS::Region]",
    "null",
    "[]",
    "{}",
    "[[[[[[]]]]]]",
    "''",
    "-1",
    "0",
    "99999999999999999999999",
    "1e400",
    ".nan",
    "true",
    "'2010-09-10'",
    "Retain",
    "Snapshot",
    "Nope",
    "AWS::CloudFormation::Stack",
    "AWS::S3::Bucket",
    "Custom::X",
    "{Type: String, Default: x}",
    "[a, a, a]",
    "{Ref: Nope}",
];

/// One change to a template's structure: replace a node (counted pre-order) with a value of
/// `VALUES`, or (`None`) remove it from its map or list.
#[derive(Debug, Clone)]
struct Structural {
    value: Option<usize>,
}

/// Applies `change` somewhere under `v`; `left` counts down the nodes passed. True once applied.
fn restructure(v: &mut Value, left: &mut usize, change: &Structural, replacements: &[Value]) -> bool {
    if let Value::Fn(f) = v {
        let mut arg = f.argument();
        let done = restructure(&mut arg, left, change, replacements);
        if done {
            if let Ok(g) = Intrinsic::from_long(f.name(), arg) {
                *v = Value::from(g);
            }
        }
        return done;
    }
    let len = match v {
        Value::Map(m) => m.len(),
        Value::List(l) => l.len(),
        _ => 0,
    };
    for i in 0..len {
        if *left == 0 {
            match (change.value, &mut *v) {
                (Some(k), Value::Map(m)) => m[i] = replacements[k % replacements.len()].clone(),
                (Some(k), Value::List(l)) => l[i] = replacements[k % replacements.len()].clone(),
                (None, Value::Map(m)) => drop(m.shift_remove_index(i)),
                (None, Value::List(l)) => drop(l.remove(i)),
                _ => {}
            }
            return true;
        }
        *left -= 1;
        let child = match v {
            Value::Map(m) => &mut m[i],
            Value::List(l) => &mut l[i],
            _ => return false,
        };
        if restructure(child, left, change, replacements) {
            return true;
        }
    }
    false
}

fn replacements() -> &'static [Value] {
    static R: OnceLock<Vec<Value>> = OnceLock::new();
    R.get_or_init(|| {
        let read = |t: &str| read_value(&format!("x: {t}\n"), "v", Format::Yaml).ok()?.0.as_map()?.get("x").cloned();
        let values: Vec<Value> = VALUES.iter().filter_map(|t| read(t)).collect();
        assert_eq!(values.len(), VALUES.len(), "every stand-in value reads");
        values
    })
}

fn cases() -> u32 {
    std::env::var("SDS_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64)
}

/// Everything a template goes through; panics are the failures.
fn exercise_template(text: &str, format: Format) -> Result<(), TestCaseError> {
    let Ok(parsed) = read_template(text, "fuzz", format) else { return Ok(()) };
    let t = &parsed.template;
    for (written, f) in [(to_yaml(t), Format::Yaml), (to_json(t), Format::Json)] {
        let back = read_template(&written, "fuzz-out", f)
            .map_err(|e| TestCaseError::fail(format!("what sds wrote does not read back: {e}\n{written}")))?;
        if !templates_equal(t, &back.template) {
            let changes = diff_templates(t, &back.template);
            return Err(TestCaseError::fail(format!("written and read back differ: {changes:?}\n{written}")));
        }
    }
    let original =
        read_template(&templates()[0], "ref", Format::Yaml).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let _ = diff_templates(&original.template, t);
    let input = sds::validate::Input {
        name: "fuzz.yaml".into(),
        template: std::sync::Arc::new(parsed.template.clone()),
        source_map: Some(parsed.source_map.clone()),
        body_len: text.len(),
        display: "fuzz.yaml".into(),
    };
    let _ = sds::validate::validate(&[input], &[]);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn mutated_templates_never_panic(seed in any::<prop::sample::Index>(), edits in prop::collection::vec(edit(), 1..6)) {
        let text = apply(seed.get::<String>(templates()), &edits);
        exercise_template(&text, Format::Yaml)?;
    }

    #[test]
    fn mutated_json_templates_never_panic(seed in any::<prop::sample::Index>(), edits in prop::collection::vec(edit(), 1..4)) {
        let Ok(parsed) = read_template(seed.get::<String>(templates()), "seed", Format::Yaml) else { return Ok(()) };
        let text = apply(&to_json(&parsed.template), &edits);
        exercise_template(&text, Format::Json)?;
    }

    #[test]
    fn restructured_templates_never_panic(seed in any::<prop::sample::Index>(), changes in prop::collection::vec((any::<usize>(), prop::option::weighted(0.8, any::<usize>())), 1..5)) {
        let Ok(parsed) = read_template(seed.get::<String>(templates()), "seed", Format::Yaml) else { return Ok(()) };
        let mut value = parsed.template.to_value();
        for (node, k) in changes {
            let mut left = node % 400;
            restructure(&mut value, &mut left, &Structural { value: k }, replacements());
        }
        if let Ok(t) = Template::from_value(value) {
            exercise_template(&to_yaml(&t), Format::Yaml)?;
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        exercise_template(&text, Format::Yaml)?;
        exercise_template(&text, Format::Json)?;
        let _ = Config::from_yaml(&text, "fuzz.yaml");
    }

    #[test]
    fn mutated_configurations_never_panic(seed in any::<prop::sample::Index>(), edits in prop::collection::vec(edit(), 1..6)) {
        let text = apply(seed.get::<String>(configs()), &edits);
        if let Ok(config) = Config::from_yaml(&text, "fuzz.yaml") {
            let _ = Platform::from_config(&config).synth();
        }
    }
}
