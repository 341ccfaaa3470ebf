//! Writing JSON: every intrinsic in long form (`{"Fn::Sub": ...}`), two-space indentation.
//! Depends only on the model and serde_json.

use super::template::Template;
use super::value::Value;

/// The template as pretty JSON text with a final newline.
pub fn to_json(t: &Template) -> String {
    value_to_json(&t.to_value())
}

/// Any value as pretty JSON text with a final newline.
pub fn value_to_json(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(&to_serde(v)).unwrap_or_default();
    s.push('\n');
    s
}

/// The long-form JSON of a value. A YAML 1.1 number JSON cannot spell (`0777`, `1_000`, `.5`)
/// becomes the number CloudFormation reads (511, 1000, 0.5); other numbers JSON cannot spell
/// (`1e3`, text to YAML 1.1) become strings, which CloudFormation reads the same.
pub fn to_serde(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(n) => match super::number::decimal(n).and_then(|d| d.parse().ok()) {
            Some(num) => J::Number(num),
            None => number_or_text(n),
        },
        Value::String(s) => J::String(s.clone()),
        Value::List(items) => J::Array(items.iter().map(to_serde).collect()),
        Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), to_serde(v))).collect()),
        Value::Fn(f) => {
            let mut m = serde_json::Map::new();
            m.insert(f.name().to_string(), to_serde(&f.argument()));
            J::Object(m)
        }
    }
}

fn number_or_text(n: &str) -> serde_json::Value {
    use serde_json::Value as J;
    match serde_json::from_str::<serde_json::Number>(n) {
        Ok(num) if num.to_string() == *n => J::Number(num),
        _ => J::String(n.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::value::{get_att, sub};

    #[test]
    fn intrinsics_are_long_form() {
        let numbers = ["443", "0777", "0x1F", ".5", "1e3"].map(|n| Value::Number(n.into()));
        let v = Value::List([vec![get_att("A", "B"), sub("x")], numbers.to_vec()].concat());
        let j: serde_json::Value = serde_json::from_str(&value_to_json(&v)).unwrap();
        // YAML 1.1's octal, hex, `.5`: the number CloudFormation reads; what JSON cannot spell
        // otherwise: text
        assert_eq!(j, serde_json::json!([{"Fn::GetAtt": ["A", "B"]}, {"Fn::Sub": "x"}, 443, 511, 31, 0.5, "1e3"]));
    }
}
