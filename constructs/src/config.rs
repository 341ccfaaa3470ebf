//! The platform configuration: what platform teams change (names, CIDRs, the Lambda runtime,
//! instance-type allow-lists, the user-profile variant), with the reference values as defaults.
//!
//! Read from YAML text through the model's reader, so every error names the line and column of
//! the offending value. Every value is checked against the rule AWS or the reference template
//! applies to it, so a bad value fails here and not at deploy time. The keys, their rules and where
//! each value goes are described once, in `keys.rs` (with the rules in `rules.rs`); the reader
//! walks that description, and `schema.rs` turns it into the JSON Schema editors use. Depends on
//! `cfn::read`, `serde_json` (the schema) and the constructs' props types only.

pub mod keys;
pub mod rules;
pub mod schema;

use crate::cfn::read::{excerpt, read_value, Format, Location, SourceMap};
use crate::cfn::template::pointer_segment;
use crate::cfn::{Map, Value};
use crate::detective_control::DetectiveControlProps;
use crate::shared_code_artifact::CodeArtifactProps;
use crate::shared_network::NetworkProps;
use crate::shared_services::SharedServicesProps;
use crate::studio_domain::StudioProps;
use crate::teams::Team;
use crate::user_profile::{UserProfileProps, Variant};
pub use keys::{Field, Key, Kind, Records, KEYS, SUPPRESSION_KEYS};
use rules::{mask, overlaps, parse_cidr};

/// The whole configuration, every field defaulting to the reference platform.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub shared: SharedServicesProps,
    pub code_artifact: CodeArtifactProps,
    pub studio: StudioProps,
    pub detective: DetectiveControlProps,
    pub user_profile: UserProfileProps,
    /// Which user-profile template the portfolio offers. Default v1.
    pub user_profile_variant: Variant,
    /// Validation findings accepted on purpose. Default none.
    pub suppressions: Vec<Suppression>,
    /// Severities of validation rules for templates that are not the platform's own output
    /// (`sds validate PATH`), as written: (rule, severity, where written). Default none.
    pub severities: Vec<(String, String, Option<String>)>,
    /// `access.deny`: accesses that must be impossible. Default none.
    pub access_deny: Vec<Denial>,
    /// Teams and their Studio users (`teams`), each synthesized into `teams/<name>-<env>.yaml`.
    /// Default none.
    pub teams: Vec<Team>,
    /// Which platform: the reference's, or the hardened one. Default reference.
    pub profile: crate::hardened::Profile,
    /// What `sds bootstrap` adds (`bootstrap`). Default nothing.
    pub bootstrap: BootstrapProps,
}

/// `bootstrap`: the GitHub repository and branch whose Actions runs may assume the publish role
/// (`bootstrap.github`), and an existing OIDC provider to trust instead of declaring one. Either
/// both repository and branch, or neither (checked on reading).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BootstrapProps {
    pub github_repository: Option<String>,
    pub github_branch: Option<String>,
    pub github_provider_arn: Option<String>,
}

/// An access that must be impossible (`access.deny`): checked by `sds access`, and by
/// `sds validate` as rule `access/deny`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// `instance/LogicalId` or ARN, with `*` and `?` wildcards.
    pub principal: String,
    /// An IAM action, `service:Name`.
    pub action: String,
    /// `instance/LogicalId` or ARN, with `*` and `?` wildcards.
    pub resource: String,
    pub reason: Option<String>,
    /// Where it was written (`file:line:column`).
    pub origin: String,
}

/// A validation finding accepted on purpose: every finding of `rule` (in `template`, about
/// `resource`, where given) is listed as suppressed instead of failing, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub rule: String,
    /// File name of the template (e.g. `ds_admin_detective.yaml`); all templates when absent.
    pub template: Option<String>,
    /// Logical id of the resource, parameter or output; all when absent.
    pub resource: Option<String>,
    /// Why; required.
    pub reason: String,
    /// Where it was written (`file:line:column`), for messages about it.
    pub origin: Option<String>,
}

