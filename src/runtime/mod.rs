//! The embedded runtime: one Wasmtime engine per process, components loaded with
//! their manifest's sandbox, and calls run within their limits.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use airssys_wasm::runtime::{Invocation, LoadOptions, Runtime, RuntimeConfig};
//!
//! let runtime = Runtime::new(RuntimeConfig::default())?;
//! let manifest = airssys_wasm::manifest::load("hello/Component.toml".as_ref())?;
//! let component = runtime.load(LoadOptions::new(
//!     manifest,
//!     std::fs::read("hello/target/airssys/hello-0.1.0.wasm")?,
//!     "hello",
//! ))?;
//! let output = runtime.invoke(&component, Invocation::new(b"abc".to_vec())).await?;
//! assert_eq!(output.data, b"cba");
//! # Ok(()) }
//! ```

mod admission;
pub mod bindings;
mod budget_sink;
mod cache;
mod command;
mod engine;
mod error;
mod events;
mod guest_output;
mod host;
mod instance;
mod loaded;
mod proxy;
mod sandbox;
mod state;
mod store;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock, RwLock};

use wasmtime::Engine;
use wasmtime::component::Linker;

pub use budget_sink::BudgetedSink;
pub use cache::{ArtifactCache, CompileSource, default_cache_dir};
pub use engine::{EPOCH_TICK, EngineSettings, MAX_WASM_STACK};
pub use error::{GuestError, GuestErrorKind, InvokeError, LoadError};
pub use events::{Denial, EventSink, LogLevel, MemorySink, StderrSink};
pub use guest_output::GuestOutput;
pub use instance::{Invocation, MAX_OUTPUT_BYTES, Output};
pub use loaded::{LoadOptions, LoadedComponent};
pub use sandbox::{FileId, Sandbox, Usage};
pub use state::HostState;

use crate::manifest::DiskQuota;
use crate::store::KvStore;

/// How to set up a [`Runtime`].
pub struct RuntimeConfig {
    /// Engine-wide settings.
    pub engine: EngineSettings,
    /// Where compiled components are cached; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// The key-value database; `None` keeps key-value data in memory.
    pub kv_path: Option<PathBuf>,
    /// Where guest logs and denials go.
    pub sink: Arc<dyn EventSink>,
    /// Disk caps for components whose manifest sets none (a host's default);
    /// `DiskQuota::default()` caps nothing.
    pub default_disk_quota: DiskQuota,
    /// Calls that may execute guest code at once, host-wide (beyond them calls
    /// wait in a bounded queue, then are refused as busy); `None` is
    /// [`default_concurrent_calls`].
    pub max_concurrent_calls: Option<usize>,
}

/// The default host-wide cap on executing calls: two per core, at least four.
/// Guests yield at every epoch tick, so this many looping guests delay other
/// work on the executor by a few milliseconds at most.
pub fn default_concurrent_calls() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get() * 2)
        .unwrap_or(4)
        .max(4)
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            engine: EngineSettings::default(),
            cache_dir: Some(default_cache_dir()),
            kv_path: None,
            sink: Arc::new(StderrSink::new(LogLevel::Info)),
            default_disk_quota: DiskQuota::default(),
            max_concurrent_calls: None,
        }
    }
}

/// Adds a custom interface's functions to a linker.
type AddToLinker = Box<dyn Fn(&mut Linker<HostState>) -> wasmtime::Result<()> + Send + Sync>;

/// A host interface added by an embedder, linked only into components whose
/// manifest grants its capability (`[permissions.custom] capabilities`).
pub struct CustomInterface {
    /// The capability that gates it, e.g. `acme:metrics`.
    pub capability: String,
    /// The interface it provides, e.g. `acme:metrics/counter@1.0.0`.
    pub interface: String,
    add_to_linker: AddToLinker,
}

/// What a remote call answers: `None` when no host serves the target.
pub type RemoteAnswer<'a> =
    std::pin::Pin<Box<dyn Future<Output = Option<Result<Output, InvokeError>>> + Send + 'a>>;

/// A way to reach components another host serves (cluster mode): a
/// `messaging` call whose target is not loaded here goes there.
pub trait RemoteCalls: Send + Sync {
    /// Calls `target` on a host that serves it, on behalf of the components
    /// in `chain` (outermost first, the caller last), within `remaining`.
    /// `None` when no host serves it.
    fn call(
        &self,
        target: &str,
        invocation: Invocation,
        chain: Vec<String>,
        remaining: std::time::Duration,
    ) -> RemoteAnswer<'_>;
}

