//! The template component of every language side by side, in one run: the size
//! of the published component, the cold compile (`Runtime::load` with
//! Cranelift, no compiled-artifact cache), the cached start (`Runtime::load`
//! from a warm cache) and `Runtime::invoke` of `execute`, per-request and
//! pooled. Each template keeps its own manifest (the Python and JS engines get
//! 64 MiB of memory, Go 32 MiB); only the instance mode changes.
//!
//! A language whose toolchain is not installed is skipped with a message.
//! `cargo bench --bench languages`; figures go to docs/performance.md.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

use airssys_wasm::build::{BuildError, BuildOptions, BuildProgress, build};
use airssys_wasm::manifest::{InstanceMode, Language, Manifest};
use airssys_wasm::runtime::{
    CompileSource, Invocation, LoadOptions, LoadedComponent, LogLevel, Runtime, RuntimeConfig,
    StderrSink,
};
use airssys_wasm::templates::{InitOptions, init};

/// Every template, with its language.
const TEMPLATES: [(&str, Language); 8] = [
    ("rust", Language::Rust),
    ("rust-bindgen", Language::Rust),
    ("c", Language::C),
    ("cpp", Language::Cpp),
    ("python", Language::Python),
    ("js", Language::Js),
    ("ts", Language::Ts),
    ("go", Language::Go),
];

const INPUT: &[u8] = b"hello, benchmark";

struct Quiet;

impl BuildProgress for Quiet {
    fn command(&mut self, _: &str) {}
    fn line(&mut self, _: &str) {}
    fn unit_done(&mut self, _: &str) {}
}

/// One built template.
struct Built {
    template: &'static str,
    dir: PathBuf,
    manifest: Manifest,
    wasm: Vec<u8>,
}

/// Renders (once) and builds a template into `target/bench-fixtures/<template>`;
/// `None`, with the reason on stderr, when its toolchain is missing or the
/// build fails.
fn template(template: &'static str, language: Language) -> Option<Built> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = repo.join("target/bench-fixtures").join(template);
    if !dir.join("Component.toml").is_file() {
        let _ = std::fs::remove_dir_all(&dir);
        if let Err(e) = init(&InitOptions {
            name: "hello".into(),
            template: Some(template.into()),
            language,
            path: Some(dir.clone()),
            description: "benchmark".into(),
        }) {
            eprintln!("skipping {template}: the template does not render: {e}");
            return None;
        }
    }
    let started = Instant::now();
    let outcome = match build(
        &BuildOptions {
            path: dir.clone(),
            ..BuildOptions::default()
        },
        &mut Quiet,
    ) {
        Ok(outcome) => outcome,
        Err(airssys_wasm::Error::Build(
            e @ (BuildError::ToolchainMissing { .. }
            | BuildError::ToolMissing { .. }
            | BuildError::TargetMissing { .. }),
        )) => {
            let help = e.help().map(|h| format!(" ({h})")).unwrap_or_default();
            eprintln!("skipping {template}: its toolchain is missing: {e}{help}");
            return None;
        }
        Err(e) => {
            eprintln!("skipping {template}: the build failed: {e}");
            return None;
        }
    };
    eprintln!(
        "built {template}: {} bytes in {:.1} s",
        outcome.size,
        started.elapsed().as_secs_f64()
    );
    let wasm = std::fs::read(&outcome.artifact).expect("artifact");
    let manifest = airssys_wasm::manifest::load(&dir.join("Component.toml")).expect("manifest");
    Some(Built {
        template,
        dir,
        manifest,
        wasm,
    })
}

fn new_runtime(cache_dir: Option<PathBuf>) -> Runtime {
    Runtime::new(RuntimeConfig {
        cache_dir,
        sink: Arc::new(StderrSink::new(LogLevel::Error)),
        ..RuntimeConfig::default()
    })
    .expect("runtime")
}

