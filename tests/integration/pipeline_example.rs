//! The order-flow example (`examples/order-flow`, run by the README's pipeline
//! command) through the real binary: its six guest crates built from source
//! as a cargo workspace, the happy path, a retried gateway timeout, a declined
//! card undone by `release`, too little stock undone by `refund`, and its
//! `tests/*.toml`.
//!
//! The example is copied (without build output) into a temp dir, with the SDK
//! it depends on by path (`../../sdk`) in the same layout, so the source tree
//! stays clean; cargo builds into `target/example-order-flow`, so its
//! dependencies compile once per machine. One test, run step by step: each
//! copy of the workspace rebuilds its members.

use std::path::{Path, PathBuf};

use super::support::{cli, redact, repo, stdout};

const MEMBERS: [&str; 6] = [
    "validate", "reserve", "charge", "confirm", "release", "refund",
];

const ORDER: &str = r#"{"order":"o-1","item":"book","qty":2,"card":"4242 4242 4242 4242"}"#;
const DECLINED: &str = r#"{"order":"o-2","item":"book","qty":2,"card":"4242 4242 4242 0000"}"#;
const FLAKY: &str = r#"{"order":"o-3","item":"pen","qty":3,"card":"4242 4242 4242 9999"}"#;
const TOO_MANY: &str = r#"{"order":"o-4","item":"book","qty":9,"card":"4242 4242 4242 4242"}"#;

/// Flags of the outer build that do not apply to the wasm guests (coverage
/// instrumentation, a forced target).
const SCRUBBED_ENV: &[&str] = &[
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "CARGO_BUILD_TARGET",
];

fn source() -> PathBuf {
    repo().join("examples").join("order-flow")
}

/// Copies `from` into `to`, leaving out every `target` directory.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "target" {
                copy_tree(&src, &dst);
            }
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// The CLI in `cwd`, with the example's own cargo target dir and key-value
/// state under `state`.
fn airssys(cwd: &Path, state: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = cli();
    cmd.current_dir(cwd)
        .env(
            "CARGO_TARGET_DIR",
            repo().join("target").join("example-order-flow"),
        )
        .env("AIRSSYS_RUN_STATE_DIR", state)
        .args(args);
    for name in SCRUBBED_ENV {
        cmd.env_remove(name);
    }
    cmd.output().unwrap()
}

fn stderr(output: &std::process::Output, tmp: &Path) -> String {
    redact(&String::from_utf8_lossy(&output.stderr), tmp)
}

