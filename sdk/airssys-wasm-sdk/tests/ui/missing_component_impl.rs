// `#[component]` on a struct that never implements `Component`.
use airssys_wasm_sdk::prelude::*;

#[component]
struct Hello {
    greeting: String,
}

impl Hello {
    fn greet(&self, name: &str) -> String {
        format!("{} {name}", self.greeting)
    }
}

fn main() {
    let _ = Hello::greet;
}
