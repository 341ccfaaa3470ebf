//! `SharedCodeArtifact` → `ds_shared_code_artifact.yaml`: a CodeArtifact domain, an upstream
//! repository connected to public PyPI, the shared repository behind it, and SSM parameters
//! that publish their names.

use crate::admin_principals::stack_set_parameter;
use crate::cfn::value::ref_;
use crate::cfn::{Parameter, Value};
use crate::common::{exported, ssm_string};
use crate::construct::{Construct, Synth};
use crate::export::Export;
use crate::stack::Stack;
use crate::{list, map};

pub const FILE: &str = "ds_shared_code_artifact.yaml";

/// The shared CodeArtifact domain and repositories; the fields are the names (parameter defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct SharedCodeArtifact {
    /// Default `ds-domain`.
    pub domain_name: String,
    /// Default `ds-shared-repo`.
    pub repository_name: String,
    /// Default `ds-public-upstream-repo`.
    pub upstream_repository_name: String,
}

/// The configuration's `code_artifact` section sets these properties.
pub type CodeArtifactProps = SharedCodeArtifact;

impl Default for SharedCodeArtifact {
    fn default() -> Self {
        SharedCodeArtifact {
            domain_name: "ds-domain".into(),
            repository_name: "ds-shared-repo".into(),
            upstream_repository_name: "ds-public-upstream-repo".into(),
        }
    }
}

fn named_parameter(default: &str, description: &str) -> Parameter {
    Parameter::new("String").with("Default", default).with("Description", description)
}

impl SharedCodeArtifact {
    /// The domain's name.
    pub const DOMAIN: Export = Export::new("ds-shared-code-artifact-domain-{}");
    /// The shared repository's name.
    pub const REPOSITORY: Export = Export::new("ds-shared-code-artifact-repository-{}");
}

impl Construct for SharedCodeArtifact {
    fn synth(&self, _: &mut Synth) -> Stack {
        shared_code_artifact(self)
    }
}

fn shared_code_artifact(props: &SharedCodeArtifact) -> Stack {
    let mut s = Stack::new(
        FILE,
        "Create a shared CodeArtifact repository to host python modules from public PyPI repository (https://pypi.org/) for\na data science project team.",
    );
    let set = stack_set_parameter(&mut s);
    let domain_name = s.parameter(
        "CodeArtifactDomainName",
        named_parameter(&props.domain_name, "Code Artifact shared data science domain name"),
    );
    let repo_name = s.parameter(
        "CodeArtifactRepositoryName",
        named_parameter(&props.repository_name, "Code Artifact shared data science repository name"),
    );
    let upstream_name = s.parameter(
        "CodeArtifactPublicPyPIRepositoryName",
        named_parameter(
            &props.upstream_repository_name,
            "Code Artifact upstream repository name with external connection to public PyPI",
        ),
    );

    let domain =
        s.add("SharedDSCodeArtifactDomain", "AWS::CodeArtifact::Domain", map! { "DomainName" => domain_name.r() });
    let upstream = s.add(
        "DSCodeArtifactPublicRepository",
        "AWS::CodeArtifact::Repository",
        map! {
            "Description" => "Upstream repository for shared data science repository with external connection to public PyPi repository",
            "RepositoryName" => upstream_name.r(),
            "DomainName" => domain.att("Name"),
            "ExternalConnections" => list!["public:pypi"],
        },
    );
    let shared = s.add(
        "SharedDSCodeArtifactRepository",
        "AWS::CodeArtifact::Repository",
        map! {
            "Description" => "Shared asset repository to host python package and modules for data science projects",
            "RepositoryName" => repo_name.r(),
            "DomainName" => domain.att("Name"),
            "Upstreams" => list![upstream.att("Name")],
        },
    );
    let ssm: [(&str, &str, Value, &str); 3] = [
        (
            "SSMCodeArtifactDomain",
            "ds-codeartifact-domain-name",
            domain.att("Name"),
            "Data Science CodeArtifact Domain Name",
        ),
        (
            "SSMCodeArtifactDomainOwner",
            "ds-codeartifact-domain-owner",
            ref_("AWS::AccountId"),
            "Data Science CodeArtifact Domain Owner i.e. the AWS Account",
        ),
        (
            "SSMCodeArtifactRepository",
            "ds-codeartifact-repository",
            shared.att("Name"),
            "Data Science CodeArtifact Repository Name",
        ),
    ];
    for (id, name, value, description) in ssm {
        s.add(id, "AWS::SSM::Parameter", ssm_string(name, value, description));
    }

    s.output(
        "SharedCodeArtifactDomain",
        exported(domain_name.r(), "The domain of the Shared CodeArtifact", SharedCodeArtifact::DOMAIN.name(&set)),
    );
    s.output(
        "SharedCodeArtifactRepository",
        exported(repo_name.r(), "The shared CodeArtifact repository", SharedCodeArtifact::REPOSITORY.name(&set)),
    );
    s
}
