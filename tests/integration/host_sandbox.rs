//! The sandbox on a real `serve`: the nested-grant symlink escape cannot reach
//! the state directory, stored versions are held to the policy in force at every
//! load, and writable grants have a disk quota by default.

use super::support::host::{
    Admin, Client, HOSTILE_GRANTS, SVC, hostile_manifest, invoke, json, start, state_dir, wasm,
};

/// The hostile guest with nested writable grants, a fresh instance per call.
fn nested_manifest(version: &str) -> String {
    let without_fs = HOSTILE_GRANTS.replace(
        "[permissions.filesystem]\nreadable_paths = [\"data/**\"]\n",
        "",
    );
    format!(
        "[component]\nname = \"{SVC}\"\nversion = \"{version}\"\nlanguage = \"prebuilt\"\n\
         [runtime]\ninstance_mode = \"per-request\"\n{without_fs}\
         [permissions.filesystem]\nwritable_paths = [\"data/**\", \"data/cache/**\"]\n"
    )
}

fn audit_denials(admin: &Admin) -> Vec<serde_json::Value> {
    admin
        .audit()
        .into_iter()
        .filter(|e| e["action"] == "permission-denied")
        .collect()
}

#[test]
fn the_nested_grant_symlink_escape_never_reaches_the_state_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let policy = tmp.path().join("policy.toml");
    std::fs::write(&policy, "[filesystem]\nallowed_roots = [\"data/**\"]\n").unwrap();
    let server = start(tmp.path(), &state, &["--policy", policy.to_str().unwrap()]);
    let admin = Admin::new(&server, &state);
    let r = admin.deploy(SVC, "1.0.0", &wasm("hostile"), &nested_manifest("1.0.0"));
    assert_eq!(r.status, 201, "{}", r.body);
    let client = Client::default();
    let token = std::fs::read_to_string(state.join("admin.token")).unwrap();

    // Call 1: remove the nested directory and plant `cache -> ../../..`.
    let planted = invoke(&client, &server, SVC, "plant:../../..:/data/cache");
    assert_eq!(planted.body(), Some("ok"), "{planted:?}");
    // Every later call: the grant is refused; nothing of the state dir shows.
    for command in [
        "list:/data/cache",
        "read:/data/cache/admin.token",
        "write:/data/cache/planted:x",
    ] {
        let answer = invoke(&client, &server, SVC, command);
        let (status, body, _) = answer.result.clone().expect("the host answers");
        assert_eq!(status, 500, "{command}: {body}");
        // The client learns only that the call failed; the audit (below) and
        // the host's log have the refused grant and the link.
        assert!(
            body.contains("the details are in the host's log"),
            "{command}: {body}"
        );
        for leak in ["airssys.db", "blobs", token.trim()] {
            assert!(!body.contains(leak), "{command} leaked {leak}: {body}");
        }
    }
    assert!(!state.join("planted").exists());
    let denials = audit_denials(&admin);
    let refused: Vec<_> = denials
        .iter()
        .filter(|d| {
            d["detail"]["action"]
                .as_str()
                .is_some_and(|a| a.contains("`data/cache/**` through a symlink"))
        })
        .collect();
    assert_eq!(
        refused.len(),
        3,
        "one audit entry per refused call: {denials:?}"
    );

    // A new version cannot get the link followed when its data dirs are provisioned.
    let r = admin.deploy(SVC, "1.0.1", &wasm("hostile"), &nested_manifest("1.0.1"));
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("symbolic link"), "{}", r.body);
    // Nor after a restart.
    let (code, _) = server.terminate();
    assert_eq!(code, Some(0));
    let server = start(tmp.path(), &state, &["--policy", policy.to_str().unwrap()]);
    let answer = invoke(&client, &server, SVC, "list:/data/cache");
    let (status, body, _) = answer.result.expect("the host answers");
    assert_eq!(status, 500, "{body}");
    assert!(!body.contains("airssys.db"), "{body}");
}

