//! Helpers for the deployment host (`airssys-wasm serve`) as a real process:
//! starting it on a state directory, the admin API with its bearer token,
//! binary uploads, component variants, continuous client load, and the process
//! id (for `kill -9`).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;

use super::guests::guest;
use super::server::{Reply, Server};

/// The components every host test deploys: v1 answers `echo:<input>`, v2 (the
/// hostile guest) answers `<x>` for `echo:<x>`.
pub const SVC: &str = "svc";

/// Starts `serve` on loopback with `state` as its state directory (plus `extra`
/// arguments such as `--policy FILE`).
pub fn start(tmp: &Path, state: &Path, extra: &[&str]) -> Server {
    let state = state.to_str().expect("UTF-8 temp path");
    let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--state", state];
    args.extend_from_slice(extra);
    Server::start(tmp, &args)
}

/// The id of the `airssys-wasm serve` process serving `state` (found in
/// `/proc`: the `Server` helper keeps its child private).
pub fn pid(state: &Path) -> u32 {
    let state = state.to_str().expect("UTF-8 temp path");
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
        let is_host = args.first().is_some_and(|a| a.ends_with(b"airssys-wasm"))
            && args.iter().any(|a| *a == b"serve")
            && args
                .windows(2)
                .any(|w| w[0] == b"--state" && w[1] == state.as_bytes());
        // A zombie (already exited, not yet reaped) has an empty cmdline.
        if is_host {
            found.push(pid);
        }
    }
    assert_eq!(found.len(), 1, "exactly one host serves {state}: {found:?}");
    found[0]
}

/// `kill -9 <pid>`.
pub fn kill9(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -9 {pid} failed");
}

/// The bytes of a built guest fixture.
pub fn wasm(name: &str) -> Vec<u8> {
    std::fs::read(guest(name)).expect("read guest")
}

/// `component` plus a custom section holding `tag`: the same behaviour, other
/// bytes (another sha256).
pub fn variant(component: &[u8], tag: &str) -> Vec<u8> {
    let name = b"airssys-test-variant";
    let mut content = Vec::new();
    leb128(&mut content, name.len() as u64);
    content.extend_from_slice(name);
    content.extend_from_slice(tag.as_bytes());
    let mut out = component.to_vec();
    out.push(0); // custom section
    leb128(&mut out, content.len() as u64);
    out.extend_from_slice(&content);
    out
}

fn leb128(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A prebuilt manifest for `name@version` with `extra` TOML appended.
pub fn manifest(name: &str, version: &str, extra: &str) -> String {
    format!(
        "[component]\nname = \"{name}\"\nversion = \"{version}\"\nlanguage = \"prebuilt\"\n\n{extra}"
    )
}

/// The grants the hostile guest's imports need to pass the deploy check.
pub const HOSTILE_GRANTS: &str = "[permissions.storage]\nkey_value = true\n\
    [permissions.messaging]\ntargets = [\"other\"]\n\
    [permissions.filesystem]\nreadable_paths = [\"data/**\"]\n\
    [permissions.network]\nallowed_hosts = [\"127.0.0.1:9\"]\n";

/// A manifest for the hostile guest as `name@version`, with `extra` appended.
pub fn hostile_manifest(name: &str, version: &str, extra: &str) -> String {
    manifest(name, version, &format!("{HOSTILE_GRANTS}{extra}"))
}

/// The answer of v1 (`echo-target`) and v2 (`hostile`) to `echo:<x>`.
pub fn v1_answer(x: &str) -> String {
    format!("echo:echo:{x}")
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .new_agent()
}

fn reply(response: ureq::http::Response<ureq::Body>) -> Reply {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = response
        .into_body()
        .into_with_config()
        .limit(64 << 20)
        .read_to_string()
        .unwrap_or_default();
    Reply {
        status,
        body,
        headers,
    }
}

/// An HTTP client keeping its connection alive between calls.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
}

impl Default for Client {
    fn default() -> Self {
        Client { agent: agent() }
    }
}

