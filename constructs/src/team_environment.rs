//! `TeamEnvironment` → `ds_environment.yaml` (Service Catalog product "Data Science Team
//! Environment", itself a root): nests the team's principals (`team_principals`) and backing
//! store (`team_backing_store`) and groups the team's resources.

use crate::cfn::value::sub;
use crate::cfn::{Parameter, Value};
use crate::common::{described, shared_stack_set_parameter, team_tags, COMMON_ROOT_NAME};
use crate::construct::{Child, Construct, Synth};
use crate::names::{self, Params};
use crate::stack::{ParamRef, Stack};
use crate::team_backing_store::TeamBackingStore;
use crate::team_principals::TeamPrincipals;
use crate::{list, map};

pub const FILE: &str = "ds_environment.yaml";

/// Team names as nested team templates accept them. Upper case passes here but breaks the S3
/// bucket names built from it (a known defect of the reference, kept for parity).
pub const TEAM_PATTERN: &str = r"[A-Za-z0-9\-]*";
/// Team and environment names as the team environment product accepts them.
pub const LOWER_CASE_PATTERN: &str = r"[a-z0-9\-]*";
/// How nested team templates describe `TeamName`.
pub const TEAM_DESCRIPTION: &str = "Please specify your team name.  Used as a suffix for team's resource names.";

/// Declares `TeamName`.
pub fn team_parameter(s: &mut Stack, description: &str, pattern: &str) -> ParamRef {
    s.parameter("TeamName", Parameter::new("String").with("AllowedPattern", pattern).with("Description", description))
}

/// Declares `EnvType` (default `dev`).
pub fn env_parameter(s: &mut Stack, description: &str, pattern: Option<&str>) -> ParamRef {
    let mut p = Parameter::new("String").with("Description", description);
    if let Some(pattern) = pattern {
        p = p.with("AllowedPattern", pattern);
    }
    s.parameter("EnvType", p.with("Default", "dev"))
}

/// A data science team's environment (a Service Catalog product, launched once per team and
/// environment type): the team's roles and backing store as nested stacks, and a resource group
/// of everything tagged with the team.
///
/// ```
/// use sds_constructs::construct::Synth;
/// use sds_constructs::team_environment::TeamEnvironment;
///
/// let mut app = Synth::new("MySharedServices");
/// app.add(&TeamEnvironment::default());
/// let app = app.finish().unwrap();
/// let names: Vec<&str> = app.templates.iter().map(|(n, _)| n.as_str()).collect();
/// assert_eq!(names, ["ds_env_backing_store.yaml", "ds_env_principals.yaml", "ds_environment.yaml"]);
/// // The product defaults its stack-set name to the platform's.
/// let t = app.get("ds_environment.yaml").unwrap();
/// let default = &t.parameters["SharedServiceStackSetName"].attributes["Default"];
/// assert_eq!(default.as_str(), Some("MySharedServices"));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TeamEnvironment {
    pub principals: TeamPrincipals,
    pub backing_store: TeamBackingStore,
}

impl Construct for TeamEnvironment {
    fn synth(&self, app: &mut Synth) -> Stack {
        let principals = app.add(&self.principals);
        let backing_store = app.add(&self.backing_store);
        team_environment(&principals, &backing_store, &app.stack_set_name)
    }
}

fn team_environment(principals: &Child, backing_store: &Child, stack_set_name: &str) -> Stack {
    let mut s = Stack::new(FILE, "Data Science Environment");
    let team = team_parameter(
        &mut s,
        "Please specify your Team Name.  Used as a suffix for team resource names. Mandatory LOWER CASE.",
        LOWER_CASE_PATTERN,
    );
    let env = env_parameter(
        &mut s,
        "Please specify the target Environment. Used for tagging and resource names. Mandatory LOWER CASE.",
        Some(LOWER_CASE_PATTERN),
    );
    let set = shared_stack_set_parameter(&mut s, COMMON_ROOT_NAME, Some(stack_set_name));
    let tags = team_tags(&team, &env);

    let mut principal_parameters = vec![("TeamName", team.r()), ("EnvType", env.r())];
    if principals.parameters.contains_key(set.name()) {
        // The hardened principals name the platform's permissions boundary after the stack set.
        principal_parameters.push((set.name(), set.r()));
    }
    let p = s.nested_stack("DSEnvironmentPrincipals", principals, principal_parameters, Some(tags.clone()));
    let store = s.nested_stack(
        "DSEnvironmentBackingStore",
        backing_store,
        vec![("SharedServiceStackSetName", set.r()), ("TeamName", team.r()), ("EnvType", env.r())],
        Some(tags.clone()),
    );
    // The backing store's key policy imports the team admin role the principals export.
    s.depends_on(&store.resource(), &p.resource());

    let (t, e) = (format!("${{{}}}", team.name()), format!("${{{}}}", env.name()));
    let tag_filter = |key: &str, var: &str| Value::Map(map! { "Key" => key, "Values" => list![sub(var)] });
    let query = map! {
        "ResourceTypeFilters" => list!["AWS::AllSupported"],
        "TagFilters" => list![tag_filter("TeamName", &t), tag_filter("EnvironmentType", &e)],
    };
    s.add(
        "DSEnvironmentResourceGroup",
        "AWS::ResourceGroups::Group",
        map! {
            "Name" => names::RESOURCE_GROUP.template(Params { team: &team, env: &env, user: None }),
            "Description" => sub(format!("AWS Resources belonging to {t} in its {e} environment.")),
            "ResourceQuery" => Value::Map(map! { "Type" => "TAG_FILTERS_1_0", "Query" => Value::Map(query) }),
            "Tags" => tags,
        },
    );

    let admin_url = p.output(TeamPrincipals::ADMIN_URL_OUTPUT);
    s.output(
        "AssumeDataScienceAdminRole",
        described(admin_url, "URL for assuming the role of a data science admininstrator"),
    );
    let user_url = p.output(TeamPrincipals::USER_URL_OUTPUT);
    s.output("AssumeDataScientistUserRole", described(user_url, "URL for assuming the role of a data science user"));
    s
}