#[test]
fn a_version_the_policy_now_refuses_is_not_served_after_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    // Deployed on an open host: reads `/`.
    let server = start(tmp.path(), &state, &["--policy", "permissive"]);
    let admin = Admin::new(&server, &state);
    let open = hostile_manifest(
        SVC,
        "1.0.0",
        "[permissions.filesystem]\nreadable_paths = [\"/**\"]\n",
    )
    .replace(
        "[permissions.filesystem]\nreadable_paths = [\"data/**\"]\n",
        "",
    );
    let r = admin.deploy(SVC, "1.0.0", &wasm("hostile"), &open);
    assert_eq!(r.status, 201, "{}", r.body);
    let client = Client::default();
    assert!(invoke(&client, &server, SVC, "list:/").ok());
    server.terminate();

    // Restarted with a policy that allows only the data directory.
    let policy = tmp.path().join("policy.toml");
    std::fs::write(&policy, "[filesystem]\nallowed_roots = [\"data/**\"]\n").unwrap();
    let mut server = start(tmp.path(), &state, &["--policy", policy.to_str().unwrap()]);
    let warning = server.wait_for_line("not serving svc@1.0.0", std::time::Duration::from_secs(10));
    assert!(warning.contains("/**"), "{warning}");
    let answer = invoke(&client, &server, SVC, "list:/");
    let (status, body, _) = answer.result.expect("the host answers");
    assert_eq!(status, 404, "{body}");
    let admin = Admin::new(&server, &state);
    let status = json(&admin.request("GET", "/v1/admin/status", b""));
    let not_served = &status["not_served"][SVC];
    assert_eq!(not_served["version"], "1.0.0", "{status}");
    assert_eq!(
        not_served["reason"], "refused by the host's policy",
        "{status}"
    );
    assert!(
        not_served["details"][0].as_str().unwrap().contains("/**"),
        "{status}"
    );
    let refusals: Vec<_> = audit_denials(&admin)
        .into_iter()
        .filter(|d| {
            d["detail"]["action"]
                .as_str()
                .unwrap_or("")
                .contains("refused by the host's policy")
        })
        .collect();
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    // Rolling back to it is refused too, naming the excess.
    let r = admin.action(
        SVC,
        "rollback",
        Some(serde_json::json!({ "to_version": "1.0.0" })),
    );
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(json(&r)["error"]["kind"], "policy");
}

#[test]
fn writable_grants_have_a_disk_quota_by_default() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    let manifest = hostile_manifest(SVC, "1.0.0", "[resources]\nmax_execution_ms = 60000\n")
        .replace(
            "readable_paths = [\"data/**\"]",
            "writable_paths = [\"data/**\"]",
        );
    let r = admin.deploy(SVC, "1.0.0", &wasm("hostile"), &manifest);
    assert_eq!(r.status, 201, "{}", r.body);
    let client = Client::default();
    let answer = invoke(&client, &server, SVC, "fill:/data:10050:1");
    let (status, body, _) = answer.result.expect("the host answers");
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("disk-quota"), "{body}");
    assert!(body.contains("max_files"), "{body}");
    let files = std::fs::read_dir(state.join("data").join(SVC).join("data"))
        .unwrap()
        .count();
    assert!(files <= 10_000, "{files}");
}

#[test]
fn every_filesystem_denial_of_the_hostile_suite_is_audited_once_with_its_fix() {
    use super::fs_surface::{DeniedCall, GRANTS, all_denials, lay_out};
    let tmp = tempfile::tempdir().unwrap();
    let state = state_dir(tmp.path());
    let server = start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    let client = Client::default();
    let other_grants = HOSTILE_GRANTS.replace(
        "[permissions.filesystem]\nreadable_paths = [\"data/**\"]\n",
        "",
    );
    let denials: Vec<&DeniedCall> = all_denials().collect();
    // The audit keeps at most 10 events per component a minute (a flood
    // guard), so each component of this test triggers at most that many.
    for (i, chunk) in denials.chunks(10).enumerate() {
        let name = format!("fs{i}");
        let manifest = format!(
            "[component]\nname = \"{name}\"\nversion = \"1.0.0\"\nlanguage = \"prebuilt\"\n\
             {other_grants}{GRANTS}"
        );
        let r = admin.deploy(&name, "1.0.0", &wasm("hostile"), &manifest);
        assert_eq!(r.status, 201, "{}", r.body);
        lay_out(&state.join("data").join(&name));
        for case in chunk {
            let answer = invoke(&client, &server, &name, case.command);
            let (status, body, _) = answer.result.expect("the host answers");
            assert_eq!(status, 403, "{}: {body}", case.command);
        }
        // Outside every grant: refused in the guest, never reaching the host.
        let answer = invoke(&client, &server, &name, "read:/secret.txt");
        let (status, body, _) = answer.result.expect("the host answers");
        assert_eq!(status, 404, "{body}");
        assert!(!body.contains("TOP SECRET"), "{body}");

        let mut audited: Vec<(String, String)> = audit_denials(&admin)
            .into_iter()
            .filter(|e| e["component"] == name.as_str())
            .map(|e| {
                (
                    e["detail"]["action"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    e["detail"]["help"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let mut expected: Vec<(String, String)> = chunk
            .iter()
            .map(|c| (c.action.to_string(), c.help.to_string()))
            .collect();
        audited.sort();
        expected.sort();
        assert_eq!(
            audited, expected,
            "{name}: each denial audited exactly once"
        );
    }
}
