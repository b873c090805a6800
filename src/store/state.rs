//! The host's durable state (`airssys.db`): immutable component versions, deployments
//! (active version, previous version for rollback, canary split) and the audit log.
//!
//! Every mutating method runs in one `BEGIN IMMEDIATE` transaction that also appends
//! its audit entry, so the state and the log never disagree, and a crash before the
//! commit leaves no trace of the change. The actions recorded are:
//!
//! - [`StateDb::add_version`]: `deploy` (nothing when the same bytes are re-added);
//! - [`StateDb::set_active`]: `promote` when it activates the canary's version,
//!   `rollback` when it activates the previous version, else `update`;
//! - [`StateDb::set_canary`]: `update` (start or change), `abort` (with `None`);
//! - [`StateDb::undeploy`]: `undeploy`; [`StateDb::delete_version`]: `delete-version`;
//! - [`StateDb::record_event`]: `permission-denied`, `trap`, `auth-failure`,
//!   `pipeline-failure`.
//!
//! A call that changes nothing (re-activating the active version, …) records nothing.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::audit::{self, AuditAction, AuditEntry, AuditError, NewAuditEntry, VerifyReport};
use super::migrate::{self, MigrateError};

mod deployments;
#[cfg(test)]
mod tests;
mod versions;

pub use deployments::{Canary, Deployment};
pub use versions::{AddOutcome, NewVersion, VersionKind, VersionRecord};
use versions::{parse_version, require_version};

/// The database's file name inside the state directory.
pub const DB_FILE: &str = "airssys.db";

/// Why a state operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The cluster's NATS JetStream store failed or is unreachable.
    #[error("cluster state: {context}: {message}")]
    Cluster {
        /// What was being done.
        context: &'static str,
        /// The cause.
        message: String,
    },
    /// The database could not be opened or migrated.
    #[error("could not open the state database {path}: {source}")]
    Open {
        /// The database file.
        path: String,
        /// The cause.
        source: MigrateError,
    },
    /// Not a semantic version.
    #[error("invalid version {version:?}: {source}")]
    InvalidVersion {
        /// What was given.
        version: String,
        /// The parse error.
        source: semver::Error,
    },
    /// Not 64 lowercase hex characters.
    #[error("invalid sha256 digest {sha256:?}")]
    InvalidDigest {
        /// What was given.
        sha256: String,
    },
    /// The version exists with other bytes; versions are immutable.
    #[error(
        "{name}@{version} already exists with sha256:{existing_sha}, refusing sha256:{new_sha}: \
         versions are immutable, publish a new version number"
    )]
    VersionConflict {
        /// Component name.
        name: String,
        /// The version.
        version: String,
        /// Digest already stored.
        existing_sha: String,
        /// Digest offered.
        new_sha: String,
    },
    /// No such version of the component.
    #[error("{name}@{version} has not been uploaded")]
    UnknownVersion {
        /// Component name.
        name: String,
        /// The version.
        version: String,
    },
    /// The component has never been deployed.
    #[error("no deployment named {name}")]
    UnknownDeployment {
        /// Component name.
        name: String,
    },
    /// The version serves traffic and cannot be deleted.
    #[error("cannot delete {name}@{version}: it is the {role} version")]
    VersionInUse {
        /// Component name.
        name: String,
        /// The version.
        version: String,
        /// `active` or `canary`.
        role: &'static str,
    },
    /// The version is part of a stored pipeline version and cannot be deleted.
    #[error("cannot delete {name}@{version}: pipeline {pipeline} runs it")]
    PinnedByPipeline {
        /// Component name.
        name: String,
        /// The version.
        version: String,
        /// The pipeline version (`name@version`) that pins it.
        pipeline: String,
    },
    /// The name belongs to a component and a pipeline was offered, or the
    /// reverse: components and pipelines share one namespace.
    #[error("{name} is a {existing} on this host; a {offered} cannot use its name")]
    KindConflict {
        /// The name.
        name: String,
        /// What it is.
        existing: VersionKind,
        /// What was offered.
        offered: VersionKind,
    },
    /// The canary settings are not acceptable.
    #[error("invalid canary for {name}: {reason}")]
    InvalidCanary {
        /// Component name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// [`StateDb::record_event`] only takes events, not state changes.
    #[error("`{action}` is recorded by the state change itself, not as an event")]
    NotAnEvent {
        /// The action given.
        action: AuditAction,
    },
    /// SQLite failed.
    #[error("state database: {context} failed: {source}")]
    Sqlite {
        /// What was being done.
        context: &'static str,
        /// The cause.
        source: rusqlite::Error,
    },
    /// Writing or reading the audit log failed.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

fn sql(context: &'static str) -> impl FnOnce(rusqlite::Error) -> StateError {
    move |source| StateError::Sqlite { context, source }
}

/// The state database: one connection behind a mutex.
#[derive(Debug)]
pub struct StateDb {
    conn: Mutex<Connection>,
}

impl StateDb {
    /// Opens (creating and migrating if needed) the database file at `path`.
    pub fn open(path: &Path) -> Result<Self, StateError> {
        let conn = migrate::open(path).map_err(|source| StateError::Open {
            path: path.display().to_string(),
            source,
        })?;
        Ok(StateDb {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // Every change is one SQLite transaction, rolled back if a panic drops it, so
        // a poisoned lock guards a consistent database.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` in an immediate transaction, committed only when it returns `Ok`.
    fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, StateError>,
    ) -> Result<T, StateError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql("starting a transaction"))?;
        let value = f(&tx)?;
        tx.commit().map_err(sql("committing"))?;
        Ok(value)
    }

    /// Records a runtime event (`permission-denied`, `trap`, `auth-failure`,
    /// `pipeline-failure`).
    pub fn record_event(&self, event: NewAuditEntry<'_>) -> Result<AuditEntry, StateError> {
        use AuditAction::{AuthFailure, PermissionDenied, PipelineFailure, Trap};
        if !matches!(
            event.action,
            PermissionDenied | Trap | AuthFailure | PipelineFailure
        ) {
            return Err(StateError::NotAnEvent {
                action: event.action,
            });
        }
        self.write(|tx| Ok(audit::append(tx, event)?))
    }

    /// The last `limit` audit entries (of `component` when given), oldest first.
    pub fn audit_log(
        &self,
        component: Option<&str>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StateError> {
        Ok(audit::list(&self.conn(), component, limit)?)
    }

    /// Checks the audit chain; see [`audit::verify`].
    pub fn verify_audit(&self) -> Result<VerifyReport, StateError> {
        Ok(audit::verify(&self.conn())?)
    }
}
