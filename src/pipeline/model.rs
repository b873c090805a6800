//! The typed pipeline: what `Pipeline.toml` and [`PipelineBuilder`](super::PipelineBuilder)
//! both produce. A [`Definition`] is generic over how a node names its component:
//! [`ComponentRef`] as written in the file, or a loaded component ready to run.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

/// The error strategy: what a node's final failure (after its retries) does to
/// the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorStrategy {
    /// The run fails at once, naming the node; running siblings are cancelled.
    #[default]
    FailFast,
    /// The run fails; nodes already running finish, then every node that
    /// succeeded and declares a compensation is undone, latest first.
    Compensate,
    /// The node's declared fallback stands in for its output; the run goes on.
    Continue,
}

impl ErrorStrategy {
    /// Every strategy, as spelled in the file.
    pub const NAMES: [&'static str; 3] = ["fail-fast", "compensate", "continue"];

    /// The spelling in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorStrategy::FailFast => "fail-fast",
            ErrorStrategy::Compensate => "compensate",
            ErrorStrategy::Continue => "continue",
        }
    }

    /// Parses the file's spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "fail-fast" => Some(ErrorStrategy::FailFast),
            "compensate" => Some(ErrorStrategy::Compensate),
            "continue" => Some(ErrorStrategy::Continue),
            _ => None,
        }
    }
}

/// How the delay between attempts grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Backoff {
    /// The same delay before every retry.
    Fixed,
    /// The delay doubles after every attempt, up to `max_delay`.
    Exponential,
}

/// Error kinds retried when a retry policy does not list its own: every
/// transient failure, never a verdict on the input (`invalid-input`,
/// `permission-denied`, `not-found`) nor a limit the node would hit again.
pub const DEFAULT_RETRY_ON: &[&str] = &["internal", "timeout", "busy", "trap", "instantiate"];

/// Every error kind a node's call can fail with (see
/// [`InvokeError::kind`](crate::runtime::InvokeError::kind)).
pub const ERROR_KINDS: &[&str] = &[
    "invalid-input",
    "permission-denied",
    "not-found",
    "internal",
    "timeout",
    "memory-limit",
    "disk-quota",
    "fuel-exhausted",
    "stack-overflow",
    "trap",
    "busy",
    "instantiate",
    "output-too-large",
    "reentrant",
    "wrong-world",
];

/// When and how often a failed call is tried again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retry).
    pub attempts: u32,
    /// How the delay grows.
    pub backoff: Backoff,
    /// The delay before the first retry.
    #[serde(serialize_with = "millis")]
    pub delay: Duration,
    /// The longest delay between two attempts.
    #[serde(serialize_with = "millis")]
    pub max_delay: Duration,
    /// Whether each delay is randomised (between half and all of it), so
    /// callers that failed together do not retry together.
    pub jitter: bool,
    /// The error kinds worth another attempt.
    pub on: Vec<String>,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

impl Default for RetryPolicy {
    /// One attempt: no retry.
    fn default() -> Self {
        RetryPolicy {
            attempts: 1,
            backoff: Backoff::Exponential,
            delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            jitter: true,
            on: DEFAULT_RETRY_ON.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl RetryPolicy {
    /// A policy of `attempts` attempts with the default backoff.
    pub fn attempts(attempts: u32) -> Self {
        RetryPolicy {
            attempts: attempts.max(1),
            ..RetryPolicy::default()
        }
    }

    /// Whether a failure of `kind` is worth another attempt.
    pub fn retries(&self, kind: &str) -> bool {
        self.on.iter().any(|k| k == kind)
    }

    /// The delay before attempt `next` (2 for the first retry), before jitter.
    pub fn delay_before(&self, next: u32) -> Duration {
        match self.backoff {
            Backoff::Fixed => self.delay,
            Backoff::Exponential => {
                let doublings = next.saturating_sub(2).min(30);
                self.delay
                    .saturating_mul(1u32 << doublings)
                    .min(self.max_delay)
            }
        }
        .min(self.max_delay.max(self.delay))
    }
}

/// Where a node's component comes from, as written in `Pipeline.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ComponentRef {
    /// A project directory (built when stale), relative to the pipeline file.
    Project {
        /// The directory, as resolved against the pipeline file's directory.
        path: PathBuf,
    },
    /// A built component and, optionally, the manifest that governs it
    /// (without one it runs with no permissions).
    Wasm {
        /// The `.wasm` file.
        wasm: PathBuf,
        /// Its `Component.toml`.
        manifest: Option<PathBuf>,
    },
    /// A version uploaded to a host: `name@version`.
    Hosted {
        /// The component name.
        name: String,
        /// Its exact version.
        version: semver::Version,
        /// The sha256 the version must have, when pinned (a deployed pipeline
        /// pins every node).
        sha256: Option<String>,
    },
}

impl std::fmt::Display for ComponentRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ComponentRef::Project { path } => write!(f, "{}", path.display()),
            ComponentRef::Wasm { wasm, .. } => write!(f, "{}", wasm.display()),
            ComponentRef::Hosted { name, version, .. } => write!(f, "{name}@{version}"),
        }
    }
}

