//! The pipeline editor end to end: headless Chromium (Debian's package) driven
//! over WebDriver with real pointer and keyboard input, against a real
//! `studio` or `serve`. Each step leaves a screenshot in
//! `target/ui-screenshots/<test>/`.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use fantoccini::key::Key;
use serde_json::Value;

use super::support::browser::Browser;
use super::support::cli;
use super::support::host::{self, Admin};
use super::support::studio::{pipeline_run, start, workspace};

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// A palette item, by the reference it adds.
fn palette(reference: &str) -> String {
    format!("[data-testid=\"palette-item\"][data-reference=\"{reference}\"]")
}

/// A node on the canvas, by name.
fn node(name: &str) -> String {
    format!(".react-flow__node[data-id=\"{name}\"]")
}

/// Drags from `from`'s source handle to `to`'s target handle.
async fn connect(b: &Browser, from: &str, to: &str) {
    let source = b
        .css(&format!("{} .react-flow__handle.source", node(from)))
        .await;
    let target = b
        .css(&format!("{} .react-flow__handle.target", node(to)))
        .await;
    b.drag(&source, &target, 0.0, 0.0).await;
}

/// The `Pipeline.toml` text the editor holds now (the Source tab).
async fn source(b: &Browser) -> String {
    b.client
        .execute(
            "return document.querySelector('[data-testid=\"source\"]').textContent",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Waits until the editor's text contains `needle`.
async fn source_contains(b: &Browser, needle: &str) {
    let script = format!(
        "return document.querySelector('[data-testid=\"source\"]').textContent.includes({})",
        Value::from(needle)
    );
    b.until(&format!("the source to contain {needle:?}"), &script)
        .await;
}

/// Waits until `path` holds `needle`.
async fn file_contains(path: &Path, needle: &str) -> String {
    for _ in 0..200 {
        if let Ok(text) = std::fs::read_to_string(path)
            && text.contains(needle)
        {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{} never contained {needle:?}", path.display());
}

#[test]
fn a_pipeline_built_by_dragging_and_connecting_saves_and_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, state) = (tmp.path().join("shout"), tmp.path().join("state"));
    workspace(&root);
    let (server, admin) = start(&root, &state);
    let saved = block_on(async {
        let mut b = Browser::start("build-from-scratch").await;
        b.open_editor(&server.addr, &admin.token).await;
        b.click("new-pipeline").await;
        b.type_into("new-file-name", "Pipeline.toml").await;
        b.click("new-file-create").await;
        b.screenshot("empty-canvas").await;

        let canvas = b.css(".react-flow__pane").await;
        for (reference, dx) in [("upper", -380.0), ("exclaim", -80.0), ("wrap", 220.0)] {
            let item = b.css(&palette(reference)).await;
            b.drag(&item, &canvas, dx, -120.0).await;
            b.css(&node(reference)).await;
        }
        b.screenshot("three-nodes").await;
        connect(&b, "upper", "exclaim").await;
        source_contains(&b, "needs = [\"upper\"]").await;
        connect(&b, "exclaim", "wrap").await;
        source_contains(&b, "needs = [\"exclaim\"]").await;
        b.screenshot("connected").await;

        // Delete removes the selected node (and its edges); Ctrl+Z brings it back.
        b.css(&node("wrap")).await.click().await.unwrap();
        b.press(&[Key::Delete.into()]).await;
        b.until(
            "the node to be deleted",
            "return !document.querySelector('.react-flow__node[data-id=\"wrap\"]') && !document.querySelector('[data-testid=source]').textContent.includes('[nodes.wrap]')",
        )
        .await;
        b.press(&[Key::Control.into(), 'z']).await;
        source_contains(&b, "[nodes.wrap]").await;
        b.css(&node("wrap")).await;

        b.click("save").await;
        let saved = file_contains(&root.join("Pipeline.toml"), "[nodes.wrap]").await;
        b.screenshot("saved").await;
        assert_eq!(saved, source(&b).await);
        b.close().await;
        saved
    });
    insta::assert_snapshot!("built_by_drag_and_connect", saved);
    assert_eq!(pipeline_run(&root, &tmp.path().join("run"), "hi"), "hi|U!]");
}

/// A hand-written pipeline file, with comments.
const COMMENTED: &str = r#"# Shouts its input.
[pipeline]
name = "shout"        # the public name
version = "0.1.0"

# First, upper-case.
[nodes.upper]
component = "upper"

[nodes.exclaim]
component = "exclaim"
needs = ["upper"]

[nodes.exclaim.retry]
attempts = 2          # it is flaky
on = ["internal"]

# Last, wrap it.
[nodes.wrap]
component = "wrap"
needs = ["exclaim"]
"#;

/// Replaces the value of input `id` and commits it (Enter).
async fn set_field(b: &Browser, id: &str, value: &str) {
    let input = b.by_id(id).await;
    input.clear().await.unwrap();
    input
        .send_keys(&format!("{value}{}", char::from(Key::Enter)))
        .await
        .unwrap();
}

#[test]
fn an_imported_file_saves_with_exactly_the_edits_made() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, state) = (tmp.path().join("shout"), tmp.path().join("state"));
    workspace(&root);
    let file = root.join("Pipeline.toml");
    std::fs::write(&file, COMMENTED).unwrap();
    let (server, admin) = start(&root, &state);
    let saved = block_on(async {
        let mut b = Browser::start("import-edit-save").await;
        b.open_editor(&server.addr, &admin.token).await;
        let wrap = b.css(&node("wrap")).await;
        b.screenshot("imported").await;
        // Laid out automatically: the imported file has no positions.
        assert!(!source(&b).await.contains("position"));

        b.drag_by(&wrap, 0.0, 140.0).await;
        source_contains(&b, "position = [").await;
        b.css(&node("exclaim")).await.click().await.unwrap();
        set_field(&b, "node-retry-attempts", "4").await;
        source_contains(&b, "attempts = 4").await;
        b.screenshot("moved-and-edited").await;
        b.click("save").await;
        let saved = file_contains(&file, "attempts = 4").await;
        b.close().await;
        saved
    });
    let position = saved
        .lines()
        .find(|l| l.starts_with("position = ["))
        .unwrap_or_else(|| panic!("no position in\n{saved}"));
    let expected = format!(
        "{}{position}\n",
        COMMENTED.replace("attempts = 2          #", "attempts = 4          #")
    );
    assert_eq!(
        saved, expected,
        "the diff on disk is the move and the retry change"
    );
}

