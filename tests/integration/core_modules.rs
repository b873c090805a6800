//! wasip1 core modules where a component is expected: `run`, `validate` and
//! `deploy` adapt them with the preview1 adapter that fits (command for a
//! program with `_start`, reactor for a module exporting the `airssys:core`
//! functions) and say so, instead of refusing them.

use std::path::{Path, PathBuf};

use super::support::{cli, manifest, stderr_in, stdout};

/// Compiles `tests/fixtures/c/<name>.c` with Debian's clang for wasm32-wasi.
fn clang(name: &str, dir: &Path) -> PathBuf {
    let source = super::support::repo().join(format!("tests/fixtures/c/{name}.c"));
    let out = dir.join(format!("{name}.wasm"));
    let status = std::process::Command::new("clang")
        .args(["--target=wasm32-wasi", "-O2"])
        .arg(&source)
        .arg("-o")
        .arg(&out)
        .status()
        .expect("clang runs (apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32)");
    assert!(status.success(), "clang failed on {}", source.display());
    out
}

#[test]
fn a_c_program_built_as_a_core_module_runs_as_under_wasmtime() {
    let tmp = tempfile::tempdir().unwrap();
    let wasm = clang("args", tmp.path());
    assert!(airssys_wasm::component::is_core_module(
        &std::fs::read(&wasm).unwrap()
    ));
    let output = cli()
        .current_dir(tmp.path())
        .args(["run", "args.wasm", "--", "a", "b c"])
        .output()
        .unwrap();
    let stderr = stderr_in(&output, tmp.path());
    assert!(output.status.success(), "{stderr}");
    // What `wasmtime run args.wasm a "b c"` prints: argv[0] is the file name.
    assert_eq!(
        stdout(&output),
        "argc=3\nargv[0]=args.wasm\nargv[1]=a\nargv[2]=b c\n"
    );
    assert!(
        stderr.contains(
            "note: args.wasm is a core module (a command: it exports `_start`); adapted to a \
             component with the wasi_snapshot_preview1 command adapter"
        ),
        "{stderr}"
    );
    assert!(stderr.ends_with("done\n"), "{stderr}");

    // Without a grant, the file it is asked to read is denied by the runtime.
    std::fs::create_dir(tmp.path().join("data")).unwrap();
    std::fs::write(tmp.path().join("data/in.txt"), "hello\nworld\n").unwrap();
    let output = cli()
        .current_dir(tmp.path())
        .args(["run", "args.wasm", "--", "read", "data/in.txt"])
        .output()
        .unwrap();
    // WASI 0.2's `exit` carries success or failure only, so the program's 2 is
    // a failure (1) through the adapter, as for the adapted module under wasmtime.
    let stderr = stderr_in(&output, tmp.path());
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("data/in.txt:"),
        "the program's own error: {stderr}"
    );
    assert!(!stdout(&output).contains("hello"));
    std::fs::write(
        tmp.path().join("Component.toml"),
        manifest(
            "args",
            "wasi:cli/command",
            "[permissions.filesystem]\nreadable_paths = [\"data/**\"]\n",
        )
        .replace("output = \"component.wasm\"", "output = \"args.wasm\""),
    )
    .unwrap();
    let output = cli()
        .current_dir(tmp.path())
        .args(["run", "args.wasm", "--manifest", "Component.toml", "--"])
        .args(["read", "/data/in.txt"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        stderr_in(&output, tmp.path())
    );
    assert!(
        stdout(&output).ends_with("first line: hello\n"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_reactor_core_module_is_adapted_for_run_and_validate() {
    let tmp = tempfile::tempdir().unwrap();
    let wat = std::fs::read_to_string(super::support::repo().join("tests/fixtures/wat/append.wat"))
        .unwrap()
        .replace("{{SUFFIX}}", "33");
    std::fs::write(tmp.path().join("core.wasm"), wat::parse_str(&wat).unwrap()).unwrap();
    std::fs::write(
        tmp.path().join("Component.toml"),
        manifest("appender", "airssys:core/component", "")
            .replace("output = \"component.wasm\"", "output = \"core.wasm\""),
    )
    .unwrap();
    let output = cli()
        .current_dir(tmp.path())
        .args([
            "run",
            "core.wasm",
            "--manifest",
            "Component.toml",
            "--input",
            "abc",
        ])
        .output()
        .unwrap();
    let stderr = stderr_in(&output, tmp.path());
    assert!(output.status.success(), "{stderr}");
    assert_eq!(stdout(&output), "abc!");
    assert!(
        stderr.contains("with the wasi_snapshot_preview1 reactor adapter"),
        "{stderr}"
    );

    let output = cli()
        .current_dir(tmp.path())
        .args(["validate", "--wasm", "core.wasm"])
        .output()
        .unwrap();
    let stderr = stderr_in(&output, tmp.path());
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("warning[core-module-adapted]"), "{stderr}");

    // `build` publishes the adapted component, so what is deployed is a component.
    let output = cli().current_dir(tmp.path()).arg("build").output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        stderr_in(&output, tmp.path())
    );
    let published = tmp.path().join("target/airssys/appender-1.0.0.wasm");
    let bytes = std::fs::read(&published).unwrap();
    assert!(!airssys_wasm::component::is_core_module(&bytes));
    airssys_wasm::component::inspect(&bytes, &published).unwrap();
}
