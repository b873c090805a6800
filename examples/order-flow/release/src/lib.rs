//! release: the compensation of reserve. It runs when reserve succeeded but the
//! run failed later, once, with this input:
//!
//! `{"node":"reserve","input":<reserve's input>,"output":<reserve's output>,
//!   "failed":{"node":..,"kind":..,"message":..}}`
//!
//! Key-value stores are per component: release cannot see (or delete) the
//! `reservation:<order>` entry in reserve's store. It gives the stock back
//! (here: logs it) and keeps its own ledger entry, `released:<order>`.

use airssys_wasm_sdk::kv;
use airssys_wasm_sdk::prelude::*;
use serde_json::{json, Value};

#[component]
struct Release;

impl Component for Release {
    type Config = ();
    type Input = Vec<u8>;
    type Output = Json<Value>;

    fn init(_config: ()) -> Result<Self> {
        Ok(Release)
    }

    fn execute(&mut self, data: Vec<u8>) -> Result<Json<Value>> {
        let undo: Value = serde_json::from_slice(&data)
            .map_err(|e| Error::invalid_input(format!("not a compensation: {e}")))?;
        let reservation = &undo["output"];
        let failed = &undo["failed"];
        let order = reservation["order"].as_str().unwrap_or_default();
        warn!(
            "released {} × {} of order {order}: {} failed ({})",
            reservation["qty"],
            reservation["item"].as_str().unwrap_or_default(),
            failed["node"].as_str().unwrap_or_default(),
            failed["message"].as_str().unwrap_or_default(),
        );
        // Reserve's output, as compact JSON.
        kv::set(&format!("released:{order}"), reservation)?;
        Ok(Json(json!({ "released": reservation })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use airssys_wasm_sdk::testing::TestHost;

    #[test]
    fn logs_the_release_and_keeps_a_ledger_entry() {
        let host = TestHost::new();
        let mut release: Release = host.init().unwrap();
        let reservation = r#"{"item":"book","order":"o-1","qty":2,"reservation":"r-o-1"}"#;
        let undo = format!(
            r#"{{"node":"reserve","input":{{}},"output":{reservation},"failed":{{"node":"charge","kind":"invalid-input","message":"card declined"}}}}"#
        );
        let output = host.execute(&mut release, undo).unwrap();
        assert_eq!(
            output.as_text().unwrap(),
            format!(r#"{{"released":{reservation}}}"#)
        );
        assert!(output.metadata().is_empty());
        let stored: Value = host.kv_get("released:o-1").unwrap();
        assert_eq!(stored.to_string(), reservation);
        assert!(host.logged("released 2 × book of order o-1: charge failed (card declined)"));
    }

    #[test]
    fn a_payload_that_is_not_json_is_invalid_input() {
        let host = TestHost::new();
        let mut release: Release = host.init().unwrap();
        let error = host.execute(&mut release, "{").unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert_eq!(
            error.message(),
            "not a compensation: EOF while parsing an object at line 1 column 1"
        );
        assert!(host.kv_keys().is_empty());
    }
}
