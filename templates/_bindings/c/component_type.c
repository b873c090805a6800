// Stands in for the `component_component_type.o` that `wit-bindgen c` writes
// beside component.c: airssys-wasm embeds the airssys:core component type
// itself when it adapts the module, so only the symbol component.c links
// against is needed here.
void __component_type_object_force_link_component(void) {}
