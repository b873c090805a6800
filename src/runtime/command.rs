//! Running `wasi:cli/command` components: arguments, inherited stdio, exit code.

use std::sync::Arc;

use wasmtime::Store;

use super::error::{InvokeError, classify};
use super::loaded::{Entry, LoadedComponent};
use super::{HostState, Shared, engine};
use crate::security::{Stdio, build_wasi_ctx};

/// Runs the command to completion and returns its exit code.
pub(crate) async fn run(
    shared: &Arc<Shared>,
    loaded: &Arc<LoadedComponent>,
    args: Vec<String>,
) -> Result<i32, InvokeError> {
    let Entry::Command(pre) = &loaded.entry else {
        return Err(InvokeError::WrongWorld {
            component: loaded.name().into(),
            world: loaded.world().to_string(),
            operation: "run",
        });
    };
    let _slot =
        loaded
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| InvokeError::Instantiate {
                component: loaded.name().into(),
                message: "the component is shutting down".into(),
            })?;
    let sandbox = loaded.sandbox.clone();
    let wasi =
        build_wasi_ctx(&sandbox, &args, Stdio::Inherit, &shared.empty_root).map_err(|e| {
            InvokeError::Instantiate {
                component: sandbox.name.clone(),
                message: e.to_string(),
            }
        })?;
    let mut store = Store::new(
        &shared.engine,
        HostState::new(wasi, sandbox.clone(), shared.clone(), 0),
    );
    store.limiter(|state| &mut state.limiter);
    store.epoch_deadline_trap();
    let resources = sandbox.resources;
    let _ = store.set_fuel(resources.max_fuel.unwrap_or(u64::MAX));
    store.set_epoch_deadline(engine::ticks_for(resources.max_execution_ms));
    let command = pre
        .instantiate_async(&mut store)
        .await
        .map_err(|e| classify(e, &store, &resources))?;
    let run = command.wasi_cli_run().call_run(&mut store);
    let limit = std::time::Duration::from_millis(resources.max_execution_ms);
    match tokio::time::timeout(limit, run).await {
        Err(_) => Err(InvokeError::Timeout {
            limit_ms: resources.max_execution_ms,
        }),
        Ok(Ok(Ok(()))) => Ok(0),
        Ok(Ok(Err(()))) => Ok(1),
        Ok(Err(e)) => match e.downcast_ref::<wasmtime_wasi::I32Exit>() {
            Some(exit) => Ok(exit.0),
            None => Err(classify(e, &store, &resources)),
        },
    }
}
