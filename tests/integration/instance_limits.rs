//! Limits that hold for the whole instance, however the component is built:
//! `max_memory_bytes` counts every memory of every core module together, and
//! `[permissions.filesystem] max_bytes` / `max_files` cap what the writable
//! grants hold.

use std::path::Path;

use airssys_wasm::runtime::{InvokeError, LoadOptions};

use super::support::sandbox::{err, hostile, ok, runtime};

/// A `wasi:cli/command` made of four core module instances, each with its own
/// linear memory (1 page), whose `run` grows each memory by `pages` in turn and
/// fails if any growth is refused.
fn four_memories(pages: u32) -> Vec<u8> {
    let text = format!(
        r#"(component
          (core module $piece
            (memory 1)
            (func (export "grow") (result i32) (memory.grow (i32.const {pages}))))
          (core instance $a (instantiate $piece))
          (core instance $b (instantiate $piece))
          (core instance $c (instantiate $piece))
          (core instance $d (instantiate $piece))
          (core module $main
            (import "a" "grow" (func $a (result i32)))
            (import "b" "grow" (func $b (result i32)))
            (import "c" "grow" (func $c (result i32)))
            (import "d" "grow" (func $d (result i32)))
            (func (export "run") (result i32)
              (if (i32.lt_s (call $a) (i32.const 0)) (then (return (i32.const 1))))
              (if (i32.lt_s (call $b) (i32.const 0)) (then (return (i32.const 1))))
              (if (i32.lt_s (call $c) (i32.const 0)) (then (return (i32.const 1))))
              (if (i32.lt_s (call $d) (i32.const 0)) (then (return (i32.const 1))))
              (i32.const 0)))
          (core instance $main (instantiate $main
            (with "a" (instance $a)) (with "b" (instance $b))
            (with "c" (instance $c)) (with "d" (instance $d))))
          (func $run (result (result)) (canon lift (core func $main "run")))
          (instance $run-instance (export "run" (func $run)))
          (export "wasi:cli/run@0.2.0" (instance $run-instance)))"#
    );
    wat::parse_str(text).expect("the multi-memory component is valid")
}

