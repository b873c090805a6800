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

pub(crate) use decode_errors::{syntax_error, type_error};
pub(crate) use error::in_file_order;
pub use error::{Diagnostic, Location, ManifestError};
pub(crate) use grants::component_name_error;
pub use grants::{GrantError, MAX_COMPONENT_NAME_LEN, validate_component_name, validate_env_name};
pub(crate) use keys::{KeySchema, one_of, remove_unknown_keys, suggest};
pub use model::*;
pub(crate) use parse::{Checker, choice, embedded_permissions, semver_version};
pub use parse::{load, parse};
pub(crate) use sections::{Bound, bounded};

/// The manifest's file name inside a project.
pub const FILE_NAME: &str = "Component.toml";
