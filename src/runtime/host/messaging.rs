//! `airssys:core/messaging`: calls to other components loaded in the same runtime,
//! only to the targets listed in `[permissions.messaging]`.

use crate::runtime::bindings::ComponentError;
use crate::runtime::bindings::airssys::core::messaging::Host;
use crate::runtime::instance::Caller;
use crate::runtime::{HostState, Invocation, InvokeError};

use super::{MAX_CALL_DEPTH, deny};

impl Host for HostState {
    async fn call(
        &mut self,
        target: String,
        data: Vec<u8>,
        metadata: Vec<(String, String)>,
    ) -> Result<Vec<u8>, ComponentError> {
        if !self.sandbox.permissions.messaging.contains(&target) {
            return Err(ComponentError::PermissionDenied(deny(
                self,
                format!("messaging call to `{target}`"),
                format!("add \"{target}\" to [permissions.messaging] targets"),
            )));
        }
        if self.call_depth >= MAX_CALL_DEPTH {
            return Err(ComponentError::Internal(format!(
                "messaging calls nest deeper than {MAX_CALL_DEPTH}; is there a call cycle?"
            )));
        }
        let invocation = Invocation {
            data,
            metadata,
            request_id: None,
            deadline: None,
        };
        let shared = self.shared.clone();
        // The callee runs within what is left of this call's time.
        let mut chain = self.callers.clone();
        chain.push(self.sandbox.name.clone());
        let Some(component) = self.shared.component(&target) else {
            // In a cluster, another host may serve it.
            let remaining = self
                .deadline
                .saturating_duration_since(std::time::Instant::now());
            let answer = match shared.remote() {
                Some(remote) => remote.call(&target, invocation, chain, remaining).await,
                None => None,
            };
            return match answer {
                Some(Ok(output)) => Ok(output.data),
                Some(Err(InvokeError::Component(error))) => Err(error.into_wit()),
                Some(Err(other)) => Err(ComponentError::Internal(format!(
                    "`{target}` failed: {other}"
                ))),
                None => Err(ComponentError::NotFound(format!(
                    "no component named `{target}` is loaded in this runtime"
                ))),
            };
        };
        let caller = Caller {
            deadline: self.deadline,
            chain,
        };
        match Box::pin(shared.invoke(component, invocation, Some(caller))).await {
            Ok(output) => Ok(output.data),
            Err(InvokeError::Component(error)) => Err(error.into_wit()),
            Err(other) => Err(ComponentError::Internal(format!(
                "`{target}` failed: {other}"
            ))),
        }
    }
}
