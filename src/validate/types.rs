//! Resource types the vendored registry does not have: a typo of an AWS type is an error, a
//! serverless type needs the SAM transform, anything else (third-party and private types, AWS types
//! newer than the vendored data) a warning that its properties are not checked.
//!
//! Depends on the registry index (`schema`) only.

use sds_constructs::cfn::template::pointer_segment;

use super::schema::registry_types;
use super::transforms::Declared;
use super::Sink;

/// The SAM transform's name.
/// See: <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification.html>
pub const SAM: &str = "AWS::Serverless-2016-10-31";

/// Reports `type_` of resource `id`, which the registry does not have.
pub fn unknown(name: &str, id: &str, type_: &str, transforms: &Declared, sink: &mut Sink) {
    let pointer = format!("/Resources/{}/Type", pointer_segment(id));
    if type_.starts_with("AWS::Serverless::") {
        if !transforms.sam {
            let message = format!("{type_} is a serverless type: the template needs `Transform: {SAM}`");
            sink.push("schema/unknown-type", name, &pointer, message);
        }
        return;
    }
    if !transforms.others.is_empty() {
        // The template's macro may define or replace the type: said once, as a note.
        return;
    }
    if type_.starts_with("AWS::") || type_.starts_with("Alexa::") {
        if let Some(close) = closest(type_) {
            let message = format!("unknown resource type {type_} (did you mean {close}?)");
            sink.push("schema/unknown-type", name, &pointer, message);
            return;
        }
    }
    sink.push(
        "schema/unregistered-type",
        name,
        &pointer,
        format!(
            "{type_} is not in the CloudFormation registry sds knows (a third-party or private type must be registered in the account and region); its properties are not checked"
        ),
    );
}

/// The registry type `type_` is most likely a misspelling of: the same but for case, or at most
/// two edits away.
fn closest(type_: &str) -> Option<&'static str> {
    let lower = type_.to_ascii_lowercase();
    let mut best: Option<(usize, &'static str)> = None;
    for t in registry_types() {
        if t.len().abs_diff(type_.len()) > 2 {
            continue;
        }
        let d = if t.eq_ignore_ascii_case(type_) { 0 } else { distance(&lower, &t.to_ascii_lowercase()) };
        if d <= 2 && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, t));
        }
    }
    best.map(|(_, t)| t)
}

/// Levenshtein distance over bytes (type names are ASCII).
fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == cb { prev } else { 1 + prev.min(cur).min(row[j]) };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_of_registry_types_are_found() {
        assert_eq!(closest("AWS::S3::Buckett"), Some("AWS::S3::Bucket"));
        assert_eq!(closest("AWS::s3::bucket"), Some("AWS::S3::Bucket"));
        assert_eq!(closest("AWS::IoT1Click::Project"), None);
        assert_eq!(closest("MyCompany::Widgets::Widget"), None);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