impl Client {
    /// `method url` with a binary body and extra headers; transport errors are `Err`.
    pub fn send(
        &self,
        method: &str,
        url: &str,
        body: &[u8],
        headers: &[(&str, &str)],
    ) -> Result<Reply, String> {
        macro_rules! with_headers {
            ($request:expr) => {{
                let mut request = $request;
                for (name, value) in headers {
                    request = request.header(*name, *value);
                }
                request
            }};
        }
        let result = match method {
            "GET" => with_headers!(self.agent.get(url)).call(),
            "DELETE" => with_headers!(self.agent.delete(url)).call(),
            "PUT" => with_headers!(self.agent.put(url)).send(body),
            "POST" => with_headers!(self.agent.post(url)).send(body),
            other => panic!("unsupported method {other}"),
        };
        result.map(reply).map_err(|e| e.to_string())
    }
}

/// The admin API of one host, with its token.
pub struct Admin {
    base: String,
    /// The admin token read from `<state>/admin.token`.
    pub token: String,
}

impl Admin {
    /// The admin API of `server`, whose state directory is `state`.
    pub fn new(server: &Server, state: &Path) -> Admin {
        let token = std::fs::read_to_string(state.join("admin.token"))
            .expect("admin token")
            .trim()
            .to_string();
        Admin {
            base: server.url(""),
            token,
        }
    }

