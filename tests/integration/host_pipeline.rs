//! Pipelines on a real `airssys-wasm serve`: `deploy Pipeline.toml` through the
//! CLI (nodes uploaded and pinned first), `POST /v1/pipelines/<name>/invoke`,
//! a canary of v2 under load with no failed request, instant rollback, restart,
//! the audit of failed runs, per-node metrics, and bad pipelines refused before
//! anything is stored.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use super::support::cli;
use super::support::guests::guest;
use super::support::host::{Admin, Client, start, state_dir};
use super::support::server::Server;

/// Writes `pipeline-step.wasm` and one manifest per `(file, name, version,
/// config)` into `dir`.
fn write_components(dir: &Path, manifests: &[(&str, &str, &str, &str)]) {
    std::fs::copy(guest("pipeline-step"), dir.join("step.wasm")).unwrap();
    for (file, name, version, config) in manifests {
        std::fs::write(
            dir.join(file),
            format!(
                "[component]\nname = \"{name}\"\nversion = \"{version}\"\nlanguage = \"prebuilt\"\n\
                 [permissions.storage]\nkey_value = true\n\
                 [permissions.filesystem]\nreadable_paths = [\"data/**\"]\n[config]\n{config}\n"
            ),
        )
        .unwrap();
    }
}

/// `flow@version`: a → b, with `b` from manifest `b_manifest`.
fn write_pipeline(dir: &Path, file: &str, version: &str, b_manifest: &str) {
    std::fs::write(
        dir.join(file),
        format!(
            "[pipeline]\nname = \"flow\"\nversion = \"{version}\"\non_error = \"compensate\"\n\n\
             [nodes.a]\ncomponent = \"step.wasm\"\nmanifest = \"a.toml\"\n\n\
             [nodes.b]\ncomponent = \"step.wasm\"\nmanifest = \"{b_manifest}\"\nneeds = [\"a\"]\n"
        ),
    )
    .unwrap();
}

/// `airssys-wasm deploy <file>` against the host of `state`.
fn deploy(
    dir: &Path,
    server: &Server,
    state: &Path,
    file: &str,
    extra: &[&str],
) -> std::process::Output {
    cli()
        .current_dir(dir)
        .args(["deploy", file, "--host", &server.url(""), "--state"])
        .arg(state)
        .args(extra)
        .output()
        .unwrap()
}

/// One pipeline call: status, body, `x-airssys-version`.
fn invoke(client: &Client, server: &Server, input: &str) -> (u16, String, String) {
    let r = client
        .send(
            "POST",
            &server.url("/v1/pipelines/flow/invoke"),
            input.as_bytes(),
            &[],
        )
        .expect("the host answers");
    let version = r.header("x-airssys-version").unwrap_or("").to_string();
    (r.status, r.body, version)
}

