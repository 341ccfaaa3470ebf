//! Writing YAML in the style of hand-written templates: short-form tags (`!Ref X`,
//! `!GetAtt A.B`, `!Sub '...'`), block mappings and lists, intrinsic arguments in flow style when
//! they fit on a line, literal blocks for multi-line text, and a blank line between resources.
//!
//! Every string that a YAML 1.1 parser (PyYAML, moto) or a YAML 1.2 parser would read as something
//! other than a string is quoted (`'2012-10-17'`, `'yes'`, `'0777'`, `'1e3'`). This module lowers
//! intrinsics by hand and depends only on the model.

use super::template::Template;
use super::value::{Intrinsic, Map, Value};

/// Lines longer than this put flow lists on several lines instead.
const WIDTH: usize = 100;

/// Sections whose entries are separated by a blank line.
const SPACED_SECTIONS: &[&str] = &["Parameters", "Rules", "Mappings", "Hooks", "Resources", "Outputs"];

/// The template as YAML text.
pub fn to_yaml(t: &Template) -> String {
    let mut w = String::new();
    let Value::Map(top) = t.to_value() else {
        return w;
    };
    if top.is_empty() {
        // An empty document would read back as no template at all.
        return "{}\n".to_string();
    }
    for (i, (section, v)) in top.iter().enumerate() {
        if i > 0 {
            w.push('\n');
        }
        match v {
            Value::Map(entries) if SPACED_SECTIONS.contains(&section.as_str()) && !entries.is_empty() => {
                w.push_str(section);
                w.push_str(":\n");
                for (j, (k, v)) in entries.iter().enumerate() {
                    if j > 0 {
                        w.push('\n');
                    }
                    entry(&mut w, k, v, 2);
                }
            }
            _ => entry(&mut w, section, v, 0),
        }
    }
    w
}

/// Any value as a YAML document (a mapping, a list or a scalar).
pub fn value_to_yaml(v: &Value) -> String {
    let mut w = String::new();
    match v {
        Value::Map(m) if !m.is_empty() => m.iter().for_each(|(k, v)| entry(&mut w, k, v, 0)),
        Value::List(items) if !items.is_empty() => items.iter().for_each(|v| item(&mut w, v, 0)),
        _ => {
            // A lone scalar or function: write it as the value of nothing.
            let mut tmp = String::new();
            node(&mut tmp, v, 0, 0, false);
            w.push_str(tmp.trim_start());
        }
    }
    w
}

/// A one-line rendering of a value, for messages and diffs.
pub fn inline(v: &Value) -> String {
    flat(v, Flow::Display).unwrap_or_default()
}

fn spaces(w: &mut String, n: usize) {
    w.extend(std::iter::repeat_n(' ', n));
}

/// `key: value` at `indent`.
fn entry(w: &mut String, key: &str, v: &Value, indent: usize) {
    spaces(w, indent);
    key_and_value(w, key, v, indent);
}

/// `key: value` from the cursor, for an entry at `indent`.
fn key_and_value(w: &mut String, key: &str, v: &Value, indent: usize) {
    let k = scalar(key, false);
    w.push_str(&k);
    w.push(':');
    node(w, v, indent, indent + k.len() + 1, false);
}

/// `- value` at `indent`.
fn item(w: &mut String, v: &Value, indent: usize) {
    spaces(w, indent);
    w.push('-');
    node(w, v, indent, indent + 1, true);
}

