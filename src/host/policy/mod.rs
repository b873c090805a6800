//! The deploy policy (`serve --policy FILE`): caps on what any deployed component may
//! ask for in its `Component.toml`.
//!
//! [`load`] / [`parse`] read the policy file once into a typed [`Policy`] (or a
//! [`PolicyError`] listing every problem as a located [`Diagnostic`]);
//! [`Policy::check`] compares a [`Manifest`] against it and returns every
//! [`Excess`] — an empty list means the deploy is allowed.
//!
//! Every key of the file is optional, and an absent key is no cap. An empty list is a
//! cap too: `allowed_hosts = []` allows no network grant at all.
//!
//! ```toml
//! [limits]
//! max_memory_bytes = 67108864
//! max_execution_ms = 5000
//! max_fuel = 1000000000          # a component without max_fuel exceeds it
//! max_instances = 64
//! [filesystem]
//! allowed_roots = ["data/**", "/srv/shared/**"]
//! allow_writable = true
//! [network]
//! allowed_hosts = ["*.example.com", "api.partner.net:443"]
//! [environment]
//! allowed_variables = ["LOG_LEVEL", "TZ"]
//! [storage]
//! allow_key_value = true
//! max_bytes = 10485760
//! [messaging]
//! allowed_targets = ["*"]        # "*" = any target
//! [custom]
//! allowed_capabilities = []
//! ```

mod check;
mod parse;
mod schema;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_errors;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::manifest::{Diagnostic, HostPattern, Manifest, PathGrant};

pub use parse::{load, parse};

/// The text of the built-in policy (`serve` without `--policy`).
pub const DEFAULT_POLICY_TOML: &str = include_str!("default.toml");

/// What `serve --policy` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// No `--policy`: the built-in [`DEFAULT_POLICY_TOML`].
    BuiltIn,
    /// `--policy permissive`: no caps at all (an explicit opt-out).
    Permissive,
    /// `--policy FILE`.
    File(PathBuf),
}

impl PolicySource {
    /// `permissive` or a file path.
    pub fn from_arg(arg: &std::ffi::OsStr) -> PolicySource {
        if arg == "permissive" {
            PolicySource::Permissive
        } else {
            PolicySource::File(PathBuf::from(arg))
        }
    }

    /// The policy it names.
    pub fn load(&self) -> Result<Policy, PolicyError> {
        match self {
            PolicySource::BuiltIn => parse(DEFAULT_POLICY_TOML, Path::new("<built-in policy>")),
            PolicySource::Permissive => Ok(Policy::default()),
            PolicySource::File(path) => load(path),
        }
    }
}

/// What the writable grants of a hosted component may hold when its manifest
/// sets no `[permissions.filesystem] max_bytes` / `max_files`: enough for caches
/// and working files, far from filling a disk.
pub const DEFAULT_DISK_QUOTA: crate::manifest::DiskQuota = crate::manifest::DiskQuota {
    max_bytes: Some(256 << 20),
    max_files: Some(10_000),
};

/// A parsed deploy policy. [`Policy::default`] caps nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    /// `[limits]`: caps on the manifest's `[resources]`.
    pub limits: LimitCaps,
    /// `[filesystem]`: where path grants may point.
    pub filesystem: FilesystemCaps,
    /// `[network]`: which hosts may be granted.
    pub network: NetworkCaps,
    /// `[environment]`: which variables may be passed through.
    pub environment: EnvironmentCaps,
    /// `[storage]`: whether and how much key-value storage may be granted.
    pub storage: StorageCaps,
    /// `[messaging]`: which components may be called.
    pub messaging: MessagingCaps,
    /// `[custom]`: which embedder-defined capabilities may be granted.
    pub custom: CustomCaps,
}

impl Policy {
    /// Every way `manifest` asks for more than this policy allows, in manifest order
    /// (resources, then each permission section). Empty means the deploy is allowed.
    pub fn check(&self, manifest: &Manifest) -> Vec<Excess> {
        check::check(self, manifest)
    }
}

/// `[limits]`; `None` is no cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LimitCaps {
    /// Largest `max_memory_bytes` a component may declare.
    pub max_memory_bytes: Option<u64>,
    /// Largest `max_execution_ms` a component may declare.
    pub max_execution_ms: Option<u64>,
    /// Largest `max_fuel`; when set, a component must declare a fuel budget.
    pub max_fuel: Option<u64>,
    /// Largest `max_instances` a component may declare.
    pub max_instances: Option<u32>,
}

/// `[filesystem]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilesystemCaps {
    /// Directories every path grant must lie inside (same syntax as grants; relative
    /// roots are under the component's data directory). `None` is unrestricted;
    /// an empty list allows no path grant.
    pub allowed_roots: Option<Vec<PathGrant>>,
    /// Whether `writable_paths` may be granted at all.
    pub allow_writable: bool,
}

