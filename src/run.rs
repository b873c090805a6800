//! What `run` and `test` run: a project (built first when its sources changed) or
//! a `.wasm` file with an optional manifest, turned into [`LoadOptions`].

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::build::{BuildOptions, BuildProgress, build};
use crate::component;
use crate::error::{Error, Result};
use crate::manifest::{self, Language, Manifest, WorldName};
use crate::project::Project;
use crate::runtime::LoadOptions;

/// What to run.
#[derive(Debug, Clone)]
pub enum Target {
    /// A project directory (or its Component.toml).
    Project(PathBuf),
    /// A component file, governed by `manifest` when given.
    Wasm {
        /// The component.
        wasm: PathBuf,
        /// Its manifest; without one it runs with no permissions.
        manifest: Option<PathBuf>,
    },
}

impl Target {
    /// A `.wasm` path is a file target; anything else is a project.
    pub fn from_path(path: &Path, manifest: Option<PathBuf>) -> Target {
        if path.extension().is_some_and(|e| e == "wasm") {
            Target::Wasm {
                wasm: path.to_path_buf(),
                manifest,
            }
        } else {
            Target::Project(manifest.unwrap_or_else(|| path.to_path_buf()))
        }
    }
}

/// Default watch globs when `[build] watch` is not set: the language driver's.
pub fn default_watch(language: Language) -> Vec<String> {
    match crate::build::driver::driver_for(language) {
        Some(driver) => driver
            .default_watch()
            .iter()
            .map(|g| g.to_string())
            .collect(),
        None => vec!["src/**".into(), "wit/**".into(), "Component.toml".into()],
    }
}

/// The project's watch globs: `[build] watch` or the language default, plus
/// `[build] output` when `with_output` (a prebuilt output is a source too).
pub fn watch_globs(project: &Project, with_output: bool) -> Result<GlobSet> {
    let mut patterns = project
        .manifest
        .build
        .watch
        .clone()
        .unwrap_or_else(|| default_watch(project.manifest.component.language));
    if with_output && let Some(output) = &project.manifest.build.output {
        patterns.push(output.to_string_lossy().into_owned());
    }
    let mut globs = GlobSetBuilder::new();
    for pattern in &patterns {
        let glob = Glob::new(pattern).map_err(|e| Error::Usage {
            message: format!("invalid [build] watch glob `{pattern}`: {e}"),
            help: Some("use globs such as \"src/**\" relative to the project".into()),
        })?;
        globs.add(glob);
    }
    globs.build().map_err(|e| Error::Usage {
        message: format!("invalid [build] watch globs: {e}"),
        help: None,
    })
}

/// Files under `root` matching `globs`, sorted; the build's own outputs
/// (`target/`) and `.git/` at the top level are never sources.
pub fn watched_files(root: &Path, globs: &GlobSet) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_entry(|e| e.depth() != 1 || (e.file_name() != "target" && e.file_name() != ".git"))
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .filter(|e| e.path().strip_prefix(root).is_ok_and(|r| globs.is_match(r)))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    files
}

/// Whether the project's artifact is missing or older than a watched source.
pub fn is_stale(project: &Project) -> bool {
    let Some(built) = modified(&project.artifact_path()) else {
        return true;
    };
    let Ok(globs) = watch_globs(project, true) else {
        return true;
    };
    watched_files(&project.dir, &globs)
        .iter()
        .any(|f| modified(f).is_some_and(|m| m > built))
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Turns a target into load options, building a stale project first. A
/// manifest inside one of its own writable grants is refused: the component
/// could rewrite its permissions, and a reload would load them.
pub fn prepare(target: &Target, progress: &mut dyn BuildProgress) -> Result<LoadOptions> {
    let options = prepare_unchecked(target, progress)?;
    let manifest = &options.manifest;
    if manifest.path.is_file()
        && let Some(grant) = crate::security::writable_grant_over(
            &manifest.permissions.filesystem,
            &options.data_root,
            &manifest.path,
        )
    {
        return Err(crate::runtime::LoadError::ManifestWritable {
            component: manifest.component.name.clone(),
            pattern: grant.pattern.clone(),
            manifest: manifest.path.clone(),
        }
        .into());
    }
    Ok(options)
}

fn prepare_unchecked(target: &Target, progress: &mut dyn BuildProgress) -> Result<LoadOptions> {
    match target {
        Target::Project(path) => {
            let project = Project::load(path)?;
            let artifact = if is_stale(&project) {
                build(
                    &BuildOptions {
                        path: path.clone(),
                        ..BuildOptions::default()
                    },
                    progress,
                )?
                .artifact
            } else {
                project.artifact_path()
            };
            let wasm = std::fs::read(&artifact).map_err(|e| Error::io("read", &artifact, e))?;
            Ok(LoadOptions::new(project.manifest, wasm, project.dir))
        }
        Target::Wasm { wasm, manifest } => {
            let (bytes, adapted) = crate::component::read_component(wasm)?;
            if let Some(kind) = adapted {
                progress.note(&kind.adapted_note(wasm));
            }
            let (manifest, data_root) = match manifest {
                Some(path) => {
                    let manifest = manifest::load(path)?;
                    let root = manifest.project_dir().to_path_buf();
                    (manifest, root)
                }
                None => (implicit_manifest(wasm, &bytes)?, PathBuf::from(".")),
            };
            Ok(LoadOptions::new(manifest, bytes, data_root))
        }
    }
}

/// Where `run` keeps host state (the key-value database) for the project at
/// `data_root`: in the user's data directory, keyed by the project's path, and
/// never inside the project, so no path grant of any component — `.` or
/// `target/**` included — can reach another component's data.
/// `AIRSSYS_RUN_STATE_DIR` overrides the base directory.
pub fn run_state_dir(data_root: &Path) -> PathBuf {
    let base = std::env::var_os("AIRSSYS_RUN_STATE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            dirs::data_local_dir()
                .unwrap_or_else(std::env::temp_dir)
                .join("airssys-wasm")
                .join("run")
        });
    let project = data_root
        .canonicalize()
        .unwrap_or_else(|_| data_root.to_path_buf());
    let key = component::sha256_hex(project.to_string_lossy().as_bytes());
    base.join(&key[..16])
}

/// A deny-everything manifest for a bare `.wasm`: named after the file, world
/// inferred from the component's exports, default limits.
fn implicit_manifest(path: &Path, bytes: &[u8]) -> Result<Manifest> {
    let info = component::inspect(bytes, path)?;
    let world = WorldName::ALL
        .into_iter()
        .find(|w| {
            component::check_world(&info, *w)
                .iter()
                .all(|f| f.code != "wrong-world")
        })
        .unwrap_or(WorldName::AirssysComponent);
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("component");
    let mut name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        name.insert_str(0, "c-");
    }
    name.truncate(64);
    let text = format!(
        "[component]\nname = \"{}\"\nversion = \"0.0.0\"\nlanguage = \"prebuilt\"\nworld = \"{world}\"\n",
        name.trim_end_matches('-')
    );
    Ok(manifest::parse(
        &text,
        &path.with_file_name(manifest::FILE_NAME),
    )?)
}
