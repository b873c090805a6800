//! Why a pipeline could not be read, built or resolved. (A run that fails is
//! not an error of this kind: it is a [`RunReport`](super::RunReport) whose
//! result is a [`RunFailure`](super::RunFailure).)

use std::path::PathBuf;

use super::graph::GraphProblem;
use crate::manifest::Diagnostic;

/// A pipeline that cannot run.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The file could not be read.
    #[error("could not read {}", path.display())]
    Io {
        /// The path as given.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid pipeline; every problem is in `diagnostics`.
    #[error("{} is not a valid pipeline", path.display())]
    Invalid {
        /// The path as given.
        path: PathBuf,
        /// Every problem, in file order (never empty).
        diagnostics: Vec<Diagnostic>,
    },
    /// A pipeline built in code has an invalid graph.
    #[error("invalid pipeline: {}", problems.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join("; "))]
    Graph {
        /// Every problem.
        problems: Vec<GraphProblem>,
    },
    /// A node's component could not be found, built or loaded.
    #[error("node `{node}`: cannot load {reference}")]
    Node {
        /// The node.
        node: String,
        /// Its component reference as written.
        reference: String,
        /// Why.
        #[source]
        source: Box<crate::Error>,
    },
}

impl PipelineError {
    /// The fix, when one is known.
    pub fn help(&self) -> Option<String> {
        match self {
            PipelineError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                Some(format!(
                    "run `airssys-wasm pipeline new` to create a {}, or pass its path",
                    super::FILE_NAME
                ))
            }
            PipelineError::Graph { problems } => problems.iter().find_map(|p| p.help.clone()),
            PipelineError::Node { source, .. } => source.help(),
            _ => None,
        }
    }

    /// Every diagnostic rendered cargo-style (for [`PipelineError::Invalid`]).
    pub fn render(&self) -> Option<String> {
        let PipelineError::Invalid { path, diagnostics } = self else {
            return None;
        };
        Some(
            diagnostics
                .iter()
                .map(|d| d.render(path))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    }
}