/// State shared by the runtime and every instance it runs.
pub struct Shared {
    pub(crate) engine: Engine,
    cache: Option<ArtifactCache>,
    kv_path: Option<PathBuf>,
    kv: OnceLock<Result<Arc<KvStore>, String>>,
    pub(crate) sink: Arc<dyn EventSink>,
    registry: RwLock<HashMap<String, Arc<LoadedComponent>>>,
    custom: Vec<CustomInterface>,
    /// See [`RuntimeConfig::default_disk_quota`].
    pub(crate) default_disk_quota: DiskQuota,
    /// The host-wide gate on executing calls.
    pub(crate) executing: admission::Admission,
    /// Other hosts' components (cluster mode).
    remote: OnceLock<Arc<dyn RemoteCalls>>,
}

impl Shared {
    /// The key-value store, opened on first use.
    pub(crate) fn kv(&self) -> Result<Arc<KvStore>, String> {
        self.kv
            .get_or_init(|| {
                match &self.kv_path {
                    Some(path) => KvStore::open(path),
                    None => KvStore::in_memory(),
                }
                .map(Arc::new)
                .map_err(|e| e.to_string())
            })
            .clone()
    }

    /// A loaded component by name (the target of `messaging`).
    pub(crate) fn component(&self, name: &str) -> Option<Arc<LoadedComponent>> {
        self.registry.read().ok()?.get(name).cloned()
    }

    /// Other hosts' components, in cluster mode.
    pub(crate) fn remote(&self) -> Option<&Arc<dyn RemoteCalls>> {
        self.remote.get()
    }
}

/// The embedded runtime. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Runtime {
    shared: Arc<Shared>,
    _ticker: Arc<engine::EpochTicker>,
    allocation_note: Option<String>,
}

impl Runtime {
    /// Creates the engine and starts its epoch ticker.
    pub fn new(config: RuntimeConfig) -> Result<Self, LoadError> {
        let (engine, allocation_note) =
            engine::build_engine(&config.engine).map_err(|e| LoadError::Prepare {
                component: "the runtime".into(),
                message: e.to_string(),
            })?;
        let ticker = Arc::new(engine::EpochTicker::start(&engine));
        let cache = config.cache_dir.map(|dir| ArtifactCache::new(dir, &engine));
        Ok(Runtime {
            shared: Arc::new(Shared {
                engine,
                cache,
                kv_path: config.kv_path,
                kv: OnceLock::new(),
                sink: Arc::new(BudgetedSink::new(config.sink)),
                registry: RwLock::new(HashMap::new()),
                custom: Vec::new(),
                remote: OnceLock::new(),
                default_disk_quota: config.default_disk_quota,
                executing: admission::Admission::new(
                    config
                        .max_concurrent_calls
                        .unwrap_or_else(default_concurrent_calls)
                        .max(1),
                ),
            }),
            _ticker: ticker,
            allocation_note,
        })
    }

    /// Why the pooling allocator is not in use, when it is not.
    pub fn allocation_note(&self) -> Option<&str> {
        self.allocation_note.as_deref()
    }

    /// The Wasmtime engine (for embedders that compile their own modules).
    pub fn engine(&self) -> &Engine {
        &self.shared.engine
    }

