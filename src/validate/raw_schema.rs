//! A resource provider schema as vendored, parsed piece by piece: its top-level keywords, its
//! properties and its definitions are kept as written and each is parsed when a check reads it.
//! A template sets a few of a type's dozens of properties, and the narrowed schema that checks it
//! ([`RawSchema::narrowed`]) reaches a few of its definitions: parsing the whole schema of every
//! type a template uses cost more than checking the template.
//!
//! Depends on serde_json only.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value as J;

/// A JSON object's entries in their order, each value as written.
type Entries = Vec<(String, &'static RawValue)>;

/// Reads a JSON object's entries without parsing their values.
fn entries(text: &'static str) -> Option<Entries> {
    struct Object(Entries);
    impl<'de: 'static> Deserialize<'de> for Object {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Object, D::Error> {
            struct V;
            impl<'de: 'static> Visitor<'de> for V {
                type Value = Object;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<Object, M::Error> {
                    let mut out = Vec::new();
                    while let Some(entry) = m.next_entry::<String, &'de RawValue>()? {
                        out.push(entry);
                    }
                    Ok(Object(out))
                }
            }
            d.deserialize_map(V)
        }
    }
    serde_json::from_str::<Object>(text).ok().map(|o| o.0)
}

fn find(entries: &Entries, key: &str) -> Option<&'static RawValue> {
    entries.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
}

fn parse(raw: &RawValue) -> Option<J> {
    serde_json::from_str(raw.get()).ok()
}

/// One JSON pointer segment, unescaped (`~1` is `/`, `~0` is `~`).
fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// A schema whose pieces are parsed when read.
pub(super) struct RawSchema {
    text: &'static str,
    top: Entries,
    /// `properties`, `definitions`: `None` where the schema has no such object.
    properties: Option<Entries>,
    definitions: Option<Entries>,
}

impl RawSchema {
    /// The schema in `text`, if it is a JSON object.
    pub fn new(text: &'static str) -> Option<RawSchema> {
        let top = entries(text)?;
        // (`None` where the schema has no such object; a malformed one is then read as written)
        let object = |key| find(&top, key).and_then(|raw| entries(raw.get()));
        let (properties, definitions) = (object("properties"), object("definitions"));
        Some(RawSchema { text, top, properties, definitions })
    }

    /// Top-level property `name`'s schema as written (`$ref` not followed).
    pub fn property(&self, name: &str) -> Option<J> {
        parse(find(self.properties.as_ref()?, name)?)
    }

    /// A top-level keyword's value.
    pub fn get(&self, key: &str) -> Option<J> {
        parse(find(&self.top, key)?)
    }

    /// The value at a JSON pointer into the schema (`/properties/Name/...`, `/definitions/...`).
    pub fn pointer(&self, pointer: &str) -> Option<J> {
        if pointer.is_empty() {
            return serde_json::from_str(self.text).ok();
        }
        let rest = pointer.strip_prefix('/')?;
        let (first, rest) = rest.split_once('/').map_or((rest, ""), |(a, b)| (a, b));
        let first = unescape(first);
        let section = match first.as_str() {
            "properties" => self.properties.as_ref(),
            "definitions" => self.definitions.as_ref(),
            _ => None,
        };
        let (value, rest) = match section {
            Some(entries) if !rest.is_empty() => {
                let (name, rest) = rest.split_once('/').map_or((rest, ""), |(a, b)| (a, b));
                (parse(find(entries, &unescape(name))?)?, rest)
            }
            _ => (self.get(&first)?, rest),
        };
        if rest.is_empty() {
            return Some(value);
        }
        value.pointer(&format!("/{rest}")).cloned()
    }

    /// The schema cut down to what checks an object with top-level properties `keys`: those
    /// properties' schemas and the definitions they reach (every other keyword kept), built
    /// from the pieces it keeps: see `schema::narrowed`, which it equals.
    pub fn narrowed(&self, keys: &[&str]) -> J {
        let mut out = serde_json::Map::new();
        for (k, v) in &self.top {
            match k.as_str() {
                "definitions" | "typeName" | "readOnlyProperties" | "writeOnlyProperties" | "createOnlyProperties" => {}
                "properties" => {
                    let kept = self.properties.iter().flatten().filter(|(name, _)| keys.contains(&name.as_str()));
                    out.insert(k.clone(), J::Object(kept.filter_map(|(n, s)| Some((n.clone(), parse(s)?))).collect()));
                }
                _ => {
                    if let Some(v) = parse(v) {
                        out.insert(k.clone(), v);
                    }
                }
            }
        }
        let Some(definitions) = &self.definitions else { return J::Object(out) };
        // The definitions the kept schema reaches, through definitions that reach others (each
        // parsed once, when first reached).
        let mut refs = Vec::new();
        out.values().for_each(|v| collect_refs(v, &mut refs));
        let mut reached: Vec<Option<J>> = vec![None; definitions.len()];
        while let Some(r) = refs.pop() {
            let Some(name) = r.strip_prefix("#/definitions/").map(|n| n.split('/').next().unwrap_or(n)) else {
                // A reference elsewhere: keep every definition.
                let all = definitions.iter().filter_map(|(n, d)| Some((n.clone(), parse(d)?)));
                out.insert("definitions".into(), J::Object(all.collect()));
                return J::Object(out);
            };
            if let Some(i) = definitions.iter().position(|(n, _)| n == name) {
                if reached[i].is_none() {
                    let d = parse(definitions[i].1).unwrap_or(J::Null);
                    collect_refs(&d, &mut refs);
                    reached[i] = Some(d);
                }
            }
        }
        let kept = definitions.iter().zip(reached).filter_map(|((n, _), d)| Some((n.clone(), d?)));
        out.insert("definitions".into(), J::Object(kept.collect()));
        J::Object(out)
    }
}

/// Every `$ref` string inside `v`, in the order `schema::narrowed` meets them.
fn collect_refs(v: &J, out: &mut Vec<String>) {
    let mut todo = vec![v];
    while let Some(v) = todo.pop() {
        match v {
            J::Object(m) => {
                if let Some(J::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                todo.extend(m.values());
            }
            J::Array(items) => todo.extend(items),
            _ => {}
        }
    }
}
