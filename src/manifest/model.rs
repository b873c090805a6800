//! The typed, validated form of a `Component.toml`.
//!
//! Everything here has already been checked: names match their rules, versions are
//! semver, limits are within bounds and every permission is a parsed grant. Code that
//! enforces permissions consumes these types and never looks at raw TOML again.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// A fully validated manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The file the manifest was read from (used in messages).
    pub path: PathBuf,
    /// `[component]`.
    pub component: ComponentSection,
    /// `[build]`, with per-language defaults not yet applied.
    pub build: BuildSection,
    /// `[resources]`, defaults applied.
    pub resources: Resources,
    /// `[runtime]`, defaults applied.
    pub runtime: RuntimeSection,
    /// `[permissions.*]` as typed grants; empty means nothing is granted.
    pub permissions: Permissions,
    /// `[config]`, handed to the component's `init` as metadata (sorted by key).
    pub config: BTreeMap<String, String>,
}

impl Manifest {
    /// The directory holding the manifest: the project root.
    pub fn project_dir(&self) -> &Path {
        // `Component.toml` (no directory part) has the parent `""`: that is `.`.
        self.path
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or_else(|| Path::new("."))
    }
}

/// `[component]`: identity of the component.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentSection {
    /// `[a-z][a-z0-9-]{0,63}`.
    pub name: String,
    /// Semantic version of this build.
    pub version: semver::Version,
    /// Free text, may be empty.
    pub description: String,
    /// Source language; selects build defaults.
    pub language: Language,
    /// The world the component targets.
    pub world: WorldName,
}

/// Source languages the toolchain knows how to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// Rust, built with cargo for `wasm32-wasip2`.
    Rust,
    /// C, built with clang and wasi-libc.
    C,
    /// C++, built with clang++, wasi-libc and libc++.
    Cpp,
    /// Python, built with componentize-py.
    Python,
    /// JavaScript, built with componentize-js.
    Js,
    /// TypeScript, compiled with tsc, then built as JavaScript.
    Ts,
    /// Go, built with the Go toolchain for wasip1.
    Go,
    /// An already built component: only validated and copied.
    Prebuilt,
}

impl Language {
    /// Every language, in the order shown to users.
    pub const ALL: [Language; 8] = [
        Language::Rust,
        Language::C,
        Language::Cpp,
        Language::Python,
        Language::Js,
        Language::Ts,
        Language::Go,
        Language::Prebuilt,
    ];

    /// The spelling used in `Component.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::C => "c",
            Language::Cpp => "cpp",
            Language::Python => "python",
            Language::Js => "js",
            Language::Ts => "ts",
            Language::Go => "go",
            Language::Prebuilt => "prebuilt",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The worlds the embedded host can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorldName {
    /// `airssys:core/component`: the lifecycle contract in `wit/core.wit`.
    AirssysComponent,
    /// `wasi:cli/command`: a program exporting `wasi:cli/run`.
    WasiCommand,
    /// `wasi:http/proxy`: an HTTP handler exporting `wasi:http/incoming-handler`.
    WasiHttpProxy,
}

impl WorldName {
    /// Every world, in the order shown to users.
    pub const ALL: [WorldName; 3] = [
        WorldName::AirssysComponent,
        WorldName::WasiCommand,
        WorldName::WasiHttpProxy,
    ];

    /// The spelling used in `Component.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            WorldName::AirssysComponent => "airssys:core/component",
            WorldName::WasiCommand => "wasi:cli/command",
            WorldName::WasiHttpProxy => "wasi:http/proxy",
        }
    }
}

impl fmt::Display for WorldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `[build]` as written; `None` means "use the language default".
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BuildSection {
    /// Shell command that builds the component.
    pub command: Option<String>,
    /// Where the command leaves the component, relative to the project.
    pub output: Option<PathBuf>,
    /// Globs watched by `run --hot-reload`.
    pub watch: Option<Vec<String>>,
}

/// `[resources]` with defaults applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resources {
    /// Linear memory cap per instance, in bytes.
    pub max_memory_bytes: u64,
    /// Wall-clock budget per call, in milliseconds.
    pub max_execution_ms: u64,
    /// Optional instruction budget per call.
    pub max_fuel: Option<u64>,
    /// Concurrent instances of this component.
    pub max_instances: u32,
}

impl Resources {
    /// Smallest accepted memory cap: one wasm page.
    pub const MIN_MEMORY_BYTES: u64 = 64 * 1024;
    /// Largest accepted memory cap: the 32-bit address space.
    pub const MAX_MEMORY_BYTES: u64 = 4 * 1024 * 1024 * 1024;
    /// Largest accepted per-call time budget: one hour.
    pub const MAX_EXECUTION_MS: u64 = 3_600_000;
    /// Largest accepted concurrency cap.
    pub const MAX_INSTANCES: u32 = 10_000;
}

