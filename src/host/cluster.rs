//! A host's part in a cluster: it applies every shared deployment change to
//! its traffic table as the change arrives, says every second that it is alive
//! and what it serves, and competes for the controller lease, so that the
//! time-driven work of rollouts (rolling steps, canary auto-abort) runs on
//! exactly one host at a time.
//!
//! The registry and the lease are one KV bucket, `airssys_hosts`: key
//! `host.<id>` is a host's heartbeat, key `controller` the lease, taken and
//! renewed by compare-and-set on its revision. A lease not renewed for
//! [`LEASE`] is free: when the controller dies, another host takes over within
//! that time plus one renewal period.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_nats::jetstream::kv;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::service::HostService;
use crate::store::audit::now_ms;

/// The registry and lease bucket.
pub const HOSTS_BUCKET: &str = "airssys_hosts";

/// How long a lease lasts unless renewed.
pub const LEASE: Duration = Duration::from_secs(3);

/// How often a host renews its lease and heartbeat.
const BEAT: Duration = Duration::from_millis(1000);

/// One host as the registry shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HostRecord {
    /// Its id (random per process).
    pub id: String,
    /// Where it listens.
    pub addr: String,
    /// When it last said it is alive, unix milliseconds.
    pub seen_at: u64,
    /// What it serves: `name → version` (and the canary's, after a `+`).
    pub serving: std::collections::BTreeMap<String, String>,
    /// The last revision of the deployments bucket it applied.
    pub applied_revision: u64,
    /// Whether it holds the controller lease.
    pub controller: bool,
    /// Its calls and errors of each canary it serves (`name@version`), over
    /// the last [`super::server::ERROR_WINDOW`] (or since it began serving
    /// the canary): the controller sums them for the automatic abort.
    #[serde(default)]
    pub canaries: std::collections::BTreeMap<String, [u64; 2]>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Lease {
    holder: String,
    until_ms: u64,
}

/// This host in the cluster.
pub struct Membership {
    /// Its id.
    pub id: String,
    leading: AtomicBool,
    applied: std::sync::atomic::AtomicU64,
    hosts: kv::Store,
    deployments: kv::Store,
    /// When this host began serving each canary (`name@version`).
    canary_since: std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
    client: async_nats::Client,
}

/// The subject on which a host says it compiled `name@version`.
fn warmed_subject(name: &str, version: &str) -> String {
    format!(
        "airssys.warmed.{name}.{}",
        crate::store::blobs::hex(version.as_bytes())
    )
}

/// Waits for the other live hosts to compile a version being uploaded.
pub struct WarmWaiter {
    subscription: Option<async_nats::Subscriber>,
    others: Vec<String>,
}

/// How long an upload waits for the other hosts to compile it.
const WARM_WAIT: Duration = Duration::from_secs(10);

impl WarmWaiter {
    /// Returns once every other live host said it compiled the version, or
    /// after [`WARM_WAIT`] (a slow or dead host does not block uploads; it
    /// compiles when it first serves the version). The hosts still compiling.
    pub async fn wait(mut self) -> Vec<String> {
        let Some(mut subscription) = self.subscription.take() else {
            return Vec::new();
        };
        let deadline = tokio::time::Instant::now() + WARM_WAIT;
        while !self.others.is_empty() {
            match tokio::time::timeout_at(deadline, subscription.next()).await {
                Ok(Some(message)) => {
                    let id = String::from_utf8_lossy(&message.payload).to_string();
                    self.others.retain(|o| *o != id);
                }
                _ => break,
            }
        }
        self.others
    }
}

impl Membership {
    /// Starts listening for the other live hosts compiling `name@version`
    /// (before it is stored, so that no answer is missed).
    pub async fn warm_waiter(&self, name: &str, version: &str) -> WarmWaiter {
        let others: Vec<String> = self
            .hosts()
            .await
            .into_iter()
            .map(|h| h.id)
            .filter(|id| *id != self.id)
            .collect();
        let subscription = if others.is_empty() {
            None
        } else {
            self.client
                .subscribe(warmed_subject(name, version))
                .await
                .ok()
        };
        WarmWaiter {
            subscription,
            others,
        }
    }

    /// Whether this host holds the controller lease now.
    pub fn leads(&self) -> bool {
        self.leading.load(Ordering::Relaxed)
    }

    /// The latest revision of the shared deployments (a host whose
    /// `applied_revision` is below it lags behind).
    pub async fn latest_revision(&self) -> u64 {
        let mut stream = self.deployments.stream.clone();
        match stream.info().await {
            Ok(info) => info.state.last_sequence,
            Err(_) => 0,
        }
    }

