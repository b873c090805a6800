//! Instances of `airssys:core/component`: created with `init`, called within the
//! limits, pooled or discarded, and shut down before they are dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use wasmtime::Store;

use super::bindings::{self, ComponentInput, ExecutionContext};
use super::error::{InvokeError, classify};
use super::loaded::{Entry, LoadedComponent};
use super::store::arm_until;
use super::{HostState, Shared};
use crate::manifest::InstanceMode;
use crate::security::Stdio;

/// One call of `execute`.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    /// `component-input.data`.
    pub data: Vec<u8>,
    /// `component-input.metadata`.
    pub metadata: Vec<(String, String)>,
    /// The request id the component sees; generated when `None`.
    pub request_id: Option<String>,
    /// An outer bound on the call (a pipeline's deadline): the call ends at the
    /// earlier of this and the component's own `max_execution_ms`.
    pub deadline: Option<Instant>,
}

impl Invocation {
    /// A call with `data` and no metadata.
    pub fn new(data: Vec<u8>) -> Self {
        Invocation {
            data,
            ..Invocation::default()
        }
    }
}

/// What `execute` returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// `component-output.data`.
    pub data: Vec<u8>,
    /// `component-output.metadata`.
    pub metadata: Vec<(String, String)>,
    /// The request id the call ran under.
    pub request_id: String,
}

/// A live instance with its store.
pub(crate) struct Instance {
    pub(crate) store: Store<HostState>,
    bindings: bindings::Component,
    /// When it last went back to the pool.
    idle_since: Instant,
}

/// Largest `component-output.data` a call may return: 16 MiB, the request body
/// cap, so whatever a component answers can also be sent on to another.
pub const MAX_OUTPUT_BYTES: usize = 16 << 20;

/// Pooled instances idle longer than this are shut down and dropped, so idle
/// components give their slots in the engine's instance pool back.
const IDLE_TTL: Duration = Duration::from_secs(60);

/// Time an evicted instance's `shutdown` may take (eviction happens on the path
/// of another call, which must not wait on a slow guest).
const EVICTION_SHUTDOWN: Duration = Duration::from_millis(100);

/// Extra time past `max_execution_ms` before a call blocked in the host (where the
/// epoch cannot interrupt it) is abandoned.
const HOST_GRACE: Duration = Duration::from_millis(50);

static REQUEST_IDS: AtomicU64 = AtomicU64::new(1);

fn next_request_id() -> String {
    format!("req-{}", REQUEST_IDS.fetch_add(1, Ordering::Relaxed))
}

/// Adds the fuel the last call used to the component's usage.
fn record_fuel(store: &wasmtime::Store<HostState>) {
    let sandbox = &store.data().sandbox;
    let budget = sandbox.resources.max_fuel.unwrap_or(u64::MAX);
    if let Ok(left) = store.get_fuel() {
        sandbox
            .usage
            .fuel_consumed
            .fetch_add(budget.saturating_sub(left), Ordering::Relaxed);
    }
}

/// Bounds a call by wall-clock time as well, for time spent blocked in the host
/// (where the epoch callback cannot end it).
async fn bounded<T>(deadline: Instant, call: impl Future<Output = T>) -> Option<T> {
    tokio::time::timeout_at((deadline + HOST_GRACE).into(), call)
        .await
        .ok()
}

/// Who is calling, for a call made through `messaging`: its deadline bounds the
/// callee's, and its chain of components detects re-entrant calls.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// When the caller's own call ends.
    pub(crate) deadline: Instant,
    /// The components of the chain, outermost first, the caller last.
    pub(crate) chain: Vec<String>,
}

