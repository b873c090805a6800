//! The deployment host (`serve`) as a real process on loopback: deploys,
//! rollout strategies under load, canary splitting, automatic abort, rollback,
//! restart and crash recovery, the audit chain, auth, policy, and metrics.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::support::host::{
    Admin, Answer, Client, HOSTILE_GRANTS, Load, SVC, assert_no_failures, eventually,
    hostile_manifest, invoke, invoke_with, json, kill9, manifest, pid, start, state_dir, v1_answer,
    variant, wasm,
};
use super::support::server::{Server, get};

/// v2 (the hostile guest) answers `echo:x` with `x`.
const V2: &str = "x";

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The answers of `clients` that started after `after`.
fn answered_after(clients: &[Vec<Answer>], after: Instant) -> Vec<&Answer> {
    clients
        .iter()
        .flatten()
        .filter(|a| a.started > after)
        .collect()
}

fn audit_of<'a>(entries: &'a [Value], action: &str) -> Vec<&'a Value> {
    entries.iter().filter(|e| e["action"] == action).collect()
}

fn assert_chain_intact(admin: &Admin) {
    let report = admin.verify();
    assert!(
        report["first_broken"].is_null(),
        "the audit chain is intact: {report}"
    );
}

#[test]
fn deploys_are_immutable_and_later_versions_wait() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    let client = Client::default();

    let v1 = wasm("echo-target");
    let m1 = manifest(SVC, "1.0.0", "");
    let first = admin.deploy(SVC, "1.0.0", &v1, &m1);
    assert_eq!(first.status, 201, "{}", first.body);
    let outcome = json(&first);
    assert_eq!(outcome["created"], true);
    assert_eq!(outcome["activated"], true, "the first version activates");
    assert_eq!(outcome["sha256"], sha256(&v1));
    let answer = invoke(&client, &server, SVC, "echo:x");
    assert_eq!(
        answer.result,
        Ok((200, v1_answer("x"), "1.0.0".to_string()))
    );
    let audit_len = admin.audit().len();

    // The same bytes again: a no-op.
    let again = admin.deploy(SVC, "1.0.0", &v1, &m1);
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(json(&again)["created"], false);
    assert_eq!(json(&again)["activated"], false);

    // Other bytes under the same version: refused, nothing changed.
    let other = variant(&v1, "other bytes");
    let conflict = admin.deploy(SVC, "1.0.0", &other, &m1);
    assert_eq!(conflict.status, 409, "{}", conflict.body);
    let error = &json(&conflict)["error"];
    assert_eq!(error["kind"], "conflict");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("immutable") && message.contains(&sha256(&v1)),
        "{message}"
    );
    let versions = admin.versions(SVC);
    assert_eq!(versions.len(), 1, "{versions:?}");
    assert_eq!(versions[0]["sha256"], sha256(&v1));
    assert!(
        !state.join("blobs/sha256").join(sha256(&other)).exists(),
        "the refused bytes were not stored"
    );
    assert_eq!(
        admin.audit().len(),
        audit_len,
        "neither the no-op nor the conflict is audited as a change"
    );
    assert_eq!(
        invoke(&client, &server, SVC, "echo:x").body(),
        Some(v1_answer("x").as_str())
    );

    // A second version is stored but does not take traffic.
    let second = admin.deploy(
        SVC,
        "2.0.0",
        &wasm("hostile"),
        &hostile_manifest(SVC, "2.0.0", ""),
    );
    assert_eq!(second.status, 201, "{}", second.body);
    assert_eq!(json(&second)["created"], true);
    assert_eq!(json(&second)["activated"], false);
    for _ in 0..20 {
        let answer = invoke(&client, &server, SVC, "echo:x");
        assert_eq!(
            answer.result,
            Ok((200, v1_answer("x"), "1.0.0".to_string()))
        );
    }
    let deployment = admin.deployment(SVC);
    assert_eq!(deployment["active_version"], "1.0.0");
    assert!(deployment["canary"].is_null(), "{deployment}");
    assert_eq!(admin.versions(SVC).len(), 2);
    assert_chain_intact(&admin);
}

/// Runs `change` while 3 clients send `echo:x` (all answered `from` before,
/// all answer `to` after); every client must see every request succeed.
/// Returns the answers and when `change` says the switch was acknowledged.
fn under_load(
    server: &Server,
    from: &str,
    what: &str,
    change: impl FnOnce(&Load) -> Instant,
    to: &str,
) -> (Vec<Vec<Answer>>, Instant) {
    let load = Load::start(server, "echo:x", 3, Duration::from_secs(60));
    load.wait_all(from, Duration::from_secs(15), server);
    load.wait_calls(5, Duration::from_secs(15));
    let acked = change(&load);
    load.wait_all(to, Duration::from_secs(30), server);
    load.wait_calls(5, Duration::from_secs(15));
    let answers = load.finish();
    assert_no_failures(what, &answers);
    (answers, acked)
}