/// "No limit" for the wall clock of a program: ten years, far beyond any run,
/// yet small enough that a deadline computed from it never overflows.
pub const UNBOUNDED_EXECUTION_MS: u64 = 10 * 365 * 24 * 3600 * 1000;

impl Resources {
    /// The limits of a world whose manifest sets none. Request handlers
    /// (`airssys:core/component`, `wasi:http/proxy`) get per-call limits fit for
    /// serving ([`Resources::default`]); a `wasi:cli/command` program runs as
    /// under `wasmtime run`: no wall-clock limit, memory up to the 32-bit
    /// address space, no fuel budget. Whatever `[resources]` declares applies.
    pub fn for_world(world: WorldName) -> Self {
        match world {
            WorldName::WasiCommand => Resources {
                max_memory_bytes: Resources::MAX_MEMORY_BYTES,
                max_execution_ms: UNBOUNDED_EXECUTION_MS,
                ..Resources::default()
            },
            WorldName::AirssysComponent | WorldName::WasiHttpProxy => Resources::default(),
        }
    }
}

impl Default for Resources {
    /// The request handlers' limits: 16 MiB, 1 s per call, 16 instances.
    fn default() -> Self {
        Resources {
            max_memory_bytes: 16 * 1024 * 1024,
            max_execution_ms: 1000,
            max_fuel: None,
            max_instances: 16,
        }
    }
}

/// `[runtime]` with defaults applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RuntimeSection {
    /// How instances are managed between calls.
    pub instance_mode: InstanceMode,
}

/// Instance reuse policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InstanceMode {
    /// Instances are reused; `init` runs once per instance.
    #[default]
    Pooled,
    /// A fresh instance for every call.
    PerRequest,
}

impl InstanceMode {
    /// The spelling used in `Component.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceMode::Pooled => "pooled",
            InstanceMode::PerRequest => "per-request",
        }
    }
}

/// All grants. Each field empty / `None` means that capability is denied.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Permissions {
    /// Directory grants, read-only and read-write.
    pub filesystem: Vec<PathGrant>,
    /// `[permissions.filesystem] max_bytes` / `max_files`: what the writable
    /// grants may hold together.
    pub disk_quota: DiskQuota,
    /// Hosts the component may reach.
    pub network: Vec<HostPattern>,
    /// Environment variable names passed through from the host.
    pub environment: Vec<String>,
    /// Key-value storage, when granted.
    pub storage: Option<StorageGrant>,
    /// Components this one may call through `messaging`.
    pub messaging: Vec<String>,
    /// Capabilities defined by an embedding host (`[permissions.custom]`).
    pub custom: Vec<String>,
    /// `[permissions] deny`: capabilities the component imports but must never
    /// get (a language runtime imports them whether the code uses them or not).
    /// The static check accepts those imports; the runtime denies every use, as
    /// for any capability not granted.
    pub deny: Vec<Capability>,
}

impl Permissions {
    /// True when nothing at all is granted.
    pub fn is_empty(&self) -> bool {
        self.filesystem.is_empty()
            && self.network.is_empty()
            && self.environment.is_empty()
            && self.storage.is_none()
            && self.messaging.is_empty()
            && self.custom.is_empty()
    }
}

/// A capability gated by a `[permissions.*]` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capability {
    /// `wasi:filesystem/*`.
    Filesystem,
    /// `wasi:sockets/*` and `wasi:http/outgoing-handler`.
    Network,
    /// `wasi:cli/environment`: always importable, reveals only granted variables.
    Environment,
    /// `airssys:core/key-value`.
    Storage,
    /// `airssys:core/messaging`.
    Messaging,
}

impl Capability {
    /// Every capability, in the order reports list them.
    pub const ALL: [Capability; 5] = [
        Capability::Filesystem,
        Capability::Network,
        Capability::Environment,
        Capability::Storage,
        Capability::Messaging,
    ];