#[test]
fn the_order_flow_example_runs_and_compensates() {
    let tmp = tempfile::tempdir().unwrap();
    // The members depend on the SDK by path, `../../sdk/airssys-wasm-sdk`.
    copy_tree(&repo().join("sdk"), &tmp.path().join("sdk"));
    let root = &tmp.path().join("examples");
    let root = root.as_path();
    let example = root.join("order-flow");
    copy_tree(&source(), &example);
    let state = root.join(".state");
    let lock_before = std::fs::read_to_string(example.join("Cargo.lock")).unwrap();
    for member in MEMBERS {
        assert!(
            !example.join(member).join("wit").exists(),
            "{member} takes the contract from the SDK, not from a wit/ of its own"
        );
    }

    // validate: the graph and every node's manifest, before anything is built.
    let out = airssys(root, &state, &["pipeline", "validate", "order-flow"]);
    let text = stderr(&out, root);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("Graph 4 nodes, acyclic; output from `confirm`"),
        "{text}"
    );
    assert!(
        text.contains("Undo reserve → order-flow/release (release 0.1.0)"),
        "{text}"
    );
    assert!(text.contains("Valid order-flow (0 warnings)"), "{text}");

    // The happy path, from inside a member's directory: the first run builds
    // every component (relative paths resolve from the pipeline file).
    let out = airssys(
        &example.join("charge"),
        &state,
        &["pipeline", "run", "..", "--input", ORDER, "--trace"],
    );
    let text = stderr(&out, root);
    assert!(out.status.success(), "{text}");
    let confirmation: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        confirmation,
        serde_json::json!({
            "order": "o-1", "status": "confirmed", "item": "book", "qty": 2,
            "reservation": "r-o-1", "paid": "25.00 EUR", "payment": "p-o-1",
        })
    );
    let trace: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("order-flow 0.1.0"))
        .collect();
    assert!(
        trace[0].starts_with("order-flow 0.1.0  run-") && trace[0].contains("-1  ok  "),
        "{text}"
    );
    assert!(trace[1].starts_with("├── validate  succeeded  +"), "{text}");
    assert!(trace[2].starts_with("├── reserve   succeeded  +"), "{text}");
    assert!(trace[3].starts_with("├── charge    succeeded  +"), "{text}");
    assert!(trace[4].starts_with("└── confirm   succeeded  +"), "{text}");
    assert!(
        text.contains("[reserve 0.1.0] INFO  reserved 2 × book for order o-1"),
        "{text}"
    );

    // A declined card: not retried (invalid-input is no transient failure);
    // reserve, which ran beside charge, is undone by release.
    let file = example.join("Pipeline.toml");
    let file = file.to_str().unwrap();
    let out = airssys(
        root,
        &state,
        &["pipeline", "run", file, "--input", DECLINED, "--trace"],
    );
    let text = stderr(&out, root);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(stdout(&out), "");
    for line in [
        "├── charge    failed  +",
        "invalid-input: card declined (card ending 0000)",
        "├── confirm   not run",
        "└── compensations (latest first)",
        "    ├── reserve   undone  ",
        "    └── validate  stands (no compensation declared)",
        "[release 0.1.0] WARN  released 2 × book of order o-2: charge failed (card declined (card ending 0000))",
        "error: node `charge` failed (invalid-input): card declined (card ending 0000)",
        "caused by: compensated: reserve",
        "caused by: not compensated (their work stands): validate",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    assert!(
        !text.contains("attempt 2"),
        "a decline is not retried: {text}"
    );

    // The same run as JSON: one attempt at charge, the compensations in order.
    let out = airssys(
        root,
        &state,
        &[
            "pipeline",
            "run",
            "order-flow",
            "--input",
            DECLINED,
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["result"]["ok"], false);
    assert_eq!(report["result"]["failure"]["node"], "charge");
    assert_eq!(
        report["result"]["failure"]["error"]["kind"],
        "invalid-input"
    );
    assert_eq!(
        report["result"]["failure"]["compensated"],
        serde_json::json!(["reserve"])
    );
    assert_eq!(report["nodes"][2]["node"], "charge");
    assert_eq!(report["nodes"][2]["attempts"].as_array().unwrap().len(), 1);
    let compensations: Vec<(&str, &str)> = report["compensations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["node"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        compensations,
        [("reserve", "compensated"), ("validate", "not-declared")]
    );

    // A gateway timeout (`internal`) is retried, and the second attempt pays.
    let out = airssys(
        root,
        &state,
        &[
            "pipeline",
            "run",
            "order-flow",
            "--input",
            FLAKY,
            "--format",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out, root));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let attempts = report["nodes"][2]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{report:#}");
    assert_eq!(attempts[0]["error"]["kind"], "internal");
    assert!(attempts[1].get("error").is_none(), "{report:#}");

    // Too little stock: charge, which ran beside reserve, is refunded.
    let out = airssys(
        root,
        &state,
        &[
            "pipeline",
            "run",
            "order-flow",
            "--input",
            TOO_MANY,
            "--trace",
        ],
    );
    let text = stderr(&out, root);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for line in [
        "not-found: out of stock: 9 × book wanted, 5 left",
        "    ├── charge    undone  ",
        "[refund 0.1.0] WARN  refunded 112.50 EUR to the card ending 4242 for order o-4",
        "caused by: compensated: charge",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }

    // The example's own cases.
    let out = airssys(root, &state, &["test", "order-flow"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out, root));
    assert!(text.contains("5 passed, 0 failed"), "{text}");

    // The committed lock file was complete: building did not change it.
    let lock_after = std::fs::read_to_string(example.join("Cargo.lock")).unwrap();
    assert!(
        lock_before == lock_after,
        "examples/order-flow/Cargo.lock is out of date: build the example once (`cargo build --target wasm32-wasip2` in examples/order-flow) and keep the updated lock"
    );
}