#[test]
fn cycles_dangling_needs_wrong_worlds_and_missing_grants_are_shown() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, state) = (tmp.path().join("shout"), tmp.path().join("state"));
    workspace(&root);
    let dangling = COMMENTED.replace("needs = [\"exclaim\"]", "needs = [\"exclaim\", \"ghost\"]");
    std::fs::write(root.join("Pipeline.toml"), &dangling).unwrap();
    let (server, admin) = start(&root, &state);
    block_on(async {
        let mut b = Browser::start("refusals").await;
        b.open_editor(&server.addr, &admin.token).await;
        // The dangling need: a ghost node, the edge flagged, the error listed.
        b.css("[data-testid=\"ghost-node\"][data-need=\"ghost\"]")
            .await;
        b.until(
            "the dangling need to be pinned on its edge",
            "return [...document.querySelectorAll('[data-testid=diagnostic]')].some(d => d.dataset.edge === 'ghost->wrap' && d.textContent.includes('ghost'))",
        )
        .await;
        b.css(&format!("{} .has-error", node("wrap"))).await;
        b.screenshot("dangling").await;

        // A cycle is refused with the reason, and the file is unchanged.
        connect(&b, "wrap", "upper").await;
        let toast = b.by_id("toast").await.text().await.unwrap();
        assert!(toast.contains("cycle"), "{toast}");
        assert!(!source(&b).await.contains("needs = [\"wrap\"]"));
        b.screenshot("cycle-refused").await;

        // A wasi:http/proxy component cannot be wired in.
        let canvas = b.css(".react-flow__pane").await;
        b.drag(&b.css(&palette("web")).await, &canvas, 250.0, 150.0)
            .await;
        b.css(&node("web")).await;
        connect(&b, "exclaim", "web").await;
        let toast = b.by_id("toast").await.text().await.unwrap();
        assert!(toast.contains("wasi:http/proxy"), "{toast}");

        // A component using what its manifest does not grant is flagged, and
        // the overlay says which grant is missing.
        b.drag(&b.css(&palette("leaky")).await, &canvas, -250.0, 150.0)
            .await;
        b.css(&format!("{} .has-error", node("leaky"))).await;
        b.click("overlay-capabilities").await;
        b.until(
            "the missing grants of `leaky`",
            "const n = document.querySelector('.react-flow__node[data-id=\"leaky\"]'); return n && n.textContent.includes('key_value')",
        )
        .await;
        let upper = b.css(&node("upper")).await.text().await.unwrap();
        assert!(upper.contains("data/**"), "{upper}");
        b.screenshot("missing-grant").await;
        b.close().await;
    });
}

