//! Condition operators, evaluated against a request context in three values: a condition holds,
//! does not hold, or depends on context values not known before deploy (`Unknown`, with the keys),
//! which the evaluation reports as conditional instead of guessing.
//! See: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use super::pattern::{arn_matches, glob};
use super::policy::{Condition, SetOperator};
use super::presence::{presence, Asked, Presence};

/// A context key's value in a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextValue {
    /// One value, or several for multivalued keys (`aws:TagKeys`).
    Known(Vec<String>),
    /// Set at run time, not known from the templates.
    Unknown,
}

/// A request's context keys, by lower-case name (IAM's key names ignore case). A closed context
/// (`new`) has exactly the keys set; an open one (`open`) takes every other key as unknown, unless
/// marked absent — what analysis before deploy needs, where a request's context is not known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    values: BTreeMap<String, ContextValue>,
    absent: BTreeSet<String>,
    open: bool,
}

static UNKNOWN: ContextValue = ContextValue::Unknown;

impl Context {
    pub fn new() -> Context {
        Context::default()
    }

    /// A context whose keys not set are unknown.
    pub fn open() -> Context {
        Context { open: true, ..Context::default() }
    }

    pub fn set(mut self, key: &str, values: &[&str]) -> Context {
        let values = ContextValue::Known(values.iter().map(|v| v.to_string()).collect());
        self.values.insert(key.to_ascii_lowercase(), values);
        self
    }

    pub fn unknown(mut self, key: &str) -> Context {
        self.values.insert(key.to_ascii_lowercase(), ContextValue::Unknown);
        self
    }

    /// Marks `key` as not in the request (in an open context).
    pub fn absent(mut self, key: &str) -> Context {
        self.absent.insert(key.to_ascii_lowercase());
        self
    }

    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        let key = key.to_ascii_lowercase();
        match self.values.get(&key) {
            Some(v) => Some(v),
            None if self.open && !self.absent.contains(&key) => Some(&UNKNOWN),
            None => None,
        }
    }

    /// The single value of `key`, for policy variables (`${aws:username}`).
    fn single(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(ContextValue::Known(v)) if v.len() == 1 => Some(&v[0]),
            _ => None,
        }
    }
}

/// A three-valued truth: holds, does not, or depends on the listed unknown context keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tri {
    True,
    False,
    Unknown(BTreeSet<String>),
}

impl Tri {
    pub fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, x) | (x, Tri::True) => x,
            (Tri::Unknown(mut a), Tri::Unknown(b)) => {
                a.extend(b);
                Tri::Unknown(a)
            }
        }
    }

    fn from(b: bool) -> Tri {
        if b {
            Tri::True
        } else {
            Tri::False
        }
    }
}

/// The base operators (without `IfExists` and set prefixes).
const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

pub fn is_operator(op: &str) -> bool {
    OPERATORS.contains(&op)
}

/// The negated operators: true when the value matches none of the policy's values, and true
/// when the key is absent.
fn negated(op: &str) -> bool {
    matches!(
        op,
        "StringNotEquals"
            | "StringNotEqualsIgnoreCase"
            | "StringNotLike"
            | "NumericNotEquals"
            | "DateNotEquals"
            | "NotIpAddress"
            | "ArnNotEquals"
            | "ArnNotLike"
    )
}

