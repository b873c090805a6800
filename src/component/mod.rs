//! Inspecting a compiled WebAssembly component: is it one, what it imports and
//! exports, and whether that matches the world its manifest declares.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use sha2::{Digest, Sha256};
use wit_parser::WorldKey;
use wit_parser::decoding::DecodedWasm;

use crate::manifest::WorldName;
use crate::validate::Finding;

mod adapt;

pub use adapt::{AdaptOptions, Adapted, adapt_core_module, is_core_module, read_component};

/// The newest WASI 0.2 release the embedded runtime links (wasmtime-wasi 48).
pub const LINKED_WASI_VERSION: semver::Version = semver::Version::new(0, 2, 12);

/// Why a file cannot be used as a component.
#[derive(Debug, thiserror::Error)]
pub enum ComponentError {
    /// The file could not be read.
    #[error("could not read {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Not WebAssembly at all.
    #[error("{path} is not a WebAssembly file (it does not start with `\\0asm`)")]
    NotWasm {
        /// The file.
        path: PathBuf,
    },
    /// A core module where a component is needed.
    #[error("{path} is a core WebAssembly module ({}), not a component", kind.describe())]
    CoreModule {
        /// The file.
        path: PathBuf,
        /// What the module looks like, for the right fix.
        kind: CoreKind,
    },
    /// A core module that could not be turned into a component.
    #[error("could not adapt the core module {path} into a component: {details}")]
    Adapt {
        /// The file.
        path: PathBuf,
        /// wit-component's message.
        details: String,
    },
    /// Malformed binary (truncated, corrupted, unsupported feature).
    #[error("{path} is not a valid WebAssembly component")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The validator's message, with the byte offset.
        #[source]
        source: wasmparser::BinaryReaderError,
    },
    /// Valid binary whose component type could not be decoded.
    #[error("could not read the interfaces of {path}")]
    Decode {
        /// The file.
        path: PathBuf,
        /// The decoder's message.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl ComponentError {
    /// The exact fix, when one is known.
    pub fn help(&self) -> Option<String> {
        match self {
            ComponentError::CoreModule { path, kind } => {
                let output = path.with_extension("component.wasm");
                Some(format!(
                    "build for `wasm32-wasip2` (which emits a component), or wrap the module: \
                     `wasm-tools component new {} --adapt wasi_snapshot_preview1={} -o {}` \
                     (the adapter ships in the `wasi-preview1-component-adapter-provider` crate)",
                    path.display(),
                    kind.adapter(),
                    output.display()
                ))
            }
            ComponentError::Adapt { .. } => Some(
                "a module for the preview1 adapters imports only `wasi_snapshot_preview1` and, \
                 for a reactor, exports the `airssys:core` functions with the canonical ABI \
                 (as `wit-bindgen` generates them); or build a component directly"
                    .into(),
            ),
            ComponentError::NotWasm { .. } | ComponentError::Invalid { .. } => Some(
                "point at the `.wasm` file produced by the build (`airssys-wasm build` prints its path)"
                    .into(),
            ),
            _ => None,
        }
    }
}

/// What a core module is, which decides how it becomes a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoreKind {
    /// It exports `_start`: a program (`wasi:cli/command` once adapted).
    Command,
    /// It exports functions to be called (a library, a handler).
    Reactor,
}

impl CoreKind {
    /// Finds out from the module's exports.
    fn of(bytes: &[u8]) -> CoreKind {
        match adapt::exports(bytes, "_start") {
            true => CoreKind::Command,
            false => CoreKind::Reactor,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            CoreKind::Command => "a command: it exports `_start`",
            CoreKind::Reactor => "a reactor: it exports functions, no `_start`",
        }
    }

    /// The preview1 adapter that fits.
    pub fn adapter(self) -> &'static str {
        match self {
            CoreKind::Command => "wasi_snapshot_preview1.command.wasm",
            CoreKind::Reactor => "wasi_snapshot_preview1.reactor.wasm",
        }
    }
}

/// A fully qualified interface name such as `wasi:filesystem/types@0.2.6`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InterfaceName {
    /// `wasi`.
    pub namespace: String,
    /// `filesystem`.
    pub package: String,
    /// `types`.
    pub interface: String,
    /// `0.2.6`, when versioned.
    pub version: Option<semver::Version>,
}

impl InterfaceName {
    /// Whether this is `namespace:package/...` of any interface and version.
    pub fn is_package(&self, namespace: &str, package: &str) -> bool {
        self.namespace == namespace && self.package == package
    }

    /// Whether this is `namespace:package/interface` of any version.
    pub fn is(&self, namespace: &str, package: &str, interface: &str) -> bool {
        self.is_package(namespace, package) && self.interface == interface
    }

