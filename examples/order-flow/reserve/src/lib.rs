//! reserve: puts the ordered stock aside. Takes validate's output, fails with
//! `not-found` when there is not enough stock, writes the reservation to its
//! key-value store (`reservation:<order>`) and outputs it. Undone by `release`.

use airssys_wasm_sdk::kv;
use airssys_wasm_sdk::prelude::*;
use serde_json::{json, Value};

/// What is in stock (a real shop would ask its inventory service).
const STOCK: &[(&str, u64)] = &[("book", 5), ("pen", 50), ("mug", 10)];

#[component]
struct Reserve;

impl Component for Reserve {
    type Config = ();
    type Input = Vec<u8>;
    type Output = Output;

    fn init(_config: ()) -> Result<Self> {
        Ok(Reserve)
    }

    fn execute(&mut self, data: Vec<u8>) -> Result<Output> {
        let order: Value = serde_json::from_slice(&data)
            .map_err(|e| Error::invalid_input(format!("not a checked order: {e}")))?;
        let id = order["order"].as_str().unwrap_or_default();
        let item = order["item"].as_str().unwrap_or_default();
        let qty = order["qty"].as_u64().unwrap_or_default();
        let left = STOCK
            .iter()
            .find(|(name, _)| *name == item)
            .map_or(0, |s| s.1);
        if qty > left {
            return Err(Error::not_found(format!(
                "out of stock: {qty} × {item} wanted, {left} left"
            )));
        }
        let id_of_reservation = format!("r-{id}");
        let reservation =
            json!({ "reservation": id_of_reservation, "order": id, "item": item, "qty": qty });
        // Stored as compact JSON, the same bytes as the output.
        kv::set(&format!("reservation:{id}"), &reservation)?;
        info!("reserved {qty} × {item} for order {id}");
        Ok(Output::json(&reservation)?.meta("reservation", id_of_reservation))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use airssys_wasm_sdk::testing::TestHost;

    #[test]
    fn reserves_and_keeps_the_reservation() {
        let host = TestHost::new();
        let mut reserve: Reserve = host.init().unwrap();
        let order = r#"{"card_last4":"4242","item":"book","order":"o-1","qty":2}"#;
        let output = host.execute(&mut reserve, order).unwrap();
        let expected = r#"{"item":"book","order":"o-1","qty":2,"reservation":"r-o-1"}"#;
        assert_eq!(output.as_text().unwrap(), expected);
        assert_eq!(output.metadata().get("reservation"), Some("r-o-1"));
        let stored: Value = host.kv_get("reservation:o-1").unwrap();
        assert_eq!(stored.to_string(), expected);
        assert!(host.logged("reserved 2 × book for order o-1"));
    }

    #[test]
    fn too_little_stock_is_not_found() {
        let host = TestHost::new();
        let mut reserve: Reserve = host.init().unwrap();
        let order = r#"{"card_last4":"4242","item":"book","order":"o-4","qty":9}"#;
        let error = host.execute(&mut reserve, order).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::NotFound);
        assert_eq!(error.message(), "out of stock: 9 × book wanted, 5 left");
        assert!(host.kv_keys().is_empty());
    }
}
