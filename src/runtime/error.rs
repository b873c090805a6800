//! Errors of loading and invoking components, and how traps are classified.

use wasmtime::{Store, Trap};

use super::HostState;
use super::bindings::ComponentError;
use crate::manifest::Resources;
use crate::security::DiskQuotaExceeded;
use crate::validate::Finding;

/// The kind of a `component-error` returned by a guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GuestErrorKind {
    /// `invalid-input`.
    InvalidInput,
    /// `permission-denied`.
    PermissionDenied,
    /// `not-found`.
    NotFound,
    /// `internal`.
    Internal,
}

impl GuestErrorKind {
    /// The WIT case name, e.g. `invalid-input`.
    pub fn as_str(self) -> &'static str {
        match self {
            GuestErrorKind::InvalidInput => "invalid-input",
            GuestErrorKind::PermissionDenied => "permission-denied",
            GuestErrorKind::NotFound => "not-found",
            GuestErrorKind::Internal => "internal",
        }
    }

    /// Parses a WIT case name.
    pub fn parse(name: &str) -> Option<Self> {
        [
            GuestErrorKind::InvalidInput,
            GuestErrorKind::PermissionDenied,
            GuestErrorKind::NotFound,
            GuestErrorKind::Internal,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

/// A `component-error` value: the component ran and reported a failure.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("{}: {message}", kind.as_str())]
pub struct GuestError {
    /// Which case.
    pub kind: GuestErrorKind,
    /// The component's message.
    pub message: String,
}

impl From<ComponentError> for GuestError {
    fn from(e: ComponentError) -> Self {
        let (kind, message) = match e {
            ComponentError::InvalidInput(m) => (GuestErrorKind::InvalidInput, m),
            ComponentError::PermissionDenied(m) => (GuestErrorKind::PermissionDenied, m),
            ComponentError::NotFound(m) => (GuestErrorKind::NotFound, m),
            ComponentError::Internal(m) => (GuestErrorKind::Internal, m),
        };
        GuestError { kind, message }
    }
}

impl GuestError {
    /// Back to the WIT value, to pass a callee's error through `messaging`.
    pub fn into_wit(self) -> ComponentError {
        match self.kind {
            GuestErrorKind::InvalidInput => ComponentError::InvalidInput(self.message),
            GuestErrorKind::PermissionDenied => ComponentError::PermissionDenied(self.message),
            GuestErrorKind::NotFound => ComponentError::NotFound(self.message),
            GuestErrorKind::Internal => ComponentError::Internal(self.message),
        }
    }
}

/// Why an invocation did not produce output.
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    /// The component returned a `component-error`.
    #[error(transparent)]
    Component(GuestError),
    /// The component's `init` returned a `component-error`.
    #[error("init failed: {0}")]
    Init(GuestError),
    /// `max_execution_ms` elapsed; the instance was discarded.
    #[error("exceeded max_execution_ms: the call ran longer than {limit_ms} ms")]
    Timeout {
        /// The limit.
        limit_ms: u64,
    },
    /// Linear memory growth past `max_memory_bytes`; the instance was discarded.
    #[error(
        "memory limit exceeded: the instance's memories and tables would reach {requested} bytes, max_memory_bytes is {limit}"
    )]
    MemoryLimit {
        /// The limit.
        limit: u64,
        /// What growth asked for.
        requested: u64,
    },
    /// A write would take the writable grants past `[permissions.filesystem]
    /// max_bytes` or `max_files`; the instance was discarded.
    #[error("{0}")]
    DiskQuota(DiskQuotaExceeded),
    /// `max_fuel` ran out; the instance was discarded.
    #[error("exceeded max_fuel: the call used all {fuel} units of fuel")]
    FuelExhausted {
        /// The budget.
        fuel: u64,
    },
    /// Recursion past the wasm stack limit; the instance was discarded.
    #[error("stack overflow: the component recursed deeper than the {kib} KiB wasm stack")]
    StackOverflow {
        /// Stack size in KiB.
        kib: usize,
    },
    /// Any other trap (panic, unreachable, bad memory access…); the instance was
    /// discarded.
    #[error("the component trapped: {message}")]
    Trap {
        /// What trapped, in one line (safe to show to any client).
        message: String,
        /// The wasm backtrace, for the host's own log, the audit log and
        /// `run -v`; never sent to HTTP clients.
        backtrace: Option<String>,
    },
    /// The host or the component is at capacity and its wait queue is full; the
    /// call did not run (HTTP 503 with `Retry-After`).
    #[error("{message}")]
    Busy {
        /// Which limit was reached.
        message: String,
    },
    /// `component-output.data` is larger than any caller accepts.
    #[error("output too large: the component returned {bytes} bytes, the limit is {limit}")]
    OutputTooLarge {
        /// What the component returned.
        bytes: usize,
        /// [`MAX_OUTPUT_BYTES`](super::MAX_OUTPUT_BYTES).
        limit: usize,
    },
    /// The caller went away (an HTTP client disconnected) before the call ended:
    /// the call was dropped, its instance discarded.
    #[error("cancelled: the caller went away; the instance was discarded")]
    Cancelled,
    /// A `messaging` call back into a component already in the call chain, which
    /// has no free instance: waiting could only end at the deadline.
    #[error("re-entrant call to {component}: no instance free, max_instances = {max_instances}")]
    Reentrant {
        /// The component called again.
        component: String,
        /// Its `[resources] max_instances`.
        max_instances: u32,
    },
    /// The instance could not be created.
    #[error("could not instantiate {component}: {message}")]
    Instantiate {
        /// The component.
        component: String,
        /// The cause.
        message: String,
    },
    /// The component does not export what this call needs.
    #[error("{component} targets {world}, which has no `{operation}`")]
    WrongWorld {
        /// The component.
        component: String,
        /// Its world.
        world: String,
        /// What was asked (`execute`, `run`, …).
        operation: &'static str,
    },
}

