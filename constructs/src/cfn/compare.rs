//! Semantic comparison, as CloudFormation reads a template: short form = long form, map key
//! order ignored, list order significant, scalars compared by their text (`true` = `"true"` =
//! `TRUE`, `443` = `"443"`), trailing whitespace at the end of a string ignored. `DependsOn: X` =
//! `DependsOn: [X]` and `!GetAtt A.B` = `Fn::GetAtt: [A, B]` hold because the model normalizes both.
//!
//! Depends only on the model.

use std::borrow::Cow;

use super::template::{pointer_segment, Template, SECTIONS};
use super::value::Value;

/// Sections whose entries are compared one by one (added, removed, changed).
pub const KEYED_SECTIONS: &[&str] =
    &["Metadata", "Parameters", "Rules", "Mappings", "Conditions", "Hooks", "Resources", "Outputs"];

/// The text CloudFormation sees in a scalar.
fn scalar_form(v: &Value) -> Option<Cow<'_, str>> {
    let s = match v {
        Value::Bool(true) => return Some(Cow::Borrowed("true")),
        Value::Bool(false) => return Some(Cow::Borrowed("false")),
        // a YAML 1.1 number is the number CloudFormation reads (`0777` is 511, `1_000` is 1000)
        Value::Number(n) => match super::number::decimal(n) {
            Some(decimal) => return Some(Cow::Owned(decimal)),
            None => n.trim_end(),
        },
        Value::String(s) => s.trim_end(),
        _ => return None,
    };
    if s.eq_ignore_ascii_case("true") {
        Some(Cow::Borrowed("true"))
    } else if s.eq_ignore_ascii_case("false") {
        Some(Cow::Borrowed("false"))
    } else {
        Some(Cow::Borrowed(s))
    }
}

/// Whether two values mean the same to CloudFormation.
pub fn semantic_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::List(x), Value::List(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| semantic_eq(a, b)),
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| semantic_eq(v, w)))
        }
        (Value::Fn(f), Value::Fn(g)) => f.name() == g.name() && semantic_eq(&f.argument(), &g.argument()),
        _ => match (scalar_form(a), scalar_form(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}

/// Whether two templates mean the same to CloudFormation.
pub fn templates_equal(a: &Template, b: &Template) -> bool {
    semantic_eq(&a.to_value(), &b.to_value())
}

/// What happened to one value or entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        }
    }
}

/// One differing value, at a path like `Resources/PrivateSubnetA/Properties/CidrBlock`.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub path: String,
    pub kind: ChangeKind,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

/// One differing entry of a section (a resource, a parameter), or a whole scalar section
/// (`Description`) when `id` is `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryDiff {
    pub section: &'static str,
    pub id: Option<String>,
    pub kind: ChangeKind,
    /// For a changed entry, each differing value inside it; for an added or removed entry, one
    /// change holding the whole entry.
    pub changes: Vec<Change>,
}

