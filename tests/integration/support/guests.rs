//! Real guest components built from `tests/fixtures/guests` ("hostile guests").
//!
//! The fixtures are a cargo workspace of their own, built with the real
//! toolchain (`cargo build --release --target wasm32-wasip2`) into the shared
//! `target/guest-fixtures` directory, once per test process:
//!
//! - `hostile`: an `airssys:core/component` that performs whatever command its
//!   input holds (`read:<path>`, `connect:<host>:<port>`, `kv-fill:<n>`, `loop`,
//!   …; see `tests/fixtures/guests/hostile/src/lib.rs` for the list);
//! - `echo-target`: a messaging target answering `echo:<input>`, with output
//!   metadata `("from", "echo-target")`;
//! - `cli-tool`: a `wasi:cli/command` program reporting its args, env and stdin;
//! - `pipeline-step`: a pipeline node driven by its `[config]` (suffix, sleep,
//!   failures, compensation journal, file read; see
//!   `tests/fixtures/guests/pipeline-step/src/lib.rs`);
//! - `tp-grep`, `tp-toml`: third-party-style `wasi:cli/command` programs built
//!   from crates.io crates (a ripgrep-like search on `regex` + `walkdir`, a
//!   format-preserving TOML editor on `toml_edit`), compared with `wasmtime
//!   run` by `third_party.rs`;
//! - `sdk-guest`: a component written with the guest SDK (typed config, state on
//!   the component value, key-value and messaging through the SDK; see
//!   `tests/fixtures/guests/sdk-guest/src/lib.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Environment variables of the outer build that must not leak into the guest
/// build (e.g. coverage instrumentation flags, which do not apply to wasm).
const SCRUBBED_ENV: &[&str] = &[
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "CARGO_BUILD_TARGET",
];

/// The manifest of the guest fixtures workspace.
pub fn fixtures_manifest() -> PathBuf {
    super::repo()
        .join("tests")
        .join("fixtures")
        .join("guests")
        .join("Cargo.toml")
}

/// The directory the built guest components land in.
pub fn guest_out_dir() -> PathBuf {
    super::guest_target_dir()
        .join("wasm32-wasip2")
        .join("release")
}

/// Builds the whole fixtures workspace, or returns why it could not.
fn build_all() -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = fixtures_manifest();
    let mut cmd = Command::new(&cargo);
    cmd.args([
        "build",
        "--release",
        "--target",
        "wasm32-wasip2",
        "--manifest-path",
    ])
    .arg(&manifest)
    .env("CARGO_TARGET_DIR", super::guest_target_dir());
    for name in SCRUBBED_ENV {
        cmd.env_remove(name);
    }
    let shown = format!(
        "{} build --release --target wasm32-wasip2 --manifest-path {}",
        Path::new(&cargo).display(),
        manifest.display()
    );
    let output = cmd
        .output()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "`{shown}` failed ({})\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    ))
}

/// The built `.wasm` of the guest fixture `name` (`"hostile"`, `"echo-target"`,
/// `"cli-tool"`, `"http-proxy"`, `"pipeline-step"`, `"tp-grep", `"tp-toml"` or `"sdk-guest"`).
///
/// The first call in a test process builds the whole fixtures workspace (a
/// no-op when it is up to date); every later call reuses that result. Panics
/// with cargo's output if the build fails, or if `name` is not a fixture.
pub fn guest(name: &str) -> PathBuf {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    if let Err(message) = BUILT.get_or_init(build_all) {
        panic!("building the guest fixtures failed:\n{message}");
    }
    let dir = guest_out_dir();
    // Libraries (cdylib) are named with `_`, binaries keep their `-`.
    let mut candidates = vec![dir.join(format!("{}.wasm", name.replace('-', "_")))];
    if name.contains('-') {
        candidates.push(dir.join(format!("{name}.wasm")));
    }
    candidates
        .iter()
        .find(|path| path.is_file())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "no guest fixture {name:?}: none of {} exists (the fixtures are \
                 hostile, echo-target, cli-tool, http-proxy, pipeline-step, tp-grep, tp-toml and sdk-guest)",
                candidates
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}
