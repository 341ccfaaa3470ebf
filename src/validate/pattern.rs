//! The schemas' `pattern`s (`lazyPattern` in the vendored schemas, see `scripts/refresh-schemas`):
//! a custom keyword that compiles a pattern when a value first reaches it, once per process.
//! Text that is all ASCII (nearly every value in a template) is matched by the pattern with its
//! character classes cut down to ASCII, which matches the same ASCII texts and compiles in a
//! fraction of the time (`\p{L}` or `.` over all of Unicode is hundreds of automaton states).
//!
//! Depends on the regex engines only.

use std::sync::OnceLock;

use jsonschema::{Keyword, ValidationError};
use regex_syntax::hir::{
    self, Class, ClassBytes, ClassBytesRange, ClassUnicode, ClassUnicodeRange, Hir, HirKind, Look,
};
use serde_json::Value as J;

use super::instance::STAND_IN;
use crate::par::{once_per_key, Cells};

/// `pattern`, compiled when a value first reaches it: the schemas hold hundreds of patterns
/// (many with large Unicode classes) and a platform's values reach a few dozen, so compiling
/// them all up front would cost most of the validation time. Compiled patterns are shared.
pub(super) struct LazyPattern {
    source: String,
}

fn regex(source: &str) -> Option<&'static fancy_regex::Regex> {
    static CACHE: Cells<String, Option<fancy_regex::Regex>> = OnceLock::new();
    // (compiled outside the cache's lock: see `once_per_key`)
    once_per_key(&CACHE, source.to_string(), || {
        // JSON Schema patterns are ECMA 262; translate as the jsonschema crate does.
        let rust = jsonschema_regex::to_rust_regex(source).ok()?;
        // `[\p{L}...]{0,1024}` builds an automaton past the engine's size limit: the
        // length is maxLength's to check, so a large upper bound is dropped.
        let compiled = fancy_regex::Regex::new(&rust).or_else(|_| fancy_regex::Regex::new(&relax_bounds(&rust)));
        compiled.ok()
    })
    .as_ref()
}