    /// `http://ADDR{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request with the bearer token (`auth` = `Some(value)` for another
    /// `Authorization` header, `Some("")` for none).
    pub fn request_as(
        &self,
        auth: Option<&str>,
        method: &str,
        path: &str,
        body: &[u8],
        headers: &[(&str, &str)],
    ) -> Reply {
        self.try_request_as(auth, method, path, body, headers)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// [`Admin::request_as`] without panicking on transport errors.
    pub fn try_request_as(
        &self,
        auth: Option<&str>,
        method: &str,
        path: &str,
        body: &[u8],
        headers: &[(&str, &str)],
    ) -> Result<Reply, String> {
        let bearer = format!("Bearer {}", self.token);
        let auth = auth.unwrap_or(&bearer);
        let mut all: Vec<(&str, &str)> = headers.to_vec();
        if !auth.is_empty() {
            all.push(("authorization", auth));
        }
        // A fresh connection per admin call: the host answers 401 without reading
        // an upload and then closes the connection, which a pooled client would
        // reuse.
        Client::default().send(method, &self.url(path), body, &all)
    }

    /// [`Admin::deploy`] without panicking on transport errors.
    pub fn try_deploy(
        &self,
        name: &str,
        version: &str,
        wasm: &[u8],
        manifest: &str,
    ) -> Result<Reply, String> {
        let encoded = base64::engine::general_purpose::STANDARD.encode(manifest);
        self.try_request_as(
            None,
            "POST",
            &format!("/v1/admin/components/{name}/versions/{version}"),
            wasm,
            &[("x-airssys-manifest", &encoded)],
        )
    }

    /// A request with the right token.
    pub fn request(&self, method: &str, path: &str, body: &[u8]) -> Reply {
        self.request_as(None, method, path, body, &[])
    }

    /// Uploads `wasm` as `name@version` with `manifest`.
    pub fn deploy(&self, name: &str, version: &str, wasm: &[u8], manifest: &str) -> Reply {
        self.deploy_as(None, name, version, wasm, manifest)
    }

    /// [`Admin::deploy`] with another `Authorization` header (see [`Admin::request_as`]).
    pub fn deploy_as(
        &self,
        auth: Option<&str>,
        name: &str,
        version: &str,
        wasm: &[u8],
        manifest: &str,
    ) -> Reply {
        let encoded = base64::engine::general_purpose::STANDARD.encode(manifest);
        self.request_as(
            auth,
            "POST",
            &format!("/v1/admin/components/{name}/versions/{version}"),
            wasm,
            &[("x-airssys-manifest", &encoded)],
        )
    }

    /// Deploys `echo-target` as `svc@1.0.0` (activated) and `hostile` as
    /// `svc@2.0.0` (stored).
    pub fn deploy_v1_v2(&self) {
        let r = self.deploy(
            SVC,
            "1.0.0",
            &wasm("echo-target"),
            &manifest(SVC, "1.0.0", ""),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let r = self.deploy(
            SVC,
            "2.0.0",
            &wasm("hostile"),
            &hostile_manifest(SVC, "2.0.0", ""),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }

    /// `POST /v1/admin/components/{name}/update` with `request` (JSON).
    pub fn update(&self, name: &str, request: Value) -> Reply {
        self.request_as(
            None,
            "POST",
            &format!("/v1/admin/components/{name}/update"),
            request.to_string().as_bytes(),
            &[("content-type", "application/json")],
        )
    }

    /// `update` that must succeed; returns the deployment.
    pub fn update_ok(&self, name: &str, request: Value) -> Value {
        let r = self.update(name, request.clone());
        assert_eq!(r.status, 200, "update {request}: {}", r.body);
        json(&r)
    }

    /// `POST …/{action}` (`promote`, `abort`, `rollback`) with a JSON body or none.
    pub fn action(&self, name: &str, action: &str, body: Option<Value>) -> Reply {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        self.request_as(
            None,
            "POST",
            &format!("/v1/admin/components/{name}/{action}"),
            body.as_bytes(),
            &[("content-type", "application/json")],
        )
    }

    /// `GET /v1/admin/status`: the `deployments` array.
    pub fn status(&self) -> Value {
        let r = self.request("GET", "/v1/admin/status", b"");
        assert_eq!(r.status, 200, "{}", r.body);
        json(&r)["deployments"].clone()
    }

    /// The deployment of `name` in the status (`Value::Null` when absent).
    pub fn deployment(&self, name: &str) -> Value {
        self.status()
            .as_array()
            .expect("deployments array")
            .iter()
            .find(|d| d["name"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// `GET /v1/admin/components/{name}/history`.
    pub fn history(&self, name: &str) -> Reply {
        self.request("GET", &format!("/v1/admin/components/{name}/history"), b"")
    }

    /// The versions listed in the history of `name`, in upload order.
    pub fn versions(&self, name: &str) -> Vec<Value> {
        let r = self.history(name);
        assert_eq!(r.status, 200, "{}", r.body);
        json(&r)["versions"].as_array().expect("versions").clone()
    }

    /// Every audit entry, oldest first.
    pub fn audit(&self) -> Vec<Value> {
        let r = self.request("GET", "/v1/admin/audit?limit=100000", b"");
        assert_eq!(r.status, 200, "{}", r.body);
        json(&r)["entries"].as_array().expect("entries").clone()
    }

    /// `GET /v1/admin/audit/verify`.
    pub fn verify(&self) -> Value {
        let r = self.request("GET", "/v1/admin/audit/verify", b"");
        assert_eq!(r.status, 200, "{}", r.body);
        json(&r)
    }
}

/// The body of `reply` as JSON.
pub fn json(reply: &Reply) -> Value {
    serde_json::from_str(&reply.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", reply.status, reply.body))
}

/// One invoke answer: when the request started, and its status, body and
/// `x-airssys-version`, or the transport error.
#[derive(Debug, Clone)]
pub struct Answer {
    /// When the request was sent.
    pub started: Instant,
    /// Status, body and version, or a transport error.
    pub result: Result<(u16, String, String), String>,
}

impl Answer {
    /// True for a 200 answer.
    pub fn ok(&self) -> bool {
        matches!(self.result, Ok((200, _, _)))
    }

    /// The body of a 200 answer.
    pub fn body(&self) -> Option<&str> {
        match &self.result {
            Ok((200, body, _)) => Some(body),
            _ => None,
        }
    }
}

/// Invokes `name` with `input` once.
pub fn invoke(client: &Client, server: &Server, name: &str, input: &str) -> Answer {
    invoke_with(client, server, name, input, &[])
}

/// Invokes `name` with `input` and extra headers once.
pub fn invoke_with(
    client: &Client,
    server: &Server,
    name: &str,
    input: &str,
    headers: &[(&str, &str)],
) -> Answer {
    let started = Instant::now();
    let result = client
        .send(
            "POST",
            &server.url(&format!("/v1/components/{name}/invoke")),
            input.as_bytes(),
            headers,
        )
        .map(|r| {
            let version = r.header("x-airssys-version").unwrap_or("").to_string();
            (r.status, r.body, version)
        });
    Answer { started, result }
}

/// Continuous load: `threads` clients each invoking `svc` with `input` in a
/// loop (bounded by `limit`), each keeping every answer it saw, in order.
pub struct Load {
    stop: Arc<AtomicBool>,
    handles: Vec<std::thread::JoinHandle<Vec<Answer>>>,
    latest: Arc<Mutex<Vec<Option<String>>>>,
    seen: Arc<Mutex<Vec<usize>>>,
}

impl Load {
    /// Starts the clients.
    pub fn start(server: &Server, input: &str, threads: usize, limit: Duration) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let latest = Arc::new(Mutex::new(vec![None; threads]));
        let seen = Arc::new(Mutex::new(vec![0; threads]));
        let url = server.url(&format!("/v1/components/{SVC}/invoke"));
        let handles = (0..threads)
            .map(|i| {
                let (stop, latest, seen) = (stop.clone(), latest.clone(), seen.clone());
                let (url, input) = (url.clone(), input.to_string());
                std::thread::spawn(move || {
                    let client = Client::default();
                    let begun = Instant::now();
                    let mut answers = Vec::new();
                    while !stop.load(Ordering::Relaxed) && begun.elapsed() < limit {
                        let started = Instant::now();
                        let result = client.send("POST", &url, input.as_bytes(), &[]).map(|r| {
                            let v = r.header("x-airssys-version").unwrap_or("").to_string();
                            (r.status, r.body, v)
                        });
                        let answer = Answer { started, result };
                        latest.lock().unwrap()[i] = Some(match &answer.result {
                            Ok((200, body, _)) => body.clone(),
                            other => format!("FAILED: {other:?}"),
                        });
                        seen.lock().unwrap()[i] += 1;
                        answers.push(answer);
                        std::thread::sleep(Duration::from_millis(3));
                    }
                    answers
                })
            })
            .collect();
        Load {
            stop,
            handles,
            latest,
            seen,
        }
    }

    /// Waits (bounded) until every client answered at least `n` more times.
    pub fn wait_calls(&self, n: usize, limit: Duration) {
        let base = self.seen.lock().unwrap().clone();
        let started = Instant::now();
        loop {
            let now = self.seen.lock().unwrap().clone();
            if now.iter().zip(&base).all(|(a, b)| *a >= b + n) {
                return;
            }
            assert!(started.elapsed() < limit, "clients stalled: {now:?}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits (bounded) until the latest answer of every client is `expected`.
    pub fn wait_all(&self, expected: &str, limit: Duration, server: &Server) {
        let started = Instant::now();
        loop {
            let latest = self.latest.lock().unwrap().clone();
            if latest.iter().all(|l| l.as_deref() == Some(expected)) {
                return;
            }
            assert!(
                started.elapsed() < limit,
                "clients never all answered {expected:?} (latest: {latest:?}):\n{}",
                server.stderr()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Stops the clients and returns what each saw.
    pub fn finish(self) -> Vec<Vec<Answer>> {
        self.stop.store(true, Ordering::Relaxed);
        self.handles
            .into_iter()
            .map(|h| h.join().expect("client thread"))
            .collect()
    }
}

/// Asserts that no client saw a failed request, and returns the answers.
pub fn assert_no_failures(what: &str, clients: &[Vec<Answer>]) {
    for (i, client) in clients.iter().enumerate() {
        let failed: Vec<_> = client.iter().filter(|a| !a.ok()).collect();
        assert!(
            failed.is_empty(),
            "{what}: client {i} saw {} failed request(s) out of {}: {:?}",
            failed.len(),
            client.len(),
            &failed[..failed.len().min(5)]
        );
        assert!(!client.is_empty(), "{what}: client {i} sent nothing");
    }
}

/// Waits (bounded) until `check` holds, polling every 50 ms.
pub fn eventually(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < limit, "not within {limit:?}: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `<tmp>/state`.
pub fn state_dir(tmp: &Path) -> PathBuf {
    tmp.join("state")
}
