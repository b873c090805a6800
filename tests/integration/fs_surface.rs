//! The `wasi:filesystem` surface as guests see it: exactly their grants (as
//! under `wasmtime run --dir`), wasmtime's WASI 0.2 behaviour for what is
//! granted, and every denial reported once, whatever method and descriptor it
//! goes through.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use airssys_wasm::runtime::{
    Denial, GuestErrorKind, InvokeError, LoadedComponent, MemorySink, Runtime,
};

use super::support::sandbox::{call, hostile, runtime};

/// A readable grant `ro/` and a writable grant `rw/` under the data root.
pub const GRANTS: &str =
    "[permissions.filesystem]\nreadable_paths = [\"ro/**\"]\nwritable_paths = [\"rw/**\"]\n";

/// The help for a write through the read-only grant.
pub const MOVE_RO: &str =
    "move \"ro/**\" from readable_paths to writable_paths in [permissions.filesystem]";

/// The help for reading `/secret.txt` through `..` from `/rw/sub`.
pub const ESCAPE_TO_SECRET: &str = "paths cannot leave the directory /rw/sub they are resolved from (through `..` or an absolute path); to allow /secret.txt, add \"./**\" to [permissions.filesystem] readable_paths and open it by that path";

/// Lays out the data root [`GRANTS`] refer to:
///
/// ```text
/// secret.txt            outside every grant
/// ro/file.txt           readable
/// ro/sub/inner.txt
/// ro/empty/
/// ro/link-out  -> ../secret.txt
/// rw/file.txt           writable
/// rw/sub/
/// ```
pub fn lay_out(root: &Path) {
    for dir in ["ro/sub", "ro/empty", "rw/sub"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    std::fs::write(root.join("secret.txt"), "TOP SECRET").unwrap();
    std::fs::write(root.join("ro/file.txt"), "read only").unwrap();
    std::fs::write(root.join("ro/sub/inner.txt"), "inner").unwrap();
    std::fs::write(root.join("rw/file.txt"), "writable").unwrap();
    std::os::unix::fs::symlink("../secret.txt", root.join("ro/link-out")).unwrap();
}

/// How a guest gets one descriptor method denied: the hostile command, and
/// the report it must produce.
pub struct DeniedCall {
    /// The `wasi:filesystem/types` method (WIT name).
    pub method: &'static str,
    /// The hostile guest's command.
    pub command: &'static str,
    /// The denial's action.
    pub action: &'static str,
    /// The denial's help.
    pub help: &'static str,
}

const fn denied(
    method: &'static str,
    command: &'static str,
    action: &'static str,
    help: &'static str,
) -> DeniedCall {
    DeniedCall {
        method,
        command,
        action,
        help,
    }
}

/// Every method of `descriptor` that wasmtime-wasi can deny, each denied
/// through the layout of [`lay_out`] — through preopens, sub-directory
/// descriptors and file descriptors.
pub const DENIED: &[DeniedCall] = &[
    denied(
        "open-at",
        "fs:open-at-create:/ro/sub:new.txt",
        "write to /ro/sub/new.txt (open-at)",
        MOVE_RO,
    ),
    denied(
        "create-directory-at",
        "fs:create-directory-at:/ro/sub:newdir",
        "write to /ro/sub/newdir (create-directory-at)",
        MOVE_RO,
    ),
    denied(
        "stat-at",
        "fs:stat-at:/rw/sub:../../secret.txt",
        "read of /secret.txt (stat-at)",
        ESCAPE_TO_SECRET,
    ),
    denied(
        "set-times-at",
        "fs:set-times-at:/ro:file.txt",
        "write to /ro/file.txt (set-times-at)",
        MOVE_RO,
    ),
    denied(
        "link-at",
        "fs:link-at:/ro:file.txt:/rw:hard",
        "hard link to /ro/file.txt at /rw/hard (link-at)",
        MOVE_RO,
    ),
    denied(
        "readlink-at",
        "fs:readlink-at:/rw/sub:../../secret.txt",
        "read of /secret.txt (readlink-at)",
        ESCAPE_TO_SECRET,
    ),
    denied(
        "remove-directory-at",
        "fs:remove-directory-at:/ro:empty",
        "write to /ro/empty (remove-directory-at)",
        MOVE_RO,
    ),
    denied(
        "rename-at",
        "fs:rename-at:/ro:file.txt:/rw:moved.txt",
        "rename of /ro/file.txt to /rw/moved.txt (rename-at)",
        MOVE_RO,
    ),
    denied(
        "symlink-at",
        "fs:symlink-at:/ro/sub:inner.txt:alias",
        "symlink at /ro/sub/alias to inner.txt (symlink-at)",
        MOVE_RO,
    ),
    denied(
        "unlink-file-at",
        "fs:unlink-file-at:/ro/sub:inner.txt",
        "write to /ro/sub/inner.txt (unlink-file-at)",
        MOVE_RO,
    ),
    denied(
        "metadata-hash-at",
        "fs:metadata-hash-at:/rw/sub:../../secret.txt",
        "read of /secret.txt (metadata-hash-at)",
        ESCAPE_TO_SECRET,
    ),
    denied(
        "write",
        "fs:write:/ro:file.txt",
        "write to /ro/file.txt (write)",
        MOVE_RO,
    ),
    denied(
        "set-size",
        "fs:set-size:/ro:file.txt",
        "write to /ro/file.txt (set-size)",
        MOVE_RO,
    ),
    denied(
        "set-times",
        "fs:set-times:/ro:file.txt",
        "write to /ro/file.txt (set-times)",
        MOVE_RO,
    ),
    denied(
        "write-via-stream",
        "fs:write-via-stream:/ro:file.txt",
        "write to /ro/file.txt (write-via-stream)",
        MOVE_RO,
    ),
    denied(
        "append-via-stream",
        "fs:append-via-stream:/ro:file.txt",
        "write to /ro/file.txt (append-via-stream)",
        MOVE_RO,
    ),
];

/// The methods wasmtime-wasi never denies (they act on a descriptor already
/// opened inside a grant, with no permission check), each with a call that
/// must succeed through the wrapper.
const NEVER_DENIED: &[(&str, &str)] = &[
    ("read-via-stream", "fs:read-via-stream:/ro:file.txt"),
    ("advise", "fs:advise:/ro:file.txt"),
    ("sync-data", "fs:sync-data:/ro/sub"),
    ("get-flags", "fs:get-flags:/ro/sub"),
    ("get-type", "fs:get-type:/ro"),
    ("read", "fs:read:/ro:file.txt"),
    ("read-directory", "fs:read-directory:/ro"),
    ("sync", "fs:sync:/ro"),
    ("stat", "fs:stat:/ro/sub"),
    ("is-same-object", "fs:is-same-object:/ro"),
    ("metadata-hash", "fs:metadata-hash:/ro"),
    ("read-directory-entry", "fs:read-directory:/ro/sub"),
];

/// `..` and symlink escapes through the grants of [`GRANTS`]: denied with
/// `not-permitted` and reported with the directory that would allow them.
pub const ESCAPES: &[DeniedCall] = &[
    denied(
        "open-at",
        "read:/rw/../secret.txt",
        "read of /secret.txt (open-at)",
        "paths cannot leave the granted directory /rw (through `..` or an absolute path); to allow /secret.txt, add \"./**\" to [permissions.filesystem] readable_paths and open it by that path",
    ),
    // Through a sub-directory descriptor, out of the data root.
    denied(
        "open-at",
        "fs:open-at-dir:/rw/sub:../../..",
        "read of /rw/sub/../../.. (open-at)",
        "paths cannot leave the directory /rw/sub they are resolved from (through `..` or an absolute path): /rw/sub/../../.. is outside the data root, which no grant can reach",
    ),
    // Inside the grant, but `..` from a sub-directory descriptor still leaves
    // the directory it is resolved from (as under wasmtime).
    denied(
        "open-at",
        "fs:open-at:/rw/sub:../file.txt",
        "read of /rw/file.txt (open-at)",
        "paths cannot leave the directory /rw/sub they are resolved from (through `..` or an absolute path); /rw/file.txt is granted by \"rw/**\": open it by that path",
    ),
    // Into the other grant, for writing: that grant is read-only.
    denied(
        "open-at",
        "write:/rw/../ro/file.txt:x",
        "write to /ro/file.txt (open-at)",
        "paths cannot leave the granted directory /rw (through `..` or an absolute path); to write /ro/file.txt, move \"ro/**\" from readable_paths to writable_paths in [permissions.filesystem] and open it by that path",
    ),
    denied(
        "open-at",
        "fs:open-at-create:/rw:../new-dir/x.txt",
        "write to /new-dir/x.txt (open-at)",
        "paths cannot leave the granted directory /rw (through `..` or an absolute path); to allow /new-dir/x.txt, add \"new-dir/**\" to [permissions.filesystem] writable_paths and open it by that path",
    ),
    denied(
        "open-at",
        "read:/ro/link-out",
        "read of /ro/link-out (open-at)",
        "paths cannot leave the granted directory /ro through symlinks: /ro/link-out points to /secret.txt; to allow /secret.txt, add \"./**\" to [permissions.filesystem] readable_paths and open it by that path",
    ),
];

/// Denials through the standard library (wasi-libc picks the preopen).
pub const STD_DENIED: &[DeniedCall] = &[
    denied(
        "link-at",
        "link:/ro/file.txt:/rw/linked.txt",
        "hard link to /ro/file.txt at /rw/linked.txt (link-at)",
        MOVE_RO,
    ),
    denied(
        "set-times",
        "set-times:/ro/file.txt",
        "write to /ro/file.txt (set-times)",
        MOVE_RO,
    ),
    denied(
        "symlink-at",
        "symlink:file.txt:/ro/alias",
        "symlink at /ro/alias to file.txt (symlink-at)",
        MOVE_RO,
    ),
    denied(
        "rename-at",
        "rename:/ro/file.txt:/rw/stolen.txt",
        "rename of /ro/file.txt to /rw/stolen.txt (rename-at)",
        MOVE_RO,
    ),
    denied(
        "create-directory-at",
        "mkdir:/ro/made",
        "write to /ro/made (create-directory-at)",
        MOVE_RO,
    ),
    denied(
        "remove-directory-at",
        "rmdir:/ro/empty",
        "write to /ro/empty (remove-directory-at)",
        MOVE_RO,
    ),
    denied(
        "open-at",
        "write:/ro/sub/inner.txt:x",
        "write to /ro/sub/inner.txt (open-at)",
        MOVE_RO,
    ),
];

/// Every denial of the hostile suite on the layout of [`lay_out`].
pub fn all_denials() -> impl Iterator<Item = &'static DeniedCall> {
    DENIED.iter().chain(ESCAPES).chain(STD_DENIED)
}

