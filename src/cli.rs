//! Command-line arguments. Parsing only: each verb's behaviour lives in its own module.
//!
//! The doc comments here are clap's help text, written for a terminal (`<account>` is a
//! placeholder, not HTML).
#![allow(rustdoc::invalid_html_tags, rustdoc::bare_urls)]

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Synthesizes, checks and publishes the CloudFormation of a secure SageMaker Studio platform.
#[derive(Debug, Parser)]
#[command(name = "sds", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the platform's 13 templates from the constructs and write them to a directory.
    Synth(SynthArgs),
    /// Package the platform (assets, nested templates), upload it to a staging bucket and deploy
    /// it through a change set. Exit 0 deployed or up to date, 1 deployment failed, 2 error.
    /// (Built with the default `publish` feature.)
    #[cfg(feature = "publish")]
    Publish(PublishArgs),
    /// Deploy sds's own small stack (sds-bootstrap): a hardened staging bucket and the role
    /// CloudFormation deploys the platform with; `sds publish` then uses both. Rerun it to update.
    /// (Built with the default `publish` feature.)
    #[cfg(feature = "publish")]
    Bootstrap(BootstrapArgs),
    /// Delete the platform's stacks in dependency order: Studio apps, team stacks (user profiles
    /// before team environments), user profiles and spaces left, then the root. Prints the plan;
    /// deletes only with --yes. Never empties data buckets nor deletes what is retained: lists it.
    /// Exit 0 destroyed or nothing to destroy, 1 not confirmed or a deletion failed, 2 error.
    /// (Built with the default `publish` feature.)
    #[cfg(feature = "publish")]
    Destroy(DestroyArgs),
    /// Check templates (files, directories, or the synthesized platform) against resource
    /// schemas, references, limits and security rules. Exit 0 no errors, 1 errors, 2 could not run.
    Validate(ValidateArgs),
    /// Re-emit templates canonically: fixed section order, short-form tags.
    Fmt(FmtArgs),
    /// Compare two templates, or two directories of templates matched by file name, as
    /// CloudFormation reads them. Exit 0 equal, 1 different, 2 error.
    Diff(DiffArgs),
    /// Who can reach what: evaluate every role's access to the buckets, keys, Studio user
    /// profiles and roles of the app, and check the platform's access invariants. Exit 0 none
    /// violated, 1 violations, 2 could not run.
    Access(AccessArgs),
    /// Review a change to the templates as a pull request needs it: what is added, changed,
    /// removed and replaced, who gains access, what opens in the network, which exports go away,
    /// which findings appear. Exit 0 no changes, 1 changes (or, with --fail-on, what it names), 2 error.
    Review(ReviewArgs),
    /// Print the least-privilege IAM policy a principal needs to run an sds command (publish,
    /// bootstrap, destroy) for this platform, from the table of the calls the command makes. No network access.
    Policy(PolicyArgs),
    /// Print the JSON Schema of a file sds reads (the configuration), for editors and CI.
    Schema(SchemaArgs),
    /// Print a completion script for a shell (bash, zsh, fish, powershell).
    Completions(CompletionsArgs),
    /// Print the manual page (roff), or write one page per command into a directory.
    Man(ManArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// The platform configuration (`--config FILE`).
    Config,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which file's schema.
    #[arg(value_enum)]
    pub kind: SchemaKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write sds.1 and one sds-COMMAND.1 page per command into DIR instead of printing sds.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// The command line's definition, with the long version (`--version`) naming the vendored data.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    Cli::command().long_version(long_version())
}