/// Every difference between two templates, in section order.
pub fn diff_templates(old: &Template, new: &Template) -> Vec<EntryDiff> {
    let (Value::Map(o), Value::Map(n)) = (old.to_value(), new.to_value()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for &section in SECTIONS {
        let (a, b) = (o.get(section), n.get(section));
        if KEYED_SECTIONS.contains(&section) {
            let empty = Default::default();
            let a = a.and_then(Value::as_map).unwrap_or(&empty);
            let b = b.and_then(Value::as_map).unwrap_or(&empty);
            for (id, av) in a {
                let path = format!("{section}/{}", pointer_segment(id));
                let (kind, changes) = match b.get(id) {
                    None => (ChangeKind::Removed, vec![whole(path, ChangeKind::Removed, Some(av), None)]),
                    Some(bv) => {
                        let mut changes = Vec::new();
                        diff_values(&path, av, bv, &mut changes);
                        (ChangeKind::Changed, changes)
                    }
                };
                if !changes.is_empty() {
                    out.push(EntryDiff { section, id: Some(id.clone()), kind, changes });
                }
            }
            for (id, bv) in b.iter().filter(|(id, _)| !a.contains_key(*id)) {
                let path = format!("{section}/{}", pointer_segment(id));
                let changes = vec![whole(path, ChangeKind::Added, None, Some(bv))];
                out.push(EntryDiff { section, id: Some(id.clone()), kind: ChangeKind::Added, changes });
            }
        } else {
            let kind = match (a, b) {
                (None, None) => continue,
                (Some(_), None) => ChangeKind::Removed,
                (None, Some(_)) => ChangeKind::Added,
                (Some(x), Some(y)) if semantic_eq(x, y) => continue,
                _ => ChangeKind::Changed,
            };
            let changes = vec![whole(section.to_string(), kind, a, b)];
            out.push(EntryDiff { section, id: None, kind, changes });
        }
    }
    out
}

fn whole(path: String, kind: ChangeKind, old: Option<&Value>, new: Option<&Value>) -> Change {
    Change { path, kind, old: old.cloned(), new: new.cloned() }
}

/// Appends the differences between `a` and `b`, found at `path`, to `out`.
pub fn diff_values(path: &str, a: &Value, b: &Value, out: &mut Vec<Change>) {
    if semantic_eq(a, b) {
        return;
    }
    match (a, b) {
        (Value::Map(x), Value::Map(y)) => {
            for (k, av) in x {
                let p = format!("{path}/{}", pointer_segment(k));
                match y.get(k) {
                    Some(bv) => diff_values(&p, av, bv, out),
                    None => out.push(whole(p, ChangeKind::Removed, Some(av), None)),
                }
            }
            for (k, bv) in y.iter().filter(|(k, _)| !x.contains_key(*k)) {
                out.push(whole(format!("{path}/{}", pointer_segment(k)), ChangeKind::Added, None, Some(bv)));
            }
        }
        // Same length: position by position (function arguments, edited entries).
        (Value::List(x), Value::List(y)) if x.len() == y.len() => {
            for (i, (a, b)) in x.iter().zip(y).enumerate() {
                diff_values(&format!("{path}/{i}"), a, b, out);
            }
        }
        (Value::List(x), Value::List(y)) => diff_lists(path, x, y, out),
        (Value::Fn(f), Value::Fn(g)) if f.name() == g.name() => {
            diff_values(&format!("{path}/{}", f.name()), &f.argument(), &g.argument(), out);
        }
        _ => out.push(whole(path.to_string(), ChangeKind::Changed, Some(a), Some(b))),
    }
}

/// The largest LCS table computed (cells): 16 MB. Two long lists that differ in the middle
/// beyond that are aligned as one gap, which is still a correct diff, only not a minimal one.
const MAX_LCS_CELLS: usize = 4_000_000;

/// One step of an alignment of two lists.
#[derive(Clone, Copy)]
enum Step {
    Same,
    Removed(usize),
    Added(usize),
}

/// Aligns `x` and `y`: the common prefix and suffix match; between them, the longest common
/// subsequence when its table is small enough, else one gap. Memory stays bounded whatever the
/// lengths.
fn align(x: &[Value], y: &[Value]) -> Vec<Step> {
    let (n, m) = (x.len(), y.len());
    let prefix = x.iter().zip(y).take_while(|(a, b)| semantic_eq(a, b)).count();
    let suffix = x[prefix..].iter().rev().zip(y[prefix..].iter().rev()).take_while(|(a, b)| semantic_eq(a, b)).count();
    let (xm, ym) = (&x[prefix..n - suffix], &y[prefix..m - suffix]);
    let mut steps = vec![Step::Same; prefix];
    if xm.len().saturating_mul(ym.len()) > MAX_LCS_CELLS {
        steps.extend((prefix..n - suffix).map(Step::Removed));
        steps.extend((prefix..m - suffix).map(Step::Added));
    } else {
        let (n, m) = (xm.len(), ym.len());
        // lcs[i * (m + 1) + j] = length of the LCS of xm[i..] and ym[j..]
        let w = m + 1;
        let mut lcs = vec![0u32; (n + 1) * w];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i * w + j] = if semantic_eq(&xm[i], &ym[j]) {
                    lcs[(i + 1) * w + j + 1] + 1
                } else {
                    lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && semantic_eq(&xm[i], &ym[j]) {
                steps.push(Step::Same);
                i += 1;
                j += 1;
            } else if j >= m || (i < n && lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
                steps.push(Step::Removed(prefix + i));
                i += 1;
            } else {
                steps.push(Step::Added(prefix + j));
                j += 1;
            }
        }
    }
    steps.extend(std::iter::repeat_n(Step::Same, suffix));
    steps
}

