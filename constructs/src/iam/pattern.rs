//! IAM's wildcard matching: `*` (any run of characters, none included) and `?` (one character)
//! in actions (case-insensitive), resources and ARN condition values (case-sensitive, segment by
//! segment for ARNs).
//! See: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>

/// Whether `text` matches `pattern` (`*`, `?`), optionally ignoring ASCII case.
pub fn glob(pattern: &str, text: &str, ignore_case: bool) -> bool {
    if pattern == "*" {
        return true;
    }
    if !pattern.contains(['*', '?']) {
        return if ignore_case { pattern.eq_ignore_ascii_case(text) } else { pattern == text };
    }
    if pattern.is_ascii() && text.is_ascii() {
        // One byte is one character: match in place.
        return matches(pattern.as_bytes(), text.as_bytes(), |a, b| {
            if ignore_case {
                a.eq_ignore_ascii_case(&b)
            } else {
                a == b
            }
        });
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    matches(&p, &t, |a, b| if ignore_case { a.eq_ignore_ascii_case(&b) } else { a == b })
}

/// What the wildcard characters are, in the unit a pattern is matched in (bytes or chars).
trait Unit: Copy + PartialEq {
    const STAR: Self;
    const ONE: Self;
}

impl Unit for u8 {
    const STAR: u8 = b'*';
    const ONE: u8 = b'?';
}

impl Unit for char {
    const STAR: char = '*';
    const ONE: char = '?';
}

/// Iterative matching with one backtrack point: linear in practice, never exponential.
fn matches<T: Unit>(p: &[T], t: &[T], eq: impl Fn(T, T) -> bool) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == T::ONE || (p[pi] != T::STAR && eq(p[pi], t[ti]))) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == T::STAR {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == T::STAR)
}

/// Whether an action (`s3:GetObject`) matches a policy's action pattern (`s3:Get*`, `*`).
pub fn action_matches(pattern: &str, action: &str) -> bool {
    pattern == "*" || glob(pattern, action, true)
}

/// Whether an ARN matches a policy's resource pattern. `*` alone matches everything; otherwise
/// the first five colon-separated segments (arn, partition, service, region, account) match one
/// by one and the rest (the resource, which may hold colons) as a whole.
pub fn arn_matches(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let (p, a) = (split_arn(pattern), split_arn(arn));
    match (p, a) {
        (Some(p), Some(a)) => p.iter().zip(a.iter()).all(|(p, a)| glob(p, a, false)),
        // Not ARNs (e.g. a bare resource name): match the whole text.
        _ => glob(pattern, arn, false),
    }
}

/// The six parts of an ARN: `arn`, partition, service, region, account, resource.
fn split_arn(s: &str) -> Option<[&str; 6]> {
    split_colons(s)
}

/// `s` split at its first `N - 1` colons, the last part keeping any further ones (what
/// `s.splitn(N, ':')` yields), or `None` with fewer colons. A byte scan: the strings split here
/// (actions, ARNs) are short, and `str::split`'s memchr search set up per call cost several
/// million instructions per `sds synth` (issue #11). `:` is ASCII, so every cut is at a character
/// boundary.
pub(crate) fn split_colons<const N: usize>(s: &str) -> Option<[&str; N]> {
    let mut out = [""; N];
    let mut rest = s;
    let (last, firsts) = out.split_last_mut()?;
    for part in firsts {
        let at = rest.bytes().position(|b| b == b':')?;
        *part = &rest[..at];
        rest = &rest[at + 1..];
    }
    *last = rest;
    Some(out)
}

/// `s` up to its first colon (all of it without one): `s.split(':').next()`, by a byte scan.
pub(crate) fn before_colon(s: &str) -> &str {
    s.bytes().position(|b| b == b':').map_or(s, |at| &s[..at])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colon_splits_are_those_of_splitn() {
        for s in
            ["", ":", "a", "a:b", "s3:GetObject", "arn:aws:iam::123456789012:role/a:b", "é:ü::ß:", ":::::::", "a:b:c:d"]
        {
            let want: Vec<&str> = s.splitn(6, ':').collect();
            assert_eq!(split_colons::<6>(s).map(Vec::from), (want.len() == 6).then_some(want), "{s}");
            let want: Vec<&str> = s.splitn(2, ':').collect();
            assert_eq!(split_colons::<2>(s).map(Vec::from), (want.len() == 2).then_some(want), "{s}");
            assert_eq!(split_colons::<1>(s), Some([s]));
            assert_eq!(before_colon(s), s.split(':').next().unwrap(), "{s}");
        }
        assert_eq!(split_colons::<0>("a:b"), None);
    }

    #[test]
    fn wildcards() {
        assert!(glob("a*c", "abbbc", false));
        assert!(glob("a*c", "ac", false));
        assert!(glob("a?c", "abc", false));
        assert!(!glob("a?c", "ac", false));
        assert!(glob("*", "", false));
        assert!(!glob("abc", "ABC", false));
        assert!(glob("abc", "ABC", true));
        assert!(glob("*a*b*", "xxaxxbxx", false));
        assert!(!glob("*a*b", "xxaxxbxx", false));
        // `?` is one character, not one byte.
        assert!(glob("caf?", "café", false));
        assert!(!glob("caf??", "café", false));
        assert!(glob("*é", "café", false));
    }

    #[test]
    fn actions_ignore_case() {
        assert!(action_matches("s3:get*", "s3:GetObject"));
        assert!(action_matches("*", "kms:Decrypt"));
        assert!(!action_matches("s3:Put*", "s3:GetObject"));
    }

    #[test]
    fn arns_match_segment_by_segment() {
        assert!(arn_matches("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c"));
        assert!(!arn_matches("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket"));
        assert!(arn_matches("arn:aws:kms:*:111111111111:key/*", "arn:aws:kms:us-east-1:111111111111:key/k"));
        assert!(arn_matches("arn:aws:s3:*:*:*", "arn:aws:s3:::bucket"));
        // A star in the region does not reach into the account.
        assert!(!arn_matches("arn:aws:kms:*:222222222222:key/k", "arn:aws:kms:us-east-1:111111111111:key/k"));
        assert!(!arn_matches("arn:aws:s3:::Bucket", "arn:aws:s3:::bucket"), "resources are case-sensitive");
    }
}