/// After `acked`, every answer is `expected`.
fn assert_switched(what: &str, answers: &[Vec<Answer>], acked: Instant, expected: &str) {
    let after = answered_after(answers, acked);
    assert!(!after.is_empty(), "{what}: requests after the switch");
    let stale: Vec<_> = after
        .iter()
        .filter(|a| a.body() != Some(expected))
        .collect();
    assert!(
        stale.is_empty(),
        "{what}: requests sent after the switch was acknowledged answered by the old version: {stale:?}"
    );
}

#[test]
fn every_strategy_rolls_out_under_load_without_failed_requests() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    admin.deploy_v1_v2();
    let v1 = v1_answer("x");

    // immediate: v1 -> v2.
    let (answers, acked) = under_load(
        &server,
        &v1,
        "immediate",
        |_| {
            admin.update_ok(SVC, json!({ "version": "2.0.0", "strategy": "immediate" }));
            Instant::now()
        },
        V2,
    );
    assert_switched("immediate", &answers, acked, V2);

    // blue-green: v2 -> v1.
    let (answers, acked) = under_load(
        &server,
        V2,
        "blue-green",
        |_| {
            admin.update_ok(SVC, json!({ "version": "1.0.0", "strategy": "blue-green" }));
            Instant::now()
        },
        &v1,
    );
    assert_switched("blue-green", &answers, acked, &v1);
    assert_eq!(admin.deployment(SVC)["active_version"], "1.0.0");

    // canary 50%, then promote: v1 -> v2.
    let mut canary_acked = None;
    let (answers, promoted) = under_load(
        &server,
        &v1,
        "canary + promote",
        |load| {
            let d = admin.update_ok(
                SVC,
                json!({ "version": "2.0.0", "strategy": "canary", "weight": 50 }),
            );
            assert_eq!(d["canary"]["weight_percent"], 50, "{d}");
            canary_acked = Some(Instant::now());
            load.wait_calls(15, Duration::from_secs(20));
            let r = admin.action(SVC, "promote", None);
            assert_eq!(r.status, 200, "{}", r.body);
            Instant::now()
        },
        V2,
    );
    let during: Vec<&str> = answered_after(&answers, canary_acked.unwrap())
        .into_iter()
        .filter(|a| a.started < promoted)
        .filter_map(|a| a.body())
        .collect();
    assert!(
        during.contains(&V2) && during.contains(&v1.as_str()),
        "both versions answered during the canary: {during:?}"
    );
    assert_switched("promote", &answers, promoted, V2);
    let d = admin.deployment(SVC);
    assert_eq!(d["active_version"], "2.0.0");
    assert!(d["canary"].is_null(), "{d}");

    // rolling 20 -> 60 -> 100 every 300 ms, driven by the controller: v2 -> v1.
    let (answers, finished) = under_load(
        &server,
        V2,
        "rolling",
        |_| {
            let d = admin.update_ok(
                SVC,
                json!({ "version": "1.0.0", "strategy": "rolling", "steps": [20, 60, 100], "interval_ms": 300 }),
            );
            assert_eq!(d["canary"]["weight_percent"], 20, "{d}");
            eventually(
                "the rolling update finishes",
                Duration::from_secs(20),
                || {
                    let d = admin.deployment(SVC);
                    d["canary"].is_null() && d["active_version"] == "1.0.0"
                },
            );
            Instant::now()
        },
        &v1,
    );
    assert_switched("rolling", &answers, finished, &v1);
    let audit = admin.audit();
    let controller = |action: &str| {
        audit
            .iter()
            .filter(|e| e["action"] == action && e["actor"] == "airssys-controller")
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(
        controller("update")
            .iter()
            .any(|e| e["detail"]["canary"]["weight_percent"] == 60),
        "the controller stepped to 60%: {audit:?}"
    );
    assert_eq!(
        controller("promote").len(),
        1,
        "the controller promoted at the last step"
    );
    assert_chain_intact(&admin);
}

/// Sends `calls` invocations of `echo:x` from `threads` clients; returns the
/// version of each answer.
fn spray(server: &Server, calls: usize, threads: usize) -> Vec<String> {
    let versions = Arc::new(Mutex::new(Vec::with_capacity(calls)));
    std::thread::scope(|scope| {
        for t in 0..threads {
            let versions = versions.clone();
            let share = calls / threads + usize::from(t < calls % threads);
            scope.spawn(move || {
                let client = Client::default();
                let mut mine = Vec::with_capacity(share);
                for _ in 0..share {
                    let answer = invoke(&client, server, SVC, "echo:x");
                    match answer.result {
                        Ok((200, _, version)) => mine.push(version),
                        other => panic!("failed call: {other:?}"),
                    }
                }
                versions.lock().unwrap().extend(mine);
            });
        }
    });
    Arc::try_unwrap(versions).unwrap().into_inner().unwrap()
}

