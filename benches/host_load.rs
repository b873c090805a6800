//! Throughput and latency of the deployment host (`airssys-wasm serve`) under
//! HTTP load, next to a raw-Wasmtime floor served over HTTP in the same run, and
//! failed requests while rollouts run under load.
//!
//! - The host: a real `serve` process on loopback; the `rust` template component
//!   deployed through the admin API as `hello` (the template's
//!   `instance_mode = "pooled"`) and as `hello-pr` (the same bytes with
//!   `instance_mode = "per-request"`).
//! - The floor: an axum server in this process whose handlers do bare Wasmtime
//!   work for the same component (default `Engine`, `ComponentPre`): per-request
//!   (fresh `Store`, instantiate, `init`, `execute`, `shutdown`) and pooled (a pool
//!   of initialised instances, `execute` only).
//! - The load: N client threads, one keep-alive `ureq::Agent` each, calling
//!   `POST …/invoke` with `hello, benchmark` for a fixed time after a warm-up.
//! - Rollouts: while 4 clients call `hello`, the admin API runs update immediate,
//!   rollback, blue-green, rollback, canary 50% + promote, rollback, rolling
//!   20/60/100; every answer must be v1's or v2's, and none may fail.
//!
//! - The pooled targets again with [`RawClient`], a minimal HTTP/1.1 client, to
//!   show what the servers do when the generator takes less of the cores.
//!
//! The load generator and the server share the machine's cores, so each row also
//! reports the CPU each side used (from `/proc`, Linux only).
//!
//! `cargo bench --bench host_load`; figures go to docs/performance.md.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use airssys_wasm::build::{BuildOptions, BuildProgress, build};
use airssys_wasm::manifest::Language;
use airssys_wasm::runtime::bindings::{self, ComponentInput, ExecutionContext};
use airssys_wasm::templates::{InitOptions, init};

const WARMUP: Duration = Duration::from_secs(1);
const MEASURE: Duration = Duration::from_secs(5);
const CLIENT_COUNTS: [usize; 3] = [2, 4, 8];
const ROLLOUT_CLIENTS: usize = 4;
/// Every call is bounded: no request may take longer than this.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

const INPUT: &str = "hello, benchmark";
/// What v1 (the template: reverse) answers.
const V1_ANSWER: &str = "kramhcneb ,olleh";
/// What v2 (reverse, then uppercase) answers.
const V2_ANSWER: &str = "KRAMHCNEB ,OLLEH";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Quiet;

impl BuildProgress for Quiet {
    fn command(&mut self, _: &str) {}
    fn line(&mut self, _: &str) {}
    fn unit_done(&mut self, _: &str) {}
}

/// A built version: its bytes and its manifest text.
struct Built {
    wasm: Vec<u8>,
    manifest: String,
}

/// Writes `contents` only when it differs, so cargo's fingerprints stay fresh
/// across runs.
fn write_if_changed(path: &Path, contents: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(contents) {
        std::fs::write(path, contents).expect("write fixture file");
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create fixture dir");
    for entry in std::fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("dir entry");
        let name = entry.file_name();
        if name == "target" {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&src, &dst);
        } else {
            write_if_changed(&dst, &std::fs::read_to_string(&src).expect("read fixture"));
        }
    }
}

fn build_project(dir: &Path) -> Built {
    let outcome = build(
        &BuildOptions {
            path: dir.to_path_buf(),
            ..BuildOptions::default()
        },
        &mut Quiet,
    )
    .unwrap_or_else(|e| panic!("{} builds: {e}", dir.display()));
    Built {
        wasm: std::fs::read(&outcome.artifact).expect("artifact"),
        manifest: std::fs::read_to_string(dir.join("Component.toml")).expect("manifest"),
    }
}