#[test]
fn a_deployed_pipeline_serves_rolls_out_under_load_rolls_back_and_survives_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let state = state_dir(dir);
    write_components(
        dir,
        &[
            ("a.toml", "pa", "1.0.0", "step = \"a\""),
            ("b.toml", "pb", "1.0.0", "step = \"b\""),
            ("b2.toml", "pb", "2.0.0", "step = \"b\"\nsuffix = \"|B2\""),
        ],
    );
    write_pipeline(dir, "v1.toml", "1.0.0", "b.toml");
    write_pipeline(dir, "v2.toml", "2.0.0", "b2.toml");
    let server = start(dir, &state, &[]);
    let client = Client::default();

    let out = deploy(dir, &server, &state, "v1.toml", &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("Uploaded pa@1.0.0"), "{stderr}");
    assert!(stderr.contains("pipeline flow@1.0.0"), "{stderr}");
    assert!(stderr.contains("(active)"), "{stderr}");
    assert_eq!(
        invoke(&client, &server, "x"),
        (200, "x|a|b".into(), "1.0.0".into())
    );
    // The nodes serve inside the pipeline only: not one is callable on its own.
    let alone = client
        .send("POST", &server.url("/v1/components/pa/invoke"), b"x", &[])
        .unwrap();
    assert_eq!(alone.status, 404, "{}", alone.body);
    assert!(Admin::new(&server, &state).deployment("pa").is_null());

    // The same file again changes nothing; the nodes are pinned, not re-uploaded.
    let again = deploy(dir, &server, &state, "v1.toml", &[]);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success(), "{stderr}");
    assert!(stderr.contains("Unchanged pipeline flow@1.0.0"), "{stderr}");

    // v2 as a canary at 50% while 3 clients call: no request fails, and both
    // versions answer.
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..3)
        .map(|_| {
            let (stop, url) = (stop.clone(), server.url("/v1/pipelines/flow/invoke"));
            std::thread::spawn(move || {
                let client = Client::default();
                let mut answers = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let at = Instant::now();
                    let r = client.send("POST", &url, b"x", &[]);
                    answers.push((at, r.map(|r| (r.status, r.body))));
                }
                answers
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let out = deploy(
        dir,
        &server,
        &state,
        "v2.toml",
        &["--strategy", "canary", "--weight", "50"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::thread::sleep(Duration::from_millis(500));
    let admin = Admin::new(&server, &state);
    let r = admin.action("flow", "rollback", Some(json!({ "to_version": "1.0.0" })));
    assert_eq!(r.status, 200, "{}", r.body);
    let rolled_back = Instant::now();
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    let answers: Vec<_> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    let failed: Vec<_> = answers
        .iter()
        .filter(|(_, r)| !matches!(r, Ok((200, _))))
        .collect();
    assert!(
        failed.is_empty(),
        "failed requests during the rollout: {failed:?}"
    );
    let bodies: Vec<&str> = answers
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok().map(|(_, b)| b.as_str()))
        .collect();
    assert!(bodies.contains(&"x|a|B2"), "the canary took traffic");
    // Rollback is a pointer switch: nothing sent after it reaches v2.
    let late_v2: Vec<_> = answers
        .iter()
        .filter(|(at, r)| *at > rolled_back && matches!(r, Ok((_, b)) if b == "x|a|B2"))
        .collect();
    assert!(
        late_v2.is_empty(),
        "v2 answered after the rollback: {late_v2:?}"
    );

    // Per-pipeline and per-node series in the metrics.
    let metrics = client
        .send("GET", &server.url("/metrics"), b"", &[])
        .unwrap()
        .body;
    assert!(
        metrics.contains("airssys_calls_total{component=\"flow\",version=\"1.0.0\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("airssys_calls_total{component=\"flow/b\",version=\"2.0.0\"}"),
        "{metrics}"
    );

    // A restart restores the pipeline, its nodes loaded from the stored versions.
    let (code, _) = server.terminate();
    assert_eq!(code, Some(0));
    let server = start(dir, &state, &[]);
    assert_eq!(
        invoke(&client, &server, "x"),
        (200, "x|a|b".into(), "1.0.0".into())
    );
    let history = Admin::new(&server, &state).versions("flow");
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["kind"], "pipeline");
}

#[test]
fn failed_runs_answer_with_the_node_and_are_audited() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let state = state_dir(dir);
    write_components(
        dir,
        &[
            ("a.toml", "pa", "1.0.0", "step = \"a\""),
            ("b.toml", "pb", "1.0.0", "step = \"b\"\nfail_on = \"boom\""),
        ],
    );
    write_pipeline(dir, "Pipeline.toml", "1.0.0", "b.toml");
    let server = start(dir, &state, &[]);
    let out = deploy(dir, &server, &state, "Pipeline.toml", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Versions are immutable: other content under the same version is refused.
    let text = std::fs::read_to_string(dir.join("Pipeline.toml")).unwrap();
    std::fs::write(
        dir.join("Pipeline.toml"),
        text.replace("on_error = \"compensate\"", "on_error = \"fail-fast\""),
    )
    .unwrap();
    let out = deploy(dir, &server, &state, "Pipeline.toml", &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("flow@1.0.0 already exists"), "{stderr}");
    std::fs::write(dir.join("Pipeline.toml"), text).unwrap();

    let client = Client::default();
    let (status, body, _) = invoke(&client, &server, "boom");
    assert_eq!(status, 500, "{body}");
    let error: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["error"]["node"], "b", "{body}");
    assert_eq!(error["error"]["kind"], "internal", "{body}");
    // `a` succeeded but declares no compensation: its work stands, and says so.
    assert_eq!(error["error"]["not_compensated"], json!(["a"]), "{body}");

    // ?trace=true answers with the run's report.
    let r = client
        .send(
            "POST",
            &server.url("/v1/pipelines/flow/invoke?trace=true"),
            b"boom",
            &[],
        )
        .unwrap();
    let report: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(report["nodes"][0]["status"], "succeeded", "{}", r.body);
    assert_eq!(report["nodes"][1]["status"], "failed", "{}", r.body);

    // `status` says what the name is; `monitor` shows the pipeline with its
    // nodes, each with its calls and errors.
    let status = cli()
        .args(["status", "--host", &server.url(""), "--state"])
        .arg(&state)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains("flow (pipeline): 1.0.0 serves all traffic"),
        "{text}"
    );
    let monitor = cli()
        .args([
            "monitor",
            "flow",
            "--once",
            "--interval",
            "10ms",
            "--host",
            &server.url(""),
            "--state",
        ])
        .arg(&state)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&monitor.stdout);
    let rows: Vec<&str> = table
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(rows, ["flow", "flow/a", "flow/b"], "{table}");
    assert!(table.lines().next().unwrap().contains("RETRIES"), "{table}");

    let audit = Admin::new(&server, &state).audit();
    let failures: Vec<_> = audit
        .iter()
        .filter(|e| e["action"] == "pipeline-failure")
        .collect();
    assert_eq!(failures.len(), 2, "{audit:#?}");
    assert_eq!(failures[0]["component"], "flow");
    assert_eq!(failures[0]["detail"]["node"], "b");
    assert_eq!(failures[0]["detail"]["kind"], "internal");
}

#[test]
fn a_pipeline_naming_a_version_the_host_lacks_is_refused_before_anything_is_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let state = state_dir(dir);
    write_components(dir, &[("a.toml", "pa", "1.0.0", "step = \"a\"")]);
    std::fs::write(
        dir.join("Pipeline.toml"),
        "[pipeline]\nname = \"flow\"\nversion = \"1.0.0\"\n\n\
         [nodes.a]\ncomponent = \"step.wasm\"\nmanifest = \"a.toml\"\n\n\
         [nodes.b]\ncomponent = \"ghost@1.0.0\"\nneeds = [\"a\"]\n",
    )
    .unwrap();
    let server = start(dir, &state, &[]);
    let out = deploy(dir, &server, &state, "Pipeline.toml", &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("node `b`"), "{stderr}");
    assert!(stderr.contains("ghost"), "{stderr}");
    // Nothing was uploaded: not even node `a`'s component.
    let admin = Admin::new(&server, &state);
    assert_eq!(admin.history("pa").status, 404);
    assert_eq!(admin.history("flow").status, 404);
}
