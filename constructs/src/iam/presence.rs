//! Which condition keys a request carries, before its values are known: from the
//! service-authorization data ([`super::servauth`]) for the keys of the action's own service and
//! the tag keys, and from AWS's documentation of the global keys for the rest. A key that a
//! request for the action cannot carry is absent, and the condition operator then decides
//! (absent: positive operators fail, `...IfExists`, negated operators, `ForAllValues` and
//! `Null: true` hold); a key it may carry, whose value is not known, stays unknown.
//! See: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html>
//! See: <https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>

use super::servauth;

/// The request a condition is evaluated for.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    /// `s3:GetObject`.
    pub action: &'a str,
    /// Whether an IAM principal (a user or a role session) asks, rather than a service.
    pub by_iam_principal: bool,
}

/// Whether a request carries a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Never, for this action.
    Absent,
    /// Always (its value may still be unknown).
    Always,
    /// Depending on the request, or not known.
    Maybe,
}

/// Global keys in the context of every signed request of an IAM principal ("Availability: this
/// key is always included in the request context" / "for all signed requests"). Not here:
/// `aws:username` (IAM users only, not role sessions), `aws:SourceIp` (not through a VPC
/// endpoint, nor when a service calls), `aws:PrincipalTag/*` (only the tags the principal has),
/// `aws:PrincipalOrgID` (only in an organization), `aws:SourceVpc`/`aws:SourceVpce` (only through
/// a VPC endpoint), `aws:SourceArn`/`aws:SourceAccount` (only when a service calls for a
/// resource), `aws:CalledVia` (only through a service), `aws:MultiFactorAuthAge` (only with MFA):
/// those depend on the request and stay unknown unless the analysis sets them.
/// See: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html>
const ALWAYS: &[&str] = &[
    "aws:currenttime",
    "aws:epochtime",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalisawsservice",
    "aws:principaltype",
    "aws:requestedregion",
    "aws:securetransport",
    "aws:userid",
    "aws:viaawsservice",
];

/// Whether a request for `asked.action` carries `key`:
/// - the always-present global keys above: always (for an IAM principal);
/// - `aws:RequestTag/*`, `aws:TagKeys` and `aws:ResourceTag/*`: only where the data lists them
///   for the action or the resource types it acts on (a request that tags nothing has no
///   request tags; a resource type that takes no tags has no resource tags);
/// - a key of the action's own service: only where the data lists it for the action or its
///   resource types (`sagemaker:VolumeKmsKey`, a deprecated key no action lists, is never in a
///   `sagemaker:CreateTrainingJob` request; its successor `sagemaker:VolumeKmsKeyArn` may be);
/// - any other key — other global keys, and other services' keys, some of which services
///   add to requests they make for their callers (cross-service keys such as
///   `ec2:SourceInstanceARN`) — maybe.
///
/// An action the data does not have: maybe, whatever the key.
pub fn presence(asked: Asked, key: &str) -> Presence {
    let lower = key.to_ascii_lowercase();
    if asked.by_iam_principal && ALWAYS.contains(&lower.as_str()) {
        return Presence::Always;
    }
    let Some((service, action)) = servauth::action(asked.action) else { return Presence::Maybe };
    let tag = lower.starts_with("aws:requesttag/") || lower == "aws:tagkeys" || lower.starts_with("aws:resourcetag/");
    let own = lower.split_once(':').is_some_and(|(p, _)| p == service.prefix);
    if !(tag || own) {
        return Presence::Maybe;
    }
    if service.supports(action, key) {
        Presence::Maybe
    } else {
        Presence::Absent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(action: &str) -> Asked<'_> {
        Asked { action, by_iam_principal: true }
    }

    #[test]
    fn keys_by_action() {
        let train = asked("sagemaker:CreateTrainingJob");
        assert_eq!(presence(train, "sagemaker:VolumeKmsKey"), Presence::Absent);
        assert_eq!(presence(train, "sagemaker:VolumeKmsKeyArn"), Presence::Maybe);
        assert_eq!(presence(train, "aws:RequestTag/team"), Presence::Maybe);
        assert_eq!(presence(asked("s3:GetObject"), "aws:RequestTag/team"), Presence::Absent);
        assert_eq!(presence(asked("s3:GetObject"), "aws:TagKeys"), Presence::Absent);
        assert_eq!(presence(asked("iam:PassRole"), "iam:PassedToService"), Presence::Maybe);
        assert_eq!(presence(asked("iam:GetRole"), "iam:PassedToService"), Presence::Absent);
        // Global keys: some always there, most depending on the request.
        assert_eq!(presence(train, "aws:PrincipalArn"), Presence::Always);
        assert_eq!(presence(Asked { by_iam_principal: false, ..train }, "aws:PrincipalArn"), Presence::Maybe);
        assert_eq!(presence(train, "aws:SourceVpce"), Presence::Maybe);
        assert_eq!(presence(train, "aws:PrincipalTag/team"), Presence::Maybe);
        // Another service's key may be a cross-service key: not decided.
        assert_eq!(presence(train, "ec2:SourceInstanceARN"), Presence::Maybe);
        // Not in the data: not decided.
        assert_eq!(presence(asked("nosuch:Thing"), "nosuch:Key"), Presence::Maybe);
    }
}