/// Builds the `rust` template (v1, 0.1.0) and a copy that uppercases its answer
/// (v2, 0.2.0), like benches/invoke.rs does, into the shared guest target dir.
fn versions() -> (Built, Built) {
    let fixtures = repo().join("target/bench-fixtures");
    let v1_dir = fixtures.join("hello");
    if !v1_dir.join("Component.toml").is_file() {
        let _ = std::fs::remove_dir_all(&v1_dir);
        init(&InitOptions {
            name: "hello".into(),
            template: None,
            language: Language::Rust,
            path: Some(v1_dir.clone()),
            description: "benchmark".into(),
        })
        .expect("template renders");
    }
    // SAFETY: set before any thread is spawned by this benchmark.
    unsafe { std::env::set_var("CARGO_TARGET_DIR", repo().join("target/guest-fixtures")) };
    let v1 = build_project(&v1_dir);

    // v2: same component name, new version, different answer. The cargo package
    // is renamed so its .wasm does not overwrite v1's in the shared target dir.
    let v2_dir = fixtures.join("hello-v2");
    copy_tree(&v1_dir, &v2_dir);
    let edit = |file: &str, from: &str, to: &str| {
        let path = v2_dir.join(file);
        let text = std::fs::read_to_string(&path).expect("read v2 file");
        if !text.contains(to) {
            assert!(text.contains(from), "{file} contains {from:?}");
            write_if_changed(&path, &text.replacen(from, to, 1));
        }
    };
    edit(
        "src/lib.rs",
        "data: reversed.into_bytes(),",
        "data: reversed.to_uppercase().into_bytes(),",
    );
    edit(
        "Component.toml",
        "version = \"0.1.0\"",
        "version = \"0.2.0\"",
    );
    edit("Cargo.toml", "name = \"hello\"", "name = \"hello-v2\"");
    edit("Cargo.toml", "version = \"0.1.0\"", "version = \"0.2.0\"");
    let v2 = build_project(&v2_dir);
    assert_ne!(v1.wasm, v2.wasm, "v1 and v2 differ");
    (v1, v2)
}

// ---------------------------------------------------------------------------
// The host process and its admin API.

struct Host {
    child: Child,
    addr: String,
    admin: Admin,
    /// Host stderr lines `… log lines dropped (rate limit …)`.
    dropped_warnings: Arc<AtomicU64>,
    _state: tempfile::TempDir,
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_host() -> Host {
    let state = tempfile::tempdir().expect("state dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_airssys-wasm"))
        .args([
            "--color=never",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--state",
        ])
        .arg(state.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("host starts");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("host printed its address")
            .expect("utf-8");
        if line.contains("Listening")
            && let Some(rest) = line.split("http://").nth(1)
        {
            break rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
        }
    };
    // Keep draining stderr so the host never blocks on a full pipe; show what
    // it reports (aborts, errors), but only count the log rate-limit warnings.
    let dropped_warnings = Arc::new(AtomicU64::new(0));
    let counter = dropped_warnings.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if line.contains("log lines dropped") {
                counter.fetch_add(1, Ordering::Relaxed);
            } else {
                eprintln!("  [host] {line}");
            }
        }
    });
    let token = std::fs::read_to_string(state.path().join("admin.token"))
        .expect("admin token")
        .trim()
        .to_string();
    Host {
        child,
        admin: Admin {
            agent: agent(),
            base: format!("http://{addr}/v1/admin"),
            token,
        },
        addr,
        dropped_warnings,
        _state: state,
    }
}

/// A keep-alive client whose every socket operation is bounded. Not with
/// `timeout_global`/`timeout_per_call`: ureq resolves the address on every call,
/// and with either of those set it spawns a thread per call to bound the
/// lookup, which more than doubled the generator's CPU per call.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(CALL_TIMEOUT))
        .timeout_per_read(Some(CALL_TIMEOUT))
        .timeout_per_write(Some(CALL_TIMEOUT))
        .build()
        .new_agent()
}

struct Admin {
    agent: ureq::Agent,
    base: String,
    token: String,
}

