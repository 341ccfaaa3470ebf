//! Shared helpers: running `sds`, the reference templates, scratch directories.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The repository root (where Cargo.toml is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `sds` with the repository root as working directory and no colour.
pub fn sds() -> Command {
    let mut c = Command::cargo_bin("sds").expect("the sds binary is built");
    c.current_dir(root()).env("NO_COLOR", "1");
    c
}

/// The 13 reference templates beside the repository. The tests need them: CI checks out
/// `../shared` next to the clone.
pub fn reference_dir() -> PathBuf {
    let dir = root().join("../shared/reference/upstream/cloudformation");
    assert!(dir.is_dir(), "the reference templates are missing: expected {}", dir.display());
    dir
}

pub fn reference_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(reference_dir())
        .expect("reference dir readable")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 13, "expected the 13 reference templates");
    files
}

/// A copy of the reference templates that a test may change.
pub fn reference_copy(into: &Path) -> PathBuf {
    let dir = into.join("changed");
    std::fs::create_dir_all(&dir).expect("create copy dir");
    for f in reference_files() {
        let text = std::fs::read_to_string(&f).expect("read reference");
        std::fs::write(dir.join(f.file_name().expect("name")), text).expect("write copy");
    }
    dir
}

/// The names of the templates (`.yaml`, `.json`) directly in `dir`, sorted; other files (the
/// output manifest) are left out.
pub fn template_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("directory readable")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".json"))
        .collect();
    names.sort();
    names
}

pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
