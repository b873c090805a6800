//! release: the compensation of reserve. It runs when reserve succeeded but the
//! run failed later, once, with this input:
//!
//! `{"node":"reserve","input":<reserve's input>,"output":<reserve's output>,
//!   "failed":{"node":..,"kind":..,"message":..}}`
//!
//! Key-value stores are per component: release cannot see (or delete) the
//! `reservation:<order>` entry in reserve's store. It gives the stock back
//! (here: logs it) and keeps its own ledger entry, `released:<order>`.

wit_bindgen::generate!({ world: "component", path: "wit" });

use airssys::core::key_value;
use airssys::core::logging::{log, Level};
use exports::airssys::core::lifecycle::{
    ComponentError, ComponentInput, ComponentMetadata, ComponentOutput, Guest, HealthStatus,
    Metadata,
};
use serde_json::{json, Value};

struct Release;

impl Guest for Release {
    fn execute(input: ComponentInput) -> Result<ComponentOutput, ComponentError> {
        let undo: Value = serde_json::from_slice(&input.data)
            .map_err(|e| ComponentError::InvalidInput(format!("not a compensation: {e}")))?;
        let reservation = &undo["output"];
        let failed = &undo["failed"];
        let order = reservation["order"].as_str().unwrap_or_default();
        log(
            Level::Warn,
            &format!(
                "released {} × {} of order {order}: {} failed ({})",
                reservation["qty"],
                reservation["item"].as_str().unwrap_or_default(),
                failed["node"].as_str().unwrap_or_default(),
                failed["message"].as_str().unwrap_or_default(),
            ),
        );
        key_value::set(
            &format!("released:{order}"),
            reservation.to_string().as_bytes(),
        )?;
        Ok(ComponentOutput {
            data: json!({ "released": reservation }).to_string().into_bytes(),
            metadata: Vec::new(),
        })
    }

    fn init(_config: Metadata) -> Result<(), ComponentError> {
        Ok(())
    }

    fn shutdown() {}

    fn describe() -> ComponentMetadata {
        ComponentMetadata {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: env!("CARGO_PKG_DESCRIPTION").into(),
        }
    }

    fn health() -> HealthStatus {
        HealthStatus::Healthy
    }
}

export!(Release);