impl InvokeError {
    /// A stable kind for reports and HTTP mapping (`invalid-input`, `timeout`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            InvokeError::Component(e) | InvokeError::Init(e) => e.kind.as_str(),
            InvokeError::Timeout { .. } => "timeout",
            InvokeError::MemoryLimit { .. } => "memory-limit",
            InvokeError::DiskQuota(_) => "disk-quota",
            InvokeError::FuelExhausted { .. } => "fuel-exhausted",
            InvokeError::StackOverflow { .. } => "stack-overflow",
            InvokeError::Trap { .. } => "trap",
            InvokeError::Instantiate { .. } => "instantiate",
            InvokeError::Busy { .. } => "busy",
            InvokeError::Cancelled => "cancelled",
            InvokeError::OutputTooLarge { .. } => "output-too-large",
            InvokeError::Reentrant { .. } => "reentrant",
            InvokeError::WrongWorld { .. } => "wrong-world",
        }
    }

    /// What an HTTP client is told: the error's message, except for failures
    /// whose text is about the component's insides (a trap, a failed
    /// instantiation), which get a generic line; the details go to the host's
    /// log (see [`Runtime::report`](super::Runtime::report)).
    pub fn client_message(&self) -> String {
        match self {
            InvokeError::Component(e) => e.message.clone(),
            InvokeError::Trap { .. } | InvokeError::Instantiate { .. } => format!(
                "the component failed ({}); the details are in the host's log",
                self.kind()
            ),
            other => other.to_string(),
        }
    }

    /// Whether [`InvokeError::client_message`] hides details worth logging.
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            InvokeError::Trap { .. } | InvokeError::Instantiate { .. }
        )
    }

    /// The manifest key to change, for limit errors.
    pub fn help(&self) -> Option<String> {
        match self {
            InvokeError::Timeout { .. } => {
                Some("raise [resources] max_execution_ms if the work is legitimate".into())
            }
            InvokeError::MemoryLimit { .. } => {
                Some("raise [resources] max_memory_bytes if the work is legitimate".into())
            }
            InvokeError::DiskQuota(e) => Some(format!(
                "raise [permissions.filesystem] {} if the data is legitimate, or delete files the component no longer needs",
                e.key
            )),
            InvokeError::FuelExhausted { .. } => {
                Some("raise or remove [resources] max_fuel".into())
            }
            _ => None,
        }
    }
}

