//! The key-value store behind `airssys:core/key-value`: SQLite, one namespace per
//! component, with a byte quota (keys plus values) per namespace.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};

/// Why a key-value operation failed.
#[derive(Debug, thiserror::Error)]
pub enum KvError {
    /// The write would take the namespace past its quota.
    #[error(
        "key-value quota exceeded: storing {requested} more bytes would use {would_use} of max_bytes = {max_bytes}"
    )]
    Quota {
        /// Bytes the write adds (key + value, minus what it replaces).
        requested: u64,
        /// Total the namespace would use.
        would_use: u64,
        /// The quota.
        max_bytes: u64,
    },
    /// SQLite failed.
    #[error("key-value storage failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database file could not be created.
    #[error("could not open the key-value store at {path}: {source}")]
    Open {
        /// The database file.
        path: String,
        /// The cause.
        source: rusqlite::Error,
    },
}

/// A SQLite-backed store shared by every component of a runtime.
#[derive(Debug)]
pub struct KvStore {
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS kv (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (namespace, key)
) WITHOUT ROWID;
";

impl KvStore {
    /// Opens (creating if needed) the store in `path`.
    pub fn open(path: &Path) -> Result<Self, KvError> {
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let conn = Connection::open(path).map_err(|source| KvError::Open {
            path: path.display().to_string(),
            source,
        })?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Ok(KvStore {
            conn: Mutex::new(conn),
        })
    }

    /// A store that lives only as long as this value (tests, `airssys-wasm test`).
    pub fn in_memory() -> Result<Self, KvError> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch(SCHEMA)?;
        Ok(KvStore {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (each
        // statement is atomic), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The value of `key` in `namespace`.
    pub fn get(&self, namespace: &str, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT value FROM kv WHERE namespace = ?1 AND key = ?2",
                params![namespace, key],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// Stores `value` under `key`, refusing writes that would exceed `max_bytes`
    /// (the sum of key and value lengths in the namespace).
    pub fn set(
        &self,
        namespace: &str,
        key: &str,
        value: &[u8],
        max_bytes: u64,
    ) -> Result<(), KvError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let used: u64 = tx.query_row(
            "SELECT COALESCE(SUM(LENGTH(CAST(key AS BLOB)) + LENGTH(value)), 0) FROM kv WHERE namespace = ?1",
            params![namespace],
            |row| row.get(0),
        )?;
        let replaced: u64 = tx
            .query_row(
                "SELECT LENGTH(CAST(key AS BLOB)) + LENGTH(value) FROM kv WHERE namespace = ?1 AND key = ?2",
                params![namespace, key],
                |row| row.get(0),
            )
            .optional()?
            .unwrap_or(0);
        let entry = (key.len() + value.len()) as u64;
        let would_use = used - replaced + entry;
        if would_use > max_bytes {
            return Err(KvError::Quota {
                requested: entry.saturating_sub(replaced),
                would_use,
                max_bytes,
            });
        }
        tx.execute(
            "INSERT INTO kv (namespace, key, value) VALUES (?1, ?2, ?3)
             ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value",
            params![namespace, key, value],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Removes `key`; true when it existed.
    pub fn delete(&self, namespace: &str, key: &str) -> Result<bool, KvError> {
        let removed = self.conn().execute(
            "DELETE FROM kv WHERE namespace = ?1 AND key = ?2",
            params![namespace, key],
        )?;
        Ok(removed > 0)
    }

    /// Keys of `namespace` starting with `prefix`, sorted.
    pub fn list_keys(&self, namespace: &str, prefix: &str) -> Result<Vec<String>, KvError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT key FROM kv WHERE namespace = ?1 AND substr(key, 1, length(?2)) = ?2 ORDER BY key",
        )?;
        let keys = stmt
            .query_map(params![namespace, prefix], |row| row.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(keys)
    }

    /// Bytes used by `namespace`.
    pub fn usage(&self, namespace: &str) -> Result<u64, KvError> {
        Ok(self.conn().query_row(
            "SELECT COALESCE(SUM(LENGTH(CAST(key AS BLOB)) + LENGTH(value)), 0) FROM kv WHERE namespace = ?1",
            params![namespace],
            |row| row.get(0),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_are_private_and_quota_counts_keys_and_values() {
        let kv = KvStore::in_memory().unwrap();
        kv.set("a", "k", b"12345", 100).unwrap();
        assert_eq!(kv.get("a", "k").unwrap().as_deref(), Some(&b"12345"[..]));
        assert_eq!(
            kv.get("b", "k").unwrap(),
            None,
            "other namespace sees nothing"
        );
        assert_eq!(kv.usage("a").unwrap(), 6);
        // Replacing a value counts only the difference.
        kv.set("a", "k", b"1234567890", 11).unwrap();
        let err = kv.set("a", "k2", b"x", 11).unwrap_err();
        assert!(matches!(err, KvError::Quota { would_use: 14, .. }), "{err}");
        assert!(kv.delete("a", "k").unwrap());
        assert!(!kv.delete("a", "k").unwrap());
        kv.set("a", "p/1", b"", 100).unwrap();
        kv.set("a", "p/2", b"", 100).unwrap();
        kv.set("a", "q", b"", 100).unwrap();
        assert_eq!(kv.list_keys("a", "p/").unwrap(), ["p/1", "p/2"]);
        assert_eq!(
            kv.list_keys("a", "%").unwrap(),
            Vec::<String>::new(),
            "no LIKE wildcards"
        );
    }
}