impl Admin {
    fn check(&self, what: &str, result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) {
        let mut response = result.unwrap_or_else(|e| panic!("{what}: {e}"));
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        assert!((200..300).contains(&status), "{what}: {status} {body}");
    }

    fn deploy(&self, name: &str, version: &str, wasm: &[u8], manifest: &str) {
        let result = self
            .agent
            .post(format!(
                "{}/components/{name}/versions/{version}",
                self.base
            ))
            .header("Authorization", format!("Bearer {}", self.token))
            .header(
                "x-airssys-manifest",
                base64::engine::general_purpose::STANDARD.encode(manifest),
            )
            .send(wasm);
        self.check(&format!("deploy {name}@{version}"), result);
    }

    fn post(&self, path: &str, json: &str) {
        let result = self
            .agent
            .post(format!("{}/components/{path}", self.base))
            .header("Authorization", format!("Bearer {}", self.token))
            .header("Content-Type", "application/json")
            .send(json);
        self.check(&format!("POST {path} {json}"), result);
    }

    /// The deployment of `name` from `GET /v1/admin/status`.
    fn deployment(&self, name: &str) -> serde_json::Value {
        let mut response = self
            .agent
            .get(format!("{}/status", self.base))
            .header("Authorization", format!("Bearer {}", self.token))
            .call()
            .expect("status");
        let body = response.body_mut().read_to_string().expect("status body");
        let status: serde_json::Value = serde_json::from_str(&body).expect("status json");
        status["deployments"]
            .as_array()
            .and_then(|all| all.iter().find(|d| d["name"] == name).cloned())
            .unwrap_or_else(|| panic!("{name} in status: {body}"))
    }
}

// ---------------------------------------------------------------------------
// The raw-Wasmtime floor, served over HTTP by this process.

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

struct FloorApp {
    engine: Engine,
    pre: bindings::ComponentPre<Floor>,
    config: Vec<(String, String)>,
    /// Idle initialised instances (the pooled floor): taken for a call, put back
    /// after it, created when none is idle.
    idle: Mutex<Vec<(Store<Floor>, bindings::Component)>>,
    requests: AtomicU64,
}

impl FloorApp {
    fn store(&self) -> Store<Floor> {
        Store::new(
            &self.engine,
            Floor {
                wasi: WasiCtxBuilder::new().build(),
                table: ResourceTable::new(),
            },
        )
    }

    fn input(&self, data: Vec<u8>) -> ComponentInput {
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        ComponentInput {
            data,
            metadata: Vec::new(),
            context: ExecutionContext {
                request_id: format!("req-{n}"),
                component: "hello".into(),
                version: "0.1.0".into(),
                deadline_ms: 1000,
            },
        }
    }

    async fn instance(&self) -> wasmtime::Result<(Store<Floor>, bindings::Component)> {
        let mut store = self.store();
        let instance = self.pre.instantiate_async(&mut store).await?;
        instance
            .airssys_core_lifecycle()
            .call_init(&mut store, &self.config)
            .await?
            .map_err(|e| wasmtime::format_err!("init: {e:?}"))?;
        Ok((store, instance))
    }
}

