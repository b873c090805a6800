//! Pipelines: components composed into one service, each node in its own
//! sandbox. `Pipeline.toml` is parsed once into a typed, checked graph
//! ([`PipelineSpec`]); its nodes are loaded into a [`Pipeline`] that the
//! executor runs with fan-out, fan-in and the error strategies (fail-fast,
//! retry, continue with a fallback, compensate).
//!
//! A pipeline built in code, run on the embedded runtime:
//!
//! ```
//! # #[tokio::main(flavor = "multi_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use airssys_wasm::pipeline::{ErrorStrategy, Pipeline};
//! use airssys_wasm::runtime::{Invocation, LoadOptions, Runtime, RuntimeConfig};
//! # let dir = std::env::temp_dir().join(format!("airssys-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir)?;
//! # let component = |suffix: char| -> Result<Vec<u8>, Box<dyn std::error::Error>> {
//! #     let wat = std::fs::read_to_string(concat!(
//! #         env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/wat/append.wat"
//! #     ))?.replace("{{SUFFIX}}", &(suffix as u32).to_string());
//! #     Ok(airssys_wasm::wit::encode_core_module(&wat::parse_str(&wat)?)?)
//! # };
//! # let manifest = |name: &str| airssys_wasm::manifest::parse(
//! #     &format!("[component]\nname = \"{name}\"\nversion = \"1.0.0\"\n"),
//! #     &dir.join("Component.toml"),
//! # );
//!
//! let runtime = Runtime::new(RuntimeConfig::default())?;
//! // Three components, each appending its letter to its input.
//! let load = |name: &str, suffix: char| -> Result<_, Box<dyn std::error::Error>> {
//!     Ok(runtime.load(LoadOptions::new(manifest(name)?, component(suffix)?, &dir))?)
//! };
//! let pipeline = Pipeline::builder("abc", "1.0.0")
//!     .node("a", load("add-a", 'a')?)
//!     .node("b", load("add-b", 'b')?)
//!     .node("c", load("add-c", 'c')?)
//!     .connect("a", "b")
//!     .connect("b", "c")
//!     .error_strategy(ErrorStrategy::FailFast)
//!     .build()?;
//!
//! let report = pipeline.run(&runtime, Invocation::new(b">".to_vec())).await;
//! assert_eq!(report.into_result()?.data, b">abc");
//! # Ok(()) }
//! ```

mod builder;
mod canonical;
mod check;
pub mod combine;
pub mod draft;
mod error;
mod execute;
mod graph;
mod graph_text;
pub mod locate;
mod model;
mod parse;
mod raw;
mod report;
mod resolve;
mod scaffold;

use std::sync::Arc;

pub use builder::PipelineBuilder;
pub use canonical::{CANONICAL_FORMAT, Pin, from_canonical, pins, to_canonical};
pub use check::{Capabilities, ComponentCheck, PipelineCheck, check, check_file};
pub use error::PipelineError;
pub use execute::Pipeline;
pub use graph::{GraphProblem, Settings, Site};
pub use graph_text::{GraphFormat, render as render_graph};
pub use model::{
    Backoff, ComponentRef, DEFAULT_DEADLINE, DEFAULT_RETRY_ON, Definition, ERROR_KINDS,
    ErrorStrategy, MetaValue, Node, RetryPolicy,
};
pub use parse::{file_of, is_pipeline_path, load, parse};
pub use report::{
    Attempt, CompensationStatus, CompensationTrace, Failure, NodeStatus, NodeTrace, RunFailure,
    RunReport,
};
pub use resolve::{load as load_nodes, prepare_nodes};
pub use scaffold::scaffold;

use crate::runtime::LoadedComponent;

/// The pipeline file's conventional name.
pub const FILE_NAME: &str = "Pipeline.toml";

/// A pipeline as written in its file: nodes name their components.
pub type PipelineSpec = Definition<ComponentRef>;

impl Pipeline {
    /// Starts a pipeline in code (see the module example).
    pub fn builder(
        name: impl Into<String>,
        version: impl Into<String>,
    ) -> PipelineBuilder<Arc<LoadedComponent>> {
        PipelineBuilder::new(name, version)
    }
}