#[test]
fn canary_weight_splits_traffic_and_sticky_header_pins_callers() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    admin.deploy_v1_v2();

    admin.update_ok(
        SVC,
        json!({ "version": "2.0.0", "strategy": "canary", "weight": 10 }),
    );
    let versions = spray(&server, 5_000, 4);
    assert_eq!(versions.len(), 5_000);
    let canary = versions.iter().filter(|v| *v == "2.0.0").count();
    let stable = versions.iter().filter(|v| *v == "1.0.0").count();
    assert_eq!(canary + stable, 5_000, "only v1 and v2 answer");
    let share = canary as f64 / 50.0;
    assert!(
        (7.0..=13.0).contains(&share),
        "canary share {share}% of 5000 calls (expected 10% ± 3)"
    );

    let r = admin.action(SVC, "abort", None);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(json(&r)["canary"].is_null());

    admin.update_ok(
        SVC,
        json!({ "version": "2.0.0", "strategy": "canary", "weight": 50, "sticky_header": "x-user" }),
    );
    let client = Client::default();
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for _round in 0..5 {
        for user in 0..50 {
            let id = format!("user-{user}");
            let answer = invoke_with(&client, &server, SVC, "echo:x", &[("x-user", &id)]);
            let Ok((200, _, version)) = answer.result else {
                panic!("failed call: {answer:?}");
            };
            seen.entry(id).or_default().insert(version);
        }
    }
    let switching: Vec<_> = seen.iter().filter(|(_, v)| v.len() != 1).collect();
    assert!(
        switching.is_empty(),
        "users landed on more than one version: {switching:?}"
    );
    let used: BTreeSet<&String> = seen.values().flatten().collect();
    assert_eq!(used.len(), 2, "both versions serve some users: {seen:?}");
}

/// Deploys v1 (echo-target) and the hostile guest as svc@3.0.0, starts a
/// canary of v3 at 50% with `max_error_rate` 0.2, and sends `panic` (a trap on
/// v3, a normal answer on v1) until the controller aborts it (bounded).
fn failing_canary_aborted(server: &Server, admin: &Admin) {
    let r = admin.deploy(
        SVC,
        "1.0.0",
        &wasm("echo-target"),
        &manifest(SVC, "1.0.0", ""),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let r = admin.deploy(
        SVC,
        "3.0.0",
        &wasm("hostile"),
        &hostile_manifest(SVC, "3.0.0", ""),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    admin.update_ok(
        SVC,
        json!({ "version": "3.0.0", "strategy": "canary", "weight": 50, "max_error_rate": 0.2 }),
    );
    let client = Client::default();
    let started = Instant::now();
    let (mut traps, mut calls) = (0, 0);
    loop {
        let answer = invoke(&client, server, SVC, "panic");
        calls += 1;
        match &answer.result {
            Ok((200, body, version)) => {
                assert_eq!((body.as_str(), version.as_str()), ("echo:panic", "1.0.0"))
            }
            Ok((500, _, _)) => traps += 1,
            other => panic!("unexpected answer {other:?}"),
        }
        if calls % 10 == 0 && admin.deployment(SVC)["canary"].is_null() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the failing canary was not aborted after {calls} calls ({traps} traps):\n{}",
            server.stderr()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(traps >= 20, "aborted after {traps} traps (min 20 calls)");
}

#[test]
fn a_failing_canary_is_aborted_by_the_controller() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    failing_canary_aborted(&server, &admin);

    let d = admin.deployment(SVC);
    assert_eq!(d["active_version"], "1.0.0");
    assert!(d["canary"].is_null(), "{d}");
    let audit = admin.audit();
    let aborts: Vec<_> = audit_of(&audit, "abort")
        .into_iter()
        .filter(|e| e["actor"] == "airssys-controller")
        .collect();
    assert_eq!(aborts.len(), 1, "one abort by the controller: {audit:?}");
    assert_eq!(aborts[0]["component"], SVC);
    assert_eq!(aborts[0]["version"], "3.0.0");
    assert!(
        server.stderr().contains("Aborting svc@3.0.0"),
        "{}",
        server.stderr()
    );
    // All traffic is back on v1.
    let client = Client::default();
    for _ in 0..20 {
        let answer = invoke(&client, &server, SVC, "panic");
        assert_eq!(
            answer.result,
            Ok((200, "echo:panic".to_string(), "1.0.0".to_string()))
        );
    }
    assert_chain_intact(&admin);
}

#[test]
fn the_controller_records_why_it_aborted() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    failing_canary_aborted(&server, &admin);
    let audit = admin.audit();
    let reasons: Vec<String> = audit_of(&audit, "abort")
        .into_iter()
        .filter(|e| e["actor"] == "airssys-controller")
        .filter_map(|e| e["detail"]["reason"].as_str().map(str::to_string))
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("error rate")),
        "the controller's abort entry carries its reason (e.g. `canary error rate … exceeded 20.0%`): {}",
        serde_json::to_string_pretty(&audit_of(&audit, "abort")).unwrap()
    );
}

