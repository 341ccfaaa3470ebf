//! Text-level rules applied before and while parsing: the limits that keep reading bounded
//! (size, nesting, aliases), the characters YAML and JSON forbid, the mapping from the parser's
//! character positions to bytes, and short excerpts of values for messages. Depends on nothing
//! but `Location`.

use super::read::Location;

/// The largest text read: CloudFormation takes template bodies up to 1 MB, so 8 MiB leaves room
/// for any formatting of a valid template while keeping memory bounded.
pub const MAX_INPUT_BYTES: usize = 8 * 1024 * 1024;
/// The deepest nesting of lists and maps read (serde_json's own limit for JSON is 128).
pub const MAX_DEPTH: usize = 100;
/// At most this many aliases (`*name`) in one document.
pub const MAX_ALIASES: usize = 10_000;
/// At most this much text (in bytes, plus a fixed cost per node) that aliases add by copying
/// their anchors: a small file must not expand into gigabytes (an "alias bomb").
pub const MAX_ALIAS_EXPANSION: usize = 16 * 1024 * 1024;
/// Fixed cost of one node in the expansion budget.
pub(crate) const NODE_COST: usize = 16;

/// Where the first character that YAML and JSON forbid in a text is, if any: control characters
/// other than tab, line feed and carriage return (NUL and ESC among them), DEL, the C1 controls
/// but NEL, and the non-characters U+FFFE and U+FFFF.
/// See: <https://yaml.org/spec/1.2.2/#51-character-set>
pub fn forbidden_character(text: &str) -> Option<(Location, char)> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | '\u{85}')
            || (' '..='~').contains(&c)
            || ('\u{a0}'..='\u{fffd}').contains(&c)
            || c >= '\u{10000}'
    };
    let (byte, bad) = text.char_indices().find(|(_, c)| !allowed(*c))?;
    let before = &text[..byte];
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    let location =
        Location { line: before.matches('\n').count() + 1, column: before[line_start..].chars().count() + 1 };
    Some((location, bad))
}

/// `s` quoted for a message, cut to its first 60 characters when longer (a 20 MB value is not
/// echoed whole).
pub fn excerpt(s: &str) -> String {
    const SHOWN: usize = 60;
    match s.char_indices().nth(SHOWN) {
        None => format!("{s:?}"),
        Some((cut, _)) => format!("{:?}… ({} characters)", &s[..cut], s.chars().count()),
    }
}

/// How a forbidden character is named in a message.
pub(crate) fn character_name(c: char) -> String {
    match c {
        '\0' => "a NUL byte (U+0000)".into(),
        '\u{1b}' => "an ESC character (U+001B)".into(),
        c => format!("the character U+{:04X}", c as u32),
    }
}

/// The parser counts characters; slicing the text needs bytes. For ASCII text they are the same;
/// otherwise a table maps each character index to its byte offset, so every look-up is O(1) and
/// reading stays linear whatever the text holds.
pub(crate) enum CharBytes {
    Ascii,
    Table(Vec<u32>),
}

impl CharBytes {
    pub(crate) fn new(text: &str) -> CharBytes {
        if text.is_ascii() {
            return CharBytes::Ascii;
        }
        // Texts are at most MAX_INPUT_BYTES long, so offsets fit in u32.
        CharBytes::Table(text.char_indices().map(|(b, _)| b as u32).collect())
    }

