//! `serve`: open the state directory, restore every deployment, and serve the
//! invoke API, proxy mounts, `/metrics`, `/healthz` and the admin API until
//! Ctrl-C/SIGTERM; a controller drives rolling updates and canary auto-abort.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::routing::get;

use super::admin;
use super::error::HostError;
use super::events::AuditSink;
use super::layout::StateDir;
use super::metrics::{Metrics, PROMETHEUS_CONTENT_TYPE};
use super::policy::{self, PolicySource};
use super::service::HostService;
use super::traffic::TrafficTable;
use crate::http::{self, AppState};
use crate::runtime::{EventSink, Runtime, RuntimeConfig};
use crate::store::jetstream::{ClusterOptions, JetStreamBackend};
use crate::store::{BlobBackend, BlobStore, StateBackend, StateDb};

/// How to run the host.
#[derive(Debug, Clone)]
pub struct HostOptions {
    /// Where to listen (loopback by default).
    pub listen: SocketAddr,
    /// The state directory.
    pub state_dir: PathBuf,
    /// The policy capping what deploys may ask for.
    pub policy: PolicySource,
    /// Calls executing guest code at once (`None`: the runtime's default).
    pub max_concurrent_calls: Option<usize>,
    /// Largest request body for invoke and proxy routes.
    pub max_body_bytes: usize,
    /// A studio's built workspace, stored on the host before it listens.
    pub workspace: Option<Arc<super::studio::PreparedWorkspace>>,
    /// Cluster mode: the state lives on this NATS JetStream, shared with
    /// other hosts (`None`: in the state directory).
    pub cluster: Option<ClusterOptions>,
}

/// What a started host tells its caller.
pub struct Started {
    /// The bound address.
    pub addr: SocketAddr,
    /// The admin token file.
    pub token_file: PathBuf,
    /// Deployments restored from the state directory.
    pub restored: usize,
    /// Deployments not served (the policy refuses their version, or it cannot
    /// be loaded).
    pub not_served: std::collections::BTreeMap<String, super::service::NotServed>,
    /// A studio's projects that could not be stored, with the reason.
    pub workspace_problems: Vec<(String, String)>,
    /// Cluster mode: where the shared state is, and what was repaired.
    pub cluster: Option<String>,
}

/// Opens everything and serves until `shutdown` resolves; `on_start` runs once
/// the socket is bound.
pub async fn run(
    options: HostOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
    on_start: impl FnOnce(&Started),
) -> Result<(), crate::Error> {
    let state_dir = StateDir::new(&options.state_dir);
    let token = state_dir.prepare()?;
    let policy = options.policy.load()?;
    let mut cluster_note = None;
    let mut watched = None;
    let (db, blobs): (Arc<dyn StateBackend>, Arc<dyn BlobBackend>) = match &options.cluster {
        None => (
            Arc::new(StateDb::open(&state_dir.database()).map_err(host_error)?),
            Arc::new(BlobStore::open(state_dir.root()).map_err(host_error)?),
        ),
        Some(cluster) => {
            // Blocking connect and reconcile: off the async workers.
            let options = cluster.clone();
            let backend = tokio::task::spawn_blocking(move || JetStreamBackend::connect(&options))
                .await
                .map_err(|e| {
                    host_error(HostError::Internal {
                        message: e.to_string(),
                    })
                })?
                .map_err(host_error)?;
            let backend = Arc::new(backend);
            let repaired = {
                let backend = backend.clone();
                tokio::task::spawn_blocking(move || backend.reconcile())
                    .await
                    .map_err(|e| {
                        host_error(HostError::Internal {
                            message: e.to_string(),
                        })
                    })?
                    .map_err(host_error)?
            };
            cluster_note = Some(format!(
                "state on NATS JetStream at {}{}",
                cluster.url,
                if repaired > 0 {
                    format!(
                        " ({repaired} change(s) left unaudited by a host that stopped were audited)"
                    )
                } else {
                    String::new()
                }
            ));
            watched = Some((
                backend.client(),
                backend.context(),
                backend.deployments_bucket(),
                backend.versions_bucket(),
                cluster.replicas,
            ));
            (backend.clone(), backend)
        }
    };
    let audit = Arc::new(AuditSink::new(db.clone()));
    let sink: Arc<dyn EventSink> = audit.clone();
    let runtime = Runtime::new(RuntimeConfig {
        cache_dir: Some(state_dir.cache()),
        kv_path: Some(state_dir.key_value()),
        sink,
        default_disk_quota: policy::DEFAULT_DISK_QUOTA,
        max_concurrent_calls: options.max_concurrent_calls,
        ..RuntimeConfig::default()
    })?;
    let metrics = Arc::new(Metrics::new());
    let traffic = Arc::new(TrafficTable::new(
        runtime.clone(),
        metrics.clone(),
        Some(audit),
    ));
    let service = Arc::new(HostService::new(
        state_dir.clone(),
        db,
        blobs,
        policy,
        runtime.clone(),
        traffic.clone(),
    ));
    let restored = service.restore().map_err(host_error)?;
    if let Some(workspace) = &options.workspace {
        super::studio::store_workspace(&service, workspace).await;
    }

    let directory: AppState = traffic.clone();
    let prometheus = metrics.clone();
    let app = http::router_with(directory, options.max_body_bytes)
        .merge(admin::router(service.clone(), token))
        .merge(super::ui::router())
        .route(
            "/metrics",
            get(move || {
                let metrics = prometheus.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE)],
                        metrics.render_prometheus(),
                    )
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|e| crate::Error::io("listen on", options.listen.to_string(), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| crate::Error::io("listen on", options.listen.to_string(), e))?;
    let mut cluster_tasks = Vec::new();
    if let Some((client, js, deployments, versions, replicas)) = watched {
        let (membership, tasks) = super::cluster::join(
            service.clone(),
            client,
            js,
            [deployments, versions],
            addr.to_string(),
            replicas,
        )
        .await
        .map_err(|message| host_error(HostError::Internal { message }))?;
        let seen: Vec<String> = membership
            .hosts()
            .await
            .into_iter()
            .map(|h| format!("{} ({})", h.addr, h.id))
            .collect();
        if let Some(note) = &mut cluster_note {
            note.push_str(&format!(
                "; this host is {}; other hosts: {}",
                membership.id,
                if seen.is_empty() {
                    "none yet".to_string()
                } else {
                    seen.join(", ")
                }
            ));
        }
        service.set_membership(membership);
        cluster_tasks = tasks;
    }
    on_start(&Started {
        addr,
        token_file: state_dir.token_file(),
        restored,
        not_served: service.not_served(),
        cluster: cluster_note,
        workspace_problems: service
            .workspace()
            .map(|ws| {
                ws.projects
                    .iter()
                    .filter_map(|p| Some((p.dir.clone(), p.error.clone()?)))
                    .collect()
            })
            .unwrap_or_default(),
    });
    let controller = tokio::spawn(control_rollouts(service.clone()));
    http::serve(listener, app, shutdown)
        .await
        .map_err(|e| crate::Error::io("serve on", addr.to_string(), e))?;
    controller.abort();
    for task in cluster_tasks {
        task.abort();
    }
    service.shutdown().await;
    runtime.shutdown().await;
    Ok(())
}