/// Where a metadata entry's value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "from", rename_all = "kebab-case")]
pub enum MetaValue {
    /// A fixed string.
    Literal {
        /// The value.
        value: String,
    },
    /// `${{ input.meta.KEY }}`: the pipeline input's metadata.
    Input {
        /// The key.
        key: String,
    },
    /// `${{ nodes.NODE.meta.KEY }}`: an upstream node's output metadata.
    Node {
        /// The upstream node.
        node: String,
        /// The key.
        key: String,
    },
}

/// One node: a component called once per run.
#[derive(Debug, Clone)]
pub struct Node<C> {
    /// Its name in the pipeline.
    pub name: String,
    /// The component it calls.
    pub component: C,
    /// The nodes whose output it takes (each is an edge `need → this`).
    pub needs: Vec<String>,
    /// Overrides the pipeline's error strategy.
    pub on_error: Option<ErrorStrategy>,
    /// Overrides the pipeline's retry policy.
    pub retry: Option<RetryPolicy>,
    /// The output used when the node fails under `continue`.
    pub fallback: Option<Vec<u8>>,
    /// The component that undoes this node's work when a later node fails.
    pub compensate: Option<C>,
    /// Metadata entries set on the node's input, after the upstream metadata.
    pub metadata: Vec<(String, MetaValue)>,
    /// Bounds each call of the node (each attempt), within the run's deadline
    /// and the component's own `max_execution_ms`.
    pub deadline: Option<Duration>,
}

impl<C> Node<C> {
    /// A node calling `component`, with every setting inherited.
    pub fn new(name: impl Into<String>, component: C) -> Self {
        Node {
            name: name.into(),
            component,
            needs: Vec::new(),
            on_error: None,
            retry: None,
            fallback: None,
            compensate: None,
            metadata: Vec::new(),
            deadline: None,
        }
    }
}

/// The default bound on a whole run.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(30);

/// A pipeline: its identity, its settings and its nodes, in file order.
/// Built only through [`Definition::new`], which checks the graph.
#[derive(Debug, Clone)]
pub struct Definition<C> {
    /// `[pipeline] name`: same rules as a component name.
    pub name: String,
    /// `[pipeline] version`.
    pub version: semver::Version,
    /// `[pipeline] description`.
    pub description: String,
    /// Bounds the whole run; each node also keeps its own limits.
    pub deadline: Duration,
    /// The strategy of nodes that set none.
    pub on_error: ErrorStrategy,
    /// The retry policy of nodes that set none.
    pub retry: RetryPolicy,
    /// The node whose output is the run's output (`[pipeline] output`, or the
    /// only node no other node needs).
    pub output: String,
    /// The nodes, in file order.
    pub nodes: Vec<Node<C>>,
    /// Node indices in a topological order (every node after its needs).
    pub(crate) order: Vec<usize>,
    /// For each node, the indices of its needs.
    pub(crate) needs: Vec<Vec<usize>>,
}

impl<C> Definition<C> {
    /// The node called `name`.
    pub fn node(&self, name: &str) -> Option<&Node<C>> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// A node's effective error strategy.
    pub fn strategy_of(&self, node: &Node<C>) -> ErrorStrategy {
        node.on_error.unwrap_or(self.on_error)
    }

    /// A node's effective retry policy.
    pub fn retry_of<'a>(&'a self, node: &'a Node<C>) -> &'a RetryPolicy {
        node.retry.as_ref().unwrap_or(&self.retry)
    }

    /// The nodes in an order where each comes after everything it needs.
    pub fn topological(&self) -> impl Iterator<Item = &Node<C>> {
        self.order.iter().map(|&i| &self.nodes[i])
    }

    /// The nodes that need `name`, in file order.
    pub fn dependents(&self, name: &str) -> Vec<&Node<C>> {
        self.nodes
            .iter()
            .filter(|n| n.needs.iter().any(|d| d == name))
            .collect()
    }

    /// Turns every component reference into something else (e.g. a loaded
    /// component), keeping the checked graph.
    pub fn try_map<D, E>(
        self,
        mut f: impl FnMut(&str, C) -> Result<D, E>,
    ) -> Result<Definition<D>, E> {
        let mut nodes = Vec::with_capacity(self.nodes.len());
        for node in self.nodes {
            let component = f(&node.name, node.component)?;
            let compensate = match node.compensate {
                Some(c) => Some(f(&node.name, c)?),
                None => None,
            };
            nodes.push(Node {
                name: node.name,
                component,
                needs: node.needs,
                on_error: node.on_error,
                retry: node.retry,
                fallback: node.fallback,
                compensate,
                metadata: node.metadata,
                deadline: node.deadline,
            });
        }
        Ok(Definition {
            name: self.name,
            version: self.version,
            description: self.description,
            deadline: self.deadline,
            on_error: self.on_error,
            retry: self.retry,
            output: self.output,
            nodes,
            order: self.order,
            needs: self.needs,
        })
    }
}
