//! The platform's access invariants, checked on the matrix:
//!
//! 1. `access/team-isolation`: a team's buckets and keys are read, written or decrypted only by
//!    that team's principals and the platform's (the root's) — directly or through roles acted as;
//! 2. `access/escalation`: no data-science user principal can act as an administrator role or as
//!    another team's role;
//! 3. `access/studio-user-isolation`: a user's principals open only their own Studio user profile;
//! 4. `access/network-path`: buckets are read and written only through the platform's S3 VPC
//!    endpoint (a request from another endpoint, or from none, is refused).
//!
//! Who is who comes from the instance names (see [`super::launches`]): `root...` is the platform,
//! a team launch (`team-a-dev`) and what it nests is the team, a user launch (`team-a-dev/alice`)
//! the user. A team principal whose logical id names it an administrator (`...Admin...`) is the
//! team's administrator; the other team and user principals are data-science users.

use super::graph::{Graph, Kind, Principal};
use super::matrix::{grants, reachable, Cell, Level, Step};
use crate::iam::{Context, Decision};

/// One broken invariant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub rule: &'static str,
    /// The principal (index in `Graph::principals`); none for an assertion that names no
    /// principal of the app.
    pub principal: Option<usize>,
    /// The resource (index in `Graph::targets`), or the role acted as (index in `principals`).
    pub target: Target,
    pub level: Option<Level>,
    pub decision: Decision,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Resource(usize),
    Role(usize),
    /// A resource outside the app, by ARN (`access.deny`); empty when an assertion matched nothing.
    Arn(String),
}

/// The rules, with what each protects (for reports and `--list-rules`).
pub const RULES: &[(&str, &str)] = &[
    (
        "access/team-isolation",
        "a team's buckets and keys are reachable only by the team and the platform administrators",
    ),
    ("access/escalation", "no data-science user can act as an administrator role or another team's role"),
    ("access/studio-user-isolation", "a user opens only their own Studio user profile"),
    ("access/network-path", "buckets are reachable only through the platform's S3 VPC endpoint"),
    (super::assertions::RULE, "what the configuration's access.deny assertions forbid is impossible"),
];

/// Where an instance belongs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope<'a> {
    /// The team launch (`team-a-dev`), if any.
    pub team: Option<&'a str>,
    /// The user launch (`team-a-dev/alice`), if any.
    pub user: Option<&'a str>,
    pub platform: bool,
}

/// The scope of `instance`, given the team and user launch names.
pub fn scope<'a>(instance: &str, teams: &'a [String], users: &'a [String]) -> Scope<'a> {
    let within = |launch: &str| instance == launch || instance.starts_with(&format!("{launch}/"));
    Scope {
        team: teams.iter().find(|t| within(t)).map(String::as_str),
        user: users.iter().find(|u| within(u)).map(String::as_str),
        platform: within("root"),
    }
}

fn is_admin(p: &Principal, s: &Scope) -> bool {
    s.platform || (s.team.is_some() && s.user.is_none() && p.origin.logical_id.contains("Admin"))
}

fn is_user(p: &Principal, s: &Scope) -> bool {
    s.team.is_some() && !is_admin(p, s)
}

/// Every violation of the four invariants.
pub fn check(g: &Graph, edges: &[Vec<Step>], cells: &[Cell], teams: &[String], users: &[String]) -> Vec<Violation> {
    let scope_of = |instance: &str| scope(instance, teams, users);
    let mut out = Vec::new();
    for c in cells {
        let p = &g.principals[c.principal];
        let t = &g.targets[c.target];
        let (ps, ts) = (scope_of(&p.origin.instance), scope_of(&t.origin.instance));
        let data = matches!(c.level, Level::Read | Level::Write | Level::Decrypt);
        if data && matches!(t.kind, Kind::Bucket | Kind::Key) {
            if let Some(team) = ts.team {
                if ps.team != Some(team) && !ps.platform {
                    out.push(Violation {
                        rule: "access/team-isolation",
                        principal: Some(c.principal),
                        target: Target::Resource(c.target),
                        level: Some(c.level),
                        decision: c.decision.clone(),
                        message: format!(
                            "{} of team {team} can be {} by {}",
                            t.origin.logical_id,
                            past(c.level),
                            p.origin
                        ),
                    });
                }
            }
        }
        if c.level == Level::Open && is_user(p, &ps) && ts.user.is_some() && ps.user != ts.user {
            out.push(Violation {
                rule: "access/studio-user-isolation",
                principal: Some(c.principal),
                target: Target::Resource(c.target),
                level: Some(c.level),
                decision: c.decision.clone(),
                message: format!("{} can open the Studio user profile of {}", p.origin, ts.user.unwrap_or("")),
            });
        }
        if t.kind == Kind::Bucket && matches!(c.level, Level::Read | Level::Write) && c.path.is_empty() {
            if let Some(elsewhere) = outside_endpoint(g, c) {
                out.push(Violation {
                    rule: "access/network-path",
                    principal: Some(c.principal),
                    target: Target::Resource(c.target),
                    level: Some(c.level),
                    decision: elsewhere,
                    message: format!(
                        "{} can {} {} without the platform's S3 endpoint",
                        p.origin,
                        c.level.as_str(),
                        t.origin
                    ),
                });
            }
        }
    }
    for (pi, p) in g.principals.iter().enumerate() {
        let ps = scope_of(&p.origin.instance);
        if !is_user(p, &ps) {
            continue;
        }
        for (ri, path) in reachable(edges, pi) {
            let r = &g.principals[ri];
            let rs = scope_of(&r.origin.instance);
            let other_team = rs.team.is_some() && rs.team != ps.team;
            if !(is_admin(r, &rs) || other_team) {
                continue;
            }
            let decision =
                path.iter().skip(1).fold(path[0].decision.clone(), |a, s| super::matrix::combine(&a, &s.decision));
            out.push(Violation {
                rule: "access/escalation",
                principal: Some(pi),
                target: Target::Role(ri),
                level: None,
                decision,
                message: format!("{} can act as {}: {}", p.origin, r.origin, super::matrix::describe(g, &path)),
            });
        }
    }
    out
}