/// Replaces `${key}` policy variables from the context (`${*}`, `${?}`, `${$}` are the literal
/// characters); `None` when a variable's key is absent, which makes the value match nothing.
pub fn substitute(text: &str, ctx: &Context) -> Option<String> {
    if !text.contains("${") {
        return Some(text.to_string());
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(j) = after.find('}') else {
            out.push_str(&rest[i..]);
            return Some(out);
        };
        let name = &after[..j];
        match name {
            "*" | "?" | "$" => out.push_str(name),
            _ => {
                // `${key, 'default'}` falls back to the default when the key is absent.
                let (key, default) = match name.split_once(',') {
                    Some((k, d)) => (k.trim(), Some(d.trim().trim_matches('\''))),
                    None => (name.trim(), None),
                };
                out.push_str(ctx.single(key).or(default)?);
            }
        }
        rest = &after[j + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// Whether one request value matches one policy value under the positive form of `op`.
fn matches_one(op: &str, policy: &str, value: &str) -> bool {
    match op {
        "StringEquals" | "StringNotEquals" => policy == value,
        "StringEqualsIgnoreCase" | "StringNotEqualsIgnoreCase" => policy.eq_ignore_ascii_case(value),
        "StringLike" | "StringNotLike" => glob(policy, value, false),
        "NumericEquals" | "NumericNotEquals" => compare(number(policy), number(value), |o| o.is_eq()),
        "NumericLessThan" => compare(number(value), number(policy), |o| o.is_lt()),
        "NumericLessThanEquals" => compare(number(value), number(policy), |o| o.is_le()),
        "NumericGreaterThan" => compare(number(value), number(policy), |o| o.is_gt()),
        "NumericGreaterThanEquals" => compare(number(value), number(policy), |o| o.is_ge()),
        "DateEquals" | "DateNotEquals" => compare(date(policy), date(value), |o| o.is_eq()),
        "DateLessThan" => compare(date(value), date(policy), |o| o.is_lt()),
        "DateLessThanEquals" => compare(date(value), date(policy), |o| o.is_le()),
        "DateGreaterThan" => compare(date(value), date(policy), |o| o.is_gt()),
        "DateGreaterThanEquals" => compare(date(value), date(policy), |o| o.is_ge()),
        "Bool" => policy.eq_ignore_ascii_case(value),
        "BinaryEquals" => policy == value,
        "IpAddress" | "NotIpAddress" => in_cidr(policy, value),
        "ArnEquals" | "ArnLike" | "ArnNotEquals" | "ArnNotLike" => arn_matches(policy, value),
        _ => false,
    }
}

fn compare(a: Option<f64>, b: Option<f64>, ok: fn(std::cmp::Ordering) -> bool) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.partial_cmp(&b).is_some_and(ok),
        _ => false,
    }
}

fn number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Seconds since the epoch of an ISO 8601 date or date-time (UTC, `Z` or no zone), or of a number.
fn date(s: &str) -> Option<f64> {
    if let Some(n) = number(s) {
        return Some(n);
    }
    let s = s.trim().trim_end_matches('Z');
    let (day, time) = s.split_once('T').unwrap_or((s, "00:00:00"));
    let mut d = day.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, dd) = (d.next()??, d.next()??, d.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&dd) {
        return None;
    }
    let mut t = time.split(':');
    let h: f64 = t.next()?.parse().ok()?;
    let mi: f64 = t.next().unwrap_or("0").parse().ok()?;
    let sec: f64 = t.next().unwrap_or("0").parse().ok()?;
    // Days from the civil date (proleptic Gregorian).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + dd - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days as f64 * 86_400.0 + h * 3600.0 + mi * 60.0 + sec)
}

fn in_cidr(cidr: &str, ip: &str) -> bool {
    let (net, bits) = cidr.split_once('/').unwrap_or((cidr, ""));
    let (Ok(net), Ok(ip)) = (net.parse::<IpAddr>(), ip.parse::<IpAddr>()) else { return false };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let bits: u32 = if bits.is_empty() { 32 } else { bits.parse().unwrap_or(33) };
            bits <= 32 && (bits == 0 || (u32::from(n) ^ u32::from(i)) >> (32 - bits) == 0)
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let bits: u32 = if bits.is_empty() { 128 } else { bits.parse().unwrap_or(129) };
            bits <= 128 && (bits == 0 || (u128::from(n) ^ u128::from(i)) >> (128 - bits) == 0)
        }
        _ => false,
    }
}