async fn run_four_memories(max_memory_bytes: u64) -> Result<i32, InvokeError> {
    let (rt, _sink) = runtime();
    let manifest = format!(
        "[component]\nname = \"pieces\"\nversion = \"1.0.0\"\nlanguage = \"prebuilt\"\n\
         world = \"wasi:cli/command\"\n[resources]\nmax_memory_bytes = {max_memory_bytes}\n"
    );
    let manifest = airssys_wasm::manifest::parse(&manifest, Path::new("Component.toml"))
        .unwrap_or_else(|e| panic!("{}", e.render()));
    // 15 MiB per memory.
    let component = rt
        .load(LoadOptions::new(manifest, four_memories(240), "."))
        .unwrap_or_else(|e| panic!("loads: {e}"));
    rt.run_command(&component, vec!["pieces".into()]).await
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_cap_counts_every_memory_of_the_instance() {
    // Each memory alone stays under 16 MiB; together they would use 60 MiB.
    match run_four_memories(16 << 20).await {
        Err(InvokeError::MemoryLimit { limit, requested }) => {
            assert_eq!(limit, 16 << 20);
            assert!(requested > 16 << 20, "requested {requested}");
        }
        other => panic!("expected the memory limit, got {other:?}"),
    }
    // With room for all four, the same component runs to completion.
    assert_eq!(run_four_memories(64 << 20).await.unwrap(), 0);
}

const QUOTA: &str = "[permissions.filesystem]\nwritable_paths = [\"out/**\"]\n";

fn quota_error(e: InvokeError) -> airssys_wasm::security::DiskQuotaExceeded {
    match e {
        InvokeError::DiskQuota(q) => q,
        other => panic!("expected a disk quota error, got {other}"),
    }
}

/// Bytes of the regular files in `dir`.
fn bytes_in(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn writes_past_max_bytes_stop_the_call() {
    let root = tempfile::tempdir().unwrap();
    let (rt, sink) = runtime();
    let c = hostile(&rt, &format!("{QUOTA}max_bytes = 1048576\n"), root.path());
    assert_eq!(ok(&rt, &c, "fill:/out:2:400000").await, "wrote 2 files");
    let e = quota_error(err(&rt, &c, "fill:/out:10:400000").await);
    assert_eq!((e.key, e.limit), ("max_bytes", 1_048_576));
    assert!(bytes_in(&root.path().join("out")) <= 1_048_576);
    let denial = sink
        .denials()
        .last()
        .cloned()
        .expect("the quota is reported");
    assert!(
        denial.help.contains("[permissions.filesystem] max_bytes"),
        "{denial:?}"
    );
    // Files removed outside the component free their space: the exact measure
    // that runs when the running count is over the quota sees it.
    for entry in std::fs::read_dir(root.path().join("out")).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    assert_eq!(ok(&rt, &c, "fill:/out:2:400000").await, "wrote 2 files");
}

#[tokio::test(flavor = "multi_thread")]
async fn creating_files_past_max_files_stops_the_call() {
    let root = tempfile::tempdir().unwrap();
    let (rt, _sink) = runtime();
    let c = hostile(&rt, &format!("{QUOTA}max_files = 50\n"), root.path());
    let e = quota_error(err(&rt, &c, "fill:/out:200:1").await);
    assert_eq!((e.key, e.limit), ("max_files", 50));
    let files = std::fs::read_dir(root.path().join("out")).unwrap().count();
    assert!(files <= 50, "{files} files");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_default_quota_applies_when_the_manifest_sets_none() {
    let root = tempfile::tempdir().unwrap();
    let sink = std::sync::Arc::new(airssys_wasm::runtime::MemorySink::default());
    let rt = airssys_wasm::runtime::Runtime::new(airssys_wasm::runtime::RuntimeConfig {
        cache_dir: Some(super::support::repo().join("target").join("test-compiled")),
        sink,
        default_disk_quota: airssys_wasm::manifest::DiskQuota {
            max_bytes: Some(100_000),
            max_files: None,
        },
        ..airssys_wasm::runtime::RuntimeConfig::default()
    })
    .unwrap();
    let c = hostile(&rt, QUOTA, root.path());
    let e = quota_error(err(&rt, &c, "fill:/out:3:60000").await);
    assert_eq!((e.key, e.limit), ("max_bytes", 100_000));
    // Without any quota (the runtime's own default), the same writes succeed.
    let (free_rt, _) = runtime();
    let free = hostile(&free_rt, QUOTA, root.path());
    std::fs::remove_dir_all(root.path().join("out")).unwrap();
    assert_eq!(
        ok(&free_rt, &free, "fill:/out:3:60000").await,
        "wrote 3 files"
    );
}

/// Loads the hostile guest as `name` with `extra` manifest TOML.
fn named_hostile(
    rt: &airssys_wasm::runtime::Runtime,
    name: &str,
    extra: &str,
) -> std::sync::Arc<airssys_wasm::runtime::LoadedComponent> {
    super::support::sandbox::load_guest(
        rt,
        "hostile",
        name,
        "airssys:core/component",
        &format!("[permissions.storage]\nkey_value = true\n{extra}"),
        Path::new("."),
    )
    .unwrap_or_else(|e| panic!("{name} loads: {e}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_callers_deadline_bounds_the_whole_messaging_chain() {
    let (rt, _sink) = runtime();
    let a = named_hostile(
        &rt,
        "a",
        "[resources]\nmax_execution_ms = 300\n[permissions.messaging]\ntargets = [\"b\"]\n",
    );
    named_hostile(&rt, "b", "[resources]\nmax_execution_ms = 20000\n");
    let started = std::time::Instant::now();
    let e = err(&rt, &a, "call:b:loop").await;
    let elapsed = started.elapsed();
    // B's own limit is 20 s; A's 300 ms ends the chain (loose bound for CI).
    assert!(
        elapsed < std::time::Duration::from_secs(5),
        "{elapsed:?}: {e}"
    );
    assert!(e.to_string().contains("max_execution_ms"), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reentrant_call_without_a_free_instance_fails_at_once() {
    let (rt, _sink) = runtime();
    let a = named_hostile(
        &rt,
        "a",
        "[resources]\nmax_instances = 1\nmax_execution_ms = 20000\n\
         [permissions.messaging]\ntargets = [\"b\"]\n",
    );
    named_hostile(
        &rt,
        "b",
        "[resources]\nmax_execution_ms = 20000\n[permissions.messaging]\ntargets = [\"a\"]\n",
    );
    let started = std::time::Instant::now();
    let e = err(&rt, &a, "call:b:call:a:echo:x").await.to_string();
    assert!(
        e.contains("re-entrant call to a: no instance free, max_instances = 1"),
        "{e}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_flooding_stderr_is_throttled_by_its_output_budget() {
    let (rt, sink) = runtime();
    let c = hostile(
        &rt,
        "[resources]\nmax_execution_ms = 60000\n",
        Path::new("."),
    );
    let started = std::time::Instant::now();
    assert_eq!(ok(&rt, &c, "spew:100000000").await, "spewed 100000000");
    let elapsed = started.elapsed().as_secs_f64();
    // A burst of 200 KiB, then 100 KiB/s: far from the 100 MB written.
    let allowed = (200.0 + 100.0 * elapsed) * 1024.0 + 8192.0;
    let passed = sink.output_bytes() as f64;
    assert!(passed <= allowed, "{passed} bytes passed in {elapsed:.1}s");
    assert!(passed > 0.0, "some output passes");
    assert!(
        sink.logs()
            .iter()
            .any(|(_, _, m)| m.contains("dropped (rate limit")),
        "the drop is reported: {:?}",
        sink.logs()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_output_is_its_own_error() {
    let (rt, _sink) = runtime();
    let c = hostile(
        &rt,
        "[resources]\nmax_memory_bytes = 134217728\n",
        Path::new("."),
    );
    let limit = airssys_wasm::runtime::MAX_OUTPUT_BYTES;
    let mut input = b"echo:".to_vec();
    input.resize(limit + 6, b'x');
    let e = rt
        .invoke(&c, airssys_wasm::runtime::Invocation::new(input))
        .await
        .unwrap_err();
    assert!(
        matches!(e, InvokeError::OutputTooLarge { bytes, .. } if bytes == limit + 1),
        "{e}"
    );
    assert_eq!(e.kind(), "output-too-large");
    // Just under the limit goes through.
    let mut input = b"echo:".to_vec();
    input.resize(limit + 5, b'x');
    let out = rt
        .invoke(&c, airssys_wasm::runtime::Invocation::new(input))
        .await
        .unwrap();
    assert_eq!(out.data.len(), limit);
}
