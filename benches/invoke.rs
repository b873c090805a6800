//! Invoking the template component on the embedded runtime, per-request and
//! pooled, next to the bare-Wasmtime floor doing the same work in the same run.
//! The `rust` template is written with the guest SDK; the same component on raw
//! wit-bindgen (`rust-bindgen`) runs pooled beside it, so the SDK's cost shows.
//!
//! `cargo bench --bench invoke`; figures go to docs/performance.md.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use airssys_wasm::build::{BuildOptions, BuildProgress, build};
use airssys_wasm::manifest::{InstanceMode, Language};
use airssys_wasm::runtime::bindings::{self, ComponentInput, ExecutionContext};
use airssys_wasm::runtime::{
    Invocation, LoadOptions, LogLevel, Runtime, RuntimeConfig, StderrSink,
};
use airssys_wasm::templates::{InitOptions, init};

struct Quiet;

impl BuildProgress for Quiet {
    fn command(&mut self, _: &str) {}
    fn line(&mut self, _: &str) {}
    fn unit_done(&mut self, _: &str) {}
}

/// Builds a template (`rust` or `rust-bindgen`) once, into the shared guest
/// target dir.
fn template(template: &str) -> (PathBuf, Vec<u8>) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = repo.join("target/bench-fixtures").join(template);
    if !dir.join("Component.toml").is_file() {
        let _ = std::fs::remove_dir_all(&dir);
        init(&InitOptions {
            name: "hello".into(),
            template: Some(template.into()),
            language: Language::Rust,
            path: Some(dir.clone()),
            description: "benchmark".into(),
        })
        .expect("template renders");
    }
    // SAFETY: set before any thread is spawned by this benchmark.
    unsafe { std::env::set_var("CARGO_TARGET_DIR", repo.join("target/guest-fixtures")) };
    let outcome = build(
        &BuildOptions {
            path: dir.clone(),
            ..BuildOptions::default()
        },
        &mut Quiet,
    )
    .expect("template builds");
    let wasm = std::fs::read(&outcome.artifact).expect("artifact");
    (dir, wasm)
}

