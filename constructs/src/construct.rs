//! The one way a construct becomes a template: [`Construct::synth`], called through a [`Synth`]
//! context that carries the platform-wide settings and collects every template made.
//!
//! A construct is a plain struct whose public fields are its properties (`Default` builds the
//! reference). Its `synth` declares one template with a [`Stack`]; a template that nests others
//! (the root, the team environment) or offers them as products (the portfolio) passes them to
//! [`Synth::add`] first, which synthesizes them into the app and returns their [`Child`]
//! interface — the parameters and outputs the parent is then checked against. So a tree of
//! constructs becomes the app's templates in one call, with every mistake collected:
//!
//! ```
//! use sds_constructs::construct::{Construct, Synth};
//! use sds_constructs::stack::Stack;
//! use sds_constructs::cfn::{Map, Parameter};
//!
//! /// A stack of one SNS topic.
//! #[derive(Debug, Default)]
//! struct Topic;
//!
//! impl Construct for Topic {
//!     fn synth(&self, _: &mut Synth) -> Stack {
//!         let mut s = Stack::new("topic.yaml", "One topic");
//!         s.add("Topic", "AWS::SNS::Topic", Map::new());
//!         s
//!     }
//! }
//!
//! /// A root that nests it.
//! #[derive(Debug, Default)]
//! struct Root { topic: Topic }
//!
//! impl Construct for Root {
//!     fn synth(&self, app: &mut Synth) -> Stack {
//!         let topic = app.add(&self.topic);
//!         let mut s = Stack::new("root.yaml", "Root");
//!         s.nested_stack("Topic", &topic, vec![], None);
//!         s
//!     }
//! }
//!
//! let mut app = Synth::new("DSSharedServices");
//! app.add(&Root::default());
//! let app = app.finish().unwrap();
//! assert_eq!(app.templates.len(), 2);
//! ```
//!
//! Depends on the model and the stack builder only.

use std::collections::{BTreeMap, BTreeSet};

use crate::cfn::Template;
pub use crate::hardened::Profile;
use crate::stack::{Stack, SynthError};

/// A piece of the platform that synthesizes to one template.
pub trait Construct: std::fmt::Debug {
    /// Declares this construct's template. Templates it nests or refers to are synthesized
    /// through `app` first ([`Synth::add`]); platform-wide settings are read from it.
    fn synth(&self, app: &mut Synth) -> Stack;
}

/// The interface of a synthesized template, as a parent nesting it sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Child {
    pub file_name: String,
    /// Parameter name → whether it has a default.
    pub parameters: BTreeMap<String, bool>,
    pub outputs: BTreeSet<String>,
}

impl Child {
    /// The interface of `template`, written as `file_name`.
    pub fn of(file_name: &str, template: &Template) -> Child {
        Child {
            file_name: file_name.to_string(),
            parameters: template
                .parameters
                .iter()
                .map(|(n, p)| (n.clone(), p.attributes.contains_key("Default")))
                .collect(),
            outputs: template.outputs.keys().cloned().collect(),
        }
    }
}

/// The synthesized app: every template by file name, sorted by file name.
#[derive(Debug, Clone)]
pub struct App {
    pub templates: Vec<(String, Template)>,
    /// Findings the platform accepts on purpose (see [`crate::platform::Platform::accepted`]).
    pub accepted: Vec<crate::config::Suppression>,
}

impl App {
    pub fn get(&self, file: &str) -> Option<&Template> {
        self.templates.iter().find(|(n, _)| n == file).map(|(_, t)| t)
    }
}

/// A synthesis in progress: the platform-wide settings every construct reads, and the templates
/// made so far.
#[derive(Debug)]
pub struct Synth {
    /// The common root of shared-service names and exports. Every template that names the
    /// shared services (the root, and the product templates that default their
    /// `SharedServiceStackSetName`) takes it from here, so one value reaches all of them.
    pub stack_set_name: String,
    /// Which platform the constructs build: the reference's, or the hardened one
    /// ([`crate::hardened`]). Default [`Profile::Reference`].
    pub profile: Profile,
    templates: BTreeMap<String, Template>,
    errors: Vec<SynthError>,
}

impl Synth {
    pub fn new(stack_set_name: &str) -> Synth {
        Synth {
            stack_set_name: stack_set_name.to_string(),
            profile: Profile::Reference,
            templates: BTreeMap::new(),
            errors: Vec::new(),
        }
    }

    /// Whether the constructs build the hardened platform.
    pub fn hardened(&self) -> bool {
        self.profile == Profile::Hardened
    }

    /// Synthesizes `construct` into the app and returns its interface. Adding the same template
    /// twice is harmless; two different templates under one file name are an error.
    pub fn add(&mut self, construct: &dyn Construct) -> Child {
        let stack = construct.synth(self);
        let child = Child::of(&stack.file_name, &stack.template);
        match stack.finish() {
            Ok((file, template)) => match self.templates.get(&file) {
                Some(existing) if *existing != template => {
                    self.errors.push(SynthError::DuplicateTemplate { file });
                }
                Some(_) => {}
                None => {
                    self.templates.insert(file, template);
                }
            },
            Err(errors) => self.errors.extend(errors),
        }
        child
    }

    /// The app, or every mistake found in any of its templates.
    pub fn finish(self) -> Result<App, Vec<SynthError>> {
        if self.errors.is_empty() {
            Ok(App { templates: self.templates.into_iter().collect(), accepted: Vec::new() })
        } else {
            Err(self.errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::{Map, Parameter};

    #[derive(Debug)]
    struct Named(&'static str, &'static str);

    impl Construct for Named {
        fn synth(&self, _: &mut Synth) -> Stack {
            let mut s = Stack::new(self.0, "t");
            s.add(self.1, "AWS::SNS::Topic", Map::new());
            s.parameter("P", Parameter::new("String"));
            s
        }
    }

    #[test]
    fn one_file_name_for_two_templates_is_an_error() {
        let mut app = Synth::new("S");
        app.add(&Named("a.yaml", "Topic"));
        app.add(&Named("a.yaml", "Topic"));
        assert_eq!(app.finish().unwrap().templates.len(), 1, "the same template twice is one template");

        let mut app = Synth::new("S");
        app.add(&Named("a.yaml", "Topic"));
        app.add(&Named("a.yaml", "Other"));
        assert_eq!(app.finish().unwrap_err(), vec![SynthError::DuplicateTemplate { file: "a.yaml".into() }]);
    }

    #[test]
    fn the_child_interface_lists_parameters_and_outputs() {
        let mut app = Synth::new("S");
        let child = app.add(&Named("a.yaml", "Topic"));
        assert_eq!(child.file_name, "a.yaml");
        assert_eq!(child.parameters.get("P"), Some(&false));
        assert!(child.outputs.is_empty());
    }
}
