//! charge: charges the card. Takes validate's output and the `reference`
//! metadata (the order id, mapped in Pipeline.toml), writes the receipt to its
//! key-value store (`charge:<reference>`) and outputs it. Undone by `refund`.
//!
//! Test cards, as payment providers have them:
//! - ending in `0000`: declined, an `invalid-input` error: retrying would not
//!   help, and the pipeline's retry policy for this node does not retry it;
//! - ending in `9999`: the gateway times out once (`internal`, retried), then
//!   the charge goes through.

use airssys_wasm_sdk::kv;
use airssys_wasm_sdk::prelude::*;
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

#[component]
struct Charge;

impl Component for Charge {
    type Config = ();
    // The whole request: the order and its `reference` metadata.
    type Input = Input;
    type Output = Output;

    fn init(_config: ()) -> Result<Self> {
        Ok(Charge)
    }

    fn execute(&mut self, input: Input) -> Result<Output> {
        let order: Value = serde_json::from_slice(input.bytes())
            .map_err(|e| Error::invalid_input(format!("not a checked order: {e}")))?;
        let item = order["item"].as_str().unwrap_or_default();
        let qty = order["qty"].as_u64().unwrap_or_default();
        let last4 = order["card_last4"].as_str().unwrap_or_default();
        let reference = input
            .meta("reference")
            .ok_or_else(|| Error::invalid_input("no `reference` metadata"))?;
        match last4 {
            "0000" => {
                return Err(Error::invalid_input(format!(
                    "card declined (card ending {last4})"
                )))
            }
            "9999" => {
                // The first attempt "times out" and leaves a marker; the retry finds it.
                let marker = format!("timed-out:{reference}");
                if kv::get_bytes(&marker)?.is_none() {
                    kv::set_bytes(&marker, b"1")?;
                    return Err(Error::internal("payment gateway timed out"));
                }
                kv::delete(&marker)?;
            }
            _ => {}
        }
        let cents = price(item) * qty;
        let amount = format!("{}.{:02} EUR", cents / 100, cents % 100);
        let payment = format!("p-{reference}");
        let receipt = json!({ "payment": payment, "amount": amount, "card_last4": last4 });
        // Stored as compact JSON, the same bytes as the output.
        kv::set(&format!("charge:{reference}"), &receipt)?;
        info!("charged {amount} to the card ending {last4} ({reference})");
        Ok(Output::json(&receipt)?.meta("payment", payment))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use airssys_wasm_sdk::testing::TestHost;

    fn order(card_last4: &str) -> Input {
        let order =
            format!(r#"{{"card_last4":"{card_last4}","item":"book","order":"o-1","qty":2}}"#);
        Input::new(order).with_meta("reference", "o-1")
    }

    #[test]
    fn charges_and_keeps_the_receipt() {
        let host = TestHost::new();
        let mut charge: Charge = host.init().unwrap();
        let output = host.execute(&mut charge, order("4242")).unwrap();
        let expected = r#"{"amount":"25.00 EUR","card_last4":"4242","payment":"p-o-1"}"#;
        assert_eq!(output.as_text().unwrap(), expected);
        assert_eq!(output.metadata().get("payment"), Some("p-o-1"));
        let stored: Value = host.kv_get("charge:o-1").unwrap();
        assert_eq!(stored.to_string(), expected);
        assert!(host.logged("charged 25.00 EUR to the card ending 4242 (o-1)"));
    }

    #[test]
    fn a_declined_card_is_invalid_input_and_a_timeout_internal_once() {
        let host = TestHost::new();
        let mut charge: Charge = host.init().unwrap();
        let error = host.execute(&mut charge, order("0000")).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert_eq!(error.message(), "card declined (card ending 0000)");
        assert!(host.kv_keys().is_empty());

        let error = host.execute(&mut charge, order("9999")).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Internal);
        assert_eq!(error.message(), "payment gateway timed out");
        assert!(host.execute(&mut charge, order("9999")).is_ok());
        assert_eq!(host.kv_keys(), ["charge:o-1"]);
    }
}
