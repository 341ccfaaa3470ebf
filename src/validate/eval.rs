//! Evaluating expressions to the text they produce with default values: parameters resolve to the
//! value the parent stack passes (for nested stacks) or their `Default`; pseudo parameters to
//! representative values whose lengths are the real ones (a 12-digit account, a stack id whose
//! last UUID group gives the 12-character name suffix). Anything that depends on deployment
//! (resource ids, attributes, imports, unknown parameters) evaluates to `None`.
//!
//! Evaluation is linear in the template whatever it holds: each parameter is evaluated once per
//! context and each `Fn::Sub` variable once per `Fn::Sub`, mapping values are taken as written
//! (CloudFormation allows no functions there, and one could name itself), and a text longer than
//! [`MAX_TEXT`], or past [`BUDGET`] for the context, is unknown. (A 600-byte template of nested
//! `Fn::Sub`s repeating one variable would otherwise evaluate to gigabytes.)

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};

use sds_constructs::cfn::{Intrinsic, Map, Template, Value};

/// A representative stack id: `Select 4 (Split - (Select 2 (Split / StackId)))` gives `a1b2c3d4e5f6`.
pub const STACK_ID: &str =
    "arn:aws:cloudformation:us-east-1:123456789012:stack/sds-stack/12345678-abcd-ef01-2345-a1b2c3d4e5f6";

/// The longest text an expression may evaluate to (the longest template CloudFormation takes is
/// 1 MB).
pub const MAX_TEXT: usize = 1 << 20;
/// The text all evaluations in one context may produce together (a template evaluates each value
/// a few times, so this is many times the largest template sds reads).
pub const BUDGET: usize = 256 << 20;

