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
