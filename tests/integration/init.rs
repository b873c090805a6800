//! `init`: scaffolding, refusals, and a project that validates as created.

use super::support::{cli, stderr_in, stdout};

#[test]
fn init_creates_a_complete_rust_project() {
    let tmp = tempfile::tempdir().unwrap();
    let output = cli()
        .current_dir(tmp.path())
        .args(["init", "hello", "--yes"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        stderr_in(&output, tmp.path())
    );
    let dir = tmp.path().join("hello");
    let mut files: Vec<String> = walk(&dir)
        .into_iter()
        .map(|p| p.strip_prefix(&dir).unwrap().display().to_string())
        .collect();
    files.sort();
    insta::assert_snapshot!(files.join("\n"));
    let cargo = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(cargo.contains("name = \"hello\""));
    assert!(cargo.contains("airssys-wasm-sdk = \"0.1.0\""), "{cargo}");
    assert!(!dir.join("wit").exists(), "the SDK carries the contract");
    let config = std::fs::read_to_string(dir.join(".cargo/config.toml")).unwrap();
    let patch: toml::Table = config.parse().unwrap();
    let sdk = patch["patch"]["crates-io"]["airssys-wasm-sdk"]["path"]
        .as_str()
        .unwrap();
    assert!(
        std::path::Path::new(sdk).join("src/lib.rs").is_file(),
        "the SDK sources are unpacked where the patch points: {sdk}"
    );
    let manifest = airssys_wasm::manifest::load(&dir.join("Component.toml")).unwrap();
    assert_eq!(manifest.component.name, "hello");
    assert!(manifest.permissions.is_empty(), "templates grant nothing");
    insta::assert_snapshot!("init_stderr", stderr_in(&output, tmp.path()));

    // Validating the fresh project checks manifest and WIT, and says it is not built.
    let output = cli().current_dir(&dir).arg("validate").output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        stderr_in(&output, tmp.path())
    );
    insta::assert_snapshot!("validate_unbuilt", stderr_in(&output, tmp.path()));
}

#[test]
fn the_rust_bindgen_template_carries_the_contract_and_no_sdk() {
    let tmp = tempfile::tempdir().unwrap();
    let output = cli()
        .current_dir(tmp.path())
        .args(["init", "raw", "--yes", "--template", "rust-bindgen"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let dir = tmp.path().join("raw");
    let wit = std::fs::read_to_string(dir.join("wit/core.wit")).unwrap();
    assert_eq!(wit, airssys_wasm::wit::CORE_WIT);
    let cargo = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(cargo.contains("wit-bindgen = \"0.61\""), "{cargo}");
    assert!(!cargo.contains("airssys-wasm-sdk"), "{cargo}");
    assert!(!dir.join(".cargo").exists());
}

#[test]
fn init_json_lists_files_and_honours_path_and_description() {
    let tmp = tempfile::tempdir().unwrap();
    let output = cli()
        .current_dir(tmp.path())
        .args([
            "--format", "json", "init", "svc-2", "--yes", "--path", "custom",
        ])
        .args(["--description", "Says \"hi\""])
        .output()
        .unwrap();
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["dir"], "custom");
    assert_eq!(json["template"], "rust");
    let manifest = airssys_wasm::manifest::load(&tmp.path().join("custom/Component.toml")).unwrap();
    assert_eq!(manifest.component.description, "Says \"hi\"");
}

#[test]
fn init_refuses_a_non_empty_directory_and_touches_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("hello")).unwrap();
    std::fs::write(tmp.path().join("hello/keep.txt"), "mine").unwrap();
    let output = cli()
        .current_dir(tmp.path())
        .args(["init", "hello", "--yes"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stderr_in(&output, tmp.path()));
    assert_eq!(walk(&tmp.path().join("hello")).len(), 1);
}

#[test]
fn init_refuses_invalid_names_with_the_rule() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["Hello", "9lives", "my_component", "a.b"] {
        let output = cli()
            .current_dir(tmp.path())
            .args(["init", name, "--yes"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{name} accepted");
        insta::assert_snapshot!(
            format!("invalid_name_{}", name.replace('.', "_")),
            stderr_in(&output, tmp.path())
        );
    }
    assert!(walk(tmp.path()).is_empty(), "nothing written");
}

#[test]
fn init_refuses_unknown_templates_and_languages_without_templates() {
    let tmp = tempfile::tempdir().unwrap();
    let output = cli()
        .current_dir(tmp.path())
        .args(["init", "x", "--yes", "--template", "nope"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("unknown_template", stderr_in(&output, tmp.path()));
    let output = cli()
        .current_dir(tmp.path())
        .args(["init", "x", "--yes", "--lang", "prebuilt"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("no_template_for_prebuilt", stderr_in(&output, tmp.path()));
}

/// Every file under `dir`, recursively.
pub fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}