/// Where a template's parameters come from.
pub struct Ctx<'a> {
    pub template: &'a Template,
    /// The parent's context and the `Parameters` it passes, for a nested template.
    pub parent: Option<(Box<Ctx<'a>>, &'a Map)>,
    /// Parameters already evaluated.
    parameters: RefCell<HashMap<String, Option<String>>>,
    /// Text produced so far, counted against [`BUDGET`].
    spent: Cell<usize>,
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
    pub fn new(template: &'a Template, parent: Option<(Box<Ctx<'a>>, &'a Map)>) -> Ctx<'a> {
        Ctx { template, parent, parameters: RefCell::default(), spent: Cell::new(0) }
    }

    #[cfg(test)]
    pub fn root(template: &'a Template) -> Ctx<'a> {
        Ctx::new(template, None)
    }

    /// The value of parameter `name`, if it has one before deployment.
    pub fn parameter(&self, name: &str) -> Option<String> {
        if let Some(known) = self.parameters.borrow().get(name) {
            return known.clone();
        }
        let p = self.template.parameters.get(name)?;
        let passed = self.parent.as_ref().and_then(|(parent, passed)| Some((parent, passed.get(name)?)));
        let value = match passed {
            // The name of a Parameter Store parameter, looked up at deployment.
            // See: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-supplied-parameter-types.html#cloudformation-supplied-parameter-types-ssm
            _ if p.is_ssm_value() => None,
            Some((parent, v)) => parent.eval(v),
            // An empty default usually means "optional" (a condition tests for it): unknown.
            None => p.attributes.get("Default").and_then(scalar).filter(|d| !d.is_empty()),
        };
        self.parameters.borrow_mut().insert(name.to_string(), value.clone());
        value
    }

    /// The text `v` evaluates to, if it is known before deployment.
    pub fn eval(&self, v: &Value) -> Option<String> {
        let text = match v {
            Value::Fn(f) => self.eval_fn(f),
            other => scalar(other),
        }?;
        self.spend(text.len())?;
        Some(text)
    }

    /// Counts `n` bytes of text produced: `None` when that is too long or over the budget.
    fn spend(&self, n: usize) -> Option<()> {
        let spent = self.spent.get().saturating_add(n);
        self.spent.set(spent);
        (n <= MAX_TEXT && spent <= BUDGET).then_some(())
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
            Intrinsic::Sub { template, .. } if super::instance::is_dynamic_reference(template) => None,
            Intrinsic::Sub { template, variables } => {
                let mut out = String::new();
                // each variable evaluated once, however often the text repeats it
                let mut values: HashMap<&str, String> = HashMap::new();
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
                        if !values.contains_key(name) {
                            let value = match variables.as_ref().and_then(|vs| vs.get(name)) {
                                Some(v) => self.eval(v)?,
                                None if name.contains('.') => return None,
                                None => self.eval_ref(name)?,
                            };
                            values.insert(name, value);
                        }
                        out.push_str(values.get(name).map(String::as_str).unwrap_or_default());
                    }
                    if out.len() > MAX_TEXT {
                        return None;
                    }
                    rest = &after[j + 1..];
                }
                out.push_str(rest);
                Some(out)
            }
            Intrinsic::Join { delimiter, values } => {
                let items = self.eval_list(values)?;
                let len = items.iter().map(String::len).sum::<usize>();
                let delimiters = delimiter.len().checked_mul(items.len().saturating_sub(1))?;
                (len.saturating_add(delimiters) <= MAX_TEXT).then(|| items.join(delimiter))
            }
            Intrinsic::Select { index, list } => {
                let i: usize = self.eval(index)?.parse().ok()?;
                self.eval_list(list)?.into_iter().nth(i)
            }
            Intrinsic::FindInMap { .. } => scalar(self.find_in_map(f)?),
            _ => None,
        }
    }

    /// The mapping value a `Fn::FindInMap` selects, when its keys are known.
    fn find_in_map(&self, f: &Intrinsic) -> Option<&'a Value> {
        let Intrinsic::FindInMap { map, top, second, .. } = f else { return None };
        let m = self.template.mappings.get(&self.eval(map)?)?.as_map()?;
        let inner = m.get(&self.eval(top)?)?.as_map()?;
        inner.get(&self.eval(second)?)
    }

    /// A list value: a literal list, `Fn::Split`, `Fn::GetAZs`.
    pub fn eval_list(&self, v: &Value) -> Option<Vec<String>> {
        match v {
            Value::List(items) => {
                let mut total = 0;
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    let text = self.eval(i)?;
                    total += text.len();
                    if total > MAX_TEXT {
                        return None;
                    }
                    out.push(text);
                }
                Some(out)
            }
            Value::Fn(f) => match &**f {
                Intrinsic::Split { delimiter, source } => {
                    Some(self.eval(source)?.split(delimiter.as_str()).map(str::to_string).collect())
                }
                Intrinsic::GetAZs(_) => Some(vec!["us-east-1a".into(), "us-east-1b".into(), "us-east-1c".into()]),
                // A mapping value may be a list.
                // See: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/mappings-section-structure.html
                Intrinsic::FindInMap { .. } => match self.find_in_map(f)? {
                    list @ Value::List(_) => self.eval_list(list),
                    _ => None,
                },
                // A list parameter's value is its items joined with commas.
                Intrinsic::Ref(n) if self.template.parameters.get(n).is_some_and(|p| p.is_list()) => {
                    Some(self.parameter(n)?.split(',').map(|s| s.trim().to_string()).collect())
                }
                _ => None,
            },
            _ => None,
        }
    }
}

/// The text of a scalar; a dynamic reference (`{{resolve:ssm:...}}`) is known only at deployment.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if super::instance::is_dynamic_reference(s) => None,
        Value::String(s) => Some(s.clone()),
        // a YAML 1.1 number is the value CloudFormation reads (`1_000` is 1000, `0777` is 511)
        Value::Number(n) => Some(sds_constructs::cfn::number::decimal(n).unwrap_or_else(|| n.clone())),
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
                other => other.for_each_value(&mut |v| walk(v, t, out, seen)),
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
        let cctx = Ctx::new(&child, Some((Box::new(Ctx::root(&parent)), &passed)));
        assert_eq!(cctx.parameter("Name").as_deref(), Some("Shared-x"));
        assert_eq!(cctx.eval(&sds_constructs::cfn::sub("${Thing.Arn}")), None);
    }
}