#[test]
fn rollback_switches_back_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    let client = Client::default();
    admin.deploy_v1_v2();

    // Nothing to roll back to yet.
    let r = admin.action(SVC, "rollback", None);
    assert_eq!(r.status, 400, "{}", r.body);
    let error = &json(&r)["error"];
    assert_eq!(error["kind"], "bad-request");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("no previous version") && message.contains("svc"),
        "{message}"
    );
    assert_eq!(admin.deployment(SVC)["active_version"], "1.0.0");
    // A canary of the active version is a client error, not an internal one.
    let r = admin.update(
        SVC,
        json!({ "version": "1.0.0", "strategy": "canary", "weight": 50 }),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("already active"), "{}", r.body);

    admin.update_ok(
        SVC,
        json!({ "version": "2.0.0", "strategy": "canary", "weight": 50 }),
    );
    let r = admin.action(SVC, "promote", None);
    assert_eq!(r.status, 200, "{}", r.body);
    let answers_are = |version: &str, body: &str| {
        for _ in 0..10 {
            let answer = invoke(&client, &server, SVC, "echo:x");
            assert_eq!(
                answer.result,
                Ok((200, body.to_string(), version.to_string()))
            );
        }
    };
    answers_are("2.0.0", V2);

    let r = admin.action(SVC, "rollback", None);
    assert_eq!(r.status, 200, "{}", r.body);
    let d = json(&r);
    assert_eq!(d["active_version"], "1.0.0");
    assert_eq!(d["previous_version"], "2.0.0");
    answers_are("1.0.0", &v1_answer("x"));

    let r = admin.action(SVC, "rollback", Some(json!({ "to_version": "2.0.0" })));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(json(&r)["active_version"], "2.0.0");
    answers_are("2.0.0", V2);

    let r = admin.action(SVC, "rollback", Some(json!({ "to_version": "9.9.9" })));
    assert_eq!(r.status, 404, "{}", r.body);
    answers_are("2.0.0", V2);

    let audit = admin.audit();
    let rollbacks = audit_of(&audit, "rollback");
    assert_eq!(rollbacks.len(), 2, "{audit:?}");
    assert_eq!(rollbacks[0]["version"], "1.0.0");
    assert_eq!(audit_of(&audit, "promote").len(), 1);
    assert_chain_intact(&admin);
}

#[test]
fn a_restart_restores_versions_and_the_canary() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    admin.deploy_v1_v2();
    admin.update_ok(
        SVC,
        json!({ "version": "2.0.0", "strategy": "canary", "weight": 30, "sticky_header": "x-user" }),
    );
    let before = admin.status();
    let (code, stderr) = server.terminate();
    assert_eq!(code, Some(0), "clean exit on SIGTERM:\n{stderr}");

    let server = start(tmp.path(), &state, &[]);
    assert!(
        server.stderr().contains("Restored 1 deployment(s)"),
        "{}",
        server.stderr()
    );
    let admin = Admin::new(&server, &state);
    let after = admin.status();
    assert_eq!(after, before, "the same deployments after the restart");
    assert_eq!(after[0]["active_version"], "1.0.0");
    assert_eq!(after[0]["canary"]["weight_percent"], 30);
    assert_eq!(after[0]["canary"]["sticky_header"], "x-user");
    // Without the sticky header the split is exact per 100 calls.
    let versions = spray(&server, 100, 1);
    let canary = versions.iter().filter(|v| *v == "2.0.0").count();
    assert_eq!(canary, 30, "30 of 100 calls on the restored canary");
    assert_eq!(
        versions.iter().filter(|v| *v == "1.0.0").count(),
        70,
        "the rest on v1"
    );
    assert_chain_intact(&admin);
    let (code, _) = server.terminate();
    assert_eq!(code, Some(0));
}