fn host_error(e: impl Into<HostError>) -> crate::Error {
    crate::Error::Usage {
        message: e.into().to_string(),
        help: None,
    }
}

/// Smallest number of canary calls in the window before its error rate counts.
const MIN_CANARY_CALLS: u64 = 20;

/// The window the canary's error rate is measured over.
pub(crate) const ERROR_WINDOW: Duration = Duration::from_secs(30);

/// Advances rolling updates while the canary is healthy; aborts canaries whose
/// error rate passes their `max_error_rate` (audited as the host's decision).
async fn control_rollouts(service: Arc<HostService>) {
    let mut step_started: std::collections::HashMap<String, (usize, Instant)> = Default::default();
    // When each canary (name, version) started: its error rate counts only calls
    // made since, not errors of an earlier canary of the same version.
    let mut canary_started: std::collections::HashMap<String, (String, Instant)> =
        Default::default();
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        service.traffic.refresh_gauges();
        // In a cluster, only the holder of the controller lease drives rollouts.
        if service.membership().is_some_and(|m| !m.leads()) {
            step_started.clear();
            continue;
        }
        let Ok(deployments) = service.db.deployments() else {
            continue;
        };
        for deployment in deployments {
            let Some(canary) = deployment.canary else {
                step_started.remove(&deployment.name);
                canary_started.remove(&deployment.name);
                continue;
            };
            let name = deployment.name.clone();
            let started = canary_started
                .entry(name.clone())
                .or_insert_with(|| (canary.version.clone(), Instant::now()));
            if started.0 != canary.version {
                *started = (canary.version.clone(), Instant::now());
            }
            let window = started.1.elapsed().min(ERROR_WINDOW);
            if let Some(max) = canary.max_error_rate {
                // In a cluster, the canary's calls on every host count.
                let rate = match service.membership() {
                    Some(cluster) => {
                        let (calls, errors) = cluster.canary_counts(&name, &canary.version).await;
                        (calls > 0).then(|| (errors as f64 / calls as f64, calls))
                    }
                    None => service
                        .traffic
                        .metrics()
                        .error_rate(&name, &canary.version, window),
                };
                if let Some((rate, calls)) = rate
                    && calls >= MIN_CANARY_CALLS
                    && rate > max
                {
                    let reason = format!(
                        "canary error rate {:.1}% over {calls} calls exceeded {:.1}%",
                        rate * 100.0,
                        max * 100.0
                    );
                    eprintln!("    Aborting {name}@{}: {reason}", canary.version);
                    let _ = service
                        .abort(&name, "airssys-controller", Some(reason))
                        .await;
                    continue;
                }
            }
            if canary.strategy != "rolling" {
                continue;
            }
            let interval = Duration::from_millis(canary.interval_ms.unwrap_or(30_000));
            let entry = step_started
                .entry(name.clone())
                .or_insert((canary.step_index, Instant::now()));
            if entry.0 != canary.step_index {
                *entry = (canary.step_index, Instant::now());
            }
            if entry.1.elapsed() < interval {
                continue;
            }
            let next = canary.step_index + 1;
            match canary.steps.get(next) {
                Some(&weight) if weight < 100 => {
                    let _ = service
                        .set_canary_weight(&name, weight, next, "airssys-controller")
                        .await;
                }
                // The last step (100%) is a promotion.
                _ => {
                    let _ = service.promote(&name, "airssys-controller").await;
                }
            }
        }
    }
}
