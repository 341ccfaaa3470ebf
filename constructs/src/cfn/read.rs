//! Reading templates: YAML (short-form tags, long form, or both mixed) and JSON, into one model.
//!
//! This is the only module that touches the YAML parser. It builds values from parser events so
//! that every node keeps its line and column: errors name them, and `SourceMap` lets later checks
//! point at the text behind a JSON pointer. It must not depend on the writers or on comparison.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::number::is_core_number;
use super::template::{pointer_segment, ModelErrorKind, Template};
use super::text::{character_name, CharBytes, NODE_COST};
pub use super::text::{excerpt, forbidden_character, MAX_ALIASES, MAX_ALIAS_EXPANSION, MAX_DEPTH, MAX_INPUT_BYTES};
use super::value::{is_function_key, long_name_of_tag, Intrinsic, IntrinsicError, Map, Value};
use super::{flow_close, merge};

/// A place in a source text: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// JSON pointer → where that value starts in the source.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    places: HashMap<String, Location>,
    /// Entries whose key was an unquoted YAML 1.1 boolean (`yes:`, `NO:`), read as the text
    /// `true` or `false`: (JSON pointer of the entry, the key as written).
    boolean_keys: Vec<(String, String)>,
    /// Where an alias (`*name`) or a merge key (`<<: *name`) was expanded: (JSON pointer, what).
    aliases: Vec<(String, String)>,
}

impl SourceMap {
    /// Entries whose key was an unquoted YAML 1.1 boolean: (JSON pointer, the key as written).
    pub fn boolean_keys(&self) -> &[(String, String)] {
        &self.boolean_keys
    }

    /// Where an alias or a merge key was expanded: (JSON pointer, `*name` or `<<`).
    pub fn aliases(&self) -> &[(String, String)] {
        &self.aliases
    }

    /// The location of the value at `pointer`, or of its nearest located ancestor.
    pub fn locate(&self, pointer: &str) -> Option<Location> {
        let mut p = pointer;
        loop {
            if let Some(l) = self.places.get(p) {
                return Some(*l);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return None,
            }
        }
    }
}

/// The source format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

/// A template that failed to read, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}{}: {kind}", location.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ReadError {
    pub source_name: String,
    pub location: Option<Location>,
    /// JSON pointer of the offending value, where the error is about one.
    pub pointer: Option<String>,
    pub kind: Box<ReadErrorKind>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadErrorKind {
    #[error("invalid YAML: {0}")]
    Yaml(String),
    #[error("invalid JSON: {0}")]
    Json(String),
    #[error("the file is empty")]
    Empty,
    #[error("more than one YAML document; a template is one document")]
    MultipleDocuments,
    #[error("unknown tag {0}")]
    UnknownTag(String),
    #[error("{0} has no short form; write it in long form (`{0}: ...`)")]
    NoShortForm(&'static str),
    #[error(
        "a tag directly inside a tag ({outer} {inner}); write the outer function in long form (`{long}: {inner} ...`)"
    )]
    TagInTag { outer: String, inner: String, long: String },
    /// The key, and the line of its first occurrence. Refused, as cfn-lint (E0000) and `aws
    /// cloudformation package` refuse it: CloudFormation reportedly keeps the last, undocumented,
    /// and which one the author meant cannot be known.
    #[error("duplicate key {0} (first at line {1}); remove one")]
    DuplicateKey(String, usize),
    #[error("mapping keys must be plain strings")]
    ComplexKey,
    #[error("unknown alias")]
    UnknownAlias,
    #[error("nested more than {MAX_DEPTH} levels deep")]
    TooDeep,
    #[error("{0}")]
    AliasLimit(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0} is not allowed in YAML or JSON text (control characters other than tab and line breaks are not)")]
    ControlCharacter(String),
    #[error("{0}")]
    Intrinsic(IntrinsicError),
    #[error("{0}")]
    Model(ModelErrorKind),
}

