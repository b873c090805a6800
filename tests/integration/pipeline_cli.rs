//! `airssys-wasm pipeline …` and `test` on a pipeline, through the real binary:
//! scaffold, validate (per-node checks and capabilities), graph, run with
//! `--trace` and `--format json`, failures with compensation, case files, and
//! `run --listen --hot-reload` swapping the pipeline under load.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::support::guests::guest;
use super::support::host::Client;
use super::support::server::Server;
use super::support::{cli, stderr_in, stdout};

/// A manifest for `pipeline-step` as `name` with `[config]` lines `config`.
fn manifest(name: &str, grants: &str, config: &str) -> String {
    format!(
        "[component]\nname = \"{name}\"\nversion = \"1.0.0\"\nlanguage = \"prebuilt\"\n\
         {grants}\n[config]\nstep = \"{name}\"\n{config}\n"
    )
}

/// What `pipeline-step` imports: key-value, and a directory to read.
const READS_DATA: &str = "[permissions.filesystem]\nreadable_paths = [\"data/**\"]\n\
    [permissions.storage]\nkey_value = true\n";

/// `dir` with `step.wasm`, manifests `a.toml` (reads data/) and `b.toml`
/// (`b_config`), and a Pipeline.toml a → b under `on_error`, where `b` may be
/// undone by `undo.toml`.
fn project(dir: &Path, b_config: &str, on_error: &str) {
    std::fs::copy(guest("pipeline-step"), dir.join("step.wasm")).unwrap();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(dir.join("a.toml"), manifest("a", READS_DATA, "")).unwrap();
    std::fs::write(dir.join("b.toml"), manifest("b", READS_DATA, b_config)).unwrap();
    std::fs::write(
        dir.join("undo.toml"),
        manifest("undo", READS_DATA, "record = \"node\""),
    )
    .unwrap();
    std::fs::write(
        dir.join("Pipeline.toml"),
        format!(
            "[pipeline]\nname = \"flow\"\nversion = \"1.0.0\"\non_error = \"{on_error}\"\n\n\
             [nodes.a]\ncomponent = \"step.wasm\"\nmanifest = \"a.toml\"\n\
             compensate = {{ component = \"step.wasm\", manifest = \"undo.toml\" }}\n\n\
             [nodes.b]\ncomponent = \"step.wasm\"\nmanifest = \"b.toml\"\nneeds = [\"a\"]\n"
        ),
    )
    .unwrap();
}