    /// The calls and errors of canary `name@version` on every live host.
    pub async fn canary_counts(&self, name: &str, version: &str) -> (u64, u64) {
        let key = format!("{name}@{version}");
        self.hosts()
            .await
            .iter()
            .filter_map(|h| h.canaries.get(&key))
            .fold((0, 0), |(calls, errors), [c, e]| (calls + c, errors + e))
    }

    /// This host's counts of each canary it serves now.
    fn local_canaries(
        &self,
        service: &HostService,
    ) -> std::collections::BTreeMap<String, [u64; 2]> {
        let mut since = self.canary_since.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = std::collections::BTreeMap::new();
        let serving: Vec<(String, String)> = service
            .traffic
            .routes()
            .into_iter()
            .filter_map(|(name, route)| Some((name, route.canary?.target.version())))
            .collect();
        since.retain(|key, _| serving.iter().any(|(n, v)| *key == format!("{n}@{v}")));
        for (name, version) in serving {
            let key = format!("{name}@{version}");
            let started = *since
                .entry(key.clone())
                .or_insert_with(std::time::Instant::now);
            let window = started.elapsed().min(super::server::ERROR_WINDOW);
            if let Some((rate, calls)) = service
                .traffic
                .metrics()
                .error_rate(&name, &version, window)
            {
                out.insert(key, [calls, (rate * calls as f64).round() as u64]);
            }
        }
        out
    }

    /// Every host heard from within a lease period, by address; the
    /// controller is the holder of the live lease (not what a host last said).
    pub async fn hosts(&self) -> Vec<HostRecord> {
        let mut out = Vec::new();
        let Ok(keys) = self.hosts.keys().await else {
            return out;
        };
        let keys: Vec<String> = keys.filter_map(|k| async { k.ok() }).collect().await;
        let now = now_ms();
        let lease: Option<Lease> = match self.hosts.get("controller").await {
            Ok(Some(value)) => serde_json::from_slice(&value).ok(),
            _ => None,
        };
        let fresh = now.saturating_sub(LEASE.as_millis() as u64);
        for key in keys.iter().filter(|k| k.starts_with("host.")) {
            if let Ok(Some(value)) = self.hosts.get(key.as_str()).await
                && let Ok(mut record) = serde_json::from_slice::<HostRecord>(&value)
                && record.seen_at >= fresh
            {
                record.controller = lease
                    .as_ref()
                    .is_some_and(|l| l.holder == record.id && l.until_ms >= now);
                out.push(record);
            }
        }
        out.sort_by(|a, b| a.addr.cmp(&b.addr));
        out
    }
}

/// Joins the cluster: opens the registry and starts converging, beating and
/// competing for the lease. Returns the membership and the tasks to stop.
pub async fn join(
    service: Arc<HostService>,
    client: async_nats::Client,
    js: async_nats::jetstream::Context,
    [deployments, versions]: [kv::Store; 2],
    addr: String,
    replicas: usize,
) -> Result<(Arc<Membership>, Vec<tokio::task::JoinHandle<()>>), String> {
    let hosts = match js.get_key_value(HOSTS_BUCKET).await {
        Ok(store) => store,
        Err(_) => match js
            .create_key_value(kv::Config {
                bucket: HOSTS_BUCKET.into(),
                history: 1,
                num_replicas: replicas.max(1),
                ..Default::default()
            })
            .await
        {
            Ok(store) => store,
            Err(created) => js
                .get_key_value(HOSTS_BUCKET)
                .await
                .map_err(|e| format!("{HOSTS_BUCKET}: {created}; {e}"))?,
        },
    };
    let mut id = [0u8; 6];
    getrandom::fill(&mut id).map_err(|e| e.to_string())?;
    let membership = Arc::new(Membership {
        id: id.iter().map(|b| format!("{b:02x}")).collect(),
        leading: AtomicBool::new(false),
        applied: std::sync::atomic::AtomicU64::new(0),
        hosts,
        deployments: deployments.clone(),
        canary_since: Default::default(),
        client: client.clone(),
    });
    // Messaging calls to components another host serves go over NATS.
    service
        .runtime()
        .set_remote(Arc::new(super::cluster_calls::NatsCalls {
            client: client.clone(),
        }));
    let answering = super::cluster_calls::Answering::new(client, service.runtime().clone());
    let served = {
        let service = service.clone();
        Arc::new(move || {
            service
                .traffic
                .routes()
                .into_iter()
                .filter(|(_, route)| route.stable.component().is_some())
                .map(|(name, _)| name)
                .collect::<Vec<_>>()
        })
    };
    let tasks = vec![
        tokio::spawn(warm(service.clone(), versions, membership.clone())),
        tokio::spawn(converge(service.clone(), deployments, membership.clone())),
        tokio::spawn(beat(service, membership.clone(), addr)),
        tokio::spawn(super::cluster_calls::keep_answering(
            answering,
            served,
            Duration::from_millis(250),
        )),
    ];
    Ok((membership, tasks))
}