/// A read template with where each of its values came from.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub template: Template,
    pub source_map: SourceMap,
}

/// Picks the format by file name: `.json` is JSON, everything else YAML.
pub fn format_of(name: &str) -> Format {
    if name.to_ascii_lowercase().ends_with(".json") {
        Format::Json
    } else {
        Format::Yaml
    }
}

/// Reads a template from `text`; `source_name` names it in errors.
pub fn read_template(text: &str, source_name: &str, format: Format) -> Result<Parsed, ReadError> {
    let (value, source_map) = read_value(text, source_name, format)?;
    let template = Template::from_value(value).map_err(|e| ReadError {
        source_name: source_name.to_string(),
        location: source_map.locate(&e.pointer),
        pointer: Some(e.pointer.clone()),
        kind: Box::new(ReadErrorKind::Model(e.kind)),
    })?;
    Ok(Parsed { template, source_map })
}

/// Reads any value (a whole template or a fragment) with its source map.
pub fn read_value(text: &str, source_name: &str, format: Format) -> Result<(Value, SourceMap), ReadError> {
    let fail = |location: Option<Location>, kind| ReadError {
        source_name: source_name.to_string(),
        location,
        pointer: None,
        kind: Box::new(kind),
    };
    if text.len() > MAX_INPUT_BYTES {
        return Err(fail(
            None,
            ReadErrorKind::TooLarge(format!(
                "{} bytes is more than sds reads ({} MiB; CloudFormation takes templates up to 1 MB)",
                text.len(),
                MAX_INPUT_BYTES >> 20
            )),
        ));
    }
    // Windows editors start files with a byte order mark; CloudFormation and YAML readers skip it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some((location, c)) = forbidden_character(text) {
        return Err(fail(Some(location), ReadErrorKind::ControlCharacter(character_name(c))));
    }
    if format == Format::Json {
        // The YAML parser takes JSON too and keeps positions; serde_json first gives JSON's own
        // syntax errors (trailing commas, comments) that YAML would accept.
        if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
            let location = (e.line() > 0).then(|| Location { line: e.line(), column: e.column() });
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            return Err(fail(location, ReadErrorKind::Json(msg)));
        }
    }
    let built = build(text).or_else(|first| {
        // The parser's flow-collection quirk: see `flow_close`.
        let ReadErrorKind::Yaml(info) = &first.2 else { return Err(first) };
        let line = first.0.map(|l| l.line).filter(|_| info == flow_close::INVALID_INDENTATION);
        let Some((moved, shift)) = line.and_then(|l| flow_close::indented(text, l)) else { return Err(first) };
        let back =
            |l: Location| Location { line: l.line, column: flow_close::original_column(text, l.line, l.column, shift) };
        match build(&moved) {
            Ok((value, mut map)) => {
                map.places.values_mut().for_each(|l| *l = back(*l));
                Ok((value, map))
            }
            Err((location, pointer, kind)) => Err((location.map(back), pointer, kind)),
        }
    });
    built.map_err(|(location, pointer, kind)| ReadError {
        source_name: source_name.to_string(),
        location,
        pointer,
        kind: Box::new(kind),
    })
}

/// The value of `text` (checked for size and characters) with its source map.
fn build(text: &str) -> Result<(Value, SourceMap), Failure> {
    let mut b = Builder {
        parser: Parser::new_from_str(text),
        text,
        anchors: HashMap::new(),
        // About a node per 12 bytes of YAML: room for them, without growing the table as it fills
        // (bounded: a hostile 16 MiB input reserves no more than a large template needs).
        map: SourceMap {
            places: HashMap::with_capacity((text.len() / 12).min(1 << 16)),
            boolean_keys: Vec::new(),
            aliases: Vec::new(),
        },
        peeked: None,
        char_bytes: CharBytes::new(text),
        depth: 0,
        aliases: 0,
        expanded: 0,
        produced: 0,
    };
    b.read_document()
}

