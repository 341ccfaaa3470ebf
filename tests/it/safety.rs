//! Hostile and sloppy inputs and outputs (issue #14): `sds` never deletes or overwrites a file it
//! did not write, never reads an input unbounded (FIFOs, devices, deep nesting, alias bombs, NUL
//! bytes), accepts what editors write (a byte order mark), and reports every bad file at once.
//! Each test names the case of the issue it guards.

use std::fs;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use crate::support::{sds, stderr, stdout};

/// Every run here must end well within this: a hang is a failure, not a slow test.
const LIMIT: Duration = Duration::from_secs(20);

fn run(args: &[&str], dir: &Path) -> Output {
    sds().current_dir(dir).args(args).timeout(LIMIT).output().unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// A directory that looks like a user's repository.
fn repository(dir: &Path) {
    fs::create_dir_all(dir.join(".git/objects")).unwrap();
    fs::write(dir.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    fs::write(dir.join("notes.md"), "mine\n").unwrap();
    fs::create_dir_all(dir.join("src")).unwrap();
    fs::write(dir.join("src/lib.rs"), "// mine\n").unwrap();
}

fn assert_repository_intact(dir: &Path) {
    assert_eq!(fs::read_to_string(dir.join(".git/HEAD")).unwrap(), "ref: refs/heads/main\n");
    assert_eq!(fs::read_to_string(dir.join("notes.md")).unwrap(), "mine\n");
    assert_eq!(fs::read_to_string(dir.join("src/lib.rs")).unwrap(), "// mine\n");
}

#[test]
fn synth_never_replaces_a_directory_holding_files_it_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    repository(&repo);
    // `sds synth --out "$PWD"` inside a repository.
    let o = run(&["synth", "--out", repo.to_str().unwrap()], tmp.path());
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("did not write"), "{}", stderr(&o));
    assert_repository_intact(&repo);
    // The working directory itself, however it is named.
    for out in [".", "./", "../repo"] {
        let o = run(&["synth", "--out", out], &repo);
        assert_eq!(code(&o), 2, "--out {out}: {}", stderr(&o));
        assert_repository_intact(&repo);
    }
    // Even an empty working directory is not replaced.
    let empty = tmp.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    let o = run(&["synth", "--out", "."], &empty);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("working directory"), "{}", stderr(&o));
    assert!(empty.is_dir());
}

#[test]
fn synth_never_removes_its_configuration() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("platform");
    fs::create_dir_all(&dir).unwrap();
    let config = dir.join("sds.yaml");
    fs::write(&config, "stack_set_name: Team\n").unwrap();
    let o = run(&["synth", "--config", config.to_str().unwrap(), "--out", dir.to_str().unwrap()], tmp.path());
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("holds the input"), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&config).unwrap(), "stack_set_name: Team\n");
}

#[test]
fn synth_replaces_what_it_wrote_and_only_that() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = run(&["synth", "--out", out.to_str().unwrap()], tmp.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let manifest = fs::read_to_string(out.join(".sds-manifest")).unwrap();
    assert!(manifest.lines().any(|l| l == "ds_administration.yaml"), "{manifest}");
    // Again over its own output: fine.
    let o = run(&["synth", "--out", out.to_str().unwrap()], tmp.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // A file slipped in among them stops the next run, and survives.
    fs::write(out.join("keep.txt"), "mine\n").unwrap();
    let o = run(&["synth", "--out", out.to_str().unwrap()], tmp.path());
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("keep.txt"), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(out.join("keep.txt")).unwrap(), "mine\n");
    // A directory written by an sds without manifests (every file starts with its header) is
    // still recognised as its own.
    fs::remove_file(out.join("keep.txt")).unwrap();
    fs::remove_file(out.join(".sds-manifest")).unwrap();
    let o = run(&["synth", "--out", out.to_str().unwrap()], tmp.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn fmt_out_never_writes_over_an_input() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("t.yaml");
    let text = "# keep this comment\nResources:\n  Topic: {Type: AWS::SNS::Topic}\n";
    fs::write(&input, text).unwrap();
    let o = run(&["fmt", "t.yaml", "--out", "."], tmp.path());
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("would overwrite the input"), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&input).unwrap(), text);
    // Nor over a file of the same name that sds did not write.
    let other = tmp.path().join("other");
    fs::create_dir_all(&other).unwrap();
    fs::write(other.join("t.yaml"), "mine\n").unwrap();
    let o = run(&["fmt", "t.yaml", "--out", "other"], tmp.path());
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert_eq!(fs::read_to_string(other.join("t.yaml")).unwrap(), "mine\n");
    // Into a new directory, twice (its own output the second time), next to other files.
    fs::write(tmp.path().join("new-notes.txt"), "mine\n").unwrap();
    for _ in 0..2 {
        let o = run(&["fmt", "t.yaml", "--out", "formatted"], tmp.path());
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
    assert!(fs::read_to_string(tmp.path().join("formatted/t.yaml")).unwrap().contains("Topic:"));
}

