//! `studio`: a throw-away host loaded with a directory's component projects,
//! so the editor can check, run and deploy that directory's pipelines and save
//! them back to disk. Each project is built as `build` builds it and stored
//! like any upload (not activated: it serves inside pipelines); a project that
//! does not build or does not fit its manifest stays in the workspace with the
//! reason, so the editor can flag the nodes that use it.

use std::path::Path;
use std::sync::Arc;

use super::service::{DeployRequest, HostService};
use super::workspace::Workspace;
use crate::build::BuildProgress;
use crate::error::one_line;
use crate::run::{Target, prepare};
use crate::runtime::LoadOptions;

/// The actor a studio's own uploads are recorded under.
pub const STUDIO_ACTOR: &str = "studio";

/// A workspace whose projects are built, ready to be stored on the host.
pub struct PreparedWorkspace {
    /// The workspace (projects not yet marked loaded).
    pub workspace: Workspace,
    /// Each built project: its index in `workspace.projects`, what to upload
    /// and its manifest text.
    pub built: Vec<(usize, LoadOptions, String)>,
}

impl std::fmt::Debug for PreparedWorkspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedWorkspace")
            .field("root", &self.workspace.root)
            .field("built", &self.built.len())
            .finish_non_exhaustive()
    }
}

/// Finds and builds every project under `root`; `seen` hears each outcome.
pub fn prepare_workspace(
    root: &Path,
    progress: &mut dyn BuildProgress,
    seen: &mut dyn FnMut(&str, Result<&LoadOptions, &crate::Error>),
) -> Result<PreparedWorkspace, crate::Error> {
    let mut workspace = Workspace::discover(root).map_err(|e| crate::Error::Usage {
        message: e.to_string(),
        help: None,
    })?;
    let mut built = Vec::new();
    for (i, project) in workspace.projects.iter_mut().enumerate() {
        if let Ok(p) = crate::project::Project::load(&project.path) {
            let m = &p.manifest.component;
            project.name = Some(m.name.clone());
            project.version = Some(m.version.to_string());
            project.world = Some(m.world.as_str().to_string());
            project.capabilities = crate::pipeline::Capabilities::of(&p.manifest);
        }
        match prepare(&Target::Project(project.path.clone()), progress) {
            Ok(options) => {
                seen(&project.dir, Ok(&options));
                let text = std::fs::read_to_string(&options.manifest.path).unwrap_or_default();
                built.push((i, options, text));
            }
            Err(e) => {
                seen(&project.dir, Err(&e));
                project.error = Some(one_line(&e));
            }
        }
    }
    Ok(PreparedWorkspace { workspace, built })
}

/// Stores every built project on the host (not activated) and gives the host
/// its workspace.
pub async fn store_workspace(service: &Arc<HostService>, prepared: &PreparedWorkspace) {
    let mut workspace = prepared.workspace.clone();
    for (i, options, manifest_toml) in &prepared.built {
        let m = &options.manifest.component;
        let outcome = service
            .deploy(DeployRequest {
                name: m.name.clone(),
                version: m.version.to_string(),
                wasm: options.wasm.clone(),
                manifest_toml: manifest_toml.clone(),
                actor: STUDIO_ACTOR.into(),
                activate: false,
            })
            .await;
        let project = &mut workspace.projects[*i];
        match outcome {
            Ok(_) => project.loaded = true,
            Err(super::error::HostError::Invalid { message, details }) => {
                project.error = Some(format!("{message}: {}", details.join("; ")));
            }
            Err(e) => project.error = Some(one_line(&e)),
        }
    }
    service.set_workspace(workspace);
}
