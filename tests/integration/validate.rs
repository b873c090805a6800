//! `validate`: the component against its world and grants, bad inputs, JSON.

use super::support::wat::{self, KEY_VALUE_GET, PREOPENS, SOCKETS};
use super::support::{cli, manifest, project_with_manifest, stderr_in, stdout};

const COMMAND: &str = "wasi:cli/command";
const AIRSSYS: &str = "airssys:core/component";

/// Writes `component` next to `manifest_text` and runs `validate` on the project.
fn validate(
    manifest_text: &str,
    component: &[u8],
    extra: &[&str],
) -> (std::process::Output, tempfile::TempDir) {
    let dir = project_with_manifest(manifest_text);
    let wasm = dir.path().join("component.wasm");
    std::fs::write(&wasm, component).unwrap();
    let output = cli()
        .current_dir(dir.path())
        .args(extra)
        .arg("validate")
        .arg("--wasm")
        .arg("component.wasm")
        .output()
        .unwrap();
    (output, dir)
}

#[test]
fn sockets_without_a_network_grant_names_allowed_hosts() {
    let component =
        wat::command_component("import wasi:sockets/instance-network@0.2.6;", &[SOCKETS]);
    let (output, dir) = validate(&manifest("net", COMMAND, ""), &component, &[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_in(&output, dir.path());
    assert!(
        stderr.contains("[permissions.network] allowed_hosts"),
        "{stderr}"
    );
    insta::assert_snapshot!(stderr);

    // The same component with the grant passes.
    let granted = manifest(
        "net",
        COMMAND,
        "[permissions.network]\nallowed_hosts = [\"api.example.com\"]\n",
    );
    let (output, dir) = validate(&granted, &component, &[]);
    assert!(
        output.status.success(),
        "{}",
        stderr_in(&output, dir.path())
    );
}

#[test]
fn a_denied_capability_passes_validate_and_an_unused_deny_warns() {
    let component =
        wat::command_component("import wasi:sockets/instance-network@0.2.6;", &[SOCKETS]);
    let denied = manifest(
        "net",
        COMMAND,
        "[permissions]\ndeny = [\"network\", \"filesystem\"]\n",
    );
    let (output, dir) = validate(&denied, &component, &[]);
    let stderr = stderr_in(&output, dir.path());
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("missing-grant"), "{stderr}");
    assert!(
        stderr.contains("note: refused by [permissions] deny, whatever the component imports: network, filesystem"),
        "the refusal is shown, never silent: {stderr}"
    );
    assert!(
        stderr.contains("warning[unused-deny]: \"filesystem\" is denied"),
        "{stderr}"
    );
    // Denying something else leaves the import ungranted: still an error.
    let other = manifest("net", COMMAND, "[permissions]\ndeny = [\"storage\"]\n");
    let (output, _) = validate(&other, &component, &[]);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn key_value_without_storage_grant_is_an_error() {
    let component =
        wat::airssys_component("import airssys:core/key-value@1.0.0;", &[KEY_VALUE_GET]);
    let (output, dir) = validate(&manifest("kv", AIRSSYS, ""), &component, &[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_in(&output, dir.path());
    assert!(
        stderr.contains("[permissions.storage] key_value = true"),
        "{stderr}"
    );

    let granted = manifest("kv", AIRSSYS, "[permissions.storage]\nkey_value = true\n");
    let (output, dir) = validate(&granted, &component, &[]);
    assert!(
        output.status.success(),
        "{}",
        stderr_in(&output, dir.path())
    );
}

#[test]
fn filesystem_import_needs_a_path_grant() {
    let component = wat::airssys_component("import wasi:filesystem/preopens@0.2.6;", &[PREOPENS]);
    let (output, dir) = validate(&manifest("fs", AIRSSYS, ""), &component, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_in(&output, dir.path()).contains("[permissions.filesystem]"));
    let granted = manifest(
        "fs",
        AIRSSYS,
        "[permissions.filesystem]\nreadable_paths = [\"data/**\"]\n",
    );
    let (output, _) = validate(&granted, &component, &[]);
    assert!(output.status.success());
}

#[test]
fn grants_the_component_cannot_use_are_warnings() {
    let component = wat::airssys_component("", &[]);
    let text = manifest(
        "tidy",
        AIRSSYS,
        "[permissions.network]\nallowed_hosts = [\"example.com\"]\n[permissions.messaging]\ntargets = [\"other\"]\n",
    );
    let (output, dir) = validate(&text, &component, &[]);
    assert!(output.status.success(), "warnings do not fail validate");
    insta::assert_snapshot!(stderr_in(&output, dir.path()));
}

#[test]
fn a_component_of_another_world_is_refused_with_the_fix() {
    let component = wat::command_component("", &[]);
    let (output, dir) = validate(&manifest("w", AIRSSYS, ""), &component, &[]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stderr_in(&output, dir.path()));
}

#[test]
fn a_core_module_is_adapted_or_refused_with_the_reason() {
    // A program gets the command adapter: it becomes a `wasi:cli/command`, which
    // is not the world this manifest declares.
    let module = ::wat::parse_str("(module (func (export \"_start\")))").unwrap();
    let (output, dir) = validate(&manifest("core", AIRSSYS, ""), &module, &[]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stderr_in(&output, dir.path()));
    // A library gets the reactor adapter, which needs the airssys exports.
    let module = ::wat::parse_str("(module (func (export \"handle\")))").unwrap();
    let (output, dir) = validate(&manifest("core", AIRSSYS, ""), &module, &[]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("reactor_without_exports", stderr_in(&output, dir.path()));
}

#[test]
fn truncated_and_garbage_files_are_refused_without_panicking() {
    let component = wat::airssys_component("", &[]);
    for cut in [
        9,
        component.len() / 3,
        component.len() / 2,
        component.len() - 1,
    ] {
        let (output, dir) = validate(&manifest("t", AIRSSYS, ""), &component[..cut], &[]);
        assert_eq!(output.status.code(), Some(1), "truncated at {cut}");
        let stderr = stderr_in(&output, dir.path());
        assert!(
            stderr.contains("not a valid WebAssembly component"),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"));
    }
    let (output, dir) = validate(&manifest("g", AIRSSYS, ""), b"#!/bin/sh\necho hi\n", &[]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("garbage", stderr_in(&output, dir.path()));
    let (output, _) = validate(&manifest("e", AIRSSYS, ""), b"", &[]);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn json_report_has_a_stable_schema() {
    let component =
        wat::command_component("import wasi:sockets/instance-network@0.2.6;", &[SOCKETS]);
    let (output, _) = validate(
        &manifest("net", COMMAND, ""),
        &component,
        &["--format", "json"],
    );
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("stdout is JSON");
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["ok"], false);
    assert_eq!(json["manifest"]["name"], "net");
    assert_eq!(json["manifest"]["world"], COMMAND);
    assert_eq!(json["errors"][0]["code"], "missing-grant");
    assert!(
        json["errors"][0]["help"]
            .as_str()
            .unwrap()
            .contains("allowed_hosts")
    );
    let imports = json["component"]["imports"].as_array().unwrap();
    assert!(
        imports
            .iter()
            .any(|i| i == "wasi:sockets/instance-network@0.2.6")
    );
    assert_eq!(json["component"]["sha256"].as_str().unwrap().len(), 64);
    assert!(json["warnings"].as_array().unwrap().is_empty());
}

#[test]
fn json_report_for_a_broken_manifest_uses_the_same_schema() {
    let dir = project_with_manifest("[component]\nnmae = \"x\"\n");
    let output = cli()
        .current_dir(dir.path())
        .args(["--format", "json", "validate"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("stdout is JSON");
    assert_eq!(json["ok"], false);
    let errors = json["errors"].as_array().unwrap();
    assert!(errors.iter().all(|e| e["code"] == "invalid-manifest"));
    let typo = errors
        .iter()
        .find(|e| e["message"].as_str().unwrap().contains("nmae"))
        .expect("the unknown key is reported");
    assert_eq!(typo["location"]["line"], 2);
    assert_eq!(typo["location"]["column"], 1);
    assert!(typo["help"].as_str().unwrap().contains("`name`"));
}

#[test]
fn invalid_wit_is_reported_with_its_location() {
    let dir = project_with_manifest(&manifest("w", AIRSSYS, ""));
    std::fs::write(
        dir.path().join("wit/core.wit"),
        "package airssys:core@1.0.0;\ninterface x {\n  f: func(;\n}\n",
    )
    .unwrap();
    let output = cli()
        .current_dir(dir.path())
        .arg("validate")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_in(&output, dir.path());
    assert!(stderr.contains("core.wit:3:"), "{stderr}");
    insta::assert_snapshot!(stderr);
}

#[test]
fn an_edited_contract_is_refused() {
    let dir = project_with_manifest(&manifest("w", AIRSSYS, ""));
    let edited =
        airssys_wasm::wit::CORE_WIT.replace("shutdown: func();", "shutdown: func(force: bool);");
    assert_ne!(edited, airssys_wasm::wit::CORE_WIT);
    std::fs::write(dir.path().join("wit/core.wit"), edited).unwrap();
    let output = cli()
        .current_dir(dir.path())
        .arg("validate")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stderr_in(&output, dir.path()));
}

#[test]
fn every_bad_manifest_exits_1_with_a_located_message() {
    let corpus = super::support::repo().join("tests/fixtures/manifests/bad");
    let mut count = 0;
    for entry in std::fs::read_dir(&corpus).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let dir = project_with_manifest(&text);
        let output = cli()
            .current_dir(dir.path())
            .arg("validate")
            .output()
            .unwrap();
        let stderr = stderr_in(&output, dir.path());
        assert_eq!(
            output.status.code(),
            Some(1),
            "{}: {stderr}",
            path.display()
        );
        assert!(stderr.starts_with("error"), "{}: {stderr}", path.display());
        assert!(!stderr.contains("panicked"), "{}", path.display());
        count += 1;
    }
    assert!(count >= 25, "the corpus has {count} manifests");
}

#[test]
fn a_missing_project_says_how_to_create_one() {
    let tmp = tempfile::tempdir().unwrap();
    let output = cli()
        .current_dir(tmp.path())
        .arg("validate")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stderr_in(&output, tmp.path()));
}