type Failure = (Option<Location>, Option<String>, ReadErrorKind);

fn at(m: &Marker) -> Location {
    Location { line: m.line(), column: m.col() + 1 }
}

struct Builder<'a> {
    parser: Parser<std::str::Chars<'a>>,
    text: &'a str,
    /// Anchored values with their expansion cost.
    anchors: HashMap<usize, (Value, usize)>,
    map: SourceMap,
    peeked: Option<(Event, Marker)>,
    char_bytes: CharBytes,
    /// Lists and maps open around the node being read.
    depth: usize,
    /// Aliases read so far, and what copying their anchors has cost.
    aliases: usize,
    expanded: usize,
    /// What the values built so far cost (text plus a fixed cost per node, alias copies
    /// included): an anchor's cost is the difference across its node.
    produced: usize,
}

impl<'a> Builder<'a> {
    /// The character at char index `i` (the parser's marker index).
    fn char_at(&self, i: usize) -> Option<char> {
        self.text.get(self.char_bytes.byte(self.text, i)..)?.chars().next()
    }

    fn next(&mut self) -> Result<(Event, Marker), Failure> {
        if let Some(e) = self.peeked.take() {
            return Ok(e);
        }
        self.parser.next_token().map_err(|e| {
            let m = e.marker();
            (Some(at(m)), None, ReadErrorKind::Yaml(e.info().to_string()))
        })
    }

    fn read_document(&mut self) -> Result<(Value, SourceMap), Failure> {
        // StreamStart, then DocumentStart or StreamEnd.
        loop {
            let (ev, _) = self.next()?;
            match ev {
                Event::StreamStart | Event::Nothing => continue,
                Event::DocumentStart => break,
                Event::StreamEnd => return Err((None, None, ReadErrorKind::Empty)),
                _ => return Err((None, None, ReadErrorKind::Yaml("unexpected start of stream".into()))),
            }
        }
        let (ev, m) = self.next()?;
        let value = self.node(ev, m, String::new(), None)?;
        match self.next()? {
            (Event::DocumentEnd, _) => {}
            (_, m) => return Err((Some(at(&m)), None, ReadErrorKind::MultipleDocuments)),
        }
        match self.next()? {
            (Event::StreamEnd, _) => {}
            (_, m) => return Err((Some(at(&m)), None, ReadErrorKind::MultipleDocuments)),
        }
        if matches!(value, Value::Null) {
            return Err((None, None, ReadErrorKind::Empty));
        }
        Ok((value, std::mem::take(&mut self.map)))
    }