#[test]
fn kill_9_during_deploys_loses_no_acknowledged_version() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    let echo = wasm("echo-target");
    let r = admin.deploy(SVC, "1.0.0", &echo, &manifest(SVC, "1.0.0", ""));
    assert_eq!(r.status, 201, "{}", r.body);
    let host_pid = pid(&state);

    // Deploys of distinct versions (distinct bytes) back to back.
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let deployer = {
        let (acknowledged, echo) = (acknowledged.clone(), echo.clone());
        let admin = Admin::new(&server, &state);
        std::thread::spawn(move || {
            let started = Instant::now();
            for i in 1..=200 {
                if started.elapsed() > Duration::from_secs(60) {
                    break;
                }
                let version = format!("1.1.{i}");
                let bytes = variant(&echo, &version);
                match admin.try_deploy(SVC, &version, &bytes, &manifest(SVC, &version, "")) {
                    Ok(r) if r.status == 201 => acknowledged.lock().unwrap().push(version),
                    Ok(r) => panic!("deploy {version}: {} {}", r.status, r.body),
                    // The host was killed.
                    Err(_) => return i,
                }
            }
            0
        })
    };
    eventually("3 deploys acknowledged", Duration::from_secs(60), || {
        acknowledged.lock().unwrap().len() >= 3
    });
    // A varying point inside the next deploy (compile, blob write or commit).
    let jitter = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        % 150;
    std::thread::sleep(Duration::from_millis(u64::from(jitter)));
    kill9(host_pid);
    let interrupted = deployer.join().expect("deployer");
    assert!(interrupted > 0, "a deploy was in flight when the host died");
    drop(server);
    let acknowledged = acknowledged.lock().unwrap().clone();

    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    let listed: Vec<String> = admin
        .versions(SVC)
        .iter()
        .map(|v| v["version"].as_str().unwrap().to_string())
        .collect();
    for version in &acknowledged {
        assert!(
            listed.contains(version),
            "acknowledged {version} lost: {listed:?}"
        );
    }
    eprintln!(
        "killed during deploy #{interrupted}: {} acknowledged, {} stored after restart",
        acknowledged.len(),
        listed.len() - 1
    );
    assert!(
        listed.len() == acknowledged.len() + 1 || listed.len() == acknowledged.len() + 2,
        "1.0.0, the acknowledged versions and at most the one in flight: {listed:?} vs {acknowledged:?}"
    );
    // Every listed version has its blob, intact.
    for record in admin.versions(SVC) {
        let digest = record["sha256"].as_str().unwrap();
        let blob = std::fs::read(state.join("blobs/sha256").join(digest))
            .unwrap_or_else(|e| panic!("blob of {record}: {e}"));
        assert_eq!(sha256(&blob), digest, "blob of {}", record["version"]);
        assert_eq!(record["size"], blob.len());
    }
    // State and audit agree: one deploy entry per stored version, chain intact.
    let audit = admin.audit();
    let deployed: Vec<String> = audit_of(&audit, "deploy")
        .iter()
        .map(|e| e["version"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(deployed, listed, "one deploy entry per stored version");
    assert_chain_intact(&admin);
    let d = admin.deployment(SVC);
    assert_eq!(d["active_version"], "1.0.0", "{d}");
    assert!(d["canary"].is_null(), "{d}");
    // The deploy that was in flight can be repeated (it was all or nothing).
    let in_flight = format!("1.1.{interrupted}");
    let r = admin.deploy(
        SVC,
        &in_flight,
        &variant(&echo, &in_flight),
        &manifest(SVC, &in_flight, ""),
    );
    assert!(
        r.status == 201 || (r.status == 200 && listed.contains(&in_flight)),
        "{} {}",
        r.status,
        r.body
    );
    // Every stored version can be activated and answers.
    let client = Client::default();
    for version in listed.iter().rev() {
        let d = admin.update_ok(SVC, json!({ "version": version, "strategy": "immediate" }));
        assert_eq!(d["active_version"], *version);
        let answer = invoke(&client, &server, SVC, "echo:x");
        assert_eq!(
            answer.result,
            Ok((200, v1_answer("x"), version.clone())),
            "{version}"
        );
    }
    assert_chain_intact(&admin);
}

#[test]
fn an_edited_audit_row_is_detected() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    admin.deploy_v1_v2();
    admin.update_ok(
        SVC,
        json!({ "version": "2.0.0", "strategy": "canary", "weight": 20 }),
    );
    assert_chain_intact(&admin);
    let entries = admin.audit();
    assert!(entries.len() >= 4, "{entries:?}");
    let target = entries
        .iter()
        .find(|e| e["action"] == "update")
        .expect("an update entry")["seq"]
        .as_u64()
        .unwrap();
    assert!(target > 1 && target < entries.len() as u64);
    let (code, stderr) = server.terminate();
    assert_eq!(code, Some(0), "{stderr}");

    {
        let db = rusqlite::Connection::open(state.join("airssys.db")).unwrap();
        let refused = db.execute(
            "UPDATE audit_log SET actor = 'mallory' WHERE seq = ?1",
            [target],
        );
        assert!(refused.is_err(), "the trigger refuses updates");
        db.execute_batch("DROP TRIGGER audit_log_no_update;")
            .expect("the update trigger of 0001_initial.sql");
        let changed = db
            .execute(
                "UPDATE audit_log SET actor = 'mallory' WHERE seq = ?1",
                [target],
            )
            .unwrap();
        assert_eq!(changed, 1);
    }

    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    let report = admin.verify();
    assert_eq!(report["entries"], entries.len(), "{report}");
    assert_eq!(report["first_broken"]["seq"], target, "{report}");
    assert_eq!(
        report["first_broken"]["reason"], "hash mismatch",
        "{report}"
    );
    let edited = admin.audit();
    assert_eq!(edited[target as usize - 1]["actor"], "mallory");
}

