//! How a Rust project finds the guest SDK (`airssys-wasm-sdk`) that matches this
//! binary, offline and before the SDK is on crates.io.
//!
//! The binary carries the SDK's sources. A project depends on it by version, as it
//! will once the crates are published (`airssys-wasm-sdk = "0.1.0"`), and a
//! `[patch.crates-io]` entry points that version at the sources unpacked on this
//! machine: in the project's `.cargo/config.toml` (written by `init`, refreshed by
//! `build`, so plain `cargo test` works too) and on the cargo command line of every
//! `build`. Publishing the crates later means deleting that file; user code and
//! `Cargo.toml` stay as they are.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::component::sha256_hex;
use crate::error::{Error, Result};

static SDK_SOURCES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/sdk");

/// The SDK crate's name.
pub const SDK_CRATE: &str = "airssys-wasm-sdk";

/// The SDK version this binary carries: always the binary's own version.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The first line of the `.cargo/config.toml` this module owns and may rewrite.
const CONFIG_MARKER: &str = "# Written by airssys-wasm";

/// Where the SDK sources are unpacked: `$AIRSSYS_SDK_DIR`, else the user's local
/// data directory. Each SDK build gets its own folder, named by version and hash.
pub fn sdk_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("AIRSSYS_SDK_DIR") {
        return PathBuf::from(dir);
    }
    dirs::data_local_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("airssys-wasm")
        .join("sdk")
}

/// The files that make up a usable SDK: everything but the crates' own tests.
fn packaged_files() -> Vec<&'static include_dir::File<'static>> {
    let mut files = Vec::new();
    let mut pending = vec![&SDK_SOURCES];
    while let Some(dir) = pending.pop() {
        for sub in dir.dirs() {
            if sub.path().file_name().is_some_and(|n| n != "tests") {
                pending.push(sub);
            }
        }
        files.extend(dir.files());
    }
    files.sort_by_key(|f| f.path());
    files
}

/// A short hash over the carried sources, so two builds of the same version with
/// different SDK sources never share a folder.
fn sources_hash() -> String {
    let mut all = Vec::new();
    for file in packaged_files() {
        all.extend_from_slice(file.path().to_string_lossy().as_bytes());
        all.push(0);
        all.extend_from_slice(file.contents());
        all.push(0);
    }
    sha256_hex(&all)[..12].to_string()
}

/// Unpacks the SDK (once per machine and SDK build) and returns the directory of
/// the `airssys-wasm-sdk` crate.
pub fn ensure_unpacked() -> Result<PathBuf> {
    // Hashing the carried sources costs a pass over them: once per process is
    // enough (a `run --hot-reload` builds again and again).
    static UNPACKED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    if let Some(dir) = UNPACKED.get()
        && dir.join("Cargo.toml").is_file()
    {
        return Ok(dir.clone());
    }
    let dir = unpack_into(&sdk_root())?;
    Ok(UNPACKED.get_or_init(|| dir).clone())
}

fn unpack_into(root: &Path) -> Result<PathBuf> {
    let dir = root.join(format!("{SDK_VERSION}-{}", sources_hash()));
    let crate_dir = dir.join(SDK_CRATE);
    if crate_dir.join("Cargo.toml").is_file() {
        return Ok(crate_dir);
    }
    // Unpack beside the final folder and rename it into place, so a concurrent
    // build never sees half an SDK.
    static UNPACKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = UNPACKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let staging = root.join(format!(".unpacking-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    for file in packaged_files() {
        let path = staging.join(file.path());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
        }
        std::fs::write(&path, file.contents()).map_err(|e| Error::io("write", &path, e))?;
    }
    if std::fs::rename(&staging, &dir).is_err() {
        // Another process won the race; its copy is identical.
        let _ = std::fs::remove_dir_all(&staging);
        if !crate_dir.join("Cargo.toml").is_file() {
            return Err(Error::io(
                "create",
                &dir,
                std::io::Error::other("could not unpack the SDK sources"),
            ));
        }
    }
    Ok(crate_dir)
}

