//! The data each instance's `Store` carries: its WASI context built from grants,
//! its resource table, its memory limiter, and handles to the runtime's services.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use super::Shared;

use super::sandbox::Sandbox;

/// Store data of one instance.
pub struct HostState {
    pub(crate) wasi: WasiCtx,
    pub(crate) http: WasiHttpCtx,
    pub(crate) http_hooks: crate::security::HttpPolicy,
    pub(crate) table: ResourceTable,
    pub(crate) limiter: MemoryLimiter,
    pub(crate) sandbox: Arc<Sandbox>,
    pub(crate) shared: Arc<Shared>,
    /// How many `messaging.call`s deep this instance runs (0 for a top-level call).
    pub(crate) call_depth: u32,
    /// When the current call must end: its own `max_execution_ms`, or its
    /// caller's remaining time if sooner. Checked at every epoch tick.
    pub(crate) deadline: Instant,
    /// The components up the `messaging` chain of this call, outermost first,
    /// its caller last; empty for a top-level call (to refuse a re-entrant call
    /// that could never get an instance).
    pub(crate) callers: Vec<String>,
    /// Pending name lookups (resource rep → name), to learn granted addresses.
    pub(crate) lookups: HashMap<u32, String>,
    /// Guest paths of open descriptors, for filesystem denial reports.
    pub(crate) fs_paths: crate::security::GuestPaths,
    extensions: HashMap<TypeId, Box<dyn Any + Send>>,
}

impl HostState {
    pub(crate) fn new(wasi: WasiCtx, sandbox: Arc<Sandbox>, shared: Arc<Shared>) -> Self {
        HostState {
            wasi,
            http: WasiHttpCtx::new(),
            http_hooks: crate::security::HttpPolicy::new(sandbox.network.clone()),
            table: ResourceTable::new(),
            limiter: MemoryLimiter::new(sandbox.resources.max_memory_bytes, sandbox.usage.clone()),
            sandbox,
            shared,
            call_depth: 0,
            deadline: Instant::now(),
            callers: Vec::new(),
            lookups: HashMap::new(),
            fs_paths: HashMap::new(),
            extensions: HashMap::new(),
        }
    }

    /// The component this instance belongs to.
    pub fn component_name(&self) -> &str {
        &self.sandbox.name
    }

    /// Whether the component's manifest grants the custom capability `name`.
    pub fn has_capability(&self, name: &str) -> bool {
        self.sandbox.custom_capabilities.iter().any(|c| c == name)
    }

    /// Per-instance state of a custom host interface, created on first use.
    pub fn extension<T: Default + Send + 'static>(&mut self) -> &mut T {
        self.extensions
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Box::new(T::default()))
            .downcast_mut::<T>()
            .expect("extension map is keyed by type id")
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            hooks: &mut self.http_hooks,
            table: &mut self.table,
            ctx: &mut self.http,
        }
    }
}

/// Bytes a table element is counted as (a pointer on the host).
const TABLE_ELEMENT_BYTES: u64 = 8;

/// Enforces `max_memory_bytes` for the whole instance: the sum of every linear
/// memory and table of every core module in it (a component may hold many), so
/// that splitting an allocation across memories gains nothing. It also remembers
/// a refused growth, so the trap it causes is reported as a memory limit.
///
/// Wasmtime asks the limiter for every memory and table when it is created
/// (`current = 0`) and whenever it grows, under the pooling and the on-demand
/// allocator alike, so the running total is exact in both.
pub struct MemoryLimiter {
    max_bytes: u64,
    /// Bytes of all memories and tables of this instance so far.
    total: u64,
    usage: Arc<super::sandbox::Usage>,
    /// The instance total a refused growth asked for.
    pub(crate) refused: Option<u64>,
}

impl MemoryLimiter {
    /// Whether the instance holds more than three quarters of its memory cap:
    /// a pooled instance that got there is retired after its call, so an engine
    /// that grows a little with every call (a garbage collector that never
    /// gives memory back) is replaced before a call fails on the cap.
    pub(crate) fn under_pressure(&self) -> bool {
        self.total > self.max_bytes / 4 * 3
    }

    fn new(max_bytes: u64, usage: Arc<super::sandbox::Usage>) -> Self {
        MemoryLimiter {
            max_bytes,
            total: 0,
            usage,
            refused: None,
        }
    }

    /// Accounts for one memory or table going from `current` to `desired` bytes.
    fn grow(&mut self, what: &str, current: u64, desired: u64) -> wasmtime::Result<bool> {
        let total = self.total.saturating_sub(current).saturating_add(desired);
        if total > self.max_bytes {
            self.refused = Some(total);
            // An error (not `Ok(false)`) traps at once: guests cannot silently retry.
            return Err(wasmtime::format_err!(
                "memory limit exceeded: growing a {what} would bring the instance to {total} bytes \
                 (all its memories and tables together), but max_memory_bytes is {}",
                self.max_bytes
            ));
        }
        self.total = total;
        self.usage
            .memory_high_water
            .fetch_max(total, std::sync::atomic::Ordering::Relaxed);
        Ok(true)
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.grow("linear memory", current as u64, desired as u64)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.grow(
            "table",
            current as u64 * TABLE_ELEMENT_BYTES,
            desired as u64 * TABLE_ELEMENT_BYTES,
        )
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn instances(&self) -> usize {
        MAX_CORE_INSTANCES
    }
}

/// Core instances, memories and tables one component instance may create. The
/// pooling allocator is configured with the same numbers, so a component runs
/// (or is refused) identically under either allocator.
pub(crate) const MAX_CORE_INSTANCES: usize = 32;
/// See [`MAX_CORE_INSTANCES`].
pub(crate) const MAX_MEMORIES: usize = 8;
/// See [`MAX_CORE_INSTANCES`].
pub(crate) const MAX_TABLES: usize = 16;
