//! The assets' own Python unit tests (detective control handler, starter repository helper),
//! run with the project's tests.

use std::process::Command;

use crate::support::{root, stderr};

fn unittest(dir: &str) {
    let o = Command::new("python3")
        .args(["-m", "unittest", "discover", "-v", "-s"])
        .arg(root().join(dir))
        .output()
        .expect("python3 runs");
    let log = stderr(&o);
    assert!(o.status.success(), "{dir}: {log}");
    assert!(log.contains("\nOK"), "{dir}: no tests ran: {log}");
    let ran = log.lines().find(|l| l.starts_with("Ran ")).unwrap_or_default().to_string();
    assert!(!ran.starts_with("Ran 0 "), "{dir}: {ran}");
}

#[test]
fn detective_control_handler() {
    unittest("constructs/assets/vpc_detective_control");
}

#[test]
fn project_template_helper() {
    unittest("constructs/assets/project_template");
}
