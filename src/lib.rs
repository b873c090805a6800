//! airssys-wasm: build, check, run and deploy WebAssembly components with their
//! capabilities enforced deny-by-default.
//!
//! The modules follow the product's architecture:
//! - [`manifest`]: `Component.toml` parsed once into typed grants.
//! - [`wit`]: the `airssys:core` contract and a project's WIT package.
//! - [`component`]: inspecting a compiled component (imports, exports, world).
//! - [`security`]: the static capability check of imports against grants.
//! - [`validate`]: the project check behind `validate`, `build` and `deploy`.
//! - [`build`]: running the language toolchain and publishing the artifact.
//! - [`templates`]: the project templates behind `init`.
//! - [`testing`]: the `tests/*.toml` cases behind `test`.
//! - [`cli`] and [`output`]: the command-line front end.

pub mod build;
pub mod cli;
pub mod component;
pub mod error;
pub mod manifest;
pub mod output;
pub mod project;
pub mod run;
pub mod security;
pub mod templates;
pub mod testing;
pub mod validate;
pub mod wit;

pub use error::{Error, Result};
pub mod host;
pub mod runtime;
pub mod store;