/// The methods of `descriptor` and `directory-entry-stream` in the
/// `wasi:filesystem/types` WIT that wasmtime-wasi 48 implements (its bundled
/// copy, the one its host traits are generated from).
fn wit_methods() -> BTreeSet<String> {
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(super::support::repo().join("Cargo.toml"))
        .other_options(vec!["--offline".to_string()])
        .exec()
        .expect("cargo metadata");
    let package = metadata
        .packages
        .iter()
        .find(|p| p.name.as_str() == "wasmtime-wasi")
        .expect("wasmtime-wasi is a dependency");
    let wit = package
        .manifest_path
        .parent()
        .expect("package dir")
        .join("src/p2/wit");
    let mut resolve = wit_parser::Resolve::default();
    resolve
        .push_dir(wit.as_std_path())
        .expect("wasmtime-wasi's WIT parses");
    let (_, types) = resolve
        .interfaces
        .iter()
        .find(|(_, i)| {
            i.name.as_deref() == Some("types")
                && i.package.is_some_and(|p| {
                    let name = &resolve.packages[p].name;
                    name.namespace == "wasi" && name.name == "filesystem"
                })
        })
        .expect("wasi:filesystem/types");
    types
        .functions
        .keys()
        .filter_map(|name| {
            name.strip_prefix("[method]descriptor.")
                .or_else(|| name.strip_prefix("[method]directory-entry-stream."))
        })
        .map(str::to_string)
        .collect()
}

