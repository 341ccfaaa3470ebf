//! `sds review`: the review a change to the templates needs. Compares two sets of templates (two
//! directories, a git revision with the working tree, or a deployed stack with what `sds synth`
//! would deploy) as one app and reports: a summary with a risk verdict, replacements (and stateful
//! resources at stake), IAM statements added and removed, network changes, the interface
//! (parameters, outputs, exports still imported), validation findings introduced and fixed, and
//! the property-level details of `sds diff`.
//!
//! The analysis (`resources`, `access`, `network`, `interface`, `findings`) depends on the model
//! and the validator only; `render` turns the result into text through the minijinja templates
//! of `templates/`; `command` is the CLI glue; `stack` reads a deployed stack (the only network).

pub mod access;
pub mod command;
pub mod findings;
pub mod interface;
pub mod network;
pub mod render;
pub mod resources;
pub mod sets;
#[cfg(feature = "publish")]
pub mod stack;

use sds_constructs::cfn::yaml::inline;
use sds_constructs::cfn::{diff_templates, ChangeKind, EntryDiff, Template, Value};
use sds_constructs::config::Suppression;
use serde_json::{json, Value as J};

use resources::Action;
use sets::Set;

/// What `--fail-on` can gate on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Replacement,
    Access,
    Removal,
    Findings,
}

/// A deployed parameter value that differs from ours.
#[derive(Debug, Clone)]
pub struct ParameterDrift {
    pub stack: String,
    pub template: String,
    pub name: String,
    pub deployed: String,
    pub ours: String,
}