/// Writes a value whose key or dash is at column `indent`; the cursor is at column `col`, right
/// after the colon or the dash (`in_list`). In a list, a mapping's first entry and a list's
/// first item share the dash's line.
fn node(w: &mut String, v: &Value, indent: usize, col: usize, in_list: bool) {
    if let Some(s) = fits(v, col) {
        w.push(' ');
        w.push_str(&s);
        w.push('\n');
        return;
    }
    let inner = indent + 2;
    match v {
        Value::Map(m) => {
            for (i, (k, v)) in m.iter().enumerate() {
                match (i, in_list) {
                    (0, true) => {
                        w.push(' ');
                        key_and_value(w, k, v, inner);
                    }
                    (0, false) => {
                        w.push('\n');
                        entry(w, k, v, inner);
                    }
                    _ => entry(w, k, v, inner),
                }
            }
        }
        Value::List(items) => {
            for (i, v) in items.iter().enumerate() {
                match (i, in_list) {
                    (0, true) => {
                        w.push_str(" -");
                        node(w, v, inner, inner + 1, true);
                    }
                    (0, false) => {
                        w.push('\n');
                        item(w, v, inner);
                    }
                    _ => item(w, v, inner),
                }
            }
        }
        Value::String(s) => block_scalar(w, s, inner),
        Value::Fn(f) => match short_form(f) {
            Some(tag) => {
                w.push_str(" !");
                w.push_str(tag);
                node(w, &f.argument_for_yaml(), indent, col + tag.len() + 2, false);
            }
            None => node(w, &long_form(f), indent, col, in_list),
        },
        _ => unreachable_scalar(w, v),
    }
}

/// Scalars always fit; `fits` never returns `None` for them. Kept total rather than panicking.
fn unreachable_scalar(w: &mut String, v: &Value) {
    w.push(' ');
    w.push_str(&flat(v, Flow::Display).unwrap_or_default());
    w.push('\n');
}

/// The one-line form of `v` if it has one and it fits from column `col`.
fn fits(v: &Value, col: usize) -> Option<String> {
    let s = flat(v, Flow::Block)?;
    let long_is_fine = match v {
        Value::Fn(f) => f.argument_for_yaml().is_scalar(),
        other => other.is_scalar(),
    };
    (long_is_fine || col + 1 + s.len() <= WIDTH).then_some(s)
}

/// The short tag to write `f` with, if YAML allows it here: a tag may not stand directly on
/// another tag, `!GetAtt` with a computed attribute has no dotted form, and a tag on `null`,
/// `true` or `443` would read back as text.
/// See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html>
fn short_form(f: &Intrinsic) -> Option<&'static str> {
    let tag = f.short_tag()?;
    match f {
        Intrinsic::GetAtt { attribute, .. } if !matches!(attribute, Value::String(_)) => None,
        _ if matches!(f.argument(), Value::Fn(_) | Value::Null | Value::Bool(_) | Value::Number(_)) => None,
        _ => Some(tag),
    }
}

fn long_form(f: &Intrinsic) -> Value {
    let mut m = Map::new();
    m.insert(f.name().to_string(), f.argument());
    Value::Map(m)
}