#[test]
fn wrong_or_missing_tokens_are_refused_and_audited() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    admin.deploy_v1_v2();
    let status = admin.status();
    let versions = admin.versions(SVC);
    let audit = admin.audit();

    let wrong = "Bearer not-the-token";
    let raw = admin.token.clone();
    let v3 = variant(&wasm("echo-target"), "v3");
    let m3 = manifest(SVC, "3.0.0", "");
    let mut refused = Vec::new();
    for auth in [wrong, "", raw.as_str()] {
        refused.push(admin.deploy_as(Some(auth), SVC, "3.0.0", &v3, &m3));
        let update = json!({ "version": "2.0.0", "strategy": "immediate" }).to_string();
        refused.push(admin.request_as(
            Some(auth),
            "POST",
            "/v1/admin/components/svc/update",
            update.as_bytes(),
            &[("content-type", "application/json")],
        ));
        refused.push(admin.request_as(Some(auth), "DELETE", "/v1/admin/components/svc", b"", &[]));
        refused.push(admin.request_as(Some(auth), "GET", "/v1/admin/status", b"", &[]));
    }
    for (i, r) in refused.iter().enumerate() {
        assert_eq!(r.status, 401, "request {i}: {}", r.body);
        let error = &json(r)["error"];
        assert_eq!(error["kind"], "unauthorized");
        // A token without the `Bearer ` scheme counts as no token.
        let expected = if i / 4 == 0 {
            "wrong admin token"
        } else {
            "missing admin token"
        };
        assert_eq!(error["message"], expected, "request {i}");
        assert!(error["details"][0].as_str().unwrap().contains("Bearer"));
    }

    assert_eq!(admin.status(), status, "nothing changed");
    assert_eq!(admin.versions(SVC), versions, "no new version");
    assert!(
        !state.join("blobs/sha256").join(sha256(&v3)).exists(),
        "the refused upload was not stored"
    );
    let after = admin.audit();
    assert_eq!(after[..audit.len()], audit[..]);
    let failures: Vec<_> = after[audit.len()..].iter().collect();
    assert_eq!(failures.len(), refused.len(), "{failures:?}");
    for entry in &failures {
        assert_eq!(entry["action"], "auth-failure", "{entry}");
        assert_eq!(entry["actor"], "anonymous", "{entry}");
        assert!(
            entry["detail"]["path"]
                .as_str()
                .unwrap()
                .starts_with("/v1/admin/")
        );
    }
    let client = Client::default();
    assert_eq!(
        invoke(&client, &server, SVC, "echo:x").body(),
        Some(v1_answer("x").as_str())
    );
    assert_chain_intact(&admin);
}

#[test]
fn a_deploy_asking_more_than_the_policy_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let policy = tmp.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[limits]\nmax_memory_bytes = 67108864\n[network]\nallowed_hosts = [\"*.example.com:443\"]\n",
    )
    .unwrap();
    let server = start(tmp.path(), &state, &["--policy", policy.to_str().unwrap()]);
    let admin = Admin::new(&server, &state);
    let hostile = wasm("hostile");
    let grants = |memory: u64, hosts: &str| {
        let without_network = HOSTILE_GRANTS
            .split("[permissions.network]")
            .next()
            .unwrap();
        format!(
            "[resources]\nmax_memory_bytes = {memory}\n{without_network}[permissions.network]\nallowed_hosts = [{hosts}]\n"
        )
    };

    let greedy = manifest(
        SVC,
        "1.0.0",
        &grants(268_435_456, "\"api.example.com:443\", \"evil.com:443\""),
    );
    let r = admin.deploy(SVC, "1.0.0", &hostile, &greedy);
    assert_eq!(r.status, 403, "{}", r.body);
    let error = &json(&r)["error"];
    assert_eq!(error["kind"], "policy");
    let details: Vec<&str> = error["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert_eq!(details.len(), 2, "{details:?}");
    assert!(
        details
            .iter()
            .any(|d| d.contains("[resources] max_memory_bytes")
                && d.contains("268435456")
                && d.contains("67108864")),
        "{details:?}"
    );
    assert!(
        details.iter().any(
            |d| d.contains("[permissions.network] allowed_hosts") && d.contains("evil.com:443")
        ),
        "{details:?}"
    );
    assert!(
        !details.iter().any(|d| d.contains("api.example.com")),
        "an allowed host is no excess: {details:?}"
    );
    assert_eq!(admin.history(SVC).status, 404, "nothing stored");
    assert!(admin.status().as_array().unwrap().is_empty());
    assert!(
        !state.join("blobs/sha256").join(sha256(&hostile)).exists(),
        "no blob stored"
    );

    // Within the policy: accepted.
    let modest = manifest(SVC, "1.0.0", &grants(33_554_432, "\"api.example.com:443\""));
    let r = admin.deploy(SVC, "1.0.0", &hostile, &modest);
    assert_eq!(r.status, 201, "{}", r.body);
    let client = Client::default();
    assert_eq!(invoke(&client, &server, SVC, "echo:ok").body(), Some("ok"));
}