fn past(level: Level) -> &'static str {
    match level {
        Level::Read => "read",
        Level::Write => "written",
        Level::Decrypt => "decrypted",
        _ => level.as_str(),
    }
}

/// Whether the cell's access also works from another VPC endpoint, or from none: the decision
/// that grants it then.
fn outside_endpoint(g: &Graph, c: &Cell) -> Option<Decision> {
    let p = &g.principals[c.principal];
    let t = &g.targets[c.target];
    let (action, resource) = match c.level {
        Level::Read => ("s3:GetObject", format!("{}/key", t.arn)),
        _ => ("s3:PutObject", format!("{}/key", t.arn)),
    };
    let base = || Context::open().set("aws:PrincipalArn", &[&p.arn]).absent("aws:SourceVpc");
    for ctx in [base().set("aws:SourceVpce", &["vpce-elsewhere"]), base().absent("aws:SourceVpce")] {
        let d = super::matrix::decide_with(p, action, &resource, Some(t), crate::iam::ResourceKind::Ordinary, ctx);
        if grants(&d) {
            return Some(d);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::access::{analyze, Analysis};
    use crate::cfn::{read_template, Format};

    /// A root offering `products` (file names) through a portfolio.
    fn root(products: &[&str]) -> String {
        let mut s = String::from("Resources:\n");
        for (i, p) in products.iter().enumerate() {
            s += &format!(
                "  Product{i}:\n    Type: AWS::ServiceCatalog::CloudFormationProduct\n    Properties:\n      Name: p{i}\n      Owner: o\n      ProvisioningArtifactParameters:\n        - Info: {{LoadTemplateFromURL: 'https://s3.amazonaws.com/b/{p}'}}\n"
            );
        }
        s
    }

    fn analyze_app(files: &[(&str, String)]) -> Analysis {
        let templates: Vec<_> = files
            .iter()
            .map(|(n, t)| {
                (n.to_string(), read_template(t, n, Format::Yaml).unwrap_or_else(|e| panic!("{n}: {e}")).template)
            })
            .collect();
        analyze(&templates, "root.yaml")
    }

    fn rules(a: &Analysis) -> Vec<&'static str> {
        let mut r: Vec<&str> = a.violations.iter().map(|v| v.rule).collect();
        r.dedup();
        r
    }

    const TEAM_PARAMS: &str = "Parameters:\n  TeamName: {Type: String}\n  EnvType: {Type: String}\n";

    /// A team template: a user role whose policy is `policy`, and a key whose key policy is `key_policy`.
    fn team(policy: &str, key_policy: &str) -> String {
        format!(
            "{TEAM_PARAMS}Resources:\n  UserRole:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: !Sub 'user-${{TeamName}}-${{EnvType}}'\n      AssumeRolePolicyDocument: {{Statement: [{{Effect: Allow, Principal: {{Service: sagemaker.amazonaws.com}}, Action: 'sts:AssumeRole'}}]}}\n      Policies:\n        - PolicyName: p\n          PolicyDocument: {policy}\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy: {key_policy}\n"
        )
    }

    #[test]
    fn team_isolation_breaks_through_key_policy_delegation() {
        let decrypt_any = "{Statement: [{Effect: Allow, Action: 'kms:Decrypt', Resource: '*'}]}";
        let delegating = "{Statement: [{Effect: Allow, Principal: {AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:root'}, Action: 'kms:*', Resource: '*'}]}";
        let a = analyze_app(&[("root.yaml", root(&["team.yaml"])), ("team.yaml", team(decrypt_any, delegating))]);
        assert_eq!(rules(&a), ["access/team-isolation"], "{:?}", a.violations);
        assert!(a
            .violations
            .iter()
            .any(|v| v.message.contains("Key of team team-a-dev can be decrypted by team-b-dev/UserRole")));

        // The key policy names the team's own role only: isolated.
        let own = "{Statement: [{Effect: Allow, Principal: {AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:role/user-${TeamName}-${EnvType}'}, Action: 'kms:Decrypt', Resource: '*'}]}";
        let a = analyze_app(&[("root.yaml", root(&["team.yaml"])), ("team.yaml", team(decrypt_any, own))]);
        assert!(a.violations.is_empty(), "{:?}", a.violations);
    }

    #[test]
    fn escalation_through_pass_role() {
        let admin = "  Admin:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: sagemaker.amazonaws.com}, Action: 'sts:AssumeRole'}]}\n";
        let root_yaml = root(&["team.yaml"]) + admin;
        let no_key = "{Statement: [{Effect: Allow, Principal: {AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:role/nobody'}, Action: 'kms:*', Resource: '*'}]}";
        let pass_any =
            "{Statement: [{Effect: Allow, Action: ['iam:PassRole', 'sagemaker:CreateTrainingJob'], Resource: '*'}]}";
        let a = analyze_app(&[("root.yaml", root_yaml.clone()), ("team.yaml", team(pass_any, no_key))]);
        let esc: Vec<&str> =
            a.violations.iter().filter(|v| v.rule == "access/escalation").map(|v| v.message.as_str()).collect();
        assert!(
            esc.iter().any(|m| m.contains("team-a-dev/UserRole")
                && m.contains("root/Admin")
                && m.contains("pass to sagemaker.amazonaws.com + sagemaker:CreateTrainingJob")),
            "{esc:?}"
        );
        // PassRole limited to the team's own role: no escalation.
        let pass_own = "{Statement: [{Effect: Allow, Action: 'iam:PassRole', Resource: !Sub 'arn:aws:iam::${AWS::AccountId}:role/user-${TeamName}-${EnvType}'}, {Effect: Allow, Action: 'sagemaker:CreateTrainingJob', Resource: '*'}]}";
        let a = analyze_app(&[("root.yaml", root_yaml), ("team.yaml", team(pass_own, no_key))]);
        assert!(a.violations.iter().all(|v| v.rule != "access/escalation"), "{:?}", a.violations);
    }

    /// A user template: a role allowed `policy`, and the user's Studio profile.
    fn user(policy: &str) -> String {
        format!(
            "{TEAM_PARAMS}  StudioUserProfileName: {{Type: String}}\nResources:\n  ExecRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {{Statement: [{{Effect: Allow, Principal: {{Service: sagemaker.amazonaws.com}}, Action: 'sts:AssumeRole'}}]}}\n      Policies:\n        - PolicyName: p\n          PolicyDocument: {policy}\n  Profile:\n    Type: AWS::SageMaker::UserProfile\n    Properties:\n      DomainId: d-1\n      UserProfileName: !Ref StudioUserProfileName\n"
        )
    }

    #[test]
    fn studio_user_isolation() {
        let any = "{Statement: [{Effect: Allow, Action: 'sagemaker:CreatePresignedDomainUrl', Resource: '*'}]}";
        let a = analyze_app(&[("root.yaml", root(&["user.yaml"])), ("user.yaml", user(any))]);
        let v: Vec<&str> = a.violations.iter().map(|v| v.message.as_str()).collect();
        assert!(
            v.iter().any(|m| m.contains("team-a-dev/alice/ExecRole") && m.contains("profile of team-a-dev/bob")),
            "{v:?}"
        );
        let own = "{Statement: [{Effect: Allow, Action: 'sagemaker:CreatePresignedDomainUrl', Resource: !Sub 'arn:aws:sagemaker:${AWS::Region}:${AWS::AccountId}:user-profile/*/${StudioUserProfileName}'}]}";
        let a = analyze_app(&[("root.yaml", root(&["user.yaml"])), ("user.yaml", user(own))]);
        assert!(a.violations.is_empty(), "{:?}", a.violations);
    }

    #[test]
    fn network_path() {
        let reader = "  Reader:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: 'sts:AssumeRole'}]}\n      Policies: [{PolicyName: p, PolicyDocument: {Statement: [{Effect: Allow, Action: 's3:GetObject', Resource: '*'}]}}]\n  Lake:\n    Type: AWS::S3::Bucket\n";
        let a = analyze_app(&[("root.yaml", format!("{}{reader}", root(&[])))]);
        assert_eq!(rules(&a), ["access/network-path"], "{:?}", a.violations);
        let fenced = "  LakePolicy:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: !Ref Lake\n      PolicyDocument: {Statement: [{Effect: Deny, Principal: '*', Action: 's3:*', Resource: '*', Condition: {StringNotEquals: {'aws:SourceVpce': vpce-platform}}}]}\n";
        let a = analyze_app(&[("root.yaml", format!("{}{reader}{fenced}", root(&[])))]);
        assert!(a.violations.is_empty(), "{:?}", a.violations);
    }
}
