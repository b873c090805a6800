//! Persistent state kept by the host for components: the key-value store behind
//! `airssys:core/key-value`, and the deployment host's state behind one
//! interface ([`StateBackend`], [`BlobBackend`]): by default the state directory
//! (`airssys.db` with versions, deployments and the audit log; content-addressed
//! blobs).

pub mod audit;
pub mod backend;
pub mod blobs;
pub mod jetstream;
mod kv;
pub mod migrate;
pub mod rules;
pub mod state;

pub use audit::{
    AuditAction, AuditEntry, AuditError, BrokenLink, BrokenReason, NewAuditEntry, VerifyReport,
};
pub use backend::{BlobBackend, StateBackend};
pub use blobs::{BlobError, BlobStore};
pub use kv::{KvError, KvStore};
pub use migrate::MigrateError;
pub use state::{
    AddOutcome, Canary, DB_FILE, Deployment, NewVersion, StateDb, StateError, VersionKind,
    VersionRecord,
};
