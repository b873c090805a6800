//! `run --listen` and `--hot-reload` as a real process on loopback: requests keep
//! flowing while the source changes, and none fails.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::support::guests::guest;
use super::support::server::{Server, get, post};
use super::support::{cli, stderr_in};

/// A built template project in a temp dir.
fn built_project(tmp: &Path, name: &str) -> std::path::PathBuf {
    let output = cli()
        .current_dir(tmp)
        .args(["init", name, "--yes"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let dir = tmp.join(name);
    let output = cli().current_dir(&dir).arg("build").output().unwrap();
    assert!(output.status.success(), "{}", stderr_in(&output, tmp));
    dir
}

/// What one client saw, in order: status and body, or a transport error.
type Answers = Vec<Result<(u16, String), String>>;

/// Sends requests from `threads` clients until stopped (bounded by `limit`);
/// each client keeps the answers it saw, in order.
struct Load {
    stop: Arc<AtomicBool>,
    handles: Vec<std::thread::JoinHandle<Answers>>,
    latest: Arc<Mutex<String>>,
}

impl Load {
    fn start(url: String, input: &'static str, threads: usize, limit: Duration) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let latest = Arc::new(Mutex::new(String::new()));
        let handles = (0..threads)
            .map(|_| {
                let (stop, latest, url) = (stop.clone(), latest.clone(), url.clone());
                std::thread::spawn(move || {
                    let started = Instant::now();
                    let mut seen = Vec::new();
                    while !stop.load(Ordering::Relaxed) && started.elapsed() < limit {
                        let answer = post(&url, input, &[]).map(|r| (r.status, r.body));
                        if let Ok((_, body)) = &answer {
                            *latest.lock().unwrap() = body.clone();
                        }
                        seen.push(answer);
                        std::thread::sleep(Duration::from_millis(2));
                    }
                    seen
                })
            })
            .collect();
        Load {
            stop,
            handles,
            latest,
        }
    }

    /// Waits (bounded) until some answer equals `expected`.
    fn wait_for(&self, expected: &str, limit: Duration, server: &Server) {
        let started = Instant::now();
        while *self.latest.lock().unwrap() != expected {
            assert!(
                started.elapsed() < limit,
                "never answered {expected:?}:\n{}",
                server.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn finish(self) -> Vec<Answers> {
        self.stop.store(true, Ordering::Relaxed);
        self.handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect()
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
}

#[test]
fn edits_swap_in_place_without_failed_requests() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = built_project(tmp.path(), "hello");
    let mut server = Server::start(&dir, &["run", "--listen", "127.0.0.1:0", "--hot-reload"]);
    server.wait_for_line("Watching", Duration::from_secs(10));
    let url = server.url("/v1/components/hello/invoke");
    let load = Load::start(url, "abc", 2, Duration::from_secs(300));
    load.wait_for("cba", Duration::from_secs(30), &server);

    let lib = dir.join("src/lib.rs");
    let original = "let reversed: String = text.chars().rev().collect();";
    edit(
        &lib,
        original,
        "let reversed: String = text.chars().rev().collect::<String>().to_uppercase();",
    );
    load.wait_for("CBA", Duration::from_secs(180), &server);

    // A broken edit: the error is shown, the current version keeps serving.
    server.wait_for_count("Reloaded", 1, Duration::from_secs(10));
    let reloads = server.count_lines("Reloaded");
    edit(
        &lib,
        ".to_uppercase();",
        ".to_uppercase(); let broken: u32 = \"no\";",
    );
    server.wait_for_line("reload failed", Duration::from_secs(180));
    assert!(
        server.stderr().contains("error[E0308]"),
        "the compiler error is shown"
    );
    assert_eq!(*load.latest.lock().unwrap(), "CBA");
    // The fix swaps again.
    edit(
        &lib,
        ".to_uppercase(); let broken: u32 = \"no\";",
        ".to_uppercase() + \"!\";",
    );
    load.wait_for("CBA!", Duration::from_secs(180), &server);
    // The status line follows the swap it reports.
    server.wait_for_count("Reloaded", reloads + 1, Duration::from_secs(10));
    let line = server.wait_for_line("Reloaded", Duration::from_secs(1));
    assert!(
        line.contains("build") && line.contains("compile") && line.contains("swap"),
        "{line}"
    );

    let answers = load.finish();
    let (code, stderr) = server.terminate();
    assert_eq!(code, Some(0), "clean exit on SIGTERM:\n{stderr}");
    let mut total = 0;
    for client in &answers {
        let failed: Vec<_> = client
            .iter()
            .filter(|a| !matches!(a, Ok((200, _))))
            .collect();
        assert!(
            failed.is_empty(),
            "failed requests during reloads: {failed:?}"
        );
        // Per client, answers only move forward: once a version answered, no
        // older one answers again.
        let rank = |body: &str| match body {
            "cba" => 0,
            "CBA" => 1,
            "CBA!" => 2,
            other => panic!("unexpected answer {other:?}"),
        };
        let ranks: Vec<i32> = client
            .iter()
            .map(|a| rank(&a.as_ref().unwrap().1))
            .collect();
        assert!(
            ranks.windows(2).all(|w| w[0] <= w[1]),
            "an old version answered after a new one: {ranks:?}"
        );
        total += client.len();
    }
    assert!(total > 50, "requests kept flowing ({total})");
}

#[test]
fn a_wasm_file_reloads_when_it_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let wasm = tmp.path().join("svc.wasm");
    std::fs::copy(guest("echo-target"), &wasm).unwrap();
    let manifest = tmp.path().join("svc.toml");
    std::fs::write(
        &manifest,
        "[component]\nname = \"svc\"\nversion = \"1.0.0\"\nlanguage = \"prebuilt\"\n",
    )
    .unwrap();
    let mut server = Server::start(
        tmp.path(),
        &[
            "run",
            "svc.wasm",
            "--manifest",
            "svc.toml",
            "--listen",
            "127.0.0.1:0",
            "--hot-reload",
        ],
    );
    server.wait_for_line("Watching", Duration::from_secs(10));
    let load = Load::start(
        server.url("/v1/components/svc/invoke"),
        "echo:x",
        2,
        Duration::from_secs(120),
    );
    load.wait_for("echo:echo:x", Duration::from_secs(30), &server);
    // Replace the file atomically with another build (the hostile guest echoes).
    let staging = tmp.path().join("svc.wasm.new");
    std::fs::copy(guest("hostile"), &staging).unwrap();
    std::fs::rename(&staging, &wasm).unwrap();
    load.wait_for("x", Duration::from_secs(30), &server);
    let answers = load.finish();
    // A manifest edit alone (here: `[config]`, handed to `init`) reloads too.
    let config = server.url("/v1/components/svc/invoke");
    assert_eq!(post(&config, "config", &[]).unwrap().body, "");
    std::fs::write(
        &manifest,
        "[component]\nname = \"svc\"\nversion = \"1.0.0\"\nlanguage = \"prebuilt\"\n[config]\nmode = \"v2\"\n",
    )
    .unwrap();
    let started = Instant::now();
    while post(&config, "config", &[]).unwrap().body != "mode=v2" {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "manifest change not applied:\n{}",
            server.stderr()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    for client in answers {
        assert!(
            client.iter().all(|a| matches!(a, Ok((200, _)))),
            "no failed request"
        );
    }
    let (code, _) = server.terminate();
    assert_eq!(code, Some(0));
}

#[test]
fn invoke_maps_errors_metadata_and_health_to_http() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(guest("hostile"), tmp.path().join("hostile.wasm")).unwrap();
    std::fs::write(
        tmp.path().join("hostile.toml"),
        "[component]\nname = \"hostile\"\nversion = \"2.0.0\"\nlanguage = \"prebuilt\"\n[resources]\nmax_execution_ms = 300\n",
    )
    .unwrap();
    let server = Server::start(
        tmp.path(),
        &[
            "run",
            "hostile.wasm",
            "--manifest",
            "hostile.toml",
            "--listen",
            "127.0.0.1:0",
        ],
    );
    let invoke = server.url("/v1/components/hostile/invoke");
    let ok = post(&invoke, "echo:hi", &[("x-airssys-meta-trace", "42")]).unwrap();
    assert_eq!((ok.status, ok.body.as_str()), (200, "hi"));
    assert_eq!(
        ok.header("x-airssys-meta-trace"),
        Some("42"),
        "metadata in and out"
    );
    assert_eq!(ok.header("x-airssys-version"), Some("2.0.0"));
    let cases = [
        ("bogus", 400, "invalid-input"),
        ("kv-get:k", 403, "permission-denied"),
        ("env:NOPE", 404, "not-found"),
        ("loop", 504, "timeout"),
        ("panic", 500, "trap"),
    ];
    for (input, status, kind) in cases {
        let reply = post(&invoke, input, &[]).unwrap();
        assert_eq!(reply.status, status, "{input}: {}", reply.body);
        let json: serde_json::Value = serde_json::from_str(&reply.body).expect("JSON error body");
        assert_eq!(json["error"]["kind"], kind, "{input}");
        assert!(
            json["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    // A trap's details stay on the host: the client gets a generic line, the
    // host's log the trap and its backtrace.
    let trap = post(&invoke, "panic", &[]).unwrap();
    assert!(!trap.body.contains("unreachable"), "{}", trap.body);
    assert!(
        trap.body.contains("the details are in the host's log"),
        "{}",
        trap.body
    );
    let mut server = server;
    let logged = server.wait_for_line("ERROR the component trapped", Duration::from_secs(5));
    assert!(
        logged.contains("`unreachable` instruction executed"),
        "{logged}"
    );
    let missing = post(&server.url("/v1/components/nope/invoke"), "x", &[]).unwrap();
    assert_eq!(missing.status, 404);
    let health = get(&server.url("/healthz")).unwrap();
    assert_eq!(health.status, 200, "{}", health.body);
    assert_eq!(
        post(&invoke, "echo:after", &[]).unwrap().body,
        "after",
        "traps did not stop the server"
    );

    // SIGTERM drains a request in flight, then exits 0.
    let slow = {
        let invoke = invoke.clone();
        std::thread::spawn(move || post(&invoke, "sleep:200", &[]))
    };
    std::thread::sleep(Duration::from_millis(50));
    let (code, stderr) = server.terminate();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("hostile: shutdown"),
        "instances get `shutdown`: {stderr}"
    );
    let reply = slow
        .join()
        .unwrap()
        .expect("the request in flight completed");
    assert_eq!((reply.status, reply.body.as_str()), (200, "slept"));
}

#[test]
fn unhealthy_components_fail_readyz_not_healthz() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(guest("hostile"), tmp.path().join("h.wasm")).unwrap();
    std::fs::write(
        tmp.path().join("h.toml"),
        "[component]\nname = \"h\"\nversion = \"1.0.0\"\nlanguage = \"prebuilt\"\n[config]\nhealth = \"unhealthy\"\n",
    )
    .unwrap();
    let server = Server::start(
        tmp.path(),
        &[
            "run",
            "h.wasm",
            "--manifest",
            "h.toml",
            "--listen",
            "127.0.0.1:0",
        ],
    );
    // Liveness does not depend on a component's own health…
    let health = get(&server.url("/healthz")).unwrap();
    assert_eq!(health.status, 200, "{}", health.body);
    // …readiness does, once the background check has run.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let ready = get(&server.url("/readyz")).unwrap();
        assert_eq!(ready.status, 503, "{}", ready.body);
        if ready.body.contains("\"unhealthy\"") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{}", ready.body);
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_proxy_component_answers_http_and_its_fetches_are_checked() {
    // A local upstream the proxy may fetch from, and one it may not.
    let upstream = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = upstream.local_addr().unwrap().port();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in upstream.incoming().take(3) {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 2048];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-length: 8\r\nconnection: close\r\n\r\nupstream",
            );
        }
    });
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(guest("http-proxy"), tmp.path().join("proxy.wasm")).unwrap();
    std::fs::write(
        tmp.path().join("proxy.toml"),
        format!(
            "[component]\nname = \"web\"\nversion = \"1.0.0\"\nlanguage = \"prebuilt\"\nworld = \"wasi:http/proxy\"\n\
             [permissions.network]\nallowed_hosts = [\"127.0.0.1:{port}\"]\n"
        ),
    )
    .unwrap();
    let server = Server::start(
        tmp.path(),
        &[
            "run",
            "proxy.wasm",
            "--manifest",
            "proxy.toml",
            "--listen",
            "127.0.0.1:0",
        ],
    );
    let hello = get(&server.url("/some/path?q=1")).unwrap();
    assert_eq!(hello.status, 200);
    assert_eq!(hello.body, "hello from http-proxy: GET /some/path?q=1");
    let echo = post(&server.url("/echo"), "round trip", &[]).unwrap();
    assert_eq!(echo.body, "round trip");
    let allowed = format!("/fetch?url=http%3A%2F%2F127.0.0.1%3A{port}%2F");
    let fetched = get(&server.url(&allowed)).unwrap();
    assert_eq!(
        (fetched.status, fetched.body.as_str()),
        (200, "fetched 200: upstream")
    );
    let other = port.wrapping_add(1).max(1);
    let denied =
        get(&server.url(&format!("/fetch?url=http%3A%2F%2F127.0.0.1%3A{other}%2F"))).unwrap();
    assert_eq!(denied.status, 502, "{}", denied.body);
    assert!(denied.body.contains("HttpRequestDenied"), "{}", denied.body);
    let (code, stderr) = server.terminate();
    assert_eq!(code, Some(0));
    assert!(
        stderr.contains(&format!(
            "add \"127.0.0.1:{other}\" to [permissions.network] allowed_hosts"
        )),
        "the denial names the grant: {stderr}"
    );
}
