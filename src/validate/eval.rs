//! Evaluating expressions to the text they produce with default values: parameters resolve to the
//! value the parent stack passes (for nested stacks) or their `Default`; pseudo parameters to
//! representative values whose lengths are the real ones (a 12-digit account, a stack id whose
//! last UUID group gives the 12-character name suffix). Anything that depends on deployment
//! (resource ids, attributes, imports, unknown parameters) evaluates to `None`.

use std::collections::HashSet;

use sds_constructs::cfn::{Intrinsic, Map, Template, Value};

/// A representative stack id: `Select 4 (Split - (Select 2 (Split / StackId)))` gives `a1b2c3d4e5f6`.
pub const STACK_ID: &str =
    "arn:aws:cloudformation:us-east-1:123456789012:stack/sds-stack/12345678-abcd-ef01-2345-a1b2c3d4e5f6";

/// Where a template's parameters come from.
pub struct Ctx<'a> {
    pub template: &'a Template,
    /// The parent's context and the `Parameters` it passes, for a nested template.
    pub parent: Option<(Box<Ctx<'a>>, &'a Map)>,
}

fn pseudo(name: &str) -> Option<String> {
    Some(
        match name {
            "AWS::AccountId" => "123456789012",
            "AWS::Region" => "us-east-1",
            "AWS::Partition" => "aws",
            "AWS::URLSuffix" => "amazonaws.com",
            "AWS::StackId" => STACK_ID,
            _ => return None,
        }
        .to_string(),
    )
}

