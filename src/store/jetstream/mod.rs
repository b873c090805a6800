//! Cluster mode's state: the [`StateBackend`] and [`BlobBackend`] on a NATS
//! JetStream server shared by every host (`serve --cluster nats://…`).
//!
//! | state | JetStream | consistency |
//! |---|---|---|
//! | versions | KV bucket `airssys_versions`, key `<name>.<hex of version>` | create-only: immutable |
//! | deployments | KV bucket `airssys_deployments`, key `<name>` | compare-and-set on the key's revision |
//! | audit log | stream `AIRSSYS_AUDIT`, one message per entry | appends expect the last sequence: one hash chain |
//! | blobs | object store `airssys_blobs`, object `<sha256>` | content-addressed |
//!
//! A change is written first (the version created, the deployment swapped)
//! with its audit entry marked pending in the same record, then the entry is
//! appended, then the mark cleared. The append expects both the log's last
//! sequence (so the chain never forks) and the last sequence of the change's
//! own subject (so an entry is appended once, whichever host finishes it). A
//! host that dies between the two leaves the mark: the next change of that
//! deployment, or any host's reconciliation, appends the entry. No
//! acknowledged change is lost and none goes unaudited.
//!
//! The traits are synchronous, like SQLite's calls: each call runs on the
//! backend's own small runtime and the caller waits for it (a loopback round
//! trip, as a disk write is for SQLite).

mod audit_log;
mod records;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, kv, object_store, stream};

use super::audit::{AuditEntry, NewAuditEntry, VerifyReport};
use super::backend::{BlobBackend, StateBackend};
use super::blobs::BlobError;
use super::state::{AddOutcome, Canary, Deployment, NewVersion, StateError, VersionRecord};

/// Bucket of versions.
pub const VERSIONS_BUCKET: &str = "airssys_versions";
/// Bucket of deployments.
pub const DEPLOYMENTS_BUCKET: &str = "airssys_deployments";
/// Object store of blobs.
pub const BLOBS_BUCKET: &str = "airssys_blobs";
/// Stream of the audit log.
pub const AUDIT_STREAM: &str = "AIRSSYS_AUDIT";

/// How to reach the cluster's NATS server(s).
#[derive(Debug, Clone, Default)]
pub struct ClusterOptions {
    /// `nats://host:port` (several, comma-separated, for a NATS cluster).
    pub url: String,
    /// User and password.
    pub user: Option<(String, String)>,
    /// A token.
    pub token: Option<String>,
    /// A `.creds` file (JWT and nkey seed).
    pub credentials: Option<std::path::PathBuf>,
    /// An nkey seed.
    pub nkey: Option<String>,
    /// CA certificates to trust for TLS.
    pub tls_ca: Option<std::path::PathBuf>,
    /// Client certificate and key for mutual TLS.
    pub tls_client: Option<(std::path::PathBuf, std::path::PathBuf)>,
    /// Require TLS.
    pub tls_required: bool,
    /// Replicas of each bucket and stream (3 on a 3-node NATS cluster).
    pub replicas: usize,
}

/// The handles every operation uses.
pub(crate) struct Stores {
    pub(crate) client: async_nats::Client,
    pub(crate) js: jetstream::Context,
    pub(crate) versions: kv::Store,
    pub(crate) deployments: kv::Store,
    pub(crate) blobs: object_store::ObjectStore,
    pub(crate) audit: stream::Stream,
    /// The last entry appended as this host saw it: `(seq, hash)`.
    pub(crate) tail: tokio::sync::Mutex<Option<(u64, String)>>,
}

/// The state of a cluster of hosts, on NATS JetStream.
pub struct JetStreamBackend {
    stores: Arc<Stores>,
    runtime: Option<tokio::runtime::Runtime>,
}

fn cluster_error(context: &'static str) -> impl Fn(String) -> StateError {
    move |message| StateError::Cluster { context, message }
}

