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

/// The long-form JSON of a value. Numbers JSON cannot spell (`0777`, `.5`) become strings, which
/// CloudFormation reads the same.
pub fn to_serde(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(n) => match serde_json::from_str::<serde_json::Number>(n) {
            Ok(num) if num.to_string() == *n => J::Number(num),
            _ => J::String(n.clone()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::value::{get_att, sub};

    #[test]
    fn intrinsics_are_long_form() {
        let v =
            Value::List(vec![get_att("A", "B"), sub("x"), Value::Number("443".into()), Value::Number("0777".into())]);
        let j: serde_json::Value = serde_json::from_str(&value_to_json(&v)).unwrap();
        assert_eq!(j, serde_json::json!([{"Fn::GetAtt": ["A", "B"]}, {"Fn::Sub": "x"}, 443, "0777"]));
    }
}
