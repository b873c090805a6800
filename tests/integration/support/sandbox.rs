//! Running guests on the embedded runtime in-process, with their events captured.

use std::path::Path;
use std::sync::Arc;

use airssys_wasm::runtime::{
    Invocation, InvokeError, LoadError, LoadOptions, LoadedComponent, MemorySink, Output, Runtime,
    RuntimeConfig,
};

use super::guests::guest;

/// A runtime whose logs and denials land in the returned sink; compiled
/// components are cached under the repo's target dir.
pub fn runtime() -> (Runtime, Arc<MemorySink>) {
    let sink = Arc::new(MemorySink::default());
    let runtime = Runtime::new(RuntimeConfig {
        cache_dir: Some(super::repo().join("target").join("test-compiled")),
        kv_path: None,
        sink: sink.clone(),
        ..RuntimeConfig::default()
    })
    .expect("runtime starts");
    (runtime, sink)
}

/// Loads the guest fixture `guest_name` as component `name` with the manifest
/// body `extra` (TOML after `[component]`), grants resolved under `data_root`.
pub fn load_guest(
    runtime: &Runtime,
    guest_name: &str,
    name: &str,
    world: &str,
    extra: &str,
    data_root: &Path,
) -> Result<Arc<LoadedComponent>, LoadError> {
    let text = format!(
        "[component]\nname = \"{name}\"\nversion = \"1.0.0\"\nlanguage = \"prebuilt\"\nworld = \"{world}\"\n\n{extra}"
    );
    let manifest = airssys_wasm::manifest::parse(&text, Path::new("Component.toml"))
        .unwrap_or_else(|e| panic!("test manifest is valid: {}", e.render()));
    let wasm = std::fs::read(guest(guest_name)).expect("guest built");
    runtime.load(LoadOptions::new(manifest, wasm, data_root))
}

/// Loads the `hostile` guest as an `airssys:core/component`.
pub fn hostile(runtime: &Runtime, extra: &str, data_root: &Path) -> Arc<LoadedComponent> {
    load_guest(
        runtime,
        "hostile",
        "hostile",
        "airssys:core/component",
        extra,
        data_root,
    )
    .unwrap_or_else(|e| panic!("hostile loads: {e}"))
}

/// Sends one command to a component.
pub async fn call(
    runtime: &Runtime,
    component: &Arc<LoadedComponent>,
    command: &str,
) -> Result<Output, InvokeError> {
    runtime
        .invoke(component, Invocation::new(command.as_bytes().to_vec()))
        .await
}

/// The output of a call that must succeed, as text.
pub async fn ok(runtime: &Runtime, component: &Arc<LoadedComponent>, command: &str) -> String {
    match call(runtime, component, command).await {
        Ok(output) => String::from_utf8_lossy(&output.data).into_owned(),
        Err(e) => panic!("`{command}` failed: {e}"),
    }
}

/// The error of a call that must fail.
pub async fn err(
    runtime: &Runtime,
    component: &Arc<LoadedComponent>,
    command: &str,
) -> InvokeError {
    match call(runtime, component, command).await {
        Ok(output) => panic!(
            "`{command}` should have failed but returned {:?}",
            String::from_utf8_lossy(&output.data)
        ),
        Err(e) => e,
    }
}