#[test]
fn fmt_in_place_keeps_a_symbolic_link_a_link() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("real.yaml"), "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n").unwrap();
    std::os::unix::fs::symlink("real.yaml", tmp.path().join("link.yaml")).unwrap();
    let o = run(&["fmt", "link.yaml"], tmp.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(fs::symlink_metadata(tmp.path().join("link.yaml")).unwrap().file_type().is_symlink());
    assert!(fs::read_to_string(tmp.path().join("real.yaml")).unwrap().contains("  Topic:\n    Type: AWS::SNS::Topic"));
}

#[cfg(feature = "publish")]
#[test]
fn package_only_keeps_what_it_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pkg");
    repository(&dir);
    let o = run(&["publish", "--package-only", dir.to_str().unwrap()], tmp.path());
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert_repository_intact(&dir);
    let fresh = tmp.path().join("fresh");
    for _ in 0..2 {
        let o = run(&["publish", "--package-only", fresh.to_str().unwrap()], tmp.path());
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
    assert!(fresh.join("sds/ds_administration.yaml").is_file());
    // An empty directory of the user's among them is not sds's either.
    fs::create_dir_all(fresh.join("sds/mine")).unwrap();
    let o = run(&["publish", "--package-only", fresh.to_str().unwrap()], tmp.path());
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("sds/mine/"), "{}", stderr(&o));
    fs::remove_dir(fresh.join("sds/mine")).unwrap();
    let manifest = fs::read_to_string(fresh.join(".sds-manifest")).unwrap();
    assert!(manifest.lines().any(|l| l == "sds/ds_administration.yaml"), "{manifest}");
}

#[test]
fn only_regular_files_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("fifo.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    for args in [
        vec!["validate", fifo.to_str().unwrap()],
        vec!["fmt", "--check", fifo.to_str().unwrap()],
        vec!["synth", "--check", "--config", fifo.to_str().unwrap()],
        vec!["validate", "/dev/zero"],
        vec!["diff", "/dev/zero", "/dev/zero"],
    ] {
        let o = run(&args, tmp.path());
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("not a regular file"), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn oversized_inputs_are_refused_before_reading() {
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("big.yaml");
    let f = fs::File::create(&big).unwrap();
    f.set_len(64 << 20).unwrap();
    let o = run(&["validate", "big.yaml"], tmp.path());
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("more than sds reads"), "{}", stderr(&o));
}

