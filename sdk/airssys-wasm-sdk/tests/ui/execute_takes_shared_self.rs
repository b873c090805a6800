// `execute` takes `&self` instead of `&mut self`.
use airssys_wasm_sdk::prelude::*;

#[component]
struct Hello;

impl Component for Hello {
    type Config = ();
    type Input = Text;
    type Output = Text;

    fn init(_config: ()) -> Result<Self> {
        Ok(Hello)
    }

    fn execute(&self, input: Text) -> Result<Text> {
        Ok(input)
    }
}

fn main() {}
