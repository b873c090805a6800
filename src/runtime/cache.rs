//! The compiled-artifact cache: Cranelift output kept on disk, keyed by the
//! component's sha256 and the engine's configuration, so an unchanged component
//! starts without compiling.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use wasmtime::Engine;
use wasmtime::component::Component;

/// A directory of precompiled components.
#[derive(Debug, Clone)]
pub struct ArtifactCache {
    dir: PathBuf,
    engine_key: String,
}

/// Where a component came from, for diagnostics and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompileSource {
    /// Loaded from the cache: Cranelift did not run.
    Cache,
    /// Compiled now (and stored for next time).
    Compiled,
}

impl ArtifactCache {
    /// A cache in `dir` for components compiled by `engine`.
    pub fn new(dir: impl Into<PathBuf>, engine: &Engine) -> Self {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        env!("CARGO_PKG_VERSION").hash(&mut hasher);
        ArtifactCache {
            dir: dir.into(),
            engine_key: format!("{:016x}", hasher.finish()),
        }
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_for(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}-{}.cwasm", self.engine_key))
    }

    /// The compiled component for `bytes` (whose sha256 is `sha256`): from the cache
    /// when present and loadable, otherwise compiled and stored. A cache that cannot
    /// be written only costs speed, never correctness.
    pub fn load_or_compile(
        &self,
        engine: &Engine,
        bytes: &[u8],
        sha256: &str,
    ) -> wasmtime::Result<(Component, CompileSource)> {
        let path = self.path_for(sha256);
        if path.is_file() {
            // SAFETY: the file was written by `store` below from `Component::serialize`
            // of this very engine configuration (the key includes the engine's
            // compatibility hash); wasmtime also checks the header and refuses
            // artifacts from another configuration, in which case we recompile.
            if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
                return Ok((component, CompileSource::Cache));
            }
        }
        let component = Component::new(engine, bytes)?;
        self.store(&path, &component);
        Ok((component, CompileSource::Compiled))
    }

    fn store(&self, path: &Path, component: &Component) {
        let Ok(serialized) = component.serialize() else {
            return;
        };
        if std::fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        let staging = path.with_extension(format!("partial-{}", std::process::id()));
        if std::fs::write(&staging, serialized).is_ok() && std::fs::rename(&staging, path).is_err()
        {
            let _ = std::fs::remove_file(&staging);
        }
    }
}

/// The default cache directory: `$AIRSSYS_CACHE_DIR`, else the user's cache dir.
pub fn default_cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("AIRSSYS_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    dirs::cache_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("airssys-wasm")
        .join("compiled")
}