/// Structures that used to overflow the stack (exit 134) or grow past gigabytes.
#[test]
fn deep_nesting_and_alias_bombs_are_located_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let deep = format!(
        "Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Metadata:\n      x:\n        {}1\n",
        "- ".repeat(7000)
    );
    fs::write(tmp.path().join("deep.yaml"), &deep).unwrap();
    let mut bomb = String::from(
        "Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Metadata:\n      a: &a [x, x, x, x, x, x, x, x, x]\n",
    );
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"].iter().zip(["b", "c", "d", "e", "f", "g", "h", "i"]) {
        bomb.push_str(&format!("      {name}: &{name} [{}]\n", vec![format!("*{prev}"); 9].join(", ")));
    }
    fs::write(tmp.path().join("bomb.yaml"), &bomb).unwrap();
    fs::write(tmp.path().join("bomb-config.yaml"), bomb.replace("Resources:", "stack_set_name: x\nz:")).unwrap();
    fs::write(tmp.path().join("deep-config.yaml"), format!("network:\n  subnet_cidrs:\n    {}x\n", "- ".repeat(7000)))
        .unwrap();
    for (args, expected) in [
        (vec!["validate", "deep.yaml"], "deep.yaml:6:"),
        (vec!["fmt", "--check", "deep.yaml"], "nested more than 100 levels"),
        (vec!["diff", "deep.yaml", "deep.yaml"], "nested more than 100 levels"),
        (vec!["validate", "bomb.yaml"], "alias bomb"),
        (vec!["synth", "--check", "--config", "bomb-config.yaml"], "alias bomb"),
        (vec!["synth", "--check", "--config", "deep-config.yaml"], "deep-config.yaml:3:"),
    ] {
        let o = run(&args, tmp.path());
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(expected), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn nul_and_escape_characters_are_rejected_with_their_place() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "Resources:\n  A:\n    Type: AWS::SNS::Topic\n\0\n  B:\n    Type: AWS::Not::AType\n";
    fs::write(tmp.path().join("nul.yaml"), text).unwrap();
    let o = run(&["validate", "nul.yaml"], tmp.path());
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("nul.yaml:4:1") && stderr(&o).contains("NUL"), "{}", stderr(&o));
    // fmt writes nothing cut short.
    let o = run(&["fmt", "nul.yaml", "--out", "formatted"], tmp.path());
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(!tmp.path().join("formatted").exists());
    fs::write(tmp.path().join("esc.yaml"), "Resources:\n  A\u{1b}[2J:\n    Type: AWS::SNS::Topic\n").unwrap();
    let o = run(&["fmt", "--check", "esc.yaml"], tmp.path());
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("esc.yaml:2:4") && stderr(&o).contains("ESC"), "{}", stderr(&o));
    // In a configuration value, too (it used to become its prefix).
    fs::write(tmp.path().join("c.yaml"), "stack_set_name: Team\0Evil\n").unwrap();
    let o = run(&["synth", "--check", "--config", "c.yaml"], tmp.path());
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("c.yaml:1:21"), "{}", stderr(&o));
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "\u{feff}Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n";
    fs::write(tmp.path().join("bom.yaml"), text).unwrap();
    let o = run(&["validate", "bom.yaml"], tmp.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    fs::write(tmp.path().join("bom.json"), "\u{feff}{\"Resources\": {\"T\": {\"Type\": \"AWS::SNS::Topic\"}}}")
        .unwrap();
    let o = run(&["diff", "bom.yaml", "bom.json"], tmp.path());
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    fs::write(tmp.path().join("c.yaml"), "\u{feff}stack_set_name: Team\n").unwrap();
    let o = run(&["synth", "--config", "c.yaml", "--out", "out"], tmp.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn every_bad_path_is_reported_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    for d in ["empty1", "empty2"] {
        fs::create_dir_all(tmp.path().join(d)).unwrap();
    }
    fs::write(tmp.path().join("bad.yaml"), "Resources: [\n").unwrap();
    for verb in ["validate", "fmt"] {
        let o = run(&[verb, "empty1", "empty2", "bad.yaml", "missing.yaml"], tmp.path());
        assert_eq!(code(&o), 2, "{verb}: {}", stderr(&o));
        for name in ["empty1", "empty2", "bad.yaml", "missing.yaml"] {
            assert!(stderr(&o).contains(name), "{verb} does not name {name}: {}", stderr(&o));
        }
    }
}

#[test]
fn non_ascii_text_before_a_tag_in_a_tag_keeps_the_location() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "Description: Überblick – 😀\nResources:\n  A:\n    Type: AWS::EC2::Instance\n    Properties:\n      UserData: !Base64 !Sub x\n";
    fs::write(tmp.path().join("t.yaml"), text).unwrap();
    let o = run(&["validate", "t.yaml"], tmp.path());
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("t.yaml:6:") && stderr(&o).contains("write the outer function in long form"),
        "{}",
        stderr(&o)
    );
}

/// A flag that would do nothing in a combination is refused, not ignored.
#[test]
fn flags_that_would_do_nothing_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("t.yaml"), "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n").unwrap();
    for (args, says) in [
        (vec!["fmt", "--drop-comments", "--check", "t.yaml"], "--drop-comments"),
        (vec!["fmt", "--drop-comments", "--out", "o", "t.yaml"], "--drop-comments"),
        (vec!["synth", "--check", "--no-validate"], "--no-validate"),
        (vec!["validate", "--list-rules", "t.yaml"], "--list-rules"),
        (vec!["validate", "--list-rules", "--format", "json"], "--list-rules"),
        (vec!["validate", "--list-rules", "--config", "c.yaml"], "--list-rules"),
        (vec!["diff", "--format", "json", "--color", "never", "t.yaml", "t.yaml"], "--color"),
    ] {
        let o = run(&args, tmp.path());
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
    assert!(!tmp.path().join("o").exists());
    assert_eq!(code(&run(&["diff", "--color", "never", "t.yaml", "t.yaml"], tmp.path())), 0);
}
