//! Host-side bindings of the `airssys:core/component` world, generated from the
//! contract in `wit/core.wit` so the host and the guests share one source of truth.

wasmtime::component::bindgen!({
    path: "wit/core.wit",
    world: "component",
    imports: { default: async },
    exports: { default: async },
});

pub use airssys::core::types::{
    ComponentError, ComponentMetadata, ComponentOutput, ExecutionContext, HealthStatus,
};
pub use exports::airssys::core::lifecycle::ComponentInput;
