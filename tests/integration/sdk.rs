//! The guest SDK on the real toolchain and runtime: the `rust` template (an SDK
//! project) builds offline from the SDK this binary carries, passes its cases and
//! its native `cargo test`, imports only what it uses, and an SDK component keeps
//! the instance-mode rules, typed config and host-service denials of the runtime.

use airssys_wasm::runtime::{GuestErrorKind, InvokeError};

use super::support::guests::guest;
use super::support::sandbox::{err, load_guest, ok, runtime};
use super::support::{cli, guest_target_dir, stderr_in, stdout};

const WORLD: &str = "airssys:core/component";

/// The airssys:core services a component imports (`types` holds only type
/// definitions, no functions), unversioned, sorted.
fn core_imports(wasm: &std::path::Path) -> Vec<String> {
    let info = airssys_wasm::component::inspect_file(wasm).unwrap();
    let mut names: Vec<String> = info
        .imported_interfaces()
        .filter(|i| i.is_package("airssys", "core"))
        .map(|i| i.unversioned())
        .filter(|name| name != "airssys:core/types")
        .collect();
    names.sort();
    names
}

#[test]
fn the_sdk_template_builds_tests_natively_and_imports_only_logging() {
    let tmp = tempfile::tempdir().unwrap();
    let output = cli()
        .current_dir(tmp.path())
        .args(["init", "greeter", "--yes"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        stderr_in(&output, tmp.path())
    );
    let dir = tmp.path().join("greeter");

    let output = cli().current_dir(&dir).arg("build").output().unwrap();
    let stderr = stderr_in(&output, tmp.path());
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("airssys-wasm-sdk v0.1.0 (") || stderr.contains("Finished"),
        "{stderr}"
    );
    // A component that only logs imports only logging: the SDK's bindings for
    // key-value and messaging leave no trace, so the static check stays exact.
    let artifact = dir.join("target/airssys/greeter-0.1.0.wasm");
    assert_eq!(core_imports(&artifact), ["airssys:core/logging"]);

    let output = cli().current_dir(&dir).arg("test").output().unwrap();
    let report = stdout(&output) + &stderr_in(&output, tmp.path());
    assert!(output.status.success(), "{report}");
    assert!(report.contains("5 passed, 0 failed"), "{report}");

    let output = cli()
        .current_dir(&dir)
        .args(["run", "--input", "añb"])
        .output()
        .unwrap();
    assert_eq!(stdout(&output), "bña");

    // The same component logic under plain `cargo test`, natively, through the
    // `.cargo/config.toml` that `init` wrote.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["test", "--color=never"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", guest_target_dir())
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .output()
        .unwrap();
    let text = format!("{}{}", stdout(&output), stderr_in(&output, tmp.path()));
    assert!(output.status.success(), "{text}");
    assert!(text.contains("test result: ok. 3 passed"), "{text}");

    // With the registry crates in cargo's cache (the builds above put them
    // there), a new project builds with the network off: the SDK never comes
    // from the network.
    let output = cli()
        .current_dir(tmp.path())
        .args(["init", "offline", "--yes"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let output = cli()
        .current_dir(tmp.path().join("offline"))
        .arg("build")
        .env("CARGO_NET_OFFLINE", "true")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        stderr_in(&output, tmp.path())
    );
}

#[test]
fn an_sdk_component_imports_the_services_it_uses() {
    assert_eq!(
        core_imports(&guest("sdk-guest")),
        [
            "airssys:core/key-value",
            "airssys:core/logging",
            "airssys:core/messaging"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_component_value_lives_across_pooled_calls_only() {
    let (rt, sink) = runtime();
    let here = std::path::Path::new(".");
    let pooled = load_guest(&rt, "sdk-guest", "pooled", WORLD, "", here).unwrap();
    for expected in 1..=3 {
        assert_eq!(ok(&rt, &pooled, "count").await, expected.to_string());
    }
    let fresh = load_guest(
        &rt,
        "sdk-guest",
        "fresh",
        WORLD,
        "[runtime]\ninstance_mode = \"per-request\"\n",
        here,
    )
    .unwrap();
    for _ in 0..3 {
        assert_eq!(ok(&rt, &fresh, "count").await, "1");
    }
    let shutdowns = |name: &str| {
        sink.logs()
            .iter()
            .filter(|(c, _, m)| c == name && m.starts_with("shutdown after"))
            .map(|(_, _, m)| m.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        shutdowns("fresh"),
        ["shutdown after 1 calls"; 3],
        "Component::shutdown runs on the value of every per-request instance"
    );
    rt.shutdown().await;
    assert_eq!(shutdowns("pooled"), ["shutdown after 3 calls"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn typed_config_reaches_init_and_bad_config_names_the_key() {
    let (rt, _) = runtime();
    let here = std::path::Path::new(".");
    let loud = load_guest(
        &rt,
        "sdk-guest",
        "loud",
        WORLD,
        "[config]\nprefix = \"> \"\nlimit = 8\nmode = \"loud\"\n",
        here,
    )
    .unwrap();
    assert_eq!(ok(&rt, &loud, "hey").await, "> HEY");
    match err(&rt, &loud, "much too long").await {
        InvokeError::Component(g) => {
            assert_eq!(g.kind, GuestErrorKind::InvalidInput);
            assert!(g.message.contains("limit of 8"), "{g}");
        }
        other => panic!("{other}"),
    }
    match err(&rt, &loud, "sum:[1, two]").await {
        InvokeError::Component(g) => {
            assert_eq!(g.kind, GuestErrorKind::InvalidInput, "{g}");
            assert!(g.message.contains("not the expected JSON"), "{g}");
        }
        other => panic!("{other}"),
    }
    assert_eq!(ok(&rt, &loud, "sum:[1, 2, 39]").await, "42");

    for (config, expected) in [
        (
            "limit = \"lots\"",
            "`limit` = \"lots\" is not a non-negative integer",
        ),
        ("mode = \"quiet\"", "`mode`: unknown variant `quiet`"),
        ("colour = \"red\"", "unknown field `colour`"),
    ] {
        let extra = format!("[runtime]\ninstance_mode = \"per-request\"\n[config]\n{config}\n");
        let error = match load_guest(&rt, "sdk-guest", "bad", WORLD, &extra, here) {
            Err(e) => e.to_string(),
            Ok(c) => err(&rt, &c, "hi").await.to_string(),
        };
        assert!(error.contains("invalid-input"), "{config}: {error}");
        assert!(error.contains(expected), "{config}: {error}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn host_services_through_the_sdk_are_granted_or_denied_by_the_runtime() {
    let (rt, sink) = runtime();
    let here = std::path::Path::new(".");
    load_guest(&rt, "echo-target", "echo-target", WORLD, "", here).unwrap();

    let bare = load_guest(&rt, "sdk-guest", "bare", WORLD, "", here).unwrap();
    match err(&rt, &bare, "kv-incr:visits").await {
        InvokeError::Component(g) => assert_eq!(g.kind, GuestErrorKind::PermissionDenied, "{g}"),
        other => panic!("{other}"),
    }
    assert!(
        sink.denials()
            .iter()
            .any(|d| d.help.contains("[permissions.storage]")),
        "the denial names the grant: {:?}",
        sink.denials()
    );
    match err(&rt, &bare, "call:echo-target:hi").await {
        InvokeError::Component(g) => assert_eq!(g.kind, GuestErrorKind::PermissionDenied, "{g}"),
        other => panic!("{other}"),
    }

    let granted = load_guest(
        &rt,
        "sdk-guest",
        "granted",
        WORLD,
        "[permissions.storage]\nkey_value = true\n\
         [permissions.messaging]\ntargets = [\"echo-target\", \"absent\"]\n",
        here,
    )
    .unwrap();
    assert_eq!(ok(&rt, &granted, "kv-incr:visits").await, "1");
    assert_eq!(ok(&rt, &granted, "kv-incr:visits").await, "2");
    assert_eq!(ok(&rt, &granted, "call:echo-target:hi").await, "echo:hi");
    match err(&rt, &granted, "call:absent:hi").await {
        InvokeError::Component(g) => assert_eq!(g.kind, GuestErrorKind::NotFound, "{g}"),
        other => panic!("{other}"),
    }
}

#[test]
fn a_project_asking_for_another_sdk_version_is_told_how_to_fix_it() {
    let tmp = tempfile::tempdir().unwrap();
    let output = cli()
        .current_dir(tmp.path())
        .args(["init", "old", "--yes"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let cargo = tmp.path().join("old/Cargo.toml");
    let text = std::fs::read_to_string(&cargo).unwrap();
    std::fs::write(&cargo, text.replace("\"0.1.0\"", "\"0.0.9\"")).unwrap();
    let output = cli()
        .current_dir(tmp.path().join("old"))
        .arg("build")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stderr_in(&output, tmp.path()));
}
