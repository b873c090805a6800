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

use airssys_wasm_sdk::kv;
use airssys_wasm_sdk::prelude::*;
use serde_json::{json, Value};

#[component]
struct Refund;

impl Component for Refund {
    type Config = ();
    type Input = Vec<u8>;
    type Output = Json<Value>;

    fn init(_config: ()) -> Result<Self> {
        Ok(Refund)
    }

    fn execute(&mut self, data: Vec<u8>) -> Result<Json<Value>> {
        let undo: Value = serde_json::from_slice(&data)
            .map_err(|e| Error::invalid_input(format!("not a compensation: {e}")))?;
        let receipt = &undo["output"];
        let failed = &undo["failed"];
        let order = undo["input"]["order"].as_str().unwrap_or_default();
        warn!(
            "refunded {} to the card ending {} for order {order}: {} failed ({})",
            receipt["amount"].as_str().unwrap_or_default(),
            receipt["card_last4"].as_str().unwrap_or_default(),
            failed["node"].as_str().unwrap_or_default(),
            failed["message"].as_str().unwrap_or_default(),
        );
        // Charge's receipt, as compact JSON.
        kv::set(&format!("refunded:{order}"), receipt)?;
        Ok(Json(json!({ "refunded": receipt })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use airssys_wasm_sdk::testing::TestHost;

    #[test]
    fn logs_the_refund_and_keeps_a_ledger_entry() {
        let host = TestHost::new();
        let mut refund: Refund = host.init().unwrap();
        let receipt = r#"{"amount":"112.50 EUR","card_last4":"4242","payment":"p-o-4"}"#;
        let undo = format!(
            r#"{{"node":"charge","input":{{"order":"o-4"}},"output":{receipt},"failed":{{"node":"reserve","kind":"not-found","message":"out of stock"}}}}"#
        );
        let output = host.execute(&mut refund, undo).unwrap();
        assert_eq!(
            output.as_text().unwrap(),
            format!(r#"{{"refunded":{receipt}}}"#)
        );
        assert!(output.metadata().is_empty());
        let stored: Value = host.kv_get("refunded:o-4").unwrap();
        assert_eq!(stored.to_string(), receipt);
        assert!(host.logged(
            "refunded 112.50 EUR to the card ending 4242 for order o-4: reserve failed (out of stock)"
        ));
    }

    #[test]
    fn without_storage_it_fails_with_permission_denied() {
        let host = TestHost::new().deny_kv();
        let mut refund: Refund = host.init().unwrap();
        let undo = r#"{"input":{"order":"o-4"},"output":{"amount":"1.00 EUR"}}"#;
        let error = host.execute(&mut refund, undo).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::PermissionDenied);
    }
}
