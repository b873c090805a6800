//! No guest and no client can stall a real `serve`: looping guests yield, calls
//! are admitted within bounds (503 + `Retry-After` beyond them), a disconnected
//! client's call is cancelled, and the built-in policy keeps host secrets and
//! host paths out of reach.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

use super::support::host::{
    Admin, Client, HOSTILE_GRANTS, eventually, hostile_manifest, invoke, json, start, state_dir,
    wasm,
};
use super::support::server::{Server, get};

const LOOPER: &str = "looper";
const QUICK: &str = "quick";
/// `--max-concurrent-calls` of these hosts: the looper's share is half of it.
const CAP: usize = 4;

fn executing_calls(server: &Server) -> u64 {
    let health = get(&server.url("/healthz")).expect("healthz answers");
    assert_eq!(health.status, 200, "{}", health.body);
    let body: serde_json::Value = serde_json::from_str(&health.body).unwrap();
    body["executing_calls"].as_u64().unwrap()
}

fn deploy(admin: &Admin, name: &str, resources: &str) {
    let manifest = hostile_manifest(name, "1.0.0", resources);
    let r = admin.deploy(name, "1.0.0", &wasm("hostile"), &manifest);
    assert_eq!(r.status, 201, "{}", r.body);
}

/// p99 (the largest of 20 tries is the p95–p100 band; reported, not asserted).
fn p99(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[(samples.len() * 99 / 100).min(samples.len() - 1)]
}

#[test]
fn looping_guests_delay_neither_health_metrics_admin_nor_other_components() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let cap = CAP.to_string();
    let server = start(tmp.path(), &state, &["--max-concurrent-calls", &cap]);
    let admin = Admin::new(&server, &state);
    deploy(
        &admin,
        LOOPER,
        "[resources]\nmax_execution_ms = 4000\nmax_instances = 32\n",
    );
    deploy(&admin, QUICK, "");

    // 2 × the cap of looping calls: the looper's share runs, the rest wait.
    let url = server.url(&format!("/v1/components/{LOOPER}/invoke"));
    let loops: Vec<_> = (0..2 * CAP)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let started = Instant::now();
                let reply = Client::default().send("POST", &url, b"loop", &[]);
                (started, Instant::now(), reply)
            })
        })
        .collect();
    eventually("the looper runs its share", Duration::from_secs(5), || {
        executing_calls(&server) as usize >= CAP / 2
    });

    // Beyond the share and its bounded queue: refused at once, with Retry-After
    // (the first of these still find room in the queue and wait there).
    let (sender, refused) = std::sync::mpsc::channel();
    let overflow: Vec<_> = (0..2 * CAP)
        .map(|_| {
            let (url, sender) = (url.clone(), sender.clone());
            std::thread::spawn(move || {
                let started = Instant::now();
                let reply = Client::default().send("POST", &url, b"loop", &[]);
                let _ = sender.send((started.elapsed(), reply));
            })
        })
        .collect();
    let (refused_after, first) = refused.recv_timeout(Duration::from_secs(3)).unwrap();
    let first = first.expect("the host answers");
    assert_eq!(first.status, 503, "{}", first.body);
    assert_eq!(first.header("retry-after"), Some("1"));
    assert!(first.body.contains("busy"), "{}", first.body);

    // While the loops run: health, metrics, admin and another component answer.
    let client = Client::default();
    let mut latencies: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
    for _ in 0..20 {
        let t = Instant::now();
        assert_eq!(get(&server.url("/healthz")).unwrap().status, 200);
        latencies.entry("/healthz").or_default().push(t.elapsed());
        let t = Instant::now();
        assert_eq!(get(&server.url("/metrics")).unwrap().status, 200);
        latencies.entry("/metrics").or_default().push(t.elapsed());
        let t = Instant::now();
        assert_eq!(admin.request("GET", "/v1/admin/status", b"").status, 200);
        latencies
            .entry("admin status")
            .or_default()
            .push(t.elapsed());
        let t = Instant::now();
        let answer = invoke(&client, &server, QUICK, "echo:quick");
        assert_eq!(answer.body(), Some("quick"), "{answer:?}");
        latencies
            .entry("invoke quick")
            .or_default()
            .push(t.elapsed());
    }
    let probes_done = Instant::now();

    let mut ran = 0;
    for handle in loops {
        let (started, ended, reply) = handle.join().unwrap();
        let reply = reply.expect("the host answers every looping call");
        match reply.status {
            504 => {
                ran += 1;
                // The quick calls all finished while this loop was still running…
                assert!(ended > probes_done, "a loop ended before the probes did");
                // …and its deadline held (4 s; the bound is loose for busy CI).
                let elapsed = ended - started;
                eprintln!("a 4000 ms loop ended after {elapsed:?}");
                assert!(
                    elapsed >= Duration::from_millis(4000) && elapsed < Duration::from_millis(5500),
                    "deadline overshot: {elapsed:?}"
                );
            }
            503 => assert_eq!(reply.header("retry-after"), Some("1")),
            other => panic!("unexpected {other}: {}", reply.body),
        }
    }
    assert!(ran >= CAP / 2, "the looper's share ran: {ran}");
    for handle in overflow {
        handle.join().unwrap();
    }
    eprintln!("503 for overflow calls after {refused_after:?}");
    for (probe, samples) in &mut latencies {
        eprintln!("{probe}: p99 {:?} over 20 tries under load", p99(samples));
    }
}

