//! The platform configuration: what platform teams change (names, CIDRs, the Lambda runtime,
//! instance-type allow-lists, the user-profile variant), with the reference values as defaults.
//!
//! Read from YAML text through the model's reader, so every error names the line and column of
//! the offending value. Every value is checked against the rule AWS or the reference template
//! applies to it, so a bad value fails here and not at deploy time. Depends on `cfn::read` and the
//! constructs' props types only.

use crate::cfn::read::{excerpt, read_value, Format, Location, SourceMap};
use crate::cfn::template::pointer_segment;
use crate::cfn::{Map, Value};
use crate::detective_control::DetectiveControlProps;
use crate::shared_code_artifact::CodeArtifactProps;
use crate::shared_network::NetworkProps;
use crate::shared_services::SharedServicesProps;
use crate::studio_domain::StudioProps;
use crate::user_profile::{UserProfileProps, Variant};

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

/// The configuration keys, documented (the README lists the same).
pub const KEYS: &[(&str, &str)] = &[
    ("stack_set_name", "common root of shared-service names and exports (default DSSharedServices)"),
    ("network.vpc_cidr", "VPC range (default 10.2.0.0/16)"),
    ("network.subnet_cidrs", "three subnet ranges inside the VPC (default 10.2.1.0/24, 10.2.2.0/24, 10.2.3.0/24)"),
    ("ecr.repository_name", "shared ECR repository (default ds-shared-container-images)"),
    ("code_artifact.domain_name", "CodeArtifact domain (default ds-domain)"),
    ("code_artifact.repository_name", "shared repository (default ds-shared-repo)"),
    ("code_artifact.upstream_repository_name", "PyPI upstream repository (default ds-public-upstream-repo)"),
    ("studio.domain_name", "Studio domain (default ds-studio-domain)"),
    ("studio.kms_alias", "alias of Studio's EFS key, without alias/ (default ds-sagemaker-studio-kms)"),
    ("detective_control.lambda_runtime", "Python runtime of the detective control (default python3.14)"),
    ("user_profile.variant", "v1 or v2 (v2 adds the preventive control); the portfolio offers this one (default v1)"),
    ("user_profile.instance_types", "allowed notebook instance types"),
    ("user_profile.default_instance_type", "default notebook instance type (default ml.t3.medium)"),
    ("user_profile.deployment_instance_types", "instance types models may be deployed on"),
    ("user_profile.default_deployment_instance_type", "default deployment instance type (default ml.c5.large)"),
    ("validation.suppress", "findings accepted on purpose: a list of {rule, template?, resource?, reason}"),
    (
        "validation.severity",
        "rule id -> error, warning or info, for templates other than the platform's (sds validate PATH)",
    ),
];

struct Reader<'a> {
    file: &'a str,
    map: SourceMap,
    errors: Vec<ConfigError>,
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
        let mut r = Reader { file, map, errors: Vec::new() };
        let mut c = Config::default();
        let known = [
            "stack_set_name",
            "network",
            "ecr",
            "code_artifact",
            "studio",
            "detective_control",
            "user_profile",
            "validation",
        ];
        let Some(top) = r.section("", value, &known) else { return Err(ConfigErrors(r.errors)) };
        for (k, v) in top {
            match k.as_str() {
                "stack_set_name" => {
                    set(&mut c.shared.stack_set_name, r.string("stack_set_name", &v, check_stack_set_name))
                }
                "network" => read_network(&mut r, v, &mut c.shared.network),
                "ecr" => {
                    if let Some(m) = r.section("ecr", v, &["repository_name"]) {
                        if let Some(v) = m.get("repository_name") {
                            set(&mut c.shared.ecr_repository_name, r.string("ecr.repository_name", v, check_ecr_name));
                        }
                    }
                }
                "code_artifact" => {
                    let keys = ["domain_name", "repository_name", "upstream_repository_name"];
                    if let Some(m) = r.section("code_artifact", v, &keys) {
                        let ca = &mut c.code_artifact;
                        for (k, v) in &m {
                            let key = format!("code_artifact.{k}");
                            match k.as_str() {
                                "domain_name" => {
                                    set(&mut ca.domain_name, r.string(&key, v, check_code_artifact_domain))
                                }
                                "repository_name" => {
                                    set(&mut ca.repository_name, r.string(&key, v, check_code_artifact_repo))
                                }
                                _ => set(&mut ca.upstream_repository_name, r.string(&key, v, check_code_artifact_repo)),
                            }
                        }
                    }
                }
                "studio" => {
                    if let Some(m) = r.section("studio", v, &["domain_name", "kms_alias"]) {
                        if let Some(v) = m.get("domain_name") {
                            set(&mut c.studio.domain_name, r.string("studio.domain_name", v, check_studio_domain));
                        }
                        if let Some(v) = m.get("kms_alias") {
                            set(&mut c.studio.kms_alias, r.string("studio.kms_alias", v, check_kms_alias));
                        }
                    }
                }
                "detective_control" => {
                    if let Some(m) = r.section("detective_control", v, &["lambda_runtime"]) {
                        if let Some(v) = m.get("lambda_runtime") {
                            set(
                                &mut c.detective.runtime,
                                r.string("detective_control.lambda_runtime", v, check_runtime),
                            );
                        }
                    }
                }
                "user_profile" => read_user_profile(&mut r, v, &mut c),
                "validation" => read_validation(&mut r, v, &mut c),
                _ => {}
            }
        }
        if r.errors.is_empty() {
            Ok(c)
        } else {
            Err(ConfigErrors(r.errors))
        }
    }
}

fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *target = v;
    }
}

fn read_network(r: &mut Reader, v: Value, n: &mut NetworkProps) {
    let Some(m) = r.section("network", v, &["vpc_cidr", "subnet_cidrs"]) else { return };
    if let Some(v) = m.get("vpc_cidr") {
        set(&mut n.vpc_cidr, r.string("network.vpc_cidr", v, check_cidr));
    }
    if let Some(v) = m.get("subnet_cidrs") {
        if let Some(list) = r.strings("network.subnet_cidrs", v, check_cidr) {
            match <[String; 3]>::try_from(list) {
                Ok(three) => n.subnet_cidrs = three,
                Err(list) => r.fail(
                    "network.subnet_cidrs",
                    format!("network.subnet_cidrs must list exactly 3 ranges (one per subnet), found {}", list.len()),
                ),
            }
        }
    }
    // Subnets must lie inside the VPC and not overlap (only when every range parsed).
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

fn read_validation(r: &mut Reader, v: Value, c: &mut Config) {
    let Some(m) = r.section("validation", v, &["suppress", "severity"]) else { return };
    if let Some(v) = m.get("severity") {
        // Rule ids and severity words are checked by the validator, which knows them.
        match v {
            Value::Map(entries) => {
                for (rule, word) in entries {
                    let key = format!("validation.severity.{rule}");
                    let at = r.map.locate(&pointer(&key)).map(|l| format!(":{l}")).unwrap_or_default();
                    match word {
                        Value::String(w) => {
                            c.severities.push((rule.clone(), w.clone(), Some(format!("{}{at}", r.file))))
                        }
                        _ => r.fail(&key, format!("{key} must be error, warning or info")),
                    }
                }
            }
            _ => r.fail("validation.severity", "validation.severity must be a mapping of rule id to severity".into()),
        }
    }
    let Some(list) = m.get("suppress") else { return };
    let Value::List(items) = list else {
        r.fail("validation.suppress", "validation.suppress must be a list".into());
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let key = format!("validation.suppress.{i}");
        let Some(entry) = r.section(&key, item.clone(), &["rule", "template", "resource", "reason"]) else { continue };
        let mut text = |field: &str, required: bool| -> Option<String> {
            match entry.get(field) {
                Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
                Some(_) => {
                    r.fail(&format!("{key}.{field}"), format!("{key}.{field} must be a non-empty string"));
                    None
                }
                None => {
                    if required {
                        r.fail(&key, format!("{key} needs a {field}"));
                    }
                    None
                }
            }
        };
        let (rule, template, resource, reason) =
            (text("rule", true), text("template", false), text("resource", false), text("reason", true));
        if let (Some(rule), Some(reason)) = (rule, reason) {
            let at = r.map.locate(&pointer(&format!("{key}.rule"))).map(|l| format!(":{l}")).unwrap_or_default();
            let origin = Some(format!("{}{at}", r.file));
            c.suppressions.push(Suppression { rule, template, resource, reason, origin });
        }
    }
}

fn read_user_profile(r: &mut Reader, v: Value, c: &mut Config) {
    let keys = [
        "variant",
        "instance_types",
        "default_instance_type",
        "deployment_instance_types",
        "default_deployment_instance_type",
    ];
    let Some(m) = r.section("user_profile", v, &keys) else { return };
    let u = &mut c.user_profile;
    for (k, v) in &m {
        let key = format!("user_profile.{k}");
        match k.as_str() {
            "variant" => match r.string(&key, v, check_variant).as_deref() {
                Some("v2") => c.user_profile_variant = Variant::V2,
                Some(_) => c.user_profile_variant = Variant::V1,
                None => {}
            },
            "instance_types" => set(&mut u.instance_types, r.strings(&key, v, check_instance_type)),
            "deployment_instance_types" => {
                set(&mut u.deployment_instance_types, r.strings(&key, v, check_instance_type))
            }
            "default_instance_type" => set(&mut u.default_instance_type, r.string(&key, v, check_instance_type)),
            _ => set(&mut u.default_deployment_instance_type, r.string(&key, v, check_instance_type)),
        }
    }
    for (default_key, default, list) in [
        ("default_instance_type", &u.default_instance_type, &u.instance_types),
        ("default_deployment_instance_type", &u.default_deployment_instance_type, &u.deployment_instance_types),
    ] {
        if !list.contains(default) {
            let key = format!("user_profile.{default_key}");
            let shown = if m.contains_key(default_key) { key.clone() } else { "user_profile".to_string() };
            r.fail(&shown, format!("{key} {default} is not one of the allowed instance types"));
        }
    }
}

// ---- value rules ----

fn chars_ok(s: &str, extra: &str) -> bool {
    s.chars().all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
}

/// Exports, role names and SSM names are built from it; the longest role name
/// (`<name>-SageMaker-DetectiveControl-` + the 12-character stack suffix) must stay within IAM's 64.
fn check_stack_set_name(s: &str) -> Result<(), String> {
    let ok = s.len() <= 24 && s.starts_with(|c: char| c.is_ascii_alphabetic()) && chars_ok(s, "-");
    ok.then_some(()).ok_or_else(|| {
        "must start with a letter and have at most 24 letters, digits and hyphens (IAM role names built from it are limited to 64 characters)"
            .into()
    })
}

fn mask(prefix: u32) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    }
}