    /// The name without its version, e.g. `wasi:sockets/tcp`.
    pub fn unversioned(&self) -> String {
        format!("{}:{}/{}", self.namespace, self.package, self.interface)
    }
}

impl FromStr for InterfaceName {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let (name, version) = match s.split_once('@') {
            Some((n, v)) => (n, Some(v.parse::<semver::Version>().map_err(|_| ())?)),
            None => (s, None),
        };
        let (namespace, rest) = name.split_once(':').ok_or(())?;
        let (package, interface) = rest.split_once('/').ok_or(())?;
        Ok(InterfaceName {
            namespace: namespace.into(),
            package: package.into(),
            interface: interface.into(),
            version,
        })
    }
}

impl fmt::Display for InterfaceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.unversioned())?;
        if let Some(v) = &self.version {
            write!(f, "@{v}")?;
        }
        Ok(())
    }
}

/// One import or export of a component.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Item {
    /// An instance of a named interface.
    Interface(InterfaceName),
    /// Anything else (a bare function or type), by its name.
    Other(String),
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Item::Interface(i) => i.fmt(f),
            Item::Other(name) => f.write_str(name),
        }
    }
}

impl serde::Serialize for Item {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What a component is made of.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ComponentInfo {
    /// Where it was read from.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// Lower-case hex sha256 of the bytes.
    pub sha256: String,
    /// Imports, sorted.
    pub imports: Vec<Item>,
    /// Exports, sorted.
    pub exports: Vec<Item>,
}

impl ComponentInfo {
    /// Interface imports only.
    pub fn imported_interfaces(&self) -> impl Iterator<Item = &InterfaceName> {
        self.imports.iter().filter_map(|i| match i {
            Item::Interface(name) => Some(name),
            Item::Other(_) => None,
        })
    }