/// Parses the process's arguments (exits on `--help`, `--version` and usage errors, as clap does).
pub fn parse() -> Cli {
    use clap::FromArgMatches;
    let matches = command().get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// `0.1.0`, the version and date of the resource schemas `sds validate` checks against, and of
/// the IAM service-authorization data.
pub fn long_version() -> String {
    let source: serde_json::Value =
        serde_json::from_str(include_str!("validate/data/SOURCE.json")).unwrap_or(serde_json::Value::Null);
    let field = |k: &str| source.get(k).and_then(|v| v.as_str()).unwrap_or("unknown").to_string();
    let iam: serde_json::Value =
        serde_json::from_str(sds_constructs::iam::servauth::SOURCE).unwrap_or(serde_json::Value::Null);
    let iam_field = |k: &str| iam.get(k).and_then(|v| v.as_str()).unwrap_or("unknown").to_string();
    format!(
        "{}\nresource schemas: {} {}, schema date {} ({}), {} resource types\nIAM service authorization: {} {}, updated {}, {} services",
        env!("CARGO_PKG_VERSION"),
        field("package"),
        field("version"),
        field("schema_date"),
        field("regions"),
        source.get("types").and_then(|t| t.as_u64()).unwrap_or(0),
        iam_field("package"),
        iam_field("version"),
        iam_field("updated"),
        iam.get("services").and_then(|t| t.as_u64()).unwrap_or(0)
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Yaml,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Template files (YAML or JSON), or directories of them.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Write the formatted templates into DIR instead of rewriting them in place.
    #[arg(long, value_name = "DIR", conflicts_with = "check")]
    pub out: Option<PathBuf>,
    /// Write nothing; exit 1 and list the files that are not formatted.
    #[arg(long)]
    pub check: bool,
    /// Output format [default: the input's].
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Rewrite in place even when the file has comments, which formatting cannot keep.
    #[arg(long, conflicts_with_all = ["out", "check"])]
    pub drop_comments: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old template, or a directory of templates.
    pub old: PathBuf,
    /// The new template, or a directory of templates.
    pub new: PathBuf,
    /// Output for people or for machines.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Colour the human output [default: auto: on a terminal, unless NO_COLOR is set].
    #[arg(long, value_enum)]
    pub color: Option<ColorChoice>,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Platform configuration (YAML); without it, the embedded default: the reference platform.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where the templates go; the directory is replaced as a whole.
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Write nothing; exit 1 and list the files in DIR that differ from what synth would write.
    #[arg(long)]
    pub check: bool,
    /// Write even when validation finds errors.
    #[arg(long, conflicts_with = "check")]
    pub no_validate: bool,
    /// Output for people or for machines (one JSON document on standard output).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    Human,
    Json,
    Sarif,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Templates or directories, validated together as one app; none: the synthesized platform.
    pub paths: Vec<PathBuf>,
    /// Platform configuration: what to synthesize (without paths) and which findings to suppress.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ValidateFormat::Human)]
    pub format: ValidateFormat,
    /// List the rules with their ids, severity and rationale.
    #[arg(long, conflicts_with_all = ["paths", "config", "format"])]
    pub list_rules: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AccessFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub struct AccessArgs {
    /// Templates or directories, analyzed together as one app; none: the synthesized platform.
    pub paths: Vec<PathBuf>,
    /// Platform configuration: what to synthesize (without paths).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// File name of the root template [default: ds_administration.yaml, or the one template no
    /// other nests].
    #[arg(long, value_name = "FILE")]
    pub root: Option<String>,
    #[arg(long, value_enum, default_value_t = AccessFormat::Human)]
    pub format: AccessFormat,
    /// Also list every access granted (human output; markdown and json always have it).
    #[arg(long)]
    pub matrix: bool,
    /// Show the statements that grant or deny PRINCIPAL's access to RESOURCE (logical ids, or
    /// instance/logical id as the report names them).
    #[arg(long, num_args = 2, value_names = ["PRINCIPAL", "RESOURCE"])]
    pub explain: Option<Vec<String>>,
    /// Launch every declared team and user, even where three of them stand for all (more than
    /// three teams or users per team): every team's grants and violations listed, at a cost
    /// quadratic in principals.
    #[arg(long)]
    pub full: bool,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Platform configuration (YAML); without it, the reference platform.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Publish the templates of this directory instead of synthesizing the platform.
    #[arg(long, value_name = "DIR", conflicts_with = "config")]
    pub templates: Option<PathBuf>,
    /// File name of the root template.
    #[arg(long, value_name = "FILE", default_value = "ds_administration.yaml")]
    pub root: String,
    /// Stack to deploy [default: secure-ds-shared-service].
    #[arg(long, value_name = "NAME")]
    pub stack_name: Option<String>,
    /// A stack parameter, KEY=VALUE (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    pub parameter: Vec<String>,
    /// The IAM role CloudFormation creates the root stack's resources with (its execution role),
    /// instead of your credentials; you then need only `iam:PassRole` on it besides
    /// `sds policy publish --role-arn ARN`.
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,
    /// Staging bucket [default: sds-staging-<account>-<region>, created if missing].
    #[arg(long)]
    pub bucket: Option<String>,
    /// Key prefix in the staging bucket.
    #[arg(long, default_value = "sds")]
    pub prefix: String,
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long)]
    pub profile: Option<String>,
    /// Execute the change set without asking (needed when standard input is not a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Create the change set and stop.
    #[arg(long)]
    pub no_execute: bool,
    /// Upload, then print the root template's URL and the create-stack command (`--yes` is
    /// accepted and does nothing then).
    #[arg(long, conflicts_with = "no_execute")]
    pub no_deploy: bool,
    /// How long to follow the stack operation before giving up waiting (it goes on server-side;
    /// exit 2).
    #[arg(long, value_name = "MINUTES", default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..))]
    pub wait_timeout: u64,
    /// Write the packaged templates and zips to DIR, without any network access.
    #[arg(
        long,
        value_name = "DIR",
        conflicts_with_all = ["no_execute", "yes", "no_deploy", "parameter", "profile", "stack_name", "wait_timeout", "role_arn"]
    )]
    pub package_only: Option<PathBuf>,
    /// Output for people or for machines: one JSON document on standard output (progress and
    /// the human lines go to standard error).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Deploy only this team's stacks (NAME, or NAME-ENV for one environment); repeatable.
    /// Default: every declared team.
    #[arg(long, value_name = "NAME[-ENV]")]
    pub team: Vec<String>,
    /// How many team stacks deploy at once.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Delete the stacks of teams no longer declared (without it they are only listed).
    #[arg(long)]
    pub prune: bool,
}