#[test]
fn a_disconnected_clients_call_is_cancelled_and_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    deploy(&admin, LOOPER, "[resources]\nmax_execution_ms = 30000\n");

    let address = server.url("").trim_start_matches("http://").to_string();
    let address = address.trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "POST /v1/components/{LOOPER}/invoke HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nloop"
    )
    .unwrap();
    eventually("the loop runs", Duration::from_secs(5), || {
        executing_calls(&server) == 1
    });
    let gone = Instant::now();
    drop(stream);
    // Long before its 30 s deadline, the call is gone and its slot free.
    eventually("the call is cancelled", Duration::from_secs(5), || {
        executing_calls(&server) == 0
    });
    eprintln!("cancelled {:?} after the client left", gone.elapsed());
    // The slot frees as the call's future is dropped; the record of the
    // cancellation follows a moment later on the same path.
    eventually(
        "the cancellation is counted",
        Duration::from_secs(5),
        || {
            get(&server.url("/metrics"))
                .unwrap()
                .body
                .lines()
                .any(|l| l.contains("cancelled") && l.contains(LOOPER))
        },
    );
    let cancelled: Vec<_> = admin
        .audit()
        .into_iter()
        .filter(|e| e["action"] == "trap" && e["detail"]["kind"] == "cancelled")
        .collect();
    assert_eq!(cancelled.len(), 1, "{cancelled:?}");
}

#[test]
fn the_built_in_policy_keeps_host_paths_and_host_variables_out() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let without_fs = HOSTILE_GRANTS.replace(
        "[permissions.filesystem]\nreadable_paths = [\"data/**\"]\n",
        "",
    );
    let greedy = |version: &str| {
        format!(
            "[component]\nname = \"greedy\"\nversion = \"{version}\"\nlanguage = \"prebuilt\"\n\
             {without_fs}[permissions.filesystem]\nwritable_paths = [\"/**\"]\n\
             [permissions.environment]\nvariables = [\"AIRSSYS_TOKEN\"]\n"
        )
    };
    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    let r = admin.deploy("greedy", "1.0.0", &wasm("hostile"), &greedy("1.0.0"));
    assert_eq!(r.status, 403, "{}", r.body);
    let details = json(&r)["error"]["details"].to_string();
    assert!(details.contains("/**"), "{details}");
    assert!(
        details.contains("AIRSSYS_TOKEN") && details.contains("AIRSSYS_*"),
        "{details}"
    );
    let (code, stderr) = server.terminate();
    assert_eq!(code, Some(0));
    assert!(stderr.contains("Policy built-in"), "{stderr}");

    // An explicit opt-out accepts it, and says so at start.
    let server = start(tmp.path(), &state, &["--policy", "permissive"]);
    let admin = Admin::new(&server, &state);
    let r = admin.deploy("greedy", "1.0.0", &wasm("hostile"), &greedy("1.0.0"));
    assert_eq!(r.status, 201, "{}", r.body);
    let (_, stderr) = server.terminate();
    assert!(stderr.contains("Policy permissive"), "{stderr}");
}

