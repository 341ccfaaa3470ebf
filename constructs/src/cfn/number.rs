//! YAML 1.1's numbers, as PyYAML (cfn-lint) and CloudFormation read an unquoted scalar: besides
//! the forms YAML 1.2 shares, `1_000` (1000), `1:30` (sexagesimal, 90), `0b101` (5), `0777`
//! (octal, 511), `0x1F` (31), `+1`, `.5`, `1.` and `1:30.5`. The reader keeps such a number as
//! written (so `fmt` writes it back the same); JSON output, `diff` and schema checks use its
//! value ([`decimal`]).
//!
//! See: <https://yaml.org/type/int.html>, <https://yaml.org/type/float.html>
//!
//! Also whether a scalar is a number in YAML 1.2's core schema, which the reader reads first.
//!
//! Depends on nothing else of the model.

/// `t` without a leading sign, and whether the sign was `-`.
fn unsigned(t: &str) -> (bool, &str) {
    match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    }
}

fn all(s: &str, ok: impl Fn(u8) -> bool) -> bool {
    s.bytes().all(ok)
}

/// The parts after the first of a sexagesimal number (`1:30:05`): each `[0-5]?[0-9]`.
fn base60_parts<'a>(mut parts: impl Iterator<Item = &'a str>) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    for p in parts.by_ref() {
        let ok = match p.as_bytes() {
            [d] => d.is_ascii_digit(),
            [a, b] => (b'0'..=b'5').contains(a) && b.is_ascii_digit(),
            _ => false,
        };
        if !ok {
            return None;
        }
        out.push(p.parse().ok()?);
    }
    (!out.is_empty()).then_some(out)
}

