// `#[component]` given a name and version, which come from Cargo.toml instead.
use airssys_wasm_sdk::prelude::*;

#[component(name = "hello", version = "1.0.0")]
struct Hello;

impl Component for Hello {
    type Config = ();
    type Input = Text;
    type Output = Text;

    fn init(_config: ()) -> Result<Self> {
        Ok(Hello)
    }

    fn execute(&mut self, input: Text) -> Result<Text> {
        Ok(input)
    }
}

fn main() {}