impl Intrinsic {
    /// The argument as the short form writes it: `!GetAtt A.B` dotted, unless the resource name
    /// has a dot itself (only the first dot separates, so the list form is the unambiguous one).
    fn argument_for_yaml(&self) -> Value {
        match self {
            Intrinsic::GetAtt { resource, attribute: Value::String(a) } if !resource.contains('.') => {
                Value::String(format!("{resource}.{a}"))
            }
            _ => self.argument(),
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Flow {
    /// The value of a key or list item in block style: plain lists and maps go on their own lines.
    Block,
    /// Inside a flow list (an intrinsic's argument).
    List,
    /// For messages: everything on one line.
    Display,
}

/// One-line rendering, or `None` when the value needs lines of its own in this mode.
fn flat(v: &Value, mode: Flow) -> Option<String> {
    let in_flow = mode != Flow::Block;
    Some(match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        // (a YAML 1.1 number that YAML 1.2 reads as text, `1_000`, as it was read: CloudFormation
        // reads the number)
        Value::Number(n) if portable_number(n) || yaml11_integer(n) || super::number::is_yaml11(n) => n.clone(),
        Value::Number(n) => quoted(n),
        Value::String(s) if s.contains('\n') && mode != Flow::Display => return None,
        Value::String(s) => scalar(s, in_flow),
        Value::List(items) if items.is_empty() => "[]".to_string(),
        Value::Map(m) if m.is_empty() => "{}".to_string(),
        Value::List(items) if in_flow => {
            let parts: Option<Vec<String>> = items.iter().map(|v| flat(v, mode)).collect();
            format!("[{}]", parts?.join(", "))
        }
        Value::Map(m) if mode == Flow::Display => {
            let parts: Vec<String> =
                m.iter().map(|(k, v)| format!("{}: {}", scalar(k, true), flat(v, mode).unwrap_or_default())).collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::List(_) | Value::Map(_) => return None,
        Value::Fn(f) => {
            let Some(tag) = short_form(f) else {
                return if mode == Flow::Display { flat(&long_form(f), mode) } else { None };
            };
            let arg = match (&**f, f.argument_for_yaml()) {
                // Sub templates are always quoted, as people write them.
                (Intrinsic::Sub { .. }, Value::String(s)) if !s.contains('\n') => quoted(&s),
                // A scalar argument stays in the context of the tag; a list argument is a flow list.
                (_, arg @ Value::List(_)) if mode == Flow::Block => flat(&arg, Flow::List)?,
                (_, arg) => flat(&arg, mode)?,
            };
            format!("!{tag} {arg}")
        }
    })
}

/// A number both YAML 1.1 and 1.2 read as that number: `443`, `-1`, `1.5`. Others (`0777`,
/// `1e3`, `.5`) are written as quoted strings, which CloudFormation reads the same.
fn portable_number(n: &str) -> bool {
    let body = n.strip_prefix('-').unwrap_or(n);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(int) && (int == "0" || !int.starts_with('0')) && frac.is_none_or(digits)
}

/// A number that YAML 1.1 (which CloudFormation reads) takes for an integer in another base:
/// `0755` (octal 493), `0x1F`. Written as it was read, plain, so that CloudFormation reads the
/// number it read before; quoted, it would read the text instead (`validate` warns about octals:
/// `mode: 000644` is 420 to CloudFormation).
/// See: <https://yaml.org/type/int.html>
pub fn yaml11_integer(n: &str) -> bool {
    let body = n.strip_prefix(['-', '+']).unwrap_or(n);
    // (without YAML 1.1's `_` separators, which our reader reads as text)
    let digits = |s: &str, ok: fn(&u8) -> bool| !s.is_empty() && s.bytes().all(|b| ok(&b));
    // (hex unsigned: YAML 1.2 has no signed hex, and a number must read back as one)
    match n.strip_prefix("0x") {
        Some(hex) => digits(hex, u8::is_ascii_hexdigit),
        None => body.len() > 1 && body.starts_with('0') && digits(&body[1..], |b| (b'0'..=b'7').contains(b)),
    }
}

/// The decimal text of a number CloudFormation reads as an integer in another base (`0777` is
/// `511`, `0x1F` is `31`; see [`yaml11_integer`]), `None` for any other number.
pub fn yaml11_integer_value(n: &str) -> Option<String> {
    if !yaml11_integer(n) {
        return None;
    }
    let (negative, body) = match n.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, n.strip_prefix('+').unwrap_or(n)),
    };
    let value = match body.strip_prefix("0x") {
        Some(hex) => u128::from_str_radix(hex, 16).ok()?,
        None => u128::from_str_radix(body, 8).ok()?,
    };
    Some(if negative && value != 0 { format!("-{value}") } else { value.to_string() })
}

/// A string scalar, plain when every YAML reader agrees it is that string, quoted otherwise.
fn scalar(s: &str, in_flow: bool) -> String {
    if needs_quotes(s, in_flow) {
        quoted(s)
    } else {
        s.to_string()
    }
}

/// Characters YAML cannot hold outside double quotes: controls, line separators, the byte-order
/// mark and non-characters.
/// See: <https://yaml.org/spec/1.2.2/#51-character-set>
fn is_unprintable(c: char) -> bool {
    c.is_control() || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}')
}

fn needs_double_quotes(s: &str) -> bool {
    s.chars().any(|c| c != '\t' && is_unprintable(c))
}

