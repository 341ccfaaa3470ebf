//! The rules a configuration value must follow, each said twice in one place: as the check the
//! reader runs (with the message it gives) and as the JSON Schema keywords that tell an editor the
//! same, as far as a pattern can (a test holds the two to agreeing on samples). Depends on nothing.

/// One rule for a string value.
#[derive(Debug)]
pub struct Rule {
    /// The reader's check: `Err` completes "`key`: `value` ..." with why it is wrong.
    pub check: fn(&str) -> Result<(), String>,
    /// ECMA 262 pattern the value matches (anchored).
    pub pattern: Option<&'static str>,
    /// Pattern the value must not match.
    pub not_pattern: Option<&'static str>,
    /// Length bounds in characters, inclusive.
    pub length: Option<(usize, usize)>,
    /// The allowed values, when they are few.
    pub one_of: &'static [&'static str],
    /// What the check verifies that the schema keywords cannot say.
    pub also: Option<&'static str>,
}

const RULE: Rule = Rule { check: |_| Ok(()), pattern: None, not_pattern: None, length: None, one_of: &[], also: None };

fn chars_ok(s: &str, extra: &str) -> bool {
    s.chars().all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
}

/// Exports, role names and SSM names are built from it; the longest role name
/// (`<name>-SageMaker-DetectiveControl-` + the 12-character stack suffix) must stay within IAM's 64.
pub const STACK_SET_NAME: Rule = Rule {
    check: |s| {
        let ok = s.len() <= 24 && s.starts_with(|c: char| c.is_ascii_alphabetic()) && chars_ok(s, "-");
        ok.then_some(()).ok_or_else(|| {
            "must start with a letter and have at most 24 letters, digits and hyphens (IAM role names built from it are limited to 64 characters)"
                .into()
        })
    },
    pattern: Some("^[A-Za-z][A-Za-z0-9-]*$"),
    length: Some((1, 24)),
    ..RULE
};

pub(super) fn mask(prefix: u32) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    }
}

pub(super) fn overlaps(a: (u32, u32), b: (u32, u32)) -> bool {
    let p = a.1.min(b.1);
    (a.0 & mask(p)) == (b.0 & mask(p))
}

/// (network address, prefix length) of an IPv4 CIDR whose host bits are zero.
pub(super) fn parse_cidr(s: &str) -> Option<(u32, u32)> {
    let (ip, prefix) = s.split_once('/')?;
    let prefix: u32 = prefix.parse().ok().filter(|p| *p <= 32 && !prefix.starts_with('+'))?;
    let octets: Vec<u32> = ip.split('.').map(|o| o.parse::<u8>().ok().map(u32::from)).collect::<Option<_>>()?;
    if octets.len() != 4 || ip.split('.').any(|o| (o.len() > 1 && o.starts_with('0')) || o.starts_with('+')) {
        return None;
    }
    let addr = octets.iter().fold(0u32, |a, o| (a << 8) | o);
    (addr & !mask(prefix) == 0).then_some((addr, prefix))
}

/// A VPC or subnet range: AWS allows netmasks from /16 to /28 for both.
/// See: <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html>
pub const CIDR: Rule = Rule {
    check: |s| {
        let (_, prefix) =
            parse_cidr(s).ok_or("is not an IPv4 CIDR block with its host bits zero (like 10.2.0.0/16)")?;
        if !(16..=28).contains(&prefix) {
            return Err(format!("has a /{prefix} netmask; AWS allows VPC and subnet ranges from /16 to /28"));
        }
        Ok(())
    },
    pattern: Some(
        r"^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])/(1[6-9]|2[0-8])$",
    ),
    also: Some("host bits zero"),
    ..RULE
};

