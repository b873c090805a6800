//! Immutable component versions. Part of [`StateDb`]; see the table of audit actions
//! in [`super`].

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use serde_json::json;

use super::deployments::get_deployment;
use super::{StateDb, StateError, sql};
use crate::store::audit::{self, AuditAction, NewAuditEntry, now_ms};
use crate::store::blobs::is_sha256_hex;

/// A version to store with [`StateDb::add_version`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVersion {
    /// Component name.
    pub name: String,
    /// Semantic version.
    pub version: String,
    /// Digest of the component's bytes (already in the blob store).
    pub sha256: String,
    /// Size of the component in bytes.
    pub size: u64,
    /// The component's `Component.toml`.
    pub manifest_toml: String,
    /// Who uploaded it; also the audit actor.
    pub deployed_by: String,
}

/// What [`StateDb::add_version`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddOutcome {
    /// The version is new and was stored.
    Added,
    /// The same name, version and digest were already stored: nothing changed.
    AlreadyPresent,
}

/// A stored version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionRecord {
    /// Component name.
    pub name: String,
    /// Semantic version.
    pub version: String,
    /// Digest of the bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// The component's `Component.toml`.
    pub manifest_toml: String,
    /// Who uploaded it.
    pub deployed_by: String,
    /// When, unix milliseconds.
    pub deployed_at: u64,
}

const VERSION_COLS: &str =
    "name, version, sha256, size, manifest_toml, deployed_by, deployed_at FROM versions";

fn version_row(r: &Row<'_>) -> rusqlite::Result<VersionRecord> {
    Ok(VersionRecord {
        name: r.get(0)?,
        version: r.get(1)?,
        sha256: r.get(2)?,
        size: r.get(3)?,
        manifest_toml: r.get(4)?,
        deployed_by: r.get(5)?,
        deployed_at: r.get(6)?,
    })
}

pub(super) fn parse_version(version: &str) -> Result<String, StateError> {
    semver::Version::parse(version)
        .map(|v| v.to_string())
        .map_err(|source| StateError::InvalidVersion {
            version: version.to_string(),
            source,
        })
}

fn get_version(
    c: &Connection,
    name: &str,
    version: &str,
) -> Result<Option<VersionRecord>, StateError> {
    c.query_row(
        &format!("SELECT {VERSION_COLS} WHERE name = ?1 AND version = ?2"),
        params![name, version],
        version_row,
    )
    .optional()
    .map_err(sql("reading a version"))
}

pub(super) fn require_version(
    c: &Connection,
    name: &str,
    version: &str,
) -> Result<VersionRecord, StateError> {
    get_version(c, name, version)?.ok_or_else(|| StateError::UnknownVersion {
        name: name.to_string(),
        version: version.to_string(),
    })
}

impl StateDb {
    /// Stores a new immutable version. The same name, version and digest again is a
    /// no-op; the same name and version with another digest is a
    /// [`StateError::VersionConflict`].
    pub fn add_version(&self, new: &NewVersion) -> Result<AddOutcome, StateError> {
        let version = parse_version(&new.version)?;
        if !is_sha256_hex(&new.sha256) {
            return Err(StateError::InvalidDigest {
                sha256: new.sha256.clone(),
            });
        }
        self.write(|tx| {
            if let Some(existing) = get_version(tx, &new.name, &version)? {
                if existing.sha256 == new.sha256 {
                    return Ok(AddOutcome::AlreadyPresent);
                }
                return Err(StateError::VersionConflict {
                    name: new.name.clone(),
                    version,
                    existing_sha: existing.sha256,
                    new_sha: new.sha256.clone(),
                });
            }
            tx.execute(
                "INSERT INTO versions
                    (name, version, sha256, size, manifest_toml, deployed_by, deployed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    new.name,
                    version,
                    new.sha256,
                    new.size,
                    new.manifest_toml,
                    new.deployed_by,
                    now_ms()
                ],
            )
            .map_err(sql("storing a version"))?;
            let detail = json!({ "sha256": new.sha256, "size": new.size });
            audit::append(
                tx,
                NewAuditEntry {
                    actor: &new.deployed_by,
                    action: AuditAction::Deploy,
                    component: Some(&new.name),
                    version: Some(&version),
                    detail,
                },
            )?;
            Ok(AddOutcome::Added)
        })
    }

    /// Every version of `name`, oldest upload first.
    pub fn versions(&self, name: &str) -> Result<Vec<VersionRecord>, StateError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {VERSION_COLS} WHERE name = ?1 ORDER BY deployed_at, id"
            ))
            .map_err(sql("listing versions"))?;
        let rows = stmt
            .query_map([name], version_row)
            .map_err(sql("listing versions"))?;
        rows.collect::<Result<_, _>>()
            .map_err(sql("listing versions"))
    }

    /// One version of `name`.
    pub fn version(&self, name: &str, version: &str) -> Result<Option<VersionRecord>, StateError> {
        get_version(&self.conn(), name, &parse_version(version)?)
    }

    /// True when some stored version (of any component) uses blob `sha256`.
    pub fn blob_in_use(&self, sha256: &str) -> Result<bool, StateError> {
        self.conn()
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM versions WHERE sha256 = ?1)",
                [sha256],
                |r| r.get(0),
            )
            .map_err(sql("looking up a blob"))
    }

    /// Deletes a version that is neither active nor the canary (clearing the rollback
    /// pointer if it was the previous version) and returns what was deleted.
    pub fn delete_version(
        &self,
        name: &str,
        version: &str,
        actor: &str,
    ) -> Result<VersionRecord, StateError> {
        let version = parse_version(version)?;
        self.write(|tx| {
            let record = require_version(tx, name, &version)?;
            if let Some(d) = get_deployment(tx, name)? {
                let role = if d.active_version.as_deref() == Some(&version) {
                    Some("active")
                } else if d.canary.is_some_and(|c| c.version == version) {
                    Some("canary")
                } else {
                    None
                };
                if let Some(role) = role {
                    return Err(StateError::VersionInUse {
                        name: name.to_string(),
                        version,
                        role,
                    });
                }
            }
            tx.execute(
                "UPDATE deployments SET previous_version = NULL
                 WHERE name = ?1 AND previous_version = ?2",
                params![name, version],
            )
            .map_err(sql("clearing the rollback target"))?;
            tx.execute(
                "DELETE FROM versions WHERE name = ?1 AND version = ?2",
                params![name, version],
            )
            .map_err(sql("deleting a version"))?;
            let detail = json!({ "sha256": record.sha256 });
            audit::append(
                tx,
                NewAuditEntry {
                    actor,
                    action: AuditAction::DeleteVersion,
                    component: Some(name),
                    version: Some(&version),
                    detail,
                },
            )?;
            Ok(record)
        })
    }
}
