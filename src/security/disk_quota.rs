//! `[permissions.filesystem] max_bytes` / `max_files`: what a component's
//! writable grants may hold together, so that no guest can fill the host's disk.
//!
//! Counting is cheap and conservative: every write is charged the bytes it
//! writes and every created entry one file, before it happens. Overwrites and
//! deletions are not credited back one by one; instead, when the running count
//! goes over the quota, the writable grants are measured exactly (a walk of the
//! directories opened by the symlink-refusing walk of `grant_dirs`) and the count
//! is corrected. Only when the exact measure is over the quota too is the write
//! refused, which traps the instance with [`DiskQuotaExceeded`].

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use wasmtime_wasi_io::poll::Pollable;
use wasmtime_wasi_io::streams::{DynOutputStream, OutputStream, StreamError, StreamResult};

use super::grant_dirs::{CreateMissing, fd_path, open_grants};
use crate::manifest::{Access, DiskQuota, PathGrant};

/// How often the exact measure may run while a guest keeps pushing at its quota.
const RESYNC_INTERVAL: Duration = Duration::from_millis(50);

/// A write refused because the writable grants would hold more than the quota.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "disk quota exceeded: the writable grants would hold {used} {unit}, over [permissions.filesystem] {key} = {limit}"
)]
pub struct DiskQuotaExceeded {
    /// `max_bytes` or `max_files`.
    pub key: &'static str,
    /// The quota.
    pub limit: u64,
    /// What the refused operation would have brought the grants to.
    pub used: u64,
    /// `bytes` or `files`.
    pub unit: &'static str,
}

/// The usage of one component's writable grants, shared by its instances.
#[derive(Debug)]
pub struct DiskUsage {
    quota: DiskQuota,
    /// Writable grants not inside another writable grant (measured once each).
    roots: Vec<PathGrant>,
    data_root: PathBuf,
    bytes: AtomicU64,
    files: AtomicU64,
    /// When the exact measure last ran (`None`: never, the counts are unset).
    measured: Mutex<Option<Instant>>,
}

impl DiskUsage {
    /// The tracker for `grants` under `quota`, or `None` when nothing is capped
    /// or nothing is writable.
    pub fn new(quota: DiskQuota, grants: &[PathGrant], data_root: &Path) -> Option<DiskUsage> {
        let writable: Vec<&PathGrant> = grants
            .iter()
            .filter(|g| g.access == Access::ReadWrite)
            .collect();
        if !quota.is_limited() || writable.is_empty() {
            return None;
        }
        let host = |g: &PathGrant| g.host_path(data_root);
        let roots = writable
            .iter()
            .filter(|g| {
                !writable
                    .iter()
                    .any(|o| o.dir != g.dir && host(g).starts_with(host(o)))
            })
            .map(|g| (*g).clone())
            .collect();
        Some(DiskUsage {
            quota,
            roots,
            data_root: data_root.to_path_buf(),
            bytes: AtomicU64::new(0),
            files: AtomicU64::new(0),
            measured: Mutex::new(None),
        })
    }

    /// Accounts for an operation about to add `bytes` bytes and `files` entries.
    pub fn charge(&self, bytes: u64, files: u64) -> Result<(), DiskQuotaExceeded> {
        self.ensure_measured();
        let used_bytes = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        let used_files = self.files.fetch_add(files, Ordering::Relaxed) + files;
        if self.over(used_bytes, used_files).is_none() {
            return Ok(());
        }
        // Over by the running count: correct it with an exact measure.
        let (exact_bytes, exact_files) = self.resync();
        let used_bytes = exact_bytes + bytes;
        let used_files = exact_files + files;
        match self.over(used_bytes, used_files) {
            None => {
                self.bytes.fetch_add(bytes, Ordering::Relaxed);
                self.files.fetch_add(files, Ordering::Relaxed);
                Ok(())
            }
            Some(exceeded) => {
                // The instance traps; whoever writes next gets a fresh measure, so
                // space freed in between (by the host, or a later version) counts.
                *self.measured.lock().unwrap_or_else(|p| p.into_inner()) = None;
                Err(exceeded)
            }
        }
    }

