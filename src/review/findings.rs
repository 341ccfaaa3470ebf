//! The validation findings a change introduces and fixes: `sds validate` run on both sides (each
//! as one app, with the configuration's suppressions), compared by rule, template, place and
//! message.
//!
//! Depends on `validate` only.

use std::collections::BTreeSet;

use sds_constructs::config::Suppression;

use super::sets::Set;
use crate::validate::{self, Finding, Input};

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

/// (introduced, fixed), with the access invariants and assertions as `access` says.
pub fn delta(
    old: &Set,
    new: &Set,
    suppressions: &[Suppression],
    access: &sds_constructs::access::AccessConfig,
) -> (Vec<Finding>, Vec<Finding>) {
    // Both sides at once, on the machine's cores; a check whose templates have the same text on
    // both sides runs once.
    let unchanged = |name: &str| matches!((old.get(name), new.get(name)), (Some(x), Some(y)) if x.text == y.text);
    let (a, b) = validate::validate_pair(&inputs(old), &inputs(new), suppressions, access, &unchanged);
    let ka: BTreeSet<Key> = a.findings.iter().map(key).collect();
    let kb: BTreeSet<Key> = b.findings.iter().map(key).collect();
    let introduced = b.findings.iter().filter(|f| !ka.contains(&key(f))).cloned().collect();
    let fixed = a.findings.iter().filter(|f| !kb.contains(&key(f))).cloned().collect();
    (introduced, fixed)
}