/// Store data of the floor: WASI plus a logging import that drops lines.
struct Floor {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for Floor {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl bindings::airssys::core::logging::Host for Floor {
    async fn log(&mut self, _: bindings::airssys::core::logging::Level, _: String) {}
}

impl bindings::airssys::core::types::Host for Floor {}

fn floor_store(engine: &Engine) -> Store<Floor> {
    Store::new(
        engine,
        Floor {
            wasi: WasiCtxBuilder::new().build(),
            table: ResourceTable::new(),
        },
    )
}

fn input() -> ComponentInput {
    ComponentInput {
        data: b"hello, benchmark".to_vec(),
        metadata: Vec::new(),
        context: ExecutionContext {
            request_id: "bench".into(),
            component: "hello".into(),
            version: "0.1.0".into(),
            deadline_ms: 1000,
        },
    }
}

/// Wasm instructions (fuel) one pooled `execute` of `wasm` costs: the guest's own
/// work, counted exactly, free of the timing noise of a shared machine.
fn fuel_per_execute(wasm: &[u8], tokio: &tokio::runtime::Runtime) -> u64 {
    let mut config = Config::new();
    config.consume_fuel(true);
    let engine = Engine::new(&config).expect("engine");
    let component = Component::new(&engine, wasm).expect("compiles");
    let mut linker = Linker::<Floor>::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).expect("wasi");
    bindings::airssys::core::logging::add_to_linker::<Floor, HasSelf<Floor>>(&mut linker, |s| s)
        .expect("logging");
    let pre = bindings::ComponentPre::new(linker.instantiate_pre(&component).expect("pre"))
        .expect("world");
    let mut store = floor_store(&engine);
    store.set_fuel(u64::MAX).expect("fuel");
    tokio.block_on(async {
        let instance = pre.instantiate_async(&mut store).await.unwrap();
        let lifecycle = instance.airssys_core_lifecycle();
        let config = vec![("greeting".to_string(), "hello".to_string())];
        lifecycle
            .call_init(&mut store, &config)
            .await
            .unwrap()
            .unwrap();
        // The first call pays one-time costs; the second is the steady state.
        lifecycle
            .call_execute(&mut store, &input())
            .await
            .unwrap()
            .unwrap();
        let before = store.get_fuel().unwrap();
        lifecycle
            .call_execute(&mut store, &input())
            .await
            .unwrap()
            .unwrap();
        before - store.get_fuel().unwrap()
    })
}

fn benchmarks(c: &mut Criterion) {
    let (dir, wasm) = template("rust");
    let (_, raw_wasm) = template("rust-bindgen");
    eprintln!(
        "component sizes: rust (SDK) {} bytes, rust-bindgen {} bytes ({:+.1}%)",
        wasm.len(),
        raw_wasm.len(),
        (wasm.len() as f64 / raw_wasm.len() as f64 - 1.0) * 100.0
    );
    let tokio = tokio::runtime::Runtime::new().expect("tokio");
    eprintln!(
        "fuel per pooled execute: rust (SDK) {}, rust-bindgen {}",
        fuel_per_execute(&wasm, &tokio),
        fuel_per_execute(&raw_wasm, &tokio)
    );

    // The floor: bare Wasmtime, InstancePre + Store + typed calls, doing the same
    // lifecycle work (per-request: instantiate, init, execute, shutdown). Measured
    // with Wasmtime's default allocator and with a pooling allocator like the
    // runtime's, so the runtime's own overhead can be read off directly.
    let config = vec![("greeting".to_string(), "hello".to_string())];
    let mut pooling = Config::new();
    pooling.allocation_strategy(InstanceAllocationStrategy::Pooling(
        PoolingAllocationConfig::default(),
    ));
    let mut group = c.benchmark_group("invoke");
    let mut floors = Vec::new();
    for (label, engine_config) in [("floor", Config::new()), ("floor-pooling", pooling)] {
        let engine = Engine::new(&engine_config).expect("engine");
        let component = Component::new(&engine, &wasm).expect("compiles");
        let mut linker = Linker::<Floor>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).expect("wasi");
        bindings::airssys::core::logging::add_to_linker::<Floor, HasSelf<Floor>>(
            &mut linker,
            |s| s,
        )
        .expect("logging");
        let pre = bindings::ComponentPre::new(linker.instantiate_pre(&component).expect("pre"))
            .expect("world");
        group.bench_function(format!("{label}/per-request"), |b| {
            b.to_async(&tokio).iter(|| async {
                let mut store = floor_store(&engine);
                let instance = pre.instantiate_async(&mut store).await.unwrap();
                let lifecycle = instance.airssys_core_lifecycle();
                lifecycle
                    .call_init(&mut store, &config)
                    .await
                    .unwrap()
                    .unwrap();
                let out = lifecycle
                    .call_execute(&mut store, &input())
                    .await
                    .unwrap()
                    .unwrap();
                lifecycle.call_shutdown(&mut store).await.unwrap();
                out
            })
        });
        floors.push((engine, pre));
    }
    let (engine, pre) = floors.swap_remove(0);
    let mut store = floor_store(&engine);
    let instance = tokio.block_on(pre.instantiate_async(&mut store)).unwrap();
    tokio
        .block_on(
            instance
                .airssys_core_lifecycle()
                .call_init(&mut store, &config),
        )
        .unwrap()
        .unwrap();
    let store = Arc::new(tokio::sync::Mutex::new(store));
    group.bench_function("floor/pooled", |b| {
        b.to_async(&tokio).iter(|| async {
            let mut store = store.lock().await;
            instance
                .airssys_core_lifecycle()
                .call_execute(&mut *store, &input())
                .await
                .unwrap()
                .unwrap()
        })
    });

    // The product: the runtime with pooling, epochs, fuel, sandboxed WASI.
    let runtime = Runtime::new(RuntimeConfig {
        sink: Arc::new(StderrSink::new(LogLevel::Error)),
        ..RuntimeConfig::default()
    })
    .expect("runtime");
    let manifest = airssys_wasm::manifest::load(&dir.join("Component.toml")).expect("manifest");
    for (label, mode, wasm) in [
        ("per-request", InstanceMode::PerRequest, &wasm),
        ("pooled", InstanceMode::Pooled, &wasm),
        ("pooled-bindgen", InstanceMode::Pooled, &raw_wasm),
    ] {
        let mut manifest = manifest.clone();
        manifest.runtime.instance_mode = mode;
        manifest.component.name = format!("hello-{label}");
        let loaded = runtime
            .load(LoadOptions::new(manifest, wasm.clone(), &dir))
            .expect("loads");
        group.bench_function(format!("airssys/{label}"), |b| {
            b.to_async(&tokio).iter(|| async {
                runtime
                    .invoke(&loaded, Invocation::new(b"hello, benchmark".to_vec()))
                    .await
                    .unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, benchmarks);
criterion_main!(benches);
