//! The [`Component`] trait: what a type implements to be an airssys component.

use serde::de::DeserializeOwned;

use crate::io::{FromInput, IntoOutput};
use crate::Result;

/// A component: one value of this type serves the calls of one instance.
///
/// Put [`#[component]`](macro@crate::component) on the type to export it. In the
/// host's pooled mode (`[runtime] instance_mode = "pooled"`) the value made by
/// [`init`](Component::init) lives across calls; in `per-request` mode every
/// request gets a fresh instance, hence a fresh value. The host never calls one
/// instance concurrently, so `execute` takes `&mut self` and needs no locking.
///
/// Cleanup goes in [`Drop`] or [`shutdown`](Component::shutdown): the instance's
/// value is dropped right after `shutdown` when the host retires the instance.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is a #[component] but does not implement `Component`",
    label = "needs `impl Component for {Self}`",
    note = "add `impl airssys_wasm_sdk::Component for {Self}` with `init` and `execute`"
)]
pub trait Component: Sized + 'static {
    /// The manifest's `[config]` table, deserialised with serde. Scalars arrive as
    /// strings and are parsed into the field's type (`u32`, `bool`, an enum of unit
    /// variants...); a missing or mistyped key makes `init` fail with
    /// `invalid-input` naming the key. Use `()` for a component without config.
    type Config: DeserializeOwned;
    /// What `execute` takes: [`Text`](crate::Text), [`Json<T>`](crate::Json),
    /// `Vec<u8>`, or [`Input`](crate::Input) for the payload with its metadata and
    /// call context.
    type Input: FromInput;
    /// What `execute` returns: [`Text`](crate::Text), `String`,
    /// [`Json<T>`](crate::Json), `Vec<u8>`, `()`, or [`Output`](crate::Output) to
    /// set response metadata as well.
    type Output: IntoOutput;

    /// Makes the instance's value from its configuration. Return
    /// [`Error::invalid_input`](crate::Error::invalid_input) to reject a bad one:
    /// the load, deployment or rollout step then fails with that message.
    fn init(config: Self::Config) -> Result<Self>;

    /// Handles one request. An error's kind reaches the caller (`invalid-input`,
    /// `not-found`...); `?` on any other error type reports it as `internal`.
    fn execute(&mut self, input: Self::Input) -> Result<Self::Output>;

    /// The component's own view of its health, asked by host health checks and
    /// before a blue-green switch. Must be cheap. Healthy unless overridden.
    fn health(&self) -> Health {
        Health::Healthy
    }

    /// Called once before the instance is retired (a version swap, an undeploy,
    /// host stop); the value is dropped right after.
    fn shutdown(&mut self) {}

    /// The name, version and description the component reports. `package` comes
    /// from the crate's `Cargo.toml`; return it changed to override it.
    fn describe(package: Description) -> Description {
        package
    }
}

/// A component's view of its health (`health-status` in the WIT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Health {
    /// Fully operational.
    Healthy,
    /// Serving, but impaired; the host keeps routing traffic to it.
    Degraded,
    /// Unable to serve; a rollout to a version reporting this is not promoted.
    Unhealthy,
}

/// What a component says about itself (`component-metadata` in the WIT).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Description {
    /// The component's name.
    pub name: String,
    /// Its version (semver).
    pub version: String,
    /// One line on what it does.
    pub description: String,
}