    /// Adds a host interface gated by `capability`. `add_to_linker` defines the
    /// interface's functions (e.g. with `linker.instance(..)?.func_wrap(..)`); it runs
    /// only for components that import the interface and are granted the capability
    /// (`[permissions.custom] capabilities = ["<capability>"]`). A component that
    /// imports it without the grant is refused at load time, naming the grant.
    /// Must be called before components are loaded.
    ///
    /// ```
    /// use airssys_wasm::runtime::{HostState, Invocation, LoadError, LoadOptions, Runtime, RuntimeConfig};
    /// use wasmtime::StoreContextMut;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // A framework offers `acme:metrics/counter` to the components it hosts.
    /// let mut runtime = Runtime::new(RuntimeConfig { cache_dir: None, ..RuntimeConfig::default() })?;
    /// runtime.register_interface("acme:metrics", "acme:metrics/counter@1.0.0", |linker| {
    ///     linker.instance("acme:metrics/counter@1.0.0")?.func_wrap(
    ///         "bump",
    ///         |mut store: StoreContextMut<'_, HostState>, (by,): (u32,)| {
    ///             let total = store.data_mut().extension::<u32>();
    ///             *total += by;
    ///             Ok((*total,))
    ///         },
    ///     )
    /// })?;
    ///
    /// // A component importing it (hand-written here; any language works).
    /// let wasm = example::metered_component()?;
    /// let manifest = |grants: &str| {
    ///     let text = format!("[component]\nname = \"metered\"\nversion = \"1.0.0\"\n{grants}");
    ///     airssys_wasm::manifest::parse(&text, "Component.toml".as_ref())
    /// };
    ///
    /// // Without the grant the component is refused, and the error says what to add.
    /// let refused = runtime.load(LoadOptions::new(manifest("")?, wasm.clone(), "."));
    /// assert!(matches!(refused, Err(LoadError::CapabilityDenied { .. })));
    ///
    /// // With it, the component runs and calls the framework's function.
    /// let granted = manifest("[permissions.custom]\ncapabilities = [\"acme:metrics\"]")?;
    /// let component = runtime.load(LoadOptions::new(granted, wasm, "."))?;
    /// let output = tokio::runtime::Runtime::new()?
    ///     .block_on(runtime.invoke(&component, Invocation::new(b"hi".to_vec())))?;
    /// assert_eq!(output.data, b"counted");
    /// # Ok(()) }
    /// # mod example {
    /// #     pub fn metered_component() -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    /// #         let mut resolve = wit_parser::Resolve::default();
    /// #         resolve.push_str("core.wit", airssys_wasm::wit::CORE_WIT)?;
    /// #         let pkg = resolve.push_str("acme.wit", "package acme:metrics@1.0.0;
    /// #             interface counter { bump: func(by: u32) -> u32; }
    /// #             world metered { import counter; export airssys:core/lifecycle@1.0.0; }")?;
    /// #         let world = resolve.select_world(&[pkg], Some("metered"))?;
    /// #         let mut module = wat::parse_str(r#"(module
    /// #           (import "acme:metrics/counter@1.0.0" "bump" (func $bump (param i32) (result i32)))
    /// #           (memory (export "memory") 1)
    /// #           (global $heap (mut i32) (i32.const 4096))
    /// #           (data (i32.const 2048) "counted")
    /// #           (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (local $p i32)
    /// #             (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
    /// #                                    (i32.sub (i32.const 0) (local.get 2))))
    /// #             (global.set $heap (i32.add (local.get $p) (local.get 3)))
    /// #             (local.get $p))
    /// #           (func (export "airssys:core/lifecycle@1.0.0#init") (param i32 i32) (result i32)
    /// #             (i32.store8 (i32.const 1024) (i32.const 0)) (i32.const 1024))
    /// #           (func (export "airssys:core/lifecycle@1.0.0#execute")
    /// #             (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i64) (result i32)
    /// #             (drop (call $bump (i32.const 1)))
    /// #             (i32.store8 (i32.const 1024) (i32.const 0))
    /// #             (i32.store (i32.const 1028) (i32.const 2048))
    /// #             (i32.store (i32.const 1032) (i32.const 7))
    /// #             (i32.store (i32.const 1036) (i32.const 0))
    /// #             (i32.store (i32.const 1040) (i32.const 0))
    /// #             (i32.const 1024))
    /// #           (func (export "airssys:core/lifecycle@1.0.0#shutdown"))
    /// #           (func (export "airssys:core/lifecycle@1.0.0#describe") (result i32) unreachable)
    /// #           (func (export "airssys:core/lifecycle@1.0.0#health") (result i32) (i32.const 0)))"#)?;
    /// #         wit_component::embed_component_metadata(&mut module, &resolve, world, wit_component::StringEncoding::UTF8)?;
    /// #         Ok(wit_component::ComponentEncoder::default().module(&module)?.validate(true).encode()?)
    /// #     }
    /// # }
    /// ```
    pub fn register_interface(
        &mut self,
        capability: &str,
        interface: &str,
        add_to_linker: impl Fn(&mut Linker<HostState>) -> wasmtime::Result<()> + Send + Sync + 'static,
    ) -> Result<(), LoadError> {
        let shared = Arc::get_mut(&mut self.shared).ok_or_else(|| LoadError::Prepare {
            component: interface.into(),
            message: "interfaces must be registered before any component is loaded".into(),
        })?;
        shared.custom.push(CustomInterface {
            capability: capability.into(),
            interface: interface.into(),
            add_to_linker: Box::new(add_to_linker),
        });
        Ok(())
    }

    /// Validates, compiles (or loads from the cache) and pre-instantiates a
    /// component, and registers it under its name for `messaging`. Loading a name
    /// again replaces the previous version for new calls.
    pub fn load(&self, options: LoadOptions) -> Result<Arc<LoadedComponent>, LoadError> {
        let loaded = self.prepare(options)?;
        self.activate(loaded.clone());
        Ok(loaded)
    }

    /// The slow half of [`Runtime::load`]: validate, compile and pre-instantiate,
    /// without serving it yet.
    pub fn prepare(&self, options: LoadOptions) -> Result<Arc<LoadedComponent>, LoadError> {
        Ok(Arc::new(loaded::prepare(&self.shared, options)?))
    }