/// Evaluates one condition against the request context. With the request it is `asked` for, a
/// key whose value is unknown is first looked up ([`presence`]): one the request cannot carry is
/// absent, and the operator decides; `Null` on one it always carries is decided too. A service's
/// own key that the action cannot carry is absent even when the context gives it a value (what
/// IAM sees of such a request; the differential simulator reads it so too); global keys given a
/// value are taken as given.
pub fn evaluate(c: &Condition, ctx: &Context, asked: Option<Asked>) -> Tri {
    let given = ctx.get(&c.key);
    let never = |a: Asked| {
        !c.key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")) && presence(a, &c.key) == Presence::Absent
    };
    let given = match (given, asked) {
        (Some(ContextValue::Known(_)), Some(a)) if never(a) => None,
        _ => given,
    };
    let values = match given {
        Some(ContextValue::Unknown) => match asked.map_or(Presence::Maybe, |a| presence(a, &c.key)) {
            Presence::Absent => None,
            Presence::Always if c.operator == "Null" => {
                return Tri::from(c.values.iter().any(|p| p.eq_ignore_ascii_case("false")))
            }
            _ => return Tri::Unknown(BTreeSet::from([c.key.clone()])),
        },
        Some(ContextValue::Known(v)) => Some(v),
        None => None,
    };
    if c.operator == "Null" {
        let absent = values.is_none_or(|v| v.is_empty());
        return Tri::from(c.values.iter().any(|p| p.eq_ignore_ascii_case(&absent.to_string())));
    }
    let present = values.filter(|v| !v.is_empty());
    let Some(values) = present else {
        return Tri::from(match c.set {
            Some(SetOperator::ForAllValues) => true,
            Some(SetOperator::ForAnyValue) => c.if_exists,
            None => c.if_exists || negated(&c.operator),
        });
    };
    let policy: Vec<String> = c.values.iter().filter_map(|p| substitute(p, ctx)).collect();
    let any_policy = |v: &str| policy.iter().any(|p| matches_one(&c.operator, p, v));
    let neg = negated(&c.operator);
    // A request value satisfies the operator: matches a policy value (positive), or none (negated).
    let satisfies = |v: &String| any_policy(v) != neg;
    Tri::from(match c.set {
        Some(SetOperator::ForAllValues) => values.iter().all(satisfies),
        Some(SetOperator::ForAnyValue) => values.iter().any(satisfies),
        None if neg => values.iter().all(satisfies),
        None => values.iter().any(satisfies),
    })
}

