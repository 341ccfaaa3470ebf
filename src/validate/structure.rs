//! Checks of a template's own structure that CloudFormation rejects before it looks at a single
//! resource: the format version, at least one resource, parameter types, and the words allowed
//! in `DeletionPolicy` and `UpdateReplacePolicy`; and unquoted octal numbers, which it reads
//! otherwise than they look.
//!
//! Depends on the model and the evaluator (for policies given as `Ref` to a parameter) only.

use sds_constructs::cfn::template::pointer_segment;
use sds_constructs::cfn::{Template, Value};

use super::eval::Ctx;
use super::Sink;

/// The only template format version there is.
/// See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/format-version-structure.html>
const FORMAT_VERSION: &str = "2010-09-09";

/// See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html>
const DELETION_POLICIES: &[&str] = &["Delete", "Retain", "RetainExceptOnCreate", "Snapshot"];
/// See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-updatereplacepolicy.html>
const UPDATE_REPLACE_POLICIES: &[&str] = &["Delete", "Retain", "Snapshot"];

/// Parameter types that are neither lists nor SSM types.
/// See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html>
/// `List<String>` is not in that list, but CloudFormation accepts it (as cfn-lint does).
const PLAIN_TYPES: &[&str] = &["String", "Number", "List<Number>", "List<String>", "CommaDelimitedList"];

/// The AWS-specific parameter types; each but the key pair name also exists as `List<...>`.
/// See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-supplied-parameter-types.html>
const AWS_TYPES: &[&str] = &[
    "AWS::EC2::AvailabilityZone::Name",
    "AWS::EC2::Image::Id",
    "AWS::EC2::Instance::Id",
    "AWS::EC2::KeyPair::KeyName",
    "AWS::EC2::SecurityGroup::GroupName",
    "AWS::EC2::SecurityGroup::Id",
    "AWS::EC2::Subnet::Id",
    "AWS::EC2::Volume::Id",
    "AWS::EC2::VPC::Id",
    "AWS::Route53::HostedZone::Id",
];

fn is_aws_type(t: &str) -> bool {
    AWS_TYPES.contains(&t)
}

fn is_aws_list_type(t: &str) -> bool {
    t.strip_prefix("List<")
        .and_then(|r| r.strip_suffix('>'))
        .is_some_and(|inner| is_aws_type(inner) && inner != "AWS::EC2::KeyPair::KeyName")
}

/// Whether CloudFormation knows parameter type `t` (names are case-sensitive).
pub fn is_parameter_type(t: &str) -> bool {
    if PLAIN_TYPES.contains(&t) || is_aws_type(t) || is_aws_list_type(t) || t == "AWS::SSM::Parameter::Name" {
        return true;
    }
    // See: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-supplied-parameter-types.html#systems-manager-parameter-types-supported
    t.strip_prefix("AWS::SSM::Parameter::Value<").and_then(|r| r.strip_suffix('>')).is_some_and(|inner| {
        // Number, List<Number> and Parameter::Name are not in that list either; CloudFormation
        // accepts them (as cfn-lint does).
        matches!(
            inner,
            "String" | "List<String>" | "CommaDelimitedList" | "Number" | "List<Number>" | "AWS::SSM::Parameter::Name"
        ) || is_aws_type(inner)
            || is_aws_list_type(inner)
    })
}