fn load(runtime: &Runtime, built: &Built, label: &str, mode: InstanceMode) -> Arc<LoadedComponent> {
    let mut manifest = built.manifest.clone();
    manifest.runtime.instance_mode = mode;
    manifest.component.name = format!("{}-{label}", built.template);
    runtime
        .load(LoadOptions::new(manifest, built.wasm.clone(), &built.dir))
        .expect("loads")
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e3)
}

/// What the summary table shows for one language.
struct Startup {
    template: &'static str,
    size: usize,
    cold: Duration,
    cold_runs: usize,
    cached: Duration,
    inspect: Duration,
}

/// What one instance of a component does and holds.
struct Guest {
    /// Wasm instructions (fuel) of one steady-state `execute`.
    fuel: u64,
    /// Its linear memories and tables, in bytes.
    memory: u64,
}

/// Cold compile and cached start of one component, medians.
fn startup(built: &Built) -> Startup {
    // Cold: no cache at all, so every load runs Cranelift (and stores nothing).
    let cold_runtime = new_runtime(None);
    let cold_runs = if built.wasm.len() > 1 << 20 { 3 } else { 10 };
    let cold = (0..cold_runs)
        .map(|_| {
            let started = Instant::now();
            let loaded = load(&cold_runtime, built, "cold", InstanceMode::Pooled);
            let elapsed = started.elapsed();
            assert_eq!(loaded.compile_source(), CompileSource::Compiled);
            elapsed
        })
        .collect();
    drop(cold_runtime);

    // Cached: a fresh cache directory, filled by a first load, then read back.
    let cache = tempfile::tempdir().expect("temp dir");
    let cached_runtime = new_runtime(Some(cache.path().to_path_buf()));
    load(&cached_runtime, built, "cached", InstanceMode::Pooled);
    let cached = (0..10)
        .map(|_| {
            let started = Instant::now();
            let loaded = load(&cached_runtime, built, "cached", InstanceMode::Pooled);
            let elapsed = started.elapsed();
            assert_eq!(loaded.compile_source(), CompileSource::Cache);
            elapsed
        })
        .collect();

    // The part of every load that is not compilation: validating and decoding
    // the component and hashing it (the cache key).
    let inspect = (0..10)
        .map(|_| {
            let started = Instant::now();
            airssys_wasm::component::inspect(&built.wasm, Path::new("hello.wasm"))
                .expect("valid component");
            started.elapsed()
        })
        .collect();

    Startup {
        template: built.template,
        size: built.wasm.len(),
        cold: median(cold),
        cold_runs,
        cached: median(cached),
        inspect: median(inspect),
    }
}

