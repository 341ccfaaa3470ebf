//! The CloudFormation model: templates, values and intrinsics; reading YAML and JSON; writing
//! YAML (short form) and JSON (long form); semantic comparison.
//!
//! Nothing here knows about constructs, the CLI, files on disk or the network.

pub mod compare;
pub mod flow_close;
pub mod foreach;
pub mod json;
pub mod merge;
pub mod number;
pub mod parts;
pub mod read;
pub mod template;
pub mod text;
pub mod value;
pub mod yaml;

pub use compare::{diff_templates, semantic_eq, templates_equal, Change, ChangeKind, EntryDiff};
pub use json::to_json;
pub use parts::{Part, Parts};
pub use read::{format_of, read_template, Format, Location, Parsed, ReadError, ReadErrorKind, SourceMap};
pub use template::{Output, Parameter, Resource, Template};
pub use value::{get_att, import_value, ref_, sub, Intrinsic, Map, Value};
pub use yaml::to_yaml;

#[cfg(test)]
mod forms_tests;
