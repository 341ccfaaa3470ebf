//! Access analysis over an app's templates: the app instantiated as it would stand deployed
//! ([`instance`]), the principals and resources it declares, and who can reach what, evaluated
//! with [`crate::iam`].

pub mod instance;