/// A YAML 1.1 integer's value (`None` for anything else, or one past 128 bits).
pub fn integer(t: &str) -> Option<i128> {
    let (negative, body) = unsigned(t);
    let digits = |s: &str| s.replace('_', "");
    let magnitude: i128 = if let Some(bin) = body.strip_prefix("0b") {
        if bin.is_empty() || !all(bin, |b| matches!(b, b'0' | b'1' | b'_')) {
            return None;
        }
        i128::from_str_radix(&digits(bin), 2).ok()?
    } else if let Some(hex) = body.strip_prefix("0x") {
        if hex.is_empty() || !all(hex, |b| b.is_ascii_hexdigit() || b == b'_') {
            return None;
        }
        i128::from_str_radix(&digits(hex), 16).ok()?
    } else if body == "0" {
        0
    } else if let Some(oct) = body.strip_prefix('0') {
        if oct.is_empty() || !all(oct, |b| (b'0'..=b'7').contains(&b) || b == b'_') {
            return None;
        }
        let oct = digits(oct);
        if oct.is_empty() {
            0
        } else {
            i128::from_str_radix(&oct, 8).ok()?
        }
    } else {
        let mut parts = body.split(':');
        let first = parts.next()?;
        if !first.starts_with(|c: char| c.is_ascii_digit() && c != '0')
            || !all(first, |b| b.is_ascii_digit() || b == b'_')
        {
            return None;
        }
        let mut value: i128 = digits(first).parse().ok()?;
        if body.contains(':') {
            for p in base60_parts(parts)? {
                value = value.checked_mul(60)?.checked_add(i128::from(p))?;
            }
        }
        value
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// A YAML 1.1 float's value, PyYAML's reading (`1e3` and `-.5` are text there); infinities and
/// NaN included.
pub fn float(t: &str) -> Option<f64> {
    match t {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    let (negative, body) = unsigned(t);
    let signed = body.len() != t.len();
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    if let Some(e) = exponent {
        // [eE][-+][0-9]+: the exponent's sign is required
        let digits = e.strip_prefix(['-', '+']).filter(|d| !d.is_empty() && all(d, |b| b.is_ascii_digit()));
        if digits.is_none() || mantissa.contains(':') {
            return None;
        }
    }
    let (int, frac) = mantissa.split_once('.')?;
    let numeric = |s: &str| all(s, |b| b.is_ascii_digit() || b == b'_');
    if !numeric(frac) {
        return None;
    }
    let whole: f64 = if int.is_empty() {
        // `.5`: no sign, digits after the point
        if signed || frac.replace('_', "").is_empty() {
            return None;
        }
        0.0
    } else if int.contains(':') {
        let mut parts = int.split(':');
        let first = parts.next()?;
        if !first.starts_with(|c: char| c.is_ascii_digit()) || !numeric(first) {
            return None;
        }
        let mut v: f64 = first.replace('_', "").parse().ok()?;
        for p in base60_parts(parts)? {
            v = v * 60.0 + f64::from(p);
        }
        v
    } else {
        if !int.starts_with(|c: char| c.is_ascii_digit()) || !numeric(int) {
            return None;
        }
        int.replace('_', "").parse().ok()?
    };
    let frac: f64 = format!("0.{}0", frac.replace('_', "")).parse().ok()?;
    let exp: i32 = exponent.map_or(Ok(0), str::parse).ok()?;
    let v = (whole + frac) * 10f64.powi(exp);
    Some(if negative { -v } else { v })
}

/// Whether YAML 1.1 (PyYAML, CloudFormation) reads unquoted `t` as a number.
pub fn is_yaml11(t: &str) -> bool {
    // (what YAML 1.1 resolves as a number starts with one of these: most text is told at once)
    t.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.'))
        && (integer(t).is_some() || float(t).is_some())
}

/// The plain decimal text of a YAML 1.1 number JSON cannot spell as written (`0777` → `511`,
/// `1_000` → `1000`, `1:30` → `90`, `+1` → `1`, `.5` → `0.5`); `None` for a number JSON spells
/// (`443`, `-1.5`, `1.0e+3`: they are kept as written), one JSON cannot hold (`.inf`), or anything
/// else.
pub fn decimal(t: &str) -> Option<String> {
    if serde_json::from_str::<serde_json::Number>(t).is_ok() {
        return None;
    }
    match integer(t) {
        Some(i) => Some(i.to_string()),
        None => float(t).filter(|f| f.is_finite()).map(|f| format!("{f:?}")),
    }
}

/// Whether `t` is an int or float in the YAML 1.2 core schema.
pub fn is_core_number(t: &str) -> bool {
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    if let Some(oct) = t.strip_prefix("0o") {
        return !oct.is_empty() && oct.bytes().all(|b| (b'0'..=b'7').contains(&b));
    }
    if let Some(hex) = t.strip_prefix("0x") {
        return !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    if matches!(body, ".inf" | ".Inf" | ".INF") || matches!(t, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    // [0-9]* ( . [0-9]* )? ( [eE] [-+]? [0-9]+ )? with at least one digit before the exponent
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !frac.is_none_or(digits) || int.len() + frac.map_or(0, str::len) == 0 {
        return false;
    }
    match exponent {
        None => true,
        Some(e) => {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && digits(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyyaml_reads_these_as_numbers() {
        // each as PyYAML 6 reads it (yaml.safe_load)
        for (t, v) in [
            ("1_000", "1000"),
            ("1:30", "90"),
            ("190:20:30", "685230"),
            ("-1:30", "-90"),
            ("+1", "1"),
            ("+0", "0"),
            ("0b101", "5"),
            ("017", "15"),
            ("0_17", "15"),
            ("0777", "511"),
            ("000644", "420"),
            ("00", "0"),
            ("0x1F", "31"),
            ("0x1_F", "31"),
            ("-0x1F", "-31"),
            ("+0x1F", "31"),
            ("1_", "1"),
            (".5", "0.5"),
            ("1.", "1.0"),
            ("0.", "0.0"),
            ("+1.5", "1.5"),
            ("1_000.5", "1000.5"),
            ("1:30.5", "90.5"),
            ("1.5_0", "1.5"),
        ] {
            assert!(is_yaml11(t), "{t}");
            assert_eq!(decimal(t).as_deref(), Some(v), "{t}");
        }
        for t in ["443", "-1", "0", "1.5", "-1.5", "1.0e+3"] {
            assert!(is_yaml11(t), "{t}");
            assert_eq!(decimal(t), None, "{t}");
        }
        for t in [".inf", "-.inf", ".NaN", "+.Inf"] {
            assert!(is_yaml11(t), "{t}");
        }
    }

    #[test]
    fn pyyaml_reads_these_as_text() {
        for t in [
            "1e3",
            "1.0e3",
            "0o17",
            "-.5",
            "+.5",
            "08",
            "09",
            "0x",
            "0b",
            "_1",
            "1:70",
            "1:3:",
            "a1",
            "1.2.3",
            "10.2.0.0/16",
            "2012-10-17",
            "12:30:00Z",
            ".",
            "-",
            "+",
            "",
            ".nan_",
            "1 000",
            "0b102",
            ".Nan",
        ] {
            assert!(!is_yaml11(t), "{t}");
            assert_eq!(decimal(t), None, "{t}");
        }
    }
}
