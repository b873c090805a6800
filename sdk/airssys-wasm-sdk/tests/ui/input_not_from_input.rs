// `type Input = u32`: a bare number is not a request type (use `Json<u32>`).
use airssys_wasm_sdk::prelude::*;

#[component]
struct Doubler;

impl Component for Doubler {
    type Config = ();
    type Input = u32;
    type Output = String;

    fn init(_config: ()) -> Result<Self> {
        Ok(Doubler)
    }

    fn execute(&mut self, n: u32) -> Result<String> {
        Ok((n * 2).to_string())
    }
}

fn main() {}