fn quoted(s: &str) -> String {
    if needs_double_quotes(s) {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\0' => out.push_str("\\0"),
                c if is_unprintable(c) => {
                    let n = c as u32;
                    if n <= 0xff {
                        out.push_str(&format!("\\x{n:02x}"));
                    } else {
                        out.push_str(&format!("\\u{n:04x}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
        out
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

/// Words YAML 1.1 reads as booleans or null (compared without case, which also covers 1.2).
const RESERVED_WORDS: &[&str] = &["y", "n", "yes", "no", "true", "false", "on", "off", "null", "~", "<<", "="];

fn needs_quotes(s: &str, in_flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return true;
    };
    let last = s.chars().last().unwrap_or(first);
    if "-+?:,[]{}#&*!|>'\"%@`.".contains(first) || first.is_whitespace() || last.is_whitespace() {
        return true;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') || s.contains('\n') || s.contains('\t') {
        return true;
    }
    if needs_double_quotes(s) {
        return true;
    }
    // In a flow list a plain scalar ends at `,` or `]`; YAML readers (ours included) refuse a `-`
    // or `?` there after a space (`[A -]`), as if it started a new scalar.
    let mut end = s.chars().rev();
    let spaced_indicator = matches!((end.next(), end.next()), (Some('-' | '?'), Some(' ')));
    if in_flow && (s.contains([',', '[', ']', '{', '}', ':', '#']) || spaced_indicator) {
        return true;
    }
    if RESERVED_WORDS.iter().any(|w| w.eq_ignore_ascii_case(s)) {
        return true;
    }
    // Numbers, octals, dates, times and sexagesimals of either YAML version start with a digit
    // and use only these characters.
    first.is_ascii_digit() && s.chars().all(|c| c.is_ascii_alphanumeric() || "_:.+- ".contains(c))
}

/// A multi-line string as a literal block (`|`), content at `indent`; the cursor is after the
/// colon or dash. Text a literal block cannot hold goes double-quoted instead.
fn block_scalar(w: &mut String, s: &str, indent: usize) {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    // `|+` would also keep the blank lines that separate what follows, so text ending in more
    // than one newline is quoted too.
    let literal_ok = !needs_double_quotes(s.replace('\n', "").as_str())
        && !body.trim().is_empty()
        && trailing <= 1
        && !body.lines().any(|l| l.ends_with([' ', '\t']));
    if !literal_ok {
        w.push(' ');
        w.push_str(&quoted(s));
        w.push('\n');
        return;
    }
    w.push_str(" |");
    if body.starts_with([' ', '\t']) || body.starts_with('\n') {
        w.push('2');
    }
    if trailing == 0 {
        w.push('-');
    }
    w.push('\n');
    for line in body.split('\n') {
        if !line.is_empty() {
            spaces(w, indent);
            w.push_str(line);
        }
        w.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::value::{get_att, import_value, ref_, sub};

    fn one(v: Value) -> String {
        let mut m = Map::new();
        m.insert("K".into(), v);
        value_to_yaml(&Value::Map(m))
    }

    #[test]
    fn yaml_1_1_lookalikes_are_quoted() {
        for s in ["2012-10-17", "yes", "on", "No", "0777", "1e3", "443", "", "~", "null", ".inf", "12:30"] {
            assert_eq!(one(Value::str(s)), format!("K: '{s}'\n"), "{s}");
        }
        for s in ["10.2.0.0/16", "ds-shared", "AWS::Region", "aws:SourceVpce", "a b"] {
            assert_eq!(one(Value::str(s)), format!("K: {s}\n"), "{s}");
        }
        assert_eq!(one(Value::str("it's: x")), "K: 'it''s: x'\n");
        assert_eq!(one(Value::str("bell\u{7}")), "K: \"bell\\x07\"\n");
    }

    /// Found by the write-then-read property: `!And [A -, null]` did not read back. (`x-` is
    /// fine: `[x-, B]` reads back, and bucket name prefixes end so.)
    #[test]
    fn a_dash_or_question_mark_ending_a_flow_item_is_quoted() {
        use crate::cfn::{read_template, to_yaml, Format};
        for s in ["A -", "A ?"] {
            let t = read_template(&format!("Conditions:\n  C: !And ['{s}', B]\n"), "t.yaml", Format::Yaml)
                .unwrap()
                .template;
            let text = to_yaml(&t);
            assert!(text.contains(&format!("!And ['{s}', B]")), "{text}");
            let back = read_template(&text, "back.yaml", Format::Yaml).unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(back.template, t, "{text}");
        }
    }

    #[test]
    fn numbers_stay_numbers_only_when_portable_or_read_as_written() {
        assert_eq!(one(Value::Number("443".into())), "K: 443\n");
        assert_eq!(one(Value::Number("1.5".into())), "K: 1.5\n");
        // text to YAML 1.1 (and to CloudFormation): quoted keeps it text
        assert_eq!(one(Value::Number("1e3".into())), "K: '1e3'\n");
        assert_eq!(one(Value::Number("0o17".into())), "K: '0o17'\n");
        assert_eq!(one(Value::Number("0789".into())), "K: '0789'\n");
        // a number in another base to YAML 1.1: plain keeps the number CloudFormation reads
        assert_eq!(one(Value::Number("0777".into())), "K: 0777\n");
        assert_eq!(one(Value::Number("000644".into())), "K: 000644\n");
        assert_eq!(one(Value::Number("0x1F".into())), "K: 0x1F\n");
        assert!(!yaml11_integer("0") && !yaml11_integer("08") && !yaml11_integer("0x") && !yaml11_integer("0_7"));
        assert!(yaml11_integer("-012") && yaml11_integer("0x1f") && !yaml11_integer("+0x1f"));
        assert_eq!(yaml11_integer_value("0777").as_deref(), Some("511"));
        assert_eq!(yaml11_integer_value("000644").as_deref(), Some("420"));
        assert_eq!(yaml11_integer_value("-012").as_deref(), Some("-10"));
        assert_eq!(yaml11_integer_value("0x400").as_deref(), Some("1024"));
        assert_eq!(yaml11_integer_value("443"), None);
    }

    #[test]
    fn short_forms() {
        assert_eq!(one(ref_("AWS::StackId")), "K: !Ref AWS::StackId\n");
        assert_eq!(one(get_att("Child", "Outputs.X")), "K: !GetAtt Child.Outputs.X\n");
        assert_eq!(one(get_att("A.B", "Arn")), "K: !GetAtt [A.B, Arn]\n");
        assert_eq!(one(sub("ds-${X}")), "K: !Sub 'ds-${X}'\n");
        let eq = Intrinsic::Equals(ref_("Mode"), Value::Bool(true));
        assert_eq!(one(eq.into()), "K: !Equals [!Ref Mode, true]\n");
    }

    #[test]
    fn a_function_directly_on_a_function_is_long_form() {
        assert_eq!(one(import_value(sub("ds-${X}"))), "K:\n  Fn::ImportValue: !Sub 'ds-${X}'\n");
        let b64 = Value::from(Intrinsic::Base64(sub("x")));
        assert_eq!(value_to_yaml(&Value::List(vec![b64])), "- Fn::Base64: !Sub 'x'\n");
    }

    #[test]
    fn long_flow_lists_break_into_blocks() {
        let parts: Vec<Value> = (0..12).map(|i| Value::str(format!("part-number-{i}"))).collect();
        let join = Intrinsic::Join { delimiter: String::new(), values: Value::List(parts) };
        let text = one(join.into());
        assert!(text.starts_with("K: !Join\n  - ''\n  - - part-number-0\n    - part-number-1\n"), "{text}");
    }

    #[test]
    fn multi_line_strings_are_literal_blocks() {
        assert_eq!(one(Value::str("a\nb\n")), "K: |\n  a\n  b\n");
        assert_eq!(one(Value::str("a\n\nb")), "K: |-\n  a\n\n  b\n");
        assert_eq!(one(Value::str("a\n\n")), "K: \"a\\n\\n\"\n");
        assert_eq!(one(Value::str(" a\nb")), "K: |2-\n   a\n  b\n");
        assert_eq!(one(Value::str("a \nb")), "K: \"a \\nb\"\n");
    }

    #[test]
    fn lists_of_maps_share_the_dash_line() {
        let mut m = Map::new();
        m.insert("Key".into(), Value::str("Name"));
        m.insert("Value".into(), sub("x-${A}"));
        assert_eq!(one(Value::List(vec![Value::Map(m)])), "K:\n  - Key: Name\n    Value: !Sub 'x-${A}'\n");
    }
}