    /// Builds the node that starts with `ev`, at JSON pointer `pointer`, located at `place` (a
    /// mapping entry's key: that is where a reader looks for an entry) or where it starts.
    fn node(&mut self, ev: Event, m: Marker, pointer: String, place: Option<Location>) -> Result<Value, Failure> {
        let loc = at(&m);
        self.map.places.insert(pointer.clone(), place.unwrap_or(loc));
        let produced_before = self.produced;
        self.produced += NODE_COST;
        if matches!(ev, Event::SequenceStart(..) | Event::MappingStart(..)) {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err((Some(loc), Some(pointer), ReadErrorKind::TooDeep));
            }
        }
        let (value, anchor) = match ev {
            Event::Alias(id) => {
                let fail = |kind| (Some(loc), Some(pointer.clone()), kind);
                let (v, cost) = self.anchors.get(&id).ok_or_else(|| fail(ReadErrorKind::UnknownAlias))?;
                // (a merge key's alias is reported as the merge key)
                if !pointer.split('/').any(|s| s == merge::KEY) {
                    let name = self.alias_name(&m);
                    self.map.aliases.push((pointer.clone(), name));
                }
                self.aliases += 1;
                self.expanded += cost;
                self.produced += cost;
                if self.aliases > MAX_ALIASES {
                    let why = format!("more than {MAX_ALIASES} aliases in one document");
                    return Err(fail(ReadErrorKind::AliasLimit(why)));
                }
                if self.expanded > MAX_ALIAS_EXPANSION {
                    let why = format!(
                        "aliases expand the document by more than {} MiB (an alias of an alias of ...: an alias bomb?)",
                        MAX_ALIAS_EXPANSION >> 20
                    );
                    return Err(fail(ReadErrorKind::AliasLimit(why)));
                }
                (v.clone(), 0)
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.produced += text.len();
                let v = match tag {
                    None => resolve_plain(text, style),
                    Some(tag) => {
                        if text.is_empty() && style == TScalarStyle::Plain {
                            self.check_tag_in_tag(&tag, &m, &pointer)?;
                        }
                        self.tagged(&tag, resolve_plain(text, style), &m, &pointer)?
                    }
                };
                (v, anchor)
            }
            Event::SequenceStart(anchor, tag) => {
                let mut items = Vec::new();
                loop {
                    let (ev, m) = self.next()?;
                    if ev == Event::SequenceEnd {
                        break;
                    }
                    let p = format!("{pointer}/{}", items.len());
                    items.push(self.node(ev, m, p, None)?);
                }
                self.depth -= 1;
                let v = Value::List(items);
                let v = match tag {
                    None => v,
                    Some(tag) => self.tagged(&tag, v, &m, &pointer)?,
                };
                (v, anchor)
            }
            Event::MappingStart(anchor, tag) => {
                let mut entries = Map::new();
                let mut merged = Vec::new();
                loop {
                    let (ev, km) = self.next()?;
                    let key = match ev {
                        Event::MappingEnd => break,
                        Event::Scalar(k, TScalarStyle::Plain, _, None) if k == merge::KEY => {
                            self.map.aliases.push((pointer.clone(), k));
                            let (ev, vm) = self.next()?;
                            merged.push(self.node(ev, vm, format!("{pointer}/<<"), Some(at(&km)))?);
                            continue;
                        }
                        // A YAML 1.1 boolean is one as a key too (`NO:` is false to PyYAML, and
                        // to CloudFormation as to its values): its text in JSON is the key.
                        // See: https://yaml.org/type/bool.html
                        Event::Scalar(k, TScalarStyle::Plain, _, None) if yaml11_boolean(&k).is_some() => {
                            self.produced += NODE_COST + k.len();
                            let text = yaml11_boolean(&k).unwrap_or_default().to_string();
                            if k != text {
                                self.map.boolean_keys.push((format!("{pointer}/{}", pointer_segment(&text)), k));
                            }
                            text
                        }
                        // `! key`: the non-specific tag, a plain string
                        Event::Scalar(k, _, _, tag) if tag.as_ref().is_none_or(is_non_specific) => {
                            self.produced += NODE_COST + k.len();
                            k
                        }
                        _ => return Err((Some(at(&km)), Some(pointer.clone()), ReadErrorKind::ComplexKey)),
                    };
                    let p = format!("{pointer}/{}", pointer_segment(&key));
                    // The parser marks a block mapping at its first `:`; a reader looks for the first key.
                    if place.is_none() && entries.is_empty() && self.char_at(m.index()) != Some('{') {
                        self.map.places.insert(pointer.clone(), at(&km));
                    }
                    if entries.contains_key(&key) {
                        let first = self.map.places.get(&p).map_or(0, |l| l.line);
                        return Err((Some(at(&km)), Some(p), ReadErrorKind::DuplicateKey(excerpt(&key), first)));
                    }
                    let (ev, vm) = self.next()?;
                    // Point at the key: that is where a reader looks for an entry.
                    let v = self.node(ev, vm, p, Some(at(&km)))?;
                    entries.insert(key, v);
                }
                self.depth -= 1;
                if !merged.is_empty() {
                    entries = merge::merge(entries, merged)
                        .map_err(|e| (Some(loc), Some(pointer.clone()), ReadErrorKind::Yaml(e.to_string())))?;
                }
                let v =
                    long_form(entries).map_err(|e| (Some(loc), Some(pointer.clone()), ReadErrorKind::Intrinsic(e)))?;
                // `!ImportValue` on `{Fn::Sub: ...}`: the tag's argument is that function.
                let v = match tag {
                    Some(tag) => self.tagged(&tag, v, &m, &pointer)?,
                    None => v,
                };
                (v, anchor)
            }
            _ => return Err((Some(loc), Some(pointer), ReadErrorKind::Yaml("unexpected event".into()))),
        };
        if anchor != 0 {
            let cost = self.produced - produced_before;
            self.anchors.insert(anchor, (value.clone(), cost));
        }
        Ok(value)
    }

    /// The alias at `m` as written (`*name`).
    fn alias_name(&self, m: &Marker) -> String {
        let rest = self.text.get(self.char_bytes.byte(self.text, m.index())..).unwrap_or("");
        rest.split(|c: char| c.is_whitespace() || ",]}".contains(c)).next().unwrap_or("*").to_string()
    }

    /// `!Base64 !Sub x` reaches the parser as an empty tagged scalar followed by a syntax error at
    /// the second tag. Name the real mistake instead of the parser's.
    fn check_tag_in_tag(&mut self, outer: &Tag, m: &Marker, pointer: &str) -> Result<(), Failure> {
        let rest = self.text.get(self.char_bytes.byte(self.text, m.index())..).unwrap_or("");
        let rest = rest.trim_start_matches([' ', '\t']);
        if !rest.starts_with('!') {
            return Ok(());
        }
        match self.parser.next_token() {
            Ok(e) => {
                self.peeked = Some(e);
                Ok(())
            }
            Err(_) => {
                let inner: String = rest.chars().take_while(|c| !c.is_whitespace()).take(60).collect();
                let outer_name = format!("{}{}", outer.handle, outer.suffix);
                let long = long_name_of_tag(&outer.suffix).unwrap_or(&outer.suffix).to_string();
                Err((
                    Some(at(m)),
                    Some(pointer.to_string()),
                    ReadErrorKind::TagInTag { outer: outer_name, inner, long },
                ))
            }
        }
    }

    /// Where the tag of the node at `m` starts: the parser marks the node after its tag.
    fn tag_location(&self, m: &Marker, tag: &Tag) -> Location {
        let spelled = format!("{}{}", if tag.handle == "!" { "!" } else { &tag.handle }, tag.suffix);
        let node_byte = self.char_bytes.byte(self.text, m.index());
        let end = self.text[..node_byte].trim_end().len();
        if !self.text[..end].ends_with(spelled.as_str()) {
            return at(m);
        }
        let start = end - spelled.len();
        let line_start = self.text[..start].rfind('\n').map_or(0, |n| n + 1);
        Location {
            line: self.text[..start].matches('\n').count() + 1,
            column: self.text[line_start..start].chars().count() + 1,
        }
    }

    fn tagged(&self, tag: &Tag, v: Value, m: &Marker, pointer: &str) -> Result<Value, Failure> {
        let fail = |kind| (Some(self.tag_location(m, tag)), Some(pointer.to_string()), kind);
        if tag.handle == "!" {
            let Some(long) = long_name_of_tag(&tag.suffix) else {
                let long = format!("Fn::{}", tag.suffix);
                return Err(match super::value::SPELLINGS.iter().find(|s| s.long == long) {
                    Some(s) => fail(ReadErrorKind::NoShortForm(s.long)),
                    None => fail(ReadErrorKind::UnknownTag(format!("!{}", tag.suffix))),
                });
            };
            // A tagged scalar is the function's text argument: `!Ref` alone reads as an empty
            // name, `!Sub 443` as the text 443.
            let v = match v {
                Value::Null => Value::String(String::new()),
                Value::Bool(b) => Value::String(b.to_string()),
                Value::Number(n) => Value::String(n),
                other => other,
            };
            return Intrinsic::from_long(long, v).map(Value::from).map_err(|e| fail(ReadErrorKind::Intrinsic(e)));
        }
        // The YAML core tags: `!!str 443` forces a string, and so on.
        if tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!" {
            return match (tag.suffix.as_str(), v) {
                ("str", Value::Number(s) | Value::String(s)) => Ok(Value::String(s)),
                ("str", Value::Bool(b)) => Ok(Value::String(b.to_string())),
                ("str", Value::Null) => Ok(Value::String(String::new())),
                ("map", v @ Value::Map(_)) | ("seq", v @ Value::List(_)) => Ok(v),
                // (`!!float 1` is 1.0 to YAML readers, and "1.0" as text to CloudFormation)
                ("float", Value::String(s) | Value::Number(s))
                    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    Ok(Value::Number(format!("{s}.0")))
                }
                ("int" | "float", Value::String(s) | Value::Number(s)) => Ok(Value::Number(s)),
                ("bool", v @ Value::Bool(_)) | ("null", v @ Value::Null) => Ok(v),
                // `!!bool "yes"`: the tag says how to read the text
                ("bool", Value::String(s)) if yaml11_boolean(&s).is_some() => {
                    Ok(Value::Bool(yaml11_boolean(&s) == Some("true")))
                }
                _ => Err(fail(ReadErrorKind::UnknownTag(format!("!!{}", tag.suffix)))),
            };
        }
        Err(fail(ReadErrorKind::UnknownTag(format!("{}{}", tag.handle, tag.suffix))))
    }
}

