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
    /// Files the component may not open even where a grant covers them: its
    /// own manifest (identified by device and inode, so no path, link or hard
    /// link reaches it).
    pub hidden: Vec<FileId>,
    /// The names of the [`hidden`](Self::hidden) files, so that directory
    /// listings leave them out without a `stat` of every entry.
    pub hidden_names: Vec<String>,
}

/// A file's identity on the host: device and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId {
    /// Device.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
}

impl FileId {
    /// The identity of the file at `path` (links followed), if it exists.
    pub fn of_path(path: &std::path::Path) -> Option<FileId> {
        std::fs::metadata(path).ok().and_then(|m| FileId::of(&m))
    }

    /// The identity in `metadata` (Unix only; elsewhere nothing is hidden).
    pub fn of(metadata: &std::fs::Metadata) -> Option<FileId> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Some(FileId {
                dev: metadata.dev(),
                ino: metadata.ino(),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = metadata;
            None
        }
    }
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
        let hidden: Vec<FileId> = FileId::of_path(&manifest.path).into_iter().collect();
        let hidden_names = match manifest.path.file_name() {
            Some(name) if !hidden.is_empty() => vec![name.to_string_lossy().into_owned()],
            _ => Vec::new(),
        };
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
            hidden,
            hidden_names,
        }
    }
}
