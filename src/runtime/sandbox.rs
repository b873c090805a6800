//! Everything the runtime enforces for one component, derived once from its
//! manifest: identity, limits, grants and the data root grants resolve against.

use std::path::PathBuf;
use std::sync::Arc;

use crate::manifest::{DiskQuota, InstanceMode, Manifest, Permissions, Resources};
use crate::security::{DiskUsage, NetworkPolicy};

use super::EventSink;

/// The enforced form of a manifest.
pub struct Sandbox {
    /// Component name.
    pub name: String,
    /// Component version.
    pub version: String,
    /// Memory, time, fuel and concurrency limits.
    pub resources: Resources,
    /// Instance reuse policy.
    pub instance_mode: InstanceMode,
    /// The typed grants.
    pub permissions: Permissions,
    /// `[config]`, handed to `init`.
    pub config: Vec<(String, String)>,
    /// The directory relative path grants resolve against.
    pub data_root: PathBuf,
    /// Network enforcement (shared by the component's instances).
    pub network: Arc<NetworkPolicy>,
    /// Custom capabilities granted to the component (embedding API).
    pub custom_capabilities: Vec<String>,
    /// What its instances used, for metrics.
    pub usage: Arc<Usage>,
    /// What its writable grants hold, against its disk quota (`None`: no cap).
    pub disk: Option<Arc<DiskUsage>>,
}

/// Resource use of all instances of one loaded component.
#[derive(Debug, Default)]
pub struct Usage {
    /// Largest linear memory any instance grew to, in bytes.
    pub memory_high_water: std::sync::atomic::AtomicU64,
    /// Fuel consumed by all calls.
    pub fuel_consumed: std::sync::atomic::AtomicU64,
}

impl Sandbox {
    /// Builds the sandbox of `manifest`, resolving path grants against
    /// `data_root`; `default_quota` fills the disk caps the manifest leaves open.
    pub fn new(
        manifest: &Manifest,
        data_root: PathBuf,
        sink: Arc<dyn EventSink>,
        default_quota: DiskQuota,
    ) -> Self {
        let c = &manifest.component;
        let disk = DiskUsage::new(
            manifest.permissions.disk_quota.or(default_quota),
            &manifest.permissions.filesystem,
            &data_root,
        )
        .map(Arc::new);
        let version = c.version.to_string();
        Sandbox {
            network: Arc::new(NetworkPolicy::new(
                &c.name,
                &version,
                manifest.permissions.network.clone(),
                sink,
            )),
            name: c.name.clone(),
            version,
            resources: manifest.resources,
            instance_mode: manifest.runtime.instance_mode,
            permissions: manifest.permissions.clone(),
            config: manifest
                .config
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            data_root,
            custom_capabilities: manifest.permissions.custom.clone(),
            usage: Arc::new(Usage::default()),
            disk,
        }
    }
}
