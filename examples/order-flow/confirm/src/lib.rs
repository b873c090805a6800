//! confirm: the exit node. It needs both reserve and charge, so its input is
//! their outputs by node name: `{"charge":{..},"reserve":{..}}`. Its metadata
//! holds `order` (and `channel` when the run was given one), mapped in
//! Pipeline.toml. Outputs the confirmation.

wit_bindgen::generate!({ world: "component", path: "wit" });

use airssys::core::logging::{log, Level};
use exports::airssys::core::lifecycle::{
    ComponentError, ComponentInput, ComponentMetadata, ComponentOutput, Guest, HealthStatus,
    Metadata,
};
use serde_json::{json, Value};

struct Confirm;

impl Guest for Confirm {
    fn execute(input: ComponentInput) -> Result<ComponentOutput, ComponentError> {
        let both: Value = serde_json::from_slice(&input.data)
            .map_err(|e| ComponentError::InvalidInput(format!("not reserve and charge: {e}")))?;
        let (reserve, charge) = (&both["reserve"], &both["charge"]);
        let meta = |key: &str| {
            input
                .metadata
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, value)| value.clone())
        };
        let order = meta("order")
            .ok_or_else(|| ComponentError::InvalidInput("no `order` metadata".into()))?;
        let mut confirmation = json!({
            "order": order,
            "status": "confirmed",
            "item": reserve["item"],
            "qty": reserve["qty"],
            "reservation": reserve["reservation"],
            "paid": charge["amount"],
            "payment": charge["payment"],
        });
        if let Some(channel) = meta("channel") {
            confirmation["channel"] = channel.into();
        }
        log(Level::Info, &format!("confirmed order {order}"));
        Ok(ComponentOutput {
            // One line of JSON, so a terminal shows it on a line of its own.
            data: format!("{confirmation}\n").into_bytes(),
            metadata: vec![
                ("order".into(), order),
                ("status".into(), "confirmed".into()),
            ],
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

export!(Confirm);
