//! The host from the command line: the README's flow, and the errors a user
//! meets when the host is not running, the token is wrong or a version unknown.

use std::path::Path;

use super::support::guests::guest;
use super::support::host::{hostile_manifest, manifest, start};
use super::support::server::post;
use super::support::{cli, stderr_in, stdout};

/// The CLI pointed at `server` with the token of `state`.
fn admin_cli(addr: &str, state: &Path) -> assert_cmd::Command {
    let mut cmd = cli();
    cmd.env("AIRSSYS_HOST", format!("http://{addr}"))
        .env_remove("AIRSSYS_TOKEN")
        .args(["--format", "json"]);
    cmd.env("AIRSSYS_STATE_DIR", state);
    cmd
}

fn write_manifest(dir: &Path, text: String, file: &str) -> std::path::PathBuf {
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    path
}

fn json_of(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&stdout(output))
        .unwrap_or_else(|e| panic!("JSON on stdout ({e}): {}", stdout(output)))
}

#[test]
fn the_readme_flow_works_from_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let server = start(tmp.path(), &state, &[]);
    let run = |args: &[&str]| {
        let output = admin_cli(&server.addr, &state)
            .args(args)
            .current_dir(tmp.path())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            stderr_in(&output, tmp.path())
        );
        output
    };
    let v1 = guest("echo-target");
    let v2 = guest("hostile");
    let m1 = write_manifest(tmp.path(), manifest("svc", "1.0.0", ""), "v1.toml");
    let m2 = write_manifest(tmp.path(), hostile_manifest("svc", "2.0.0", ""), "v2.toml");
    let deployed = json_of(&run(&[
        "deploy",
        v1.to_str().unwrap(),
        "--manifest",
        m1.to_str().unwrap(),
    ]));
    assert_eq!(deployed["activated"], true);
    let invoke = server.url("/v1/components/svc/invoke");
    assert_eq!(post(&invoke, "echo:x", &[]).unwrap().body, "echo:echo:x");
    let deployed = json_of(&run(&[
        "deploy",
        v2.to_str().unwrap(),
        "--manifest",
        m2.to_str().unwrap(),
    ]));
    assert_eq!(
        deployed["activated"], false,
        "a second version waits for an update"
    );

    let canary = json_of(&run(&[
        "update",
        "svc@2.0.0",
        "--strategy",
        "canary",
        "--weight",
        "10",
    ]));
    assert_eq!(canary["canary"]["weight_percent"], 10);
    for _ in 0..100 {
        post(&invoke, "echo:x", &[]).unwrap();
    }
    let monitor = json_of(&run(&["monitor", "--once", "--interval", "100ms"]));
    let calls = |v: &str| {
        monitor["snapshot"]["components"]["svc"][v]["calls"]
            .as_u64()
            .unwrap_or(0)
    };
    assert_eq!(calls("1.0.0") + calls("2.0.0"), 101);
    assert_eq!(calls("2.0.0"), 10, "10% of 100 calls went to the canary");
    assert_eq!(
        monitor["snapshot"]["components"]["svc"]["2.0.0"]["traffic_weight"],
        10
    );

    let promoted = json_of(&run(&["update", "svc", "--promote"]));
    assert_eq!(promoted["active_version"], "2.0.0");
    assert_eq!(post(&invoke, "echo:x", &[]).unwrap().body, "x");
    let rolled = json_of(&run(&["rollback", "svc"]));
    assert_eq!(rolled["active_version"], "1.0.0");
    assert_eq!(post(&invoke, "echo:x", &[]).unwrap().body, "echo:echo:x");

    let status = json_of(&run(&["status"]));
    assert_eq!(status["deployments"][0]["active_version"], "1.0.0");
    let history = json_of(&run(&["history", "svc"]));
    assert_eq!(history["versions"].as_array().unwrap().len(), 2);
    let verify = json_of(&run(&["audit", "--verify"]));
    assert!(verify["first_broken"].is_null());
    let audit = json_of(&run(&["audit", "--component", "svc"]));
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "deploy", "update", "deploy", "update", "promote", "rollback"
        ]
    );

    run(&["undeploy", "svc"]);
    assert_eq!(
        post(&invoke, "echo:x", &[]).unwrap().status,
        404,
        "undeployed: not served"
    );
    assert_eq!(
        json_of(&run(&["history", "svc"]))["versions"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "history kept"
    );
}

#[test]
fn host_errors_say_how_to_fix_them() {
    let tmp = tempfile::tempdir().unwrap();
    // Nothing listens on this port: bind one, then free it.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let output = cli()
        .args([
            "status",
            "--host",
            &format!("http://{free}"),
            "--token",
            "x",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_in(&output, tmp.path());
    assert!(stderr.contains("no host is running at"), "{stderr}");
    assert!(stderr.contains("airssys-wasm serve"), "{stderr}");

    let state = tmp.path().join("state");
    let server = start(tmp.path(), &state, &[]);
    let output = cli()
        .args([
            "status",
            "--host",
            &format!("http://{}", server.addr),
            "--token",
            "wrong",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_in(&output, tmp.path());
    assert!(stderr.contains("refused the admin token"), "{stderr}");
    assert!(stderr.contains("help:"), "{stderr}");

    let output = admin_cli(&server.addr, &state)
        .args(["update", "svc@9.9.9", "--strategy", "immediate"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_in(&output, tmp.path());
    assert!(
        stderr.contains("svc"),
        "the unknown name or version is named: {stderr}"
    );

    let output = admin_cli(&server.addr, &state)
        .args(["deploy", guest("echo-target").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr_in(&output, tmp.path()).contains("--manifest"),
        "a .wasm needs its manifest"
    );
}

#[test]
fn proxy_components_are_mounted_under_their_name() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let server = start(tmp.path(), &state, &[]);
    let text = manifest(
        "web",
        "1.0.0",
        "[permissions.network]\nallowed_hosts = [\"127.0.0.1:9\"]\n",
    )
    .replace(
        "language = \"prebuilt\"",
        "language = \"prebuilt\"\nworld = \"wasi:http/proxy\"",
    );
    let m = write_manifest(tmp.path(), text, "web.toml");
    let output = admin_cli(&server.addr, &state)
        .args([
            "deploy",
            guest("http-proxy").to_str().unwrap(),
            "--manifest",
            m.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        stderr_in(&output, tmp.path())
    );
    let reply = super::support::server::get(&server.url("/web/some/path?q=1")).unwrap();
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body, "hello from http-proxy: GET /some/path?q=1",
        "the mount prefix is stripped"
    );
    let echo = post(&server.url("/web/echo"), "through the host", &[]).unwrap();
    assert_eq!(echo.body, "through the host");
    assert_eq!(
        super::support::server::get(&server.url("/nothing/here"))
            .unwrap()
            .status,
        404
    );
}