    /// Interface exports only.
    pub fn exported_interfaces(&self) -> impl Iterator<Item = &InterfaceName> {
        self.exports.iter().filter_map(|i| match i {
            Item::Interface(name) => Some(name),
            Item::Other(_) => None,
        })
    }
}

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads and inspects a component file.
pub fn inspect_file(path: &Path) -> Result<ComponentInfo, ComponentError> {
    let bytes = std::fs::read(path).map_err(|source| ComponentError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    inspect(&bytes, path)
}

/// Validates `bytes` as a component and lists its imports and exports.
pub fn inspect(bytes: &[u8], path: &Path) -> Result<ComponentInfo, ComponentError> {
    let path_buf = path.to_path_buf();
    if !bytes.starts_with(b"\0asm") {
        return Err(ComponentError::NotWasm { path: path_buf });
    }
    if wasmparser::Parser::is_core_wasm(bytes) {
        return Err(ComponentError::CoreModule {
            path: path_buf,
            kind: CoreKind::of(bytes),
        });
    }
    let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
    validator
        .validate_all(bytes)
        .map_err(|source| ComponentError::Invalid {
            path: path_buf.clone(),
            source,
        })?;
    let decoded = wit_parser::decoding::decode(bytes).map_err(|e| ComponentError::Decode {
        path: path_buf.clone(),
        source: e.into(),
    })?;
    let DecodedWasm::Component(resolve, world) = decoded else {
        return Err(ComponentError::CoreModule {
            path: path_buf,
            kind: CoreKind::of(bytes),
        });
    };
    let world = &resolve.worlds[world];
    let name_of = |key: &WorldKey| -> Item {
        match key {
            WorldKey::Interface(id) => match resolve.id_of(*id).map(|s| s.parse()) {
                Some(Ok(name)) => Item::Interface(name),
                _ => Item::Other(resolve.name_world_key(key)),
            },
            WorldKey::Name(name) => Item::Other(name.clone()),
        }
    };
    let mut imports: Vec<Item> = world
        .imports
        .iter()
        .filter(|(_, item)| !matches!(item, wit_parser::WorldItem::Type { .. }))
        .map(|(key, _)| name_of(key))
        .collect();
    let mut exports: Vec<Item> = world.exports.keys().map(name_of).collect();
    imports.sort();
    exports.sort();
    Ok(ComponentInfo {
        path: path_buf,
        size: bytes.len() as u64,
        sha256: sha256_hex(bytes),
        imports,
        exports,
    })
}

/// The interface a world must export, as `(namespace, package, interface)`.
fn required_export(world: WorldName) -> (&'static str, &'static str, &'static str) {
    match world {
        WorldName::AirssysComponent => ("airssys", "core", "lifecycle"),
        WorldName::WasiCommand => ("wasi", "cli", "run"),
        WorldName::WasiHttpProxy => ("wasi", "http", "incoming-handler"),
    }
}

/// Checks that the component targets `world` and that the host can satisfy every
/// import. Returns error findings; an empty list means it fits.
pub fn check_world(info: &ComponentInfo, world: WorldName) -> Vec<Finding> {
    check_world_providing(info, world, &[])
}

/// [`check_world`] for a host that also provides the interfaces in `extra`
/// (ids such as `acme:metrics/counter@1.0.0`, registered by an embedder).
pub fn check_world_providing(
    info: &ComponentInfo,
    world: WorldName,
    extra: &[&str],
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let (ns, pkg, iface) = required_export(world);
    let exported: Vec<&InterfaceName> = info.exported_interfaces().collect();
    match exported.iter().find(|e| e.is(ns, pkg, iface)) {
        None => {
            let actual = WorldName::ALL
                .into_iter()
                .find(|w| {
                    let (n, p, i) = required_export(*w);
                    exported.iter().any(|e| e.is(n, p, i))
                })
                .map(|w| format!("set `world = \"{w}\"` in [component]"));
            findings.push(Finding::error(
                "wrong-world",
                format!("the component does not export `{ns}:{pkg}/{iface}`, so it does not target the world `{world}`"),
                actual.or_else(|| Some(format!("export `{ns}:{pkg}/{iface}` (build against the world `{world}`)"))),
            ));
        }
        Some(found) if world == WorldName::AirssysComponent => {
            if found.version != Some(semver::Version::new(1, 0, 0)) {
                findings.push(Finding::error(
                    "wrong-world",
                    format!("the component exports `{found}`, but this host implements `airssys:core/lifecycle@1.0.0`"),
                    Some("rebuild against the airssys:core@1.0.0 contract in wit/core.wit".into()),
                ));
            }
        }
        Some(_) => {}
    }
    for item in &info.imports {
        if extra.contains(&item.to_string().as_str()) {
            continue;
        }
        if let Some(finding) = check_import(item) {
            findings.push(finding);
        }
    }
    findings
}

/// Whether the host can provide one import; an error finding when it cannot.
fn check_import(item: &Item) -> Option<Finding> {
    let name = match item {
        Item::Interface(name) => name,
        Item::Other(other) => {
            return Some(Finding::error(
                "unknown-import",
                format!("the component imports `{other}`, which the host does not provide"),
                Some("import only WASI 0.2 and airssys:core interfaces".into()),
            ));
        }
    };
    match name.namespace.as_str() {
        "wasi" => match &name.version {
            Some(v) if v.major == 0 && v.minor == 2 && *v <= LINKED_WASI_VERSION => None,
            Some(v) if v.major == 0 && v.minor == 2 => Some(Finding::error(
                "wasi-too-new",
                format!(
                    "the component imports `{name}`, but the embedded runtime links WASI {LINKED_WASI_VERSION}, older than {v}"
                ),
                Some(format!(
                    "build against WASI ≤ {LINKED_WASI_VERSION}: use Rust std on wasm32-wasip2, or pin the guest's `wasi` crate to a release targeting WASI {LINKED_WASI_VERSION} or older"
                )),
            )),
            _ => Some(Finding::error(
                "unsupported-wasi",
                format!(
                    "the component imports `{name}`; the host links WASI 0.2 (up to {LINKED_WASI_VERSION}) only"
                ),
                Some("build the component for WASI 0.2 (target wasm32-wasip2)".into()),
            )),
        },
        "airssys" if name.package == "core" => {
            let known = ["types", "logging", "key-value", "messaging"];
            if name.version != Some(semver::Version::new(1, 0, 0))
                || !known.contains(&name.interface.as_str())
            {
                Some(Finding::error(
                    "unknown-import",
                    format!(
                        "the component imports `{name}`, which is not part of airssys:core@1.0.0"
                    ),
                    Some("rebuild against the airssys:core@1.0.0 contract in wit/core.wit".into()),
                ))
            } else {
                None
            }
        }
        _ => Some(Finding::error(
            "unknown-import",
            format!("the component imports `{name}`, which the host does not provide"),
            Some("import only WASI 0.2 and airssys:core interfaces".into()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_names_round_trip() {
        let name: InterfaceName = "wasi:filesystem/types@0.2.6".parse().unwrap();
        assert!(name.is("wasi", "filesystem", "types"));
        assert_eq!(name.to_string(), "wasi:filesystem/types@0.2.6");
        assert!("nonsense".parse::<InterfaceName>().is_err());
    }

    #[test]
    fn newer_wasi_is_refused_with_both_versions() {
        let item = Item::Interface("wasi:cli/environment@0.2.99".parse().unwrap());
        let finding = check_import(&item).unwrap();
        assert!(finding.message.contains("0.2.99"));
        assert!(finding.message.contains(&LINKED_WASI_VERSION.to_string()));
        assert!(
            check_import(&Item::Interface(
                "wasi:cli/environment@0.2.6".parse().unwrap()
            ))
            .is_none()
        );
    }
}