/// The answer as the host gives it: the data, metadata as headers.
fn answer(output: bindings::ComponentOutput) -> Response {
    let mut response = (StatusCode::OK, output.data).into_response();
    for (key, value) in output.metadata {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(format!("x-airssys-meta-{key}")),
            HeaderValue::try_from(value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

fn floor_error(e: impl std::fmt::Debug) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, format!("{e:?}")).into_response()
}

async fn floor_per_request(State(app): State<Arc<FloorApp>>, body: Bytes) -> Response {
    let (mut store, instance) = match app.instance().await {
        Ok(pair) => pair,
        Err(e) => return floor_error(e),
    };
    let lifecycle = instance.airssys_core_lifecycle();
    let out = lifecycle
        .call_execute(&mut store, &app.input(body.to_vec()))
        .await;
    let _ = lifecycle.call_shutdown(&mut store).await;
    match out {
        Ok(Ok(output)) => answer(output),
        Ok(Err(e)) => floor_error(e),
        Err(e) => floor_error(e),
    }
}

async fn floor_pooled(State(app): State<Arc<FloorApp>>, body: Bytes) -> Response {
    let idle = app.idle.lock().expect("pool").pop();
    let (mut store, instance) = match idle {
        Some(pair) => pair,
        None => match app.instance().await {
            Ok(pair) => pair,
            Err(e) => return floor_error(e),
        },
    };
    let out = instance
        .airssys_core_lifecycle()
        .call_execute(&mut store, &app.input(body.to_vec()))
        .await;
    match out {
        Ok(Ok(output)) => {
            app.idle.lock().expect("pool").push((store, instance));
            answer(output)
        }
        Ok(Err(e)) => floor_error(e),
        Err(e) => floor_error(e),
    }
}

/// Starts the floor server on its own tokio runtime (default size, like the
/// host's); returns the runtime (dropping it stops the server) and the address.
fn start_floor(wasm: &[u8]) -> (tokio::runtime::Runtime, String) {
    let engine = Engine::default();
    let component = Component::new(&engine, wasm).expect("compiles");
    let mut linker = Linker::<Floor>::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).expect("wasi");
    bindings::airssys::core::logging::add_to_linker::<Floor, HasSelf<Floor>>(&mut linker, |s| s)
        .expect("logging");
    let pre = bindings::ComponentPre::new(linker.instantiate_pre(&component).expect("pre"))
        .expect("world");
    let app = Arc::new(FloorApp {
        engine,
        pre,
        config: vec![("greeting".to_string(), "hello".to_string())],
        idle: Mutex::new(Vec::new()),
        requests: AtomicU64::new(0),
    });
    let router = axum::Router::new()
        .route("/floor/per-request/invoke", post(floor_per_request))
        .route("/floor/pooled/invoke", post(floor_pooled))
        .with_state(app);
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let listener = tokio
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind floor");
    let addr = listener.local_addr().expect("floor addr").to_string();
    tokio.spawn(async move { axum::serve(listener, router).await });
    (tokio, addr)
}

// ---------------------------------------------------------------------------
// The load generator.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Version {
    V1,
    V2,
}

/// One call; `Err` describes a failure (transport, status, unexpected body).
fn call(agent: &ureq::Agent, url: &str) -> Result<Version, String> {
    let mut response = agent
        .post(url)
        .send(INPUT)
        .map_err(|e| format!("transport: {e}"))?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .read_to_string()
        .map_err(|e| format!("reading the body: {e}"))?;
    classify(status, &body)
}

fn classify(status: u16, body: &str) -> Result<Version, String> {
    match (status, body) {
        (200, V1_ANSWER) => Ok(Version::V1),
        (200, V2_ANSWER) => Ok(Version::V2),
        (status, body) => Err(format!("{status}: {body}")),
    }
}

/// Which client the load generator uses.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Client {
    /// `ureq` (one keep-alive `Agent` per thread).
    Ureq,
    /// [`RawClient`]: the cheapest client possible, to show how much of the
    /// shared cores the generator itself takes.
    Raw,
}

/// A minimal keep-alive HTTP/1.1 client for one fixed request: one `write` and
/// usually one `read` per call, responses framed by `content-length`.
/// Reconnects after a failure.
struct RawClient {
    addr: String,
    request: Vec<u8>,
    stream: Option<std::net::TcpStream>,
    buf: Vec<u8>,
}

impl RawClient {
    fn new(url: &str) -> Self {
        let rest = url.strip_prefix("http://").expect("an http:// url");
        let (addr, path) = rest.split_at(rest.find('/').expect("a path"));
        let request = format!(
            "POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n{INPUT}",
            INPUT.len()
        );
        RawClient {
            addr: addr.to_string(),
            request: request.into_bytes(),
            stream: None,
            buf: Vec::with_capacity(4096),
        }
    }

