//! Every configuration key reaches every template that depends on it. Which templates depend on
//! a key is read from the reference: those where the reference's value of the key appears (as a
//! whole value, or within one where the key is only part of a value). The test then synthesizes
//! with a different value and checks that exactly those templates changed.

use std::collections::BTreeSet;

use sds_constructs::cfn::{read_template, Format, Value};
use sds_constructs::config::keys::{Key, Kind, KEYS};
use sds_constructs::config::Config;
use sds_constructs::platform::Platform;

use crate::support::reference_files;

/// How the reference's value is looked for.
enum Found {
    /// A whole scalar of the template equals it.
    Whole(&'static str),
    /// A scalar of the template contains it (the key is part of a value, e.g. a file name in a URL).
    Within(&'static str),
}

struct Reach {
    /// The configuration keys the change covers.
    keys: &'static [&'static str],
    /// The configuration that changes them.
    yaml: &'static str,
    /// The reference's value of the key.
    reference: Found,
    /// Reference templates where the value appears but that do not depend on the key, and why.
    unrelated: &'static [(&'static str, &'static str)],
}

const REACH: &[Reach] = &[
    Reach {
        keys: &["stack_set_name"],
        yaml: "stack_set_name: AcmeShared",
        reference: Found::Whole("DSSharedServices"),
        unrelated: &[],
    },
    Reach {
        keys: &["network.vpc_cidr"],
        yaml: "network: {vpc_cidr: 10.9.0.0/16, subnet_cidrs: [10.9.1.0/24, 10.9.2.0/24, 10.9.3.0/24]}",
        reference: Found::Whole("10.2.0.0/16"),
        unrelated: &[],
    },
    Reach {
        keys: &["network.subnet_cidrs"],
        yaml: "network: {subnet_cidrs: [10.2.11.0/24, 10.2.12.0/24, 10.2.13.0/24]}",
        reference: Found::Whole("10.2.1.0/24"),
        unrelated: &[],
    },
    Reach {
        keys: &["ecr.repository_name"],
        yaml: "ecr: {repository_name: acme-images}",
        reference: Found::Whole("ds-shared-container-images"),
        unrelated: &[],
    },
    Reach {
        keys: &["code_artifact.domain_name"],
        yaml: "code_artifact: {domain_name: acme-domain}",
        reference: Found::Whole("ds-domain"),
        unrelated: &[],
    },
    Reach {
        keys: &["code_artifact.repository_name"],
        yaml: "code_artifact: {repository_name: acme-repo}",
        reference: Found::Whole("ds-shared-repo"),
        unrelated: &[],
    },
    Reach {
        keys: &["code_artifact.upstream_repository_name"],
        yaml: "code_artifact: {upstream_repository_name: acme-upstream}",
        reference: Found::Whole("ds-public-upstream-repo"),
        unrelated: &[],
    },
    Reach {
        keys: &["studio.domain_name"],
        yaml: "studio: {domain_name: acme-studio}",
        reference: Found::Whole("ds-studio-domain"),
        unrelated: &[],
    },
    Reach {
        keys: &["studio.kms_alias"],
        yaml: "studio: {kms_alias: acme-studio-kms}",
        reference: Found::Whole("ds-sagemaker-studio-kms"),
        unrelated: &[],
    },
    Reach {
        keys: &["detective_control.lambda_runtime"],
        yaml: "detective_control: {lambda_runtime: python3.12}",
        reference: Found::Whole("python3.7"),
        unrelated: &[],
    },
    Reach {
        keys: &["user_profile.variant"],
        yaml: "user_profile: {variant: v2}",
        reference: Found::Within("ds_env_studio_user_profile_v1.yaml"),
        unrelated: &[],
    },
    Reach {
        keys: &["user_profile.instance_types"],
        yaml: "user_profile: {instance_types: [ml.t3.medium, ml.m5.large]}",
        reference: Found::Whole("ml.p3.8xlarge"),
        unrelated: &[],
    },
    Reach {
        keys: &["user_profile.default_instance_type"],
        yaml: "user_profile: {default_instance_type: ml.t3.large}",
        reference: Found::Whole("ml.t3.medium"),
        unrelated: &[(
            "ds_env_sagemaker_studio.yaml",
            "the Studio domain's own default kernel instance type, not a user profile's",
        )],
    },
    Reach {
        keys: &["user_profile.deployment_instance_types"],
        yaml: "user_profile: {deployment_instance_types: [ml.c5.large, ml.g5.xlarge]}",
        reference: Found::Whole("ml.m5.4xlarge"),
        unrelated: &[],
    },
    Reach {
        keys: &["user_profile.default_deployment_instance_type"],
        yaml: "user_profile: {default_deployment_instance_type: ml.m5.2xlarge}",
        reference: Found::Whole("ml.c5.large"),
        unrelated: &[],
    },
];

/// Keys that reach no template, and why.
const NOT_IN_TEMPLATES: &[(&str, &str)] = &[
    ("validation.suppress", "it configures sds validate, not the platform"),
    ("validation.severity", "it configures sds validate of other templates, not the platform"),
    ("access.deny", "it asserts what sds access and validate check, not the platform"),
    ("teams", "it adds templates of its own (teams/*.yaml) and, only then, root resources: tests/it/teams.rs"),
    ("profile", "it chooses the hardened platform, which the reference has no value for (tests/it/hardened.rs)"),
    ("bootstrap.github.repository", "it configures sds bootstrap's stack, not the platform (tests/it/bootstrap.rs)"),
    ("bootstrap.github.branch", "it configures sds bootstrap's stack, not the platform (tests/it/bootstrap.rs)"),
    ("bootstrap.github.provider_arn", "it configures sds bootstrap's stack, not the platform (tests/it/bootstrap.rs)"),
    (
        "user_profile.job_instance_types",
        "only the hardened profile guards job instance types (user_profile_hardened's tests)",
    ),
];

/// Every string scalar in `v`, intrinsic arguments included.
fn scalars(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::List(items) => items.iter().for_each(|i| scalars(i, out)),
        Value::Map(m) => m.values().for_each(|i| scalars(i, out)),
        Value::Fn(f) => scalars(&f.argument(), out),
        _ => {}
    }
}

