//! Hostile guests on the real runtime: every escape attempt is denied with the
//! grant that would allow it, and the matching allowed operation works.

use airssys_wasm::runtime::{GuestErrorKind, InvokeError, MemorySink};

use super::support::sandbox::{call, err, hostile, load_guest, ok, runtime};

/// A data root with `data/in/ok.txt` (readable grant), `data/out/` (writable
/// grant), a secret outside both, and a symlink from inside to the secret.
fn data_root() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("data/in")).unwrap();
    std::fs::create_dir_all(root.path().join("data/out")).unwrap();
    std::fs::write(root.path().join("data/in/ok.txt"), "hello from the grant").unwrap();
    std::fs::write(root.path().join("secret.txt"), "TOP SECRET").unwrap();
    std::os::unix::fs::symlink(
        root.path().join("secret.txt"),
        root.path().join("data/in/link"),
    )
    .unwrap();
    std::os::unix::fs::symlink("../../secret.txt", root.path().join("data/in/rel-link")).unwrap();
    root
}

const FS_GRANTS: &str = "[permissions.filesystem]\nreadable_paths = [\"data/in/**\"]\nwritable_paths = [\"data/out/**\"]\n";

fn denied_text(e: &InvokeError) -> String {
    match e {
        InvokeError::Component(g) => {
            assert!(
                matches!(
                    g.kind,
                    GuestErrorKind::PermissionDenied | GuestErrorKind::NotFound
                ),
                "expected a denial, got {g}"
            );
            g.message.clone()
        }
        other => panic!("expected a component error, got {other}"),
    }
}

