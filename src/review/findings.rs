//! The validation findings a change introduces and fixes: `sds validate` run on both sides (each
//! as one app, with the configuration's suppressions and severities, and the platform's controls
//! and provisional findings as warnings on templates `sds synth` did not write, as `sds validate`
//! of files does), compared by rule, template, place and message.
//!
//! Depends on `validate` only.

use std::collections::BTreeSet;

use sds_constructs::config::Suppression;

use super::sets::Set;
use crate::validate::{self, Finding, Input, Severity};

fn inputs(set: &Set) -> Vec<Input> {
    set.iter()
        .map(|(name, e)| Input {
            name: name.clone(),
            template: std::sync::Arc::clone(&e.template),
            source_map: None,
            body_len: e.body_len,
            display: name.clone(),
        })
        .collect()
}

type Key = (String, String, &'static str, String);

fn key(f: &Finding) -> Key {
    (f.template.clone(), f.pointer.clone(), f.rule, f.message.clone())
}

/// The templates of `set` that `sds synth` did not write.
fn foreign(set: &Set) -> BTreeSet<String> {
    set.iter().filter(|(_, e)| !crate::synth::written_by_synth(&e.text)).map(|(n, _)| n.clone()).collect()
}

/// (introduced, fixed), with the access invariants and assertions as `access` says and the
/// severities of `profile` (the configuration's `validation.severity`).
pub fn delta(
    old: &Set,
    new: &Set,
    suppressions: &[Suppression],
    access: &sds_constructs::access::AccessConfig,
    profile: &[(&'static str, Severity)],
) -> (Vec<Finding>, Vec<Finding>) {
    // Both sides at once, on the machine's cores; a check whose templates have the same text on
    // both sides runs once.
    let unchanged = |name: &str| matches!((old.get(name), new.get(name)), (Some(x), Some(y)) if x.text == y.text);
    let (mut a, mut b) = validate::validate_pair(&inputs(old), &inputs(new), suppressions, access, &unchanged);
    validate::apply_severities(&mut a, profile, &foreign(old));
    validate::apply_severities(&mut b, profile, &foreign(new));
    let ka: BTreeSet<Key> = a.findings.iter().map(key).collect();
    let kb: BTreeSet<Key> = b.findings.iter().map(key).collect();
    let introduced = b.findings.iter().filter(|f| !ka.contains(&key(f))).cloned().collect();
    let fixed = a.findings.iter().filter(|f| !kb.contains(&key(f))).cloned().collect();
    (introduced, fixed)
}
