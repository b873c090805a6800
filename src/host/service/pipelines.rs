//! Deploying a pipeline version: its canonical document is checked like a
//! component upload (graph, every pinned component version present with its
//! sha256, every node loadable) before anything is stored, then stored as an
//! immutable version of kind `pipeline`. Rollouts, rollback, history and audit
//! then treat it exactly as a component version.

use std::sync::Arc;

use serde::Serialize;

use super::{HostService, key, retire};
use crate::host::error::HostError;
use crate::host::traffic::{Route, Served};
use crate::pipeline;
use crate::store::{AddOutcome, NewVersion, VersionKind};

/// A pipeline upload.
pub struct PipelineDeployRequest {
    /// The canonical document (see [`pipeline::to_canonical`]).
    pub canonical: Vec<u8>,
    /// The Pipeline.toml it came from, kept for people and the editor.
    pub source: String,
    /// Who deploys.
    pub actor: String,
}

/// What a pipeline deploy did.
#[derive(Debug, Clone, Serialize)]
pub struct PipelineDeployOutcome {
    /// Pipeline name.
    pub name: String,
    /// Version.
    pub version: String,
    /// sha256 of the canonical document (pins every node's sha256).
    pub sha256: String,
    /// False when the same pipeline version was already stored (a no-op).
    pub created: bool,
    /// Whether it became the active version.
    pub activated: bool,
    /// The component versions it runs, `name@version`.
    pub pins: Vec<String>,
}

impl HostService {
    /// Validates, loads and stores a pipeline version; activates it when the
    /// name has no active version.
    pub async fn deploy_pipeline(
        &self,
        request: PipelineDeployRequest,
    ) -> Result<PipelineDeployOutcome, HostError> {
        let _op = self.ops.lock().await;
        if request.canonical.len() > super::MAX_UPLOAD_BYTES {
            return Err(HostError::TooLarge {
                limit: super::MAX_UPLOAD_BYTES,
            });
        }
        let spec =
            pipeline::from_canonical(&request.canonical).map_err(|e| HostError::Invalid {
                message: "the pipeline is invalid".into(),
                details: vec![e.to_string()],
            })?;
        // Hashed as this host writes it, whatever the client's bytes looked like.
        let (canonical, sha256) =
            pipeline::to_canonical(&spec).map_err(|e| HostError::Invalid {
                message: "the pipeline is invalid".into(),
                details: vec![e.to_string()],
            })?;
        let (name, version) = (spec.name.clone(), spec.version.to_string());
        if let Some(existing) = self.db.version(&name, &version)?
            && existing.sha256 != sha256
        {
            return Err(crate::store::StateError::VersionConflict {
                name,
                version,
                existing_sha: existing.sha256,
                new_sha: sha256,
            }
            .into());
        }
        let pins: Vec<(String, String)> = pipeline::pins(&spec)
            .into_iter()
            .map(|p| (p.name, p.version))
            .collect();
        // Every node loads (present, pinned bytes, within policy) before anything is stored.
        let loaded = Arc::new(self.load_pipeline(spec)?);
        let stored = self.blobs.put(&canonical)?;
        debug_assert_eq!(stored, sha256);
        let outcome = self.db.add_version(&NewVersion {
            name: name.clone(),
            version: version.clone(),
            sha256: sha256.clone(),
            size: canonical.len() as u64,
            manifest_toml: request.source,
            deployed_by: request.actor.clone(),
            kind: VersionKind::Pipeline,
            pins: pins.clone(),
        })?;
        let served = Served::Pipeline(loaded);
        if let Ok(mut warm) = self.warm.lock() {
            warm.entry(key(&name, &version)).or_insert(served.clone());
        }
        let deployment = self.db.deployment(&name)?;
        let activated = !deployment
            .as_ref()
            .is_some_and(|d| d.active_version.is_some() && !d.undeployed);
        if activated {
            self.db.set_active(&name, &version, &request.actor)?;
            retire(self.traffic.set(
                &name,
                Some(Route {
                    stable: served,
                    canary: None,
                }),
            ));
        }
        Ok(PipelineDeployOutcome {
            name,
            version,
            sha256,
            created: matches!(outcome, AddOutcome::Added),
            activated,
            pins: pins.into_iter().map(|(n, v)| format!("{n}@{v}")).collect(),
        })
    }
}
