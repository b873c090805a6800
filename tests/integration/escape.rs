//! Grants cannot be redirected: a guest that replaces a granted directory by a
//! symlink (the nested-grant escape) finds the grant refused in every later
//! instance, and never reads or writes what lies outside its data root.

use std::path::{Path, PathBuf};

use airssys_wasm::runtime::{InvokeError, MemorySink};

use super::support::sandbox::{call, hostile, ok, runtime};

/// Nested writable grants, a fresh instance per call: the setup of the escape.
const NESTED: &str = "[runtime]\ninstance_mode = \"per-request\"\n\
    [permissions.filesystem]\nwritable_paths = [\"data/**\", \"data/cache/**\"]\n";

/// A host-like layout: `<tmp>/state/admin.token` (the secret) and the data root
/// `<tmp>/state/data/nested` with `data/cache/`. A link at `data/cache` to
/// `../../..` reaches `<tmp>/state`, as it reaches the state directory of `serve`.
struct Layout {
    _tmp: tempfile::TempDir,
    /// The directory outside the data root that holds the secret.
    outside: PathBuf,
    root: PathBuf,
}

fn layout() -> Layout {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("state");
    let root = outside.join("data").join("nested");
    std::fs::create_dir_all(root.join("data/cache")).unwrap();
    std::fs::write(outside.join("admin.token"), "TOP SECRET").unwrap();
    Layout {
        _tmp: tmp,
        outside,
        root,
    }
}

fn assert_refused_symlink(e: &InvokeError, sink: &MemorySink, before: usize) {
    let text = e.to_string();
    assert!(
        matches!(e, InvokeError::Instantiate { .. }) && text.contains("symbolic link"),
        "expected the grant to be refused as a symlink, got: {text}"
    );
    assert!(!text.contains("TOP SECRET"));
    let denials = sink.denials();
    let new: Vec<_> = denials[before..].iter().collect();
    assert_eq!(new.len(), 1, "one denial per refused instance: {new:?}");
    assert!(
        new[0].action.contains("`data/cache/**` through a symlink"),
        "{:?}",
        new[0]
    );
}

/// The secret directory is untouched: no file was created in it.
fn assert_outside_untouched(outside: &Path) {
    let mut names: Vec<String> = std::fs::read_dir(outside)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["admin.token", "data"]);
    assert_eq!(
        std::fs::read_to_string(outside.join("admin.token")).unwrap(),
        "TOP SECRET"
    );
}