fn run_in(dir: &Path, args: &[&str]) -> std::process::Output {
    cli()
        .current_dir(dir)
        .env("AIRSSYS_RUN_STATE_DIR", dir.join(".state"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn validate_checks_every_node_and_lists_what_each_may_do() {
    let tmp = tempfile::tempdir().unwrap();
    project(tmp.path(), "", "fail-fast");
    let out = run_in(tmp.path(), &["pipeline", "validate"]);
    assert!(out.status.success(), "{}", stderr_in(&out, tmp.path()));
    insta::assert_snapshot!("validate_ok", stderr_in(&out, tmp.path()));

    // A node whose manifest does not grant what its component imports is an
    // error of that node, found before anything runs.
    std::fs::write(tmp.path().join("b.toml"), manifest("b", "", "")).unwrap();
    let out = run_in(tmp.path(), &["pipeline", "validate", "Pipeline.toml"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = stderr_in(&out, tmp.path());
    assert!(stderr.contains("Node b → step.wasm (b 1.0.0)"), "{stderr}");
    assert!(stderr.contains("wasi:filesystem"), "{stderr}");
    assert!(stderr.contains("flow is not valid: 2 errors"), "{stderr}");
}

#[test]
fn graph_prints_text_dot_and_mermaid() {
    let tmp = tempfile::tempdir().unwrap();
    project(tmp.path(), "", "compensate");
    for style in ["text", "dot", "mermaid"] {
        let out = run_in(tmp.path(), &["pipeline", "graph", "--style", style]);
        assert!(out.status.success(), "{}", stderr_in(&out, tmp.path()));
        insta::assert_snapshot!(format!("graph_{style}"), stdout(&out));
    }
}

#[test]
fn run_prints_the_output_and_traces_every_node() {
    let tmp = tempfile::tempdir().unwrap();
    project(tmp.path(), "", "fail-fast");
    let out = run_in(tmp.path(), &["pipeline", "run", "--input", "x", "--trace"]);
    assert!(out.status.success(), "{}", stderr_in(&out, tmp.path()));
    assert_eq!(stdout(&out), "x|a|b");
    let stderr = stderr_in(&out, tmp.path());
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(lines[0].starts_with("flow 1.0.0  run-"), "{stderr}");
    assert!(lines[0].contains("-1  ok  "), "{stderr}");
    assert!(lines[1].starts_with("├── a  succeeded  +"), "{stderr}");
    assert!(lines[2].starts_with("└── b  succeeded  +"), "{stderr}");

    // `run` of a pipeline is `pipeline run`.
    let plain = run_in(tmp.path(), &["run", "Pipeline.toml", "--input", "x"]);
    assert!(plain.status.success(), "{}", stderr_in(&plain, tmp.path()));
    assert_eq!(stdout(&plain), "x|a|b");
    let refused = run_in(tmp.path(), &["run", ".", "--fuel", "10", "--input", "x"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr_in(&refused, tmp.path()).contains("applies to one component"));

    let out = run_in(
        tmp.path(),
        &["pipeline", "run", "--input", "x", "--format", "json"],
    );
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["result"]["ok"], true);
    assert_eq!(report["result"]["output"], "x|a|b");
    assert_eq!(report["nodes"][1]["node"], "b");
    assert_eq!(report["nodes"][1]["attempts"].as_array().unwrap().len(), 1);
}

#[test]
fn a_failed_run_names_the_node_and_what_was_compensated() {
    let tmp = tempfile::tempdir().unwrap();
    project(tmp.path(), "fail_on = \"boom\"", "compensate");
    let out = run_in(
        tmp.path(),
        &["pipeline", "run", "--input", "boom", "--trace"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    let stderr = stderr_in(&out, tmp.path());
    assert!(stderr.contains("├── b  failed  +"), "{stderr}");
    assert!(
        stderr.contains("└── compensations (latest first)"),
        "{stderr}"
    );
    assert!(stderr.contains("└── a  undone"), "{stderr}");
    assert!(
        stderr.contains("error: node `b` failed (internal): asked to fail at b"),
        "{stderr}"
    );
    assert!(stderr.contains("caused by: compensated: a"), "{stderr}");
}

#[test]
fn bad_pipeline_files_fail_before_anything_runs() {
    let tmp = tempfile::tempdir().unwrap();
    project(tmp.path(), "", "fail-fast");
    std::fs::write(
        tmp.path().join("Pipeline.toml"),
        "[pipeline]\nname = \"flow\"\nversion = \"1.0.0\"\n\n\
         [nodes.a]\ncomponent = \"step.wasm\"\nmanifest = \"a.toml\"\nneeds = [\"b\"]\n\n\
         [nodes.b]\ncomponent = \"step.wasm\"\nmanifest = \"b.toml\"\nneeds = [\"a\"]\n",
    )
    .unwrap();
    let out = run_in(tmp.path(), &["pipeline", "run", "--input", "x"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("cycle", stderr_in(&out, tmp.path()));

    // A node whose component is missing: named, before any node runs.
    project(tmp.path(), "", "fail-fast");
    std::fs::remove_file(tmp.path().join("b.toml")).unwrap();
    let out = run_in(tmp.path(), &["pipeline", "run", "--input", "x"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = stderr_in(&out, tmp.path());
    assert!(
        stderr.contains("node `b`: cannot load step.wasm"),
        "{stderr}"
    );
}

#[test]
fn new_chains_the_projects_of_a_directory_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    for (dir, name) in [("fetch", "fetch"), ("score", "score-model")] {
        std::fs::create_dir(tmp.path().join(dir)).unwrap();
        std::fs::write(
            tmp.path().join(dir).join("Component.toml"),
            format!("[component]\nname = \"{name}\"\nversion = \"0.1.0\"\n"),
        )
        .unwrap();
    }
    let out = run_in(tmp.path(), &["pipeline", "new", "--name", "scoring"]);
    assert!(out.status.success(), "{}", stderr_in(&out, tmp.path()));
    let written = std::fs::read_to_string(tmp.path().join("Pipeline.toml")).unwrap();
    insta::assert_snapshot!("new_pipeline", written);
    // What `new` writes is a valid pipeline of those projects.
    let spec = airssys_wasm::pipeline::load(&tmp.path().join("Pipeline.toml")).unwrap();
    assert_eq!(spec.output, "score-model");

    let again = run_in(tmp.path(), &["pipeline", "new", "--name", "scoring"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr_in(&again, tmp.path()).contains("already exists"));
}

#[test]
fn test_runs_the_cases_beside_a_pipeline() {
    let tmp = tempfile::tempdir().unwrap();
    project(tmp.path(), "fail_on = \"boom\"", "fail-fast");
    std::fs::create_dir(tmp.path().join("tests")).unwrap();
    std::fs::write(
        tmp.path().join("tests").join("flow.toml"),
        "[[case]]\nname = \"chains\"\ninput = \"x\"\nexpect_output = \"x|a|b\"\n\n\
         [[case]]\nname = \"fails at b\"\ninput = \"boom\"\nexpect_error = \"internal\"\n\
         expect_message = \"node `b`\"\n\n\
         [[case]]\nname = \"wrong\"\ninput = \"x\"\nexpect_output = \"nope\"\n",
    )
    .unwrap();
    let out = run_in(tmp.path(), &["test"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("2 passed, 1 failed"), "{text}");
    let out = run_in(tmp.path(), &["test", "Pipeline.toml", "--filter", "chains"]);
    assert!(out.status.success(), "{}", stdout(&out));
}

#[test]
fn listen_with_hot_reload_swaps_the_pipeline_without_failing_a_request() {
    let tmp = tempfile::tempdir().unwrap();
    project(tmp.path(), "", "fail-fast");
    // `Server::start` runs in the pipeline's directory.
    let mut server = Server::start(
        tmp.path(),
        // `run` of a directory holding a pipeline serves the pipeline.
        &["run", "--listen", "127.0.0.1:0", "--hot-reload"],
    );
    let url = server.url("/v1/pipelines/flow/invoke");
    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (stop, url) = (stop.clone(), url.clone());
        std::thread::spawn(move || {
            let client = Client::default();
            let mut answers = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                answers.push(
                    client
                        .send("POST", &url, b"x", &[])
                        .map(|r| (r.status, r.body)),
                );
            }
            answers
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    // A node's manifest changes: the whole pipeline reloads with it.
    std::fs::write(
        tmp.path().join("b.toml"),
        manifest("b", READS_DATA, "suffix = \"|B2\""),
    )
    .unwrap();
    server.wait_for_line("Reloaded flow 1.0.0", Duration::from_secs(30));
    let client = Client::default();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let r = client.send("POST", &url, b"x", &[]).unwrap();
        if r.body == "x|a|B2" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "still {}", r.body);
    }
    stop.store(true, Ordering::Relaxed);
    let answers = load.join().unwrap();
    let failed: Vec<_> = answers
        .iter()
        .filter(|a| !matches!(a, Ok((200, _))))
        .collect();
    assert!(failed.is_empty(), "failed during the reload: {failed:?}");
    assert!(
        answers
            .iter()
            .any(|a| matches!(a, Ok((_, b)) if b == "x|a|b"))
    );
}