impl JetStreamBackend {
    /// Connects, and creates the buckets and the stream when they do not exist.
    pub fn connect(options: &ClusterOptions) -> Result<JetStreamBackend, StateError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("airssys-cluster")
            .enable_all()
            .build()
            .map_err(|e| cluster_error("starting its client")(e.to_string()))?;
        let options = options.clone();
        let stores = runtime.block_on(open(options))?;
        Ok(JetStreamBackend {
            stores: Arc::new(stores),
            runtime: Some(runtime),
        })
    }

    /// The NATS client (for watching changes and cross-host messages).
    pub fn client(&self) -> async_nats::Client {
        self.stores.client.clone()
    }

    /// The JetStream context (for the hosts' registry and lease).
    pub fn context(&self) -> jetstream::Context {
        self.stores.js.clone()
    }

    /// The versions bucket (to watch).
    pub fn versions_bucket(&self) -> kv::Store {
        self.stores.versions.clone()
    }

    /// The deployments bucket (to watch).
    pub fn deployments_bucket(&self) -> kv::Store {
        self.stores.deployments.clone()
    }

    /// Runs `work` on the backend's runtime and waits for it.
    fn block<T: Send + 'static>(
        &self,
        work: impl FnOnce(Arc<Stores>) -> std::pin::Pin<Box<dyn Future<Output = T> + Send>>,
    ) -> Result<T, StateError> {
        let runtime = self
            .runtime
            .as_ref()
            .ok_or_else(|| cluster_error("calling")("the client is shut down".into()))?;
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let future = work(self.stores.clone());
        runtime.spawn(async move {
            let _ = tx.send(future.await);
        });
        rx.recv()
            .map_err(|_| cluster_error("calling")("the client stopped".into()))
    }

    /// Appends the audit entries of changes a host left pending (it died
    /// between a change and its entry); returns how many.
    pub fn reconcile(&self) -> Result<usize, StateError> {
        self.block(|s| Box::pin(async move { records::reconcile(&s).await }))?
    }
}

impl Drop for JetStreamBackend {
    fn drop(&mut self) {
        // May run inside the host's async runtime: do not block it.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn open(options: ClusterOptions) -> Result<Stores, StateError> {
    let fail = cluster_error("connecting");
    let mut connect = async_nats::ConnectOptions::new()
        .name("airssys-wasm")
        .connection_timeout(Duration::from_secs(5))
        .retry_on_initial_connect()
        .require_tls(options.tls_required);
    if let Some((user, password)) = options.user {
        connect = connect.user_and_password(user, password);
    }
    if let Some(token) = options.token {
        connect = connect.token(token);
    }
    if let Some(seed) = options.nkey {
        connect = connect.nkey(seed);
    }
    if let Some(path) = options.credentials {
        connect = connect
            .credentials_file(&path)
            .await
            .map_err(|e| fail(format!("{}: {e}", path.display())))?;
    }
    if let Some(ca) = options.tls_ca {
        connect = connect.add_root_certificates(ca);
    }
    if let Some((cert, key)) = options.tls_client {
        connect = connect.add_client_certificate(cert, key);
    }
    let urls: Vec<async_nats::ServerAddr> = options
        .url
        .split(',')
        .map(|u| u.trim().parse())
        .collect::<Result<_, _>>()
        .map_err(|e| fail(format!("`{}`: {e}", options.url)))?;
    let client = tokio::time::timeout(Duration::from_secs(10), connect.connect(urls))
        .await
        .map_err(|_| fail(format!("no NATS server answered at {}", options.url)))?
        .map_err(|e| fail(format!("{}: {e}", options.url)))?;
    // A request to a NATS node that died fails after this, and the next one
    // goes to a live node: it bounds how long a failover stalls a change.
    let js = jetstream::ContextBuilder::new()
        .timeout(Duration::from_secs(3))
        .build(client.clone());
    let replicas = options.replicas.max(1);
    // A NATS cluster that has just started may not have elected its
    // JetStream leader yet: retry for a while before giving up.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let (versions, deployments, blobs, audit) = loop {
        match create_all(&js, replicas).await {
            Ok(all) => break all,
            Err(e) if tokio::time::Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => return Err(e),
        }
    };
    Ok(Stores {
        client,
        js,
        versions,
        deployments,
        blobs,
        audit,
        tail: tokio::sync::Mutex::new(None),
    })
}

/// The buckets, the object store and the stream, created when missing.
async fn create_all(
    js: &jetstream::Context,
    replicas: usize,
) -> Result<
    (
        kv::Store,
        kv::Store,
        object_store::ObjectStore,
        stream::Stream,
    ),
    StateError,
> {
    let versions = bucket(js, VERSIONS_BUCKET, replicas).await?;
    let deployments = bucket(js, DEPLOYMENTS_BUCKET, replicas).await?;
    let blobs = match js.get_object_store(BLOBS_BUCKET).await {
        Ok(store) => store,
        Err(_) => js
            .create_object_store(object_store::Config {
                bucket: BLOBS_BUCKET.into(),
                num_replicas: replicas,
                ..Default::default()
            })
            .await
            .map_err(|e| cluster_error("creating the blob store")(e.to_string()))?,
    };
    let audit = js
        .get_or_create_stream(stream::Config {
            name: AUDIT_STREAM.into(),
            subjects: vec![format!("{}.>", audit_log::SUBJECT)],
            num_replicas: replicas,
            // An audit log is never trimmed nor rewritten.
            deny_delete: true,
            deny_purge: true,
            ..Default::default()
        })
        .await
        .map_err(|e| cluster_error("creating the audit stream")(e.to_string()))?;
    Ok((versions, deployments, blobs, audit))
}