/// Applies every change of the shared deployments (made through any host) to
/// this host's traffic table as it arrives.
async fn converge(service: Arc<HostService>, bucket: kv::Store, me: Arc<Membership>) {
    loop {
        match bucket.watch_all().await {
            Ok(mut changes) => {
                while let Some(change) = changes.next().await {
                    let Ok(change) = change else { break };
                    if let Err(e) = service.converge(&change.key).await {
                        eprintln!(
                            "warning: cannot serve {} as the cluster does: {e}",
                            change.key
                        );
                    }
                    me.applied.fetch_max(change.revision, Ordering::Relaxed);
                }
            }
            Err(e) => eprintln!("warning: watching the cluster's deployments: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Compiles every component version stored through any host as it arrives,
/// so that activating it later (here) is a pointer switch, as on the host
/// that received the upload.
async fn warm(service: Arc<HostService>, bucket: kv::Store, me: Arc<Membership>) {
    #[derive(Deserialize)]
    struct Stored {
        record: crate::store::VersionRecord,
    }
    loop {
        if let Ok(mut stored) = bucket.watch_all().await {
            while let Some(Ok(entry)) = stored.next().await {
                let Ok(Stored { record }) = serde_json::from_slice(&entry.value) else {
                    continue;
                };
                if record.kind != crate::store::VersionKind::Component {
                    continue;
                }
                let service = service.clone();
                let subject = warmed_subject(&record.name, &record.version);
                // Compiling is CPU work: off the async workers.
                let loaded = tokio::task::spawn_blocking(move || {
                    service.load_version(&record.name, &record.version)
                })
                .await;
                // The uploading host waits for this before acknowledging. A
                // host that cannot load the version (its policy refuses it)
                // says so too: it will not serve it, so nothing is to wait for.
                let _ = loaded;
                let _ = me.client.publish(subject, me.id.clone().into()).await;
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Every [`BEAT`]: renews or takes the controller lease, and writes this
/// host's record.
async fn beat(service: Arc<HostService>, me: Arc<Membership>, addr: String) {
    loop {
        // The watch can stall while NATS fails over; a change it missed is
        // applied here, within a beat.
        let latest = me.latest_revision().await;
        if latest > me.applied.load(Ordering::Relaxed) {
            let names: Vec<String> = match service.db.deployments() {
                Ok(all) => all.into_iter().map(|d| d.name).collect(),
                Err(_) => Vec::new(),
            };
            let mut all_applied = !names.is_empty();
            for name in names {
                all_applied &= service.converge(&name).await.is_ok();
            }
            if all_applied {
                me.applied.fetch_max(latest, Ordering::Relaxed);
            }
        }
        let leads = lead(&me).await;
        if leads != me.leading.swap(leads, Ordering::Relaxed) {
            let what = if leads { "took" } else { "lost" };
            eprintln!(
                "     Cluster this host ({}) {what} the controller lease",
                me.id
            );
        }
        let record = HostRecord {
            id: me.id.clone(),
            addr: addr.clone(),
            seen_at: now_ms(),
            serving: service.serving(),
            applied_revision: me.applied.load(Ordering::Relaxed),
            controller: leads,
            canaries: me.local_canaries(&service),
        };
        if let Ok(bytes) = serde_json::to_vec(&record) {
            let _ = me.hosts.put(format!("host.{}", me.id), bytes.into()).await;
        }
        tokio::time::sleep(BEAT).await;
    }
}

/// Takes the lease when it is free or expired, renews it when held; whether
/// this host holds it now.
async fn lead(me: &Membership) -> bool {
    let now = now_ms();
    let mine = Lease {
        holder: me.id.clone(),
        until_ms: now + LEASE.as_millis() as u64,
    };
    let Ok(bytes) = serde_json::to_vec(&mine) else {
        return false;
    };
    match me.hosts.entry("controller").await {
        Ok(Some(entry)) if entry.operation == kv::Operation::Put => {
            let current: Option<Lease> = serde_json::from_slice(&entry.value).ok();
            let free = current
                .as_ref()
                .is_none_or(|l| l.holder == me.id || l.until_ms < now);
            free && me
                .hosts
                .update("controller", bytes.into(), entry.revision)
                .await
                .is_ok()
        }
        Ok(_) => me.hosts.create("controller", bytes.into()).await.is_ok(),
        Err(_) => false,
    }
}
