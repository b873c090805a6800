//! The admin API behind the pipeline editor, over HTTP against a real `studio`
//! and a real `serve`: drafts written into Pipeline.toml, checked (errors on
//! nodes and edges, missing grants, wrong worlds), run with a trace, saved to
//! the workspace and deployed; the static editor under its CSP; the token.

use serde_json::{Value, json};

use super::support::host::{self, Admin, json as body_json};
use super::support::studio::{pipeline_run, start, workspace};

fn post(admin: &Admin, path: &str, body: Value) -> Value {
    let reply = admin.request_as(
        None,
        "POST",
        path,
        body.to_string().as_bytes(),
        &[
            ("content-type", "application/json"),
            ("x-airssys-actor", "ui"),
        ],
    );
    assert!(
        reply.status < 300,
        "{path}: {} {}",
        reply.status,
        reply.body
    );
    body_json(&reply)
}

fn node(name: &str, component: &str, needs: &[&str]) -> Value {
    json!({ "name": name, "component": component, "needs": needs })
}

fn draft(nodes: Vec<Value>) -> Value {
    json!({ "pipeline": { "name": "shout", "version": "0.1.0" }, "nodes": nodes })
}

const SHOUT: &str = "[pipeline]\nname = \"shout\"\nversion = \"0.1.0\"\n\n\
    [nodes.upper]\ncomponent = \"upper\"\n\n\
    [nodes.exclaim]\ncomponent = \"exclaim\"\nneeds = [\"upper\"]\n\n\
    [nodes.wrap]\ncomponent = \"wrap\"\nneeds = [\"exclaim\"]\n";