/// Whether the Rust project at `project_dir` takes the SDK from the registry (by
/// version), so the patch must supply it. A path or git dependency on the SDK (the
/// examples in this repository) needs nothing.
pub fn project_uses_sdk(project_dir: &Path) -> bool {
    let Some(manifest) = read_manifest(&project_dir.join("Cargo.toml")) else {
        return false;
    };
    let mut tables = vec![
        manifest.get("dependencies"),
        manifest.get("dev-dependencies"),
    ];
    if let Some(targets) = manifest.get("target").and_then(toml::Value::as_table) {
        tables.extend(targets.values().map(|t| t.get("dependencies")));
    }
    tables
        .into_iter()
        .flatten()
        .filter_map(|table| table.get(SDK_CRATE))
        .any(
            |dep| match dep.get("workspace").and_then(toml::Value::as_bool) {
                Some(true) => workspace_dependency(project_dir).is_some_and(|d| from_registry(&d)),
                _ => from_registry(dep),
            },
        )
}

/// A version requirement on the SDK in the project's `Cargo.toml` that the carried
/// SDK does not meet (after an upgrade of airssys-wasm, say), so cargo would not
/// use the patch.
pub fn unmet_requirement(project_dir: &Path) -> Option<String> {
    let manifest = read_manifest(&project_dir.join("Cargo.toml"))?;
    let carried = semver::Version::parse(SDK_VERSION).ok()?;
    ["dependencies", "dev-dependencies"]
        .iter()
        .filter_map(|table| manifest.get(*table)?.get(SDK_CRATE))
        .filter_map(|dep| dep.as_str().or_else(|| dep.get("version")?.as_str()))
        .find(|req| semver::VersionReq::parse(req).is_ok_and(|r| !r.matches(&carried)))
        .map(str::to_string)
}

fn read_manifest(path: &Path) -> Option<toml::Table> {
    std::fs::read_to_string(path).ok()?.parse().ok()
}

/// A dependency given by version only (`"0.1"` or a table without path or git).
fn from_registry(dep: &toml::Value) -> bool {
    dep.is_str() || !(dep.get("path").is_some() || dep.get("git").is_some())
}

/// The SDK entry of `[workspace.dependencies]` in the nearest enclosing workspace.
fn workspace_dependency(project_dir: &Path) -> Option<toml::Value> {
    project_dir.ancestors().skip(1).find_map(|dir| {
        let manifest = read_manifest(&dir.join("Cargo.toml"))?;
        manifest
            .get("workspace")?
            .get("dependencies")?
            .get(SDK_CRATE)
            .cloned()
    })
}

/// The `cargo --config` argument that points the SDK dependency at `sdk_dir`.
pub fn cargo_patch_arg(sdk_dir: &Path) -> String {
    format!(
        "patch.crates-io.{SDK_CRATE}.path={}",
        toml::Value::String(sdk_dir.display().to_string())
    )
}

/// The directory whose `.cargo/config.toml` every cargo command of the project
/// reads: the root of its cargo workspace (the template is its own), else itself.
pub fn cargo_root(project_dir: &Path) -> &Path {
    project_dir
        .ancestors()
        .find(|dir| {
            read_manifest(&dir.join("Cargo.toml")).is_some_and(|m| m.contains_key("workspace"))
        })
        .unwrap_or(project_dir)
}

