//! YAML 1.1's merge key (`<<: *defaults`), which PyYAML, `aws cloudformation package` and SAM
//! expand before CloudFormation sees the template: the entries of the merged mappings (the first
//! of a list wins) come first, and the mapping's own entries override them.
//! See: <https://yaml.org/type/merge.html>
//!
//! Depends on the value model only.

use super::value::{Map, Value};

/// The merge key, when written plain.
pub const KEY: &str = "<<";

/// `own` with the entries of `merged` (the values given to `<<`, each a mapping or a list of
/// mappings) it does not set itself; `Err` with what is not a mapping.
pub fn merge(own: Map, merged: Vec<Value>) -> Result<Map, &'static str> {
    let mut sources = Vec::new();
    for v in merged {
        match v {
            Value::Map(m) => sources.push(m),
            Value::List(items) => {
                for item in items {
                    match item {
                        Value::Map(m) => sources.push(m),
                        _ => return Err("a list given to the merge key `<<` must hold mappings only"),
                    }
                }
            }
            _ => return Err("the merge key `<<` takes a mapping or a list of mappings"),
        }
    }
    let mut out = Map::new();
    for source in sources {
        for (k, v) in source {
            out.entry(k).or_insert(v);
        }
    }
    for (k, v) in own {
        out.insert(k, v);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: &[(&str, &str)]) -> Map {
        entries.iter().map(|(k, v)| (k.to_string(), Value::str(*v))).collect()
    }

    #[test]
    fn own_entries_win_then_the_first_merged() {
        let first = Value::Map(map(&[("a", "1"), ("b", "1")]));
        let second = Value::Map(map(&[("b", "2"), ("c", "2")]));
        let out = merge(map(&[("a", "own")]), vec![Value::List(vec![first, second])]).unwrap();
        assert_eq!(out, map(&[("a", "own"), ("b", "1"), ("c", "2")]));
        assert!(merge(Map::new(), vec![Value::str("x")]).is_err());
        assert!(merge(Map::new(), vec![Value::List(vec![Value::str("x")])]).is_err());
    }
}
