//! Resource changes and what CloudFormation will do with them: add, modify in place, remove, or
//! replace. A changed `createOnlyProperties` member (from the vendored registry schemas) or a
//! changed type is a replacement; a logical id renamed with the same type and properties is one
//! too (CloudFormation creates the new id and deletes the old); a create-only property that is
//! written the same but refers to something whose value changes (a replaced resource, a parameter
//! whose default or passed value changed, through nested stacks; an `Fn::ImportValue` of an export
//! whose value changes) may be replaced: its value is only known at deploy time.
//!
//! Depends on the model and on the vendored schemas (through `validate::schema_source`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sds_constructs::cfn::{semantic_eq, ChangeKind, EntryDiff, Intrinsic, Map, Resource, Template, Value};

use super::sets::Set;

/// Types whose replacement or removal loses data or users.
pub const STATEFUL: &[&str] = &[
    "AWS::S3::Bucket",
    "AWS::KMS::Key",
    "AWS::SageMaker::Domain",
    "AWS::SageMaker::UserProfile",
    "AWS::SageMaker::Space",
    "AWS::ECR::Repository",
    "AWS::CodeCommit::Repository",
    "AWS::CodeArtifact::Domain",
    "AWS::CodeArtifact::Repository",
    "AWS::Logs::LogGroup",
    "AWS::DynamoDB::Table",
    "AWS::RDS::DBInstance",
    "AWS::RDS::DBCluster",
    "AWS::EFS::FileSystem",
    "AWS::SQS::Queue",
    "AWS::SecretsManager::Secret",
    "AWS::EC2::Volume",
];

/// What happens to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    Added,
    Modified,
    Removed,
    Replaced,
    /// Removed under one logical id and added under another with the same type and properties.
    Renamed,
    /// Not written differently (or changed in place) but a create-only property's value is
    /// only known at deploy time and depends on something that changes.
    MayBeReplaced,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Added => "added",
            Action::Modified => "modified",
            Action::Removed => "removed",
            Action::Replaced => "replaced",
            Action::Renamed => "replaced (renamed)",
            Action::MayBeReplaced => "may be replaced",
        }
    }
}

/// One resource that changes.
#[derive(Debug, Clone)]
pub struct ResourceChange {
    pub template: String,
    pub id: String,
    pub type_: String,
    pub action: Action,
    /// Why: the create-only properties that changed, the old logical id, what the value depends on.
    pub reason: String,
    pub stateful: bool,
    /// `DeletionPolicy` and `UpdateReplacePolicy` as written (of the old resource), or `None`.
    pub deletion_policy: Option<String>,
    pub update_replace_policy: Option<String>,
}

impl ResourceChange {
    /// A stateful resource that is replaced or removed: data or users are at stake.
    pub fn loses_state(&self) -> bool {
        self.stateful && self.action != Action::Added && self.action != Action::Modified
    }
}

/// `createOnlyProperties` of each type, parsed on first use.
#[derive(Default)]
pub struct CreateOnly {
    cache: HashMap<String, Vec<Vec<String>>>,
}

impl CreateOnly {
    /// The create-only property pointers of `type_`, split into segments after `properties`.
    fn of(&mut self, type_: &str) -> &[Vec<String>] {
        self.cache.entry(type_.to_string()).or_insert_with(|| {
            let Some(text) = crate::validate::schema_source(type_) else { return Vec::new() };
            // Only this list is needed, and whole schemas take milliseconds to parse: the pruned
            // schemas hold the key once, at the top level (scripts/refresh-schemas keeps it there only).
            const KEY: &str = "\"createOnlyProperties\":";
            let Some(start) = text.find(KEY).map(|i| i + KEY.len()) else { return Vec::new() };
            let Some(len) = text[start..].find(']').map(|i| i + 1) else { return Vec::new() };
            let Ok(list) = serde_json::from_str::<Vec<String>>(&text[start..start + len]) else { return Vec::new() };
            list.iter()
                .map(|p| p.split('/').skip(2).filter(|s| *s != "properties").map(str::to_string).collect())
                .collect()
        })
    }

