//! Turning a wasip1 core module into a component, in-process: the preview1
//! adapter that fits (command for a program with `_start`, reactor for a module
//! exporting the `airssys:core` functions) from the crate Wasmtime publishes, and
//! wit-component to weave them together. Build drivers for C and Go produce core
//! modules; `run`, `validate` and `deploy` accept one where a component is expected.

use std::path::Path;

use wasi_preview1_component_adapter_provider::{
    WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER,
    WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
};

use super::{ComponentError, CoreKind};

/// How to componentize a core module.
#[derive(Debug, Clone, Copy, Default)]
pub struct AdaptOptions {
    /// Let the adapter grow memory for its own allocations instead of calling the
    /// module's `cabi_realloc`: Go's runtime must not be re-entered that early.
    pub realloc_via_memory_grow: bool,
}

/// A component made from a core module.
#[derive(Debug, Clone)]
pub struct Adapted {
    /// The component's bytes.
    pub bytes: Vec<u8>,
    /// What the module was, hence which adapter was used.
    pub kind: CoreKind,
}

impl CoreKind {
    /// What `run` and friends say when they adapt a module of this kind.
    pub fn adapted_note(self, path: &Path) -> String {
        format!(
            "{} is a core module ({}); adapted to a component with the wasi_snapshot_preview1 {} adapter",
            path.display(),
            self.describe(),
            match self {
                CoreKind::Command => "command",
                CoreKind::Reactor => "reactor",
            }
        )
    }
}

/// Whether `bytes` are a core module rather than a component.
pub fn is_core_module(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\0asm") && wasmparser::Parser::is_core_wasm(bytes)
}

/// Wraps the core module `bytes` (read from `path`, for messages) into a
/// component. A reactor without component-type metadata of its own is taken to
/// implement `airssys:core/component`, whose metadata is embedded first.
pub fn adapt_core_module(
    bytes: &[u8],
    path: &Path,
    options: AdaptOptions,
) -> Result<Adapted, ComponentError> {
    let kind = CoreKind::of(bytes);
    let mut module = bytes.to_vec();
    if kind == CoreKind::Reactor && !has_component_type(bytes) {
        let (resolve, pkg) =
            crate::wit::core_resolve().map_err(|e| adapt_error(path, e.to_string()))?;
        let world = resolve
            .select_world(&[pkg], Some("component"))
            .map_err(|e| adapt_error(path, e.to_string()))?;
        wit_component::embed_component_metadata(
            &mut module,
            &resolve,
            world,
            wit_component::StringEncoding::UTF8,
        )
        .map_err(|e| adapt_error(path, e.to_string()))?;
    }
    let adapter = match kind {
        CoreKind::Command => WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER,
        CoreKind::Reactor => WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
    };
    // A module that sets memory aside for the adapter (`cabi_realloc_adapter`)
    // keeps the adapter out of memory its own allocator manages.
    let grow = options.realloc_via_memory_grow && !exports(bytes, "cabi_realloc_adapter");
    let bytes = wit_component::ComponentEncoder::default()
        .validate(true)
        .realloc_via_memory_grow(grow)
        .module(&module)
        .and_then(|encoder| encoder.adapter(WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, adapter))
        .and_then(|mut encoder| encoder.encode())
        .map_err(|e| adapt_error(path, format!("{e:#}")))?;
    Ok(Adapted { bytes, kind })
}

/// Reads a `.wasm` file as a component, adapting a core module on the way. The
/// kind is returned when it was adapted, so the caller can say so.
pub fn read_component(path: &Path) -> Result<(Vec<u8>, Option<CoreKind>), ComponentError> {
    let bytes = std::fs::read(path).map_err(|source| ComponentError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if !is_core_module(&bytes) {
        return Ok((bytes, None));
    }
    let options = AdaptOptions {
        // What the Go driver sets, for a Go module handed over as a file.
        realloc_via_memory_grow: has_custom_section(&bytes, |name| name == "go:buildid"),
    };
    let adapted = adapt_core_module(&bytes, path, options)?;
    Ok((adapted.bytes, Some(adapted.kind)))
}

/// Whether the core module `bytes` exports `name`.
pub(super) fn exports(bytes: &[u8], name: &str) -> bool {
    wasmparser::Parser::new(0)
        .parse_all(bytes)
        .flatten()
        .any(|payload| match payload {
            wasmparser::Payload::ExportSection(exports) => {
                exports.into_iter().flatten().any(|e| e.name == name)
            }
            _ => false,
        })
}

fn has_component_type(bytes: &[u8]) -> bool {
    has_custom_section(bytes, |name| name.starts_with("component-type"))
}

fn has_custom_section(bytes: &[u8], wanted: impl Fn(&str) -> bool) -> bool {
    wasmparser::Parser::new(0)
        .parse_all(bytes)
        .flatten()
        .any(|payload| matches!(payload, wasmparser::Payload::CustomSection(s) if wanted(s.name())))
}

fn adapt_error(path: &Path, details: String) -> ComponentError {
    ComponentError::Adapt {
        path: path.to_path_buf(),
        details,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wasip1_command_becomes_a_wasi_cli_command() {
        let module = wat::parse_str(
            r#"(module
                (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                (memory (export "memory") 1)
                (func (export "_start") (call $exit (i32.const 3))))"#,
        )
        .unwrap();
        assert!(is_core_module(&module));
        let adapted =
            adapt_core_module(&module, Path::new("exit.wasm"), AdaptOptions::default()).unwrap();
        assert_eq!(adapted.kind, CoreKind::Command);
        let info = super::super::inspect(&adapted.bytes, Path::new("exit.wasm")).unwrap();
        assert!(
            info.exported_interfaces()
                .any(|i| i.is("wasi", "cli", "run")),
            "{:?}",
            info.exports
        );
    }
}
