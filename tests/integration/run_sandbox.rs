//! The sandbox under `airssys-wasm run`: the nested-grant symlink escape is
//! refused in the next run, and host state stays out of every grant.

use super::support::guests::guest;
use super::support::{cli, stderr_in, stdout};

fn write_manifest(dir: &std::path::Path, extra: &str) -> std::path::PathBuf {
    let path = dir.join("Component.toml");
    std::fs::write(
        &path,
        format!(
            "[component]\nname = \"hostile\"\nversion = \"1.0.0\"\nlanguage = \"prebuilt\"\n\n{extra}"
        ),
    )
    .unwrap();
    path
}

/// `airssys-wasm run <hostile> --manifest <manifest> --input <input>` in `dir`.
fn run_hostile(
    dir: &std::path::Path,
    manifest: &std::path::Path,
    input: &str,
    env: &[(&str, &std::path::Path)],
) -> std::process::Output {
    let mut command = cli();
    command.current_dir(dir);
    for (name, value) in env {
        command.env(name, value);
    }
    command
        .arg("run")
        .arg(guest("hostile"))
        .arg("--manifest")
        .arg(manifest)
        .args(["--input", input])
        .output()
        .unwrap()
}

#[test]
fn a_planted_symlink_is_refused_by_the_next_run() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("app");
    std::fs::create_dir_all(app.join("data/cache")).unwrap();
    std::fs::write(tmp.path().join("admin.token"), "TOP SECRET").unwrap();
    let manifest = write_manifest(
        &app,
        "[runtime]\ninstance_mode = \"per-request\"\n\
         [permissions.filesystem]\nwritable_paths = [\"data/**\", \"data/cache/**\"]\n",
    );
    let run = |input: &str| run_hostile(&app, &manifest, input, &[]);
    let planted = run("plant:../..:/data/cache");
    assert!(
        planted.status.success(),
        "{}",
        stderr_in(&planted, tmp.path())
    );
    for input in ["list:/data/cache", "read:/data/cache/admin.token"] {
        let output = run(input);
        assert_eq!(output.status.code(), Some(1), "{input}");
        let stderr = stderr_in(&output, tmp.path());
        assert!(
            !stdout(&output).contains("TOP SECRET") && !stdout(&output).contains("admin.token")
        );
        assert!(
            stderr.contains(
                "denied: hostile 1.0.0: open of the grant `data/cache/**` through a symlink"
            ),
            "{stderr}"
        );
        assert!(stderr.contains("is a symbolic link"), "{stderr}");
    }
}

#[test]
fn key_value_data_of_run_lives_outside_the_project() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("app");
    std::fs::create_dir_all(&app).unwrap();
    let manifest = write_manifest(
        &app,
        "[permissions.storage]\nkey_value = true\n\
         [permissions.filesystem]\nreadable_paths = [\"./**\"]\n",
    );
    let state = tmp.path().join("run-state");
    let env = [("AIRSSYS_RUN_STATE_DIR", state.as_path())];
    let output = run_hostile(&app, &manifest, "kv-set:k:kept-outside", &env);
    assert!(
        output.status.success(),
        "{}",
        stderr_in(&output, tmp.path())
    );
    // Nothing the `./**` grant can see holds the value…
    for entry in walkdir::WalkDir::new(&app) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let bytes = std::fs::read(entry.path()).unwrap();
            assert!(
                !bytes.windows(12).any(|w| w == b"kept-outside"),
                "{} holds key-value data",
                entry.path().display()
            );
        }
    }
    // …the store is in the run state directory, and persists across runs.
    let stores: Vec<_> = walkdir::WalkDir::new(&state)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "kv.sqlite")
        .collect();
    assert_eq!(stores.len(), 1, "{stores:?}");
    let output = run_hostile(&app, &manifest, "kv-get:k", &env);
    assert_eq!(stdout(&output), "kept-outside");
}

#[test]
fn relative_grants_resolve_against_a_manifest_named_without_a_directory() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("note.txt"), "granted").unwrap();
    write_manifest(
        tmp.path(),
        "[permissions.filesystem]\nreadable_paths = [\".\"]\n",
    );
    // `--manifest Component.toml`, relative to the working directory.
    let output = run_hostile(
        tmp.path(),
        std::path::Path::new("Component.toml"),
        "read:/note.txt",
        &[],
    );
    assert!(
        output.status.success(),
        "{}",
        stderr_in(&output, tmp.path())
    );
    assert_eq!(stdout(&output), "granted");
}

