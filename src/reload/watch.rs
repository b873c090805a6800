//! Which file changes trigger a reload: the project's `[build] watch` globs (the
//! build's own outputs under `target/` never do), or the `.wasm` and its manifest.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use globset::GlobSet;
use notify_debouncer_mini::notify::RecursiveMode;
use notify_debouncer_mini::{DebounceEventResult, Debouncer, new_debouncer};

use crate::error::{Error, Result};
use crate::project::Project;
use crate::run::{Target, watch_globs, watched_files};

/// Quiet time after the last change before a reload starts: editors write source
/// files in several steps.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// The same for a watched `.wasm`: build tools usually replace it in one rename,
/// and a half-written file only fails validation and is retried on the next event.
pub const FILE_DEBOUNCE: Duration = Duration::from_millis(20);

/// The files that matter for a target.
pub enum WatchSet {
    /// Files under `root` matching `globs`, outside `target/`.
    Project {
        /// The project directory.
        root: PathBuf,
        /// The watch globs.
        globs: GlobSet,
    },
    /// Exactly these files.
    Files(Vec<PathBuf>),
    /// Any of these (a pipeline: its file and every node's sources).
    Many(Vec<WatchSet>),
}

impl WatchSet {
    /// Whether a change of `path` should trigger a reload.
    pub fn matches(&self, path: &Path) -> bool {
        match self {
            WatchSet::Project { root, globs } => {
                let root = root.canonicalize().unwrap_or_else(|_| root.clone());
                let Ok(relative) = path.strip_prefix(&root) else {
                    return false;
                };
                let ignored = relative
                    .components()
                    .next()
                    .is_some_and(|c| c.as_os_str() == "target" || c.as_os_str() == ".git");
                !ignored && globs.is_match(relative)
            }
            // Each file's directory is watched non-recursively, so its name is enough.
            WatchSet::Files(files) => files.iter().any(|f| {
                f.file_name() == path.file_name()
                    && path
                        .parent()
                        .is_none_or(|dir| f.parent().is_none_or(|p| same_dir(p, dir)))
            }),
            WatchSet::Many(sets) => sets.iter().any(|s| s.matches(path)),
        }
    }

    /// A digest of the watched files' names, sizes and modification times.
    ///
    /// File events also fire when files are merely read (the build itself reads the
    /// sources), so a reload happens only when this digest changed.
    pub fn fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        let mut record = |path: &Path| {
            if let Ok(meta) = std::fs::metadata(path) {
                path.hash(&mut hasher);
                meta.len().hash(&mut hasher);
                meta.modified().ok().hash(&mut hasher);
            }
        };
        match self {
            WatchSet::Project { root, globs } => {
                watched_files(root, globs).iter().for_each(|f| record(f));
            }
            WatchSet::Files(files) => files.iter().for_each(|f| record(f)),
            WatchSet::Many(sets) => sets.iter().for_each(|s| s.fingerprint().hash(&mut hasher)),
        }
        hasher.finish()
    }

    /// The directories to watch and whether to recurse.
    fn roots(&self) -> Vec<(PathBuf, RecursiveMode)> {
        match self {
            WatchSet::Project { root, .. } => vec![(root.clone(), RecursiveMode::Recursive)],
            WatchSet::Files(files) => files
                .iter()
                .map(|f| {
                    let dir = f
                        .parent()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| PathBuf::from("."));
                    (dir, RecursiveMode::NonRecursive)
                })
                .collect(),
            WatchSet::Many(sets) => {
                let mut roots: Vec<(PathBuf, RecursiveMode)> = Vec::new();
                for root in sets.iter().flat_map(WatchSet::roots) {
                    if !roots.contains(&root) {
                        roots.push(root);
                    }
                }
                roots
            }
        }
    }
}

/// Whether two directories are the same one (paths from events are absolute).
fn same_dir(a: &Path, b: &Path) -> bool {
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    canonical(a) == canonical(b)
}

/// The watch set of a target.
pub fn watch_set(target: &Target) -> Result<WatchSet> {
    match target {
        Target::Project(path) => {
            let project = Project::load(path)?;
            let globs = watch_globs(&project, false)?;
            let root = if project.dir.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                project.dir.clone()
            };
            Ok(WatchSet::Project {
                root: root.canonicalize().unwrap_or(root),
                globs,
            })
        }
        Target::Wasm { wasm, manifest } => {
            let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
            let mut files = vec![absolute(wasm)];
            files.extend(manifest.iter().map(|m| absolute(m)));
            Ok(WatchSet::Files(files))
        }
    }
}

/// Starts watching; debounced batches of changed paths arrive on the receiver.
pub fn start(
    set: &WatchSet,
) -> Result<(
    Debouncer<notify_debouncer_mini::notify::RecommendedWatcher>,
    Receiver<DebounceEventResult>,
)> {
    let (tx, rx) = std::sync::mpsc::channel();
    let quiet = match set {
        WatchSet::Files(_) => FILE_DEBOUNCE,
        WatchSet::Project { .. } | WatchSet::Many(_) => DEBOUNCE,
    };
    let mut debouncer = new_debouncer(quiet, tx).map_err(|e| Error::Usage {
        message: format!("cannot watch files: {e}"),
        help: None,
    })?;
    for (root, mode) in set.roots() {
        debouncer
            .watcher()
            .watch(&root, mode)
            .map_err(|e| Error::Usage {
                message: format!("cannot watch {}: {e}", root.display()),
                help: Some(
                    "check the path exists and the inotify limit (fs.inotify.max_user_watches)"
                        .into(),
                ),
            })?;
    }
    Ok((debouncer, rx))
}
