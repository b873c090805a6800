//! Help and usage output, pinned.

use super::support::{cli, stdout};

fn help_of(args: &[&str]) -> String {
    let output = cli().args(args).arg("--help").output().unwrap();
    assert!(output.status.success(), "{args:?} --help failed");
    stdout(&output)
}

#[test]
fn top_level_help() {
    insta::assert_snapshot!(help_of(&[]));
}

#[test]
fn command_help() {
    for command in [
        "init",
        "templates",
        "validate",
        "build",
        "test",
        "run",
        "serve",
        "deploy",
        "update",
        "rollback",
        "undeploy",
        "status",
        "history",
        "audit",
        "monitor",
        "completions",
    ] {
        insta::assert_snapshot!(format!("help_{command}"), help_of(&[command]));
    }
    for sub in ["new", "validate", "run", "graph"] {
        insta::assert_snapshot!(format!("help_pipeline_{sub}"), help_of(&["pipeline", sub]));
    }
}

#[test]
fn usage_errors_exit_2() {
    let output = cli().arg("frobnicate").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = cli().args(["init"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = cli()
        .args(["init", "x", "--lang", "cobol"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    insta::assert_snapshot!(String::from_utf8_lossy(&output.stderr));
}

#[test]
fn templates_lists_the_rust_template() {
    let output = cli().arg("templates").output().unwrap();
    assert!(output.status.success());
    insta::assert_snapshot!(stdout(&output));
    let output = cli()
        .args(["templates", "--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let rust = json["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "rust")
        .expect("the rust template is listed");
    assert_eq!(rust["language"], "rust");
}
