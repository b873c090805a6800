//! `build`: the real toolchain end to end, and the checks around it.

use super::support::wat::{self, SOCKETS};
use super::support::{cli, manifest, project_with_manifest, stderr_in, stdout};

fn init(tmp: &std::path::Path, name: &str) -> std::path::PathBuf {
    init_from(tmp, name, "rust")
}

fn init_from(tmp: &std::path::Path, name: &str, template: &str) -> std::path::PathBuf {
    let output = cli()
        .current_dir(tmp)
        .args(["init", name, "--yes", "--template", template])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_in(&output, tmp));
    tmp.join(name)
}

#[test]
fn init_build_validate_end_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = init(tmp.path(), "hello");
    let output = cli().current_dir(&dir).arg("build").output().unwrap();
    let stderr = stderr_in(&output, tmp.path());
    assert!(output.status.success(), "{stderr}");
    let artifact = dir.join("target/airssys/hello-0.1.0.wasm");
    let bytes = std::fs::read(&artifact).expect("artifact published");
    let sha = airssys_wasm::component::sha256_hex(&bytes);
    assert!(
        stderr.contains("target/airssys/hello-0.1.0.wasm"),
        "{stderr}"
    );
    assert!(stderr.contains(&sha), "sha256 printed: {stderr}");
    assert!(
        stderr.contains(&format!("{} bytes", bytes.len())),
        "{stderr}"
    );
    assert!(
        !stderr.contains("warning"),
        "the template needs no grants: {stderr}"
    );

    let info = airssys_wasm::component::inspect(&bytes, &artifact).unwrap();
    let exports: Vec<String> = info.exports.iter().map(ToString::to_string).collect();
    assert_eq!(exports, ["airssys:core/lifecycle@1.0.0"]);

    let output = cli().current_dir(&dir).arg("validate").output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        stderr_in(&output, tmp.path())
    );
    let output = cli()
        .current_dir(&dir)
        .args(["validate", "--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["component"]["sha256"], sha.as_str());

    let output = cli()
        .current_dir(&dir)
        .args(["--format", "json", "build"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        json["sha256"],
        sha.as_str(),
        "an unchanged rebuild is identical"
    );
    assert_eq!(json["size"], bytes.len());
}

#[test]
fn compiler_errors_pass_through_and_fail_the_build() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = init(tmp.path(), "broken");
    let lib = dir.join("src/lib.rs");
    let source = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(
        &lib,
        source.replace(
            "fn shutdown(&mut self) {",
            "fn shutdown(&mut self) {\n        let x: u32 = \"no\";",
        ),
    )
    .unwrap();
    let output = cli().current_dir(&dir).arg("build").output().unwrap();
    let stderr = stderr_in(&output, tmp.path());
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error[E0308]"),
        "rustc's error is shown: {stderr}"
    );
    assert!(stderr.contains("failed"), "{stderr}");
    assert!(!dir.join("target/airssys").exists(), "nothing published");
}

#[test]
fn invalid_sources_fail_before_compiling() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = init_from(tmp.path(), "early", "rust-bindgen");
    std::fs::write(
        dir.join("wit/core.wit"),
        "package airssys:core@1.0.0;\ninterface {",
    )
    .unwrap();
    let output = cli().current_dir(&dir).arg("build").output().unwrap();
    let stderr = stderr_in(&output, tmp.path());
    assert_eq!(output.status.code(), Some(1));
    assert!(!stderr.contains("Running"), "cargo must not run: {stderr}");
    assert!(stderr.contains("invalid WIT"), "{stderr}");

    std::fs::write(
        dir.join("Component.toml"),
        "[component]\nname = \"Early\"\n",
    )
    .unwrap();
    let output = cli().current_dir(&dir).arg("build").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_in(&output, tmp.path()).contains("Component.toml:2:"));
}

#[test]
fn prebuilt_components_are_validated_and_published_with_warnings() {
    let dir = project_with_manifest(&manifest("net", "wasi:cli/command", ""));
    let component =
        wat::command_component("import wasi:sockets/instance-network@0.2.6;", &[SOCKETS]);
    std::fs::write(dir.path().join("component.wasm"), &component).unwrap();
    let output = cli().current_dir(dir.path()).arg("build").output().unwrap();
    let stderr = stderr_in(&output, dir.path());
    assert!(
        output.status.success(),
        "a missing grant only warns at build: {stderr}"
    );
    assert!(stderr.contains("warning[missing-grant]"), "{stderr}");
    assert!(stderr.contains("allowed_hosts"), "{stderr}");
    let published = std::fs::read(dir.path().join("target/airssys/net-1.0.0.wasm")).unwrap();
    assert_eq!(published, component);
}

#[test]
fn custom_build_commands_and_outputs_are_honoured() {
    let text = manifest("custom", "wasi:cli/command", "")
        .replace("language = \"prebuilt\"", "language = \"c\"")
        .replace("output = \"component.wasm\"", "command = \"mkdir -p out && cp src.wasm out/custom.wasm\"\noutput = \"out/custom.wasm\"");
    let dir = project_with_manifest(&text);
    std::fs::write(dir.path().join("src.wasm"), wat::command_component("", &[])).unwrap();
    let output = cli().current_dir(dir.path()).arg("build").output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        stderr_in(&output, dir.path())
    );
    assert!(
        dir.path()
            .join("target/airssys/custom-1.0.0.wasm")
            .is_file()
    );

    // A failing command fails the build with its own output shown.
    let failing = text.replace(
        "mkdir -p out && cp src.wasm out/custom.wasm",
        "echo compiler says no >&2; exit 3",
    );
    std::fs::write(dir.path().join("Component.toml"), failing).unwrap();
    let output = cli().current_dir(dir.path()).arg("build").output().unwrap();
    let stderr = stderr_in(&output, dir.path());
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("compiler says no"), "{stderr}");
    assert!(stderr.contains("exit status: 3"), "{stderr}");
}

#[test]
fn a_built_component_of_the_wrong_world_is_not_published() {
    let dir = project_with_manifest(&manifest("wrong", "airssys:core/component", ""));
    std::fs::write(
        dir.path().join("component.wasm"),
        wat::command_component("", &[]),
    )
    .unwrap();
    let output = cli().current_dir(dir.path()).arg("build").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stderr_in(&output, dir.path()));
    assert!(!dir.path().join("target/airssys").exists());
}

#[test]
fn languages_without_a_default_build_ask_for_command_and_output() {
    // Every language has a driver; a prebuilt component must say where it is.
    let text = manifest("py", "wasi:cli/command", "")
        .replace("[build]\noutput = \"component.wasm\"\n", "");
    let dir = project_with_manifest(&text);
    let output = cli().current_dir(dir.path()).arg("build").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stderr_in(&output, dir.path()));
}