    fn over(&self, bytes: u64, files: u64) -> Option<DiskQuotaExceeded> {
        if let Some(limit) = self.quota.max_bytes
            && bytes > limit
        {
            return Some(DiskQuotaExceeded {
                key: "max_bytes",
                limit,
                used: bytes,
                unit: "bytes",
            });
        }
        if let Some(limit) = self.quota.max_files
            && files > limit
        {
            return Some(DiskQuotaExceeded {
                key: "max_files",
                limit,
                used: files,
                unit: "files",
            });
        }
        None
    }

    fn ensure_measured(&self) {
        let mut measured = self.measured.lock().unwrap_or_else(|p| p.into_inner());
        if measured.is_none() {
            let (bytes, files) = self.measure();
            self.bytes.store(bytes, Ordering::Relaxed);
            self.files.store(files, Ordering::Relaxed);
            *measured = Some(Instant::now());
        }
    }

    /// Measures again (at most every [`RESYNC_INTERVAL`]) and stores the result;
    /// returns the counts in force.
    fn resync(&self) -> (u64, u64) {
        let mut measured = self.measured.lock().unwrap_or_else(|p| p.into_inner());
        if measured.is_some_and(|at| at.elapsed() < RESYNC_INTERVAL) {
            return (
                self.bytes.load(Ordering::Relaxed),
                self.files.load(Ordering::Relaxed),
            );
        }
        let (bytes, files) = self.measure();
        self.bytes.store(bytes, Ordering::Relaxed);
        self.files.store(files, Ordering::Relaxed);
        *measured = Some(Instant::now());
        (bytes, files)
    }

    /// Bytes of regular files and entries below the writable grants, walked
    /// through the directories the safe walk opened (links are counted, never
    /// followed).
    fn measure(&self) -> (u64, u64) {
        let Ok(dirs) = open_grants(&self.roots, &self.data_root, CreateMissing::Writable) else {
            return (0, 0);
        };
        let (mut bytes, mut files) = (0, 0);
        for dir in &dirs {
            let walk = walkdir::WalkDir::new(fd_path(dir))
                .follow_links(false)
                .min_depth(1);
            for entry in walk.into_iter().filter_map(Result::ok) {
                files += 1;
                if entry.file_type().is_file() {
                    bytes += entry.metadata().map(|m| m.len()).unwrap_or(0);
                }
            }
        }
        (bytes, files)
    }
}

/// A file output stream whose writes are charged to the component's quota.
pub struct QuotaStream {
    inner: DynOutputStream,
    usage: std::sync::Arc<DiskUsage>,
}

impl QuotaStream {
    /// Wraps `inner`, charging its writes to `usage`.
    pub fn wrap(inner: DynOutputStream, usage: std::sync::Arc<DiskUsage>) -> DynOutputStream {
        Box::new(QuotaStream { inner, usage })
    }

    fn charge(&self, bytes: usize) -> StreamResult<()> {
        self.usage
            .charge(bytes as u64, 0)
            .map_err(|e| StreamError::Trap(wasmtime::Error::new(e)))
    }
}

#[async_trait::async_trait]
impl Pollable for QuotaStream {
    async fn ready(&mut self) {
        self.inner.ready().await
    }
}

#[async_trait::async_trait]
impl OutputStream for QuotaStream {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.charge(bytes.len())?;
        self.inner.write(bytes)
    }

    fn flush(&mut self) -> StreamResult<()> {
        self.inner.flush()
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        self.inner.check_write()
    }

    async fn blocking_write_and_flush(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.charge(bytes.len())?;
        self.inner.blocking_write_and_flush(bytes).await
    }

    fn write_zeroes(&mut self, nelem: usize) -> StreamResult<()> {
        self.charge(nelem)?;
        self.inner.write_zeroes(nelem)
    }

    async fn write_ready(&mut self) -> StreamResult<usize> {
        self.inner.write_ready().await
    }

    async fn cancel(&mut self) {
        self.inner.cancel().await
    }
}
