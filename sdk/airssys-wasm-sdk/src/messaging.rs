//! Calls to other components on the same host (`airssys:core/messaging`).
//!
//! Needs the target in `[permissions.messaging] targets`; an unlisted target is
//! `permission-denied`, one that is not deployed is `not-found`, and the target's
//! own errors come back with their kind. The call counts against this
//! component's `max_execution_ms`.
//!
//! ```no_run
//! use airssys_wasm_sdk::{messaging, Result};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize)]
//! struct Charge<'a> { order: &'a str, cents: u64 }
//!
//! #[derive(Deserialize)]
//! struct Receipt { id: String }
//!
//! fn charge(order: &str) -> Result<String> {
//!     let receipt: Receipt = messaging::call("billing", &Charge { order, cents: 1250 })?;
//!     Ok(receipt.id)
//! }
//! ```

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{host, Error, Metadata, Result};

/// Sends `request` to `target` as JSON and parses its JSON answer into `R`.
pub fn call<R: DeserializeOwned, T: Serialize + ?Sized>(target: &str, request: &T) -> Result<R> {
    let answer = call_bytes(target, &serde_json::to_vec(request)?, &Metadata::new())?;
    serde_json::from_slice(&answer).map_err(|e| {
        Error::internal(format!(
            "`{target}` answered with JSON that does not fit the type asked for: {e}"
        ))
    })
}

/// Sends raw bytes and metadata to `target` and returns its raw answer.
pub fn call_bytes(target: &str, data: &[u8], metadata: &Metadata) -> Result<Vec<u8>> {
    host::call(target, data, metadata)
}
