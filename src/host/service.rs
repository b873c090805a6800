//! The host's operations: deploy, update (immediate, blue-green, canary,
//! rolling), promote, abort, rollback, undeploy. Each one is validated, persisted
//! with its audit entry in one transaction, and only then applied to the traffic
//! table. Operations are serialized, so concurrent deploys end consistent.

mod catalogue;
mod drafts;
mod pipelines;

pub use catalogue::{CatalogueEntry, VersionDetail};
pub use drafts::{CheckAnswer, CheckRequest, RunDraftRequest};
pub use pipelines::{PipelineDeployOutcome, PipelineDeployRequest};

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use super::error::HostError;
use super::layout::StateDir;
use super::policy::Policy;
use super::traffic::{CanaryRoute, Route, Served, TrafficTable};
use crate::component;
use crate::manifest::{self, Manifest};
use crate::pipeline::{self, Pipeline};
use crate::runtime::{LoadOptions, LoadedComponent, Runtime, bindings::HealthStatus};
use crate::security::{CreateMissing, check_capabilities, open_grants};
use crate::store::{
    AddOutcome, AuditAction, BlobBackend, Canary, Deployment, NewAuditEntry, NewVersion,
    StateBackend, StateError, VersionKind,
};

/// Error rate above which a rolling update aborts when none was given.
pub const DEFAULT_ROLLING_MAX_ERROR_RATE: f64 = 0.1;

/// Largest accepted component upload: 64 MiB.
pub const MAX_UPLOAD_BYTES: usize = 64 << 20;

/// An upload.
pub struct DeployRequest {
    /// Component name (must match the manifest).
    pub name: String,
    /// Version (must match the manifest).
    pub version: String,
    /// The component bytes.
    pub wasm: Vec<u8>,
    /// The manifest text.
    pub manifest_toml: String,
    /// Who deploys.
    pub actor: String,
    /// Whether the upload may become the active version when none is (false
    /// for a pipeline's nodes: they serve inside the pipeline, not on their own).
    pub activate: bool,
}

/// What a deploy did.
#[derive(Debug, Clone, Serialize)]
pub struct DeployOutcome {
    /// Component name.
    pub name: String,
    /// Version.
    pub version: String,
    /// sha256 of the bytes.
    pub sha256: String,
    /// False when the same bytes were already stored (a no-op).
    pub created: bool,
    /// Whether it became the active version (first version of the component).
    pub activated: bool,
}

/// A rollout request.
#[derive(Debug, Clone, serde::Deserialize, Serialize)]
pub struct UpdateRequest {
    /// The version to roll out.
    pub version: String,
    /// `immediate`, `blue-green`, `canary` or `rolling`.
    pub strategy: String,
    /// Canary: percent of calls to the new version.
    #[serde(default)]
    pub weight: Option<u8>,
    /// Canary: header whose value pins a caller to a version.
    #[serde(default)]
    pub sticky_header: Option<String>,
    /// Canary/rolling: abort when the canary's error rate exceeds this (0–1).
    #[serde(default)]
    pub max_error_rate: Option<f64>,
    /// Rolling: weights to step through, e.g. `[10, 50, 100]`.
    #[serde(default)]
    pub steps: Vec<u8>,
    /// Rolling: time between steps in milliseconds.
    #[serde(default)]
    pub interval_ms: Option<u64>,
}

/// The host's shared state and operations.
pub struct HostService {
    /// Paths of the state directory.
    pub state_dir: StateDir,
    /// Versions, deployments, audit log.
    pub db: Arc<dyn StateBackend>,
    /// Uploaded components.
    pub blobs: Arc<dyn BlobBackend>,
    /// What deploys may ask for.
    pub policy: Policy,
    /// Where traffic goes.
    pub traffic: Arc<TrafficTable>,
    runtime: Runtime,
    ops: tokio::sync::Mutex<()>,
    /// Loaded versions kept warm for instant rollback, by `name@version`.
    warm: Mutex<HashMap<String, Served>>,
    /// Deployments found at start whose stored version is not served (the policy
    /// in force refuses it, or it cannot be loaded), by name; shown by `status`.
    not_served: Mutex<BTreeMap<String, NotServed>>,
    /// A studio's directory (see [`HostService::set_workspace`]).
    workspace: std::sync::OnceLock<super::workspace::Workspace>,
    /// This host in its cluster, in cluster mode.
    membership: std::sync::OnceLock<Arc<super::cluster::Membership>>,
}

