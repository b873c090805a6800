//! Cluster mode against a real NATS JetStream server and real `serve`
//! processes: what one host deploys, rolls out or rolls back, every host
//! serves; the canary split holds across hosts; one audit chain.

use std::time::{Duration, Instant};

use serde_json::json;

use super::support::host::{self, Client, SVC, json as body_json, v1_answer};
use super::support::nats::{Nats, host as host_on, host_with, hosts};
use super::support::server::Server;

/// Waits (bounded) until `server` answers `svc` with `expected`.
fn until_serves(client: &Client, server: &Server, expected: &str) {
    let started = Instant::now();
    loop {
        let answer = host::invoke(client, server, SVC, "echo:x");
        if answer.body() == Some(expected) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{} never answered {expected:?}; last: {:?}",
            server.addr,
            answer.result
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn every_host_serves_what_any_host_deploys_rolls_out_and_rolls_back() {
    let tmp = tempfile::tempdir().unwrap();
    let nats = Nats::start(&tmp.path().join("nats"));
    let cluster = hosts(tmp.path(), &nats, 3);
    let [(a, admin_a), (b, admin_b), (c, admin_c)] = &cluster[..] else {
        unreachable!()
    };
    let client = Client::default();

    // Deployed through A: served by B and C.
    admin_a.deploy_v1_v2();
    let v1 = v1_answer("x");
    for server in [a, b, c] {
        until_serves(&client, server, &v1);
    }

    // A canary at 20% set through A holds across every host's traffic.
    admin_a.update_ok(
        SVC,
        json!({ "version": "2.0.0", "strategy": "canary", "weight": 20 }),
    );
    let started = Instant::now();
    for server in [b, c] {
        loop {
            let versions: Vec<String> = (0..100)
                .map(
                    |_| match host::invoke(&client, server, SVC, "echo:x").result {
                        Ok((_, _, v)) => v,
                        Err(e) => panic!("{e}"),
                    },
                )
                .collect();
            if versions.iter().any(|v| v == "2.0.0") {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{} never split",
                server.addr
            );
        }
    }
    let (mut calls, mut canary) = (0, 0);
    for i in 0..3000 {
        let server = [a, b, c][i % 3];
        let answer = host::invoke(&client, server, SVC, "echo:x");
        let Ok((200, _, version)) = &answer.result else {
            panic!("call {i} to {} failed: {:?}", server.addr, answer.result);
        };
        calls += 1;
        canary += usize::from(version == "2.0.0");
    }
    let share = canary as f64 / calls as f64;
    assert!(
        (0.17..=0.23).contains(&share),
        "{canary} of {calls} calls went to the canary"
    );

    // Promoted through C, rolled back through B: every host follows.
    let r = admin_c.action(SVC, "promote", None);
    assert_eq!(r.status, 200, "{}", r.body);
    for server in [a, b, c] {
        until_serves(&client, server, "x");
    }
    let r = admin_b.action(SVC, "rollback", Some(json!({})));
    assert_eq!(r.status, 200, "{}", r.body);
    for server in [a, b, c] {
        until_serves(&client, server, &v1);
    }

    // One audit log, one chain, seen the same from every host.
    let verified = body_json(&admin_c.request("GET", "/v1/admin/audit/verify", b""));
    assert_eq!(
        verified["first_broken"],
        serde_json::Value::Null,
        "{verified}"
    );
    let from_a = body_json(&admin_a.request("GET", "/v1/admin/audit?component=svc", b""));
    let actions: Vec<&str> = from_a["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "deploy", "update", "deploy", "update", "promote", "rollback"
        ]
    );
}

#[test]
fn concurrent_deploys_of_one_name_through_two_hosts_keep_one_version_and_one_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let nats = Nats::start(&tmp.path().join("nats"));
    let cluster = hosts(tmp.path(), &nats, 2);
    let [(_, admin_a), (_, admin_b)] = &cluster[..] else {
        unreachable!()
    };
    let one = host::wasm("echo-target");
    let other = host::variant(&one, "other bytes");
    let manifest = host::manifest(SVC, "1.0.0", "");
    let (ra, rb) = std::thread::scope(|s| {
        let a = s.spawn(|| admin_a.deploy(SVC, "1.0.0", &one, &manifest));
        let b = s.spawn(|| admin_b.deploy(SVC, "1.0.0", &other, &manifest));
        (a.join().unwrap(), b.join().unwrap())
    });
    let mut statuses = [ra.status, rb.status];
    statuses.sort();
    assert_eq!(statuses, [201, 409], "{} / {}", ra.body, rb.body);
    let verified = body_json(&admin_b.request("GET", "/v1/admin/audit/verify", b""));
    assert_eq!(
        verified["first_broken"],
        serde_json::Value::Null,
        "{verified}"
    );
    let log = body_json(&admin_a.request("GET", "/v1/admin/audit?component=svc", b""));
    let deploys = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "deploy")
        .count();
    assert_eq!(deploys, 1, "{log}");
}