    /// Its name in `[permissions] deny` and in the `[permissions.<name>]` header.
    pub fn name(self) -> &'static str {
        match self {
            Capability::Filesystem => "filesystem",
            Capability::Network => "network",
            Capability::Environment => "environment",
            Capability::Storage => "storage",
            Capability::Messaging => "messaging",
        }
    }

    /// The manifest key that grants this capability, as a user would write it.
    pub fn grant_key(self) -> &'static str {
        match self {
            Capability::Filesystem => "[permissions.filesystem] readable_paths / writable_paths",
            Capability::Network => "[permissions.network] allowed_hosts",
            Capability::Environment => "[permissions.environment] variables",
            Capability::Storage => "[permissions.storage] key_value = true",
            Capability::Messaging => "[permissions.messaging] targets",
        }
    }

    /// What a user adds to the manifest to grant it.
    pub fn example(self) -> &'static str {
        match self {
            Capability::Filesystem => "[permissions.filesystem]\nreadable_paths = [\"data/**\"]",
            Capability::Network => "[permissions.network]\nallowed_hosts = [\"api.example.com\"]",
            Capability::Environment => "[permissions.environment]\nvariables = [\"LOG_LEVEL\"]",
            Capability::Storage => "[permissions.storage]\nkey_value = true",
            Capability::Messaging => "[permissions.messaging]\ntargets = [\"other-component\"]",
        }
    }

    /// Whether `permissions` grants this capability at all.
    pub fn is_granted(self, permissions: &Permissions) -> bool {
        match self {
            Capability::Filesystem => !permissions.filesystem.is_empty(),
            Capability::Network => !permissions.network.is_empty(),
            Capability::Environment => !permissions.environment.is_empty(),
            Capability::Storage => permissions.storage.is_some(),
            Capability::Messaging => !permissions.messaging.is_empty(),
        }
    }

    /// Whether importing it without a grant is allowed: it reveals nothing then.
    pub fn needs_grant(self) -> bool {
        self != Capability::Environment
    }
}

/// Whether a directory grant allows writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// `readable_paths`.
    ReadOnly,
    /// `writable_paths` (implies read).
    ReadWrite,
}

/// One directory the guest may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathGrant {
    /// The pattern exactly as written in the manifest (for messages).
    pub pattern: String,
    /// The normalised directory, without `**`, `.` or `..`: relative to the data root
    /// when [`PathGrant::relative`], absolute otherwise.
    pub dir: PathBuf,
    /// Whether `dir` is resolved against the data root.
    pub relative: bool,
    /// Read-only or read-write.
    pub access: Access,
}

impl PathGrant {
    /// Where the guest sees this directory: the grant rooted at `/`
    /// (`data/in/**` → `/data/in`, `/srv/x` → `/srv/x`).
    pub fn guest_path(&self) -> String {
        let mut out = String::new();
        for part in self.dir.components() {
            if let std::path::Component::Normal(p) = part {
                out.push('/');
                out.push_str(&p.to_string_lossy());
            }
        }
        if out.is_empty() { "/".into() } else { out }
    }

    /// The host directory for this grant given the data root in force
    /// (the project dir under `run`/`test`, `<state>/data/<name>` on a host).
    pub fn host_path(&self, data_root: &Path) -> PathBuf {
        if self.relative {
            data_root.join(&self.dir)
        } else {
            self.dir.clone()
        }
    }
}

/// One parsed entry of `allowed_hosts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    /// The entry exactly as written (for messages).
    pub pattern: String,
    /// What hosts it matches.
    pub host: HostMatch,
    /// The only port allowed, or any port when `None`.
    pub port: Option<u16>,
}

/// The host part of a [`HostPattern`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostMatch {
    /// One DNS name, lower-cased.
    Exact(String),
    /// `*.domain`: any name strictly under `domain` (lower-cased, without `*.`).
    Subdomains(String),
    /// One IP address.
    Ip(IpAddr),
}

impl HostPattern {
    /// Whether a connection to `host:port` is covered by this grant.
    /// `host` is a DNS name (any case) or an IP literal.
    pub fn matches(&self, host: &str, port: u16) -> bool {
        if self.port.is_some_and(|p| p != port) {
            return false;
        }
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        match &self.host {
            HostMatch::Exact(name) => *name == host,
            HostMatch::Subdomains(domain) => host
                .strip_suffix(domain.as_str())
                .is_some_and(|prefix| prefix.len() > 1 && prefix.ends_with('.')),
            HostMatch::Ip(ip) => host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .is_ok_and(|h| h == *ip),
        }
    }
}

/// A cap on what a component's writable grants hold together; `None` is no cap
/// of that kind (a host may apply its own default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DiskQuota {
    /// Bytes in regular files.
    pub max_bytes: Option<u64>,
    /// Entries (files, directories, links).
    pub max_files: Option<u64>,
}

impl DiskQuota {
    /// This quota, with `fallback`'s value for each cap this one leaves open.
    pub fn or(self, fallback: DiskQuota) -> DiskQuota {
        DiskQuota {
            max_bytes: self.max_bytes.or(fallback.max_bytes),
            max_files: self.max_files.or(fallback.max_files),
        }
    }

    /// Whether any cap is set.
    pub fn is_limited(&self) -> bool {
        self.max_bytes.is_some() || self.max_files.is_some()
    }
}

/// `[permissions.storage]` when `key_value = true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageGrant {
    /// Quota on the sum of key and value sizes.
    pub max_bytes: u64,
}

impl StorageGrant {
    /// Quota used when `max_bytes` is omitted: 1 MiB.
    pub const DEFAULT_MAX_BYTES: u64 = 1024 * 1024;
}