/// Deploys the `http-proxy` fixture as `web` (mounted at `/web/`) with
/// `resources` as its `[resources]` body.
fn deploy_web(admin: &Admin, resources: &str) {
    let manifest = format!(
        "[component]\nname = \"web\"\nversion = \"1.0.0\"\nlanguage = \"prebuilt\"\n\
         world = \"wasi:http/proxy\"\n[resources]\n{resources}\
         [permissions.network]\nallowed_hosts = [\"127.0.0.1:9\"]\n"
    );
    let r = admin.deploy("web", "1.0.0", &wasm("http-proxy"), &manifest);
    assert_eq!(r.status, 201, "{}", r.body);
}

/// Resident memory of a process, in bytes.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

#[test]
fn slow_clients_are_cut_off_and_the_host_keeps_answering() {
    use std::io::Read;
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let server = start(tmp.path(), &state, &[]);
    let address = server.url("").trim_start_matches("http://").to_string();
    // 200 slowloris connections: headers started, never finished.
    let mut slow: Vec<std::net::TcpStream> = (0..200)
        .map(|_| {
            let mut s = std::net::TcpStream::connect(address.trim_end_matches('/')).unwrap();
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1")
                .unwrap();
            s
        })
        .collect();
    // The host answers others meanwhile.
    assert_eq!(get(&server.url("/healthz")).unwrap().status, 200);
    // After the header timeout, each slow connection is closed by the server.
    let until = Instant::now() + Duration::from_secs(30);
    for s in &mut slow {
        s.set_read_timeout(Some(
            until
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1)),
        ))
        .unwrap();
        let mut buf = [0u8; 1024];
        loop {
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
                Err(e) => panic!("a slow connection stayed open: {e}"),
            }
        }
    }
    assert_eq!(get(&server.url("/healthz")).unwrap().status, 200);
}

#[test]
fn a_huge_body_to_a_proxy_route_is_cut_at_the_cap_without_buffering() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    deploy_web(&admin, "max_memory_bytes = 67108864\n");
    let pid = super::support::host::pid(&state);
    let before = rss(pid);

    // A declared 1 GiB body is refused before anything runs.
    let address = server
        .url("")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let declared = Client::default().send(
        "POST",
        &server.url("/web/echo"),
        b"",
        &[("content-length", "1073741824")],
    );
    if let Ok(reply) = declared {
        assert_eq!(reply.status, 413, "{}", reply.body);
    }
    // A chunked 1 GiB body streams in until the cap, then the host stops reading.
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        stream,
        "POST /web/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .unwrap();
    let chunk = vec![b'a'; 1 << 20];
    let mut sent = 0u64;
    while sent < 1 << 30 {
        let head = format!("{:x}\r\n", chunk.len());
        let ok = stream.write_all(head.as_bytes()).is_ok()
            && stream.write_all(&chunk).is_ok()
            && stream.write_all(b"\r\n").is_ok();
        if !ok {
            break;
        }
        sent += chunk.len() as u64;
    }
    drop(stream);
    let grown = rss(pid).saturating_sub(before);
    eprintln!("sent {} MiB; host RSS grew {} MiB", sent >> 20, grown >> 20);
    assert!(sent < 1 << 30, "the host kept reading a 1 GiB body");
    assert!(
        grown < 200 << 20,
        "the host buffered the body: +{grown} bytes"
    );
    assert_eq!(get(&server.url("/healthz")).unwrap().status, 200);
}

#[test]
fn bursts_on_many_components_leave_every_one_callable() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    // Admission wide open, so bursts really fill the engine's instance pool.
    let server = start(tmp.path(), &state, &["--max-concurrent-calls", "1024"]);
    let admin = Admin::new(&server, &state);
    let names: Vec<String> = (0..9).map(|i| format!("c{i}")).collect();
    for name in &names {
        deploy(&admin, name, "");
    }
    for name in &names[..8] {
        let url = server.url(&format!("/v1/components/{name}/invoke"));
        let burst: Vec<_> = (0..16)
            .map(|_| {
                let url = url.clone();
                std::thread::spawn(move || Client::default().send("POST", &url, b"sleep:300", &[]))
            })
            .collect();
        for call in burst {
            let reply = call.join().unwrap().unwrap();
            assert!(matches!(reply.status, 200 | 503), "{}", reply.body);
        }
    }
    let client = Client::default();
    for name in &names {
        let answer = invoke(&client, &server, name, "echo:still here");
        assert_eq!(answer.body(), Some("still here"), "{name}: {answer:?}");
    }
}