/// A stored version the host does not serve, and why.
#[derive(Debug, Clone, Serialize)]
pub struct NotServed {
    /// The version.
    pub version: String,
    /// One line, e.g. "refused by the host's policy".
    pub reason: String,
    /// Every excess grant (policy), or the error's details.
    pub details: Vec<String>,
}

fn key(name: &str, version: &str) -> String {
    format!("{name}@{version}")
}

impl HostService {
    /// A service over opened stores.
    pub fn new(
        state_dir: StateDir,
        db: Arc<dyn StateBackend>,
        blobs: Arc<dyn BlobBackend>,
        policy: Policy,
        runtime: Runtime,
        traffic: Arc<TrafficTable>,
    ) -> Self {
        HostService {
            state_dir,
            db,
            blobs,
            policy,
            traffic,
            runtime,
            ops: tokio::sync::Mutex::new(()),
            warm: Mutex::new(HashMap::new()),
            not_served: Mutex::new(BTreeMap::new()),
            workspace: std::sync::OnceLock::new(),
            membership: std::sync::OnceLock::new(),
        }
    }

    /// The loaded copy of `name@version` kept warm, if any.
    fn warm_copy(&self, name: &str, version: &str) -> Option<Served> {
        self.warm
            .lock()
            .ok()
            .and_then(|w| w.get(&key(name, version)).cloned())
    }

    /// The stored record of `name@version`.
    fn stored(&self, name: &str, version: &str) -> Result<crate::store::VersionRecord, HostError> {
        self.db
            .version(name, version)?
            .ok_or_else(|| HostError::NotFound {
                what: format!("{name}@{version} has not been deployed"),
            })
    }

    /// Loads a stored version, a component or a pipeline (or reuses the warm copy).
    pub fn load_version(&self, name: &str, version: &str) -> Result<Served, HostError> {
        if let Some(loaded) = self.warm_copy(name, version) {
            return Ok(loaded);
        }
        let record = self.stored(name, version)?;
        let loaded = match record.kind {
            VersionKind::Component => Served::Component(self.load_component(name, version)?),
            VersionKind::Pipeline => {
                let canonical = self.blobs.get(&record.sha256)?;
                let spec =
                    pipeline::from_canonical(&canonical).map_err(|e| HostError::Internal {
                        message: format!("stored pipeline {name}@{version}: {e}"),
                    })?;
                Served::Pipeline(Arc::new(self.load_pipeline(spec)?))
            }
        };
        if let Ok(mut warm) = self.warm.lock() {
            warm.insert(key(name, version), loaded.clone());
        }
        Ok(loaded)
    }

