//! The names SAM (`Transform: AWS::Serverless-2016-10-31`) generates, which a SAM template may
//! refer to without declaring: every resource SAM makes for a serverless resource has a logical id
//! that starts with that resource's (`<Function>Role`, `<Function>Alias<alias>`,
//! `<Function><Event>Permission`, `<Api><Stage>Stage`, `<Api>Deployment<hash>`), a few are shared
//! by the template (`ServerlessRestApi`, `ServerlessHttpApi`, `ServerlessDeploymentApplication`,
//! `CodeDeployServiceRole`, the shared usage plan), and serverless resources have referenceable
//! properties (`!Ref MyFunction.Version`, `!Ref MyApi.Stage`). A reference to any other undeclared
//! name is an error under SAM as elsewhere.
//!
//! See: <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-generated-resources.html>
//!
//! Depends on the model only.

use std::collections::BTreeSet;

use sds_constructs::cfn::{Intrinsic, Template, Value};

/// Logical ids SAM gives the resources it shares between a template's serverless resources (the
/// implicit REST and HTTP APIs with their stages and deployments, CodeDeploy's application and
/// role, the shared usage plan and its key, custom domains), and the condition it makes for
/// CodeDeploy: each is a prefix of the generated names.
const SHARED: &[&str] = &[
    "ServerlessRestApi",
    "ServerlessHttpApi",
    "ServerlessDeploymentApplication",
    "CodeDeployServiceRole",
    "ServerlessUsagePlan",
    "ServerlessApiKey",
    "ServerlessCodeDeployCondition",
    // an API's custom domain, its Route 53 records and VPC endpoint association (named by hash)
    "ApiGatewayDomainName",
    "RecordSetGroup",
    "DomainNameAccessAssociation",
];

/// Serverless types SAM turns into one resource of the same logical id and nothing else.
/// See: <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-generated-resources-simpletable.html>
const MAKE_NO_MORE: &[&str] = &["AWS::Serverless::SimpleTable", "AWS::Serverless::Application"];

/// Resources with a role SAM makes unless one is given (`<id>Role`).
/// See: <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-generated-resources-function.html>
/// With the `Globals` section that may give it for all (state machines have none).
const ROLE_MADE_UNLESS_GIVEN: &[(&str, &str)] =
    &[("AWS::Serverless::Function", "Function"), ("AWS::Serverless::StateMachine", "")];

/// What SAM may generate for one template.
pub struct Generated<'a> {
    /// Logical ids of the serverless resources SAM makes more resources for, and of resources with
    /// embedded `Connectors`.
    owners: BTreeSet<&'a str>,
    /// `<id>Role` names SAM does not make: the resource is given its `Role`.
    given_roles: BTreeSet<String>,
}

/// Whether a `Role` is given whatever the conditions: SAM makes the role where `Fn::If` leaves
/// it out (`!If [HasRole, !Ref RoleArn, !Ref AWS::NoValue]`).
fn always_given(role: &Value) -> bool {
    let no_value = |v: &Value| matches!(v, Value::Fn(f) if matches!(&**f, Intrinsic::Ref(n) if n == "AWS::NoValue"));
    match role {
        Value::Fn(f) => match &**f {
            Intrinsic::If { then, otherwise, .. } => !no_value(then) && !no_value(otherwise),
            _ => true,
        },
        _ => true,
    }
}

impl<'a> Generated<'a> {
    pub fn new(t: &'a Template) -> Self {
        let mut owners = BTreeSet::new();
        let mut given_roles = BTreeSet::new();
        for (id, r) in &t.resources {
            let connectors = r.properties.contains_key("Connectors") || r.attributes.contains_key("Connectors");
            let makes_more = r.type_.starts_with("AWS::Serverless::") && !MAKE_NO_MORE.contains(&r.type_.as_str());
            if makes_more || connectors {
                owners.insert(id.as_str());
            }
            let Some((_, globals)) = ROLE_MADE_UNLESS_GIVEN.iter().find(|(ty, _)| *ty == r.type_) else { continue };
            let global_role = match *globals {
                "" => None,
                g => t.globals.get(g).and_then(Value::as_map).and_then(|g| g.get("Role")),
            };
            if r.properties.get("Role").or(global_role).is_some_and(always_given) {
                given_roles.insert(format!("{id}Role"));
            }
        }
        Generated { owners, given_roles }
    }

    /// Whether `name` (a `Ref`, `Fn::GetAtt`, `Fn::Sub` or `DependsOn` target) may be a resource
    /// SAM generates, a serverless resource's referenceable property (`MyFunction.Version`), or an
    /// attribute of a generated resource (`${MyFunctionRole.Arn}` in a `Fn::Sub`).
    pub fn contains(&self, name: &str) -> bool {
        match name.split_once('.') {
            Some((head, _)) => self.owners.contains(head) || self.generated(head),
            None => self.generated(name),
        }
    }

    /// Whether SAM may generate a resource with logical id `name`.
    fn generated(&self, name: &str) -> bool {
        if SHARED.iter().any(|s| name.starts_with(s)) {
            return true;
        }
        if self.given_roles.contains(name) {
            return false;
        }
        // An owner's id is a proper prefix of the name.
        name.char_indices().skip(1).any(|(i, _)| self.owners.contains(&name[..i]))
    }
}

#[cfg(test)]
mod tests {
    use sds_constructs::cfn::{read_template, Format};

    use super::*;

    fn template(text: &str) -> Template {
        read_template(text, "t.yaml", Format::Yaml).unwrap().template
    }

    const SAM: &str = "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.13\n      Handler: a.b\n      CodeUri: s\n  Given:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.13\n      Handler: a.b\n      CodeUri: s\n      Role: arn:aws:iam::123456789012:role/r\n  Topic:\n    Type: AWS::SNS::Topic\n";

    #[test]
    fn names_sam_makes_for_a_serverless_resource_are_generated() {
        let t = template(SAM);
        let g = Generated::new(&t);
        for name in
            ["FnRole", "FnAliaslive", "FnVersion1a2b3c", "FnApiEventPermission", "Fn.Version", "Fn.Alias", "FnRole.Arn"]
        {
            assert!(g.contains(name), "{name}");
        }
        for name in ["ServerlessRestApi", "ServerlessRestApiProdStage", "ServerlessHttpApi", "CodeDeployServiceRole"] {
            assert!(g.contains(name), "{name}");
        }
    }

    #[test]
    fn other_names_are_not() {
        let t = template(SAM);
        let g = Generated::new(&t);
        // a role SAM does not make (the function is given one), a plain resource's "generated"
        // names, a name no serverless resource starts, a serverless resource's id itself
        for name in ["GivenRole", "GivenRole.Arn", "TopicPolicy", "Topic.Arn", "Other", "OtherRole", "Fn", "F"] {
            assert!(!g.contains(name), "{name}");
        }
        // a role given for every function by Globals
        let t = template(&format!("{SAM}Globals:\n  Function:\n    Role: arn:aws:iam::123456789012:role/r\n"));
        assert!(!Generated::new(&t).contains("FnRole"));
        // but SAM makes the role where the Role given is left out by a condition
        let conditional = "Role: !If [C, !Ref AWS::NoValue, 'arn:aws:iam::123456789012:role/r']";
        let t = template(&SAM.replace("Role: arn:aws:iam::123456789012:role/r", conditional));
        assert!(Generated::new(&t).contains("GivenRole"));
    }
}
