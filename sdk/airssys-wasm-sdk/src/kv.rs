//! The component's private, persistent key-value store (`airssys:core/key-value`).
//!
//! Needs `[permissions.storage] key_value = true` in `Component.toml`; without it
//! every call fails with `permission-denied`. Typed values are stored as JSON, so
//! other languages and `airssys-wasm` tooling can read them; the `_bytes`
//! functions store raw bytes.
//!
//! ```no_run
//! use airssys_wasm_sdk::{kv, Result};
//!
//! fn count_visit(user: &str) -> Result<u64> {
//!     let key = format!("visits/{user}");
//!     let visits = kv::get::<u64>(&key)?.unwrap_or(0) + 1;
//!     kv::set(&key, &visits)?;
//!     Ok(visits)
//! }
//! ```

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{host, Error, Result};

/// The value under `key`, parsed from JSON; `None` when there is none. A value
/// that is not JSON of type `T` is an `internal` error naming the key.
pub fn get<T: DeserializeOwned>(key: &str) -> Result<Option<T>> {
    match host::kv_get(key)? {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            Error::internal(format!(
                "the value under `{key}` does not fit the type asked for: {e}"
            ))
        }),
    }
}

/// Stores `value` under `key` as JSON, replacing any previous value. Fails with
/// `permission-denied` past `[permissions.storage] max_bytes`.
pub fn set<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<()> {
    host::kv_set(key, &serde_json::to_vec(value)?)
}

/// The raw bytes under `key`.
pub fn get_bytes(key: &str) -> Result<Option<Vec<u8>>> {
    host::kv_get(key)
}

/// Stores raw bytes under `key`.
pub fn set_bytes(key: &str, value: &[u8]) -> Result<()> {
    host::kv_set(key, value)
}

/// Removes `key`; removing a missing key succeeds.
pub fn delete(key: &str) -> Result<()> {
    host::kv_delete(key)
}

/// Every key starting with `prefix` (all keys for `""`).
pub fn keys(prefix: &str) -> Result<Vec<String>> {
    host::kv_keys(prefix)
}