fn last_denial_help(sink: &MemorySink) -> String {
    sink.denials()
        .last()
        .map(|d| d.help.clone())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn files_outside_grants_cannot_be_read() {
    let root = data_root();
    let (rt, sink) = runtime();
    let c = hostile(&rt, FS_GRANTS, root.path());
    assert_eq!(
        ok(&rt, &c, "read:/data/in/ok.txt").await,
        "hello from the grant"
    );
    assert!(sink.denials().is_empty(), "allowed reads are not denials");
    // Outside every grant: the guest resolves the path against its preopens
    // and fails it itself (wasi-libc's `ENOENT`), as under `wasmtime run`.
    // The host never sees the attempt; the static check warns about it instead.
    for command in ["read:/secret.txt", "read:/etc/passwd", "list:/"] {
        let e = err(&rt, &c, command).await;
        let text = denied_text(&e);
        assert!(
            matches!(&e, InvokeError::Component(g) if g.kind == GuestErrorKind::NotFound),
            "{command}: {e}"
        );
        assert!(
            text.contains("outside every preopened directory: [/data/in, /data/out]"),
            "{command}: {text}"
        );
        assert!(!text.contains("TOP SECRET"), "{command} leaked: {text}");
    }
    assert!(sink.denials().is_empty(), "{:?}", sink.denials());
    // Through a grant, escapes reach the host: denied and reported once each.
    let escapes = [
        (
            "read:/data/in/../../secret.txt",
            "read of /secret.txt (open-at)",
            "paths cannot leave the granted directory /data/in (through `..` or an absolute path); to allow /secret.txt, add \"./**\" to [permissions.filesystem] readable_paths",
        ),
        (
            "read:/data/in/link",
            "read of /data/in/link (open-at)",
            "paths cannot leave the granted directory /data/in through symlinks: /data/in/link points to the absolute path ",
        ),
        (
            "read:/data/in/rel-link",
            "read of /data/in/rel-link (open-at)",
            "paths cannot leave the granted directory /data/in through symlinks: /data/in/rel-link points to /secret.txt; to allow /secret.txt, add \"./**\" to [permissions.filesystem] readable_paths",
        ),
    ];
    for (command, action, help) in escapes {
        let before = sink.denials().len();
        let text = denied_text(&err(&rt, &c, command).await);
        assert!(!text.contains("TOP SECRET"), "{command} leaked: {text}");
        let denials = sink.denials();
        let new = &denials[before..];
        assert_eq!(new.len(), 1, "{command}: one report: {new:?}");
        assert_eq!(new[0].action, action, "{command}");
        assert!(new[0].help.starts_with(help), "{command}: {}", new[0].help);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_grants_cannot_be_written() {
    let root = data_root();
    let (rt, sink) = runtime();
    let c = hostile(&rt, FS_GRANTS, root.path());
    denied_text(&err(&rt, &c, "write:/data/in/new.txt:x").await);
    denied_text(&err(&rt, &c, "write:/data/in/ok.txt:overwritten").await);
    let denials = sink.denials();
    let actions: Vec<&str> = denials.iter().map(|d| d.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "write to /data/in/new.txt (open-at)",
            "write to /data/in/ok.txt (open-at)"
        ],
        "one report per refused write"
    );
    let help = last_denial_help(&sink);
    assert_eq!(
        help,
        "move \"data/in/**\" from readable_paths to writable_paths in [permissions.filesystem]"
    );
    assert!(!root.path().join("data/in/new.txt").exists());
    assert_eq!(
        std::fs::read_to_string(root.path().join("data/in/ok.txt")).unwrap(),
        "hello from the grant"
    );
    assert_eq!(
        ok(&rt, &c, "write:/data/out/new.txt:written").await,
        "wrote 7 bytes"
    );
    assert_eq!(
        std::fs::read_to_string(root.path().join("data/out/new.txt")).unwrap(),
        "written"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_filesystem_grant_nothing_is_visible() {
    let root = data_root();
    let (rt, sink) = runtime();
    let c = hostile(&rt, "", root.path());
    // No preopen at all (as under `wasmtime run` without `--dir`): every path
    // is `not-found` in the guest, and nothing reaches the host.
    assert_eq!(ok(&rt, &c, "preopens").await, "");
    for command in [
        "read:/data/in/ok.txt",
        "write:/data/out/x.txt:x",
        "read:ok.txt",
    ] {
        let e = err(&rt, &c, command).await;
        denied_text(&e);
        assert!(
            matches!(&e, InvokeError::Component(g) if g.kind == GuestErrorKind::NotFound),
            "{command}: {e}"
        );
    }
    assert!(!root.path().join("data/out/x.txt").exists());
    assert!(sink.denials().is_empty(), "{:?}", sink.denials());
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_only_reach_listed_hosts_and_ports() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let other_port = other.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            drop(stream);
        }
    });
    let (rt, sink) = runtime();
    let grant = format!("[permissions.network]\nallowed_hosts = [\"127.0.0.1:{port}\"]\n");
    let c = hostile(&rt, &grant, std::path::Path::new("."));
    let connected = ok(&rt, &c, &format!("connect:127.0.0.1:{port}")).await;
    assert!(
        connected.contains(&format!("127.0.0.1:{port}")),
        "{connected}"
    );

    denied_text(&err(&rt, &c, &format!("connect:127.0.0.1:{other_port}")).await);
    assert_eq!(
        last_denial_help(&sink),
        format!("add \"127.0.0.1:{other_port}\" to [permissions.network] allowed_hosts")
    );

    // No grant at all: denied the same way, naming the key to add.
    let (rt, sink) = runtime();
    let c = hostile(&rt, "", std::path::Path::new("."));
    denied_text(&err(&rt, &c, &format!("connect:127.0.0.1:{port}")).await);
    assert_eq!(
        last_denial_help(&sink),
        format!("add \"127.0.0.1:{port}\" to [permissions.network] allowed_hosts")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_granted_names_resolve_and_connect() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(2) {
            drop(stream);
        }
    });
    let (rt, sink) = runtime();
    let grant = format!("[permissions.network]\nallowed_hosts = [\"localhost:{port}\"]\n");
    let c = hostile(&rt, &grant, std::path::Path::new("."));
    denied_text(&err(&rt, &c, "resolve:example.com").await);
    assert_eq!(
        last_denial_help(&sink),
        "add \"example.com\" to [permissions.network] allowed_hosts"
    );
    let resolved = ok(&rt, &c, "resolve:localhost").await;
    assert!(resolved.contains("127.0.0.1"), "{resolved}");
    let connected = ok(&rt, &c, &format!("connect:localhost:{port}")).await;
    assert!(connected.contains(&port.to_string()), "{connected}");
    // The granted name on another port is refused, and the help says so.
    denied_text(
        &err(
            &rt,
            &c,
            &format!("connect:localhost:{}", port.wrapping_add(1).max(1)),
        )
        .await,
    );
    assert!(
        last_denial_help(&sink).starts_with("add \"localhost:"),
        "{}",
        last_denial_help(&sink)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn key_value_needs_its_grant_and_respects_the_quota() {
    let (rt, sink) = runtime();
    let c = hostile(&rt, "", std::path::Path::new("."));
    let e = err(&rt, &c, "kv-set:k:v").await;
    assert!(denied_text(&e).contains("[permissions.storage]"));
    assert_eq!(
        last_denial_help(&sink),
        "add `key_value = true` to [permissions.storage]"
    );

    let grant = "[permissions.storage]\nkey_value = true\nmax_bytes = 4096\n";
    let a = load_guest(
        &rt,
        "hostile",
        "alpha",
        "airssys:core/component",
        grant,
        std::path::Path::new("."),
    )
    .unwrap();
    let b = load_guest(
        &rt,
        "hostile",
        "beta",
        "airssys:core/component",
        grant,
        std::path::Path::new("."),
    )
    .unwrap();
    ok(&rt, &a, "kv-set:color:blue").await;
    assert_eq!(ok(&rt, &a, "kv-get:color").await, "blue");
    assert_eq!(
        ok(&rt, &b, "kv-get:color").await,
        "<none>",
        "stores are private per component"
    );
    let e = err(&rt, &a, "kv-fill:10").await;
    assert!(denied_text(&e).contains("quota"), "{e}");
    assert_eq!(
        last_denial_help(&sink),
        "raise [permissions.storage] max_bytes, or delete keys first"
    );
    assert_eq!(
        ok(&rt, &a, "kv-get:color").await,
        "blue",
        "a refused write changes nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn messaging_reaches_only_listed_targets() {
    let (rt, sink) = runtime();
    let here = std::path::Path::new(".");
    load_guest(
        &rt,
        "echo-target",
        "echo-target",
        "airssys:core/component",
        "",
        here,
    )
    .unwrap();
    let c = hostile(&rt, "", here);
    denied_text(&err(&rt, &c, "call:echo-target:hi").await);
    assert_eq!(
        last_denial_help(&sink),
        "add \"echo-target\" to [permissions.messaging] targets"
    );

    let c = hostile(
        &rt,
        "[permissions.messaging]\ntargets = [\"echo-target\", \"absent\"]\n",
        here,
    );
    assert_eq!(ok(&rt, &c, "call:echo-target:hi").await, "echo:hi");
    denied_text(&err(&rt, &c, "call:other:hi").await);
    match err(&rt, &c, "call:absent:hi").await {
        InvokeError::Component(g) => assert_eq!(g.kind, GuestErrorKind::NotFound, "{g}"),
        other => panic!("{other}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pooled_instance_near_its_memory_cap_is_replaced_before_a_call_fails() {
    let (rt, _) = runtime();
    let c = hostile(
        &rt,
        "[runtime]\ninstance_mode = \"pooled\"\n[resources]\nmax_memory_bytes = 16777216\n",
        std::path::Path::new("."),
    );
    assert_eq!(ok(&rt, &c, "count").await, "1");
    assert_eq!(ok(&rt, &c, "count").await, "2");
    // Past three quarters of the cap, the instance serves this call and is then
    // retired (memory never shrinks); the next call gets a fresh one.
    ok(&rt, &c, "grow:13000000").await;
    assert_eq!(ok(&rt, &c, "count").await, "1");
    assert_eq!(ok(&rt, &c, "count").await, "2", "the fresh one is pooled");
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_growth_past_the_cap_traps_with_the_limit() {
    let (rt, _) = runtime();
    let c = hostile(
        &rt,
        "[resources]\nmax_memory_bytes = 8388608\n",
        std::path::Path::new("."),
    );
    assert_eq!(ok(&rt, &c, "grow:1048576").await, "allocated 1048576");
    match err(&rt, &c, "grow:67108864").await {
        InvokeError::MemoryLimit { limit, requested } => {
            assert_eq!(limit, 8 << 20);
            assert!(requested > limit);
        }
        other => panic!("expected the memory limit, got {other}"),
    }
    assert_eq!(
        ok(&rt, &c, "echo:still alive").await,
        "still alive",
        "a fresh instance serves"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn endless_loops_are_interrupted_by_time_and_by_fuel() {
    let (rt, _) = runtime();
    let here = std::path::Path::new(".");
    let c = hostile(&rt, "[resources]\nmax_execution_ms = 200\n", here);
    match err(&rt, &c, "loop").await {
        InvokeError::Timeout { limit_ms } => assert_eq!(limit_ms, 200),
        other => panic!("expected a timeout, got {other}"),
    }
    let e = err(&rt, &c, "sleep:5000").await;
    assert!(
        matches!(e, InvokeError::Timeout { .. }),
        "blocked in the host: {e}"
    );
    assert_eq!(
        e.to_string(),
        "exceeded max_execution_ms: the call ran longer than 200 ms"
    );

    let fueled = load_guest(
        &rt,
        "hostile",
        "fueled",
        "airssys:core/component",
        "[resources]\nmax_fuel = 5000000\nmax_execution_ms = 60000\n",
        here,
    )
    .unwrap();
    match err(&rt, &fueled, "loop").await {
        InvokeError::FuelExhausted { fuel } => assert_eq!(fuel, 5_000_000),
        other => panic!("expected fuel exhaustion, got {other}"),
    }
    assert_eq!(ok(&rt, &fueled, "echo:ok").await, "ok");
}

#[tokio::test(flavor = "multi_thread")]
async fn endless_recursion_is_a_stack_overflow_and_panics_are_traps() {
    let (rt, _) = runtime();
    let c = hostile(
        &rt,
        "[resources]\nmax_execution_ms = 10000\n",
        std::path::Path::new("."),
    );
    let e = err(&rt, &c, "recurse:0").await;
    assert!(matches!(e, InvokeError::StackOverflow { .. }), "{e} {e:?}");
    let e = err(&rt, &c, "panic").await;
    assert!(matches!(e, InvokeError::Trap { .. }), "{e}");
    assert_eq!(ok(&rt, &c, "echo:after").await, "after");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trapping_component_does_not_disturb_another() {
    let (rt, _) = runtime();
    let here = std::path::Path::new(".");
    let spinner = hostile(&rt, "[resources]\nmax_execution_ms = 400\n", here);
    let echo = load_guest(
        &rt,
        "echo-target",
        "echo-target",
        "airssys:core/component",
        "",
        here,
    )
    .unwrap();
    let rt2 = rt.clone();
    let spinning = tokio::spawn(async move { call(&rt2, &spinner, "loop").await });
    let mut answers = 0;
    for i in 0..40 {
        let out = call(&rt, &echo, &format!("m{i}"))
            .await
            .expect("the other component keeps serving");
        assert_eq!(out.data, format!("echo:m{i}").into_bytes());
        answers += 1;
    }
    assert!(matches!(
        spinning.await.unwrap(),
        Err(InvokeError::Timeout { .. })
    ));
    assert_eq!(answers, 40);
}

#[tokio::test(flavor = "multi_thread")]
async fn pooled_instances_are_reused_and_per_request_ones_are_not() {
    let (rt, sink) = runtime();
    let here = std::path::Path::new(".");
    let pooled = hostile(&rt, "[runtime]\ninstance_mode = \"pooled\"\n", here);
    for expected in 1..=3 {
        assert_eq!(ok(&rt, &pooled, "count").await, expected.to_string());
    }
    assert_eq!(pooled.idle_instances(), 1);
    let fresh = load_guest(
        &rt,
        "hostile",
        "fresh",
        "airssys:core/component",
        "[runtime]\ninstance_mode = \"per-request\"\n",
        here,
    )
    .unwrap();
    for _ in 0..3 {
        assert_eq!(ok(&rt, &fresh, "count").await, "1");
    }
    assert_eq!(fresh.idle_instances(), 0);
    let shutdowns = |name: &str| {
        sink.logs()
            .iter()
            .filter(|(c, _, m)| c == name && m.contains("shutdown"))
            .count()
    };
    assert_eq!(
        shutdowns("fresh"),
        3,
        "shutdown before every per-request instance is dropped"
    );
    assert_eq!(shutdowns("hostile"), 0);
    rt.shutdown().await;
    assert_eq!(shutdowns("hostile"), 1, "shutdown when the runtime stops");
}

#[tokio::test(flavor = "multi_thread")]
async fn max_instances_caps_concurrency() {
    let (rt, _) = runtime();
    let c = hostile(
        &rt,
        "[resources]\nmax_instances = 2\n",
        std::path::Path::new("."),
    );
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let (rt, c) = (rt.clone(), c.clone());
            tokio::spawn(async move { call(&rt, &c, "sleep:30").await })
        })
        .collect();
    for handle in calls {
        assert_eq!(
            handle.await.unwrap().expect("queued calls complete").data,
            b"slept"
        );
    }
    let idle = c.idle_instances();
    assert!(
        (1..=2).contains(&idle),
        "at most max_instances instances ever existed, found {idle}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn init_errors_and_config_reach_the_caller() {
    let (rt, _) = runtime();
    let here = std::path::Path::new(".");
    let c = hostile(&rt, "[config]\ngreeting = \"hi\"\n", here);
    assert_eq!(ok(&rt, &c, "config").await, "greeting=hi");
    let failing = load_guest(
        &rt,
        "hostile",
        "failing",
        "airssys:core/component",
        "[config]\ninit = \"fail\"\n",
        here,
    )
    .unwrap();
    let e = err(&rt, &failing, "echo:x").await;
    assert!(matches!(e, InvokeError::Init(_)), "{e}");
    assert!(e.to_string().contains("init rejected"), "{e}");
}

#[test]
fn unusable_components_are_refused_with_clear_errors() {
    let (rt, _) = runtime();
    let here = std::path::Path::new(".");
    let e = load_guest(&rt, "cli-tool", "tool", "airssys:core/component", "", here).unwrap_err();
    assert!(
        e.to_string()
            .contains("does not export `airssys:core/lifecycle`"),
        "{e}"
    );
    assert_eq!(
        e.help().as_deref(),
        Some("set `world = \"wasi:cli/command\"` in [component]")
    );

    let manifest = airssys_wasm::manifest::parse(
        "[component]\nname = \"core\"\nversion = \"1.0.0\"\n",
        std::path::Path::new("Component.toml"),
    )
    .unwrap();
    let module = ::wat::parse_str("(module)").unwrap();
    let e = rt
        .load(airssys_wasm::runtime::LoadOptions::new(
            manifest.clone(),
            module,
            here,
        ))
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("core WebAssembly module (a reactor: it exports functions, no `_start`), not a component"),
        "{e}"
    );

    let too_new = super::support::wat::airssys_component_with_stub(
        "package wasi:cli@0.2.99;\ninterface environment { get-environment: func() -> list<tuple<string, string>>; }",
        "import wasi:cli/environment@0.2.99;",
        &[super::support::wat::CoreImport {
            module: "wasi:cli/environment@0.2.99",
            name: "get-environment",
            signature: "(param i32)",
        }],
    );
    let e = rt
        .load(airssys_wasm::runtime::LoadOptions::new(
            manifest, too_new, here,
        ))
        .unwrap_err();
    let text = format!("{e} / {}", e.help().unwrap_or_default());
    assert!(
        text.contains("0.2.99") && text.contains("0.2.12"),
        "names both versions: {text}"
    );
}