/// See: <https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html>
pub const ECR_NAME: Rule = Rule {
    check: |s| {
        let component_ok = |c: &str| {
            !c.is_empty()
                && c.split(['.', '_', '-'])
                    .all(|p| !p.is_empty() && p.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit()))
        };
        let ok = (2..=256).contains(&s.len()) && s.split('/').all(component_ok);
        ok.then_some(()).ok_or_else(|| {
            "is not an ECR repository name (lower case letters and digits, separated by . _ - or /)".into()
        })
    },
    pattern: Some("^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$"),
    length: Some((2, 256)),
    ..RULE
};

/// See: <https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_CreateDomain.html>
pub const CODE_ARTIFACT_DOMAIN: Rule = Rule {
    check: |s| {
        let ok = (2..=50).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && !s.ends_with('-')
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        ok.then_some(()).ok_or_else(|| {
            "is not a CodeArtifact domain name (2-50 lower case letters, digits and hyphens, starting with a letter)"
                .into()
        })
    },
    pattern: Some("^[a-z][a-z0-9-]*[a-z0-9]$"),
    length: Some((2, 50)),
    ..RULE
};

/// See: <https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_CreateRepository.html>
pub const CODE_ARTIFACT_REPO: Rule = Rule {
    check: |s| {
        let ok =
            (2..=100).contains(&s.len()) && s.starts_with(|c: char| c.is_ascii_alphanumeric()) && chars_ok(s, "._-");
        ok.then_some(()).ok_or_else(|| "is not a CodeArtifact repository name (2-100 letters, digits, . _ -)".into())
    },
    pattern: Some("^[A-Za-z0-9][A-Za-z0-9._-]*$"),
    length: Some((2, 100)),
    ..RULE
};

/// The reference's `StudioDomainName` pattern, matched whole.
pub const STUDIO_DOMAIN: Rule = Rule {
    check: |s| {
        let ok = (1..=63).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s.ends_with(|c: char| c.is_ascii_alphanumeric())
            && chars_ok(s, "-");
        ok.then_some(()).ok_or_else(|| "is not a Studio domain name (1-63 letters, digits and inner hyphens)".into())
    },
    pattern: Some("^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$"),
    length: Some((1, 63)),
    ..RULE
};

/// See: <https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html>
pub const KMS_ALIAS: Rule = Rule {
    check: |s| {
        if s.starts_with("alias/") {
            return Err("must be given without the alias/ prefix".into());
        }
        if s.starts_with("aws/") {
            return Err("is reserved: aliases starting with aws/ belong to AWS managed keys".into());
        }
        let ok = (1..=250).contains(&s.len()) && chars_ok(s, "/_-");
        ok.then_some(()).ok_or_else(|| "is not a KMS alias name (letters, digits, / _ -)".into())
    },
    pattern: Some("^[A-Za-z0-9/_-]+$"),
    not_pattern: Some("^(alias|aws)/"),
    length: Some((1, 250)),
    ..RULE
};

/// The handler is Python: `python3.<minor>`.
pub const RUNTIME: Rule = Rule {
    check: |s| {
        let ok = s.strip_prefix("python3.").is_some_and(|m| !m.is_empty() && m.chars().all(|c| c.is_ascii_digit()));
        ok.then_some(()).ok_or_else(|| "is not a Python Lambda runtime (python3.<minor>, e.g. python3.14)".into())
    },
    pattern: Some(r"^python3\.[0-9]+$"),
    ..RULE
};

pub const VARIANT: Rule = Rule {
    check: |s| matches!(s, "v1" | "v2").then_some(()).ok_or_else(|| "is not a user profile variant (v1 or v2)".into()),
    one_of: &["v1", "v2"],
    ..RULE
};

pub const PROFILE: Rule = Rule {
    check: |s| {
        matches!(s, "reference" | "hardened")
            .then_some(())
            .ok_or_else(|| "is not a platform profile (reference or hardened)".into())
    },
    one_of: &["reference", "hardened"],
    ..RULE
};

