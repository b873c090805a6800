//! `Component.toml`: parsing, validation and the typed grants it turns into.
//!
//! [`load`] / [`parse`] turn the file into a [`Manifest`] or a [`ManifestError`]
//! listing every problem as a located [`Diagnostic`]. The value parsers
//! ([`PathGrant::parse`], [`HostPattern::parse`], [`validate_component_name`],
//! [`validate_env_name`]) are public for front ends that take grants elsewhere.

mod decode_errors;
mod error;
mod grants;
mod hosts;
mod keys;
mod model;
mod parse;
mod permissions;
mod raw;
mod sections;

pub(crate) use decode_errors::syntax_error;
pub use error::{Diagnostic, Location, ManifestError};
pub use grants::{GrantError, MAX_COMPONENT_NAME_LEN, validate_component_name, validate_env_name};
pub(crate) use keys::{one_of, suggest};
pub use model::*;
pub(crate) use parse::embedded_permissions;
pub use parse::{load, parse};

/// The manifest's file name inside a project.
pub const FILE_NAME: &str = "Component.toml";