/// Where the template holds a number YAML 1.1 reads as octal (`mode: 000644`): each value of
/// parameters, mappings, resources (properties and attributes, cfn-init metadata included) and
/// outputs. Numbers inside functions are left out.
fn octals(name: &str, t: &Template, sink: &mut Sink) {
    fn walk(v: &Value, pointer: &mut String, found: &mut Vec<(String, String)>) {
        match v {
            Value::Number(n) if sds_constructs::cfn::yaml::yaml11_integer(n) && !n.contains('x') => {
                found.push((pointer.clone(), n.clone()))
            }
            Value::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = pointer.len();
                    pointer.push_str(&format!("/{i}"));
                    walk(item, pointer, found);
                    pointer.truncate(len);
                }
            }
            Value::Map(m) => {
                for (k, item) in m {
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&pointer_segment(k));
                    walk(item, pointer, found);
                    pointer.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    let mut at = |prefix: String, values: &mut dyn Iterator<Item = (&String, &Value)>| {
        for (k, v) in values {
            let mut pointer = format!("{prefix}/{}", pointer_segment(k));
            walk(v, &mut pointer, &mut found);
        }
    };
    for (id, p) in &t.parameters {
        at(format!("/Parameters/{}", pointer_segment(id)), &mut p.attributes.iter());
    }
    at("/Mappings".into(), &mut t.mappings.iter());
    for (id, r) in &t.resources {
        let prefix = format!("/Resources/{}", pointer_segment(id));
        at(format!("{prefix}/Properties"), &mut r.properties.iter());
        at(prefix, &mut r.attributes.iter());
    }
    for (id, o) in &t.outputs {
        let mut pointer = format!("/Outputs/{}/Value", pointer_segment(id));
        walk(&o.value, &mut pointer, &mut found);
    }
    for (pointer, n) in found {
        let Some(value) = sds_constructs::cfn::yaml::yaml11_integer_value(&n) else { continue };
        sink.push(
            "template/yaml-octal",
            name,
            &pointer,
            format!("{n} is read by CloudFormation as the octal number {value}; quote it ('{n}') to keep the text"),
        );
    }
}

/// Keys written as YAML 1.1 booleans (`NO:`), which the reader took for `true` or `false`, as
/// CloudFormation does.
pub fn boolean_keys(name: &str, map: &sds_constructs::cfn::SourceMap, sink: &mut Sink) {
    for (pointer, key) in map.boolean_keys() {
        let value = pointer.rsplit('/').next().unwrap_or_default();
        sink.push(
            "template/yaml-boolean-key",
            name,
            pointer,
            format!(
                "the key {key} is read by CloudFormation as the boolean {value}; quote it ('{key}') to keep the text"
            ),
        );
    }
}

/// Aliases and merge keys, which only `aws cloudformation package` and `sam deploy` expand.
/// See: <https://github.com/aws/aws-cli/pull/3827>
pub fn aliases(name: &str, map: &sds_constructs::cfn::SourceMap, sink: &mut Sink) {
    for (pointer, what) in map.aliases() {
        let what = if what == "<<" { "the merge key <<".to_string() } else { format!("the alias {what}") };
        sink.push(
            "template/yaml-alias",
            name,
            pointer,
            format!("CloudFormation refuses {what}: deploy through `aws cloudformation package` or `sam deploy`, which expand it, or write it out (`sds fmt` does)"),
        );
    }
}

pub fn check(name: &str, t: &Template, ctx: &Ctx, sink: &mut Sink) {
    octals(name, t, sink);
    if let Some(v) = t.format_version.as_deref().filter(|v| *v != FORMAT_VERSION) {
        sink.push(
            "template/format-version",
            name,
            "/AWSTemplateFormatVersion",
            format!("AWSTemplateFormatVersion is {v:?}; the only version is the string \"{FORMAT_VERSION}\""),
        );
    }
    if t.resources.is_empty() && t.resource_loops.is_empty() {
        sink.push(
            "template/resources-required",
            name,
            "/Resources",
            "the template declares no resources (Resources is missing, null or empty); CloudFormation needs at least one"
                .to_string(),
        );
    }
    for (id, p) in &t.parameters {
        if !is_parameter_type(&p.type_) {
            sink.push(
                "template/parameter-type",
                name,
                &format!("/Parameters/{}/Type", pointer_segment(id)),
                format!("parameter {id} has type {:?}, which CloudFormation does not know", p.type_),
            );
        }
    }
    for (id, r) in &t.resources {
        for (attribute, allowed) in
            [("DeletionPolicy", DELETION_POLICIES), ("UpdateReplacePolicy", UPDATE_REPLACE_POLICIES)]
        {
            let Some(v) = r.attributes.get(attribute) else { continue };
            let (word, evaluated) = match v {
                Value::String(s) => (s.clone(), false),
                Value::Fn(_) => match ctx.eval(v) {
                    Some(s) => (s, true),
                    None => continue,
                },
                other => (sds_constructs::cfn::yaml::inline(other), false),
            };
            if !allowed.contains(&word.as_str()) {
                let how = if evaluated { " evaluates to" } else { " is" };
                sink.push(
                    "template/resource-policy",
                    name,
                    &format!("/Resources/{}/{attribute}", pointer_segment(id)),
                    format!("{attribute} of {id}{how} {word}, not one of {}", allowed.join(", ")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_types() {
        for t in [
            "String",
            "Number",
            "List<Number>",
            "CommaDelimitedList",
            "AWS::EC2::VPC::Id",
            "List<AWS::EC2::Subnet::Id>",
            "AWS::SSM::Parameter::Name",
            "AWS::SSM::Parameter::Value<String>",
            "AWS::SSM::Parameter::Value<List<String>>",
            "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
            "AWS::SSM::Parameter::Value<List<AWS::EC2::Image::Id>>",
            // accepted by CloudFormation, though not in its documented list
            "List<String>",
            "AWS::SSM::Parameter::Value<Number>",
            "AWS::SSM::Parameter::Value<List<Number>>",
            "AWS::SSM::Parameter::Value<AWS::SSM::Parameter::Name>",
        ] {
            assert!(is_parameter_type(t), "{t}");
        }
        for t in [
            "string",
            "Boolean",
            "List<AWS::EC2::KeyPair::KeyName>",
            "AWS::EC2::VPC::ID",
            "AWS::S3::Bucket::Name",
            "AWS::SSM::Parameter::Value<Boolean>",
            "List<AWS::SSM::Parameter::Value<String>>",
            "",
        ] {
            assert!(!is_parameter_type(t), "{t}");
        }
    }
}