/// The outcome of a review.
pub struct Review {
    /// (name, depth, parent, status, number of differences).
    pub templates: Vec<(String, usize, Option<String>, &'static str, usize)>,
    pub details: Vec<(String, Vec<EntryDiff>)>,
    pub resources: Vec<resources::ResourceChange>,
    pub access: Vec<access::AccessChange>,
    pub network: Vec<network::NetworkChange>,
    pub interface: Vec<interface::InterfaceChange>,
    pub introduced: Vec<crate::validate::Finding>,
    pub fixed: Vec<crate::validate::Finding>,
    pub drift: Vec<ParameterDrift>,
    /// What the reader should know about the comparison itself (what it could not see).
    pub notes: Vec<String>,
    /// The labels of the two sides (`origin/main`, `working tree`).
    pub old_label: String,
    pub new_label: String,
}

/// Whether a finding is an access invariant's (or an `access.deny` assertion's): the review
/// shows those in its access section too.
fn is_access(f: &crate::validate::Finding) -> bool {
    f.rule.starts_with("access/")
}

/// Compares `old` with `new` as one app; `access` is what the configuration says to the access
/// analysis (its `access.deny` assertions, its teams), checked on both sides with the findings,
/// whose severities are `profile`'s (the configuration's `validation.severity`).
pub fn review(
    old: &Set,
    new: &Set,
    suppressions: &[Suppression],
    access: &sds_constructs::access::AccessConfig,
    profile: &[(&'static str, crate::validate::Severity)],
    labels: (&str, &str),
) -> Review {
    let tree = sets::tree(old, new);
    let order: Vec<String> = tree.iter().map(|(n, _, _)| n.clone()).collect();
    let empty = Template::default();
    let mut templates = Vec::new();
    let mut details = Vec::new();
    let mut diffs = std::collections::BTreeMap::new();
    for (name, depth, parent) in tree {
        let (a, b) = (old.get(&name), new.get(&name));
        let entries = diff_templates(a.map_or(&empty, |e| &e.template), b.map_or(&empty, |e| &e.template));
        let status = match (a, b) {
            (None, _) => "added",
            (_, None) => "removed",
            _ if entries.is_empty() => "equal",
            _ => "changed",
        };
        let n = entries.iter().map(|e| e.changes.len()).sum();
        templates.push((name.clone(), depth, parent, status, n));
        if !entries.is_empty() {
            diffs.insert(name.clone(), entries.clone());
            details.push((name, entries));
        }
    }
    let (introduced, fixed) = findings::delta(old, new, suppressions, access, profile);
    Review {
        templates,
        details,
        resources: resources::analyse(old, new, &order, &diffs),
        access: access::analyse(old, new, &order),
        network: network::analyse(old, new, &order),
        interface: interface::analyse(old, new, &order),
        introduced,
        fixed,
        drift: Vec::new(),
        notes: Vec::new(),
        old_label: labels.0.to_string(),
        new_label: labels.1.to_string(),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Values in the report are cut to this many characters: a changed policy document or Lambda
/// source can be many kilobytes, and the details keep their paths.
const MAX_VALUE: usize = 300;

fn shown(v: &Option<Value>) -> Option<String> {
    v.as_ref().map(|v| {
        let s = inline(v);
        if s.chars().count() > MAX_VALUE {
            let cut: String = s.chars().take(MAX_VALUE).collect();
            format!("{cut}… ({} characters)", s.chars().count())
        } else {
            s
        }
    })
}

impl Review {
    pub fn changed(&self) -> bool {
        self.templates.iter().any(|t| t.3 != "equal")
    }

    fn count(&self, actions: &[Action]) -> usize {
        self.resources.iter().filter(|r| actions.contains(&r.action)).count()
    }

    fn replacements(&self) -> impl Iterator<Item = &resources::ResourceChange> {
        self.resources.iter().filter(|r| {
            matches!(r.action, Action::Replaced | Action::Renamed | Action::MayBeReplaced) || r.loses_state()
        })
    }

    fn widenings(&self) -> usize {
        self.access.iter().filter(|a| !a.widening.is_empty()).count()
    }

    fn broken_imports(&self) -> usize {
        self.interface.iter().filter(|i| !i.imported_by.is_empty()).count()
    }

    fn new_errors(&self) -> usize {
        self.introduced.iter().filter(|f| f.severity == crate::validate::Severity::Error).count()
    }

    /// The risks, most serious first; empty when there is nothing a reviewer must look at twice.
    pub fn risks(&self) -> Vec<String> {
        let mut risks = Vec::new();
        let stateful = |a: &[Action]| self.resources.iter().filter(|r| r.stateful && a.contains(&r.action)).count();
        let (sr, sm, sd) = (
            stateful(&[Action::Replaced, Action::Renamed]),
            stateful(&[Action::MayBeReplaced]),
            stateful(&[Action::Removed]),
        );
        if self.broken_imports() > 0 {
            risks.push(plural(
                self.broken_imports(),
                "removed export still imported",
                "removed exports still imported",
            ));
        }
        if sr > 0 {
            risks.push(plural(sr, "replacement of a stateful resource", "replacements of stateful resources"));
        }
        if sm > 0 {
            risks.push(plural(
                sm,
                "possible replacement of a stateful resource",
                "possible replacements of stateful resources",
            ));
        }
        if sd > 0 {
            risks.push(plural(sd, "removal of a stateful resource", "removals of stateful resources"));
        }
        let other = self.count(&[Action::Replaced, Action::Renamed, Action::MayBeReplaced]) - sr - sm;
        if other > 0 {
            risks.push(plural(other, "other replacement", "other replacements"));
        }
        if self.widenings() > 0 {
            risks.push(plural(self.widenings(), "IAM widening", "IAM widenings"));
        }
        let opened = self.network.iter().filter(|n| n.change != "removed").count();
        if opened > 0 {
            risks.push(plural(opened, "network change", "network changes"));
        }
        if self.new_errors() > 0 {
            risks.push(plural(self.new_errors(), "new validation error", "new validation errors"));
        }
        risks
    }

    /// The one-line verdict.
    pub fn verdict(&self) -> String {
        if !self.changed() {
            return "no changes".to_string();
        }
        let risks = self.risks();
        if risks.is_empty() {
            "no replacements, removals of stateful resources, IAM widenings or new errors".to_string()
        } else {
            risks.join(", ")
        }
    }

    /// Whether a `--fail-on` gate is hit.
    pub fn hits(&self, gate: Gate) -> bool {
        match gate {
            Gate::Replacement => self.count(&[Action::Replaced, Action::Renamed, Action::MayBeReplaced]) > 0,
            Gate::Access => self.widenings() > 0,
            Gate::Removal => {
                self.count(&[Action::Removed]) > 0
                    || self.templates.iter().any(|t| t.3 == "removed")
                    || self.interface.iter().any(|i| i.kind == "export" && i.change != "added")
            }
            Gate::Findings => self.new_errors() > 0 || self.broken_imports() > 0,
        }
    }

    /// The report as one JSON document: what `--format json` prints and what the templates render.
    pub fn to_json(&self) -> J {
        let depth_of = |t: &str| self.templates.iter().find(|x| x.0 == t).map_or(0, |x| x.1);
        let resource = |r: &resources::ResourceChange| {
            json!({
                "template": r.template, "id": r.id, "type": r.type_, "action": r.action.as_str(),
                "reason": r.reason, "stateful": r.stateful, "loses_state": r.loses_state(),
                "deletion_policy": r.deletion_policy, "update_replace_policy": r.update_replace_policy,
            })
        };
        let finding = |f: &crate::validate::Finding| {
            json!({ "rule": f.rule, "severity": f.severity.as_str(), "template": f.template,
                    "logical_id": f.logical_id(), "pointer": f.pointer, "message": f.message })
        };
        let changed_templates = self.templates.iter().filter(|t| t.3 != "equal").count();
        json!({
            "old": self.old_label,
            "new": self.new_label,
            "changed": self.changed(),
            "summary": {
                "verdict": self.verdict(),
                "risks": self.risks(),
                "templates_compared": self.templates.len(),
                "templates_changed": changed_templates,
                "added": self.count(&[Action::Added]),
                "modified": self.count(&[Action::Modified]),
                "removed": self.count(&[Action::Removed]),
                "replaced": self.count(&[Action::Replaced, Action::Renamed]),
                "may_be_replaced": self.count(&[Action::MayBeReplaced]),
                "iam_widenings": self.widenings(),
                "findings_introduced": self.introduced.len(),
                "findings_fixed": self.fixed.len(),
            },
            "templates": self.templates.iter().map(|(n, d, p, s, c)| json!({
                "name": n, "depth": d, "parent": p, "status": s, "differences": c,
            })).collect::<Vec<_>>(),
            "resources": self.resources.iter().map(resource).collect::<Vec<_>>(),
            "replacements": self.replacements().map(resource).collect::<Vec<_>>(),
            "access": self.access.iter().map(|a| json!({
                "template": a.template, "holder": a.holder, "holder_type": a.holder_type, "policy": a.policy,
                "attached_to": a.attached_to, "applies_to": a.applies_to,
                "change": if a.added { "added" } else { "removed" },
                "effect": a.statement.effect, "principals": a.statement.principals,
                "actions": a.statement.actions, "resources": a.statement.resources,
                "conditions": a.statement.conditions, "widening": a.widening,
            })).collect::<Vec<_>>(),
            "network": self.network.iter().map(|n| json!({
                "template": n.template, "id": n.id, "type": n.type_, "change": n.change, "detail": n.detail,
            })).collect::<Vec<_>>(),
            "interface": self.interface.iter().map(|i| json!({
                "template": i.template, "kind": i.kind, "name": i.name, "change": i.change,
                "detail": i.detail, "imported_by": i.imported_by,
                "severity": if i.imported_by.is_empty() { "info" } else { "error" },
            })).collect::<Vec<_>>(),
            "access_findings": {
                "introduced": self.introduced.iter().filter(|f| is_access(f)).map(finding).collect::<Vec<_>>(),
                "fixed": self.fixed.iter().filter(|f| is_access(f)).map(finding).collect::<Vec<_>>(),
            },
            "findings": {
                "introduced": self.introduced.iter().map(finding).collect::<Vec<_>>(),
                "fixed": self.fixed.iter().map(finding).collect::<Vec<_>>(),
            },
            "deployed_parameters": self.drift.iter().map(|d| json!({
                "stack": d.stack, "template": d.template, "name": d.name, "deployed": d.deployed, "ours": d.ours,
            })).collect::<Vec<_>>(),
            "notes": self.notes,
            "details": self.details.iter().map(|(name, entries)| json!({
                "template": name,
                "depth": depth_of(name),
                "differences": entries.iter().map(|e| e.changes.len()).sum::<usize>(),
                "entries": entries.iter().map(|e| json!({
                    "section": e.section,
                    "id": e.id,
                    "kind": e.kind.as_str(),
                    "type": entry_type(e),
                    "changes": e.changes.iter().map(|c| json!({
                        "path": c.path, "kind": c.kind.as_str(), "old": shown(&c.old), "new": shown(&c.new),
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }
}

/// The type of an added or removed resource.
fn entry_type(e: &EntryDiff) -> Option<String> {
    if e.section != "Resources" || e.kind == ChangeKind::Changed {
        return None;
    }
    let c = e.changes.first()?;
    let v = c.new.as_ref().or(c.old.as_ref())?;
    v.as_map()?.get("Type").and_then(Value::as_str).map(str::to_string)
}