    /// Loads a stored component version (or reuses the warm copy).
    fn load_component(&self, name: &str, version: &str) -> Result<Arc<LoadedComponent>, HostError> {
        if let Some(Served::Component(loaded)) = self.warm_copy(name, version) {
            return Ok(loaded);
        }
        let record = self.stored(name, version)?;
        if record.kind != VersionKind::Component {
            return Err(HostError::BadRequest {
                message: format!("{name}@{version} is a pipeline, not a component"),
            });
        }
        let wasm = self.blobs.get(&record.sha256)?;
        let manifest = manifest::parse(&record.manifest_toml, Path::new("Component.toml"))
            .map_err(|e| HostError::Internal {
                message: e.render(),
            })?;
        // A version accepted under an earlier, looser policy is not loaded now.
        let excess = self.policy.check(&manifest);
        if !excess.is_empty() {
            return Err(HostError::Policy {
                excess: excess.iter().map(ToString::to_string).collect(),
            });
        }
        // A studio's project keeps its data where `run` keeps it: in the project.
        let data_root = self
            .workspace()
            .and_then(|ws| {
                ws.projects.iter().find(|p| {
                    p.loaded
                        && p.name.as_deref() == Some(name)
                        && p.version.as_deref() == Some(version)
                })
            })
            .map_or_else(|| self.state_dir.data(name), |p| p.path.clone());
        // A stored version loads even when a directory cannot be provisioned (a
        // link planted by a guest): each instance then refuses that grant, with
        // the reason, rather than the host refusing to start.
        let _ = provision_data_dirs(&manifest, &data_root);
        let loaded = self
            .runtime
            .prepare(LoadOptions::new(manifest, wasm, data_root))?;
        if let Ok(mut warm) = self.warm.lock() {
            warm.insert(key(name, version), Served::Component(loaded.clone()));
        }
        Ok(loaded)
    }

    /// Loads every node of a pinned pipeline from the stored component versions,
    /// checking each against its pinned sha256.
    fn load_pipeline(&self, spec: pipeline::PipelineSpec) -> Result<Pipeline, HostError> {
        spec.try_map(|node, reference| {
            let pipeline::ComponentRef::Hosted {
                name,
                version,
                sha256,
            } = reference
            else {
                return Err(HostError::BadRequest {
                    message: format!("node `{node}`: `{reference}` is not an uploaded version"),
                });
            };
            let version = version.to_string();
            let record = self
                .db
                .version(&name, &version)?
                .ok_or_else(|| HostError::NotFound {
                    what: format!(
                        "node `{node}`: {name}@{version} is not on this host; deploy it first"
                    ),
                })?;
            if let Some(pinned) = &sha256
                && *pinned != record.sha256
            {
                return Err(HostError::BadRequest {
                    message: format!(
                        "node `{node}`: {name}@{version} on this host is sha256:{}, the pipeline pins sha256:{pinned}",
                        record.sha256
                    ),
                });
            }
            self.load_component(&name, &version)
        })
    }

    /// Rebuilds the traffic table from the database (host start). A deployment
    /// whose version the policy now refuses, or that cannot be loaded, is not
    /// served: it is recorded (see [`HostService::not_served`]) and audited, and
    /// the host starts anyway. A canary that cannot be served is dropped and the
    /// stable version serves alone.
    pub fn restore(&self) -> Result<usize, HostError> {
        let mut restored = 0;
        for deployment in self.db.deployments()? {
            if deployment.undeployed {
                continue;
            }
            let Some(active) = &deployment.active_version else {
                continue;
            };
            let stable = match self.load_version(&deployment.name, active) {
                Ok(stable) => stable,
                Err(e) => {
                    self.not_serving(&deployment.name, active, &e);
                    continue;
                }
            };
            let canary = match &deployment.canary {
                Some(c) => match self.canary_route(&deployment.name, c) {
                    Ok(route) => Some(route),
                    Err(e) => {
                        self.not_serving(&deployment.name, &c.version, &e);
                        None
                    }
                },
                None => None,
            };
            self.traffic
                .set(&deployment.name, Some(Route { stable, canary }));
            restored += 1;
        }
        Ok(restored)
    }

    /// Serves what the shared state says `name` serves now: in cluster mode,
    /// after another host changed it. Serialized with this host's own
    /// operations, so it never applies an older state over a newer one.
    pub async fn converge(&self, name: &str) -> Result<(), HostError> {
        let _op = self.ops.lock().await;
        let route = match self.db.deployment(name)? {
            Some(d) if !d.undeployed => match &d.active_version {
                Some(active) => Some(Route {
                    stable: self.load_version(name, active)?,
                    canary: d
                        .canary
                        .as_ref()
                        .map(|c| self.canary_route(name, c))
                        .transpose()?,
                }),
                None => None,
            },
            _ => None,
        };
        retire(self.traffic.set(name, route));
        Ok(())
    }