impl Suppression {
    /// Whether this suppression accepts a finding of `rule` in the template shown as `template`
    /// (a path or a file name: matched by its end), about `logical_id`.
    pub fn matches(&self, rule: &str, template: &str, logical_id: Option<&str>) -> bool {
        self.rule == rule
            && self.template.as_ref().is_none_or(|t| template.ends_with(t.as_str()))
            && self.resource.as_ref().is_none_or(|r| logical_id == Some(r.as_str()))
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            shared: SharedServicesProps::default(),
            code_artifact: CodeArtifactProps::default(),
            studio: StudioProps::default(),
            detective: DetectiveControlProps::default(),
            user_profile: UserProfileProps::default(),
            user_profile_variant: Variant::V1,
            suppressions: Vec::new(),
            severities: Vec::new(),
            access_deny: Vec::new(),
            teams: Vec::new(),
            profile: crate::hardened::Profile::Reference,
            bootstrap: BootstrapProps::default(),
        }
    }
}

/// One problem in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", location.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ConfigError {
    pub file: String,
    pub location: Option<Location>,
    /// Dotted key of the value (`network.vpc_cidr`).
    pub key: String,
    pub message: String,
}

/// Every problem found in one file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct ConfigErrors(pub Vec<ConfigError>);

struct Reader<'a> {
    file: &'a str,
    map: SourceMap,
    errors: Vec<ConfigError>,
    /// Dotted keys the file sets.
    given: std::collections::HashSet<String>,
}

fn pointer(key: &str) -> String {
    key.split('.').map(|k| format!("/{}", pointer_segment(k))).collect()
}