fn benchmarks(c: &mut Criterion) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    // SAFETY: set before any thread is spawned by this benchmark.
    unsafe { std::env::set_var("CARGO_TARGET_DIR", repo.join("target/guest-fixtures")) };
    let built: Vec<Built> = TEMPLATES
        .iter()
        .filter_map(|&(name, language)| template(name, language))
        .collect();

    let startups: Vec<Startup> = built
        .iter()
        .map(|b| {
            let s = startup(b);
            eprintln!(
                "{}: cold compile {} ms (median of {}), cached start {} ms",
                s.template,
                ms(s.cold),
                s.cold_runs,
                ms(s.cached)
            );
            s
        })
        .collect();

    let tokio = tokio::runtime::Runtime::new().expect("tokio");
    let runtime = new_runtime(None);
    let mut guests: HashMap<&str, Guest> = HashMap::new();
    let mut failed: Vec<String> = Vec::new();
    let mut group = c.benchmark_group("languages");
    for b in &built {
        for (label, mode) in [
            ("per-request", InstanceMode::PerRequest),
            ("pooled", InstanceMode::Pooled),
        ] {
            let id = format!("{}/{label}", b.template);
            let loaded = load(&runtime, b, label, mode);
            // Two calls outside the measurement: the output is checked, a pooled
            // component gets its initialised instance, and the second call
            // measures the guest's own work in a steady-state `execute` (the
            // runtime always meters fuel) and the memory an instance holds.
            let usage = &loaded.sandbox().usage;
            let mut fuel = 0;
            let mut check = Ok(());
            for call in 1..=2 {
                let before = usage.fuel_consumed.load(Ordering::Relaxed);
                let output =
                    tokio.block_on(runtime.invoke(&loaded, Invocation::new(INPUT.to_vec())));
                fuel = usage.fuel_consumed.load(Ordering::Relaxed) - before;
                check = match output {
                    Ok(output) if output.data == b"kramhcneb ,olleh" => Ok(()),
                    Ok(output) => Err(format!("{id}: wrong output {:?}", output.data)),
                    Err(e) => Err(format!("{id}: call {call} failed: {e}")),
                };
                if check.is_err() {
                    break;
                }
            }
            if let Err(message) = check {
                eprintln!("not measuring {message}");
                failed.push(message);
                continue;
            }
            if mode == InstanceMode::Pooled {
                guests.insert(
                    b.template,
                    Guest {
                        fuel,
                        memory: usage.memory_high_water.load(Ordering::Relaxed),
                    },
                );
            }
            // A failing call is counted, not unwrapped: one broken component
            // must not end the run; its figure is then flagged in the summary.
            let calls = AtomicU64::new(0);
            let first_failure: Mutex<Option<(u64, String)>> = Mutex::new(None);
            let failures = AtomicU64::new(0);
            group.bench_function(&id, |bencher| {
                bencher.to_async(&tokio).iter(|| async {
                    let call = calls.fetch_add(1, Ordering::Relaxed) + 1;
                    let result = runtime
                        .invoke(&loaded, Invocation::new(INPUT.to_vec()))
                        .await;
                    if let Err(e) = &result {
                        failures.fetch_add(1, Ordering::Relaxed);
                        let mut first = first_failure.lock().unwrap();
                        if first.is_none() {
                            *first = Some((call, e.to_string()));
                        }
                    }
                    result
                })
            });
            let failures = failures.load(Ordering::Relaxed);
            if let Some((call, error)) = first_failure.into_inner().unwrap() {
                let message = format!(
                    "{id}: {failures} of the {} calls criterion made failed (the first was \
                     call {call}: {error}); its time is not valid",
                    calls.load(Ordering::Relaxed)
                );
                eprintln!("{message}");
                failed.push(message);
            }
        }
    }
    group.finish();

    eprintln!();
    eprintln!(
        "{:<14} {:>10} {:>10} {:>10} {:>10} {:>12} {:>10}",
        "language", "size B", "cold ms", "cached ms", "inspect ms", "fuel/execute", "memory MiB"
    );
    for s in &startups {
        let (fuel, memory) = match guests.get(s.template) {
            Some(g) => (
                g.fuel.to_string(),
                format!("{:.1}", g.memory as f64 / (1 << 20) as f64),
            ),
            None => ("-".into(), "-".into()),
        };
        eprintln!(
            "{:<14} {:>10} {:>10} {:>10} {:>10} {:>12} {:>10}",
            s.template,
            s.size,
            ms(s.cold),
            ms(s.cached),
            ms(s.inspect),
            fuel,
            memory
        );
    }
    eprintln!(
        "(cold: `Runtime::load` with no compiled-artifact cache, median of 3 (over 1 MiB) or 10 \
         runs; cached: the same load from a warm cache, median of 10; inspect: the \
         validation, decoding and hashing every load does, included in both)"
    );
    for failure in &failed {
        eprintln!("FAILED {failure}");
    }
    let skipped: Vec<&str> = TEMPLATES
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| !built.iter().any(|b| b.template == *name))
        .collect();
    if !skipped.is_empty() {
        eprintln!("skipped (see above): {}", skipped.join(", "));
    }
    eprintln!("invoke times: criterion's `languages/<language>/<mode>` lines above");
}

criterion_group!(benches, benchmarks);
criterion_main!(benches);
