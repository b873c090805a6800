//! `run` from the command line: output on stdout, errors on stderr, exit codes,
//! environment grants, commands, companions.

use super::support::guests::guest;
use super::support::{cli, redact, stderr_in, stdout};

fn manifest_file(
    dir: &std::path::Path,
    name: &str,
    world: &str,
    extra: &str,
) -> std::path::PathBuf {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(
        &path,
        format!("[component]\nname = \"{name}\"\nversion = \"1.0.0\"\nlanguage = \"prebuilt\"\nworld = \"{world}\"\n\n{extra}"),
    )
    .unwrap();
    path
}

#[test]
fn a_fresh_template_project_runs_and_reports_component_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let output = cli()
        .current_dir(tmp.path())
        .args(["init", "hello", "--yes"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let dir = tmp.path().join("hello");
    // Not built yet: `run` builds it first.
    let output = cli()
        .current_dir(&dir)
        .args(["run", "--input", "abc"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        stderr_in(&output, tmp.path())
    );
    assert_eq!(
        stdout(&output),
        "cba",
        "only the component's output on stdout"
    );

    let output = cli()
        .current_dir(&dir)
        .args(["run", "--input", ""])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    assert_eq!(
        stderr_in(&output, tmp.path()),
        "error: invalid-input: empty input\n"
    );

    let output = cli()
        .current_dir(&dir)
        .args(["run", "--input-file", "-"])
        .write_stdin("añb")
        .output()
        .unwrap();
    assert_eq!(stdout(&output), "bña");

    std::fs::write(dir.join("input.txt"), "file input").unwrap();
    let output = cli()
        .current_dir(&dir)
        .args(["run", "--input-file", "input.txt"])
        .output()
        .unwrap();
    assert_eq!(stdout(&output), "tupni elif");
}

#[test]
fn only_declared_environment_variables_reach_the_guest() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = manifest_file(
        tmp.path(),
        "envy",
        "airssys:core/component",
        "[permissions.environment]\nvariables = [\"AIRSSYS_TEST_ALLOWED\"]\n",
    );
    let run = |input: &str| {
        cli()
            .current_dir(tmp.path())
            .env("AIRSSYS_TEST_ALLOWED", "visible")
            .env("AIRSSYS_TEST_SECRET", "hidden")
            .arg("run")
            .arg(guest("hostile"))
            .arg("--manifest")
            .arg(&manifest)
            .args(["--input", input])
            .output()
            .unwrap()
    };
    assert_eq!(stdout(&run("env:AIRSSYS_TEST_ALLOWED")), "visible");
    let output = run("env:AIRSSYS_TEST_SECRET");
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_in(&output, tmp.path()).contains("error: not-found"));
    let all = stdout(&run("env-all"));
    assert_eq!(
        all, "AIRSSYS_TEST_ALLOWED=visible",
        "nothing else of the host environment"
    );
}

#[test]
fn limits_and_denials_are_reported_with_the_grant_to_change() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = manifest_file(
        tmp.path(),
        "hostile",
        "airssys:core/component",
        "[resources]\nmax_execution_ms = 100\n",
    );
    let run = |input: &str| {
        cli()
            .current_dir(tmp.path())
            .arg("run")
            .arg(guest("hostile"))
            .arg("--manifest")
            .arg(&manifest)
            .args(["--input", input])
            .output()
            .unwrap()
    };
    let output = run("loop");
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("timeout", stderr_in(&output, tmp.path()));
    let output = run("kv-set:k:v");
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("kv_denied", stderr_in(&output, tmp.path()));
}

