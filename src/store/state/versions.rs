//! Immutable component versions. Part of [`StateDb`]; see the table of audit actions
//! in [`super`].

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::deployments::get_deployment;
use super::{StateDb, StateError, sql};
use crate::store::audit::{self, AuditAction, NewAuditEntry, now_ms};
use crate::store::rules;

/// What a stored version is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VersionKind {
    /// A component: its blob is the `.wasm`, its text the `Component.toml`.
    #[default]
    Component,
    /// A pipeline: its blob is the canonical pipeline document, its text the
    /// `Pipeline.toml` it was deployed from.
    Pipeline,
}

impl VersionKind {
    /// The spelling in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            VersionKind::Component => "component",
            VersionKind::Pipeline => "pipeline",
        }
    }

    fn parse(text: &str) -> Self {
        if text == "pipeline" {
            VersionKind::Pipeline
        } else {
            VersionKind::Component
        }
    }
}

impl std::fmt::Display for VersionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A version to store with [`StateDb::add_version`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
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
    /// A component or a pipeline.
    pub kind: VersionKind,
    /// For a pipeline: the component versions (`name`, `version`) it runs,
    /// each of which must be stored already.
    pub pins: Vec<(String, String)>,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// A component or a pipeline.
    pub kind: VersionKind,
}

const VERSION_COLS: &str =
    "name, version, sha256, size, manifest_toml, deployed_by, deployed_at, kind FROM versions";

fn version_row(r: &Row<'_>) -> rusqlite::Result<VersionRecord> {
    Ok(VersionRecord {
        name: r.get(0)?,
        version: r.get(1)?,
        sha256: r.get(2)?,
        size: r.get(3)?,
        manifest_toml: r.get(4)?,
        deployed_by: r.get(5)?,
        deployed_at: r.get(6)?,
        kind: VersionKind::parse(&r.get::<_, String>(7)?),
    })
}

/// The kind of the versions already stored under `name`, if any.
fn kind_of(c: &Connection, name: &str) -> Result<Option<VersionKind>, StateError> {
    c.query_row(
        "SELECT kind FROM versions WHERE name = ?1 LIMIT 1",
        [name],
        |r| r.get::<_, String>(0),
    )
    .optional()
    .map(|k| k.map(|k| VersionKind::parse(&k)))
    .map_err(sql("reading a version's kind"))
}

pub(super) use rules::parse_version;

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
        self.write(|tx| {
            let existing = get_version(tx, &new.name, &version)?;
            if !rules::accept_version(new, &version, existing.as_ref(), kind_of(tx, &new.name)?)? {
                return Ok(AddOutcome::AlreadyPresent);
            }
            tx.execute(
                "INSERT INTO versions
                    (name, version, sha256, size, manifest_toml, deployed_by, deployed_at, kind)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    new.name,
                    version,
                    new.sha256,
                    new.size,
                    new.manifest_toml,
                    new.deployed_by,
                    now_ms(),
                    new.kind.as_str(),
                ],
            )
            .map_err(sql("storing a version"))?;
            for (component, component_version) in &new.pins {
                let pinned = require_version(tx, component, &parse_version(component_version)?)?;
                tx.execute(
                    "INSERT OR IGNORE INTO pipeline_pins
                        (pipeline, pipeline_version, component, component_version)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![new.name, version, pinned.name, pinned.version],
                )
                .map_err(sql("storing a pipeline's pins"))?;
            }
            let detail = rules::version_detail(new);
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

    /// Every version of every name, by name then upload order.
    pub fn all_versions(&self) -> Result<Vec<VersionRecord>, StateError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {VERSION_COLS} ORDER BY name, deployed_at, id"
            ))
            .map_err(sql("listing versions"))?;
        let rows = stmt
            .query_map([], version_row)
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
            let pinned_by: Option<String> = tx
                .query_row(
                    "SELECT pipeline || '@' || pipeline_version FROM pipeline_pins
                     WHERE component = ?1 AND component_version = ?2 LIMIT 1",
                    params![name, version],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql("looking up pipeline pins"))?;
            if let Some(pipeline) = pinned_by {
                return Err(StateError::PinnedByPipeline {
                    name: name.to_string(),
                    version,
                    pipeline,
                });
            }
            tx.execute(
                "DELETE FROM pipeline_pins WHERE pipeline = ?1 AND pipeline_version = ?2",
                params![name, version],
            )
            .map_err(sql("deleting a pipeline's pins"))?;
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
