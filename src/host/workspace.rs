//! The directory a `studio` host edits: its component projects (built and
//! stored on the host when it starts) and its pipeline files (read and written
//! through the admin API). A plain `serve` has no workspace.

use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use super::error::HostError;
use crate::pipeline::Capabilities;

/// Folders never searched for projects or pipelines.
const SKIPPED: &[&str] = &["target", "node_modules", "build", "dist", "__pycache__"];

/// How deep under the root projects and pipeline files are looked for.
const MAX_DEPTH: usize = 3;

/// A studio's directory.
#[derive(Debug, Clone, Serialize)]
pub struct Workspace {
    /// The directory, canonical.
    pub root: PathBuf,
    /// Its component projects, by path.
    pub projects: Vec<WorkspaceProject>,
}

/// One component project of the workspace.
#[derive(Debug, Clone, Serialize)]
pub struct WorkspaceProject {
    /// The project directory relative to the root, `/`-separated.
    pub dir: String,
    /// The project directory, canonical.
    #[serde(skip)]
    pub path: PathBuf,
    /// The component's name (from its manifest), once read.
    pub name: Option<String>,
    /// Its version.
    pub version: Option<String>,
    /// Its world.
    pub world: Option<String>,
    /// What it may do.
    pub capabilities: Capabilities,
    /// Whether it was built and stored on the host (so pipelines can run it).
    pub loaded: bool,
    /// Why not.
    pub error: Option<String>,
}

impl Workspace {
    /// The project directories under `root` (sorted), not yet built.
    pub fn discover(root: &Path) -> Result<Workspace, HostError> {
        let root = root.canonicalize().map_err(|e| HostError::BadRequest {
            message: format!("{}: {e}", root.display()),
        })?;
        let mut projects = Vec::new();
        for entry in walk(&root) {
            if entry.file_name() == "Component.toml"
                && let Some(dir) = entry.path().parent()
            {
                projects.push(WorkspaceProject {
                    dir: relative(&root, dir),
                    path: dir.to_path_buf(),
                    name: None,
                    version: None,
                    world: None,
                    capabilities: Capabilities::default(),
                    loaded: false,
                    error: None,
                });
            }
        }
        projects.sort_by(|a, b| a.dir.cmp(&b.dir));
        Ok(Workspace { root, projects })
    }

    /// Every pipeline file under the root (a `.toml` with a `[pipeline]` table),
    /// relative, `/`-separated, sorted, with its text.
    pub fn pipelines(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = walk(&self.root)
            .filter(|e| {
                e.path().extension().is_some_and(|x| x == "toml")
                    && e.file_name() != "Component.toml"
            })
            .filter_map(|e| {
                let text = std::fs::read_to_string(e.path()).ok()?;
                let value: toml::Table = text.parse().ok()?;
                value
                    .get("pipeline")
                    .is_some_and(toml::Value::is_table)
                    .then(|| (relative(&self.root, e.path()), text))
            })
            .collect();
        out.sort();
        out
    }

    /// The path of pipeline file `file` (relative to the root): a `.toml`
    /// inside the workspace, never a manifest, never outside through `..`.
    pub fn file(&self, file: &str) -> Result<PathBuf, HostError> {
        let relative = Path::new(file);
        let inside = relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
        let name = relative.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !inside || !name.ends_with(".toml") || name == "Component.toml" || name == "Cargo.toml" {
            return Err(HostError::BadRequest {
                message: format!(
                    "`{file}` is not a pipeline file of the workspace: give a relative path ending in .toml, inside {}",
                    self.root.display()
                ),
            });
        }
        let path = self.root.join(relative);
        // A link inside the workspace must not lead out of it.
        if let Ok(real) = path.canonicalize()
            && !real.starts_with(&self.root)
        {
            return Err(HostError::BadRequest {
                message: format!("`{file}` leads outside the workspace"),
            });
        }
        Ok(path)
    }

    /// Writes a pipeline file (atomically: a reader sees the old or the new text).
    pub fn save(&self, file: &str, source: &str) -> Result<PathBuf, HostError> {
        let path = self.file(file)?;
        let io = |e: std::io::Error| HostError::Internal {
            message: format!("writing {}: {e}", path.display()),
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let temp = path.with_extension("toml.airssys-tmp");
        std::fs::write(&temp, source).map_err(io)?;
        std::fs::rename(&temp, &path).map_err(io)?;
        Ok(path)
    }

    /// The stored `name@version` of the project at `path`, when it was loaded.
    pub fn hosted(&self, path: &Path) -> Option<&WorkspaceProject> {
        let path = path.canonicalize().ok()?;
        self.projects.iter().find(|p| p.path == path && p.loaded)
    }

    /// The project at `path`, loaded or not.
    pub fn project(&self, path: &Path) -> Option<&WorkspaceProject> {
        let path = path.canonicalize().ok()?;
        self.projects.iter().find(|p| p.path == path)
    }
}

fn walk(root: &Path) -> impl Iterator<Item = walkdir::DirEntry> {
    walkdir::WalkDir::new(root)
        .max_depth(MAX_DEPTH)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0 || !(name.starts_with('.') || SKIPPED.contains(&name.as_ref()))
        })
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let text: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if text.is_empty() {
        ".".into()
    } else {
        text.join("/")
    }
}
