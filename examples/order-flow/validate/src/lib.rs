//! validate: the pipeline's entry node. Checks the order JSON
//! (`{"order":"o-1","item":"book","qty":2,"card":"4242 4242 4242 4242"}`)
//! and passes it on without the card number: nodes downstream see its last
//! four digits only. Output metadata: `order` = the order id.

wit_bindgen::generate!({ world: "component", path: "wit" });

use airssys::core::logging::{log, Level};
use exports::airssys::core::lifecycle::{
    ComponentError, ComponentInput, ComponentMetadata, ComponentOutput, Guest, HealthStatus,
    Metadata,
};
use serde_json::{json, Value};

struct Validate;

impl Guest for Validate {
    fn execute(input: ComponentInput) -> Result<ComponentOutput, ComponentError> {
        let order: Value = serde_json::from_slice(&input.data)
            .map_err(|e| invalid(format!("the order is not JSON: {e}")))?;
        let id = text(&order, "order")?;
        let item = text(&order, "item")?;
        let qty = match order["qty"].as_u64() {
            Some(qty @ 1..=100) => qty,
            _ => return Err(invalid("`qty` must be a whole number from 1 to 100".into())),
        };
        let card: String = text(&order, "card")?.replace(' ', "");
        if card.len() != 16 || !card.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("`card` must be 16 digits".into()));
        }
        log(Level::Debug, &format!("order {id} is valid"));
        let checked = json!({ "order": id, "item": item, "qty": qty, "card_last4": &card[12..] });
        Ok(ComponentOutput {
            data: checked.to_string().into_bytes(),
            metadata: vec![("order".into(), id.into())],
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

/// The non-empty string field `key` of the order.
fn text<'a>(order: &'a Value, key: &str) -> Result<&'a str, ComponentError> {
    match order[key].as_str() {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(invalid(format!("`{key}` must be a non-empty string"))),
    }
}

fn invalid(message: String) -> ComponentError {
    ComponentError::InvalidInput(message)
}

export!(Validate);
