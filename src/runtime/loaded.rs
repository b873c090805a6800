//! Loading a component: static checks, compilation through the artifact cache,
//! a linker holding exactly the host interfaces its world may use, and
//! pre-instantiation so each new instance skips all of that.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use wasmtime::component::{HasSelf, Linker};

use super::admission::Admission;
use super::bindings;
use super::cache::CompileSource;
use super::error::LoadError;
use super::instance::Instance;
use super::sandbox::Sandbox;
use super::{HostState, Shared};
use crate::component::{self, ComponentInfo};
use crate::manifest::{Manifest, WorldName};
use crate::security::{add_filesystem, add_filtered_name_lookup, check_capabilities};
use crate::validate::Finding;

/// What to load.
pub struct LoadOptions {
    /// The component's manifest (identity, limits, grants).
    pub manifest: Manifest,
    /// The component's bytes.
    pub wasm: Vec<u8>,
    /// The directory relative path grants resolve against.
    pub data_root: PathBuf,
}

impl LoadOptions {
    /// Options for `wasm` governed by `manifest`, with grants under `data_root`.
    pub fn new(manifest: Manifest, wasm: Vec<u8>, data_root: impl Into<PathBuf>) -> Self {
        LoadOptions {
            manifest,
            wasm,
            data_root: data_root.into(),
        }
    }
}

/// The pre-instantiated entry point of a loaded component, by world.
pub(crate) enum Entry {
    /// `airssys:core/component`.
    Component(bindings::ComponentPre<HostState>),
    /// `wasi:cli/command`.
    Command(wasmtime_wasi::p2::bindings::CommandPre<HostState>),
    /// `wasi:http/proxy` (served by `run --listen`).
    Proxy(wasmtime_wasi_http::p2::bindings::ProxyPre<HostState>),
}

/// A component ready to run: compiled, linked and pre-instantiated.
pub struct LoadedComponent {
    pub(crate) sandbox: Arc<Sandbox>,
    pub(crate) entry: Entry,
    pub(crate) world: WorldName,
    /// Its `max_instances` slots and their bounded wait queue.
    pub(crate) slots: Admission,
    /// The part of the host-wide executing slots it may hold at once (half), so
    /// one busy component never leaves the others without a slot.
    pub(crate) host_share: Admission,
    pub(crate) idle: Mutex<Vec<Instance>>,
    /// Set when a newer version replaced this one: finished instances are shut
    /// down instead of pooled.
    pub(crate) retired: AtomicBool,
    info: ComponentInfo,
    compile_source: CompileSource,
    warnings: Vec<Finding>,
}

impl std::fmt::Debug for LoadedComponent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedComponent")
            .field("name", &self.sandbox.name)
            .field("version", &self.sandbox.version)
            .field("world", &self.world)
            .field("sha256", &self.info.sha256)
            .finish_non_exhaustive()
    }
}

impl LoadedComponent {
    /// The component's name.
    pub fn name(&self) -> &str {
        &self.sandbox.name
    }

    /// The component's version.
    pub fn version(&self) -> &str {
        &self.sandbox.version
    }

    /// The world it targets.
    pub fn world(&self) -> WorldName {
        self.world
    }

    /// Its sha256, imports and exports.
    pub fn info(&self) -> &ComponentInfo {
        &self.info
    }

    /// Whether Cranelift ran for this load or the cache served it.
    pub fn compile_source(&self) -> CompileSource {
        self.compile_source
    }

    /// Grants its imports need but its manifest lacks (calls using them will be
    /// denied at run time), and grants it cannot use.
    pub fn warnings(&self) -> &[Finding] {
        &self.warnings
    }

    /// The sandbox enforced for it.
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }
}

