//! The pipeline executor against real guest components: every node is the
//! `pipeline-step` fixture loaded under its own manifest (its own name, config,
//! grants and limits), run on the embedded runtime. The tests prove fan-out
//! concurrency and the fan-in rule, fail-fast cancellation, retries, fallbacks,
//! compensation order, per-node sandboxes, the pipeline's deadline, and a
//! pipeline read from `Pipeline.toml`.
//!
//! Timing claims are read from the run's own trace (node and attempt offsets),
//! never from a wall-clock bound around the test.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use airssys_wasm::build::BuildProgress;
use airssys_wasm::pipeline::{
    self, Backoff, CompensationStatus, ErrorStrategy, NodeStatus, NodeTrace, Pipeline, RetryPolicy,
    RunFailure, RunReport,
};
use airssys_wasm::runtime::{Invocation, LoadedComponent, Runtime, RuntimeConfig};
use airssys_wasm::store::KvStore;

use super::support::guests::guest;
use super::support::sandbox::load_guest;

/// The grant a node needs to keep counters or a journal in key-value.
const KV: &str = "[permissions.storage]\nkey_value = true\n";

/// Room for a 2 s sleep, so only the pipeline (or a cancellation) cuts it short.
const LONG_CALLS: &str = "[resources]\nmax_execution_ms = 5000\n";

/// A runtime like the other in-process tests' (same compiled-component cache),
/// with its key-value store in the file `kv`, or in memory (fresh for each
/// runtime) when `None`.
fn runtime(kv: Option<&Path>) -> Runtime {
    Runtime::new(RuntimeConfig {
        cache_dir: Some(super::support::repo().join("target").join("test-compiled")),
        kv_path: kv.map(Path::to_path_buf),
        ..RuntimeConfig::default()
    })
    .expect("runtime starts")
}

/// `pipeline-step` loaded as component `name` with `[config] step = name` plus
/// `config`, then the manifest sections `extra`; grants resolve under `root`.
fn step(
    rt: &Runtime,
    name: &str,
    config: &[(&str, &str)],
    extra: &str,
    root: &Path,
) -> Arc<LoadedComponent> {
    let mut manifest = format!("[config]\nstep = \"{name}\"\n");
    for (key, value) in config {
        manifest.push_str(&format!("{key} = \"{value}\"\n"));
    }
    manifest.push_str(extra);
    load_guest(
        rt,
        "pipeline-step",
        name,
        "airssys:core/component",
        &manifest,
        root,
    )
    .unwrap_or_else(|e| panic!("pipeline-step loads as {name}: {e}"))
}

async fn run(pipeline: &Pipeline, rt: &Runtime, input: &str) -> RunReport {
    pipeline
        .run(rt, Invocation::new(input.as_bytes().to_vec()))
        .await
}

/// The output data of a run that must succeed, as text.
fn output(report: &RunReport) -> String {
    match &report.result {
        Ok(out) => String::from_utf8_lossy(&out.data).into_owned(),
        Err(e) => panic!("the run should succeed, got {e}\n{report:#?}"),
    }
}

/// Why a run that must fail failed.
fn failure(report: &RunReport) -> &RunFailure {
    match &report.result {
        Err(f) => f,
        Ok(out) => panic!(
            "the run should fail, got output {:?}\n{report:#?}",
            String::from_utf8_lossy(&out.data)
        ),
    }
}

fn trace<'a>(report: &'a RunReport, node: &str) -> &'a NodeTrace {
    report
        .node(node)
        .unwrap_or_else(|| panic!("no trace of node {node}: {report:#?}"))
}

/// The [start, end] interval of a node in the run's trace.
fn span(report: &RunReport, node: &str) -> (Duration, Duration) {
    let t = trace(report, node);
    match (t.start, t.end) {
        (Some(start), Some(end)) => (start, end),
        _ => panic!("node {node} has no start or end: {t:#?}"),
    }
}

/// Every interval starts before every other one ends: they all overlapped.
fn assert_pairwise_overlap(what: &str, intervals: &[(&str, Duration, Duration)]) {
    for (a, a_start, _) in intervals {
        for (b, _, b_end) in intervals {
            assert!(
                a == b || a_start < b_end,
                "{what}: {a} started at {a_start:?}, after {b} ended at {b_end:?}: {intervals:?}"
            );
        }
    }
}

