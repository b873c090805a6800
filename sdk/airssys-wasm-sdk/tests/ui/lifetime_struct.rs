// `#[component]` on a struct that borrows (has a lifetime parameter).
use airssys_wasm_sdk::prelude::*;

#[component]
struct Greeter<'a> {
    greeting: &'a str,
}

fn main() {
    let _ = Greeter { greeting: "hi" }.greeting;
}
