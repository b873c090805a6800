//! What every instance of every world starts with: a concurrency slot and a
//! `Store` whose data carries the sandbox, with the memory limiter, the epoch
//! deadline and fuel armed.

use std::sync::Arc;

use std::time::{Duration, Instant};
use tokio::sync::OwnedSemaphorePermit;

use wasmtime::{Store, UpdateDeadline};

use super::admission::{Admission, Refused};
use super::error::InvokeError;
use super::loaded::LoadedComponent;
use super::{HostState, Shared};
use crate::security::{SandboxError, Stdio, build_wasi_ctx};

impl LoadedComponent {
    /// When a call of this component starting now must end: now plus its
    /// `max_execution_ms`.
    pub(crate) fn deadline_from_now(&self) -> Instant {
        Instant::now() + Duration::from_millis(self.sandbox.resources.max_execution_ms)
    }

    /// One of the `max_instances` slots, waiting in a bounded queue until
    /// `deadline` at the latest (back-pressure, never an unbounded wait).
    pub(crate) async fn acquire_slot(
        &self,
        deadline: Instant,
    ) -> Result<OwnedSemaphorePermit, InvokeError> {
        self.slots
            .enter(deadline)
            .await
            .map_err(|refused| match refused {
                Refused::Full => InvokeError::Busy {
                    message: format!(
                        "{} is at capacity: all {} instances are busy and {} calls are waiting",
                        self.name(),
                        self.slots.size(),
                        self.slots.waiting()
                    ),
                },
                Refused::Deadline => InvokeError::Timeout {
                    limit_ms: self.sandbox.resources.max_execution_ms,
                },
            })
    }

    /// A slot if one is free right now.
    pub(crate) fn try_slot(&self) -> Option<OwnedSemaphorePermit> {
        self.slots.try_enter()
    }
}

/// A top-level call's admission: its component's share and a host-wide slot.
pub(crate) struct Admitted {
    _share: OwnedSemaphorePermit,
    _host: OwnedSemaphorePermit,
}

impl Shared {
    /// Admits a call that starts executing guest code (nested `messaging` calls
    /// run within their caller's admission): first within the component's share
    /// of the host, then one of the host-wide slots, each waiting in a bounded
    /// queue until `deadline` at the latest.
    pub(crate) async fn admit(
        &self,
        loaded: &LoadedComponent,
        deadline: Instant,
    ) -> Result<Admitted, InvokeError> {
        let share = pass(
            &loaded.host_share,
            deadline,
            &format!("{} is at its share of the host", loaded.name()),
        )
        .await?;
        let host = pass(&self.executing, deadline, "the host is at capacity").await?;
        Ok(Admitted {
            _share: share,
            _host: host,
        })
    }
}

/// A slot of `gate`, or `busy` (with what is executing and waiting) when the
/// queue is full or the deadline passes while waiting.
async fn pass(
    gate: &Admission,
    deadline: Instant,
    what: &str,
) -> Result<OwnedSemaphorePermit, InvokeError> {
    gate.enter(deadline).await.map_err(|_| InvokeError::Busy {
        message: format!(
            "{what}: {} calls are executing and {} are waiting",
            gate.busy(),
            gate.waiting()
        ),
    })
}

impl Shared {
    /// A store for one instance of `loaded`, its WASI context built from the
    /// grants, limits armed for the first call.
    pub(crate) fn new_store(
        self: &Arc<Self>,
        loaded: &LoadedComponent,
        args: &[String],
        stdio: Stdio,
    ) -> Result<Store<HostState>, InvokeError> {
        let sandbox = loaded.sandbox.clone();
        let wasi = build_wasi_ctx(&sandbox, args, stdio, &self.sink).map_err(|e| {
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
        let mut store = Store::new(&self.engine, HostState::new(wasi, sandbox, self.clone()));
        store.limiter(|state| &mut state.limiter);
        // At every epoch tick the guest gives the executor back (so no guest,
        // however long it loops, holds a worker thread for more than one tick),
        // and past its call's deadline it traps.
        store.epoch_deadline_callback(|context| {
            if Instant::now() >= context.data().deadline {
                Ok(UpdateDeadline::Interrupt)
            } else {
                Ok(UpdateDeadline::YieldCustom(
                    1,
                    Box::pin(tokio::task::yield_now()),
                ))
            }
        });
        arm(&mut store);
        Ok(store)
    }
}

/// Sets the per-call budgets: fuel, and a deadline `max_execution_ms` from now.
pub(crate) fn arm(store: &mut Store<HostState>) {
    let limit = store.data().sandbox.resources.max_execution_ms;
    arm_until(store, Instant::now() + Duration::from_millis(limit));
}

/// Sets the per-call budgets: fuel, and `deadline` (a caller's may be sooner
/// than this component's own limit).
pub(crate) fn arm_until(store: &mut Store<HostState>, deadline: Instant) {
    let resources = store.data().sandbox.resources;
    // Fuel is always metered (one engine for all components); no limit means all of it.
    let _ = store.set_fuel(resources.max_fuel.unwrap_or(u64::MAX));
    store.data_mut().deadline = deadline;
    store.set_epoch_deadline(1);
}