fn overlaps(a: (u32, u32), b: (u32, u32)) -> bool {
    let p = a.1.min(b.1);
    (a.0 & mask(p)) == (b.0 & mask(p))
}

/// (network address, prefix length) of an IPv4 CIDR whose host bits are zero.
fn parse_cidr(s: &str) -> Option<(u32, u32)> {
    let (ip, prefix) = s.split_once('/')?;
    let prefix: u32 = prefix.parse().ok().filter(|p| *p <= 32 && !prefix.starts_with('+'))?;
    let octets: Vec<u32> = ip.split('.').map(|o| o.parse::<u8>().ok().map(u32::from)).collect::<Option<_>>()?;
    if octets.len() != 4 || ip.split('.').any(|o| o.len() > 1 && o.starts_with('0')) {
        return None;
    }
    let addr = octets.iter().fold(0u32, |a, o| (a << 8) | o);
    (addr & !mask(prefix) == 0).then_some((addr, prefix))
}

/// A VPC or subnet range: AWS allows netmasks from /16 to /28 for both.
/// See: <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html>
fn check_cidr(s: &str) -> Result<(), String> {
    let (_, prefix) = parse_cidr(s).ok_or("is not an IPv4 CIDR block with its host bits zero (like 10.2.0.0/16)")?;
    if !(16..=28).contains(&prefix) {
        return Err(format!("has a /{prefix} netmask; AWS allows VPC and subnet ranges from /16 to /28"));
    }
    Ok(())
}

/// See: <https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html>
fn check_ecr_name(s: &str) -> Result<(), String> {
    let component_ok = |c: &str| {
        !c.is_empty()
            && c.split(['.', '_', '-'])
                .all(|p| !p.is_empty() && p.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit()))
    };
    let ok = (2..=256).contains(&s.len()) && s.split('/').all(component_ok);
    ok.then_some(())
        .ok_or_else(|| "is not an ECR repository name (lower case letters and digits, separated by . _ - or /)".into())
}

