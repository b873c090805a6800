//! A project on disk: its directory and its parsed manifest.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::manifest::{self, Manifest};

/// Where `build` publishes artifacts, relative to the project directory.
pub const ARTIFACT_DIR: &str = "target/airssys";

/// A project directory with a valid `Component.toml`.
#[derive(Debug, Clone)]
pub struct Project {
    /// The project root.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
}

impl Project {
    /// Loads the project at `path`: a directory holding `Component.toml`, or the
    /// manifest file itself.
    pub fn load(path: &Path) -> Result<Project> {
        let manifest_path = manifest_path(path)?;
        let manifest = manifest::load(&manifest_path)?;
        let dir = manifest.project_dir().to_path_buf();
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        Ok(Project { dir, manifest })
    }

    /// Where `build` publishes the component: `target/airssys/<name>-<version>.wasm`.
    pub fn artifact_path(&self) -> PathBuf {
        let c = &self.manifest.component;
        self.dir
            .join(ARTIFACT_DIR)
            .join(format!("{}-{}.wasm", c.name, c.version))
    }
}

/// The manifest file for `path` (a directory or a `.toml` file).
pub fn manifest_path(path: &Path) -> Result<PathBuf> {
    if path.is_dir() {
        let candidate = path.join(manifest::FILE_NAME);
        if candidate.is_file() {
            Ok(candidate)
        } else {
            Err(Error::NoProject {
                dir: path.to_path_buf(),
            })
        }
    } else {
        Ok(path.to_path_buf())
    }
}