    /// The byte offset of char index `i` (the text's length past its end).
    pub(crate) fn byte(&self, text: &str, i: usize) -> usize {
        match self {
            CharBytes::Ascii => i.min(text.len()),
            CharBytes::Table(t) => t.get(i).map_or(text.len(), |b| *b as usize),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::read::tests::{yaml, yaml_err};
    use crate::cfn::read::{read_value, Format, ReadErrorKind};

    #[test]
    fn deep_block_nesting_is_a_located_error_not_a_stack_overflow() {
        // 7,000 block lists in 14 KB.
        let e = yaml_err(&format!("a:\n{}x\n", "- ".repeat(7000)));
        assert_eq!(*e.kind, ReadErrorKind::TooDeep, "{e}");
        assert!(e.location.is_some());
        let maps: String = (0..MAX_DEPTH + 1).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        assert_eq!(*yaml_err(&maps).kind, ReadErrorKind::TooDeep);
        // Exactly at the limit still reads.
        let ok: String = (0..MAX_DEPTH).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        assert!(read_value(&format!("{ok}{}x\n", " ".repeat(MAX_DEPTH)), "t", Format::Yaml).is_ok());
    }

    #[test]
    fn alias_bombs_stop_at_the_expansion_budget() {
        let mut bomb =
            String::from("a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
        for (prev, name) in
            ["a", "b", "c", "d", "e", "f", "g", "h"].iter().zip(["b", "c", "d", "e", "f", "g", "h", "i"])
        {
            let refs = vec![format!("*{prev}"); 9].join(", ");
            bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        let e = yaml_err(&bomb);
        assert!(matches!(*e.kind, ReadErrorKind::AliasLimit(_)), "{e}");
        assert!(e.to_string().contains("alias bomb"), "{e}");
        // A long string copied many times is caught too.
        let big = format!("a: &a {}\nb: [{}]\n", "x".repeat(1 << 20), vec!["*a"; 20].join(", "));
        assert!(matches!(*yaml_err(&big).kind, ReadErrorKind::AliasLimit(_)));
        let many = format!("a: &a 1\nb: [{}]\n", vec!["*a"; MAX_ALIASES + 1].join(", "));
        assert!(yaml_err(&many).to_string().contains("aliases in one document"));
    }

    #[test]
    fn control_characters_are_rejected_where_they_are() {
        let e = yaml_err("Resources:\n  A:\n    Type: T\0\n  B:\n    Type: T\n");
        assert_eq!(e.location, Some(Location { line: 3, column: 12 }));
        assert!(e.to_string().contains("NUL"), "{e}");
        let e = yaml_err("\0Resources: {}\n");
        assert!(e.to_string().contains("NUL"), "{e}");
        let e = yaml_err("Resources:\n  A\u{1b}[31m:\n    Type: T\n");
        assert_eq!(e.location, Some(Location { line: 2, column: 4 }));
        assert!(e.to_string().contains("ESC"), "{e}");
        let e = read_value("{\"a\": \"\u{7f}\"}", "t.json", Format::Json).unwrap_err();
        assert!(matches!(*e.kind, ReadErrorKind::ControlCharacter(_)), "{e}");
        // Tabs, CRLF line ends and non-ASCII text are fine.
        assert!(read_value("a: \"x\ty\"\r\nb: \"é\u{2028}\"\r\n", "t", Format::Yaml).is_ok());
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        assert_eq!(yaml("\u{feff}a: 1\n"), yaml("a: 1\n"));
        let (v, _) = read_value("\u{feff}{\"a\": 1}", "t.json", Format::Json).unwrap();
        assert_eq!(v, yaml("a: 1\n"));
    }

    #[test]
    fn oversized_text_is_refused_before_parsing() {
        let text = format!("a: {}\n", "x".repeat(MAX_INPUT_BYTES));
        assert!(matches!(*yaml_err(&text).kind, ReadErrorKind::TooLarge(_)));
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        assert_eq!(excerpt("short"), "\"short\"");
        let long = "é".repeat(100_000);
        let shown = excerpt(&long);
        assert!(shown.len() < 200 && shown.ends_with("(100000 characters)"), "{shown}");
        let key = "k".repeat(1 << 20);
        let e = read_value(&format!("{key}: 1\n{key}: 2\n"), "t", Format::Yaml).unwrap_err();
        assert!(e.to_string().len() < 300, "{}", e.to_string().len());
    }

    #[test]
    fn char_positions_map_to_bytes() {
        let text = "aé😀b";
        let cb = CharBytes::new(text);
        assert_eq!([0, 1, 2, 3, 4].map(|i| cb.byte(text, i)), [0, 1, 3, 7, 8]);
        assert_eq!(CharBytes::new("ab").byte("ab", 5), 2);
    }
}
