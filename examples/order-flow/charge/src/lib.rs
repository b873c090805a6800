//! charge: charges the card. Takes validate's output and the `reference`
//! metadata (the order id, mapped in Pipeline.toml), writes the receipt to its
//! key-value store (`charge:<reference>`) and outputs it. Undone by `refund`.
//!
//! Test cards, as payment providers have them:
//! - ending in `0000`: declined, an `invalid-input` error: retrying would not
//!   help, and the pipeline's retry policy for this node does not retry it;
//! - ending in `9999`: the gateway times out once (`internal`, retried), then
//!   the charge goes through.

wit_bindgen::generate!({ world: "component", path: "wit" });

use airssys::core::key_value;
use airssys::core::logging::{log, Level};
use exports::airssys::core::lifecycle::{
    ComponentError, ComponentInput, ComponentMetadata, ComponentOutput, Guest, HealthStatus,
    Metadata,
};
use serde_json::{json, Value};

/// Unit prices in cents.
fn price(item: &str) -> u64 {
    match item {
        "book" => 1250,
        "pen" => 150,
        "mug" => 800,
        _ => 999,
    }
}

struct Charge;

impl Guest for Charge {
    fn execute(input: ComponentInput) -> Result<ComponentOutput, ComponentError> {
        let order: Value = serde_json::from_slice(&input.data)
            .map_err(|e| ComponentError::InvalidInput(format!("not a checked order: {e}")))?;
        let item = order["item"].as_str().unwrap_or_default();
        let qty = order["qty"].as_u64().unwrap_or_default();
        let last4 = order["card_last4"].as_str().unwrap_or_default();
        let reference = input
            .metadata
            .iter()
            .find(|(key, _)| key == "reference")
            .map(|(_, value)| value.clone())
            .ok_or_else(|| ComponentError::InvalidInput("no `reference` metadata".into()))?;
        match last4 {
            "0000" => {
                return Err(ComponentError::InvalidInput(format!(
                    "card declined (card ending {last4})"
                )))
            }
            "9999" => {
                // The first attempt "times out" and leaves a marker; the retry finds it.
                let marker = format!("timed-out:{reference}");
                if key_value::get(&marker)?.is_none() {
                    key_value::set(&marker, b"1")?;
                    return Err(ComponentError::Internal("payment gateway timed out".into()));
                }
                key_value::delete(&marker)?;
            }
            _ => {}
        }
        let cents = price(item) * qty;
        let amount = format!("{}.{:02} EUR", cents / 100, cents % 100);
        let payment = format!("p-{reference}");
        let receipt = json!({ "payment": payment, "amount": amount, "card_last4": last4 });
        key_value::set(
            &format!("charge:{reference}"),
            receipt.to_string().as_bytes(),
        )?;
        log(
            Level::Info,
            &format!("charged {amount} to the card ending {last4} ({reference})"),
        );
        Ok(ComponentOutput {
            data: receipt.to_string().into_bytes(),
            metadata: vec![("payment".into(), payment)],
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

export!(Charge);
