//! A studio workspace of real components (the `pipeline-step` guest under
//! several manifests, and the `http-proxy` guest), and a running `studio`.

use std::path::Path;

use super::guests::guest;
use super::host::Admin;
use super::server::Server;
use super::{cli, stdout};

/// A `pipeline-step` project `name` with `[config]` lines `config` and the
/// grants the guest imports (unless `grants` is false).
pub fn step_project(root: &Path, name: &str, config: &str, grants: bool) {
    let dir = root.join(name);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::copy(guest("pipeline-step"), dir.join("component.wasm")).unwrap();
    let grants = if grants {
        "[permissions.filesystem]\nreadable_paths = [\"data/**\"]\n\n[permissions.storage]\nkey_value = true\n\n"
    } else {
        ""
    };
    std::fs::write(
        dir.join("Component.toml"),
        format!(
            "[component]\nname = \"{name}\"\nversion = \"0.1.0\"\nlanguage = \"prebuilt\"\n\n\
             [build]\noutput = \"component.wasm\"\n\n{grants}[config]\nstep = \"{name}\"\n{config}\n"
        ),
    )
    .unwrap();
}

/// `root` with projects `upper` (appends `|U`), `exclaim` (`!`), `wrap` (`]`),
/// `charge` (fails on `decline` with `invalid-input`), `refund` (a
/// compensation recorder), `leaky` (imports what its manifest does not grant)
/// and `web` (a `wasi:http/proxy` component).
pub fn workspace(root: &Path) {
    step_project(root, "upper", "suffix = \"|U\"", true);
    step_project(root, "exclaim", "suffix = \"!\"", true);
    step_project(root, "wrap", "suffix = \"]\"", true);
    step_project(
        root,
        "charge",
        "suffix = \"|charged\"\nfail_on = \"decline\"\nfail_kind = \"invalid-input\"",
        true,
    );
    step_project(root, "refund", "record = \"node\"", true);
    step_project(root, "leaky", "", false);
    let web = root.join("web");
    std::fs::create_dir_all(&web).unwrap();
    std::fs::copy(guest("http-proxy"), web.join("component.wasm")).unwrap();
    std::fs::write(
        web.join("Component.toml"),
        "[component]\nname = \"web\"\nversion = \"0.1.0\"\nlanguage = \"prebuilt\"\nworld = \"wasi:http/proxy\"\n\n[build]\noutput = \"component.wasm\"\n",
    )
    .unwrap();
}

/// A running `studio` on `root` (state in `state`) and its admin API.
pub fn start(root: &Path, state: &Path) -> (Server, Admin) {
    let server = Server::start(
        root,
        &[
            "studio",
            ".",
            "--listen",
            "127.0.0.1:0",
            "--state",
            state.to_str().unwrap(),
        ],
    );
    let admin = Admin::new(&server, state);
    (server, admin)
}

/// `pipeline run DIR --input INPUT` from the CLI (its key-value stores under
/// `state`): the run's stdout, asserting it succeeded.
pub fn pipeline_run(dir: &Path, state: &Path, input: &str) -> String {
    let out = cli()
        .current_dir(dir)
        .env("AIRSSYS_RUN_STATE_DIR", state)
        .args(["pipeline", "run", ".", "--input", input])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out)
}