/// `pattern` with every repetition bound over 255 dropped (`{1,65535}` → `{1,}`).
fn relax_bounds(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let bound = after.find('}').map(|j| (&after[..j], &after[j + 1..]));
        match bound.and_then(|(inner, tail)| Some((inner.split_once(',')?, tail))) {
            Some(((min, max), tail))
                if min.bytes().all(|b| b.is_ascii_digit()) && max.parse::<u32>().is_ok_and(|m| m > 255) =>
            {
                out.push_str(&format!("{{{min},}}"));
                rest = tail;
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

impl<'i> Keyword<'i> for LazyPattern {
    fn validate(&self, instance: &'i J) -> Result<(), ValidationError<'i>> {
        if self.is_valid(instance) {
            Ok(())
        } else {
            Err(ValidationError::custom(format!("{instance} does not match {:?}", self.source)))
        }
    }

    fn is_valid(&self, instance: &'i J) -> bool {
        let J::String(text) = instance else { return true };
        if text.starts_with(STAND_IN) {
            // A stand-in for a value known at deployment: whatever a pattern says of it is
            // ignored (`schema::ignorable`), so no pattern is compiled for it.
            return true;
        }
        if text.is_ascii() {
            if let Some(r) = ascii_regex(&self.source) {
                return r.is_match(text).unwrap_or(true);
            }
        }
        // A pattern the engine cannot compile checks nothing (every vendored one compiles: tested).
        regex(&self.source).is_none_or(|r| r.is_match(text).unwrap_or(true))
    }
}

pub(super) fn lazy_pattern<'a>(
    _: &'a serde_json::Map<String, J>,
    value: &'a J,
    _: jsonschema::paths::Location,
) -> Result<Box<dyn for<'i> Keyword<'i>>, ValidationError<'a>> {
    let source = value.as_str().unwrap_or_default().to_string();
    Ok(Box::new(LazyPattern { source }))
}

/// `source` compiled to match ASCII text: every class cut down to its ASCII members, Unicode word
/// boundaries made ASCII ones. On ASCII text it matches exactly where `source` does (a match
/// consumes only the text's characters, and an ASCII character is in a class if and only if it
/// is in the class's ASCII part). A pattern that needs fancy-regex (look-around) is compiled by
/// it in its ASCII mode, where classes are ASCII and `.` any character but a line feed, which
/// on ASCII text is the same. `None` when the pattern does not compile that way: it takes the
/// full engine.
fn ascii_regex(source: &str) -> Option<&'static Ascii> {
    static CACHE: Cells<String, Option<Ascii>> = OnceLock::new();
    once_per_key(&CACHE, source.to_string(), || {
        // A bound over 255 is dropped, as the full engine drops it when such a pattern is
        // past its size limit: the length is maxLength's to check, and a thousand copies of
        // a group cost milliseconds to compile.
        let rust = relax_bounds(&jsonschema_regex::to_rust_regex(source).ok()?);
        match regex_syntax::ParserBuilder::new().build().parse(&rust) {
            Ok(hir) => regex_automata::meta::Regex::builder().build_from_hir(&ascii(hir)).ok().map(Ascii::Plain),
            Err(_) => fancy_regex::RegexBuilder::new(&rust)
                .bytes_mode(fancy_regex::BytesMode::Ascii)
                .build()
                .ok()
                .map(Ascii::Fancy),
        }
    })
    .as_ref()
}

/// A pattern compiled for ASCII text.
enum Ascii {
    Plain(regex_automata::meta::Regex),
    Fancy(fancy_regex::Regex),
}

impl Ascii {
    /// Whether the pattern matches `text` (ASCII); `None` if the backtracking limit was hit.
    fn is_match(&self, text: &str) -> Option<bool> {
        match self {
            Ascii::Plain(r) => Some(r.is_match(text)),
            Ascii::Fancy(r) => r.is_match(text.as_bytes()).ok(),
        }
    }
}

/// `h` with its classes cut down to ASCII (see [`ascii_regex`]).
fn ascii(h: Hir) -> Hir {
    match h.into_kind() {
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(hir::Literal(bytes)) => Hir::literal(bytes),
        HirKind::Class(Class::Unicode(mut c)) => {
            c.intersect(&ClassUnicode::new([ClassUnicodeRange::new('\0', '\x7F')]));
            Hir::class(Class::Unicode(c))
        }
        HirKind::Class(Class::Bytes(mut c)) => {
            c.intersect(&ClassBytes::new([ClassBytesRange::new(0, 0x7F)]));
            Hir::class(Class::Bytes(c))
        }
        HirKind::Look(look) => Hir::look(match look {
            Look::WordUnicode => Look::WordAscii,
            Look::WordUnicodeNegate => Look::WordAsciiNegate,
            Look::WordStartUnicode => Look::WordStartAscii,
            Look::WordEndUnicode => Look::WordEndAscii,
            Look::WordStartHalfUnicode => Look::WordStartHalfAscii,
            Look::WordEndHalfUnicode => Look::WordEndHalfAscii,
            other => other,
        }),
        HirKind::Repetition(r) => {
            Hir::repetition(hir::Repetition { min: r.min, max: r.max, greedy: r.greedy, sub: Box::new(ascii(*r.sub)) })
        }
        HirKind::Capture(c) => {
            Hir::capture(hir::Capture { index: c.index, name: c.name, sub: Box::new(ascii(*c.sub)) })
        }
        HirKind::Concat(items) => Hir::concat(items.into_iter().map(ascii).collect()),
        HirKind::Alternation(items) => Hir::alternation(items.into_iter().map(ascii).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vendored_pattern_compiles() {
        fn patterns(v: &J, out: &mut Vec<String>) {
            match v {
                J::Object(m) => {
                    if let Some(J::String(p)) = m.get("lazyPattern") {
                        out.push(p.clone());
                    }
                    m.values().for_each(|v| patterns(v, out));
                }
                J::Array(items) => items.iter().for_each(|v| patterns(v, out)),
                _ => {}
            }
        }
        let mut all = Vec::new();
        for t in super::super::schema::registry_types() {
            patterns(&serde_json::from_str(super::super::schema::source(t).unwrap()).unwrap(), &mut all);
        }
        all.sort();
        all.dedup();
        assert!(all.len() > 2_000);
        // A pattern the engine cannot take checks nothing (it never refuses a value): those are
        // patterns written for other engines (UTF-16 surrogate ranges, `[\w-.]`), a handful
        // among thousands. Every pattern of the types the platform uses compiles.
        let failing: Vec<&String> = all.iter().filter(|p| regex(p).is_none()).collect();
        assert!(
            failing.len() * 100 < all.len(),
            "{} of {} patterns do not compile: {failing:#?}",
            failing.len(),
            all.len()
        );
        let mut platform = Vec::new();
        for t in
            ["AWS::S3::Bucket", "AWS::IAM::Role", "AWS::KMS::Key", "AWS::SageMaker::Domain", "AWS::Lambda::Function"]
        {
            patterns(&serde_json::from_str(super::super::schema::source(t).unwrap()).unwrap(), &mut platform);
        }
        for p in platform {
            assert!(regex(&p).is_some(), "pattern {p:?} does not compile");
        }
    }

    #[test]
    fn large_repetition_bounds_are_dropped() {
        assert_eq!(relax_bounds("^.{1,65535}$"), "^.{1,}$");
        assert_eq!(relax_bounds("^[a-z]{1,63}$"), "^[a-z]{1,63}$");
        assert_eq!(relax_bounds("\\p{L}{0,1024}"), "\\p{L}{0,}");
        assert!(regex("[\\p{L}\\p{M}\\p{Z}\\p{N}\\p{P}]{0,1024}").is_some());
    }

    #[test]
    fn lazy_patterns_check_strings_only() {
        let p = LazyPattern { source: "^[a-z]+$".into() };
        assert!(p.is_valid(&J::String("abc".into())));
        assert!(!p.is_valid(&J::String("ABC".into())));
        assert!(p.is_valid(&serde_json::json!(5)));
    }

    #[test]
    fn ascii_patterns_match_ascii_text_as_the_full_ones_do() {
        let patterns = [
            "^\\P{C}+$",
            "^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$",
            "^[\\w+=,.@-]+$",
            "^arn:aws(-[\\w]+)*:sagemaker:.+:[0-9]{12}:image/[a-z0-9]([-.]?[a-z0-9])*$",
            "^(?!\\s*$).+$",
            "^(?!aws:).+",
            "^[a-zA-Z0-9._\\-]+(?<!\\.git)$",
            "^[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+$",
            "^[^\\s]+$",
            "\\bword\\b",
            "(?i)^abc$",
        ];
        let texts = [
            "",
            "abc",
            "ABC",
            "a word here",
            "aws:x",
            "repo.git",
            "x\ty",
            "arn:aws:sagemaker:eu-west-1:123456789012:image/img-1",
            "é",
            "~!",
            "\u{7f}",
            " ",
        ];
        for p in patterns {
            for t in texts.iter().filter(|t| t.is_ascii()) {
                let full = regex(p).unwrap().is_match(t).unwrap();
                let a = ascii_regex(p).unwrap_or_else(|| panic!("{p:?} should take the ASCII engine"));
                assert_eq!(a.is_match(t), Some(full), "{p:?} on {t:?}");
            }
        }
        // Text with other characters takes the full engine.
        let p = LazyPattern { source: "^\\p{L}+$".into() };
        assert!(p.is_valid(&J::String("été".into())));
        assert!(!p.is_valid(&J::String("été1".into())));
        assert!(p.is_valid(&J::String("abc".into())));
        assert!(!p.is_valid(&J::String("ab-c".into())));
    }

    #[test]
    fn stand_ins_match_every_pattern() {
        let p = LazyPattern { source: "^arn:".into() };
        assert!(!p.is_valid(&J::String("not an arn".into())));
        assert!(p.is_valid(&J::String(format!("{STAND_IN}:!Ref Role"))));
    }
}