    /// The embedded runtime the host runs components on.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// This host in its cluster (cluster mode only).
    pub fn membership(&self) -> Option<&Arc<super::cluster::Membership>> {
        self.membership.get()
    }

    /// Makes this host a member of a cluster (once, when it starts).
    pub fn set_membership(&self, membership: Arc<super::cluster::Membership>) {
        let _ = self.membership.set(membership);
    }

    /// What this host serves: `name → version`, with a canary as
    /// `stable+canary@weight%`.
    pub fn serving(&self) -> BTreeMap<String, String> {
        self.traffic
            .routes()
            .into_iter()
            .map(|(name, route)| {
                let served = match &route.canary {
                    Some(c) => format!(
                        "{}+{}@{}%",
                        route.stable.version(),
                        c.target.version(),
                        c.weight
                    ),
                    None => route.stable.version(),
                };
                (name, served)
            })
            .collect()
    }

    /// Deployments not served since start, and why.
    pub fn not_served(&self) -> BTreeMap<String, NotServed> {
        self.not_served
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    fn not_serving(&self, name: &str, version: &str, error: &HostError) {
        let (reason, details) = match error {
            HostError::Policy { excess } => {
                ("refused by the host's policy".to_string(), excess.clone())
            }
            other => ("cannot be loaded".to_string(), vec![other.to_string()]),
        };
        let _ = self.db.record_event(NewAuditEntry {
            actor: "host",
            action: AuditAction::PermissionDenied,
            component: Some(name),
            version: Some(version),
            detail: serde_json::json!({
                "action": format!("serve {name}@{version}: {reason}"),
                "help": details.join("; "),
            }),
        });
        if let Ok(mut not_served) = self.not_served.lock() {
            not_served.insert(
                name.to_string(),
                NotServed {
                    version: version.to_string(),
                    reason,
                    details,
                },
            );
        }
    }

    fn canary_route(&self, name: &str, canary: &Canary) -> Result<CanaryRoute, HostError> {
        Ok(CanaryRoute {
            target: self.load_version(name, &canary.version)?,
            weight: canary.weight_percent,
            sticky_header: canary.sticky_header.clone(),
        })
    }

    /// Validates and stores an upload; activates it when the component has no
    /// active version.
    pub async fn deploy(&self, request: DeployRequest) -> Result<DeployOutcome, HostError> {
        let _op = self.ops.lock().await;
        if request.wasm.len() > MAX_UPLOAD_BYTES {
            return Err(HostError::TooLarge {
                limit: MAX_UPLOAD_BYTES,
            });
        }
        let manifest = manifest::parse(&request.manifest_toml, Path::new("Component.toml"))
            .map_err(|e| HostError::Invalid {
                message: "the manifest is invalid".into(),
                details: vec![e.render()],
            })?;
        check_identity(&manifest, &request.name, &request.version)?;
        let info = component::inspect(&request.wasm, Path::new(&format!("{}.wasm", request.name)))
            .map_err(|e| HostError::Invalid {
                message: e.to_string(),
                details: std::error::Error::source(&e)
                    .map(ToString::to_string)
                    .into_iter()
                    .collect(),
            })?;
        let mut findings = component::check_world(&info, manifest.component.world);
        findings.extend(
            check_capabilities(&info, &manifest.permissions)
                .into_iter()
                .filter(|f| f.is_error()),
        );
        if !findings.is_empty() {
            return Err(HostError::Invalid {
                message: format!(
                    "{}@{} does not fit its manifest",
                    request.name, request.version
                ),
                details: findings
                    .iter()
                    .map(|f| {
                        f.message.clone()
                            + &f.help
                                .as_ref()
                                .map(|h| format!("\nhelp: {h}"))
                                .unwrap_or_default()
                    })
                    .collect(),
            });
        }
        let excess = self.policy.check(&manifest);
        if !excess.is_empty() {
            return Err(HostError::Policy {
                excess: excess.iter().map(ToString::to_string).collect(),
            });
        }
        let existing = self.db.version(&request.name, &request.version)?;
        if let Some(existing) = &existing
            && existing.sha256 != info.sha256
        {
            return Err(StateError::VersionConflict {
                name: request.name.clone(),
                version: request.version.clone(),
                existing_sha: existing.sha256.clone(),
                new_sha: info.sha256.clone(),
            }
            .into());
        }
        // Compile and link before anything is stored: a stored version always runs.
        let data_root = self.state_dir.data(&request.name);
        provision_data_dirs(&manifest, &data_root)?;
        let loaded =
            self.runtime
                .prepare(LoadOptions::new(manifest, request.wasm.clone(), data_root))?;
        let sha256 = self.blobs.put(&request.wasm)?;
        // In a cluster, the upload is acknowledged once the other hosts have
        // compiled it too, so activating it (now or later) is a pointer switch
        // on every host.
        let waiter = match self.membership() {
            Some(m) => Some(m.warm_waiter(&request.name, &request.version).await),
            None => None,
        };
        let outcome = self.db.add_version(&NewVersion {
            name: request.name.clone(),
            version: request.version.clone(),
            sha256: sha256.clone(),
            size: request.wasm.len() as u64,
            manifest_toml: request.manifest_toml.clone(),
            deployed_by: request.actor.clone(),
            ..NewVersion::default()
        })?;
        if let Some(waiter) = waiter
            && matches!(outcome, AddOutcome::Added)
        {
            waiter.wait().await;
        }
        if let Ok(mut warm) = self.warm.lock() {
            warm.entry(key(&request.name, &request.version))
                .or_insert(Served::Component(loaded.clone()));
        }
        let deployment = self.db.deployment(&request.name)?;
        let has_active = deployment
            .as_ref()
            .is_some_and(|d| d.active_version.is_some() && !d.undeployed);
        let activated = request.activate && !has_active;
        if activated {
            self.db
                .set_active(&request.name, &request.version, &request.actor)?;
            let retired = self.traffic.set(
                &request.name,
                Some(Route {
                    stable: Served::Component(loaded),
                    canary: None,
                }),
            );
            retire(retired);
        }
        Ok(DeployOutcome {
            name: request.name,
            version: request.version,
            sha256,
            created: matches!(outcome, AddOutcome::Added),
            activated,
        })
    }

    /// Rolls a stored version out with a strategy.
    pub async fn update(
        &self,
        name: &str,
        request: UpdateRequest,
        actor: &str,
    ) -> Result<Deployment, HostError> {
        let _op = self.ops.lock().await;
        let current = self.active_route(name)?;
        let next = self.load_version(name, &request.version)?;
        match request.strategy.as_str() {
            "immediate" => self.switch(name, next, &request.version, actor),
            "blue-green" => {
                // The new version is compiled and instantiated above; it (every
                // node of a pipeline) must also answer `health` before it takes
                // any traffic.
                for next in next.health_components() {
                    if next.world() != crate::manifest::WorldName::AirssysComponent {
                        continue;
                    }
                    match self.runtime.health(&next).await {
                        Ok(HealthStatus::Healthy) | Ok(HealthStatus::Degraded) => {}
                        Ok(HealthStatus::Unhealthy) => {
                            return Err(HostError::Unhealthy {
                                message: format!(
                                    "{name}@{} reports unhealthy; the old version keeps serving",
                                    request.version
                                ),
                            });
                        }
                        Err(e) => {
                            return Err(HostError::Unhealthy {
                                message: format!(
                                    "{name}@{} failed its health check ({e}); the old version keeps serving",
                                    request.version
                                ),
                            });
                        }
                    }
                }
                self.switch(name, next, &request.version, actor)
            }
            "canary" | "rolling" => {
                let rolling = request.strategy == "rolling";
                let steps = if rolling {
                    validated_steps(&request.steps)?
                } else {
                    Vec::new()
                };
                let weight = if rolling {
                    steps[0]
                } else {
                    request.weight.unwrap_or(10)
                };
                if weight > 100 {
                    return Err(HostError::BadRequest {
                        message: format!("weight {weight} is above 100"),
                    });
                }
                if request
                    .max_error_rate
                    .is_some_and(|r| !(0.0..=1.0).contains(&r))
                {
                    return Err(HostError::BadRequest {
                        message: "max error rate must be between 0 and 1 (e.g. 0.05)".into(),
                    });
                }
                let canary = Canary {
                    version: request.version.clone(),
                    weight_percent: weight,
                    sticky_header: request.sticky_header.clone(),
                    // A rolling update aborts by itself when unhealthy, so it always
                    // has an error-rate limit.
                    max_error_rate: request
                        .max_error_rate
                        .or(rolling.then_some(DEFAULT_ROLLING_MAX_ERROR_RATE)),
                    strategy: request.strategy.clone(),
                    steps,
                    step_index: 0,
                    interval_ms: if rolling {
                        Some(request.interval_ms.unwrap_or(30_000))
                    } else {
                        None
                    },
                };
                let deployment = self.db.set_canary(name, Some(canary), actor)?;
                let retired = self.traffic.set(
                    name,
                    Some(Route {
                        stable: current.stable,
                        canary: Some(CanaryRoute {
                            target: next,
                            weight,
                            sticky_header: request.sticky_header,
                        }),
                    }),
                );
                retire(retired);
                Ok(deployment)
            }
            other => Err(HostError::BadRequest {
                message: format!(
                    "unknown strategy `{other}`: use immediate, blue-green, canary or rolling"
                ),
            }),
        }
    }

    /// Changes the canary's weight (rolling steps); `step_index` is persisted.
    pub async fn set_canary_weight(
        &self,
        name: &str,
        weight: u8,
        step_index: usize,
        actor: &str,
    ) -> Result<(), HostError> {
        let _op = self.ops.lock().await;
        let Some(deployment) = self.db.deployment(name)? else {
            return Ok(());
        };
        let Some(mut canary) = deployment.canary else {
            return Ok(());
        };
        canary.weight_percent = weight;
        canary.step_index = step_index;
        self.db.set_canary(name, Some(canary), actor)?;
        if let Some(mut route) = self.traffic.route(name) {
            if let Some(c) = route.canary.as_mut() {
                c.weight = weight;
            }
            self.traffic.set(name, Some(route));
        }
        Ok(())
    }

    /// Makes the canary the active version.
    pub async fn promote(&self, name: &str, actor: &str) -> Result<Deployment, HostError> {
        let _op = self.ops.lock().await;
        let route = self.active_route(name)?;
        let canary = route.canary.ok_or_else(|| HostError::BadRequest {
            message: format!("{name} has no canary to promote"),
        })?;
        let version = canary.target.version();
        self.switch(name, canary.target, &version, actor)
    }

    /// Stops the canary; all traffic goes back to the stable version.
    pub async fn abort(
        &self,
        name: &str,
        actor: &str,
        reason: Option<String>,
    ) -> Result<Deployment, HostError> {
        let _op = self.ops.lock().await;
        let route = self.active_route(name)?;
        if route.canary.is_none() {
            return Err(HostError::BadRequest {
                message: format!("{name} has no canary to abort"),
            });
        }
        let deployment = self
            .db
            .set_canary_because(name, None, actor, reason.as_deref())?;
        retire(self.traffic.set(
            name,
            Some(Route {
                stable: route.stable,
                canary: None,
            }),
        ));
        Ok(deployment)
    }

    /// Switches back to `to` (default: the previous version) at once.
    pub async fn rollback(
        &self,
        name: &str,
        to: Option<String>,
        actor: &str,
    ) -> Result<Deployment, HostError> {
        let _op = self.ops.lock().await;
        let deployment = self
            .db
            .deployment(name)?
            .ok_or_else(|| HostError::NotFound {
                what: format!("{name} is not deployed"),
            })?;
        let target = to
            .or(deployment.previous_version)
            .ok_or_else(|| HostError::BadRequest {
                message: format!(
                    "{name} has no previous version to roll back to; name one with --to-version"
                ),
            })?;
        let next = self.load_version(name, &target)?;
        self.switch(name, next, &target, actor)
    }

    /// Stops serving `name`; its versions and history stay.
    pub async fn undeploy(&self, name: &str, actor: &str) -> Result<Deployment, HostError> {
        let _op = self.ops.lock().await;
        let deployment = self.db.undeploy(name, actor)?;
        retire(self.traffic.set(name, None));
        Ok(deployment)
    }

    /// Calls `shutdown` on the idle instances of every loaded version, including
    /// the warm copies kept for rollback (host stop).
    pub async fn shutdown(&self) {
        let warm: Vec<Arc<LoadedComponent>> = self
            .warm
            .lock()
            .map(|w| w.values().filter_map(|s| s.component().cloned()).collect())
            .unwrap_or_default();
        for component in warm {
            component.drain().await;
        }
    }

    fn active_route(&self, name: &str) -> Result<Route, HostError> {
        self.traffic.route(name).ok_or_else(|| HostError::NotFound {
            what: format!("{name} has no active version; deploy one first"),
        })
    }

    fn switch(
        &self,
        name: &str,
        next: Served,
        version: &str,
        actor: &str,
    ) -> Result<Deployment, HostError> {
        let deployment = self.db.set_active(name, version, actor)?;
        retire(self.traffic.set(
            name,
            Some(Route {
                stable: next,
                canary: None,
            }),
        ));
        Ok(deployment)
    }
}

/// Creates the component's data root and the directories its relative path
/// grants name, so a fresh host can run it; what goes in them is the operator's.
/// The directories are created by the same symlink-refusing walk that opens
/// grants for instances, so a link planted by an earlier version cannot redirect
/// them.
fn provision_data_dirs(manifest: &Manifest, data_root: &Path) -> Result<(), HostError> {
    std::fs::create_dir_all(data_root).map_err(|e| HostError::Internal {
        message: format!("cannot create {}: {e}", data_root.display()),
    })?;
    let relative: Vec<_> = manifest
        .permissions
        .filesystem
        .iter()
        .filter(|g| g.relative)
        .cloned()
        .collect();
    open_grants(&relative, data_root, CreateMissing::All).map_err(|e| HostError::Invalid {
        message: "cannot provision the component's data directories".into(),
        details: vec![e.to_string()],
    })?;
    Ok(())
}

fn check_identity(manifest: &Manifest, name: &str, version: &str) -> Result<(), HostError> {
    let c = &manifest.component;
    if c.name != name || c.version.to_string() != version {
        return Err(HostError::BadRequest {
            message: format!(
                "the upload is {name}@{version} but its manifest says {}@{}",
                c.name, c.version
            ),
        });
    }
    Ok(())
}

fn validated_steps(steps: &[u8]) -> Result<Vec<u8>, HostError> {
    let valid = !steps.is_empty()
        && steps.windows(2).all(|w| w[0] < w[1])
        && steps.iter().all(|s| (1..=100).contains(s));
    if !valid {
        return Err(HostError::BadRequest {
            message:
                "rolling steps must be increasing percentages between 1 and 100, e.g. 10,50,100"
                    .into(),
        });
    }
    Ok(steps.to_vec())
}

/// Versions that no longer take traffic: their idle instances get `shutdown` now.
/// They stay compiled and pre-instantiated (warm) for an instant rollback; calls
/// still in flight finish on them, and their instances are shut down when the
/// host stops ([`HostService::shutdown`]).
fn retire(old: Vec<Served>) {
    // A pipeline's nodes are component versions of their own; they stay warm
    // like any other version.
    for component in old.into_iter().filter_map(|s| s.component().cloned()) {
        tokio::spawn(async move { component.drain().await });
    }
}