/// Lists of different lengths: items that match in order (longest common subsequence) are left alone. Between two
/// matches, mappings and lists are compared pairwise (so a changed policy statement shows its
/// changed field) and everything else is reported as removed (at its old index) or added (at its
/// new index).
fn diff_lists(path: &str, x: &[Value], y: &[Value], out: &mut Vec<Change>) {
    let (mut gap_x, mut gap_y) = (Vec::new(), Vec::new());
    let flush = |gx: &mut Vec<usize>, gy: &mut Vec<usize>, out: &mut Vec<Change>| {
        let composite = |v: &Value| matches!(v, Value::Map(_) | Value::List(_));
        let mut removed = Vec::new();
        let mut added = Vec::new();
        for k in 0..gx.len().max(gy.len()) {
            match (gx.get(k), gy.get(k)) {
                (Some(&a), Some(&b)) if composite(&x[a]) && composite(&y[b]) && a == b => {
                    diff_values(&format!("{path}/{b}"), &x[a], &y[b], out)
                }
                (a, b) => {
                    removed.extend(a.map(|&a| whole(format!("{path}/{a}"), ChangeKind::Removed, Some(&x[a]), None)));
                    added.extend(b.map(|&b| whole(format!("{path}/{b}"), ChangeKind::Added, None, Some(&y[b]))));
                }
            }
        }
        out.append(&mut removed);
        out.append(&mut added);
        gx.clear();
        gy.clear();
    };
    for step in align(x, y) {
        match step {
            Step::Same => flush(&mut gap_x, &mut gap_y, out),
            Step::Removed(i) => gap_x.push(i),
            Step::Added(j) => gap_y.push(j),
        }
    }
    flush(&mut gap_x, &mut gap_y, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::value::{get_att, Intrinsic, Map};

    fn n(s: &str) -> Value {
        Value::Number(s.into())
    }

    #[test]
    fn scalars_compare_by_text() {
        assert!(semantic_eq(&Value::Bool(true), &Value::str("true")));
        assert!(semantic_eq(&Value::Bool(true), &Value::str("TRUE")));
        assert!(semantic_eq(&n("443"), &Value::str("443")));
        assert!(semantic_eq(&Value::str("a \n"), &Value::str("a")));
        assert!(!semantic_eq(&Value::str(" a"), &Value::str("a")));
        assert!(!semantic_eq(&n("1.0"), &n("1")));
        assert!(!semantic_eq(&Value::Null, &Value::str("")));
        assert!(!semantic_eq(&Value::Bool(false), &Value::str("no")));
    }

    #[test]
    fn maps_ignore_order_lists_do_not() {
        let a: Map = [("a".to_string(), n("1")), ("b".to_string(), n("2"))].into_iter().collect();
        let b: Map = [("b".to_string(), n("2")), ("a".to_string(), n("1"))].into_iter().collect();
        assert!(semantic_eq(&Value::Map(a), &Value::Map(b)));
        assert!(!semantic_eq(&Value::List(vec![n("1"), n("2")]), &Value::List(vec![n("2"), n("1")])));
    }

    #[test]
    fn functions_compare_by_name_and_argument() {
        let long = Intrinsic::from_long("Fn::GetAtt", Value::List(vec![Value::str("A"), Value::str("B")])).unwrap();
        assert!(semantic_eq(&get_att("A", "B"), &long.into()));
        assert!(!semantic_eq(&get_att("A", "B"), &get_att("A", "C")));
    }

    #[test]
    fn list_changes_are_aligned() {
        let x = vec![Value::str("a"), Value::str("b"), Value::str("c")];
        let y = vec![Value::str("a"), Value::str("x"), Value::str("b"), Value::str("c")];
        let mut out = Vec::new();
        diff_values("L", &Value::List(x), &Value::List(y), &mut out);
        assert_eq!(
            out,
            vec![Change { path: "L/1".into(), kind: ChangeKind::Added, old: None, new: Some(Value::str("x")) }]
        );
    }

    #[test]
    fn long_unequal_lists_diff_in_bounded_memory() {
        // 20,000 against 19,999 items: a full table would be 400 million cells.
        let x: Vec<Value> = (0..20_000).map(|i| Value::str(format!("item{i}"))).collect();
        let mut y = x.clone();
        y.remove(12_345);
        let mut out = Vec::new();
        diff_values("L", &Value::List(x.clone()), &Value::List(y), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].path.as_str(), out[0].kind), ("L/12345", ChangeKind::Removed));
        // Entirely different long lists: one gap, every item accounted for.
        let z: Vec<Value> = (0..19_999).map(|i| Value::str(format!("other{i}"))).collect();
        let mut out = Vec::new();
        diff_values("L", &Value::List(x), &Value::List(z), &mut out);
        assert_eq!(out.iter().filter(|c| c.kind == ChangeKind::Removed).count(), 20_000);
        assert_eq!(out.iter().filter(|c| c.kind == ChangeKind::Added).count(), 19_999);
    }

    #[test]
    fn changes_inside_functions_have_paths() {
        let mut out = Vec::new();
        diff_values("P", &get_att("A", "B"), &get_att("A", "C"), &mut out);
        assert_eq!(out[0].path, "P/Fn::GetAtt/1");
        assert_eq!(out[0].kind, ChangeKind::Changed);
    }
}