#[test]
fn a_studio_checks_runs_saves_and_deploys_drafts() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, state) = (tmp.path().join("ws"), tmp.path().join("state"));
    workspace(&root);
    let (server, admin) = start(&root, &state);
    assert!(
        server.stderr().contains("leaky cannot run in pipelines"),
        "{}",
        server.stderr()
    );

    let ws = body_json(&admin.request("GET", "/v1/admin/workspace", b""));
    let project = |dir: &str| {
        ws["projects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["dir"] == dir)
            .cloned()
            .unwrap_or_else(|| panic!("no project {dir} in {ws}"))
    };
    assert_eq!(project("upper")["loaded"], true);
    assert_eq!(project("upper")["capabilities"]["key_value"], true);
    assert_eq!(project("leaky")["loaded"], false);
    assert_eq!(project("web")["world"], "wasi:http/proxy");

    // A draft from nothing becomes this exact file, valid, with what it may do.
    let three = draft(vec![
        node("upper", "upper", &[]),
        node("exclaim", "exclaim", &["upper"]),
        node("wrap", "wrap", &["exclaim"]),
    ]);
    let checked = post(
        &admin,
        "/v1/admin/pipelines/check",
        json!({ "base": "", "draft": three, "file": "Pipeline.toml" }),
    );
    assert_eq!(checked["source"], SHOUT);
    assert_eq!(checked["ok"], true, "{checked}");
    assert_eq!(checked["capabilities"]["reads"], json!(["data/**"]));
    assert_eq!(checked["nodes"].as_array().unwrap().len(), 3);

    // Saved into the workspace, it runs from the CLI.
    let saved = admin.request_as(
        None,
        "PUT",
        "/v1/admin/workspace/pipelines",
        json!({ "file": "Pipeline.toml", "source": SHOUT })
            .to_string()
            .as_bytes(),
        &[("content-type", "application/json")],
    );
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(
        std::fs::read_to_string(root.join("Pipeline.toml")).unwrap(),
        SHOUT
    );
    assert_eq!(pipeline_run(&root, &tmp.path().join("run"), "hi"), "hi|U!]");
    for escape in [
        "../outside.toml",
        "/tmp/x.toml",
        "upper/Component.toml",
        "notes.txt",
    ] {
        let refused = admin.request_as(
            None,
            "PUT",
            "/v1/admin/workspace/pipelines",
            json!({ "file": escape, "source": SHOUT })
                .to_string()
                .as_bytes(),
            &[("content-type", "application/json")],
        );
        assert_eq!(refused.status, 400, "{escape}: {}", refused.body);
    }
    assert!(!tmp.path().join("outside.toml").exists());

    // A run shows every node in order with its output.
    let run = post(
        &admin,
        "/v1/admin/pipelines/run",
        json!({ "source": SHOUT, "file": "Pipeline.toml", "input": "hi" }),
    );
    let report = &run["report"];
    assert_eq!(report["result"]["output"], "hi|U!]");
    let nodes: Vec<(&str, &str)> = report["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["node"].as_str().unwrap(),
                n["output_preview"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        nodes,
        [("upper", "hi|U"), ("exclaim", "hi|U!"), ("wrap", "hi|U!]")]
    );

    // A failing node under `compensate` undoes what succeeded before it.
    let saga = format!(
        "{}on_error = \"compensate\"\n\n[nodes.upper]\ncomponent = \"upper\"\ncompensate = \"refund\"\n\n\
         [nodes.charge]\ncomponent = \"charge\"\nneeds = [\"upper\"]\n",
        "[pipeline]\nname = \"saga\"\nversion = \"0.1.0\"\n"
    );
    let run = post(
        &admin,
        "/v1/admin/pipelines/run",
        json!({ "source": saga, "input": "decline" }),
    );
    let failure = &run["report"]["result"]["failure"];
    assert_eq!(failure["node"], "charge", "{run}");
    assert_eq!(failure["error"]["kind"], "invalid-input");
    assert_eq!(failure["compensated"], json!(["upper"]));
    assert_eq!(run["report"]["compensations"][0]["status"], "compensated");

    // Problems are pinned where they are: a dangling need on its edge, a
    // missing grant and a wrong world on their nodes.
    let mut broken = three.clone();
    broken["nodes"][2]["needs"] = json!(["exclaim", "ghost"]);
    let checked = post(
        &admin,
        "/v1/admin/pipelines/check",
        json!({ "base": SHOUT, "draft": broken }),
    );
    assert_eq!(checked["ok"], false);
    let diagnostic = &checked["diagnostics"][0];
    assert_eq!(
        diagnostic["edge"],
        json!({ "from": "ghost", "to": "wrap" }),
        "{checked}"
    );
    assert!(diagnostic["message"].as_str().unwrap().contains("ghost"));
    assert_eq!(
        checked["draft"]["nodes"][2]["needs"],
        json!(["exclaim", "ghost"])
    );

    let risky = draft(vec![
        node("upper", "upper", &[]),
        node("leaky", "leaky", &["upper"]),
        node("web", "web", &["leaky"]),
    ]);
    let checked = post(
        &admin,
        "/v1/admin/pipelines/check",
        json!({ "base": "", "draft": risky }),
    );
    assert_eq!(checked["ok"], false);
    let of = |name: &str| {
        checked["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["node"] == name)
            .cloned()
            .unwrap()
    };
    let missing = of("leaky")["missing"].to_string();
    assert!(missing.contains("key_value = true"), "{missing}");
    assert!(of("upper")["missing"].as_array().unwrap().is_empty());
    let web = of("web")["findings"].to_string();
    assert!(
        web.contains("only airssys:core/component components can be pipeline nodes"),
        "{web}"
    );

    // Deployed from its text: the host pins the versions it stored.
    let deployed = post(
        &admin,
        "/v1/admin/pipelines",
        json!({ "source": SHOUT, "file": "Pipeline.toml" }),
    );
    assert_eq!(deployed["activated"], true);
    assert_eq!(
        deployed["pins"],
        json!(["exclaim@0.1.0", "upper@0.1.0", "wrap@0.1.0"])
    );
    let answer = host::Client::default()
        .send(
            "POST",
            &server.url("/v1/pipelines/shout/invoke"),
            b"yo",
            &[],
        )
        .unwrap();
    assert_eq!(answer.body, "yo|U!]");
    let audit = body_json(&admin.request("GET", "/v1/admin/audit?component=shout", b""));
    assert!(
        audit.to_string().contains(r#"admin (claims \"ui\")"#),
        "{audit}"
    );
}

#[test]
fn a_host_serves_the_editor_under_a_strict_csp_and_reads_no_client_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let server = host::start(tmp.path(), &state, &[]);
    let admin = Admin::new(&server, &state);
    let client = host::Client::default();

    let page = client.send("GET", &server.url("/ui/"), b"", &[]).unwrap();
    assert_eq!(page.status, 200);
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(
        !page.body.contains("<script>") && !page.body.contains("style="),
        "{}",
        page.body
    );
    let script = client
        .send("GET", &server.url("/ui/app.js"), b"", &[])
        .unwrap();
    assert_eq!(script.status, 200);
    assert!(
        script
            .header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    let missing = client
        .send("GET", &server.url("/ui/../admin.token"), b"", &[])
        .unwrap();
    assert_ne!(missing.status, 200);

    // Every API call the page makes needs the token.
    for path in [
        "/v1/admin/versions",
        "/v1/admin/workspace",
        "/v1/admin/status",
    ] {
        let denied = admin.request_as(Some(""), "GET", path, b"", &[]);
        assert_eq!(denied.status, 401, "{path}");
    }
    let denied = admin.request_as(
        Some(""),
        "POST",
        "/v1/admin/pipelines/check",
        b"{}",
        &[("content-type", "application/json")],
    );
    assert_eq!(denied.status, 401);
    assert_eq!(admin.request("GET", "/v1/admin/workspace", b"").status, 404);

    // A plain host names components by version and never reads a path a
    // client names.
    std::fs::create_dir_all(tmp.path().join("secret")).unwrap();
    let checked = post(
        &admin,
        "/v1/admin/pipelines/check",
        json!({ "base": "[pipeline]\nname = \"p\"\nversion = \"1.0.0\"\n[nodes.a]\ncomponent = \"secret\"\n[nodes.b]\ncomponent = \"nope@1.0.0\"\nneeds = [\"a\"]\n" }),
    );
    assert_eq!(checked["ok"], false);
    let findings = checked["nodes"].to_string();
    assert!(
        findings.contains("a host's pipeline names each component as `name@version`"),
        "{findings}"
    );
    assert!(
        findings.contains("nope@1.0.0 is not on this host"),
        "{findings}"
    );
    assert!(!findings.contains("Component.toml"), "{findings}");
}