    /// Whether a change at `path` (segments inside `Properties`) touches a create-only property:
    /// it is one, lies inside one, or holds one. `*` in a pointer matches any list index.
    fn touches(&mut self, type_: &str, path: &[&str]) -> Option<String> {
        for pointer in self.of(type_) {
            let n = pointer.len().min(path.len());
            if pointer[..n].iter().zip(&path[..n]).all(|(p, s)| p == "*" || p == s) {
                return Some(pointer.join("."));
            }
        }
        None
    }
}

/// The names a value refers to: `Ref`, `Fn::GetAtt`, `Fn::Sub` variables.
pub fn references(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::List(l) => l.iter().for_each(|x| references(x, out)),
        Value::Map(m) => m.values().for_each(|x| references(x, out)),
        Value::Fn(f) => {
            match f.as_ref() {
                Intrinsic::Ref(name) => {
                    out.insert(name.clone());
                }
                Intrinsic::GetAtt { resource, .. } => {
                    out.insert(resource.clone());
                }
                Intrinsic::Sub { template, variables } => {
                    let locals: BTreeSet<&String> = variables.iter().flat_map(|m| m.keys()).collect();
                    for var in sub_variables(template) {
                        let base = var.split('.').next().unwrap_or(var).to_string();
                        if !locals.contains(&base) {
                            out.insert(base);
                        }
                    }
                }
                _ => {}
            }
            references(&f.argument(), out);
        }
        _ => {}
    }
}

/// The `${X}` variables of a `Fn::Sub` string (not the `${!Literal}` escapes).
fn sub_variables(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let var = &after[..end];
        if !var.starts_with('!') && !var.is_empty() {
            out.push(var);
        }
        rest = &after[end + 1..];
    }
    out
}

fn same_properties(a: &Map, b: &Map) -> bool {
    a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| semantic_eq(v, w)))
}

fn policy(r: &Resource, name: &str) -> Option<String> {
    r.attributes.get(name).map(sds_constructs::cfn::yaml::inline)
}

fn change(template: &str, id: &str, r: &Resource, action: Action, reason: String) -> ResourceChange {
    ResourceChange {
        template: template.to_string(),
        id: id.to_string(),
        type_: r.type_.clone(),
        action,
        reason,
        stateful: STATEFUL.contains(&r.type_.as_str()),
        deletion_policy: policy(r, "DeletionPolicy"),
        update_replace_policy: policy(r, "UpdateReplacePolicy"),
    }
}

/// Every resource change of the app, templates in `order`, resources in template order, from
/// each template's differences (`diffs`, by template name; none for an equal template).
pub fn analyse(
    old: &Set,
    new: &Set,
    order: &[String],
    diffs: &BTreeMap<String, Vec<EntryDiff>>,
) -> Vec<ResourceChange> {
    let mut create_only = CreateOnly::default();
    let empty = Template::default();
    // (template, id) → change, for resources that change syntactically.
    let mut changes: BTreeMap<(String, String), ResourceChange> = BTreeMap::new();
    for name in order {
        let a = old.get(name).map_or(&empty, |e| &e.template);
        let b = new.get(name).map_or(&empty, |e| &e.template);
        let entries: Vec<&EntryDiff> =
            diffs.get(name).into_iter().flatten().filter(|e| e.section == "Resources").collect();
        let removed: Vec<&String> =
            entries.iter().filter(|e| e.kind == ChangeKind::Removed).filter_map(|e| e.id.as_ref()).collect();
        let mut added: Vec<&String> =
            entries.iter().filter(|e| e.kind == ChangeKind::Added).filter_map(|e| e.id.as_ref()).collect();
        for id in removed {
            let r = &a.resources[id.as_str()];
            let twin = added.iter().position(|n| {
                let s = &b.resources[n.as_str()];
                s.type_ == r.type_ && same_properties(&s.properties, &r.properties)
            });
            match twin {
                Some(i) => {
                    let new_id = added.remove(i);
                    let reason = format!("logical id {id} → {new_id}");
                    changes.insert((name.clone(), new_id.clone()), change(name, new_id, r, Action::Renamed, reason));
                }
                None => {
                    changes.insert((name.clone(), id.clone()), change(name, id, r, Action::Removed, String::new()));
                }
            }
        }
        for id in added {
            let r = &b.resources[id.as_str()];
            changes.insert((name.clone(), id.clone()), change(name, id, r, Action::Added, String::new()));
        }
        for e in entries.iter().filter(|e| e.kind == ChangeKind::Changed) {
            let Some(id) = &e.id else { continue };
            let (ra, rb) = (&a.resources[id.as_str()], &b.resources[id.as_str()]);
            let mut touched = BTreeSet::new();
            if ra.type_ != rb.type_ {
                touched.insert(format!("Type {} → {}", ra.type_, rb.type_));
            }
            for c in &e.changes {
                let segments: Vec<&str> = c.path.split('/').skip(2).collect();
                if segments.first() == Some(&"Properties") {
                    if let Some(p) = create_only.touches(&rb.type_, &segments[1..]) {
                        touched.insert(p);
                    }
                }
            }
            let (action, reason) = if touched.is_empty() {
                (Action::Modified, String::new())
            } else {
                let list: Vec<String> = touched.into_iter().collect();
                (Action::Replaced, format!("create-only {} changed", list.join(", ")))
            };
            changes.insert((name.clone(), id.clone()), change(name, id, ra, action, reason));
        }
    }
    propagate(old, new, order, &mut changes, &mut create_only);
    let position = |t: &str| order.iter().position(|n| n == t).unwrap_or(usize::MAX);
    let index = |t: &str, id: &str| {
        new.get(t)
            .and_then(|e| e.template.resources.get_index_of(id))
            .or_else(|| old.get(t).and_then(|e| e.template.resources.get_index_of(id)))
            .unwrap_or(usize::MAX)
    };
    let mut list: Vec<ResourceChange> = changes.into_values().collect();
    list.sort_by_key(|c| (position(&c.template), index(&c.template, &c.id), c.id.clone()));
    list
}

