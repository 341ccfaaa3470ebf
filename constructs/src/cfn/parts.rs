//! An intrinsic function's argument borrowed part by part ([`Intrinsic::parts`]), for the walkers
//! that look inside every function of a template without copying arguments.
//!
//! Depends on the value model only.

use super::value::{Intrinsic, Map, Value};

/// A part of an intrinsic's argument, borrowed from the function (see [`Intrinsic::parts`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Part<'a> {
    /// A name or delimiter the function holds as text (`Ref`'s name, `Fn::Join`'s delimiter).
    Text(&'a str),
    Value(&'a Value),
    /// `Fn::Sub`'s variables.
    Map(&'a Map),
}

/// An intrinsic's argument as [`Intrinsic::argument`] gives it, without copying it.
#[derive(Debug, Clone, PartialEq)]
pub enum Parts<'a> {
    /// The argument is this part (`Ref`'s name, `Fn::Base64`'s value).
    One(Part<'a>),
    /// The argument is a list of these parts, in order (`Fn::Join`: delimiter, values).
    List(Vec<Part<'a>>),
}

impl Intrinsic {
    /// The argument in long form, borrowed: what [`Intrinsic::argument`] gives, part for part, for
    /// the walkers that look inside every function of a template (copying each argument to look
    /// at it made them quadratic in how deep functions nest).
    pub fn parts(&self) -> Parts<'_> {
        use Part::{Text, Value as V};
        let list = Parts::List;
        match self {
            Intrinsic::Ref(n) | Intrinsic::Condition(n) => Parts::One(Text(n)),
            Intrinsic::GetAtt { resource, attribute } => list(vec![Text(resource), V(attribute)]),
            Intrinsic::Sub { template, variables: None } => Parts::One(Text(template)),
            Intrinsic::Sub { template, variables: Some(v) } => list(vec![Text(template), Part::Map(v)]),
            Intrinsic::Join { delimiter, values } => list(vec![Text(delimiter), V(values)]),
            Intrinsic::Select { index, list: l } => list(vec![V(index), V(l)]),
            Intrinsic::Split { delimiter, source } => list(vec![Text(delimiter), V(source)]),
            Intrinsic::ImportValue(v)
            | Intrinsic::GetAZs(v)
            | Intrinsic::Base64(v)
            | Intrinsic::Length(v)
            | Intrinsic::ToJsonString(v)
            | Intrinsic::Transform(v)
            | Intrinsic::Kept { argument: v, .. } => Parts::One(V(v)),
            Intrinsic::FindInMap { map, top, second, default } => {
                list([map, top, second].into_iter().chain(default).map(V).collect())
            }
            Intrinsic::Cidr { block, count, bits } => list(vec![V(block), V(count), V(bits)]),
            Intrinsic::If { condition, then, otherwise } => list(vec![Text(condition), V(then), V(otherwise)]),
            Intrinsic::Equals(a, b) => list(vec![V(a), V(b)]),
            Intrinsic::And(items) | Intrinsic::Or(items) => list(items.iter().map(V).collect()),
            Intrinsic::Not(c) => list(vec![V(c)]),
        }
    }

    /// Calls `f` on every value inside the argument that may hold further functions, in order
    /// (a `Fn::Sub` variable map's values; not the names the function holds as text).
    pub fn for_each_value<'a>(&'a self, f: &mut dyn FnMut(&'a Value)) {
        let mut part = |p: Part<'a>| match p {
            Part::Text(_) => {}
            Part::Value(v) => f(v),
            Part::Map(m) => m.values().for_each(&mut *f),
        };
        match self.parts() {
            Parts::One(p) => part(p),
            Parts::List(items) => items.into_iter().for_each(part),
        }
    }
}

impl Part<'_> {
    /// The part as a value of its own (a copy), as it stands in [`Intrinsic::argument`].
    pub fn to_value(self) -> Value {
        match self {
            Part::Text(t) => Value::String(t.to_string()),
            Part::Value(v) => v.clone(),
            Part::Map(m) => Value::Map(m.clone()),
        }
    }
}

impl Parts<'_> {
    /// The argument as a value of its own: [`Intrinsic::argument`].
    pub fn to_value(&self) -> Value {
        match self {
            Parts::One(p) => p.to_value(),
            Parts::List(items) => Value::List(items.iter().map(|p| p.to_value()).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::{read_template, Format};

    #[test]
    fn parts_are_the_argument_part_for_part() {
        // Every function form, short and long, nested in one another.
        let text = "
Conditions:
  C: !And [!Equals [!Ref P, x], !Not [!Condition D], !Or [!Equals [a, b], !Equals [c, d]]]
Resources:
  R:
    Type: T
    Properties:
      A: !GetAtt X.Y
      B: {'Fn::GetAtt': [X, !Ref Attr]}
      C: !Sub 'a-${P}'
      D: !Sub ['a-${V}', {V: !Join ['-', [!Ref P, !Select [0, !Split [',', !ImportValue E]]]]}]
      E: !FindInMap [M, !Ref 'AWS::Region', K]
      F: {'Fn::FindInMap': [M, a, b, {DefaultValue: !Base64 x}]}
      G: !Cidr [!GetAZs '', 3, 8]
      H: !If [C, !Ref 'AWS::NoValue', [1, 2]]
      I: {'Fn::Length': [1, 2]}
      J: {'Fn::ToJsonString': {a: !Ref P}}
      K: {'Fn::Transform': {Name: AWS::Include, Parameters: {Location: s3://b/k}}}
";
        let t = read_template(text, "t.yaml", Format::Yaml).unwrap().template;
        let mut functions = Vec::new();
        let mut all = t.conditions.values().chain(t.resources["R"].properties.values()).collect::<Vec<_>>();
        while let Some(v) = all.pop() {
            match v {
                Value::List(items) => all.extend(items),
                Value::Map(m) => all.extend(m.values()),
                Value::Fn(f) => {
                    functions.push(f.name());
                    assert_eq!(f.parts().to_value(), f.argument(), "{}", f.name());
                    // What `for_each_value` gives is every value of the argument but its text.
                    let mut values = Vec::new();
                    f.for_each_value(&mut |v| values.push(v.clone()));
                    let mut expected = Vec::new();
                    match (f.parts(), f.argument()) {
                        (Parts::One(Part::Text(_)), _) => {}
                        (Parts::One(_), argument) => expected.push(argument),
                        (Parts::List(parts), Value::List(items)) => {
                            for (p, item) in parts.into_iter().zip(items) {
                                match (p, item) {
                                    (Part::Text(_), _) => {}
                                    (Part::Map(_), Value::Map(m)) => expected.extend(m.into_iter().map(|(_, v)| v)),
                                    (_, item) => expected.push(item),
                                }
                            }
                        }
                        (parts, argument) => panic!("{parts:?} for {argument:?}"),
                    }
                    assert_eq!(values, expected, "{}", f.name());
                    f.for_each_value(&mut |v| all.push(v));
                }
                _ => {}
            }
        }
        for name in [
            "Fn::GetAtt",
            "Fn::Sub",
            "Fn::Join",
            "Fn::Select",
            "Fn::Split",
            "Fn::ImportValue",
            "Fn::FindInMap",
            "Fn::Base64",
            "Fn::Cidr",
            "Fn::GetAZs",
            "Fn::If",
            "Fn::Equals",
            "Fn::And",
            "Fn::Or",
            "Fn::Not",
            "Condition",
            "Ref",
            "Fn::Length",
            "Fn::ToJsonString",
            "Fn::Transform",
        ] {
            assert!(functions.contains(&name), "{name} not covered");
        }
    }
}