/// The error kinds of a node's attempts, `None` for a success.
fn attempt_kinds(t: &NodeTrace) -> Vec<Option<&str>> {
    t.attempts
        .iter()
        .map(|a| a.error.as_ref().map(|e| e.kind.as_str()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn fan_out_branches_run_at_once_and_the_join_gets_them_all() {
    let root = tempfile::tempdir().unwrap();
    let rt = runtime(None);
    let branches = ["b1", "b2", "b3", "b4"];
    let mut builder = Pipeline::builder("fan", "1.0.0")
        .node("split", step(&rt, "split", &[], "", root.path()))
        .node("join", step(&rt, "join", &[], "", root.path()));
    for b in branches {
        let branch = step(&rt, b, &[("sleep_ms", "100")], "", root.path());
        builder = builder
            .node(b, branch)
            .connect("split", b)
            .connect(b, "join");
    }
    let report = run(&builder.build().unwrap(), &rt, "x").await;

    // The fan-in rule: a JSON object keyed by upstream name (keys sorted), each
    // value the upstream's text as a JSON string.
    let joined = serde_json::json!({
        "b1": "x|split|b1", "b2": "x|split|b2", "b3": "x|split|b3", "b4": "x|split|b4",
    });
    assert_eq!(output(&report), format!("{joined}|join"));
    // Its metadata: the upstreams' merged in `needs` order (b4's `step` last
    // wins), then the join's own entry.
    let metadata = &report.result.as_ref().unwrap().metadata;
    let step_of = |s: &str| ("step".to_string(), s.to_string());
    assert_eq!(metadata, &[step_of("b4"), step_of("join")]);

    // The branches' calls overlapped: each one's guest sleep (≥ 100 ms in the
    // host) began before every other branch's ended. Run one after the other,
    // the first would end before the last began.
    let calls: Vec<_> = branches
        .iter()
        .map(|&b| {
            let t = trace(&report, b);
            assert_eq!(t.status, NodeStatus::Succeeded, "{t:#?}");
            let [call] = t.attempts.as_slice() else {
                panic!("{b} made one call: {t:#?}");
            };
            assert!(
                call.duration >= Duration::from_millis(100),
                "{b} slept: {t:#?}"
            );
            (b, call.start, call.start + call.duration)
        })
        .collect();
    assert_pairwise_overlap("branch calls", &calls);
    let nodes: Vec<_> = branches
        .iter()
        .map(|&b| {
            let (start, end) = span(&report, b);
            (b, start, end)
        })
        .collect();
    assert_pairwise_overlap("branch nodes", &nodes);

    // The join waited for all four.
    let (join_start, _) = span(&report, "join");
    for (b, _, end) in &nodes {
        assert!(
            join_start >= *end,
            "join started at {join_start:?}, before {b} ended at {end:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fail_fast_cancels_running_siblings_and_skips_the_join() {
    let root = tempfile::tempdir().unwrap();
    let rt = runtime(None);
    let pipeline = Pipeline::builder("fast", "1.0.0")
        .node(
            "bad",
            step(&rt, "bad", &[("fail_on", "go")], "", root.path()),
        )
        .node(
            "sleeper",
            step(
                &rt,
                "sleeper",
                &[("sleep_ms", "2000")],
                LONG_CALLS,
                root.path(),
            ),
        )
        .node("join", step(&rt, "join", &[], "", root.path()))
        .connect("bad", "join")
        .connect("sleeper", "join")
        .error_strategy(ErrorStrategy::FailFast)
        .build()
        .unwrap();
    let report = run(&pipeline, &rt, "go").await;

    let f = failure(&report);
    assert_eq!(
        (f.node.as_str(), f.error.kind.as_str()),
        ("bad", "internal"),
        "{f:#?}"
    );
    assert!(f.error.message.contains("asked to fail at bad"), "{f:#?}");
    let sleeper = trace(&report, "sleeper");
    assert_eq!(sleeper.status, NodeStatus::Cancelled, "{report:#?}");
    // Its end is recorded when it was stopped: far before its 2 s sleep was over.
    let (_, end) = span(&report, "sleeper");
    assert!(
        end < Duration::from_millis(1000),
        "sleeper ran on until {end:?}"
    );
    let join = trace(&report, "join");
    assert_eq!(join.status, NodeStatus::NotRun, "{report:#?}");
    assert!(
        join.start.is_none() && join.attempts.is_empty(),
        "{join:#?}"
    );
    // The cancelled call gave its execution slot back.
    assert_eq!(rt.executing_calls().0, 0);
}

/// One run of a single node counting its calls in key-value and failing (with
/// `config`'s kind) until its third call, under a fixed-delay retry policy of
/// `attempts`. Each run has a fresh runtime, so a fresh (in-memory) counter.
async fn flaky_run(attempts: u32, config: &[(&str, &str)]) -> RunReport {
    let root = tempfile::tempdir().unwrap();
    let rt = runtime(None);
    let config = [&[("fail_until", "3")], config].concat();
    let pipeline = Pipeline::builder("retry", "1.0.0")
        .node("flaky", step(&rt, "flaky", &config, KV, root.path()))
        .node_retry(
            "flaky",
            RetryPolicy {
                attempts,
                backoff: Backoff::Fixed,
                delay: Duration::from_millis(10),
                jitter: false,
                ..RetryPolicy::default()
            },
        )
        .build()
        .unwrap();
    run(&pipeline, &rt, "in").await
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_calls_again_until_success_or_attempts_run_out() {
    let enough = flaky_run(3, &[]).await;
    assert_eq!(output(&enough), "in|flaky");
    let t = trace(&enough, "flaky");
    assert_eq!(
        attempt_kinds(t),
        [Some("internal"), Some("internal"), None],
        "{t:#?}"
    );
    for (n, attempt) in t.attempts.iter().take(2).enumerate() {
        let message = &attempt.error.as_ref().unwrap().message;
        assert!(
            message.contains(&format!("attempt {} of 3", n + 1)),
            "{t:#?}"
        );
    }
    // The retries waited for the fixed delay.
    assert!(
        t.attempts[2].start >= t.attempts[1].start + Duration::from_millis(10),
        "{t:#?}"
    );

    let short = flaky_run(2, &[]).await;
    let f = failure(&short);
    assert_eq!(
        (f.node.as_str(), f.error.kind.as_str()),
        ("flaky", "internal"),
        "{f:#?}"
    );
    assert!(f.error.message.contains("attempt 2 of 3"), "{f:#?}");
    let t = trace(&short, "flaky");
    assert_eq!(
        attempt_kinds(t),
        [Some("internal"), Some("internal")],
        "{t:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_input_is_not_retried_by_default() {
    let report = flaky_run(3, &[("fail_kind", "invalid-input")]).await;
    let f = failure(&report);
    assert_eq!(
        (f.node.as_str(), f.error.kind.as_str()),
        ("flaky", "invalid-input"),
        "{f:#?}"
    );
    // A verdict on the input would be the same on every call: one attempt only.
    assert_eq!(
        attempt_kinds(trace(&report, "flaky")),
        [Some("invalid-input")]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn continue_stands_the_fallback_in_for_a_failed_node() {
    let root = tempfile::tempdir().unwrap();
    let rt = runtime(None);
    let pipeline = Pipeline::builder("fallback", "1.0.0")
        .node(
            "broken",
            step(&rt, "broken", &[("fail_on", "in")], "", root.path()),
        )
        .node("after", step(&rt, "after", &[], "", root.path()))
        .connect("broken", "after")
        .node_error_strategy("broken", ErrorStrategy::Continue)
        .fallback("broken", "fb")
        .build()
        .unwrap();
    let report = run(&pipeline, &rt, "in").await;
    // `after` received the fallback as its input.
    assert_eq!(output(&report), "fb|after");
    match &trace(&report, "broken").status {
        NodeStatus::FellBack { error } => {
            assert_eq!(error.kind, "internal");
            assert!(
                error.message.contains("asked to fail at broken"),
                "{error:#?}"
            );
        }
        other => panic!("broken should have fallen back, is {other:?}"),
    }
    assert_eq!(trace(&report, "after").status, NodeStatus::Succeeded);
}

/// The steps of [`five_steps`] that declare a compensation.
const COMPENSATED: [usize; 3] = [1, 2, 4];

/// s1 → s2 → s3 → s4 → s5 under `compensate`; step `i` fails when its input
/// contains `fail-at:i`. Steps 1, 2 and 4 are undone by one shared component
/// `undo` (one name, so one key-value journal) recording in `record` mode.
fn five_steps(rt: &Runtime, root: &Path, record: &str) -> Pipeline {
    let undo = step(rt, "undo", &[("record", record)], KV, root);
    let mut builder = Pipeline::builder("saga", "1.0.0").error_strategy(ErrorStrategy::Compensate);
    for i in 1..=5 {
        let name = format!("s{i}");
        let trigger = format!("fail-at:{i}");
        builder = builder.node(&name, step(rt, &name, &[("fail_on", &trigger)], "", root));
        if i > 1 {
            builder = builder.connect(&format!("s{}", i - 1), &name);
        }
        if COMPENSATED.contains(&i) {
            builder = builder.compensate(&name, undo.clone());
        }
    }
    builder.build().unwrap()
}

/// The compensation journal in the runtime's key-value file, emptied.
fn take_journal(kv: &Path) -> String {
    let store = KvStore::open(kv).unwrap();
    let journal = store.get("undo", "journal").unwrap().unwrap_or_default();
    store.delete("undo", "journal").unwrap();
    String::from_utf8(journal).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn compensation_undoes_succeeded_steps_latest_first_once_each() {
    let root = tempfile::tempdir().unwrap();
    let kv = root.path().join("kv.sqlite3");
    let rt = runtime(Some(&kv));
    let pipeline = five_steps(&rt, root.path(), "node");
    for k in 1..=5 {
        let report = run(&pipeline, &rt, &format!("fail-at:{k}")).await;
        let f = failure(&report);
        assert_eq!(f.node, format!("s{k}"), "{f:#?}");
        assert_eq!(f.error.kind, "internal", "{f:#?}");

        // Every step before k succeeded; those declaring a compensation are
        // undone latest first, each once; s3's work stands.
        let undone: Vec<String> = (1..k)
            .rev()
            .filter(|i| COMPENSATED.contains(i))
            .map(|i| format!("s{i}"))
            .collect();
        let stands: Vec<String> = if k > 3 { vec!["s3".into()] } else { Vec::new() };
        assert_eq!(f.compensated, undone, "k = {k}");
        assert_eq!(f.not_compensated, stands, "k = {k}");
        let journal: String = undone.iter().map(|s| format!("{s}\n")).collect();
        assert_eq!(take_journal(&kv), journal, "k = {k}");

        let expected: Vec<(String, CompensationStatus)> = (1..k)
            .rev()
            .map(|i| {
                let status = if COMPENSATED.contains(&i) {
                    CompensationStatus::Compensated
                } else {
                    CompensationStatus::NotDeclared
                };
                (format!("s{i}"), status)
            })
            .collect();
        let traced: Vec<_> = report
            .compensations
            .iter()
            .map(|c| (c.node.clone(), c.status.clone()))
            .collect();
        assert_eq!(traced, expected, "k = {k}");
    }
}

/// Under `compensate`, a branch still running when its sibling fails is not
/// cut off mid-way (its work would be half done and unknown): it finishes, and
/// is then undone like every other succeeded node; nothing new starts.
#[tokio::test(flavor = "multi_thread")]
async fn compensate_lets_running_siblings_finish_then_undoes_them() {
    let root = tempfile::tempdir().unwrap();
    let kv = root.path().join("kv.sqlite3");
    let rt = runtime(Some(&kv));
    let undo = step(&rt, "undo", &[("record", "node")], KV, root.path());
    let slow = step(&rt, "slow", &[("sleep_ms", "300")], LONG_CALLS, root.path());
    let bad = step(&rt, "bad", &[("fail_on", "in")], "", root.path());
    let join = step(&rt, "join", &[], "", root.path());
    let pipeline = Pipeline::builder("siblings", "1.0.0")
        .error_strategy(ErrorStrategy::Compensate)
        .node("slow", slow)
        .node("bad", bad)
        .node("join", join)
        .connect("slow", "join")
        .connect("bad", "join")
        .compensate("slow", undo)
        .build()
        .unwrap();
    let report = run(&pipeline, &rt, "in").await;
    let f = failure(&report);
    assert_eq!(f.node, "bad");
    assert_eq!(trace(&report, "slow").status, NodeStatus::Succeeded);
    assert_eq!(trace(&report, "join").status, NodeStatus::NotRun);
    // `slow` ended after `bad` failed, and was undone anyway.
    assert!(
        span(&report, "slow").1 > span(&report, "bad").1,
        "{report:#?}"
    );
    assert_eq!(f.compensated, ["slow"]);
    assert_eq!(take_journal(&kv), "slow\n");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_compensation_receives_the_steps_input_output_and_the_failure() {
    let root = tempfile::tempdir().unwrap();
    let kv = root.path().join("kv.sqlite3");
    let rt = runtime(Some(&kv));
    let report = run(&five_steps(&rt, root.path(), "full"), &rt, "fail-at:3").await;
    assert_eq!(failure(&report).node, "s3");
    // `<node> <input> <output> <failed node>/<kind>`, input and output as JSON.
    assert_eq!(
        take_journal(&kv),
        "s2 \"fail-at:3|s1\" \"fail-at:3|s1|s2\" s3/internal\n\
         s1 \"fail-at:3\" \"fail-at:3|s1\" s3/internal\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn each_node_runs_in_its_own_sandbox() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("secret")).unwrap();
    std::fs::write(root.path().join("secret/data.txt"), "top secret").unwrap();
    let rt = runtime(None);
    let read = [("read", "/secret/data.txt")];
    let grant = "[permissions.filesystem]\nreadable_paths = [\"secret/**\"]\n";
    let reader = step(&rt, "reader", &read, grant, root.path());
    // The same wasm, asking for the same file, without the grant.
    let thief = step(&rt, "thief", &read, "", root.path());

    let alone = Pipeline::builder("read", "1.0.0")
        .node("reader", reader.clone())
        .build()
        .unwrap();
    assert_eq!(output(&run(&alone, &rt, "").await), "top secret|reader");

    let both = Pipeline::builder("steal", "1.0.0")
        .node("reader", reader)
        .node("thief", thief)
        .connect("reader", "thief")
        .build()
        .unwrap();
    let report = run(&both, &rt, "").await;
    assert_eq!(trace(&report, "reader").status, NodeStatus::Succeeded);
    let f = failure(&report);
    assert_eq!(f.node, "thief", "{f:#?}");
    // Without a grant the guest has no preopened directory: the path resolves
    // to nothing (wasi-libc reports ENOENT), which the guest maps to not-found.
    assert_eq!(f.error.kind, "not-found", "{f:#?}");
    assert!(f.error.message.contains("read /secret/data.txt"), "{f:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pipeline_deadline_cuts_a_node_short() {
    let root = tempfile::tempdir().unwrap();
    let rt = runtime(None);
    // The node's own limit (5 s) would let it finish its 2 s sleep.
    let slow = step(
        &rt,
        "slow",
        &[("sleep_ms", "2000")],
        LONG_CALLS,
        root.path(),
    );
    let pipeline = Pipeline::builder("bounded", "1.0.0")
        .node("slow", slow)
        .deadline(Duration::from_millis(200))
        .build()
        .unwrap();
    let report = run(&pipeline, &rt, "in").await;
    let f = failure(&report);
    assert_eq!(
        (f.node.as_str(), f.error.kind.as_str()),
        ("slow", "timeout"),
        "{f:#?}"
    );
    assert!(f.error.message.contains("pipeline's deadline"), "{f:#?}");
    assert!(f.error.message.contains("200 ms"), "{f:#?}");
    let (_, end) = span(&report, "slow");
    assert!(
        end < Duration::from_millis(1000),
        "slow ran on until {end:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dropping_a_run_stops_the_call_in_progress() {
    let root = tempfile::tempdir().unwrap();
    let rt = runtime(None);
    // A linear chain: each node is the only one running, so it runs in the
    // run's own future rather than a task of its own.
    let pipeline = Pipeline::builder("dropped", "1.0.0")
        .node("quick", step(&rt, "quick", &[], "", root.path()))
        .node(
            "slow",
            step(
                &rt,
                "slow",
                &[("sleep_ms", "2000")],
                LONG_CALLS,
                root.path(),
            ),
        )
        .connect("quick", "slow")
        .build()
        .unwrap();
    let cut = tokio::time::timeout(Duration::from_millis(300), run(&pipeline, &rt, "in")).await;
    assert!(cut.is_err(), "the run ended before 300 ms: {cut:?}");
    // The dropped run's call gave its execution slot back long before its 2 s
    // sleep was over.
    let dropped = std::time::Instant::now();
    while rt.executing_calls().0 != 0 {
        assert!(
            dropped.elapsed() < Duration::from_millis(1000),
            "the dropped run's call is still executing"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Builds nothing: every node of these pipelines is a built `.wasm`.
struct Quiet;

impl BuildProgress for Quiet {
    fn command(&mut self, _: &str) {}
    fn line(&mut self, _: &str) {}
    fn unit_done(&mut self, _: &str) {}
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pipeline_file_runs_with_retry_fallback_and_fan_in() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(guest("pipeline-step"), dir.path().join("step.wasm")).unwrap();
    // Each node's own manifest: b counts its calls in key-value and fails its
    // first; c always fails (its input always holds `|a`).
    let manifests = [
        ("a", "", ""),
        ("b", "fail_until = \"2\"\n", KV),
        ("c", "fail_on = \"|a\"\n", ""),
        ("d", "", ""),
    ];
    for (name, config, grants) in manifests {
        let text = format!(
            "[component]\nname = \"file-{name}\"\nversion = \"1.0.0\"\nlanguage = \"prebuilt\"\n\
             world = \"airssys:core/component\"\n\n[config]\nstep = \"{name}\"\n{config}\n{grants}"
        );
        std::fs::write(dir.path().join(format!("{name}.toml")), text).unwrap();
    }
    let file = dir.path().join(pipeline::FILE_NAME);
    std::fs::write(
        &file,
        r#"
[pipeline]
name = "from-file"
version = "1.0.0"

[nodes.a]
component = "step.wasm"
manifest = "a.toml"

[nodes.b]
component = "step.wasm"
manifest = "b.toml"
needs = ["a"]

[nodes.b.retry]
attempts = 3
backoff = "fixed"
delay_ms = 1
jitter = false

[nodes.c]
component = "step.wasm"
manifest = "c.toml"
needs = ["a"]
on_error = "continue"
fallback = "fb"

[nodes.d]
component = "step.wasm"
manifest = "d.toml"
needs = ["b", "c"]
"#,
    )
    .unwrap();

    let spec = pipeline::load(&file).unwrap_or_else(|e| panic!("{e}: {:?}", e.render()));
    let prepared = pipeline::prepare_nodes(&spec, &mut Quiet).unwrap();
    let rt = runtime(None);
    let pipeline = pipeline::load_nodes(spec, prepared, &rt).unwrap();
    let report = run(&pipeline, &rt, "in").await;

    assert_eq!(output(&report), r#"{"b":"in|a|b","c":"fb"}|d"#);
    // b's manifest counted its calls: the file's retry table gave it a second one.
    assert_eq!(attempt_kinds(trace(&report, "b")), [Some("internal"), None]);
    assert!(
        matches!(trace(&report, "c").status, NodeStatus::FellBack { .. }),
        "{report:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_node_deadline_bounds_each_of_its_calls() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(guest("pipeline-step"), dir.path().join("step.wasm")).unwrap();
    // The component's own limit (5 s) and the run's (10 s) would let the 2 s
    // sleep finish: only the node's deadline_ms cuts each attempt.
    std::fs::write(
        dir.path().join("slow.toml"),
        format!(
            "[component]\nname = \"slow\"\nversion = \"1.0.0\"\nlanguage = \"prebuilt\"\n\n\
             [config]\nsleep_ms = \"2000\"\n\n{LONG_CALLS}"
        ),
    )
    .unwrap();
    let file = dir.path().join(pipeline::FILE_NAME);
    std::fs::write(
        &file,
        "[pipeline]\nname = \"bounded\"\nversion = \"1.0.0\"\ndeadline_ms = 10000\n\n\
         [nodes.slow]\ncomponent = \"step.wasm\"\nmanifest = \"slow.toml\"\ndeadline_ms = 150\n\
         retry = { attempts = 2, delay_ms = 0, on = [\"timeout\"] }\n",
    )
    .unwrap();
    let spec = pipeline::load(&file).unwrap_or_else(|e| panic!("{e}: {:?}", e.render()));
    let prepared = pipeline::prepare_nodes(&spec, &mut Quiet).unwrap();
    let rt = runtime(None);
    let pipeline = pipeline::load_nodes(spec, prepared, &rt).unwrap();
    let report = run(&pipeline, &rt, "in").await;
    let f = failure(&report);
    assert_eq!(
        (f.node.as_str(), f.error.kind.as_str()),
        ("slow", "timeout"),
        "{f:#?}"
    );
    assert!(
        f.error
            .message
            .contains("the node's deadline passed: each call may take 150 ms"),
        "{f:#?}"
    );
    assert_eq!(
        attempt_kinds(trace(&report, "slow")),
        [Some("timeout"), Some("timeout")]
    );
    for attempt in &trace(&report, "slow").attempts {
        assert!(
            attempt.duration < Duration::from_millis(1000),
            "{attempt:?}"
        );
    }
}