impl Reader<'_> {
    fn fail(&mut self, key: &str, message: String) {
        let location = self.map.locate(&pointer(key));
        self.errors.push(ConfigError { file: self.file.to_string(), location, key: key.to_string(), message });
    }

    /// The mapping at `key`, with unknown keys reported.
    fn section(&mut self, key: &str, v: Value, known: &[&str]) -> Option<Map> {
        let Value::Map(m) = v else {
            self.fail(key, format!("{} must be a mapping", display(key)));
            return None;
        };
        for k in m.keys() {
            if !known.contains(&k.as_str()) {
                let full = if key.is_empty() { k.clone() } else { format!("{key}.{k}") };
                self.fail(&full, format!("unknown key {full} (expected one of {})", known.join(", ")));
            }
        }
        Some(m)
    }

    /// Reads the mapping `v` at `prefix` as `keys` describe it into `c`.
    fn read_section(&mut self, c: &mut Config, prefix: &str, v: Value, keys: &[Key]) {
        let names: Vec<&str> = keys.iter().map(|k| k.name).collect();
        let Some(m) = self.section(prefix, v, &names) else { return };
        for (name, v) in m {
            let Some(key) = keys.iter().find(|k| k.name == name) else { continue };
            let full = if prefix.is_empty() { name } else { format!("{prefix}.{name}") };
            self.given.insert(full.clone());
            match &key.kind {
                Kind::Section(sub) => self.read_section(c, &full, v, sub),
                Kind::Text(rule, field) => {
                    if let Some(s) = self.string(&full, &v, rule.check) {
                        (field.set)(c, s);
                    }
                }
                Kind::OptionalText(rule, field) => {
                    if let Some(s) = self.string(&full, &v, rule.check) {
                        (field.set)(c, Some(s));
                    }
                }
                Kind::List { rule, len, field } => {
                    let Some(list) = self.strings(&full, &v, rule.check) else { continue };
                    match len {
                        Some((n, what)) if list.len() != *n => {
                            self.fail(&full, format!("{full} must list exactly {n} {what}, found {}", list.len()))
                        }
                        _ => (field.set)(c, list),
                    }
                }
                Kind::Records(records) => self.records(c, &full, &v, records),
                Kind::Severities => self.severities(c, &full, &v),
                Kind::Teams => {
                    let mut fail = |key: &str, message: String| self.fail(key, message);
                    c.teams = crate::teams::read::read(&v, &full, &mut fail);
                }
            }
        }
    }

    fn string(&mut self, key: &str, v: &Value, check: fn(&str) -> Result<(), String>) -> Option<String> {
        let s = match v {
            Value::String(s) => s.clone(),
            _ => {
                self.fail(key, format!("{key} must be a string"));
                return None;
            }
        };
        match check(&s) {
            Ok(()) => Some(s),
            Err(why) => {
                self.fail(key, format!("{key}: {} {why}", excerpt(&s)));
                None
            }
        }
    }

    fn strings(&mut self, key: &str, v: &Value, check: fn(&str) -> Result<(), String>) -> Option<Vec<String>> {
        let Value::List(items) = v else {
            self.fail(key, format!("{key} must be a list of strings"));
            return None;
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            out.push(self.string(&format!("{key}.{i}"), item, check)?);
        }
        if out.is_empty() {
            self.fail(key, format!("{key} must not be empty"));
            return None;
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(d) = out.iter().find(|s| !seen.insert(s.as_str())) {
            self.fail(key, format!("{key} lists {} twice", excerpt(d)));
            return None;
        }
        Some(out)
    }

    /// `validation.severity`: rule id → severity word, kept as written with where; the validator,
    /// which knows the rules and words, checks them.
    fn severities(&mut self, c: &mut Config, key: &str, v: &Value) {
        let Value::Map(entries) = v else {
            self.fail(key, format!("{key} must be a mapping of rule id to severity"));
            return;
        };
        for (rule, word) in entries {
            let entry = format!("{key}.{rule}");
            let at = self.map.locate(&pointer(&entry)).map(|l| format!(":{l}")).unwrap_or_default();
            match word {
                Value::String(w) => c.severities.push((rule.clone(), w.clone(), Some(format!("{}{at}", self.file)))),
                _ => self.fail(&entry, format!("{entry} must be error, warning or info")),
            }
        }
    }

    fn records(&mut self, c: &mut Config, key: &str, list: &Value, records: &Records) {
        let Value::List(items) = list else {
            self.fail(key, format!("{key} must be a list"));
            return;
        };
        let known: Vec<&str> = records.fields.iter().map(|(k, ..)| *k).collect();
        for (i, item) in items.iter().enumerate() {
            let key = format!("{key}.{i}");
            let Some(entry) = self.section(&key, item.clone(), &known) else { continue };
            let fields: Vec<Option<String>> = records
                .fields
                .iter()
                .map(|&(field, required, _)| match entry.get(field) {
                    Some(Value::String(s)) if (rules::NON_BLANK.check)(s).is_ok() => Some(s.clone()),
                    Some(_) => {
                        self.fail(&format!("{key}.{field}"), format!("{key}.{field} must be a non-empty string"));
                        None
                    }
                    None => {
                        if required {
                            self.fail(&key, format!("{key} needs a {field}"));
                        }
                        None
                    }
                })
                .collect();
            let complete = records.fields.iter().zip(&fields).all(|((_, required, _), f)| !required || f.is_some());
            if complete {
                let first = records.fields[0].0;
                let at =
                    self.map.locate(&pointer(&format!("{key}.{first}"))).map(|l| format!(":{l}")).unwrap_or_default();
                (records.add)(c, fields, format!("{}{at}", self.file));
            }
        }
    }
}

fn display(key: &str) -> &str {
    if key.is_empty() {
        "the configuration"
    } else {
        key
    }
}