async fn bucket(
    js: &jetstream::Context,
    name: &str,
    replicas: usize,
) -> Result<kv::Store, StateError> {
    if let Ok(store) = js.get_key_value(name).await {
        return Ok(store);
    }
    let created = js
        .create_key_value(kv::Config {
            bucket: name.into(),
            history: 5,
            num_replicas: replicas,
            ..Default::default()
        })
        .await;
    match created {
        Ok(store) => Ok(store),
        // Another host created it meanwhile.
        Err(created) => js
            .get_key_value(name)
            .await
            .map_err(|e| cluster_error("opening a bucket")(format!("{name}: {created}; {e}"))),
    }
}

impl StateBackend for JetStreamBackend {
    fn add_version(&self, new: &NewVersion) -> Result<AddOutcome, StateError> {
        let new = new.clone();
        self.block(|s| Box::pin(async move { records::add_version(&s, &new).await }))?
    }
    fn version(&self, name: &str, version: &str) -> Result<Option<VersionRecord>, StateError> {
        let (name, version) = (name.to_string(), version.to_string());
        self.block(|s| Box::pin(async move { records::version(&s, &name, &version).await }))?
    }
    fn versions(&self, name: &str) -> Result<Vec<VersionRecord>, StateError> {
        let name = name.to_string();
        self.block(|s| Box::pin(async move { records::versions(&s, Some(&name)).await }))?
    }
    fn all_versions(&self) -> Result<Vec<VersionRecord>, StateError> {
        self.block(|s| Box::pin(async move { records::versions(&s, None).await }))?
    }
    fn deployment(&self, name: &str) -> Result<Option<Deployment>, StateError> {
        let name = name.to_string();
        self.block(|s| Box::pin(async move { records::deployment(&s, &name).await }))?
    }
    fn deployments(&self) -> Result<Vec<Deployment>, StateError> {
        self.block(|s| Box::pin(async move { records::deployments(&s).await }))?
    }
    fn set_active(&self, name: &str, version: &str, actor: &str) -> Result<Deployment, StateError> {
        let change = records::DeploymentChange::Activate(version.to_string());
        self.change(name, change, actor)
    }
    fn set_canary_because(
        &self,
        name: &str,
        canary: Option<Canary>,
        actor: &str,
        reason: Option<&str>,
    ) -> Result<Deployment, StateError> {
        let change = records::DeploymentChange::Canary(canary, reason.map(str::to_string));
        self.change(name, change, actor)
    }
    fn undeploy(&self, name: &str, actor: &str) -> Result<Deployment, StateError> {
        self.change(name, records::DeploymentChange::Undeploy, actor)
    }
    fn record_event(&self, event: NewAuditEntry<'_>) -> Result<AuditEntry, StateError> {
        let owned = audit_log::OwnedEntry::from(event);
        self.block(|s| Box::pin(async move { audit_log::record_event(&s, owned).await }))?
    }
    fn audit_log(
        &self,
        component: Option<&str>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StateError> {
        let component = component.map(str::to_string);
        self.block(|s| {
            Box::pin(async move { audit_log::list(&s, component.as_deref(), limit).await })
        })?
    }
    fn verify_audit(&self) -> Result<VerifyReport, StateError> {
        self.block(|s| Box::pin(async move { audit_log::verify(&s).await }))?
    }
}

impl JetStreamBackend {
    fn change(
        &self,
        name: &str,
        change: records::DeploymentChange,
        actor: &str,
    ) -> Result<Deployment, StateError> {
        let (name, actor) = (name.to_string(), actor.to_string());
        self.block(|s| {
            Box::pin(async move { records::change_deployment(&s, &name, change, &actor).await })
        })?
    }
}

impl BlobBackend for JetStreamBackend {
    fn put(&self, bytes: &[u8]) -> Result<String, BlobError> {
        let bytes = bytes.to_vec();
        self.block(|s| Box::pin(async move { records::put_blob(&s, bytes).await }))
            .map_err(|e| BlobError::Remote(e.to_string()))?
    }
    fn get(&self, sha256: &str) -> Result<Vec<u8>, BlobError> {
        let sha256 = sha256.to_string();
        self.block(|s| Box::pin(async move { records::get_blob(&s, &sha256).await }))
            .map_err(|e| BlobError::Remote(e.to_string()))?
    }
}
