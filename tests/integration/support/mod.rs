//! Shared helpers: running the binary, temporary projects, WAT-built components.

pub mod browser;
pub mod guests;
pub mod host;
pub mod nats;
pub mod sandbox;
pub mod server;
pub mod studio;
pub mod wat;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One cargo target dir for every guest the tests build, so dependencies such as
/// wit-bindgen compile once per machine, not once per test.
pub fn guest_target_dir() -> PathBuf {
    repo().join("target").join("guest-fixtures")
}

/// Where the tests' `init` unpacks the guest SDK: inside the build tree, so test
/// runs leave the user's data directory alone and share one compiled SDK.
pub fn sdk_dir() -> PathBuf {
    repo().join("target").join("airssys-sdk")
}

/// The CLI with deterministic output: no colour, guest builds in the shared dir.
pub fn cli() -> Command {
    let mut cmd = Command::cargo_bin("airssys-wasm").expect("binary built by cargo");
    cmd.arg("--color=never")
        .env("CARGO_TARGET_DIR", guest_target_dir())
        .env("AIRSSYS_SDK_DIR", sdk_dir())
        .env_remove("NO_COLOR")
        .env("COLUMNS", "100");
    cmd
}

/// stdout of a finished command, as text.
pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// stderr of a finished command, as text, with the temp dir replaced by `[TMP]`.
pub fn stderr_in(output: &std::process::Output, tmp: &Path) -> String {
    let text = String::from_utf8_lossy(&output.stderr).into_owned();
    redact(&text, tmp)
}

/// Replaces a temp dir in text with `[TMP]` so snapshots are stable.
pub fn redact(text: &str, tmp: &Path) -> String {
    let canonical = tmp.canonicalize().unwrap_or_else(|_| tmp.to_path_buf());
    text.replace(&canonical.display().to_string(), "[TMP]")
        .replace(&tmp.display().to_string(), "[TMP]")
}

/// A project directory holding `manifest` as Component.toml and the real contract
/// in wit/core.wit.
pub fn project_with_manifest(manifest: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("Component.toml"), manifest).expect("write manifest");
    std::fs::create_dir_all(dir.path().join("wit")).expect("wit dir");
    std::fs::write(dir.path().join("wit/core.wit"), airssys_wasm::wit::CORE_WIT)
        .expect("write wit");
    dir
}

/// A minimal manifest for `world`, plus extra TOML appended verbatim.
pub fn manifest(name: &str, world: &str, extra: &str) -> String {
    format!(
        "[component]\nname = \"{name}\"\nversion = \"1.0.0\"\nlanguage = \"prebuilt\"\nworld = \"{world}\"\n\n[build]\noutput = \"component.wasm\"\n\n{extra}"
    )
}

/// A TCP port free on loopback now (for servers the tests start).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
