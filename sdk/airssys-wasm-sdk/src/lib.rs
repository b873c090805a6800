//! Write [airssys-wasm](https://github.com/airssys/airssys-wasm) components as plain
//! Rust types.
//!
//! A component is a struct (or enum) that implements [`Component`] and carries the
//! [`#[component]`](macro@component) attribute. The attribute exports it as the
//! `airssys:core/component` world: the host calls [`Component::init`] once per
//! instance with the manifest's `[config]` table deserialised into your type, then
//! [`Component::execute`] for each request on that same value.
//!
//! ```
//! use airssys_wasm_sdk::prelude::*;
//! # use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Config {
//!     greeting: String,
//! }
//!
//! #[component]
//! struct Hello {
//!     config: Config,
//!     calls: u64,
//! }
//!
//! impl Component for Hello {
//!     type Config = Config;
//!     type Input = Text;
//!     type Output = Text;
//!
//!     fn init(config: Config) -> Result<Self> {
//!         Ok(Hello { config, calls: 0 })
//!     }
//!
//!     fn execute(&mut self, Text(name): Text) -> Result<Text> {
//!         self.calls += 1;
//!         info!("call {} for {name}", self.calls);
//!         Ok(Text(format!("{}, {name}!", self.config.greeting)))
//!     }
//! }
//! ```
//!
//! The host services are plain functions: [`log`] (and the [`info!`]-style
//! macros), [`kv`] and [`messaging`]. A component only imports the services it
//! calls, so `airssys-wasm validate` still sees exactly what it needs.
//!
//! With the `testing` feature, [`testing::TestHost`] runs the same `Component` impl
//! under `cargo test` on your machine, with an in-memory key-value store, captured
//! logs and stubbed messaging targets.

#![deny(missing_docs)]

mod component;
mod config;
mod errors;
mod host;
mod io;
pub mod kv;
pub mod log;
pub mod messaging;
#[cfg(all(feature = "testing", not(target_arch = "wasm32")))]
pub mod testing;

#[doc(hidden)]
pub mod __private;

pub use airssys_wasm_sdk_macros::component;
pub use component::{Component, Description, Health};
pub use errors::{Error, ErrorKind, Result};
pub use io::{Context, FromInput, Input, IntoOutput, Json, Metadata, Output, Text};

/// Everything a component usually needs, in one import:
/// `use airssys_wasm_sdk::prelude::*;`.
pub mod prelude {
    pub use crate::{
        component, debug, error, info, trace, warn, Component, Context, Description, Error,
        ErrorKind, Health, Input, Json, Metadata, Output, Result, Text,
    };
}