const SAGA: &str = "[pipeline]\nname = \"saga\"\nversion = \"0.1.0\"\non_error = \"compensate\"\n\n\
    [nodes.upper]\ncomponent = \"upper\"\ncompensate = \"refund\"\n\n\
    [nodes.charge]\ncomponent = \"charge\"\nneeds = [\"upper\"]\n\n\
    [nodes.wrap]\ncomponent = \"wrap\"\nneeds = [\"charge\"]\n";

/// The trace rows shown: (node, status, text).
async fn trace(b: &Browser) -> Vec<(String, String, String)> {
    let mut rows = Vec::new();
    for row in b.all("[data-testid=\"trace-node\"]").await {
        rows.push((
            row.attr("data-node").await.unwrap().unwrap_or_default(),
            row.attr("data-status").await.unwrap().unwrap_or_default(),
            row.text().await.unwrap(),
        ));
    }
    rows
}

#[test]
fn a_run_paints_its_trace_with_failures_and_compensations() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, state) = (tmp.path().join("saga"), tmp.path().join("state"));
    workspace(&root);
    std::fs::write(root.join("Pipeline.toml"), SAGA).unwrap();
    let (server, admin) = start(&root, &state);
    block_on(async {
        let mut b = Browser::start("run-trace").await;
        b.open_editor(&server.addr, &admin.token).await;
        b.css(&node("charge")).await;
        b.click("tab-run").await;
        b.type_into("run-input", "hi").await;
        b.click("run-button").await;
        b.css("[data-testid=\"run-result\"][data-ok=\"true\"]")
            .await;
        assert_eq!(
            b.by_id("run-output").await.text().await.unwrap(),
            "hi|U|charged]"
        );
        let rows = trace(&b).await;
        let order: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(order, ["upper", "charge", "wrap"]);
        for (node, status, text) in &rows {
            assert_eq!(status, "succeeded", "{node}");
            assert!(text.contains(" ms"), "{node} shows its duration: {text}");
        }
        b.screenshot("succeeded").await;

        b.type_into("run-input", "decline").await;
        b.click("run-button").await;
        b.css("[data-testid=\"run-result\"][data-ok=\"false\"][data-node=\"charge\"]")
            .await;
        let rows = trace(&b).await;
        let statuses: Vec<(&str, &str)> =
            rows.iter().map(|r| (r.0.as_str(), r.1.as_str())).collect();
        assert_eq!(
            statuses,
            [
                ("upper", "succeeded"),
                ("charge", "failed"),
                ("wrap", "not-run")
            ]
        );
        assert!(rows[1].2.contains("invalid-input"), "{}", rows[1].2);
        let undone = b
            .css("[data-testid=\"trace-compensation\"][data-node=\"upper\"]")
            .await;
        assert_eq!(
            undone.attr("data-status").await.unwrap().as_deref(),
            Some("compensated")
        );
        b.css(".react-flow__node [data-node=\"upper\"][data-compensation=\"compensated\"]")
            .await;
        b.css(".react-flow__node [data-node=\"charge\"][data-run-status=\"failed\"]")
            .await;
        b.screenshot("compensated").await;
        b.close().await;
    });
}