/// A writable grant holding the component's own manifest would let it rewrite
/// its permissions (and a hot reload would load them): refused before anything
/// runs, however the grant and the manifest path are written.
#[test]
fn a_writable_grant_over_the_manifest_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("app");
    std::fs::create_dir_all(app.join("data")).unwrap();
    for grant in [".", "**", "./data/..", &app.display().to_string()] {
        let manifest = write_manifest(
            &app,
            &format!("[permissions.filesystem]\nwritable_paths = [\"{grant}\"]\n"),
        );
        for manifest_arg in [manifest.clone(), std::path::PathBuf::from("Component.toml")] {
            let output = run_hostile(&app, &manifest_arg, "echo:x", &[]);
            let stderr = stderr_in(&output, tmp.path());
            assert_eq!(output.status.code(), Some(1), "{grant}: {stderr}");
            let shown = grant.replace(&tmp.path().display().to_string(), "[TMP]");
            assert!(
                stderr.contains(&format!(
                    "the writable grant `{shown}` of hostile holds its own manifest"
                )),
                "{grant}: {stderr}"
            );
            assert!(
                stderr.contains("help: grant a directory that does not hold Component.toml"),
                "{stderr}"
            );
            assert_eq!(stdout(&output), "", "nothing ran");
        }
    }
    // A writable sub-directory is fine.
    let manifest = write_manifest(
        &app,
        "[permissions.filesystem]\nwritable_paths = [\"data/**\"]\n",
    );
    let output = run_hostile(&app, &manifest, "echo:x", &[]);
    assert!(
        output.status.success(),
        "{}",
        stderr_in(&output, tmp.path())
    );
}

/// `denied:` lines are diagnostics: shown by default, hidden by `--quiet`
/// (the call still fails the same way).
#[test]
fn quiet_hides_denied_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = write_manifest(
        tmp.path(),
        "[permissions.network]\nallowed_hosts = [\"127.0.0.1:9\"]\n",
    );
    let loud = run_hostile(tmp.path(), &manifest, "connect:127.0.0.1:1", &[]);
    let loud_err = stderr_in(&loud, tmp.path());
    let denied_line = |text: &str| text.lines().any(|l| l.starts_with("denied: "));
    assert!(denied_line(&loud_err), "{loud_err}");
    let mut quiet = cli();
    let quiet = quiet
        .current_dir(tmp.path())
        .args(["-q", "run"])
        .arg(guest("hostile"))
        .arg("--manifest")
        .arg(&manifest)
        .args(["--input", "connect:127.0.0.1:1"])
        .output()
        .unwrap();
    let quiet_err = stderr_in(&quiet, tmp.path());
    assert!(!denied_line(&quiet_err), "{quiet_err}");
    assert_eq!(quiet.status.code(), loud.status.code());
    assert!(
        quiet_err.contains("error:"),
        "the failure itself still shows: {quiet_err}"
    );
}

/// A read grant over the project does not show the component its own manifest
/// (its permissions are the developer's business), however it is named; the
/// rest of the directory reads as granted.
#[test]
fn the_manifest_is_hidden_from_read_grants() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = write_manifest(
        tmp.path(),
        "[permissions.filesystem]\nreadable_paths = [\".\"]\n",
    );
    std::fs::write(tmp.path().join("notes.txt"), "visible").unwrap();
    let read = |path: &str| run_hostile(tmp.path(), &manifest, &format!("read:{path}"), &[]);
    let notes = read("/notes.txt");
    assert!(notes.status.success(), "{}", stderr_in(&notes, tmp.path()));
    assert_eq!(stdout(&notes), "visible");
    for path in ["/Component.toml", "/./Component.toml", "Component.toml"] {
        let output = read(path);
        let stderr = stderr_in(&output, tmp.path());
        assert_eq!(output.status.code(), Some(1), "{path}: {stderr}");
        assert_eq!(stdout(&output), "", "{path}");
        assert!(stderr.contains("not-found"), "{path}: {stderr}");
    }
    // Nor is it listed: a program walking the grant never meets an entry it
    // cannot open.
    let listing = run_hostile(tmp.path(), &manifest, "list:/", &[]);
    assert!(
        listing.status.success(),
        "{}",
        stderr_in(&listing, tmp.path())
    );
    assert_eq!(stdout(&listing), "notes.txt");
}

/// UDP to a granted loopback peer from a socket bound to `127.0.0.1:0` (the
/// usual client pattern) works: an ephemeral bind is not a server. A fixed
/// port is one, and is denied.
#[test]
fn a_udp_client_bound_to_loopback_reaches_a_granted_peer() {
    let tmp = tempfile::tempdir().unwrap();
    let peer = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    peer.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let port = peer.local_addr().unwrap().port();
    let manifest = write_manifest(
        tmp.path(),
        &format!("[permissions.network]\nallowed_hosts = [\"127.0.0.1:{port}\"]\n"),
    );
    let output = run_hostile(
        tmp.path(),
        &manifest,
        &format!("udp:127.0.0.1:127.0.0.1:{port}"),
        &[],
    );
    assert!(
        output.status.success(),
        "{}",
        stderr_in(&output, tmp.path())
    );
    assert_eq!(stdout(&output), format!("sent to 127.0.0.1:{port}"));
    let mut buf = [0u8; 16];
    let (n, _) = peer.recv_from(&mut buf).expect("the datagram arrived");
    assert_eq!(&buf[..n], b"ping");

    // Another peer port is not granted: denied, and reported as a send.
    let output = run_hostile(
        tmp.path(),
        &manifest,
        &format!("udp:127.0.0.1:127.0.0.1:{}", port.wrapping_add(1).max(1)),
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_in(&output, tmp.path());
    assert!(
        stderr.contains("denied: hostile 1.0.0: connection to 127.0.0.1:"),
        "{stderr}"
    );
    assert!(!stderr.contains("listening"), "{stderr}");
}