/// See: <https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_CreateDomain.html>
fn check_code_artifact_domain(s: &str) -> Result<(), String> {
    let ok = (2..=50).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && !s.ends_with('-')
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    ok.then_some(()).ok_or_else(|| {
        "is not a CodeArtifact domain name (2-50 lower case letters, digits and hyphens, starting with a letter)".into()
    })
}

/// See: <https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_CreateRepository.html>
fn check_code_artifact_repo(s: &str) -> Result<(), String> {
    let ok = (2..=100).contains(&s.len()) && s.starts_with(|c: char| c.is_ascii_alphanumeric()) && chars_ok(s, "._-");
    ok.then_some(()).ok_or_else(|| "is not a CodeArtifact repository name (2-100 letters, digits, . _ -)".into())
}

/// The reference's `StudioDomainName` pattern, matched whole.
fn check_studio_domain(s: &str) -> Result<(), String> {
    let ok = (1..=63).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
        && chars_ok(s, "-");
    ok.then_some(()).ok_or_else(|| "is not a Studio domain name (1-63 letters, digits and inner hyphens)".into())
}

/// See: <https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html>
fn check_kms_alias(s: &str) -> Result<(), String> {
    if s.starts_with("alias/") {
        return Err("must be given without the alias/ prefix".into());
    }
    if s.starts_with("aws/") {
        return Err("is reserved: aliases starting with aws/ belong to AWS managed keys".into());
    }
    let ok = (1..=250).contains(&s.len()) && chars_ok(s, "/_-");
    ok.then_some(()).ok_or_else(|| "is not a KMS alias name (letters, digits, / _ -)".into())
}

/// The handler is Python: `python3.<minor>`.
fn check_runtime(s: &str) -> Result<(), String> {
    let ok = s.strip_prefix("python3.").is_some_and(|m| !m.is_empty() && m.chars().all(|c| c.is_ascii_digit()));
    ok.then_some(()).ok_or_else(|| "is not a Python Lambda runtime (python3.<minor>, e.g. python3.14)".into())
}

fn check_variant(s: &str) -> Result<(), String> {
    matches!(s, "v1" | "v2").then_some(()).ok_or_else(|| "is not a user profile variant (v1 or v2)".into())
}

/// `ml.<family>.<size>`, or `system` (Studio's Jupyter server).
fn check_instance_type(s: &str) -> Result<(), String> {
    let parts: Vec<&str> = s.split('.').collect();
    let ok = s == "system"
        || (parts.len() == 3
            && parts[0] == "ml"
            && parts[1..]
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())));
    ok.then_some(()).ok_or_else(|| "is not a SageMaker instance type (ml.<family>.<size>, or system)".into())
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
        assert_eq!(errors("stack_sett_name: x\n")[0], "sds.yaml:1:1: unknown key stack_sett_name (expected one of stack_set_name, network, ecr, code_artifact, studio, detective_control, user_profile, validation)");
        assert_eq!(errors("ecr: [a]\n")[0], "sds.yaml:1:1: ecr must be a mapping");
        assert_eq!(errors("studio:\n  domain_name: 42\n")[0], "sds.yaml:2:3: studio.domain_name must be a string");
        assert!(errors("ecr:\n  repository_name: Upper\n")[0].contains("is not an ECR repository name"));
        assert!(errors("stack_set_name: a-very-long-stack-set-name-indeed\n")[0].contains("64 characters"));
        assert!(errors("detective_control:\n  lambda_runtime: nodejs20.x\n")[0].contains("not a Python Lambda runtime"));
        assert!(errors("user_profile:\n  default_instance_type: ml.g5.xlarge\n")[0].contains("not one of the allowed"));
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
    fn cidr_parsing() {
        assert_eq!(parse_cidr("10.2.0.0/16"), Some((0x0a02_0000, 16)));
        for bad in ["10.2.0.1/16", "10.2.0/16", "256.0.0.0/8", "10.2.0.0", "10.02.0.0/16", "10.2.0.0/+8"] {
            assert_eq!(parse_cidr(bad), None, "{bad}");
        }
        assert!(overlaps((0x0a02_0100, 24), (0x0a02_0000, 16)));
        assert!(!overlaps((0x0a02_0100, 24), (0x0a02_0200, 24)));
    }
}