/// Marks "may be replaced" what depends, through a create-only property, on something replaced
/// or on a parameter whose value changes, until nothing more changes (across nested stacks).
fn propagate(
    old: &Set,
    new: &Set,
    order: &[String],
    changes: &mut BTreeMap<(String, String), ResourceChange>,
    create_only: &mut CreateOnly,
) {
    // (template, parameter) whose value changes → (why, whether the new value is known before
    // deploy: a changed default or literal, rather than the result of an intrinsic).
    let mut params: BTreeMap<(String, String), (String, bool)> = BTreeMap::new();
    for name in order {
        let (Some(a), Some(b)) = (old.get(name), new.get(name)) else { continue };
        for (p, def) in &b.template.parameters {
            let old_default = a.template.parameters.get(p).and_then(|q| q.attributes.get("Default"));
            let new_default = def.attributes.get("Default");
            let differs = match (old_default, new_default) {
                (Some(x), Some(y)) => !semantic_eq(x, y),
                (None, None) => false,
                _ => true,
            };
            if differs && a.template.parameters.contains_key(p) {
                let show =
                    |v: Option<&Value>| v.map(sds_constructs::cfn::yaml::inline).unwrap_or_else(|| "(none)".into());
                let why = format!("its default changed {} → {}", show(old_default), show(new_default));
                params.insert((name.clone(), p.clone()), (why, true));
            }
        }
    }
    for _round in 0..16 {
        let mut changed = false;
        let exports = changing_exports(old, new, order, changes);
        for name in order {
            let (Some(a), Some(b)) = (old.get(name), new.get(name)) else { continue };
            let t = &b.template;
            // Values passed to nested stacks that change: the child's parameter changes.
            let nested = super::sets::children(t);
            for (id, r) in t.resources.iter().filter(|(_, r)| r.type_ == "AWS::CloudFormation::Stack") {
                let Some(child) = nested.iter().find(|(i, _)| i == id).map(|(_, c)| c.clone()) else {
                    continue;
                };
                let passed = r.properties.get("Parameters").and_then(Value::as_map);
                let old_passed = a.template.resources.get(id).and_then(|r| r.properties.get("Parameters"));
                for (p, v) in passed.into_iter().flatten() {
                    let key = (child.clone(), p.clone());
                    if params.contains_key(&key) {
                        continue;
                    }
                    let was = old_passed.and_then(Value::as_map).and_then(|m| m.get(p));
                    let why = if was.is_some_and(|w| !semantic_eq(w, v)) {
                        Some((format!("{name} passes a new value"), v.is_scalar()))
                    } else {
                        let mut refs = BTreeSet::new();
                        references(v, &mut refs);
                        refs.iter().find_map(|x| {
                            if let Some((why, known)) = params.get(&(name.clone(), x.to_string())) {
                                let direct = matches!(v, Value::Fn(f) if matches!(f.as_ref(), Intrinsic::Ref(_)));
                                Some((format!("{name} passes parameter {x}, {why}"), *known && direct))
                            } else if replaced(changes, name, x) {
                                Some((format!("{name} passes a value from {x}, which is replaced or new"), false))
                            } else {
                                None
                            }
                        })
                    };
                    if let Some(why) = why {
                        params.insert(key, why);
                        changed = true;
                    }
                }
            }
            for (id, r) in &t.resources {
                let key = (name.clone(), id.clone());
                if changes.get(&key).is_some_and(|c| c.action != Action::Modified) {
                    continue;
                }
                let Some(before) = a.template.resources.get(id) else { continue };
                let pointers: Vec<Vec<String>> = create_only.of(&r.type_).to_vec();
                let mut cause: Option<(String, bool)> = None;
                for pointer in &pointers {
                    let Some(first) = pointer.first() else { continue };
                    let Some(v) = r.properties.get(first) else { continue };
                    let mut refs = BTreeSet::new();
                    references(v, &mut refs);
                    for x in &refs {
                        if replaced(changes, name, x) && x != id {
                            cause = Some((format!("{first} refers to {x}, which is replaced or new"), false));
                        } else if let Some((why, known)) = params.get(&(name.clone(), x.clone())) {
                            let direct = matches!(v, Value::Fn(f) if matches!(f.as_ref(), Intrinsic::Ref(_)));
                            cause = Some((format!("{first} is parameter {x}: {why}"), *known && direct));
                        }
                        if cause.is_some() {
                            break;
                        }
                    }
                    if cause.is_none() {
                        let mut names = Vec::new();
                        imports(v, &mut names);
                        cause = names.iter().find_map(|imported| {
                            let (_, why) = exports.iter().find(|(e, _)| super::interface::may_match(e, imported))?;
                            Some((format!("{first} imports {imported}: {why}"), false))
                        });
                    }
                    if cause.is_some() {
                        break;
                    }
                }
                if let Some((reason, known)) = cause {
                    let action = if known { Action::Replaced } else { Action::MayBeReplaced };
                    changes.insert(key, change(name, id, before, action, reason));
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
}

/// The names (as patterns, see `interface::pattern`) of every `Fn::ImportValue` in `v`.
fn imports(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::List(l) => l.iter().for_each(|x| imports(x, out)),
        Value::Map(m) => m.values().for_each(|x| imports(x, out)),
        Value::Fn(f) => {
            if let Intrinsic::ImportValue(name) = f.as_ref() {
                out.push(super::interface::pattern(name));
            }
            imports(&f.argument(), out);
        }
        _ => {}
    }
}

/// Exports of templates on both sides whose value changes: written differently, or referring to
/// something replaced or new. (pattern of the export name, why.)
/// See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-exports.html>
fn changing_exports(
    old: &Set,
    new: &Set,
    order: &[String],
    changes: &BTreeMap<(String, String), ResourceChange>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for name in order {
        let (Some(a), Some(b)) = (old.get(name), new.get(name)) else { continue };
        for (id, o) in &b.template.outputs {
            let Some(export) = &o.export_name else { continue };
            let export = super::interface::pattern(export);
            let before = a.template.outputs.get(id).map(|p| &p.value);
            let why = if before.is_some_and(|p| !semantic_eq(p, &o.value)) {
                Some(format!("the export's value in {name} ({id}) changes (CloudFormation refuses to change an export another stack imports)"))
            } else {
                let mut refs = BTreeSet::new();
                references(&o.value, &mut refs);
                refs.iter()
                    .find(|x| replaced(changes, name, x))
                    .map(|x| format!("the export's value in {name} ({id}) comes from {x}, which is replaced or new"))
            };
            if let Some(why) = why {
                out.push((export, why));
            }
        }
    }
    out
}

/// Whether resource `id` of template `t` is replaced, may be, or is new: what refers to it gets
/// a new value.
fn replaced(changes: &BTreeMap<(String, String), ResourceChange>, t: &str, id: &str) -> bool {
    changes
        .get(&(t.to_string(), id.to_string()))
        .is_some_and(|c| matches!(c.action, Action::Replaced | Action::Renamed | Action::MayBeReplaced | Action::Added))
}
