//! The scripts in completions/ match what the CLI generates.

use super::support::{cli, repo};

const SCRIPTS: [(&str, &str); 4] = [
    ("bash", "airssys-wasm.bash"),
    ("zsh", "_airssys-wasm"),
    ("fish", "airssys-wasm.fish"),
    ("powershell", "_airssys-wasm.ps1"),
];

#[test]
fn committed_completion_scripts_are_in_sync() {
    let bless = std::env::var_os("AIRSSYS_BLESS").is_some();
    for (shell, file) in SCRIPTS {
        let output = cli().args(["completions", shell]).output().unwrap();
        assert!(output.status.success(), "completions {shell} failed");
        let path = repo().join("completions").join(file);
        if bless {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &output.stdout).unwrap();
            continue;
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == output.stdout,
            "completions/{file} is stale: run `AIRSSYS_BLESS=1 cargo test --test integration completions`"
        );
    }
}

#[test]
fn unknown_shell_is_a_usage_error() {
    let output = cli().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}
