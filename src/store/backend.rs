//! The one interface between the host and where its state lives: versions,
//! deployments (with their canaries), the audit log, and component bytes. The
//! host service talks only to these traits; the embedded SQLite database and
//! blob directory ([`StateDb`], [`BlobStore`]) are the default implementation.
//!
//! Each operation that changes a deployment or stores a version writes its
//! audit entry as part of the same change: an implementation must make the two
//! land together or not at all, and keep the audit log one hash chain.

use super::audit::{AuditEntry, NewAuditEntry, VerifyReport};
use super::blobs::{BlobError, BlobStore};
use super::state::{
    AddOutcome, Canary, Deployment, NewVersion, StateDb, StateError, VersionRecord,
};

/// Versions, deployments and the audit log.
pub trait StateBackend: Send + Sync {
    /// Stores a new immutable version (audited as `deploy`). The same name,
    /// version and digest again is a no-op; another digest is a conflict.
    fn add_version(&self, new: &NewVersion) -> Result<AddOutcome, StateError>;
    /// One version of `name`.
    fn version(&self, name: &str, version: &str) -> Result<Option<VersionRecord>, StateError>;
    /// Every version of `name`, oldest upload first.
    fn versions(&self, name: &str) -> Result<Vec<VersionRecord>, StateError>;
    /// Every version of every name, by name then upload order.
    fn all_versions(&self) -> Result<Vec<VersionRecord>, StateError>;
    /// The deployment of `name`, if it was ever deployed.
    fn deployment(&self, name: &str) -> Result<Option<Deployment>, StateError>;
    /// Every deployment (undeployed ones included), by name.
    fn deployments(&self) -> Result<Vec<Deployment>, StateError>;
    /// Makes `version` the one serving `name` (an update, a promotion or a
    /// rollback, audited as such).
    fn set_active(&self, name: &str, version: &str, actor: &str) -> Result<Deployment, StateError>;
    /// Starts, changes (`Some`) or aborts (`None`) the canary of `name`, with
    /// the reason recorded in the audit entry.
    fn set_canary_because(
        &self,
        name: &str,
        canary: Option<Canary>,
        actor: &str,
        reason: Option<&str>,
    ) -> Result<Deployment, StateError>;
    /// [`StateBackend::set_canary_because`] without a reason.
    fn set_canary(
        &self,
        name: &str,
        canary: Option<Canary>,
        actor: &str,
    ) -> Result<Deployment, StateError> {
        self.set_canary_because(name, canary, actor, None)
    }
    /// Stops serving `name`; its versions stay.
    fn undeploy(&self, name: &str, actor: &str) -> Result<Deployment, StateError>;
    /// Records a runtime event (permission denied, trap, failed
    /// authentication, failed pipeline run).
    fn record_event(&self, event: NewAuditEntry<'_>) -> Result<AuditEntry, StateError>;
    /// The last `limit` audit entries (of `component` when given), oldest first.
    fn audit_log(
        &self,
        component: Option<&str>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StateError>;
    /// Checks the audit log's hash chain.
    fn verify_audit(&self) -> Result<VerifyReport, StateError>;
}

/// Component (and pipeline) bytes, addressed by their sha256.
pub trait BlobBackend: Send + Sync {
    /// Stores `bytes` and returns their sha256 (hex).
    fn put(&self, bytes: &[u8]) -> Result<String, BlobError>;
    /// The bytes whose sha256 is `sha256`, checked against it.
    fn get(&self, sha256: &str) -> Result<Vec<u8>, BlobError>;
}

impl StateBackend for StateDb {
    fn add_version(&self, new: &NewVersion) -> Result<AddOutcome, StateError> {
        StateDb::add_version(self, new)
    }
    fn version(&self, name: &str, version: &str) -> Result<Option<VersionRecord>, StateError> {
        StateDb::version(self, name, version)
    }
    fn versions(&self, name: &str) -> Result<Vec<VersionRecord>, StateError> {
        StateDb::versions(self, name)
    }
    fn all_versions(&self) -> Result<Vec<VersionRecord>, StateError> {
        StateDb::all_versions(self)
    }
    fn deployment(&self, name: &str) -> Result<Option<Deployment>, StateError> {
        StateDb::deployment(self, name)
    }
    fn deployments(&self) -> Result<Vec<Deployment>, StateError> {
        StateDb::deployments(self)
    }
    fn set_active(&self, name: &str, version: &str, actor: &str) -> Result<Deployment, StateError> {
        StateDb::set_active(self, name, version, actor)
    }
    fn set_canary_because(
        &self,
        name: &str,
        canary: Option<Canary>,
        actor: &str,
        reason: Option<&str>,
    ) -> Result<Deployment, StateError> {
        StateDb::set_canary_because(self, name, canary, actor, reason)
    }
    fn undeploy(&self, name: &str, actor: &str) -> Result<Deployment, StateError> {
        StateDb::undeploy(self, name, actor)
    }
    fn record_event(&self, event: NewAuditEntry<'_>) -> Result<AuditEntry, StateError> {
        StateDb::record_event(self, event)
    }
    fn audit_log(
        &self,
        component: Option<&str>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StateError> {
        StateDb::audit_log(self, component, limit)
    }
    fn verify_audit(&self) -> Result<VerifyReport, StateError> {
        StateDb::verify_audit(self)
    }
}

impl BlobBackend for BlobStore {
    fn put(&self, bytes: &[u8]) -> Result<String, BlobError> {
        BlobStore::put(self, bytes)
    }
    fn get(&self, sha256: &str) -> Result<Vec<u8>, BlobError> {
        BlobStore::get(self, sha256)
    }
}
