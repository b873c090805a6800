//! Host implementations of the `airssys:core` imports. Each checks the calling
//! component's grants first: a call without its grant returns `permission-denied`
//! to the guest and reports a denial naming the grant that would allow it.

mod key_value;
mod logging;
mod messaging;

use crate::runtime::{Denial, HostState};

/// Most `messaging.call`s that may be nested (A calls B calls C …).
pub const MAX_CALL_DEPTH: u32 = 8;

impl crate::runtime::bindings::airssys::core::types::Host for HostState {}

/// Reports a denial for the instance's component and returns the guest-facing text.
fn deny(state: &HostState, action: String, help: String) -> String {
    let message = format!("{action} is not permitted: {help}");
    state.shared.sink.denied(&Denial {
        component: state.sandbox.name.clone(),
        version: state.sandbox.version.clone(),
        action,
        help,
    });
    message
}