#[test]
fn a_rolling_update_survives_the_death_of_its_controller() {
    let tmp = tempfile::tempdir().unwrap();
    let nats = Nats::start(&tmp.path().join("nats"));
    let cluster = hosts(tmp.path(), &nats, 3);
    let admin = &cluster[0].1;
    admin.deploy_v1_v2();
    admin.update_ok(
        SVC,
        json!({ "version": "2.0.0", "strategy": "rolling", "steps": [10, 50, 100], "interval_ms": 1500 }),
    );

    // One host holds the controller lease: kill it (-9) mid-rollout.
    let started = Instant::now();
    let controller = loop {
        let view = body_json(&admin.request("GET", "/v1/admin/cluster", b""));
        let holders: Vec<String> = view["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["controller"] == true)
            .map(|h| h["addr"].as_str().unwrap().to_string())
            .collect();
        assert!(holders.len() <= 1, "two controllers at once: {view}");
        if let [one] = &holders[..] {
            break one.clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no controller: {view}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let index = cluster
        .iter()
        .position(|(server, _)| server.url("").contains(&controller))
        .expect("the controller is one of the hosts");
    host::kill9(host::pid(&tmp.path().join(format!("host-{index}"))));
    let survivor = &cluster[(index + 1) % 3].1;

    // Another host takes the lease over and finishes the rollout.
    let started = Instant::now();
    loop {
        let status = body_json(&survivor.request("GET", "/v1/admin/status", b""));
        let svc = &status["deployments"][0];
        if svc["active_version"] == "2.0.0" && svc["canary"].is_null() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the rollout is stuck: {status}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let view = body_json(&survivor.request("GET", "/v1/admin/cluster", b""));
    let new_controller = view["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["controller"] == true)
        .map(|h| h["addr"].as_str().unwrap().to_string());
    assert!(new_controller.is_some_and(|c| c != controller), "{view}");
    let verified = body_json(&survivor.request("GET", "/v1/admin/audit/verify", b""));
    assert_eq!(
        verified["first_broken"],
        serde_json::Value::Null,
        "{verified}"
    );
    let log = body_json(&survivor.request("GET", "/v1/admin/audit?component=svc", b""));
    let promoted = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "promote" && e["actor"] == "airssys-controller");
    assert!(promoted, "{log}");
}

#[test]
fn a_host_killed_mid_deploy_loses_no_acknowledged_version_and_the_chain_holds() {
    let tmp = tempfile::tempdir().unwrap();
    let nats = Nats::start(&tmp.path().join("nats"));
    let cluster = hosts(tmp.path(), &nats, 2);
    let (doomed, survivor) = (&cluster[0].1, &cluster[1].1);
    let component = host::wasm("echo-target");

    // Deploys through the doomed host until it dies under them.
    let (acked, progress) = std::sync::mpsc::channel();
    let acknowledged = std::thread::scope(|s| {
        let deploys = s.spawn(move || {
            let mut acknowledged = Vec::new();
            for i in 0..400 {
                let version = format!("1.0.{i}");
                let bytes = host::variant(&component, &version);
                match doomed.try_deploy(SVC, &version, &bytes, &host::manifest(SVC, &version, "")) {
                    Ok(r) if r.status == 201 => {
                        acknowledged.push(version);
                        let _ = acked.send(());
                    }
                    _ => break,
                }
            }
            acknowledged
        });
        // Killed after five acknowledged deploys, while the sixth is in flight.
        for _ in 0..5 {
            progress.recv().expect("the deploys go on");
        }
        host::kill9(host::pid(&tmp.path().join("host-0")));
        deploys.join().unwrap()
    });
    assert!(
        acknowledged.len() > 3,
        "too few deploys before the kill: {acknowledged:?}"
    );

    // A host started now finishes what the dead one left half-audited.
    let (_late_server, late) = &host_on(tmp.path(), &nats, 2, Some(&survivor.token));
    for admin in [survivor, late] {
        let history = body_json(&admin.request("GET", "/v1/admin/components/svc/history", b""));
        let stored: Vec<&str> = history["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["version"].as_str().unwrap())
            .collect();
        for version in &acknowledged {
            assert!(
                stored.contains(&version.as_str()),
                "{version} was acknowledged, then lost"
            );
        }
        let verified = body_json(&admin.request("GET", "/v1/admin/audit/verify", b""));
        assert_eq!(
            verified["first_broken"],
            serde_json::Value::Null,
            "{verified}"
        );
        let log =
            body_json(&admin.request("GET", "/v1/admin/audit?component=svc&limit=10000", b""));
        let mut audited: Vec<&str> = log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "deploy")
            .map(|e| e["version"].as_str().unwrap())
            .collect();
        audited.sort();
        let mut expected = stored.clone();
        expected.sort();
        assert_eq!(
            audited, expected,
            "every stored version is audited exactly once"
        );
    }
}

#[test]
fn hosts_on_a_three_node_nats_cluster_keep_serving_and_deploying_when_a_node_dies() {
    let tmp = tempfile::tempdir().unwrap();
    let mut nodes = Nats::cluster(&tmp.path().join("nats"));
    let urls: Vec<String> = nodes.iter().map(|n| n.url.clone()).collect();
    let urls = urls.join(",");
    let replicated = ["--cluster-replicas", "3"];
    let (a, admin_a) = host_with(tmp.path(), &urls, 0, None, &replicated);
    let token = admin_a.token.clone();
    let (b, admin_b) = host_with(tmp.path(), &urls, 1, Some(&token), &replicated);
    let client = Client::default();
    admin_a.deploy_v1_v2();
    let v1 = v1_answer("x");
    for server in [&a, &b] {
        until_serves(&client, server, &v1);
    }

    // One NATS node dies: the hosts keep serving, and the next change still lands.
    nodes[0].kill();
    for server in [&a, &b] {
        until_serves(&client, server, &v1);
    }
    let started = Instant::now();
    loop {
        let r = admin_b.update(SVC, json!({ "version": "2.0.0", "strategy": "immediate" }));
        if r.status == 200 {
            break;
        }
        // The NATS cluster elects new leaders for the dead node's streams:
        // requests to them time out meanwhile (seconds).
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no deploy after the node died: {}",
            r.body
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    for server in [&a, &b] {
        until_serves(&client, server, "x");
    }
    // Nothing acknowledged before the failure is lost, and the chain holds.
    let history = body_json(&admin_a.request("GET", "/v1/admin/components/svc/history", b""));
    assert_eq!(
        history["versions"].as_array().map(Vec::len),
        Some(2),
        "{history}"
    );
    let verified = body_json(&admin_a.request("GET", "/v1/admin/audit/verify", b""));
    assert_eq!(
        verified["first_broken"],
        serde_json::Value::Null,
        "{verified}"
    );
    assert_eq!(verified["entries"], 4, "{verified}");
}

#[test]
fn every_strategy_completes_across_three_hosts_under_load_with_no_failed_request() {
    let tmp = tempfile::tempdir().unwrap();
    let nats = Nats::start(&tmp.path().join("nats"));
    let cluster = hosts(tmp.path(), &nats, 3);
    let servers: Vec<&Server> = cluster.iter().map(|(s, _)| s).collect();
    let admins: Vec<_> = cluster.iter().map(|(_, a)| a).collect();
    admins[0].deploy_v1_v2();
    let client = Client::default();
    let v1 = v1_answer("x");
    for server in &servers {
        until_serves(&client, server, &v1);
    }
    let stop = std::sync::atomic::AtomicBool::new(false);
    let everywhere = |answer: &str| {
        for server in &servers {
            until_serves(&client, server, answer);
        }
    };
    let (calls, failures) = std::thread::scope(|s| {
        let loads: Vec<_> = servers
            .iter()
            .map(|server| {
                let stop = &stop;
                s.spawn(move || {
                    let client = Client::default();
                    let (mut calls, mut failures) = (0u32, Vec::new());
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let answer = host::invoke(&client, server, SVC, "echo:x");
                        calls += 1;
                        if !answer.ok() {
                            failures.push(format!("{}: {:?}", server.addr, answer.result));
                        }
                    }
                    (calls, failures)
                })
            })
            .collect();
        let update = |i: usize, request: serde_json::Value| {
            admins[i].update_ok(SVC, request);
        };
        update(0, json!({ "version": "2.0.0", "strategy": "immediate" }));
        everywhere("x");
        update(1, json!({ "version": "1.0.0", "strategy": "blue-green" }));
        everywhere(&v1);
        update(
            2,
            json!({ "version": "2.0.0", "strategy": "canary", "weight": 30 }),
        );
        std::thread::sleep(Duration::from_millis(500));
        let r = admins[0].action(SVC, "promote", None);
        assert_eq!(r.status, 200, "{}", r.body);
        everywhere("x");
        update(
            1,
            json!({ "version": "1.0.0", "strategy": "rolling", "steps": [25, 100], "interval_ms": 500 }),
        );
        everywhere(&v1);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        loads.into_iter().map(|l| l.join().unwrap()).fold(
            (0, Vec::new()),
            |(calls, mut failures), (c, f)| {
                failures.extend(f);
                (calls + c, failures)
            },
        )
    });
    assert!(
        failures.is_empty(),
        "{} of {calls} calls failed: {failures:?}",
        failures.len()
    );
    assert!(calls > 300, "too little load to tell: {calls} calls");
}

#[test]
fn the_controller_aborts_a_canary_failing_on_another_host() {
    let tmp = tempfile::tempdir().unwrap();
    let nats = Nats::start(&tmp.path().join("nats"));
    let cluster = hosts(tmp.path(), &nats, 2);
    let admin = &cluster[0].1;
    let r = admin.deploy(
        SVC,
        "1.0.0",
        &host::wasm("echo-target"),
        &host::manifest(SVC, "1.0.0", ""),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let r = admin.deploy(
        SVC,
        "3.0.0",
        &host::wasm("hostile"),
        &host::hostile_manifest(SVC, "3.0.0", ""),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    // Wait for a controller, then fail the canary only on the other host.
    let started = Instant::now();
    let controller = loop {
        let view = body_json(&admin.request("GET", "/v1/admin/cluster", b""));
        let found = view["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["controller"] == true)
            .map(|h| h["addr"].as_str().unwrap().to_string());
        if let Some(found) = found {
            break found;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no controller: {view}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let (other, _) = cluster
        .iter()
        .find(|(s, _)| !s.url("").contains(&controller))
        .expect("a host that is not the controller");
    admin.update_ok(
        SVC,
        json!({ "version": "3.0.0", "strategy": "canary", "weight": 50, "max_error_rate": 0.2 }),
    );
    let client = Client::default();
    let started = Instant::now();
    loop {
        let _ = host::invoke(&client, other, SVC, "panic");
        let status = body_json(&admin.request("GET", "/v1/admin/status", b""));
        if status["deployments"][0]["canary"].is_null() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the canary failing on {} was not aborted by the controller on {controller}",
            other.addr
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let log = body_json(&admin.request("GET", "/v1/admin/audit?component=svc", b""));
    let abort = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "abort")
        .cloned()
        .unwrap_or_else(|| panic!("no abort in {log}"));
    assert_eq!(abort["actor"], "airssys-controller", "{abort}");
    assert!(
        abort["detail"]["reason"]
            .as_str()
            .unwrap()
            .contains("canary error rate"),
        "{abort}"
    );
}

#[test]
fn a_messaging_call_reaches_a_component_only_another_host_serves() {
    let tmp = tempfile::tempdir().unwrap();
    let nats = Nats::start(&tmp.path().join("nats"));
    // A's built-in policy refuses `far` (it reads an AIRSSYS_* variable); B
    // serves anything.
    let (a, admin_a) = host_with(tmp.path(), &nats.url, 0, None, &[]);
    let (_b, admin_b) = host_with(
        tmp.path(),
        &nats.url,
        1,
        Some(&admin_a.token),
        &["--policy", "permissive"],
    );
    let far = host::manifest(
        "far",
        "1.0.0",
        "[permissions.environment]\nvariables = [\"AIRSSYS_FAR\"]\n",
    );
    let r = admin_b.deploy("far", "1.0.0", &host::wasm("echo-target"), &far);
    assert_eq!(r.status, 201, "{}", r.body);
    let caller = host::hostile_manifest("caller", "1.0.0", "")
        .replace("targets = [\"other\"]", "targets = [\"far\", \"nowhere\"]");
    let r = admin_b.deploy("caller", "1.0.0", &host::wasm("hostile"), &caller);
    assert_eq!(r.status, 201, "{}", r.body);

    let client = Client::default();
    let started = Instant::now();
    let answer = loop {
        let answer = host::invoke(&client, &a, "caller", "call:far:hi");
        if answer.ok() {
            break answer;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{:?}",
            answer.result
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    // A does not serve `far` itself: B answered the call.
    assert_eq!(host::invoke(&client, &a, "far", "x").result.unwrap().0, 404);
    assert_eq!(answer.body(), Some("echo:hi"));

    // The caller's own grants still gate the call, and a target no host
    // serves is not found.
    let denied = host::invoke(&client, &a, "caller", "call:other:hi");
    assert_eq!(
        denied.result.as_ref().unwrap().0,
        403,
        "{:?}",
        denied.result
    );
    let missing = host::invoke(&client, &a, "caller", "call:nowhere:hi");
    assert_eq!(
        missing.result.as_ref().unwrap().0,
        404,
        "{:?}",
        missing.result
    );
}