    fn call(&mut self) -> Result<Version, String> {
        let result = self.exchange();
        if result.is_err() {
            self.stream = None;
        }
        result
    }

    fn exchange(&mut self) -> Result<Version, String> {
        use std::io::{Read, Write};
        let io = |e: std::io::Error| format!("transport: {e}");
        if self.stream.is_none() {
            let stream = std::net::TcpStream::connect(&self.addr).map_err(io)?;
            stream.set_nodelay(true).map_err(io)?;
            stream.set_read_timeout(Some(CALL_TIMEOUT)).map_err(io)?;
            stream.set_write_timeout(Some(CALL_TIMEOUT)).map_err(io)?;
            self.stream = Some(stream);
        }
        let stream = self.stream.as_mut().expect("connected above");
        stream.write_all(&self.request).map_err(io)?;
        self.buf.clear();
        let mut chunk = [0u8; 4096];
        let mut read = |buf: &mut Vec<u8>| -> Result<(), String> {
            let n = stream.read(&mut chunk).map_err(io)?;
            if n == 0 {
                return Err("transport: connection closed".into());
            }
            buf.extend_from_slice(&chunk[..n]);
            Ok(())
        };
        let head_end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if self.buf.len() > 64 << 10 {
                return Err("response head over 64 KiB".into());
            }
            read(&mut self.buf)?;
        };
        let head = std::str::from_utf8(&self.buf[..head_end]).map_err(|e| e.to_string())?;
        let status: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad status line: {head:?}"))?;
        let length: usize = head
            .lines()
            .find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .ok_or_else(|| format!("no content-length: {head:?}"))?;
        if length > 1 << 20 {
            return Err(format!("response body of {length} bytes"));
        }
        while self.buf.len() < head_end + length {
            read(&mut self.buf)?;
        }
        let body = std::str::from_utf8(&self.buf[head_end..head_end + length])
            .map_err(|e| e.to_string())?;
        classify(status, body)
    }
}

/// Keeps a few distinct failure messages with their counts.
#[derive(Default)]
struct Failures {
    count: u64,
    kinds: BTreeMap<String, u64>,
}

impl Failures {
    fn add(&mut self, message: String) {
        self.count += 1;
        if self.kinds.len() < 8 || self.kinds.contains_key(&message) {
            *self.kinds.entry(message).or_default() += 1;
        }
    }

    fn merge(&mut self, other: Failures) {
        self.count += other.count;
        for (k, v) in other.kinds {
            if self.kinds.len() < 8 || self.kinds.contains_key(&k) {
                *self.kinds.entry(k).or_default() += v;
            }
        }
    }
}

/// CPU time (user + system) in seconds: the server's, the load generator's,
/// and the whole machine's (everything not idle, other processes included).
#[derive(Clone, Copy, Default)]
struct Cpu {
    server: f64,
    generator: f64,
    machine: f64,
}

/// `(thread name, CPU seconds)` of `/proc/<pid>/stat`-format text.
fn parse_stat(text: &str) -> Option<(String, f64)> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let name = text[open + 1..close].to_string();
    let fields: Vec<&str> = text[close + 1..].split_whitespace().collect();
    // utime and stime are fields 14 and 15; USER_HZ is 100 on Linux.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some((name, ticks as f64 / 100.0))
}

/// Non-idle CPU seconds of the machine, from the `cpu` line of `/proc/stat`.
fn machine_busy() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = text
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal: all but idle and iowait.
    let busy: u64 = fields
        .iter()
        .take(8)
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4)
        .map(|(_, v)| v)
        .sum();
    Some(busy as f64 / 100.0)
}