/// The reference templates where `found` appears.
fn in_reference(found: &Found) -> BTreeSet<String> {
    let mut files = BTreeSet::new();
    for path in reference_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let parsed = read_template(&text, &name, Format::Yaml).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut all = Vec::new();
        scalars(&parsed.template.to_value(), &mut all);
        let hit = match found {
            Found::Whole(v) => all.iter().any(|s| s == v),
            Found::Within(v) => all.iter().any(|s| s.contains(v)),
        };
        if hit {
            files.insert(name);
        }
    }
    files
}

/// The rendered templates of the platform `yaml` configures.
fn synth(yaml: &str) -> Vec<(String, String)> {
    let config = Config::from_yaml(yaml, "reach.yaml").unwrap_or_else(|e| panic!("{yaml}: {e}"));
    let app = Platform::from_config(&config).synth().unwrap_or_else(|e| panic!("{yaml}: {e:?}"));
    sds::synth::render(&app)
}

#[test]
fn every_key_has_a_case() {
    let covered: BTreeSet<&str> =
        REACH.iter().flat_map(|r| r.keys.iter().copied()).chain(NOT_IN_TEMPLATES.iter().map(|(k, _)| *k)).collect();
    fn leaves(prefix: &str, keys: &[Key], out: &mut BTreeSet<String>) {
        for k in keys {
            let name = if prefix.is_empty() { k.name.to_string() } else { format!("{prefix}.{}", k.name) };
            match &k.kind {
                Kind::Section(inner) => leaves(&name, inner, out),
                _ => {
                    out.insert(name);
                }
            }
        }
    }
    let mut all = BTreeSet::new();
    leaves("", KEYS, &mut all);
    let keys: BTreeSet<&str> = all.iter().map(String::as_str).collect();
    assert_eq!(covered, keys, "every configuration key needs a case in REACH");
}

#[test]
fn every_key_reaches_every_template_that_depends_on_it() {
    let default = synth("{}");
    let mut failures = Vec::new();
    for r in REACH {
        let mut expected = in_reference(&r.reference);
        for (file, why) in r.unrelated {
            assert!(
                expected.remove(*file),
                "{:?}: {file} is listed as unrelated ({why}) but has no such value",
                r.keys
            );
        }
        assert!(!expected.is_empty(), "{:?}: the reference value appears nowhere", r.keys);
        let changed: BTreeSet<String> = synth(r.yaml)
            .into_iter()
            .zip(&default)
            .filter(|((_, new), (_, old))| new != old)
            .map(|((name, _), _)| name)
            .collect();
        if changed != expected {
            failures.push(format!("{:?} ({}): changed {changed:?}, the reference says {expected:?}", r.keys, r.yaml));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