/// Turns a wasmtime error from a call into the limit it hit, if any.
pub(crate) fn classify(
    error: wasmtime::Error,
    store: &Store<HostState>,
    resources: &Resources,
) -> InvokeError {
    if let Some(exceeded) = error.downcast_ref::<DiskQuotaExceeded>() {
        let state = store.data();
        state.shared.sink.denied(&super::Denial {
            component: state.sandbox.name.clone(),
            version: state.sandbox.version.clone(),
            action: format!(
                "write past the disk quota ({} {})",
                exceeded.used, exceeded.unit
            ),
            help: format!(
                "raise [permissions.filesystem] {} (now {})",
                exceeded.key, exceeded.limit
            ),
        });
        return InvokeError::DiskQuota(exceeded.clone());
    }
    if let Some(requested) = store.data().limiter.refused {
        return InvokeError::MemoryLimit {
            limit: resources.max_memory_bytes,
            requested,
        };
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => InvokeError::Timeout {
            limit_ms: resources.max_execution_ms,
        },
        Some(Trap::OutOfFuel) => InvokeError::FuelExhausted {
            fuel: resources.max_fuel.unwrap_or(u64::MAX),
        },
        Some(Trap::StackOverflow) => InvokeError::StackOverflow {
            kib: super::engine::MAX_WASM_STACK / 1024,
        },
        _ => {
            // The cause (e.g. `wasm trap: wasm `unreachable` instruction executed`)
            // is the message; the wasm backtrace, attached as context, is kept apart.
            let message = error.root_cause().to_string();
            let backtrace = error.downcast_ref::<wasmtime::WasmBacktrace>().map(|b| {
                b.to_string()
                    .lines()
                    .take(12)
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            InvokeError::Trap { message, backtrace }
        }
    }
}

/// Why a component could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Not a usable component file.
    #[error(transparent)]
    Component(#[from] crate::component::ComponentError),
    /// It does not fit its world, or imports what the host does not provide.
    #[error("{component} cannot run here: {}", .findings.first().map(|f| f.message.as_str()).unwrap_or("it does not fit its manifest"))]
    Rejected {
        /// The component.
        component: String,
        /// Every problem.
        findings: Vec<Finding>,
    },
    /// Compilation or linking failed.
    #[error("could not prepare {component}: {message}")]
    Prepare {
        /// The component.
        component: String,
        /// The cause.
        message: String,
    },
    /// A writable grant holds the component's own manifest: the component could
    /// rewrite its permissions (and a hot reload would load them).
    #[error(
        "the writable grant `{pattern}` of {component} holds its own manifest {}: the component could rewrite its permissions",
        manifest.display()
    )]
    ManifestWritable {
        /// The component.
        component: String,
        /// The grant as written.
        pattern: String,
        /// The manifest file.
        manifest: std::path::PathBuf,
    },
    /// It imports a custom interface its manifest does not grant.
    #[error("{component} imports `{interface}`, which needs the custom capability `{capability}`")]
    CapabilityDenied {
        /// The component.
        component: String,
        /// The interface.
        interface: String,
        /// The capability that gates it.
        capability: String,
    },
}

impl LoadError {
    /// The exact fix, when known.
    pub fn help(&self) -> Option<String> {
        match self {
            LoadError::Component(e) => e.help(),
            LoadError::Rejected { findings, .. } => findings.first().and_then(|f| f.help.clone()),
            LoadError::CapabilityDenied { capability, .. } => Some(format!(
                "add to Component.toml:\n[permissions.custom]\ncapabilities = [\"{capability}\"]"
            )),
            LoadError::Prepare { .. } => None,
            LoadError::ManifestWritable { .. } => Some(
                "grant a directory that does not hold Component.toml, e.g. `writable_paths = [\"data/**\"]`, and keep the component's files out of it".into(),
            ),
        }
    }
}
