//! `sds fmt`: canonical output, --check, --out, in-place rules, and every kind of bad input.

use std::fs;

use crate::support::{reference_files, sds, stderr, stdout};

#[test]
fn formats_mixed_forms_canonically() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = sds().args(["fmt", "tests/fixtures/good/mixed.yaml", "--out"]).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("mixed_yaml", fs::read_to_string(out.join("mixed.yaml")).unwrap());
}

#[test]
fn formats_to_json_in_long_form() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o =
        sds().args(["fmt", "--format", "json", "tests/fixtures/good/mixed.yaml", "--out"]).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json = fs::read_to_string(out.join("mixed.json")).unwrap();
    insta::assert_snapshot!("mixed_json", json);
    // The JSON reads back equal to the YAML it came from.
    let o = sds().args(["diff", "tests/fixtures/good/mixed.yaml"]).arg(out.join("mixed.json")).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn reference_templates_survive_fmt_unchanged_in_meaning() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("formatted");
    let o = sds().arg("fmt").args(reference_files()).arg("--out").arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(crate::support::template_names(&out).len(), 13);
    let o = sds().arg("diff").arg(crate::support::reference_dir()).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).ends_with("13 templates compared: 13 equal\n"), "{}", stdout(&o));
    // Formatting is idempotent: the formatted files pass --check.
    let o = sds().args(["fmt", "--check"]).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn check_lists_unformatted_files_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("mixed.yaml");
    fs::copy("tests/fixtures/good/mixed.yaml", &file).unwrap();
    let before = fs::read_to_string(&file).unwrap();
    let o = sds().args(["fmt", "--check"]).arg(&file).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains(&format!("would reformat {}", file.display())), "{}", stdout(&o));
    assert_eq!(fs::read_to_string(&file).unwrap(), before);
}

#[test]
fn in_place_refuses_to_drop_comments_unless_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("mixed.yaml");
    fs::copy("tests/fixtures/good/mixed.yaml", &file).unwrap();
    let before = fs::read_to_string(&file).unwrap();
    let o = sds().arg("fmt").arg(&file).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("has comments"), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&file).unwrap(), before, "a refused file must stay as it was");

    let o = sds().arg("fmt").arg("--drop-comments").arg(&file).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let after = fs::read_to_string(&file).unwrap();
    assert!(!after.contains('#'));
    let o = sds().args(["fmt", "--check"]).arg(&file).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn in_place_format_change_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("mixed.json");
    fs::copy("tests/fixtures/good/mixed.json", &file).unwrap();
    let o = sds().args(["fmt", "--format", "yaml"]).arg(&file).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("use --out DIR"), "{}", stderr(&o));
}

#[test]
fn two_inputs_with_one_output_name_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = sds()
        .args(["fmt", "--format", "yaml", "tests/fixtures/good/mixed.yaml", "tests/fixtures/good/mixed.json", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());
}

/// Each bad input: exit 2, a located message, and nothing written.
#[test]
fn bad_inputs_are_located_errors_and_write_nothing() {
    let mut report = String::new();
    let mut bad: Vec<_> = fs::read_dir("tests/fixtures/bad").unwrap().map(|e| e.unwrap().path()).collect();
    bad.sort();
    for file in bad {
        let rel = format!("tests/fixtures/bad/{}", file.file_name().unwrap().to_string_lossy());
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let o = sds().args(["fmt", &rel, "tests/fixtures/good/mixed.json", "--out"]).arg(&out).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{rel}: {}", stderr(&o));
        assert!(!out.exists(), "{rel}: fmt wrote output despite an error");
        assert!(stdout(&o).is_empty());
        report.push_str(&stderr(&o));
        let o = sds().args(["diff", &rel, "tests/fixtures/good/mixed.json"]).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "diff {rel}");
    }
    insta::assert_snapshot!("bad_inputs", report);
}

#[test]
fn missing_file_is_an_error() {
    let o = sds().args(["fmt", "--check", "tests/fixtures/good/nope.yaml"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    insta::assert_snapshot!("missing_file", stderr(&o));
}

#[test]
fn every_error_is_reported_not_just_the_first() {
    let o = sds()
        .args(["fmt", "--check", "tests/fixtures/bad/arity.yaml", "tests/fixtures/bad/unknown_tag.yaml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).lines().count(), 2, "{}", stderr(&o));
}

#[test]
fn directories_are_expanded_and_must_hold_templates() {
    let tmp = tempfile::tempdir().unwrap();
    let o = sds().args(["fmt", "--check"]).arg(tmp.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no templates"), "{}", stderr(&o));
    fs::copy("tests/fixtures/good/mixed.json", tmp.path().join("mixed.json")).unwrap();
    let o = sds().args(["fmt", "--check"]).arg(tmp.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "the fixture is not canonical JSON: {}", stdout(&o));
    assert!(stdout(&o).contains("mixed.json"));
}
