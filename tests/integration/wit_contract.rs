//! `wit/core.wit` is the contract of DESIGN.md section 3.

use wit_parser::{Resolve, WorldItem, WorldKey};

fn interface_functions(resolve: &Resolve, pkg: wit_parser::PackageId, name: &str) -> Vec<String> {
    let id = resolve.packages[pkg].interfaces[name];
    let mut names: Vec<String> = resolve.interfaces[id].functions.keys().cloned().collect();
    names.sort();
    names
}

#[test]
fn core_wit_defines_the_component_world() {
    let mut resolve = Resolve::default();
    let pkg = resolve
        .push_file(super::support::repo().join("wit/core.wit"))
        .expect("wit/core.wit parses");
    assert_eq!(resolve.packages[pkg].name.to_string(), "airssys:core@1.0.0");
    let world = resolve
        .select_world(&[pkg], Some("component"))
        .expect("world `component`");
    let name = |key: &WorldKey| resolve.name_world_key(key);
    let mut imports: Vec<String> = resolve.worlds[world]
        .imports
        .iter()
        .filter(|(_, item)| matches!(item, WorldItem::Interface { .. }))
        .map(|(k, _)| name(k))
        .collect();
    imports.sort();
    assert_eq!(
        imports,
        [
            "airssys:core/key-value@1.0.0",
            "airssys:core/logging@1.0.0",
            "airssys:core/messaging@1.0.0",
            "airssys:core/types@1.0.0",
        ]
    );
    let exports: Vec<String> = resolve.worlds[world].exports.keys().map(name).collect();
    assert_eq!(exports, ["airssys:core/lifecycle@1.0.0"]);

    assert_eq!(
        interface_functions(&resolve, pkg, "lifecycle"),
        ["describe", "execute", "health", "init", "shutdown"]
    );
    assert_eq!(
        interface_functions(&resolve, pkg, "key-value"),
        ["delete", "get", "list-keys", "set"]
    );
    assert_eq!(interface_functions(&resolve, pkg, "logging"), ["log"]);
    assert_eq!(interface_functions(&resolve, pkg, "messaging"), ["call"]);
    let types = resolve.packages[pkg].interfaces["types"];
    let mut type_names: Vec<&String> = resolve.interfaces[types].types.keys().collect();
    type_names.sort();
    assert_eq!(
        type_names,
        [
            "component-error",
            "component-input",
            "component-metadata",
            "component-output",
            "execution-context",
            "health-status",
            "metadata",
        ]
    );
}

#[test]
fn every_item_of_the_contract_is_documented() {
    let mut resolve = Resolve::default();
    let pkg = resolve
        .push_str("core.wit", airssys_wasm::wit::CORE_WIT)
        .expect("embedded contract parses");
    for (name, id) in &resolve.packages[pkg].interfaces {
        let iface = &resolve.interfaces[*id];
        assert!(
            iface.docs.contents.is_some(),
            "interface {name} has no docs"
        );
        for (f, func) in &iface.functions {
            assert!(func.docs.contents.is_some(), "{name}.{f} has no docs");
        }
    }
}