/// Samples CPU time. The server is the host process when `host` is set, else
/// this process's tokio workers (the floor); the generator is the rest of this
/// process (the client threads). `None` without `/proc`.
fn cpu_sample(host: Option<u32>) -> Option<Cpu> {
    let mut workers = 0.0;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let Ok(text) = std::fs::read_to_string(task.ok()?.path().join("stat")) else {
            continue; // the thread just exited
        };
        let (name, seconds) = parse_stat(&text)?;
        // tokio's workers: `tokio-runtime-worker` or `tokio-rt-worker`.
        if name.starts_with("tokio-r") {
            workers += seconds;
        }
    }
    let process = parse_stat(&std::fs::read_to_string("/proc/self/stat").ok()?)?.1;
    let server = match host {
        Some(pid) => parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)?.1,
        None => workers,
    };
    Some(Cpu {
        server,
        generator: process - workers,
        machine: machine_busy()?,
    })
}

struct LoadResult {
    target: String,
    clients: usize,
    /// Calls started and finished in the measured window.
    measured: usize,
    throughput: f64,
    p50: Duration,
    p99: Duration,
    p999: Duration,
    max: Duration,
    /// Failures over warm-up and measurement.
    failures: Failures,
    /// CPU spent in the measured window.
    cpu: Option<Cpu>,
    window: Duration,
}