#[derive(Debug, Args)]
pub struct BootstrapArgs {
    /// Platform configuration: the execution role may create its IAM roles and policies and use
    /// the services of its resource types.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The platform's stack, which the publish role may deploy [default: secure-ds-shared-service].
    #[arg(long, value_name = "NAME")]
    pub platform_stack: Option<String>,
    /// A managed policy that bounds the execution role's permissions (its permissions boundary).
    #[arg(long, value_name = "POLICY_ARN")]
    pub permissions_boundary: Option<String>,
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long)]
    pub profile: Option<String>,
    /// Execute the change set without asking (needed when standard input is not a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Create the change set and stop.
    #[arg(long)]
    pub no_execute: bool,
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// The platform's root stack [default: secure-ds-shared-service].
    #[arg(long, value_name = "NAME")]
    pub stack_name: Option<String>,
    /// Delete (without it: print the plan and exit 1).
    #[arg(long)]
    pub yes: bool,
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long)]
    pub profile: Option<String>,
    /// How long to wait for the deletions before giving up waiting (they go on server-side; exit 2).
    #[arg(long, value_name = "MINUTES", default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..))]
    pub wait_timeout: u64,
    /// How many team stacks are deleted at once.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
}

/// The commands `sds policy` has a policy for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyCommand {
    /// `sds publish`.
    Publish,
    /// `sds bootstrap`.
    Bootstrap,
    /// `sds destroy`.
    Destroy,
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// The command to print the policy of.
    #[arg(value_enum)]
    pub command: PolicyCommand,
    /// The policy explained for people, or the IAM policy document alone (JSON).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Platform configuration: declared teams add the team stacks' calls.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Stack the command deploys [default: secure-ds-shared-service].
    #[arg(long, value_name = "NAME")]
    pub stack_name: Option<String>,
    /// Staging bucket [default: sds-staging-<account>-<region>].
    #[arg(long)]
    pub bucket: Option<String>,
    /// Key prefix in the staging bucket.
    #[arg(long, default_value = "sds")]
    pub prefix: String,
    /// The account (12 digits) [default: any, `*` in the ARNs].
    #[arg(long)]
    pub account: Option<String>,
    /// The region [default: any, `*` in the ARNs].
    #[arg(long)]
    pub region: Option<String>,
    /// The execution role `sds publish --role-arn` passes to CloudFormation: adds `iam:PassRole`
    /// on it.
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,
    /// Publishing through the bootstrap stack (`sds bootstrap`): its bucket
    /// (sds-bootstrap-<account>-<region>) and `iam:PassRole` on its execution role.
    #[arg(long)]
    pub bootstrap: bool,
    /// Include the team stacks' calls even when the configuration declares no team (publishing
    /// `--templates DIR` with a `teams/` directory, or `--prune`).
    #[arg(long)]
    pub teams: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReviewFormat {
    Human,
    Markdown,
    Json,
}

/// What a `--fail-on` gate blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum FailOn {
    /// A resource CloudFormation replaces (or may replace), a renamed logical id.
    Replacement,
    /// An IAM statement that widens access.
    Access,
    /// A removed resource, template or export.
    Removal,
    /// A new error-level validation finding, or a removed export that a template imports.
    Findings,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The old template or directory (with NEW; as `sds diff`).
    #[arg(requires = "new", conflicts_with_all = ["git", "stack"])]
    pub old: Option<PathBuf>,
    /// The new template or directory.
    pub new: Option<PathBuf>,
    /// Compare DIR as committed at REF (read with git, no checkout) with DIR in the working tree.
    #[arg(long, value_name = "REF", conflicts_with = "stack")]
    pub git: Option<String>,
    /// The directory of templates that --git compares.
    #[arg(long, value_name = "DIR", default_value = "out", requires = "git")]
    pub dir: PathBuf,
    /// Compare the deployed stack (and its nested stacks) with what `sds synth` would deploy now.
    #[arg(long, value_name = "NAME")]
    pub stack: Option<String>,
    #[arg(long, requires = "stack")]
    pub region: Option<String>,
    #[arg(long, requires = "stack")]
    pub profile: Option<String>,
    /// With --stack, a root stack parameter as `sds publish --parameter` passes it, KEY=VALUE
    /// (repeatable): compared with the deployed value instead of the template's default.
    #[arg(long, value_name = "KEY=VALUE", requires = "stack")]
    pub parameter: Vec<String>,
    /// With --stack, compare with the templates of this directory instead of the synthesized platform.
    #[arg(long, value_name = "DIR", requires = "stack", conflicts_with = "config")]
    pub templates: Option<PathBuf>,
    /// With --stack --templates, the file name of the root template.
    #[arg(long, value_name = "FILE", default_value = "ds_administration.yaml")]
    pub root: String,
    /// Platform configuration: what --stack compares with, and which findings are suppressed.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ReviewFormat::Human)]
    pub format: ReviewFormat,
    /// Colour the human output [default: auto: on a terminal, unless NO_COLOR is set].
    #[arg(long, value_enum)]
    pub color: Option<ColorChoice>,
    /// Exit 1 only for these kinds of change (comma-separated or repeated); others exit 0.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "KIND")]
    pub fail_on: Vec<FailOn>,
}