/// Writes (or refreshes) the `.cargo/config.toml` of the project's cargo root so
/// that plain cargo commands find the SDK too, and returns the path written,
/// relative to that root. A config file the user wrote is left alone: builds
/// through airssys-wasm pass the patch on the command line anyway.
pub fn wire_project(project_dir: &Path, sdk_dir: &Path) -> Result<Option<PathBuf>> {
    let project_dir = cargo_root(project_dir);
    let relative = PathBuf::from(".cargo").join("config.toml");
    let path = project_dir.join(&relative);
    let wanted = format!(
        "{CONFIG_MARKER}: the airssys-wasm-sdk {SDK_VERSION} sources carried by\n\
         # airssys-wasm, unpacked on this machine. `airssys-wasm build` keeps this file\n\
         # current; delete it once airssys-wasm-sdk is published on crates.io.\n\
         [patch.crates-io]\n\
         {SDK_CRATE} = {{ path = {} }}\n",
        toml::Value::String(sdk_dir.display().to_string())
    );
    match std::fs::read_to_string(&path) {
        Ok(current) if current == wanted => return Ok(None),
        Ok(current) if !current.starts_with(CONFIG_MARKER) => return Ok(None),
        _ => {}
    }
    let dir = project_dir.join(".cargo");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("create", &dir, e))?;
    std::fs::write(&path, wanted).map_err(|e| Error::io("write", &path, e))?;
    Ok(Some(relative))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_carried_sdk_has_the_binarys_version_and_the_contract() {
        let manifest = SDK_SOURCES
            .get_file("airssys-wasm-sdk/Cargo.toml")
            .and_then(|f| f.contents_utf8())
            .expect("the SDK manifest is carried");
        let manifest: toml::Table = manifest.parse().unwrap();
        assert_eq!(manifest["package"]["version"].as_str(), Some(SDK_VERSION));
        let wit = SDK_SOURCES
            .get_file("airssys-wasm-sdk/wit/core.wit")
            .and_then(|f| f.contents_utf8());
        assert_eq!(wit, Some(crate::wit::CORE_WIT));
        assert!(
            packaged_files()
                .iter()
                .all(|f| !f.path().starts_with("airssys-wasm-sdk/tests")),
            "the SDK's own tests stay out of projects"
        );
    }

    #[test]
    fn only_registry_dependencies_on_the_sdk_are_patched() {
        let tmp = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let path = tmp.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        let cases = [
            ("[dependencies]\nairssys-wasm-sdk = \"0.1.0\"\n", true),
            (
                "[dev-dependencies.airssys-wasm-sdk]\nversion = \"0.1\"\n",
                true,
            ),
            (
                "[dependencies]\nairssys-wasm-sdk = { path = \"../sdk\" }\n",
                false,
            ),
            ("[dependencies]\nserde = \"1\"\n", false),
            ("[dependencies]\nairssys-wasm-sdk.workspace = true\n", false),
        ];
        for (manifest, expected) in cases {
            write("p/Cargo.toml", manifest);
            assert_eq!(
                project_uses_sdk(&tmp.path().join("p")),
                expected,
                "{manifest}"
            );
        }
        write(
            "Cargo.toml",
            "[workspace]\n[workspace.dependencies]\nairssys-wasm-sdk = \"0.1.0\"\n",
        );
        assert!(project_uses_sdk(&tmp.path().join("p")));

        write(
            "p/Cargo.toml",
            "[dependencies]\nairssys-wasm-sdk = \"0.0.9\"\n",
        );
        assert_eq!(
            unmet_requirement(&tmp.path().join("p")).as_deref(),
            Some("0.0.9")
        );
        write(
            "p/Cargo.toml",
            &format!("[dependencies]\nairssys-wasm-sdk = \"{SDK_VERSION}\"\n"),
        );
        assert_eq!(unmet_requirement(&tmp.path().join("p")), None);
    }

    #[test]
    fn unpacking_is_idempotent_and_wiring_respects_user_configs() {
        let tmp = tempfile::tempdir().unwrap();
        let first = unpack_into(&tmp.path().join("sdk")).unwrap();
        let second = unpack_into(&tmp.path().join("sdk")).unwrap();
        assert_eq!(first, second);
        assert!(first.join("src/lib.rs").is_file());
        assert!(
            first
                .join("../airssys-wasm-sdk-macros/src/lib.rs")
                .is_file()
        );

        let project = tmp.path().join("p");
        std::fs::create_dir_all(&project).unwrap();
        assert!(wire_project(&project, &first).unwrap().is_some());
        assert!(
            wire_project(&project, &first).unwrap().is_none(),
            "unchanged"
        );
        std::fs::write(project.join(".cargo/config.toml"), "[build]\njobs = 1\n").unwrap();
        assert!(wire_project(&project, &first).unwrap().is_none());
        assert_eq!(
            std::fs::read_to_string(project.join(".cargo/config.toml")).unwrap(),
            "[build]\njobs = 1\n",
            "a user's own config is never overwritten"
        );
    }
}