/// `ml.<family>.<size>`, or `system` (Studio's Jupyter server).
pub const INSTANCE_TYPE: Rule = Rule {
    check: |s| {
        let parts: Vec<&str> = s.split('.').collect();
        let ok = s == "system"
            || (parts.len() == 3
                && parts[0] == "ml"
                && parts[1..]
                    .iter()
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())));
        ok.then_some(()).ok_or_else(|| "is not a SageMaker instance type (ml.<family>.<size>, or system)".into())
    },
    pattern: Some(r"^(system|ml\.[a-z0-9]+\.[a-z0-9]+)$"),
    ..RULE
};

/// A suppression's fields: any text but blank.
pub const NON_BLANK: Rule = Rule {
    check: |s| (!s.trim().is_empty()).then_some(()).ok_or_else(|| "must be a non-empty string".into()),
    pattern: Some(r"\S"),
    ..RULE
};

/// A GitHub repository, `owner/name`: the owner 1 to 39 letters, digits and single inner hyphens
/// as GitHub allows them, the name 1 to 100 letters, digits, `.`, `_` and `-`.
/// See: <https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect>
pub const GITHUB_REPOSITORY: Rule = Rule {
    check: |s| {
        let bad = || "is not a GitHub repository as owner/name (like my-org/platform)".to_string();
        let (owner, name) = s.split_once('/').ok_or_else(bad)?;
        let owner_ok =
            (1..=39).contains(&owner.len()) && chars_ok(owner, "-") && !owner.starts_with('-') && !owner.ends_with('-');
        let name_ok = (1..=100).contains(&name.len()) && chars_ok(name, "._-") && name != "." && name != "..";
        (owner_ok && name_ok).then_some(()).ok_or_else(bad)
    },
    pattern: Some("^[A-Za-z0-9]([A-Za-z0-9-]{0,37}[A-Za-z0-9])?/[A-Za-z0-9._-]{1,100}$"),
    also: Some("the name is not . or .."),
    ..RULE
};

/// A branch the publish role trusts, matched exactly (StringEquals: no wildcards): a git branch
/// name of letters, digits, `.`, `_`, `-` and `/`.
/// See: <https://git-scm.com/docs/git-check-ref-format>
pub const GIT_BRANCH: Rule = Rule {
    check: |s| {
        let ok = (1..=255).contains(&s.len())
            && chars_ok(s, "._-/")
            && !s.starts_with(['/', '-', '.'])
            && !s.ends_with(['/', '.'])
            && !s.ends_with(".lock")
            && !s.contains("..")
            && !s.contains("//")
            && !s.contains("/.");
        ok.then_some(()).ok_or_else(|| {
            "is not a branch name sds accepts (letters, digits, . _ - and /, as git allows them; no wildcards: the role trusts exactly this branch)".into()
        })
    },
    pattern: Some("^[A-Za-z0-9_][A-Za-z0-9._/-]*$"),
    length: Some((1, 255)),
    also: Some("no .., // or /., not ending with /, . or .lock"),
    ..RULE
};

/// An existing IAM OIDC provider for GitHub Actions, in the account.
/// See: <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html>
pub const GITHUB_PROVIDER_ARN: Rule = Rule {
    check: |s| {
        let parts: Vec<&str> = s.splitn(6, ':').collect();
        let ok = match parts.as_slice() {
            ["arn", partition, "iam", "", account, "oidc-provider/token.actions.githubusercontent.com"] => {
                partition.starts_with("aws")
                    && chars_ok(partition, "-")
                    && account.len() == 12
                    && account.bytes().all(|b| b.is_ascii_digit())
            }
            _ => false,
        };
        ok.then_some(()).ok_or_else(|| {
            "is not the ARN of GitHub's OIDC provider (arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com)"
                .into()
        })
    },
    pattern: Some(r"^arn:aws[A-Za-z0-9-]*:iam::[0-9]{12}:oidc-provider/token\.actions\.githubusercontent\.com$"),
    ..RULE
};