#[test]
fn commands_get_arguments_stdio_and_their_exit_code() {
    let tmp = tempfile::tempdir().unwrap();
    let output = cli()
        .current_dir(tmp.path())
        .arg("run")
        .arg(guest("cli-tool"))
        .args(["--", "alpha", "beta", "--stdin", "--exit", "3"])
        .write_stdin("piped")
        .output()
        .unwrap();
    // WASI 0.2's `exit` carries success or failure only (exit codes beyond that
    // are an unstable extension std does not use), so `exit(3)` arrives as 1.
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        stderr_in(&output, tmp.path())
    );
    let text = stdout(&output);
    assert!(text.contains("args: alpha beta --stdin --exit 3"), "{text}");
    assert!(text.contains("stdin: piped"), "{text}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("stderr-line"));

    let output = cli()
        .current_dir(tmp.path())
        .arg("run")
        .arg(guest("cli-tool"))
        .args(["--", "--exit", "0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
}

/// A program runs as under `wasmtime run`: no wall-clock or memory limit
/// unless the manifest or the command line sets one; argv[0] is the file as
/// typed; a trap exits 134.
#[test]
fn commands_run_without_request_limits_unless_given_some() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(guest("cli-tool"), tmp.path().join("tool.wasm")).unwrap();
    let tool = |args: &[&str]| {
        let mut command = cli();
        command.current_dir(tmp.path()).args(args);
        command
    };
    // A process whose stdin stays open until the test writes (or drops) it.
    let spawn = |args: &[&str]| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("airssys-wasm"))
            .arg("--color=never")
            .current_dir(tmp.path())
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    // 100 MiB, far above the 16 MiB a request handler gets by default.
    let output = tool(&["run", "tool.wasm", "--", "--alloc", "100", "--argv0"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        stderr_in(&output, tmp.path())
    );
    let text = stdout(&output);
    assert!(text.contains("allocated 100 MiB"), "{text}");
    assert!(text.contains("argv0: tool.wasm"), "{text}");

    // Input that arrives after 2 s (a request handler's default is 1 s).
    let mut child = spawn(&["run", "tool.wasm", "--", "--stdin"]);
    let mut stdin = child.stdin.take().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2200));
    std::io::Write::write_all(&mut stdin, b"late").unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        stderr_in(&output, tmp.path())
    );
    assert!(
        stdout(&output).contains("stdin: late"),
        "{}",
        stdout(&output)
    );

    // Limits given on the command line apply.
    let output = tool(&[
        "run",
        "tool.wasm",
        "--max-memory",
        "32MiB",
        "--",
        "--alloc",
        "100",
    ])
    .output()
    .unwrap();
    assert_ne!(output.status.code(), Some(0));
    let stderr = stderr_in(&output, tmp.path());
    assert!(stderr.contains("memory limit exceeded"), "{stderr}");
    let mut child = spawn(&["run", "tool.wasm", "--timeout", "300ms", "--", "--stdin"]);
    let stdin = child.stdin.take();
    let output = child.wait_with_output().unwrap();
    drop(stdin);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_in(&output, tmp.path()).contains("exceeded max_execution_ms"));

    // So do limits a manifest declares.
    std::fs::write(
        tmp.path().join("tool.toml"),
        "[component]\nname = \"tool\"\nversion = \"1.0.0\"\nlanguage = \"prebuilt\"\n\
         world = \"wasi:cli/command\"\n[resources]\nmax_memory_bytes = 33554432\n",
    )
    .unwrap();
    let output = tool(&[
        "run",
        "tool.wasm",
        "--manifest",
        "tool.toml",
        "--",
        "--alloc",
        "100",
    ])
    .output()
    .unwrap();
    assert!(stderr_in(&output, tmp.path()).contains("memory limit exceeded"));

    // A trap exits 134, as under wasmtime.
    let output = tool(&["run", "tool.wasm", "--", "--panic"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(134),
        "{}",
        stderr_in(&output, tmp.path())
    );
}

#[test]
fn companions_answer_messaging_calls() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = manifest_file(
        tmp.path(),
        "caller",
        "airssys:core/component",
        "[permissions.messaging]\ntargets = [\"echo-target\"]\n",
    );
    let output = cli()
        .current_dir(tmp.path())
        .arg("run")
        .arg(guest("hostile"))
        .arg("--manifest")
        .arg(&manifest)
        .arg("--with")
        .arg(format!("echo-target={}", guest("echo-target").display()))
        .args(["--input", "call:echo-target:ping"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        stderr_in(&output, tmp.path())
    );
    assert_eq!(stdout(&output), "echo:ping");
}

#[test]
fn a_bare_component_runs_without_permissions() {
    let tmp = tempfile::tempdir().unwrap();
    let output = cli()
        .current_dir(tmp.path())
        .arg("run")
        .arg(guest("echo-target"))
        .args(["--input", "bare"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        stderr_in(&output, tmp.path())
    );
    assert_eq!(stdout(&output), "echo:bare");
    let output = cli()
        .current_dir(tmp.path())
        .arg("run")
        .arg(guest("hostile"))
        .args(["--input", "read:/etc/passwd"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = redact(&String::from_utf8_lossy(&output.stderr), tmp.path());
    assert!(
        stderr.contains("warning[missing-grant]"),
        "the static check warns: {stderr}"
    );
}
