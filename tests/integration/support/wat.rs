//! Components built from WAT through wit-component: real, valid components with
//! exactly the imports a test needs, in milliseconds and without a guest toolchain.

use wit_component::{ComponentEncoder, StringEncoding, embed_component_metadata};
use wit_parser::Resolve;

/// Core-wasm stubs for every export of `airssys:core/lifecycle@1.0.0`, with the
/// canonical-ABI signatures wit-component checks. They trap if ever called: these
/// fixtures exist for static checks.
const LIFECYCLE_EXPORTS: &str = r#"
  (func (export "airssys:core/lifecycle@1.0.0#init") (param i32 i32) (result i32) unreachable)
  (func (export "airssys:core/lifecycle@1.0.0#execute")
    (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i64) (result i32) unreachable)
  (func (export "airssys:core/lifecycle@1.0.0#shutdown") unreachable)
  (func (export "airssys:core/lifecycle@1.0.0#describe") (result i32) unreachable)
  (func (export "airssys:core/lifecycle@1.0.0#health") (result i32) unreachable)
"#;

/// One core import: module (interface id), field (function), signature.
pub struct CoreImport {
    /// e.g. `airssys:core/key-value@1.0.0`.
    pub module: &'static str,
    /// e.g. `get`.
    pub name: &'static str,
    /// e.g. `(param i32 i32 i32)`.
    pub signature: &'static str,
}

/// Minimal stand-ins for WASI packages: only the names matter to the static checks.
const WASI_STUBS: [&str; 3] = [
    "package wasi:sockets@0.2.6;\ninterface instance-network { instance-network: func() -> u32; }",
    "package wasi:filesystem@0.2.6;\ninterface preopens { get-directories: func() -> u32; }",
    "package wasi:cli@0.2.6;\ninterface run { run: func() -> result; }",
];

/// A component whose core module has `imports` and `exports` (WAT snippets), for the
/// test world written in WIT (`world fixture { ... }` inside package `test:fixture`).
pub fn component(world_body: &str, imports: &[CoreImport], exports: &str) -> Vec<u8> {
    component_with(&[], world_body, imports, exports)
}

/// An `airssys:core/component` that also imports from the WIT package `stub`.
pub fn airssys_component_with_stub(
    stub: &str,
    world_imports: &str,
    imports: &[CoreImport],
) -> Vec<u8> {
    component_with(
        &[stub],
        &format!("{world_imports}\nexport airssys:core/lifecycle@1.0.0;"),
        imports,
        LIFECYCLE_EXPORTS,
    )
}

fn component_with(
    extra_wit: &[&str],
    world_body: &str,
    imports: &[CoreImport],
    exports: &str,
) -> Vec<u8> {
    let mut resolve = Resolve::default();
    for wit in extra_wit {
        resolve
            .push_str("extra.wit", wit)
            .expect("extra WIT parses");
    }
    resolve
        .push_str("core.wit", airssys_wasm::wit::CORE_WIT)
        .expect("core wit parses");
    for stub in WASI_STUBS {
        resolve.push_str("wasi.wit", stub).expect("stubs parse");
    }
    let pkg = resolve
        .push_str(
            "fixture.wit",
            &format!("package test:fixture;\nworld fixture {{\n{world_body}\n}}\n"),
        )
        .expect("fixture wit parses");
    let world = resolve
        .select_world(&[pkg], Some("fixture"))
        .expect("fixture world");
    let imports: String = imports
        .iter()
        .map(|i| {
            format!(
                "(import \"{}\" \"{}\" (func {}))\n",
                i.module, i.name, i.signature
            )
        })
        .collect();
    let wat = format!(
        "(module\n{imports}\n(memory (export \"memory\") 1)\n\
         (func (export \"cabi_realloc\") (param i32 i32 i32 i32) (result i32) i32.const 0)\n{exports})"
    );
    let mut module = wat::parse_str(&wat).expect("fixture WAT parses");
    embed_component_metadata(&mut module, &resolve, world, StringEncoding::UTF8)
        .expect("embed metadata");
    ComponentEncoder::default()
        .validate(true)
        .module(&module)
        .expect("module accepted")
        .encode()
        .expect("component encodes")
}

/// An `airssys:core/component` with the given extra imports.
pub fn airssys_component(world_imports: &str, imports: &[CoreImport]) -> Vec<u8> {
    component(
        &format!("{world_imports}\nexport airssys:core/lifecycle@1.0.0;"),
        imports,
        LIFECYCLE_EXPORTS,
    )
}

/// A `wasi:cli/command`-shaped component with the given extra imports.
pub fn command_component(world_imports: &str, imports: &[CoreImport]) -> Vec<u8> {
    component(
        &format!("{world_imports}\nexport wasi:cli/run@0.2.6;"),
        imports,
        r#"(func (export "wasi:cli/run@0.2.6#run") (result i32) i32.const 0)"#,
    )
}

/// Imports `wasi:sockets/instance-network`: needs a network grant.
pub const SOCKETS: CoreImport = CoreImport {
    module: "wasi:sockets/instance-network@0.2.6",
    name: "instance-network",
    signature: "(result i32)",
};

/// Imports `airssys:core/key-value.get`: needs a storage grant.
pub const KEY_VALUE_GET: CoreImport = CoreImport {
    module: "airssys:core/key-value@1.0.0",
    name: "get",
    signature: "(param i32 i32 i32)",
};

/// Imports `wasi:filesystem/preopens`: needs a filesystem grant.
pub const PREOPENS: CoreImport = CoreImport {
    module: "wasi:filesystem/preopens@0.2.6",
    name: "get-directories",
    signature: "(result i32)",
};
