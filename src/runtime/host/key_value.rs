//! `airssys:core/key-value`: persistent storage private to each component, within
//! the `[permissions.storage] max_bytes` quota.

use crate::runtime::HostState;
use crate::runtime::bindings::ComponentError;
use crate::runtime::bindings::airssys::core::key_value::Host;
use std::sync::Arc;

use crate::store::{KvError, KvStore};

use super::deny;

/// Longest accepted key, in bytes.
const MAX_KEY_BYTES: usize = 1024;

impl HostState {
    /// The quota when storage is granted, or the guest-facing denial.
    fn storage_quota(&self, operation: &str) -> Result<u64, ComponentError> {
        match self.sandbox.permissions.storage {
            Some(grant) => Ok(grant.max_bytes),
            None => Err(ComponentError::PermissionDenied(deny(
                self,
                format!("key-value {operation}"),
                "add `key_value = true` to [permissions.storage]".into(),
            ))),
        }
    }

    fn kv(&self) -> Result<Arc<KvStore>, ComponentError> {
        self.shared
            .kv()
            .map_err(|e| ComponentError::Internal(format!("key-value store unavailable: {e}")))
    }

    /// Runs `op` on the store on a blocking thread: SQLite work (and its lock)
    /// never holds an executor thread that other calls and `/healthz` need.
    fn on_store<T: Send + 'static>(
        &self,
        op: impl FnOnce(&KvStore, &str) -> Result<T, KvError> + Send + 'static,
    ) -> impl Future<Output = Result<Result<T, KvError>, ComponentError>> + Send + 'static {
        let kv = self.kv();
        let name = self.sandbox.name.clone();
        async move {
            let kv = kv?;
            tokio::task::spawn_blocking(move || op(&kv, &name))
                .await
                .map_err(|e| ComponentError::Internal(format!("key-value operation failed: {e}")))
        }
    }
}

fn check_key(key: &str) -> Result<(), ComponentError> {
    if key.len() > MAX_KEY_BYTES {
        return Err(ComponentError::InvalidInput(format!(
            "key is {} bytes long; the limit is {MAX_KEY_BYTES}",
            key.len()
        )));
    }
    Ok(())
}

fn internal(e: KvError) -> ComponentError {
    ComponentError::Internal(e.to_string())
}

impl Host for HostState {
    async fn get(&mut self, key: String) -> Result<Option<Vec<u8>>, ComponentError> {
        self.storage_quota("get")?;
        check_key(&key)?;
        self.on_store(move |kv, name| kv.get(name, &key))
            .await?
            .map_err(internal)
    }

    async fn set(&mut self, key: String, value: Vec<u8>) -> Result<(), ComponentError> {
        let max_bytes = self.storage_quota("set")?;
        check_key(&key)?;
        let stored = key.clone();
        match self
            .on_store(move |kv, name| kv.set(name, &stored, &value, max_bytes))
            .await?
        {
            Ok(()) => Ok(()),
            Err(e @ KvError::Quota { .. }) => Err(ComponentError::PermissionDenied(deny(
                self,
                format!("key-value set of `{key}` ({e})"),
                "raise [permissions.storage] max_bytes, or delete keys first".into(),
            ))),
            Err(e) => Err(internal(e)),
        }
    }

    async fn delete(&mut self, key: String) -> Result<(), ComponentError> {
        self.storage_quota("delete")?;
        check_key(&key)?;
        self.on_store(move |kv, name| kv.delete(name, &key).map(|_| ()))
            .await?
            .map_err(internal)
    }

    async fn list_keys(&mut self, prefix: String) -> Result<Vec<String>, ComponentError> {
        self.storage_quota("list-keys")?;
        check_key(&prefix)?;
        self.on_store(move |kv, name| kv.list_keys(name, &prefix))
            .await?
            .map_err(internal)
    }
}
