//! confirm: the exit node. It needs both reserve and charge, so its input is
//! their outputs by node name: `{"charge":{..},"reserve":{..}}`. Its metadata
//! holds `order` (and `channel` when the run was given one), mapped in
//! Pipeline.toml. Outputs the confirmation.

use airssys_wasm_sdk::prelude::*;
use serde_json::{json, Value};

#[component]
struct Confirm;

impl Component for Confirm {
    type Config = ();
    // The whole request: both outputs and the `order` (and `channel`) metadata.
    type Input = Input;
    type Output = Output;

    fn init(_config: ()) -> Result<Self> {
        Ok(Confirm)
    }

    fn execute(&mut self, input: Input) -> Result<Output> {
        let both: Value = serde_json::from_slice(input.bytes())
            .map_err(|e| Error::invalid_input(format!("not reserve and charge: {e}")))?;
        let (reserve, charge) = (&both["reserve"], &both["charge"]);
        let order = input
            .meta("order")
            .ok_or_else(|| Error::invalid_input("no `order` metadata"))?;
        let mut confirmation = json!({
            "order": order,
            "status": "confirmed",
            "item": reserve["item"],
            "qty": reserve["qty"],
            "reservation": reserve["reservation"],
            "paid": charge["amount"],
            "payment": charge["payment"],
        });
        if let Some(channel) = input.meta("channel") {
            confirmation["channel"] = channel.into();
        }
        info!("confirmed order {order}");
        // One line of JSON, so a terminal shows it on a line of its own.
        Ok(Output::text(format!("{confirmation}\n"))
            .meta("order", order)
            .meta("status", "confirmed"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use airssys_wasm_sdk::testing::TestHost;

    const BOTH: &str = r#"{"charge":{"amount":"25.00 EUR","card_last4":"4242","payment":"p-o-1"},"reserve":{"item":"book","order":"o-1","qty":2,"reservation":"r-o-1"}}"#;

    #[test]
    fn confirms_with_the_order_and_channel_metadata() {
        let host = TestHost::new();
        let mut confirm: Confirm = host.init().unwrap();
        let input = Input::new(BOTH)
            .with_meta("order", "o-1")
            .with_meta("channel", "web");
        let output = host.execute(&mut confirm, input).unwrap();
        assert_eq!(
            output.as_text().unwrap(),
            "{\"channel\":\"web\",\"item\":\"book\",\"order\":\"o-1\",\"paid\":\"25.00 EUR\",\
             \"payment\":\"p-o-1\",\"qty\":2,\"reservation\":\"r-o-1\",\"status\":\"confirmed\"}\n"
        );
        let meta: Vec<_> = output.metadata().iter().collect();
        assert_eq!(meta, [("order", "o-1"), ("status", "confirmed")]);
        assert!(host.logged("confirmed order o-1"));
    }

    #[test]
    fn no_order_metadata_is_invalid_input() {
        let host = TestHost::new();
        let mut confirm: Confirm = host.init().unwrap();
        let error = host.execute(&mut confirm, BOTH).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert_eq!(error.message(), "no `order` metadata");
    }
}
