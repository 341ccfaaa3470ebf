//! The YAML sds writes reads the same under a YAML 1.1 parser (PyYAML, as moto and many CI tools
//! use): every string a 1.1 reader would take for a boolean, number, date or null is quoted.

use std::fs;
use std::process::Command;

use crate::support::{reference_files, root, sds, stderr};

/// Writes `input` as YAML and as JSON with sds, reads the YAML with PyYAML, and compares.
fn check(inputs: &[std::path::PathBuf]) {
    let tmp = tempfile::tempdir().unwrap();
    let (y, j) = (tmp.path().join("yaml"), tmp.path().join("json"));
    for (dir, format) in [(&y, "yaml"), (&j, "json")] {
        let o = sds().args(["fmt", "--format", format]).args(inputs).arg("--out").arg(dir).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    for input in inputs {
        let stem = input.file_stem().unwrap().to_string_lossy();
        let py = Command::new("python3")
            .arg(root().join("scripts/yaml11_read.py"))
            .arg(y.join(format!("{stem}.yaml")))
            .output()
            .expect("python3 runs (the test command installs PyYAML)");
        assert!(py.status.success(), "PyYAML could not read {stem}: {}", stderr(&py));
        let seen: serde_json::Value = serde_json::from_slice(&py.stdout).unwrap();
        let written: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(j.join(format!("{stem}.json"))).unwrap()).unwrap();
        assert_eq!(seen, written, "PyYAML reads {stem}.yaml differently from what sds meant");
    }
}

#[test]
fn tricky_scalars_read_the_same_under_yaml_1_1() {
    check(&[root().join("tests/fixtures/good/scalars.json")]);
}

#[test]
fn formatted_reference_templates_read_the_same_under_yaml_1_1() {
    check(&reference_files());
}

/// What PyYAML reads in `input`, as JSON.
fn pyyaml(input: &std::path::Path) -> serde_json::Value {
    let py = Command::new("python3").arg(root().join("scripts/yaml11_read.py")).arg(input).output().unwrap();
    assert!(py.status.success(), "PyYAML could not read {}: {}", input.display(), stderr(&py));
    serde_json::from_slice(&py.stdout).unwrap()
}

#[test]
fn yaml_1_1_numbers_are_read_as_pyyaml_reads_them() {
    // `1_209_600`, `1:30`, `+1`, `.5`, `0b11`: numbers to YAML 1.1 and CloudFormation
    let input = root().join("tests/fixtures/corpus/features/yaml11-numbers.yaml");
    check(std::slice::from_ref(&input));
    let tmp = tempfile::tempdir().unwrap();
    let o = sds().args(["fmt", "--format", "json"]).arg(&input).arg("--out").arg(tmp.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let read: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(tmp.path().join("yaml11-numbers.json")).unwrap()).unwrap();
    assert_eq!(read, pyyaml(&input), "sds reads the template differently from PyYAML");
    // and they are numbers to the schema checks
    let o = sds().args(["validate", "--format", "json"]).arg(&input).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", crate::support::stdout(&o));
}