impl<'a> Ctx<'a> {
    #[cfg(test)]
    pub fn root(template: &'a Template) -> Ctx<'a> {
        Ctx { template, parent: None }
    }

    /// The value of parameter `name`, if it has one before deployment.
    pub fn parameter(&self, name: &str) -> Option<String> {
        let p = self.template.parameters.get(name)?;
        if let Some((parent, passed)) = &self.parent {
            if let Some(v) = passed.get(name) {
                return parent.eval(v);
            }
        }
        p.attributes.get("Default").and_then(scalar)
    }

    /// The text `v` evaluates to, if it is known before deployment.
    pub fn eval(&self, v: &Value) -> Option<String> {
        match v {
            Value::Fn(f) => self.eval_fn(f),
            other => scalar(other),
        }
    }

    fn eval_ref(&self, name: &str) -> Option<String> {
        if self.template.parameters.contains_key(name) {
            self.parameter(name)
        } else {
            pseudo(name)
        }
    }

    fn eval_fn(&self, f: &Intrinsic) -> Option<String> {
        match f {
            Intrinsic::Ref(name) => self.eval_ref(name),
            Intrinsic::Sub { template, variables } => {
                let mut out = String::new();
                let mut rest = template.as_str();
                while let Some(i) = rest.find("${") {
                    out.push_str(&rest[..i]);
                    let after = &rest[i + 2..];
                    let j = after.find('}')?;
                    let name = after[..j].trim();
                    if let Some(literal) = name.strip_prefix('!') {
                        out.push_str("${");
                        out.push_str(literal);
                        out.push('}');
                    } else {
                        let value = match variables.as_ref().and_then(|vs| vs.get(name)) {
                            Some(v) => self.eval(v)?,
                            None if name.contains('.') => return None,
                            None => self.eval_ref(name)?,
                        };
                        out.push_str(&value);
                    }
                    rest = &after[j + 1..];
                }
                out.push_str(rest);
                Some(out)
            }
            Intrinsic::Join { delimiter, values } => Some(self.eval_list(values)?.join(delimiter)),
            Intrinsic::Select { index, list } => {
                let i: usize = self.eval(index)?.parse().ok()?;
                self.eval_list(list)?.into_iter().nth(i)
            }
            Intrinsic::FindInMap { map, top, second, .. } => {
                let m = self.template.mappings.get(&self.eval(map)?)?.as_map()?;
                let inner = m.get(&self.eval(top)?)?.as_map()?;
                self.eval(inner.get(&self.eval(second)?)?)
            }
            _ => None,
        }
    }

    /// A list value: a literal list, `Fn::Split`, `Fn::GetAZs`.
    pub fn eval_list(&self, v: &Value) -> Option<Vec<String>> {
        match v {
            Value::List(items) => items.iter().map(|i| self.eval(i)).collect(),
            Value::Fn(f) => match &**f {
                Intrinsic::Split { delimiter, source } => {
                    Some(self.eval(source)?.split(delimiter.as_str()).map(str::to_string).collect())
                }
                Intrinsic::GetAZs(_) => Some(vec!["us-east-1a".into(), "us-east-1b".into(), "us-east-1c".into()]),
                _ => None,
            },
            _ => None,
        }
    }
}

/// The text of a scalar.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) | Value::Number(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Parameters whose values flow into an expression's value (`Ref` and `Fn::Sub` variables), in
/// order, once each. Names inside `Fn::ImportValue` and map keys of `Fn::FindInMap` only select
/// a value, so they do not count.
pub fn parameters_in(v: &Value, t: &Template) -> Vec<String> {
    fn walk(v: &Value, t: &Template, out: &mut Vec<String>, seen: &mut HashSet<String>) {
        let mut add = |n: &str| {
            if t.parameters.contains_key(n) && seen.insert(n.to_string()) {
                out.push(n.to_string());
            }
        };
        match v {
            Value::List(items) => items.iter().for_each(|i| walk(i, t, out, seen)),
            Value::Map(m) => m.values().for_each(|i| walk(i, t, out, seen)),
            Value::Fn(f) => match &**f {
                Intrinsic::Ref(n) => add(n),
                Intrinsic::Sub { template, variables } => {
                    for var in sds_constructs::stack::sub_variables(template) {
                        if !variables.as_ref().is_some_and(|vs| vs.contains_key(&var)) {
                            add(&var);
                        }
                    }
                    variables.iter().flat_map(|vs| vs.values()).for_each(|i| walk(i, t, out, seen));
                }
                Intrinsic::ImportValue(_) | Intrinsic::FindInMap { .. } | Intrinsic::GetAtt { .. } => {}
                other => walk(&other.argument(), t, out, seen),
            },
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, t, &mut out, &mut HashSet::new());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sds_constructs::cfn::{read_template, Format};

    fn template(text: &str) -> Template {
        read_template(text, "t.yaml", Format::Yaml).unwrap().template
    }

    #[test]
    fn defaults_pseudo_parameters_and_the_stack_suffix() {
        let t = template(
            "Parameters:\n  Team:\n    Type: String\n    Default: fraud\nResources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Join ['', [!Sub 'ds-${Team}-${AWS::AccountId}-', !Select [4, !Split ['-', !Select [2, !Split [/, !Ref 'AWS::StackId']]]]]]\n",
        );
        let ctx = Ctx::root(&t);
        let name = ctx.eval(&t.resources["B"].properties["BucketName"]);
        assert_eq!(name.as_deref(), Some("ds-fraud-123456789012-a1b2c3d4e5f6"));
    }

    #[test]
    fn unknowns_stay_unknown_and_parents_bind_children() {
        let child = template("Parameters:\n  Name:\n    Type: String\nResources: {}\n");
        let parent = template("Parameters:\n  Root:\n    Type: String\n    Default: Shared\nResources: {}\n");
        assert_eq!(Ctx::root(&child).parameter("Name"), None);
        let mut passed = Map::new();
        passed.insert("Name".into(), sds_constructs::cfn::sub("${Root}-x"));
        let cctx = Ctx { template: &child, parent: Some((Box::new(Ctx::root(&parent)), &passed)) };
        assert_eq!(cctx.parameter("Name").as_deref(), Some("Shared-x"));
        assert_eq!(cctx.eval(&sds_constructs::cfn::sub("${Thing.Arn}")), None);
    }
}