impl Shared {
    async fn new_instance(
        self: &Arc<Self>,
        loaded: &LoadedComponent,
        deadline: Instant,
    ) -> Result<Instance, InvokeError> {
        let Entry::Component(pre) = &loaded.entry else {
            return Err(InvokeError::WrongWorld {
                component: loaded.name().into(),
                world: loaded.world().to_string(),
                operation: "execute",
            });
        };
        let sandbox = loaded.sandbox.clone();
        let limit = sandbox.resources.max_execution_ms;
        let mut evicted = false;
        let (mut store, instantiated) = loop {
            let mut store = self.new_store(loaded, &[], Stdio::Diagnostics)?;
            arm_until(&mut store, deadline);
            let result = bounded(deadline, pre.instantiate_async(&mut store)).await;
            match result {
                Some(Err(e))
                    if e.downcast_ref::<wasmtime::PoolConcurrencyLimitError>()
                        .is_some() =>
                {
                    // The engine's instance pool is full: idle instances of every
                    // component give their slots back, once; then the host is busy.
                    if evicted || self.evict_idle().await == 0 {
                        return Err(InvokeError::Busy {
                            message: format!(
                                "the host's instance pool is full ({e}); no idle instance could be evicted"
                            ),
                        });
                    }
                    evicted = true;
                }
                other => break (store, other),
            }
        };
        let bindings = match instantiated {
            Some(Ok(bindings)) => bindings,
            Some(Err(e)) => {
                return Err(match classify(e, &store, &sandbox.resources) {
                    InvokeError::Trap { message, .. } => InvokeError::Instantiate {
                        component: sandbox.name.clone(),
                        message,
                    },
                    limit => limit,
                });
            }
            None => return Err(InvokeError::Timeout { limit_ms: limit }),
        };
        arm_until(&mut store, deadline);
        let init = bindings
            .airssys_core_lifecycle()
            .call_init(&mut store, &sandbox.config);
        match bounded(deadline, init).await {
            Some(Ok(Ok(()))) => Ok(Instance {
                store,
                bindings,
                idle_since: Instant::now(),
            }),
            Some(Ok(Err(e))) => Err(InvokeError::Init(e.into())),
            Some(Err(e)) => Err(classify(e, &store, &sandbox.resources)),
            None => Err(InvokeError::Timeout { limit_ms: limit }),
        }
    }

    /// Evicts the idle instances of every registered component; how many.
    pub(crate) async fn evict_idle(&self) -> usize {
        let components: Vec<Arc<LoadedComponent>> = self
            .registry
            .read()
            .map(|r| r.values().cloned().collect())
            .unwrap_or_default();
        let mut evicted = 0;
        for component in components {
            evicted += component.evict_idle().await;
        }
        evicted
    }

    /// Runs `execute` with the component's limits; `caller` is set for calls
    /// made through `messaging`.
    pub(crate) async fn invoke(
        self: Arc<Self>,
        loaded: Arc<LoadedComponent>,
        invocation: Invocation,
        caller: Option<Caller>,
    ) -> Result<Output, InvokeError> {
        let resources = loaded.sandbox.resources;
        let now = Instant::now();
        let own = now + Duration::from_millis(resources.max_execution_ms);
        let deadline = caller.as_ref().map_or(own, |c| c.deadline.min(own));
        // Top-level calls have no chain (and allocate none).
        let chain = caller.map(|c| c.chain).unwrap_or_default();
        let reentrant = chain.iter().any(|c| c == loaded.name());
        // Back-pressure: at most `max_instances` calls of this component at once.
        // A component already up the chain waits for itself: refuse at once.
        let _slot = if reentrant {
            loaded.try_slot().ok_or_else(|| InvokeError::Reentrant {
                component: loaded.name().into(),
                max_instances: resources.max_instances,
            })?
        } else {
            loaded.acquire_slot(deadline).await?
        };
        let reused = loaded.take_idle();
        let mut instance = match reused {
            Some(instance) => instance,
            None => self.new_instance(&loaded, deadline).await?,
        };
        let state = instance.store.data_mut();
        state.call_depth = chain.len() as u32;
        state.callers = chain;
        let request_id = invocation.request_id.unwrap_or_else(next_request_id);
        let input = ComponentInput {
            data: invocation.data,
            metadata: invocation.metadata,
            context: ExecutionContext {
                request_id: request_id.clone(),
                component: loaded.sandbox.name.clone(),
                version: loaded.sandbox.version.clone(),
                deadline_ms: deadline.saturating_duration_since(now).as_millis() as u64,
            },
        };
        arm_until(&mut instance.store, deadline);
        let lifecycle = instance.bindings.airssys_core_lifecycle();
        let result = bounded(
            deadline,
            lifecycle.call_execute(&mut instance.store, &input),
        )
        .await;
        match result {
            None => Err(InvokeError::Timeout {
                limit_ms: resources.max_execution_ms,
            }),
            // A trapped instance is never reused: its state is unknown.
            Some(Err(e)) => Err(classify(e, &instance.store, &resources)),
            Some(Ok(returned)) => {
                record_fuel(&instance.store);
                loaded.finish(instance).await;
                match returned {
                    Ok(out) if out.data.len() > MAX_OUTPUT_BYTES => {
                        Err(InvokeError::OutputTooLarge {
                            bytes: out.data.len(),
                            limit: MAX_OUTPUT_BYTES,
                        })
                    }
                    Ok(out) => Ok(Output {
                        data: out.data,
                        metadata: out.metadata,
                        request_id,
                    }),
                    Err(e) => Err(InvokeError::Component(e.into())),
                }
            }
        }
    }