#[test]
fn garbage_truncated_and_core_module_uploads_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    let echo = wasm("echo-target");
    let m = manifest(SVC, "1.0.0", "");
    let core_module = wat::parse_str("(module (func (export \"f\")))").unwrap();
    let cases: [(&str, Vec<u8>, &str); 4] = [
        (
            "garbage",
            b"this is not webassembly at all".to_vec(),
            "is not a WebAssembly file",
        ),
        ("empty", Vec::new(), "is not a WebAssembly file"),
        (
            "truncated",
            echo[..echo.len() / 2].to_vec(),
            "is not a valid WebAssembly component",
        ),
        ("core module", core_module, "is a core WebAssembly module ("),
    ];
    for (what, bytes, problem) in &cases {
        let r = admin.deploy(SVC, "1.0.0", bytes, &m);
        assert_eq!(r.status, 422, "{what}: {}", r.body);
        let error = &json(&r)["error"];
        assert_eq!(error["kind"], "invalid", "{what}");
        assert!(
            error["message"].as_str().unwrap().contains(problem),
            "{what}: the message names the problem ({problem:?}): {error}"
        );
    }
    // Malformed requests around a valid component.
    let r = admin.request_as(
        None,
        "POST",
        "/v1/admin/components/svc/versions/1.0.0",
        &echo,
        &[],
    );
    assert_eq!(r.status, 400, "no manifest header: {}", r.body);
    assert!(r.body.contains("x-airssys-manifest"), "{}", r.body);
    let r = admin.deploy(SVC, "1.0.0", &echo, &manifest(SVC, "9.9.9", ""));
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("9.9.9"), "{}", r.body);

    let history = admin.history(SVC);
    assert_eq!(history.status, 404, "nothing stored: {}", history.body);
    let blobs: Vec<_> = std::fs::read_dir(state.join("blobs/sha256"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(blobs.is_empty(), "no blob stored: {blobs:?}");
    assert!(audit_of(&admin.audit(), "deploy").is_empty());
}

#[test]
fn a_truncated_upload_says_what_is_wrong_with_it() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    let echo = wasm("echo-target");
    let r = admin.deploy(
        SVC,
        "1.0.0",
        &echo[..echo.len() / 2],
        &manifest(SVC, "1.0.0", ""),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    let error = &json(&r)["error"];
    let text = format!("{} {}", error["message"], error["details"]);
    assert!(
        text.contains("offset"),
        "the validator's reason (wasmparser: `unexpected end-of-file (at offset 0x…)`) reaches the client: {error}"
    );
}

#[test]
fn concurrent_deploys_of_one_name_end_consistent() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    let echo = wasm("echo-target");
    let hostile = wasm("hostile");
    let names = ["alpha", "beta", "gamma"];
    let barrier = Arc::new(Barrier::new(names.len() * 2));
    let outcomes: HashMap<(String, String), Value> = std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for name in names {
            for version in ["1.0.0", "2.0.0"] {
                let (barrier, echo, hostile) = (barrier.clone(), &echo, &hostile);
                let admin = Admin::new(&server, &state);
                handles.push(scope.spawn(move || {
                    let (bytes, manifest) = if version == "1.0.0" {
                        (echo.clone(), manifest(name, version, ""))
                    } else {
                        (hostile.clone(), hostile_manifest(name, version, ""))
                    };
                    barrier.wait();
                    let r = admin.deploy(name, version, &bytes, &manifest);
                    assert_eq!(r.status, 201, "{name}@{version}: {}", r.body);
                    ((name.to_string(), version.to_string()), json(&r))
                }));
            }
        }
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let client = Client::default();
    for name in names {
        let activated: Vec<&str> = ["1.0.0", "2.0.0"]
            .into_iter()
            .filter(|v| outcomes[&(name.to_string(), v.to_string())]["activated"] == true)
            .collect();
        assert_eq!(
            activated.len(),
            1,
            "{name}: exactly one activated: {outcomes:?}"
        );
        let versions: BTreeSet<String> = admin
            .versions(name)
            .iter()
            .map(|v| v["version"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(versions, BTreeSet::from(["1.0.0".into(), "2.0.0".into()]));
        let d = admin.deployment(name);
        assert_eq!(d["active_version"], activated[0], "{d}");
        assert!(
            d["previous_version"].is_null() && d["canary"].is_null(),
            "{d}"
        );
        let answer = invoke(&client, &server, name, "echo:x");
        let expected = if activated[0] == "1.0.0" {
            v1_answer("x")
        } else {
            V2.to_string()
        };
        assert_eq!(
            answer.result,
            Ok((200, expected, activated[0].to_string())),
            "{name}"
        );
    }
    let audit = admin.audit();
    assert_eq!(audit_of(&audit, "deploy").len(), 6);
    assert_eq!(audit_of(&audit, "update").len(), 3, "one activation each");
    assert_chain_intact(&admin);
}

/// One sample of the Prometheus text format.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses (and so validates) the Prometheus text exposition format 0.0.4.
fn parse_prometheus(text: &str) -> Vec<Sample> {
    fn is_name(s: &str, colon: bool) -> bool {
        let mut chars = s.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || (colon && c == ':'))
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (colon && c == ':'))
    }
    let mut types: HashMap<String, String> = HashMap::new();
    let mut helps: BTreeSet<String> = BTreeSet::new();
    let mut samples = Vec::new();
    assert!(text.ends_with('\n'), "the exposition ends with a newline");
    for (n, line) in text.lines().enumerate() {
        let at = || format!("line {}: {line:?}", n + 1);
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            match (parts.next(), parts.next(), parts.next()) {
                (Some("HELP"), Some(name), Some(_)) => {
                    assert!(is_name(name, true), "{}", at());
                    assert!(helps.insert(name.to_string()), "HELP twice: {}", at());
                }
                (Some("TYPE"), Some(name), Some(kind)) => {
                    assert!(is_name(name, true), "{}", at());
                    assert!(
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                        "{}",
                        at()
                    );
                    assert!(
                        types.insert(name.to_string(), kind.to_string()).is_none(),
                        "TYPE twice: {}",
                        at()
                    );
                }
                _ => {}
            }
            continue;
        }
        assert!(!line.starts_with('#'), "{}", at());
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{}", at()));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            v => v.parse().unwrap_or_else(|_| panic!("value: {}", at())),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series, BTreeMap::new()),
            Some((name, rest)) => {
                let body = rest.strip_suffix('}').unwrap_or_else(|| panic!("{}", at()));
                let mut labels = BTreeMap::new();
                let mut rest = body;
                while !rest.is_empty() {
                    let (key, after) = rest.split_once("=\"").unwrap_or_else(|| panic!("{}", at()));
                    assert!(is_name(key, false), "label name: {}", at());
                    let mut value = String::new();
                    let mut chars = after.char_indices();
                    let end = loop {
                        match chars.next() {
                            Some((_, '\\')) => match chars.next() {
                                Some((_, 'n')) => value.push('\n'),
                                Some((_, c @ ('\\' | '"'))) => value.push(c),
                                _ => panic!("escape: {}", at()),
                            },
                            Some((i, '"')) => break i,
                            Some((_, c)) => value.push(c),
                            None => panic!("unterminated label: {}", at()),
                        }
                    };
                    assert!(labels.insert(key.to_string(), value).is_none(), "{}", at());
                    rest = &after[end + 1..];
                    rest = rest.strip_prefix(',').unwrap_or(rest);
                }
                (name, labels)
            }
        };
        assert!(is_name(name, true), "metric name: {}", at());
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| types.get(*f).is_some_and(|t| t == "histogram"))
            })
            .unwrap_or(name);
        assert!(
            types.contains_key(family),
            "sample before its TYPE: {}",
            at()
        );
        samples.push(Sample {
            name: name.to_string(),
            labels,
            value,
        });
    }
    samples
}