impl Config {
    /// Reads a configuration from YAML `text`; `file` names it in errors. Keys left out keep
    /// their defaults.
    pub fn from_yaml(text: &str, file: &str) -> Result<Config, ConfigErrors> {
        let (value, map) = match read_value(text, file, Format::Yaml) {
            Ok(v) => v,
            Err(e) => {
                return Err(ConfigErrors(vec![ConfigError {
                    file: file.to_string(),
                    location: e.location,
                    key: String::new(),
                    message: e.kind.to_string(),
                }]))
            }
        };
        let mut r = Reader { file, map, errors: Vec::new(), given: Default::default() };
        let mut c = Config::default();
        let teams = value.as_map().and_then(|m| m.get("teams")).cloned();
        r.read_section(&mut c, "", value, KEYS);
        // Across keys, on the values read (or their defaults).
        check_network(&mut r, &c.shared.network);
        check_defaults(&mut r, &c.user_profile);
        check_team_instance_types(&mut r, &c, teams.as_ref());
        check_github(&mut r);
        if r.errors.is_empty() {
            Ok(c)
        } else {
            Err(ConfigErrors(r.errors))
        }
    }
}

/// Subnets must lie inside the VPC and not overlap.
fn check_network(r: &mut Reader, n: &NetworkProps) {
    let Some(vpc) = parse_cidr(&n.vpc_cidr) else { return };
    let subnets: Vec<(u32, u32)> = n.subnet_cidrs.iter().filter_map(|c| parse_cidr(c)).collect();
    for (i, s) in subnets.iter().enumerate() {
        let key = format!("network.subnet_cidrs.{i}");
        if s.1 < vpc.1 || (s.0 & mask(vpc.1)) != vpc.0 {
            r.fail(&key, format!("{key}: {} is not inside the VPC range {}", n.subnet_cidrs[i], n.vpc_cidr));
        }
        if let Some(j) = (0..i).find(|&j| overlaps(subnets[j], *s)) {
            r.fail(&key, format!("{key}: {} overlaps {}", n.subnet_cidrs[i], n.subnet_cidrs[j]));
        }
    }
}

/// A team's own instance types: only the hardened user profile takes them, and a team's Studio
/// apps must allow the platform's default app instance type (its profiles' `InstanceType`).
fn check_team_instance_types(r: &mut Reader, c: &Config, teams: Option<&Value>) {
    let Some(Value::List(teams)) = teams else { return };
    for (i, team) in teams.iter().enumerate() {
        let Some(m) = team.as_map() else { continue };
        for key in ["instance_types", "job_instance_types", "deployment_instance_types"] {
            let at = format!("teams.{i}.{key}");
            let Some(Value::List(types)) = m.get(key) else { continue };
            if c.profile != crate::hardened::Profile::Hardened {
                r.fail(&at, format!("{at}: a team's own instance types need `profile: hardened` (the reference's user profile takes none)"));
            } else if key == "instance_types" {
                let default = &c.user_profile.default_instance_type;
                if !types.iter().any(|t| t.as_str() == Some(default.as_str())) {
                    r.fail(&at, format!("{at} must include user_profile.default_instance_type {default} (the default of the team's Studio apps)"));
                }
            }
        }
    }
}

/// `bootstrap.github` names both a repository and a branch (the role trusts one branch of one
/// repository; a provider alone trusts nobody).
fn check_github(r: &mut Reader) {
    let given = |r: &Reader, k: &str| r.given.contains(&format!("bootstrap.github.{k}"));
    if !r.given.contains("bootstrap.github") {
        return;
    }
    for (k, what) in [("repository", "owner/name"), ("branch", "the branch to trust, like main")] {
        if !given(r, k) {
            r.fail("bootstrap.github", format!("bootstrap.github needs {k} ({what})"));
        }
    }
}

