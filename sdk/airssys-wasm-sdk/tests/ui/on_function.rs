// `#[component]` on a handler function instead of a type.
use airssys_wasm_sdk::prelude::*;

#[component]
fn hello(Text(name): Text) -> Result<Text> {
    Ok(Text(format!("hello {name}")))
}

fn main() {}
