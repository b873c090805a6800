//! What every instance of every world starts with: a concurrency slot and a
//! `Store` whose data carries the sandbox, with the memory limiter, the epoch
//! deadline and fuel armed.

use std::sync::Arc;

use tokio::sync::OwnedSemaphorePermit;
use wasmtime::Store;

use super::error::InvokeError;
use super::loaded::LoadedComponent;
use super::{HostState, Shared, engine};
use crate::security::{SandboxError, Stdio, build_wasi_ctx};

impl LoadedComponent {
    /// Waits for one of the `max_instances` slots (back-pressure).
    pub(crate) async fn acquire_slot(&self) -> Result<OwnedSemaphorePermit, InvokeError> {
        self.slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| InvokeError::Instantiate {
                component: self.name().into(),
                message: "the component is shutting down".into(),
            })
    }
}

impl Shared {
    /// A store for one instance of `loaded`, its WASI context built from the
    /// grants, limits armed for the first call.
    pub(crate) fn new_store(
        self: &Arc<Self>,
        loaded: &LoadedComponent,
        args: &[String],
        stdio: Stdio,
        depth: u32,
    ) -> Result<Store<HostState>, InvokeError> {
        let sandbox = loaded.sandbox.clone();
        let wasi = build_wasi_ctx(&sandbox, args, stdio, &self.empty_root).map_err(|e| {
            if let SandboxError::Symlink { pattern, path, .. } = &e {
                // Someone (usually the guest itself, in an earlier call) replaced a
                // granted directory by a link: an escape attempt, reported as one.
                self.sink.denied(&super::Denial {
                    component: sandbox.name.clone(),
                    version: sandbox.version.clone(),
                    action: format!("open of the grant `{pattern}` through a symlink"),
                    help: format!(
                        "grants are never opened through symlinks; replace the link at {} by a directory",
                        path.display()
                    ),
                });
            }
            InvokeError::Instantiate {
                component: sandbox.name.clone(),
                message: e.to_string(),
            }
        })?;
        let mut store = Store::new(
            &self.engine,
            HostState::new(wasi, sandbox, self.clone(), depth),
        );
        store.limiter(|state| &mut state.limiter);
        store.epoch_deadline_trap();
        arm(&mut store);
        Ok(store)
    }
}

/// Sets the per-call budgets: fuel and the epoch deadline.
pub(crate) fn arm(store: &mut Store<HostState>) {
    let resources = store.data().sandbox.resources;
    // Fuel is always metered (one engine for all components); no limit means all of it.
    let _ = store.set_fuel(resources.max_fuel.unwrap_or(u64::MAX));
    store.set_epoch_deadline(engine::ticks_for(resources.max_execution_ms));
}
