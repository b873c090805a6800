//! Pipelines in code, mirroring the file: nodes, edges, strategies, then the
//! same graph checks as `Pipeline.toml`.

use std::time::Duration;

use super::error::PipelineError;
use super::graph::{GraphProblem, Settings, Site};
use super::model::{DEFAULT_DEADLINE, Definition, ErrorStrategy, MetaValue, Node, RetryPolicy};

/// Builds a [`Definition`]; start with [`Pipeline::builder`](super::Pipeline::builder).
pub struct PipelineBuilder<C> {
    settings: Settings,
    version: String,
    nodes: Vec<Node<C>>,
    problems: Vec<GraphProblem>,
}

impl<C> PipelineBuilder<C> {
    /// A pipeline called `name` at semver `version`, with no nodes yet.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        PipelineBuilder {
            settings: Settings {
                name: name.into(),
                version: semver::Version::new(0, 0, 0),
                description: String::new(),
                deadline: DEFAULT_DEADLINE,
                on_error: ErrorStrategy::default(),
                retry: RetryPolicy::default(),
                output: None,
            },
            version: version.into(),
            nodes: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// Adds a node calling `component`.
    pub fn node(mut self, name: impl Into<String>, component: C) -> Self {
        self.nodes.push(Node::new(name, component));
        self
    }

    /// An edge: `to` takes `from`'s output (adds `from` to `to`'s needs).
    pub fn connect(self, from: &str, to: &str) -> Self {
        let from = from.to_string();
        self.with_node(to, |n| n.needs.push(from))
    }

    /// The strategy of every node that sets none (default `fail-fast`).
    pub fn error_strategy(mut self, strategy: ErrorStrategy) -> Self {
        self.settings.on_error = strategy;
        self
    }

    /// The retry policy of every node that sets none (default: no retry).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.settings.retry = policy;
        self
    }

    /// Bounds every run (default 30 s).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.settings.deadline = deadline;
        self
    }

    /// Which node's output is the run's output, when several nodes have no dependents.
    pub fn output(mut self, node: &str) -> Self {
        self.settings.output = Some(node.to_string());
        self
    }

    /// Overrides the error strategy of `node`.
    pub fn node_error_strategy(self, node: &str, strategy: ErrorStrategy) -> Self {
        self.with_node(node, |n| n.on_error = Some(strategy))
    }

    /// Overrides the retry policy of `node`.
    pub fn node_retry(self, node: &str, policy: RetryPolicy) -> Self {
        self.with_node(node, |n| n.retry = Some(policy))
    }

    /// The output `node` stands in with when it fails under `continue`.
    pub fn fallback(self, node: &str, data: impl Into<Vec<u8>>) -> Self {
        let data = data.into();
        self.with_node(node, |n| n.fallback = Some(data))
    }

    /// The component that undoes `node`'s work when a later node fails.
    pub fn compensate(self, node: &str, component: C) -> Self {
        self.with_node(node, |n| n.compensate = Some(component))
    }

    /// Sets metadata `key` on `node`'s input.
    pub fn metadata(self, node: &str, key: &str, value: MetaValue) -> Self {
        let key = key.to_string();
        self.with_node(node, |n| n.metadata.push((key, value)))
    }

    /// Checks the graph (the same checks as the file) and returns the pipeline.
    pub fn build(mut self) -> Result<Definition<C>, PipelineError> {
        match semver::Version::parse(&self.version) {
            Ok(v) => self.settings.version = v,
            Err(e) => self.problems.push(GraphProblem {
                site: Site::Pipeline,
                message: format!("invalid version `{}`: {e}", self.version),
                help: Some("versions are semver: MAJOR.MINOR.PATCH, e.g. `1.0.0`".into()),
            }),
        }
        let mut problems = self.problems;
        match Definition::new(self.settings, self.nodes) {
            Ok(d) if problems.is_empty() => Ok(d),
            Ok(_) => Err(PipelineError::Graph { problems }),
            Err(more) => {
                problems.extend(more);
                Err(PipelineError::Graph { problems })
            }
        }
    }

    fn with_node(mut self, name: &str, f: impl FnOnce(&mut Node<C>)) -> Self {
        match self.nodes.iter_mut().find(|n| n.name == name) {
            Some(node) => f(node),
            None => self.problems.push(GraphProblem {
                site: Site::Node(name.to_string()),
                message: format!(
                    "`{name}` is not a node (add it with `.node(\"{name}\", ..)` first)"
                ),
                help: None,
            }),
        }
        self
    }
}