pub(crate) fn prepare(
    shared: &Arc<Shared>,
    options: LoadOptions,
) -> Result<LoadedComponent, LoadError> {
    let name = options.manifest.component.name.clone();
    let world = options.manifest.component.world;
    let path = PathBuf::from(format!("{name}.wasm"));
    let info = component::inspect(&options.wasm, &path)?;
    let custom: Vec<&str> = shared.custom.iter().map(|c| c.interface.as_str()).collect();
    let findings = component::check_world_providing(&info, world, &custom);
    if !findings.is_empty() {
        return Err(LoadError::Rejected {
            component: name,
            findings,
        });
    }
    let warnings = check_capabilities(&info, &options.manifest.permissions)
        .into_iter()
        .map(|mut f| {
            f.severity = crate::validate::Severity::Warning;
            f
        })
        .collect();
    let prepare_error = |e: wasmtime::Error| LoadError::Prepare {
        component: name.clone(),
        message: format!("{e:#}"),
    };
    let (compiled, compile_source) = match &shared.cache {
        Some(cache) => cache.load_or_compile(&shared.engine, &options.wasm, &info.sha256),
        None => wasmtime::component::Component::new(&shared.engine, &options.wasm)
            .map(|c| (c, CompileSource::Compiled)),
    }
    .map_err(prepare_error)?;
    let sandbox = Arc::new(Sandbox::new(
        &options.manifest,
        options.data_root,
        shared.sink.clone(),
        shared.default_disk_quota,
    ));
    let linker = build_linker(shared, &sandbox, &info).map_err(|e| match e {
        LinkError::Denied(e) => e,
        LinkError::Wasmtime(e) => prepare_error(e),
    })?;
    let pre = linker.instantiate_pre(&compiled).map_err(prepare_error)?;
    let entry = match world {
        WorldName::AirssysComponent => {
            Entry::Component(bindings::ComponentPre::new(pre).map_err(prepare_error)?)
        }
        WorldName::WasiCommand => Entry::Command(
            wasmtime_wasi::p2::bindings::CommandPre::new(pre).map_err(prepare_error)?,
        ),
        WorldName::WasiHttpProxy => Entry::Proxy(
            wasmtime_wasi_http::p2::bindings::ProxyPre::new(pre).map_err(prepare_error)?,
        ),
    };
    let max_instances = options.manifest.resources.max_instances as usize;
    Ok(LoadedComponent {
        sandbox,
        entry,
        world,
        slots: Admission::new(max_instances),
        host_share: Admission::new((shared.executing.size() / 2).max(1)),
        idle: Mutex::new(Vec::new()),
        retired: AtomicBool::new(false),
        info,
        compile_source,
        warnings,
    })
}

enum LinkError {
    Denied(LoadError),
    Wasmtime(wasmtime::Error),
}

impl From<wasmtime::Error> for LinkError {
    fn from(e: wasmtime::Error) -> Self {
        LinkError::Wasmtime(e)
    }
}

/// WASI 0.2 (with granted-name lookups), wasi:http when the world is the proxy,
/// `airssys:core`, and each custom interface the component imports and is granted.
fn build_linker(
    shared: &Shared,
    sandbox: &Sandbox,
    info: &ComponentInfo,
) -> Result<Linker<HostState>, LinkError> {
    let mut linker = Linker::<HostState>::new(&shared.engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    add_filtered_name_lookup(&mut linker)?;
    add_filesystem(&mut linker)?;
    let imports_http = info
        .imported_interfaces()
        .any(|i| i.is_package("wasi", "http"));
    if imports_http {
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    }
    bindings::Component::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |state| {
        state
    })?;
    for custom in &shared.custom {
        let imported = info
            .imports
            .iter()
            .any(|i| i.to_string() == custom.interface);
        if !imported {
            continue;
        }
        if !sandbox.custom_capabilities.contains(&custom.capability) {
            shared.sink.denied(&super::Denial {
                component: sandbox.name.clone(),
                version: sandbox.version.clone(),
                action: format!("import of `{}`", custom.interface),
                help: format!(
                    "add \"{}\" to [permissions.custom] capabilities",
                    custom.capability
                ),
            });
            return Err(LinkError::Denied(LoadError::CapabilityDenied {
                component: sandbox.name.clone(),
                interface: custom.interface.clone(),
                capability: custom.capability.clone(),
            }));
        }
        (custom.add_to_linker)(&mut linker)?;
    }
    Ok(linker)
}