/// `!` alone, the non-specific tag: the node is what it would be untagged (a string, for a key).
fn is_non_specific(t: &Tag) -> bool {
    t.suffix.is_empty() || t.handle.is_empty() && t.suffix == "!"
}

/// A mapping whose single key is a function (`Fn::Join`, `Ref`) is that function.
/// `Condition` counts only with a string argument: IAM policies have `Condition` maps too.
/// A key that looks like a function but is none CloudFormation has (`Fn::ForEach::Name`, a loop
/// of the language extensions; `Fn::Foo`, which a template's own macro may handle) stays a
/// mapping: validation says whether it is allowed there.
fn long_form(entries: Map) -> Result<Value, IntrinsicError> {
    if entries.len() == 1 {
        if let Some((k, v)) = entries.first() {
            let is_fn = is_function_key(k) && (k != "Condition" || matches!(v, Value::String(_)));
            if is_fn {
                let (k, v) = entries.into_iter().next().unwrap_or_default();
                return Intrinsic::from_long(&k, v).map(Value::from);
            }
        }
    }
    Ok(Value::Map(entries))
}

/// YAML 1.2 core schema resolution of an untagged scalar. Quoted and block scalars are strings.
fn resolve_plain(text: String, style: TScalarStyle) -> Value {
    if style != TScalarStyle::Plain {
        return Value::String(text);
    }
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        // CloudFormation reads YAML 1.1's booleans too: an unquoted `Value: YES` deploys as "true".
        // See: https://github.com/aws/aws-cli/pull/5257 (the CLI quotes them for that reason)
        t if yaml11_boolean(t).is_some() => Value::Bool(yaml11_boolean(t) == Some("true")),
        // YAML 1.2's numbers, and YAML 1.1's that CloudFormation reads too (`1_000`, `1:30`).
        t if is_core_number(t) || super::number::is_yaml11(t) => Value::Number(text),
        _ => Value::String(text),
    }
}

/// The boolean (`"true"`, `"false"`) an unquoted word is to YAML 1.1, which CloudFormation reads.
fn yaml11_boolean(t: &str) -> Option<&'static str> {
    match t {
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some("true"),
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some("false"),
        _ => None,
    }
}

#[cfg(test)]
#[path = "read_tests.rs"]
pub(crate) mod tests;