#[test]
fn a_canary_deployed_from_the_editor_splits_traffic_and_is_promoted_by_ui() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, state) = (tmp.path().join("shout"), tmp.path().join("state"));
    workspace(&root);
    std::fs::write(root.join("Pipeline.toml"), COMMENTED).unwrap();
    let server = host::start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    let deployed = cli()
        .env("AIRSSYS_TOKEN", &admin.token)
        .args([
            "deploy",
            root.join("Pipeline.toml").to_str().unwrap(),
            "--host",
            &server.url(""),
        ])
        .output()
        .unwrap();
    assert!(
        deployed.status.success(),
        "{}",
        String::from_utf8_lossy(&deployed.stderr)
    );

    block_on(async {
        let mut b = Browser::start("deploy-canary").await;
        b.client.goto(&server.url("/ui/")).await.unwrap();
        // Without the token the page asks for it, and its API answers 401.
        b.by_id("token-modal").await;
        for path in ["/v1/admin/versions", "/v1/admin/status"] {
            assert_eq!(
                admin.request_as(Some(""), "GET", path, b"", &[]).status,
                401
            );
        }
        b.sign_in("not-the-token").await;
        let error = b.by_id("token-error").await.text().await.unwrap();
        assert!(error.contains("wrong admin token"), "{error}");
        b.screenshot("wrong-token").await;
        b.sign_in(&admin.token).await;

        // The active pipeline opens from the host; a new version is deployed.
        b.css(&node("wrap")).await;
        set_field(&b, "pipeline-version", "0.2.0").await;
        source_contains(&b, "version = \"0.2.0\"").await;
        b.click("tab-deploy").await;
        b.click("deploy-save").await;
        b.until(
            "the new version to be deployed",
            "return document.querySelector('[data-testid=deploy-result]').textContent.includes('0.2.0')",
        )
        .await;
        b.by_id("deploy-strategy")
            .await
            .select_by_value("canary")
            .await
            .unwrap();
        set_field(&b, "deploy-weight", "20").await;
        b.click("deploy-rollout").await;
        b.until(
            "the split to show the canary",
            "return document.querySelector('[data-testid=traffic-split]').textContent.includes('20%')",
        )
        .await;

        // Under load, whole runs split 80/20 between the versions, and the
        // canvas shows each node's live rate.
        let stop = Arc::new(AtomicBool::new(false));
        let url = server.url("/v1/pipelines/shout/invoke");
        let load = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let client = host::Client::default();
                let (mut calls, mut canary) = (0u32, 0u32);
                while calls < 1000 || !stop.load(Ordering::Relaxed) {
                    let r = client
                        .send("POST", &url, format!("x{calls}").as_bytes(), &[])
                        .unwrap();
                    assert_eq!(r.status, 200, "{}", r.body);
                    calls += 1;
                    canary += u32::from(r.header("x-airssys-version") == Some("0.2.0"));
                }
                (calls, canary)
            })
        };
        b.until(
            "live per-node rates",
            "return [...document.querySelectorAll('[data-testid=node-metrics]')].some(m => /[1-9][0-9.]* calls\\/s/.test(m.textContent))",
        )
        .await;
        b.until(
            "the measured share of the canary",
            "const m = document.querySelector('[data-testid=version-metrics][data-version=\"0.2.0\"]'); return m && /[1-9][0-9.]*% of runs/.test(m.textContent)",
        )
        .await;
        b.screenshot("canary-under-load").await;
        stop.store(true, Ordering::Relaxed);
        let (calls, canary) = load.join().unwrap();
        let share = f64::from(canary) / f64::from(calls);
        assert!(
            (0.15..=0.25).contains(&share),
            "{canary} of {calls} runs went to the canary"
        );

        b.click("promote").await;
        b.until(
            "the promotion",
            "return !document.querySelector('[data-testid=traffic-split]').textContent.includes('canary')",
        )
        .await;
        b.screenshot("promoted").await;
        b.close().await;
    });
    let status = host::json(&admin.request("GET", "/v1/admin/status", b""));
    assert!(
        status.to_string().contains(r#""active_version":"0.2.0""#),
        "{status}"
    );
    let audit = host::json(&admin.request("GET", "/v1/admin/audit?component=shout", b""));
    let by_ui: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor"] == "admin (claims \"ui\")")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in ["deploy", "update", "promote"] {
        assert!(by_ui.contains(&action), "`{action}` by the UI in {by_ui:?}");
    }
}
