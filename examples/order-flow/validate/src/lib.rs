//! validate: the pipeline's entry node. Checks the order JSON
//! (`{"order":"o-1","item":"book","qty":2,"card":"4242 4242 4242 4242"}`)
//! and passes it on without the card number: nodes downstream see its last
//! four digits only. Output metadata: `order` = the order id.

use airssys_wasm_sdk::prelude::*;
use serde_json::{json, Value};

#[component]
struct Validate;

impl Component for Validate {
    type Config = ();
    // Raw bytes, parsed here: any JSON is read leniently (a missing or mistyped
    // field gets this component's own message, not serde's).
    type Input = Vec<u8>;
    type Output = Output;

    fn init(_config: ()) -> Result<Self> {
        Ok(Validate)
    }

    fn execute(&mut self, data: Vec<u8>) -> Result<Output> {
        let order: Value = serde_json::from_slice(&data)
            .map_err(|e| Error::invalid_input(format!("the order is not JSON: {e}")))?;
        let id = text(&order, "order")?;
        let item = text(&order, "item")?;
        let qty = match order["qty"].as_u64() {
            Some(qty @ 1..=100) => qty,
            _ => {
                return Err(Error::invalid_input(
                    "`qty` must be a whole number from 1 to 100",
                ))
            }
        };
        let card: String = text(&order, "card")?.replace(' ', "");
        if card.len() != 16 || !card.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid_input("`card` must be 16 digits"));
        }
        debug!("order {id} is valid");
        let checked = json!({ "order": id, "item": item, "qty": qty, "card_last4": &card[12..] });
        Ok(Output::json(&checked)?.meta("order", id))
    }
}

/// The non-empty string field `key` of the order.
fn text<'a>(order: &'a Value, key: &str) -> Result<&'a str> {
    match order[key].as_str() {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(Error::invalid_input(format!(
            "`{key}` must be a non-empty string"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use airssys_wasm_sdk::testing::TestHost;

    #[test]
    fn passes_the_order_on_without_the_card_number() {
        let host = TestHost::new();
        let mut validate: Validate = host.init().unwrap();
        let order = r#"{"order":"o-1","item":"book","qty":2,"card":"4242 4242 4242 4242"}"#;
        let output = host.execute(&mut validate, order).unwrap();
        assert_eq!(
            output.as_text().unwrap(),
            r#"{"card_last4":"4242","item":"book","order":"o-1","qty":2}"#
        );
        assert_eq!(output.metadata().get("order"), Some("o-1"));
        assert!(host.logged("order o-1 is valid"));
    }

    #[test]
    fn a_bad_order_is_invalid_input() {
        let host = TestHost::new();
        let mut validate: Validate = host.init().unwrap();
        let order = r#"{"order":"o-5","item":"book","qty":0,"card":"4242"}"#;
        let error = host.execute(&mut validate, order).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert_eq!(
            error.message(),
            "`qty` must be a whole number from 1 to 100"
        );
        let error = host.execute(&mut validate, "not json").unwrap_err();
        assert_eq!(
            error.message(),
            "the order is not JSON: expected ident at line 1 column 2"
        );
    }
}
