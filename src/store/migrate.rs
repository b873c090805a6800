//! Opening the host's state database (`airssys.db`) and bringing its schema up to date.
//!
//! Migrations live in `migrations/NNNN_name.sql` at the top of the repository and are
//! embedded in the binary. The database's `PRAGMA user_version` holds the number of the
//! last migration applied; pending migrations run in order inside one `BEGIN IMMEDIATE`
//! transaction, so a crash leaves the schema either fully old or fully new, and two
//! processes opening the same file never apply a migration twice.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

/// One schema migration embedded in the binary.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// The `user_version` the database has once this migration is applied (1, 2, …).
    pub version: u32,
    /// The file name without extension, for messages.
    pub name: &'static str,
    /// The SQL, run as one batch.
    pub sql: &'static str,
}

/// Every migration, in order; `MIGRATIONS[i].version == i + 1`.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_initial",
        sql: include_str!("../../migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "0002_pipelines",
        sql: include_str!("../../migrations/0002_pipelines.sql"),
    },
];

/// How long a connection waits for another writer before giving up with `SQLITE_BUSY`.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The schema version this binary creates and understands.
pub fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Why the state database could not be opened or migrated.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The directory holding the database could not be created.
    #[error("could not create the state directory {path}: {source}")]
    CreateDir {
        /// The directory.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The database file could not be opened or created.
    #[error("could not open the state database {path}: {source}")]
    Open {
        /// The database file.
        path: String,
        /// The cause.
        source: rusqlite::Error,
    },
    /// Setting a connection pragma failed or did not take effect.
    #[error("could not set PRAGMA {pragma} on the state database: {reason}")]
    Pragma {
        /// The pragma.
        pragma: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// The database was written by a newer airssys-wasm.
    #[error(
        "the state database has schema version {found}, but this airssys-wasm only knows up to \
         version {supported}; upgrade airssys-wasm (or use the state directory of the newer one)"
    )]
    TooNew {
        /// `user_version` found in the file.
        found: u32,
        /// The newest version this binary knows.
        supported: u32,
    },
    /// A migration failed; the transaction was rolled back and the schema is unchanged.
    #[error("schema migration {name} (version {version}) failed: {source}")]
    Migration {
        /// The migration's file name.
        name: &'static str,
        /// Its version.
        version: u32,
        /// The cause.
        source: rusqlite::Error,
    },
    /// SQLite failed outside any particular migration.
    #[error("state database {context} failed: {source}")]
    Sqlite {
        /// What was being done.
        context: &'static str,
        /// The cause.
        source: rusqlite::Error,
    },
}

fn sql(context: &'static str) -> impl FnOnce(rusqlite::Error) -> MigrateError {
    move |source| MigrateError::Sqlite { context, source }
}

/// Opens (creating the file and its parent directory if needed) the database at `path`,
/// configures the connection and applies pending migrations.
pub fn open(path: &Path) -> Result<Connection, MigrateError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| MigrateError::CreateDir {
            path: parent.display().to_string(),
            source,
        })?;
    }
    let mut conn = Connection::open(path).map_err(|source| MigrateError::Open {
        path: path.display().to_string(),
        source,
    })?;
    configure(&conn)?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// Sets the per-connection pragmas: WAL journal, `synchronous = FULL` (a commit is on
/// disk before it returns, so acknowledged changes survive power loss), foreign keys on,
/// and a busy timeout.
pub fn configure(conn: &Connection) -> Result<(), MigrateError> {
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| MigrateError::Pragma {
            pragma: "busy_timeout",
            reason: e.to_string(),
        })?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(|e| MigrateError::Pragma {
            pragma: "journal_mode",
            reason: e.to_string(),
        })?;
    // An in-memory database reports "memory"; it has no journal to survive anything.
    if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
        return Err(MigrateError::Pragma {
            pragma: "journal_mode",
            reason: format!("SQLite kept journal_mode = {mode} instead of WAL"),
        });
    }
    for (pragma, value) in [("synchronous", "FULL"), ("foreign_keys", "ON")] {
        conn.pragma_update(None, pragma, value)
            .map_err(|e| MigrateError::Pragma {
                pragma,
                reason: e.to_string(),
            })?;
    }
    let fk: bool = conn
        .pragma_query_value(None, "foreign_keys", |row| row.get(0))
        .map_err(sql("reading foreign_keys"))?;
    if !fk {
        return Err(MigrateError::Pragma {
            pragma: "foreign_keys",
            reason: "this SQLite build does not enforce foreign keys".into(),
        });
    }
    Ok(())
}

