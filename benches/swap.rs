//! Hot-swap latency under constant load: a real `run --listen --hot-reload`
//! process serving a `.wasm` file that is replaced 20 times while clients keep
//! calling it. Reports, per swap, the time from the file change to the first
//! answer of the new version (no cargo involved; each version is new bytes, so
//! it is compiled cold), and the failed requests.
//!
//! `cargo bench --bench swap`; figures go to docs/performance.md.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SWAPS: usize = 20;
const CLIENTS: usize = 4;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Builds the guest fixtures and returns two components that answer
/// `echo:x` differently (`echo:echo:x` and `x`).
fn variants() -> (PathBuf, PathBuf) {
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
        .status()
        .expect("cargo runs");
    assert!(status.success(), "guest fixtures build");
    let out = target.join("wasm32-wasip2/release");
    (out.join("echo_target.wasm"), out.join("hostile.wasm"))
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("swap: benchmark");
        return;
    }
    let (a, b) = variants();
    let dir = tempfile::tempdir().expect("temp dir");
    let wasm = dir.path().join("svc.wasm");
    std::fs::copy(&a, &wasm).unwrap();
    std::fs::write(
        dir.path().join("svc.toml"),
        "[component]\nname = \"svc\"\nversion = \"1.0.0\"\nlanguage = \"prebuilt\"\n[resources]\nmax_instances = 64\n",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_airssys-wasm"))
        .args([
            "--color=never",
            "run",
            "svc.wasm",
            "--manifest",
            "svc.toml",
            "--listen",
            "127.0.0.1:0",
            "--hot-reload",
        ])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("server starts");
    let addr = read_address(&mut child);
    let url = format!("http://{addr}/v1/components/svc/invoke");

    let stop = Arc::new(AtomicBool::new(false));
    let failed = Arc::new(AtomicU64::new(0));
    let total = Arc::new(AtomicU64::new(0));
    // Each answer: when it arrived and which version gave it.
    let log: Arc<Mutex<Vec<(Instant, bool)>>> = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (stop, failed, total, log, url) = (
                stop.clone(),
                failed.clone(),
                total.clone(),
                log.clone(),
                url.clone(),
            );
            std::thread::spawn(move || {
                let agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .new_agent();
                while !stop.load(Ordering::Relaxed) {
                    total.fetch_add(1, Ordering::Relaxed);
                    match agent.post(&url).send("echo:x") {
                        Ok(response) if response.status() == 200 => {
                            let body = response.into_body().read_to_string().unwrap_or_default();
                            log.lock().unwrap().push((Instant::now(), body == "x"));
                        }
                        _ => {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();

    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    let mut latencies = Vec::new();
    for swap in 0..SWAPS {
        let (next, answers_x) = if swap % 2 == 0 {
            (&b, true)
        } else {
            (&a, false)
        };
        let staging = dir.path().join("svc.wasm.partial");
        // Every swap after the first pair ships new bytes (a unique custom
        // section), so the new version is compiled cold, as after a real build.
        std::fs::write(&staging, with_nonce(&std::fs::read(next).unwrap(), swap)).unwrap();
        let changed = Instant::now();
        std::fs::rename(&staging, &wasm).unwrap();
        let deadline = changed + Duration::from_secs(10);
        let first = loop {
            let seen = log
                .lock()
                .unwrap()
                .iter()
                .find(|(at, x)| *at >= changed && *x == answers_x)
                .map(|(at, _)| *at);
            if let Some(at) = seen {
                break at;
            }
            assert!(Instant::now() < deadline, "swap {swap} never answered");
            std::thread::sleep(Duration::from_millis(1));
        };
        latencies.push(first.duration_since(changed));
        std::thread::sleep(Duration::from_millis(250));
    }
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().unwrap();
    }
    let _ = child.kill();
    let _ = child.wait();

    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let total = total.load(Ordering::Relaxed);
    println!("swap/file-change-to-new-answer over {SWAPS} swaps with {CLIENTS} clients:");
    println!(
        "  min {:.1} ms, median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        ms(latencies[0]),
        ms(latencies[SWAPS / 2]),
        ms(latencies[SWAPS * 95 / 100]),
        ms(latencies[SWAPS - 1])
    );
    println!(
        "  requests {total} ({:.0}/s), failed {}",
        total as f64 / elapsed.as_secs_f64(),
        failed.load(Ordering::Relaxed)
    );
}

/// `bytes` plus a custom section holding `nonce`: same behaviour, new sha256.
fn with_nonce(bytes: &[u8], nonce: usize) -> Vec<u8> {
    let name = b"airssys-bench-nonce";
    let payload = nonce.to_le_bytes();
    let size = 1 + name.len() + payload.len();
    assert!(size < 128, "one-byte LEB128 sizes");
    let mut out = bytes.to_vec();
    out.push(0); // custom section id
    out.push(size as u8);
    out.push(name.len() as u8);
    out.extend_from_slice(name);
    out.extend_from_slice(&payload);
    out
}

fn read_address(child: &mut std::process::Child) -> String {
    use std::io::{BufRead, BufReader};
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("server printed its address")
            .expect("utf-8");
        if let Some(rest) = line.split("http://").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    addr
}