fn setup() -> (
    tempfile::TempDir,
    Runtime,
    Arc<MemorySink>,
    Arc<LoadedComponent>,
) {
    let root = tempfile::tempdir().unwrap();
    lay_out(root.path());
    let (rt, sink) = runtime();
    let c = hostile(&rt, GRANTS, root.path());
    (root, rt, sink, c)
}

/// The denials `command` caused, and its result.
async fn denials_of(
    rt: &Runtime,
    c: &Arc<LoadedComponent>,
    sink: &MemorySink,
    command: &str,
) -> (Result<String, InvokeError>, Vec<Denial>) {
    let before = sink.denials().len();
    let result = call(rt, c, command)
        .await
        .map(|o| String::from_utf8_lossy(&o.data).into_owned());
    (result, sink.denials()[before..].to_vec())
}

fn guest_error(result: &Result<String, InvokeError>) -> (GuestErrorKind, String) {
    match result {
        Err(InvokeError::Component(g)) => (g.kind, g.message.clone()),
        other => panic!("expected a component error, got {other:?}"),
    }
}

#[test]
fn the_method_lists_cover_the_whole_descriptor_surface() {
    let listed: BTreeSet<String> = DENIED
        .iter()
        .map(|d| d.method)
        .chain(NEVER_DENIED.iter().map(|(m, _)| *m))
        .map(str::to_string)
        .collect();
    let wit = wit_methods();
    assert!(wit.len() >= 28, "{wit:?}");
    assert_eq!(
        listed, wit,
        "every descriptor method is either denied-and-reported below or never denied"
    );
    assert_eq!(
        listed.len(),
        DENIED.len() + NEVER_DENIED.len(),
        "no duplicates"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_deniable_method_is_reported_once_with_the_fix() {
    let (root, rt, sink, c) = setup();
    for case in DENIED {
        let (result, denials) = denials_of(&rt, &c, &sink, case.command).await;
        let (kind, message) = guest_error(&result);
        assert_eq!(
            kind,
            GuestErrorKind::PermissionDenied,
            "{}: {message}",
            case.command
        );
        assert!(
            message.ends_with("not-permitted"),
            "{}: {message}",
            case.command
        );
        assert_eq!(denials.len(), 1, "{}: {denials:?}", case.command);
        assert_eq!(denials[0].action, case.action, "{}", case.command);
        assert_eq!(denials[0].help, case.help, "{}", case.command);
        assert!(
            denials[0].action.ends_with(&format!("({})", case.method)),
            "the action names the method"
        );
    }
    // Nothing was changed or leaked.
    assert_eq!(
        std::fs::read_to_string(root.path().join("ro/file.txt")).unwrap(),
        "read only"
    );
    assert!(root.path().join("ro/sub/inner.txt").exists());
    assert!(root.path().join("ro/empty").is_dir());
    for absent in [
        "ro/sub/new.txt",
        "ro/sub/newdir",
        "ro/sub/alias",
        "rw/hard",
        "rw/moved.txt",
    ] {
        assert!(!root.path().join(absent).exists(), "{absent}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_other_methods_work_through_the_wrapper_and_are_never_reported() {
    let (_root, rt, sink, c) = setup();
    for (method, command) in NEVER_DENIED {
        let (result, denials) = denials_of(&rt, &c, &sink, command).await;
        let output = result.unwrap_or_else(|e| panic!("{method}: `{command}` failed: {e}"));
        assert!(denials.is_empty(), "{method}: {denials:?}");
        match *method {
            "read-directory" => assert_eq!(output, "empty\nfile.txt\nlink-out\nsub"),
            "read-directory-entry" => assert_eq!(output, "inner.txt"),
            "is-same-object" => assert_eq!(output, "same"),
            _ => assert_eq!(output, "ok", "{method}"),
        }
    }
    // The deniable ones work where granted (the same methods, allowed).
    for command in [
        "fs:open-at-create:/rw/sub:new.txt",
        "fs:create-directory-at:/rw/sub:newdir",
        "fs:set-times-at:/rw:file.txt",
        "fs:link-at:/rw:file.txt:/rw/sub:hard",
        "fs:symlink-at:/rw/sub:new.txt:alias",
        "fs:readlink-at:/rw/sub:alias",
        "fs:rename-at:/rw/sub:new.txt:/rw:renamed.txt",
        "fs:unlink-file-at:/rw/sub:hard",
        "fs:remove-directory-at:/rw/sub:newdir",
        "fs:metadata-hash-at:/rw:file.txt",
        "fs:stat-at:/ro/sub:inner.txt",
        "fs:write:/rw:file.txt:rw",
        "fs:set-size:/rw:file.txt:rw",
        "fs:set-times:/rw:file.txt:rw",
        "fs:write-via-stream:/rw:file.txt:rw",
        "fs:append-via-stream:/rw:file.txt:rw",
    ] {
        let (result, denials) = denials_of(&rt, &c, &sink, command).await;
        result.unwrap_or_else(|e| panic!("`{command}` failed: {e}"));
        assert!(denials.is_empty(), "{command}: {denials:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_guest_sees_exactly_its_grants() {
    let root = tempfile::tempdir().unwrap();
    lay_out(root.path());
    let (rt, sink) = runtime();
    // No grant: no preopen at all, as under `wasmtime run` without `--dir`.
    let bare = hostile(&rt, "", root.path());
    let (listed, _) = denials_of(&rt, &bare, &sink, "preopens").await;
    assert_eq!(listed.unwrap(), "");
    // Grants: exactly those, at their guest paths.
    let c = hostile(&rt, GRANTS, root.path());
    let (listed, _) = denials_of(&rt, &c, &sink, "preopens").await;
    assert_eq!(listed.unwrap(), "/ro\n/rw");
    for command in ["read:/secret.txt", "list:/", "write:/new.txt:x"] {
        let (result, denials) = denials_of(&rt, &bare, &sink, command).await;
        let (kind, message) = guest_error(&result);
        assert_eq!(kind, GuestErrorKind::NotFound, "{command}: {message}");
        assert!(denials.is_empty(), "{command}: {denials:?}");
    }
    // Outside every grant: wasi-libc fails the path in the guest (`ENOENT`),
    // as under wasmtime; the host never sees it, so there is nothing to report.
    for command in [
        "read:/secret.txt",
        "read:/etc/passwd",
        "list:/",
        "stat:/secret.txt",
    ] {
        let (result, denials) = denials_of(&rt, &c, &sink, command).await;
        let (kind, message) = guest_error(&result);
        assert_eq!(kind, GuestErrorKind::NotFound, "{command}: {message}");
        assert!(
            message.contains("outside every preopened directory: [/ro, /rw]"),
            "{command}: {message}"
        );
        assert!(!message.contains("TOP SECRET"));
        assert!(denials.is_empty(), "{command}: {denials:?}");
    }
    // Relative paths resolve against `/`, which no grant covers here: a write
    // fails with `ENOENT`, not `EPERM` (there is no read-only root to refuse it).
    let (result, denials) = denials_of(&rt, &c, &sink, "write:new.txt:x").await;
    let (kind, message) = guest_error(&result);
    assert_eq!(kind, GuestErrorKind::NotFound, "{message}");
    assert!(denials.is_empty(), "{denials:?}");
    assert!(!root.path().join("new.txt").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_grant_of_the_data_root_is_the_guests_root() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("note.txt"), "granted").unwrap();
    let (rt, sink) = runtime();
    let c = hostile(
        &rt,
        "[permissions.filesystem]\nreadable_paths = [\".\"]\n",
        root.path(),
    );
    let (listed, _) = denials_of(&rt, &c, &sink, "preopens").await;
    assert_eq!(listed.unwrap(), "/");
    // `.` and relative paths are the granted directory, not an empty stand-in.
    let (read, _) = denials_of(&rt, &c, &sink, "read:note.txt").await;
    assert_eq!(read.unwrap(), "granted");
    let (list, _) = denials_of(&rt, &c, &sink, "list:.").await;
    assert_eq!(list.unwrap(), "note.txt");
    assert!(sink.denials().is_empty(), "{:?}", sink.denials());
}

#[tokio::test(flavor = "multi_thread")]
async fn read_directory_of_a_preopen_lists_the_granted_directory() {
    let (_root, rt, sink, c) = setup();
    let (ro, _) = denials_of(&rt, &c, &sink, "fs:read-directory:/ro").await;
    assert_eq!(ro.unwrap(), "empty\nfile.txt\nlink-out\nsub");
    let (rw, _) = denials_of(&rt, &c, &sink, "fs:read-directory:/rw").await;
    assert_eq!(rw.unwrap(), "file.txt\nsub");
    // Through std (wasi-libc opens `.` from the preopen, then reads it).
    let (listed, _) = denials_of(&rt, &c, &sink, "list:/ro").await;
    assert_eq!(listed.unwrap(), "empty\nfile.txt\nlink-out\nsub");
    assert!(sink.denials().is_empty(), "{:?}", sink.denials());
}

#[tokio::test(flavor = "multi_thread")]
async fn rename_within_a_grant_moves_the_file() {
    let (root, rt, sink, c) = setup();
    let (renamed, _) = denials_of(&rt, &c, &sink, "rename:/rw/file.txt:/rw/sub/moved.txt").await;
    assert_eq!(renamed.unwrap(), "ok");
    assert!(!root.path().join("rw/file.txt").exists());
    assert_eq!(
        std::fs::read_to_string(root.path().join("rw/sub/moved.txt")).unwrap(),
        "writable"
    );
    // Across two descriptors of the same grant.
    let (back, _) = denials_of(
        &rt,
        &c,
        &sink,
        "fs:rename-at:/rw/sub:moved.txt:/rw:file.txt",
    )
    .await;
    assert_eq!(back.unwrap(), "ok");
    assert!(root.path().join("rw/file.txt").exists());
    assert!(sink.denials().is_empty(), "{:?}", sink.denials());
    // Out of the read-only grant: denied, reported once, nothing moved.
    let (result, denials) = denials_of(&rt, &c, &sink, "rename:/ro/file.txt:/rw/stolen.txt").await;
    assert_eq!(guest_error(&result).0, GuestErrorKind::PermissionDenied);
    assert_eq!(denials.len(), 1, "{denials:?}");
    assert_eq!(
        denials[0].action,
        "rename of /ro/file.txt to /rw/stolen.txt (rename-at)"
    );
    assert_eq!(denials[0].help, MOVE_RO);
    assert!(root.path().join("ro/file.txt").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn stat_reports_files_and_directories_and_denies_escapes() {
    let (_root, rt, sink, c) = setup();
    let (file, _) = denials_of(&rt, &c, &sink, "stat:/ro/file.txt").await;
    assert_eq!(file.unwrap(), "file 9");
    let (dir, _) = denials_of(&rt, &c, &sink, "stat:/ro/sub").await;
    assert_eq!(dir.unwrap(), "dir");
    let (missing, denials) = denials_of(&rt, &c, &sink, "stat:/ro/missing").await;
    assert_eq!(guest_error(&missing).0, GuestErrorKind::NotFound);
    assert!(
        denials.is_empty(),
        "a missing file is not a denial: {denials:?}"
    );
    let (escape, denials) = denials_of(&rt, &c, &sink, "stat:/ro/../secret.txt").await;
    assert_eq!(guest_error(&escape).0, GuestErrorKind::PermissionDenied);
    assert_eq!(denials.len(), 1, "{denials:?}");
    // wasi-libc's `stat` asks for the metadata hash (its `st_ino`) first.
    assert_eq!(denials[0].action, "read of /secret.txt (metadata-hash-at)");
    assert_eq!(
        denials[0].help,
        "paths cannot leave the granted directory /ro (through `..` or an absolute path); to allow /secret.txt, add \"./**\" to [permissions.filesystem] readable_paths and open it by that path"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn symlink_loops_fail_with_loop_and_are_not_denials() {
    let (root, rt, sink, c) = setup();
    std::os::unix::fs::symlink("loop-b", root.path().join("rw/loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", root.path().join("rw/loop-b")).unwrap();
    let (result, denials) = denials_of(&rt, &c, &sink, "fs:stat-at:/rw:loop-a").await;
    let (kind, message) = guest_error(&result);
    assert_eq!(kind, GuestErrorKind::Internal, "{message}");
    assert!(message.ends_with(": loop"), "{message}");
    assert!(denials.is_empty(), "{denials:?}");
    let (result, denials) = denials_of(&rt, &c, &sink, "read:/rw/loop-a").await;
    let (_, message) = guest_error(&result);
    assert!(message.contains("Symbolic link loop"), "{message}");
    assert!(denials.is_empty(), "{denials:?}");
    // A loop the guest makes itself, through a sub-directory descriptor.
    for command in ["fs:symlink-at:/rw/sub:self:self", "fs:stat-at:/rw/sub:self"] {
        let (result, denials) = denials_of(&rt, &c, &sink, command).await;
        if command.contains("stat-at") {
            assert!(guest_error(&result).1.ends_with(": loop"));
        } else {
            assert_eq!(result.unwrap(), "ok");
        }
        assert!(denials.is_empty(), "{denials:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn dot_dot_escapes_are_not_permitted_and_reported() {
    let (_root, rt, sink, c) = setup();
    for case in ESCAPES {
        let (result, denials) = denials_of(&rt, &c, &sink, case.command).await;
        let (kind, message) = guest_error(&result);
        assert_eq!(
            kind,
            GuestErrorKind::PermissionDenied,
            "{}: {message}",
            case.command
        );
        assert!(
            message.contains("Operation not permitted") || message.ends_with("not-permitted"),
            "{}: {message}",
            case.command
        );
        assert!(!message.contains("TOP SECRET"));
        assert_eq!(denials.len(), 1, "{}: {denials:?}", case.command);
        assert_eq!(denials[0].action, case.action, "{}", case.command);
        assert_eq!(denials[0].help, case.help, "{}", case.command);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_absolute_symlink_is_refused_with_the_directory_it_names() {
    let (root, rt, sink, c) = setup();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("host.txt"), "host").unwrap();
    let target = outside.path().join("host.txt");
    std::os::unix::fs::symlink(&target, root.path().join("rw/abs")).unwrap();
    let (result, denials) = denials_of(&rt, &c, &sink, "read:/rw/abs").await;
    assert_eq!(guest_error(&result).0, GuestErrorKind::PermissionDenied);
    assert_eq!(denials.len(), 1, "{denials:?}");
    assert_eq!(
        denials[0].help,
        format!(
            "paths cannot leave the granted directory /rw through symlinks: /rw/abs points to the absolute path {}, which WASI never follows; to reach it, add \"{}/**\" to [permissions.filesystem] readable_paths and open it by that path",
            target.display(),
            outside.path().display()
        )
    );
    // Creating one is refused too.
    let command = format!("fs:symlink-at:/rw:{}:abs2", target.display());
    let (result, denials) = denials_of(&rt, &c, &sink, &command).await;
    assert_eq!(guest_error(&result).0, GuestErrorKind::PermissionDenied);
    assert_eq!(denials.len(), 1, "{denials:?}");
    assert_eq!(
        denials[0].action,
        format!("symlink at /rw/abs2 to {} (symlink-at)", target.display())
    );
    assert!(
        denials[0].help.starts_with(
            "WASI never follows a symlink to an absolute path: link to a path relative to /rw"
        ),
        "{}",
        denials[0].help
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn std_operations_lacking_before_are_reported_too() {
    let (root, rt, sink, c) = setup();
    for case in STD_DENIED {
        let (result, denials) = denials_of(&rt, &c, &sink, case.command).await;
        assert_eq!(
            guest_error(&result).0,
            GuestErrorKind::PermissionDenied,
            "{}",
            case.command
        );
        assert_eq!(denials.len(), 1, "{}: {denials:?}", case.command);
        assert_eq!(denials[0].action, case.action, "{}", case.command);
        assert_eq!(denials[0].help, case.help, "{}", case.command);
    }
    // The same operations inside the writable grant work.
    for command in [
        "link:/rw/file.txt:/rw/linked.txt",
        "set-times:/rw/file.txt",
        "symlink:file.txt:/rw/alias",
        "mkdir:/rw/made",
        "write:/rw/sub/new.txt:x",
    ] {
        let (result, denials) = denials_of(&rt, &c, &sink, command).await;
        assert!(result.is_ok(), "{command}: {result:?}");
        assert!(denials.is_empty(), "{command}: {denials:?}");
    }
    assert!(root.path().join("rw/linked.txt").exists());
}
