//! The host's state directory:
//!
//! ```text
//! <state>/airssys.db        versions, deployments, audit log (SQLite, WAL)
//! <state>/blobs/sha256/…    uploaded components, content-addressed
//! <state>/cache/            precompiled components, keyed by hash and engine
//! <state>/data/<name>/      data root of each component's path grants
//! <state>/kv.sqlite         the components' key-value store
//! <state>/admin.token       bearer token of the admin API (mode 0600)
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Paths inside a state directory.
#[derive(Debug, Clone)]
pub struct StateDir {
    root: PathBuf,
}

impl StateDir {
    /// The state directory at `root` (not created yet).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        StateDir { root: root.into() }
    }

    /// The default: `$AIRSSYS_STATE_DIR`, else `<user data dir>/airssys-wasm`.
    pub fn default_root() -> PathBuf {
        if let Some(dir) = std::env::var_os("AIRSSYS_STATE_DIR") {
            return PathBuf::from(dir);
        }
        dirs::data_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join("airssys-wasm")
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The SQLite database.
    pub fn database(&self) -> PathBuf {
        self.root.join("airssys.db")
    }

    /// The blob store directory.
    pub fn blobs(&self) -> PathBuf {
        self.root.join("blobs")
    }

    /// The compiled-artifact cache.
    pub fn cache(&self) -> PathBuf {
        self.root.join("cache")
    }

    /// The key-value database of the components.
    pub fn key_value(&self) -> PathBuf {
        self.root.join("kv.sqlite")
    }

    /// The data root of component `name`.
    pub fn data(&self, name: &str) -> PathBuf {
        self.root.join("data").join(name)
    }

    /// The admin token file.
    pub fn token_file(&self) -> PathBuf {
        self.root.join("admin.token")
    }

    /// Creates the directories, and the admin token on first start; returns the
    /// token.
    pub fn prepare(&self) -> Result<String> {
        for dir in [
            self.root.clone(),
            self.blobs(),
            self.cache(),
            self.root.join("data"),
        ] {
            std::fs::create_dir_all(&dir).map_err(|e| Error::io("create", &dir, e))?;
        }
        match read_token(&self.token_file()) {
            Ok(token) => Ok(token),
            Err(_) => self.create_token(),
        }
    }

    fn create_token(&self) -> Result<String> {
        let path = self.token_file();
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| Error::io("generate", &path, std::io::Error::other(e)))?;
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options
            .open(&path)
            .map_err(|e| Error::io("create", &path, e))?;
        file.write_all(token.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| Error::io("write", &path, e))?;
        Ok(token)
    }
}

/// Reads a token file (trimmed).
pub fn read_token(path: &Path) -> std::io::Result<String> {
    let token = std::fs::read_to_string(path)?.trim().to_string();
    if token.is_empty() {
        return Err(std::io::Error::other("empty token file"));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_created_once_with_owner_only_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::new(dir.path().join("state"));
        let token = state.prepare().unwrap();
        assert_eq!(token.len(), 64);
        assert_eq!(state.prepare().unwrap(), token, "restart keeps the token");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(state.token_file())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(state.blobs().is_dir() && state.cache().is_dir());
    }
}