#[test]
fn metrics_count_calls_per_version_in_prometheus_text() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    admin.deploy_v1_v2();
    let client = Client::default();
    for _ in 0..7 {
        assert!(invoke(&client, &server, SVC, "echo:x").ok());
    }
    admin.update_ok(SVC, json!({ "version": "2.0.0", "strategy": "immediate" }));
    for _ in 0..5 {
        assert!(invoke(&client, &server, SVC, "echo:y").ok());
    }
    for _ in 0..2 {
        let answer = invoke(&client, &server, SVC, "panic");
        assert!(matches!(answer.result, Ok((500, _, _))), "{answer:?}");
    }

    let health = get(&server.url("/healthz")).unwrap();
    assert_eq!(health.status, 200, "{}", health.body);
    let metrics = get(&server.url("/metrics")).unwrap();
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/plain") && t.contains("version=0.0.4")),
        "{:?}",
        metrics.headers
    );
    let samples = parse_prometheus(&metrics.body);
    let value = |name: &str, labels: &[(&str, &str)]| -> Option<f64> {
        let wanted: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        samples
            .iter()
            .find(|s| s.name == name && s.labels == wanted)
            .map(|s| s.value)
    };
    let calls = |version| {
        value(
            "airssys_calls_total",
            &[("component", SVC), ("version", version)],
        )
    };
    assert_eq!(calls("1.0.0"), Some(7.0), "{}", metrics.body);
    assert_eq!(calls("2.0.0"), Some(7.0), "{}", metrics.body);
    let errors: f64 = samples
        .iter()
        .filter(|s| {
            s.name == "airssys_errors_total"
                && s.labels.get("component").map(String::as_str) == Some(SVC)
                && s.labels.get("version").map(String::as_str) == Some("2.0.0")
        })
        .map(|s| s.value)
        .sum();
    assert_eq!(errors, 2.0, "the two traps are errors of v2");
    assert_eq!(
        value(
            "airssys_call_duration_seconds_count",
            &[("component", SVC), ("version", "1.0.0")]
        ),
        Some(7.0)
    );
    assert_eq!(
        value(
            "airssys_traffic_weight_percent",
            &[("component", SVC), ("version", "2.0.0")]
        ),
        Some(100.0)
    );
    assert_eq!(
        value(
            "airssys_traffic_weight_percent",
            &[("component", SVC), ("version", "1.0.0")]
        ),
        Some(0.0)
    );
}

#[test]
fn an_update_during_a_canary_ends_the_canary_everywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    admin.deploy_v1_v2();
    let echo = wasm("echo-target");
    let r = admin.deploy(
        SVC,
        "3.0.0",
        &variant(&echo, "v3"),
        &manifest(SVC, "3.0.0", ""),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    admin.update_ok(
        SVC,
        json!({ "version": "2.0.0", "strategy": "canary", "weight": 30 }),
    );
    // An immediate switch to v3 while v2 is the canary: all traffic to v3.
    let d = admin.update_ok(SVC, json!({ "version": "3.0.0", "strategy": "immediate" }));
    let versions = spray(&server, 100, 1);
    assert!(
        versions.iter().all(|v| v == "3.0.0"),
        "all calls on v3 after the switch"
    );
    assert!(
        d["canary"].is_null() && admin.deployment(SVC)["canary"].is_null(),
        "the host serves no canary, so the recorded state must not show one: {}",
        admin.deployment(SVC)
    );
    let (code, _) = server.terminate();
    assert_eq!(code, Some(0));
    let server = start(tmp.path(), &state, &[]);
    let versions = spray(&server, 100, 1);
    assert!(
        versions.iter().all(|v| v == "3.0.0"),
        "a restart must not bring the ended canary back: {:?}",
        versions.iter().filter(|v| *v != "3.0.0").count()
    );
}
