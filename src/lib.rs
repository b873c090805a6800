//! airssys-wasm: build, check, run and deploy WebAssembly components with their
//! capabilities enforced deny-by-default.
//!
//! The modules follow the product's architecture:
//! - [`manifest`]: `Component.toml` parsed once into typed grants.
//! - [`wit`]: the `airssys:core` contract and a project's WIT package.
//! - [`component`]: inspecting a compiled component (imports, exports, world).
//! - [`security`]: capabilities: the static check of imports against grants, and the
//!   sandbox (WASI context, network policy) the runtime enforces.
//! - [`validate`]: the project check behind `validate`, `build` and `deploy`.
//! - [`build`]: running the language toolchain and publishing the artifact.
//! - [`templates`]: the project templates behind `init`.
//! - [`runtime`]: the embedded Wasmtime host: engine, cache, instances, limits and
//!   the `airssys:core` imports.
//! - [`store`]: persistent state: the components' key-value data, and the host's
//!   versions, deployments, blobs and hash-chained audit log.
//! - [`host`]: the deployment host's building blocks (state directory, deploy
//!   policy, metrics); `serve` itself is not wired yet.
//! - [`pipeline`]: components composed into pipelines (`Pipeline.toml`), run
//!   with fan-out, fan-in and error strategies.
//! - [`run`] and [`testing`]: what `run` and `test` execute.
//! - [`http`] and [`reload`]: serving components over HTTP and swapping them in
//!   place while they serve (`run --listen --hot-reload`).
//! - [`cli`] and [`output`]: the command-line front end.

pub mod budget;
pub mod build;
pub mod cli;
pub mod component;
pub mod error;
pub mod host;
pub mod http;
pub mod manifest;
pub mod output;
pub mod pipeline;
pub mod project;
pub mod reload;
pub mod run;
pub mod runtime;
pub mod security;
pub mod store;
pub mod templates;
pub mod testing;
pub mod validate;
pub mod wit;

pub use error::{Error, Result};
