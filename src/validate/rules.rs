//! The rules `sds validate` applies: stable ids, severity, title and rationale. Findings name a
//! rule by id; suppressions in the configuration must name one of these.

/// How bad a finding is: errors fail validation (and `sds synth`), warnings are reported, notes
/// (info) say what was not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One rule.
#[derive(Debug)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    pub rationale: &'static str,
}

const fn rule(id: &'static str, severity: Severity, title: &'static str, rationale: &'static str) -> Rule {
    Rule { id, severity, title, rationale }
}

use Severity::{Error as E, Info as I, Warning as W};

pub const RULES: &[Rule] = &[
    rule("template/format-version", E, "AWSTemplateFormatVersion other than 2010-09-09",
        "The only template format version is the string 2010-09-09; CloudFormation rejects any other value."),
    rule("template/resources-required", E, "Template without resources",
        "CloudFormation requires a Resources section with at least one resource; a missing, null or empty one is rejected."),
    rule("template/parameter-type", E, "Unknown parameter type",
        "A parameter type must be String, Number, List<Number>, CommaDelimitedList, an AWS-specific type (AWS::EC2::VPC::Id, List<AWS::EC2::Subnet::Id>, ...) or an SSM type (AWS::SSM::Parameter::Name, AWS::SSM::Parameter::Value<...>); names are case-sensitive."),
    rule("template/resource-policy", E, "Unknown DeletionPolicy or UpdateReplacePolicy",
        "DeletionPolicy is one of Delete, Retain, RetainExceptOnCreate, Snapshot; UpdateReplacePolicy one of Delete, Retain, Snapshot. (Whether the type supports Snapshot is not checked.)"),
    rule("template/transform", I, "Transform that sds does not expand",
        "A macro other than AWS::LanguageExtensions (a template's own, or AWS::Serverless, whose serverless resources are not expanded) rewrites the template when CloudFormation runs it: what sds can read is checked, the rest only after the macro has run."),
    rule("template/yaml-octal", W, "Unquoted number with a leading zero, which CloudFormation reads as octal",
        "CloudFormation reads YAML 1.1: an unquoted 0755 or 000644 is an octal integer (493, 420), and the property gets that number's decimal text. A file mode in cfn-init metadata then becomes another mode. Quote it ('000644') to keep the text."),
    rule("template/yaml-boolean-key", W, "Unquoted yes, no, on or off as a key, which CloudFormation reads as a boolean",
        "CloudFormation reads YAML 1.1: an unquoted key NO, yes or On is the boolean false or true, and the entry's key becomes the text \"false\" or \"true\" (a mapping of country codes loses Norway). Quote it ('NO') to keep the text."),
    rule("template/yaml-alias", W, "YAML alias or merge key, which CloudFormation refuses",
        "CloudFormation refuses a template with YAML aliases (*name) or merge keys (<<: *name): `aws cloudformation package` and `sam deploy` expand them first, as sds reads them (and `sds fmt` writes them expanded). Deployed any other way, the template fails."),
    rule("template/for-each", I, "Fn::ForEach whose collection is not known before deployment",
        "Fn::ForEach is expanded with its collection (a literal list or a parameter's default); when the collection depends on deployment, the loop's resources and outputs are not checked."),
    rule("schema/unknown-type", E, "Unknown AWS resource type",
        "CloudFormation rejects a resource type it does not know: an AWS type the registry lacks that is spelled like one it has (a typo), or a serverless type without the AWS::Serverless transform."),
    rule("schema/unregistered-type", W, "Resource type not in the registry",
        "A third-party or private type (or an AWS type newer than the vendored registry) must be registered in the account and region; its properties are not checked."),
    rule("schema/custom-service-token", E, "Custom resource without ServiceToken",
        "A custom resource (Custom::* or AWS::CloudFormation::CustomResource) needs the ServiceToken property: the Lambda function or SNS topic CloudFormation sends its requests to."),
    rule("schema/property", E, "Property does not match the resource schema",
        "Properties are checked against the resource provider schema of their type (required properties, types, enums, patterns, lengths, unknown properties); CloudFormation would fail the deployment."),
    rule("fn/unknown", E, "Function CloudFormation does not have",
        "A one-key mapping whose key starts with Fn:: is a function call; CloudFormation rejects names it does not know (unless a macro the template names handles them), and Fn::ForEach without Transform: AWS::LanguageExtensions."),
    rule("fn/select-index", E, "Fn::Select index not in its list",
        "The index must be a whole number from 0 to the list's length - 1 (checked for literal lists and lists split from values known with defaults), and the list not empty."),
    rule("fn/join-list", E, "Fn::Join of something that is not a list",
        "The second argument of Fn::Join must be a list or a function that returns one (Fn::Split, Fn::GetAZs, Ref to a list parameter, ...), not a string, mapping or string function."),
    rule("fn/find-in-map", E, "Fn::FindInMap of a mapping or key that does not exist",
        "The mapping must be declared in Mappings; literal top-level and second-level keys must exist in it (unless a DefaultValue is given)."),
    rule("fn/sub-syntax", E, "Fn::Sub string with an unclosed or empty ${}",
        "Every ${ must be closed by } around a variable name; write ${!Literal} for the text ${Literal}."),
    rule("ref/undefined", E, "Reference to something not declared",
        "Ref, Fn::GetAtt, Fn::Sub variables, DependsOn and conditions must name a parameter, resource, pseudo parameter or condition of the template."),
    rule("ref/attribute", E, "Fn::GetAtt of an attribute the resource type does not have",
        "The attribute must be one of the type's read-only properties in its schema."),
    rule("ref/cycle", E, "Circular dependency between resources",
        "DependsOn, Ref and Fn::GetAtt form the dependency graph; CloudFormation cannot order a cycle."),
    rule("ref/condition-cycle", E, "Conditions that refer to each other in a cycle",
        "A condition naming itself, or conditions naming each other through Condition or Fn::If, cannot be evaluated."),
    rule("ref/unused-parameter", W, "Parameter not used",
        "A parameter nothing refers to asks users for a value that has no effect."),
    rule("app/import-unresolved", E, "Fn::ImportValue of a name no template of the app exports",
        "Stacks import by export name; a name nobody exports fails at deploy time (checked when several templates are validated together)."),
    rule("app/duplicate-export", E, "Two outputs export the same name",
        "Export names are unique per account and region: the second stack would fail to create. Names are compared with each ${Parameter} as a wildcard and as evaluated with default values (and the values parent stacks pass), within a template and across the app."),
    rule("app/nested-parameter", E, "Nested stack parameters do not match the child template",
        "A nested stack must pass only parameters the child declares and every parameter without a default."),
    rule("app/nested-output", E, "Reference to an output the nested template does not declare",
        "Fn::GetAtt Stack.Outputs.Name fails unless the child template has output Name."),
    rule("app/nested-cycle", E, "Nested stacks that include each other",
        "A template whose nested stacks lead back to itself (A nests B, B nests A) would nest without end; CloudFormation fails it."),
    rule("app/product-template", W, "Service Catalog product template not part of the app",
        "LoadTemplateFromURL should point at one of the app's templates, so that it is published with them."),
    rule("limit/template-body", E, "Template larger than 1 MB",
        "CloudFormation accepts template bodies up to 51,200 bytes inline and 1 MB from S3."),
    rule("limit/template-body-s3", W, "Template larger than 51,200 bytes",
        "Such a template can only be deployed from S3 (as sds publish does), not passed inline."),
    rule("limit/count", E, "Too many resources, parameters, outputs or mappings",
        "A template may have at most 500 resources, 200 parameters, 200 outputs and 200 mappings."),
    rule("limit/logical-id", E, "Invalid logical id",
        "Logical ids are alphanumeric (A-Za-z0-9) and at most 255 characters."),
    rule("limit/name", E, "A name built from default or configured values breaks AWS's naming rules",
        "Names are computed over the whole expression (parameters resolved to their defaults or the values the parent stack passes, the stack-id suffix as 12 characters), then checked against the property's length and pattern."),
    rule("limit/unbounded-parameter", W, "A parameter could break a name AWS constrains",
        "The parameter has no MaxLength or AllowedValues (or its AllowedPattern allows upper case) and flows into a name with a length limit or a lower-case rule, such as an S3 bucket or IAM role name."),
    rule("limit/policy-size", E, "Policy document too large",
        "IAM limits managed policies to 6,144 characters and a role's inline policies to 10,240 characters, whitespace excluded."),
    rule("sec/s3-encryption", E, "S3 bucket not encrypted with KMS",
        "Every bucket of the platform is encrypted with a customer managed KMS key (SSE-KMS)."),
    rule("sec/s3-public-access", E, "S3 bucket without all four public access blocks",
        "BlockPublicAcls, BlockPublicPolicy, IgnorePublicAcls and RestrictPublicBuckets must all be true."),
    rule("sec/kms-rotation", E, "KMS key without rotation",
        "Symmetric customer managed keys rotate yearly (EnableKeyRotation: true)."),
    rule("sec/internet-egress", E, "Internet or NAT gateway, or a route to one",
        "The platform's VPC has no path to the internet; AWS services are reached through VPC endpoints."),
    rule("sec/studio-vpc-only", E, "SageMaker Studio domain not VPC-only",
        "AppNetworkAccessType must be VpcOnly so that Studio traffic stays in the platform VPC."),
    rule("sec/lambda-runtime-blocked", E, "Lambda runtime that can no longer be used",
        "AWS Lambda blocks creating functions on runtimes past their deprecation (dates from cfn-lint's runtime lifecycle data, as of the vendored data's date)."),
    rule("sec/lambda-runtime-deprecated", W, "Deprecated Lambda runtime",
        "The runtime is deprecated: it no longer gets security patches."),
    rule("sec/iam-wildcard", E, "IAM policy allows every action on every resource",
        "Statements with Effect Allow, Action * and Resource * grant administrator access."),
    rule("sec/iam-unknown-action", W, "IAM action that does not exist",
        "An action no service defines (e.g. kms:ReEncrypt instead of kms:ReEncryptFrom/kms:ReEncryptTo) grants nothing; the intended permission is missing."),
    rule("sec/iam-condition-key-not-applicable", W, "IAM condition on a key the statement's actions never carry",
        "A service's condition key that none of the statement's actions has in its request context (IAM service-authorization data) is absent from every request: the condition never holds as intended (IAM Access Analyzer's policy validation reports the same). Often a deprecated or misspelled key (sagemaker:VolumeKmsKey for sagemaker:VolumeKmsKeyArn)."),
    rule("sec/iam-resource-not-applicable", W, "IAM resource of no type the statement's actions act on",
        "A resource ARN that matches none of the ARN formats of the resource types the statement's actions act on (IAM service-authorization data) is never the resource of such a request: the statement grants nothing on it (s3:GetObject on a bucket ARN without /*; an action on no resource type needs Resource: *)."),
    rule("access/team-isolation", E, "A team's bucket or key is reachable from outside the team",
        "A team environment's buckets and KMS key are read, written or decrypted only by that team's principals and the platform administrators, directly or through roles they act as (sds access; checked on apps whose root launches team products)."),
    rule("access/escalation", E, "A data-science user can act as an administrator or another team's role",
        "No data-science user principal can assume, or pass to a service it can start, an administrator role or another team's role (sds access)."),
    rule("access/studio-user-isolation", E, "A user can open another user's Studio profile",
        "A user's principals open (CreatePresignedDomainUrl) only their own Studio user profile: the studiouserid tag pattern (sds access)."),
    rule("access/network-path", E, "A bucket is reachable without the platform's S3 endpoint",
        "Buckets are read and written only through the platform's S3 VPC endpoint; a request from another endpoint, or from none, is refused (sds access)."),
    rule("access/deny", E, "An access the configuration denies is possible",
        "Each access.deny assertion of the configuration (principal, action, resource) must be impossible, directly and through every role the principal can act as; an assertion that matches no principal or resource of the app is reported too (sds access)."),
];

/// The platform's own controls: errors on the platform (synthesized, or read back from files
/// `sds synth` wrote), warnings by default on other templates, where they are advice about a
/// template CloudFormation accepts (an unencrypted bucket, a NAT gateway). `validation.severity`
/// sets them per rule for other templates. Rules about what CloudFormation itself refuses (a
/// blocked Lambda runtime) are not among them.
pub const PLATFORM_CONTROLS: &[&str] = &[
    "sec/s3-encryption",
    "sec/s3-public-access",
    "sec/kms-rotation",
    "sec/internet-egress",
    "sec/studio-vpc-only",
    "sec/iam-wildcard",
];

/// The rule with `id`.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_namespaced() {
        for (i, r) in RULES.iter().enumerate() {
            assert!(RULES[..i].iter().all(|o| o.id != r.id), "{} twice", r.id);
            assert!(
                ["template/", "schema/", "fn/", "ref/", "app/", "limit/", "sec/", "access/"]
                    .iter()
                    .any(|p| r.id.starts_with(p)),
                "{}",
                r.id
            );
        }
    }
}
