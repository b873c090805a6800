//! reserve: puts the ordered stock aside. Takes validate's output, fails with
//! `not-found` when there is not enough stock, writes the reservation to its
//! key-value store (`reservation:<order>`) and outputs it. Undone by `release`.

wit_bindgen::generate!({ world: "component", path: "wit" });

use airssys::core::key_value;
use airssys::core::logging::{log, Level};
use exports::airssys::core::lifecycle::{
    ComponentError, ComponentInput, ComponentMetadata, ComponentOutput, Guest, HealthStatus,
    Metadata,
};
use serde_json::{json, Value};

/// What is in stock (a real shop would ask its inventory service).
const STOCK: &[(&str, u64)] = &[("book", 5), ("pen", 50), ("mug", 10)];

struct Reserve;

impl Guest for Reserve {
    fn execute(input: ComponentInput) -> Result<ComponentOutput, ComponentError> {
        let order: Value = serde_json::from_slice(&input.data)
            .map_err(|e| ComponentError::InvalidInput(format!("not a checked order: {e}")))?;
        let id = order["order"].as_str().unwrap_or_default();
        let item = order["item"].as_str().unwrap_or_default();
        let qty = order["qty"].as_u64().unwrap_or_default();
        let left = STOCK
            .iter()
            .find(|(name, _)| *name == item)
            .map_or(0, |s| s.1);
        if qty > left {
            return Err(ComponentError::NotFound(format!(
                "out of stock: {qty} × {item} wanted, {left} left"
            )));
        }
        let id_of_reservation = format!("r-{id}");
        let reservation =
            json!({ "reservation": id_of_reservation, "order": id, "item": item, "qty": qty });
        key_value::set(
            &format!("reservation:{id}"),
            reservation.to_string().as_bytes(),
        )?;
        log(
            Level::Info,
            &format!("reserved {qty} × {item} for order {id}"),
        );
        Ok(ComponentOutput {
            data: reservation.to_string().into_bytes(),
            metadata: vec![("reservation".into(), id_of_reservation)],
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

export!(Reserve);