/// `clients` threads calling `url` for WARMUP + MEASURE; latencies of the calls
/// that started in the measured window. `host`: the server's pid when it is the
/// host process (for CPU accounting).
fn drive(target: &str, url: &str, clients: usize, host: Option<u32>, client: Client) -> LoadResult {
    let start = Instant::now();
    let measure_from = start + WARMUP;
    let end = measure_from + MEASURE;
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let url = url.to_string();
            std::thread::spawn(move || {
                let agent = agent();
                let mut raw = RawClient::new(&url);
                let mut latencies = Vec::with_capacity(200_000);
                let mut failures = Failures::default();
                loop {
                    let sent = Instant::now();
                    if sent >= end {
                        break;
                    }
                    let result = match client {
                        Client::Ureq => call(&agent, &url),
                        Client::Raw => raw.call(),
                    };
                    let latency = sent.elapsed();
                    match result {
                        Ok(_) if sent >= measure_from => latencies.push(latency),
                        Ok(_) => {}
                        Err(e) => failures.add(e),
                    }
                }
                (latencies, failures)
            })
        })
        .collect();
    std::thread::sleep(measure_from.saturating_duration_since(Instant::now()));
    let before = cpu_sample(host);
    std::thread::sleep(end.saturating_duration_since(Instant::now()));
    let after = cpu_sample(host);
    let cpu = before.zip(after).map(|(b, a)| Cpu {
        server: a.server - b.server,
        generator: a.generator - b.generator,
        machine: a.machine - b.machine,
    });
    let mut latencies = Vec::new();
    let mut failures = Failures::default();
    for thread in threads {
        let (l, f) = thread.join().expect("client thread");
        latencies.extend(l);
        failures.merge(f);
    }
    let window = end.duration_since(measure_from);
    latencies.sort_unstable();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    LoadResult {
        target: target.to_string(),
        clients,
        measured: latencies.len(),
        throughput: latencies.len() as f64 / window.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
        p999: at(0.999),
        max: latencies.last().copied().unwrap_or_default(),
        failures,
        cpu,
        window,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn print_row(r: &LoadResult) {
    let window = r.window.as_secs_f64();
    let cpu = match r.cpu {
        Some(c) if r.measured > 0 => format!(
            "{:.2} | {:.2} | {:.2} | {:.0}",
            c.server / window,
            c.generator / window,
            c.machine / window,
            c.server / r.measured as f64 * 1e6
        ),
        _ => "- | - | - | -".into(),
    };
    println!(
        "| {} | {} | {:.0} | {} | {} | {} | {} | {} | {cpu} |",
        r.target,
        r.clients,
        r.throughput,
        ms(r.p50),
        ms(r.p99),
        ms(r.p999),
        ms(r.max),
        r.failures.count
    );
    for (kind, n) in &r.failures.kinds {
        println!("|   failure ×{n}: {kind} |||||||");
    }
}

// ---------------------------------------------------------------------------
// Rollouts under load.

/// Answers and failures seen during one rollout phase.
#[derive(Default)]
struct PhaseCounts {
    v1: AtomicU64,
    v2: AtomicU64,
    failed: AtomicU64,
}

fn rollouts(host: &Host) {
    let phases: &[(&str, Option<&str>, &str)] = &[
        ("v1 serving", None, ""),
        (
            "update 0.2.0 immediate",
            Some("hello/update"),
            r#"{"version":"0.2.0","strategy":"immediate"}"#,
        ),
        ("rollback", Some("hello/rollback"), ""),
        (
            "update 0.2.0 blue-green",
            Some("hello/update"),
            r#"{"version":"0.2.0","strategy":"blue-green"}"#,
        ),
        ("rollback", Some("hello/rollback"), ""),
        (
            "update 0.2.0 canary 50%",
            Some("hello/update"),
            r#"{"version":"0.2.0","strategy":"canary","weight":50}"#,
        ),
        ("promote", Some("hello/promote"), ""),
        ("rollback", Some("hello/rollback"), ""),
        (
            "update 0.2.0 rolling 20/60/100 every 200 ms",
            Some("hello/update"),
            r#"{"version":"0.2.0","strategy":"rolling","steps":[20,60,100],"interval_ms":200}"#,
        ),
    ];
    let counts: Arc<Vec<PhaseCounts>> =
        Arc::new((0..phases.len()).map(|_| PhaseCounts::default()).collect());
    let phase = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(Mutex::new(Failures::default()));
    let url = format!("http://{}/v1/components/hello/invoke", host.addr);
    let clients: Vec<_> = (0..ROLLOUT_CLIENTS)
        .map(|_| {
            let (counts, phase, stop, failures, url) = (
                counts.clone(),
                phase.clone(),
                stop.clone(),
                failures.clone(),
                url.clone(),
            );
            std::thread::spawn(move || {
                let agent = agent();
                while !stop.load(Ordering::Relaxed) {
                    let p = &counts[phase.load(Ordering::Relaxed)];
                    match call(&agent, &url) {
                        Ok(Version::V1) => p.v1.fetch_add(1, Ordering::Relaxed),
                        Ok(Version::V2) => p.v2.fetch_add(1, Ordering::Relaxed),
                        Err(e) => {
                            failures.lock().expect("failures").add(e);
                            p.failed.fetch_add(1, Ordering::Relaxed)
                        }
                    };
                }
            })
        })
        .collect();

    let started = Instant::now();
    let mut timings = Vec::new();
    for (i, (_, path, body)) in phases.iter().enumerate() {
        phase.store(i, Ordering::Relaxed);
        let at = Instant::now();
        if let Some(path) = path {
            host.admin.post(path, body);
        }
        timings.push(at.elapsed());
        std::thread::sleep(Duration::from_millis(500));
    }
    // The rolling update steps on the host's controller (200 ms tick): wait until
    // it has promoted the canary.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let deployment = host.admin.deployment("hello");
        if deployment["canary"].is_null() {
            assert_eq!(deployment["active_version"], "0.2.0", "rolled out");
            break;
        }
        assert!(Instant::now() < deadline, "rolling update never finished");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().expect("client thread");
    }
    let elapsed = started.elapsed();

    println!();
    println!(
        "Rollouts under load ({ROLLOUT_CLIENTS} clients on hello, {:.1} s):",
        elapsed.as_secs_f64()
    );
    println!();
    println!("| phase | admin call | answers v1 | answers v2 | failed |");
    println!("|---|---|---|---|---|");
    let (mut total, mut failed) = (0, 0);
    for (((label, _, _), c), t) in phases.iter().zip(counts.iter()).zip(&timings) {
        let (v1, v2, f) = (
            c.v1.load(Ordering::Relaxed),
            c.v2.load(Ordering::Relaxed),
            c.failed.load(Ordering::Relaxed),
        );
        total += v1 + v2 + f;
        failed += f;
        println!("| {label} | {} ms | {v1} | {v2} | {f} |", ms(*t));
    }
    println!("| **total** | | | | **{failed}** of {total} |");
    for (kind, n) in &failures.lock().expect("failures").kinds {
        println!("  failure ×{n}: {kind}");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        println!("host_load: benchmark");
        return;
    }
    if !args.iter().any(|a| a == "--bench") {
        // `cargo test --benches` runs bench targets without `--bench`: a
        // minutes-long load test does not belong there.
        println!("host_load: skipped (run `cargo bench --bench host_load`)");
        return;
    }

    let (v1, v2) = versions();
    println!(
        "template component: v1 {} bytes, v2 {} bytes",
        v1.wasm.len(),
        v2.wasm.len()
    );

    let host = start_host();
    host.admin.deploy("hello", "0.1.0", &v1.wasm, &v1.manifest);
    host.admin.deploy("hello", "0.2.0", &v2.wasm, &v2.manifest);
    // The same component, per-request: a new instance (init, execute, shutdown)
    // for every call.
    let per_request = v1
        .manifest
        .replacen("name = \"hello\"", "name = \"hello-pr\"", 1)
        .replacen(
            "instance_mode = \"pooled\"",
            "instance_mode = \"per-request\"",
            1,
        );
    assert!(per_request.contains("\"per-request\""), "manifest edited");
    host.admin
        .deploy("hello-pr", "0.1.0", &v1.wasm, &per_request);

    let (floor_tokio, floor_addr) = start_floor(&v1.wasm);

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "{cores} cores (load average before: {}); {} s warm-up + {} s measured per row; body {INPUT:?}",
        loadavg(),
        WARMUP.as_secs(),
        MEASURE.as_secs()
    );
    println!();
    println!(
        "| target | clients | req/s | p50 ms | p99 ms | p99.9 ms | max ms | failed | server cores | generator cores | machine busy cores | server CPU µs/req |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let host_pid = Some(host.child.id());
    let host_pooled = format!("http://{}/v1/components/hello/invoke", host.addr);
    let floor_pooled = format!("http://{floor_addr}/floor/pooled/invoke");
    let targets = [
        ("host pooled", host_pooled.clone(), host_pid),
        ("floor pooled", floor_pooled.clone(), None),
        (
            "host per-request",
            format!("http://{}/v1/components/hello-pr/invoke", host.addr),
            host_pid,
        ),
        (
            "floor per-request",
            format!("http://{floor_addr}/floor/per-request/invoke"),
            None,
        ),
    ];
    let mut results = Vec::new();
    for clients in CLIENT_COUNTS {
        for (target, url, pid) in &targets {
            let result = drive(target, url, clients, *pid, Client::Ureq);
            print_row(&result);
            results.push(result);
        }
    }
    // The same with the cheapest possible client: what the servers do when the
    // generator leaves them more of the two cores.
    for clients in [4, 8] {
        for (target, url, pid) in [
            ("host pooled, raw client", &host_pooled, host_pid),
            ("floor pooled, raw client", &floor_pooled, None),
        ] {
            let result = drive(target, url, clients, pid, Client::Raw);
            print_row(&result);
            results.push(result);
        }
    }
    drop(floor_tokio);

    rollouts(&host);

    let met = results
        .iter()
        .filter(|r| r.target.starts_with("host pooled"))
        .any(|r| r.throughput >= 20_000.0 && r.p99 < Duration::from_millis(5));
    println!();
    println!(
        "target (≥ 20,000 invokes/s with p99 < 5 ms, host pooled, some client count): {}",
        if met { "met" } else { "not met" }
    );
    let measured: usize = results.iter().map(|r| r.measured).sum();
    println!("calls measured: {measured}");
    println!(
        "host stderr: {} `log lines dropped (rate limit …)` warnings",
        host.dropped_warnings.load(Ordering::Relaxed)
    );
    println!("load average after: {}", loadavg());
}

/// The machine's load average (other work on the same cores skews every figure).
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
