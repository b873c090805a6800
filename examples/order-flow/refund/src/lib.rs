//! refund: the compensation of charge. It runs when charge succeeded but the
//! run failed later (e.g. reserve found too little stock), once, with this
//! input:
//!
//! `{"node":"charge","input":<charge's input>,"output":<charge's output>,
//!   "failed":{"node":..,"kind":..,"message":..}}`
//!
//! Key-value stores are per component: refund cannot see charge's receipts. It
//! pays the amount back (here: logs it) and keeps its own ledger entry,
//! `refunded:<order>`.

wit_bindgen::generate!({ world: "component", path: "wit" });

use airssys::core::key_value;
use airssys::core::logging::{log, Level};
use exports::airssys::core::lifecycle::{
    ComponentError, ComponentInput, ComponentMetadata, ComponentOutput, Guest, HealthStatus,
    Metadata,
};
use serde_json::{json, Value};

struct Refund;

impl Guest for Refund {
    fn execute(input: ComponentInput) -> Result<ComponentOutput, ComponentError> {
        let undo: Value = serde_json::from_slice(&input.data)
            .map_err(|e| ComponentError::InvalidInput(format!("not a compensation: {e}")))?;
        let receipt = &undo["output"];
        let failed = &undo["failed"];
        let order = undo["input"]["order"].as_str().unwrap_or_default();
        log(
            Level::Warn,
            &format!(
                "refunded {} to the card ending {} for order {order}: {} failed ({})",
                receipt["amount"].as_str().unwrap_or_default(),
                receipt["card_last4"].as_str().unwrap_or_default(),
                failed["node"].as_str().unwrap_or_default(),
                failed["message"].as_str().unwrap_or_default(),
            ),
        );
        key_value::set(&format!("refunded:{order}"), receipt.to_string().as_bytes())?;
        Ok(ComponentOutput {
            data: json!({ "refunded": receipt }).to_string().into_bytes(),
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

export!(Refund);