    /// The instant half of [`Runtime::load`]: new calls of this name go to
    /// `component` from now on. Returns the version it replaced, which the caller
    /// should [`LoadedComponent::retire`].
    pub fn activate(&self, component: Arc<LoadedComponent>) -> Option<Arc<LoadedComponent>> {
        let mut registry = self
            .shared
            .registry
            .write()
            .unwrap_or_else(|p| p.into_inner());
        registry.insert(component.name().to_string(), component)
    }

    /// A loaded component by name.
    pub fn component(&self, name: &str) -> Option<Arc<LoadedComponent>> {
        self.shared.component(name)
    }

    /// Writes a failed call's full details (message and backtrace) to the
    /// runtime's event sink: the host's log, where an HTTP client's generic
    /// answer points.
    pub fn report(&self, component: &LoadedComponent, error: &InvokeError) {
        let mut text = error.to_string();
        if let InvokeError::Trap {
            backtrace: Some(backtrace),
            ..
        } = error
        {
            text.push('\n');
            text.push_str(backtrace);
        }
        self.log_error(component.name(), component.version(), &text);
    }

    /// Writes an error line about `name@version` to the runtime's event sink.
    pub fn log_error(&self, name: &str, version: &str, text: &str) {
        self.shared.sink.log(name, version, LogLevel::Error, text);
    }

    /// Calls `execute` on the component, within its limits.
    pub async fn invoke(
        &self,
        component: &Arc<LoadedComponent>,
        invocation: Invocation,
    ) -> Result<Output, InvokeError> {
        // The deadline runs from the call's arrival: time spent waiting for a
        // slot counts against `max_execution_ms`.
        let own = component.deadline_from_now();
        let deadline = invocation.deadline.map_or(own, |outer| outer.min(own));
        let _running = self.shared.admit(component, deadline).await?;
        let arrival = instance::Caller {
            deadline,
            chain: Vec::new(),
        };
        self.shared
            .clone()
            .invoke(component.clone(), invocation, Some(arrival))
            .await
    }

    /// Routes `messaging` calls to components not loaded here through
    /// `remote` (once, when a cluster host starts).
    pub fn set_remote(&self, remote: Arc<dyn RemoteCalls>) {
        let _ = self.shared.remote.set(remote);
    }

    /// Calls `component` for a `messaging` call that came from another host:
    /// `chain` is the calling components (for the depth limit and re-entrance),
    /// `remaining` what is left of the caller's time.
    pub async fn invoke_remote(
        &self,
        component: &Arc<LoadedComponent>,
        invocation: Invocation,
        chain: Vec<String>,
        remaining: std::time::Duration,
    ) -> Result<Output, InvokeError> {
        let deadline = std::time::Instant::now() + remaining;
        self.shared
            .clone()
            .invoke(
                component.clone(),
                invocation,
                Some(instance::Caller { deadline, chain }),
            )
            .await
    }

    /// Calls executing guest code right now, and the host-wide cap.
    pub fn executing_calls(&self) -> (usize, usize) {
        (self.shared.executing.busy(), self.shared.executing.size())
    }

    /// Calls `health` on a fresh or pooled instance.
    pub async fn health(
        &self,
        component: &Arc<LoadedComponent>,
    ) -> Result<bindings::HealthStatus, InvokeError> {
        let _running = self
            .shared
            .admit(component, component.deadline_from_now())
            .await?;
        self.shared.clone().health(component.clone()).await
    }

    /// Runs a `wasi:cli/command` component with `args` (the first is the program
    /// name) and the host's stdio; returns its exit code.
    pub async fn run_command(
        &self,
        component: &Arc<LoadedComponent>,
        args: Vec<String>,
    ) -> Result<i32, InvokeError> {
        command::run(&self.shared, component, args).await
    }

    /// Answers an HTTP request with a `wasi:http/proxy` component. The body is
    /// streamed to the guest as it arrives; bound its size before (e.g. with
    /// `http_body_util::Limited`).
    pub async fn handle_http<B>(
        &self,
        component: &Arc<LoadedComponent>,
        request: http::Request<B>,
    ) -> Result<http::Response<wasmtime_wasi_http::p2::body::HyperOutgoingBody>, InvokeError>
    where
        B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: std::fmt::Display,
    {
        let admitted = self
            .shared
            .admit(component, component.deadline_from_now())
            .await?;
        proxy::handle(&self.shared, component, request, admitted).await
    }

    /// Calls `shutdown` on every idle pooled instance of every component and
    /// drops them. Call before the process exits.
    pub async fn shutdown(&self) {
        let components: Vec<Arc<LoadedComponent>> = self
            .shared
            .registry
            .read()
            .map(|r| r.values().cloned().collect())
            .unwrap_or_default();
        for component in components {
            component.drain().await;
        }
    }
}
