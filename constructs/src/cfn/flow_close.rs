//! A work-around for the YAML parser (yaml-rust2 0.13): it refuses a flow collection that spans
//! lines when its closing bracket sits at (or left of) the column of the key it belongs to and
//! every scalar inside is quoted, the JSON-in-YAML style of half-converted templates:
//!
//! ```yaml
//!       DisplayName: {
//!         "Ref": "AWS::StackName"
//!       }
//! ```
//!
//! PyYAML (cfn-lint) and CloudFormation read it; so does yaml-rust2 when one scalar inside is
//! plain. When the parser says "invalid indentation" at a line whose first character is `}` or
//! `]`, the reader tries again with every such line indented past the deepest line of the text.
//! That changes nothing a YAML reader reads: inside a flow collection indentation has no meaning,
//! and outside one a line cannot start with a closing bracket (the text stays refused). Locations
//! on the moved lines are given back in the original's columns.
//!
//! Depends on nothing else of the model.

/// The parser's message this work-around answers.
pub const INVALID_INDENTATION: &str = "invalid indentation";

/// Lines whose first non-blank character closes a flow collection.
fn closes(line: &str) -> bool {
    line.trim_start_matches([' ', '\t']).starts_with(['}', ']'])
}

/// `text` with every line that starts with a closing bracket indented by the same number of
/// spaces, that number; `None` when no line does, or when the line the parser stopped at
/// (1-based `line`) does not.
pub fn indented(text: &str, line: usize) -> Option<(String, usize)> {
    if !text.lines().nth(line.checked_sub(1)?).is_some_and(closes) {
        return None;
    }
    let deepest = text.lines().map(|l| l.len() - l.trim_start_matches(' ').len()).max().unwrap_or(0);
    let shift = deepest + 1;
    let pad = " ".repeat(shift);
    let mut out = String::with_capacity(text.len() + shift * 8);
    for l in text.split_inclusive('\n') {
        if closes(l) {
            out.push_str(&pad);
        }
        out.push_str(l);
    }
    Some((out, shift))
}

/// The column (1-based) in the original text of `column` on `line` of the indented text.
pub fn original_column(text: &str, line: usize, column: usize, shift: usize) -> usize {
    match text.lines().nth(line.saturating_sub(1)) {
        Some(l) if closes(l) => column.saturating_sub(shift).max(1),
        _ => column,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lines_that_close_a_collection_move() {
        let text = "A: {\n  \"B\": \"c\"\n}\nD: [\n   \"e\"\n ]\n";
        assert_eq!(indented(text, 2), None);
        let (moved, shift) = indented(text, 3).unwrap();
        assert_eq!(shift, 4);
        assert_eq!(moved, "A: {\n  \"B\": \"c\"\n    }\nD: [\n   \"e\"\n     ]\n");
        assert_eq!(original_column(text, 3, 5, shift), 1);
        assert_eq!(original_column(text, 2, 3, shift), 3);
    }
}
