//! What `#[component]` expands to calls into; not part of the public API.

use std::cell::RefCell;
use std::thread::LocalKey;

use crate::io::{FromInput, IntoOutput};
use crate::{Component, Context, Description, Error, ErrorKind, Health, Input, Metadata, Output};

/// The raw `airssys:core@1.0.0` bindings, generated once here so a project needs
/// no `wit/` folder and no wit-bindgen of its own.
#[allow(missing_docs, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "component",
        path: "wit",
        pub_export_macro: true,
        default_bindings_module: "::airssys_wasm_sdk::__private::bindings",
    });
}

pub use bindings::exports::airssys::core::lifecycle::Guest;
use bindings::exports::airssys::core::lifecycle::{
    ComponentError, ComponentInput, ComponentMetadata, ComponentOutput, HealthStatus,
};

/// The per-instance value of the exported component. A thread-local is the sound
/// home for it: a component instance is single-threaded and the type need not be
/// `Send`.
pub type Slot<C> = LocalKey<RefCell<Option<C>>>;

/// `lifecycle.init`: builds the value from `[config]` and keeps it.
pub fn init<C: Component>(
    slot: &'static Slot<C>,
    config: Vec<(String, String)>,
) -> Result<(), ComponentError> {
    let value = init_value::<C>(config).map_err(to_wit)?;
    slot.with(|cell| *cell.borrow_mut() = Some(value));
    Ok(())
}

/// `lifecycle.execute` on the kept value.
pub fn execute<C: Component>(
    slot: &'static Slot<C>,
    input: ComponentInput,
) -> Result<ComponentOutput, ComponentError> {
    let context = input.context;
    let input = Input::from_parts(
        input.data,
        Metadata::from(input.metadata),
        Context {
            request_id: context.request_id,
            component: context.component,
            version: context.version,
            deadline_ms: context.deadline_ms,
        },
    );
    let output = slot.with(|cell| match cell.borrow_mut().as_mut() {
        Some(component) => execute_value(component, input),
        None => Err(Error::internal(
            "execute was called before a successful init",
        )),
    });
    let (data, metadata) = output.map_err(to_wit)?.into_parts();
    Ok(ComponentOutput {
        data,
        metadata: metadata.into_pairs(),
    })
}

/// `lifecycle.shutdown`: the value's `shutdown`, then its `Drop`.
pub fn shutdown<C: Component>(slot: &'static Slot<C>) {
    if let Some(mut component) = slot.with(|cell| cell.borrow_mut().take()) {
        component.shutdown();
    }
}

/// `lifecycle.health`; an instance without a value cannot serve.
pub fn health<C: Component>(slot: &'static Slot<C>) -> HealthStatus {
    let health = slot.with(|cell| cell.borrow().as_ref().map(C::health));
    match health.unwrap_or(Health::Unhealthy) {
        Health::Healthy => HealthStatus::Healthy,
        Health::Degraded => HealthStatus::Degraded,
        Health::Unhealthy => HealthStatus::Unhealthy,
    }
}

/// `lifecycle.describe`, from the package metadata `#[component]` read.
pub fn describe<C: Component>(name: &str, version: &str, description: &str) -> ComponentMetadata {
    let d = C::describe(Description {
        name: name.into(),
        version: version.into(),
        description: description.into(),
    });
    ComponentMetadata {
        name: d.name,
        version: d.version,
        description: d.description,
    }
}

/// `init` minus the WIT types: shared with the native test host.
pub(crate) fn init_value<C: Component>(config: Vec<(String, String)>) -> Result<C, Error> {
    C::init(crate::config::from_pairs(config)?)
}

/// `execute` minus the WIT types: shared with the native test host.
pub(crate) fn execute_value<C: Component>(
    component: &mut C,
    input: Input,
) -> Result<Output, Error> {
    let input = C::Input::from_input(input)?;
    component.execute(input)?.into_output()
}

fn to_wit(error: Error) -> ComponentError {
    let message = error.message().to_string();
    match error.kind() {
        ErrorKind::InvalidInput => ComponentError::InvalidInput(message),
        ErrorKind::PermissionDenied => ComponentError::PermissionDenied(message),
        ErrorKind::NotFound => ComponentError::NotFound(message),
        ErrorKind::Internal => ComponentError::Internal(message),
    }
}

/// A host error as the SDK's [`Error`], keeping its kind.
#[cfg(target_arch = "wasm32")]
pub(crate) fn from_wit(error: ComponentError) -> Error {
    match error {
        ComponentError::InvalidInput(m) => Error::invalid_input(m),
        ComponentError::PermissionDenied(m) => Error::permission_denied(m),
        ComponentError::NotFound(m) => Error::not_found(m),
        ComponentError::Internal(m) => Error::internal(m),
    }
}
