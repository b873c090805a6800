//! The pipeline executor's own cost, in one run:
//!
//! - **hop**: a linear 3-node pipeline (a → b → c of `append.wat` components,
//!   pooled) against the same three loaded components invoked one after another
//!   through `Runtime::invoke`, each output fed to the next, and against the
//!   bare-Wasmtime floor making the same 3 calls on live instances. Per-hop
//!   overhead = (pipeline − sequential) / 3.
//! - **fan-out**: entry → 4 branches that wait 20 ms in the host (the
//!   `pipeline-step` guest with `sleep_ms = 20`) → join, against the same 4
//!   branch calls made one after another. Speed-up = sequential / pipeline.
//!
//! `cargo bench --bench pipeline`; figures go to docs/performance.md.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, Store};

use airssys_wasm::pipeline::{ErrorStrategy, Pipeline};
use airssys_wasm::runtime::bindings::{self, ComponentInput, ExecutionContext};
use airssys_wasm::runtime::{
    Invocation, LoadOptions, LoadedComponent, LogLevel, Runtime, RuntimeConfig, StderrSink,
};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The data root every component is loaded under (with a `data/` directory).
fn data_root() -> PathBuf {
    let dir = repo().join("target/bench-fixtures/pipeline");
    std::fs::create_dir_all(dir.join("data")).expect("bench data root");
    dir
}

/// `append.wat` with `suffix`, as a component.
fn append(suffix: char) -> Vec<u8> {
    let wat = std::fs::read_to_string(repo().join("tests/fixtures/wat/append.wat"))
        .expect("append.wat")
        .replace("{{SUFFIX}}", &(suffix as u32).to_string());
    airssys_wasm::wit::encode_core_module(&wat::parse_str(&wat).expect("wat parses"))
        .expect("encodes")
}

