//! The process-wide Wasmtime engine: pooling allocator, epoch interruption driven by
//! a ticker thread, fuel metering, and the stack limit.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the epoch advances: the granularity of `max_execution_ms`.
pub const EPOCH_TICK: Duration = Duration::from_millis(2);

/// Largest linear memory any component may be granted (the manifest's upper bound).
const MAX_MEMORY_BYTES: usize = 4 << 30;

/// Stack available to guest code; deeper recursion traps as a stack overflow.
pub const MAX_WASM_STACK: usize = 1 << 20;

/// Engine-wide settings.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// Use the pooling allocator (falls back to on-demand when the address space
    /// cannot be reserved).
    pub pooling: bool,
    /// Concurrent component instances the pool holds.
    pub pool_instances: u32,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            pooling: true,
            pool_instances: 128,
        }
    }
}

fn base_config() -> Config {
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .consume_fuel(true)
        .max_wasm_stack(MAX_WASM_STACK)
        .async_stack_size(MAX_WASM_STACK + (1 << 20));
    config
}

/// Builds the engine; with pooling requested but unavailable (e.g. a tight
/// address-space limit), falls back to on-demand allocation and says why.
pub fn build_engine(settings: &EngineSettings) -> wasmtime::Result<(Engine, Option<String>)> {
    if settings.pooling {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(settings.pool_instances)
            .total_core_instances(settings.pool_instances * 8)
            .total_memories(settings.pool_instances * 2)
            .total_tables(settings.pool_instances * 4)
            .total_stacks(settings.pool_instances)
            .max_core_instances_per_component(super::state::MAX_CORE_INSTANCES as u32)
            .max_memories_per_component(super::state::MAX_MEMORIES as u32)
            .max_tables_per_component(super::state::MAX_TABLES as u32)
            .max_memory_size(MAX_MEMORY_BYTES);
        let mut config = base_config();
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        match Engine::new(&config) {
            Ok(engine) => return Ok((engine, None)),
            Err(e) => {
                let engine = Engine::new(&base_config())?;
                return Ok((
                    engine,
                    Some(format!(
                        "pooling allocator unavailable ({e}); using on-demand allocation"
                    )),
                ));
            }
        }
    }
    Ok((Engine::new(&base_config())?, None))
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until dropped.
pub struct EpochTicker {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl EpochTicker {
    /// Starts the ticker thread for `engine`.
    pub fn start(engine: &Engine) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let engine = engine.clone();
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("airssys-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
            .ok();
        EpochTicker { stop, thread }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