#[test]
fn a_flood_of_anonymous_admin_requests_adds_a_bounded_number_of_audit_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    let url = server.url("/v1/admin/status");
    let started = Instant::now();
    let client = Client::default();
    for _ in 0..2000 {
        let reply = client.send("GET", &url, b"", &[]).unwrap();
        assert_eq!(reply.status, 401);
    }
    let elapsed = started.elapsed().as_secs();
    let rows: Vec<_> = admin
        .audit()
        .into_iter()
        .filter(|e| e["action"] == "auth-failure")
        .collect();
    assert!(
        rows.len() as u64 <= 21 + elapsed / 6,
        "{} rows for 2000 failures in {elapsed}s",
        rows.len()
    );
    let accounted: u64 = rows
        .iter()
        .map(|r| {
            1 + r["detail"]["unrecorded_failures_before"]
                .as_u64()
                .unwrap_or(0)
        })
        .sum();
    assert!(accounted <= 2000);
    // The chain stays whole.
    let report = admin.verify();
    assert!(report["first_broken"].is_null(), "{report}");
    // The scheme is case-insensitive; the token is what authenticates.
    let lower = format!("bearer {}", admin.token.trim());
    let reply = client
        .send("GET", &url, b"", &[("authorization", lower.as_str())])
        .unwrap();
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[test]
fn a_proxy_component_holds_its_instance_until_the_body_is_sent() {
    use std::io::Read;
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let server = start(tmp.path(), &state, &["--max-concurrent-calls", "64"]);
    let admin = Admin::new(&server, &state);
    deploy_web(
        &admin,
        "max_memory_bytes = 134217728\nmax_instances = 2\nmax_execution_ms = 20000\n",
    );
    let address = server
        .url("")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    // Six slow readers: each sends 12 MiB to echo, then reads only the status
    // line with a tiny receive buffer, so a guest streaming the echo back stays
    // blocked on its body.
    let body = vec![b'e'; 12 << 20];
    let readers: Vec<_> = (0..6)
        .map(|_| {
            let (address, body) = (address.clone(), body.clone());
            std::thread::spawn(move || {
                let socket =
                    socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
                        .unwrap();
                socket.set_recv_buffer_size(4096).unwrap();
                let target: std::net::SocketAddr = address.parse().unwrap();
                socket.connect(&target.into()).unwrap();
                let mut s: std::net::TcpStream = socket.into();
                s.set_write_timeout(Some(Duration::from_secs(30))).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
                let head = format!(
                    "POST /web/echo HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                let sent = s.write_all(head.as_bytes()).is_ok() && s.write_all(&body).is_ok();
                let mut status = [0u8; 12];
                let answered = sent
                    && s.read_exact(&mut status).is_ok()
                    && status.starts_with(b"HTTP/1.1 200");
                let at = Instant::now();
                // Hold the connection, its echo unread, for a while.
                std::thread::sleep(Duration::from_secs(3));
                answered.then_some(at)
            })
        })
        .collect();
    let mut answers: Vec<Instant> = readers
        .into_iter()
        .filter_map(|r| r.join().unwrap())
        .collect();
    // Everyone is answered in the end, but while the first two hold their
    // instances (3 s, echo unread), the third waits: it is answered only once
    // one of them lets go.
    assert_eq!(answers.len(), 6, "{}", server.stderr());
    answers.sort();
    let gap = answers[2].duration_since(answers[1]);
    assert!(
        gap >= Duration::from_secs(2),
        "max_instances = 2 holds while the guests still stream their bodies (third answer {gap:?} after the second)"
    );
}

#[test]
fn trap_backtraces_reach_the_audit_log_but_never_http_clients() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    deploy(&admin, QUICK, "");
    let answer = invoke(&Client::default(), &server, QUICK, "panic");
    let (status, body, _) = answer.result.expect("the host answers");
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("\"kind\":\"trap\""), "{body}");
    assert!(
        !body.contains("backtrace") && !body.contains("wasm function"),
        "{body}"
    );
    let traps: Vec<_> = admin
        .audit()
        .into_iter()
        .filter(|e| e["action"] == "trap")
        .collect();
    assert!(
        traps.iter().any(|t| t["detail"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("wasm backtrace")),
        "{traps:?}"
    );
}