    /// Calls `health` on an idle or new instance.
    pub(crate) async fn health(
        self: Arc<Self>,
        loaded: Arc<LoadedComponent>,
    ) -> Result<bindings::HealthStatus, InvokeError> {
        let resources = loaded.sandbox.resources;
        let deadline = loaded.deadline_from_now();
        let _slot = loaded.acquire_slot(deadline).await?;
        let mut instance = match loaded.take_idle() {
            Some(instance) => instance,
            None => self.new_instance(&loaded, deadline).await?,
        };
        arm_until(&mut instance.store, deadline);
        let lifecycle = instance.bindings.airssys_core_lifecycle();
        match bounded(deadline, lifecycle.call_health(&mut instance.store)).await {
            None => Err(InvokeError::Timeout {
                limit_ms: resources.max_execution_ms,
            }),
            Some(Err(e)) => Err(classify(e, &instance.store, &resources)),
            Some(Ok(status)) => {
                loaded.finish(instance).await;
                Ok(status)
            }
        }
    }
}

/// Calls `shutdown` (within the time limit) before the instance is dropped.
async fn shutdown(instance: Instance) {
    let limit = instance.store.data().sandbox.resources.max_execution_ms;
    shutdown_within(instance, Duration::from_millis(limit)).await;
}

/// Calls `shutdown`, for at most `budget`, before the instance is dropped.
async fn shutdown_within(mut instance: Instance, budget: Duration) {
    let limit = instance.store.data().sandbox.resources.max_execution_ms;
    let deadline = Instant::now() + budget.min(Duration::from_millis(limit));
    arm_until(&mut instance.store, deadline);
    let lifecycle = instance.bindings.airssys_core_lifecycle();
    let _ = bounded(deadline, lifecycle.call_shutdown(&mut instance.store)).await;
}

impl LoadedComponent {
    pub(crate) fn take_idle(&self) -> Option<Instance> {
        self.idle.lock().ok()?.pop()
    }

    /// After a successful call: back to the pool (pooled, current version), or
    /// shut down (per-request, or a version that has been replaced).
    async fn finish(&self, mut instance: Instance) {
        let pooled = self.sandbox.instance_mode == InstanceMode::Pooled;
        let pressed = instance.store.data().limiter.under_pressure();
        if !pooled || pressed || self.retired.load(Ordering::Acquire) {
            shutdown(instance).await;
            return;
        }
        instance.idle_since = Instant::now();
        let stale: Vec<Instance> = match self.idle.lock() {
            Ok(mut idle) => {
                idle.push(instance);
                // The pool is a stack: the oldest instance is first, and only
                // when it is stale is anything evicted (no work on the hot path).
                if idle
                    .first()
                    .is_some_and(|oldest| oldest.idle_since.elapsed() > IDLE_TTL)
                {
                    let (stale, fresh) = std::mem::take(&mut *idle)
                        .into_iter()
                        .partition(|i| i.idle_since.elapsed() > IDLE_TTL);
                    *idle = fresh;
                    stale
                } else {
                    Vec::new()
                }
            }
            Err(_) => Vec::new(),
        };
        for instance in stale {
            shutdown_within(instance, EVICTION_SHUTDOWN).await;
        }
    }

    /// Shuts down and drops every idle instance quickly (pool pressure).
    pub(crate) async fn evict_idle(&self) -> usize {
        self.drain_within(EVICTION_SHUTDOWN).await
    }

    /// Takes every idle instance out of the pool and shuts each down within
    /// `budget` (and its own time limit); how many there were.
    async fn drain_within(&self, budget: Duration) -> usize {
        let idle: Vec<Instance> = self
            .idle
            .lock()
            .map(|mut i| std::mem::take(&mut *i))
            .unwrap_or_default();
        let count = idle.len();
        for instance in idle {
            shutdown_within(instance, budget).await;
        }
        count
    }

    /// Marks this version as replaced and shuts down its idle instances; calls
    /// still running finish on it and shut their instances down afterwards.
    pub async fn retire(&self) {
        self.retired.store(true, Ordering::Release);
        self.drain().await;
    }

    /// Whether a newer version replaced this one.
    pub fn is_retired(&self) -> bool {
        self.retired.load(Ordering::Acquire)
    }

    /// Shuts down and drops every idle instance (swap, undeploy, host stop).
    pub async fn drain(&self) {
        // `shutdown_within` caps the budget at the component's own time limit.
        self.drain_within(Duration::MAX).await;
    }

    /// Idle pooled instances right now.
    pub fn idle_instances(&self) -> usize {
        self.idle.lock().map(|i| i.len()).unwrap_or(0)
    }

    /// Instances alive right now: idle ones plus those running a call.
    pub fn live_instances(&self) -> usize {
        self.idle_instances() + self.slots.busy()
    }
}