impl Default for FilesystemCaps {
    fn default() -> Self {
        FilesystemCaps {
            allowed_roots: None,
            allow_writable: true,
        }
    }
}

/// `[network]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkCaps {
    /// Patterns every host grant must be covered by. `None` is unrestricted; an
    /// empty list allows no network grant.
    pub allowed_hosts: Option<Vec<HostPattern>>,
}

/// `[environment]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EnvironmentCaps {
    /// Variable names that may be passed through (exact, case-sensitive). `None` is
    /// unrestricted.
    pub allowed_variables: Option<Vec<String>>,
    /// Variable names that may never be passed through; an entry ending in `*`
    /// denies every name starting with what precedes it (e.g. `AIRSSYS_*`).
    pub denied_variables: Vec<String>,
}

/// `[storage]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageCaps {
    /// Whether key-value storage may be granted at all.
    pub allow_key_value: bool,
    /// Largest storage quota a component may declare.
    pub max_bytes: Option<u64>,
}

impl Default for StorageCaps {
    fn default() -> Self {
        StorageCaps {
            allow_key_value: true,
            max_bytes: None,
        }
    }
}

/// `[messaging]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessagingCaps {
    /// Component names that may be messaged. `None` (also written `["*"]`) is any.
    pub allowed_targets: Option<Vec<String>>,
}

/// `[custom]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CustomCaps {
    /// Embedder-defined capabilities that may be granted. `None` is unrestricted.
    pub allowed_capabilities: Option<Vec<String>>,
}

/// One grant or limit of a manifest that the policy does not allow.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Excess {
    /// The manifest key asking too much, e.g. `[resources] max_memory_bytes` or
    /// `[permissions.network] allowed_hosts`.
    pub key: String,
    /// What the manifest asks for: a number, or one quoted grant such as `"evil.com"`.
    pub requested: String,
    /// What the policy allows: the maximum, the quoted list (`none` when empty), or
    /// the policy setting that forbids the grant (`allow_writable = false`).
    pub allowed: String,
    /// How `requested` relates to `allowed`; selects the wording of the message.
    #[serde(skip)]
    pub kind: ExcessKind,
}

/// Why an [`Excess`] is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExcessKind {
    /// A number above the policy's maximum.
    AboveLimit,
    /// A grant outside the policy's list; the field names the list, e.g.
    /// `"allowed hosts"`.
    NotListed(&'static str),
    /// A kind of grant the policy switches off.
    Forbidden,
}

impl fmt::Display for Excess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Excess {
            key,
            requested,
            allowed,
            kind,
        } = self;
        match kind {
            ExcessKind::AboveLimit => {
                write!(
                    f,
                    "{key}: {requested} exceeds the policy's maximum of {allowed}"
                )
            }
            ExcessKind::NotListed(list) => write!(
                f,
                "{key}: {requested} is not within the policy's {list} ({allowed})"
            ),
            ExcessKind::Forbidden => {
                write!(
                    f,
                    "{key}: {requested} is not allowed: the policy sets {allowed}"
                )
            }
        }
    }
}

/// Why a policy file could not be turned into a [`Policy`].
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file could not be read.
    #[error("could not read policy file {}", path.display())]
    Io {
        /// The path as given by the caller.
        path: PathBuf,
        /// The underlying failure.
        #[source]
        source: std::io::Error,
    },
    /// The file was read but is not a valid policy; the details are in `diagnostics`.
    #[error("{} is not a valid policy", path.display())]
    Invalid {
        /// The path as given by the caller.
        path: PathBuf,
        /// Every problem found, in file order (never empty).
        diagnostics: Vec<Diagnostic>,
    },
}

impl PolicyError {
    /// The policy path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            PolicyError::Io { path, .. } | PolicyError::Invalid { path, .. } => path,
        }
    }

    /// The individual problems (empty for [`PolicyError::Io`]).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            PolicyError::Io { .. } => &[],
            PolicyError::Invalid { diagnostics, .. } => diagnostics,
        }
    }

    /// A hint for the whole error, when one applies (diagnostics carry their own).
    pub fn help(&self) -> Option<String> {
        match self {
            PolicyError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                Some("check the path given to `--policy`".to_string())
            }
            PolicyError::Io { source, .. } if source.kind() == std::io::ErrorKind::InvalidData => {
                Some("a policy file must be UTF-8 text".to_string())
            }
            _ => None,
        }
    }

    /// Plain text for a terminal: every diagnostic rendered cargo-style, or one
    /// `error:` line with the OS cause for [`PolicyError::Io`].
    pub fn render(&self) -> String {
        match self {
            PolicyError::Io { path, source } => {
                format!(
                    "error: could not read policy file {}: {source}",
                    path.display()
                )
            }
            PolicyError::Invalid { path, diagnostics } => diagnostics
                .iter()
                .map(|d| d.render(path))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}
