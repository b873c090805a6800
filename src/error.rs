//! The library's top-level error: one variant per area, each carrying its context.

use std::path::PathBuf;

use crate::build::BuildError;
use crate::component::ComponentError;
use crate::manifest::ManifestError;
use crate::templates::InitError;
use crate::wit::WitError;

/// Any failure of a library operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `Component.toml` is missing or invalid.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The project's WIT is invalid or not the contract.
    #[error(transparent)]
    Wit(#[from] WitError),
    /// A file is not a usable component.
    #[error(transparent)]
    Component(#[from] ComponentError),
    /// The build failed.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// A project could not be created.
    #[error(transparent)]
    Init(#[from] InitError),
    /// A deploy policy file is missing or invalid.
    #[error(transparent)]
    Policy(#[from] crate::host::policy::PolicyError),
    /// A request to a deployment host failed.
    #[error(transparent)]
    Client(#[from] crate::host::client::ClientError),
    /// A component could not be loaded into the runtime.
    #[error(transparent)]
    Load(#[from] crate::runtime::LoadError),
    /// A call failed (trap, limit, or a component error).
    #[error(transparent)]
    Invoke(#[from] crate::runtime::InvokeError),
    /// A pipeline file is invalid or a node cannot be loaded.
    #[error(transparent)]
    Pipeline(#[from] crate::pipeline::PipelineError),
    /// The test cases could not be read or run.
    #[error(transparent)]
    Tests(#[from] crate::testing::TestsError),
    /// Bad command-line input that clap could not catch.
    #[error("{message}")]
    Usage {
        /// What is wrong.
        message: String,
        /// How to fix it.
        help: Option<String>,
    },
    /// No project at the given path.
    #[error("no {manifest} found in {dir}", manifest = crate::manifest::FILE_NAME)]
    NoProject {
        /// The directory searched.
        dir: PathBuf,
    },
    /// A filesystem operation failed.
    #[error("could not {action} {path}")]
    Io {
        /// What was attempted, e.g. "write".
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The exact fix for this error, when one is known: rendered as `help:`.
    pub fn help(&self) -> Option<String> {
        match self {
            Error::Manifest(e) => e.help(),
            Error::Wit(e) => e.help(),
            Error::Component(e) => e.help(),
            Error::Build(e) => e.help(),
            Error::Init(e) => e.help(),
            Error::Load(e) => e.help(),
            Error::Policy(e) => e.help(),
            Error::Client(e) => e.help(),
            Error::Invoke(e) => e.help(),
            Error::Tests(e) => e.help(),
            Error::Pipeline(e) => e.help(),
            Error::Usage { help, .. } => help.clone(),
            Error::NoProject { .. } => Some(
                "run `airssys-wasm init <name>` to create a project, or pass the project directory"
                    .into(),
            ),
            Error::Io { .. } => None,
        }
    }

    /// Shorthand for an [`Error::Io`].
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `e` and its causes on one line, `outer: inner: …` (for lists and JSON
/// fields, where the terminal's `caused by:` lines do not fit).
pub fn one_line(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}
