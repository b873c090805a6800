//! Running `wasi:cli/command` components: arguments, inherited stdio, exit code.

use std::sync::Arc;

use super::Shared;
use super::error::{InvokeError, classify};
use super::loaded::{Entry, LoadedComponent};
use crate::security::Stdio;

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
    let _slot = loaded.acquire_slot(loaded.deadline_from_now()).await?;
    let mut store = shared.new_store(loaded, &args, Stdio::Inherit)?;
    let resources = loaded.sandbox.resources;
    let command = pre
        .instantiate_async(&mut store)
        .await
        .map_err(|e| classify(e, &store, &resources))?;
    let run = command.wasi_cli_run().call_run(&mut store);
    // Without a declared limit a program runs as long as it likes (the epoch
    // deadline armed with the store is then years away, too).
    let finished = if resources.max_execution_ms >= crate::manifest::UNBOUNDED_EXECUTION_MS {
        Ok(run.await)
    } else {
        let limit = std::time::Duration::from_millis(resources.max_execution_ms);
        tokio::time::timeout(limit, run).await
    };
    match finished {
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