/// The default instance types must be among the allowed ones.
fn check_defaults(r: &mut Reader, u: &UserProfileProps) {
    for (default_key, default, list) in [
        ("default_instance_type", &u.default_instance_type, &u.instance_types),
        ("default_deployment_instance_type", &u.default_deployment_instance_type, &u.deployment_instance_types),
    ] {
        if !list.contains(default) {
            let key = format!("user_profile.{default_key}");
            let shown = if r.given.contains(&key) { key.clone() } else { "user_profile".to_string() };
            r.fail(&shown, format!("{key} {default} is not one of the allowed instance types"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        Config::from_yaml(text, "sds.yaml").unwrap_err().0.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn empty_mapping_is_the_default() {
        assert_eq!(Config::from_yaml("{}", "sds.yaml").unwrap(), Config::default());
    }

    #[test]
    fn values_override_defaults() {
        let c = Config::from_yaml(
            "stack_set_name: Team-A\nnetwork:\n  vpc_cidr: 10.9.0.0/16\n  subnet_cidrs: [10.9.1.0/24, 10.9.2.0/24, 10.9.3.0/24]\nuser_profile:\n  variant: v2\n",
            "sds.yaml",
        )
        .unwrap();
        assert_eq!(c.shared.stack_set_name, "Team-A");
        assert_eq!(c.shared.network.subnet_cidrs[2], "10.9.3.0/24");
        assert_eq!(c.user_profile_variant, Variant::V2);
    }

    #[test]
    fn bad_values_are_located() {
        assert_eq!(errors("network:\n  vpc_cidr: 10.2.0.0/33\n"), [
            "sds.yaml:2:3: network.vpc_cidr: \"10.2.0.0/33\" is not an IPv4 CIDR block with its host bits zero (like 10.2.0.0/16)"
        ]);
        assert_eq!(errors("stack_sett_name: x\n")[0], "sds.yaml:1:1: unknown key stack_sett_name (expected one of stack_set_name, network, ecr, code_artifact, studio, detective_control, user_profile, validation, access, teams, bootstrap, profile)");
        assert_eq!(errors("ecr: [a]\n")[0], "sds.yaml:1:1: ecr must be a mapping");
        assert_eq!(errors("studio:\n  domain_name: 42\n")[0], "sds.yaml:2:3: studio.domain_name must be a string");
        assert!(errors("ecr:\n  repository_name: Upper\n")[0].contains("is not an ECR repository name"));
        assert!(errors("stack_set_name: a-very-long-stack-set-name-indeed\n")[0].contains("64 characters"));
        assert!(errors("detective_control:\n  lambda_runtime: nodejs20.x\n")[0].contains("not a Python Lambda runtime"));
        assert!(errors("user_profile:\n  default_instance_type: ml.g5.xlarge\n")[0].contains("not one of the allowed"));
        assert_eq!(
            errors("profile: strict\n"),
            ["sds.yaml:1:1: profile: \"strict\" is not a platform profile (reference or hardened)"]
        );
        let hardened = Config::from_yaml("profile: hardened\n", "sds.yaml").unwrap();
        assert_eq!(hardened.profile, crate::hardened::Profile::Hardened);
        assert!(errors("network:\n  subnet_cidrs: [10.2.1.0/24]\n")[0].contains("exactly 3"));
        assert!(errors("network:\n  subnet_cidrs: [10.3.1.0/24, 10.2.2.0/24, 10.2.2.0/25]\n").len() == 2);
        assert!(errors("studio:\n  kms_alias: alias/x\n")[0].contains("without the alias/ prefix"));
        assert!(errors("a: [\n")[0].starts_with("sds.yaml:"));
    }

    #[test]
    fn suppressions_need_a_rule_and_a_reason() {
        let c = Config::from_yaml(
            "validation:\n  suppress:\n    - rule: sec/iam-unknown-action\n      resource: KMSCMK\n      reason: kept for parity\n",
            "sds.yaml",
        )
        .unwrap();
        assert_eq!(c.suppressions[0].resource.as_deref(), Some("KMSCMK"));
        let e = errors("validation:\n  suppress:\n    - rule: sec/iam-unknown-action\n");
        assert_eq!(e, ["sds.yaml:3:7: validation.suppress.0 needs a reason"]);
    }

    #[test]
    fn cidr_netmasks_are_those_aws_allows() {
        assert!(errors("network:\n  vpc_cidr: 10.0.0.0/8\n")[0].contains("from /16 to /28"));
        let e = errors("network:\n  subnet_cidrs: [10.2.1.0/29, 10.2.2.0/24, 10.2.3.0/24]\n");
        assert!(e[0].contains("/29 netmask") && e[0].contains(":2:"), "{e:?}");
        assert!(errors("network:\n  vpc_cidr: 10.2.0.0/16\n  subnet_cidrs: [10.2.1.0/28, 10.2.2.0/16, 10.2.3.0/24]\n")
            .iter()
            .all(|e| !e.contains("netmask")));
    }

    #[test]
    fn long_lists_and_values_are_checked_quickly_and_shown_short() {
        let many: Vec<String> = (0..100_000).map(|i| format!("ml.m5.{i}xlarge")).collect();
        let text = format!("user_profile:\n  instance_types: [{}, ml.m5.7xlarge]\n", many.join(", "));
        assert!(errors(&text).iter().any(|e| e.contains("lists \"ml.m5.7xlarge\" twice")));
        let huge = format!("ecr:\n  repository_name: {}\n", "A".repeat(1 << 20));
        let e = errors(&huge);
        assert!(e[0].len() < 400, "{}", e[0].len());
    }

    #[test]
    fn severities_are_read_with_where_they_were_written() {
        let c = Config::from_yaml("validation:\n  severity:\n    sec/s3-encryption: warning\n", "c.yaml").unwrap();
        assert_eq!(
            c.severities,
            [("sec/s3-encryption".to_string(), "warning".to_string(), Some("c.yaml:3:5".to_string()))]
        );
        assert_eq!(errors("validation:\n  severity: [x]\n").len(), 1);
    }

    #[test]
    fn suppressions_know_where_they_were_written() {
        let c =
            Config::from_yaml("validation:\n  suppress:\n    - rule: x/y\n      reason: because\n", "c.yaml").unwrap();
        assert_eq!(c.suppressions[0].origin.as_deref(), Some("c.yaml:3:7"));
    }

    #[test]
    fn github_needs_a_repository_and_a_branch_each_checked_where_written() {
        let c =
            Config::from_yaml("bootstrap:\n  github:\n    repository: my-org/platform\n    branch: main\n", "c.yaml")
                .unwrap();
        assert_eq!(c.bootstrap.github_repository.as_deref(), Some("my-org/platform"));
        assert_eq!(c.bootstrap.github_branch.as_deref(), Some("main"));
        assert_eq!(Config::default().bootstrap, BootstrapProps::default());
        let e = errors("bootstrap:\n  github:\n    repository: my-org/platform\n");
        assert_eq!(e, ["sds.yaml:2:3: bootstrap.github needs branch (the branch to trust, like main)"]);
        let e = errors("bootstrap:\n  github:\n    repository: my-org\n    branch: 'main*'\n");
        assert!(
            e[0].starts_with("sds.yaml:3:5: bootstrap.github.repository: \"my-org\" is not a GitHub repository"),
            "{e:?}"
        );
        assert!(e[1].starts_with("sds.yaml:4:5: bootstrap.github.branch: \"main*\" is not a branch name"), "{e:?}");
        let e = errors("bootstrap:\n  github:\n    repository: a/b\n    branch: main\n    provider_arn: arn:aws:iam::1:oidc-provider/x\n");
        assert!(
            e[0].contains("bootstrap.github.provider_arn") && e[0].contains("is not the ARN of GitHub's OIDC provider"),
            "{e:?}"
        );
    }

    #[test]
    fn cidr_parsing() {
        assert_eq!(parse_cidr("10.2.0.0/16"), Some((0x0a02_0000, 16)));
        for bad in ["10.2.0.1/16", "10.2.0/16", "256.0.0.0/8", "10.2.0.0", "10.02.0.0/16", "10.2.0.0/+8"] {
            assert_eq!(parse_cidr(bad), None, "{bad}");
        }
        assert!(overlaps((0x0a02_0100, 24), (0x0a02_0000, 16)));
        assert!(!overlaps((0x0a02_0100, 24), (0x0a02_0200, 24)));
    }
}