/// All conditions of a statement (AND over operators and keys).
pub fn evaluate_all(conditions: &[Condition], ctx: &Context, asked: Option<Asked>) -> Tri {
    conditions.iter().fold(Tri::True, |acc, c| acc.and(evaluate(c, ctx, asked)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(op: &str, key: &str, values: &[&str]) -> Condition {
        let (set, rest) = match op.split_once(':') {
            Some(("ForAllValues", r)) => (Some(SetOperator::ForAllValues), r),
            Some(("ForAnyValue", r)) => (Some(SetOperator::ForAnyValue), r),
            _ => (None, op),
        };
        let (operator, if_exists) = rest.strip_suffix("IfExists").map_or((rest, false), |b| (b, true));
        Condition {
            operator: operator.into(),
            if_exists,
            set,
            key: key.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    fn eval(op: &str, key: &str, values: &[&str], ctx: &Context) -> Tri {
        evaluate(&cond(op, key, values), ctx, None)
    }

    #[test]
    fn strings_and_absent_keys() {
        let ctx = Context::new().set("aws:SourceVpce", &["vpce-1"]);
        assert_eq!(eval("StringEquals", "aws:sourcevpce", &["vpce-1", "vpce-2"], &ctx), Tri::True, "keys ignore case");
        assert_eq!(eval("StringEquals", "aws:SourceVpce", &["VPCE-1"], &ctx), Tri::False);
        assert_eq!(eval("StringEqualsIgnoreCase", "aws:SourceVpce", &["VPCE-1"], &ctx), Tri::True);
        assert_eq!(eval("StringNotEquals", "aws:SourceVpce", &["vpce-2"], &ctx), Tri::True);
        assert_eq!(eval("StringLike", "aws:SourceVpce", &["vpce-*"], &ctx), Tri::True);
        // Absent key: positive operators fail, negated ones and IfExists hold.
        assert_eq!(eval("StringEquals", "aws:SourceVpc", &["vpc-1"], &ctx), Tri::False);
        assert_eq!(eval("StringNotEquals", "aws:SourceVpc", &["vpc-1"], &ctx), Tri::True);
        assert_eq!(eval("StringEqualsIfExists", "aws:SourceVpc", &["vpc-1"], &ctx), Tri::True);
    }

    #[test]
    fn null_checks_presence() {
        let ctx = Context::new().set("sagemaker:VpcSubnets", &["subnet-1"]);
        assert_eq!(eval("Null", "sagemaker:VpcSubnets", &["true"], &ctx), Tri::False);
        assert_eq!(eval("Null", "sagemaker:VpcSubnets", &["false"], &ctx), Tri::True);
        assert_eq!(eval("Null", "sagemaker:VpcSecurityGroupIds", &["true"], &ctx), Tri::True);
    }

    #[test]
    fn set_operators() {
        let ctx = Context::new().set("aws:TagKeys", &["team", "env"]);
        assert_eq!(eval("ForAllValues:StringEquals", "aws:TagKeys", &["team", "env", "x"], &ctx), Tri::True);
        assert_eq!(eval("ForAllValues:StringEquals", "aws:TagKeys", &["team"], &ctx), Tri::False);
        assert_eq!(eval("ForAnyValue:StringEquals", "aws:TagKeys", &["team"], &ctx), Tri::True);
        // The documented pitfall: ForAllValues holds when the key is absent; ForAnyValue does not.
        let empty = Context::new();
        assert_eq!(eval("ForAllValues:StringEquals", "aws:TagKeys", &["team"], &empty), Tri::True);
        assert_eq!(eval("ForAnyValue:StringEquals", "aws:TagKeys", &["team"], &empty), Tri::False);
    }

    #[test]
    fn numbers_dates_booleans_addresses_arns() {
        let ctx = Context::new()
            .set("s3:max-keys", &["10"])
            .set("aws:CurrentTime", &["2026-11-23T09:00:00Z"])
            .set("aws:SecureTransport", &["true"])
            .set("aws:SourceIp", &["203.0.113.7"])
            .set("aws:SourceArn", &["arn:aws:sns:us-east-1:111111111111:topic"]);
        assert_eq!(eval("NumericLessThanEquals", "s3:max-keys", &["10"], &ctx), Tri::True);
        assert_eq!(eval("NumericGreaterThan", "s3:max-keys", &["10"], &ctx), Tri::False);
        assert_eq!(eval("NumericEquals", "s3:max-keys", &["ten"], &ctx), Tri::False, "not a number: no match");
        assert_eq!(eval("DateGreaterThan", "aws:CurrentTime", &["2026-01-01"], &ctx), Tri::True);
        assert_eq!(eval("DateLessThan", "aws:CurrentTime", &["2026-11-23T08:59:59Z"], &ctx), Tri::False);
        assert_eq!(eval("Bool", "aws:SecureTransport", &["TRUE"], &ctx), Tri::True);
        assert_eq!(eval("IpAddress", "aws:SourceIp", &["203.0.113.0/24"], &ctx), Tri::True);
        assert_eq!(eval("NotIpAddress", "aws:SourceIp", &["203.0.113.0/24"], &ctx), Tri::False);
        assert_eq!(eval("ArnLike", "aws:SourceArn", &["arn:aws:sns:*:111111111111:*"], &ctx), Tri::True);
        assert_eq!(eval("ArnNotLike", "aws:SourceArn", &["arn:aws:sns:*:222222222222:*"], &ctx), Tri::True);
    }

    #[test]
    fn unknown_values_are_reported_not_guessed() {
        let ctx = Context::new().unknown("aws:SourceVpce");
        assert_eq!(
            eval("StringEquals", "aws:SourceVpce", &["vpce-1"], &ctx),
            Tri::Unknown(BTreeSet::from(["aws:SourceVpce".to_string()]))
        );
        let both = Tri::Unknown(BTreeSet::from(["a".into()])).and(Tri::False);
        assert_eq!(both, Tri::False, "a false conjunct decides");
        // An open context: every key not set or marked absent is unknown.
        let open = Context::open().set("aws:SourceVpce", &["vpce-1"]).absent("aws:SourceVpc");
        assert_eq!(eval("StringEquals", "aws:SourceVpce", &["vpce-1"], &open), Tri::True);
        assert_eq!(eval("StringEquals", "aws:SourceVpc", &["vpc-1"], &open), Tri::False);
        assert!(matches!(eval("StringEquals", "aws:PrincipalTag/team", &["a"], &open), Tri::Unknown(_)));
    }

    #[test]
    fn policy_variables() {
        let ctx = Context::new().set("aws:username", &["alice"]);
        assert_eq!(substitute("home/${aws:username}/*", &ctx).as_deref(), Some("home/alice/*"));
        assert_eq!(substitute("${aws:userid}", &ctx), None);
        assert_eq!(substitute("${aws:userid, 'nobody'}", &ctx).as_deref(), Some("nobody"));
        assert_eq!(substitute("a${*}b", &ctx).as_deref(), Some("a*b"));
    }
}