/// Who plants the link: the guest (through its writable grant), or something
/// else on the host (WASI itself never creates a link with an absolute target).
enum Plant {
    Guest(&'static str),
    HostAbsolute,
}

async fn planted_link_is_refused(plant: Plant) {
    let l = layout();
    let (rt, sink) = runtime();
    let c = hostile(&rt, NESTED, &l.root);
    match plant {
        // Call 1: allowed on its own — both steps stay inside the writable grant.
        Plant::Guest(target) => {
            let command = format!("plant:{target}:/data/cache");
            assert_eq!(ok(&rt, &c, &command).await, "ok");
        }
        Plant::HostAbsolute => {
            let e = call(
                &rt,
                &c,
                &format!("plant:{}:/data/cache", l.outside.display()),
            )
            .await
            .unwrap_err()
            .to_string();
            assert!(e.contains("not-permitted"), "{e}");
            std::os::unix::fs::symlink(&l.outside, l.root.join("data/cache")).unwrap();
        }
    }
    assert!(
        l.root
            .join("data/cache")
            .symlink_metadata()
            .unwrap()
            .is_symlink()
    );
    // Every later instance: the grant is refused, reported once each time.
    for command in [
        "list:/data/cache",
        "read:/data/cache/admin.token",
        "write:/data/cache/planted:x",
    ] {
        let before = sink.denials().len();
        let e = call(&rt, &c, command).await.unwrap_err();
        assert_refused_symlink(&e, &sink, before);
    }
    assert_outside_untouched(&l.outside);
    // The same on a fresh runtime (the next `run`, a restart).
    let (rt2, sink2) = runtime();
    let c2 = hostile(&rt2, NESTED, &l.root);
    let e = call(&rt2, &c2, "list:/data/cache").await.unwrap_err();
    assert_refused_symlink(&e, &sink2, 0);
    assert_outside_untouched(&l.outside);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relative_symlink_planted_over_a_nested_grant_is_refused() {
    planted_link_is_refused(Plant::Guest("../../..")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_absolute_symlink_planted_over_a_nested_grant_is_refused() {
    planted_link_is_refused(Plant::HostAbsolute).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_symlink_to_a_sibling_grant_is_refused() {
    let l = layout();
    std::fs::create_dir_all(l.root.join("other")).unwrap();
    std::fs::write(l.root.join("other/private.txt"), "read-only sibling").unwrap();
    let (rt, sink) = runtime();
    let grants = format!("{NESTED}readable_paths = [\"other/**\"]\n");
    let c = hostile(&rt, &grants, &l.root);
    assert_eq!(ok(&rt, &c, "plant:../other:/data/cache").await, "ok");
    let before = sink.denials().len();
    // Were the link followed, `/data/cache` would be `other/` read-write.
    let e = call(&rt, &c, "write:/data/cache/private.txt:overwritten")
        .await
        .unwrap_err();
    assert_refused_symlink(&e, &sink, before);
    assert_eq!(
        std::fs::read_to_string(l.root.join("other/private.txt")).unwrap(),
        "read-only sibling"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn instances_alive_during_the_swap_stay_confined() {
    let l = layout();
    let (rt, sink) = runtime();
    let pooled = NESTED.replace("per-request", "pooled") + "[resources]\nmax_instances = 2\n";
    let c = hostile(&rt, &pooled, &l.root);
    std::fs::write(l.root.join("data/cache/before.txt"), "cached").unwrap();
    // Two live instances, both holding the original `data/cache`.
    let (a, b) = tokio::join!(call(&rt, &c, "sleep:300"), call(&rt, &c, "sleep:300"));
    a.unwrap();
    b.unwrap();
    assert_eq!(c.idle_instances(), 2);
    std::fs::remove_file(l.root.join("data/cache/before.txt")).unwrap();
    // One of them swaps the directory for a link while the other stays alive.
    assert_eq!(ok(&rt, &c, "plant:../../..:/data/cache").await, "ok");
    for _ in 0..2 {
        let (x, y) = tokio::join!(
            call(&rt, &c, "list:/data/cache"),
            call(&rt, &c, "write:/data/cache/planted:x")
        );
        // Still the removed directory: empty, and nothing can be created in it.
        for out in [x, y].into_iter().flatten() {
            let text = String::from_utf8_lossy(&out.data).into_owned();
            assert!(
                !text.contains("admin.token") && !text.contains("wrote"),
                "{text}"
            );
        }
    }
    assert_outside_untouched(&l.outside);
    // Once they are gone, a new instance finds the grant refused.
    c.drain().await;
    let before = sink.denials().len();
    let e = call(&rt, &c, "list:/data/cache").await.unwrap_err();
    assert_refused_symlink(&e, &sink, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn nested_grants_still_work_when_nothing_is_planted() {
    let l = layout();
    let (rt, sink) = runtime();
    let c = hostile(&rt, NESTED, &l.root);
    assert_eq!(
        ok(&rt, &c, "write:/data/cache/a.txt:cached").await,
        "wrote 6 bytes"
    );
    assert_eq!(ok(&rt, &c, "read:/data/cache/a.txt").await, "cached");
    assert_eq!(ok(&rt, &c, "list:/data").await, "cache");
    // A missing nested directory is created again, as a directory, by the host.
    std::fs::remove_file(l.root.join("data/cache/a.txt")).unwrap();
    std::fs::remove_dir(l.root.join("data/cache")).unwrap();
    assert_eq!(ok(&rt, &c, "list:/data/cache").await, "");
    assert!(l.root.join("data/cache").is_dir());
    assert!(sink.denials().is_empty(), "{:?}", sink.denials());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_symlink_on_a_relative_grant_is_refused_with_the_fix() {
    let l = layout();
    std::fs::create_dir_all(l.root.join("real")).unwrap();
    std::os::unix::fs::symlink("real", l.root.join("input")).unwrap();
    let (rt, _sink) = runtime();
    let c = hostile(
        &rt,
        "[permissions.filesystem]\nreadable_paths = [\"input/**\"]\n",
        &l.root,
    );
    let e = call(&rt, &c, "list:/input").await.unwrap_err().to_string();
    assert!(
        e.contains("refused the grant `input/**`: `input` on its path"),
        "{e}"
    );
}