/// The schema version recorded in the database (`PRAGMA user_version`).
pub fn schema_version(conn: &Connection) -> Result<u32, MigrateError> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(sql("reading user_version"))
}

/// Applies every migration newer than the database's `user_version`, in order, in one
/// transaction. Returns how many were applied (0 when already up to date).
pub fn migrate(conn: &mut Connection) -> Result<usize, MigrateError> {
    migrate_with(conn, MIGRATIONS)
}

fn migrate_with(conn: &mut Connection, migrations: &[Migration]) -> Result<usize, MigrateError> {
    let supported = migrations.last().map_or(0, |m| m.version);
    // Fast path without the write lock, so opening never waits for another writer
    // once the schema is current.
    let current = schema_version(conn)?;
    if current > supported {
        return Err(MigrateError::TooNew {
            found: current,
            supported,
        });
    }
    if current == supported {
        return Ok(0);
    }
    // IMMEDIATE takes the write lock before reading user_version, so a concurrent
    // opener waits for us and then sees the migrated schema.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql("starting the migration transaction"))?;
    let found = schema_version(&tx)?;
    if found > supported {
        return Err(MigrateError::TooNew { found, supported });
    }
    let mut applied = 0;
    for m in migrations.iter().filter(|m| m.version > found) {
        let fail = |source| MigrateError::Migration {
            name: m.name,
            version: m.version,
            source,
        };
        tx.execute_batch(m.sql).map_err(fail)?;
        // user_version lives in the database header and is part of the transaction.
        tx.pragma_update(None, "user_version", m.version)
            .map_err(fail)?;
        applied += 1;
    }
    tx.commit().map_err(sql("committing migrations"))?;
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1, "{}", m.name);
            assert!(
                m.name.starts_with(&format!("{:04}_", m.version)),
                "{}",
                m.name
            );
        }
    }

    #[test]
    fn open_configures_and_migrates_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/airssys.db");
        let mut conn = open(&path).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), latest_version());
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = conn
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "synchronous = FULL");
        // Idempotent: nothing left to apply, on this connection or a new one.
        assert_eq!(migrate(&mut conn).unwrap(), 0);
        drop(conn);
        let conn = open(&path).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), latest_version());
    }

    #[test]
    fn newer_schema_is_refused_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("airssys.db");
        let conn = open(&path).unwrap();
        conn.pragma_update(None, "user_version", latest_version() + 1)
            .unwrap();
        drop(conn);
        let err = open(&path).unwrap_err();
        assert!(
            matches!(err, MigrateError::TooNew { found, supported } if found == supported + 1),
            "{err}"
        );
        assert!(err.to_string().contains("upgrade airssys-wasm"), "{err}");
    }

    #[test]
    fn failed_migration_rolls_back_entirely() {
        let mut conn = Connection::open_in_memory().unwrap();
        configure(&conn).unwrap();
        let broken = [
            MIGRATIONS[0],
            Migration {
                version: 2,
                name: "0002_broken",
                sql: "CREATE TABLE t2 (x); THIS IS NOT SQL;",
            },
        ];
        let err = migrate_with(&mut conn, &broken).unwrap_err();
        assert!(
            matches!(err, MigrateError::Migration { version: 2, .. }),
            "{err}"
        );
        assert_eq!(schema_version(&conn).unwrap(), 0, "nothing applied");
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 0, "not even migration 1");
        // Applying step by step works and is resumable.
        assert_eq!(migrate_with(&mut conn, &MIGRATIONS[..1]).unwrap(), 1);
        assert_eq!(schema_version(&conn).unwrap(), 1);
    }
}
