//! Capabilities: what a component may touch, derived from its manifest's grants.
//!
//! The static side checks a component's imports against its grants before it runs
//! ([`check_capabilities`]); the runtime side builds each instance's WASI context
//! from the same grants ([`build_wasi_ctx`]), reports every filesystem denial
//! ([`add_filesystem`]) and enforces network grants on every lookup and
//! connection ([`NetworkPolicy`]).

mod capabilities;
mod disk_quota;
mod disk_writes;
mod filesystem;
mod fs_denials;
mod grant_dirs;
mod http;
mod name_lookup;
mod network;
mod wasi_ctx;

pub use capabilities::{Capability, check_capabilities, required_capability};
pub use disk_quota::{DiskQuotaExceeded, DiskUsage, QuotaStream};
pub use filesystem::{GuestPaths, TrackedPath, add_filesystem};
pub use grant_dirs::{CreateMissing, open_grants, writable_grant_over};
pub use http::HttpPolicy;
pub use name_lookup::add_filtered_name_lookup;
pub use network::{NetworkPolicy, SocketUse};
pub use wasi_ctx::{SandboxError, Stdio, build_wasi_ctx};