/// Builds the guest fixtures (a no-op when up to date) and returns
/// `pipeline-step`'s bytes.
fn pipeline_step() -> Vec<u8> {
    let target = repo().join("target/guest-fixtures");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--manifest-path",
        ])
        .arg(repo().join("tests/fixtures/guests/Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .status()
        .expect("cargo runs");
    assert!(status.success(), "guest fixtures build");
    std::fs::read(target.join("wasm32-wasip2/release/pipeline_step.wasm")).expect("built")
}

fn load(runtime: &Runtime, root: &Path, manifest: &str, wasm: Vec<u8>) -> Arc<LoadedComponent> {
    let manifest = airssys_wasm::manifest::parse(manifest, &root.join("Component.toml"))
        .unwrap_or_else(|e| panic!("bench manifest: {}", e.render()));
    runtime
        .load(LoadOptions::new(manifest, wasm, root))
        .expect("loads")
}

/// `pipeline-step` as `name`, with `[config] step = name` plus `config`.
fn step(
    runtime: &Runtime,
    root: &Path,
    wasm: &[u8],
    name: &str,
    config: &str,
) -> Arc<LoadedComponent> {
    let manifest = format!(
        "[component]\nname = \"{name}\"\nversion = \"1.0.0\"\nlanguage = \"prebuilt\"\n\
         world = \"airssys:core/component\"\n\n\
         [config]\nstep = \"{name}\"\n{config}\n\
         [permissions.storage]\nkey_value = true\n\n\
         [permissions.filesystem]\nreadable_paths = [\"data/**\"]\n"
    );
    load(runtime, root, &manifest, wasm.to_vec())
}

fn floor_input(data: Vec<u8>) -> ComponentInput {
    ComponentInput {
        data,
        metadata: Vec::new(),
        context: ExecutionContext {
            request_id: "bench".into(),
            component: "append".into(),
            version: "1.0.0".into(),
            deadline_ms: 1000,
        },
    }
}

fn benchmarks(c: &mut Criterion) {
    let tokio = tokio::runtime::Runtime::new().expect("tokio");
    let root = data_root();
    let runtime = Runtime::new(RuntimeConfig {
        sink: Arc::new(StderrSink::new(LogLevel::Error)),
        ..RuntimeConfig::default()
    })
    .expect("runtime");

    // --- Per-hop overhead: a → b → c, pooled. ---
    let mut group = c.benchmark_group("pipeline-hop");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));

    // The floor: bare Wasmtime, one live initialised instance per component
    // (no imports needed), `execute` called on each in turn.
    let engine = Engine::new(&Config::new()).expect("engine");
    let linker = Linker::<()>::new(&engine);
    let mut floor = Vec::new();
    for suffix in ['a', 'b', 'c'] {
        let component = Component::new(&engine, append(suffix)).expect("compiles");
        let pre = bindings::ComponentPre::new(linker.instantiate_pre(&component).expect("pre"))
            .expect("world");
        let mut store = Store::new(&engine, ());
        let instance = tokio.block_on(pre.instantiate_async(&mut store)).unwrap();
        tokio
            .block_on(
                instance
                    .airssys_core_lifecycle()
                    .call_init(&mut store, &Vec::new()),
            )
            .unwrap()
            .unwrap();
        floor.push((instance, store));
    }
    let floor = Arc::new(tokio::sync::Mutex::new(floor));
    group.bench_function("floor/3-calls", |b| {
        b.to_async(&tokio).iter(|| async {
            let mut floor = floor.lock().await;
            let mut data = b">".to_vec();
            for (instance, store) in floor.iter_mut() {
                data = instance
                    .airssys_core_lifecycle()
                    .call_execute(&mut *store, &floor_input(data))
                    .await
                    .unwrap()
                    .unwrap()
                    .data;
            }
            assert_eq!(data, b">abc");
            data
        })
    });

    let nodes: Vec<_> = ['a', 'b', 'c']
        .into_iter()
        .map(|s| {
            let manifest = format!("[component]\nname = \"add-{s}\"\nversion = \"1.0.0\"\n");
            load(&runtime, &root, &manifest, append(s))
        })
        .collect();
    group.bench_function("sequential/3-invokes", |b| {
        b.to_async(&tokio).iter(|| async {
            let mut data = b">".to_vec();
            for node in &nodes {
                data = runtime
                    .invoke(node, Invocation::new(data))
                    .await
                    .unwrap()
                    .data;
            }
            assert_eq!(data, b">abc");
            data
        })
    });

    let linear = Pipeline::builder("abc", "1.0.0")
        .node("a", nodes[0].clone())
        .node("b", nodes[1].clone())
        .node("c", nodes[2].clone())
        .connect("a", "b")
        .connect("b", "c")
        .error_strategy(ErrorStrategy::FailFast)
        .build()
        .expect("pipeline");
    group.bench_function("pipeline/3-nodes", |b| {
        b.to_async(&tokio).iter(|| async {
            let report = linear.run(&runtime, Invocation::new(b">".to_vec())).await;
            let out = report.into_result().unwrap();
            assert_eq!(out.data, b">abc");
            out
        })
    });
    group.finish();

    // --- Fan-out: entry → 4 branches waiting 20 ms in the host → join. ---
    let mut group = c.benchmark_group("pipeline-fan-out");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    let wasm = pipeline_step();
    let branches: Vec<_> = ["b1", "b2", "b3", "b4"]
        .into_iter()
        .map(|name| {
            (
                name,
                step(&runtime, &root, &wasm, name, "sleep_ms = \"20\""),
            )
        })
        .collect();
    group.bench_function("sequential/4-calls", |b| {
        b.to_async(&tokio).iter(|| async {
            let mut data = b">".to_vec();
            for (_, branch) in &branches {
                data = runtime
                    .invoke(branch, Invocation::new(data))
                    .await
                    .unwrap()
                    .data;
            }
            data
        })
    });

    let mut builder = Pipeline::builder("fan", "1.0.0")
        .node("entry", step(&runtime, &root, &wasm, "entry", ""))
        .node("join", step(&runtime, &root, &wasm, "join", ""));
    for (name, branch) in &branches {
        builder = builder
            .node(*name, branch.clone())
            .connect("entry", name)
            .connect(name, "join");
    }
    let fan = builder
        .error_strategy(ErrorStrategy::FailFast)
        .build()
        .expect("pipeline");
    group.bench_function("pipeline/4-branches", |b| {
        b.to_async(&tokio).iter(|| async {
            let report = fan.run(&runtime, Invocation::new(b">".to_vec())).await;
            report.into_result().unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, benchmarks);
criterion_main!(benches);
